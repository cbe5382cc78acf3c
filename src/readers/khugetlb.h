/* hugetlb's own structures as the kernel of the dump keeps them: the
 * hstates, the pools of each huge page size (mm/hugetlb.c hstates[],
 * hugetlb_max_hstate). */
#ifndef PTS_KHUGETLB_H
#define PTS_KHUGETLB_H
#include <stddef.h>
#include <stdint.h>
#include "readers/kfields.h"
#include "readers/klist.h"
#include "types/program.h"

/* The kernel's HUGE_MAX_HSTATE is a few (2 on x86-64): a larger count is damage. */
#define PTS_HSTATES_MAX 8

struct pts_hstate {
	char name[32];
	uint64_t page_size, nr, free, resv, surplus;
};

/* hstates[0..hugetlb_max_hstate) into out (PTS_HSTATES_MAX of them); what
 * cannot be read is said in missing.  The number read. */
size_t pts_hstates_read(struct pts_program *p, struct pts_hstate *out, struct pts_notes *missing);

/* A shared hugetlb VMA's lock, vm_private_data (v6.1 8d9bfb260814:
 * hugetlb_vma_lock_alloc() {refs, rw_sema, vma}); a private one's
 * resv_map has an rw_sema since the same series. */
bool pts_hugetlb_have_vma_lock(struct pts_program *p);
/* lock->vma then lock->refs; false if the dump lacks either */
bool pts_hugetlb_vma_lock_read(struct pts_program *p, uint64_t lock, uint64_t *vma, int32_t *refs);
uint64_t pts_hugetlb_vma_lock_sema(struct pts_program *p, uint64_t lock);
/* &resv_map->rw_sema; false on a kernel without it */
bool pts_resv_map_sema(struct pts_program *p, uint64_t resv_map, uint64_t *sema);

/* A PMD table page's count of the other processes sharing it
 * (pt_share_count, 59d9094df3d7 v6.13 and 6.1.y/6.12.y backports):
 * whether this kernel keeps one, and its value for the table at pfn. */
bool pts_pt_share_count_known(struct pts_program *p);
bool pts_pt_share_count_read(struct pts_program *p, uint64_t pfn, int32_t *count);
#endif
