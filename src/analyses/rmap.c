#include "config.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "readers/kanon.h"
#include "readers/kfolio.h"
#include "readers/kmm.h"
#include "readers/ktask.h"
#include "readers/kvma.h"
#include "analyses/rmap.h"
#include "readers/krbtree.h"
#include "readers/walk.h"

/* ---- the reverse index, fed one address space at a time ------------
 * A walk (rmap --all's own, or check --all's, which is the same walk:
 * one pass) records what it met in a feed: the tables in walk order and
 * the leaves of each as runs of frames.  Feeds are added to the index in
 * task order (pts_rmap_build_add), whatever thread walked them, so that
 * the index is the same as one walk after another: a table an earlier
 * address space reached (hugetlb PMD sharing) maps nothing new there. */
enum fev_kind { FE_TABLE, FE_LEAVES, FE_MIGRATION, FE_SPECIAL };

struct fev {
	uint64_t table;		/* the table holding them (FE_TABLE: the table) */
	uint64_t pfn, pages;	/* FE_LEAVES: frames pfn.. pfn + pages - 1 */
	uint32_t entries;	/* leaf entries (FE_LEAVES), or how many */
	uint8_t kind;
};

struct pts_rmap_feed {
	const struct pts_arch *a;
	VEC(struct fev) ev;
	struct pts_notes notes;	/* what the index will say is missing, in order */
	bool walked;		/* its mm was read: it counts in processes */
};

struct pts_rmap_feed *pts_rmap_feed_new(const struct pts_arch *a)
{
	struct pts_rmap_feed *f = xcalloc(1, sizeof(*f));
	f->a = a;
	return f;
}

void pts_rmap_feed_free(struct pts_rmap_feed *f)
{
	if (!f)
		return;
	free(f->ev.v);
	pts_notes_free(&f->notes);
	free(f);
}

void pts_rmap_feed_note(struct pts_rmap_feed *f, const char *text)
{
	pts_notes_add(&f->notes, "%s", text);
}

void pts_rmap_feed_walked(struct pts_rmap_feed *f)
{
	f->walked = true;
}

void pts_rmap_feed_table(struct pts_rmap_feed *f, const struct pts_table *t)
{
	struct fev e = { .table = t->pfn, .kind = FE_TABLE };
	VEC_PUSH(&f->ev, e);
}

static void count_ev(struct pts_rmap_feed *f, enum fev_kind kind, uint64_t table)
{
	struct fev *l = f->ev.n ? &f->ev.v[f->ev.n - 1] : NULL;
	if (l && l->kind == kind && l->table == table) {
		l->entries++;
		return;
	}
	struct fev e = { .table = table, .entries = 1, .kind = (uint8_t)kind };
	VEC_PUSH(&f->ev, e);
}

void pts_rmap_feed_entry(struct pts_rmap_feed *f, const struct pts_entry *e, const struct pts_table *t,
			 const struct pts_vma *v)
{
	if (e->kind == PTS_EK_MIGRATION) {
		/* try_to_migrate() dropped the mapcount (D4) */
		count_ev(f, FE_MIGRATION, t->pfn);
		return;
	}
	/* device-exclusive entries dropped their mapcount until v6.15, which
	 * keeps it (one entry type since then; INVARIANTS D4, E3) */
	bool devx_mapped = e->kind == PTS_EK_DEVICE_EXCLUSIVE && f->a->t_devx_write >= 0 &&
			   f->a->t_devx_read == f->a->t_devx_write;
	if ((e->kind != PTS_EK_PRESENT && !devx_mapped) || !e->has_pfn)
		return;
	/* pte_special: no struct page behind it counts this mapping (the
	 * zero page, VM_PFNMAP/VM_MIXEDMAP frames) */
	if ((e->flags & (1u << PTS_F_SPECIAL)) || (v && (v->flags & (PTS_VM_PFNMAP | PTS_VM_IO)))) {
		count_ev(f, FE_SPECIAL, t->pfn);
		return;
	}
	uint64_t n = pts_level_size(f->a, e->level) >> f->a->page_shift;
	struct fev *l = f->ev.n ? &f->ev.v[f->ev.n - 1] : NULL;
	if (l && l->kind == FE_LEAVES && l->table == t->pfn && l->pfn + l->pages == e->pfn) {
		l->pages += n;
		l->entries++;
		return;
	}
	struct fev x = { .table = t->pfn, .pfn = e->pfn, .pages = n, .entries = 1, .kind = FE_LEAVES };
	VEC_PUSH(&f->ev, x);
}

