/* The check engine: the registry of every check (each family's entries,
 * analyses/checks/), one address space's run through the walk with
 * each entry dispatched to the checks it concerns, the checks across the
 * dump, and the live re-check of findings on a moving kernel. */
#include "config.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analyses/checks/family.h"
#include "readers/kmmlock.h"

/* The registry, in the order check --json lists the checks and findings
 * come (sized by the compiler). */
static const struct check *const checks[] = {
	&pts_check_mt, &pts_check_pt_struct, &pts_check_a1, &pts_check_leaf,
	&pts_check_pfn, &pts_check_vma, &pts_check_kind, &pts_check_e5,
	&pts_check_e2, &pts_check_e3, &pts_check_b3, &pts_check_c2,
	&pts_check_b1, &pts_check_b2, &pts_check_b4, &pts_check_b5,
	&pts_check_b7, &pts_check_a3, &pts_check_a4, &pts_check_f2,
	&pts_check_f3, &pts_check_d4, &pts_check_d1, &pts_check_d5,
	&pts_check_d2, &pts_check_d3, &pts_check_cont,
};
_Static_assert(sizeof(checks) / sizeof(checks[0]) <= PTS_CHECKS_MAX,
	       "struct ctx: applies[] and entry_checks[] hold PTS_CHECKS_MAX");

void pts_chk_finding(struct ctx *c, const char *object, uint64_t addr, bool has_va, uint64_t va,
		     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	struct pts_finding f = { &c->cur->info, c->tpid, "", object, addr, has_va, va, s, 0, 0, false };
	memcpy(f.comm, c->tcomm, sizeof(f.comm));
	VEC_PUSH(&c->out->v, f);
}

bool pts_chk_applies(const struct ctx *c, const struct check *ch)
{
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		if (checks[i] == ch)
			return c->applies[i];
	return false;
}

static struct pts_check_info infos[ARRAY_SIZE(checks)];

const struct pts_check_info *pts_check_list(size_t *n)
{
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		infos[i] = checks[i]->info;
	*n = ARRAY_SIZE(checks);
	return infos;
}

bool pts_check_applies(struct pts_program *p, size_t i, const char **why)
{
	*why = NULL;
	return i < ARRAY_SIZE(checks) && (!checks[i]->applies || checks[i]->applies(p, why));
}

const char *pts_severity_name(enum pts_severity s)
{
	return s == PTS_SEV_ERROR ? "error" : "warning";
}

