/* example_check: one check, as a worked example of the plugin ABI
 * (man/ptscope-plugin.7 explains it line by line).
 *
 * EX1: a transparent huge page in a VMA that did not ask for one.  A site
 * that runs THP in "madvise" mode expects huge PMD leaves of anonymous and
 * shmem memory only in VMAs with VM_HUGEPAGE (madvise(MADV_HUGEPAGE)); one
 * elsewhere means THP is "always" after all, or khugepaged collapsed a
 * range it should not have. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <ptscope/plugin.h>

/* include/linux/mm.h: VM_HUGEPAGE has been bit 29 since v2.6.38; VM_HUGETLB bit 22. */
#define VM_HUGEPAGE 0x20000000ULL

const unsigned ptscope_plugin_abi = PTSCOPE_PLUGIN_ABI;

/* What the walk of one process needs to know of its VMAs. */
struct vmas {
	struct { uint64_t start, end, flags; int hugetlb; } v[4096];
	unsigned n;
};

struct state {
	struct vmas vmas;
	struct ptscope_sink *sink;
};

static int add_vma(const struct ptscope_vma_info *v, void *arg)
{
	struct vmas *m = arg;
	if (m->n < sizeof(m->v) / sizeof(m->v[0])) {
		m->v[m->n].start = v->start;
		m->v[m->n].end = v->end;
		m->v[m->n].flags = v->flags;
		m->v[m->n].hugetlb = v->hugetlb;
		m->n++;
	}
	return 0;
}

static int on_entry(const struct ptscope_entry_info *e, void *arg)
{
	struct state *s = arg;
	/* A present leaf above the PTE level is a huge page. */
	if (strcmp(e->kind, "present") || !strcmp(e->level, "pte"))
		return 0;
	for (unsigned i = 0; i < s->vmas.n; i++) {
		if (e->va < s->vmas.v[i].start || e->va >= s->vmas.v[i].end)
			continue;
		/* hugetlb pages are asked for by definition */
		if (s->vmas.v[i].hugetlb || (s->vmas.v[i].flags & VM_HUGEPAGE))
			return 0;
		char ev[160];
		snprintf(ev, sizeof(ev), "%s leaf at %#" PRIx64 " (pfn %#" PRIx64 ") in VMA %#" PRIx64
			 "-%#" PRIx64 " without VM_HUGEPAGE", e->level, e->va, e->pfn,
			 s->vmas.v[i].start, s->vmas.v[i].end);
		ptscope_report_finding(s->sink, "entry", e->table_pfn, 1, e->va, ev);
		return 0;
	}
	return 0;
}

static int run(struct ptscope_dump *d, const struct ptscope_task_info *t, struct ptscope_sink *sink,
	       void *arg)
{
	(void)arg;
	static struct state s;	/* large: not on the stack */
	memset(&s, 0, sizeof(s));
	s.sink = sink;
	if (ptscope_vmas(d, t->pid, add_vma, &s.vmas) < 0)
		return -1;
	return ptscope_entries(d, t->pid, on_entry, &s) < 0 ? -1 : 0;
}

static const struct ptscope_check ex1 = {
	.id = "EX1",
	.title = "a transparent huge page in a VMA without MADV_HUGEPAGE",
	.severity = "warning",
	.rule = "with THP in madvise mode, huge PMD leaves of anonymous and shmem memory "
		"appear only in VMAs with VM_HUGEPAGE",
	.source = "Documentation/admin-guide/mm/transhuge.rst; mm/huge_memory.c "
		  "(thp_vma_allowable_orders)",
	.kernels = "all",
	.run = run,
};

int ptscope_plugin_init(struct ptscope_host *h)
{
	ptscope_plugin_describe(h, "example_check", "EX1: THP outside MADV_HUGEPAGE VMAs (the worked "
			       "example of ptscope-plugin(7))");
	return ptscope_register_check(h, &ex1);
}
