/* Lock decoding.  Layouts from the debug info; bit meanings from the
 * kernel source of each version, cited where they changed. */
#include "config.h"
#include "readers/kfields.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "readers/klock.h"
#include "readers/kpage.h"

#define MAX_WAITERS 65536	/* far above any real queue; ends a corrupt one */

struct lock_layout {
	/* rw_semaphore; have_rwsem false on PREEMPT_RT (struct rwbase_rt) */
	bool have_rwsem;
	const char *rw_why;
	/* Waiters: a list_head wait_list, or (7.x: Debian's 7.2 has it) a
	 * first_waiter pointer anchoring a ring of the waiters' list_heads */
	bool rw_ring, mx_ring;
	uint64_t rw_w_list, mx_w_list;
	uint64_t rw_count, rw_owner, rw_wait_list;
	uint64_t rw_w_task, rw_w_type;
	int64_t rw_wait_write;
	/* mutex */
	bool have_mutex;
	uint64_t mx_owner, mx_wait_list, mx_w_task;
	/* spinlock_t: its qspinlock word at offset 0 unless PREEMPT_RT */
	bool have_spin;
	uint64_t spin_val;
	bool v510_owner_flags;	/* three owner flag bits (before v5.11) */
	/* page-table locks */
	bool split_ptl, ptl_ptr;
	uint64_t page_ptl, mm_ptl;
	bool have_mm_ptl;
};

static struct pts_error *layout_derive(struct pts_program *p, void **ret)
{
	struct lock_layout *l = xcalloc(1, sizeof(*l));
	/* kernel/locking/rwsem.c: struct rwsem_waiter { list, task, type } */
	/* A 2026 change (in 7.2, not in 6.12) replaced the wait_list heads
	 * of rw_semaphore and mutex by first_waiter, the first waiter of a
	 * ring (rwsem_del_waiter(): an only waiter's list is empty). */
	l->rw_ring = !pts_field_opt(p, PTS_FLD_RW_SEMAPHORE_WAIT_LIST, &l->rw_wait_list) &&
		     pts_field_opt(p, PTS_FLD_RW_SEMAPHORE_FIRST_WAITER, &l->rw_wait_list);
	l->have_rwsem = pts_field_opt(p, PTS_FLD_RW_SEMAPHORE_COUNT, &l->rw_count) &&
			pts_field_opt(p, PTS_FLD_RW_SEMAPHORE_OWNER, &l->rw_owner);
	if (!l->have_rwsem)
		l->rw_why = "rw_semaphore not decoded: no count/owner word (a PREEMPT_RT kernel keeps "
			    "an rt_mutex-based rwbase_rt)";
	struct pts_error *err = pts_types_enum(p->types, "RWSEM_WAITING_FOR_WRITE", &l->rw_wait_write);
	if (l->have_rwsem &&
	    (err || !(pts_field_opt(p, PTS_FLD_RW_SEMAPHORE_WAIT_LIST, &l->rw_wait_list) ||
		      l->rw_ring) ||
	     !pts_field_opt(p, PTS_FLD_RWSEM_WAITER_LIST, &l->rw_w_list) ||
	     !pts_field_opt(p, PTS_FLD_RWSEM_WAITER_TASK, &l->rw_w_task) ||
	     !pts_field_opt(p, PTS_FLD_RWSEM_WAITER_TYPE, &l->rw_w_type))) {
		l->have_rwsem = false;
		l->rw_why = "rw_semaphore not decoded: its waiters' layout is not in the debug info";
	}
	pts_error_destroy(err);
	/* struct mutex_waiter { list, task, ... }; !PREEMPT_RT mutexes
	 * keep the owner word (v4.10 3ca0ff571b09) */
	l->mx_ring = !pts_field_opt(p, PTS_FLD_MUTEX_WAIT_LIST, &l->mx_wait_list) &&
		     pts_field_opt(p, PTS_FLD_MUTEX_FIRST_WAITER, &l->mx_wait_list);
	l->have_mutex = pts_field_opt(p, PTS_FLD_MUTEX_OWNER, &l->mx_owner) &&
			(l->mx_ring || pts_field_opt(p, PTS_FLD_MUTEX_WAIT_LIST,
							&l->mx_wait_list)) &&
			pts_field_opt(p, PTS_FLD_MUTEX_WAITER_LIST, &l->mx_w_list) &&
			pts_field_opt(p, PTS_FLD_MUTEX_WAITER_TASK, &l->mx_w_task);
	l->have_spin = pts_field_opt(p, PTS_FLD_SPINLOCK_T_RLOCK_RAW_LOCK_VAL, &l->spin_val);
	/* v5.11 617f3ef95177 "locking/rwsem: Remove reader optimistic
	 * spinning" merged RWSEM_RD_NONSPINNABLE (bit 1) and
	 * RWSEM_WR_NONSPINNABLE (bit 2) into RWSEM_NONSPINNABLE (bit 1).
	 * A macro: told apart by the version. */
	l->v510_owner_flags = pts_kernel_version(p) < PTS_KVER(5, 11);
	/* Split page-table locks: struct page's ptl (ptdesc's from v6.6,
	 * which overlays struct page at the same offsets).  A pointer where
	 * spinlock_t is larger than a long (ALLOC_SPLIT_PTLOCKS). */
	struct pts_member m;
	uint64_t spin_size = 0;
	/* v6.6 (ptdesc) moved ptl from struct page into struct ptdesc,
	 * which overlays it: the same offset from the struct page */
	if (!(err = pts_field_member(p, PTS_FLD_PTDESC_PTL, &m)) ||
	    (pts_error_destroy(err), !(err = pts_field_member(p, PTS_FLD_PAGE_PTL, &m)))) {
		l->split_ptl = true;
		l->page_ptl = m.offset;
		if (!(err = pts_types_sizeof(p->types, "spinlock_t", &spin_size)))
			l->ptl_ptr = m.size == 8 && spin_size > 8;
	}
	pts_error_destroy(err);
	l->have_mm_ptl = pts_field_opt(p, PTS_FLD_MM_STRUCT_PAGE_TABLE_LOCK, &l->mm_ptl);
	*ret = l;
	return NULL;
}

