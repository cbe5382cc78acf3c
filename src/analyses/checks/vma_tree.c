/* Checks of the VMA tree: their rules, state and registry entries (the
 * engine, analyses/check.c, runs them). */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyses/checks/family.h"

static void mt_on_mm(struct ctx *c)
{
	for (size_t i = 0; i < c->mm.anomalies.n; i++)
		pts_chk_finding(c, "mm", c->mm.anomalies.v[i].obj, false, 0, "%s", c->mm.anomalies.v[i].text);
	/* a range no process can have (TASK_SIZE): what walks VMA ranges is
	 * bounded by the address space, not by these values */
	for (size_t i = 0; i < c->mm.nvmas; i++) {
		const struct pts_vma *v = &c->mm.vmas[i];
		if (!v->gate && v->end > c->a->user_end)
			pts_chk_finding(c, "mm", v->addr, false, 0, "VMA %#" PRIx64 "-%#" PRIx64 " ends beyond "
				"the user address space (%#" PRIx64 ")", v->start, v->end, c->a->user_end);
	}
}

static bool maple_applies(struct pts_program *p, const char **why)
{
	(void)p;
	(void)why;
	return true;
}

const struct check pts_check_mt = {
	.info = {
		.id = "MT",
		.title = "VMA tree consistency",
		.rule = "VMAs in mm->mm_mt cover [vm_start, vm_end-1], ordered and non-overlapping; their "
			"count is map_count; each vma->vm_mm is the mm; nodes are well formed (v5.10: the "
			"vm_next list, ordered)",
		.source = "mm/mmap.c validate_mm() (v6.1), mm/vma.c validate_mm() (v6.12+); lib/maple_tree.c",
		.kernels = "all (maple tree from v6.1)",
		.severity = PTS_SEV_ERROR,
	},
	.applies = maple_applies,
	.on_mm = mt_on_mm,
};
