#!/bin/bash
# The corruption campaign (scripts/fuzz-campaign): a fixed set of seeds of
# random damage over every test-bed kernel's kdump, each image read by a
# read command under the build's sanitizers with a time limit.  Any crash
# or hang fails; the counts are printed.  Fails without the dumps.
top=${top_srcdir:-.}
P=${PTSCOPE:-$top/src/ptscope}
n=${PTSCOPE_CAMPAIGN_IMAGES:-300}
# PTSCOPE_PLAIN (scripts/check): a plain build finds the addresses faster
out=$("$top/scripts/fuzz-campaign" -n "$n" --seed 1 --jobs 2 --ptscope "$P" \
	--setup-ptscope "${PTSCOPE_PLAIN:-$P}" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
last=$(echo "$out" | tail -1)
if [ $rc = 0 ] && echo "$last" | grep -q "^fuzz-campaign: $n images.* $n clean, 0 crash, 0 hang"; then
	echo "ok 1 - $last"
else
	echo "not ok 1 - the corruption campaign: exit $rc: $last"
fi
echo "1..1"
