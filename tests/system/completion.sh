#!/bin/bash
# Bash completion (completions/ptscope), driven as a user types: bash in
# tmux, the completion sourced, Tab pressed, the screen read.  Fails
# without tmux or the default kernel's dumps.
top=${top_srcdir:-.}
P=${PTSCOPE:-$top/src/ptscope}
n=0; failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else failed=$((failed+1)); echo "not ok $n - $2"; fi; }
command -v tmux >/dev/null; ok $? "tmux is installed"
k1=$(grep -v '^#' "$top/tests/kernels" | awk 'NF {print $1; exit}')
D=$("$top/scripts/testbed" path "$k1"); [ -f "$D/kdump-lzo" ]; ok $? "$k1: test-bed dumps exist"
t=$(mktemp -d); S=ptscope-compl-$$
trap 'tmux kill-session -t $S 2>/dev/null; rm -rf "$t"' EXIT
mkdir -p "$t/bin"; ln -s "$(cd "$(dirname "$P")" && pwd)/$(basename "$P")" "$t/bin/ptscope"
cp "$D/kdump-lzo" "$t/dump-one" 2>/dev/null || ln -s "$D/kdump-lzo" "$t/dump-one"
cat > "$t/rc" <<RC
PS1='$ '
PATH=$t/bin:\$PATH
cd $t
. $(cd "$top" && pwd)/completions/ptscope
bind 'set show-all-if-ambiguous on'
bind 'set bell-style none'
bind 'set completion-query-items 10000'
bind 'set page-completions off'
RC
tmux new-session -d -s $S -x 200 -y 50 "bash --noprofile --rcfile $t/rc -i"
sleep 1
# type, Tab, wait for want on the screen (grep -E), then clear the line
try() {
	local name=$1 keys=$2 want=$3 i
	tmux send-keys -t $S "$keys" Tab
	for i in $(seq 40); do
		tmux capture-pane -p -t $S > "$t/screen"
		grep -qE -- "$want" "$t/screen" && break
		sleep 0.5
	done
	if grep -qE -- "$want" "$t/screen"; then
		ok 0 "$name"
	else
		ok 1 "$name"; grep -v '^$' "$t/screen" | sed 's/^/#   /' | tail -15
	fi
	tmux send-keys -t $S C-u C-l
	sleep 0.3
}
try "commands after ptscope" "ptscope " "hugetlb +.*locks|locks +.*hugetlb"
try "a command from its prefix: hug -> hugetlb" "ptscope hug" '\$ ptscope hugetlb$'
try "options after a dash" "ptscope check --a" '\$ ptscope check --all$'
try "report --format: text, json and the plugins' triage and sarif" "ptscope report --format " \
	"sarif.*triage|triage.*sarif"
try "the DUMP: files" "ptscope info dump-o" '\$ ptscope info dump-one'
pid=$("$P" ps "$D/kdump-lzo" 2>/dev/null | awk '$NF == "wl-basic" { print $1; exit }')
try "-p: the PIDs of the dump on the line (wl-basic's $pid among them)" "ptscope vmas dump-one -p " \
	"(^| )$pid( |$)"
try "-k: files" "ptscope ps -k dump-o" '\$ ptscope ps -k dump-one'
echo "1..$n"
[ $failed = 0 ]