struct pts_rmap_builder {
	struct u64map pos;		/* pfn -> index in pages */
	struct u64set tables;		/* every table seen, in any mm */
	size_t last;			/* the index of the page counted last */
	bool have_last;
};

struct pts_rmap_builder *pts_rmap_build_begin(struct pts_rmap_index *ret)
{
	memset(ret, 0, sizeof(*ret));
	return xcalloc(1, sizeof(struct pts_rmap_builder));
}

static void count_page(struct pts_rmap_builder *b, struct pts_rmap_index *ret, uint64_t pfn)
{
	/* Mappings of one object come in the same order in every process
	 * that maps it: the page after the last one counted is most often
	 * the next in the index, found without hashing. */
	size_t k = b->last + 1;
	if (b->have_last && k < ret->pages.n && ret->pages.v[k].pfn == pfn) {
		ret->pages.v[k].mappings++;
		b->last = k;
		return;
	}
	b->have_last = true;
	if (u64map_get(&b->pos, pfn + 1, &k)) {
		ret->pages.v[k].mappings++;
		b->last = k;
		return;
	}
	struct pts_rmap_page pg = { .pfn = pfn, .mappings = 1 };
	VEC_PUSH(&ret->pages, pg);
	u64map_put(&b->pos, pfn + 1, ret->pages.n - 1);
	b->last = ret->pages.n - 1;
}

void pts_rmap_build_add(struct pts_rmap_builder *b, struct pts_rmap_index *ret, struct pts_rmap_feed *f)
{
	struct u64set skip = { 0 };	/* tables of this mm seen in an earlier one */
	for (size_t i = 0; i < f->ev.n; i++) {
		const struct fev *e = &f->ev.v[i];
		if (e->kind == FE_TABLE) {
			/* Page tables are never shared but for hugetlb PMD
			 * sharing: a table another mm reached first maps
			 * nothing new (huge_pmd_share() takes no mapcount for
			 * its sharers). */
			if (!u64set_add(&b->tables, e->table + 1)) {
				u64set_add(&skip, e->table + 1);
				ret->shared_tables++;
			}
			continue;
		}
		if (u64set_has(&skip, e->table + 1))
			continue;
		if (e->kind == FE_MIGRATION) {
			ret->migration += e->entries;
		} else if (e->kind == FE_SPECIAL) {
			ret->special_skipped += e->entries;
		} else {
			ret->leaves += e->entries;
			for (uint64_t k = 0; k < e->pages; k++)
				count_page(b, ret, e->pfn + k);
		}
	}
	u64set_free(&skip);
	for (size_t i = 0; i < f->notes.n; i++)
		VEC_PUSH(&ret->missing, f->notes.v[i]);
	free(f->notes.v);
	memset(&f->notes, 0, sizeof(f->notes));
	if (f->walked)
		ret->processes++;
	pts_rmap_feed_free(f);
}

static int by_pfn(const void *a, const void *b)
{
	uint64_t x = ((const struct pts_rmap_page *)a)->pfn, y = ((const struct pts_rmap_page *)b)->pfn;
	return x < y ? -1 : x > y;
}

/* rmap --all's own walk of one address space into a feed. */
struct own {
	struct pts_rmap_feed *f;
	const struct pts_mm *mm;
	const struct pts_vma *lastv;
};

static void own_table(void *arg, const struct pts_table *t)
{
	struct own *o = arg;
	pts_rmap_feed_table(o->f, t);
}

static void own_entry(void *arg, uint64_t va, const struct pts_entry *e, const struct pts_table *t,
		      unsigned index)
{
	(void)index;
	struct own *o = arg;
	const struct pts_vma *v = o->lastv;
	if (!v || va < v->start || va >= v->end)
		v = o->lastv = pts_mm_find_vma(o->mm, va);
	pts_rmap_feed_entry(o->f, e, t, v);
}

