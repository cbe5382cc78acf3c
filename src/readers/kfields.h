/* The fields of kernel structures that readers read by, in one table:
 * each named once with its type, member path and the kernel change that
 * moved or renamed it; resolved all together, once per program, on the
 * first read that needs one (readers/kfields.c).  A field this kernel
 * lacks is have[] false; a reader that cannot do without it asks
 * pts_field_need for the lookup's own error. */
#ifndef PTS_KFIELDS_H
#define PTS_KFIELDS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "types/program.h"

enum pts_field {
	/* struct vm_area_struct */
	PTS_FLD_VMA_START,
	PTS_FLD_VMA_END,
	PTS_FLD_VMA_MM,
	PTS_FLD_VMA_FLAGS,
	PTS_FLD_VMA_PGOFF,
	PTS_FLD_VMA_ANON_VMA,
	PTS_FLD_VMA_SHARED_RB,
	PTS_FLD_VMA_LOCK_SEQ,
	PTS_FLD_VMA_REFCNT,
	PTS_FLD_VMA_LOCK,
	PTS_FLD_VMA_LOCK_LOCK,	/* struct vma_lock: lock */
	/* struct mm_struct */
	PTS_FLD_MM_PGD,
	PTS_FLD_MM_MMAP_LOCK,
	PTS_FLD_MM_LOCK_SEQ,
	PTS_FLD_MM_WRITER_WAIT,
	/* struct address_space */
	PTS_FLD_AS_I_MMAP,
	PTS_FLD_AS_I_MMAP_RWSEM,
	/* struct anon_vma, struct anon_vma_chain */
	PTS_FLD_AV_ROOT,
	PTS_FLD_AV_RB_ROOT,
	PTS_FLD_AV_RWSEM,
	PTS_FLD_AVC_RB,
	PTS_FLD_AVC_VMA,
	/* struct page, struct ptdesc */
	PTS_FLD_PAGE_MAPPING,
	PTS_FLD_PAGE_MAPCOUNT,
	PTS_FLD_PT_SHARE_COUNT,
	/* hugetlb: struct hugetlb_vma_lock, struct resv_map */
	PTS_FLD_HVL_REFS,
	PTS_FLD_HVL_VMA,
	PTS_FLD_HVL_SEMA,
	PTS_FLD_RESV_SEMA,
	/* struct task_struct, struct held_lock */
	PTS_FLD_TASK_BLOCKER,
	PTS_FLD_TASK_STACK,
	PTS_FLD_TASK_SP,
	PTS_FLD_TASK_HELD_LOCKS,
	PTS_FLD_TASK_LOCKDEP_DEPTH,
	PTS_FLD_HELD_LOCK_INSTANCE,
	/* lockdep's dep_map in each lock kind */
	PTS_FLD_RWSEM_DEP_MAP,
	PTS_FLD_MUTEX_DEP_MAP,
	PTS_FLD_SPIN_DEP_MAP,
	/* KSM: struct ksm_stable_node, struct ksm_rmap_item */
	PTS_FLD_KSM_SN_HLIST,
	PTS_FLD_KSM_SN_LEN,
	PTS_FLD_KSM_RI_HLIST,
	PTS_FLD_KSM_RI_AV,
	PTS_FLD_KSM_RI_MM,
	PTS_FLD_KSM_RI_ADDR,
	/* struct swap_info_struct */
	PTS_FLD_SWAP_FLAGS,
	PTS_FLD_SWAP_MAX,
	PTS_FLD_SWAP_MAP,
	PTS_FLD_N
};

/* Sizes of whole types the readers step by. */
enum pts_type_size {
	PTS_SZ_THREAD_UNION,	/* THREAD_SIZE: a kernel stack */
	PTS_SZ_HELD_LOCK,	/* lockdep's held_locks[] element */
	PTS_SZ_MUTEX,		/* hugetlb_fault_mutex_table[] element */
	PTS_SZ_N
};

struct pts_fields {
	bool have[PTS_FLD_N];
	uint64_t off[PTS_FLD_N];
	uint64_t size[PTS_FLD_N];	/* the member's size in bytes */
	bool have_sizeof[PTS_SZ_N];
	uint64_t size_of[PTS_SZ_N];
	uint64_t held_locks_len;	/* task_struct.held_locks[]: MAX_LOCK_DEPTH, 0 if none */
};

/* The table for p's kernel (never NULL once the program has types; with
 * none, every have[] is false). */
const struct pts_fields *pts_fields(struct pts_program *p);
/* f's offset, or the type lookup's error (naming the type and member)
 * when this kernel lacks it. */
struct pts_error *pts_field_need(struct pts_program *p, enum pts_field f, uint64_t *off);
/* The first of n fields this kernel lacks, as pts_field_need says it;
 * NULL when it has them all (a reader that needs them all asks first). */
struct pts_error *pts_fields_need(struct pts_program *p, const enum pts_field *f, size_t n);
/* The table's rows: for docs and the unit test. */
const char *pts_field_name(enum pts_field f);
#endif
