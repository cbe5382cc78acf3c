/* Checks of the reverse map and mapcounts: their rules, state and registry entries (the
 * engine, analyses/check.c, runs them). */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyses/checks/family.h"

static void d4_on_rmap(struct ctx *c, const struct pts_rmap_index *r)
{
	for (size_t i = 0; i < r->pages.n; i++) {
		const struct pts_rmap_page *pg = &r->pages.v[i];
		if (!pg->known)
			continue;
		c->tpid = 0;
		c->tcomm[0] = '\0';
		if (pg->mapcount > pg->refcount)
			pts_chk_finding(c, "page", pg->pfn, false, 0, "pfn %#" PRIx64 ": mapcount %d above its "
				"folio's refcount %d", pg->pfn, pg->mapcount, pg->refcount);
		else if ((int64_t)pg->mappings != pg->mapcount)
			pts_chk_finding(c, "page", pg->pfn, false, 0, "pfn %#" PRIx64 ": the kernel's mapcount is "
				"%d but %u leaf entries over all processes map it", pg->pfn, pg->mapcount,
				pg->mappings);
	}
}

/* The folio of pfn, read once for the checks of one entry; false (and
 * the gap noted under id) when the dump lacks it. */
bool pts_chk_folio_of(struct ctx *c, uint64_t pfn, const char *id, const struct pts_folio **ret)
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
		t->first_mm_ok = pts_vma_mm(c->p, tr.nodes.v[0].vma, &t->first_mm);
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
		if (!pts_vma_anon_vma(c->p, n->vma, &own)) {
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
		pts_chk_finding(c, "anon_vma", av, false, 0, "%s", mt->findings.v[i]);
	return &trees->v[trees->n - 1];
}

static void d2_on_mm(struct ctx *c)
{
	if (!pts_vma_links_known(c->p))
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
			pts_chk_finding(c, "vma", v->addr, true, v->start, "VMA %#" PRIx64 "-%#" PRIx64 "'s "
				"anon_vma %#" PRIx64 " has root %#" PRIx64 ", whose root is %#" PRIx64
				" (a root is its own)", v->start, v->end, a.addr, a.root, r.root);
		struct pts_avc *chain = NULL;
		size_t n = 0;
		if ((err = pts_vma_avcs(c->p, v->addr, &chain, &n, &c->out->missing))) {
			pts_chk_finding(c, "vma", v->addr, true, v->start, "VMA %#" PRIx64 "-%#" PRIx64 ": %s",
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
				pts_chk_finding(c, "vma", v->addr, true, v->start, "avc %#" PRIx64 " on VMA %#"
					PRIx64 "-%#" PRIx64 "'s chain names VMA %#" PRIx64, x->addr,
					v->start, v->end, x->vma);
			if ((err = pts_anon_vma_read(c->p, x->anon_vma, &y))) {
				pts_notes_add(&c->out->missing, "D2: %s", pts_error_text(err));
				pts_error_destroy(err);
				continue;
			}
			if (y.root != a.root)
				pts_chk_finding(c, "vma", v->addr, true, v->start, "avc %#" PRIx64 " on VMA %#"
					PRIx64 "-%#" PRIx64 "'s chain links anon_vma %#" PRIx64 " of root %#"
					PRIx64 ", not the VMA's root %#" PRIx64, x->addr, v->start, v->end,
					y.addr, y.root, a.root);
			struct d2_tree *t = d2_tree(c, &trees, x->anon_vma);
			if (t && !u64set_has(t->avcs, x->addr))
				pts_chk_finding(c, "vma", v->addr, true, v->start, "avc %#" PRIx64 " of VMA %#"
					PRIx64 "-%#" PRIx64 " is not in anon_vma %#" PRIx64 "'s interval "
					"tree: an rmap walk from there misses the VMA", x->addr, v->start,
					v->end, x->anon_vma);
		}
		free(chain);
		if (!linked)
			pts_chk_finding(c, "vma", v->addr, true, v->start, "VMA %#" PRIx64 "-%#" PRIx64 "'s "
				"anon_vma %#" PRIx64 " is linked by no avc on its chain", v->start, v->end,
				v->anon_vma);
	}
	free(trees.v);
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
	const struct pts_folio *f;
	if (!pts_chk_folio_of(c, e->pfn, "D1", &f) || !f->anon || f->ksm)
		return;
	uint64_t froot = 0, vroot = 0;
	uint64_t av = f->mapping & ~3ULL;
	if (!pts_anon_vma_root(c->p, av, &froot) || !pts_anon_vma_root(c->p, v->anon_vma, &vroot))
		return;
	uint64_t want = v->pgoff + ((va - v->start) >> c->a->page_shift), got = f->index + (e->pfn - f->head_pfn);
	if (froot != vroot)
		pts_chk_finding(c, "entry", t->pfn, true, va, "pfn %#" PRIx64 " has anon_vma %#" PRIx64
			" (root %#" PRIx64 ") but VMA %#" PRIx64 "-%#" PRIx64 " has anon_vma %#" PRIx64
			" (root %#" PRIx64 "): the rmap walk cannot reach this mapping", e->pfn, av,
			froot, v->start, v->end, v->anon_vma, vroot);
	else if (want != got)
		pts_chk_finding(c, "entry", t->pfn, true, va, "pfn %#" PRIx64 " has offset %#" PRIx64 " but "
			"at %#" PRIx64 " VMA %#" PRIx64 "-%#" PRIx64 " (pgoff %#" PRIx64 ") expects %#"
			PRIx64 ": the rmap walk looks elsewhere", e->pfn, got, va, v->start, v->end,
			v->pgoff, want);
}

