/* Types and symbols of the kernel from vmlinux debug info (libdw), or
 * from BTF and kallsyms (pts_dwarf_from_btf): the type interface.  One
 * pass over the compile units builds a name index of top-level types,
 * variables and enumerators; lookups then cost a hash probe and a
 * dwarf_offdie.  Symbols DWARF lacks (assembly ones such as init_top_pgt)
 * come from .symtab.  Addresses are link-time: callers add KERNELOFFSET. */
#ifndef PTS_DWARF_H
#define PTS_DWARF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/error.h"

struct pts_dwarf;

struct pts_member {
	uint64_t offset;	/* bytes from the start of the outer struct */
	uint64_t size;		/* bytes of the member's type */
	unsigned bit_offset;	/* within offset, for bitfields */
	unsigned bit_size;	/* 0 unless a bitfield */
};

/* The same questions answered from BTF instead (btfinfo.h): takes b over. */
struct pts_btf;
struct pts_dwarf *pts_dwarf_from_btf(struct pts_btf *b);
/* For the fuzz target of the cached index (tests/fuzz/fuzz_dwindex.c): a
 * pts_dwarf holding only the index file in buf (no DWARF: every type it
 * names is then not found), or NULL when buf is not one.  check_sum
 * false skips the checksum a fuzzer cannot forge. */
struct pts_dwarf *pts_dwarf_from_index(const void *buf, size_t len, bool check_sum);
/* Snapshots (snapshot.h): from now on, remember every question asked of
 * dw and its answer; the lines, for the snapshot's file; and a pts_dwarf
 * that answers from those lines alone (what was not asked: not found). */
void pts_dwarf_record(struct pts_dwarf *dw);
char *pts_dwarf_record_text(struct pts_dwarf *dw);
struct pts_dwarf *pts_dwarf_from_record(const char *text, const char *source);
/* The BTF behind dw, NULL for DWARF. */
struct pts_btf *pts_dwarf_btf(const struct pts_dwarf *dw);
/* Open vmlinux; cheap: reads the ELF headers and notes only. */
struct pts_error *pts_dwarf_open(const char *path, struct pts_dwarf **ret);
void pts_dwarf_close(struct pts_dwarf *dw);
const char *pts_dwarf_path(const struct pts_dwarf *dw);
/* GNU build ID as lowercase hex, "" if none. */
const char *pts_dwarf_build_id(const struct pts_dwarf *dw);
/* Build the name index now (otherwise done on first lookup). */
struct pts_error *pts_dwarf_index(struct pts_dwarf *dw);

/* "struct task_struct", "union ...", or a typedef name. */
struct pts_error *pts_dwarf_sizeof(struct pts_dwarf *dw, const char *type, uint64_t *ret);
/* path: "tasks", "signal", or nested "thread.sp"; goes through anonymous
 * structs and unions.  PTS_ERR_LOOKUP if absent. */
struct pts_error *pts_dwarf_member(struct pts_dwarf *dw, const char *type, const char *path,
				   struct pts_member *ret);
bool pts_dwarf_has_member(struct pts_dwarf *dw, const char *type, const char *path);
/* Length of an array member or variable (e.g. mm_struct.rss_stat). */
struct pts_error *pts_dwarf_member_array_len(struct pts_dwarf *dw, const char *type,
					     const char *path, uint64_t *ret);
/* Length of a global array variable (e.g. swap_info: MAX_SWAPFILES). */
struct pts_error *pts_dwarf_var_array_len(struct pts_dwarf *dw, const char *name, uint64_t *ret);
/* Link-time address of a global variable or symbol. */
struct pts_error *pts_dwarf_symbol(struct pts_dwarf *dw, const char *name, uint64_t *ret);
/* Whether the kernel has a function of that name (inlined ones too). */
bool pts_dwarf_has_function(struct pts_dwarf *dw, const char *name);
/* Every enumerator of an enum type ("enum pageflags"), in order. */
typedef void pts_enumerator_fn(void *arg, const char *name, int64_t value);
struct pts_error *pts_dwarf_enumerators(struct pts_dwarf *dw, const char *type,
					pts_enumerator_fn *fn, void *arg);
/* Value of an enumerator (e.g. "PIDTYPE_PID"). */
struct pts_error *pts_dwarf_enum(struct pts_dwarf *dw, const char *name, int64_t *ret);
#endif
