/* Checks of hugetlb and high-granularity mappings: their rules, state and registry entries (the
 * engine, analyses/check.c, runs them). */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyses/checks/family.h"

bool pts_chk_hgm_kernel(struct pts_program *p)
{
	/* HGM (James Houghton's series, never merged) adds struct
	 * hugetlb_pte; stock kernels have none (docs/INVARIANTS.md C1).
	 * PTSCOPE_TEST_HGM=1 applies the HGM rules anyway: the only way to
	 * exercise C2, since no kernel that can be booted has HGM. */
	const char *force = getenv("PTSCOPE_TEST_HGM");
	if (force && *force == '1')
		return true;
	return pts_kernel_has(p, PTS_K_HGM);
}

static bool hgm_applies(struct pts_program *p, const char **why)
{
	if (pts_chk_hgm_kernel(p))
		return true;
	*why = "no HGM in this kernel (no struct hugetlb_pte): mapping below the hstate is B3";
	return false;
}

/* One range mapped below the hstate's level, whole: B3 without HGM,
 * the HGM rules (C2) with it.  Said once per range, not per piece. */
static void hgm_range(struct ctx *c, const struct check *b3, const struct check *c2,
		      const struct pts_hgm *g)
{
	char what[256];
	snprintf(what, sizeof(what), "hugetlb VMA %#" PRIx64 "-%#" PRIx64 " (hstate %" PRIu64
		 " KiB): %#" PRIx64 "-%#" PRIx64 " is mapped by %u %s entries (%u present",
		 c->h_vstart, c->h_vend, c->hacc.hsize >> 10, g->va, g->va + c->hacc.hsize, g->pieces,
		 pts_level_name((unsigned)g->level), g->present);
	char pfns[160] = "";
	if (g->present)
		snprintf(pfns, sizeof(pfns), ", pfn %#" PRIx64 "-%#" PRIx64 ", %s, %s", g->first_pfn,
			 g->last_pfn, g->head_pfn && g->one_folio ? "one hugetlb folio" :
			 "not one hugetlb folio", g->contiguous ? "each piece at its offset" :
			 "pieces not at their offsets");
	const struct check *saved = c->cur;
	if (!c->hgm && b3) {
		c->cur = b3;
		pts_chk_finding(c, "table", g->table_pfn, true, g->va, "%s%s) in table %#" PRIx64 ": a "
			"high-granularity mapping on a kernel without HGM", what, pfns, g->table_pfn);
	} else if (c->hgm && c2) {
		c->cur = c2;
		const char *why = NULL;
		if (g->present && (!g->head_pfn || !g->one_folio))
			why = "its pieces are not all of one hugetlb folio";
		else if (g->present && !g->contiguous)
			why = "a piece maps another offset of the folio than its own";
		else if (c->h_revisit)
			why = "a table holding its pieces is shared (HGM forbids PMD sharing)";
		if (why)
			pts_chk_finding(c, "table", g->table_pfn, true, g->va, "%s%s) in table %#" PRIx64 ": %s",
				what, pfns, g->table_pfn, why);
	}
	c->cur = saved;
}

static void hgm_flush(struct ctx *c, const struct pts_hgm *g)
{
	hgm_range(c, pts_chk_applies(c, &pts_check_b3) ? &pts_check_b3 : NULL,
		  pts_chk_applies(c, &pts_check_c2) ? &pts_check_c2 : NULL, g);
	c->h_revisit = false;
}

