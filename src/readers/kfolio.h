/* A page and its folio as the kernel of the dump keeps them: flags by
 * name, order, head and tail, refcount, every mapcount that version has,
 * mapping and index (from the head: a tail's ->mapping is never used). */
#ifndef PTS_KFOLIO_H
#define PTS_KFOLIO_H
#include <stdbool.h>
#include <stdint.h>
#include "readers/kpage.h"
#include "types/program.h"

struct pts_folio {
	struct pts_page page;	/* the page asked for */
	bool tail;
	bool head_known;	/* head_pfn found and checked (PG_head, order covers pfn) */
	uint64_t head_pfn;
	unsigned order;		/* 0: a small page */
	struct pts_page head;	/* the folio's first page (== page when not a tail) */
	uint64_t mapping, index;	/* the folio's (head's) */
	bool anon, ksm, movable;	/* PAGE_MAPPING_ANON / KSM / MOVABLE bits of mapping */
	/* counts as the kernel keeps them; has_*: the field exists here */
	int32_t page_mapcount;		/* this page's _mapcount + 1 */
	bool has_entire;
	int32_t entire_mapcount;	/* PMD/PUD mappings: compound_mapcount (to v6.1), _entire_mapcount */
	bool has_large;
	int32_t large_mapcount;		/* _large_mapcount + 1 (v6.10+) */
	bool has_nr_mapped;
	int32_t nr_pages_mapped;	/* _nr_pages_mapped (v6.2+) */
	bool has_pincount;
	int32_t pincount;		/* hpage_pinned_refcount, compound_pincount, _pincount */
	int32_t precise_mapcount;	/* this page's mappings: its PTEs + the folio's entire ones */
	bool double_map;		/* PG_double_map (to v6.1): one of page_mapcount is not a mapping */
	bool anon_exclusive;		/* PG_anon_exclusive (the page's; the head's for hugetlb) */
	bool swapcache, lru, locked, hugetlb;
};

struct pts_error *pts_folio_read(struct pts_program *p, uint64_t pfn, struct pts_folio *ret);
/* Names of the set bits of page->flags below the section/node/zone
 * fields, from enum pageflags; buf gets "locked,uptodate,...". */
const char *pts_page_flag_names(struct pts_program *p, uint64_t flags, char *buf, size_t n);
#endif
