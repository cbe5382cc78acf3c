/* The locks of processes' memory across the dump, and the wait-for graph.
 * Lock words are decoded by klock; here: which locks exist (by class, as
 * the kernel embeds them), who holds and waits, cycles and lock order. */
#include "config.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "readers/kmm.h"
#include "analyses/locks.h"
#include "readers/walk.h"

#define MAX_STACK_HOLDERS 8
#define MAX_CYCLE 64

struct ll {
	uint64_t mmap_lock;
	/* per-VMA locks: v6.4 5e31275cc997 "mm: add per-VMA lock and helper
	 * functions to control it" (vm_lock -> struct vma_lock, an rwsem);
	 * v6.15 "mm: replace vm_lock and detached flag with a reference
	 * count" (vm_refcnt) */
	bool vma_rwsem, vma_refcnt, vma_seq;
	uint64_t vm_lock, vm_lock_seq, vm_refcnt, vma_lock_lock, mm_lock_seq, writer_wait;
	bool have_writer_wait;
	uint64_t anon_root, anon_rwsem, i_mmap_rwsem;
	bool have_hvl, have_resv;
	uint64_t hvl_sema, resv_sema;
	bool have_blocker;
	uint64_t blocker, task_stack, thread_sp, thread_size;
	/* lockdep (CONFIG_LOCKDEP; no Debian kernel has it): each task's
	 * held_locks[lockdep_depth], whose instance is the lock's dep_map */
	bool lockdep;
	uint64_t held_locks, lockdep_depth, held_size, hl_instance, max_held;
	uint64_t depmap[3];	/* by enum pts_lock_kind: dep_map's offset in the lock */
	bool have_depmap[3];
};

static void layout(struct pts_program *p, struct ll *l)
{
	memset(l, 0, sizeof(*l));
	if (!pts_offsetof_opt(p, "struct mm_struct", "mmap_lock", &l->mmap_lock))
		/* v5.8 da1c55f1b272 renamed mmap_sem */
		pts_offsetof_opt(p, "struct mm_struct", "mmap_sem", &l->mmap_lock);
	l->vma_seq = pts_offsetof_opt(p, "struct vm_area_struct", "vm_lock_seq", &l->vm_lock_seq) &&
		     pts_offsetof_opt(p, "struct mm_struct", "mm_lock_seq", &l->mm_lock_seq);
	l->vma_refcnt = pts_offsetof_opt(p, "struct vm_area_struct", "vm_refcnt", &l->vm_refcnt);
	if (!l->vma_refcnt) {
		struct pts_member m;
		struct pts_error *err = pts_types_member(p->types, "struct vm_area_struct", "vm_lock", &m);
		if (!err) {
			l->vm_lock = m.offset;
			/* a pointer to struct vma_lock, or (v6.13) embedded */
			l->vma_rwsem = pts_offsetof_opt(p, "struct vma_lock", "lock", &l->vma_lock_lock);
			if (m.size != 8)
				l->vm_lock |= 1ULL << 63;	/* embedded: no pointer to follow */
		}
		pts_error_destroy(err);
	}
	l->have_writer_wait = pts_offsetof_opt(p, "struct mm_struct", "vma_writer_wait.task",
					       &l->writer_wait);
	pts_offsetof_opt(p, "struct anon_vma", "root", &l->anon_root);
	pts_offsetof_opt(p, "struct anon_vma", "rwsem", &l->anon_rwsem);
	pts_offsetof_opt(p, "struct address_space", "i_mmap_rwsem", &l->i_mmap_rwsem);
	l->have_hvl = pts_offsetof_opt(p, "struct hugetlb_vma_lock", "rw_sema", &l->hvl_sema);
	l->have_resv = pts_offsetof_opt(p, "struct resv_map", "rw_sema", &l->resv_sema);
	/* v6.16 "hung_task: show the blocker task if the task is hung on
	 * mutex" (CONFIG_DETECT_HUNG_TASK_BLOCKER) */
	l->have_blocker = pts_offsetof_opt(p, "struct task_struct", "blocker", &l->blocker);
	pts_offsetof_opt(p, "struct task_struct", "stack", &l->task_stack);
	pts_offsetof_opt(p, "struct task_struct", "thread.sp", &l->thread_sp);
	l->lockdep = pts_offsetof_opt(p, "struct task_struct", "held_locks", &l->held_locks) &&
		     pts_offsetof_opt(p, "struct task_struct", "lockdep_depth", &l->lockdep_depth) &&
		     pts_offsetof_opt(p, "struct held_lock", "instance", &l->hl_instance);
	if (l->lockdep) {
		struct pts_error *e = pts_types_sizeof(p->types, "struct held_lock", &l->held_size);
		if (!e)
			e = pts_types_member_array_len(p->types, "struct task_struct", "held_locks",
						       &l->max_held);
		l->lockdep = !e && l->held_size;
		pts_error_destroy(e);
		l->have_depmap[PTS_LOCK_RWSEM] = pts_offsetof_opt(p, "struct rw_semaphore", "dep_map",
								  &l->depmap[PTS_LOCK_RWSEM]);
		l->have_depmap[PTS_LOCK_MUTEX] = pts_offsetof_opt(p, "struct mutex", "dep_map",
								  &l->depmap[PTS_LOCK_MUTEX]);
		l->have_depmap[PTS_LOCK_SPIN] = pts_offsetof_opt(p, "spinlock_t", "rlock.dep_map",
								 &l->depmap[PTS_LOCK_SPIN]);
	}
	struct pts_error *err = pts_types_sizeof(p->types, "union thread_union", &l->thread_size);
	if (err || l->thread_size < 4096 || l->thread_size > (1 << 20))
		l->thread_size = 16384;	/* THREAD_SIZE without KASAN */
	pts_error_destroy(err);
}

