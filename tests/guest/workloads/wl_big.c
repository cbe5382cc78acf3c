/* wl_big: a million mapped PTEs for the walk's speed target: a 64 MiB
 * memfd mapped 64 times, every page populated.  READY_DIR/wl-big when
 * set up, then pauses forever.  READY: 1 (the ready file below) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define SIZE (64UL << 20)
#define MAPS 64

int main(void)
{
	prctl(PR_SET_NAME, "wl-big");
	int fd = memfd_create("wl-big", 0);
	if (fd < 0 || ftruncate(fd, SIZE) < 0) {
		perror("wl-big: memfd");
		return 1;
	}
	char *first = NULL;
	for (int i = 0; i < MAPS; i++) {
		char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
		if (p == MAP_FAILED) {
			perror("wl-big: mmap");
			return 1;
		}
		if (!i) {
			first = p;
			for (size_t o = 0; o < SIZE; o += 4096)
				p[o] = (char)(o >> 12);
		}
	}
	(void)first;
	printf("PTSCOPE-WL wl-big mapped %d x %lu MiB\n", MAPS, SIZE >> 20);
	fflush(stdout);
	close(open("/run/ready/wl-big", O_WRONLY | O_CREAT, 0644));
	for (;;)
		pause();
}
