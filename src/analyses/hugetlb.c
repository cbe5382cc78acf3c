#include "config.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "analyses/hugetlb.h"
#include "readers/kpage.h"
#include "readers/khugetlb.h"
#include "readers/krbtree.h"
#include "readers/ktask.h"
#include "readers/kvma.h"
#include "base/util.h"
#include "readers/walk.h"

#define MAX_TREE (1u << 20)	/* VMAs of one file: far above any real count */
#define RB_DEPTH 128

/* The fields the scan cannot do without (readers/kfields.h). */
static struct pts_error *layout(struct pts_program *p)
{
	static const enum pts_field need[] = {
		PTS_FLD_AS_I_MMAP, PTS_FLD_VMA_SHARED_RB, PTS_FLD_VMA_START, PTS_FLD_VMA_END, PTS_FLD_VMA_MM,
		PTS_FLD_VMA_FLAGS, PTS_FLD_VMA_PGOFF, PTS_FLD_MM_PGD, PTS_FLD_PAGE_MAPPING,
	};
	return pts_fields_need(p, need, sizeof(need) / sizeof(*need));
}

static void hgm_open(struct pts_hgm_acc *acc, uint64_t va, const struct pts_entry *e,
		     uint64_t table_pfn)
{
	memset(&acc->cur, 0, sizeof(acc->cur));
	acc->cur.va = va & ~(acc->hsize - 1);
	acc->cur.table_pfn = table_pfn;
	acc->cur.level = e->level;
	acc->cur.one_folio = acc->cur.contiguous = true;
	acc->open = true;
}

bool pts_hgm_piece(struct pts_hgm_acc *acc, uint64_t va, const struct pts_entry *e,
		   uint64_t table_pfn, struct pts_hgm *out)
{
	bool done = false;
	if (acc->open && (va & ~(acc->hsize - 1)) != acc->cur.va) {
		*out = acc->cur;
		acc->open = false;
		done = true;
	}
	if (!acc->open)
		hgm_open(acc, va, e, table_pfn);
	struct pts_hgm *h = &acc->cur;
	h->pieces++;
	if (e->level < h->level)
		h->level = e->level;
	if (e->kind != PTS_EK_PRESENT || !e->has_pfn)
		return done;
	unsigned ps = acc->a->page_shift;
	uint64_t n = pts_level_size(acc->a, e->level) >> ps, hpages = acc->hsize >> ps;
	if (!h->present++) {
		/* hugetlb folios are aligned to their size: the head is the
		 * aligned frame, if it is a hugetlb folio's head at all */
		uint64_t head = e->pfn & ~(hpages - 1);
		struct pts_page pg;
		struct pts_error *err = pts_page_read(acc->p, head, &pg);
		h->head_pfn = !err && pg.head && pg.hugetlb == 1 ? head : 0;
		pts_error_destroy(err);
		h->first_pfn = e->pfn;
		h->last_pfn = e->pfn + n - 1;
	}
	h->pages += n;
	if (e->pfn < h->first_pfn)
		h->first_pfn = e->pfn;
	if (e->pfn + n - 1 > h->last_pfn)
		h->last_pfn = e->pfn + n - 1;
	if (!h->head_pfn || e->pfn < h->head_pfn || e->pfn + n > h->head_pfn + hpages)
		h->one_folio = false;
	if (!h->head_pfn || e->pfn != h->head_pfn + ((va - h->va) >> ps))
		h->contiguous = false;
	return done;
}

bool pts_hgm_end(struct pts_hgm_acc *acc, struct pts_hgm *out)
{
	if (!acc->open)
		return false;
	*out = acc->cur;
	acc->open = false;
	return true;
}

struct owner {
	uint64_t mm;
	int32_t pid;
	char comm[16];
};

struct scan {
	struct pts_program *p;
	const struct pts_arch *a;
	struct pts_hugetlb *h;
	struct owner *owners;
	size_t nowners;
	struct u64set seen_vma, seen_range;
	struct u64set partial;	/* mappings whose i_mmap was not all read */
	struct pts_rbtree_walk rb;	/* every mapping's i_mmap tree, one bound */
};

struct hgm_walk {
	struct pts_hgm_acc acc;
	struct pts_hvma *hv;
};

