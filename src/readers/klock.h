/* Lock words decoded as the kernel keeps them: rw_semaphore, mutex and
 * spinlock (qspinlock), with the owner the kernel records and the
 * waiters queued on the lock.  Tasks are given as task_struct addresses;
 * the caller names them (pts_task_list_find). */
#ifndef PTS_KLOCK_H
#define PTS_KLOCK_H
#include <stdbool.h>
#include <stdint.h>
#include "readers/klist.h"
#include "types/program.h"
#include "base/util.h"

enum pts_lock_kind { PTS_LOCK_RWSEM, PTS_LOCK_MUTEX, PTS_LOCK_SPIN };

struct pts_lock_waiter {
	uint64_t task;
	bool write;		/* rwsem: RWSEM_WAITING_FOR_WRITE; mutex: always */
};

struct pts_lock_state {
	enum pts_lock_kind kind;
	uint64_t addr;
	bool readable;		/* the lock word is in the dump */
	bool decoded;		/* false: why says why (PREEMPT_RT, layout) */
	bool undecodable;	/* no lock of this kind can be decoded here (PREEMPT_RT) */
	const char *why;
	bool held;
	bool write;		/* held exclusively: rwsem writer, mutex, spinlock */
	uint64_t readers;	/* rwsem: readers counted in ->count */
	uint64_t raw;		/* ->count, ->owner (mutex) or ->val (spinlock) */
	uint64_t owner_raw;	/* rwsem: ->owner with its flag bits */
	/* The owner's task_struct.  Exact for a write-held rwsem and a
	 * mutex; for a reader-owned rwsem it is the last reader to take it
	 * (the kernel keeps no list of readers): a hint, owner_exact false. */
	uint64_t owner;
	bool owner_exact;
	bool reader_owned, nonspinnable;
	bool flag_waiters, flag_handoff, flag_readfail, flag_pickup;
	/* spinlock: the pending bit and the CPU at the queue's tail */
	bool pending;
	int tail_cpu;		/* -1: no queue */
	VEC(struct pts_lock_waiter) waiters;
	bool waiters_partial;	/* the wait list could not all be read */
	/* Live: reads it took for the lock word to read the same before and
	 * after its owner and waiters (1 to 3), and whether it never did. */
	uint8_t live_reads;
	bool live_unstable;
};

/* Decode the lock at addr.  Errors only for a missing type layout; a lock
 * word missing from the dump is readable = false, a broken wait list
 * waiters_partial with the reason in notes (may be NULL). */
struct pts_error *pts_lock_read(struct pts_program *p, enum pts_lock_kind kind, uint64_t addr,
				struct pts_lock_state *ret, struct pts_notes *notes);
void pts_lock_state_free(struct pts_lock_state *s);
/* Whether locks of this kind can be decoded in this kernel at all; why
 * not (PREEMPT_RT's rt_mutex-based locks, a layout not in the debug info). */
bool pts_lock_kind_decodable(struct pts_program *p, enum pts_lock_kind kind, const char **why);
/* "free", "write-locked", "read-locked (3 readers)", "locked", ... */
const char *pts_lock_summary(const struct pts_lock_state *s, char *buf, size_t n);
const char *pts_lock_kind_name(enum pts_lock_kind k);
#endif

/* The spinlock guarding the entries of a page table (INVARIANTS.md A2):
 * for PTE and PMD tables the split lock of the table's own page
 * (pte_lockptr, pmd_lockptr: ptdesc->ptl, a pointer to it where
 * ALLOC_SPLIT_PTLOCKS), else mm->page_table_lock; hugetlb PMD leaves use
 * their PMD table's lock, so every sharer of a table uses one lock.
 * level: enum pts_level of the table. */
struct pts_error *pts_ptl_addr(struct pts_program *p, uint64_t mm, int level, uint64_t table_pfn,
			       uint64_t *ret, bool *split);