struct pts_error *pts_rmap_index(struct pts_program *p, struct pts_rmap_index *ret)
{
	memset(ret, 0, sizeof(*ret));
	const struct pts_arch *a;
	struct pts_error *err = pts_arch_get(p, &a);
	if (err)
		return err;
	struct pts_task_list tl;
	if ((err = pts_tasks(p, false, &tl)))
		return err;
	struct pts_rmap_builder *b = pts_rmap_build_begin(ret);
	for (size_t i = 0; i < tl.notes.n; i++)
		pts_notes_add(&ret->missing, "%s", tl.notes.v[i]);
	struct u64set mms = { 0 };
	struct pts_walk_ops ops = { .table = own_table, .entry = own_entry };
	for (size_t i = 0; i < tl.n; i++) {
		const struct pts_task *t = &tl.v[i];
		if (!t->mm || !u64set_add(&mms, t->mm))
			continue;
		struct pts_rmap_feed *f = pts_rmap_feed_new(a);
		struct pts_mm mm;
		if ((err = pts_mm_read_flags(p, t, PTS_MM_HUGETLB_NAMES, &mm))) {
			char *s = xasprintf("pid %d: %s", t->pid, pts_error_text(err));
			pts_rmap_feed_note(f, s);
			free(s);
			pts_error_destroy(err);
			pts_rmap_build_add(b, ret, f);
			continue;
		}
		struct own o = { f, &mm, NULL };
		struct pts_walk_result r = { 0 };
		if ((err = pts_walk(p, mm.pgd, 0, UINT64_MAX, &ops, &o, &r))) {
			char *s = xasprintf("pid %d: page tables: %s", t->pid, pts_error_text(err));
			pts_rmap_feed_note(f, s);
			free(s);
			pts_error_destroy(err);
		}
		for (size_t k = 0; k < r.missing.n; k++) {
			char *s = xasprintf("pid %d: %s", t->pid, r.missing.v[k]);
			pts_rmap_feed_note(f, s);
			free(s);
		}
		pts_walk_result_free(&r);
		pts_mm_free(&mm);
		pts_rmap_feed_walked(f);
		pts_rmap_build_add(b, ret, f);
	}
	u64set_free(&mms);
	pts_task_list_free(&tl);
	return pts_rmap_build_end(p, b, ret);
}

struct pts_error *pts_rmap_build_end(struct pts_program *p, struct pts_rmap_builder *b,
				     struct pts_rmap_index *ret)
{
	u64set_free(&b->tables);
	u64map_free(&b->pos);
	free(b);
	if (ret->pages.n > 1)
		qsort(ret->pages.v, ret->pages.n, sizeof(*ret->pages.v), by_pfn);
	/* The kernel's side, folio by folio: in frame order, the struct
	 * pages of neighbours come from one read of the vmemmap (kpage.h) */
	pts_page_batch_begin(p);
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
		/* KPF_THP: a large folio that is not hugetlb (stable_page_flags()
		 * asks LRU or anon of the head to v6.6, large_rmappable after:
		 * both hold for every large folio a process maps) */
		bool thp = (f.page.head || f.tail) && !f.hugetlb;
		pg->kpf = (f.anon ? 1u << 12 : 0) | (f.swapcache ? 1u << 13 : 0) |
			  (f.page.head ? 1u << 15 : 0) | (f.tail ? 1u << 16 : 0) |
			  (f.hugetlb ? 1u << 17 : 0) | (f.ksm ? 1u << 21 : 0) | (thp ? 1u << 22 : 0);
	}
	pts_page_batch_end(p);
	return NULL;
}

void pts_rmap_index_free(struct pts_rmap_index *r)
{
	free(r->pages.v);
	pts_notes_free(&r->missing);
	memset(r, 0, sizeof(*r));
}

/* ---- the chain of one page ---------------------------------------- */

#define RB_MAX_DEPTH 128
#define RB_MAX_NODES (1u << 20)

