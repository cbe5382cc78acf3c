/* The reverse index of a whole dump: every process walked once, each
 * frame with the number of leaf entries that map it (a PMD table shared
 * by hugetlb sharers counted once, as the kernel counts it), reconciled
 * with the mapcount the kernel keeps (INVARIANTS D4). */
#ifndef PTS_RMAP_H
#define PTS_RMAP_H
#include <stdbool.h>
#include <stdint.h>
#include "readers/klist.h"
#include "types/program.h"
#include "readers/kmm.h"
#include "readers/walk.h"
#include "base/util.h"

struct pts_rmap_page {
	uint64_t pfn;
	uint32_t mappings;	/* leaf entries seen mapping it */
	bool known;		/* the folio could be read */
	int32_t mapcount;	/* the kernel's precise mapcount of the page */
	int32_t refcount;	/* the folio's */
	/* what /proc/kpageflags would say, in its bit numbers (KPF_*):
	 * ANON 12, SWAPCACHE 13, COMPOUND_HEAD 15, COMPOUND_TAIL 16, HUGE 17,
	 * KSM 21, THP 22 */
	uint32_t kpf;
};

struct pts_rmap_index {
	VEC(struct pts_rmap_page) pages;	/* by pfn */
	uint64_t processes, leaves, shared_tables, special_skipped, migration;
	struct pts_notes missing;
};

struct pts_error *pts_rmap_index(struct pts_program *p, struct pts_rmap_index *ret);

/* The same index from walks made elsewhere (check --all's: one walk for
 * both): a feed per address space, filled by its walk's table and entry
 * callbacks (v: the entry's VMA), with the notes the index would make for
 * it ("pid N: ...", in order), marked walked once its mm was read; then
 * added in task order.  pts_rmap_build_add frees the feed. */
struct pts_rmap_feed;
struct pts_rmap_builder;
struct pts_rmap_feed *pts_rmap_feed_new(const struct pts_arch *a);
void pts_rmap_feed_free(struct pts_rmap_feed *f);
void pts_rmap_feed_table(struct pts_rmap_feed *f, const struct pts_table *t);
void pts_rmap_feed_entry(struct pts_rmap_feed *f, const struct pts_entry *e, const struct pts_table *t,
			 const struct pts_vma *v);
void pts_rmap_feed_note(struct pts_rmap_feed *f, const char *text);
void pts_rmap_feed_walked(struct pts_rmap_feed *f);
struct pts_rmap_builder *pts_rmap_build_begin(struct pts_rmap_index *ret);
void pts_rmap_build_add(struct pts_rmap_builder *b, struct pts_rmap_index *ret, struct pts_rmap_feed *f);
/* The folios' side; frees b. */
struct pts_error *pts_rmap_build_end(struct pts_program *p, struct pts_rmap_builder *b,
				     struct pts_rmap_index *ret);

/* The chain the kernel's rmap walk follows from one page to every
 * mapping of it, each step checked against the page tables. */
struct pts_rmap_mapping {
	int32_t pid;		/* a process with that mm; 0 if none was found */
	char comm[16];
	uint64_t mm, vma, vm_start, vm_end, va;
	uint64_t avc;		/* anon: the anon_vma_chain that led here */
	uint64_t rmap_item;	/* KSM: the stable node's rmap_item that led here */
	bool in_vma;		/* the page's offset falls inside the VMA */
	int level;		/* the entry found there (enum pts_level), -1 none */
	int kind;		/* enum pts_ekind */
	uint64_t raw, entry_pfn;
	bool maps;		/* that entry maps this page */
	uint64_t entry_pa;	/* where that entry is */
	bool counted_before;	/* the same entry, through a shared table, already counted */
};

enum pts_rmap_kind { PTS_RMAP_NONE, PTS_RMAP_ANON, PTS_RMAP_FILE, PTS_RMAP_KSM, PTS_RMAP_MOVABLE };

struct pts_rmap_chain {
	uint64_t pfn, folio_pfn;
	enum pts_rmap_kind kind;
	bool hugetlb;
	uint64_t anon_vma, root;	/* anon: the folio's anon_vma and its root */
	uint64_t mapping;		/* file: the address_space */
	uint64_t stable_node;		/* KSM: the folio's stable node */
	unsigned rmap_items;		/* KSM: rmap_items on its hlist */
	uint64_t pgoff;			/* the page's offset, in pages */
	VEC(struct pts_rmap_mapping) maps;
	unsigned found;			/* mappings whose entry maps the page */
	bool tree_partial;		/* the interval tree was not all readable */
	struct pts_notes missing;
	const char *why;		/* when the chain is not followed (movable, no mapping) */
};
struct pts_error *pts_rmap_chain(struct pts_program *p, uint64_t pfn, struct pts_rmap_chain *ret);
void pts_rmap_chain_free(struct pts_rmap_chain *c);
void pts_rmap_index_free(struct pts_rmap_index *r);
#endif
