/* anon_vmas as the kernel links them (mm/rmap.c): each anonymous VMA's
 * anon_vma_chain list (one avc per anon_vma of its family it is linked
 * into) and each anon_vma's interval tree of avcs, keyed by the VMA's
 * page offset range.  Read in a dump that may be incomplete or corrupt:
 * bounded, with what is missing said. */
#ifndef PTS_KANON_H
#define PTS_KANON_H
#include <stdbool.h>
#include <stdint.h>
#include "readers/klist.h"
#include "types/program.h"
#include "base/util.h"

struct pts_anon_vma {
	uint64_t addr, root, parent;
	bool has_counts;	/* num_children/num_active_vmas (2555283eb40d, v6.1 and stable) */
	uint64_t num_children, num_active_vmas;
};

struct pts_avc {
	uint64_t addr, vma, anon_vma;
};

/* One node of an anon_vma's interval tree, in order. */
struct pts_anon_node {
	uint64_t avc, vma, anon_vma;	/* the avc and what it links */
	uint64_t start, last;		/* the VMA's page offsets: the interval */
	uint64_t subtree_last;		/* as the kernel keeps it */
	uint64_t want_subtree_last;	/* as the subtree says it should be */
};

struct pts_anon_tree {
	VEC(struct pts_anon_node) nodes;
	bool partial;			/* some of it could not be read */
	char *loop;			/* a node reached twice or too deep: what */
};

struct pts_error *pts_anon_vma_read(struct pts_program *p, uint64_t addr, struct pts_anon_vma *ret);
/* vma's anon_vma_chain list, in order. */
struct pts_error *pts_vma_avcs(struct pts_program *p, uint64_t vma, struct pts_avc **ret, size_t *n,
			       struct pts_notes *notes);
/* The interval tree of anon_vma, in order. */
struct pts_error *pts_anon_tree_read(struct pts_program *p, uint64_t anon_vma, struct pts_anon_tree *ret,
				     struct pts_notes *notes);
void pts_anon_tree_free(struct pts_anon_tree *t);

/* KSM (mm/ksm.c): a stable node's hlist of rmap_items, each naming an
 * anon_vma and an address.  pts_ksm_layout: the fields' lookup error
 * on a kernel without them. */
struct pts_error *pts_ksm_layout(struct pts_program *p);
/* node->hlist.first and node->rmap_hlist_len */
bool pts_ksm_stable_node_read(struct pts_program *p, uint64_t node, uint64_t *first, int32_t *len);
/* The rmap_item an hlist node is in, its anon_vma and address (with
 * ksm's flag bits), and the hlist's next node. */
uint64_t pts_ksm_item_of(struct pts_program *p, uint64_t hnode);
bool pts_ksm_item_read(struct pts_program *p, uint64_t item, uint64_t *anon_vma, uint64_t *address);
bool pts_hlist_next(struct pts_program *p, uint64_t hnode, uint64_t *next);
#endif
