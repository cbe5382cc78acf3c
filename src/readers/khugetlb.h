/* hugetlb's own structures as the kernel of the dump keeps them: the
 * hstates, the pools of each huge page size (mm/hugetlb.c hstates[],
 * hugetlb_max_hstate). */
#ifndef PTS_KHUGETLB_H
#define PTS_KHUGETLB_H
#include <stddef.h>
#include <stdint.h>
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
#endif
