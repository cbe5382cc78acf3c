/* The TUI model's panels: a task's address space as a tree and a map,
 * its VMAs, the detail of a row (entry, table, page, rmap chain, locks,
 * findings), and the findings and locks of the whole dump: rows of text
 * with a class, built from the model (tui_model.c), no curses. */
#include "config.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include "analyses/hugetlb.h"
#include "readers/kfolio.h"
#include "readers/klock.h"
#include "analyses/rmap.h"
#include "analyses/sweep.h"
#include "tui/tui_model.h"
#include "out/emit.h"
#include "readers/walk.h"

/* ---- a task's address space ---- */

struct build {
	struct tui_model *m;
	int depth[PTS_NLEVELS];
	bool have_run;
};

static bool extends(const struct pts_arch *a, const struct tui_tline *r, uint64_t va,
		    const struct pts_entry *e)
{
	return !r->table && pts_entry_continues(a, &r->e, r->va, r->count, r->size, va, e);
}

static void b_table(void *arg, const struct pts_table *t)
{
	struct build *b = arg;
	struct tui_mm *c = &b->m->cur;
	const struct pts_arch *a = b->m->a;
	struct tui_tline l = { .depth = b->depth[t->level], .table = true, .level = t->level,
			       .va = t->va, .pfn = t->pfn, .used = t->used };
	l.end = t->va + pts_level_size(a, t->level) * pts_arch_nentries(a, t->level);
	if (t->level == PTS_PTE || t->level == PTS_PMD) {
		const struct pts_vma *v = pts_mm_find_vma(&c->mm, t->va);
		int64_t n;
		if (t->level == PTS_PMD && v && (v->flags & PTS_VM_HUGETLB) &&
		    pts_hugetlb_table_sharers(b->m->p, t->pfn, &n) && n > 1)
			l.sharers = n;
	}
	VEC_PUSH(&c->lines, l);
}

static void b_entry(void *arg, uint64_t va, const struct pts_entry *e, const struct pts_table *t,
		    unsigned index)
{
	struct build *b = arg;
	struct tui_mm *c = &b->m->cur;
	c->entries++;
	const struct pts_arch *a = b->m->a;
	uint64_t young = (e->flags >> a->young_flag) & 1;
	if (c->lines.n && extends(a, &c->lines.v[c->lines.n - 1], va, e)) {
		struct tui_tline *r = &c->lines.v[c->lines.n - 1];
		r->count++;
		r->end += r->size;
		pts_run_states_add(&r->st, e, 1, young);
		return;
	}
	uint64_t size = pts_level_size(a, e->level);
	struct tui_tline l = { .depth = b->depth[t->level] + 1, .level = e->level, .va = va,
			       .end = va + size, .pfn = e->pfn, .table_pfn = t->pfn, .index = index,
			       .e = *e, .count = 1, .size = size };
	pts_run_states_add(&l.st, e, 1, young);
	VEC_PUSH(&c->lines, l);
}

static void b_run(void *arg, uint64_t va, const struct pts_entry *e, const struct pts_table *t,
		  unsigned index, unsigned count, unsigned young)
{
	struct build *b = arg;
	b_entry(arg, va, e, t, index);
	struct tui_tline *r = &b->m->cur.lines.v[b->m->cur.lines.n - 1];
	b->m->cur.entries += count - 1;
	r->count += count - 1;
	r->end += (count - 1) * r->size;
	/* the first entry is counted by b_entry */
	pts_run_states_add(&r->st, e, count - 1, young - ((e->flags >> b->m->a->young_flag) & 1));
}

static size_t vma_index(const struct pts_mm *mm, uint64_t va)
{
	const struct pts_vma *v = pts_mm_find_vma(mm, va);
	return v ? (size_t)(v - mm->vmas) : (size_t)-1;
}

