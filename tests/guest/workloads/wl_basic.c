/* wl_basic: a process with known mappings that then sleeps, for the
 * test bed.  Anonymous memory (partly touched, partly PROT_NONE after
 * being touched), a private file mapping, a shared tmpfs mapping, a
 * thread, and a forked child sharing COW pages.  Creates READY_DIR/NAME
 * when set up, then pauses forever. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE 4096UL

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void ready(const char *name)
{
	char p[256];
	snprintf(p, sizeof(p), "/run/ready/%s", name);
	int fd = open(p, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		die(p);
	close(fd);
}

static void *thread_main(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "wl-basic-thr");
	for (;;)
		pause();
	return NULL;
}

int main(void)
{
	prctl(PR_SET_NAME, "wl-basic");

	/* 4 MiB anonymous, every other page written. */
	char *anon = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		die("mmap anon");
	for (unsigned long i = 0; i < (4 << 20) / PAGE; i += 2)
		anon[i * PAGE] = (char)(i + 1);

	/* 16 pages written, then made PROT_NONE: present but protnone. */
	char *none = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (none == MAP_FAILED)
		die("mmap none");
	memset(none, 0x5a, 16 * PAGE);
	if (mprotect(none, 16 * PAGE, PROT_NONE) < 0)
		die("mprotect");

	/* A private read-only file mapping of the busybox binary. */
	int fd = open("/bin/busybox", O_RDONLY);
	if (fd < 0)
		die("open busybox");
	volatile char *file = mmap(NULL, 64 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	if (file == MAP_FAILED)
		die("mmap file");
	for (int i = 0; i < 64; i += 4)
		(void)file[i * PAGE];
	close(fd);

	/* A shared mapping of a tmpfs file. */
	fd = open("/tmp/wl-shared", O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, 32 * PAGE) < 0)
		die("tmpfs file");
	char *shm = mmap(NULL, 32 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (shm == MAP_FAILED)
		die("mmap shared");
	for (int i = 0; i < 32; i++)
		shm[i * PAGE] = 'S';
	close(fd);

	pthread_t t;
	if (pthread_create(&t, NULL, thread_main, NULL))
		die("pthread_create");

	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		prctl(PR_SET_NAME, "wl-basic-child");
		/* Write a quarter of the anon pages: they become private copies. */
		for (unsigned long i = 0; i < (4 << 20) / PAGE; i += 8)
			anon[i * PAGE] = 'c';
		ready("wl-basic-child");
		for (;;)
			pause();
	}
	ready("wl-basic");
	for (;;)
		pause();
}
