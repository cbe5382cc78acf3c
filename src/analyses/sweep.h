/* The runner: every address space of a dump checked once (the per-task
 * checks of check.c), on N threads, the results handed back in task
 * order so that they are the same, byte for byte, whatever N.  The CLI's
 * check and report, the TUI's background load and the plugin host all go
 * through it.
 *
 * Address spaces are independent; each worker thread reads through a
 * libkdumpfile context of its own (a dump slot, dump.h) and the shared
 * page cache, and keeps what a check run reads once for every address
 * space (the D2 memo) to itself.  The checks across address spaces
 * (pts_check_dump) stay on the calling thread, after. */
#ifndef PTS_SWEEP_H
#define PTS_SWEEP_H
#include <stdbool.h>
#include <stddef.h>
#include "analyses/check.h"
#include "readers/ktask.h"
#include "types/program.h"

#define PTS_SWEEP_MAX_JOBS 64

/* What one address space gave: its findings and notes, or why it could
 * not be checked.  The callback owns f's contents and err. */
struct pts_sweep_result {
	const struct pts_task *t;
	struct pts_findings f;	/* v, missing, tasks_checked; no memo */
	struct pts_error *err;
	struct pts_rmap_feed *feed;	/* taken by the sweep itself (rmap below) */
	struct pts_ptl_feed *ptlf;	/* likewise (ptl below) */
};

struct pts_sweep_opts {
	unsigned jobs;		/* threads; 0: every online CPU (pts_sweep_jobs) */
	unsigned first_slot;	/* the dump slots the workers use start here (>= 1) */
	/* Called on the calling thread, in the order of the tasks given,
	 * as each result is ready; returns false to stop. */
	bool (*done)(void *arg, size_t i, struct pts_sweep_result *r);
	void *arg;
	/* Set by another thread to stop early (the TUI's quit). */
	const volatile bool *cancel;
	/* One pass: the reverse index of every address space checked, from
	 * the checks' own walks (rmap.h), with notes first (the task list's,
	 * as pts_rmap_index says them).  Built only when every result came
	 * in; else it holds a note saying why not. */
	struct pts_rmap_index *rmap;
	const struct pts_notes *rmap_notes;
	/* One pass: the page tables of every address space checked, for
	 * the lock scan's list of split locks (pts_locks_scan_fed). */
	struct pts_ptl_feeds *ptl;
};

/* The address spaces to check, in task order: the task of pid (pid >= 0)
 * or, for -1, every task with an mm, each mm once (CLONE_VM: one address
 * space, checked once, under its first task). */
void pts_sweep_select(const struct pts_task_list *l, int32_t pid, const struct pts_task ***ret,
		      size_t *n);
/* The number of threads a sweep of p will use for jobs asked (0: every
 * online CPU), and why fewer when fewer: one for the running kernel
 * (its readers re-read what moves, and /proc/kcore changes under
 * them).  Plugin checks run one at a time inside it (plugin.c). */
unsigned pts_sweep_jobs(struct pts_program *p, unsigned jobs, const char **why);
/* For a sweep of every address space before pts_check_dump: have it
 * build D4's reverse index into ri from the checks' own walks (o->rmap),
 * where a check that needs the index applies and the kernel is not live
 * (a second pass there re-reads).  ri is emptied either way, for
 * pts_rmap_index_free. */
void pts_sweep_want_rmap(struct pts_program *p, struct pts_sweep_opts *o, struct pts_rmap_index *ri,
			 const struct pts_notes *task_notes);
/* Likewise, have it keep every address space's page tables in fs for
 * the lock scan of pts_check_dump (findings.ptl), where the kernel is not
 * live.  fs is emptied either way, for pts_ptl_feeds_free. */
void pts_sweep_want_ptl(struct pts_program *p, struct pts_sweep_opts *o, struct pts_ptl_feeds *fs);
/* Check tasks[0..n) (pts_sweep_select); a result for each, in order,
 * unless done or cancel stop it first. */
void pts_sweep_checks(struct pts_program *p, const struct pts_task *const *tasks, size_t n,
		      const struct pts_sweep_opts *o);
#endif