void tui_open_task(struct tui_model *m, size_t i)
{
	struct tui_mm *c = &m->cur;
	if (c->task == i && (c->have || c->error) && c->pid == m->tasks.v[i].t.pid)
		return;
	tui_mm_close(c);
	c->task = i;
	c->pid = m->tasks.v[i].t.pid;
	const struct pts_task *t = &m->tasks.v[i].t;
	if (!t->mm) {
		c->error = xstrdup("a kernel thread: no address space");
		return;
	}
	struct pts_error *err = pts_mm_read(m->p, t, &c->mm);
	if (err) {
		c->error = xstrdup(pts_error_text(err));
		pts_error_destroy(err);
		return;
	}
	c->have = true;
	struct build b = { .m = m };
	for (int l = PTS_PGD, d = 0; l >= PTS_PTE; l = pts_arch_below(m->a, l))
		b.depth[l] = d++;
	struct pts_walk_ops ops = { .table = b_table, .entry = b_entry, .run = b_run };
	struct pts_walk_result res;
	err = pts_walk(m->p, c->mm.pgd, 0, m->a->user_end, &ops, &b, &res);
	if (err) {
		c->error = xstrdup(pts_error_text(err));
		pts_error_destroy(err);
	}
	pts_walk_result_free(&res);
	if (c->lines.n)
		c->lines.v[0].open = true;	/* the root table */
	/* VMA markers */
	for (size_t v = 0; v < c->mm.nvmas; v++) {
		uint32_t mk = (c->mm.vmas[v].flags & PTS_VM_UFFD_WP) ? TUI_MARK_UFFD_WP : 0;
		VEC_PUSH(&c->vma_marks, mk);
	}
	for (size_t k = 0; k < c->lines.n; k++) {
		const struct tui_tline *l = &c->lines.v[k];
		size_t v = vma_index(&c->mm, l->va);
		if (v == (size_t)-1)
			continue;
		uint32_t *mk = &c->vma_marks.v[v];
		if (l->table) {
			if (l->sharers > 1)
				*mk |= TUI_MARK_SHARED_PMD;
			continue;
		}
		if (l->e.kind == PTS_EK_PRESENT && l->level > PTS_PTE &&
		    !(c->mm.vmas[v].flags & PTS_VM_HUGETLB))
			*mk |= TUI_MARK_THP;
		if (l->e.kind == PTS_EK_SWAP)
			*mk |= TUI_MARK_SWAP;
		if (l->e.kind == PTS_EK_MIGRATION)
			*mk |= TUI_MARK_MIGRATION;
		if (l->e.flags & (1u << PTS_F_UFFD_WP))
			*mk |= TUI_MARK_UFFD_WP;
	}
	for (size_t f = 0; f < m->findings.v.n; f++) {
		const struct pts_finding *fi = &m->findings.v.v[f];
		if (fi->pid != c->pid || !fi->has_va)
			continue;
		size_t v = vma_index(&c->mm, fi->va);
		if (v != (size_t)-1)
			c->vma_marks.v[v] |= TUI_MARK_FINDING;
	}
}

const char *tui_vma_header(void)
{
	return "START            END              PERM  MARKS   FLAGS / NAME";
}

void tui_vma_rows(struct tui_model *m, tui_rows *out)
{
	struct tui_mm *c = &m->cur;
	if (!c->have) {
		tui_row_add(out, TC_BAD, -1, "%s", c->error ? c->error : "no address space");
		return;
	}
	for (size_t v = 0; v < c->mm.nvmas; v++) {
		const struct pts_vma *vm = &c->mm.vmas[v];
		char perms[5], fl[512], marks[8];
		pts_vma_perms(vm, perms);
		pts_vm_flags_text(m->p, vm->flags, fl, sizeof(fl));
		uint32_t mk = c->vma_marks.v[v];
		/* H hugetlb, S shared PMD, T THP, W swap, M migration, U uffd-wp, ! finding */
		snprintf(marks, sizeof(marks), "%c%c%c%c%c%c%c", (vm->flags & PTS_VM_HUGETLB) ? 'H' : '.',
			 mk & TUI_MARK_SHARED_PMD ? 'S' : '.', mk & TUI_MARK_THP ? 'T' : '.',
			 mk & TUI_MARK_SWAP ? 'W' : '.', mk & TUI_MARK_MIGRATION ? 'M' : '.',
			 mk & TUI_MARK_UFFD_WP ? 'U' : '.', mk & TUI_MARK_FINDING ? '!' : '.');
		enum tui_class cls = mk & TUI_MARK_FINDING ? TC_FINDING
				   : (vm->flags & PTS_VM_HUGETLB) || (mk & TUI_MARK_THP) ? TC_HUGE
				   : TC_PLAIN;
		tui_row_add(out, cls, (long)v, "%016" PRIx64 " %016" PRIx64 " %s  %s %s  %s", vm->start,
			vm->end, perms, marks, vm->name ? vm->name : "", fl);
	}
}

