#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "readers/kanon.h"
#include "readers/kfields.h"
#include "readers/krbtree.h"
#include "base/util.h"

#define MAX_CHAIN 65536		/* avcs on one VMA: one per generation of its family */
#define MAX_DEPTH 128		/* an rbtree of n nodes is at most 2 log2(n + 1) deep */
#define MAX_NODES (1u << 20)

struct layout {
	uint64_t av_root, av_parent, av_tree, av_children, av_active;
	bool counts;
	uint64_t vma_chain, vma_pgoff, vma_start, vma_end;
	uint64_t avc_vma, avc_av, avc_same, avc_rb, avc_last;
};

static struct pts_error *layout_derive(struct pts_program *p, struct layout *l)
{
	struct pts_error *err;
#define OFF(v, f) if ((err = pts_field_need(p, f, &l->v))) return err
	OFF(av_root, PTS_FLD_AV_ROOT);
	OFF(av_parent, PTS_FLD_ANON_VMA_PARENT);
	OFF(av_tree, PTS_FLD_AV_RB_ROOT);
	OFF(vma_chain, PTS_FLD_VM_AREA_STRUCT_ANON_VMA_CHAIN);
	OFF(vma_pgoff, PTS_FLD_VMA_PGOFF);
	OFF(vma_start, PTS_FLD_VMA_START);
	OFF(vma_end, PTS_FLD_VMA_END);
	OFF(avc_vma, PTS_FLD_AVC_VMA);
	OFF(avc_av, PTS_FLD_ANON_VMA_CHAIN_ANON_VMA);
	OFF(avc_same, PTS_FLD_ANON_VMA_CHAIN_SAME_VMA);
	OFF(avc_rb, PTS_FLD_AVC_RB);
	OFF(avc_last, PTS_FLD_ANON_VMA_CHAIN_RB_SUBTREE_LAST);
#undef OFF
	/* before 2555283eb40d (v6.1, and the stable kernels it went to) one
	 * ambiguous "degree" stood for both counts */
	l->counts = pts_field_opt(p, PTS_FLD_ANON_VMA_NUM_CHILDREN, &l->av_children) &&
		    pts_field_opt(p, PTS_FLD_ANON_VMA_NUM_ACTIVE_VMAS, &l->av_active);
	return NULL;
}

static struct pts_error *layout_new(struct pts_program *p, void **ret)
{
	struct layout *l = xcalloc(1, sizeof(*l));
	struct pts_error *err = layout_derive(p, l);
	if (err) {
		free(l);
		return err;
	}
	*ret = l;
	return NULL;
}

/* Derived once per program (its layout slot): D2 reads thousands of
 * anon_vmas and chains. */
static struct pts_error *layout(struct pts_program *p, struct layout *l)
{
	void *s;
	struct pts_error *err = pts_layout(p, PTS_LAYOUT_ANON, layout_new, free, &s);
	if (!err)
		*l = *(const struct layout *)s;
	return err;
}

struct pts_error *pts_anon_vma_read(struct pts_program *p, uint64_t addr, struct pts_anon_vma *ret)
{
	struct layout l;
	struct pts_error *err = layout(p, &l);
	if (err)
		return err;
	memset(ret, 0, sizeof(*ret));
	ret->addr = addr;
	if ((err = pts_read_u64(p, addr + l.av_root, &ret->root)) ||
	    (err = pts_read_u64(p, addr + l.av_parent, &ret->parent)))
		return pts_error_wrap(err, "anon_vma %#" PRIx64, addr);
	if (l.counts) {
		ret->has_counts = true;
		if ((err = pts_read_u64(p, addr + l.av_children, &ret->num_children)) ||
		    (err = pts_read_u64(p, addr + l.av_active, &ret->num_active_vmas)))
			return pts_error_wrap(err, "anon_vma %#" PRIx64, addr);
	}
	return NULL;
}

struct chain_ctx {
	const struct layout *l;
	VEC(struct pts_avc) v;
};

