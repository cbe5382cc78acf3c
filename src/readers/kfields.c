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
	[PTS_FLD_VMA_START] = { VMA, "vm_start" },
	[PTS_FLD_VMA_END] = { VMA, "vm_end" },
	[PTS_FLD_VMA_MM] = { VMA, "vm_mm" },
	[PTS_FLD_VMA_FLAGS] = { VMA, "vm_flags" },
	[PTS_FLD_VMA_PGOFF] = { VMA, "vm_pgoff" },
	[PTS_FLD_VMA_ANON_VMA] = { VMA, "anon_vma" },
	[PTS_FLD_VMA_SHARED_RB] = { VMA, "shared.rb" },
	/* per-VMA locks: v6.4 5e31275cc997 "mm: add per-VMA lock and helper
	 * functions to control it" */
	[PTS_FLD_VMA_LOCK_SEQ] = { VMA, "vm_lock_seq", .note = "v6.4 per-VMA locks" },
	/* v6.15 "mm: replace vm_lock and detached flag with a reference count" */
	[PTS_FLD_VMA_REFCNT] = { VMA, "vm_refcnt", .note = "v6.15" },
	/* a pointer to struct vma_lock (v6.4), embedded (v6.13) */
	[PTS_FLD_VMA_LOCK] = { VMA, "vm_lock", .note = "v6.4 to v6.14" },
	[PTS_FLD_VMA_LOCK_LOCK] = { "struct vma_lock", "lock", .note = "v6.4 to v6.14" },
	[PTS_FLD_MM_PGD] = { MM, "pgd" },
	/* v5.8 da1c55f1b272 renamed mmap_sem */
	[PTS_FLD_MM_MMAP_LOCK] = { MM, "mmap_lock", MM, "mmap_sem" },
	[PTS_FLD_MM_LOCK_SEQ] = { MM, "mm_lock_seq", .note = "v6.4 per-VMA locks" },
	[PTS_FLD_MM_WRITER_WAIT] = { MM, "vma_writer_wait.task", .note = "v6.15" },
	[PTS_FLD_AS_I_MMAP] = { "struct address_space", "i_mmap.rb_root.rb_node" },
	[PTS_FLD_AS_I_MMAP_RWSEM] = { "struct address_space", "i_mmap_rwsem" },
	[PTS_FLD_AV_ROOT] = { "struct anon_vma", "root" },
	[PTS_FLD_AV_RB_ROOT] = { "struct anon_vma", "rb_root.rb_root.rb_node" },
	[PTS_FLD_AV_RWSEM] = { "struct anon_vma", "rwsem" },
	[PTS_FLD_AVC_RB] = { "struct anon_vma_chain", "rb" },
	[PTS_FLD_AVC_VMA] = { "struct anon_vma_chain", "vma" },
	[PTS_FLD_PAGE_MAPPING] = { "struct page", "mapping" },
	[PTS_FLD_PAGE_MAPCOUNT] = { "struct page", "_mapcount" },
	/* 59d9094df3d7 (v6.13, backported to 6.1.y and 6.12.y) counts PMD
	 * sharers in ptdesc->pt_share_count instead of the page refcount */
	[PTS_FLD_PT_SHARE_COUNT] = { "struct ptdesc", "pt_share_count", "struct page", "pt_share_count",
				   .note = "v6.13, 6.1.y, 6.12.y" },
	/* v6.1 8d9bfb260814 "hugetlb: add vma based lock for pmd sharing";
	 * the same series gave private mappings' resv_map a rw_sema */
	[PTS_FLD_HVL_REFS] = { "struct hugetlb_vma_lock", "refs", .note = "v6.1" },
	[PTS_FLD_HVL_VMA] = { "struct hugetlb_vma_lock", "vma", .note = "v6.1" },
	[PTS_FLD_HVL_SEMA] = { "struct hugetlb_vma_lock", "rw_sema", .note = "v6.1" },
	[PTS_FLD_RESV_SEMA] = { "struct resv_map", "rw_sema", .note = "v6.1" },
	/* v6.16 "hung_task: show the blocker task if the task is hung on
	 * mutex" (CONFIG_DETECT_HUNG_TASK_BLOCKER) */
	[PTS_FLD_TASK_BLOCKER] = { TASK, "blocker", .note = "v6.16, CONFIG_DETECT_HUNG_TASK_BLOCKER" },
	[PTS_FLD_TASK_STACK] = { TASK, "stack" },
	[PTS_FLD_TASK_SP] = { TASK, "thread.sp" },
	/* lockdep (CONFIG_LOCKDEP; no Debian kernel has it) */
	[PTS_FLD_TASK_HELD_LOCKS] = { TASK, "held_locks", .note = "CONFIG_LOCKDEP" },
	[PTS_FLD_TASK_LOCKDEP_DEPTH] = { TASK, "lockdep_depth", .note = "CONFIG_LOCKDEP" },
	[PTS_FLD_HELD_LOCK_INSTANCE] = { "struct held_lock", "instance", .note = "CONFIG_LOCKDEP" },
	[PTS_FLD_RWSEM_DEP_MAP] = { "struct rw_semaphore", "dep_map", .note = "CONFIG_LOCKDEP" },
	[PTS_FLD_MUTEX_DEP_MAP] = { "struct mutex", "dep_map", .note = "CONFIG_LOCKDEP" },
	[PTS_FLD_SPIN_DEP_MAP] = { "spinlock_t", "rlock.dep_map", .note = "CONFIG_LOCKDEP" },
	/* struct stable_node and rmap_item became ksm_stable_node and
	 * ksm_rmap_item in v6.1 (21fbd59136e0) */
	[PTS_FLD_KSM_SN_HLIST] = { SN, "hlist", SN_OLD, "hlist" },
	[PTS_FLD_KSM_SN_LEN] = { SN, "rmap_hlist_len", SN_OLD, "rmap_hlist_len" },
	[PTS_FLD_KSM_RI_HLIST] = { RI, "hlist", RI_OLD, "hlist" },
	[PTS_FLD_KSM_RI_AV] = { RI, "anon_vma", RI_OLD, "anon_vma" },
	[PTS_FLD_KSM_RI_MM] = { RI, "mm", RI_OLD, "mm" },
	[PTS_FLD_KSM_RI_ADDR] = { RI, "address", RI_OLD, "address" },
	[PTS_FLD_SWAP_FLAGS] = { "struct swap_info_struct", "flags" },
	[PTS_FLD_SWAP_MAX] = { "struct swap_info_struct", "max" },
	[PTS_FLD_SWAP_MAP] = { "struct swap_info_struct", "swap_map" },
	[PTS_FLD_ANON_VMA_NUM_CHILDREN] = { "struct anon_vma", "num_children" },
	[PTS_FLD_ANON_VMA_NUM_ACTIVE_VMAS] = { "struct anon_vma", "num_active_vmas" },
	[PTS_FLD_ANON_VMA_PARENT] = { "struct anon_vma", "parent" },
	[PTS_FLD_VM_AREA_STRUCT_ANON_VMA_CHAIN] = { "struct vm_area_struct", "anon_vma_chain" },
	[PTS_FLD_ANON_VMA_CHAIN_ANON_VMA] = { "struct anon_vma_chain", "anon_vma" },
	[PTS_FLD_ANON_VMA_CHAIN_SAME_VMA] = { "struct anon_vma_chain", "same_vma" },
	[PTS_FLD_ANON_VMA_CHAIN_RB_SUBTREE_LAST] = { "struct anon_vma_chain", "rb_subtree_last" },
	[PTS_FLD_PAGE_INDEX] = { "struct page", "index" },
	[PTS_FLD_FOLIO_INDEX] = { "struct folio", "index" },
	[PTS_FLD_FOLIO_FOLIO_ORDER] = { "struct folio", "_folio_order" },
	[PTS_FLD_FOLIO_FLAGS_1] = { "struct folio", "_flags_1" },
	[PTS_FLD_PAGE_COMPOUND_ORDER] = { "struct page", "compound_order" },
	[PTS_FLD_FOLIO_ENTIRE_MAPCOUNT] = { "struct folio", "_entire_mapcount" },
	[PTS_FLD_FOLIO_TOTAL_MAPCOUNT] = { "struct folio", "_total_mapcount" },
	[PTS_FLD_PAGE_COMPOUND_MAPCOUNT] = { "struct page", "compound_mapcount" },
	[PTS_FLD_FOLIO_LARGE_MAPCOUNT] = { "struct folio", "_large_mapcount" },
	[PTS_FLD_FOLIO_NR_PAGES_MAPPED] = { "struct folio", "_nr_pages_mapped" },
	[PTS_FLD_FOLIO_PINCOUNT] = { "struct folio", "_pincount" },
	[PTS_FLD_PAGE_COMPOUND_PINCOUNT] = { "struct page", "compound_pincount" },
	[PTS_FLD_PAGE_HPAGE_PINNED_REFCOUNT] = { "struct page", "hpage_pinned_refcount" },
	[PTS_FLD_PAGE_FLAGS] = { "struct page", "flags" },
	[PTS_FLD_HSTATE_ORDER] = { "struct hstate", "order" },
	[PTS_FLD_HSTATE_NR_HUGE_PAGES] = { "struct hstate", "nr_huge_pages" },
	[PTS_FLD_HSTATE_FREE_HUGE_PAGES] = { "struct hstate", "free_huge_pages" },
	[PTS_FLD_HSTATE_RESV_HUGE_PAGES] = { "struct hstate", "resv_huge_pages" },
	[PTS_FLD_HSTATE_SURPLUS_HUGE_PAGES] = { "struct hstate", "surplus_huge_pages" },
	[PTS_FLD_HSTATE_NAME] = { "struct hstate", "name" },
	[PTS_FLD_UTS_NAMESPACE_NAME] = { "struct uts_namespace", "name" },
	[PTS_FLD_RW_SEMAPHORE_WAIT_LIST] = { "struct rw_semaphore", "wait_list" },
	[PTS_FLD_RW_SEMAPHORE_FIRST_WAITER] = { "struct rw_semaphore", "first_waiter" },
	[PTS_FLD_RW_SEMAPHORE_COUNT] = { "struct rw_semaphore", "count" },
	[PTS_FLD_RW_SEMAPHORE_OWNER] = { "struct rw_semaphore", "owner" },
	[PTS_FLD_RWSEM_WAITER_LIST] = { "struct rwsem_waiter", "list" },
	[PTS_FLD_RWSEM_WAITER_TASK] = { "struct rwsem_waiter", "task" },
	[PTS_FLD_RWSEM_WAITER_TYPE] = { "struct rwsem_waiter", "type" },
	[PTS_FLD_MUTEX_WAIT_LIST] = { "struct mutex", "wait_list" },
	[PTS_FLD_MUTEX_FIRST_WAITER] = { "struct mutex", "first_waiter" },
	[PTS_FLD_MUTEX_OWNER] = { "struct mutex", "owner" },
	[PTS_FLD_MUTEX_WAITER_LIST] = { "struct mutex_waiter", "list" },
	[PTS_FLD_MUTEX_WAITER_TASK] = { "struct mutex_waiter", "task" },
	[PTS_FLD_SPINLOCK_T_RLOCK_RAW_LOCK_VAL] = { "spinlock_t", "rlock.raw_lock.val" },
	[PTS_FLD_MM_STRUCT_PAGE_TABLE_LOCK] = { "struct mm_struct", "page_table_lock" },
	[PTS_FLD_PTDESC_PTL] = { "struct ptdesc", "ptl" },
	[PTS_FLD_PAGE_PTL] = { "struct page", "ptl" },
	[PTS_FLD_MM_STRUCT_PGTABLES_BYTES] = { "struct mm_struct", "pgtables_bytes" },
	[PTS_FLD_VM_AREA_STRUCT_ANON_NAME] = { "struct vm_area_struct", "anon_name" },
	[PTS_FLD_ANON_VMA_NAME_NAME] = { "struct anon_vma_name", "name" },
	[PTS_FLD_VM_AREA_STRUCT_SHARED] = { "struct vm_area_struct", "shared" },
	[PTS_FLD_SUPER_BLOCK_S_FS_INFO] = { "struct super_block", "s_fs_info" },
	[PTS_FLD_HUGETLBFS_SB_INFO_HSTATE] = { "struct hugetlbfs_sb_info", "hstate" },
	[PTS_FLD_MM_STRUCT_MAP_COUNT] = { "struct mm_struct", "map_count" },
	[PTS_FLD_MM_STRUCT_START_BRK] = { "struct mm_struct", "start_brk" },
	[PTS_FLD_MM_STRUCT_BRK] = { "struct mm_struct", "brk" },
	[PTS_FLD_MM_STRUCT_START_STACK] = { "struct mm_struct", "start_stack" },
	[PTS_FLD_MM_STRUCT_MM_MT] = { "struct mm_struct", "mm_mt" },
	[PTS_FLD_MAPLE_TREE_MA_FLAGS] = { "struct maple_tree", "ma_flags" },
	[PTS_FLD_MAPLE_TREE_MA_ROOT] = { "struct maple_tree", "ma_root" },
	[PTS_FLD_MAPLE_RANGE_64_PARENT] = { "struct maple_range_64", "parent" },
	[PTS_FLD_MAPLE_RANGE_64_PIVOT] = { "struct maple_range_64", "pivot" },
	[PTS_FLD_MAPLE_RANGE_64_SLOT] = { "struct maple_range_64", "slot" },
	[PTS_FLD_MAPLE_RANGE_64_META_END] = { "struct maple_range_64", "meta.end" },
	[PTS_FLD_MAPLE_ARANGE_64_PIVOT] = { "struct maple_arange_64", "pivot" },
	[PTS_FLD_MAPLE_ARANGE_64_SLOT] = { "struct maple_arange_64", "slot" },
	[PTS_FLD_MAPLE_ARANGE_64_META_END] = { "struct maple_arange_64", "meta.end" },
	[PTS_FLD_MM_STRUCT_MMAP] = { "struct mm_struct", "mmap" },
	[PTS_FLD_VM_AREA_STRUCT_VM_NEXT] = { "struct vm_area_struct", "vm_next" },
	[PTS_FLD_VM_AREA_STRUCT_VM_FILE] = { "struct vm_area_struct", "vm_file" },
	[PTS_FLD_VM_AREA_STRUCT_VM_PRIVATE_DATA] = { "struct vm_area_struct", "vm_private_data" },
	[PTS_FLD_VM_AREA_STRUCT_VM_OPS] = { "struct vm_area_struct", "vm_ops" },
	[PTS_FLD_VM_OPERATIONS_STRUCT_NAME] = { "struct vm_operations_struct", "name" },
	[PTS_FLD_VM_SPECIAL_MAPPING_NAME] = { "struct vm_special_mapping", "name" },
	[PTS_FLD_FILE_F_PATH_MNT] = { "struct file", "f_path.mnt" },
	[PTS_FLD_FILE_F_PATH_DENTRY] = { "struct file", "f_path.dentry" },
	[PTS_FLD_FILE_F_INODE] = { "struct file", "f_inode" },
	[PTS_FLD_INODE_I_INO] = { "struct inode", "i_ino" },
	[PTS_FLD_INODE_I_SB] = { "struct inode", "i_sb" },
	[PTS_FLD_SUPER_BLOCK_S_DEV] = { "struct super_block", "s_dev" },
	[PTS_FLD_FILE_F_MAPPING] = { "struct file", "f_mapping" },
	[PTS_FLD_DENTRY_D_PARENT] = { "struct dentry", "d_parent" },
	[PTS_FLD_DENTRY_D_NAME_NAME] = { "struct dentry", "d_name.name" },
	[PTS_FLD_DENTRY_D_OP] = { "struct dentry", "d_op" },
	[PTS_FLD_DENTRY_D_HASH_PPREV] = { "struct dentry", "d_hash.pprev" },
	[PTS_FLD_DENTRY_OPERATIONS_D_DNAME] = { "struct dentry_operations", "d_dname" },
	[PTS_FLD_MOUNT_MNT] = { "struct mount", "mnt" },
	[PTS_FLD_MOUNT_MNT_PARENT] = { "struct mount", "mnt_parent" },
	[PTS_FLD_MOUNT_MNT_MOUNTPOINT] = { "struct mount", "mnt_mountpoint" },
	[PTS_FLD_VFSMOUNT_MNT_ROOT] = { "struct vfsmount", "mnt_root" },
	[PTS_FLD_TASK_STRUCT_FS] = { "struct task_struct", "fs" },
	[PTS_FLD_FS_STRUCT_ROOT_MNT] = { "struct fs_struct", "root.mnt" },
	[PTS_FLD_FS_STRUCT_ROOT_DENTRY] = { "struct fs_struct", "root.dentry" },
	[PTS_FLD_FOLIO_FOLIO_DTOR] = { "struct folio", "_folio_dtor" },
	[PTS_FLD_PAGE_COMPOUND_DTOR] = { "struct page", "compound_dtor" },
	[PTS_FLD_PAGE_COMPOUND_HEAD] = { "struct page", "compound_head" },
	[PTS_FLD_PTDESC_PMD_HUGE_PTE] = { "struct ptdesc", "pmd_huge_pte" },
	[PTS_FLD_PAGE_PMD_HUGE_PTE] = { "struct page", "pmd_huge_pte" },
	[PTS_FLD_PAGE_REFCOUNT] = { "struct page", "_refcount" },
	[PTS_FLD_PAGE_PAGE_TYPE] = { "struct page", "page_type" },
	[PTS_FLD_PAGE_LRU] = { "struct page", "lru" },
	[PTS_FLD_PAGE_COMPOUND_INFO] = { "struct page", "compound_info" },
	[PTS_FLD_RB_NODE_RB_LEFT] = { "struct rb_node", "rb_left" },
	[PTS_FLD_RB_NODE_RB_RIGHT] = { "struct rb_node", "rb_right" },
	[PTS_FLD_TASK_STRUCT_WORKER_PRIVATE] = { "struct task_struct", "worker_private" },
	[PTS_FLD_TASK_STRUCT_SET_CHILD_TID] = { "struct task_struct", "set_child_tid" },
	[PTS_FLD_KTHREAD_DATA] = { "struct kthread", "data" },
	[PTS_FLD_KTHREAD_FULL_NAME] = { "struct kthread", "full_name" },
	[PTS_FLD_WORKER_DESC] = { "struct worker", "desc" },
	[PTS_FLD_WORKER_CURRENT_WORK] = { "struct worker", "current_work" },
	[PTS_FLD_WORKER_POOL] = { "struct worker", "pool" },
	[PTS_FLD_WORKER_ID] = { "struct worker", "id" },
	[PTS_FLD_WORKER_RESCUE_WQ] = { "struct worker", "rescue_wq" },
	[PTS_FLD_WORKER_POOL_CPU] = { "struct worker_pool", "cpu" },
	[PTS_FLD_WORKER_POOL_ID] = { "struct worker_pool", "id" },
	[PTS_FLD_WORKER_POOL_ATTRS] = { "struct worker_pool", "attrs" },
	[PTS_FLD_WORKQUEUE_ATTRS_NICE] = { "struct workqueue_attrs", "nice" },
	[PTS_FLD_WORKQUEUE_STRUCT_NAME] = { "struct workqueue_struct", "name" },
	[PTS_FLD_PERCPU_COUNTER_COUNT] = { "struct percpu_counter", "count" },
	[PTS_FLD_TASK_STRUCT__STATE] = { "struct task_struct", "__state" },
	[PTS_FLD_TASK_STRUCT_STATE] = { "struct task_struct", "state" },
	[PTS_FLD_MM_STRUCT_RSS_STAT_COUNT] = { "struct mm_struct", "rss_stat.count" },
	[PTS_FLD_MM_STRUCT_RSS_STAT] = { "struct mm_struct", "rss_stat" },
	[PTS_FLD_TASK_STRUCT_TASKS] = { "struct task_struct", "tasks" },
	[PTS_FLD_TASK_STRUCT_PID] = { "struct task_struct", "pid" },
	[PTS_FLD_TASK_STRUCT_TGID] = { "struct task_struct", "tgid" },
	[PTS_FLD_TASK_STRUCT_COMM] = { "struct task_struct", "comm" },
	[PTS_FLD_TASK_STRUCT_REAL_PARENT] = { "struct task_struct", "real_parent" },
	[PTS_FLD_TASK_STRUCT_MM] = { "struct task_struct", "mm" },
	[PTS_FLD_TASK_STRUCT_FLAGS] = { "struct task_struct", "flags" },
	[PTS_FLD_TASK_STRUCT_EXIT_STATE] = { "struct task_struct", "exit_state" },
	[PTS_FLD_TASK_STRUCT_SIGNAL] = { "struct task_struct", "signal" },
	[PTS_FLD_TASK_STRUCT_THREAD_NODE] = { "struct task_struct", "thread_node" },
	[PTS_FLD_SIGNAL_STRUCT_THREAD_HEAD] = { "struct signal_struct", "thread_head" },
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