static enum tui_class entry_class(const struct pts_entry *e)
{
	switch (e->kind) {
	case PTS_EK_TABLE: return TC_TABLE;
	case PTS_EK_PRESENT: return e->level > PTS_PTE ? TC_HUGE : TC_PRESENT;
	case PTS_EK_SWAP: return TC_SWAP;
	case PTS_EK_UNKNOWN: case PTS_EK_BAD: return TC_BAD;
	case PTS_EK_NONE: return TC_DIM;
	default: return TC_SPECIAL;
	}
}

void tui_as_map(struct tui_model *m, uint64_t lo, uint64_t hi, int width, enum tui_class *cells)
{
	struct tui_mm *c = &m->cur;
	for (int i = 0; i < width; i++)
		cells[i] = TC_PLAIN;
	if (!c->have || hi <= lo || width <= 0)
		return;
	/* Each cell shows the class of the largest leaf run it meets, VMAs
	 * without entries as dim. */
	double per = (double)(hi - lo) / width;
	for (size_t v = 0; v < c->mm.nvmas; v++) {
		const struct pts_vma *vm = &c->mm.vmas[v];
		if (vm->end <= lo || vm->start >= hi)
			continue;
		int a = (int)((double)((vm->start > lo ? vm->start : lo) - lo) / per);
		int b = (int)((double)((vm->end < hi ? vm->end : hi) - 1 - lo) / per);
		for (int i = a; i <= b && i < width; i++)
			if (cells[i] == TC_PLAIN)
				cells[i] = TC_DIM;
	}
	static const int rank[TC_N] = { [TC_DIM] = 1, [TC_PRESENT] = 2, [TC_SWAP] = 3, [TC_SPECIAL] = 4,
					[TC_HUGE] = 5, [TC_BAD] = 6 };
	for (size_t k = 0; k < c->lines.n; k++) {
		const struct tui_tline *l = &c->lines.v[k];
		if (l->table || l->end <= lo || l->va >= hi)
			continue;
		enum tui_class cl = entry_class(&l->e);
		int a = (int)((double)((l->va > lo ? l->va : lo) - lo) / per);
		int b = (int)((double)((l->end < hi ? l->end : hi) - 1 - lo) / per);
		for (int i = a; i <= b && i < width; i++)
			if (rank[cl] > rank[cells[i]])
				cells[i] = cl;
	}
}

/* The i-th entry of a run: its address, PFN or swap offset and raw value. */
static bool run_mixed(const struct tui_tline *l)
{
	return (l->st.young && l->st.young < l->count) || (l->st.dirty && l->st.dirty < l->count) ||
	       (l->st.rdonly && l->st.rdonly < l->count);
}

/* Entry i of a run.  Where its entries differ in the young or dirty state
 * the entry is read again from its table, which the walk read: the run
 * keeps only their counts. */
static void run_entry(const struct tui_model *m, const struct tui_tline *l, long i, uint64_t *va,
		      struct pts_entry *e)
{
	const struct pts_arch *a = m->a;
	*e = l->e;
	*va = l->va + (uint64_t)i * l->size;
	if (l->e.kind == PTS_EK_SWAP)
		e->swap_offset += (uint64_t)i;
	else if (l->e.has_pfn && l->e.kind == PTS_EK_PRESENT) {
		e->pfn += (uint64_t)i * (l->size >> a->page_shift);
		e->raw += (uint64_t)i * l->size;	/* the PFN field, in place */
	}
	uint64_t raw;
	if (i && run_mixed(l)) {
		struct pts_error *err = pts_dump_read(m->p->dump, PTS_PHYS, pts_pfn_pa(a, l->table_pfn) +
						      8ull * (l->index + (uint64_t)i), &raw, 8);
		if (!err)
			pts_entry_decode(a, l->level, raw, e);
		pts_error_destroy(err);
	}
}

