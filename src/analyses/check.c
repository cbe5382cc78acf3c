#include "config.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "arch/arch.h"
#include "analyses/check.h"
#include "analyses/hugetlb.h"
#include "readers/kmm.h"
#include "readers/kpage.h"
#include "readers/klock.h"
#include "analyses/locks.h"
#include "readers/kfolio.h"
#include "readers/kanon.h"
#include "analyses/rmap.h"
#include "base/util.h"
#include "readers/walk.h"

struct ctx;

/* One check: what it says, and where it looks. */
struct check {
	struct pts_check_info info;
	bool (*applies)(struct pts_program *p, const char **why);
	void (*on_mm)(struct ctx *c);
	void (*on_table)(struct ctx *c, const struct pts_table *t);
	void (*on_entry)(struct ctx *c, uint64_t va, const struct pts_entry *e,
			 const struct pts_table *t, unsigned idx, const struct pts_vma *v);
	void (*on_table_end)(struct ctx *c, const struct pts_table *t);
	void (*on_done)(struct ctx *c);
	/* Across the dump (hugetlb sharing): once per check run. */
	void (*on_dump)(struct ctx *c, const struct pts_hugetlb *h);
	/* Across the dump: the locks and the wait-for graph. */
	void (*on_locks)(struct ctx *c, const struct pts_locks *l);
	/* Across the dump: the reverse index (check --all only). */
	void (*on_rmap)(struct ctx *c, const struct pts_rmap_index *r);
};

struct ctx {
	struct pts_program *p;
	const struct pts_arch *a;
	const struct pts_task *t;
	struct pts_mm mm;
	struct pts_walk_result walk;
	struct pts_findings *out;
	const struct check *cur;
	int32_t tpid;		/* whom findings are about */
	char tcomm[16];
	bool hgm;
	bool applies[32];
	uint8_t entry_checks[32];	/* those that apply and have on_entry, in order */
	unsigned nentry_checks;
	const struct pts_vma *lastv;	/* the VMA of the last entry */
	unsigned lastvc;		/* and its class (cb_entry) */
	/* cb_entry's lists of checks by VMA class, entry kind and level */
	struct dispatch {
		bool built;
		uint8_t n, idx[32];
	} disp[16][PTS_EK_N][PTS_NLEVELS];
	struct pts_rmap_feed *feed;	/* the reverse index's part of this walk */
	struct pts_ptl_feed *ptl;	/* the lock scan's part of it */
	VEC(size_t) ptl_skip;		/* walk notes its own walk would not make */
	/* B3/C2: the hstate-sized range being mapped below the hstate */
	struct pts_hgm_acc hacc;
	uint64_t h_vstart, h_vend;
	bool h_revisit;		/* a table holding its pieces was reached twice */
	int32_t only_pid;	/* check -p: tables of other processes are not its */
	bool have_av_root;
	uint64_t av_root;	/* offsetof(struct anon_vma, root) */
	uint64_t d2_vma_av, d2_vma_mm;	/* offsetof(struct vm_area_struct, anon_vma, vm_mm) */
	struct u64set d3_seen;	/* hugetlb folios checked in this mm (pfn + 1) */
	/* D1 and D5 look at the same entries' folios: the last one read */
	bool folio_ok;
	uint64_t folio_pfn;
	struct pts_folio folio;
	uint64_t max_pfn;
	/* A3/A4: anon THP leaves, per PMD table being walked and in all */
	uint64_t anon_pmd_leaves, thp_in_table[PTS_NLEVELS], deposits;
	bool deposits_known;
};

static void finding(struct ctx *c, const char *object, uint64_t addr, bool has_va, uint64_t va,
		    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void finding(struct ctx *c, const char *object, uint64_t addr, bool has_va, uint64_t va,
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

static bool vma_anon(const struct pts_vma *v)
{
	return v && !v->file && !v->ops;
}

/* ---- MT: the VMA tree ---------------------------------------------- */

static void mt_on_mm(struct ctx *c)
{
	for (size_t i = 0; i < c->mm.anomalies.n; i++)
		finding(c, "mm", c->mm.anomalies.v[i].obj, false, 0, "%s", c->mm.anomalies.v[i].text);
	/* a range no process can have (TASK_SIZE): what walks VMA ranges is
	 * bounded by the address space, not by these values */
	for (size_t i = 0; i < c->mm.nvmas; i++) {
		const struct pts_vma *v = &c->mm.vmas[i];
		if (!v->gate && v->end > c->a->user_end)
			finding(c, "mm", v->addr, false, 0, "VMA %#" PRIx64 "-%#" PRIx64 " ends beyond "
				"the user address space (%#" PRIx64 ")", v->start, v->end, c->a->user_end);
	}
}

/* ---- PT-STRUCT: the shape of the tables ------------------------------ */

static void struct_on_done(struct ctx *c)
{
	for (size_t i = 0; i < c->walk.anomalies.n; i++) {
		const struct pts_walk_anomaly *w = &c->walk.anomalies.v[i];
		finding(c, "entry", w->table_pfn, true, w->va, "%s", w->text);
	}
}

/* ---- A1: page-table page identity ---------------------------------- */

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
		finding(c, "table", t->pfn, true, t->va,
			"%s table pfn %#" PRIx64 " (from entry %u of table %#" PRIx64 "): struct page %#"
			PRIx64 " has page_type %#x%s, refcount %d", pts_level_name((unsigned)t->level),
			t->pfn, t->parent_index, t->parent_pfn, pg.addr, pg.page_type,
			pg.is_table ? "" : " (not PageTable)", pg.refcount);
}

/* ---- LEAF: misaligned huge leaves ------------------------------------ */

static void leaf_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			  const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	(void)v;
	if (e->kind != PTS_EK_PRESENT || e->level == PTS_PTE)
		return;
	/* Bits 13 up to the leaf size are reserved in a PMD/PUD leaf (12 is PAT). */
	uint64_t mask = (pts_level_size(c->a, e->level) - 1) & ~0x1fffULL;
	uint64_t raw = (e->raw & (1ULL << 8)) && !(e->raw & 1) ? ~e->raw : e->raw;
	if (raw & mask & c->a->pfn_mask)
		finding(c, "entry", t->pfn, true, va, "%s leaf %#" PRIx64 " (entry %u of table %#"
			PRIx64 ") has reserved address bits %#" PRIx64 " set: not aligned to %" PRIu64
			" KiB", pts_level_name(e->level), e->raw, idx, t->pfn, raw & mask,
			pts_level_size(c->a, e->level) >> 10);
}

/* ---- PFN: frames beyond the end of memory ---------------------------- */

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
	uint64_t last = e->pfn + (pts_level_size(c->a, e->level) >> 12) - 1;
	if (last >= c->max_pfn)
		finding(c, "entry", t->pfn, true, va, "%s %s entry %#" PRIx64 " (entry %u of table %#"
			PRIx64 ") maps pfn %#" PRIx64 ", beyond the end of memory (max pfn %#" PRIx64 ")",
			pts_level_name(e->level), pts_ekind_name(e->kind), e->raw, idx, t->pfn, e->pfn,
			c->max_pfn);
}

/* ---- VMA: entries outside every VMA ---------------------------------- */

static void vma_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			 const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	if (v || e->kind == PTS_EK_TABLE || c->mm.missing.n)
		return;
	finding(c, "entry", t->pfn, true, va, "%s %s entry %#" PRIx64 " (entry %u of table %#" PRIx64
		") at %#" PRIx64 " lies in no VMA", pts_level_name(e->level), pts_ekind_name(e->kind),
		e->raw, idx, t->pfn, va);
}

/* ---- KIND: entry kinds impossible in their VMA (E1-E4) ---------------- */