/* Never fails: what this kernel lacks is said in the layout itself. */
static struct lock_layout *layout(struct pts_program *p)
{
	void *l = NULL;
	pts_error_destroy(pts_layout(p, PTS_LAYOUT_LOCK, layout_derive, free, &l));
	return l;
}

const char *pts_lock_kind_name(enum pts_lock_kind k)
{
	switch (k) {
	case PTS_LOCK_RWSEM: return "rw_semaphore";
	case PTS_LOCK_MUTEX: return "mutex";
	case PTS_LOCK_SPIN: return "spinlock";
	}
	return "?";
}

struct wctx {
	struct pts_lock_state *s;
	uint64_t task_off, type_off;
	int64_t write_val;
	bool rwsem;
};

static struct pts_error *on_waiter(struct pts_program *p, uint64_t node, void *arg)
{
	struct wctx *c = arg;
	struct pts_lock_waiter w = { .write = true };
	struct pts_error *err = pts_read_u64(p, node + c->task_off, &w.task);
	if (err)
		return err;
	if (c->rwsem) {
		uint32_t t;
		if ((err = pts_read_u32(p, node + c->type_off, &t)))
			return err;
		w.write = (int64_t)t == c->write_val;
	}
	VEC_PUSH(&c->s->waiters, w);
	return NULL;
}

