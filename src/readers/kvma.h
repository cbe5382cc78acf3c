/* A VMA reached from elsewhere (a file's i_mmap tree, an anon_vma's
 * interval tree, a hugetlb lock): the few fields of it the rmap side
 * needs, and the trees that lead to it.  Best effort: false when the dump
 * lacks what was asked; the fields from the one table (kfields.h). */
#ifndef PTS_KVMA_H
#define PTS_KVMA_H
#include <stdbool.h>
#include <stdint.h>
#include "readers/kfields.h"
#include "types/program.h"

struct pts_vma_head {
	uint64_t start, end, mm, flags, pgoff;
};

/* The fields to read, in this order; a read stops at the first the dump
 * lacks. */
#define PTS_VH_START 1u
#define PTS_VH_END 2u
#define PTS_VH_MM 4u
#define PTS_VH_FLAGS 8u
#define PTS_VH_PGOFF 16u
#define PTS_VH_ALL 31u
bool pts_vma_head_read(struct pts_program *p, uint64_t vma, unsigned want, struct pts_vma_head *h);
/* mm->pgd */
bool pts_mm_pgd_read(struct pts_program *p, uint64_t mm, uint64_t *pgd);

/* A file's i_mmap interval tree: its top node, and the VMA a node is
 * the shared.rb of. */
bool pts_i_mmap_top(struct pts_program *p, uint64_t mapping, uint64_t *top);
uint64_t pts_i_mmap_vma(struct pts_program *p, uint64_t node);
/* An anon_vma's interval tree of anon_vma_chains: its top node, the avc
 * a node is the rb of, and the VMA an avc links. */
bool pts_anon_vma_top(struct pts_program *p, uint64_t anon_vma, uint64_t *top);
uint64_t pts_anon_avc_of(struct pts_program *p, uint64_t node);
bool pts_avc_vma(struct pts_program *p, uint64_t avc, uint64_t *vma);
/* anon_vma->root; vma->anon_vma; vma->vm_mm */
bool pts_anon_vma_root(struct pts_program *p, uint64_t anon_vma, uint64_t *root);
bool pts_vma_anon_vma(struct pts_program *p, uint64_t vma, uint64_t *anon_vma);
bool pts_vma_mm(struct pts_program *p, uint64_t vma, uint64_t *mm);
/* vma->anon_vma and vma->vm_mm are known to this kernel's types */
bool pts_vma_links_known(struct pts_program *p);
#endif
