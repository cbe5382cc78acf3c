#!/bin/busybox sh
# Run by the test-bed guest's /init when the guest carries the inject
# module (tests/kernels: inject=1): after the oracle is read, before the
# task list and the dumps.  Loads ptscope_inject.ko on the workload
# processes, lets the waiting threads block, and prints on the console
# what the guest kernel says was done ("PTSCOPE-INJECT ..." lines: the
# test bed keeps them as oracle/inject).
pid_of() {
	for d in /proc/[0-9]*; do
		read -r c < $d/comm 2>/dev/null && [ "$c" = "$1" ] && { echo ${d#/proc/}; return; }
	done
	echo 0
}
B=0x7e0000000000	# wl_huge's 1 GiB-aligned base
insmod /inject/ptscope_inject.ko \
	hgm_pid=$(pid_of wl-huge-un) hgm_addr=0x7e0000200000 \
	share_pid=$(pid_of wl-huge-s1) share_addr=$B \
	stale_pid=$(pid_of wl-huge-s3) stale_addr=$B \
	mmap_pid=$(pid_of wl-lock) \
	imap_pid=$(pid_of wl-imap) imap_addr=0x7d0000000000 \
	ptl_pid=$(pid_of wl-ptl) ptl_addr=0x7d1000000000 \
	anon_pid=$(pid_of wl-ptl) anon_addr=0x7d1000000000 \
	abba_pid=$(pid_of wl-huge-s2) abba_addr=$B || echo "PTSCOPE-INJECT insmod failed"
# wl_lock's threads poll for this every 50 ms.
touch /run/go-lock
sleep 2
dmesg | grep 'ptscope_inject: ' | sed 's/^\[[^]]*\] //; s/^ptscope_inject: /PTSCOPE-INJECT /'
# Each thread that should now be blocked, as the guest sees it: name,
# tid, tgid, state and the kernel function it sleeps in.
for t in /proc/[0-9]*/task/[0-9]*; do
	read -r c < $t/comm 2>/dev/null || continue
	case $c in
	wl-lock-w|wl-imap-w|ptscope-*)
		read -r st < $t/stat
		st=${st##*) }
		tgid=${t#/proc/}; tgid=${tgid%%/*}
		read -r w < $t/wchan 2>/dev/null
		echo "PTSCOPE-INJECT task name=$c tid=${t##*/} tgid=$tgid state=${st%% *} wchan=$w"
		;;
	esac
done