static void read_waiters(struct pts_program *p, struct pts_lock_state *s, uint64_t head,
			 struct wctx *c, struct pts_notes *notes)
{
	struct pts_notes local = { 0 };
	char what[64];
	snprintf(what, sizeof(what), "wait list of %s %#" PRIx64, pts_lock_kind_name(s->kind), s->addr);
	c->s = s;
	struct pts_error *err = pts_list_walk(p, head, what, MAX_WAITERS, on_waiter, c, &local);
	if (err || local.n)
		s->waiters_partial = true;
	if (notes) {
		for (size_t i = 0; i < local.n; i++)
			pts_notes_add(notes, "%s", local.v[i]);
		if (err)
			pts_notes_add(notes, "%s: %s", what, pts_error_text(err));
	}
	pts_error_destroy(err);
	pts_notes_free(&local);
}

/* 7.x: the lock holds a pointer to its first waiter; the waiters'
 * list_heads form a ring with no head in the lock (an only waiter's is
 * empty).  Walked from the first, bounded, a cycle not through it is
 * a broken ring. */
static void read_ring(struct pts_program *p, struct pts_lock_state *s, uint64_t first_at,
		      uint64_t list_off, struct wctx *c, struct pts_notes *notes)
{
	uint64_t first, node, next;
	c->s = s;
	const char *bad = NULL;
	if (!pts_try_u64(p, first_at, &first)) {
		bad = "first waiter pointer not in the dump";
	} else {
		struct u64set seen = { 0 };
		for (node = first; node; node = next) {
			struct pts_error *err = on_waiter(p, node, c);
			if (err) {
				pts_error_destroy(err);
				bad = "a waiter is not in the dump";
				break;
			}
			if (!pts_try_u64(p, node + list_off, &next)) {
				bad = "a waiter's link is not in the dump";
				break;
			}
			next -= list_off;
			u64set_add(&seen, node);
			if (next == first)
				break;
			if (u64set_has(&seen, next) || seen.n >= MAX_WAITERS) {
				bad = "the waiter ring loops without returning to the first waiter";
				break;
			}
		}
		u64set_free(&seen);
	}
	if (bad) {
		s->waiters_partial = true;
		if (notes)
			pts_notes_add(notes, "waiters of %s %#" PRIx64 ": %s", pts_lock_kind_name(s->kind),
				      s->addr, bad);
	}
}

/* The waiters of a lock: a wait_list head at at, or the 7.x ring whose
 * first waiter at points at. */
static void read_queue(struct pts_program *p, struct pts_lock_state *s, uint64_t at, bool ring,
		       uint64_t list_off, struct wctx *c, struct pts_notes *notes)
{
	if (ring)
		read_ring(p, s, at, list_off, c, notes);
	else
		read_waiters(p, s, at, c, notes);
}

/* include/linux/rwsem.h, kernel/locking/rwsem.c (v5.3+ layout of count):
 * bit 0 writer locked, 1 waiters, 2 handoff, 8-62 readers, 63 read fail.
 * owner: the task | bit 0 reader-owned | bit 1 nonspinnable (| bit 2). */
static void rwsem(struct pts_program *p, const struct lock_layout *l, struct pts_lock_state *s,
		  struct pts_notes *notes)
{
	if (!l->have_rwsem) {
		s->why = l->rw_why;
		return;
	}
	uint64_t count, owner;
	if (!pts_try_u64(p, s->addr + l->rw_count, &count) ||
	    !pts_try_u64(p, s->addr + l->rw_owner, &owner))
		return;
	s->readable = s->decoded = true;
	s->raw = count;
	s->owner_raw = owner;
	s->write = count & 1;
	s->flag_waiters = count & 2;
	s->flag_handoff = count & 4;
	s->flag_readfail = count >> 63;
	s->readers = (count >> 8) & ((1ULL << 55) - 1);
	s->held = s->write || s->readers;
	s->reader_owned = owner & 1;
	s->nonspinnable = l->v510_owner_flags ? (owner & 6) != 0 : (owner & 2) != 0;
	s->owner = owner & ~7ULL;
	/* The writer stores itself in owner (rwsem_set_owner); a reader
	 * stores itself with bit 0 and leaves it on unlock: only a hint. */
	s->owner_exact = s->write && !s->reader_owned && s->owner;
	if (!s->write && !s->readers && !s->reader_owned)
		s->owner = 0;
	struct wctx c = { .task_off = l->rw_w_task, .type_off = l->rw_w_type,
			  .write_val = l->rw_wait_write, .rwsem = true };
	if (s->flag_waiters)
		read_queue(p, s, s->addr + l->rw_wait_list, l->rw_ring, l->rw_w_list, &c, notes);
}

