/* hugetlb across the dump: hugetlb VMAs with their hstate and
 * vm_private_data, and the PMD tables that hugetlbfs files share
 * between processes, each with every sharer (found through the file's
 * i_mmap tree, as huge_pmd_share() finds them) and the kernel's own
 * share count. */
#ifndef PTS_HUGETLB_H
#define PTS_HUGETLB_H
#include <stdbool.h>
#include <stdint.h>
#include "klist.h"
#include "kmm.h"
#include "ktask.h"
#include "program.h"

struct pts_hsharer {
	int32_t pid;		/* 0 when no task has this mm */
	char comm[16];
	uint64_t mm, vma, va;	/* va: start of the PUD range */
	uint64_t vm_start, vm_end, vm_flags, pgoff;
	bool covers;		/* the VMA spans the whole PUD range */
};

struct pts_htable {
	uint64_t pfn;		/* the PMD table */
	uint64_t mapping;	/* the file whose i_mmap led here */
	VEC(struct pts_hsharer) sharers;
	bool count_known;
	bool pt_share_count;	/* count is ptdesc->pt_share_count (v6.13+, backports) */
	int64_t count;		/* pt_share_count, or the table page's refcount */
	int64_t expected;	/* what count should be for these sharers */
	bool incomplete;	/* the file's i_mmap or a sharer was not all readable */
	/* B7: leaves of this table whose folio is not of that file */
	unsigned leaves, foreign;
	uint64_t foreign_pfn, foreign_mapping;
};

struct pts_hvma {
	int32_t pid;
	char comm[16];
	uint64_t mm;
	struct pts_vma v;	/* name owned here */
	/* vm_private_data decoded (B1): shared mappings' hugetlb_vma_lock */
	bool have_lock;
	uint64_t lock, lock_vma;
	int32_t lock_refs;
	/* private mappings: the resv_map and HPAGE_RESV_OWNER/UNMAPPED */
	uint64_t resv_map;
	unsigned resv_flags;
};

struct pts_hstate {
	char name[32];
	uint64_t page_size, nr, free, resv, surplus;
};

struct pts_hugetlb {
	VEC(struct pts_hstate) hstates;
	VEC(struct pts_hvma) vmas;
	VEC(struct pts_htable) tables;	/* every PMD table of a hugetlb range */
	struct pts_notes missing;
	bool have_vma_lock;	/* struct hugetlb_vma_lock (v6.1) */
	const char *count_source;	/* "pt_share_count" or "refcount" */
};

/* pid < 0: every process.  tasks: the task list when the caller has
 * read it already, else NULL. */
struct pts_error *pts_hugetlb_scan(struct pts_program *p, int32_t pid,
				   const struct pts_task_list *tasks, struct pts_hugetlb *ret);
void pts_hugetlb_free(struct pts_hugetlb *h);
#endif
