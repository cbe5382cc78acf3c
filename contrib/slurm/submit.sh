#!/bin/bash
# submit.sh LIST OUTDIR: the array (one task per line of LIST) and, after
# it, the merge step writing OUTDIR/summary.json.  Prints both job IDs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
list=$(realpath "$1")
out=$(realpath -m "$2")
mkdir -p "$out"
n=$(grep -c . "$list")
a=$(sbatch --parsable --array=1-"$n" --chdir="$out" "$here/ptscope-array.sbatch" "$list" "$out")
m=$(sbatch --parsable --dependency=afterany:"${a%%;*}" --job-name=ptscope-merge --chdir="$out" \
	--output="$out/merge.log" --wrap "python3 '$here/merge.py' '$out' > '$out/summary.json'")
echo "$a $m"
