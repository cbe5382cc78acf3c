#!/bin/sh
exec autoreconf -fi "$(dirname "$0")"