static char *tline_text(const struct tui_model *m, const struct tui_tline *l, long sub, bool ascii)
{
	const char *tri = l->table ? (l->open ? (ascii ? "- " : "\u25be ") : (ascii ? "+ " : "\u25b8 "))
		     : l->count > 1 && sub < 0 ? (l->open ? (ascii ? "- " : "\u25be ") : (ascii ? "+ " : "\u25b8 "))
		     : "  ";
	if (l->table) {
		char sh[64] = "";
		if (l->sharers > 1)
			snprintf(sh, sizeof(sh), "  shared by %" PRId64, l->sharers);
		return xasprintf("%s%s table pfn %#" PRIx64 "  %#" PRIx64 "-%#" PRIx64 "  %u used%s", tri,
				 pts_level_name((unsigned)l->level), l->pfn, l->va, l->end, l->used, sh);
	}
	char fl[256], tail[200];
	uint64_t va;
	struct pts_entry e;
	run_entry(m, l, sub < 0 ? 0 : sub, &va, &e);
	pts_out_entry_flags(&e, fl, sizeof(fl));
	bool whole = sub < 0;
	/* the walk's words: one emitter for both faces */
	pts_out_entry_tail(&e, whole ? l->count : 1, l->size >> m->a->page_shift, tail, sizeof(tail));
	char mix[96];
	if (whole && pts_out_run_mix(l->count, l->st.young, l->st.dirty, l->st.rdonly, mix, sizeof(mix))) {
		/* as the walk shows it: young or dirty if any entry is */
		e.flags = pts_run_states_flags(m->a, &l->st, e.flags);
		pts_out_entry_flags(&e, fl, sizeof(fl));
		size_t tl = strlen(tail);
		snprintf(tail + tl, sizeof(tail) - tl, "  %s", mix);
	}
	if (whole)
		return xasprintf("%s%#" PRIx64 "-%#" PRIx64 " %5" PRIu64 " %s %s%s%s%s", tri, l->va, l->end,
				 l->count, pts_level_name((unsigned)l->level), pts_ekind_name(e.kind),
				 *fl ? " " : "", fl, tail);
	return xasprintf("%s%#" PRIx64 "  [%u] %s %s%s%s%s", tri, va, l->index + (unsigned)sub,
			 pts_level_name((unsigned)l->level), pts_ekind_name(e.kind), *fl ? " " : "", fl, tail);
}

void tui_tree_rows(struct tui_model *m, bool ascii, tui_rows *out)
{
	struct tui_mm *c = &m->cur;
	if (!c->have) {
		tui_row_add(out, TC_BAD, -1, "%s", c->error ? c->error : "no address space");
		return;
	}
	int hide_below = -1;	/* depth of a closed table whose lines are hidden */
	for (size_t k = 0; k < c->lines.n; k++) {
		struct tui_tline *l = &c->lines.v[k];
		if (hide_below >= 0 && l->depth > hide_below)
			continue;
		hide_below = -1;
		struct tui_row r = { .text = tline_text(m, l, -1, ascii), .depth = l->depth,
				     .cls = l->table ? TC_TABLE : entry_class(&l->e), .ref = (long)k,
				     .sub = -1, .openable = l->table || l->count > 1, .open = l->open };
		if (l->sharers > 1)
			r.cls = TC_HEAD;
		VEC_PUSH(out, r);
		if (l->table && !l->open)
			hide_below = l->depth;
		if (!l->table && l->count > 1 && l->open)
			for (long i = 0; i < (long)l->count; i++) {
				struct tui_row s = { .text = tline_text(m, l, i, ascii), .depth = l->depth + 1,
						     .cls = entry_class(&l->e), .ref = (long)k, .sub = i };
				VEC_PUSH(out, s);
			}
	}
	if (c->error)
		tui_row_add(out, TC_BAD, -1, "%s", c->error);
}

long tui_tree_reveal(struct tui_model *m, uint64_t va, bool ascii)
{
	struct tui_mm *c = &m->cur;
	long want = -1, sub = -1;
	for (size_t k = 0; k < c->lines.n; k++) {
		struct tui_tline *l = &c->lines.v[k];
		if (va < l->va || va >= l->end)
			continue;
		if (l->table)
			l->open = true;
		else {
			want = (long)k;
			if (l->count > 1) {
				l->open = true;
				sub = (long)((va - l->va) / l->size);
			}
		}
	}
	if (want < 0)
		return -1;
	tui_rows rows = { 0 };
	tui_tree_rows(m, ascii, &rows);
	long at = -1;
	for (size_t i = 0; i < rows.n; i++)
		if (rows.v[i].ref == want && rows.v[i].sub == sub) {
			at = (long)i;
			break;
		}
	tui_rows_free(&rows);
	return at;
}

void tui_tree_open_vma(struct tui_model *m, size_t v)
{
	struct tui_mm *c = &m->cur;
	if (!c->have || v >= c->mm.nvmas)
		return;
	uint64_t s = c->mm.vmas[v].start, e = c->mm.vmas[v].end;
	for (size_t k = 0; k < c->lines.n; k++) {
		struct tui_tline *l = &c->lines.v[k];
		if (l->table && l->va < e && l->end > s)
			l->open = true;
	}
}

/* ---- detail ---- */

