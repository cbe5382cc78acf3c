/* The kernel's own symbol table, without a vmlinux: /proc/kallsyms on a
 * live system, or the compressed kallsyms tables in memory, which
 * VMCOREINFO locates from v6.0 (5fd8fea935a1, f09bddbd8661).  Addresses
 * are the running kernel's (KASLR applied).  No sizes. */
#ifndef PTS_KALLSYMS_H
#define PTS_KALLSYMS_H
#include <stdbool.h>
#include <stdint.h>
#include "mem/dump.h"
#include "base/error.h"

struct vmcoreinfo;
struct pts_kallsyms;

/* Decode the tables from the dump's memory (kernels from v6.0). */
struct pts_error *pts_kallsyms_from_memory(struct pts_dump *d, const struct vmcoreinfo *vi,
					   struct pts_kallsyms **ret);
/* Parse a /proc/kallsyms-format file; refuses one whose addresses are
 * hidden (kptr_restrict: all zero). */
struct pts_error *pts_kallsyms_from_file(const char *path, struct pts_kallsyms **ret);
void pts_kallsyms_free(struct pts_kallsyms *k);
/* Runtime address and nm type letter of name; false if absent. */
bool pts_kallsyms_lookup(const struct pts_kallsyms *k, const char *name, uint64_t *addr, char *type);
size_t pts_kallsyms_count(const struct pts_kallsyms *k);
/* Where they came from, for `info`. */
const char *pts_kallsyms_source(const struct pts_kallsyms *k);
#endif
