/* wl_rmap: reverse-map shapes for the test bed (issue 6).
 *  - a fork chain three generations deep over one anonymous region:
 *    wl-rmap-g1 writes all 32 pages, its child wl-rmap-g2 rewrites pages
 *    0-7, its grandchild wl-rmap-g3 pages 0-3 and 8-11; so the region's
 *    pages belong to three anon_vmas (g3's parent is g2's, whose parent
 *    is g1's root) and are mapped by one, two or three processes;
 *  - a tmpfs file mapped MAP_SHARED by five processes (g1, g2, g3 and
 *    two more children, wl-rmap-f4 and wl-rmap-f5), each mapping it
 *    itself: five VMAs in the file's i_mmap tree;
 *  - a KSM region: 48 pages in g1 and 48 in f4, MADV_MERGEABLE, page i
 *    holding one of three patterns (made after the forks, so no other
 *    process shares them); ksmd (started by init.sh) merges them
 *    into three KSM pages of 32 mappings each.  g1 waits until
 *    pages_sharing says so (two minutes at most), then stops ksmd so the
 *    state holds still until the dump.
 * READY: 1 (g1, when all five processes are set up) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static unsigned long PAGE;	/* the guest's: 4 or 16 KiB */
#define ANON_PAGES 32
#define FILE_PAGES 8
#define KSM_PAGES 48

static int done[2];	/* children say "set up" to g1 */

static void die(const char *what)
{
	printf("PTSCOPE-WL wl-rmap %s failed\n", what);
	fflush(stdout);
	exit(1);
}

static void ready(const char *name)
{
	char p[256];
	snprintf(p, sizeof(p), "/run/ready/%s", name);
	close(open(p, O_WRONLY | O_CREAT, 0644));
}

static void map_five(void)
{
	int fd = open("/tmp/wl-five", O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, FILE_PAGES * PAGE) < 0)
		die("tmpfs file");
	volatile char *m = mmap(NULL, FILE_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap five");
	for (unsigned i = 0; i < FILE_PAGES; i++)
		(void)m[i * PAGE];
	close(fd);
}

static char *ksm_region(void)
{
	char *k = mmap(NULL, KSM_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (k == MAP_FAILED)
		die("mmap ksm");
	madvise(k, KSM_PAGES * PAGE, MADV_NOHUGEPAGE);
	for (unsigned i = 0; i < KSM_PAGES; i++)
		memset(k + i * PAGE, 'A' + (int)(i % 3), PAGE);
	if (madvise(k, KSM_PAGES * PAGE, MADV_MERGEABLE))
		die("MADV_MERGEABLE");
	return k;
}

static void child_done(const char *comm)
{
	prctl(PR_SET_NAME, comm);
	if (write(done[1], "x", 1) != 1)
		die("pipe");
	for (;;)
		pause();
}

static long ksm_counter(const char *name)
{
	char p[128];
	snprintf(p, sizeof(p), "/sys/kernel/mm/ksm/%s", name);
	FILE *f = fopen(p, "r");
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

int main(void)
{
	PAGE = (unsigned long)sysconf(_SC_PAGESIZE);
	prctl(PR_SET_NAME, "wl-rmap-g1");
	if (pipe(done))
		die("pipe");
	char *anon = mmap(NULL, ANON_PAGES * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		die("mmap anon");
	madvise(anon, ANON_PAGES * PAGE, MADV_NOHUGEPAGE);
	for (unsigned i = 0; i < ANON_PAGES; i++)
		anon[i * PAGE] = 1;

	if (!fork()) {
		/* g2: its own copies of pages 0-7, then the third generation */
		for (unsigned i = 0; i < 8; i++)
			anon[i * PAGE] = 2;
		if (!fork()) {
			for (unsigned i = 0; i < 4; i++)
				anon[i * PAGE] = 3;
			for (unsigned i = 8; i < 12; i++)
				anon[i * PAGE] = 3;
			map_five();
			child_done("wl-rmap-g3");
		}
		map_five();
		child_done("wl-rmap-g2");
	}
	/* f4 and f5 do not touch the anonymous region: g1's pages there are
	 * mapped by them too (fork), which keeps the counts of the chain
	 * apart: pages 12-31 by g1, g2, g3, f4, f5 */
	if (!fork()) {
		/* f4's KSM region: merged with g1's across processes */
		ksm_region();
		map_five();
		child_done("wl-rmap-f4");
	}
	if (!fork()) {
		map_five();
		child_done("wl-rmap-f5");
	}
	/* g1's KSM region, after the forks: no child shares its pages */
	ksm_region();
	map_five();
	char c;
	for (int i = 0; i < 4; i++)
		if (read(done[0], &c, 1) != 1)
			die("pipe read");

	/* 3 KSM pages (pages_shared) behind 96 mappings: 93 more sharing them */
	long shared = -1, sharing = -1;
	for (int i = 0; i < 1200; i++) {
		shared = ksm_counter("pages_shared");
		sharing = ksm_counter("pages_sharing");
		if (shared >= 3 && sharing >= 2 * KSM_PAGES - 3)
			break;
		usleep(100000);
	}
	FILE *run = fopen("/sys/kernel/mm/ksm/run", "w");
	if (run) {
		fputs("0\n", run);
		fclose(run);
	}
	printf("PTSCOPE-WL wl-rmap ksm pages_shared %ld pages_sharing %ld\n", shared, sharing);
	fflush(stdout);
	ready("wl-rmap");
	for (;;)
		pause();
}
