#!/bin/sh
exec python3 "${top_srcdir:-.}/tests/sarif.py"