static void hgm_entry(void *arg, uint64_t va, const struct pts_entry *e, const struct pts_table *t,
		      unsigned index)
{
	(void)index;
	struct hgm_walk *w = arg;
	struct pts_hgm done;
	if (e->kind == PTS_EK_TABLE ||
	    pts_level_size(w->acc.a, e->level) >= pts_arch_hstate_piece(w->acc.a, w->acc.hsize))
		return;
	if (pts_hgm_piece(&w->acc, va, e, t->pfn, &done))
		VEC_PUSH(&w->hv->hgm, done);
}

/* The VMA's walk, for the parts mapped below its hstate's level. */
static void find_hgm(struct scan *s, uint64_t pgd, struct pts_hvma *hv)
{
	if (!hv->v.huge_size || hv->v.huge_size <= s->p->page_size)
		return;
	struct hgm_walk w = { .acc = { .p = s->p, .a = s->a, .hsize = hv->v.huge_size }, .hv = hv };
	struct pts_walk_ops ops = { .entry = hgm_entry };
	struct pts_walk_result r = { 0 };
	struct pts_error *err = pts_walk(s->p, pgd, hv->v.start, hv->v.end, &ops, &w, &r);
	struct pts_hgm done;
	if (pts_hgm_end(&w.acc, &done))
		VEC_PUSH(&hv->hgm, done);
	if (err) {
		pts_notes_add(&s->h->missing, "page tables of pid %d at %#" PRIx64 ": %s", hv->pid,
			      hv->v.start, pts_error_text(err));
		pts_error_destroy(err);
	}
	for (size_t i = 0; i < r.missing.n; i++)
		pts_notes_add(&s->h->missing, "pid %d: %s", hv->pid, r.missing.v[i]);
	pts_walk_result_free(&r);
}

static const struct owner *owner_of(const struct scan *s, uint64_t mm)
{
	for (size_t i = 0; i < s->nowners; i++)
		if (s->owners[i].mm == mm)
			return &s->owners[i];
	return NULL;
}

static struct pts_htable *table_for(struct pts_hugetlb *h, uint64_t pfn, uint64_t mapping)
{
	for (size_t i = 0; i < h->tables.n; i++)
		if (h->tables.v[i].pfn == pfn)
			return &h->tables.v[i];
	struct pts_htable t = { .pfn = pfn, .mapping = mapping };
	VEC_PUSH(&h->tables, t);
	return &h->tables.v[h->tables.n - 1];
}

/* One VMA found in a file's i_mmap: the PUD entry of every PUD_SIZE range
 * it touches (1 GiB; 64 GiB with arm64's 16 KiB pages, where with 3 levels
 * the PGD entry plays the PUD's part), and the PMD table behind it. */
static void sharer_vma(struct scan *s, uint64_t vma, uint64_t mapping)
{
	struct pts_program *p = s->p;
	struct pts_vma_head vh;
	uint64_t pgd;
	if (!pts_vma_head_read(p, vma, PTS_VH_ALL, &vh) || !pts_mm_pgd_read(p, vh.mm, &pgd)) {
		pts_notes_add(&s->h->missing, "VMA %#" PRIx64 " in i_mmap of %#" PRIx64
			      ": not readable", vma, mapping);
		u64set_add(&s->partial, mapping);
		return;
	}
	uint64_t start = vh.start, end = vh.end, mm = vh.mm, flags = vh.flags, pgoff = vh.pgoff;
	if (!(flags & PTS_VM_HUGETLB) || start >= end)
		return;
	/* The loop below is bounded by the user address space, never by a
	 * value read: a damaged vm_end of 2^64 - 1 was 16 G PUD ranges. */
	if (end > s->a->user_end) {
		pts_notes_add(&s->h->missing, "VMA %#" PRIx64 " in i_mmap of %#" PRIx64 ": %#" PRIx64
			      "-%#" PRIx64 " ends beyond the user address space (%#" PRIx64 ")", vma,
			      mapping, start, end, s->a->user_end);
		u64set_add(&s->partial, mapping);
		return;
	}
	int above = pts_arch_above(s->a, PTS_PMD);
	uint64_t pud = pts_level_size(s->a, above);
	for (uint64_t r = start & ~(pud - 1); r < end && r >= (start & ~(pud - 1)); r += pud) {
		/* one PUD entry per (mm, range), however many VMAs share it */
		if (!u64set_add(&s->seen_range, (mm ^ (r * 0x9e3779b97f4a7c15ULL)) | 1))
			continue;
		struct pts_xlate x;
		struct pts_error *err = pts_translate(p, pgd, r < start ? start : r, &x);
		if (err) {
			pts_notes_add(&s->h->missing, "page tables of mm %#" PRIx64 " at %#" PRIx64 ": %s",
				      mm, r, pts_error_text(err));
			pts_error_destroy(err);
			u64set_add(&s->partial, mapping);
			continue;
		}
		for (int i = 0; i < x.nsteps; i++) {
			const struct pts_xlate_step *st = &x.step[i];
			if (st->level != above || st->e.kind != PTS_EK_TABLE)
				continue;
			struct pts_htable *t = table_for(s->h, st->e.pfn, mapping);
			const struct owner *o = owner_of(s, mm);
			struct pts_hsharer sh = { o ? o->pid : 0, "", mm, vma, r, start, end, flags, pgoff,
						  start <= r && end >= r + pud };
			if (o)
				memcpy(sh.comm, o->comm, sizeof(sh.comm));
			VEC_PUSH(&t->sharers, sh);
		}
	}
}

