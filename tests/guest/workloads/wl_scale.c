/* wl_scale N: the scale guest's workload (tests/kernels scale=N), the
 * shape of a database server: one 64 MiB shared segment (a memfd) that N
 * processes each map whole and populate, and a hugetlb segment that
 * HSHARE of them map at one 1 GiB-aligned address, so that they share
 * one PMD table (huge_pmd_share).  Processes are named sc-NNNN (the
 * oracle skips them) except three samples named wl-scale-a/-m/-z (first,
 * middle and last child), whose pagemaps the oracle keeps.  Run only in
 * the scale guest (init.sh), not in the others.  READY: 0 (the scale guest
 * waits for /run/ready/wl-scale alone). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define SEG (64UL << 20)
#define HPAGE (2UL << 20)
#define GB (1UL << 30)
#define HBASE ((void *)0x7e0000000000UL)	/* 1 GiB aligned */
#define HSHARE 100
#define HTOUCH 16

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	prctl(PR_SET_NAME, "wl-scale");
	int fd = memfd_create("wl-scale", 0);
	if (fd < 0 || ftruncate(fd, SEG) < 0) {
		perror("wl-scale: memfd");
		return 1;
	}
	/* The parent fills the segment once; children only map it. */
	char *p = mmap(NULL, SEG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("wl-scale: mmap");
		return 1;
	}
	for (size_t o = 0; o < SEG; o += 4096)
		p[o] = (char)(o >> 12);
	munmap(p, SEG);
	int hfd = open("/mnt/huge/scale", O_RDWR | O_CREAT, 0600);
	if (hfd >= 0 && ftruncate(hfd, GB) < 0) {
		close(hfd);
		hfd = -1;
	}
	/* Each child writes one byte down the pipe when it is set up. */
	int rd[2];
	if (pipe(rd) < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		pid_t c = fork();
		if (c < 0) {
			printf("PTSCOPE-WL wl-scale fork %d failed\n", i);
			fflush(stdout);
			n = i;
			break;
		}
		if (c) {
			/* One child at a time: each hugetlb sharer faults
			 * after the one before it has made the PMD table. */
			char b;
			if (read(rd[0], &b, 1) != 1)
				break;
			continue;
		}
		char name[16];
		if (i == 0 || i == n / 2 || i == n - 1)
			snprintf(name, sizeof(name), "wl-scale-%c", i == 0 ? 'a' : i == n - 1 ? 'z' : 'm');
		else
			snprintf(name, sizeof(name), "sc-%04d", i);
		prctl(PR_SET_NAME, name);
		/* MAP_POPULATE read-faults a shared mapping: fault-around
		 * fills 16 PTEs a fault, all inside the kernel. */
		if (mmap(NULL, SEG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0) == MAP_FAILED)
			printf("PTSCOPE-WL %s mmap failed\n", name);
		if (hfd >= 0 && i < HSHARE) {
			/* In order, so later sharers find the first one's PMD table. */
			char *h = mmap(HBASE, GB, PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_NORESERVE | MAP_FIXED_NOREPLACE, hfd, 0);
			if (h == MAP_FAILED)
				printf("PTSCOPE-WL %s hugetlb mmap failed\n", name);
			else
				for (int k = 0; k < HTOUCH; k++)
					h[k * HPAGE] = (char)k;
		}
		fflush(stdout);
		if (write(rd[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	printf("PTSCOPE-WL wl-scale %d processes map %lu MiB; %d share a hugetlb PMD table\n", n,
	       SEG >> 20, hfd >= 0 ? (n < HSHARE ? n : HSHARE) : 0);
	fflush(stdout);
	close(open("/run/ready/wl-scale", O_WRONLY | O_CREAT, 0644));
	for (;;)
		pause();
}
