#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "base/util.h"
#include "out/emit.h"
#include "out/json.h"
#include <time.h>
#include "analyses/hugetlb.h"
#include "readers/kpage.h"

/* A run of similar entries, for the text output. */
struct run {
	bool on;
	uint64_t va, size, pfn, offset, count;
	struct pts_entry e;
	int depth;
	struct pts_run_states st;
};

struct walk_out {
	struct pts_program *p;
	const struct pts_arch *a;
	const struct pts_mm *mm;
	bool json, pages;
	struct json *j;
	struct run run;
	int depth[PTS_NLEVELS];
	uint64_t nentries;
	VEC(struct pts_table) tables;
	const struct pts_vma *vcur;	/* the VMA of the last entry (JSON) */
	const struct pts_vma *vrun;	/* the VMA of the last run flushed (text) */
	/* the flag words of the last few runs: arm64 alternates between two
	 * sets (fault-around maps pages old), each spelt out once */
	struct { bool used; uint8_t kind; uint32_t flags; int len; char text[256]; } fl[4];
	unsigned fl_next;
	char line[1024];	/* a JSON entry */
	/* the text lines, written to stdout a few hundred at a time */
	char *ob;
	size_t on;
};

#define WALK_OBUF (1u << 18)
#define WALK_LINE 1024	/* the most a line takes */

static void out_flush(struct walk_out *w)
{
	/* one thread writes stdout: no stdio lock */
	fwrite_unlocked(w->ob, 1, w->on, stdout);
	w->on = 0;
}

/* Where the next line goes: room for WALK_LINE bytes. */
static char *out_line(struct walk_out *w)
{
	if (w->on > WALK_OBUF - WALK_LINE)
		out_flush(w);
	return w->ob + w->on;
}

/* pts_out_entry_flags(), remembered for the last few flag sets; its
 * length in *len. */
static const char *run_flags(struct walk_out *w, const struct pts_entry *e, size_t *len)
{
	for (unsigned i = 0; i < 4; i++)
		if (w->fl[i].used && w->fl[i].flags == e->flags && w->fl[i].kind == e->kind) {
			*len = (size_t)w->fl[i].len;
			return w->fl[i].text;
		}
	unsigned i = w->fl_next++ & 3;
	w->fl[i].used = true;
	w->fl[i].kind = e->kind;
	w->fl[i].flags = e->flags;
	w->fl[i].len = pts_out_entry_flags(e, w->fl[i].text, sizeof(w->fl[i].text));
	*len = (size_t)w->fl[i].len;
	return w->fl[i].text;
}

/* The VMA holding va; the gate area ([vsyscall]) holds no user entries. */
static const struct pts_vma *vma_at(const struct pts_mm *mm, uint64_t va)
{
	const struct pts_vma *v = pts_mm_find_vma(mm, va);
	return v && !v->gate ? v : NULL;
}