static void b3_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	if (!v || !(v->flags & PTS_VM_HUGETLB) || !v->huge_size || e->kind == PTS_EK_TABLE)
		return;
	uint64_t size = pts_level_size(c->a, e->level);
	/* each entry of an arm64 contiguous run maps a sixteenth */
	uint64_t piece = pts_arch_hstate_piece(c->a, v->huge_size);
	const char *why = NULL;
	char buf[160];
	if (size < piece) {
		struct pts_hgm done;
		if (c->hacc.hsize != v->huge_size && c->hacc.open && pts_hgm_end(&c->hacc, &done))
			hgm_flush(c, &done);
		c->hacc.p = c->p;
		c->hacc.a = c->a;
		c->hacc.hsize = v->huge_size;
		if (pts_hgm_piece(&c->hacc, va, e, t->pfn, &done))
			hgm_flush(c, &done);
		c->h_vstart = v->start;
		c->h_vend = v->end;
		c->h_revisit |= t->revisit;
		return;
	}
	if (size > piece) {
		why = "a leaf larger than the hstate";
	} else if (e->kind == PTS_EK_SWAP || e->kind == PTS_EK_DEVICE_PRIVATE ||
		   e->kind == PTS_EK_DEVICE_EXCLUSIVE || e->kind == PTS_EK_UNKNOWN) {
		why = "an entry kind hugetlb never holds (only leaves, migration, hwpoison, markers)";
	} else if (e->kind == PTS_EK_PRESENT && e->has_pfn) {
		/* the leaf maps the head of a hugetlb folio of that size */
		unsigned ps = c->a->page_shift;
		struct pts_page pg;
		struct pts_error *err = pts_page_read(c->p, e->pfn, &pg);
		if (err) {
			pts_notes_add(&c->out->missing, "B3: struct page of pfn %#" PRIx64 ": %s",
				      e->pfn, pts_error_text(err));
			pts_error_destroy(err);
		} else if (piece < v->huge_size) {
			/* a contiguous run's entry: its frame at its offset in
			 * a folio aligned to the hstate's size (CONT runs are
			 * CONT's to check) */
			if ((e->pfn & ((v->huge_size >> ps) - 1)) != ((va & (v->huge_size - 1)) >> ps))
				why = "its frame is not at its offset in an aligned hugetlb page";
		} else if (e->pfn & ((v->huge_size >> ps) - 1)) {
			why = "its frame is not aligned to the hstate's size";
		} else if (!pg.head || pg.hugetlb == 0) {
			snprintf(buf, sizeof(buf), "its frame is not the head of a hugetlb folio "
				 "(struct page %#" PRIx64 ": flags %#" PRIx64 "%s)", pg.addr, pg.flags,
				 pg.head ? ", not hugetlb" : ", no PG_head");
			why = buf;
		}
	}
	if (why)
		pts_chk_finding(c, "entry", t->pfn, true, va, "hugetlb VMA %#" PRIx64 "-%#" PRIx64 " (hstate %"
			PRIu64 " KiB): %s %s entry %#" PRIx64 " (entry %u of table %#" PRIx64 "): %s",
			v->start, v->end, v->huge_size >> 10, pts_level_name(e->level),
			pts_ekind_name(e->kind), e->raw, idx, t->pfn, why);
}

static void b3_on_done(struct ctx *c)
{
	struct pts_hgm done;
	if (pts_hgm_end(&c->hacc, &done))
		hgm_flush(c, &done);
}

/* D3: a hugetlb folio's counters (mm/rmap.c hugetlb_add_file_rmap(),
 * hugetlb_remove_rmap(); folio_mapcount()): hugetlb maps a folio whole,
 * so its mapcount is the entire one (compound_mapcount to v6.1), which
 * _large_mapcount mirrors (v6.10+) and _nr_pages_mapped never counts
 * (v6.2+); no page of it keeps a mapcount of its own (_mapcount -1);
 * and its refcount covers the mappings, the page cache's reference and
 * the pins. */

static void d3_tails(struct ctx *c, const struct pts_folio *f, uint64_t t_pfn, uint64_t va)
{
	unsigned bad = 0;
	uint64_t first_bad = 0;
	int32_t bad_val = 0;
	struct pts_error *err = pts_tail_mapcounts(c->p, f->head_pfn, f->order, &bad, &first_bad, &bad_val);
	if (err && err->code != PTS_ERR_LOOKUP)
		pts_notes_add(&c->out->missing, "D3: struct pages of folio %#" PRIx64 ": %s",
			      f->head_pfn, pts_error_text(err));
	pts_error_destroy(err);
	if (bad)
		pts_chk_finding(c, "page", first_bad, true, va, "hugetlb folio %#" PRIx64 " (order %u): %u of "
			"its pages keep a _mapcount of their own, the first pfn %#" PRIx64 " with %d "
			"(hugetlb counts mappings in the folio only)", f->head_pfn, f->order, bad,
			first_bad, bad_val);
	(void)t_pfn;
}

