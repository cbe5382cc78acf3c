/* Walking the kernel's red-black trees (struct rb_node, lib/rbtree.c;
 * the interval trees of anon_vmas and address_spaces are rbtrees too,
 * include/linux/interval_tree_generic.h) in order, in a dump that may be
 * incomplete or corrupt: bounded in depth and in nodes, each node once.
 * The caller says what a loop and an unreadable node mean. */
#ifndef PTS_KRBTREE_H
#define PTS_KRBTREE_H
#include <stdbool.h>
#include <stdint.h>
#include "types/program.h"
#include "base/util.h"

struct pts_rbtree_walk {
	/* Bounds: a node deeper than max_depth, past max_nodes (counted in
	 * nodes, which the caller may share across trees), or already in
	 * seen (may be shared too) is a loop. */
	int max_depth;
	size_t max_nodes, nodes;
	struct u64set *seen;
	void *arg;
	/* A loop at node: its subtree is not walked.  Set stop to end the
	 * whole walk there. */
	void (*loop)(void *arg, uint64_t node, int depth);
	/* node's links (or what pre reads) are not in the dump: its subtree
	 * is not walked. */
	void (*unread)(void *arg, uint64_t node);
	/* Optional, before node's subtree: false when what it reads of the
	 * node is not in the dump (it says so itself; the subtree is not
	 * walked). */
	bool (*pre)(void *arg, uint64_t node, int depth);
	/* Each node in order. */
	void (*visit)(void *arg, uint64_t node, int depth);
	/* Optional, after node's subtree: a value folded from its children's
	 * (0 for a missing or unread child), returned to its parent: an
	 * augmented tree's subtree value. */
	uint64_t (*post)(void *arg, uint64_t node, int depth, uint64_t left, uint64_t right);
	bool stop;
	/* struct rb_node's members (pts_rbtree_init) */
	uint64_t rb_left, rb_right;
};

/* The rb_node layout of this kernel, and the bounds. */
struct pts_error *pts_rbtree_init(struct pts_program *p, struct pts_rbtree_walk *w, int max_depth,
				  size_t max_nodes, struct u64set *seen);
/* Walk the subtree at node (a struct rb_node's address; 0: empty) at
 * depth; post's value for it (0 without post). */
uint64_t pts_rbtree_walk(struct pts_program *p, struct pts_rbtree_walk *w, uint64_t node, int depth);
#endif