static void kind_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			  const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	if (!v || e->kind == PTS_EK_PRESENT || e->kind == PTS_EK_TABLE || e->kind == PTS_EK_NONE ||
	    e->kind == PTS_EK_BAD)
		return;
	bool hugetlb = v->flags & PTS_VM_HUGETLB;
	bool shared = v->flags & PTS_VM_SHARED;
	const char *why = NULL;
	char m[64];
	switch (e->kind) {
	case PTS_EK_SWAP:
		/* E5: shmem keeps swap entries in its page cache, hugetlb never swaps */
		if (shared || hugetlb)
			why = hugetlb ? "a swap entry in a hugetlb VMA" : "a swap entry in a shared VMA";
		else if (e->level != PTS_PTE)
			why = "a swap entry above PTE level";
		break;
	case PTS_EK_DEVICE_PRIVATE:
		if (hugetlb || e->level != PTS_PTE)
			why = "a device-private entry in hugetlb or above PTE level";
		break;
	case PTS_EK_MIGRATION:
		/* E2: READ_EXCLUSIVE only for anon folios */
		if ((e->flags & (1u << PTS_F_READ_EXCLUSIVE)) && v->file && (v->flags & PTS_VM_SHARED))
			why = "a read-exclusive migration entry in a shared file mapping";
		break;
	case PTS_EK_MARKER:
		pts_marker_text(e->swap_offset, m, sizeof(m));
		/* E4: the offset is a non-zero mask of known markers */
		if (!e->swap_offset || (e->swap_offset & ~7ULL))
			why = "a PTE marker with no or unknown marker bits";
		else if ((e->swap_offset & 1) && !(v->flags & PTS_VM_UFFD_WP))
			why = "a uffd-wp marker in a VMA not registered for uffd-wp";
		else if ((e->swap_offset & 1) && vma_anon(v) &&
			 pts_kernel_version(c->p) < PTS_KVER(6, 4))
			/* anonymous uffd-wp markers arrived in v6.4
			 * (UFFD_FEATURE_WP_UNPOPULATED); a macro */
			why = "a uffd-wp marker in an anonymous VMA, before v6.4";
		break;
	case PTS_EK_UNKNOWN:
		why = "a swap type this kernel does not have";
		break;
	default:
		break;
	}
	if (e->level > PTS_PTE && !hugetlb && e->kind != PTS_EK_MIGRATION && !why)
		why = "a non-present PMD that is not a THP migration entry";
	if (why)
		finding(c, "entry", t->pfn, true, va, "%s: %s entry %#" PRIx64 " (type %u) at %#" PRIx64
			" (entry %u of table %#" PRIx64 ") in VMA %#" PRIx64 "-%#" PRIx64 " flags %#" PRIx64,
			why, pts_ekind_name(e->kind), e->raw, e->swap_type, va, idx, t->pfn, v->start,
			v->end, v->flags);
}

/* ---- A3: THP deposits ------------------------------------------------ */

static void count_thp(struct ctx *c, const struct pts_entry *e, const struct pts_vma *v)
{
	/* do_huge_pmd_anonymous_page() and the huge zero page deposit one
	 * PTE table per anonymous PMD leaf; file THPs deposit none on x86. */
	if (e->level == PTS_PMD && e->kind == PTS_EK_PRESENT && v && !v->file &&
	    !(v->flags & PTS_VM_HUGETLB))
		c->thp_in_table[PTS_PMD]++, c->anon_pmd_leaves++;
	else if (e->level == PTS_PMD && e->kind == PTS_EK_MIGRATION && v && !v->file)
		c->thp_in_table[PTS_PMD]++, c->anon_pmd_leaves++;
}

static void a3_on_table(struct ctx *c, const struct pts_table *t)
{
	if (t->level == PTS_PMD)
		c->thp_in_table[PTS_PMD] = 0;
}

static void a3_on_table_end(struct ctx *c, const struct pts_table *t)
{
	if (t->level != PTS_PMD || t->revisit)
		return;
	struct pts_page pg;
	uint64_t lru;
	struct pts_error *err = pts_page_read(c->p, t->pfn, &pg);
	if (!err)
		err = pts_page_lru_offset(c->p, &lru);
	uint64_t n = 0;
	if (!err && pg.pmd_huge_pte) {
		/* the first deposit, then the others on its lru list */
		uint64_t head = pg.pmd_huge_pte + lru, node;
		n = 1;
		err = pts_read_u64(c->p, head, &node);
		while (!err && node != head && n <= 512) {
			n++;
			err = pts_read_u64(c->p, node, &node);
		}
	}
	if (err) {
		c->deposits_known = false;
		pts_notes_add(&c->out->missing, "A3: deposits of pmd table pfn %#" PRIx64 ": %s",
			      t->pfn, pts_error_text(err));
		pts_error_destroy(err);
		return;
	}
	c->deposits += n;
	if (n != c->thp_in_table[PTS_PMD])
		finding(c, "table", t->pfn, true, t->va, "pmd table pfn %#" PRIx64 " holds %" PRIu64
			" anonymous THP leaves but %s%" PRIu64 " deposited PTE tables (pmd_huge_pte %#"
			PRIx64 ")", t->pfn, c->thp_in_table[PTS_PMD], n > 512 ? "more than " : "", n,
			pg.pmd_huge_pte);
}

static bool a3_applies(struct pts_program *p, const char **why)
{
	/* CONFIG_TRANSPARENT_HUGEPAGE (off on PREEMPT_RT before v6.x allowed
	 * it): without it nothing deposits, and pmd_huge_pte is never even
	 * initialised (pgtable_pmd_page_ctor) */
	uint64_t a;
	struct pts_error *err = pts_symbol(p, "transparent_hugepage_flags", &a);
	if (err) {
		pts_error_destroy(err);
		*why = "no transparent hugepages in this kernel (no transparent_hugepage_flags)";
		return false;
	}
	if (pts_page_split_pmd_deposit(p))
		return true;
	*why = "deposits are kept per mm (no split PMD locks): not decoded";
	return false;
}

/* ---- A4: mm->pgtables_bytes ------------------------------------------ */

static void a4_on_done(struct ctx *c)
{
	if (!c->mm.have_pgtables_bytes || c->walk.missing.n)
		return;
	uint64_t tables = c->walk.tables[PTS_PTE] + c->walk.tables[PTS_PMD] + c->walk.tables[PTS_PUD];
	/* deposited PTE tables are charged when allocated (mm_inc_nr_ptes) */
	uint64_t dep = c->anon_pmd_leaves;
	int64_t want = (int64_t)((tables + dep) * c->p->page_size);
	if (c->mm.pgtables_bytes != want)
		finding(c, "mm", c->mm.addr, false, 0, "mm %#" PRIx64 " pgtables_bytes is %" PRId64
			" but its tables are %" PRIu64 " pte + %" PRIu64 " pmd + %" PRIu64 " pud + %"
			PRIu64 " deposited = %" PRId64 " bytes", c->mm.addr, c->mm.pgtables_bytes,
			c->walk.tables[PTS_PTE], c->walk.tables[PTS_PMD], c->walk.tables[PTS_PUD], dep,
			want);
}

static bool a4_applies(struct pts_program *p, const char **why)
{
	if (pts_dwarf_has_member(p->dw, "struct mm_struct", "pgtables_bytes"))
		return true;
	*why = "the kernel has no mm->pgtables_bytes";
	return false;
}


/* ---- E5: swap entries point at used slots ---------------------------- */

struct swap_layout {
	bool ok, have_map;
	uint64_t swap_info, nswap, flags, max, map;
	int64_t used;
};


/* MAX_SWAPFILES: swap_info[]'s length (DWARF), or as the arch layer
 * derived it (BTF mode keeps no global variables' types) */
static struct pts_error *swap_slots(struct pts_program *p, uint64_t *ret)
{
	const struct pts_arch *a;
	if (pts_dwarf_btf(p->dw)) {
		struct pts_error *err = pts_arch_get(p, &a);
		if (err)
			return err;
		if (!a->swap_known)
			return pts_error(PTS_ERR_LOOKUP, "%s", a->swap_why);
		*ret = (uint64_t)a->max_swapfiles;
		return NULL;
	}
	return pts_dwarf_var_array_len(p->dw, "swap_info", ret);
}

/* Derived once per program, in its layout slot: every address space's
 * checks ask, from several threads (the runner, sweep.c). */
static const struct swap_layout *swap_layout(struct pts_program *p)
{
	if (pts_layout_ready(p, PTS_LAYOUT_SWAP))
		return p->layout[PTS_LAYOUT_SWAP];
	pts_layout_lock(p);
	if (!p->layout[PTS_LAYOUT_SWAP]) {
		struct swap_layout *l = xcalloc(1, sizeof(*l));
		struct pts_error *err;
		if ((err = pts_symbol(p, "swap_info", &l->swap_info)) ||
	    (err = swap_slots(p, &l->nswap)) ||
	    (err = pts_offsetof(p, "struct swap_info_struct", "flags", &l->flags)) ||
	    (err = pts_offsetof(p, "struct swap_info_struct", "max", &l->max)) ||
	    (err = pts_dwarf_enum(p->dw, "SWP_USED", &l->used))) {
			pts_error_destroy(err);
		} else {
			l->have_map = pts_offsetof_opt(p, "struct swap_info_struct", "swap_map", &l->map);
			l->ok = true;
		}
		p->layout_free[PTS_LAYOUT_SWAP] = free;
		__atomic_store_n(&p->layout[PTS_LAYOUT_SWAP], l, __ATOMIC_RELEASE);
	}
	pts_layout_unlock(p);
	return p->layout[PTS_LAYOUT_SWAP];
}

static bool e5_applies(struct pts_program *p, const char **why)
{
	if (swap_layout(p)->ok)
		return true;
	*why = "swap_info layout unknown";
	return false;
}

