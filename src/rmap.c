#include "config.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "arch.h"
#include "kfolio.h"
#include "kmm.h"
#include "ktask.h"
#include "rmap.h"
#include "walk.h"

struct idx {
	struct pts_program *p;
	const struct pts_arch *a;
	struct pts_rmap_index *out;
	struct u64map pos;		/* pfn -> index in out->pages */
	struct u64set tables;		/* every table seen, in any mm */
	struct u64set skip;		/* tables of this mm seen in an earlier one */
	const struct pts_mm *mm;
	size_t vcur;
};

static void on_table(void *arg, const struct pts_table *t)
{
	struct idx *x = arg;
	/* Page tables are never shared but for hugetlb PMD sharing: a table
	 * another mm reached first maps nothing new (huge_pmd_share() takes
	 * no mapcount for its sharers). */
	if (!u64set_add(&x->tables, t->pfn + 1)) {
		u64set_add(&x->skip, t->pfn + 1);
		x->out->shared_tables++;
	}
}

static const struct pts_vma *vma_of(struct idx *x, uint64_t va)
{
	const struct pts_mm *mm = x->mm;
	if (x->vcur < mm->nvmas && va >= mm->vmas[x->vcur].start && va < mm->vmas[x->vcur].end)
		return &mm->vmas[x->vcur];
	for (size_t i = 0; i < mm->nvmas; i++)
		if (!mm->vmas[i].gate && va >= mm->vmas[i].start && va < mm->vmas[i].end) {
			x->vcur = i;
			return &mm->vmas[i];
		}
	return NULL;
}

static void on_entry(void *arg, uint64_t va, const struct pts_entry *e, const struct pts_table *t,
		     unsigned index)
{
	(void)index;
	struct idx *x = arg;
	if (u64set_has(&x->skip, t->pfn + 1))
		return;
	if (e->kind == PTS_EK_MIGRATION) {
		/* try_to_migrate() dropped the mapcount (D4) */
		x->out->migration++;
		return;
	}
	if (e->kind != PTS_EK_PRESENT || !e->has_pfn)
		return;
	/* pte_special: no struct page behind it counts this mapping (the
	 * zero page, VM_PFNMAP/VM_MIXEDMAP frames) */
	const struct pts_vma *v = vma_of(x, va);
	if ((e->flags & (1u << PTS_F_SPECIAL)) || (v && (v->flags & (PTS_VM_PFNMAP | PTS_VM_IO)))) {
		x->out->special_skipped++;
		return;
	}
	x->out->leaves++;
	uint64_t n = pts_level_size(x->a, e->level) >> 12;
	for (uint64_t i = 0; i < n; i++) {
		size_t k;
		uint64_t pfn = e->pfn + i;
		if (u64map_get(&x->pos, pfn + 1, &k)) {
			x->out->pages.v[k].mappings++;
			continue;
		}
		struct pts_rmap_page pg = { .pfn = pfn, .mappings = 1 };
		VEC_PUSH(&x->out->pages, pg);
		u64map_put(&x->pos, pfn + 1, x->out->pages.n - 1);
	}
}

static int by_pfn(const void *a, const void *b)
{
	uint64_t x = ((const struct pts_rmap_page *)a)->pfn, y = ((const struct pts_rmap_page *)b)->pfn;
	return x < y ? -1 : x > y;
}

struct pts_error *pts_rmap_index(struct pts_program *p, struct pts_rmap_index *ret)
{
	memset(ret, 0, sizeof(*ret));
	struct idx x = { .p = p, .out = ret };
	struct pts_error *err = pts_arch_get(p, &x.a);
	if (err)
		return err;
	struct pts_task_list tl;
	if ((err = pts_tasks(p, false, &tl)))
		return err;
	for (size_t i = 0; i < tl.notes.n; i++)
		pts_notes_add(&ret->missing, "%s", tl.notes.v[i]);
	struct u64set mms = { 0 };
	struct pts_walk_ops ops = { .table = on_table, .entry = on_entry };
	for (size_t i = 0; i < tl.n; i++) {
		const struct pts_task *t = &tl.v[i];
		if (!t->mm || !u64set_add(&mms, t->mm))
			continue;
		struct pts_mm mm;
		if ((err = pts_mm_read_flags(p, t, PTS_MM_HUGETLB_NAMES, &mm))) {
			pts_notes_add(&ret->missing, "pid %d: %s", t->pid, pts_error_text(err));
			pts_error_destroy(err);
			continue;
		}
		x.mm = &mm;
		x.vcur = 0;
		u64set_free(&x.skip);
		struct pts_walk_result r = { 0 };
		if ((err = pts_walk(p, mm.pgd, 0, UINT64_MAX, &ops, &x, &r))) {
			pts_notes_add(&ret->missing, "pid %d: page tables: %s", t->pid, pts_error_text(err));
			pts_error_destroy(err);
		}
		for (size_t k = 0; k < r.missing.n; k++)
			pts_notes_add(&ret->missing, "pid %d: %s", t->pid, r.missing.v[k]);
		pts_walk_result_free(&r);
		pts_mm_free(&mm);
		ret->processes++;
	}
	u64set_free(&mms);
	u64set_free(&x.skip);
	u64set_free(&x.tables);
	u64map_free(&x.pos);
	pts_task_list_free(&tl);
	qsort(ret->pages.v, ret->pages.n, sizeof(*ret->pages.v), by_pfn);
	/* The kernel's side, folio by folio. */
	for (size_t i = 0; i < ret->pages.n; i++) {
		struct pts_rmap_page *pg = &ret->pages.v[i];
		struct pts_folio f;
		struct pts_error *e = pts_folio_read(p, pg->pfn, &f);
		if (e) {
			pts_notes_add(&ret->missing, "pfn %#" PRIx64 ": %s", pg->pfn, pts_error_text(e));
			pts_error_destroy(e);
			continue;
		}
		pg->known = true;
		pg->mapcount = f.precise_mapcount;
		pg->refcount = f.head.refcount;
		pg->kpf = (f.anon ? 1u << 12 : 0) | (f.page.head ? 1u << 15 : 0) |
			  (f.tail ? 1u << 16 : 0) | (f.hugetlb ? 1u << 17 : 0) | (f.ksm ? 1u << 21 : 0);
	}
	return NULL;
}

void pts_rmap_index_free(struct pts_rmap_index *r)
{
	free(r->pages.v);
	pts_notes_free(&r->missing);
	memset(r, 0, sizeof(*r));
}