static void d3_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	(void)idx;
	if (e->kind != PTS_EK_PRESENT || !e->has_pfn || !v || !(v->flags & PTS_VM_HUGETLB) ||
	    e->level == PTS_PTE || e->pfn >= c->max_pfn)
		return;
	const struct pts_folio *f;
	if (!pts_chk_folio_of(c, e->pfn, "D3", &f) || !u64set_add(&c->d3_seen, f->head_pfn + 1))
		return;
	uint64_t fp = f->head_pfn;
	if (!f->hugetlb) {
		pts_chk_finding(c, "entry", t->pfn, true, va, "hugetlb VMA %#" PRIx64 "-%#" PRIx64 " maps pfn %#"
			PRIx64 ", which is not a hugetlb folio", v->start, v->end, e->pfn);
		return;
	}
	if (f->has_entire && f->entire_mapcount < 1)
		pts_chk_finding(c, "page", fp, true, va, "hugetlb folio %#" PRIx64 " is mapped here but its "
			"entire mapcount is %d", fp, f->entire_mapcount);
	if (f->has_large && f->has_entire && f->large_mapcount != f->entire_mapcount)
		pts_chk_finding(c, "page", fp, true, va, "hugetlb folio %#" PRIx64 ": _large_mapcount %d but "
			"_entire_mapcount %d (hugetlb changes both together)", fp, f->large_mapcount,
			f->entire_mapcount);
	if (f->has_nr_mapped && f->nr_pages_mapped != 0)
		pts_chk_finding(c, "page", fp, true, va, "hugetlb folio %#" PRIx64 ": _nr_pages_mapped %d "
			"(hugetlb never maps pages of a folio one by one)", fp, f->nr_pages_mapped);
	/* the page cache holds one reference or more (nr_pages from v6.6);
	 * each pin one more plus the pincount */
	int64_t cache = !f->anon && f->mapping ? 1 : 0, pins = f->has_pincount ? f->pincount : 0;
	int64_t need = (f->has_entire ? f->entire_mapcount : 0) + cache + (pins > 0 ? pins : 0);
	if (f->head.refcount < need)
		pts_chk_finding(c, "page", fp, true, va, "hugetlb folio %#" PRIx64 ": refcount %d below its "
			"%d mappings + %" PRId64 " page cache + %" PRId64 " pins", fp, f->head.refcount,
			f->has_entire ? f->entire_mapcount : 0, cache, pins > 0 ? pins : 0);
	d3_tails(c, f, t->pfn, va);
}

static void b1_on_dump(struct ctx *c, const struct pts_hugetlb *h)
{
	for (size_t i = 0; i < h->vmas.n; i++) {
		const struct pts_hvma *hv = &h->vmas.v[i];
		if (!hv->have_lock)
			continue;
		c->tpid = hv->pid;
		memcpy(c->tcomm, hv->comm, sizeof(c->tcomm));
		if (hv->lock_vma != hv->v.addr && hv->lock_vma)
			pts_chk_finding(c, "vma", hv->v.addr, true, hv->v.start, "VMA %#" PRIx64 " (%#" PRIx64
				"-%#" PRIx64 ") has hugetlb_vma_lock %#" PRIx64 " whose vma is %#" PRIx64,
				hv->v.addr, hv->v.start, hv->v.end, hv->lock, hv->lock_vma);
		for (size_t k = 0; k < i; k++)
			if (h->vmas.v[k].have_lock && h->vmas.v[k].lock == hv->lock)
				pts_chk_finding(c, "vma", hv->v.addr, true, hv->v.start, "VMAs %#" PRIx64 " and %#"
					PRIx64 " share hugetlb_vma_lock %#" PRIx64, h->vmas.v[k].v.addr,
					hv->v.addr, hv->lock);
	}
}

static void b2_on_dump(struct ctx *c, const struct pts_hugetlb *h)
{
	for (size_t i = 0; i < h->vmas.n; i++) {
		const struct pts_hvma *hv = &h->vmas.v[i];
		if (!hv->have_lock || hv->lock_vma)
			continue;
		c->tpid = hv->pid;
		memcpy(c->tcomm, hv->comm, sizeof(c->tcomm));
		pts_chk_finding(c, "vma", hv->v.addr, true, hv->v.start, "live VMA %#" PRIx64 " (%#" PRIx64
			"-%#" PRIx64 ") points at hugetlb_vma_lock %#" PRIx64 " whose vma is NULL (refs %d):"
			" the lock was released", hv->v.addr, hv->v.start, hv->v.end, hv->lock,
			hv->lock_refs);
	}
}

static void sharing_blame(struct ctx *c, const struct pts_htable *t)
{
	const struct pts_hsharer *s0 = &t->sharers.v[0];
	c->tpid = s0->pid;
	memcpy(c->tcomm, s0->comm, sizeof(c->tcomm));
}

static bool table_of_pid(const struct ctx *c, const struct pts_htable *t)
{
	if (c->only_pid < 0)
		return true;
	for (size_t k = 0; k < t->sharers.n; k++)
		if (t->sharers.v[k].pid == c->only_pid)
			return true;
	return false;
}

