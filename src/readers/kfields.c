/* The field table (kfields.h): every row a type and member path, with
 * the path it had before a rename, and why it may be absent. */
#include "config.h"
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

static struct pts_error *derive(struct pts_program *p, void **ret)
{
	struct pts_fields *t = xcalloc(1, sizeof(*t));
	for (int f = 0; f < PTS_FLD_N; f++) {
		const struct row *r = &rows[f];
		struct pts_member m;
		if (lookup(p, r->type, r->path, &m) || lookup(p, r->type2, r->path2, &m)) {
			t->have[f] = true;
			t->off[f] = m.offset;
			t->size[f] = m.size;
		}
	}
	static const char *const sized[PTS_SZ_N] = {
		[PTS_SZ_THREAD_UNION] = "union thread_union",
		[PTS_SZ_HELD_LOCK] = "struct held_lock",
		[PTS_SZ_MUTEX] = "struct mutex",
	};
	for (int z = 0; z < PTS_SZ_N && p->types; z++) {
		struct pts_error *err = pts_types_sizeof(p->types, sized[z], &t->size_of[z]);
		t->have_sizeof[z] = !err;
		pts_error_destroy(err);
	}
	if (t->have[PTS_FLD_TASK_HELD_LOCKS]) {
		struct pts_error *err = pts_types_member_array_len(p->types, "struct task_struct",
								   "held_locks", &t->held_locks_len);
		if (err)
			t->held_locks_len = 0;
		pts_error_destroy(err);
	}
	*ret = t;
	return NULL;
}

const struct pts_fields *pts_fields(struct pts_program *p)
{
	void *l = NULL;
	struct pts_error *err = pts_layout(p, PTS_LAYOUT_FIELDS, derive, free, &l);
	pts_error_destroy(err);	/* derive does not fail */
	return l;
}

struct pts_error *pts_field_need(struct pts_program *p, enum pts_field f, uint64_t *off)
{
	const struct pts_fields *t = pts_fields(p);
	if (t->have[f]) {
		*off = t->off[f];
		return NULL;
	}
	/* the lookup again, for its error: the older name's when the
	 * newer type does not exist at all */
	const struct row *r = &rows[f];
	uint64_t size;
	struct pts_error *err = r->type2 && p->types ? pts_types_sizeof(p->types, r->type, &size) : NULL;
	bool older = err != NULL;
	pts_error_destroy(err);
	return older ? pts_offsetof(p, r->type2, r->path2, off) : pts_offsetof(p, r->type, r->path, off);
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

const char *pts_field_name(enum pts_field f)
{
	return f < PTS_FLD_N ? rows[f].path : "?";
}
