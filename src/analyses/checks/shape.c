/* Checks of the shape of the page tables: their rules, state and registry entries (the
 * engine, analyses/check.c, runs them). */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyses/checks/family.h"

static void struct_on_done(struct ctx *c)
{
	for (size_t i = 0; i < c->walk.anomalies.n; i++) {
		const struct pts_walk_anomaly *w = &c->walk.anomalies.v[i];
		pts_chk_finding(c, "entry", w->table_pfn, true, w->va, "%s", w->text);
	}
}

static void a1_on_table(struct ctx *c, const struct pts_table *t)
{
	/* x86 allocates PUD and P4D tables without a constructor: strict
	 * for PTE and PMD tables only. */
	if (t->level > PTS_PMD || t->revisit)
		return;
	struct pts_page pg;
	struct pts_error *err = pts_page_read(c->p, t->pfn, &pg);
	if (err) {
		pts_notes_add(&c->out->missing, "A1: struct page of %s table pfn %#" PRIx64 ": %s",
			      pts_level_name((unsigned)t->level), t->pfn, pts_error_text(err));
		pts_error_destroy(err);
		return;
	}
	if (!pg.is_table || pg.refcount <= 0)
		pts_chk_finding(c, "table", t->pfn, true, t->va,
			"%s table pfn %#" PRIx64 " (from entry %u of table %#" PRIx64 "): struct page %#"
			PRIx64 " has page_type %#x%s, refcount %d", pts_level_name((unsigned)t->level),
			t->pfn, t->parent_index, t->parent_pfn, pg.addr, pg.page_type,
			pg.is_table ? "" : " (not PageTable)", pg.refcount);
}

static void leaf_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			  const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	(void)v;
	if (e->kind != PTS_EK_PRESENT || e->level == PTS_PTE)
		return;
	/* Bits 13 up to the leaf size are reserved in a PMD/PUD leaf (12 is PAT). */
	uint64_t mask = (pts_level_size(c->a, e->level) - 1) & ~0x1fffULL;
	/* x86-64 keeps a PROT_NONE leaf's PFN inverted (L1TF); arm64's bit 8
	 * is a shareability bit */
	bool x86 = !strcmp(c->a->name, "x86_64");
	uint64_t raw = x86 && (e->raw & (1ULL << 8)) && !(e->raw & 1) ? ~e->raw : e->raw;
	if (raw & mask & c->a->pfn_mask)
		pts_chk_finding(c, "entry", t->pfn, true, va, "%s leaf %#" PRIx64 " (entry %u of table %#"
			PRIx64 ") has reserved address bits %#" PRIx64 " set: not aligned to %" PRIu64
			" KiB", pts_level_name(e->level), e->raw, idx, t->pfn, raw & mask,
			pts_level_size(c->a, e->level) >> 10);
}

static void pfn_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			 const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	if (!e->has_pfn || e->kind == PTS_EK_TABLE)
		return;
	/* VM_PFNMAP/VM_IO/VM_MIXEDMAP and special entries may map device
	 * memory that is not RAM. */
	if (e->kind == PTS_EK_PRESENT &&
	    ((e->flags & (1u << PTS_F_SPECIAL)) ||
	     (v && (v->flags & (PTS_VM_PFNMAP | PTS_VM_IO | PTS_VM_MIXEDMAP)))))
		return;
	uint64_t last = e->pfn + (pts_level_size(c->a, e->level) >> c->a->page_shift) - 1;
	if (last >= c->max_pfn)
		pts_chk_finding(c, "entry", t->pfn, true, va, "%s %s entry %#" PRIx64 " (entry %u of table %#"
			PRIx64 ") maps pfn %#" PRIx64 ", beyond the end of memory (max pfn %#" PRIx64 ")",
			pts_level_name(e->level), pts_ekind_name(e->kind), e->raw, idx, t->pfn, e->pfn,
			c->max_pfn);
}

static void vma_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			 const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	if (v || e->kind == PTS_EK_TABLE || c->mm.missing.n)
		return;
	pts_chk_finding(c, "entry", t->pfn, true, va, "%s %s entry %#" PRIx64 " (entry %u of table %#" PRIx64
		") at %#" PRIx64 " lies in no VMA", pts_level_name(e->level), pts_ekind_name(e->kind),
		e->raw, idx, t->pfn, va);
}