struct chain {
	struct pts_program *p;
	struct pts_rmap_chain *out;
	struct pts_rbtree_walk rb;	/* the interval tree's walk */
	bool anon;			/* the tree's elements are avcs, else VMAs */
	struct u64set seen;
	struct pts_task_list *tl;
	uint64_t hpages;		/* hugetlb: pages per folio, else 1 */
	/* KSM: the rmap_item being followed gives the address itself */
	uint64_t ksm_item, ksm_va;
};

static void owner(const struct chain *c, uint64_t mm, struct pts_rmap_mapping *m)
{
	for (size_t i = 0; i < c->tl->n; i++)
		if (c->tl->v[i].mm == mm) {
			m->pid = c->tl->v[i].pid;
			memcpy(m->comm, c->tl->v[i].comm, sizeof(m->comm));
			return;
		}
}

static void visit(struct chain *c, uint64_t elem)
{
	struct pts_program *p = c->p;
	struct pts_rmap_mapping m = { .level = -1 };
	uint64_t vma = elem;
	if (c->anon) {
		m.avc = elem;
		if (!pts_avc_vma(p, elem, &vma)) {
			pts_notes_add(&c->out->missing, "anon_vma_chain %#" PRIx64 ": not in the dump", elem);
			c->out->tree_partial = true;
			return;
		}
	}
	uint64_t pgd;
	struct pts_vma_head vh;
	m.vma = vma;
	if (!pts_vma_head_read(p, vma, PTS_VH_START | PTS_VH_END | PTS_VH_MM, &vh) ||
	    !pts_mm_pgd_read(p, vh.mm, &pgd)) {
		pts_notes_add(&c->out->missing, "VMA %#" PRIx64 ": not in the dump", vma);
		c->out->tree_partial = true;
		return;
	}
	m.vm_start = vh.start;
	m.vm_end = vh.end;
	m.mm = vh.mm;
	if (!pts_vma_head_read(p, vma, PTS_VH_PGOFF, &vh))
		return;
	uint64_t vm_pgoff = vh.pgoff;
	owner(c, m.mm, &m);
	if (c->ksm_item) {
		/* rmap_walk_ksm(): every VMA of the item's anon_vma that covers
		 * its address (the item's own mm first, forks after) */
		m.rmap_item = c->ksm_item;
		m.va = c->ksm_va;
		m.in_vma = m.va >= m.vm_start && m.va < m.vm_end;
		if (!m.in_vma)
			return;
	} else {
		/* vma_address(): vm_start + ((pgoff - vm_pgoff) << PAGE_SHIFT) */
		uint64_t pgoff = c->out->pgoff;
		m.in_vma = pgoff >= vm_pgoff && pgoff - vm_pgoff < (m.vm_end - m.vm_start) >> p->page_shift;
		m.va = m.vm_start + ((pgoff - vm_pgoff) << p->page_shift);
	}
	if (m.in_vma) {
		struct pts_xlate x;
		struct pts_error *err = pts_translate(p, pgd, m.va, &x);
		if (err) {
			pts_notes_add(&c->out->missing, "pid %d at %#" PRIx64 ": %s", m.pid, m.va,
				      pts_error_text(err));
			pts_error_destroy(err);
		} else if (x.nsteps) {
			const struct pts_xlate_step *st = &x.step[x.nsteps - 1];
			m.level = st->level;
			m.kind = st->e.kind;
			m.raw = st->e.raw;
			m.entry_pfn = st->e.has_pfn ? st->e.pfn : 0;
			m.entry_pa = st->entry_pa;
			if (st->e.has_pfn && (st->e.kind == PTS_EK_PRESENT || st->e.kind == PTS_EK_MIGRATION)) {
				/* a huge leaf maps the frame at the address's offset */
				m.maps = x.mapped ? (x.pa >> p->page_shift) == c->out->pfn : st->e.pfn == c->out->pfn;
			}
		}
	}
	/* sharers of a hugetlb PMD table reach one entry: one mapping */
	for (size_t i = 0; m.maps && i < c->out->maps.n; i++)
		if (c->out->maps.v[i].maps && c->out->maps.v[i].entry_pa == m.entry_pa)
			m.counted_before = true;
	c->out->found += m.maps && !m.counted_before;
	VEC_PUSH(&c->out->maps, m);
}

