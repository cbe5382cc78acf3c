/* The DWARF backend of the types interface (types.h): the vmlinux's
 * debug info through libdw.  One pass over the compile units builds a
 * name index of top-level types, variables and enumerators (kept in the
 * cache directory); lookups then cost a hash probe and a dwarf_offdie.
 * Symbols DWARF lacks (assembly ones such as init_top_pgt) come from
 * .symtab. */
#ifndef PTS_DWARF_H
#define PTS_DWARF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/error.h"
#include "types/types.h"

struct pts_dwarf;

extern const struct pts_types_ops pts_dwarf_ops;

/* Open vmlinux; cheap: reads the ELF headers and notes only.  Its
 * questions are asked through pts_types_new(&pts_dwarf_ops, dw, path). */
struct pts_error *pts_dwarf_open(const char *path, struct pts_dwarf **ret);
void pts_dwarf_close(struct pts_dwarf *dw);
const char *pts_dwarf_path(const struct pts_dwarf *dw);
/* GNU build ID as lowercase hex, "" if none. */
const char *pts_dwarf_build_id(const struct pts_dwarf *dw);
/* For the fuzz target of the cached index (tests/fuzz/fuzz_dwindex.c): a
 * pts_dwarf holding only the index file in buf (no DWARF: every type it
 * names is then not found), or NULL when buf is not one.  check_sum
 * false skips the checksum a fuzzer cannot forge. */
struct pts_dwarf *pts_dwarf_from_index(const void *buf, size_t len, bool check_sum);
#endif
