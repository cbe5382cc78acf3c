#!/bin/busybox sh
# /init of the test-bed guest (busybox).  Two roles:
#  - first kernel: start the workloads, arm kdump, write the oracle to
#    /dev/vda, say PTSCOPE-READY on the console, wait for the host to take
#    its QEMU dumps, then panic through sysrq;
#  - capture kernel (/proc/vmcore exists): makedumpfile -d 31 in lzo to
#    /dev/vdb and zlib to /dev/vdc, flattened (or with capture=cp the raw
#    ELF vmcore to /dev/vdb), then power off.
export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp /run/ready
mount -t tmpfs tmp /tmp
K=$(uname -r)
# the console: ttyS0 on x86-64, ttyAMA0 on arm64 (scripts/testbed writes it)
CON=$(cat /console 2>/dev/null || echo ttyS0)
M=/lib/modules/$K/kernel
for m in drivers/firmware/qemu_fw_cfg.ko drivers/virtio/virtio.ko \
	 drivers/virtio/virtio_ring.ko drivers/virtio/virtio_pci_modern_dev.ko \
	 drivers/virtio/virtio_pci_legacy_dev.ko drivers/virtio/virtio_pci.ko \
	 drivers/block/virtio_blk.ko; do
	# virtio_ring precedes virtio on older kernels; retry once in order.
	[ -f $M/$m ] && insmod $M/$m 2>/dev/null
done
for m in drivers/virtio/virtio_ring.ko drivers/virtio/virtio.ko \
	 drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci_legacy_dev.ko \
	 drivers/virtio/virtio_pci.ko drivers/block/virtio_blk.ko; do
	[ -f $M/$m ] && insmod $M/$m 2>/dev/null
done
sleep 1

if [ -e /proc/vmcore ] && [ -f /capture_cp ]; then
	# A kernel makedumpfile cannot read (1.7.8 refuses 52-bit VAs with
	# 4 KiB pages): what Debian's kdump-tools falls back to when
	# makedumpfile fails, the raw ELF /proc/vmcore, here to /dev/vdb.
	echo "PTSCOPE-CAPTURE cp"
	cat /proc/vmcore > /dev/vdb; r1=$?
	sync
	echo "PTSCOPE-KDUMP-DONE $r1 0 elf"
	poweroff -f
fi
if [ -e /proc/vmcore ]; then
	MD="/md/ld.so --library-path /md/lib /md/makedumpfile"
	echo "PTSCOPE-CAPTURE $($MD -v 2>&1 | head -1)"
	$MD -F -l -d 31 /proc/vmcore > /dev/vdb 2>/tmp/md1.log; r1=$?
	$MD -F -c -d 31 /proc/vmcore > /dev/vdc 2>/tmp/md2.log; r2=$?
	sync
	cat /tmp/md1.log /tmp/md2.log | grep -v '^$' | sed 's/^/PTSCOPE-MD: /'
	echo "PTSCOPE-KDUMP-DONE $r1 $r2"
	poweroff -f
fi

# Modules beyond virtio (ext4 where it is one, zram and its compressors),
# in dependency order.
while read -r m; do insmod $M/$m 2>/dev/null; done < /zram_modules

# A disk file system for file mappings backed by a block device.
mkdir -p /mnt/disk
mount -t ext4 -o ro /dev/vdd /mnt/disk && echo "PTSCOPE-DISK ok" || echo "PTSCOPE-DISK none"

# hugetlbfs, for the hugetlb workload: 24 pages of 2 MiB, or 8 of the
# default size where that is bigger (32 MiB with arm64's 16 KiB pages).
mkdir -p /mnt/huge
n=24
[ "$(awk '/^Hugepagesize:/{print $2}' /proc/meminfo)" -gt 2048 ] && n=8
echo $n > /proc/sys/vm/nr_hugepages
mount -t hugetlbfs none /mnt/huge && echo "PTSCOPE-HUGE $(cat /proc/sys/vm/nr_hugepages)"
# 1 GiB pages exist only where the kernel reserved them at boot
# (hugepagesz=1G hugepages=N: tests/kernels); wl_giga maps one.
g=/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages
if [ -f $g ] && [ "$(cat $g)" -gt 0 ]; then
	mkdir -p /mnt/huge1g
	mount -t hugetlbfs -o pagesize=1G none /mnt/huge1g && echo "PTSCOPE-HUGE1G $(cat $g)"