/* kernel/locking/mutex.c: owner = task | WAITERS 1 | HANDOFF 2 | PICKUP 4 */
static void mutex(struct pts_program *p, const struct lock_layout *l, struct pts_lock_state *s,
		  struct pts_notes *notes)
{
	if (!l->have_mutex) {
		s->why = "mutex not decoded: no owner word (PREEMPT_RT's rt_mutex-based mutex)";
		return;
	}
	uint64_t owner;
	if (!pts_try_u64(p, s->addr + l->mx_owner, &owner))
		return;
	s->readable = s->decoded = true;
	s->raw = owner;
	s->owner = owner & ~7ULL;
	s->held = s->write = s->owner != 0;
	s->owner_exact = s->held;
	s->flag_waiters = owner & 1;
	s->flag_handoff = owner & 2;
	s->flag_pickup = owner & 4;
	struct wctx c = { .task_off = l->mx_w_task };
	if (s->flag_waiters)
		read_queue(p, s, s->addr + l->mx_wait_list, l->mx_ring, l->mx_w_list, &c, notes);
}

/* include/asm-generic/qspinlock_types.h (NR_CPUS < 16K): locked byte
 * 0-7, pending bit 8, tail index 16-17, tail CPU + 1 in 18-31.  A
 * qspinlock records no owner; the queued CPUs are per-CPU mcs nodes. */
static void spin(struct pts_program *p, const struct lock_layout *l, struct pts_lock_state *s)
{
	if (!l->have_spin) {
		s->why = "spinlock not decoded: no qspinlock word (PREEMPT_RT's rt_mutex-based spinlock)";
		return;
	}
	uint32_t val;
	if (!pts_try_u32(p, s->addr + l->spin_val, &val))
		return;
	s->readable = s->decoded = true;
	s->raw = val;
	s->held = s->write = (val & 0xff) != 0;
	s->pending = (val >> 8) & 1;
	s->tail_cpu = (int)(val >> 18) - 1;
}

struct pts_error *pts_lock_read(struct pts_program *p, enum pts_lock_kind kind, uint64_t addr,
				struct pts_lock_state *ret, struct pts_notes *notes)
{
	if (!p->types)
		return pts_error(PTS_ERR_LOOKUP, "lock decoding needs the kernel's types");
	const struct lock_layout *l = layout(p);
	memset(ret, 0, sizeof(*ret));
	ret->kind = kind;
	ret->addr = addr;
	ret->tail_cpu = -1;
	const char *why;
	if (!pts_lock_kind_decodable(p, kind, &why)) {
		ret->undecodable = true;
		ret->why = why;
		return NULL;
	}
	/* Live, the lock word and its owner and waiters are read one after
	 * the other while the lock moves: the state counts only if the words
	 * read again are unchanged after the rest; a few tries, then the
	 * last read, marked unstable. */
	bool live = pts_dump_info(p->dump)->live;
	for (int tries = 1;; tries++) {
		switch (kind) {
		case PTS_LOCK_RWSEM: rwsem(p, l, ret, notes); break;
		case PTS_LOCK_MUTEX: mutex(p, l, ret, notes); break;
		case PTS_LOCK_SPIN: spin(p, l, ret); break;
		}
		if (!live || !ret->readable)
			break;
		ret->live_reads = (uint8_t)tries;
		struct pts_lock_state again;
		memset(&again, 0, sizeof(again));
		again.kind = kind;
		again.addr = addr;
		again.tail_cpu = -1;
		switch (kind) {
		case PTS_LOCK_RWSEM: rwsem(p, l, &again, NULL); break;
		case PTS_LOCK_MUTEX: mutex(p, l, &again, NULL); break;
		case PTS_LOCK_SPIN: spin(p, l, &again); break;
		}
		bool same = again.readable && again.raw == ret->raw && again.owner_raw == ret->owner_raw &&
			    again.waiters.n == ret->waiters.n;
		pts_lock_state_free(&again);
		if (same)
			break;
		if (tries == 3) {
			ret->live_unstable = true;
			if (notes)
				pts_notes_add(notes, "live: the lock at %#" PRIx64 " changed during each of "
					      "3 reads: shown as last read", addr);
			break;
		}
		pts_lock_state_free(ret);
		memset(ret, 0, sizeof(*ret));
		ret->kind = kind;
		ret->addr = addr;
		ret->tail_cpu = -1;
	}
	if (!ret->why && !ret->readable)
		ret->why = "the lock is not in the dump";
	return NULL;
}

