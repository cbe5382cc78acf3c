/* The page-table walk of one address space: every table page read once,
 * every entry decoded and handed to the caller in address order. */
#ifndef PTS_WALK_H
#define PTS_WALK_H
#include <stdbool.h>
#include <stdint.h>
#include "arch/arch.h"
#include "readers/klist.h"
#include "types/program.h"

struct pts_table {
	uint64_t pfn;
	uint64_t pa;		/* its physical address: a root smaller than a page may
				 * sit inside one (arm64, 52-bit VAs) */
	unsigned nentries;
	int level;		/* level of the entries it holds */
	uint64_t va;		/* first address it covers */
	uint64_t parent_pfn;	/* 0 for the root */
	unsigned parent_index;
	unsigned used;		/* entries not none */
	bool revisit;		/* reached before from another entry (sharing) */
	const uint64_t *raw;	/* its entries, valid during the callback */
};

struct pts_walk_ops {
	/* A table, before its entries. */
	void (*table)(void *arg, const struct pts_table *t);
	/* Every entry that is not none: leaves, special entries, and with
	 * tables set, the table pointers too.  va is where it starts. */
	void (*entry)(void *arg, uint64_t va, const struct pts_entry *e, const struct pts_table *t,
		      unsigned index);
	/* The table after its entries (and subtrees). */
	void (*table_end)(void *arg, const struct pts_table *t);
	bool tables;
	/* Optional: count (>= 2) present PTEs from index on that map
	 * consecutive PFNs and agree in every other bit but the young bit
	 * (pts_arch.young_bit), in one call instead of count calls of entry;
	 * e is the first of them, young of them have that bit. */
	void (*run)(void *arg, uint64_t va, const struct pts_entry *e, const struct pts_table *t,
		    unsigned index, unsigned count, unsigned young);
	/* Only where the tables are: PTE tables go to table and table_end
	 * unread (raw NULL, used 0) and their entries are neither decoded
	 * nor counted.  The lock scan needs a PTE table's frame (its split
	 * lock lives in its struct page), not its entries. */
	bool pte_tables_unread;
	/* Optional: a PTE table the dump could not give (not descended
	 * into); noted: its gap is the last note in missing, else it is an
	 * anomaly.  The one pass (sweep.c) still lists its split lock, as a
	 * walk with pte_tables_unread would. */
	void (*table_unread)(void *arg, const struct pts_table *t, bool noted);
};

struct pts_walk_anomaly {
	uint64_t va;
	int level;
	uint64_t table_pfn;
	unsigned index;
	uint64_t raw;
	char *text;
};

struct pts_walk_result {
	uint64_t tables[PTS_NLEVELS];	/* distinct tables read, by level */
	uint64_t entries;		/* leaves and special entries (not table pointers) */
	uint64_t pages;			/* pages (PAGE_SIZE) they cover */
	struct pts_notes missing;	/* tables the dump lacks */
	VEC(struct pts_walk_anomaly) anomalies;
	uint64_t live_rereads;		/* live: parent entries found changed */
};

/* Walk the tables under pgd (a kernel virtual address) for [start, end).
 * A table reached at two levels, a table PFN beyond memory and entries
 * that cannot be decoded are anomalies, not descended into: no input can
 * make the walk loop or read a page twice per level. */
struct pts_error *pts_walk(struct pts_program *p, uint64_t pgd, uint64_t start, uint64_t end,
			   const struct pts_walk_ops *ops, void *arg, struct pts_walk_result *res);
void pts_walk_result_free(struct pts_walk_result *r);
/* Whether e at va continues the run of count entries (each size bytes)
 * that starts with first at va0: the same level, kind and bits, the next
 * address, and the next PFN or swap offset (else the same raw value).
 * Present entries may differ in the young bit (the hardware sets it page
 * by page, and arm64 maps fault-around pages old); within one arm64
 * contiguous run, the dirty state may differ too.  The text walk and the
 * TUI collapse such runs into one line and count what differs. */
bool pts_entry_continues(const struct pts_arch *a, const struct pts_entry *first, uint64_t va0,
			 uint64_t count, uint64_t size, uint64_t va, const struct pts_entry *e);

/* A run's entries that are young, dirty and (arm64) read-only: they may
 * differ within it (pts_entry_continues).  The text walk and the TUI keep
 * these for each run. */
struct pts_run_states { uint64_t young, dirty, rdonly; };
/* n more entries with e's bits, young of them young. */
static inline void pts_run_states_add(struct pts_run_states *s, const struct pts_entry *e, uint64_t n,
				      uint64_t young)
{
	s->young += young;
	s->dirty += n * ((e->flags >> PTS_F_DIRTY) & 1);
	s->rdonly += n * ((e->flags >> PTS_F_RDONLY) & 1);
}
/* The run's flags as the kernel sees a contiguous one: young or dirty if
 * any entry is (huge_ptep_get()). */
static inline uint32_t pts_run_states_flags(const struct pts_arch *a, const struct pts_run_states *s,
					    uint32_t flags)
{
	return flags | (s->young ? 1u << a->young_flag : 0) | (s->dirty ? 1u << PTS_F_DIRTY : 0);
}

/* One address: the entry at each level down to the leaf. */
struct pts_xlate_step {
	int level;
	uint64_t table_pfn;
	unsigned index;
	uint64_t entry_pa;	/* physical address of the entry */
	struct pts_entry e;
};
struct pts_xlate {
	struct pts_xlate_step step[PTS_NLEVELS];
	int nsteps;
	bool mapped;		/* ends in a present leaf */
	uint64_t pa;		/* physical address when mapped */
};
/* The entries (pts_arch's entries) of the page-table page at frame pfn, as they are. */
struct pts_error *pts_table_read(struct pts_program *p, uint64_t pfn, uint64_t raw[PTS_MAX_ENTRIES]);
struct pts_error *pts_translate(struct pts_program *p, uint64_t pgd, uint64_t va,
				struct pts_xlate *ret);
#endif