fi

# zram swap, for the workloads' swapped-out pages.
swap=none
if [ -e /sys/block/zram0 ]; then
	for a in lzo-rle lzo lz4 zstd; do
		echo $a > /sys/block/zram0/comp_algorithm 2>/dev/null && break
	done
	echo 64M > /sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null &&
		swapon /dev/zram0 && swap=$(cat /sys/block/zram0/comp_algorithm)
fi
echo "PTSCOPE-SWAP $swap"

# KSM for wl_rmap: scan fast; the workload stops ksmd once its pages
# are merged, so nothing changes before the dump.
k=/sys/kernel/mm/ksm
if [ -d $k ]; then
	echo 20 > $k/sleep_millisecs; echo 1000 > $k/pages_to_scan; echo 1 > $k/run
fi
echo "PTSCOPE-KSM $(cat $k/run 2>/dev/null || echo none)"

# The scale guest (tests/kernels scale=N) runs the scale workload alone:
# its thousands of processes are the point, and the small workloads' full
# oracle would not stay cheap next to them.
if [ -f /scale/n ]; then
	/scale/wl_scale "$(cat /scale/n)" &
	n=1
else
	for w in /wl/wl_*; do
		"$w" &
	done
	n=$(cat /wl/expected_ready)
fi
for i in $(seq 1 12000); do
	[ "$(ls /run/ready | wc -l)" -ge "$n" ] && break
	sleep 0.1
done

# kexec-tools (2.0.25 to 2.0.29) places the kernel image for /proc/vmcore
# by _text from /proc/kallsyms, which arm64 kernels do not list there
# (only _stext): without it the capture kernel's vmcore has a kernel text
# segment at a garbage address and makedumpfile cannot translate.  The
# host wrote _stext - _text from the vmlinux (scripts/testbed): a copy of
# kallsyms with _text is bound over it for kexec to read.
if [ -f /kdump/text_delta ] && ! grep -q ' _text$' /proc/kallsyms; then
	s=$(grep -m1 ' _stext$' /proc/kallsyms | cut -d' ' -f1)
	{ cat /proc/kallsyms; printf '%016x T _text\n' $((0x$s - $(cat /kdump/text_delta))); } > /tmp/kallsyms
	mount --bind /tmp/kallsyms /proc/kallsyms
fi
kexec -p /kdump/vmlinuz --initrd=/kdump/capture.cpio.gz \
	--append="console=$CON irqpoll nr_cpus=1 reset_devices panic=-1 $(cat /kdump/extra_args)" \
	&& echo PTSCOPE-KEXEC-LOADED || echo PTSCOPE-KEXEC-FAILED

mkdir -p /tmp/oracle && cd /tmp/oracle
uname -a > uname
uname -r > release
cat /proc/meminfo > meminfo
cat /proc/cmdline > cmdline
grep -m1 '^flags' /proc/cpuinfo > cpuflags
pids=
for d in /proc/[0-9]*; do
	read -r c < $d/comm
	case $c in wl-*) pids="$pids ${d#/proc/}";; esac
done
for p in $pids; do
	mkdir -p pid-$p
	cat /proc/$p/maps > pid-$p/maps
	cat /proc/$p/smaps > pid-$p/smaps
	cat /proc/$p/stat > pid-$p/stat
done
/bin/oracle $pids || echo PTSCOPE-ORACLE-FAILED
# The live test (scripts/testbed live) only: ptscope on /proc/kcore, from a
# fifth disk that exists only then, its results added to the oracle.
if [ -b /dev/vde ] && mkdir -p /live && tar -xf /dev/vde -C /live && [ -x /live/live.sh ]; then
	/live/live.sh
fi
cd /tmp
tar -cf /dev/vda oracle
sync
# The injected states (tests/guest/kmod), after the oracle: the blocked threads
# would block the oracle's reads of their processes.
[ -x /inject/inject.sh ] && /inject/inject.sh
# The task list last, after the disk I/O (which starts kworkers), with
# shell builtins only so that no process of ours is in it that will be
# gone at dump time; over the console, which starts no process or I/O.
for d in /proc/[0-9]*; do
	read -r l < $d/stat && echo "PTSCOPE-TASK $l"
done
echo PTSCOPE-READY
read -r go < /dev/$CON
echo PTSCOPE-PANIC
echo c > /proc/sysrq-trigger
