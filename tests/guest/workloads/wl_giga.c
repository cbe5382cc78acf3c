/* wl_giga: a 1 GiB hugetlb page (a PUD leaf), where the guest reserved
 * one at boot (hugepagesz=1G hugepages=1) and /init mounted a hugetlbfs
 * of that size at /mnt/huge1g; elsewhere it only sleeps.  One hugetlbfs
 * file of 1 GiB mapped MAP_SHARED and written once.  READY: 1 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define GB (1UL << 30)

int main(void)
{
	prctl(PR_SET_NAME, "wl-giga");
	int fd = open("/mnt/huge1g/giga", O_RDWR | O_CREAT, 0600);
	if (fd >= 0 && ftruncate(fd, GB) == 0) {
		char *m = mmap(NULL, GB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m != MAP_FAILED) {
			m[12345] = 1;
			printf("PTSCOPE-WL wl-giga mapped at %p\n", (void *)m);
		} else {
			printf("PTSCOPE-WL wl-giga mmap failed\n");
		}
	} else {
		printf("PTSCOPE-WL wl-giga no 1 GiB pool\n");
	}
	fflush(stdout);
	close(open("/run/ready/wl-giga", O_WRONLY | O_CREAT, 0644));
	for (;;)
		pause();
}
