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
#include "readers/khugetlb.h"
#include "readers/kmmlock.h"
#include "analyses/locks.h"
#include "readers/walk.h"

#define MAX_STACK_HOLDERS 8
#define MAX_CYCLE 64

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
	uint64_t thread_size;		/* THREAD_SIZE: each stack read */
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
	struct pts_program *p = s->p;
	uint32_t ref = 0;
	uint64_t ref_at;
	bool wlocked = pts_vma_write_locked(p, v->addr, mm_seq);
	enum pts_vma_lock_kind kind = pts_vma_lock_kind(p);
	if (kind == PTS_VMA_LOCK_REFCNT) {
		/* 0 detached, 1 attached, +1 per reader; VMA_LOCK_OFFSET
		 * 0x40000000 while a writer waits for the readers to leave */
		if (!pts_vma_refcnt_read(p, v->addr, &ref, &ref_at))
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
		k.st.addr = ref_at;
		k.st.readable = k.st.decoded = true;
		k.st.raw = ref;
		k.st.held = wlocked || readers;
		k.st.write = wlocked;
		k.st.readers = readers;
		k.st.tail_cpu = -1;
		uint64_t wt;
		if (writer && pts_mm_vma_writer(p, v->mm, &wt)) {
			struct pts_lock_waiter w = { wt, true };
			VEC_PUSH(&k.st.waiters, w);
		}
		snprintf(k.what, sizeof(k.what), "per-VMA lock (vm_refcnt) of %#" PRIx64 "-%#" PRIx64,
			 v->start, v->end);
		add_pid(&k, t->tgid);
		VEC_PUSH(&s->out->locks, k);
		return;
	}
	uint64_t at;
	if (!pts_vma_lock_rwsem(p, v->addr, &at))
		return;
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
	struct pts_mm mm;
	struct pts_error *err = pts_mm_read_flags(p, t, PTS_MM_HUGETLB_NAMES, &mm);
	if (err) {
		pts_notes_add(&s->out->missing, "pid %d: %s", t->pid, pts_error_text(err));
		pts_error_destroy(err);
		return;
	}
	for (size_t i = 0; i < mm.missing.n; i++)
		pts_notes_add(&s->out->missing, "pid %d: %s", t->pid, mm.missing.v[i]);
	add_lock(s, PTS_LC_MMAP_LOCK, PTS_LOCK_RWSEM, pts_mmap_lock_addr(p, mm.addr), mm.addr, t->tgid, true,
		 "mmap_lock of pid %d (%s), mm %#" PRIx64, t->pid, t->comm, mm.addr);
	uint64_t ptl;
	bool split;
	if (!(err = pts_ptl_addr(p, mm.addr, PTS_PUD, 0, &ptl, &split)))
		add_lock(s, PTS_LC_PAGE_TABLE_LOCK, PTS_LOCK_SPIN, ptl, mm.addr, t->tgid, true,
			 "page_table_lock of pid %d (%s): PGD, P4D and PUD entries", t->pid, t->comm);
	pts_error_destroy(err);
	uint32_t mm_seq = 0;
	if (!pts_mm_lock_seq(p, mm.addr, &mm_seq))
		mm_seq = 0xffffffffu;	/* unknown: never equal by chance below */
	for (size_t i = 0; i < mm.nvmas; i++) {
		const struct pts_vma *v = &mm.vmas[i];
		if (v->gate)
			continue;
		vma_lock(s, t, v, mm_seq);
		uint64_t at;
		if (v->mapping && pts_i_mmap_rwsem(p, v->mapping, &at))
			add_lock(s, PTS_LC_I_MMAP, PTS_LOCK_RWSEM, at, v->mapping,
				 t->tgid, true, "i_mmap_rwsem of address_space %#" PRIx64
				 " (mapped by pid %d at %#" PRIx64 ")", v->mapping, t->pid, v->start);
		uint64_t root;
		if (v->anon_vma && pts_anon_root_rwsem(p, v->anon_vma, &root, &at))
			add_lock(s, PTS_LC_ANON_VMA, PTS_LOCK_RWSEM, at, root, t->tgid,
				 true, "rwsem of anon_vma root %#" PRIx64 " (anon_vma of pid %d at %#"
				 PRIx64 ")", root, t->pid, v->start);
		if ((v->flags & PTS_VM_HUGETLB) && v->private_data) {
			if ((v->flags & PTS_VM_MAYSHARE) &&
			    pts_hugetlb_vma_lock_sema_at(p, v->private_data, &at))
				add_lock(s, PTS_LC_HUGETLB_VMA, PTS_LOCK_RWSEM,
					 at, v->addr, t->tgid, true,
					 "hugetlb vma_lock %#" PRIx64 " of pid %d's %#" PRIx64 "-%#" PRIx64
					 " (%s)", v->private_data, t->pid, v->start, v->end,
					 v->name ? v->name : "?");
			else if (!(v->flags & PTS_VM_MAYSHARE) && (v->private_data & ~3ULL) &&
				 pts_resv_map_sema(p, v->private_data & ~3ULL, &at))
				add_lock(s, PTS_LC_RESV_MAP, PTS_LOCK_RWSEM,
					 at, v->addr, t->tgid, true,
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
	uint64_t tab, msize;
	uint32_t n;
	struct pts_error *err = pts_hugetlb_fault_mutexes(s->p, &tab, &n, &msize);
	if (err) {
		/* none in this kernel is no news */
		if (err->code == PTS_ERR_NODATA)
			pts_notes_add(&s->out->missing, "hugetlb_fault_mutex_table: not in the dump");
		pts_error_destroy(err);
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
	uint64_t stk = 0, sp = 0, size = pts_thread_size(s->p);
	if (!pts_task_stack_base(s->p, s->tl.v[ti].addr, &stk))
		return NULL;
	*base = stk;
	if (!s->stack_tried[ti]) {
		s->stack_tried[ti] = true;
		uint8_t *buf = xcalloc(1, size);
		struct pts_error *err = pts_task_stack_read(s->p, stk, buf);
		if (err) {
			pts_error_destroy(err);
			free(buf);
			return NULL;
		}
		s->out->stacks_scanned++;
		s->stacks[ti] = buf;
		s->stack_lo[ti] = pts_task_saved_sp(s->p, s->tl.v[ti].addr, &sp) &&
				  sp > stk && sp < stk + size ? sp - stk : 0;
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
		for (uint64_t off = lo & ~7ULL; off + 8 <= s->thread_size; off += 8) {
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
		if (!pts_task_blocker(s->p, s->tl.v[i].addr, &b))
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
	struct u64map bydep = { 0 };
	for (size_t k = 0; k < s->out->locks.n; k++) {
		const struct pts_lock *lk = &s->out->locks.v[k];
		uint64_t dm;
		if (!lk->vma_refcnt && pts_lock_dep_map(s->p, lk->st.kind, &dm))
			u64map_put(&bydep, lk->st.addr + dm, k);
	}
	uint32_t max = pts_lockdep_max(s->p);
	for (size_t i = 0; i < s->tl.n; i++) {
		uint32_t depth;
		if (!pts_lockdep_depth(s->p, s->tl.v[i].addr, &depth))
			continue;
		for (uint32_t d = 0; d < depth && d < max; d++) {
			uint64_t inst;
			size_t k;
			if (pts_lockdep_instance(s->p, s->tl.v[i].addr, d, &inst) &&
			    u64map_get(&bydep, inst, &k))
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
	s.thread_size = pts_thread_size(p);
	bool lockdep = pts_lockdep_known(p);
	ret->have_blocker = pts_task_blocker_known(p);
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
	if (ret->have_blocker)
		blockers(&s);
	/* holders: lockdep's record where the kernel keeps one, else the
	 * owner words, hints and stacks */
	if (lockdep)
		lockdep_holders(&s);
	for (size_t k = 0; k < ret->locks.n; k++) {
		struct pts_lock *lk = &ret->locks.v[k];
		if (!lk->st.decoded || !lk->st.held)
			continue;
		if (lk->st.owner)
			holder(&s, lk, lk->st.owner, lk->st.owner_exact ? PTS_HOLD_EXACT : PTS_HOLD_HINT);
		if (!lockdep && !lk->st.owner_exact && !lk->vma_refcnt &&
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
