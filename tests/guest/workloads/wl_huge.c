/* wl_huge: hugetlb for the test bed.  One hugetlbfs file mapped
 * MAP_SHARED at the same PUD_SIZE-aligned address by three processes, so
 * that they share PMD tables (huge_pmd_share), and by a fourth at an
 * address that is not PUD-aligned (no sharing); and a private hugetlb
 * mapping whose child writes one page (copy-on-write).  Each process
 * creates READY_DIR/its name, then pauses forever.  61 more sharers,
 * hs-01 to hs-61 (not wl-: the oracle skips them), make 64 sharers of one
 * PMD table for the speed figure of scripts/bench.  The huge pages are
 * the default size, PMD_SIZE (2 MiB; 32 MiB with arm64's 16 KiB pages),
 * and the shared range PUD_SIZE (1 GiB; 64 GiB), from the page size.
 * READY: 67 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long HPAGE, GB;	/* PMD_SIZE and PUD_SIZE */
#define BASE ((void *)0x7e0000000000UL)	/* 2 TiB aligned */
#define TOUCH 4

static void ready(const char *name)
{
	char p[256];
	snprintf(p, sizeof(p), "/run/ready/%s", name);
	close(open(p, O_WRONLY | O_CREAT, 0644));
}

static void park(const char *name)
{
	ready(name);
	for (;;)
		pause();
}

/* Map the file at addr and touch the first TOUCH huge pages.  With
 * wait_for set, wait until that file exists first: faults in order, so
 * later sharers find the first one's PMD table. */
static void sharer(const char *name, void *addr, size_t len, const char *after)
{
	prctl(PR_SET_NAME, name);
	char p[256];
	snprintf(p, sizeof(p), "/run/ready/%s", after ? after : "");
	for (int i = 0; after && i < 600 && access(p, F_OK); i++)
		usleep(100000);
	int fd = open("/mnt/huge/shared", O_RDWR);
	char *m = fd < 0 ? MAP_FAILED
		: mmap(addr, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_NORESERVE | (addr ? MAP_FIXED_NOREPLACE : 0), fd, 0);
	if (m == MAP_FAILED) {
		printf("PTSCOPE-WL %s mmap failed\n", name);
		fflush(stdout);
		park(name);
	}
	for (int i = 0; i < TOUCH; i++)
		m[i * HPAGE] = (char)i;
	if (strncmp(name, "hs-", 3)) {
		printf("PTSCOPE-WL %s mapped at %p\n", name, (void *)m);
		fflush(stdout);
	}
	park(name);
}

int main(void)
{
	prctl(PR_SET_NAME, "wl-huge");
	/* a PMD table holds PAGE_SIZE / 8 entries */
	HPAGE = (unsigned long)sysconf(_SC_PAGESIZE) / 8 * (unsigned long)sysconf(_SC_PAGESIZE);
	GB = HPAGE / 8 * (unsigned long)sysconf(_SC_PAGESIZE);
	int fd = open("/mnt/huge/shared", O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, GB) < 0) {
		printf("PTSCOPE-WL wl-huge no hugetlbfs\n");
		fflush(stdout);
		/* the ready files all the same, so that the guest goes on */
		const char *n[] = { "wl-huge-s1", "wl-huge-s2", "wl-huge-s3", "wl-huge-un",
				    "wl-huge-cow", "wl-huge" };
		for (unsigned i = 0; i < 6; i++)
			ready(n[i]);
		for (int i = 1; i <= 61; i++) {
			char hs[16];
			snprintf(hs, sizeof(hs), "hs-%02d", i);
			ready(hs);
		}
		for (;;)
			pause();
	}
	close(fd);
	if (!fork())
		sharer("wl-huge-s1", BASE, GB, NULL);
	if (!fork())
		sharer("wl-huge-s2", BASE, GB, "wl-huge-s1");
	if (!fork())
		sharer("wl-huge-s3", BASE, GB, "wl-huge-s2");
	/* a huge page past the PUD boundary: the VMA covers no whole PUD range */
	if (!fork())
		sharer("wl-huge-un", (char *)BASE + HPAGE, 512UL << 20, "wl-huge-s3");
	for (int i = 1; i <= 61; i++) {
		char n[16], prev[16];
		snprintf(n, sizeof(n), "hs-%02d", i);
		snprintf(prev, sizeof(prev), i == 1 ? "wl-huge-s3" : "hs-%02d", i - 1);
		if (!fork())
			sharer(n, BASE, GB, prev);
	}

	/* Private hugetlb: two pages, then a child that writes one (COW). */
	char *priv = mmap(NULL, 2 * HPAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (priv != MAP_FAILED) {
		priv[0] = 1;
		priv[HPAGE] = 2;
		if (!fork()) {
			prctl(PR_SET_NAME, "wl-huge-cow");
			priv[0] = 3;
			park("wl-huge-cow");
		}
	} else {
		printf("PTSCOPE-WL wl-huge private mmap failed\n");
		ready("wl-huge-cow");
	}
	fflush(stdout);
	park("wl-huge");
}