const char *pts_lock_class_name(enum pts_lock_class c)
{
	static const char *n[PTS_LC_N] = {
		"mmap_lock", "vma_lock", "hugetlb_fault_mutex", "hugetlb_vma_lock", "resv_map",
		"i_mmap_rwsem", "anon_vma", "page_table_lock", "pt_lock", "other",
	};
	return c < PTS_LC_N ? n[c] : "?";
}

const char *pts_holder_how_name(enum pts_holder_how h)
{
	switch (h) {
	case PTS_HOLD_EXACT: return "exact";
	case PTS_HOLD_HINT: return "last reader (hint)";
	case PTS_HOLD_STACK: return "address on its stack (heuristic)";
	}
	return "?";
}

struct scan {
	struct pts_program *p;
	struct ll l;
	struct pts_locks *out;
	struct u64map byaddr;
	struct pts_task_list tl;
	const struct pts_ptl_feeds *fed;
	struct u64map task_index;	/* task_struct -> index in tl */
	uint8_t **stacks;		/* read on first need */
	bool *stack_tried;
	uint64_t *stack_lo;		/* first byte worth scanning (from sp) */
};

static void add_pid(struct pts_lock *k, int32_t pid)
{
	for (size_t i = 0; i < k->pids.n; i++)
		if (k->pids.v[i] == pid)
			return;
	VEC_PUSH(&k->pids, pid);
}

/* The lock at addr, decoded once however many processes use it. */
static struct pts_lock *add_lock(struct scan *s, enum pts_lock_class cls, enum pts_lock_kind kind,
				 uint64_t addr, uint64_t obj, int32_t pid, bool keep_quiet,
				 const char *fmt, ...) __attribute__((format(printf, 8, 9)));