/* The interval tree (an augmented rbtree) in order, through the rbtree
 * reader: a loop or an unread node is said and its subtree left. */
static void rb_loop(void *arg, uint64_t node, int depth)
{
	(void)depth;
	struct chain *c = arg;
	pts_notes_add(&c->out->missing, "interval tree too deep or looping at %#" PRIx64
		      ": the rest not read", node);
	c->out->tree_partial = true;
}

static void rb_unread(void *arg, uint64_t node)
{
	struct chain *c = arg;
	pts_notes_add(&c->out->missing, "interval tree node %#" PRIx64 ": not in the dump", node);
	c->out->tree_partial = true;
}

static void rb_visit(void *arg, uint64_t node, int depth)
{
	(void)depth;
	struct chain *c = arg;
	visit(c, c->anon ? pts_anon_avc_of(c->p, node) : pts_i_mmap_vma(c->p, node));
}

static void rb_walk(struct chain *c, uint64_t top)
{
	u64set_free(&c->seen);
	c->rb.nodes = 0;
	c->rb.stop = false;
	pts_rbtree_walk(c->p, &c->rb, top, 0);
}

#define KSM_MAX_ITEMS (1u << 16)

/* A KSM folio's mapping is its stable node (PAGE_MAPPING_KSM): the
 * kernel's rmap_walk_ksm() follows the node's hlist of rmap_items, each
 * naming an mm, an address and the anon_vma whose interval tree holds
 * the VMAs to look at. */
static struct pts_error *ksm_chain(struct chain *c, const struct pts_folio *f)
{
	struct pts_program *p = c->p;
	struct pts_rmap_chain *ret = c->out;
	ret->kind = PTS_RMAP_KSM;
	ret->stable_node = f->mapping & ~3ULL;
	struct pts_error *err = pts_ksm_layout(p);
	if (err)
		return pts_error_wrap(err, "KSM pfn %#" PRIx64, ret->pfn);
	c->anon = true;
	uint64_t node;
	int32_t len;
	if (!pts_ksm_stable_node_read(p, ret->stable_node, &node, &len))
		return pts_error(PTS_ERR_NODATA, "KSM stable node %#" PRIx64 " of pfn %#" PRIx64
				 ": not in the dump", ret->stable_node, ret->pfn);
	/* STABLE_NODE_CHAIN (-1024): a chain head, which no page points at */
	if (len < 0) {
		pts_notes_add(&ret->missing, "KSM stable node %#" PRIx64 " has rmap_hlist_len %d: a "
			      "chain head, not the node of a page", ret->stable_node, len);
		ret->tree_partial = true;
		return NULL;
	}
	struct pts_task_list tl;
	if ((err = pts_tasks(p, false, &tl)))
		return err;
	c->tl = &tl;
	struct u64set items = { 0 };
	while (node) {
		if (ret->rmap_items >= KSM_MAX_ITEMS || !u64set_add(&items, node)) {
			pts_notes_add(&ret->missing, "KSM stable node %#" PRIx64 ": its rmap_item list "
				      "loops at %#" PRIx64, ret->stable_node, node);
			ret->tree_partial = true;
			break;
		}
		uint64_t item = pts_ksm_item_of(p, node), av, va, top;
		if (!pts_ksm_item_read(p, item, &av, &va) || !pts_anon_vma_top(p, av, &top)) {
			pts_notes_add(&ret->missing, "KSM rmap_item %#" PRIx64 ": not in the dump", item);
			ret->tree_partial = true;
			break;
		}
		ret->rmap_items++;
		/* the low bits of ->address are ksm's SEQNR/UNSTABLE/STABLE flags */
		c->ksm_item = item;
		c->ksm_va = va & ~0xfffULL;
		rb_walk(c, top);
		if (!pts_hlist_next(p, node, &node)) {
			pts_notes_add(&ret->missing, "KSM rmap_item %#" PRIx64 ": its next link is not "
				      "in the dump", item);
			ret->tree_partial = true;
			break;
		}
	}
	u64set_free(&items);
	u64set_free(&c->seen);
	pts_task_list_free(&tl);
	return NULL;
}

