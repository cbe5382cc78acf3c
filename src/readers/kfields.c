/* The field table (kfields.h): every row a type and member path, with
 * the path it had before a rename, and why it may be absent. */
#include "config.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "base/util.h"
#include "readers/kfields.h"

struct row {
	const char *type, *path;
	const char *type2, *path2;	/* the older name, tried second */
	const char *note;		/* what the field depends on */
};

#define VMA "struct vm_area_struct"
#define MM "struct mm_struct"
#define TASK "struct task_struct"
#define SN "struct ksm_stable_node"
#define SN_OLD "struct stable_node"
#define RI "struct ksm_rmap_item"
#define RI_OLD "struct rmap_item"
static const struct row rows[PTS_FLD_N] = {
	[PTS_FLD_VMA_START] = { .type = VMA, .path = "vm_start" },
	[PTS_FLD_VMA_END] = { .type = VMA, .path = "vm_end" },
	[PTS_FLD_VMA_MM] = { .type = VMA, .path = "vm_mm" },
	[PTS_FLD_VMA_FLAGS] = { .type = VMA, .path = "vm_flags" },
	[PTS_FLD_VMA_PGOFF] = { .type = VMA, .path = "vm_pgoff" },
	[PTS_FLD_VMA_ANON_VMA] = { .type = VMA, .path = "anon_vma" },
	[PTS_FLD_VMA_SHARED_RB] = { .type = VMA, .path = "shared.rb" },
	/* per-VMA locks: v6.4 5e31275cc997 "mm: add per-VMA lock and helper
	 * functions to control it" */
	[PTS_FLD_VMA_LOCK_SEQ] = { .type = VMA, .path = "vm_lock_seq", .note = "v6.4 per-VMA locks" },
	/* v6.15 "mm: replace vm_lock and detached flag with a reference count" */
	[PTS_FLD_VMA_REFCNT] = { .type = VMA, .path = "vm_refcnt", .note = "v6.15" },
	/* a pointer to struct vma_lock (v6.4), embedded (v6.13) */
	[PTS_FLD_VMA_LOCK] = { .type = VMA, .path = "vm_lock", .note = "v6.4 to v6.14" },
	[PTS_FLD_VMA_LOCK_LOCK] = { .type = "struct vma_lock", .path = "lock", .note = "v6.4 to v6.14" },
	[PTS_FLD_MM_PGD] = { .type = MM, .path = "pgd" },
	/* v5.8 da1c55f1b272 renamed mmap_sem */
	[PTS_FLD_MM_MMAP_LOCK] = { .type = MM, .path = "mmap_lock", .type2 = MM, .path2 = "mmap_sem" },
	[PTS_FLD_MM_LOCK_SEQ] = { .type = MM, .path = "mm_lock_seq", .note = "v6.4 per-VMA locks" },
	[PTS_FLD_MM_WRITER_WAIT] = { .type = MM, .path = "vma_writer_wait.task", .note = "v6.15" },
	[PTS_FLD_AS_I_MMAP] = { .type = "struct address_space", .path = "i_mmap.rb_root.rb_node" },
	[PTS_FLD_AS_I_MMAP_RWSEM] = { .type = "struct address_space", .path = "i_mmap_rwsem" },
	[PTS_FLD_AV_ROOT] = { .type = "struct anon_vma", .path = "root" },
	[PTS_FLD_AV_RB_ROOT] = { .type = "struct anon_vma", .path = "rb_root.rb_root.rb_node" },
	[PTS_FLD_AV_RWSEM] = { .type = "struct anon_vma", .path = "rwsem" },
	[PTS_FLD_AVC_RB] = { .type = "struct anon_vma_chain", .path = "rb" },
	[PTS_FLD_AVC_VMA] = { .type = "struct anon_vma_chain", .path = "vma" },
	[PTS_FLD_PAGE_MAPPING] = { .type = "struct page", .path = "mapping" },
	[PTS_FLD_PAGE_MAPCOUNT] = { .type = "struct page", .path = "_mapcount" },
	/* 59d9094df3d7 (v6.13, backported to 6.1.y and 6.12.y) counts PMD
	 * sharers in ptdesc->pt_share_count instead of the page refcount */
	[PTS_FLD_PT_SHARE_COUNT] = { .type = "struct ptdesc", .path = "pt_share_count",
				     .type2 = "struct page", .path2 = "pt_share_count",
				     .note = "v6.13, 6.1.y, 6.12.y" },
	/* v6.1 8d9bfb260814 "hugetlb: add vma based lock for pmd sharing";
	 * the same series gave private mappings' resv_map a rw_sema */
	[PTS_FLD_HVL_REFS] = { .type = "struct hugetlb_vma_lock", .path = "refs", .note = "v6.1" },
	[PTS_FLD_HVL_VMA] = { .type = "struct hugetlb_vma_lock", .path = "vma", .note = "v6.1" },
	[PTS_FLD_HVL_SEMA] = { .type = "struct hugetlb_vma_lock", .path = "rw_sema", .note = "v6.1" },
	[PTS_FLD_RESV_SEMA] = { .type = "struct resv_map", .path = "rw_sema", .note = "v6.1" },
	/* v6.16 "hung_task: show the blocker task if the task is hung on
	 * mutex" (CONFIG_DETECT_HUNG_TASK_BLOCKER) */
	[PTS_FLD_TASK_BLOCKER] = { .type = TASK, .path = "blocker",
				   .note = "v6.16, CONFIG_DETECT_HUNG_TASK_BLOCKER" },
	[PTS_FLD_TASK_STACK] = { .type = TASK, .path = "stack" },
	[PTS_FLD_TASK_SP] = { .type = TASK, .path = "thread.sp" },
	/* lockdep (CONFIG_LOCKDEP; no Debian kernel has it) */
	[PTS_FLD_TASK_HELD_LOCKS] = { .type = TASK, .path = "held_locks", .note = "CONFIG_LOCKDEP" },
	[PTS_FLD_TASK_LOCKDEP_DEPTH] = { .type = TASK, .path = "lockdep_depth", .note = "CONFIG_LOCKDEP" },
	[PTS_FLD_HELD_LOCK_INSTANCE] = { .type = "struct held_lock", .path = "instance", .note = "CONFIG_LOCKDEP" },
	[PTS_FLD_RWSEM_DEP_MAP] = { .type = "struct rw_semaphore", .path = "dep_map", .note = "CONFIG_LOCKDEP" },
	[PTS_FLD_MUTEX_DEP_MAP] = { .type = "struct mutex", .path = "dep_map", .note = "CONFIG_LOCKDEP" },
	[PTS_FLD_SPIN_DEP_MAP] = { .type = "spinlock_t", .path = "rlock.dep_map", .note = "CONFIG_LOCKDEP" },
	/* struct stable_node and rmap_item became ksm_stable_node and
	 * ksm_rmap_item in v6.1 (21fbd59136e0) */
	[PTS_FLD_KSM_SN_HLIST] = { .type = SN, .path = "hlist", .type2 = SN_OLD, .path2 = "hlist" },
	[PTS_FLD_KSM_SN_LEN] = { .type = SN, .path = "rmap_hlist_len", .type2 = SN_OLD, .path2 = "rmap_hlist_len" },
	[PTS_FLD_KSM_RI_HLIST] = { .type = RI, .path = "hlist", .type2 = RI_OLD, .path2 = "hlist" },
	[PTS_FLD_KSM_RI_AV] = { .type = RI, .path = "anon_vma", .type2 = RI_OLD, .path2 = "anon_vma" },
	[PTS_FLD_KSM_RI_MM] = { .type = RI, .path = "mm", .type2 = RI_OLD, .path2 = "mm" },
	[PTS_FLD_KSM_RI_ADDR] = { .type = RI, .path = "address", .type2 = RI_OLD, .path2 = "address" },
	[PTS_FLD_SWAP_FLAGS] = { .type = "struct swap_info_struct", .path = "flags" },
	[PTS_FLD_SWAP_MAX] = { .type = "struct swap_info_struct", .path = "max" },
	[PTS_FLD_SWAP_MAP] = { .type = "struct swap_info_struct", .path = "swap_map" },
	[PTS_FLD_ANON_VMA_NUM_CHILDREN] = { .type = "struct anon_vma", .path = "num_children" },
	[PTS_FLD_ANON_VMA_NUM_ACTIVE_VMAS] = { .type = "struct anon_vma", .path = "num_active_vmas" },
	[PTS_FLD_ANON_VMA_PARENT] = { .type = "struct anon_vma", .path = "parent" },
	[PTS_FLD_VM_AREA_STRUCT_ANON_VMA_CHAIN] = { .type = "struct vm_area_struct", .path = "anon_vma_chain" },
	[PTS_FLD_ANON_VMA_CHAIN_ANON_VMA] = { .type = "struct anon_vma_chain", .path = "anon_vma" },
	[PTS_FLD_ANON_VMA_CHAIN_SAME_VMA] = { .type = "struct anon_vma_chain", .path = "same_vma" },
	[PTS_FLD_ANON_VMA_CHAIN_RB_SUBTREE_LAST] = { .type = "struct anon_vma_chain", .path = "rb_subtree_last" },
	[PTS_FLD_PAGE_INDEX] = { .type = "struct page", .path = "index" },
	[PTS_FLD_FOLIO_INDEX] = { .type = "struct folio", .path = "index" },
	[PTS_FLD_FOLIO_FOLIO_ORDER] = { .type = "struct folio", .path = "_folio_order" },
	[PTS_FLD_FOLIO_FLAGS_1] = { .type = "struct folio", .path = "_flags_1" },
	[PTS_FLD_PAGE_COMPOUND_ORDER] = { .type = "struct page", .path = "compound_order" },
	[PTS_FLD_FOLIO_ENTIRE_MAPCOUNT] = { .type = "struct folio", .path = "_entire_mapcount" },
	[PTS_FLD_FOLIO_TOTAL_MAPCOUNT] = { .type = "struct folio", .path = "_total_mapcount" },
	[PTS_FLD_PAGE_COMPOUND_MAPCOUNT] = { .type = "struct page", .path = "compound_mapcount" },
	[PTS_FLD_FOLIO_LARGE_MAPCOUNT] = { .type = "struct folio", .path = "_large_mapcount" },
	[PTS_FLD_FOLIO_NR_PAGES_MAPPED] = { .type = "struct folio", .path = "_nr_pages_mapped" },
	[PTS_FLD_FOLIO_PINCOUNT] = { .type = "struct folio", .path = "_pincount" },
	[PTS_FLD_PAGE_COMPOUND_PINCOUNT] = { .type = "struct page", .path = "compound_pincount" },
	[PTS_FLD_PAGE_HPAGE_PINNED_REFCOUNT] = { .type = "struct page", .path = "hpage_pinned_refcount" },
	[PTS_FLD_PAGE_FLAGS] = { .type = "struct page", .path = "flags" },
	[PTS_FLD_HSTATE_ORDER] = { .type = "struct hstate", .path = "order" },
	[PTS_FLD_HSTATE_NR_HUGE_PAGES] = { .type = "struct hstate", .path = "nr_huge_pages" },
	[PTS_FLD_HSTATE_FREE_HUGE_PAGES] = { .type = "struct hstate", .path = "free_huge_pages" },
	[PTS_FLD_HSTATE_RESV_HUGE_PAGES] = { .type = "struct hstate", .path = "resv_huge_pages" },
	[PTS_FLD_HSTATE_SURPLUS_HUGE_PAGES] = { .type = "struct hstate", .path = "surplus_huge_pages" },
	[PTS_FLD_HSTATE_NAME] = { .type = "struct hstate", .path = "name" },
	[PTS_FLD_UTS_NAMESPACE_NAME] = { .type = "struct uts_namespace", .path = "name" },
	[PTS_FLD_RW_SEMAPHORE_WAIT_LIST] = { .type = "struct rw_semaphore", .path = "wait_list" },
	[PTS_FLD_RW_SEMAPHORE_FIRST_WAITER] = { .type = "struct rw_semaphore", .path = "first_waiter" },
	[PTS_FLD_RW_SEMAPHORE_COUNT] = { .type = "struct rw_semaphore", .path = "count" },
	[PTS_FLD_RW_SEMAPHORE_OWNER] = { .type = "struct rw_semaphore", .path = "owner" },
	[PTS_FLD_RWSEM_WAITER_LIST] = { .type = "struct rwsem_waiter", .path = "list" },
	[PTS_FLD_RWSEM_WAITER_TASK] = { .type = "struct rwsem_waiter", .path = "task" },
	[PTS_FLD_RWSEM_WAITER_TYPE] = { .type = "struct rwsem_waiter", .path = "type" },
	[PTS_FLD_MUTEX_WAIT_LIST] = { .type = "struct mutex", .path = "wait_list" },
	[PTS_FLD_MUTEX_FIRST_WAITER] = { .type = "struct mutex", .path = "first_waiter" },
	[PTS_FLD_MUTEX_OWNER] = { .type = "struct mutex", .path = "owner" },
	[PTS_FLD_MUTEX_WAITER_LIST] = { .type = "struct mutex_waiter", .path = "list" },
	[PTS_FLD_MUTEX_WAITER_TASK] = { .type = "struct mutex_waiter", .path = "task" },
	[PTS_FLD_SPINLOCK_T_RLOCK_RAW_LOCK_VAL] = { .type = "spinlock_t", .path = "rlock.raw_lock.val" },
	[PTS_FLD_MM_STRUCT_PAGE_TABLE_LOCK] = { .type = "struct mm_struct", .path = "page_table_lock" },
	[PTS_FLD_PTDESC_PTL] = { .type = "struct ptdesc", .path = "ptl" },
	[PTS_FLD_PAGE_PTL] = { .type = "struct page", .path = "ptl" },
	[PTS_FLD_MM_STRUCT_PGTABLES_BYTES] = { .type = "struct mm_struct", .path = "pgtables_bytes" },
	[PTS_FLD_VM_AREA_STRUCT_ANON_NAME] = { .type = "struct vm_area_struct", .path = "anon_name" },
	[PTS_FLD_ANON_VMA_NAME_NAME] = { .type = "struct anon_vma_name", .path = "name" },
	[PTS_FLD_VM_AREA_STRUCT_SHARED] = { .type = "struct vm_area_struct", .path = "shared" },
	[PTS_FLD_SUPER_BLOCK_S_FS_INFO] = { .type = "struct super_block", .path = "s_fs_info" },
	[PTS_FLD_HUGETLBFS_SB_INFO_HSTATE] = { .type = "struct hugetlbfs_sb_info", .path = "hstate" },
	[PTS_FLD_MM_STRUCT_MAP_COUNT] = { .type = "struct mm_struct", .path = "map_count" },
	[PTS_FLD_MM_STRUCT_START_BRK] = { .type = "struct mm_struct", .path = "start_brk" },
	[PTS_FLD_MM_STRUCT_BRK] = { .type = "struct mm_struct", .path = "brk" },
	[PTS_FLD_MM_STRUCT_START_STACK] = { .type = "struct mm_struct", .path = "start_stack" },
	[PTS_FLD_MM_STRUCT_MM_MT] = { .type = "struct mm_struct", .path = "mm_mt" },
	[PTS_FLD_MAPLE_TREE_MA_FLAGS] = { .type = "struct maple_tree", .path = "ma_flags" },
	[PTS_FLD_MAPLE_TREE_MA_ROOT] = { .type = "struct maple_tree", .path = "ma_root" },
	[PTS_FLD_MAPLE_RANGE_64_PARENT] = { .type = "struct maple_range_64", .path = "parent" },
	[PTS_FLD_MAPLE_RANGE_64_PIVOT] = { .type = "struct maple_range_64", .path = "pivot" },
	[PTS_FLD_MAPLE_RANGE_64_SLOT] = { .type = "struct maple_range_64", .path = "slot" },
	[PTS_FLD_MAPLE_RANGE_64_META_END] = { .type = "struct maple_range_64", .path = "meta.end" },
	[PTS_FLD_MAPLE_ARANGE_64_PIVOT] = { .type = "struct maple_arange_64", .path = "pivot" },
	[PTS_FLD_MAPLE_ARANGE_64_SLOT] = { .type = "struct maple_arange_64", .path = "slot" },
	[PTS_FLD_MAPLE_ARANGE_64_META_END] = { .type = "struct maple_arange_64", .path = "meta.end" },
	[PTS_FLD_MM_STRUCT_MMAP] = { .type = "struct mm_struct", .path = "mmap" },
	[PTS_FLD_VM_AREA_STRUCT_VM_NEXT] = { .type = "struct vm_area_struct", .path = "vm_next" },
	[PTS_FLD_VM_AREA_STRUCT_VM_FILE] = { .type = "struct vm_area_struct", .path = "vm_file" },
	[PTS_FLD_VM_AREA_STRUCT_VM_PRIVATE_DATA] = { .type = "struct vm_area_struct", .path = "vm_private_data" },
	[PTS_FLD_VM_AREA_STRUCT_VM_OPS] = { .type = "struct vm_area_struct", .path = "vm_ops" },
	[PTS_FLD_VM_OPERATIONS_STRUCT_NAME] = { .type = "struct vm_operations_struct", .path = "name" },
	[PTS_FLD_VM_SPECIAL_MAPPING_NAME] = { .type = "struct vm_special_mapping", .path = "name" },
	[PTS_FLD_FILE_F_PATH_MNT] = { .type = "struct file", .path = "f_path.mnt" },
	[PTS_FLD_FILE_F_PATH_DENTRY] = { .type = "struct file", .path = "f_path.dentry" },
	[PTS_FLD_FILE_F_INODE] = { .type = "struct file", .path = "f_inode" },
	[PTS_FLD_INODE_I_INO] = { .type = "struct inode", .path = "i_ino" },
	[PTS_FLD_INODE_I_SB] = { .type = "struct inode", .path = "i_sb" },
	[PTS_FLD_SUPER_BLOCK_S_DEV] = { .type = "struct super_block", .path = "s_dev" },
	[PTS_FLD_FILE_F_MAPPING] = { .type = "struct file", .path = "f_mapping" },
	[PTS_FLD_DENTRY_D_PARENT] = { .type = "struct dentry", .path = "d_parent" },
	[PTS_FLD_DENTRY_D_NAME_NAME] = { .type = "struct dentry", .path = "d_name.name" },
	[PTS_FLD_DENTRY_D_OP] = { .type = "struct dentry", .path = "d_op" },
	[PTS_FLD_DENTRY_D_HASH_PPREV] = { .type = "struct dentry", .path = "d_hash.pprev" },
	[PTS_FLD_DENTRY_OPERATIONS_D_DNAME] = { .type = "struct dentry_operations", .path = "d_dname" },
	[PTS_FLD_MOUNT_MNT] = { .type = "struct mount", .path = "mnt" },
	[PTS_FLD_MOUNT_MNT_PARENT] = { .type = "struct mount", .path = "mnt_parent" },
	[PTS_FLD_MOUNT_MNT_MOUNTPOINT] = { .type = "struct mount", .path = "mnt_mountpoint" },
	[PTS_FLD_VFSMOUNT_MNT_ROOT] = { .type = "struct vfsmount", .path = "mnt_root" },
	[PTS_FLD_TASK_STRUCT_FS] = { .type = "struct task_struct", .path = "fs" },
	[PTS_FLD_FS_STRUCT_ROOT_MNT] = { .type = "struct fs_struct", .path = "root.mnt" },
	[PTS_FLD_FS_STRUCT_ROOT_DENTRY] = { .type = "struct fs_struct", .path = "root.dentry" },
	[PTS_FLD_FOLIO_FOLIO_DTOR] = { .type = "struct folio", .path = "_folio_dtor" },
	[PTS_FLD_PAGE_COMPOUND_DTOR] = { .type = "struct page", .path = "compound_dtor" },
	[PTS_FLD_PAGE_COMPOUND_HEAD] = { .type = "struct page", .path = "compound_head" },
	[PTS_FLD_PTDESC_PMD_HUGE_PTE] = { .type = "struct ptdesc", .path = "pmd_huge_pte" },
	[PTS_FLD_PAGE_PMD_HUGE_PTE] = { .type = "struct page", .path = "pmd_huge_pte" },
	[PTS_FLD_PAGE_REFCOUNT] = { .type = "struct page", .path = "_refcount" },
	[PTS_FLD_PAGE_PAGE_TYPE] = { .type = "struct page", .path = "page_type" },
	[PTS_FLD_PAGE_LRU] = { .type = "struct page", .path = "lru" },
	[PTS_FLD_PAGE_COMPOUND_INFO] = { .type = "struct page", .path = "compound_info" },
	[PTS_FLD_RB_NODE_RB_LEFT] = { .type = "struct rb_node", .path = "rb_left" },
	[PTS_FLD_RB_NODE_RB_RIGHT] = { .type = "struct rb_node", .path = "rb_right" },
	[PTS_FLD_TASK_STRUCT_WORKER_PRIVATE] = { .type = "struct task_struct", .path = "worker_private" },
	[PTS_FLD_TASK_STRUCT_SET_CHILD_TID] = { .type = "struct task_struct", .path = "set_child_tid" },
	[PTS_FLD_KTHREAD_DATA] = { .type = "struct kthread", .path = "data" },
	[PTS_FLD_KTHREAD_FULL_NAME] = { .type = "struct kthread", .path = "full_name" },
	[PTS_FLD_WORKER_DESC] = { .type = "struct worker", .path = "desc" },
	[PTS_FLD_WORKER_CURRENT_WORK] = { .type = "struct worker", .path = "current_work" },
	[PTS_FLD_WORKER_POOL] = { .type = "struct worker", .path = "pool" },
	[PTS_FLD_WORKER_ID] = { .type = "struct worker", .path = "id" },
	[PTS_FLD_WORKER_RESCUE_WQ] = { .type = "struct worker", .path = "rescue_wq" },
	[PTS_FLD_WORKER_POOL_CPU] = { .type = "struct worker_pool", .path = "cpu" },
	[PTS_FLD_WORKER_POOL_ID] = { .type = "struct worker_pool", .path = "id" },
	[PTS_FLD_WORKER_POOL_ATTRS] = { .type = "struct worker_pool", .path = "attrs" },
	[PTS_FLD_WORKQUEUE_ATTRS_NICE] = { .type = "struct workqueue_attrs", .path = "nice" },
	[PTS_FLD_WORKQUEUE_STRUCT_NAME] = { .type = "struct workqueue_struct", .path = "name" },
	[PTS_FLD_PERCPU_COUNTER_COUNT] = { .type = "struct percpu_counter", .path = "count" },
	[PTS_FLD_TASK_STRUCT__STATE] = { .type = "struct task_struct", .path = "__state" },
	[PTS_FLD_TASK_STRUCT_STATE] = { .type = "struct task_struct", .path = "state" },
	[PTS_FLD_MM_STRUCT_RSS_STAT_COUNT] = { .type = "struct mm_struct", .path = "rss_stat.count" },
	[PTS_FLD_MM_STRUCT_RSS_STAT] = { .type = "struct mm_struct", .path = "rss_stat" },
	[PTS_FLD_TASK_STRUCT_TASKS] = { .type = "struct task_struct", .path = "tasks" },
	[PTS_FLD_TASK_STRUCT_PID] = { .type = "struct task_struct", .path = "pid" },
	[PTS_FLD_TASK_STRUCT_TGID] = { .type = "struct task_struct", .path = "tgid" },
	[PTS_FLD_TASK_STRUCT_COMM] = { .type = "struct task_struct", .path = "comm" },
	[PTS_FLD_TASK_STRUCT_REAL_PARENT] = { .type = "struct task_struct", .path = "real_parent" },
	[PTS_FLD_TASK_STRUCT_MM] = { .type = "struct task_struct", .path = "mm" },
	[PTS_FLD_TASK_STRUCT_FLAGS] = { .type = "struct task_struct", .path = "flags" },
	[PTS_FLD_TASK_STRUCT_EXIT_STATE] = { .type = "struct task_struct", .path = "exit_state" },
	[PTS_FLD_TASK_STRUCT_SIGNAL] = { .type = "struct task_struct", .path = "signal" },
	[PTS_FLD_TASK_STRUCT_THREAD_NODE] = { .type = "struct task_struct", .path = "thread_node" },
	[PTS_FLD_SIGNAL_STRUCT_THREAD_HEAD] = { .type = "struct signal_struct", .path = "thread_head" },
};
#undef VMA
#undef MM
#undef TASK
#undef SN
#undef SN_OLD
#undef RI
#undef RI_OLD

