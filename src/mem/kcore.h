/* The running kernel through /proc/kcore: its PT_LOAD segments read
 * directly with pread (libkdumpfile would cache pages of a moving
 * target and offers no way to bypass its cache), VMCOREINFO from its
 * note (fs/proc/kcore.c, since v4.19 23c85094fe18).  Part of the memory
 * source layer; dump.c dispatches to it. */
#ifndef PTS_KCORE_H
#define PTS_KCORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/error.h"

#define PTS_KCORE_PATH "/proc/kcore"

struct pts_kcore;

/* Is fd the procfs kcore file (whatever name it was opened by)? */
bool pts_kcore_is(int fd);
/* Explain why path (a kcore) could not be opened, from errno of open(2):
 * not root, lockdown, no CONFIG_PROC_KCORE. */
struct pts_error *pts_kcore_open_error(int err);
/* Read the program headers and the VMCOREINFO note of fd (kept open by
 * the caller).  *vmcoreinfo is malloc'd text. */
struct pts_error *pts_kcore_open(int fd, struct pts_kcore **ret, char **vmcoreinfo);
void pts_kcore_close(struct pts_kcore *k);
/* Physical address space as the RAM segments describe it. */
uint64_t pts_kcore_max_pfn(const struct pts_kcore *k);
/* "x86_64" or "aarch64" */
const char *pts_kcore_arch(const struct pts_kcore *k);
uint64_t pts_kcore_ram_pages(const struct pts_kcore *k);
unsigned pts_kcore_nsegments(const struct pts_kcore *k);
/* Read len bytes at a kernel virtual (phys false) or physical address;
 * PTS_ERR_NODATA where no segment covers it. */
struct pts_error *pts_kcore_read(struct pts_kcore *k, bool phys, uint64_t addr, void *buf,
				 size_t len);
#endif
