/* Checks of locks: the wait-for graph: their rules, state and registry entries (the
 * engine, analyses/check.c, runs them). */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyses/checks/family.h"

/* The wait-for graph is built from rwsem and mutex wait lists and owner
 * words: a kernel whose layout hides them (PREEMPT_RT) has no graph. */
static bool graph_applies(struct pts_program *p, const char **why)
{
	return pts_lock_kind_decodable(p, PTS_LOCK_RWSEM, why) &&
	       pts_lock_kind_decodable(p, PTS_LOCK_MUTEX, why);
}

static bool blocked_is_pid(const struct ctx *c, const struct pts_blocked *b)
{
	return c->only_pid < 0 || b->tgid == c->only_pid;
}

static void f2_on_locks(struct ctx *c, const struct pts_locks *l)
{
	for (size_t i = 0; i < l->cycles.n; i++) {
		const struct pts_lock_cycle *cy = &l->cycles.v[i];
		bool mine = false;
		for (size_t k = 0; k < cy->blocked.n; k++)
			mine |= blocked_is_pid(c, &l->blocked.v[cy->blocked.v[k]]);
		if (!mine)
			continue;
		char buf[1024];
		size_t n = 0;
		for (size_t k = 0; k < cy->blocked.n && n < sizeof(buf) - 200; k++) {
			const struct pts_blocked *b = &l->blocked.v[cy->blocked.v[k]];
			const struct pts_lock *lk = &l->locks.v[b->lock];
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%spid %d (%s) waits to %s %s %#"
					      PRIx64 " (%s)", k ? "; " : "", b->pid, b->comm,
					      b->write ? "write" : "read", pts_lock_class_name(lk->cls),
					      lk->st.addr, lk->what);
			const char *how = NULL;
			for (size_t h = 0; h < lk->holders.n; h++)
				if (lk->holders.v[h].how != PTS_HOLD_EXACT)
					how = pts_holder_how_name(lk->holders.v[h].how);
			if (how && n < sizeof(buf))
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, ", held per %s", how);
		}
		const struct pts_blocked *b0 = &l->blocked.v[cy->blocked.v[0]];
		c->tpid = b0->pid;
		memcpy(c->tcomm, b0->comm, sizeof(c->tcomm));
		pts_chk_finding(c, "task", b0->task, false, 0, "a cycle of %zu tasks waiting for each other%s: "
			"%s", cy->blocked.n, cy->exact ? "" : " (one holder known only from a hint or "
			"its stack)", buf);
	}
}

static void f3_on_locks(struct ctx *c, const struct pts_locks *l)
{
	for (size_t i = 0; i < l->order.n; i++) {
		const struct pts_lock_order *o = &l->order.v[i];
		const struct pts_blocked *b = &l->blocked.v[o->blocked];
		if (!blocked_is_pid(c, b))
			continue;
		const struct pts_lock *w = &l->locks.v[b->lock], *h = &l->locks.v[o->held];
		c->tpid = b->pid;
		memcpy(c->tcomm, b->comm, sizeof(c->tcomm));
		pts_chk_finding(c, "task", b->task, false, 0, "pid %d (%s) waits to %s %s %#" PRIx64 " (%s) "
			"while holding %s %#" PRIx64 " (%s): %s", b->pid, b->comm,
			b->write ? "write" : "read", pts_lock_class_name(w->cls), w->st.addr, w->what,
			pts_lock_class_name(h->cls), h->st.addr, h->what, o->rule);
	}
}

const struct check pts_check_f2 = {
	.info = {
		.id = "F2",
		.title = "deadlock",
		.rule = "no cycle of tasks each waiting for a lock another one holds (the wait-for graph of "
			"rwsem and mutex wait lists, task->blocker, and the holders: owner words exactly, "
			"readers by hint or stack)",
		.source = "kernel/locking/rwsem.c, mutex.c; INVARIANTS F2",
		.kernels = "all",
		.severity = PTS_SEV_ERROR,
	},
	.applies = graph_applies,
	.on_locks = f2_on_locks,
};

const struct check pts_check_f3 = {
	.info = {
		.id = "F3",
		.title = "lock order",
		.rule = "no task waits for a lock that the mm lock order puts before one it holds: mmap_lock, "
			"hugetlb_fault_mutex, hugetlb vma_lock, i_mmap_rwsem, anon_vma->rwsem, page table "
			"locks; i_mmap_rwsem then a hugetlb vma_lock only by trylock",
		.source = "mm/rmap.c (header), mm/hugetlb.c hugetlb_unmap_file_folio(); INVARIANTS F3",
		.kernels = "all",
		.severity = PTS_SEV_ERROR,
	},
	.applies = graph_applies,
	.on_locks = f3_on_locks,
};