#define EACH(c, fn, ...)							\
	for (size_t _i = 0; _i < ARRAY_SIZE(checks); _i++)			\
		if ((c)->applies[_i] && checks[_i]->fn) {			\
			(c)->cur = checks[_i];					\
			checks[_i]->fn(c, ##__VA_ARGS__);			\
		}

static void cb_table(void *arg, const struct pts_table *t)
{
	struct ctx *c = arg;
	if (c->feed)
		pts_rmap_feed_table(c->feed, t);
	if (c->ptl)
		pts_ptl_feed_table(c->ptl, t);
	EACH(c, on_table, t);
}

static unsigned vma_class(const struct pts_vma *v)
{
	if (!v)
		return 0;
	return VC_V | (v->flags & PTS_VM_HUGETLB ? VC_HUGETLB : 0) | (v->anon_vma ? VC_ANON : 0) |
	       (v->flags & PTS_VM_MAYSHARE ? VC_MAYSHARE : 0);
}

/* The checks to call for entries of this kind and level in VMAs of this
 * class, in registry order; built on first use. */
static const struct dispatch *dispatch_for(struct ctx *c, unsigned vc, unsigned kind, unsigned level)
{
	struct dispatch *d = &c->disp[vc][kind][level];
	if (d->built)
		return d;
	for (unsigned k = 0; k < c->nentry_checks; k++) {
		const struct check *ch = checks[c->entry_checks[k]];
		if (ch->filtered && (!(ch->kinds >> kind & 1) || !(ch->levels >> level & 1) ||
				     (vc & ch->vmask) != ch->vval))
			continue;
		d->idx[d->n++] = c->entry_checks[k];
	}
	d->built = true;
	return d;
}

static void cb_entry(void *arg, uint64_t va, const struct pts_entry *e, const struct pts_table *t,
		     unsigned idx)
{
	struct ctx *c = arg;
	/* Entries come in address order: most fall in the VMA of the last. */
	const struct pts_vma *v = c->lastv;
	if (!v || va < v->start || va >= v->end) {
		v = c->lastv = pts_mm_find_vma(&c->mm, va);
		c->lastvc = vma_class(v);
	}
	if (c->feed)
		pts_rmap_feed_entry(c->feed, e, t, v);
	/* A3 counts PMD leaves only: no call for the millions of PTEs */
	if (e->level == PTS_PMD)
		pts_chk_count_thp(c, e, v);
	/* this runs for every entry of every address space: only the checks
	 * that apply and that this entry concerns */
	const struct dispatch *d = dispatch_for(c, c->lastvc, e->kind < PTS_EK_N ? e->kind : PTS_EK_BAD,
						e->level < PTS_NLEVELS ? e->level : PTS_PTE);
	for (unsigned k = 0; k < d->n; k++) {
		c->cur = checks[d->idx[k]];
		c->cur->on_entry(c, va, e, t, idx, v);
	}
}

/* A PTE table the dump lacks: the lock scan, which does not read PTE
 * tables, would list its split lock and not note the gap. */
static void cb_table_unread(void *arg, const struct pts_table *t, bool noted)
{
	struct ctx *c = arg;
	if (!c->ptl)
		return;
	pts_ptl_feed_table(c->ptl, t);
	if (noted && c->walk.missing.n) {
		size_t k = c->walk.missing.n - 1;
		VEC_PUSH(&c->ptl_skip, k);
	}
}

static void cb_table_end(void *arg, const struct pts_table *t)
{
	struct ctx *c = arg;
	EACH(c, on_table_end, t);
}

/* The plugins' checks (set by the program's plugin host). */
static pts_extra_checks_fn extra_checks;

static struct pts_error *check_task_once(struct pts_program *p, const struct pts_task *t,
					 struct pts_findings *out)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	c->p = p;
	c->t = t;
	c->tpid = t->pid;
	memcpy(c->tcomm, t->comm, sizeof(c->tcomm));
	c->hgm = pts_chk_hgm_kernel(p);
	c->out = out;
	c->max_pfn = pts_max_pfn(p);
	struct pts_error *err = pts_arch_get(p, &c->a);
	/* The reverse index's notes for this address space are the ones its
	 * own walk would make (rmap.c, pts_rmap_index). */
	if (!err && out->rmap_feed && !pts_dump_info(p->dump)->live)
		c->feed = pts_rmap_feed_new(c->a);
	if (!err)
		err = pts_mm_read(p, t, &c->mm);
	if (err) {
		if (c->feed) {
			char *s = xasprintf("pid %d: %s", t->pid, pts_error_text(err));
			pts_rmap_feed_note(c->feed, s);
			free(s);
			out->feed = c->feed;
		}
		free(c);
		return err;
	}
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		const char *why;
		c->applies[i] = pts_check_applies(p, i, &why);
		if (c->applies[i] && checks[i]->on_entry)
			c->entry_checks[c->nentry_checks++] = (uint8_t)i;
	}
	for (size_t i = 0; i < c->mm.missing.n; i++)
		pts_notes_add(&out->missing, "pid %d: %s", t->pid, c->mm.missing.v[i]);
	EACH(c, on_mm);
	if (out->ptl_feed && !pts_dump_info(p->dump)->live)
		c->ptl = pts_ptl_feed_new(c->mm.addr);
	struct pts_walk_ops ops = { .table = cb_table, .entry = cb_entry, .table_end = cb_table_end,
				    .table_unread = cb_table_unread };
	err = pts_walk(p, c->mm.pgd, 0, UINT64_MAX, &ops, c, &c->walk);
	if (c->ptl) {
		/* the notes locks.c's process() would make, less its "pid N: " */
		if (err)
			pts_notes_add(&c->ptl->notes, "page tables: %s", pts_error_text(err));
		for (size_t i = 0, k = 0; i < c->walk.missing.n; i++) {
			if (k < c->ptl_skip.n && c->ptl_skip.v[k] == i) {
				k++;
				continue;
			}
			pts_notes_add(&c->ptl->notes, "%s", c->walk.missing.v[i]);
		}
		free(c->ptl_skip.v);
		out->ptlf = c->ptl;
	}
	if (c->feed) {
		char *s;
		if (err) {
			s = xasprintf("pid %d: page tables: %s", t->pid, pts_error_text(err));
			pts_rmap_feed_note(c->feed, s);
			free(s);
		}
		for (size_t i = 0; i < c->walk.missing.n; i++) {
			s = xasprintf("pid %d: %s", t->pid, c->walk.missing.v[i]);
			pts_rmap_feed_note(c->feed, s);
			free(s);
		}
		pts_rmap_feed_walked(c->feed);
		out->feed = c->feed;
	}
	if (!err) {
		for (size_t i = 0; i < c->walk.missing.n; i++)
			pts_notes_add(&out->missing, "pid %d: %s", t->pid, c->walk.missing.v[i]);
		EACH(c, on_done);
		out->tasks_checked++;
	}
	pts_walk_result_free(&c->walk);
	pts_mm_free(&c->mm);
	u64set_free(&c->d3_seen);
	free(c);
	if (!err && extra_checks)
		err = extra_checks(p, t, out);
	return err;
}