static void a4_on_done(struct ctx *c)
{
	if (!c->mm.have_pgtables_bytes || c->walk.missing.n)
		return;
	uint64_t tables = c->walk.tables[PTS_PTE] + c->walk.tables[PTS_PMD] + c->walk.tables[PTS_PUD];
	/* deposited PTE tables are charged when allocated (mm_inc_nr_ptes) */
	uint64_t dep = c->anon_pmd_leaves;
	int64_t want = (int64_t)((tables + dep) * c->p->page_size);
	if (c->mm.pgtables_bytes != want)
		pts_chk_finding(c, "mm", c->mm.addr, false, 0, "mm %#" PRIx64 " pgtables_bytes is %" PRId64
			" but its tables are %" PRIu64 " pte + %" PRIu64 " pmd + %" PRIu64 " pud + %"
			PRIu64 " deposited = %" PRId64 " bytes", c->mm.addr, c->mm.pgtables_bytes,
			c->walk.tables[PTS_PTE], c->walk.tables[PTS_PMD], c->walk.tables[PTS_PUD], dep,
			want);
}

static bool a4_applies(struct pts_program *p, const char **why)
{
	if (pts_kernel_has(p, PTS_K_PGTABLES_BYTES))
		return true;
	*why = "the kernel has no mm->pgtables_bytes";
	return false;
}

const struct check pts_check_pt_struct = {
	.info = {
		.id = "PT-STRUCT",
		.title = "page-table structure",
		.rule = "a table entry points to a page table of the next level, inside memory; non-present "
			"entries appear only where the level can hold them",
		.source = "arch/x86/include/asm/pgtable.h (p?d_bad, p?d_present)",
		.kernels = "all",
		.severity = PTS_SEV_ERROR,
	},
	.on_done = struct_on_done,
};

const struct check pts_check_a1 = {
	.info = {
		.id = "A1",
		.title = "page-table page identity",
		.rule = "every page a non-leaf PMD or PUD entry points to is a live page table (PageTable, "
			"refcount > 0)",
		.source = "include/linux/mm.h pagetable_pte_ctor/pagetable_pmd_ctor (pgtable_pte_page_ctor "
			"before v6.6)",
		.kernels = "all",
		.severity = PTS_SEV_ERROR,
	},
	.on_table = a1_on_table,
};

const struct check pts_check_leaf = {
	.info = {
		.id = "LEAF",
		.title = "misaligned huge leaf",
		.rule = "a PMD or PUD leaf maps a naturally aligned frame: the address bits below its size "
			"(above PAT) are zero",
		.source = "arch/x86/include/asm/pgtable_types.h PHYSICAL_PMD_PAGE_MASK",
		.kernels = "all",
		.severity = PTS_SEV_ERROR,
	},
	.on_entry = leaf_on_entry,
	.filtered = true,
	.kinds = EK_BIT(PRESENT),
	.levels = ~LV_BIT(PTE),
	.vmask = 0,
	.vval = 0,
};

const struct check pts_check_pfn = {
	.info = {
		.id = "PFN",
		.title = "frame beyond memory",
		.rule = "a leaf or pfn swap entry refers to RAM below max_pfn, except special entries and "
			"VM_PFNMAP/VM_IO/VM_MIXEDMAP VMAs",
		.source = "mm/memory.c vm_normal_page()",
		.kernels = "all",
		.severity = PTS_SEV_ERROR,
	},
	.on_entry = pfn_on_entry,
	.filtered = true,
	.kinds = ~EK_BIT(TABLE),
	.levels = ~0u,
	.vmask = 0,
	.vval = 0,
};

const struct check pts_check_vma = {
	.info = {
		.id = "VMA",
		.title = "entry outside every VMA",
		.rule = "page tables map only addresses inside a VMA: unmapping zaps the range "
			"(unmap_region, free_pgtables)",
		.source = "mm/mmap.c unmap_region(), mm/memory.c "
			"unmap_page_range()",
		.kernels = "all",
		.severity = PTS_SEV_ERROR,
	},
	.on_entry = vma_on_entry,
	.filtered = true,
	.kinds = ~EK_BIT(TABLE),
	.levels = ~0u,
	.vmask = VC_V,
	.vval = 0,
};

const struct check pts_check_a4 = {
	.info = {
		.id = "A4",
		.title = "page-table byte count",
		.rule = "mm->pgtables_bytes equals the page size times the PTE, PMD and PUD tables reachable "
			"from the mm, plus deposited PTE tables",
		.source = "kernel/fork.c check_mm(); include/linux/mm.h mm_inc_nr_ptes()",
		.kernels = "v4.17+",
		.severity = PTS_SEV_WARNING,
	},
	.applies = a4_applies,
	.on_done = a4_on_done,
};