static void lock_rows(struct tui_model *m, tui_rows *out, enum pts_lock_class cls, uint64_t obj,
		      const char *label)
{
	if (!m->locks_done)
		return;
	for (size_t i = 0; i < m->locks.locks.n; i++) {
		const struct pts_lock *l = &m->locks.locks.v[i];
		if (l->cls != cls || l->obj != obj)
			continue;
		char sum[128];
		pts_lock_summary(&l->st, sum, sizeof(sum));
		tui_row_add(out, l->st.held ? TC_HELD : TC_PLAIN, -1, "  %s: %s at %#" PRIx64 ": %s", label,
			pts_lock_class_name(l->cls), l->st.addr, sum);
		for (size_t h = 0; h < l->holders.n; h++)
			tui_row_add(out, TC_HELD, -1, "    held by pid %d (%s), %s", l->holders.v[h].pid,
				l->holders.v[h].comm, pts_holder_how_name(l->holders.v[h].how));
		for (size_t b = 0; b < m->locks.blocked.n; b++)
			if (m->locks.blocked.v[b].lock == i)
				tui_row_add(out, TC_HELD, -1, "    waited for by pid %d (%s) for %s, found by %s",
					m->locks.blocked.v[b].pid, m->locks.blocked.v[b].comm,
					m->locks.blocked.v[b].write ? "write" : "read",
					m->locks.blocked.v[b].found_by);
	}
}

static void page_rows(struct tui_model *m, uint64_t pfn, tui_rows *out)
{
	struct pts_folio f;
	struct pts_error *err = pts_folio_read(m->p, pfn, &f);
	if (err) {
		tui_row_add(out, TC_BAD, -1, "  page %#" PRIx64 ": %s", pfn, pts_error_text(err));
		pts_error_destroy(err);
		return;
	}
	char fl[512];
	pts_page_flag_names(m->p, f.head.flags, fl, sizeof(fl));
	tui_row_add(out, TC_PLAIN, -1, "  struct page %#" PRIx64 "  refcount %d  mapcount %d  precise %d",
		f.page.addr, f.head.refcount, f.page_mapcount, f.precise_mapcount);
	if (f.order)
		tui_row_add(out, TC_PLAIN, -1, "  folio: head pfn %#" PRIx64 ", order %u%s%s", f.head_pfn, f.order,
			f.tail ? ", this page is a tail" : "", f.hugetlb ? ", hugetlb" : "");
	tui_row_add(out, TC_PLAIN, -1, "  flags: %s", *fl ? fl : "(none)");
	tui_row_add(out, TC_PLAIN, -1, "  mapping %#" PRIx64 " (%s)  index %#" PRIx64, f.mapping,
		f.ksm ? "KSM" : f.anon ? "anon" : f.movable ? "movable" : f.mapping ? "file" : "none", f.index);
	if (f.has_entire || f.has_large || f.has_nr_mapped || f.has_pincount)
		tui_row_add(out, TC_PLAIN, -1, "  entire %d  large %d  nr_mapped %d  pincount %d%s",
			f.has_entire ? f.entire_mapcount : 0, f.has_large ? f.large_mapcount : 0,
			f.has_nr_mapped ? f.nr_pages_mapped : 0, f.has_pincount ? f.pincount : 0,
			f.anon_exclusive ? "  anon-exclusive" : "");
}

static void rmap_rows(struct tui_model *m, uint64_t pfn, tui_rows *out)
{
	struct pts_rmap_chain ch;
	struct pts_error *err = pts_rmap_chain(m->p, pfn, &ch);
	if (err) {
		tui_row_add(out, TC_BAD, -1, "  %s", pts_error_text(err));
		pts_error_destroy(err);
		return;
	}
	static const char *const kinds[] = { "none", "anon", "file", "KSM", "movable" };
	tui_row_add(out, TC_PLAIN, -1, "  %s, %zu mappings followed, %u map this page%s%s", kinds[ch.kind],
		ch.maps.n, ch.found, ch.why ? ": " : "", ch.why ? ch.why : "");
	if (ch.kind == PTS_RMAP_KSM)
		tui_row_add(out, TC_PLAIN, -1, "  stable node %#" PRIx64 ", %u rmap_items", ch.stable_node,
			ch.rmap_items);
	for (size_t i = 0; i < ch.maps.n; i++) {
		const struct pts_rmap_mapping *x = &ch.maps.v[i];
		tui_row_add(out, x->maps ? TC_PRESENT : TC_BAD, -1,
			"  pid %d (%s)  vma %#" PRIx64 "-%#" PRIx64 "  va %#" PRIx64 "  %s%s", x->pid, x->comm,
			x->vm_start, x->vm_end, x->va, x->maps ? "maps it" : "does not map it",
			x->counted_before ? " (shared table, counted once)" : "");
	}
	for (size_t i = 0; i < ch.missing.n; i++)
		tui_row_add(out, TC_DIM, -1, "  not in the dump: %s", ch.missing.v[i]);
	pts_rmap_chain_free(&ch);
}