static void run_flush(struct walk_out *w)
{
	struct run *r = &w->run;
	if (!r->on)
		return;
	r->on = false;
	/* the run as the kernel sees a contiguous one: young or dirty if
	 * any entry is (huge_ptep_get()) */
	struct pts_entry shown = r->e;
	char mix[96];
	if (pts_out_run_mix(r->count, r->st.young, r->st.dirty, r->st.rdonly, mix, sizeof(mix)))
		shown.flags = pts_run_states_flags(w->a, &r->st, shown.flags);
	size_t fl_len;
	const char *fl = run_flags(w, &shown, &fl_len);
	uint64_t step = r->size >> w->a->page_shift;
	/* Formatted by hand, not by printf, straight into the line: a big
	 * address space has tens of thousands of runs and printf was a third
	 * of the walk's time.  "%*s%#x-%#x %5u %s %s%s%s%s\n" */
	char *o = out_line(w), *end = o + WALK_LINE - 2;
	memset(o, ' ', (size_t)(2 * r->depth));
	o += 2 * r->depth;
	o = pts_put_xval(o, r->va);
	*o++ = '-';
	o = pts_put_xval(o, r->va + r->count * r->size);
	*o++ = ' ';
	char num[24];
	size_t nl = (size_t)(pts_put_dec(num, r->count) - num);
	for (size_t pad = nl; pad < 5; pad++)
		*o++ = ' ';
	memcpy(o, num, nl);
	o += nl;
	*o++ = ' ';
	o = pts_put_str(o, pts_level_name(r->e.level));
	*o++ = ' ';
	o = pts_put_str(o, pts_ekind_name(r->e.kind));
	if (fl_len) {
		*o++ = ' ';
		memcpy(o, fl, fl_len);
		o += fl_len;
	}
	pts_out_entry_tail(&r->e, r->count, step, o, (size_t)(end - o));
	o += strlen(o);
	if (r->e.kind == PTS_EK_UNKNOWN || r->e.kind == PTS_EK_BAD)
		o += snprintf(o, (size_t)(end - o), "  raw %#" PRIx64 " type %u", r->e.raw, r->e.swap_type);
	if (!w->vrun || r->va < w->vrun->start || r->va >= w->vrun->end)
		w->vrun = vma_at(w->mm, r->va);
	const struct pts_vma *v = w->vrun;
	if (v && (v->flags & PTS_VM_HUGETLB) && v->huge_size && r->e.kind != PTS_EK_NONE)
		o += snprintf(o, (size_t)(end - o), "  hugetlb %" PRIu64 "K%s", v->huge_size >> 10,
			      r->size < pts_arch_hstate_piece(w->a, v->huge_size) ?
			      " (below the hstate's level)" : "");
	if (*mix) {
		*o++ = ' ', *o++ = ' ';
		o = pts_put_str(o, mix);
	}
	*o++ = '\n';
	w->on = (size_t)(o - w->ob);
}

static bool run_extends(const struct walk_out *w, const struct run *r, uint64_t va, const struct pts_entry *e)
{
	return r->on && pts_entry_continues(w->a, &r->e, r->va, r->count, r->size, va, e);
}

static void walk_table_cb(void *arg, const struct pts_table *t)
{
	struct walk_out *w = arg;
	if (w->json) {
		VEC_PUSH(&w->tables, *t);
		return;
	}
	run_flush(w);
	int d = w->depth[t->level];
	uint64_t span = pts_level_size(w->a, t->level) * pts_arch_nentries(w->a, t->level);
	/* a PMD table under a shared hugetlb mapping: the kernel's count
	 * of the PUD entries that use it, across processes */
	char shared[64] = "";
	const struct pts_vma *v = t->level == PTS_PMD ? vma_at(w->mm, t->va) : NULL;
	if (!v && t->level == PTS_PMD)
		for (size_t i = 0; i < w->mm->nvmas && !v; i++)
			if (w->mm->vmas[i].start < t->va + span && w->mm->vmas[i].end > t->va &&
			    (w->mm->vmas[i].flags & PTS_VM_HUGETLB))
				v = &w->mm->vmas[i];
	int64_t n;
	if (v && (v->flags & PTS_VM_HUGETLB) && (v->flags & PTS_VM_MAYSHARE) &&
	    pts_hugetlb_table_sharers(w->p, t->pfn, &n) && n > 1)
		snprintf(shared, sizeof(shared), "  shared by %" PRId64 " (the kernel's count)", n);
	/* "%*s%s table pfn %#x  %#x-%#x  %u used%s%s\n", by hand as run_flush */
	char *o = out_line(w);
	memset(o, ' ', (size_t)(2 * d));
	o = pts_put_str(pts_put_str(o + 2 * d, pts_level_name((unsigned)t->level)), " table ");
	if (t->nentries == w->a->entries)
		o = pts_put_xval(pts_put_str(o, "pfn "), t->pfn);
	else
		o += sprintf(o, "at physical %#" PRIx64 " (%u entries)", t->pa, t->nentries);
	o = pts_put_xval(pts_put_str(o, "  "), t->va);
	o = pts_put_xval(pts_put_str(o, "-"), t->va + span);
	o = pts_put_str(pts_put_dec(pts_put_str(o, "  "), t->used), " used");
	if (t->revisit)
		o = pts_put_str(o, "  (reached again: shared)");
	o = pts_put_str(o, shared);
	*o++ = '\n';
	w->on = (size_t)(o - w->ob);
}

