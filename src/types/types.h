/* The types interface: the kernel's types and symbols, as every layer
 * above asks for them (member offsets, sizes, enumerators, symbols), one
 * front over two backends: the vmlinux's DWARF (dwinfo.c) and the
 * kernel's own BTF with kallsyms (btfinfo.c).  The front answers one
 * question at a time (libdw is not thread-safe), and records every
 * question with its answer for a snapshot (snapshot.h), or answers from
 * such a record alone, with no backend.  Addresses are link-time:
 * callers add KERNELOFFSET. */
#ifndef PTS_TYPES_H
#define PTS_TYPES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/error.h"

struct pts_member {
	uint64_t offset;	/* bytes from the start of the outer struct */
	uint64_t size;		/* bytes of the member's type */
	unsigned bit_offset;	/* within offset, for bitfields */
	unsigned bit_size;	/* 0 unless a bitfield */
};

/* Every enumerator of an enum type ("enum pageflags"), in order. */
typedef void pts_enumerator_fn(void *arg, const char *name, int64_t value);

/* A backend: each question asked of its own state (b). */
struct pts_types_ops {
	const char *name;	/* "DWARF", "BTF" */
	struct pts_error *(*index)(void *b);
	struct pts_error *(*size_of)(void *b, const char *type, uint64_t *ret);
	struct pts_error *(*member)(void *b, const char *type, const char *path,
				    struct pts_member *ret);
	bool (*has_member)(void *b, const char *type, const char *path);
	struct pts_error *(*member_array_len)(void *b, const char *type, const char *path,
					      uint64_t *ret);
	struct pts_error *(*var_array_len)(void *b, const char *name, uint64_t *ret);
	struct pts_error *(*symbol)(void *b, const char *name, uint64_t *ret);
	bool (*has_function)(void *b, const char *name);
	struct pts_error *(*enumerators)(void *b, const char *type, pts_enumerator_fn *fn, void *arg);
	struct pts_error *(*enumval)(void *b, const char *name, int64_t *ret);
	const char *(*build_id)(void *b);
	void (*close)(void *b);
};

struct pts_types;

/* The front over a backend (taken over); path: where the types came from. */
struct pts_types *pts_types_new(const struct pts_types_ops *ops, void *backend, const char *path);
void pts_types_close(struct pts_types *t);
const char *pts_types_path(const struct pts_types *t);
/* GNU build ID as lowercase hex, "" if none (DWARF's vmlinux only). */
const char *pts_types_build_id(const struct pts_types *t);
/* The backend when it is of ops (pts_btf_ops: the types came from BTF,
 * which keeps no macros), else NULL. */
void *pts_types_backend(const struct pts_types *t, const struct pts_types_ops *ops);

/* Snapshots (snapshot.h): from now on, remember every question asked of
 * t and its answer; the lines, for the snapshot's file; and a front that
 * answers from those lines alone (what was not asked: not found). */
void pts_types_record(struct pts_types *t);
char *pts_types_record_text(struct pts_types *t);
struct pts_types *pts_types_from_record(const char *text, const char *source);

/* Build the backend's name index now (otherwise done on first lookup). */
struct pts_error *pts_types_index(struct pts_types *t);
/* "struct task_struct", "union ...", or a typedef name. */
struct pts_error *pts_types_sizeof(struct pts_types *t, const char *type, uint64_t *ret);
/* path: "tasks", "signal", or nested "thread.sp"; goes through anonymous
 * structs and unions.  PTS_ERR_LOOKUP if absent. */
struct pts_error *pts_types_member(struct pts_types *t, const char *type, const char *path,
				   struct pts_member *ret);
bool pts_types_has_member(struct pts_types *t, const char *type, const char *path);
/* Length of an array member or variable (e.g. mm_struct.rss_stat). */
struct pts_error *pts_types_member_array_len(struct pts_types *t, const char *type,
					     const char *path, uint64_t *ret);
/* Length of a global array variable (e.g. swap_info: MAX_SWAPFILES). */
struct pts_error *pts_types_var_array_len(struct pts_types *t, const char *name, uint64_t *ret);
/* Link-time address of a global variable or symbol. */
struct pts_error *pts_types_symbol(struct pts_types *t, const char *name, uint64_t *ret);
/* Whether the kernel has a function of that name (inlined ones too). */
bool pts_types_has_function(struct pts_types *t, const char *name);
struct pts_error *pts_types_enumerators(struct pts_types *t, const char *type,
					pts_enumerator_fn *fn, void *arg);
/* Value of an enumerator (e.g. "PIDTYPE_PID"). */
struct pts_error *pts_types_enum(struct pts_types *t, const char *name, int64_t *ret);
#endif
