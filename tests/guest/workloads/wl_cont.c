/* wl_cont: arm64's contiguous hugetlb sizes, where the guest reserved
 * them at boot (tests/kernels boot=hugepagesz=...): with 4 KiB pages four
 * 64 KiB pages (each 16 contiguous PTEs) and one 32 MiB page (16
 * contiguous PMD blocks); with 16 KiB pages four 2 MiB pages (128
 * contiguous PTEs; the 1 GiB one, 32 PMD blocks, does not fit the
 * guest).  Private and anonymous (MAP_HUGETLB with the size in
 * MAP_HUGE_SHIFT's bits), each page written.  Elsewhere (x86-64 has
 * neither size) mmap fails and it only sleeps.  READY: 1 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif

static void map(const char *what, unsigned shift, unsigned long len)
{
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (int)(shift << MAP_HUGE_SHIFT), -1, 0);
	if (m == MAP_FAILED) {
		printf("PTSCOPE-WL wl-cont %s: none\n", what);
		return;
	}
	for (unsigned long o = 0; o < len; o += 1UL << shift)
		memset(m + o, (int)(o >> shift) + 1, 64);
	printf("PTSCOPE-WL wl-cont %s mapped at %p\n", what, (void *)m);
}

int main(void)
{
	prctl(PR_SET_NAME, "wl-cont");
	if (sysconf(_SC_PAGESIZE) == 16384) {
		map("2M", 21, 4UL << 21);
	} else {
		map("64K", 16, 4UL << 16);
		map("32M", 25, 1UL << 25);
	}
	fflush(stdout);
	close(open("/run/ready/wl-cont", O_WRONLY | O_CREAT, 0644));
	for (;;)
		pause();
}
