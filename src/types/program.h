/* A program: one dump (or, later, the live kernel) with the types and
 * symbols that describe it.  Everything above the memory and type layers
 * goes through this. */
#ifndef PTS_PROGRAM_H
#define PTS_PROGRAM_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "mem/dump.h"
#include "types/types.h"
#include "base/error.h"

enum pts_layout_slot { PTS_LAYOUT_MM, PTS_LAYOUT_ARCH, PTS_LAYOUT_PAGE, PTS_LAYOUT_LOCK, PTS_LAYOUT_FOLIO, PTS_LAYOUT_ANON, PTS_LAYOUT_SWAP, PTS_LAYOUT_FIELDS, PTS_LAYOUT_N };

enum pts_types_choice { PTS_TYPES_AUTO, PTS_TYPES_DWARF, PTS_TYPES_BTF };

struct pts_open_opts {
	const char *dump;
	const char *vmlinux;	/* -k; NULL: find it */
	/* auto: DWARF when a matching vmlinux is found, else the BTF and
	 * kallsyms in the dump's memory */
	enum pts_types_choice types;
	const char *debug_root;	/* prefix of the standard debug paths; NULL: "/" */
	bool need_types;	/* fail when no vmlinux is found */
	size_t cache_bytes;	/* --cache-size; 0: the default (pcache.h) */
};

struct pts_program {
	struct pts_dump *dump;
	const struct vmcoreinfo *vmci;
	struct pts_types *types;	/* NULL when no types were needed or found */
	char *types_source;		/* what types answers from, in words */
	char *vmlinux_note;		/* why no vmlinux, when types is NULL */
	const char *osrelease;
	const char *build_id;		/* from VMCOREINFO, NULL if absent */
	uint64_t kaslr_offset;
	int paging_levels;
	uint64_t page_size;
	unsigned page_shift;		/* log2 page_size: PFNs count such pages */
	/* Layouts the reader modules derive from the debug info on first
	 * use; each module owns its slot and says how to free it. */
	void *layout[PTS_LAYOUT_N];
	void (*layout_free[PTS_LAYOUT_N])(void *);
	/* Deriving a layout: once, whichever thread comes first (recursive:
	 * one layout may need another). */
	pthread_mutex_t layout_lock;
};

/* A reader's layout of this kernel (the offsets it reads by, what this
 * version has), derived once: the first use calls derive under the
 * program's layout lock (the runner's threads ask at once), which
 * allocates it; it is kept in slot until the program closes (free_fn).
 * A derive that fails is not kept: the next use tries again. */
typedef struct pts_error *pts_layout_fn(struct pts_program *p, void **ret);
struct pts_error *pts_layout(struct pts_program *p, enum pts_layout_slot slot, pts_layout_fn *derive,
			     void (*free_fn)(void *), void **ret);

/* The end of memory in the kernel's page frames (the dump counts 4 KiB). */
static inline uint64_t pts_max_pfn(const struct pts_program *p)
{
	return pts_dump_info(p->dump)->max_pfn >> (p->page_shift > 12 ? p->page_shift - 12 : 0);
}

struct pts_error *pts_program_open(const struct pts_open_opts *o, struct pts_program **ret);
void pts_program_close(struct pts_program *p);

/* Kernel memory. */
struct pts_error *pts_read(struct pts_program *p, uint64_t kva, void *buf, size_t len);
struct pts_error *pts_read_u64(struct pts_program *p, uint64_t kva, uint64_t *ret);
struct pts_error *pts_read_u32(struct pts_program *p, uint64_t kva, uint32_t *ret);
/* Best effort reads: true on success, the error dropped. */
bool pts_try_u64(struct pts_program *p, uint64_t kva, uint64_t *ret);
bool pts_try_u32(struct pts_program *p, uint64_t kva, uint32_t *ret);
/* A NUL-terminated string of at most n - 1 bytes, read page by page so
 * that a short string near the end of a mapping still reads. */
struct pts_error *pts_read_str(struct pts_program *p, uint64_t kva, char *buf, size_t n);
/* Runtime address of a kernel symbol (KASLR applied). */
struct pts_error *pts_symbol(struct pts_program *p, const char *name, uint64_t *ret);
/* Offset of type.path; aborts the lookup chain with PTS_ERR_LOOKUP. */
struct pts_error *pts_offsetof(struct pts_program *p, const char *type, const char *path,
			       uint64_t *ret);
/* Like pts_offsetof for a member that may not exist: true if found. */
bool pts_offsetof_opt(struct pts_program *p, const char *type, const char *path, uint64_t *ret);
/* Kernel version from the release string, PTS_KVER(major, minor), 0 if
 * unknown.  Only for what the debug info cannot tell (macro values). */
#define PTS_KVER(a, b) ((unsigned)(a) << 16 | (unsigned)(b) << 8)
unsigned pts_kernel_version(const struct pts_program *p);
#endif
