#!/bin/sh
# Runs inside the test-bed guest (busybox), from the live disk that
# `scripts/testbed live` attaches: ptscope on /proc/kcore, right after the
# oracle was read, with no vmlinux anywhere in the guest.  Everything it
# says goes to /tmp/oracle/live, which init.sh then writes to the oracle
# disk; tests/system/live.py compares it with the oracle.
L=/live
out=/tmp/oracle/live
mkdir -p $out
# Each run bounded: a hang is a failure with a trace, not a stuck guest.
P="timeout 300 $L/ld.so --library-path $L/lib $L/ptscope"
export PTSCOPE_CACHE_DIR=/tmp/ptscope-cache
# a sanitized build (scripts/check's second pass): its reports get their
# own exit status, as on the host
export ASAN_OPTIONS=detect_leaks=1:exitcode=86 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
up() { cut -d' ' -f1 /proc/uptime; }
step() { echo "PTSCOPE-LIVE $* (uptime $(up))"; }

# the debug vmlinux where linux-image-*-dbg installs it, where the host
# gave one (arm64: testbed live)
if [ -b /dev/vdf ]; then
	mkdir -p /usr/lib/debug
	mount -t ext4 -o ro /dev/vdf /usr/lib/debug
fi
ls -l /proc/kcore > $out/kcore.ls 2>&1
ls /usr/lib/debug /boot > $out/debug.ls 2>&1

step ps
# Startup to the first ps line, and the whole ps (uptime: 10 ms steps).
t0=$(up)
$P ps 2>$out/ps.err | { read -r first; t1=$(up); echo "$first"; cat; echo "$t0 $t1" > $out/ps.first; } > $out/ps.txt
echo "$t0 $(up)" > $out/ps.time
$P ps --json > $out/ps.json 2>>$out/ps.err; echo $? > $out/ps.rc
$P info > $out/info.txt 2>$out/info.err; echo $? > $out/info.rc
$P info --json > $out/info.json 2>>$out/info.err