static void b4_on_dump(struct ctx *c, const struct pts_hugetlb *h)
{
	const uint64_t locked_mask = PTS_VM_LOCKED | 0x80000ULL;	/* VM_LOCKONFAULT */
	for (size_t i = 0; i < h->tables.n; i++) {
		const struct pts_htable *t = &h->tables.v[i];
		if (!table_of_pid(c, t))
			continue;
		if (t->sharers.n < 2)
			continue;
		const struct pts_hsharer *s0 = &t->sharers.v[0];
		uint64_t idx0 = s0->pgoff + ((s0->va - s0->vm_start) >> c->a->page_shift);
		for (size_t k = 0; k < t->sharers.n; k++) {
			const struct pts_hsharer *x = &t->sharers.v[k];
			uint64_t idx = x->pgoff + ((x->va - x->vm_start) >> c->a->page_shift);
			const char *why = !(x->vm_flags & PTS_VM_MAYSHARE) ? "is not VM_MAYSHARE"
				: !x->covers ? "does not cover the whole PUD range"
				: (x->vm_flags & PTS_VM_UFFD_WP) ? "is registered for uffd-wp"
				: idx != idx0 ? "maps another file index there"
				: (x->vm_flags & ~locked_mask) != (s0->vm_flags & ~locked_mask) ?
				  "has other vm_flags" : NULL;
			if (why) {
				sharing_blame(c, t);
				pts_chk_finding(c, "table", t->pfn, true, x->va, "pmd table pfn %#" PRIx64 " shared by %zu"
					" PUD entries, but the sharer pid %d VMA %#" PRIx64 " (%#" PRIx64 "-%#"
					PRIx64 " flags %#" PRIx64 ") %s", t->pfn, t->sharers.n, x->pid, x->vma,
					x->vm_start, x->vm_end, x->vm_flags, why);
			}
		}
	}
}

static void b5_on_dump(struct ctx *c, const struct pts_hugetlb *h)
{
	for (size_t i = 0; i < h->tables.n; i++) {
		const struct pts_htable *t = &h->tables.v[i];
		if (!table_of_pid(c, t))
			continue;
		/* sharers the dump lacks would be missing from the count */
		if (!t->count_known || t->count == t->expected || t->incomplete)
			continue;
		sharing_blame(c, t);
		pts_chk_finding(c, "table", t->pfn, true, t->sharers.v[0].va, "pmd table pfn %#" PRIx64
			" is referenced by %zu PUD entries but its %s is %" PRId64 ", not %"
			PRId64, t->pfn, t->sharers.n, t->pt_share_count ? "pt_share_count" :
			"refcount", t->count, t->expected);
	}
}

static void b7_on_dump(struct ctx *c, const struct pts_hugetlb *h)
{
	for (size_t i = 0; i < h->tables.n; i++) {
		const struct pts_htable *t = &h->tables.v[i];
		if (!table_of_pid(c, t))
			continue;
		if (t->sharers.n < 2 || !t->foreign)
			continue;
		sharing_blame(c, t);
		pts_chk_finding(c, "table", t->pfn, true, t->sharers.v[0].va, "shared pmd table pfn %#" PRIx64
			" of address_space %#" PRIx64 " maps %u of its %u leaves to folios of another "
			"mapping (first: pfn %#" PRIx64 ", mapping %#" PRIx64 ")", t->pfn, t->mapping,
			t->foreign, t->leaves, t->foreign_pfn, t->foreign_mapping);
	}
}

static bool lock_applies(struct pts_program *p, const char **why)
{
	if (pts_kernel_has(p, PTS_K_HUGETLB_VMA_LOCK))
		return true;
	*why = "no struct hugetlb_vma_lock (before v6.1)";
	return false;
}

const struct check pts_check_b3 = {
	.info = {
		.id = "B3",
		.title = "shape of hugetlb entries",
		.rule = "hugetlb page tables stop at the hstate's level: a leaf of exactly that size, none, a "
			"migration or hwpoison entry or a marker; never swap or device entries; mapping below "
			"the hstate needs HGM, which no stock kernel has (C1)",
		.source = "mm/hugetlb.c huge_pte_alloc(), hugetlb_fault(); INVARIANTS B3, C1",
		.kernels = "all",
		.severity = PTS_SEV_ERROR,
	},
	.on_entry = b3_on_entry,
	.on_done = b3_on_done,
	.filtered = true,
	.kinds = ~EK_BIT(TABLE),
	.levels = ~0u,
	.vmask = VC_V | VC_HUGETLB,
	.vval = VC_V | VC_HUGETLB,
};