static void e5_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	(void)v;
	if (e->kind != PTS_EK_SWAP)
		return;
	const struct swap_layout *l = swap_layout(c->p);
	if (!l->ok)
		return;
	uint64_t si = 0, flags = 0, map = 0;
	uint32_t max = 0;
	uint8_t count = 0;
	const char *why = NULL;
	struct pts_error *err = NULL;
	if (e->swap_type >= l->nswap)
		why = "its type is beyond MAX_SWAPFILES";
	else if ((err = pts_read_u64(c->p, l->swap_info + 8 * e->swap_type, &si)))
		goto nodata;
	else if (!si)
		why = "no swap device has this type";
	else if ((err = pts_read_u64(c->p, si + l->flags, &flags)) ||
		 (err = pts_read_u32(c->p, si + l->max, &max)))
		goto nodata;
	else if (!(flags & (uint64_t)l->used))
		why = "its swap device is not in use (SWP_USED clear)";
	else if (e->swap_offset >= max)
		why = "its offset is beyond the device's max";
	else if (l->have_map) {
		if ((err = pts_read_u64(c->p, si + l->map, &map)) ||
		    (map && (err = pts_read(c->p, map + e->swap_offset, &count, 1))))
			goto nodata;
		/* swap_count(): SWAP_HAS_CACHE 0x40 and COUNT_CONTINUED 0x80 aside */
		if (map && !(count & 0x3f))
			why = "its slot's swap_map count is zero";
		else if (map && (count & 0x3f) == 0x3f)
			why = "its slot is marked bad (SWAP_MAP_BAD)";
	}
	if (why)
		finding(c, "entry", t->pfn, true, va, "swap entry %#" PRIx64 " (type %u offset %#" PRIx64
			", entry %u of table %#" PRIx64 "): %s (swap_info %#" PRIx64 " flags %#" PRIx64
			" max %u, swap_map count %#x)", e->raw, e->swap_type, e->swap_offset, idx, t->pfn,
			why, si, flags, max, count);
	return;
nodata:
	pts_notes_add(&c->out->missing, "E5: swap entry at %#" PRIx64 ": %s", va, pts_error_text(err));
	pts_error_destroy(err);
}


/* ---- B3/C1: the shape of hugetlb entries ------------------------------ */

static bool hgm_kernel(struct pts_program *p)
{
	/* HGM (James Houghton's series, never merged) adds struct
	 * hugetlb_pte; stock kernels have none (INVARIANTS C1).
	 * PTSCOPE_TEST_HGM=1 applies the HGM rules anyway: the only way to
	 * exercise C2, since no kernel that can be booted has HGM. */
	const char *force = getenv("PTSCOPE_TEST_HGM");
	if (force && *force == '1')
		return true;
	uint64_t sz;
	struct pts_error *err = pts_dwarf_sizeof(p->dw, "struct hugetlb_pte", &sz);
	pts_error_destroy(err);
	return !err;
}

static bool hgm_applies(struct pts_program *p, const char **why)
{
	if (hgm_kernel(p))
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
		finding(c, "table", g->table_pfn, true, g->va, "%s%s) in table %#" PRIx64 ": a "
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
			finding(c, "table", g->table_pfn, true, g->va, "%s%s) in table %#" PRIx64 ": %s",
				what, pfns, g->table_pfn, why);
	}
	c->cur = saved;
}

static const struct check *check_by_id(const char *id);

static void hgm_flush(struct ctx *c, const struct pts_hgm *g)
{
	const struct check *b3 = check_by_id("B3"), *c2 = check_by_id("C2");
	hgm_range(c, b3 && c->applies[b3 - check_by_id(NULL)] ? b3 : NULL,
		  c2 && c->applies[c2 - check_by_id(NULL)] ? c2 : NULL, g);
	c->h_revisit = false;
}

