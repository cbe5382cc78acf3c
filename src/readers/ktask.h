/* Tasks: the kernel's task list, as /proc would show it. */
#ifndef PTS_KTASK_H
#define PTS_KTASK_H
#include <stdbool.h>
#include <stdint.h>
#include "readers/klist.h"
#include "types/program.h"

struct pts_task {
	uint64_t addr;		/* task_struct */
	int32_t pid, tgid, ppid;
	char comm[16];
	char name[64];		/* as /proc/PID/stat shows it (proc_task_name) */
	char state;		/* as /proc/PID/stat: R S D T t X Z P I */
	bool kthread;
	uint64_t mm;
	uint64_t rss_pages;	/* get_mm_rss(): what /proc/PID/stat shows */
	bool rss_known;
};

struct pts_task_list {
	struct pts_task *v;
	size_t n, cap;
	struct pts_notes notes;	/* tasks the dump lacks pages for */
};

/* Every thread-group leader in the order of init_task.tasks (threads too
 * when threads is set, each after its leader).  init_task itself (pid 0)
 * is not listed, as in /proc.  Tasks whose pages are not in the dump
 * are left out and named in ret->notes. */
struct pts_error *pts_tasks(struct pts_program *p, bool threads, struct pts_task_list *ret);
void pts_task_list_free(struct pts_task_list *l);
/* The task of pid, threads included (a thread's pid names the thread,
 * whose mm is its process's): the one way every face finds -p PID.
 * PTS_ERR_USAGE "no pid N in the dump" when it is not listed. */
struct pts_error *pts_task_find(struct pts_program *p, int32_t pid, struct pts_task *ret);
/* One task_struct by address (a lock's owner, a waiter). */
struct pts_error *pts_task_read(struct pts_program *p, uint64_t addr, struct pts_task *ret);
#endif
