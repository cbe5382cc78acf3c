/* Checks of one arch's page-table formats: arm64's contiguous hint.  An
 * arch's check applies only to that arch's dumps (x86-64's L1TF inverted
 * PFNs are decoded by its arch layer and tested by LEAF and PFN). */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyses/checks/family.h"

/* Bits the hardware or the kernel may change entry by entry in a run:
 * AF and the dirty state (DBM-managed RDONLY, software DIRTY), which
 * huge_ptep_get() gathers over the run (arch/arm64/mm/hugetlbpage.c). */
#define CONT_PER_ENTRY ((1ULL << 10) | (1ULL << 7) | (1ULL << 55))

static bool cont_applies(struct pts_program *p, const char **why)
{
	const char *arch = pts_dump_info(p->dump)->arch;
	if (arch && !strcmp(arch, "aarch64"))
		return true;
	*why = "arm64 only: x86-64 has no contiguous bit";
	return false;
}

static void cont_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			  const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	(void)v;
	if (e->kind != PTS_EK_PRESENT || !(e->flags & (1u << PTS_F_CONT)) ||
	    (e->level != PTS_PTE && e->level != PTS_PMD))
		return;
	/* CONT_PTES or CONT_PMDS: 16 with 4 KiB pages, 128 or 32 with 16 KiB */
	const unsigned CONT_ENTRIES = c->a->cont[e->level];
	unsigned first = idx & ~(CONT_ENTRIES - 1u);
	/* each run once: the first of its entries the walk meets */
	if (c->cont_table == t->pfn + 1 && c->cont_run == first)
		return;
	c->cont_table = t->pfn + 1;
	c->cont_run = first;
	uint64_t raw[PTS_MAX_ENTRIES];
	struct pts_error *err = pts_table_read(c->p, t->pfn, raw);
	if (err) {
		pts_notes_add(&c->out->missing, "CONT: %s table pfn %#" PRIx64 ": %s",
			      pts_level_name(e->level), t->pfn, pts_error_text(err));
		pts_error_destroy(err);
		return;
	}
	uint64_t step = pts_level_size(c->a, e->level) >> c->a->page_shift;
	struct pts_entry e0;
	pts_entry_decode(c->a, e->level, raw[first], &e0);
	const char *why = NULL;
	unsigned bad = first;
	if (e0.kind != PTS_EK_PRESENT || !(e0.flags & (1u << PTS_F_CONT)))
		why = "is not a mapping with the contiguous bit";
	else if (e0.pfn % (step * CONT_ENTRIES))
		why = "maps a frame not aligned to the run's size";
	for (unsigned i = 1; !why && i < CONT_ENTRIES; i++) {
		struct pts_entry ei;
		pts_entry_decode(c->a, e->level, raw[first + i], &ei);
		bad = first + i;
		if (ei.kind != PTS_EK_PRESENT || !(ei.flags & (1u << PTS_F_CONT)))
			why = "is not a mapping with the contiguous bit";
		else if (ei.pfn != e0.pfn + i * step)
			why = "does not map the next frame of the run";
		else if ((raw[first + i] ^ raw[first]) & ~c->a->pfn_mask & ~CONT_PER_ENTRY)
			why = "has other attributes than the run's first entry";
	}
	if (why)
		pts_chk_finding(c, "table", t->pfn, true, va - (uint64_t)(idx - first) * pts_level_size(c->a, e->level),
			"contiguous run of %s entries %u-%u of table %#" PRIx64 ": entry %u (%#" PRIx64
			") %s (first %#" PRIx64 ")", pts_level_name(e->level), first,
			first + CONT_ENTRIES - 1, t->pfn, bad, raw[bad], why, raw[first]);
}

const struct check pts_check_cont = {
	.info = {
		.id = "CONT",
		.title = "arm64 contiguous run",
		.rule = "an entry with the contiguous bit is one of CONT_PTES or CONT_PMDS aligned entries "
			"of its table (16 with 4 KiB pages; 128 PTEs or 32 PMDs with 16 KiB) that all "
			"have it, map consecutive frames aligned to the run's size and share their "
			"attributes (but for AF and the dirty state)",
		.source = "arch/arm64/include/asm/pgtable-hwdef.h CONT_PTES, CONT_PMDS; "
			"arch/arm64/mm/hugetlbpage.c set_huge_pte_at(), huge_ptep_get()",
		.kernels = "arm64 (v5.10+)",
		.severity = PTS_SEV_ERROR,
	},
	.applies = cont_applies,
	.on_entry = cont_on_entry,
	.filtered = true,
	.kinds = EK_BIT(PRESENT),
	.levels = LV_BIT(PTE) | LV_BIT(PMD),
	.vmask = 0,
	.vval = 0,
};