/* The i_mmap interval tree (an augmented rbtree of
 * vm_area_struct.shared.rb) in order, through the rbtree reader; its
 * bounds and seen set are shared by every mapping's tree. */
struct itree {
	struct scan *s;
	uint64_t mapping;
};

static void tree_loop(void *arg, uint64_t node, int depth)
{
	(void)depth;
	struct itree *t = arg;
	pts_notes_add(&t->s->h->missing, "i_mmap tree of %#" PRIx64 " is too deep or has a "
		      "cycle at node %#" PRIx64 ": the rest not read", t->mapping, node);
	u64set_add(&t->s->partial, t->mapping);
}

static void tree_unread(void *arg, uint64_t node)
{
	struct itree *t = arg;
	pts_notes_add(&t->s->h->missing, "i_mmap node %#" PRIx64 " of %#" PRIx64
		      ": not in the dump", node, t->mapping);
	u64set_add(&t->s->partial, t->mapping);
}

static void tree_visit(void *arg, uint64_t node, int depth)
{
	(void)depth;
	struct itree *t = arg;
	sharer_vma(t->s, pts_i_mmap_vma(t->s->p, node), t->mapping);
}

static void tree(struct scan *s, uint64_t node, uint64_t mapping)
{
	struct itree t = { s, mapping };
	s->rb.arg = &t;
	s->rb.stop = false;
	pts_rbtree_walk(s->p, &s->rb, node, 0);
}

static void decode_private(struct scan *s, struct pts_hvma *hv)
{
	const struct pts_vma *v = &hv->v;
	if (!v->private_data)
		return;
	if (v->flags & PTS_VM_MAYSHARE) {
		/* hugetlb_vma_lock_alloc(): {refs, rw_sema, vma} */
		if (!pts_hugetlb_have_vma_lock(s->p))
			return;
		hv->lock = v->private_data;
		if (pts_hugetlb_vma_lock_read(s->p, hv->lock, &hv->lock_vma, &hv->lock_refs)) {
			hv->have_lock = true;
			hv->have_sema = true;
			hv->sema = pts_hugetlb_vma_lock_sema(s->p, hv->lock);
		} else {
			pts_notes_add(&s->h->missing, "hugetlb_vma_lock %#" PRIx64 " of VMA %#" PRIx64
				      ": not in the dump", hv->lock, v->addr);
		}
	} else {
		/* set_vma_resv_map(): resv_map | HPAGE_RESV_OWNER 1 | UNMAPPED 2 */
		hv->resv_map = v->private_data & ~3ULL;
		hv->resv_flags = (unsigned)(v->private_data & 3);
		if (hv->resv_map && pts_resv_map_sema(s->p, hv->resv_map, &hv->sema))
			hv->have_sema = true;
	}
	if (hv->have_sema) {
		struct pts_error *err = pts_lock_read(s->p, PTS_LOCK_RWSEM, hv->sema, &hv->sema_state,
						      &s->h->missing);
		if (err) {
			hv->have_sema = false;
			pts_notes_add(&s->h->missing, "rw_sema of VMA %#" PRIx64 ": %s", v->addr,
				      pts_error_text(err));
			pts_error_destroy(err);
		}
	}
}

