/* The fields of kernel structures that readers read by, in one table:
 * each named once with its type, member path and the kernel change that
 * moved or renamed it (readers/kfields.c), looked up once per program.
 * A field this kernel lacks is pts_field_has() false; a reader that
 * cannot do without it asks pts_field_need for the lookup's own error. */
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
	/* the other readers' fields, named by type and member */
	PTS_FLD_ANON_VMA_NUM_CHILDREN,
	PTS_FLD_ANON_VMA_NUM_ACTIVE_VMAS,
	PTS_FLD_ANON_VMA_PARENT,
	PTS_FLD_VM_AREA_STRUCT_ANON_VMA_CHAIN,
	PTS_FLD_ANON_VMA_CHAIN_ANON_VMA,
	PTS_FLD_ANON_VMA_CHAIN_SAME_VMA,
	PTS_FLD_ANON_VMA_CHAIN_RB_SUBTREE_LAST,
	PTS_FLD_PAGE_INDEX,
	PTS_FLD_FOLIO_INDEX,
	PTS_FLD_FOLIO_FOLIO_ORDER,
	PTS_FLD_FOLIO_FLAGS_1,
	PTS_FLD_PAGE_COMPOUND_ORDER,
	PTS_FLD_FOLIO_ENTIRE_MAPCOUNT,
	PTS_FLD_FOLIO_TOTAL_MAPCOUNT,
	PTS_FLD_PAGE_COMPOUND_MAPCOUNT,
	PTS_FLD_FOLIO_LARGE_MAPCOUNT,
	PTS_FLD_FOLIO_NR_PAGES_MAPPED,
	PTS_FLD_FOLIO_PINCOUNT,
	PTS_FLD_PAGE_COMPOUND_PINCOUNT,
	PTS_FLD_PAGE_HPAGE_PINNED_REFCOUNT,
	PTS_FLD_PAGE_FLAGS,
	PTS_FLD_HSTATE_ORDER,
	PTS_FLD_HSTATE_NR_HUGE_PAGES,
	PTS_FLD_HSTATE_FREE_HUGE_PAGES,
	PTS_FLD_HSTATE_RESV_HUGE_PAGES,
	PTS_FLD_HSTATE_SURPLUS_HUGE_PAGES,
	PTS_FLD_HSTATE_NAME,
	PTS_FLD_UTS_NAMESPACE_NAME,
	PTS_FLD_RW_SEMAPHORE_WAIT_LIST,
	PTS_FLD_RW_SEMAPHORE_FIRST_WAITER,
	PTS_FLD_RW_SEMAPHORE_COUNT,
	PTS_FLD_RW_SEMAPHORE_OWNER,
	PTS_FLD_RWSEM_WAITER_LIST,
	PTS_FLD_RWSEM_WAITER_TASK,
	PTS_FLD_RWSEM_WAITER_TYPE,
	PTS_FLD_MUTEX_WAIT_LIST,
	PTS_FLD_MUTEX_FIRST_WAITER,
	PTS_FLD_MUTEX_OWNER,
	PTS_FLD_MUTEX_WAITER_LIST,
	PTS_FLD_MUTEX_WAITER_TASK,
	PTS_FLD_SPINLOCK_T_RLOCK_RAW_LOCK_VAL,
	PTS_FLD_MM_STRUCT_PAGE_TABLE_LOCK,
	PTS_FLD_PTDESC_PTL,
	PTS_FLD_PAGE_PTL,
	PTS_FLD_MM_STRUCT_PGTABLES_BYTES,
	PTS_FLD_VM_AREA_STRUCT_ANON_NAME,
	PTS_FLD_ANON_VMA_NAME_NAME,
	PTS_FLD_VM_AREA_STRUCT_SHARED,
	PTS_FLD_SUPER_BLOCK_S_FS_INFO,
	PTS_FLD_HUGETLBFS_SB_INFO_HSTATE,
	PTS_FLD_MM_STRUCT_MAP_COUNT,
	PTS_FLD_MM_STRUCT_START_BRK,
	PTS_FLD_MM_STRUCT_BRK,
	PTS_FLD_MM_STRUCT_START_STACK,
	PTS_FLD_MM_STRUCT_MM_MT,
	PTS_FLD_MAPLE_TREE_MA_FLAGS,
	PTS_FLD_MAPLE_TREE_MA_ROOT,
	PTS_FLD_MAPLE_RANGE_64_PARENT,
	PTS_FLD_MAPLE_RANGE_64_PIVOT,
	PTS_FLD_MAPLE_RANGE_64_SLOT,
	PTS_FLD_MAPLE_RANGE_64_META_END,
	PTS_FLD_MAPLE_ARANGE_64_PIVOT,
	PTS_FLD_MAPLE_ARANGE_64_SLOT,
	PTS_FLD_MAPLE_ARANGE_64_META_END,
	PTS_FLD_MM_STRUCT_MMAP,
	PTS_FLD_VM_AREA_STRUCT_VM_NEXT,
	PTS_FLD_VM_AREA_STRUCT_VM_FILE,
	PTS_FLD_VM_AREA_STRUCT_VM_PRIVATE_DATA,
	PTS_FLD_VM_AREA_STRUCT_VM_OPS,
	PTS_FLD_VM_OPERATIONS_STRUCT_NAME,
	PTS_FLD_VM_SPECIAL_MAPPING_NAME,
	PTS_FLD_FILE_F_PATH_MNT,
	PTS_FLD_FILE_F_PATH_DENTRY,
	PTS_FLD_FILE_F_INODE,
	PTS_FLD_INODE_I_INO,
	PTS_FLD_INODE_I_SB,
	PTS_FLD_SUPER_BLOCK_S_DEV,
	PTS_FLD_FILE_F_MAPPING,
	PTS_FLD_DENTRY_D_PARENT,
	PTS_FLD_DENTRY_D_NAME_NAME,
	PTS_FLD_DENTRY_D_OP,
	PTS_FLD_DENTRY_D_HASH_PPREV,
	PTS_FLD_DENTRY_OPERATIONS_D_DNAME,
	PTS_FLD_MOUNT_MNT,
	PTS_FLD_MOUNT_MNT_PARENT,
	PTS_FLD_MOUNT_MNT_MOUNTPOINT,
	PTS_FLD_VFSMOUNT_MNT_ROOT,
	PTS_FLD_TASK_STRUCT_FS,
	PTS_FLD_FS_STRUCT_ROOT_MNT,
	PTS_FLD_FS_STRUCT_ROOT_DENTRY,
	PTS_FLD_FOLIO_FOLIO_DTOR,
	PTS_FLD_PAGE_COMPOUND_DTOR,
	PTS_FLD_PAGE_COMPOUND_HEAD,
	PTS_FLD_PTDESC_PMD_HUGE_PTE,
	PTS_FLD_PAGE_PMD_HUGE_PTE,
	PTS_FLD_PAGE_REFCOUNT,
	PTS_FLD_PAGE_PAGE_TYPE,
	PTS_FLD_PAGE_LRU,
	PTS_FLD_PAGE_COMPOUND_INFO,
	PTS_FLD_RB_NODE_RB_LEFT,
	PTS_FLD_RB_NODE_RB_RIGHT,
	PTS_FLD_TASK_STRUCT_WORKER_PRIVATE,
	PTS_FLD_TASK_STRUCT_SET_CHILD_TID,
	PTS_FLD_KTHREAD_DATA,
	PTS_FLD_KTHREAD_FULL_NAME,
	PTS_FLD_WORKER_DESC,
	PTS_FLD_WORKER_CURRENT_WORK,
	PTS_FLD_WORKER_POOL,
	PTS_FLD_WORKER_ID,
	PTS_FLD_WORKER_RESCUE_WQ,
	PTS_FLD_WORKER_POOL_CPU,
	PTS_FLD_WORKER_POOL_ID,
	PTS_FLD_WORKER_POOL_ATTRS,
	PTS_FLD_WORKQUEUE_ATTRS_NICE,
	PTS_FLD_WORKQUEUE_STRUCT_NAME,
	PTS_FLD_PERCPU_COUNTER_COUNT,
	PTS_FLD_TASK_STRUCT__STATE,
	PTS_FLD_TASK_STRUCT_STATE,
	PTS_FLD_MM_STRUCT_RSS_STAT_COUNT,
	PTS_FLD_MM_STRUCT_RSS_STAT,
	PTS_FLD_TASK_STRUCT_TASKS,
	PTS_FLD_TASK_STRUCT_PID,
	PTS_FLD_TASK_STRUCT_TGID,
	PTS_FLD_TASK_STRUCT_COMM,
	PTS_FLD_TASK_STRUCT_REAL_PARENT,
	PTS_FLD_TASK_STRUCT_MM,
	PTS_FLD_TASK_STRUCT_FLAGS,
	PTS_FLD_TASK_STRUCT_EXIT_STATE,
	PTS_FLD_TASK_STRUCT_SIGNAL,
	PTS_FLD_TASK_STRUCT_THREAD_NODE,
	PTS_FLD_SIGNAL_STRUCT_THREAD_HEAD,
	PTS_FLD_N
};

