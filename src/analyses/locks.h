/* The locks that guard processes' memory, across the dump: each decoded
 * (klock), who holds it and how that is known, who waits for it; the
 * blocked tasks; the wait-for graph's cycles (deadlocks) and the waits
 * that break the kernel's lock order (INVARIANTS F2, F3). */
#ifndef PTS_LOCKS_H
#define PTS_LOCKS_H
#include <stdbool.h>
#include <stdint.h>
#include "readers/klist.h"
#include "readers/klock.h"
#include "readers/ktask.h"
#include "types/program.h"
#include "base/util.h"
#include "readers/walk.h"

enum pts_lock_class {
	PTS_LC_MMAP_LOCK,	/* mm->mmap_lock */
	PTS_LC_VMA,		/* a VMA's per-VMA lock (v6.4+) */
	PTS_LC_HUGETLB_FAULT,	/* hugetlb_fault_mutex_table[i] */
	PTS_LC_HUGETLB_VMA,	/* hugetlb_vma_lock->rw_sema (v6.1+) */
	PTS_LC_RESV_MAP,	/* resv_map->rw_sema (v6.1+) */
	PTS_LC_I_MMAP,		/* address_space->i_mmap_rwsem */
	PTS_LC_ANON_VMA,	/* anon_vma->root->rwsem */
	PTS_LC_PAGE_TABLE_LOCK,	/* mm->page_table_lock */
	PTS_LC_PTL,		/* a PTE or PMD table's split lock */
	PTS_LC_OTHER,		/* found only through task->blocker */
	PTS_LC_N
};
const char *pts_lock_class_name(enum pts_lock_class c);

enum pts_holder_how {
	PTS_HOLD_EXACT,		/* the lock's owner word names it */
	PTS_HOLD_HINT,		/* a reader-owned rwsem's last reader */
	PTS_HOLD_STACK,		/* the lock's address is on its kernel stack: a guess */
};

struct pts_holder {
	uint64_t task;
	int32_t pid, tgid;	/* 0 when the task could not be read */
	char comm[16];
	enum pts_holder_how how;
};

struct pts_lock {
	enum pts_lock_class cls;
	struct pts_lock_state st;
	char what[192];		/* what it guards, in words */
	uint64_t obj;		/* the mm, VMA, address_space, anon_vma or table PFN */
	VEC(int32_t) pids;	/* processes whose memory it guards (tgids) */
	VEC(struct pts_holder) holders;
	/* per-VMA locks: the state that is not an rwsem's */
	bool vma_write_locked;	/* vm_lock_seq == mm->mm_lock_seq */
	bool vma_refcnt;	/* v6.15+: vm_refcnt instead of an rwsem */
	uint32_t vma_readers;
	bool vma_writer_waiting;
	bool interesting;	/* held, waited for, or not decoded */
};

struct pts_blocked {
	uint64_t task;
	int32_t pid, tgid;
	char comm[16];
	char state;
	size_t lock;		/* index in locks */
	bool write;
	const char *found_by;	/* "wait list" or "task->blocker" */
};

struct pts_lock_cycle {
	VEC(size_t) blocked;	/* indexes in blocked, in wait order */
	bool exact;		/* every "held by" edge exact (no hint or guess) */
};

struct pts_lock_order {
	size_t blocked;		/* the waiting task (index in blocked) */
	size_t held;		/* a lock it holds (exactly) ordered after the one it waits for */
	const char *rule;
};

struct pts_locks {
	VEC(struct pts_lock) locks;
	VEC(struct pts_blocked) blocked;
	VEC(struct pts_lock_cycle) cycles;
	VEC(struct pts_lock_order) order;
	uint64_t examined[PTS_LC_N];
	/* locks of a kind this kernel's layout cannot decode (PREEMPT_RT):
	 * counted, not listed one by one */
	uint64_t undecodable[3];
	const char *undecodable_why[3];
	uint64_t stacks_scanned;
	bool have_blocker;	/* task->blocker exists (a cross-check of the waits) */
	struct pts_notes missing;
};

/* One pass (sweep.c): the PMD and PTE tables of one address space as
 * the checks' walk met them, and what a walk of its own by the lock scan
 * would have noted, so that the scan lists the tables' split locks
 * without walking again. */
struct pts_ptl_table {
	uint64_t pfn, va;
	int level;
};
struct pts_ptl_feed {
	uint64_t mm;
	VEC(struct pts_ptl_table) tables;
	struct pts_notes notes;	/* as the scan's walk would say them, less "pid N: " */
};
struct pts_ptl_feeds {
	struct u64map bymm;	/* mm -> index in v */
	VEC(struct pts_ptl_feed *) v;
};
struct pts_ptl_feed *pts_ptl_feed_new(uint64_t mm);
void pts_ptl_feed_free(struct pts_ptl_feed *f);
void pts_ptl_feed_table(struct pts_ptl_feed *f, const struct pts_table *t);
/* Takes f. */
void pts_ptl_feeds_add(struct pts_ptl_feeds *fs, struct pts_ptl_feed *f);
void pts_ptl_feeds_free(struct pts_ptl_feeds *fs);

/* Every lock of every process (the graph needs them all). */
struct pts_error *pts_locks_scan(struct pts_program *p, struct pts_locks *ret);
/* The same, taking the tables of the address spaces in fed (may be NULL)
 * from there rather than from a walk of its own. */
struct pts_error *pts_locks_scan_fed(struct pts_program *p, const struct pts_ptl_feeds *fed,
				     struct pts_locks *ret);
void pts_locks_free(struct pts_locks *l);
/* Whether lock i guards memory of process pid. */
bool pts_lock_of_pid(const struct pts_lock *l, int32_t pid);
const char *pts_holder_how_name(enum pts_holder_how h);
#endif