static void walk_table_end_cb(void *arg, const struct pts_table *t)
{
	(void)t;
	run_flush(arg);
}

static void walk_entry_cb(void *arg, uint64_t va, const struct pts_entry *e,
			  const struct pts_table *t, unsigned index)
{
	struct walk_out *w = arg;
	(void)index;
	w->nentries++;
	uint64_t size = pts_level_size(w->a, e->level);
	if (!w->json) {
		if (!run_extends(w, &w->run, va, e)) {
			run_flush(w);
			w->run = (struct run){ true, va, size, e->pfn, e->swap_offset, 0, *e,
					       w->depth[e->level] + 1, { 0, 0, 0 } };
		}
		struct run *r = &w->run;
		r->count++;
		pts_run_states_add(&r->st, e, 1, (e->flags >> w->a->young_flag) & 1);
		return;
	}
	/* One object per line, formatted by hand: millions of them.  The
	 * page is read here, the emitter only writes. */
	struct pts_page pg;
	bool have_pg = false;
	if (w->pages && e->kind == PTS_EK_PRESENT) {
		struct pts_error *err = pts_page_read(w->p, e->pfn, &pg);
		have_pg = !err;
		pts_error_destroy(err);
	}
	/* entries of hugetlb VMAs: the hstate's page size */
	if (!w->vcur || va < w->vcur->start || va >= w->vcur->end)
		w->vcur = vma_at(w->mm, va);
	uint64_t hstate = w->vcur && (w->vcur->flags & PTS_VM_HUGETLB) ? w->vcur->huge_size : 0;
	char *o = pts_out_entry_json(w->line, va, size, e, have_pg ? &pg : NULL, t->pfn, hstate);
	json_raw(w->j, w->line, (size_t)(o - w->line));
}


/* The text walk's fast path: a run of PTEs to consecutive PFNs. */
static void walk_run_cb(void *arg, uint64_t va, const struct pts_entry *e, const struct pts_table *t,
			unsigned index, unsigned count, unsigned young)
{
	struct walk_out *w = arg;
	walk_entry_cb(arg, va, e, t, index);
	w->nentries += count - 1;
	w->run.count += count - 1;
	/* the first entry is counted by walk_entry_cb */
	pts_run_states_add(&w->run.st, e, count - 1, young - ((e->flags >> w->a->young_flag) & 1));
}