void pts_check_set_extra(pts_extra_checks_fn fn)
{
	extra_checks = fn;
}

static struct pts_error *check_dump_once(struct pts_program *p, int32_t pid, struct pts_findings *out)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	c->p = p;
	c->out = out;
	c->only_pid = pid;
	struct pts_hugetlb h;
	struct pts_error *err = pts_arch_get(p, &c->a);
	if (!err)
		err = pts_hugetlb_scan(p, pid, NULL, &h);
	if (err) {
		free(c);
		return err;
	}
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		const char *why;
		c->applies[i] = pts_check_applies(p, i, &why);
	}
	for (size_t i = 0; i < h.missing.n; i++)
		pts_notes_add(&out->missing, "hugetlb: %s", h.missing.v[i]);
	EACH(c, on_dump, &h);
	pts_hugetlb_free(&h);
	struct pts_locks l;
	if ((err = pts_locks_scan_fed(p, out->ptl, &l))) {
		pts_notes_add(&out->missing, "locks: %s", pts_error_text(err));
		pts_error_destroy(err);
	} else {
		for (size_t i = 0; i < l.missing.n; i++)
			pts_notes_add(&out->missing, "locks: %s", l.missing.v[i]);
		EACH(c, on_locks, &l);
		if (out->locks_out) {
			*out->locks_out = l;
			out->locks_ready = true;
		} else {
			pts_locks_free(&l);
		}
	}
	/* D4 needs every process: the whole dump only */
	struct pts_rmap_index r;
	bool want_rmap = false;
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		want_rmap |= c->applies[i] && checks[i]->on_rmap;
	if (pid >= 0 || !want_rmap) {
		/* nothing: a mapcount counts every process's mappings */
	} else if (!out->rmap && (err = pts_rmap_index(p, &r))) {
		pts_notes_add(&out->missing, "rmap: %s", pts_error_text(err));
		pts_error_destroy(err);
	} else {
		/* built during the checks' own walks (sweep.c), or just now */
		const struct pts_rmap_index *ri = out->rmap ? out->rmap : &r;
		if (ri->missing.n)
			/* a process or folio the dump lacks: counts would be short */
			pts_notes_add(&out->missing, "D4 not checked: the dump lacks %zu of the pages or "
				      "processes it needs (rmap --all lists them)", ri->missing.n);
		else
			EACH(c, on_rmap, ri);
		if (!out->rmap)
			pts_rmap_index_free(&r);
	}
	free(c);
	return NULL;
}

