/* What the arch implementations share (arch.c) and provide: not for
 * the layers above, which see arch.h alone. */
#ifndef PTS_ARCH_IMPL_H
#define PTS_ARCH_IMPL_H
#include "arch/arch.h"

static inline void set(struct pts_entry *e, bool cond, unsigned f)
{
	if (cond)
		e->flags |= 1u << f;
}

/* Kind, target pfn and flags of a swap-format entry from its type and
 * offset; swap_known says whether the types above MAX_SWAPFILES are. */
void pts_arch_swap_classify(const struct pts_arch *a, struct pts_entry *e, unsigned type, uint64_t off);
/* MAX_SWAPFILES and the special types of p's kernel, into a. */
void pts_arch_derive_swap(struct pts_program *p, struct pts_arch *a);
/* Each arch's layout of p's kernel, into a (zeroed). */
struct pts_error *pts_arch_x86_64_derive(struct pts_program *p, struct pts_arch *a);
struct pts_error *pts_arch_arm64_derive(struct pts_program *p, struct pts_arch *a);
#endif
