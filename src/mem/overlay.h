/* The overlay (PTSCOPE_TEST_PATCH): values laid over the dump's memory as
 * ptscope reads it, to see what it says of a damaged structure without
 * touching the file.  A memory source stacked over the real one, made only
 * when the variable is set: its items are resolved to physical addresses
 * and laid over each page as it comes from the file, before the page
 * cache keeps it, so a value laid at a kernel virtual address is seen
 * through the direct map, the vmemmap and physical reads alike. */
#ifndef PTS_OVERLAY_H
#define PTS_OVERLAY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pts_overlay;

/* The overlay of PTSCOPE_TEST_PATCH, or NULL when it is unset or empty:
 * "K:ADDR=VALUE" (kernel virtual) or "P:ADDR=VALUE" (physical), 8 bytes
 * each unless "/N" follows (N bytes, 1 to 8), separated by ';'. */
struct pts_overlay *pts_overlay_from_env(void);
void pts_overlay_free(struct pts_overlay *o);
/* Resolve the kernel virtual items to physical addresses through xl
 * (false: not mapped; such a byte is laid over virtual reads only).
 * Once; later calls do nothing. */
void pts_overlay_resolve(struct pts_overlay *o, bool (*xl)(void *arg, uint64_t va, uint64_t *pa),
			 void *arg);
/* Lay the items over buf, which holds len bytes read at addr: physical
 * (phys) or kernel virtual. */
void pts_overlay_apply(const struct pts_overlay *o, bool phys, uint64_t addr, uint8_t *buf, size_t len);
#endif