bool pts_check_wants_rmap(struct pts_program *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		const char *why;
		if (checks[i]->on_rmap && pts_check_applies(p, i, &why))
			return true;
	}
	return false;
}

void pts_findings_take(struct pts_findings *dst, struct pts_findings *src)
{
	for (size_t i = 0; i < src->v.n; i++)
		VEC_PUSH(&dst->v, src->v.v[i]);
	for (size_t i = 0; i < src->missing.n; i++)
		VEC_PUSH(&dst->missing, src->missing.v[i]);
	dst->tasks_checked += src->tasks_checked;
	free(src->v.v);
	free(src->missing.v);
	memset(&src->v, 0, sizeof(src->v));
	memset(&src->missing, 0, sizeof(src->missing));
	src->tasks_checked = 0;
}

void pts_findings_free(struct pts_findings *f)
{
	for (size_t i = 0; i < f->v.n; i++)
		free(f->v.v[i].evidence);
	free(f->v.v);
	pts_notes_free(&f->missing);
	if (f->memo_free)
		f->memo_free(f->memo);
	pts_rmap_feed_free(f->feed);
	pts_ptl_feed_free(f->ptlf);
	memset(f, 0, sizeof(*f));
}

/* ---- live: findings on a moving target ------------------------------ */

/* The same finding with the same values read: a state in flux reads
 * differently the second time. */
static bool same_finding(const struct pts_finding *a, const struct pts_finding *b)
{
	return a->check == b->check && a->pid == b->pid && !strcmp(a->object, b->object) &&
	       a->addr == b->addr && a->has_va == b->has_va && (!a->has_va || a->va == b->va) &&
	       !strcmp(a->evidence ? a->evidence : "", b->evidence ? b->evidence : "");
}

/* Is t's mmap_lock write-held now?  Then its VMAs and tables may be
 * mid-change (exec, mmap, munmap): what a check sees there is not a
 * finding about a settled state. */
static bool mmap_write_held(struct pts_program *p, const struct pts_task *t)
{
	if (!t || !t->mm || !pts_mmap_lock_known(p))
		return false;
	struct pts_lock_state st;
	struct pts_error *err = pts_lock_read(p, PTS_LOCK_RWSEM, pts_mmap_lock_addr(p, t->mm), &st, NULL);
	if (err) {
		pts_error_destroy(err);
		return false;
	}
	bool held = st.decoded && st.held && st.write;
	pts_lock_state_free(&st);
	return held;
}

/* The running kernel changes between two reads, so a finding from one
 * read may be a state caught half-way.  Read again (once: the checks
 * are not cheap, and a second pass bounds the cost) and say for each
 * finding how many of the passes saw it: "seen once, live" for those
 * that did not come back, or that only the second pass saw. */