static void read_hstates(struct pts_program *p, struct pts_hugetlb *h)
{
	struct pts_hstate hs[PTS_HSTATES_MAX];
	size_t n = pts_hstates_read(p, hs, &h->missing);
	for (size_t i = 0; i < n; i++)
		VEC_PUSH(&h->hstates, hs[i]);
}

struct pts_error *pts_hugetlb_scan(struct pts_program *p, int32_t pid,
				   const struct pts_task_list *tasks, struct pts_hugetlb *ret)
{
	memset(ret, 0, sizeof(*ret));
	struct scan s = { .p = p, .h = ret };
	struct pts_error *err = pts_arch_get(p, &s.a);
	if (!err)
		err = layout(p);
	if (!err)
		err = pts_rbtree_init(p, &s.rb, RB_DEPTH, MAX_TREE, &s.seen_vma);
	if (err)
		return err;
	s.rb.loop = tree_loop;
	s.rb.unread = tree_unread;
	s.rb.visit = tree_visit;
	ret->have_vma_lock = pts_hugetlb_have_vma_lock(p);
	read_hstates(p, ret);
	bool pt_share = pts_pt_share_count_known(p);
	ret->count_source = pt_share ? "pt_share_count" : "refcount";
	struct pts_task_list own = { 0 };
	if (!tasks && (err = pts_tasks(p, false, &own)))
		return err;
	const struct pts_task_list tl = tasks ? *tasks : own;
	for (size_t i = 0; i < tl.notes.n; i++)
		pts_notes_add(&ret->missing, "%s", tl.notes.v[i]);
	s.owners = xcalloc(tl.n + 1, sizeof(*s.owners));
	struct u64set mms = { 0 }, maps = { 0 };
	for (size_t i = 0; i < tl.n; i++) {
		const struct pts_task *t = &tl.v[i];
		if (!t->mm || !u64set_add(&mms, t->mm))
			continue;
		struct owner o = { t->mm, t->pid, "" };
		memcpy(o.comm, t->comm, sizeof(o.comm));
		s.owners[s.nowners++] = o;
		if (pid >= 0 && t->pid != pid)
			continue;
		struct pts_mm mm;
		if ((err = pts_mm_read_flags(p, t, PTS_MM_HUGETLB_NAMES, &mm))) {
			pts_notes_add(&ret->missing, "pid %d: %s", t->pid, pts_error_text(err));
			pts_error_destroy(err);
			err = NULL;
			continue;
		}
		for (size_t k = 0; k < mm.missing.n; k++)
			pts_notes_add(&ret->missing, "pid %d: %s", t->pid, mm.missing.v[k]);
		for (size_t k = 0; k < mm.nvmas; k++) {
			struct pts_vma *v = &mm.vmas[k];
			if (!(v->flags & PTS_VM_HUGETLB))
				continue;
			struct pts_hvma hv = { .pid = t->pid, .mm = mm.addr, .v = *v };
			memcpy(hv.comm, t->comm, sizeof(hv.comm));
			v->name = NULL;	/* now owned by hv */
			hv.v.name_note = v->name_note ? xstrdup(v->name_note) : NULL;
			decode_private(&s, &hv);
			find_hgm(&s, mm.pgd, &hv);
			VEC_PUSH(&ret->vmas, hv);
			if (v->mapping)
				u64set_add(&maps, v->mapping);
		}
		pts_mm_free(&mm);
	}
	/* Every sharer of every file, from the kernel's own reverse map. */
	for (size_t i = 0; i < maps.cap; i++) {
		uint64_t m = maps.v ? maps.v[i] : 0, root;
		if (!m)
			continue;
		if (!pts_i_mmap_top(p, m, &root)) {
			pts_notes_add(&ret->missing, "address_space %#" PRIx64 ": not in the dump", m);
			u64set_add(&s.partial, m);
			continue;
		}
		tree(&s, root, m);
	}
	/* B7: what each table's leaves map, from the folio heads. */
	for (size_t i = 0; i < ret->tables.n; i++) {
		struct pts_htable *t = &ret->tables.v[i];
		t->incomplete = u64set_has(&s.partial, t->mapping);
		uint64_t raw[PTS_MAX_ENTRIES];
		struct pts_error *e = pts_table_read(p, t->pfn, raw);
		if (e) {
			pts_notes_add(&ret->missing, "pmd table pfn %#" PRIx64 ": %s", t->pfn,
				      pts_error_text(e));
			pts_error_destroy(e);
			continue;
		}
		for (unsigned k = 0; k < s.a->entries; k++) {
			struct pts_entry en;
			uint64_t mapping;
			pts_entry_decode(s.a, PTS_PMD, raw[k], &en);
			if (en.kind != PTS_EK_PRESENT)
				continue;
			t->leaves++;
			if (!pts_page_mapping_read(p, en.pfn, &mapping))
				continue;
			if (mapping != t->mapping && !t->foreign++) {
				t->foreign_pfn = en.pfn;
				t->foreign_mapping = mapping;
			}
		}
	}
	/* The kernel's count of each table's sharers. */
	for (size_t i = 0; i < ret->tables.n; i++) {
		struct pts_htable *t = &ret->tables.v[i];
		if (pt_share) {
			int32_t c;
			if (pts_pt_share_count_read(p, t->pfn, &c)) {
				t->count_known = true;
				t->pt_share_count = true;
				t->count = c;
				t->expected = (int64_t)t->sharers.n - 1;
			}
		} else {
			struct pts_page pg;
			struct pts_error *e = pts_page_read(p, t->pfn, &pg);
			if (!e) {
				t->count_known = true;
				t->count = pg.refcount;
				t->expected = (int64_t)t->sharers.n;
			}
			pts_error_destroy(e);
		}
		if (!t->count_known)
			pts_notes_add(&ret->missing, "share count of pmd table pfn %#" PRIx64
				      ": not in the dump", t->pfn);
		bool split;
		struct pts_error *e = t->sharers.n ? pts_ptl_addr(p, t->sharers.v[0].mm, PTS_PMD, t->pfn,
								  &t->ptl, &split) : NULL;
		if (!e && t->sharers.n)
			e = pts_lock_read(p, PTS_LOCK_SPIN, t->ptl, &t->ptl_state, &ret->missing);
		if (e) {
			pts_notes_add(&ret->missing, "lock of pmd table pfn %#" PRIx64 ": %s", t->pfn,
				      pts_error_text(e));
			pts_error_destroy(e);
		} else {
			t->have_ptl = t->sharers.n > 0;
		}
	}
	u64set_free(&mms);
	u64set_free(&maps);
	u64set_free(&s.seen_vma);
	u64set_free(&s.seen_range);
	u64set_free(&s.partial);
	free(s.owners);
	pts_task_list_free(&own);
	return NULL;
}