/* Sizes of whole types the readers step by. */
enum pts_type_size {
	PTS_SZ_THREAD_UNION,	/* THREAD_SIZE: a kernel stack */
	PTS_SZ_HELD_LOCK,	/* lockdep's held_locks[] element */
	PTS_SZ_MUTEX,		/* hugetlb_fault_mutex_table[] element */
	PTS_SZ_N
};

/* Each row is looked up once, on its first use, whichever thread asks
 * first: the lookups a command makes are those of the fields it reads (a
 * command that reads no task never looks up task_struct's). */
bool pts_field_has(struct pts_program *p, enum pts_field f);
/* f's offset, size; 0 when this kernel lacks it. */
uint64_t pts_field_off(struct pts_program *p, enum pts_field f);
uint64_t pts_field_size(struct pts_program *p, enum pts_field f);
/* f's offset, or the type lookup's error (naming the type and member)
 * when this kernel lacks it. */
struct pts_error *pts_field_need(struct pts_program *p, enum pts_field f, uint64_t *off);
/* The u64 or u32 at base + f's offset; false if this kernel lacks f or
 * the dump the word. */
bool pts_field_u64(struct pts_program *p, uint64_t base, enum pts_field f, uint64_t *v);
bool pts_field_u32(struct pts_program *p, uint64_t base, enum pts_field f, uint32_t *v);
/* f's offset if this kernel has it. */
bool pts_field_opt(struct pts_program *p, enum pts_field f, uint64_t *off);
/* f's offset, size and bits, or the lookup's error. */
struct pts_error *pts_field_member(struct pts_program *p, enum pts_field f, struct pts_member *m);
/* The first of n fields this kernel lacks, as pts_field_need says it;
 * NULL when it has them all (a reader that needs them all asks first). */
struct pts_error *pts_fields_need(struct pts_program *p, const enum pts_field *f, size_t n);
/* Sizes of whole types (pts_type_size_known false: no such type). */
bool pts_type_size_known(struct pts_program *p, enum pts_type_size z);
uint64_t pts_type_size(struct pts_program *p, enum pts_type_size z);
/* task_struct.held_locks[]'s length (MAX_LOCK_DEPTH), 0 if none */
uint64_t pts_held_locks_len(struct pts_program *p);
/* The table's rows: for docs and the unit test. */
const char *pts_field_name(enum pts_field f);
const char *pts_field_type(enum pts_field f);
#endif
