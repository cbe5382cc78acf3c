/* wl_lock: processes whose locks tests/guest/kmod/ptscope_inject takes on the
 * guest that loads it (on the others they only sleep, and are checked
 * like any workload).  A thread of wl-lock and of wl-imap waits for
 * /run/go-lock, which inject.sh creates once the module's kthreads hold
 * the locks, and then blocks on them:
 *   wl-lock-w: mmap() of anonymous memory: mmap_lock for write, held by
 *              the kthread ptscope-mmap;
 *   wl-imap-w: mmap() of the file wl-imap maps at IMAP: its i_mmap_rwsem
 *              for write, held for read by the kthread ptscope-imap.
 * wl-ptl maps one locked page at PTL, whose PTE table's lock the kthread
 * ptscope-ptl holds; THP is off in it so that khugepaged never scans it
 * (it would spin on that lock); its second page is the module's for the
 * rmap states.  READY: 3 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define IMAP ((void *)0x7d0000000000UL)
#define PTL ((void *)0x7d1000000000UL)

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

static void wait_go(void)
{
	while (access("/run/go-lock", F_OK))
		usleep(50000);
}

static void *lock_waiter(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "wl-lock-w");
	wait_go();
	mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (;;)
		pause();
	return NULL;
}

static void *imap_waiter(void *arg)
{
	int fd = *(int *)arg;
	prctl(PR_SET_NAME, "wl-imap-w");
	wait_go();
	mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	for (;;)
		pause();
	return NULL;
}

int main(void)
{
	pthread_t t;
	if (!fork()) {
		prctl(PR_SET_NAME, "wl-imap");
		static int fd;
		fd = open("/tmp/imap-file", O_RDWR | O_CREAT, 0600);
		char *m = MAP_FAILED;
		if (fd >= 0 && ftruncate(fd, 16384) == 0)
			m = mmap(IMAP, 16384, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
		if (m == MAP_FAILED) {
			printf("PTSCOPE-WL wl-imap mmap failed\n");
			fflush(stdout);
		} else {
			memset(m, 7, 16384);
			pthread_create(&t, NULL, imap_waiter, &fd);
		}
		park("wl-imap");
	}
	if (!fork()) {
		prctl(PR_SET_NAME, "wl-ptl");
		prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
		/* three pages: the module clears the first's AnonExclusive,
		 * raises the second's mapcount and points the third's rmap at
		 * another anon_vma (rmap checks D5, D4, D1) */
		char *m = mmap(PTL, 12288, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_LOCKED, -1, 0);
		if (m == MAP_FAILED) {
			printf("PTSCOPE-WL wl-ptl mmap failed\n");
			fflush(stdout);
		} else {
			m[0] = 1;
			m[4096] = 2;
			m[8192] = 3;
		}
		park("wl-ptl");
	}
	prctl(PR_SET_NAME, "wl-lock");
	pthread_create(&t, NULL, lock_waiter, NULL);
	park("wl-lock");
}