static bool lookup(struct pts_program *p, const char *type, const char *path, struct pts_member *m)
{
	if (!p->types || !type)
		return false;
	struct pts_error *err = pts_types_member(p->types, type, path, m);
	pts_error_destroy(err);
	return !err;
}

static const char *const sized[PTS_SZ_N] = {
	[PTS_SZ_THREAD_UNION] = "union thread_union",
	[PTS_SZ_HELD_LOCK] = "struct held_lock",
	[PTS_SZ_MUTEX] = "struct mutex",
};

/* The program's copy of the table: each row filled on first use. */
struct table {
	pthread_mutex_t lock;
	bool done[PTS_FLD_N], have[PTS_FLD_N];
	struct pts_member mem[PTS_FLD_N];
	bool sz_done[PTS_SZ_N], sz_have[PTS_SZ_N];
	uint64_t sz[PTS_SZ_N];
	bool len_done;
	uint64_t held_locks_len;
};

static struct pts_error *derive(struct pts_program *p, void **ret)
{
	(void)p;
	struct table *t = xcalloc(1, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	*ret = t;
	return NULL;
}

static void table_free(void *v)
{
	struct table *t = v;
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static struct table *table(struct pts_program *p)
{
	void *l = NULL;
	pts_error_destroy(pts_layout(p, PTS_LAYOUT_FIELDS, derive, table_free, &l));	/* never fails */
	return l;
}

static const struct table *row(struct pts_program *p, enum pts_field f)
{
	struct table *t = table(p);
	if (__atomic_load_n(&t->done[f], __ATOMIC_ACQUIRE))
		return t;
	pthread_mutex_lock(&t->lock);
	if (!t->done[f]) {
		const struct row *r = &rows[f];
		t->have[f] = lookup(p, r->type, r->path, &t->mem[f]) ||
			     lookup(p, r->type2, r->path2, &t->mem[f]);
		__atomic_store_n(&t->done[f], true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&t->lock);
	return t;
}

bool pts_field_has(struct pts_program *p, enum pts_field f)
{
	return row(p, f)->have[f];
}

uint64_t pts_field_off(struct pts_program *p, enum pts_field f)
{
	const struct table *t = row(p, f);
	return t->have[f] ? t->mem[f].offset : 0;
}

uint64_t pts_field_size(struct pts_program *p, enum pts_field f)
{
	const struct table *t = row(p, f);
	return t->have[f] ? t->mem[f].size : 0;
}

bool pts_field_opt(struct pts_program *p, enum pts_field f, uint64_t *off)
{
	const struct table *t = row(p, f);
	if (t->have[f])
		*off = t->mem[f].offset;
	return t->have[f];
}

struct pts_error *pts_field_need(struct pts_program *p, enum pts_field f, uint64_t *off)
{
	if (pts_field_opt(p, f, off))
		return NULL;
	/* the lookup again, for its error: the older name's when the
	 * newer type does not exist at all */
	const struct row *r = &rows[f];
	uint64_t size;
	struct pts_error *err = r->type2 && p->types ? pts_types_sizeof(p->types, r->type, &size) : NULL;
	bool older = err != NULL;
	pts_error_destroy(err);
	return older ? pts_offsetof(p, r->type2, r->path2, off) : pts_offsetof(p, r->type, r->path, off);
}

struct pts_error *pts_field_member(struct pts_program *p, enum pts_field f, struct pts_member *m)
{
	const struct table *t = row(p, f);
	if (t->have[f]) {
		*m = t->mem[f];
		return NULL;
	}
	uint64_t off;
	return pts_field_need(p, f, &off);
}

struct pts_error *pts_fields_need(struct pts_program *p, const enum pts_field *f, size_t n)
{
	uint64_t off;
	for (size_t i = 0; i < n; i++) {
		struct pts_error *err = pts_field_need(p, f[i], &off);
		if (err)
			return err;
	}
	return NULL;
}

static const struct table *size_row(struct pts_program *p, enum pts_type_size z)
{
	struct table *t = table(p);
	if (__atomic_load_n(&t->sz_done[z], __ATOMIC_ACQUIRE))
		return t;
	pthread_mutex_lock(&t->lock);
	if (!t->sz_done[z]) {
		struct pts_error *err = p->types ? pts_types_sizeof(p->types, sized[z], &t->sz[z]) :
				        pts_error(PTS_ERR_LOOKUP, "no types");
		t->sz_have[z] = !err;
		pts_error_destroy(err);
		__atomic_store_n(&t->sz_done[z], true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&t->lock);
	return t;
}

bool pts_type_size_known(struct pts_program *p, enum pts_type_size z)
{
	return size_row(p, z)->sz_have[z];
}

uint64_t pts_type_size(struct pts_program *p, enum pts_type_size z)
{
	const struct table *t = size_row(p, z);
	return t->sz_have[z] ? t->sz[z] : 0;
}

uint64_t pts_held_locks_len(struct pts_program *p)
{
	struct table *t = table(p);
	if (__atomic_load_n(&t->len_done, __ATOMIC_ACQUIRE))
		return t->held_locks_len;
	bool has = pts_field_has(p, PTS_FLD_TASK_HELD_LOCKS);
	pthread_mutex_lock(&t->lock);
	if (!t->len_done) {
		struct pts_error *err = has ? pts_types_member_array_len(p->types, "struct task_struct",
									 "held_locks", &t->held_locks_len) : NULL;
		if (err || !has)
			t->held_locks_len = 0;
		pts_error_destroy(err);
		__atomic_store_n(&t->len_done, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&t->lock);
	return t->held_locks_len;
}

const char *pts_field_name(enum pts_field f)
{
	return f < PTS_FLD_N ? rows[f].path : "?";
}

const char *pts_field_type(enum pts_field f)
{
	return f < PTS_FLD_N ? rows[f].type : "?";
}

bool pts_field_u64(struct pts_program *p, uint64_t base, enum pts_field f, uint64_t *v)
{
	return pts_field_has(p, f) && pts_try_u64(p, base + pts_field_off(p, f), v);
}

bool pts_field_u32(struct pts_program *p, uint64_t base, enum pts_field f, uint32_t *v)
{
	return pts_field_has(p, f) && pts_try_u32(p, base + pts_field_off(p, f), v);
}