struct pts_error *pts_rmap_chain(struct pts_program *p, uint64_t pfn, struct pts_rmap_chain *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->pfn = pfn;
	struct pts_folio f;
	struct pts_error *err = pts_folio_read(p, pfn, &f);
	if (err)
		return err;
	ret->folio_pfn = f.head_pfn;
	ret->hugetlb = f.hugetlb;
	struct chain c = { .p = p, .out = ret };
	static const enum pts_field need[] = {
		PTS_FLD_VMA_START, PTS_FLD_VMA_END, PTS_FLD_VMA_MM, PTS_FLD_VMA_PGOFF, PTS_FLD_MM_PGD,
	};
	static const enum pts_field need_anon[] = {
		PTS_FLD_AV_ROOT, PTS_FLD_AV_RB_ROOT, PTS_FLD_AVC_RB, PTS_FLD_AVC_VMA,
	};
	static const enum pts_field need_file[] = { PTS_FLD_AS_I_MMAP, PTS_FLD_VMA_SHARED_RB };
	if ((err = pts_rbtree_init(p, &c.rb, RB_MAX_DEPTH, RB_MAX_NODES, &c.seen)))
		return err;
	c.rb.arg = &c;
	c.rb.loop = rb_loop;
	c.rb.unread = rb_unread;
	c.rb.visit = rb_visit;
	if ((err = pts_fields_need(p, need, sizeof(need) / sizeof(*need))))
		return err;
	if (!f.mapping) {
		ret->why = "the folio has no mapping: nothing maps it through an rmap";
		return NULL;
	}
	if (f.ksm)
		return ksm_chain(&c, &f);
	if (f.movable) {
		ret->kind = PTS_RMAP_MOVABLE;
		ret->why = "a movable non-LRU page: no rmap";
		return NULL;
	}
	/* the page's offset: the folio's index plus the page's place in it
	 * (hugetlb folios kept a huge-page index before v6.7: tried first
	 * as PAGE_SIZE units, see below) */
	ret->pgoff = f.index + (pfn - f.head_pfn);
	if (f.anon) {
		ret->kind = PTS_RMAP_ANON;
		ret->anon_vma = f.mapping & ~3ULL;
		c.anon = true;
		if ((err = pts_fields_need(p, need_anon, sizeof(need_anon) / sizeof(*need_anon))))
			return err;
		pts_anon_vma_root(p, ret->anon_vma, &ret->root);
	} else {
		ret->kind = PTS_RMAP_FILE;
		ret->mapping = f.mapping;
		if ((err = pts_fields_need(p, need_file, sizeof(need_file) / sizeof(*need_file))))
			return err;
	}
	uint64_t top;
	uint64_t base = ret->kind == PTS_RMAP_ANON ? ret->anon_vma : ret->mapping;
	if (!(f.anon ? pts_anon_vma_top(p, base, &top) : pts_i_mmap_top(p, base, &top)))
		return pts_error(PTS_ERR_NODATA, "%s %#" PRIx64 " of pfn %#" PRIx64 ": not in the dump",
				 f.anon ? "anon_vma" : "address_space", base, pfn);
	struct pts_task_list tl;
	if ((err = pts_tasks(p, false, &tl)))
		return err;
	c.tl = &tl;
	rb_walk(&c, top);
	if (f.hugetlb && !ret->found && ret->maps.n) {
		/* before v6.7 a hugetlb folio's index counts huge pages */
		uint64_t pages = 1ULL << f.order;
		ret->maps.n = 0;
		ret->pgoff = f.index * pages + (pfn - f.head_pfn);
		rb_walk(&c, top);
	}
	u64set_free(&c.seen);
	pts_task_list_free(&tl);
	return NULL;
}

void pts_rmap_chain_free(struct pts_rmap_chain *c)
{
	free(c->maps.v);
	pts_notes_free(&c->missing);
	memset(c, 0, sizeof(*c));
}