static struct pts_error *confirm_live(struct pts_program *p, const struct pts_task *t, int32_t pid,
				      struct pts_findings *out, size_t first)
{
	if (!pts_dump_info(p->dump)->live)
		return NULL;
	for (size_t i = first; i < out->v.n; i++) {
		out->v.v[i].live_passes = 1;
		out->v.v[i].live_seen = 1;
	}
	if (out->v.n == first)
		return NULL;
	bool busy = mmap_write_held(p, t);
	struct pts_findings again = { 0 };
	struct pts_error *err = t ? check_task_once(p, t, &again) : check_dump_once(p, pid, &again);
	if (err) {
		/* the process may have exited: the first pass stands, once */
		pts_notes_add(&out->missing, "live: a second pass to confirm the findings failed: %s",
			      pts_error_text(err));
		pts_error_destroy(err);
		pts_findings_free(&again);
		return NULL;
	}
	busy |= mmap_write_held(p, t);
	size_t n1 = out->v.n;
	for (size_t i = first; i < n1; i++) {
		out->v.v[i].live_passes = 2;
		out->v.v[i].live_busy = busy;
	}
	for (size_t j = 0; j < again.v.n; j++) {
		struct pts_finding *b = &again.v.v[j];
		bool matched = false;
		for (size_t i = first; i < n1 && !matched; i++)
			if (same_finding(&out->v.v[i], b) && out->v.v[i].live_seen == 1) {
				/* a mid-change mm confirms nothing */
				out->v.v[i].live_seen = busy ? 1 : 2;
				matched = true;
			}
		if (!matched) {
			b->live_passes = 2;
			b->live_seen = 1;
			b->live_busy = busy;
			VEC_PUSH(&out->v, *b);
			b->evidence = NULL;
		}
	}
	pts_findings_free(&again);
	return NULL;
}

/* Is t still the task it was, with the same mm, and not exiting? */
static bool still_there(struct pts_program *p, const struct pts_task *t)
{
	struct pts_task now;
	struct pts_error *err = pts_task_read(p, t->addr, &now);
	if (err) {
		pts_error_destroy(err);
		return false;
	}
	return now.pid == t->pid && now.mm == t->mm && now.state != 'X' && now.state != 'Z';
}

struct pts_error *pts_check_task(struct pts_program *p, const struct pts_task *t,
				 struct pts_findings *out)
{
	/* Live, ptscope's own address space changes under every read it
	 * makes of it (its heap grows with what it reads): nothing found
	 * there would be about the kernel. */
	if (pts_dump_info(p->dump)->live && t->pid == (int32_t)getpid()) {
		pts_notes_add(&out->missing, "pid %d: ptscope itself, not checked (live, its memory "
			      "changes as it reads)", t->pid);
		return NULL;
	}
	bool live = pts_dump_info(p->dump)->live;
	/* Live, the task list is seconds old by now: a task that has exited
	 * since leaves an mm being torn down or freed (an empty tree, a
	 * stale map_count), which reads the same each time. */
	if (live && !still_there(p, t)) {
		pts_notes_add(&out->missing, "pid %d (%s): exited or exec'd since the task list was "
			      "read (live): not checked", t->pid, t->comm);
		return NULL;
	}
	size_t first = out->v.n;
	/* the struct pages of the frames the walk meets, a page of them at
	 * a time (kpage.h) */
	pts_page_batch_begin(p);
	struct pts_error *err = check_task_once(p, t, out);
	pts_page_batch_end(p);
	if (!err)
		err = confirm_live(p, t, -1, out, first);
	if (!err && live && out->v.n > first && !still_there(p, t)) {
		/* gone during the reads: nothing found there is confirmed */
		for (size_t i = first; i < out->v.n; i++)
			out->v.v[i].live_seen = 1;
		pts_notes_add(&out->missing, "pid %d (%s): exited or exec'd while checked (live)",
			      t->pid, t->comm);
	}
	return err;
}

struct pts_error *pts_check_dump(struct pts_program *p, int32_t pid, struct pts_findings *out)
{
	size_t first = out->v.n;
	struct pts_error *err = check_dump_once(p, pid, out);
	return err ? err : confirm_live(p, NULL, pid, out, first);
}

const char *pts_finding_live_text(const struct pts_finding *f)
{
	if (!f->live_passes)
		return NULL;
	if (f->live_busy)
		return "seen while its mmap_lock was write-held, live: may be mid-change";
	if (f->live_seen == 1)
		return f->live_passes == 1 ? "seen once, live" : "seen once in 2 reads, live: may be transient";
	return "seen in 2 of 2 reads, live";
}