static void b3_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	if (!v || !(v->flags & PTS_VM_HUGETLB) || !v->huge_size || e->kind == PTS_EK_TABLE)
		return;
	uint64_t size = pts_level_size(c->a, e->level);
	const char *why = NULL;
	char buf[160];
	if (size < v->huge_size) {
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
	if (size > v->huge_size) {
		why = "a leaf larger than the hstate";
	} else if (e->kind == PTS_EK_SWAP || e->kind == PTS_EK_DEVICE_PRIVATE ||
		   e->kind == PTS_EK_DEVICE_EXCLUSIVE || e->kind == PTS_EK_UNKNOWN) {
		why = "an entry kind hugetlb never holds (only leaves, migration, hwpoison, markers)";
	} else if (e->kind == PTS_EK_PRESENT && e->has_pfn) {
		/* the leaf maps the head of a hugetlb folio of that size */
		struct pts_page pg;
		struct pts_error *err = pts_page_read(c->p, e->pfn, &pg);
		if (err) {
			pts_notes_add(&c->out->missing, "B3: struct page of pfn %#" PRIx64 ": %s",
				      e->pfn, pts_error_text(err));
			pts_error_destroy(err);
		} else if (e->pfn & ((v->huge_size >> 12) - 1)) {
			why = "its frame is not aligned to the hstate's size";
		} else if (!pg.head || pg.hugetlb == 0) {
			snprintf(buf, sizeof(buf), "its frame is not the head of a hugetlb folio "
				 "(struct page %#" PRIx64 ": flags %#" PRIx64 "%s)", pg.addr, pg.flags,
				 pg.head ? ", not hugetlb" : ", no PG_head");
			why = buf;
		}
	}
	if (why)
		finding(c, "entry", t->pfn, true, va, "hugetlb VMA %#" PRIx64 "-%#" PRIx64 " (hstate %"
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

/* ---- D4/D5: mapcounts and AnonExclusive ---------------------------- */

static void d4_on_rmap(struct ctx *c, const struct pts_rmap_index *r)
{
	for (size_t i = 0; i < r->pages.n; i++) {
		const struct pts_rmap_page *pg = &r->pages.v[i];
		if (!pg->known)
			continue;
		c->tpid = 0;
		c->tcomm[0] = '\0';
		if (pg->mapcount > pg->refcount)
			finding(c, "page", pg->pfn, false, 0, "pfn %#" PRIx64 ": mapcount %d above its "
				"folio's refcount %d", pg->pfn, pg->mapcount, pg->refcount);
		else if ((int64_t)pg->mappings != pg->mapcount)
			finding(c, "page", pg->pfn, false, 0, "pfn %#" PRIx64 ": the kernel's mapcount is "
				"%d but %u leaf entries over all processes map it", pg->pfn, pg->mapcount,
				pg->mappings);
	}
}

/* The folio of pfn, read once for the checks of one entry; false (and
 * the gap noted under id) when the dump lacks it. */
static bool folio_of(struct ctx *c, uint64_t pfn, const char *id, const struct pts_folio **ret)
{
	if (!c->folio_ok || c->folio_pfn != pfn) {
		struct pts_error *err = pts_folio_read(c->p, pfn, &c->folio);
		c->folio_ok = !err;
		c->folio_pfn = pfn;
		if (err) {
			pts_notes_add(&c->out->missing, "%s: pfn %#" PRIx64 ": %s", id, pfn,
				      pts_error_text(err));
			pts_error_destroy(err);
			return false;
		}
	}
	*ret = &c->folio;
	return true;
}

/* D2: the anon_vma family of each anonymous VMA (mm/rmap.c): one root
 * that is its own root; every avc on the VMA's chain names the VMA, an
 * anon_vma of that family, and sits in that anon_vma's interval tree;
 * the VMA's own anon_vma is among them; each tree is ordered by start
 * offset with its augmented subtree_last right; num_active_vmas counts
 * the VMAs whose anon_vma it is and num_children the live anon_vmas
 * whose parent it is (a root its own), as anon_vma_fork(),
 * anon_vma_clone() and unlink_anon_vmas() keep them. */
/* An anon_vma's interval tree is one for a whole fork family: with
 * thousands of processes forked from one parent, every child's VMAs link
 * the parent's root anon_vma, whose tree holds an avc of every child.
 * Reading it again for each child made D2 quadratic (a 2,000-process
 * dump: 84% of check --all), so what one read of a tree says is kept for
 * the whole check run (struct pts_findings' memo): the avcs in it, the
 * notes the read left (added again for each address space, as before),
 * and the findings about it, given by the one address space they are
 * about ("mine", below). */
struct d2_pending {
	char *text;
};
struct d2_memo_tree {
	uint64_t anon_vma;
	bool failed;		/* the tree could not be read: error_note says why */
	char *error_note;
	struct u64set avcs;
	struct pts_notes notes;		/* notes the read added */
	VEC(char *) findings;		/* as they are given by the address space they are about */
	bool first_mm_ok;
	uint64_t first_mm;	/* the mm of the tree's first VMA */
};
struct d2_memo {
	struct u64map index;	/* anon_vma -> position in v */
	VEC(struct d2_memo_tree *) v;
};

static void d2_memo_free(void *arg)
{
	struct d2_memo *m = arg;
	for (size_t i = 0; i < m->v.n; i++) {
		struct d2_memo_tree *t = m->v.v[i];
		free(t->error_note);
		u64set_free(&t->avcs);
		pts_notes_free(&t->notes);
		for (size_t k = 0; k < t->findings.n; k++)
			free(t->findings.v[k]);
		free(t->findings.v);
		free(t);
	}
	free(m->v.v);
	u64map_free(&m->index);
	free(m);
}

static void d2_pend(struct d2_memo_tree *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void d2_pend(struct d2_memo_tree *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	VEC_PUSH(&t->findings, s);
}

/* Read av's tree and say what is wrong with it, for every address space
 * that will ask. */
static struct d2_memo_tree *d2_read_tree(struct ctx *c, uint64_t av)
{
	struct d2_memo_tree *t = xcalloc(1, sizeof(*t));
	t->anon_vma = av;
	struct pts_notes *notes = &t->notes;
	struct pts_anon_tree tr;
	struct pts_error *err = pts_anon_tree_read(c->p, av, &tr, notes);
	if (err) {
		t->failed = true;
		t->error_note = xasprintf("D2: %s", pts_error_text(err));
		pts_error_destroy(err);
		return t;
	}
	if (tr.nodes.n)
		t->first_mm_ok = pts_try_u64(c->p, tr.nodes.v[0].vma + c->d2_vma_mm, &t->first_mm);
	if (tr.loop)
		d2_pend(t, "anon_vma %#" PRIx64 "'s interval tree: %s", av, tr.loop);
	uint64_t prev = 0, active = 0;
	struct u64set children = { 0 };
	bool whole = !tr.partial && !tr.loop;
	for (size_t i = 0; i < tr.nodes.n; i++) {
		const struct pts_anon_node *n = &tr.nodes.v[i];
		u64set_add(&t->avcs, n->avc);
		if (n->anon_vma != av)
			d2_pend(t, "avc %#" PRIx64 " in anon_vma %#" PRIx64
				"'s interval tree links anon_vma %#" PRIx64, n->avc, av, n->anon_vma);
		if (i && n->start < prev)
			d2_pend(t, "anon_vma %#" PRIx64 "'s interval tree is "
				"out of order: avc %#" PRIx64 " (VMA %#" PRIx64 ", pgoff %#" PRIx64 ") "
				"after pgoff %#" PRIx64, av, n->avc, n->vma, n->start, prev);
		prev = n->start;
		if (n->subtree_last != n->want_subtree_last)
			d2_pend(t, "avc %#" PRIx64 " in anon_vma %#" PRIx64
				"'s interval tree keeps subtree_last %#" PRIx64 " but its subtree ends "
				"at %#" PRIx64, n->avc, av, n->subtree_last, n->want_subtree_last);
		/* whose anon_vma is this, and which anon_vmas has it below av */
		uint64_t own;
		if (!pts_try_u64(c->p, n->vma + c->d2_vma_av, &own)) {
			whole = false;
			continue;
		}
		active += own == av;
		struct pts_avc *chain = NULL;
		size_t nc = 0;
		err = pts_vma_avcs(c->p, n->vma, &chain, &nc, notes);
		if (err) {
			pts_error_destroy(err);
			whole = false;
			continue;
		}
		for (size_t k = 0; k < nc; k++) {
			struct pts_anon_vma y;
			if (chain[k].anon_vma == av || u64set_has(&children, chain[k].anon_vma))
				continue;
			if ((err = pts_anon_vma_read(c->p, chain[k].anon_vma, &y))) {
				pts_error_destroy(err);
				whole = false;
			} else if (y.parent == av) {
				u64set_add(&children, y.addr);
			}
		}
		free(chain);
	}
	struct pts_anon_vma x;
	err = pts_anon_vma_read(c->p, av, &x);
	if (err) {
		pts_notes_add(notes, "D2: %s", pts_error_text(err));
		pts_error_destroy(err);
	} else if (x.has_counts && whole) {
		uint64_t kids = children.n + (x.parent == av);
		if (x.num_active_vmas != active)
			d2_pend(t, "anon_vma %#" PRIx64 " has num_active_vmas "
				"%" PRIu64 " but %" PRIu64 " VMAs in its tree have it as their anon_vma",
				av, x.num_active_vmas, active);
		if (x.num_children != kids)
			d2_pend(t, "anon_vma %#" PRIx64 " has num_children "
				"%" PRIu64 " but %" PRIu64 " live anon_vmas have it as parent%s", av,
				x.num_children, kids, x.parent == av ? " (itself included)" : "");
	}
	u64set_free(&children);
	pts_anon_tree_free(&tr);
	return t;
}

struct d2_tree {
	uint64_t anon_vma;
	const struct u64set *avcs;
};
struct d2_trees { struct d2_tree *v; size_t n, cap; };

static struct d2_tree *d2_tree(struct ctx *c, struct d2_trees *trees, uint64_t av)
{
	for (size_t i = 0; i < trees->n; i++)
		if (trees->v[i].anon_vma == av)
			return &trees->v[i];
	if (!c->out->memo) {
		c->out->memo = xcalloc(1, sizeof(struct d2_memo));
		c->out->memo_free = d2_memo_free;
	}
	struct d2_memo *m = c->out->memo;
	size_t pos;
	struct d2_memo_tree *mt;
	if (u64map_get(&m->index, av, &pos)) {
		mt = m->v.v[pos];
	} else {
		mt = d2_read_tree(c, av);
		u64map_put(&m->index, av, m->v.n);
		VEC_PUSH(&m->v, mt);
	}
	for (size_t i = 0; i < mt->notes.n; i++)
		pts_notes_add(&c->out->missing, "%s", mt->notes.v[i]);
	if (mt->failed) {
		/* as when each lookup read it again: the note every time */
		pts_notes_add(&c->out->missing, "%s", mt->error_note);
		return NULL;
	}
	struct d2_tree t = { .anon_vma = av, .avcs = &mt->avcs };
	VEC_PUSH(trees, t);
	/* The tree is one for the whole family: say what is wrong with it
	 * from one mm, the one whose VMA has it as its own anon_vma (or,
	 * when none has, whose VMA comes first in it). */
	bool mine = false;
	for (size_t i = 0; i < c->mm.nvmas && !mine; i++)
		mine = c->mm.vmas[i].anon_vma == av;
	if (!mine && mt->first_mm_ok)
		mine = mt->first_mm == c->mm.addr;
	for (size_t i = 0; mine && i < mt->findings.n; i++)
		finding(c, "anon_vma", av, false, 0, "%s", mt->findings.v[i]);
	return &trees->v[trees->n - 1];
}

static void d2_on_mm(struct ctx *c)
{
	if (!c->d2_vma_av && (!pts_offsetof_opt(c->p, "struct vm_area_struct", "anon_vma", &c->d2_vma_av) ||
			      !pts_offsetof_opt(c->p, "struct vm_area_struct", "vm_mm", &c->d2_vma_mm)))
		return;
	struct d2_trees trees = { 0 };
	for (size_t i = 0; i < c->mm.nvmas; i++) {
		const struct pts_vma *v = &c->mm.vmas[i];
		if (!v->anon_vma || v->gate)
			continue;
		struct pts_anon_vma a, r;
		struct pts_error *err = pts_anon_vma_read(c->p, v->anon_vma, &a);
		if (!err)
			err = pts_anon_vma_read(c->p, a.root, &r);
		if (err) {
			pts_notes_add(&c->out->missing, "D2: VMA %#" PRIx64 ": %s", v->addr,
				      pts_error_text(err));
			pts_error_destroy(err);
			continue;
		}
		if (r.root != r.addr)
			finding(c, "vma", v->addr, true, v->start, "VMA %#" PRIx64 "-%#" PRIx64 "'s "
				"anon_vma %#" PRIx64 " has root %#" PRIx64 ", whose root is %#" PRIx64
				" (a root is its own)", v->start, v->end, a.addr, a.root, r.root);
		struct pts_avc *chain = NULL;
		size_t n = 0;
		if ((err = pts_vma_avcs(c->p, v->addr, &chain, &n, &c->out->missing))) {
			finding(c, "vma", v->addr, true, v->start, "VMA %#" PRIx64 "-%#" PRIx64 ": %s",
				v->start, v->end, pts_error_text(err));
			pts_error_destroy(err);
			continue;
		}
		bool linked = false;
		for (size_t k = 0; k < n; k++) {
			const struct pts_avc *x = &chain[k];
			linked |= x->anon_vma == v->anon_vma;
			struct pts_anon_vma y;
			if (x->vma != v->addr)
				finding(c, "vma", v->addr, true, v->start, "avc %#" PRIx64 " on VMA %#"
					PRIx64 "-%#" PRIx64 "'s chain names VMA %#" PRIx64, x->addr,
					v->start, v->end, x->vma);
			if ((err = pts_anon_vma_read(c->p, x->anon_vma, &y))) {
				pts_notes_add(&c->out->missing, "D2: %s", pts_error_text(err));
				pts_error_destroy(err);
				continue;
			}
			if (y.root != a.root)
				finding(c, "vma", v->addr, true, v->start, "avc %#" PRIx64 " on VMA %#"
					PRIx64 "-%#" PRIx64 "'s chain links anon_vma %#" PRIx64 " of root %#"
					PRIx64 ", not the VMA's root %#" PRIx64, x->addr, v->start, v->end,
					y.addr, y.root, a.root);
			struct d2_tree *t = d2_tree(c, &trees, x->anon_vma);
			if (t && !u64set_has(t->avcs, x->addr))
				finding(c, "vma", v->addr, true, v->start, "avc %#" PRIx64 " of VMA %#"
					PRIx64 "-%#" PRIx64 " is not in anon_vma %#" PRIx64 "'s interval "
					"tree: an rmap walk from there misses the VMA", x->addr, v->start,
					v->end, x->anon_vma);
		}
		free(chain);
		if (!linked)
			finding(c, "vma", v->addr, true, v->start, "VMA %#" PRIx64 "-%#" PRIx64 "'s "
				"anon_vma %#" PRIx64 " is linked by no avc on its chain", v->start, v->end,
				v->anon_vma);
	}
	free(trees.v);
}

/* D3: a hugetlb folio's counters (mm/rmap.c hugetlb_add_file_rmap(),
 * hugetlb_remove_rmap(); folio_mapcount()): hugetlb maps a folio whole,
 * so its mapcount is the entire one (compound_mapcount to v6.1), which
 * _large_mapcount mirrors (v6.10+) and _nr_pages_mapped never counts
 * (v6.2+); no page of it keeps a mapcount of its own (_mapcount -1);
 * and its refcount covers the mappings, the page cache's reference and
 * the pins. */
#define D3_CHUNK 1024	/* struct pages read at once */

static void d3_tails(struct ctx *c, const struct pts_folio *f, uint64_t t_pfn, uint64_t va)
{
	struct pts_program *p = c->p;
	uint64_t psize, fsize = 0, moff, head;
	if (pts_dwarf_sizeof(p->dw, "struct page", &psize) || psize == 0 || psize > 256 ||
	    pts_offsetof(p, "struct page", "_mapcount", &moff) || pts_page_addr(p, f->head_pfn, &head))
		return;	/* the same lookups serve every read of pages: said there */
	/* struct folio overlays its first pages' words (and, from v6.9, the
	 * head's _mapcount holds the hugetlb page type): those pages skipped */
	struct pts_error *err = pts_dwarf_sizeof(p->dw, "struct folio", &fsize);
	pts_error_destroy(err);
	uint64_t first = fsize ? (fsize + psize - 1) / psize : 1, n = 1ULL << f->order;
	uint8_t *buf = xmalloc(D3_CHUNK * psize);
	unsigned bad = 0;
	uint64_t first_bad = 0;
	int32_t bad_val = 0;
	for (uint64_t i = first; i < n; i += D3_CHUNK) {
		uint64_t k = n - i < D3_CHUNK ? n - i : D3_CHUNK;
		if ((err = pts_read(p, head + i * psize, buf, k * psize))) {
			pts_notes_add(&c->out->missing, "D3: struct pages of folio %#" PRIx64 ": %s",
				      f->head_pfn, pts_error_text(err));
			pts_error_destroy(err);
			break;
		}
		for (uint64_t j = 0; j < k; j++) {
			int32_t m;
			memcpy(&m, buf + j * psize + moff, sizeof(m));
			if (m != -1 && !bad++) {
				first_bad = f->head_pfn + i + j;
				bad_val = m;
			}
		}
	}
	free(buf);
	if (bad)
		finding(c, "page", first_bad, true, va, "hugetlb folio %#" PRIx64 " (order %u): %u of "
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
	if (!folio_of(c, e->pfn, "D3", &f) || !u64set_add(&c->d3_seen, f->head_pfn + 1))
		return;
	uint64_t fp = f->head_pfn;
	if (!f->hugetlb) {
		finding(c, "entry", t->pfn, true, va, "hugetlb VMA %#" PRIx64 "-%#" PRIx64 " maps pfn %#"
			PRIx64 ", which is not a hugetlb folio", v->start, v->end, e->pfn);
		return;
	}
	if (f->has_entire && f->entire_mapcount < 1)
		finding(c, "page", fp, true, va, "hugetlb folio %#" PRIx64 " is mapped here but its "
			"entire mapcount is %d", fp, f->entire_mapcount);
	if (f->has_large && f->has_entire && f->large_mapcount != f->entire_mapcount)
		finding(c, "page", fp, true, va, "hugetlb folio %#" PRIx64 ": _large_mapcount %d but "
			"_entire_mapcount %d (hugetlb changes both together)", fp, f->large_mapcount,
			f->entire_mapcount);
	if (f->has_nr_mapped && f->nr_pages_mapped != 0)
		finding(c, "page", fp, true, va, "hugetlb folio %#" PRIx64 ": _nr_pages_mapped %d "
			"(hugetlb never maps pages of a folio one by one)", fp, f->nr_pages_mapped);
	/* the page cache holds one reference or more (nr_pages from v6.6);
	 * each pin one more plus the pincount */
	int64_t cache = !f->anon && f->mapping ? 1 : 0, pins = f->has_pincount ? f->pincount : 0;
	int64_t need = (f->has_entire ? f->entire_mapcount : 0) + cache + (pins > 0 ? pins : 0);
	if (f->head.refcount < need)
		finding(c, "page", fp, true, va, "hugetlb folio %#" PRIx64 ": refcount %d below its "
			"%d mappings + %" PRId64 " page cache + %" PRId64 " pins", fp, f->head.refcount,
			f->has_entire ? f->entire_mapcount : 0, cache, pins > 0 ? pins : 0);
	d3_tails(c, f, t->pfn, va);
}

/* D1: an anonymous page's rmap reaches this mapping: its anon_vma has
 * the VMA's anon_vma root, and its offset is the VMA's for the address
 * (__page_check_anon_rmap()). */
static void d1_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	(void)idx;
	if (e->kind != PTS_EK_PRESENT || !e->has_pfn || !v || !v->anon_vma ||
	    (e->flags & (1u << PTS_F_SPECIAL)) || (v->flags & PTS_VM_HUGETLB))
		return;
	if (!c->have_av_root)
		c->have_av_root = pts_offsetof_opt(c->p, "struct anon_vma", "root", &c->av_root);
	const struct pts_folio *f;
	if (!folio_of(c, e->pfn, "D1", &f) || !f->anon || f->ksm)
		return;
	uint64_t froot = 0, vroot = 0;
	uint64_t av = f->mapping & ~3ULL;
	if (!c->have_av_root || !pts_try_u64(c->p, av + c->av_root, &froot) ||
	    !pts_try_u64(c->p, v->anon_vma + c->av_root, &vroot))
		return;
	uint64_t want = v->pgoff + ((va - v->start) >> 12), got = f->index + (e->pfn - f->head_pfn);
	if (froot != vroot)
		finding(c, "entry", t->pfn, true, va, "pfn %#" PRIx64 " has anon_vma %#" PRIx64
			" (root %#" PRIx64 ") but VMA %#" PRIx64 "-%#" PRIx64 " has anon_vma %#" PRIx64
			" (root %#" PRIx64 "): the rmap walk cannot reach this mapping", e->pfn, av,
			froot, v->start, v->end, v->anon_vma, vroot);
	else if (want != got)
		finding(c, "entry", t->pfn, true, va, "pfn %#" PRIx64 " has offset %#" PRIx64 " but "
			"at %#" PRIx64 " VMA %#" PRIx64 "-%#" PRIx64 " (pgoff %#" PRIx64 ") expects %#"
			PRIx64 ": the rmap walk looks elsewhere", e->pfn, got, va, v->start, v->end,
			v->pgoff, want);
}

static bool d5_applies(struct pts_program *p, const char **why)
{
	int64_t v;
	struct pts_error *err = pts_dwarf_enum(p->dw, "PG_anon_exclusive", &v);
	pts_error_destroy(err);
	if (err)
		*why = "no PG_anon_exclusive in this kernel (v5.19)";
	return !err;
}

static void d5_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	(void)idx;
	if (e->kind != PTS_EK_PRESENT || !(e->flags & (1u << PTS_F_RW)) || !v ||
	    (v->flags & PTS_VM_MAYSHARE) || !v->anon_vma || (e->flags & (1u << PTS_F_SPECIAL)))
		return;
	const struct pts_folio *f;
	if (!folio_of(c, e->pfn, "D5", &f))
		return;
	if (f->anon && !f->ksm && !f->anon_exclusive)
		finding(c, "entry", t->pfn, true, va, "writable %s entry %#" PRIx64 " maps anonymous "
			"pfn %#" PRIx64 " (folio %#" PRIx64 ") without PG_anon_exclusive",
			pts_level_name(e->level), e->raw, e->pfn, f->head_pfn);
}

/* E2: a migration entry names a locked folio: the kernel locks a folio
 * before it replaces its mappings with migration entries and unlocks it
 * only after remove_migration_ptes() (pfn_swap_entry_to_page()'s BUG_ON,
 * include/linux/swapops.h); a read-exclusive one names an anonymous folio.
 * A dump is frozen, so the live-system race (the entry read before the
 * unlock, the folio after) does not arise. */
static void e2_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	(void)idx;
	(void)v;
	if (e->kind != PTS_EK_MIGRATION || !e->has_pfn || e->pfn >= c->max_pfn)
		return;
	const struct pts_folio *f;
	if (!folio_of(c, e->pfn, "E2", &f))
		return;
	if (!f->locked)
		finding(c, "entry", t->pfn, true, va, "%s migration entry %#" PRIx64 " names pfn %#"
			PRIx64 " (folio %#" PRIx64 "), which is not locked", pts_level_name(e->level),
			e->raw, e->pfn, f->head_pfn);
	else if ((e->flags & (1u << PTS_F_READ_EXCLUSIVE)) && !f->anon)
		finding(c, "entry", t->pfn, true, va, "read-exclusive migration entry %#" PRIx64
			" names pfn %#" PRIx64 ", which is not anonymous (mapping %#" PRIx64 ")", e->raw,
			e->pfn, f->mapping);
}

/* E3: device-exclusive entries (mm/rmap.c make_device_exclusive_range()
 * to v6.14, make_device_exclusive() from v6.15): made from a PTE (never
 * a PMD: FOLL_SPLIT_PMD) of an anonymous page in a COW mapping, never
 * hugetlb; copy_nonpresent_pte() BUGs on one outside a COW mapping.
 * From v6.15 (one type) only from a writable exclusive PTE, so the page
 * is AnonExclusive. */
static bool e3_applies(struct pts_program *p, const char **why)
{
	const struct pts_arch *a;
	struct pts_error *err = pts_arch_get(p, &a);
	if (err) {
		pts_error_destroy(err);
		*why = "the arch layout is unknown";
		return false;
	}
	if (a->t_devx_write < 0)
		*why = "no device-exclusive swap type in this kernel (before v5.14, or "
		       "CONFIG_DEVICE_PRIVATE off)";
	return a->t_devx_write >= 0;
}

static void e3_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	(void)idx;
	if (e->kind != PTS_EK_DEVICE_EXCLUSIVE || !v)
		return;
	/* is_cow_mapping(): VM_MAYWRITE without VM_SHARED */
	bool cow = (v->flags & (PTS_VM_SHARED | 0x20ULL)) == 0x20ULL;
	bool single = c->a->t_devx_read == c->a->t_devx_write;
	const char *why = NULL;
	const struct pts_folio *f = NULL;
	if (e->level != PTS_PTE)
		why = "above PTE level";
	else if (v->flags & PTS_VM_HUGETLB)
		why = "in a hugetlb VMA";
	else if (!cow)
		why = "in a VMA that is not a private writable (COW) mapping";
	else if (e->pfn < c->max_pfn && folio_of(c, e->pfn, "E3", &f)) {
		if (!f->anon || f->ksm)
			why = "naming a page that is not anonymous";
		else if (single && !f->anon_exclusive)
			why = "naming a page without PG_anon_exclusive (from v6.15 only exclusive "
			      "pages are made device-exclusive)";
	}
	if (why)
		finding(c, "entry", t->pfn, true, va, "device-exclusive entry %#" PRIx64 " (pfn %#"
			PRIx64 ") %s, in VMA %#" PRIx64 "-%#" PRIx64, e->raw, e->pfn, why, v->start,
			v->end);
}

