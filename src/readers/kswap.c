/* Swap devices (kswap.h). */
#include "config.h"
#include "readers/kfields.h"
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "base/util.h"
#include "readers/kswap.h"
#include "types/btfinfo.h"

struct swap_layout {
	bool ok, have_map;
	uint64_t swap_info, nswap, flags, max, map;
	int64_t used;
};

/* MAX_SWAPFILES: swap_info[]'s length (DWARF), or as the arch layer
 * derived it (BTF mode keeps no global variables' types) */
static struct pts_error *swap_slots(struct pts_program *p, uint64_t *ret)
{
	const struct pts_arch *a;
	if (pts_types_backend(p->types, &pts_btf_ops)) {
		struct pts_error *err = pts_arch_get(p, &a);
		if (err)
			return err;
		if (!a->swap_known)
			return pts_error(PTS_ERR_LOOKUP, "%s", a->swap_why);
		*ret = (uint64_t)a->max_swapfiles;
		return NULL;
	}
	return pts_types_var_array_len(p->types, "swap_info", ret);
}

static struct pts_error *swap_layout_derive(struct pts_program *p, void **ret)
{
	struct swap_layout *l = xcalloc(1, sizeof(*l));
	struct pts_error *err;
	if ((err = pts_symbol(p, "swap_info", &l->swap_info)) ||
	    (err = swap_slots(p, &l->nswap)) ||
	    (err = pts_field_need(p, PTS_FLD_SWAP_FLAGS, &l->flags)) ||
	    (err = pts_field_need(p, PTS_FLD_SWAP_MAX, &l->max)) ||
	    (err = pts_types_enum(p->types, "SWP_USED", &l->used))) {
		pts_error_destroy(err);
	} else {
		l->have_map = pts_field_opt(p, PTS_FLD_SWAP_MAP, &l->map);
		l->ok = true;
	}
	*ret = l;
	return NULL;
}

/* Derived once per program, in its layout slot: every address space's
 * checks ask, from several threads (the runner, sweep.c).  Never fails:
 * a kernel without what E5 reads has ok false. */
static const struct swap_layout *swap_layout(struct pts_program *p)
{
	void *l = NULL;
	pts_error_destroy(pts_layout(p, PTS_LAYOUT_SWAP, swap_layout_derive, free, &l));
	return l;
}

bool pts_swap_known(struct pts_program *p)
{
	return swap_layout(p)->ok;
}

struct pts_error *pts_swap_slot_read(struct pts_program *p, unsigned type, uint64_t offset,
				     struct pts_swap_slot *out)
{
	const struct swap_layout *l = swap_layout(p);
	struct pts_error *err;
	memset(out, 0, sizeof(*out));
	if (type >= l->nswap) {
		out->state = PTS_SWAP_TYPE_BEYOND;
		return NULL;
	}
	if ((err = pts_read_u64(p, l->swap_info + 8 * (uint64_t)type, &out->si)))
		return err;
	if (!out->si) {
		out->state = PTS_SWAP_NO_DEVICE;
		return NULL;
	}
	if ((err = pts_read_u64(p, out->si + l->flags, &out->flags)) ||
	    (err = pts_read_u32(p, out->si + l->max, &out->max)))
		return err;
	if (!(out->flags & (uint64_t)l->used)) {
		out->state = PTS_SWAP_UNUSED;
		return NULL;
	}
	if (offset >= out->max) {
		out->state = PTS_SWAP_BEYOND_MAX;
		return NULL;
	}
	out->state = PTS_SWAP_SLOT;
	if (l->have_map &&
	    ((err = pts_read_u64(p, out->si + l->map, &out->map)) ||
	     (out->map && (err = pts_read(p, out->map + offset, &out->count, 1)))))
		return err;
	return NULL;
}
