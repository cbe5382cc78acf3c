/* Where the locks of memory live (kmmlock.h). */
#include "config.h"
#include "readers/kfields.h"
#include "readers/kmmlock.h"

#define F(p) pts_fields(p)

uint64_t pts_mmap_lock_addr(struct pts_program *p, uint64_t mm)
{
	return mm + F(p)->off[PTS_FLD_MM_MMAP_LOCK];
}

bool pts_mmap_lock_known(struct pts_program *p)
{
	return F(p)->have[PTS_FLD_MM_MMAP_LOCK];
}

enum pts_vma_lock_kind pts_vma_lock_kind(struct pts_program *p)
{
	const struct pts_fields *f = F(p);
	return f->have[PTS_FLD_VMA_REFCNT] ? PTS_VMA_LOCK_REFCNT :
	       f->have[PTS_FLD_VMA_LOCK] ? PTS_VMA_LOCK_RWSEM : PTS_VMA_LOCK_NONE;
}

bool pts_mm_lock_seq(struct pts_program *p, uint64_t mm, uint32_t *seq)
{
	const struct pts_fields *f = F(p);
	return f->have[PTS_FLD_MM_LOCK_SEQ] && pts_try_u32(p, mm + f->off[PTS_FLD_MM_LOCK_SEQ], seq);
}

bool pts_vma_write_locked(struct pts_program *p, uint64_t vma, uint32_t mm_seq)
{
	const struct pts_fields *f = F(p);
	uint32_t seq;
	return f->have[PTS_FLD_VMA_LOCK_SEQ] && f->have[PTS_FLD_MM_LOCK_SEQ] &&
	       pts_try_u32(p, vma + f->off[PTS_FLD_VMA_LOCK_SEQ], &seq) && seq == mm_seq;
}

bool pts_vma_refcnt_read(struct pts_program *p, uint64_t vma, uint32_t *ref, uint64_t *addr)
{
	const struct pts_fields *f = F(p);
	*addr = vma + f->off[PTS_FLD_VMA_REFCNT];
	return f->have[PTS_FLD_VMA_REFCNT] && pts_try_u32(p, *addr, ref);
}

bool pts_mm_vma_writer(struct pts_program *p, uint64_t mm, uint64_t *task)
{
	const struct pts_fields *f = F(p);
	return f->have[PTS_FLD_MM_WRITER_WAIT] &&
	       pts_try_u64(p, mm + f->off[PTS_FLD_MM_WRITER_WAIT], task) && *task;
}

bool pts_vma_lock_rwsem(struct pts_program *p, uint64_t vma, uint64_t *at)
{
	const struct pts_fields *f = F(p);
	if (!f->have[PTS_FLD_VMA_LOCK])
		return false;
	uint64_t lock_off = f->have[PTS_FLD_VMA_LOCK_LOCK] ? f->off[PTS_FLD_VMA_LOCK_LOCK] : 0;
	if (f->size[PTS_FLD_VMA_LOCK] != 8) {
		/* embedded (v6.13): no pointer to follow */
		*at = vma + f->off[PTS_FLD_VMA_LOCK] + lock_off;
		return true;
	}
	if (!pts_try_u64(p, vma + f->off[PTS_FLD_VMA_LOCK], at) || !*at)
		return false;
	*at += lock_off;
	return true;
}

bool pts_i_mmap_rwsem(struct pts_program *p, uint64_t mapping, uint64_t *at)
{
	const struct pts_fields *f = F(p);
	*at = mapping + f->off[PTS_FLD_AS_I_MMAP_RWSEM];
	return f->have[PTS_FLD_AS_I_MMAP_RWSEM];
}

bool pts_anon_root_rwsem(struct pts_program *p, uint64_t anon_vma, uint64_t *root, uint64_t *at)
{
	const struct pts_fields *f = F(p);
	if (!f->have[PTS_FLD_AV_RWSEM] || !f->have[PTS_FLD_AV_ROOT] ||
	    !pts_try_u64(p, anon_vma + f->off[PTS_FLD_AV_ROOT], root) || !*root)
		return false;
	*at = *root + f->off[PTS_FLD_AV_RWSEM];
	return true;
}

bool pts_hugetlb_vma_lock_sema_at(struct pts_program *p, uint64_t lock, uint64_t *at)
{
	const struct pts_fields *f = F(p);
	*at = lock + f->off[PTS_FLD_HVL_SEMA];
	return f->have[PTS_FLD_HVL_SEMA];
}

