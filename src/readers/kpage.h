/* struct page: the few fields the page-table checks need (the full
 * folio reader belongs to the rmap work). */
#ifndef PTS_KPAGE_H
#define PTS_KPAGE_H
#include <stdbool.h>
#include <stdint.h>
#include "types/program.h"

struct pts_page {
	uint64_t pfn, addr;	/* addr: the struct page in the vmemmap */
	uint64_t flags;
	int32_t refcount;
	uint32_t page_type;
	bool is_table;		/* PageTable() as this kernel encodes it */
	uint64_t pmd_huge_pte;	/* first deposited PTE table (a PMD table's) */
	bool compound;		/* head (PG_head) or tail (compound_head bit 0) */
	uint64_t compound_head;	/* the raw word: a tail's head page + 1 */
	bool head;		/* PG_head: the first page of a compound page (folio) */
	int8_t hugetlb;		/* head pages: a hugetlb folio 1, not 0, unknown -1 */
	int32_t mapcount;	/* this page's own _mapcount + 1 (small pages: its mapcount) */
	uint64_t lru_next;
};

struct pts_error *pts_page_read(struct pts_program *p, uint64_t pfn, struct pts_page *ret);
/* The struct page address of pfn, and back. */
struct pts_error *pts_page_addr(struct pts_program *p, uint64_t pfn, uint64_t *ret);
/* page->mapping of the frame pfn (its struct page alone); false if the
 * dump lacks it */
bool pts_page_mapping_read(struct pts_program *p, uint64_t pfn, uint64_t *mapping);
/* The PTE tables deposited with a PMD table's THP leaves (pmd_huge_pte
 * and its lru list, pgtable_trans_huge_deposit()): the first and how
 * many, counted up to 513. */
struct pts_error *pts_pmd_deposits(struct pts_program *p, uint64_t table_pfn, uint64_t *first,
				   uint64_t *n);
/* The _mapcount of each page of the 2^order pages from head_pfn that
 * struct folio does not overlay: how many are not -1 (bad), the first
 * such pfn and its value.  PTS_ERR_LOOKUP when the layout is unknown
 * (nothing read); another error when the dump lacks struct pages (what
 * was read before is counted). */
struct pts_error *pts_tail_mapcounts(struct pts_program *p, uint64_t head_pfn, unsigned order,
				     unsigned *bad, uint64_t *first_bad, int32_t *bad_val);
struct pts_error *pts_page_pfn(struct pts_program *p, uint64_t page, uint64_t *ret);
/* Offset of page->lru, for lists of pages. */
struct pts_error *pts_page_lru_offset(struct pts_program *p, uint64_t *ret);
/* Batched struct page reads.  On the calling thread, between begin and
 * end (nested calls count), the struct page readers (this file's and
 * kfolio's) take their bytes from whole pages of the vmemmap, each read
 * once while consecutive reads stay in it, rather than reading 64 bytes
 * three to six times per frame.  A dump only: the running kernel's
 * pages are read afresh. */
void pts_page_batch_begin(struct pts_program *p);
void pts_page_batch_end(struct pts_program *p);
/* len bytes of struct pages at addr (a vmemmap address), through the
 * batch when one is open; pts_try_u32/u64 for struct page fields. */
struct pts_error *pts_page_bytes(struct pts_program *p, uint64_t addr, void *buf, size_t len);
bool pts_page_u32(struct pts_program *p, uint64_t addr, uint32_t *v);
bool pts_page_u64(struct pts_program *p, uint64_t addr, uint64_t *v);
/* Split PMD page-table locks: deposits hang off the PMD table's page,
 * else off mm->pmd_huge_pte. */
bool pts_page_split_pmd_deposit(struct pts_program *p);
#endif
