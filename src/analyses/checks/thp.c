/* Checks of transparent huge pages: their rules, state and registry entries (the
 * engine, analyses/check.c, runs them). */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyses/checks/family.h"

void pts_chk_count_thp(struct ctx *c, const struct pts_entry *e, const struct pts_vma *v)
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
	uint64_t first, n;
	struct pts_error *err = pts_pmd_deposits(c->p, t->pfn, &first, &n);
	if (err) {
		c->deposits_known = false;
		pts_notes_add(&c->out->missing, "A3: deposits of pmd table pfn %#" PRIx64 ": %s",
			      t->pfn, pts_error_text(err));
		pts_error_destroy(err);
		return;
	}
	c->deposits += n;
	if (n != c->thp_in_table[PTS_PMD])
		pts_chk_finding(c, "table", t->pfn, true, t->va, "pmd table pfn %#" PRIx64 " holds %" PRIu64
			" anonymous THP leaves but %s%" PRIu64 " deposited PTE tables (pmd_huge_pte %#"
			PRIx64 ")", t->pfn, c->thp_in_table[PTS_PMD], n > 512 ? "more than " : "", n,
			first);
}

static bool a3_applies(struct pts_program *p, const char **why)
{
	/* CONFIG_TRANSPARENT_HUGEPAGE (off on PREEMPT_RT before v6.x allowed
	 * it): without it nothing deposits, and pmd_huge_pte is never even
	 * initialised (pgtable_pmd_page_ctor) */
	if (!pts_kernel_has(p, PTS_K_THP)) {
		*why = "no transparent hugepages in this kernel (no transparent_hugepage_flags)";
		return false;
	}
	if (pts_page_split_pmd_deposit(p))
		return true;
	*why = "deposits are kept per mm (no split PMD locks): not decoded";
	return false;
}

const struct check pts_check_a3 = {
	.info = {
		.id = "A3",
		.title = "THP deposited tables",
		.rule = "each anonymous THP (or huge zero) PMD leaf has exactly one PTE table deposited on its "
			"PMD table's pmd_huge_pte list",
		.source = "mm/pgtable-generic.c pgtable_trans_huge_deposit()",
		.kernels = "split PMD locks (x86-64)",
		.severity = PTS_SEV_ERROR,
	},
	.applies = a3_applies,
	.on_table = a3_on_table,
	.on_table_end = a3_on_table_end,
};