bool pts_hugetlb_table_sharers(struct pts_program *p, uint64_t pfn, int64_t *ret)
{
	struct pts_error *err = layout(p);
	if (err) {
		pts_error_destroy(err);
		return false;
	}
	if (pts_pt_share_count_known(p)) {
		int32_t c;
		if (!pts_pt_share_count_read(p, pfn, &c))
			return false;
		/* in 64 bits: a damaged count of INT_MAX is no overflow */
		*ret = (int64_t)c + 1;
		return true;
	}
	struct pts_page pg;
	err = pts_page_read(p, pfn, &pg);
	pts_error_destroy(err);
	if (err)
		return false;
	*ret = pg.refcount;
	return true;
}

void pts_hugetlb_free(struct pts_hugetlb *h)
{
	for (size_t i = 0; i < h->vmas.n; i++) {
		free(h->vmas.v[i].v.name);
		free(h->vmas.v[i].v.name_note);
		free(h->vmas.v[i].hgm.v);
		pts_lock_state_free(&h->vmas.v[i].sema_state);
	}
	free(h->vmas.v);
	free(h->hstates.v);
	for (size_t i = 0; i < h->tables.n; i++) {
		free(h->tables.v[i].sharers.v);
		pts_lock_state_free(&h->tables.v[i].ptl_state);
	}
	free(h->tables.v);
	pts_notes_free(&h->missing);
	memset(h, 0, sizeof(*h));
}