struct pts_error *pts_hugetlb_fault_mutexes(struct pts_program *p, uint64_t *table, uint32_t *n,
					    uint64_t *size)
{
	const struct pts_fields *f = F(p);
	uint64_t tab_at, n_at;
	struct pts_error *err;
	if ((err = pts_symbol(p, "hugetlb_fault_mutex_table", &tab_at)) ||
	    (err = pts_symbol(p, "num_fault_mutexes", &n_at)))
		return err;
	if (!f->have_sizeof[PTS_SZ_MUTEX])
		return pts_error(PTS_ERR_LOOKUP, "struct mutex: no size");
	*size = f->size_of[PTS_SZ_MUTEX];
	if (!pts_try_u64(p, tab_at, table) || !pts_try_u32(p, n_at, n) || !*table)
		return pts_error(PTS_ERR_NODATA, "hugetlb_fault_mutex_table: not in the dump");
	return NULL;
}

uint64_t pts_thread_size(struct pts_program *p)
{
	const struct pts_fields *f = F(p);
	uint64_t z = f->size_of[PTS_SZ_THREAD_UNION];
	if (!f->have_sizeof[PTS_SZ_THREAD_UNION] || z < 4096 || z > (1 << 20))
		z = 16384;	/* THREAD_SIZE without KASAN */
	return z;
}

bool pts_task_stack_base(struct pts_program *p, uint64_t task, uint64_t *stack)
{
	return pts_try_u64(p, task + F(p)->off[PTS_FLD_TASK_STACK], stack) && *stack;
}

struct pts_error *pts_task_stack_read(struct pts_program *p, uint64_t stack, void *buf)
{
	return pts_read(p, stack, buf, pts_thread_size(p));
}

bool pts_task_saved_sp(struct pts_program *p, uint64_t task, uint64_t *sp)
{
	return pts_try_u64(p, task + F(p)->off[PTS_FLD_TASK_SP], sp);
}

bool pts_task_blocker_known(struct pts_program *p)
{
	return F(p)->have[PTS_FLD_TASK_BLOCKER];
}

bool pts_task_blocker(struct pts_program *p, uint64_t task, uint64_t *blocker)
{
	const struct pts_fields *f = F(p);
	return f->have[PTS_FLD_TASK_BLOCKER] &&
	       pts_try_u64(p, task + f->off[PTS_FLD_TASK_BLOCKER], blocker) && *blocker;
}

bool pts_lockdep_known(struct pts_program *p)
{
	const struct pts_fields *f = F(p);
	return f->have[PTS_FLD_TASK_HELD_LOCKS] && f->have[PTS_FLD_TASK_LOCKDEP_DEPTH] &&
	       f->have[PTS_FLD_HELD_LOCK_INSTANCE] && f->have_sizeof[PTS_SZ_HELD_LOCK] &&
	       f->size_of[PTS_SZ_HELD_LOCK] && f->held_locks_len;
}

bool pts_lockdep_depth(struct pts_program *p, uint64_t task, uint32_t *depth)
{
	const struct pts_fields *f = F(p);
	return pts_lockdep_known(p) && pts_try_u32(p, task + f->off[PTS_FLD_TASK_LOCKDEP_DEPTH], depth);
}

uint32_t pts_lockdep_max(struct pts_program *p)
{
	uint64_t n = F(p)->held_locks_len;
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

bool pts_lockdep_instance(struct pts_program *p, uint64_t task, uint32_t i, uint64_t *dep_map)
{
	const struct pts_fields *f = F(p);
	return pts_lockdep_known(p) &&
	       pts_try_u64(p, task + f->off[PTS_FLD_TASK_HELD_LOCKS] + i * f->size_of[PTS_SZ_HELD_LOCK] +
				   f->off[PTS_FLD_HELD_LOCK_INSTANCE], dep_map);
}

bool pts_lock_dep_map(struct pts_program *p, enum pts_lock_kind k, uint64_t *off)
{
	static const enum pts_field by_kind[] = {
		[PTS_LOCK_RWSEM] = PTS_FLD_RWSEM_DEP_MAP,
		[PTS_LOCK_MUTEX] = PTS_FLD_MUTEX_DEP_MAP,
		[PTS_LOCK_SPIN] = PTS_FLD_SPIN_DEP_MAP,
	};
	const struct pts_fields *f = F(p);
	if ((unsigned)k >= sizeof(by_kind) / sizeof(*by_kind) || !f->have[by_kind[k]])
		return false;
	*off = f->off[by_kind[k]];
	return true;
}