bool pts_lock_kind_decodable(struct pts_program *p, enum pts_lock_kind kind, const char **why)
{
	if (!p->types) {
		*why = "lock decoding needs the kernel's types";
		return false;
	}
	const struct lock_layout *l = layout(p);
	switch (kind) {
	case PTS_LOCK_RWSEM:
		*why = l->rw_why;
		return l->have_rwsem;
	case PTS_LOCK_MUTEX:
		*why = "mutex not decoded: no owner word (PREEMPT_RT's rt_mutex-based mutex)";
		return l->have_mutex;
	case PTS_LOCK_SPIN:
		*why = "spinlock not decoded: no qspinlock word (PREEMPT_RT's rt_mutex-based spinlock)";
		return l->have_spin;
	}
	*why = "unknown lock kind";
	return false;
}

void pts_lock_state_free(struct pts_lock_state *s)
{
	free(s->waiters.v);
	memset(&s->waiters, 0, sizeof(s->waiters));
}

const char *pts_lock_summary(const struct pts_lock_state *s, char *buf, size_t n)
{
	if (s->undecodable)
		snprintf(buf, n, "not decoded (%s)", s->kind == PTS_LOCK_RWSEM ? "rw_semaphore" :
			 s->kind == PTS_LOCK_MUTEX ? "mutex" : "spinlock");
	else if (!s->decoded)
		snprintf(buf, n, "%s", s->readable ? "not decoded" : "unknown (not in the dump)");
	else if (!s->held)
		snprintf(buf, n, "free");
	else if (s->kind == PTS_LOCK_RWSEM && s->write)
		snprintf(buf, n, "write-locked");
	else if (s->kind == PTS_LOCK_RWSEM)
		snprintf(buf, n, "read-locked (%" PRIu64 " reader%s)", s->readers,
			 s->readers == 1 ? "" : "s");
	else
		snprintf(buf, n, "locked");
	if (s->live_unstable) {
		size_t len = strlen(buf);
		snprintf(buf + len, n - len, " (changing, live)");
	}
	return buf;
}

struct pts_error *pts_ptl_addr(struct pts_program *p, uint64_t mm, int level, uint64_t table_pfn,
			       uint64_t *ret, bool *split)
{
	if (!p->types)
		return pts_error(PTS_ERR_LOOKUP, "lock decoding needs the kernel's types");
	const struct lock_layout *l = layout(p);
	struct pts_error *err;
	*split = l->split_ptl && (level == PTS_PTE || level == PTS_PMD);
	if (!*split) {
		if (!l->have_mm_ptl)
			return pts_error(PTS_ERR_LOOKUP, "struct mm_struct has no page_table_lock");
		*ret = mm + l->mm_ptl;
		return NULL;
	}
	uint64_t page;
	if ((err = pts_page_addr(p, table_pfn, &page)))
		return err;
	if (!l->ptl_ptr) {
		*ret = page + l->page_ptl;
		return NULL;
	}
	return pts_read_u64(p, page + l->page_ptl, ret);
}