static struct pts_lock *add_lock(struct scan *s, enum pts_lock_class cls, enum pts_lock_kind kind,
				 uint64_t addr, uint64_t obj, int32_t pid, bool keep_quiet,
				 const char *fmt, ...)
{
	size_t i;
	if (u64map_get(&s->byaddr, addr, &i)) {
		add_pid(&s->out->locks.v[i], pid);
		return &s->out->locks.v[i];
	}
	s->out->examined[cls]++;
	struct pts_lock k = { .cls = cls, .obj = obj };
	struct pts_error *err = pts_lock_read(s->p, kind, addr, &k.st, &s->out->missing);
	if (err) {
		pts_notes_add(&s->out->missing, "%s at %#" PRIx64 ": %s", pts_lock_class_name(cls), addr,
			      pts_error_text(err));
		pts_error_destroy(err);
		return NULL;
	}
	if (k.st.undecodable) {
		s->out->undecodable[kind]++;
		s->out->undecodable_why[kind] = k.st.why;
	}
	k.interesting = k.st.held || k.st.waiters.n || (!k.st.decoded && !k.st.undecodable);
	if (!k.interesting && !keep_quiet) {
		pts_lock_state_free(&k.st);
		return NULL;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(k.what, sizeof(k.what), fmt, ap);
	va_end(ap);
	add_pid(&k, pid);
	VEC_PUSH(&s->out->locks, k);
	u64map_put(&s->byaddr, addr, s->out->locks.n - 1);
	return &s->out->locks.v[s->out->locks.n - 1];
}

/* ---- the locks of one process --------------------------------------- */

struct tw {
	struct scan *s;
	const struct pts_task *t;
	uint64_t mm;
};

static void ptl_table(void *arg, const struct pts_table *t)
{
	struct tw *w = arg;
	if (t->level != PTS_PTE && t->level != PTS_PMD)
		return;
	uint64_t addr;
	bool split;
	struct pts_error *err = pts_ptl_addr(w->s->p, w->mm, t->level, t->pfn, &addr, &split);
	if (err) {
		pts_error_destroy(err);
		return;
	}
	if (!split)
		return;	/* mm->page_table_lock, counted with the mm */
	add_lock(w->s, PTS_LC_PTL, PTS_LOCK_SPIN, addr, t->pfn, w->t->tgid, false,
		 "split lock of the %s table pfn %#" PRIx64 " (at %#" PRIx64 ")",
		 pts_level_name((unsigned)t->level), t->pfn, t->va);
}

static void vma_lock(struct scan *s, const struct pts_task *t, const struct pts_vma *v,
		     uint32_t mm_seq)
{
	const struct ll *l = &s->l;
	struct pts_program *p = s->p;
	uint32_t seq = 0, ref = 0;
	bool wlocked = l->vma_seq && pts_try_u32(p, v->addr + l->vm_lock_seq, &seq) && seq == mm_seq;
	if (l->vma_refcnt) {
		/* 0 detached, 1 attached, +1 per reader; VMA_LOCK_OFFSET
		 * 0x40000000 while a writer waits for the readers to leave */
		if (!pts_try_u32(p, v->addr + l->vm_refcnt, &ref))
			return;
		s->out->examined[PTS_LC_VMA]++;
		uint32_t readers = (ref & 0x3fffffffu) ? (ref & 0x3fffffffu) - 1 : 0;
		bool writer = ref & 0x40000000u;
		if (!wlocked && !readers && !writer)
			return;
		struct pts_lock k = { .cls = PTS_LC_VMA, .obj = v->addr, .vma_refcnt = true,
				      .vma_write_locked = wlocked, .vma_readers = readers,
				      .vma_writer_waiting = writer, .interesting = true };
		k.st.kind = PTS_LOCK_RWSEM;
		k.st.addr = v->addr + l->vm_refcnt;
		k.st.readable = k.st.decoded = true;
		k.st.raw = ref;
		k.st.held = wlocked || readers;
		k.st.write = wlocked;
		k.st.readers = readers;
		k.st.tail_cpu = -1;
		uint64_t wt;
		if (writer && l->have_writer_wait && pts_try_u64(p, v->mm + l->writer_wait, &wt) && wt) {
			struct pts_lock_waiter w = { wt, true };
			VEC_PUSH(&k.st.waiters, w);
		}
		snprintf(k.what, sizeof(k.what), "per-VMA lock (vm_refcnt) of %#" PRIx64 "-%#" PRIx64,
			 v->start, v->end);
		add_pid(&k, t->tgid);
		VEC_PUSH(&s->out->locks, k);
		return;
	}
	if (!l->vm_lock)
		return;
	uint64_t at;
	if (l->vm_lock >> 63)
		at = v->addr + (l->vm_lock & ~(1ULL << 63)) + l->vma_lock_lock;
	else if (!pts_try_u64(p, v->addr + l->vm_lock, &at) || !at)
		return;
	else
		at += l->vma_lock_lock;
	struct pts_lock *k = add_lock(s, PTS_LC_VMA, PTS_LOCK_RWSEM, at, v->addr, t->tgid, wlocked,
				      "per-VMA lock of %#" PRIx64 "-%#" PRIx64, v->start, v->end);
	if (k && wlocked) {
		/* vma_start_write() records mm_lock_seq; the rwsem itself is
		 * only held around that store */
		k->vma_write_locked = k->interesting = true;
	}
}

static void process(struct scan *s, const struct pts_task *t)
{
	struct pts_program *p = s->p;
	const struct ll *l = &s->l;
	struct pts_mm mm;
	struct pts_error *err = pts_mm_read_flags(p, t, PTS_MM_HUGETLB_NAMES, &mm);
	if (err) {
		pts_notes_add(&s->out->missing, "pid %d: %s", t->pid, pts_error_text(err));
		pts_error_destroy(err);
		return;
	}
	for (size_t i = 0; i < mm.missing.n; i++)
		pts_notes_add(&s->out->missing, "pid %d: %s", t->pid, mm.missing.v[i]);
	add_lock(s, PTS_LC_MMAP_LOCK, PTS_LOCK_RWSEM, mm.addr + l->mmap_lock, mm.addr, t->tgid, true,
		 "mmap_lock of pid %d (%s), mm %#" PRIx64, t->pid, t->comm, mm.addr);
	uint64_t ptl;
	bool split;
	if (!(err = pts_ptl_addr(p, mm.addr, PTS_PUD, 0, &ptl, &split)))
		add_lock(s, PTS_LC_PAGE_TABLE_LOCK, PTS_LOCK_SPIN, ptl, mm.addr, t->tgid, true,
			 "page_table_lock of pid %d (%s): PGD, P4D and PUD entries", t->pid, t->comm);
	pts_error_destroy(err);
	uint32_t mm_seq = 0;
	if (l->vma_seq && !pts_try_u32(p, mm.addr + l->mm_lock_seq, &mm_seq))
		mm_seq = 0xffffffffu;	/* unknown: never equal by chance below */
	for (size_t i = 0; i < mm.nvmas; i++) {
		const struct pts_vma *v = &mm.vmas[i];
		if (v->gate)
			continue;
		vma_lock(s, t, v, mm_seq);
		if (v->mapping && l->i_mmap_rwsem)
			add_lock(s, PTS_LC_I_MMAP, PTS_LOCK_RWSEM, v->mapping + l->i_mmap_rwsem, v->mapping,
				 t->tgid, true, "i_mmap_rwsem of address_space %#" PRIx64
				 " (mapped by pid %d at %#" PRIx64 ")", v->mapping, t->pid, v->start);
		uint64_t root;
		if (v->anon_vma && l->anon_rwsem && pts_try_u64(p, v->anon_vma + l->anon_root, &root) &&
		    root)
			add_lock(s, PTS_LC_ANON_VMA, PTS_LOCK_RWSEM, root + l->anon_rwsem, root, t->tgid,
				 true, "rwsem of anon_vma root %#" PRIx64 " (anon_vma of pid %d at %#"
				 PRIx64 ")", root, t->pid, v->start);
		if ((v->flags & PTS_VM_HUGETLB) && v->private_data) {
			if ((v->flags & PTS_VM_MAYSHARE) && l->have_hvl)
				add_lock(s, PTS_LC_HUGETLB_VMA, PTS_LOCK_RWSEM,
					 v->private_data + l->hvl_sema, v->addr, t->tgid, true,
					 "hugetlb vma_lock %#" PRIx64 " of pid %d's %#" PRIx64 "-%#" PRIx64
					 " (%s)", v->private_data, t->pid, v->start, v->end,
					 v->name ? v->name : "?");
			else if (!(v->flags & PTS_VM_MAYSHARE) && l->have_resv && (v->private_data & ~3ULL))
				add_lock(s, PTS_LC_RESV_MAP, PTS_LOCK_RWSEM,
					 (v->private_data & ~3ULL) + l->resv_sema, v->addr, t->tgid, true,
					 "resv_map %#" PRIx64 " of pid %d's %#" PRIx64 "-%#" PRIx64,
					 (uint64_t)(v->private_data & ~3ULL), t->pid, v->start, v->end);
		}
	}
	struct tw w = { s, t, mm.addr };
	size_t fi;
	if (s->fed && u64map_get(&s->fed->bymm, mm.addr, &fi)) {
		/* one pass: the checks' walk met these tables already */
		const struct pts_ptl_feed *f = s->fed->v.v[fi];
		for (size_t i = 0; i < f->tables.n; i++) {
			struct pts_table tb = { .pfn = f->tables.v[i].pfn, .va = f->tables.v[i].va,
						.level = f->tables.v[i].level };
			ptl_table(&w, &tb);
		}
		for (size_t i = 0; i < f->notes.n; i++)
			pts_notes_add(&s->out->missing, "pid %d: %s", t->pid, f->notes.v[i]);
		pts_mm_free(&mm);
		return;
	}
	struct pts_walk_ops ops = { .table = ptl_table, .pte_tables_unread = true };
	struct pts_walk_result r = { 0 };
	if ((err = pts_walk(p, mm.pgd, 0, UINT64_MAX, &ops, &w, &r))) {
		pts_notes_add(&s->out->missing, "pid %d: page tables: %s", t->pid, pts_error_text(err));
		pts_error_destroy(err);
	}
	for (size_t i = 0; i < r.missing.n; i++)
		pts_notes_add(&s->out->missing, "pid %d: %s", t->pid, r.missing.v[i]);
	pts_walk_result_free(&r);
	pts_mm_free(&mm);
}

static void fault_mutexes(struct scan *s)
{
	uint64_t tab_at, n_at, tab, msize;
	uint32_t n;
	struct pts_error *err;
	if ((err = pts_symbol(s->p, "hugetlb_fault_mutex_table", &tab_at)) ||
	    (err = pts_symbol(s->p, "num_fault_mutexes", &n_at)) ||
	    (err = pts_types_sizeof(s->p->types, "struct mutex", &msize))) {
		pts_error_destroy(err);
		return;	/* no hugetlb in this kernel */
	}
	if (!pts_try_u64(s->p, tab_at, &tab) || !pts_try_u32(s->p, n_at, &n) || !tab) {
		pts_notes_add(&s->out->missing, "hugetlb_fault_mutex_table: not in the dump");
		return;
	}
	for (uint32_t i = 0; i < n && i < 65536; i++)
		add_lock(s, PTS_LC_HUGETLB_FAULT, PTS_LOCK_MUTEX, tab + i * msize, i, 0, false,
			 "hugetlb_fault_mutex_table[%u]", i);
}

/* ---- holders, blocked tasks ---------------------------------------- */

static const struct pts_task *task_at(const struct scan *s, uint64_t addr)
{
	size_t i;
	return u64map_get(&s->task_index, addr, &i) ? &s->tl.v[i] : NULL;
}

static void holder(struct scan *s, struct pts_lock *k, uint64_t task, enum pts_holder_how how)
{
	for (size_t i = 0; i < k->holders.n; i++)
		if (k->holders.v[i].task == task)
			return;
	struct pts_holder h = { .task = task, .how = how };
	const struct pts_task *t = task_at(s, task);
	struct pts_task rt;
	if (!t) {
		struct pts_error *err = pts_task_read(s->p, task, &rt);
		if (!err)
			t = &rt;
		pts_error_destroy(err);
	}
	if (t) {
		h.pid = t->pid;
		h.tgid = t->tgid;
		memcpy(h.comm, t->comm, sizeof(h.comm));
	}
	VEC_PUSH(&k->holders, h);
}

static const uint8_t *stack_of(struct scan *s, size_t ti, uint64_t *lo, uint64_t *base)
{
	const struct ll *l = &s->l;
	uint64_t stk = 0, sp = 0;
	if (!pts_try_u64(s->p, s->tl.v[ti].addr + l->task_stack, &stk) || !stk)
		return NULL;
	*base = stk;
	if (!s->stack_tried[ti]) {
		s->stack_tried[ti] = true;
		uint8_t *buf = xcalloc(1, l->thread_size);
		struct pts_error *err = pts_read(s->p, stk, buf, l->thread_size);
		if (err) {
			pts_error_destroy(err);
			free(buf);
			return NULL;
		}
		s->out->stacks_scanned++;
		s->stacks[ti] = buf;
		s->stack_lo[ti] = pts_try_u64(s->p, s->tl.v[ti].addr + l->thread_sp, &sp) &&
				  sp > stk && sp < stk + l->thread_size ? sp - stk : 0;
	}
	*lo = s->stack_lo[ti];
	return s->stacks[ti];
}

/* Owners the kernel does not record (readers, spinlocks): tasks whose
 * kernel stack, from the saved stack pointer up, holds the lock's
 * address.  A guess, said as one: the address may be a stale value. */
static void stack_scan(struct scan *s, struct pts_lock *k)
{
	size_t found = 0;
	for (size_t i = 0; i < s->tl.n && found < MAX_STACK_HOLDERS; i++) {
		bool waiter = false;
		for (size_t w = 0; w < k->st.waiters.n; w++)
			waiter |= k->st.waiters.v[w].task == s->tl.v[i].addr;
		if (waiter)
			continue;
		uint64_t lo, base;
		const uint8_t *stk = stack_of(s, i, &lo, &base);
		if (!stk)
			continue;
		for (uint64_t off = lo & ~7ULL; off + 8 <= s->l.thread_size; off += 8) {
			uint64_t v;
			memcpy(&v, stk + off, 8);
			if (v == k->st.addr) {
				holder(s, k, s->tl.v[i].addr, PTS_HOLD_STACK);
				found++;
				break;
			}
		}
	}
}

static void blocked(struct scan *s, uint64_t task, size_t lock, bool write, const char *by)
{
	for (size_t i = 0; i < s->out->blocked.n; i++)
		if (s->out->blocked.v[i].task == task)
			return;
	struct pts_blocked b = { .task = task, .lock = lock, .write = write, .found_by = by };
	const struct pts_task *t = task_at(s, task);
	if (t) {
		b.pid = t->pid;
		b.tgid = t->tgid;
		b.state = t->state;
		memcpy(b.comm, t->comm, sizeof(b.comm));
	}
	VEC_PUSH(&s->out->blocked, b);
}

/* task->blocker: lock | BLOCKER_TYPE_MUTEX 0, SEM 1, RWSEM_READER 2,
 * RWSEM_WRITER 3 (include/linux/hung_task.h) */
static void blockers(struct scan *s)
{
	for (size_t i = 0; i < s->tl.n; i++) {
		uint64_t b;
		if (!pts_try_u64(s->p, s->tl.v[i].addr + s->l.blocker, &b) || !b)
			continue;
		uint64_t addr = b & ~3ULL;
		unsigned type = (unsigned)(b & 3);
		size_t k;
		if (!u64map_get(&s->byaddr, addr, &k)) {
			if (type == 1) {
				pts_notes_add(&s->out->missing, "pid %d waits on semaphore %#" PRIx64
					      " (struct semaphore is not decoded)", s->tl.v[i].pid, addr);
				continue;
			}
			if (!add_lock(s, PTS_LC_OTHER, type ? PTS_LOCK_RWSEM : PTS_LOCK_MUTEX, addr, 0,
				      0, true, "%s %#" PRIx64 " (known only from task->blocker)",
				      type ? "rw_semaphore" : "mutex", addr))
				continue;
			k = s->out->locks.n - 1;
		}
		blocked(s, s->tl.v[i].addr, k, type != 2, "task->blocker");
	}
}

/* lockdep's record of what each task holds: exact holders, readers too. */
static void lockdep_holders(struct scan *s)
{
	const struct ll *l = &s->l;
	struct u64map bydep = { 0 };
	for (size_t k = 0; k < s->out->locks.n; k++) {
		const struct pts_lock *lk = &s->out->locks.v[k];
		if (lk->st.kind <= PTS_LOCK_SPIN && l->have_depmap[lk->st.kind] && !lk->vma_refcnt)
			u64map_put(&bydep, lk->st.addr + l->depmap[lk->st.kind], k);
	}
	for (size_t i = 0; i < s->tl.n; i++) {
		uint32_t depth;
		if (!pts_try_u32(s->p, s->tl.v[i].addr + l->lockdep_depth, &depth))
			continue;
		for (uint32_t d = 0; d < depth && d < l->max_held; d++) {
			uint64_t inst;
			size_t k;
			if (pts_try_u64(s->p, s->tl.v[i].addr + l->held_locks + d * l->held_size +
					l->hl_instance, &inst) && u64map_get(&bydep, inst, &k))
				holder(s, &s->out->locks.v[k], s->tl.v[i].addr, PTS_HOLD_EXACT);
		}
	}
	u64map_free(&bydep);
}

/* ---- the wait-for graph -------------------------------------------- */

static size_t blocked_index(const struct pts_locks *o, uint64_t task)
{
	for (size_t i = 0; i < o->blocked.n; i++)
		if (o->blocked.v[i].task == task)
			return i;
	return SIZE_MAX;
}

struct dfs {
	struct pts_locks *o;
	size_t path[MAX_CYCLE];
	bool exact[MAX_CYCLE];
	size_t depth;
	struct u64set seen_cycles;
};

/* Cycles through start whose other members all come after it: each
 * cycle found once, from its lowest index. */
static void dfs(struct dfs *d, size_t start, size_t at)
{
	if (d->depth >= MAX_CYCLE)
		return;
	d->path[d->depth++] = at;
	const struct pts_lock *k = &d->o->locks.v[d->o->blocked.v[at].lock];
	for (size_t h = 0; h < k->holders.n; h++) {
		size_t next = blocked_index(d->o, k->holders.v[h].task);
		if (next == SIZE_MAX || next < start)
			continue;
		d->exact[d->depth - 1] = k->holders.v[h].how == PTS_HOLD_EXACT;
		if (next == start) {
			uint64_t key = 0x9e3779b97f4a7c15ULL;
			for (size_t i = 0; i < d->depth; i++)
				key = (key ^ (d->path[i] + 1)) * 0x100000001b3ULL;
			if (!u64set_add(&d->seen_cycles, key | 1))
				continue;
			struct pts_lock_cycle c = { .exact = true };
			for (size_t i = 0; i < d->depth; i++) {
				VEC_PUSH(&c.blocked, d->path[i]);
				c.exact &= d->exact[i];
			}
			VEC_PUSH(&d->o->cycles, c);
			continue;
		}
		bool on_path = false;
		for (size_t i = 0; i < d->depth; i++)
			on_path |= d->path[i] == next;
		if (!on_path)
			dfs(d, start, next);
	}
	d->depth--;
}

/* INVARIANTS F3: the order of mm locks (mm/rmap.c's header, the hugetlb
 * order fault mutex -> vma lock -> i_mmap_rwsem); 0: not ordered here
 * (per-VMA locks sit between mmap_lock and i_mmap_rwsem but also after
 * hugetlbfs's i_mmap_rwsem; no rule is drawn from them). */
static int rank(enum pts_lock_class c)
{
	switch (c) {
	case PTS_LC_MMAP_LOCK: return 10;
	case PTS_LC_HUGETLB_FAULT: return 20;
	case PTS_LC_HUGETLB_VMA: case PTS_LC_RESV_MAP: return 30;
	case PTS_LC_I_MMAP: return 40;
	case PTS_LC_ANON_VMA: return 50;
	case PTS_LC_PAGE_TABLE_LOCK: case PTS_LC_PTL: return 60;
	default: return 0;
	}
}

static void lock_order(struct pts_locks *o)
{
	for (size_t b = 0; b < o->blocked.n; b++) {
		const struct pts_lock *want = &o->locks.v[o->blocked.v[b].lock];
		int rw = rank(want->cls);
		if (!rw)
			continue;
		for (size_t k = 0; k < o->locks.n; k++) {
			const struct pts_lock *held = &o->locks.v[k];
			int rh = rank(held->cls);
			if (k == o->blocked.v[b].lock || !rh || rh <= rw)
				continue;
			bool holds = false;
			for (size_t h = 0; h < held->holders.n; h++)
				holds |= held->holders.v[h].task == o->blocked.v[b].task &&
					 held->holders.v[h].how == PTS_HOLD_EXACT;
			if (!holds)
				continue;
			const char *rule = want->cls == PTS_LC_HUGETLB_VMA && held->cls == PTS_LC_I_MMAP ?
				"i_mmap_rwsem -> hugetlb vma_lock is allowed only as a trylock "
				"(hugetlb_unmap_file_folio, try_to_unmap_one); the order is vma_lock -> "
				"i_mmap_rwsem (mm/hugetlb.c)" :
				"mm/rmap.c's lock order: mmap_lock -> hugetlb_fault_mutex -> hugetlb "
				"vma_lock -> i_mmap_rwsem -> anon_vma->rwsem -> page table locks";
			struct pts_lock_order x = { b, k, rule };
			VEC_PUSH(&o->order, x);
		}
	}
}

struct pts_ptl_feed *pts_ptl_feed_new(uint64_t mm)
{
	struct pts_ptl_feed *f = xcalloc(1, sizeof(*f));
	f->mm = mm;
	return f;
}

void pts_ptl_feed_free(struct pts_ptl_feed *f)
{
	if (!f)
		return;
	free(f->tables.v);
	pts_notes_free(&f->notes);
	free(f);
}

void pts_ptl_feed_table(struct pts_ptl_feed *f, const struct pts_table *t)
{
	if (t->level != PTS_PTE && t->level != PTS_PMD)
		return;
	struct pts_ptl_table x = { t->pfn, t->va, t->level };
	VEC_PUSH(&f->tables, x);
}

void pts_ptl_feeds_add(struct pts_ptl_feeds *fs, struct pts_ptl_feed *f)
{
	size_t i;
	if (u64map_get(&fs->bymm, f->mm, &i)) {
		pts_ptl_feed_free(f);	/* one mm, walked once: keep the first */
		return;
	}
	VEC_PUSH(&fs->v, f);
	u64map_put(&fs->bymm, f->mm, fs->v.n - 1);
}

void pts_ptl_feeds_free(struct pts_ptl_feeds *fs)
{
	for (size_t i = 0; i < fs->v.n; i++)
		pts_ptl_feed_free(fs->v.v[i]);
	free(fs->v.v);
	u64map_free(&fs->bymm);
	memset(fs, 0, sizeof(*fs));
}

struct pts_error *pts_locks_scan(struct pts_program *p, struct pts_locks *ret)
{
	return pts_locks_scan_fed(p, NULL, ret);
}

struct pts_error *pts_locks_scan_fed(struct pts_program *p, const struct pts_ptl_feeds *fed,
				     struct pts_locks *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!p->types)
		return pts_error(PTS_ERR_LOOKUP, "locks need the kernel's types");
	struct scan s = { .p = p, .out = ret, .fed = fed };
	layout(p, &s.l);
	ret->have_blocker = s.l.have_blocker;
	struct pts_error *err = pts_tasks(p, true, &s.tl);
	if (err)
		return err;
	for (size_t i = 0; i < s.tl.notes.n; i++)
		pts_notes_add(&ret->missing, "%s", s.tl.notes.v[i]);
	for (size_t i = 0; i < s.tl.n; i++)
		u64map_put(&s.task_index, s.tl.v[i].addr, i);
	s.stacks = xcalloc(s.tl.n + 1, sizeof(*s.stacks));
	s.stack_tried = xcalloc(s.tl.n + 1, sizeof(*s.stack_tried));
	s.stack_lo = xcalloc(s.tl.n + 1, sizeof(*s.stack_lo));
	struct u64set mms = { 0 };
	for (size_t i = 0; i < s.tl.n; i++) {
		const struct pts_task *t = &s.tl.v[i];
		if (t->mm && t->pid == t->tgid && u64set_add(&mms, t->mm))
			process(&s, t);
	}
	u64set_free(&mms);
	fault_mutexes(&s);
	/* waiters from the wait lists */
	for (size_t k = 0; k < ret->locks.n; k++)
		for (size_t w = 0; w < ret->locks.v[k].st.waiters.n; w++)
			blocked(&s, ret->locks.v[k].st.waiters.v[w].task, k,
				ret->locks.v[k].st.waiters.v[w].write, "wait list");
	if (s.l.have_blocker)
		blockers(&s);
	/* holders: lockdep's record where the kernel keeps one, else the
	 * owner words, hints and stacks */
	if (s.l.lockdep)
		lockdep_holders(&s);
	for (size_t k = 0; k < ret->locks.n; k++) {
		struct pts_lock *lk = &ret->locks.v[k];
		if (!lk->st.decoded || !lk->st.held)
			continue;
		if (lk->st.owner)
			holder(&s, lk, lk->st.owner, lk->st.owner_exact ? PTS_HOLD_EXACT : PTS_HOLD_HINT);
		if (!s.l.lockdep && !lk->st.owner_exact && !lk->vma_refcnt &&
		    (lk->st.waiters.n || lk->st.kind == PTS_LOCK_SPIN))
			stack_scan(&s, lk);
	}
	struct dfs d = { .o = ret };
	for (size_t b = 0; b < ret->blocked.n; b++)
		dfs(&d, b, b);
	u64set_free(&d.seen_cycles);
	lock_order(ret);
	for (size_t i = 0; i < s.tl.n; i++)
		free(s.stacks[i]);
	free(s.stacks);
	free(s.stack_tried);
	free(s.stack_lo);
	u64map_free(&s.byaddr);
	u64map_free(&s.task_index);
	pts_task_list_free(&s.tl);
	return NULL;
}

bool pts_lock_of_pid(const struct pts_lock *l, int32_t pid)
{
	for (size_t i = 0; i < l->pids.n; i++)
		if (l->pids.v[i] == pid)
			return true;
	return false;
}

void pts_locks_free(struct pts_locks *l)
{
	for (size_t i = 0; i < l->locks.n; i++) {
		pts_lock_state_free(&l->locks.v[i].st);
		free(l->locks.v[i].pids.v);
		free(l->locks.v[i].holders.v);
	}
	free(l->locks.v);
	free(l->blocked.v);
	for (size_t i = 0; i < l->cycles.n; i++)
		free(l->cycles.v[i].blocked.v);
	free(l->cycles.v);
	free(l->order.v);
	pts_notes_free(&l->missing);
	memset(l, 0, sizeof(*l));
}
