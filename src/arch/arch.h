/* Page-table formats behind one interface: x86-64 (4 and 5 levels,
 * arch_x86_64.c) and arm64 (4 and 16 KiB pages, arch_arm64.c), chosen from the
 * dump (arch.c).  An arch knows how to split a virtual address, how to
 * tell a table from a leaf, and how to decode every kind of entry,
 * including the kernel's swap-entry numbering, derived per kernel. */
#ifndef PTS_ARCH_H
#define PTS_ARCH_H
#include <stdbool.h>
#include <stdint.h>
#include "types/program.h"

enum pts_level { PTS_PTE, PTS_PMD, PTS_PUD, PTS_P4D, PTS_PGD, PTS_NLEVELS };

enum pts_ekind {
	PTS_EK_NONE,		/* empty */
	PTS_EK_TABLE,		/* points to the next level's table */
	PTS_EK_PRESENT,		/* a leaf mapping a page (PROT_NONE ones too) */
	PTS_EK_SWAP,
	PTS_EK_MIGRATION,
	PTS_EK_DEVICE_PRIVATE,
	PTS_EK_DEVICE_EXCLUSIVE,
	PTS_EK_HWPOISON,
	PTS_EK_MARKER,		/* PTE marker: offset holds the marker bits */
	PTS_EK_SWAPIN_ERROR,	/* v6.1's SWP_SWAPIN_ERROR */
	PTS_EK_UNKNOWN,		/* a special swap type this kernel's numbering lacks */
	PTS_EK_BAD,		/* a non-present table entry that is not empty */
	PTS_EK_N
};

/* Decoded bits; names by pts_eflag_name(). */
enum pts_eflag {
	PTS_F_PRESENT, PTS_F_RW, PTS_F_USER, PTS_F_PWT, PTS_F_PCD, PTS_F_ACCESSED,
	PTS_F_DIRTY, PTS_F_PSE, PTS_F_GLOBAL, PTS_F_NX, PTS_F_PROTNONE, PTS_F_SOFT_DIRTY,
	PTS_F_UFFD_WP, PTS_F_SPECIAL, PTS_F_DEVMAP, PTS_F_PAT, PTS_F_SAVED_DIRTY,
	PTS_F_EXCLUSIVE,	/* swap-entry AnonExclusive bit */
	PTS_F_READ, PTS_F_READ_EXCLUSIVE, PTS_F_WRITE,	/* migration / device mode */
	PTS_F_YOUNG, PTS_F_MDIRTY,	/* migration entry A/D bits */
	/* arm64's hardware bits (arch/arm64/include/asm/pgtable-hwdef.h) */
	PTS_F_VALID, PTS_F_AF, PTS_F_NG, PTS_F_RDONLY, PTS_F_DBM, PTS_F_CONT, PTS_F_PXN, PTS_F_UXN,
	PTS_F_N
};

struct pts_entry {
	uint64_t raw;
	uint8_t level;		/* enum pts_level */
	uint8_t kind;		/* enum pts_ekind */
	bool leaf;		/* kind != TABLE && != NONE */
	bool has_pfn;
	uint32_t flags;		/* 1 << enum pts_eflag */
	uint64_t pfn;		/* page (leaf), next table (TABLE), target (migration...) */
	unsigned swap_type;
	uint64_t swap_offset;
	uint8_t pkey;
};

/* The most entries a table holds: 2048 with arm64's 16 KiB pages. */
#define PTS_MAX_ENTRIES 2048