static struct pts_error *on_avc(struct pts_program *p, uint64_t node, void *arg)
{
	struct chain_ctx *c = arg;
	struct pts_avc a = { .addr = node - c->l->avc_same };
	struct pts_error *err;
	if ((err = pts_read_u64(p, a.addr + c->l->avc_vma, &a.vma)) ||
	    (err = pts_read_u64(p, a.addr + c->l->avc_av, &a.anon_vma)))
		return err;
	VEC_PUSH(&c->v, a);
	return NULL;
}

struct pts_error *pts_vma_avcs(struct pts_program *p, uint64_t vma, struct pts_avc **ret, size_t *n,
			       struct pts_notes *notes)
{
	struct layout l;
	struct pts_error *err = layout(p, &l);
	if (err)
		return err;
	struct chain_ctx c = { .l = &l };
	char what[64];
	snprintf(what, sizeof(what), "anon_vma_chain of VMA %#" PRIx64, vma);
	err = pts_list_walk(p, vma + l.vma_chain, what, MAX_CHAIN, on_avc, &c, notes);
	if (err) {
		free(c.v.v);
		return err;
	}
	*ret = c.v.v;
	*n = c.v.n;
	return NULL;
}

struct tree_ctx {
	struct pts_program *p;
	const struct layout *l;
	struct pts_anon_tree *out;
	struct pts_notes *notes;
	struct u64set seen;
	struct pts_rbtree_walk *w;
	/* each depth's node, read before its subtree (pre), pushed in order
	 * (visit) and given its augmented value after (post) */
	struct frame {
		struct pts_anon_node n;
		size_t at;
	} frame[MAX_DEPTH + 1];
};

static void tree_loop(void *arg, uint64_t rb, int depth)
{
	struct tree_ctx *c = arg;
	c->out->loop = xasprintf("node %#" PRIx64 " %s", rb, depth > MAX_DEPTH ?
				 "is deeper than any rbtree can be" : "is reached twice");
	c->w->stop = true;
}

static void tree_unread(void *arg, uint64_t rb)
{
	struct tree_ctx *c = arg;
	pts_notes_add(c->notes, "anon_vma interval tree node %#" PRIx64 ": not in the dump",
		      rb - c->l->avc_rb);
	c->out->partial = true;
}

/* The avc and its VMA's range, before the node's subtree. */
static bool tree_pre(void *arg, uint64_t rb, int depth)
{
	struct tree_ctx *c = arg;
	const struct layout *l = c->l;
	struct pts_program *p = c->p;
	uint64_t avc = rb - l->avc_rb;
	struct pts_anon_node n = { .avc = avc };
	uint64_t start_va, end_va;
	if (!pts_try_u64(p, avc + l->avc_vma, &n.vma) || !pts_try_u64(p, avc + l->avc_av, &n.anon_vma) ||
	    !pts_try_u64(p, avc + l->avc_last, &n.subtree_last) ||
	    !pts_try_u64(p, n.vma + l->vma_pgoff, &n.start) ||
	    !pts_try_u64(p, n.vma + l->vma_start, &start_va) ||
	    !pts_try_u64(p, n.vma + l->vma_end, &end_va)) {
		tree_unread(arg, rb);
		return false;
	}
	/* avc_last_pgoff(): vm_pgoff + vma_pages() - 1 */
	n.last = n.start + ((end_va - start_va) >> p->page_shift) - 1;
	c->frame[depth].n = n;
	return true;
}

static void tree_visit(void *arg, uint64_t rb, int depth)
{
	(void)rb;
	struct tree_ctx *c = arg;
	c->frame[depth].at = c->out->nodes.n;
	VEC_PUSH(&c->out->nodes, c->frame[depth].n);
}

/* The subtree's largest last page offset, from the children's values
 * (0 if empty or unreadable); the parent gets the kernel's value, not
 * ours: it is what the parent was built on. */