static bool d5_applies(struct pts_program *p, const char **why)
{
	if (pts_kernel_has(p, PTS_K_PG_ANON_EXCLUSIVE))
		return true;
	*why = "no PG_anon_exclusive in this kernel (v5.19)";
	return false;
}

static void d5_on_entry(struct ctx *c, uint64_t va, const struct pts_entry *e,
			const struct pts_table *t, unsigned idx, const struct pts_vma *v)
{
	(void)idx;
	if (e->kind != PTS_EK_PRESENT || !(e->flags & (1u << PTS_F_RW)) || !v ||
	    (v->flags & PTS_VM_MAYSHARE) || !v->anon_vma || (e->flags & (1u << PTS_F_SPECIAL)))
		return;
	const struct pts_folio *f;
	if (!pts_chk_folio_of(c, e->pfn, "D5", &f))
		return;
	if (f->anon && !f->ksm && !f->anon_exclusive)
		pts_chk_finding(c, "entry", t->pfn, true, va, "writable %s entry %#" PRIx64 " maps anonymous "
			"pfn %#" PRIx64 " (folio %#" PRIx64 ") without PG_anon_exclusive",
			pts_level_name(e->level), e->raw, e->pfn, f->head_pfn);
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

const struct check pts_check_d4 = {
	.info = {
		.id = "D4",
		.title = "mapcount against the mappings",
		.rule = "each mapped page's mapcount (its PTE mappings plus its folio's entire ones) equals "
			"the leaf entries over all processes that map it, a shared hugetlb PMD table once, "
			"migration entries not, device-exclusive ones from v6.15 only; never above the "
			"folio's refcount",
		.source = "mm/rmap.c folio_add_*_rmap*, fs/proc/page.c kpagecount; INVARIANTS D4",
		.kernels = "all (check --all)",
		.severity = PTS_SEV_ERROR,
	},
	.applies = frozen_applies,
	.on_rmap = d4_on_rmap,
};

const struct check pts_check_d1 = {
	.info = {
		.id = "D1",
		.title = "anonymous rmap reaches the mapping",
		.rule = "a present entry mapping an anonymous (non-KSM) page: the page's anon_vma has the "
			"VMA's anon_vma root, and its offset is linear_page_index() of the VMA and address",
		.source = "mm/rmap.c __page_check_anon_rmap(); INVARIANTS D1",
		.kernels = "all",
		.severity = PTS_SEV_ERROR,
	},
	.on_entry = d1_on_entry,
	.filtered = true,
	.kinds = EK_BIT(PRESENT),
	.levels = ~0u,
	.vmask = VC_V | VC_HUGETLB | VC_ANON,
	.vval = VC_V | VC_ANON,
};

const struct check pts_check_d5 = {
	.info = {
		.id = "D5",
		.title = "writable anonymous page not exclusive",
		.rule = "a writable PTE or PMD in a private mapping that maps an anonymous page has that "
			"page's PG_anon_exclusive set (the head's for hugetlb)",
		.source = "mm/memory.c do_swap_page(), wp_page_reuse(); INVARIANTS D5",
		.kernels = "v5.19+",
		.severity = PTS_SEV_ERROR,
	},
	.applies = d5_applies,
	.on_entry = d5_on_entry,
	.filtered = true,
	.kinds = EK_BIT(PRESENT),
	.levels = ~0u,
	.vmask = VC_V | VC_ANON | VC_MAYSHARE,
	.vval = VC_V | VC_ANON,
};

const struct check pts_check_d2 = {
	.info = {
		.id = "D2",
		.title = "anon_vma tree",
		.rule = "each anonymous VMA's anon_vma has a root that is its own root; every avc on the VMA's "
			"chain names the VMA and an anon_vma of the same root, and sits in that anon_vma's "
			"interval tree; the VMA's anon_vma is linked; each tree is in pgoff order with right "
			"subtree_last; num_active_vmas and num_children match the VMAs and anon_vmas that "
			"point at it",
		.source = "mm/rmap.c anon_vma_fork(), anon_vma_clone(), unlink_anon_vmas(); "
			"mm/interval_tree.c; INVARIANTS D2",
		.kernels = "all (the counts from 2555283eb40d, v6.1 and "
			"stable)",
		.severity = PTS_SEV_ERROR,
	},
	.on_mm = d2_on_mm,
};
