#include "config.h"
#include "readers/kfields.h"
#include "readers/krbtree.h"

struct pts_error *pts_rbtree_init(struct pts_program *p, struct pts_rbtree_walk *w, int max_depth,
				  size_t max_nodes, struct u64set *seen)
{
	struct pts_error *err;
	w->max_depth = max_depth;
	w->max_nodes = max_nodes;
	w->seen = seen;
	if ((err = pts_field_need(p, PTS_FLD_RB_NODE_RB_LEFT, &w->rb_left)) ||
	    (err = pts_field_need(p, PTS_FLD_RB_NODE_RB_RIGHT, &w->rb_right)))
		return err;
	return NULL;
}

uint64_t pts_rbtree_walk(struct pts_program *p, struct pts_rbtree_walk *w, uint64_t node, int depth)
{
	if (!node || w->stop)
		return 0;
	if (depth > w->max_depth || ++w->nodes > w->max_nodes || !u64set_add(w->seen, node)) {
		w->loop(w->arg, node, depth);
		return 0;
	}
	uint64_t left, right;
	if (!pts_try_u64(p, node + w->rb_left, &left) || !pts_try_u64(p, node + w->rb_right, &right)) {
		w->unread(w->arg, node);
		return 0;
	}
	if (w->pre && !w->pre(w->arg, node, depth))
		return 0;
	uint64_t l = pts_rbtree_walk(p, w, left, depth + 1);
	w->visit(w->arg, node, depth);
	uint64_t r = pts_rbtree_walk(p, w, right, depth + 1);
	return w->post ? w->post(w->arg, node, depth, l, r) : 0;
}
