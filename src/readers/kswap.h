/* Swap devices as the kernel keeps them (mm/swapfile.c): swap_info[type]
 * and its swap_map, for what a swap entry names. */
#ifndef PTS_KSWAP_H
#define PTS_KSWAP_H
#include <stdbool.h>
#include <stdint.h>
#include "types/program.h"

enum pts_swap_state {
	PTS_SWAP_TYPE_BEYOND,	/* type >= MAX_SWAPFILES */
	PTS_SWAP_NO_DEVICE,	/* swap_info[type] is NULL */
	PTS_SWAP_UNUSED,	/* SWP_USED clear */
	PTS_SWAP_BEYOND_MAX,	/* offset >= si->max */
	PTS_SWAP_SLOT,		/* a slot of a device in use: count read if map */
};

struct pts_swap_slot {
	enum pts_swap_state state;
	uint64_t si, flags, map;	/* map: si->swap_map, 0 if none */
	uint32_t max;
	uint8_t count;			/* swap_map[offset] */
};

/* What the reads need is known (swap_info, MAX_SWAPFILES, the fields,
 * SWP_USED). */
bool pts_swap_known(struct pts_program *p);
/* The slot of (type, offset), read as far as its state; an error when
 * the dump lacks a word it needs. */
struct pts_error *pts_swap_slot_read(struct pts_program *p, unsigned type, uint64_t offset,
				     struct pts_swap_slot *out);
#endif