static uint64_t tree_post(void *arg, uint64_t rb, int depth, uint64_t lmax, uint64_t rmax)
{
	(void)rb;
	struct tree_ctx *c = arg;
	const struct pts_anon_node *n = &c->frame[depth].n;
	uint64_t m = n->last;
	m = lmax > m ? lmax : m;
	m = rmax > m ? rmax : m;
	c->out->nodes.v[c->frame[depth].at].want_subtree_last = m;
	return n->subtree_last;
}

struct pts_error *pts_anon_tree_read(struct pts_program *p, uint64_t anon_vma, struct pts_anon_tree *ret,
				     struct pts_notes *notes)
{
	struct layout l;
	struct pts_error *err = layout(p, &l);
	if (err)
		return err;
	memset(ret, 0, sizeof(*ret));
	uint64_t top;
	if ((err = pts_read_u64(p, anon_vma + l.av_tree, &top)))
		return pts_error_wrap(err, "anon_vma %#" PRIx64, anon_vma);
	struct tree_ctx *c = xcalloc(1, sizeof(*c));
	*c = (struct tree_ctx){ .p = p, .l = &l, .out = ret, .notes = notes };
	struct pts_rbtree_walk w;
	memset(&w, 0, sizeof(w));
	if ((err = pts_rbtree_init(p, &w, MAX_DEPTH, MAX_NODES, &c->seen))) {
		free(c);
		return err;
	}
	w.arg = c;
	w.loop = tree_loop;
	w.unread = tree_unread;
	w.pre = tree_pre;
	w.visit = tree_visit;
	w.post = tree_post;
	/* the first loop ends the walk (tree_loop says where) */
	c->w = &w;
	pts_rbtree_walk(p, &w, top, 0);
	u64set_free(&c->seen);
	free(c);
	return NULL;
}

void pts_anon_tree_free(struct pts_anon_tree *t)
{
	free(t->nodes.v);
	free(t->loop);
	memset(t, 0, sizeof(*t));
}

struct pts_error *pts_ksm_layout(struct pts_program *p)
{
	static const enum pts_field need[] = {
		PTS_FLD_KSM_SN_HLIST, PTS_FLD_KSM_SN_LEN, PTS_FLD_KSM_RI_HLIST, PTS_FLD_KSM_RI_AV,
		PTS_FLD_KSM_RI_MM, PTS_FLD_KSM_RI_ADDR, PTS_FLD_AVC_RB, PTS_FLD_AVC_VMA, PTS_FLD_AV_RB_ROOT,
	};
	return pts_fields_need(p, need, sizeof(need) / sizeof(*need));
}

bool pts_ksm_stable_node_read(struct pts_program *p, uint64_t node, uint64_t *first, int32_t *len)
{
	uint32_t n;
	if (!pts_field_has(p, PTS_FLD_KSM_SN_HLIST) || !pts_field_has(p, PTS_FLD_KSM_SN_LEN) ||
	    !pts_try_u64(p, node + pts_field_off(p, PTS_FLD_KSM_SN_HLIST), first) ||
	    !pts_try_u32(p, node + pts_field_off(p, PTS_FLD_KSM_SN_LEN), &n))
		return false;
	*len = (int32_t)n;
	return true;
}

uint64_t pts_ksm_item_of(struct pts_program *p, uint64_t hnode)
{
	return hnode - pts_field_off(p, PTS_FLD_KSM_RI_HLIST);
}

bool pts_ksm_item_read(struct pts_program *p, uint64_t item, uint64_t *anon_vma, uint64_t *address)
{
	return pts_field_has(p, PTS_FLD_KSM_RI_AV) && pts_field_has(p, PTS_FLD_KSM_RI_ADDR) &&
	       pts_try_u64(p, item + pts_field_off(p, PTS_FLD_KSM_RI_AV), anon_vma) &&
	       pts_try_u64(p, item + pts_field_off(p, PTS_FLD_KSM_RI_ADDR), address);
}

bool pts_hlist_next(struct pts_program *p, uint64_t hnode, uint64_t *next)
{
	return pts_try_u64(p, hnode, next);	/* hlist_node.next is first */
}
