/* hugetlb across the dump: hugetlb VMAs with their hstate and
 * vm_private_data, and the PMD tables that hugetlbfs files share
 * between processes, each with every sharer (found through the file's
 * i_mmap tree, as huge_pmd_share() finds them) and the kernel's own
 * share count. */
#ifndef PTS_HUGETLB_H
#define PTS_HUGETLB_H
#include "readers/khugetlb.h"
#include <stdbool.h>
#include <stdint.h>
#include "arch/arch.h"
#include "readers/klist.h"
#include "readers/klock.h"
#include "readers/kmm.h"
#include "readers/ktask.h"
#include "types/program.h"

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
	/* the PMD table's split lock, which every sharer takes
	 * (huge_pte_lockptr -> pmd_lockptr) */
	bool have_ptl;
	uint64_t ptl;
	struct pts_lock_state ptl_state;
	/* B7: leaves of this table whose folio is not of that file */
	unsigned leaves, foreign;
	uint64_t foreign_pfn, foreign_mapping;
};

/* One hstate-sized range of a hugetlb VMA mapped below the hstate's
 * level (a high-granularity mapping: legal only with HGM, INVARIANTS
 * C1/C2): its pieces summed. */
struct pts_hgm {
	uint64_t va;		/* start of the hstate-sized range */
	uint64_t table_pfn;	/* the first table holding its pieces */
	int level;		/* the smallest level of its pieces */
	unsigned pieces;	/* entries that are not none */
	unsigned present;	/* present leaves among them */
	uint64_t pages;		/* 4 KiB pages the present pieces map */
	uint64_t first_pfn, last_pfn;	/* lowest and highest frame mapped */
	uint64_t head_pfn;	/* the hugetlb folio the first present piece is in; 0 none */
	bool one_folio;		/* every present piece lies in that folio */
	bool contiguous;	/* each piece maps its offset of that folio */
};

/* Sums pieces in address order; a range is done when the next piece is
 * beyond it (pts_hgm_piece returns true and fills out) or at the end. */
struct pts_hgm_acc {
	struct pts_program *p;
	const struct pts_arch *a;
	uint64_t hsize;
	bool open;
	struct pts_hgm cur;
};
bool pts_hgm_piece(struct pts_hgm_acc *acc, uint64_t va, const struct pts_entry *e,
		   uint64_t table_pfn, struct pts_hgm *out);
bool pts_hgm_end(struct pts_hgm_acc *acc, struct pts_hgm *out);

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
	/* the rw_sema of the vma_lock, or of the resv_map where it has one
	 * (v6.1: both came with the vma_lock series) */
	bool have_sema;
	uint64_t sema;
	struct pts_lock_state sema_state;
	VEC(struct pts_hgm) hgm;	/* ranges mapped below the hstate's level */
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
/* How many PUD entries the kernel says reference PMD table pfn: its
 * pt_share_count + 1 where that member exists, else its refcount (a
 * table's own reference plus one per extra sharer). */
bool pts_hugetlb_table_sharers(struct pts_program *p, uint64_t pfn, int64_t *ret);
#endif