static void finding_rows_for(struct tui_model *m, int32_t pid, uint64_t lo, uint64_t hi,
			     uint64_t table_pfn, tui_rows *out)
{
	size_t n = 0;
	for (size_t f = 0; f < m->findings.v.n; f++) {
		const struct pts_finding *fi = &m->findings.v.v[f];
		bool at = fi->pid == pid && ((fi->has_va && fi->va >= lo && fi->va < hi) ||
					     (!strcmp(fi->object, "table") && fi->addr == table_pfn));
		if (!at)
			continue;
		tui_row_add(out, TC_FINDING, -1, "  %s %s: %s", fi->check->id, pts_severity_name(fi->check->severity),
			fi->check->title);
		const char *lv = pts_finding_live_text(fi);
		tui_row_add(out, TC_FINDING, -1, "    %s%s%s%s", fi->evidence ? fi->evidence : "",
			lv ? " [" : "", lv ? lv : "", lv ? "]" : "");
		n++;
	}
	if (!n)
		tui_row_add(out, TC_DIM, -1, "  none");
}

void tui_detail_rows(struct tui_model *m, const struct tui_row *row, tui_rows *out,
		     tui_progress_fn fn, void *arg)
{
	struct tui_mm *c = &m->cur;
	if (!c->have || row->ref < 0 || (size_t)row->ref >= c->lines.n)
		return;
	tui_load_locks(m, fn, arg);
	const struct tui_tline *l = &c->lines.v[row->ref];
	const struct pts_task *t = &m->tasks.v[c->task].t;
	if (l->table) {
		tui_row_add(out, TC_HEAD, -1, "%s table, pfn %#" PRIx64, pts_level_name((unsigned)l->level), l->pfn);
		tui_row_add(out, TC_PLAIN, -1, "  covers %#" PRIx64 "-%#" PRIx64 ", %u entries used", l->va, l->end,
			l->used);
		if (l->sharers > 1)
			tui_row_add(out, TC_HEAD, -1, "  a shared hugetlb PMD table: %" PRId64
				" PUD entries use it (the kernel's count)", l->sharers);
		tui_row_add(out, TC_HEAD, -1, "Locks");
		if (!m->locks_done && m->bg)
			tui_row_add(out, TC_DIM, -1, "  not known yet: the lock scan runs in the background");
		uint64_t ptl;
		bool split = false;
		struct pts_error *err = pts_ptl_addr(m->p, c->mm.addr, l->level, l->pfn, &ptl, &split);
		pts_error_destroy(err);
		if (split)
			lock_rows(m, out, PTS_LC_PTL, l->pfn, "its entries");
		else
			lock_rows(m, out, PTS_LC_PAGE_TABLE_LOCK, c->mm.addr, "its entries");
		lock_rows(m, out, PTS_LC_MMAP_LOCK, c->mm.addr, "the address space");
		tui_row_add(out, TC_HEAD, -1, "Findings");
		if (!m->findings_done && m->bg)
			tui_row_add(out, TC_DIM, -1, "  not known yet: the checks run in the background");
		finding_rows_for(m, t->pid, 0, 0, l->pfn, out);
		return;
	}
	uint64_t va;
	struct pts_entry e;
	run_entry(m, l, row->sub < 0 ? 0 : row->sub, &va, &e);
	char fl[256];
	pts_out_entry_flags(&e, fl, sizeof(fl));
	char mix[96];
	if (row->sub < 0 && l->count > 1)
		tui_row_add(out, TC_HEAD, -1, "A run of %" PRIu64 " %s entries%s%s; its first:", l->count,
			pts_level_name((unsigned)l->level),
			pts_out_run_mix(l->count, l->st.young, l->st.dirty, l->st.rdonly, mix, sizeof(mix)) ? " " : "",
			mix);
	tui_row_add(out, TC_HEAD, -1, "%s entry at %#" PRIx64 " (maps %#" PRIx64 "-%#" PRIx64 ")",
		pts_level_name((unsigned)l->level), va, va, va + l->size);
	tui_row_add(out, TC_PLAIN, -1, "  table pfn %#" PRIx64 " index %u, entry at physical %#" PRIx64,
		l->table_pfn, l->index + (unsigned)(row->sub < 0 ? 0 : row->sub),
		pts_pfn_pa(m->a, l->table_pfn) + 8 * (l->index + (unsigned)(row->sub < 0 ? 0 : row->sub)));
	tui_row_add(out, entry_class(&e), -1, "  raw %#018" PRIx64 "  %s%s%s", e.raw, pts_ekind_name(e.kind),
		*fl ? ": " : "", fl);
	if (e.kind == PTS_EK_SWAP)
		tui_row_add(out, TC_SWAP, -1, "  swap type %u offset %#" PRIx64, e.swap_type, e.swap_offset);
	else if (e.has_pfn)
		tui_row_add(out, TC_PLAIN, -1, "  pfn %#" PRIx64 " (physical %#" PRIx64 ")%s", e.pfn, pts_pfn_pa(m->a, e.pfn),
			e.pkey ? "" : "");
	const struct pts_vma *v = pts_mm_find_vma(&c->mm, va);
	if (v) {
		char perms[5];
		pts_vma_perms(v, perms);
		tui_row_add(out, TC_PLAIN, -1, "  vma %#" PRIx64 "-%#" PRIx64 " %s %s", v->start, v->end, perms,
			v->name ? v->name : "");
	} else
		tui_row_add(out, TC_BAD, -1, "  no VMA covers it");
	/* what was found here first: a jump from the findings panel lands
	 * on it, before a reverse map that may run for pages */
	tui_row_add(out, TC_HEAD, -1, "Findings");
	if (!m->findings_done && m->bg)
		tui_row_add(out, TC_DIM, -1, "  not known yet: the checks run in the background");
	finding_rows_for(m, t->pid, va, va + l->size * (row->sub < 0 ? l->count : 1), l->table_pfn, out);
	bool page = e.has_pfn && e.kind != PTS_EK_TABLE && !(e.flags & (1u << PTS_F_SPECIAL));
	if (page) {
		tui_row_add(out, TC_HEAD, -1, "Page");
		page_rows(m, e.pfn, out);
		tui_row_add(out, TC_HEAD, -1, "Reverse map");
		rmap_rows(m, e.pfn, out);
	}
	tui_row_add(out, TC_HEAD, -1, "Locks");
	if (!m->locks_done && m->bg)
		tui_row_add(out, TC_DIM, -1, "  not known yet: the lock scan runs in the background");
	if (m->locks_error)
		tui_row_add(out, TC_BAD, -1, "  %s", m->locks_error);
	uint64_t ptl;
	bool split = false;
	struct pts_error *err = pts_ptl_addr(m->p, c->mm.addr, l->level, l->table_pfn, &ptl, &split);
	pts_error_destroy(err);
	if (split)
		lock_rows(m, out, PTS_LC_PTL, l->table_pfn, "this entry");
	else
		lock_rows(m, out, PTS_LC_PAGE_TABLE_LOCK, c->mm.addr, "this entry");
	lock_rows(m, out, PTS_LC_MMAP_LOCK, c->mm.addr, "the address space");
	if (v) {
		lock_rows(m, out, PTS_LC_VMA, v->addr, "the VMA");
		lock_rows(m, out, PTS_LC_I_MMAP, v->mapping, "the file's mappings");
		lock_rows(m, out, PTS_LC_ANON_VMA, v->anon_vma, "the anon_vma");
		lock_rows(m, out, PTS_LC_HUGETLB_VMA, v->addr, "the hugetlb VMA");
	}
}