/* B3's hooks sum the ranges and say them as B3 or C2 */
const struct check pts_check_c2 = {
	.info = {
		.id = "C2",
		.title = "high-granularity hugetlb mapping",
		.rule = "on a kernel with HGM, the pieces of an hstate-sized range mapped below the hstate "
			"come from one hugetlb folio, each at its own offset, in tables no other range shares",
		.source = "HGM series (hugetlb_hgm_walk, never merged); INVARIANTS C2",
		.kernels = "kernels with HGM "
			"(struct hugetlb_pte)",
		.severity = PTS_SEV_ERROR,
	},
	.applies = hgm_applies,
};

const struct check pts_check_b1 = {
	.info = {
		.id = "B1",
		.title = "hugetlb vma_lock back-pointer",
		.rule = "a shared hugetlb VMA's vm_private_data is NULL or a hugetlb_vma_lock whose vma is "
			"that VMA, and no two VMAs share one lock",
		.source = "mm/hugetlb.c hugetlb_vma_lock_alloc(), hugetlb_vm_op_open()",
		.kernels = "v6.1+",
		.severity = PTS_SEV_ERROR,
	},
	.applies = lock_applies,
	.on_dump = b1_on_dump,
};

const struct check pts_check_b2 = {
	.info = {
		.id = "B2",
		.title = "hugetlb vma_lock that outlived its VMA",
		.rule = "a live VMA never points at a hugetlb_vma_lock whose vma is NULL "
			"(__hugetlb_vma_unlock_write_put clears both)",
		.source = "mm/hugetlb.c __hugetlb_vma_unlock_write_put(); fs/hugetlbfs/inode.c "
			"hugetlb_unmap_file_folio()",
		.kernels = "v6.1+",
		.severity = PTS_SEV_ERROR,
	},
	.applies = lock_applies,
	.on_dump = b2_on_dump,
};

const struct check pts_check_b4 = {
	.info = {
		.id = "B4",
		.title = "PMD sharing eligibility",
		.rule = "every sharer of a PMD table is VM_MAYSHARE, covers the whole PUD range, is not "
			"uffd-wp, maps the same file index there and has the same flags but VM_LOCKED",
		.source = "mm/hugetlb.c want_pmd_share(), page_table_shareable()",
		.kernels = "all",
		.severity = PTS_SEV_ERROR,
	},
	.on_dump = b4_on_dump,
};

const struct check pts_check_b5 = {
	.info = {
		.id = "B5",
		.title = "PMD share count",
		.rule = "the PUD entries that reference a shared PMD table, found through the file's i_mmap "
			"in every mm, number pt_share_count + 1 (v6.13 59d9094df3d7 and backports) or the "
			"table page's refcount (before)",
		.source = "mm/hugetlb.c huge_pmd_share(), huge_pmd_unshare()",
		.kernels = "all",
		.severity = PTS_SEV_ERROR,
	},
	.on_dump = b5_on_dump,
};

const struct check pts_check_b7 = {
	.info = {
		.id = "B7",
		.title = "what a shared PMD table maps",
		.rule = "a shared PMD table maps only hugetlb folios of the file whose sharers share it "
			"(folio->mapping is that address_space)",
		.source = "mm/hugetlb.c huge_pmd_share(); INVARIANTS B7",
		.kernels = "all",
		.severity = PTS_SEV_ERROR,
	},
	.on_dump = b7_on_dump,
};

const struct check pts_check_d3 = {
	.info = {
		.id = "D3",
		.title = "hugetlb folio counters",
		.rule = "a hugetlb folio mapped by a hugetlb VMA is a hugetlb folio whose entire mapcount is at "
			"least one and equals _large_mapcount (v6.10+), whose _nr_pages_mapped is 0 (v6.2+), "
			"whose pages keep no _mapcount of their own, and whose refcount is at least its "
			"mappings plus the page cache's reference plus its pins",
		.source = "mm/rmap.c hugetlb_add_file_rmap(), hugetlb_remove_rmap(); mm/util.c "
			"folio_mapcount() (v6.1); mm/hugetlb.c; INVARIANTS D3",
		.kernels = "all",
		.severity = PTS_SEV_ERROR,
	},
	.on_entry = d3_on_entry,
	.filtered = true,
	.kinds = EK_BIT(PRESENT),
	.levels = ~LV_BIT(PTE),
	.vmask = VC_V | VC_HUGETLB,
	.vval = VC_V | VC_HUGETLB,
};