struct pts_arch {
	const char *name;
	unsigned page_shift;	/* PAGE_SHIFT: 12, or 14 (arm64-16k); PFNs count such pages */
	int levels;		/* 3 (arm64 16 KiB, 47-bit VAs), 4 or 5 */
	int top;		/* level of the root table */
	unsigned shift[PTS_NLEVELS];	/* VA bits below each level's index */
	unsigned entries;	/* per table */
	unsigned top_entries;	/* in the root table: arm64 with 52-bit VAs has 16 (4 KiB
				 * pages) or 32 (16 KiB), PTRS_PER_PGD, in a slab object */
	uint64_t user_end;	/* TASK_SIZE_MAX */
	uint64_t page_offset;	/* start of the direct map (page_offset_base; arm64 PAGE_OFFSET) */
	uint64_t phys_offset;	/* physical address of page_offset (arm64 PHYS_OFFSET; 0 on x86-64) */
	uint64_t pfn_mask;	/* physical-address bits of an entry */
	uint64_t pfn_hi;	/* those of them out of place: arm64 LPA2 keeps address bits
				 * 50-51 in entry bits 8-9 (PTE_ADDR_HIGH) */
	/* pte_young()'s bit of a present entry (x86-64 _PAGE_ACCESSED, arm64
	 * PTE_AF) and its decoded flag: runs of entries that differ in it
	 * alone are one line of the walk and the TUI, which count it */
	uint64_t young_bit;
	unsigned young_flag;
	unsigned phys_bits;	/* MAX_PHYSMEM_BITS */
	/* Swap types above MAX_SWAPFILES, derived from the debug info;
	 * -1 where the kernel has no such type. */
	bool swap_known;
	bool swap_derived;	/* from the version and kallsyms (BTF mode), not swap_info[] */
	char swap_why[160];	/* when !swap_known */
	int max_swapfiles, t_hwpoison, t_mig_read, t_mig_rx, t_mig_write, t_dev_write,
	    t_dev_read, t_devx_write, t_devx_read, t_marker, t_swapin_error;
	bool mig_ad;		/* swap_migration_ad_supported */
	bool devmap_bit;	/* bit 58 is devmap (before v6.17) */
	bool saved_dirty_bit;	/* bit 57 is SavedDirty (shadow stacks, v6.6+) */
	/* arm64: the entries of one contiguous run at PTE and PMD level
	 * (CONT_PTES, CONT_PMDS: 16 and 16 with 4 KiB pages, 128 and 32 with
	 * 16 KiB), hugetlb's CONT_PTE_SIZE and CONT_PMD_SIZE; 0 elsewhere */
	unsigned cont[PTS_NLEVELS];
	bool pud_block;		/* a PUD may be a leaf (arm64: 4 KiB pages only) */
	bool arm64_v610;	/* arm64's PTE layout of v6.10+ (uffd-wp, PTE_PRESENT_INVALID) */
	void (*decode)(const struct pts_arch *a, int level, uint64_t raw, struct pts_entry *e);
};

struct pts_error *pts_arch_get(struct pts_program *p, const struct pts_arch **ret);
static inline void pts_entry_decode(const struct pts_arch *a, int level, uint64_t raw,
				    struct pts_entry *e)
{
	a->decode(a, level, raw, e);
}
/* A PTE whose bits outside pfn_mask equal those of prev, a decoded
 * present PTE whose PFN is stored plainly (not a PROT_NONE entry, whose
 * PFN x86-64 inverts), decodes as prev with raw's PFN: the walk's fast path
 * for the long runs of like entries that make up a big address space. */
static inline bool pts_entry_redecode(const struct pts_arch *a, const struct pts_entry *prev,
				      uint64_t raw, struct pts_entry *e)
{
	if (prev->level != PTS_PTE || prev->kind != PTS_EK_PRESENT ||
	    (prev->flags & (1u << PTS_F_PROTNONE)) || ((prev->raw ^ raw) & ~a->pfn_mask) ||
	    (raw & a->pfn_hi))
		return false;
	*e = *prev;
	e->raw = raw;
	e->pfn = (raw & a->pfn_mask) >> a->page_shift;
	return true;
}
const char *pts_eflag_name(unsigned flag);
const char *pts_ekind_name(unsigned kind);
const char *pts_level_name(unsigned level);
/* The marker bits' names: "uffd_wp", "poisoned", "guard". */
void pts_marker_text(uint64_t marker, char *buf, size_t n);
/* The level below level; with 4 levels the P4D is folded into the PGD,
 * with 3 (arm64 16 KiB pages, 47-bit VAs) the PUD too. */
static inline int pts_arch_below(const struct pts_arch *a, int level)
{
	if (level == PTS_PGD && a->levels < 5)
		return a->levels == 3 ? PTS_PMD : PTS_PUD;
	return level - 1;
}
/* The level above level (the inverse of pts_arch_below). */
static inline int pts_arch_above(const struct pts_arch *a, int level)
{
	if ((level == PTS_PUD && a->levels == 4) || (level == PTS_PMD && a->levels == 3))
		return PTS_PGD;
	return level + 1;
}
/* Entries in a table of level: the root may have fewer. */
static inline unsigned pts_arch_nentries(const struct pts_arch *a, int level)
{
	return level == a->top ? a->top_entries : a->entries;
}
/* Size mapped by one entry at level. */
static inline uint64_t pts_level_size(const struct pts_arch *a, int level)
{
	return 1ULL << a->shift[level];
}
/* The size of each entry that maps a hugetlb page of hsize: hsize itself,
 * or on arm64 one entry of a contiguous size (4 KiB pages: 64 KiB from 16
 * PTEs, 32 MiB from 16 PMD blocks; 16 KiB pages: 2 MiB from 128 PTEs,
 * 1 GiB from 32 PMD blocks: arch/arm64/mm/hugetlbpage.c). */
static inline uint64_t pts_arch_hstate_piece(const struct pts_arch *a, uint64_t hsize)
{
	for (int l = PTS_PTE; l <= PTS_PMD; l++)
		if (a->cont[l] && hsize == a->cont[l] * pts_level_size(a, l))
			return hsize / a->cont[l];
	return hsize;
}
/* Page frame number to physical address and back, in the kernel's pages. */
static inline uint64_t pts_pfn_pa(const struct pts_arch *a, uint64_t pfn)
{
	return pfn << a->page_shift;
}
#endif