/* ---- findings and locks ---- */

void tui_finding_rows(struct tui_model *m, tui_rows *out)
{
	if (!m->findings_done)
		tui_row_add(out, TC_DIM, -1, "not known yet: the checks run in the background (%zu of %zu "
			"address spaces checked); findings so far:", m->bg_done, m->bg_total);
	if (!m->findings.v.n && m->findings_done)
		tui_row_add(out, TC_DIM, -1, "no findings (%zu processes checked)", m->findings.tasks_checked);
	for (size_t f = 0; f < m->findings.v.n; f++) {
		const struct pts_finding *fi = &m->findings.v.v[f];
		char where[64] = "";
		if (fi->has_va)
			snprintf(where, sizeof(where), " va %#" PRIx64, fi->va);
		/* live: a finding a second read did not see again is dimmed */
		const char *lv = pts_finding_live_text(fi);
		tui_row_add(out, fi->live_passes && fi->live_seen < 2 ? TC_DIM :
			fi->check->severity == PTS_SEV_ERROR ? TC_BAD : TC_FINDING, (long)f,
			"%-7s %-4s %7d %-15s %s %#" PRIx64 "%s: %s%s%s%s", pts_severity_name(fi->check->severity),
			fi->check->id, fi->pid, fi->comm, fi->object, fi->addr, where, fi->check->title,
			lv ? " [" : "", lv ? lv : "", lv ? "]" : "");
	}
	for (size_t i = 0; i < m->findings.missing.n; i++)
		tui_row_add(out, TC_DIM, -1, "not checked: %s", m->findings.missing.v[i]);
}

