/* Where the locks of memory live (kmmlock.h). */
#include "config.h"
#include "readers/kfields.h"
#include "readers/kmmlock.h"

uint64_t pts_mmap_lock_addr(struct pts_program *p, uint64_t mm)
{
	return mm + pts_field_off(p, PTS_FLD_MM_MMAP_LOCK);
}

bool pts_mmap_lock_known(struct pts_program *p)
{
	return pts_field_has(p, PTS_FLD_MM_MMAP_LOCK);
}

enum pts_vma_lock_kind pts_vma_lock_kind(struct pts_program *p)
{
	return pts_field_has(p, PTS_FLD_VMA_REFCNT) ? PTS_VMA_LOCK_REFCNT :
	       pts_field_has(p, PTS_FLD_VMA_LOCK) ? PTS_VMA_LOCK_RWSEM : PTS_VMA_LOCK_NONE;
}

bool pts_mm_lock_seq(struct pts_program *p, uint64_t mm, uint32_t *seq)
{
	return pts_field_u32(p, mm, PTS_FLD_MM_LOCK_SEQ, seq);
}

bool pts_vma_write_locked(struct pts_program *p, uint64_t vma, uint32_t mm_seq)
{
	uint32_t seq;
	return pts_field_has(p, PTS_FLD_MM_LOCK_SEQ) && pts_field_u32(p, vma, PTS_FLD_VMA_LOCK_SEQ, &seq) &&
	       seq == mm_seq;
}

bool pts_vma_refcnt_read(struct pts_program *p, uint64_t vma, uint32_t *ref, uint64_t *addr)
{
	*addr = vma + pts_field_off(p, PTS_FLD_VMA_REFCNT);
	return pts_field_has(p, PTS_FLD_VMA_REFCNT) && pts_try_u32(p, *addr, ref);
}

bool pts_mm_vma_writer(struct pts_program *p, uint64_t mm, uint64_t *task)
{
	return pts_field_u64(p, mm, PTS_FLD_MM_WRITER_WAIT, task) && *task;
}

bool pts_vma_lock_rwsem(struct pts_program *p, uint64_t vma, uint64_t *at)
{
	if (!pts_field_has(p, PTS_FLD_VMA_LOCK))
		return false;
	uint64_t lock_off = pts_field_has(p, PTS_FLD_VMA_LOCK_LOCK) ? pts_field_off(p, PTS_FLD_VMA_LOCK_LOCK) : 0;
	if (pts_field_size(p, PTS_FLD_VMA_LOCK) != 8) {
		/* embedded (v6.13): no pointer to follow */
		*at = vma + pts_field_off(p, PTS_FLD_VMA_LOCK) + lock_off;
		return true;
	}
	if (!pts_try_u64(p, vma + pts_field_off(p, PTS_FLD_VMA_LOCK), at) || !*at)
		return false;
	*at += lock_off;
	return true;
}

bool pts_i_mmap_rwsem(struct pts_program *p, uint64_t mapping, uint64_t *at)
{
	*at = mapping + pts_field_off(p, PTS_FLD_AS_I_MMAP_RWSEM);
	return pts_field_has(p, PTS_FLD_AS_I_MMAP_RWSEM);
}

bool pts_anon_root_rwsem(struct pts_program *p, uint64_t anon_vma, uint64_t *root, uint64_t *at)
{
	if (!pts_field_has(p, PTS_FLD_AV_RWSEM) || !pts_field_has(p, PTS_FLD_AV_ROOT) ||
	    !pts_try_u64(p, anon_vma + pts_field_off(p, PTS_FLD_AV_ROOT), root) || !*root)
		return false;
	*at = *root + pts_field_off(p, PTS_FLD_AV_RWSEM);
	return true;
}

bool pts_hugetlb_vma_lock_sema_at(struct pts_program *p, uint64_t lock, uint64_t *at)
{
	*at = lock + pts_field_off(p, PTS_FLD_HVL_SEMA);
	return pts_field_has(p, PTS_FLD_HVL_SEMA);
}