/* ---- F2/F3: deadlocks and lock order ------------------------------- */

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
		finding(c, "task", b0->task, false, 0, "a cycle of %zu tasks waiting for each other%s: "
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
		finding(c, "task", b->task, false, 0, "pid %d (%s) waits to %s %s %#" PRIx64 " (%s) "
			"while holding %s %#" PRIx64 " (%s): %s", b->pid, b->comm,
			b->write ? "write" : "read", pts_lock_class_name(w->cls), w->st.addr, w->what,
			pts_lock_class_name(h->cls), h->st.addr, h->what, o->rule);
	}
}

/* ---- B1/B2: the hugetlb vma_lock ------------------------------------ */

static void b1_on_dump(struct ctx *c, const struct pts_hugetlb *h)
{
	for (size_t i = 0; i < h->vmas.n; i++) {
		const struct pts_hvma *hv = &h->vmas.v[i];
		if (!hv->have_lock)
			continue;
		c->tpid = hv->pid;
		memcpy(c->tcomm, hv->comm, sizeof(c->tcomm));
		if (hv->lock_vma != hv->v.addr && hv->lock_vma)
			finding(c, "vma", hv->v.addr, true, hv->v.start, "VMA %#" PRIx64 " (%#" PRIx64
				"-%#" PRIx64 ") has hugetlb_vma_lock %#" PRIx64 " whose vma is %#" PRIx64,
				hv->v.addr, hv->v.start, hv->v.end, hv->lock, hv->lock_vma);
		for (size_t k = 0; k < i; k++)
			if (h->vmas.v[k].have_lock && h->vmas.v[k].lock == hv->lock)
				finding(c, "vma", hv->v.addr, true, hv->v.start, "VMAs %#" PRIx64 " and %#"
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
		finding(c, "vma", hv->v.addr, true, hv->v.start, "live VMA %#" PRIx64 " (%#" PRIx64
			"-%#" PRIx64 ") points at hugetlb_vma_lock %#" PRIx64 " whose vma is NULL (refs %d):"
			" the lock was released", hv->v.addr, hv->v.start, hv->v.end, hv->lock,
			hv->lock_refs);
	}
}

/* ---- B4/B5: PMD sharing --------------------------------------------- */

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
		uint64_t idx0 = s0->pgoff + ((s0->va - s0->vm_start) >> 12);
		for (size_t k = 0; k < t->sharers.n; k++) {
			const struct pts_hsharer *x = &t->sharers.v[k];
			uint64_t idx = x->pgoff + ((x->va - x->vm_start) >> 12);
			const char *why = !(x->vm_flags & PTS_VM_MAYSHARE) ? "is not VM_MAYSHARE"
				: !x->covers ? "does not cover the whole PUD range"
				: (x->vm_flags & PTS_VM_UFFD_WP) ? "is registered for uffd-wp"
				: idx != idx0 ? "maps another file index there"
				: (x->vm_flags & ~locked_mask) != (s0->vm_flags & ~locked_mask) ?
				  "has other vm_flags" : NULL;
			if (why) {
				sharing_blame(c, t);
				finding(c, "table", t->pfn, true, x->va, "pmd table pfn %#" PRIx64 " shared by %zu"
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
		finding(c, "table", t->pfn, true, t->sharers.v[0].va, "pmd table pfn %#" PRIx64
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
		finding(c, "table", t->pfn, true, t->sharers.v[0].va, "shared pmd table pfn %#" PRIx64
			" of address_space %#" PRIx64 " maps %u of its %u leaves to folios of another "
			"mapping (first: pfn %#" PRIx64 ", mapping %#" PRIx64 ")", t->pfn, t->mapping,
			t->foreign, t->leaves, t->foreign_pfn, t->foreign_mapping);
	}
}

static bool lock_applies(struct pts_program *p, const char **why)
{
	if (pts_dwarf_has_member(p->dw, "struct hugetlb_vma_lock", "vma"))
		return true;
	*why = "no struct hugetlb_vma_lock (before v6.1)";
	return false;
}

/* D4 sums every process's leaf entries against each page's mapcount:
 * live, processes start and exit (each exec maps the shared libraries
 * again) while the walk goes through them, so the two sides are never
 * read at one instant.  A dump only. */
static bool frozen_applies(struct pts_program *p, const char **why)
{
	if (!pts_dump_info(p->dump)->live)
		return true;
	*why = "live: the mapcounts and every process's mappings cannot be read at one instant "
	       "(a dump only)";
	return false;
}

static bool maple_applies(struct pts_program *p, const char **why)
{
	(void)p;
	(void)why;
	return true;
}

static const struct check checks[] = {
	{ { "MT", "VMA tree consistency",
	    "VMAs in mm->mm_mt cover [vm_start, vm_end-1], ordered and non-overlapping; their "
	    "count is map_count; each vma->vm_mm is the mm; nodes are well formed (v5.10: the "
	    "vm_next list, ordered)",
	    "mm/mmap.c validate_mm() (v6.1), mm/vma.c validate_mm() (v6.12+); lib/maple_tree.c",
	    "all (maple tree from v6.1)", PTS_SEV_ERROR },
	  maple_applies, mt_on_mm, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ { "PT-STRUCT", "page-table structure",
	    "a table entry points to a page table of the next level, inside memory; non-present "
	    "entries appear only where the level can hold them",
	    "arch/x86/include/asm/pgtable.h (p?d_bad, p?d_present)", "all", PTS_SEV_ERROR },
	  NULL, NULL, NULL, NULL, NULL, struct_on_done, NULL, NULL, NULL },
	{ { "A1", "page-table page identity",
	    "every page a non-leaf PMD or PUD entry points to is a live page table (PageTable, "
	    "refcount > 0)",
	    "include/linux/mm.h pagetable_pte_ctor/pagetable_pmd_ctor (pgtable_pte_page_ctor "
	    "before v6.6)", "all", PTS_SEV_ERROR },
	  NULL, NULL, a1_on_table, NULL, NULL, NULL, NULL, NULL, NULL },
	{ { "LEAF", "misaligned huge leaf",
	    "a PMD or PUD leaf maps a naturally aligned frame: the address bits below its size "
	    "(above PAT) are zero",
	    "arch/x86/include/asm/pgtable_types.h PHYSICAL_PMD_PAGE_MASK", "all", PTS_SEV_ERROR },
	  NULL, NULL, NULL, leaf_on_entry, NULL, NULL, NULL, NULL, NULL },
	{ { "PFN", "frame beyond memory",
	    "a leaf or pfn swap entry refers to RAM below max_pfn, except special entries and "
	    "VM_PFNMAP/VM_IO/VM_MIXEDMAP VMAs", "mm/memory.c vm_normal_page()", "all",
	    PTS_SEV_ERROR },
	  NULL, NULL, NULL, pfn_on_entry, NULL, NULL, NULL, NULL, NULL },
	{ { "VMA", "entry outside every VMA",
	    "page tables map only addresses inside a VMA: unmapping zaps the range "
	    "(unmap_region, free_pgtables)", "mm/mmap.c unmap_region(), mm/memory.c "
	    "unmap_page_range()", "all", PTS_SEV_ERROR },
	  NULL, NULL, NULL, vma_on_entry, NULL, NULL, NULL, NULL, NULL },
	{ { "KIND", "entry kind impossible in its VMA",
	    "swap entries only in private non-hugetlb VMAs at PTE level (E5); PTE markers hold known "
	    "bits, uffd-wp ones only in VM_UFFD_WP VMAs and anonymous ones from v6.4 (E4); "
	    "non-present PMDs outside hugetlb are THP migration entries (E2)",
	    "include/linux/swapops.h; mm/memory.c copy_nonpresent_pte(), handle_pte_marker(); "
	    "mm/migrate_device.c (device-private, v6.1+)", "all", PTS_SEV_ERROR },
	  NULL, NULL, NULL, kind_on_entry, NULL, NULL, NULL, NULL, NULL },
	{ { "E5", "swap entry without a used slot",
	    "a swap entry's type names a swap device in use (SWP_USED) and its offset a slot "
	    "below max whose swap_map count is not zero",
	    "mm/swapfile.c swp_swap_info(), __swap_entry_free(); include/linux/swap.h",
	    "all (swap_map counts where the kernel has swap_map)", PTS_SEV_ERROR },
	  e5_applies, NULL, NULL, e5_on_entry, NULL, NULL, NULL, NULL, NULL },
	{ { "E2", "migration entry to an unlocked folio",
	    "a migration entry names a folio that is locked for the whole migration, and a "
	    "read-exclusive one an anonymous folio",
	    "include/linux/swapops.h pfn_swap_entry_to_page() (BUG_ON(!PageLocked)); "
	    "mm/migrate.c migrate_folio_unmap(), remove_migration_ptes()", "all", PTS_SEV_ERROR },
	  NULL, NULL, NULL, e2_on_entry, NULL, NULL, NULL, NULL, NULL },
	{ { "E3", "device-exclusive entry where none can be",
	    "a device-exclusive entry is a PTE (never a PMD), outside hugetlb, in a COW (private "
	    "writable) mapping, naming an anonymous page; from v6.15 an AnonExclusive one",
	    "mm/rmap.c make_device_exclusive_range() (v5.14-v6.14), make_device_exclusive() "
	    "(v6.15+); mm/memory.c copy_nonpresent_pte(); INVARIANTS E3",
	    "v5.14+ with CONFIG_DEVICE_PRIVATE", PTS_SEV_ERROR },
	  e3_applies, NULL, NULL, e3_on_entry, NULL, NULL, NULL, NULL, NULL },
	{ { "B3", "shape of hugetlb entries",
	    "hugetlb page tables stop at the hstate's level: a leaf of exactly that size, none, a "
	    "migration or hwpoison entry or a marker; never swap or device entries; mapping below "
	    "the hstate needs HGM, which no stock kernel has (C1)",
	    "mm/hugetlb.c huge_pte_alloc(), hugetlb_fault(); INVARIANTS B3, C1", "all",
	    PTS_SEV_ERROR },
	  NULL, NULL, NULL, b3_on_entry, NULL, b3_on_done, NULL, NULL, NULL },
	{ { "C2", "high-granularity hugetlb mapping",
	    "on a kernel with HGM, the pieces of an hstate-sized range mapped below the hstate "
	    "come from one hugetlb folio, each at its own offset, in tables no other range shares",
	    "HGM series (hugetlb_hgm_walk, never merged); INVARIANTS C2", "kernels with HGM "
	    "(struct hugetlb_pte)", PTS_SEV_ERROR },
	  /* B3's hooks sum the ranges and say them as B3 or C2 */
	  hgm_applies, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ { "B1", "hugetlb vma_lock back-pointer",
	    "a shared hugetlb VMA's vm_private_data is NULL or a hugetlb_vma_lock whose vma is "
	    "that VMA, and no two VMAs share one lock",
	    "mm/hugetlb.c hugetlb_vma_lock_alloc(), hugetlb_vm_op_open()", "v6.1+",
	    PTS_SEV_ERROR },
	  lock_applies, NULL, NULL, NULL, NULL, NULL, b1_on_dump, NULL, NULL },
	{ { "B2", "hugetlb vma_lock that outlived its VMA",
	    "a live VMA never points at a hugetlb_vma_lock whose vma is NULL "
	    "(__hugetlb_vma_unlock_write_put clears both)",
	    "mm/hugetlb.c __hugetlb_vma_unlock_write_put(); fs/hugetlbfs/inode.c "
	    "hugetlb_unmap_file_folio()", "v6.1+", PTS_SEV_ERROR },
	  lock_applies, NULL, NULL, NULL, NULL, NULL, b2_on_dump, NULL, NULL },
	{ { "B4", "PMD sharing eligibility",
	    "every sharer of a PMD table is VM_MAYSHARE, covers the whole PUD range, is not "
	    "uffd-wp, maps the same file index there and has the same flags but VM_LOCKED",
	    "mm/hugetlb.c want_pmd_share(), page_table_shareable()", "all", PTS_SEV_ERROR },
	  NULL, NULL, NULL, NULL, NULL, NULL, b4_on_dump, NULL, NULL },
	{ { "B5", "PMD share count",
	    "the PUD entries that reference a shared PMD table, found through the file's i_mmap "
	    "in every mm, number pt_share_count + 1 (v6.13 59d9094df3d7 and backports) or the "
	    "table page's refcount (before)",
	    "mm/hugetlb.c huge_pmd_share(), huge_pmd_unshare()", "all", PTS_SEV_ERROR },
	  NULL, NULL, NULL, NULL, NULL, NULL, b5_on_dump, NULL, NULL },
	{ { "B7", "what a shared PMD table maps",
	    "a shared PMD table maps only hugetlb folios of the file whose sharers share it "
	    "(folio->mapping is that address_space)",
	    "mm/hugetlb.c huge_pmd_share(); INVARIANTS B7", "all", PTS_SEV_ERROR },
	  NULL, NULL, NULL, NULL, NULL, NULL, b7_on_dump, NULL, NULL },
	{ { "A3", "THP deposited tables",
	    "each anonymous THP (or huge zero) PMD leaf has exactly one PTE table deposited on its "
	    "PMD table's pmd_huge_pte list",
	    "mm/pgtable-generic.c pgtable_trans_huge_deposit()", "split PMD locks (x86-64)",
	    PTS_SEV_ERROR },
	  a3_applies, NULL, a3_on_table, NULL, a3_on_table_end, NULL, NULL, NULL, NULL },
	{ { "A4", "page-table byte count",
	    "mm->pgtables_bytes equals the page size times the PTE, PMD and PUD tables reachable "
	    "from the mm, plus deposited PTE tables",
	    "kernel/fork.c check_mm(); include/linux/mm.h mm_inc_nr_ptes()", "v4.17+",
	    PTS_SEV_WARNING },
	  a4_applies, NULL, NULL, NULL, NULL, a4_on_done, NULL, NULL, NULL },
	{ { "F2", "deadlock",
	    "no cycle of tasks each waiting for a lock another one holds (the wait-for graph of "
	    "rwsem and mutex wait lists, task->blocker, and the holders: owner words exactly, "
	    "readers by hint or stack)", "kernel/locking/rwsem.c, mutex.c; INVARIANTS F2", "all",
	    PTS_SEV_ERROR },
	  graph_applies, NULL, NULL, NULL, NULL, NULL, NULL, f2_on_locks, NULL },
	{ { "F3", "lock order",
	    "no task waits for a lock that the mm lock order puts before one it holds: mmap_lock, "
	    "hugetlb_fault_mutex, hugetlb vma_lock, i_mmap_rwsem, anon_vma->rwsem, page table "
	    "locks; i_mmap_rwsem then a hugetlb vma_lock only by trylock",
	    "mm/rmap.c (header), mm/hugetlb.c hugetlb_unmap_file_folio(); INVARIANTS F3", "all",
	    PTS_SEV_ERROR },
	  graph_applies, NULL, NULL, NULL, NULL, NULL, NULL, f3_on_locks, NULL },
	{ { "D4", "mapcount against the mappings",
	    "each mapped page's mapcount (its PTE mappings plus its folio's entire ones) equals "
	    "the leaf entries over all processes that map it, a shared hugetlb PMD table once, "
	    "migration entries not, device-exclusive ones from v6.15 only; never above the "
	    "folio's refcount",
	    "mm/rmap.c folio_add_*_rmap*, fs/proc/page.c kpagecount; INVARIANTS D4",
	    "all (check --all)", PTS_SEV_ERROR },
	  frozen_applies, NULL, NULL, NULL, NULL, NULL, NULL, NULL, d4_on_rmap },
	{ { "D1", "anonymous rmap reaches the mapping",
	    "a present entry mapping an anonymous (non-KSM) page: the page's anon_vma has the "
	    "VMA's anon_vma root, and its offset is linear_page_index() of the VMA and address",
	    "mm/rmap.c __page_check_anon_rmap(); INVARIANTS D1", "all", PTS_SEV_ERROR },
	  NULL, NULL, NULL, d1_on_entry, NULL, NULL, NULL, NULL, NULL },
	{ { "D5", "writable anonymous page not exclusive",
	    "a writable PTE or PMD in a private mapping that maps an anonymous page has that "
	    "page's PG_anon_exclusive set (the head's for hugetlb)",
	    "mm/memory.c do_swap_page(), wp_page_reuse(); INVARIANTS D5", "v5.19+", PTS_SEV_ERROR },
	  d5_applies, NULL, NULL, d5_on_entry, NULL, NULL, NULL, NULL, NULL },
	{ { "D2", "anon_vma tree",
	    "each anonymous VMA's anon_vma has a root that is its own root; every avc on the VMA's "
	    "chain names the VMA and an anon_vma of the same root, and sits in that anon_vma's "
	    "interval tree; the VMA's anon_vma is linked; each tree is in pgoff order with right "
	    "subtree_last; num_active_vmas and num_children match the VMAs and anon_vmas that "
	    "point at it",
	    "mm/rmap.c anon_vma_fork(), anon_vma_clone(), unlink_anon_vmas(); "
	    "mm/interval_tree.c; INVARIANTS D2", "all (the counts from 2555283eb40d, v6.1 and "
	    "stable)", PTS_SEV_ERROR },
	  NULL, d2_on_mm, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ { "D3", "hugetlb folio counters",
	    "a hugetlb folio mapped by a hugetlb VMA is a hugetlb folio whose entire mapcount is at "
	    "least one and equals _large_mapcount (v6.10+), whose _nr_pages_mapped is 0 (v6.2+), "
	    "whose pages keep no _mapcount of their own, and whose refcount is at least its "
	    "mappings plus the page cache's reference plus its pins",
	    "mm/rmap.c hugetlb_add_file_rmap(), hugetlb_remove_rmap(); mm/util.c "
	    "folio_mapcount() (v6.1); mm/hugetlb.c; INVARIANTS D3", "all", PTS_SEV_ERROR },
	  NULL, NULL, NULL, d3_on_entry, NULL, NULL, NULL, NULL, NULL },
};
/* struct ctx keeps a flag and an index per check in arrays of 32 */
_Static_assert(sizeof(checks) / sizeof(checks[0]) <= 32, "struct ctx: applies[] and entry_checks[] hold 32");

static struct pts_check_info infos[ARRAY_SIZE(checks)];

/* id NULL: the first check, the base for indexes into applies[] */
static const struct check *check_by_id(const char *id)
{
	if (!id)
		return &checks[0];
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		if (!strcmp(checks[i].info.id, id))
			return &checks[i];
	return NULL;
}

const struct pts_check_info *pts_check_list(size_t *n)
{
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		infos[i] = checks[i].info;
	*n = ARRAY_SIZE(checks);
	return infos;
}

bool pts_check_applies(struct pts_program *p, size_t i, const char **why)
{
	*why = NULL;
	return i < ARRAY_SIZE(checks) && (!checks[i].applies || checks[i].applies(p, why));
}

const char *pts_severity_name(enum pts_severity s)
{
	return s == PTS_SEV_ERROR ? "error" : "warning";
}

#define EACH(c, fn, ...)							\
	for (size_t _i = 0; _i < ARRAY_SIZE(checks); _i++)			\
		if ((c)->applies[_i] && checks[_i].fn) {			\
			(c)->cur = &checks[_i];					\
			checks[_i].fn(c, ##__VA_ARGS__);			\
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

/* Which entries an on_entry check can say anything about: what the first
 * test of each returns on, restated (kinds, levels and the VMA's class),
 * so that the dispatch below calls only the checks an entry concerns.
 * Each is a superset of what its check accepts: a check still tests all
 * of its own conditions.  A check not listed gets every entry. */
#define VC_V 1u		/* the entry lies in a VMA */
#define VC_HUGETLB 2u	/* ... a hugetlb one */
#define VC_ANON 4u	/* ... with an anon_vma */
#define VC_MAYSHARE 8u
#define VC_N 16
#define K(x) (1u << PTS_EK_##x)
#define L(x) (1u << PTS_##x)
static const struct entry_filter {
	void (*fn)(struct ctx *, uint64_t, const struct pts_entry *, const struct pts_table *,
		   unsigned, const struct pts_vma *);
	uint32_t kinds, levels;
	unsigned vmask, vval;	/* (class & vmask) == vval */
} entry_filters[] = {
	{ leaf_on_entry, K(PRESENT), ~L(PTE), 0, 0 },
	{ pfn_on_entry, ~K(TABLE), ~0u, 0, 0 },
	{ vma_on_entry, ~K(TABLE), ~0u, VC_V, 0 },
	{ kind_on_entry, ~(K(PRESENT) | K(TABLE) | K(NONE) | K(BAD)), ~0u, VC_V, VC_V },
	{ e5_on_entry, K(SWAP), ~0u, 0, 0 },
	{ b3_on_entry, ~K(TABLE), ~0u, VC_V | VC_HUGETLB, VC_V | VC_HUGETLB },
	{ d3_on_entry, K(PRESENT), ~L(PTE), VC_V | VC_HUGETLB, VC_V | VC_HUGETLB },
	{ d1_on_entry, K(PRESENT), ~0u, VC_V | VC_HUGETLB | VC_ANON, VC_V | VC_ANON },
	{ d5_on_entry, K(PRESENT), ~0u, VC_V | VC_ANON | VC_MAYSHARE, VC_V | VC_ANON },
	{ e2_on_entry, K(MIGRATION), ~0u, 0, 0 },
	{ e3_on_entry, K(DEVICE_EXCLUSIVE), ~0u, VC_V, VC_V },
};
#undef K
#undef L

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
		const struct check *ch = &checks[c->entry_checks[k]];
		const struct entry_filter *f = NULL;
		for (size_t i = 0; i < ARRAY_SIZE(entry_filters) && !f; i++)
			if (entry_filters[i].fn == ch->on_entry)
				f = &entry_filters[i];
		if (f && (!(f->kinds >> kind & 1) || !(f->levels >> level & 1) ||
			  (vc & f->vmask) != f->vval))
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
	count_thp(c, e, v);
	/* this runs for every entry of every address space: only the checks
	 * that apply and that this entry concerns */
	const struct dispatch *d = dispatch_for(c, c->lastvc, e->kind < PTS_EK_N ? e->kind : PTS_EK_BAD,
						e->level < PTS_NLEVELS ? e->level : PTS_PTE);
	for (unsigned k = 0; k < d->n; k++) {
		c->cur = &checks[d->idx[k]];
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
	c->hgm = hgm_kernel(p);
	c->out = out;
	c->max_pfn = pts_dump_info(p->dump)->max_pfn;
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
		if (c->applies[i] && checks[i].on_entry)
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
		want_rmap |= c->applies[i] && checks[i].on_rmap;
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
		if (checks[i].on_rmap && pts_check_applies(p, i, &why))
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
	uint64_t off;
	if (!t || !t->mm || (!pts_offsetof_opt(p, "struct mm_struct", "mmap_lock", &off) &&
			     /* v5.8 da1c55f1b272 renamed mmap_sem */
			     !pts_offsetof_opt(p, "struct mm_struct", "mmap_sem", &off)))
		return false;
	struct pts_lock_state st;
	struct pts_error *err = pts_lock_read(p, PTS_LOCK_RWSEM, t->mm + off, &st, NULL);
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
