/* Checks of non-present entries: their rules, state and registry entries (the
 * engine, analyses/check.c, runs them). */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyses/checks/family.h"
#include "readers/kswap.h"

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
		else if ((e->swap_offset & 1) && pts_chk_vma_anon(v) &&
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
		pts_chk_finding(c, "entry", t->pfn, true, va, "%s: %s entry %#" PRIx64 " (type %u) at %#" PRIx64
			" (entry %u of table %#" PRIx64 ") in VMA %#" PRIx64 "-%#" PRIx64 " flags %#" PRIx64,
			why, pts_ekind_name(e->kind), e->raw, e->swap_type, va, idx, t->pfn, v->start,
			v->end, v->flags);
}

static bool e5_applies(struct pts_program *p, const char **why)
{
	if (pts_swap_known(p))
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
	if (!pts_swap_known(c->p))
		return;
	struct pts_swap_slot sl;
	const char *why = NULL;
	struct pts_error *err = pts_swap_slot_read(c->p, e->swap_type, e->swap_offset, &sl);
	if (err)
		goto nodata;
	uint64_t si = sl.si, flags = sl.flags;
	uint32_t max = sl.max;
	uint8_t count = sl.count;
	switch (sl.state) {
	case PTS_SWAP_TYPE_BEYOND:
		why = "its type is beyond MAX_SWAPFILES";
		break;
	case PTS_SWAP_NO_DEVICE:
		why = "no swap device has this type";
		break;
	case PTS_SWAP_UNUSED:
		why = "its swap device is not in use (SWP_USED clear)";
		break;
	case PTS_SWAP_BEYOND_MAX:
		why = "its offset is beyond the device's max";
		break;
	case PTS_SWAP_SLOT:
		/* swap_count(): SWAP_HAS_CACHE 0x40 and COUNT_CONTINUED 0x80 aside */
		if (sl.map && !(count & 0x3f))
			why = "its slot's swap_map count is zero";
		else if (sl.map && (count & 0x3f) == 0x3f)
			why = "its slot is marked bad (SWAP_MAP_BAD)";
		break;
	}
	if (why)
		pts_chk_finding(c, "entry", t->pfn, true, va, "swap entry %#" PRIx64 " (type %u offset %#" PRIx64
			", entry %u of table %#" PRIx64 "): %s (swap_info %#" PRIx64 " flags %#" PRIx64
			" max %u, swap_map count %#x)", e->raw, e->swap_type, e->swap_offset, idx, t->pfn,
			why, si, flags, max, count);
	return;
nodata:
	pts_notes_add(&c->out->missing, "E5: swap entry at %#" PRIx64 ": %s", va, pts_error_text(err));
	pts_error_destroy(err);
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
	if (!pts_chk_folio_of(c, e->pfn, "E2", &f))
		return;
	if (!f->locked)
		pts_chk_finding(c, "entry", t->pfn, true, va, "%s migration entry %#" PRIx64 " names pfn %#"
			PRIx64 " (folio %#" PRIx64 "), which is not locked", pts_level_name(e->level),
			e->raw, e->pfn, f->head_pfn);
	else if ((e->flags & (1u << PTS_F_READ_EXCLUSIVE)) && !f->anon)
		pts_chk_finding(c, "entry", t->pfn, true, va, "read-exclusive migration entry %#" PRIx64
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
	else if (e->pfn < c->max_pfn && pts_chk_folio_of(c, e->pfn, "E3", &f)) {
		if (!f->anon || f->ksm)
			why = "naming a page that is not anonymous";
		else if (single && !f->anon_exclusive)
			why = "naming a page without PG_anon_exclusive (from v6.15 only exclusive "
			      "pages are made device-exclusive)";
	}
	if (why)
		pts_chk_finding(c, "entry", t->pfn, true, va, "device-exclusive entry %#" PRIx64 " (pfn %#"
			PRIx64 ") %s, in VMA %#" PRIx64 "-%#" PRIx64, e->raw, e->pfn, why, v->start,
			v->end);
}

const struct check pts_check_kind = {
	.info = {
		.id = "KIND",
		.title = "entry kind impossible in its VMA",
		.rule = "swap entries only in private non-hugetlb VMAs at PTE level (E5); PTE markers hold known "
			"bits, uffd-wp ones only in VM_UFFD_WP VMAs and anonymous ones from v6.4 (E4); "
			"non-present PMDs outside hugetlb are THP migration entries (E2)",
		.source = "include/linux/swapops.h; mm/memory.c copy_nonpresent_pte(), handle_pte_marker(); "
			"mm/migrate_device.c (device-private, v6.1+)",
		.kernels = "all",
		.severity = PTS_SEV_ERROR,
	},
	.on_entry = kind_on_entry,
	.filtered = true,
	.kinds = ~(EK_BIT(PRESENT) | EK_BIT(TABLE) | EK_BIT(NONE) | EK_BIT(BAD)),
	.levels = ~0u,
	.vmask = VC_V,
	.vval = VC_V,
};

const struct check pts_check_e5 = {
	.info = {
		.id = "E5",
		.title = "swap entry without a used slot",
		.rule = "a swap entry's type names a swap device in use (SWP_USED) and its offset a slot "
			"below max whose swap_map count is not zero",
		.source = "mm/swapfile.c swp_swap_info(), __swap_entry_free(); include/linux/swap.h",
		.kernels = "all (swap_map counts where the kernel has swap_map)",
		.severity = PTS_SEV_ERROR,
	},
	.applies = e5_applies,
	.on_entry = e5_on_entry,
	.filtered = true,
	.kinds = EK_BIT(SWAP),
	.levels = ~0u,
	.vmask = 0,
	.vval = 0,
};

const struct check pts_check_e2 = {
	.info = {
		.id = "E2",
		.title = "migration entry to an unlocked folio",
		.rule = "a migration entry names a folio that is locked for the whole migration, and a "
			"read-exclusive one an anonymous folio",
		.source = "include/linux/swapops.h pfn_swap_entry_to_page() (BUG_ON(!PageLocked)); "
			"mm/migrate.c migrate_folio_unmap(), remove_migration_ptes()",
		.kernels = "all",
		.severity = PTS_SEV_ERROR,
	},
	.on_entry = e2_on_entry,
	.filtered = true,
	.kinds = EK_BIT(MIGRATION),
	.levels = ~0u,
	.vmask = 0,
	.vval = 0,
};

const struct check pts_check_e3 = {
	.info = {
		.id = "E3",
		.title = "device-exclusive entry where none can be",
		.rule = "a device-exclusive entry is a PTE (never a PMD), outside hugetlb, in a COW (private "
			"writable) mapping, naming an anonymous page; from v6.15 an AnonExclusive one",
		.source = "mm/rmap.c make_device_exclusive_range() (v5.14-v6.14), make_device_exclusive() "
			"(v6.15+); mm/memory.c copy_nonpresent_pte(); INVARIANTS E3",
		.kernels = "v5.14+ with CONFIG_DEVICE_PRIVATE",
		.severity = PTS_SEV_ERROR,
	},
	.applies = e3_applies,
	.on_entry = e3_on_entry,
	.filtered = true,
	.kinds = EK_BIT(DEVICE_EXCLUSIVE),
	.levels = ~0u,
	.vmask = VC_V,
	.vval = VC_V,
};