bool tui_finding_target(struct tui_model *m, size_t f, size_t *task, bool *has_va, uint64_t *va)
{
	if (f >= m->findings.v.n)
		return false;
	const struct pts_finding *fi = &m->findings.v.v[f];
	*task = tui_task_index(m, fi->pid);
	*has_va = fi->has_va;
	*va = fi->va;
	return *task != (size_t)-1;
}

void tui_lock_rows(struct tui_model *m, tui_rows *out)
{
	if (m->locks_error) {
		tui_row_add(out, TC_BAD, -1, "%s", m->locks_error);
		return;
	}
	if (!m->locks_done) {
		if (m->bg)
			tui_row_add(out, TC_DIM, -1, "not known yet: the lock scan runs in the background");
		return;
	}
	const struct pts_locks *L = &m->locks;
	for (int k = 0; k < 3; k++)
		if (L->undecodable[k])
			tui_row_add(out, TC_BAD, -1, "%" PRIu64 " %s locks NOT DECODED (holders and waiters "
				"unknown): %s", L->undecodable[k], pts_lock_kind_name(k), L->undecodable_why[k]);
	tui_row_add(out, TC_HEAD, -1, "Deadlocks (cycles in the wait-for graph): %zu", L->cycles.n);
	for (size_t c = 0; c < L->cycles.n; c++) {
		const struct pts_lock_cycle *cy = &L->cycles.v[c];
		for (size_t i = 0; i < cy->blocked.n; i++) {
			const struct pts_blocked *b = &L->blocked.v[cy->blocked.v[i]];
			tui_row_add(out, TC_BAD, -1, "  %s pid %d (%s) waits for %s", i ? "  then" : "cycle", b->pid,
				b->comm, L->locks.v[b->lock].what);
		}
	}
	tui_row_add(out, TC_HEAD, -1, "Blocked tasks: %zu", L->blocked.n);
	for (size_t b = 0; b < L->blocked.n; b++) {
		const struct pts_blocked *x = &L->blocked.v[b];
		tui_row_add(out, TC_HELD, (long)x->lock, "  pid %d (%s) %c waits to %s %s", x->pid, x->comm,
			x->state, x->write ? "write" : "read", L->locks.v[x->lock].what);
	}
	size_t held = 0;
	for (size_t i = 0; i < L->locks.n; i++)
		held += L->locks.v[i].interesting;
	tui_row_add(out, TC_HEAD, -1, "Held or waited for: %zu of %zu locks", held, L->locks.n);
	for (size_t i = 0; i < L->locks.n; i++) {
		const struct pts_lock *l = &L->locks.v[i];
		if (!l->interesting)
			continue;
		char sum[128];
		pts_lock_summary(&l->st, sum, sizeof(sum));
		tui_row_add(out, l->st.held ? TC_HELD : TC_PLAIN, (long)i, "  %-16s %#" PRIx64 "  %s: %s",
			pts_lock_class_name(l->cls), l->st.addr, l->what, sum);
		for (size_t h = 0; h < l->holders.n; h++)
			tui_row_add(out, TC_HELD, (long)i, "      held by pid %d (%s), %s", l->holders.v[h].pid,
				l->holders.v[h].comm, pts_holder_how_name(l->holders.v[h].how));
	}
	for (size_t i = 0; i < L->order.n; i++) {
		const struct pts_blocked *b = &L->blocked.v[L->order.v[i].blocked];
		tui_row_add(out, TC_BAD, -1, "lock order broken: pid %d (%s): %s", b->pid, b->comm,
			L->order.v[i].rule);
	}
}