struct pts_error *pts_hugetlb_fault_mutexes(struct pts_program *p, uint64_t *table, uint32_t *n,
					    uint64_t *size)
{
	uint64_t tab_at, n_at;
	struct pts_error *err;
	if ((err = pts_symbol(p, "hugetlb_fault_mutex_table", &tab_at)) ||
	    (err = pts_symbol(p, "num_fault_mutexes", &n_at)))
		return err;
	if (!pts_type_size_known(p, PTS_SZ_MUTEX))
		return pts_error(PTS_ERR_LOOKUP, "struct mutex: no size");
	*size = pts_type_size(p, PTS_SZ_MUTEX);
	if (!pts_try_u64(p, tab_at, table) || !pts_try_u32(p, n_at, n) || !*table)
		return pts_error(PTS_ERR_NODATA, "hugetlb_fault_mutex_table: not in the dump");
	return NULL;
}

uint64_t pts_thread_size(struct pts_program *p)
{
	uint64_t z = pts_type_size(p, PTS_SZ_THREAD_UNION);
	if (!pts_type_size_known(p, PTS_SZ_THREAD_UNION) || z < 4096 || z > (1 << 20))
		z = 16384;	/* THREAD_SIZE without KASAN */
	return z;
}

bool pts_task_stack_base(struct pts_program *p, uint64_t task, uint64_t *stack)
{
	return pts_try_u64(p, task + pts_field_off(p, PTS_FLD_TASK_STACK), stack) && *stack;
}

struct pts_error *pts_task_stack_read(struct pts_program *p, uint64_t stack, void *buf)
{
	return pts_read(p, stack, buf, pts_thread_size(p));
}

bool pts_task_saved_sp(struct pts_program *p, uint64_t task, uint64_t *sp)
{
	return pts_try_u64(p, task + pts_field_off(p, PTS_FLD_TASK_SP), sp);
}

bool pts_task_blocker_known(struct pts_program *p)
{
	return pts_field_has(p, PTS_FLD_TASK_BLOCKER);
}

bool pts_task_blocker(struct pts_program *p, uint64_t task, uint64_t *blocker)
{
	return pts_field_u64(p, task, PTS_FLD_TASK_BLOCKER, blocker) && *blocker;
}

bool pts_lockdep_known(struct pts_program *p)
{
	return pts_field_has(p, PTS_FLD_TASK_HELD_LOCKS) && pts_field_has(p, PTS_FLD_TASK_LOCKDEP_DEPTH) &&
	       pts_field_has(p, PTS_FLD_HELD_LOCK_INSTANCE) && pts_type_size_known(p, PTS_SZ_HELD_LOCK) &&
	       pts_type_size(p, PTS_SZ_HELD_LOCK) && pts_held_locks_len(p);
}

bool pts_lockdep_depth(struct pts_program *p, uint64_t task, uint32_t *depth)
{
	return pts_lockdep_known(p) && pts_try_u32(p, task + pts_field_off(p, PTS_FLD_TASK_LOCKDEP_DEPTH), depth);
}

uint32_t pts_lockdep_max(struct pts_program *p)
{
	uint64_t n = pts_held_locks_len(p);
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

bool pts_lockdep_instance(struct pts_program *p, uint64_t task, uint32_t i, uint64_t *dep_map)
{
	return pts_lockdep_known(p) &&
	       pts_try_u64(p, task + pts_field_off(p, PTS_FLD_TASK_HELD_LOCKS) + i * pts_type_size(p, PTS_SZ_HELD_LOCK) +
				   pts_field_off(p, PTS_FLD_HELD_LOCK_INSTANCE), dep_map);
}

bool pts_lock_dep_map(struct pts_program *p, enum pts_lock_kind k, uint64_t *off)
{
	static const enum pts_field by_kind[] = {
		[PTS_LOCK_RWSEM] = PTS_FLD_RWSEM_DEP_MAP,
		[PTS_LOCK_MUTEX] = PTS_FLD_MUTEX_DEP_MAP,
		[PTS_LOCK_SPIN] = PTS_FLD_SPIN_DEP_MAP,
	};
	if ((unsigned)k >= sizeof(by_kind) / sizeof(*by_kind) || !pts_field_has(p, by_kind[k]))
		return false;
	*off = pts_field_off(p, by_kind[k]);
	return true;
}
