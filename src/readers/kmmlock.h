/* Where the locks of memory live in the kernel's structures, and what
 * tasks keep of the locks they hold or wait on: the addresses and words
 * the locks analysis reads (klock.h decodes the lock words themselves).
 * Best effort: false when this kernel has no such lock or the dump lacks
 * the word; the fields from the one table (kfields.h). */
#ifndef PTS_KMMLOCK_H
#define PTS_KMMLOCK_H
#include <stdbool.h>
#include <stdint.h>
#include "readers/klock.h"
#include "types/program.h"

/* &mm->mmap_lock (mmap_sem before v5.8) */
uint64_t pts_mmap_lock_addr(struct pts_program *p, uint64_t mm);
bool pts_mmap_lock_known(struct pts_program *p);

/* Per-VMA locks: v6.4 5e31275cc997 a struct vma_lock (an rwsem) behind
 * vm_lock, embedded from v6.13; v6.15 a reference count, vm_refcnt. */
enum pts_vma_lock_kind { PTS_VMA_LOCK_NONE, PTS_VMA_LOCK_RWSEM, PTS_VMA_LOCK_REFCNT };
enum pts_vma_lock_kind pts_vma_lock_kind(struct pts_program *p);
/* mm->mm_lock_seq (false: no such field, or not in the dump) */
bool pts_mm_lock_seq(struct pts_program *p, uint64_t mm, uint32_t *seq);
/* vma_start_write() stored the mm's sequence in vm_lock_seq */
bool pts_vma_write_locked(struct pts_program *p, uint64_t vma, uint32_t mm_seq);
/* vm_refcnt and its address */
bool pts_vma_refcnt_read(struct pts_program *p, uint64_t vma, uint32_t *ref, uint64_t *addr);
/* mm->vma_writer_wait's task, when one waits */
bool pts_mm_vma_writer(struct pts_program *p, uint64_t mm, uint64_t *task);
/* the rwsem of the VMA's struct vma_lock */
bool pts_vma_lock_rwsem(struct pts_program *p, uint64_t vma, uint64_t *at);

/* &mapping->i_mmap_rwsem */
bool pts_i_mmap_rwsem(struct pts_program *p, uint64_t mapping, uint64_t *at);
/* anon_vma->root, and the root's rwsem (the one anon_vma_lock takes) */
bool pts_anon_root_rwsem(struct pts_program *p, uint64_t anon_vma, uint64_t *root, uint64_t *at);
/* &hugetlb_vma_lock->rw_sema (v6.1) */
bool pts_hugetlb_vma_lock_sema_at(struct pts_program *p, uint64_t lock, uint64_t *at);
/* hugetlb_fault_mutex_table: its address, length and element size;
 * PTS_ERR_LOOKUP on a kernel without hugetlb, NODATA when unread. */
struct pts_error *pts_hugetlb_fault_mutexes(struct pts_program *p, uint64_t *table, uint32_t *n,
					    uint64_t *size);

/* A task's kernel stack: task->stack, THREAD_SIZE, its bytes, and the
 * stack pointer saved at its last switch (thread.sp). */
uint64_t pts_thread_size(struct pts_program *p);
bool pts_task_stack_base(struct pts_program *p, uint64_t task, uint64_t *stack);
struct pts_error *pts_task_stack_read(struct pts_program *p, uint64_t stack, void *buf);
bool pts_task_saved_sp(struct pts_program *p, uint64_t task, uint64_t *sp);

/* task->blocker (v6.16, CONFIG_DETECT_HUNG_TASK_BLOCKER): lock | type */
bool pts_task_blocker_known(struct pts_program *p);
bool pts_task_blocker(struct pts_program *p, uint64_t task, uint64_t *blocker);

/* lockdep (CONFIG_LOCKDEP): each task's held_locks[lockdep_depth], whose
 * instance is the lock's dep_map. */
bool pts_lockdep_known(struct pts_program *p);
bool pts_lockdep_depth(struct pts_program *p, uint64_t task, uint32_t *depth);
uint32_t pts_lockdep_max(struct pts_program *p);
bool pts_lockdep_instance(struct pts_program *p, uint64_t task, uint32_t i, uint64_t *dep_map);
/* dep_map's offset in a lock of kind k */
bool pts_lock_dep_map(struct pts_program *p, enum pts_lock_kind k, uint64_t *off);
#endif
