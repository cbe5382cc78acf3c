/* A process's address space: the mm_struct and its VMAs, read from the
 * maple tree (v6.1+) or the vm_next list (before), with the names
 * /proc/PID/maps gives them. */
#ifndef PTS_KMM_H
#define PTS_KMM_H
#include <stdbool.h>
#include <stdint.h>
#include "readers/klist.h"
#include "readers/ktask.h"
#include "types/program.h"

/* include/linux/mm.h; the low 32 bits have kept their values since
 * v4.x (0x800 was VM_DENYWRITE until v5.15 and is unused since). */
#define PTS_VM_READ 0x1ULL
#define PTS_VM_WRITE 0x2ULL
#define PTS_VM_EXEC 0x4ULL
#define PTS_VM_SHARED 0x8ULL
#define PTS_VM_MAYSHARE 0x80ULL
#define PTS_VM_GROWSDOWN 0x100ULL
#define PTS_VM_UFFD_MISSING 0x200ULL
#define PTS_VM_PFNMAP 0x400ULL
#define PTS_VM_UFFD_WP 0x1000ULL
#define PTS_VM_LOCKED 0x2000ULL
#define PTS_VM_IO 0x4000ULL
#define PTS_VM_HUGETLB 0x400000ULL
#define PTS_VM_MIXEDMAP 0x10000000ULL

struct pts_vma {
	uint64_t addr;		/* struct vm_area_struct */
	uint64_t start, end, flags, pgoff;
	uint64_t mm, file, anon_vma, private_data, ops;
	uint32_t dev;		/* the file's st_dev (kernel encoding) */
	uint64_t ino;
	bool dev_unknown;	/* dev and ino could not be read */
	uint64_t mapping;	/* the file's address_space (f_mapping) */
	uint64_t huge_size;	/* hugetlb VMAs: the hstate's page size, 0 if unknown */
	char *name;		/* as /proc/PID/maps names it; NULL: none */
	char *name_note;	/* why the name could not be built */
	bool gate;		/* the [vsyscall] gate area, not in the mm */
};

/* Something in the VMA tree that a healthy kernel does not produce. */
struct pts_anomaly {
	uint64_t obj;		/* the node or VMA it is about */
	char *text;
};

struct pts_mm {
	uint64_t addr, pgd;
	int32_t map_count;
	bool have_pgtables_bytes;
	int64_t pgtables_bytes;
	uint64_t start_brk, brk, start_stack;
	bool maple;		/* VMAs from mm->mm_mt (else the vm_next list) */
	uint64_t mt_flags;
	uint64_t tree_root;	/* mm_mt.ma_root (maple), mm->mmap (list) */
	struct pts_vma *vmas;	/* in address order, the gate area last */
	size_t nvmas;
	size_t tree_entries;	/* VMAs the tree holds (before order checks) */
	struct pts_notes missing;	/* what the dump lacks */
	VEC(struct pts_anomaly) anomalies;
};

/* Read t's mm (t must have one) and its VMAs.  Pages missing from the
 * dump are noted in ret->missing; a broken tree is recorded in
 * ret->anomalies and read as far as it can be.  Errors are for what
 * makes the mm unreadable as a whole. */
struct pts_error *pts_mm_read(struct pts_program *p, const struct pts_task *t, struct pts_mm *ret);
/* PTS_MM_HUGETLB_NAMES: name (and stat) only the hugetlb VMAs. */
#define PTS_MM_HUGETLB_NAMES 1u
struct pts_error *pts_mm_read_flags(struct pts_program *p, const struct pts_task *t, unsigned flags,
				    struct pts_mm *ret);
void pts_mm_free(struct pts_mm *mm);
/* The VMA containing va, or NULL. */
const struct pts_vma *pts_mm_find_vma(const struct pts_mm *mm, uint64_t va);
/* "rw-p" as maps shows it. */
void pts_vma_perms(const struct pts_vma *v, char out[5]);
/* Names of the set VM_* flags, space-separated, for this kernel. */
void pts_vm_flags_text(struct pts_program *p, uint64_t flags, char *buf, size_t n);
/* Each flag name with its bit, for JSON: calls fn for every set flag. */
void pts_vm_flags_each(struct pts_program *p, uint64_t flags, void (*fn)(const char *, void *),
		       void *arg);
#endif
