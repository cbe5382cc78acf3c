/* wl_mm: the entry kinds a page-table walk must decode, for the test bed.
 * Anonymous THP (PMD leaves), shared anonymous memory, pages pushed to
 * swap (MADV_PAGEOUT onto the guest's zram swap), and userfaultfd
 * write protection: uffd-wp bits on present anonymous PTEs and PTE
 * markers on unpopulated shmem pages (where the kernel supports them).
 * Each step says on the console what it got; READY_DIR/wl-mm when set
 * up, then pauses forever. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096UL
#define MB (1UL << 20)

static void ready(const char *name)
{
	char p[256];
	snprintf(p, sizeof(p), "/run/ready/%s", name);
	close(open(p, O_WRONLY | O_CREAT, 0644));
}

/* Whether the page at p is a swap entry (/proc/self/pagemap bit 62); 1
 * where that cannot be read (then nothing is retried). */
static int swapped(const void *p)
{
	static int fd = -2;
	uint64_t e;
	if (fd == -2)
		fd = open("/proc/self/pagemap", O_RDONLY);
	off_t at = (off_t)((uintptr_t)p / (uintptr_t)sysconf(_SC_PAGESIZE) * 8);
	if (fd < 0 || pread(fd, &e, 8, at) != 8)
		return 1;
	return (int)((e >> 62) & 1);
}

static char *aligned(size_t len, size_t align, int prot, int flags)
{
	char *p = mmap(NULL, len + align, prot, flags, -1, 0);
	if (p == MAP_FAILED) {
		perror("wl-mm: mmap");
		exit(1);
	}
	char *a = (char *)(((uintptr_t)p + align - 1) & ~(align - 1));
	return a;
}

static int wp_range(int uffd, void *addr, size_t len)
{
	struct uffdio_register reg = { .range = { (uintptr_t)addr, len },
				       .mode = UFFDIO_REGISTER_MODE_WP };
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0)
		return -1;
	struct uffdio_writeprotect wp = { .range = { (uintptr_t)addr, len },
					  .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	return ioctl(uffd, UFFDIO_WRITEPROTECT, &wp);
}

int main(void)
{
	prctl(PR_SET_NAME, "wl-mm");

	/* Two PMD sizes of anonymous THP, PMD aligned: 4 MiB (64 MiB with
	 * arm64's 16 KiB pages, whose PMD maps 32 MiB). */
	size_t ps = (size_t)sysconf(_SC_PAGESIZE), pmd = ps / 8 * ps;
	char *thp = aligned(2 * pmd, pmd, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	madvise(thp, 2 * pmd, MADV_HUGEPAGE);
	for (size_t i = 0; i < 2 * pmd; i += PAGE)
		thp[i] = 1;

	/* Shared anonymous memory: shmem behind "/dev/zero (deleted)". */
	char *sha = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 16; i += 2)
		sha[i * PAGE] = 2;

	/* 256 pages paged out to swap.  On one CPU: MADV_PAGEOUT drains
	 * only this CPU's LRU batches and passes over folios still in
	 * another's (seen: 41 of 256 paged out on a 2-CPU guest), so it is
	 * asked again until the 16 pages read back below are out. */
	cpu_set_t all, one;
	int pinned = sched_getaffinity(0, sizeof(all), &all) == 0;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	pinned = pinned && sched_setaffinity(0, sizeof(one), &one) == 0;
	size_t sl = 256 * PAGE;
	char *sw = aligned(sl, 2 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	madvise(sw, sl, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < sl; i += PAGE)
		memset(sw + i, (int)(i / PAGE) | 1, 64);
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
	int r = madvise(sw, sl, MADV_PAGEOUT), tries = 1;
	for (;;) {
		int out = 1;
		for (size_t i = 0; i < 16; i++)
			out &= swapped(sw + i * 16 * PAGE);
		if (r || out || tries == 50)
			break;
		usleep(20000);
		r = madvise(sw, sl, MADV_PAGEOUT);
		tries++;
	}
	if (pinned)
		sched_setaffinity(0, sizeof(all), &all);
	printf("PTSCOPE-WL wl-mm pageout tries %d\n", tries);
	printf("PTSCOPE-WL wl-mm pageout %s\n", r ? strerror(errno) : "ok");
	/* Read 16 of them back, mapped and in the swap cache at once
	 * (KPF_SWAPCACHE for the rmap tests).  zram is a synchronous device,
	 * whose swap-ins skip the swap cache while an entry has one user
	 * (do_swap_page(), SWP_SYNCHRONOUS_IO): a child that keeps the
	 * entries makes them two; and a read fault keeps the page in the
	 * cache (should_try_to_free_swap() frees it on a write). */
	if (r == 0 && fork() == 0) {
		prctl(PR_SET_NAME, "wl-mm-swapkeep");
		for (;;)
			pause();
	}
	volatile char sink = 0;
	for (size_t i = 0; i < 16; i++)
		sink += sw[i * 16 * PAGE];
	(void)sink;

	/* A file on a disk file system (ext4 on /dev/vdd), every other page
	 * read: page cache backed by a block device. */
	int dfd = open("/mnt/disk/data", O_RDONLY);
	volatile char *disk = dfd < 0 ? MAP_FAILED
			    : mmap(NULL, 64 * PAGE, PROT_READ, MAP_PRIVATE, dfd, 0);
	if (disk != MAP_FAILED)
		for (int i = 0; i < 64; i += 2)
			(void)disk[i * PAGE];
	printf("PTSCOPE-WL wl-mm disk file %s\n", disk == MAP_FAILED ? "none" : "ok");

	/* userfaultfd write protection. */
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };
#ifdef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
	api.features |= UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
#endif
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) < 0) {
		/* Without shmem wp (before v5.19) ask for the base API only. */
		if (uffd >= 0)
			close(uffd);
		uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
		api.features = 0;
		if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) < 0)
			uffd = -1;
	}
	char *wpa = aligned(16 * PAGE, 2 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	madvise(wpa, 16 * PAGE, MADV_NOHUGEPAGE);
	for (int i = 0; i < 16; i += 2)
		wpa[i * PAGE] = 3;
	r = uffd < 0 ? -1 : wp_range(uffd, wpa, 16 * PAGE);
	printf("PTSCOPE-WL wl-mm uffd-wp anon %s\n", r ? strerror(errno) : "ok");
	int mfd = memfd_create("wl-mm-wp", 0);
	char *wps = MAP_FAILED;
	if (mfd >= 0 && ftruncate(mfd, 16 * PAGE) == 0)
		wps = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (wps != MAP_FAILED) {
		for (int i = 0; i < 4; i++)
			wps[i * PAGE] = 4;
		r = uffd < 0 || !(api.features & UFFD_FEATURE_WP_HUGETLBFS_SHMEM) ? -1
			: wp_range(uffd, wps, 16 * PAGE);
		printf("PTSCOPE-WL wl-mm uffd-wp shmem %s\n", r ? "unsupported" : "ok");
	}
	fflush(stdout);
	ready("wl-mm");
	for (;;)
		pause();
}