static int cmd_walk(struct pts_program *p, const struct opts *o)
{
	struct pts_mm mm;
	const struct pts_arch *a;
	struct timespec t0, tm, t1;
	/* PTSCOPE_TIMING: reading the mm (with the first type lookups,
	 * libdw's first touch of the debug info) and walking its tables,
	 * each timed, startup aside */
	struct pts_error *err = pts_types_index(p->types);
	pts_error_destroy(err);
	err = pts_arch_get(p, &a);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!err)
		err = pts_mm_read(p, &o->task, &mm);
	if (err)
		return cmd_mm_missing(p, err);
	clock_gettime(CLOCK_MONOTONIC, &tm);
	uint64_t start = o->have_range ? o->range_start : 0;
	uint64_t end = o->have_range ? o->range_end : a->user_end;
	struct walk_out w = { .p = p, .a = a, .mm = &mm, .json = o->json, .pages = o->pages };
	/* Indentation by level, from the root down. */
	for (int l = PTS_PGD, d = 0; l >= PTS_PTE; l = pts_arch_below(a, l))
		w.depth[l] = d++;
	struct json j;
	struct pts_walk_ops ops = { .table = walk_table_cb, .entry = walk_entry_cb,
				    .table_end = walk_table_end_cb,
				    .run = o->json || o->pages ? NULL : walk_run_cb };
	struct pts_walk_result res;
	static char obuf[1 << 16], walk_obuf[WALK_OBUF];
	w.ob = walk_obuf;
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (o->json) {
		w.j = &j;
		json_init(&j, stdout);
		json_begin_object(&j);
		pts_out_walk_meta(&j, pts_dump_path(p->dump), &o->task, &mm, a);
		json_key(&j, "entries");
		json_begin_array(&j);
	} else {
		printf("pid %d (%s)  mm %" PRIx64 "  pgd %" PRIx64 "  %d-level paging\n", o->task.pid,
		       o->task.comm, mm.addr, mm.pgd, a->levels);
	}
	err = pts_walk(p, mm.pgd, start, end, &ops, &w, &res);
	run_flush(&w);
	out_flush(&w);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* For scripts/bench: the walk alone, output included, and the mm
	 * read before it. */
	if (getenv("PTSCOPE_TIMING"))
		fprintf(stderr, "ptscope: timing: walk %.6f s, mm read %.6f s, %" PRIu64 " entries, %"
			PRIu64 " tables\n", cmd_seconds(&tm, &t1), cmd_seconds(&t0, &tm), res.entries,
			res.tables[0] + res.tables[1] + res.tables[2] + res.tables[3] +
			res.tables[4]);
	if (err) {
		pts_mm_free(&mm);
		free(w.tables.v);
		return cmd_fail(pts_error_wrap(err, "%s: pid %d", pts_dump_path(p->dump), o->task.pid));
	}
	if (o->json) {
		json_end_array(&j);
		json_key(&j, "tables");
		json_begin_array(&j);
		for (size_t i = 0; i < w.tables.n; i++) {
			const struct pts_table *tb = &w.tables.v[i];
			json_begin_object(&j);
			json_kv_string(&j, "level", pts_level_name((unsigned)tb->level));
			json_kv_hex(&j, "pfn", tb->pfn);
			if (tb->nentries != w.a->entries) {
				json_kv_hex(&j, "pa", tb->pa);
				json_kv_uint(&j, "entries", tb->nentries);
			}
			json_kv_hex(&j, "va", tb->va);
			json_kv_uint(&j, "used", tb->used);
			json_key(&j, "parent_pfn");
			if (tb->parent_pfn) json_hex(&j, tb->parent_pfn); else json_null(&j);
			json_kv_uint(&j, "parent_index", tb->parent_index);
			json_kv_bool(&j, "revisit", tb->revisit);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "anomalies");
		json_begin_array(&j);
		for (size_t i = 0; i < res.anomalies.n; i++)
			json_string(&j, res.anomalies.v[i].text);
		json_end_array(&j);
		pts_out_notes_json(&j, "incomplete", &res.missing);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("%" PRIu64 " entries covering %" PRIu64 " pages, in %" PRIu64 " pte, %" PRIu64
		       " pmd, %" PRIu64 " pud%s tables\n", res.entries, res.pages, res.tables[PTS_PTE],
		       res.tables[PTS_PMD], res.tables[PTS_PUD], a->levels == 5 ? " and p4d" : "");
	}
	fflush(stdout);
	for (size_t i = 0; i < res.anomalies.n; i++)
		fprintf(stderr, "ptscope: %s: page tables: %s\n", pts_dump_path(p->dump),
			res.anomalies.v[i].text);
	cmd_print_notes(p, &res.missing);
	int rc = res.missing.n ? 1 : 0;
	pts_walk_result_free(&res);
	free(w.tables.v);
	pts_mm_free(&mm);
	return rc;
}

const struct cmd_entry cmd_walk_entry = {
	.name = "walk",
	.usage = "walk [--json] -p PID [--range A-B] DUMP",
	.help = "every page-table page and entry",
	.args_min = 0,
	.args_max = 0,
	.expect = "COMMAND DUMP",
	.options = CMD_O_JSON | CMD_O_PID | CMD_O_RANGE | CMD_O_PAGES,
	.target = CMD_T_TASK,
	.need_types = true,
	.live_default = true,
	.run = cmd_walk,
};
