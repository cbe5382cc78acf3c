#!/bin/bash
# The README's first command from nothing: scripts/demo in a fresh clone,
# with an empty test-bed cache and an empty user cache (fresh PTSCOPE_CACHE
# and XDG_CACHE_HOME), in a real terminal (tmux).  It must end in the
# browser, quit with exit status 0 on F10, and print no traceback.  (The
# first run once failed there: mke2fs's chatter on the test bed's stdout
# became part of the dump's path.)  Needs the source tree to be a git
# clone; fails, never skips, without it or without tmux.
top=$(cd "${top_srcdir:-.}" && pwd)
n=0; failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else failed=$((failed+1)); echo "not ok $n - $2"; [ -n "$3" ] && tail -40 "$3" | tr -d '\033\r' | sed 's/^/#   /'; echo; fi; }
t=$(mktemp -d); sock=ptscope-demo-$$
trap 'tmux -L $sock kill-server 2>/dev/null; rm -rf "$t"' EXIT

command -v tmux >/dev/null; ok $? "tmux is installed"
git clone -q "$top" "$t/src" 2> "$t/clone.err"; ok $? "a fresh clone of the source tree" "$t/clone.err"
[ -x "$t/src/scripts/demo" ] || { echo "1..$n"; exit 1; }

tmux -L $sock new-session -d -s d -x 160 -y 48
tmux -L $sock pipe-pane -t d -o "cat >> '$t/pane.log'"
# One run, in the terminal, from nothing: everything it prints is kept by
# pipe-pane (the pane's log) for the traceback check.
tmux -L $sock send-keys -t d "cd '$t/src' && PTSCOPE_CACHE='$t/cache' XDG_CACHE_HOME='$t/xdg' scripts/demo; echo DEMO-EXITED \$?" Enter
end=$((SECONDS + 1800)); shown=
while [ $SECONDS -lt $end ]; do
	s=$(tmux -L $sock capture-pane -p -t d)
	if echo "$s" | grep -q "PID   PPID COMM"; then shown=1; break; fi
	echo "$s" | grep -qE "^DEMO-EXITED [0-9]+" && break	# not the typed command line
	sleep 2
done
[ -n "$shown" ]; ok $? "scripts/demo from empty caches ends in the browser's task list" "$t/pane.log"
tmux -L $sock send-keys -t d F10
end=$((SECONDS + 60))
while [ $SECONDS -lt $end ] && ! tmux -L $sock capture-pane -p -t d | grep -qE "^DEMO-EXITED [0-9]+"; do sleep 1; done
tmux -L $sock capture-pane -p -t d | grep -qE "^DEMO-EXITED 0$"; ok $? "F10 quits and scripts/demo exits 0" "$t/pane.log"
! grep -q "Traceback" "$t/pane.log"; ok $? "no traceback on the way" "$t/pane.log"
d=$(PTSCOPE_CACHE="$t/cache" "$t/src/scripts/testbed" path "$(awk '!/^#/ && NF {print $1; exit}' "$top/tests/kernels")" 2>/dev/null)
[ -f "$d/kdump-lzo" ] && [ "$(echo "$d" | wc -l)" = 1 ]; ok $? "the test bed printed only the dump's directory ($d)"
echo "1..$n"
[ $failed = 0 ]