for d in /tmp/oracle/pid-*; do
	pid=${d#/tmp/oracle/pid-}
	read -r comm < /proc/$pid/comm
	step "vmas, walk $pid $comm"
	$P vmas --json -p $pid > $out/vmas-$pid.json 2>$out/vmas-$pid.err
	echo $? > $out/vmas-$pid.rc
	if [ "$comm" = wl-big ]; then
		# A million entries: the count only (tests/system/live.py).
		t0=$(up)
		$P walk -p $pid 2>$out/walk-$pid.err | tail -1 > $out/walk-$pid.last
		echo "$t0 $(up)" > $out/walk-$pid.time
	else
		$P walk --json --pages -p $pid > $out/walk-$pid.json 2>$out/walk-$pid.err
		echo $? > $out/walk-$pid.rc
	fi
done
step check
# The checks, live: whatever they find is marked as seen on a moving target.
$P check --all --json > $out/check.json 2>$out/check.err; echo $? > $out/check.rc
$P locks > $out/locks.txt 2>$out/locks.err; echo $? > $out/locks.rc

step nonroot
# Refusals: not root; a dump argument that is no kcore is still a file.
grep -q '^nobody:' /etc/passwd 2>/dev/null || echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> /etc/passwd
su -s /bin/sh nobody -c "$P ps" > /dev/null 2>$out/nonroot.err; echo $? > $out/nonroot.rc

# kptr_restrict=2 hides /proc/kallsyms' addresses even from root: the
# symbols then come from the kallsyms tables in memory (v6.0+)
kr=$(cat /proc/sys/kernel/kptr_restrict)
echo 2 > /proc/sys/kernel/kptr_restrict
$P info --json > $out/info-kptr.json 2>$out/info-kptr.err; echo $? > $out/info-kptr.rc
echo $kr > /proc/sys/kernel/kptr_restrict
# no /proc/kcore: in a mount namespace, a procfs with only the process
# directories (subset=pid, v5.8): a sanitized build still finds its
# options and threads under /proc/self
unshare -m sh -c "mount -t proc -o subset=pid proc /proc && $P ps" > /dev/null 2>$out/nokcore.err
echo $? > $out/nokcore.rc

step tui
# The TUI, live, in tmux: the task list, then q.
if [ -x $L/tmux ]; then
	mkdir -p /dev/pts
	mount -t devpts devpts /dev/pts 2>/dev/null
	# tmux checks its own TERM even detached (init has "linux", not on the disk)
	export TERMINFO=$L/terminfo TMUX_TMPDIR=/tmp LOCPATH=$L/locale LC_ALL=C.UTF-8 TERM=screen
	T="$L/ld.so --library-path $L/lib $L/tmux"
	$T new-session -d -s t -x 120 -y 40 "TERM=screen $P 2>$out/tui.err; echo \$? > /tmp/tui.rc; sleep 600" \
		2>$out/tmux.err
	# wait for a screen holding want (grep -E), saved in file, and how
	# long it took in FILE.time; bounded against a hang, generously: a
	# whole load (every check, every lock) of a TCG guest on a loaded CI
	# machine has taken more than the 90 s this once allowed
	screen() {
		s=$(cut -d. -f1 /proc/uptime)
		end=$(( s + 300 ))
		while [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
			$T capture-pane -p -t t > $out/$1 2>&1
			if grep -qE "$2" $out/$1; then
				echo $(( $(cut -d. -f1 /proc/uptime) - s )) > $out/$1.time
				return 0
			fi
			sleep 1
		done
		echo timeout > $out/$1.time
		# said at once, on the console: the results reach the host only
		# when the whole script is done
		echo "PTSCOPE-LIVE-ERR screen $1: no /$2/: $(head -c 300 $out/$1 | tr '\n' ' ')" \
			"tmux: $(head -c 200 $out/tmux.err 2>/dev/null | tr '\n' ' ')"
		return 1
	}
	screen tui-tasks.txt 'PID +PPID +COMM' || tui_broken=1
fi
# no TUI at all: no point in waiting for each of its screens in turn
if [ -x $L/tmux ] && [ -z "$tui_broken" ]; then
	# the task list filtered to wl-basic, as a user finds a process
	$T send-keys -t t '\'
	$T send-keys -t t wl-basic Enter
	screen tui-filter.txt ' wl-basic'
	# R: everything read again, the filter kept
	$T send-keys -t t R
	screen tui-reload.txt 're-read the running kernel'
	# check, while tmux and its clients come and go (tests/system/live.py notes it)
	$P check --all > $out/check-busy.txt 2>&1
	# the findings panel, as re-read
	$T send-keys -t t f
	sleep 3
	$T capture-pane -p -t t > $out/tui-findings.txt 2>&1
	$T send-keys -t t t
	$T send-keys -t t q
	i=0
	while [ ! -s /tmp/tui.rc ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
	cat /tmp/tui.rc > $out/tui.rc 2>/dev/null
	$T kill-server 2>/dev/null
fi
step moving
# A kernel that moves under ptscope: processes that fork and exit, mmap,
# fault and munmap (dd's 1 MiB buffers), mmap, mprotect and munmap (the
# dynamic loader mapping tmux's libraries), in loops, while every read
# command runs again and again, and the TUI re-reads (R).  Every run ends
# (exit 0, 1 or 2, within its timeout), a refusal in one line.
# The loops pause between rounds: the guest has one TCG CPU, which
# ptscope must still get a share of.
( while :; do sh -c ':'; sleep 0.05; done ) > /dev/null 2>&1 &
c1=$!
( while :; do dd if=/dev/zero of=/dev/null bs=1M count=8; sleep 0.05; done ) > /dev/null 2>&1 &
c2=$!
( while :; do $L/ld.so --library-path $L/lib $L/tmux -V; sleep 0.05; done ) > /dev/null 2>&1 &
c3=$!
# Three rounds on x86-64; one on arm64, whose TCG guest runs each command
# three to five times slower (a round there took 5 to 10 minutes of CI's
# 90): every command still runs on a moving arm64 kernel.
rounds="1 2 3"
[ "$(uname -m)" = aarch64 ] && rounds=1
for i in $rounds; do
	step "moving, round $i"
	# a process of the churn: gone by the time it is read, or not
	pid=$(pidof dd | cut -d' ' -f1)
	[ -n "$pid" ] || pid=$c2
	n=0
	for cmd in "ps" "ps -T --json" "vmas -p $pid" "walk --json -p $pid" "check -p $pid --json" \
		   "check --all --json" "locks" "rmap --all --json" "hugetlb" "vmas -p $c1"; do
		n=$((n + 1))
		step "moving $i.$n: $cmd"
		timeout 120 $L/ld.so --library-path $L/lib $L/ptscope $cmd > $out/moving-$i-$n.out 2> $out/moving-$i-$n.err
		rc=$?
		echo "$rc $cmd" > $out/moving-$i-$n.rc
		# SIGKILL: the guest's OOM killer (640 MiB, the workloads and
		# the churn), as its log says; kept for tests/system/live.py to check
		[ $rc = 137 ] && dmesg | grep -iE 'out of memory|oom-kill|killed process' | tail -3 > $out/moving-$i-$n.oom
	done
done
if [ -x $L/tmux ] && [ -z "$tui_broken" ]; then
	rm -f /tmp/tui.rc
	# session t again: screen() reads that one
	$T new-session -d -s t -x 120 -y 40 "TERM=screen $P 2>$out/tui-moving.err; echo \$? > /tmp/tui.rc; sleep 600"
	screen tui-moving-tasks.txt 'PID +PPID +COMM'
	# R once the first load is done (one TCG CPU: the churn slows it)
	screen tui-moving-loaded.txt 'FINDINGS' && sleep 5
	$T send-keys -t t R
	step "moving: R"
	screen tui-moving-1.txt 're-read the running kernel'
	$T send-keys -t t q
	i=0
	while [ ! -s /tmp/tui.rc ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
	cat /tmp/tui.rc > $out/tui-moving.rc 2>/dev/null
	$T kill-server 2>/dev/null
fi
kill $c1 $c2 $c3 2>/dev/null
wait 2>/dev/null

# Last, as it cannot be undone: lockdown raised to confidentiality, where
# the kernel refuses kcore (LOCKDOWN_KCORE)
mount -t securityfs none /sys/kernel/security 2>/dev/null
cat /sys/kernel/security/lockdown > $out/lockdown 2>&1
if echo confidentiality > /sys/kernel/security/lockdown 2>/dev/null; then
	$P ps > /dev/null 2>$out/lockdown.err; echo $? > $out/lockdown.rc
fi

# what went wrong, on the console
for e in $out/*.err; do
	[ -s $e ] && sed "s|^|PTSCOPE-LIVE-ERR ${e##*/}: |" $e | head -5
done
echo "PTSCOPE-LIVE done"
