#include "config.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "readers/kpage.h"
#include "readers/kfields.h"
#include "base/util.h"
#include "mem/vmcoreinfo.h"

struct page_layout {
	uint64_t vmemmap, size, flags, refcount, page_type, lru, compound_head, mapcount;
	int64_t pg_head;
	/* How this kernel marks a hugetlb folio: see hugetlb_layout() */
	enum { HT_UNKNOWN, HT_DTOR, HT_FLAG1, HT_TYPE_BIT, HT_PGTY } ht;
	uint64_t ht_off;	/* HT_DTOR: byte from the head's struct page */
	int64_t ht_val;
	bool have_deposit;
	uint64_t pmd_huge_pte;
	bool new_types;		/* page_type >> 24 == PGTY_table */
	uint32_t pg_table;
	int64_t pgty_table;
	bool split_deposit;
};

static bool enum_val(struct pts_program *p, const char *name, int64_t *v)
{
	struct pts_error *err = pts_types_enum(p->types, name, v);
	pts_error_destroy(err);
	return !err;
}

/* folio_test_hugetlb() by version (INVARIANTS B3, D3):
 *  - up to v6.6: the compound destructor, HUGETLB_PAGE_DTOR, in page[1]
 *    (struct page compound_dtor; struct folio _folio_dtor in v6.6);
 *  - v6.7 9c5ccf2db04b "mm: remove HUGETLB_PAGE_DTOR": PG_hugetlb, a flag
 *    of page[1] (enum pageflags);
 *  - v6.10 d99e3140a4d3 "mm: turn folio_test_hugetlb into a PageType": a
 *    cleared bit 0x800 under PAGE_TYPE_BASE in the head's page_type (a
 *    macro: no kernel of the test matrix has it);
 *  - v6.12 4ffca5a96678: the head's page_type top byte is PGTY_hugetlb. */
static void hugetlb_layout(struct pts_program *p, struct page_layout *l)
{
	uint64_t off;
	if (enum_val(p, "HUGETLB_PAGE_DTOR", &l->ht_val)) {
		if (pts_field_opt(p, PTS_FLD_FOLIO_FOLIO_DTOR, &off)) {
			l->ht = HT_DTOR;
			l->ht_off = off;
		} else if (pts_field_opt(p, PTS_FLD_PAGE_COMPOUND_DTOR, &off)) {
			l->ht = HT_DTOR;
			l->ht_off = l->size + off;
		}
	} else if (enum_val(p, "PGTY_hugetlb", &l->ht_val)) {
		l->ht = HT_PGTY;
	} else if (enum_val(p, "PG_hugetlb", &l->ht_val)) {
		l->ht = HT_FLAG1;
	} else if (pts_types_has_member(p->types, "struct page", "page_type")) {
		l->ht = HT_TYPE_BIT;
		l->ht_val = 0x800;
	}
}

/* The open batch of this thread (pts_page_batch_begin). */
static __thread struct {
	struct pts_program *p;
	unsigned depth;
	bool valid;
	uint64_t base;		/* the vmemmap page in buf */
	uint8_t buf[4096];
} tb;

void pts_page_batch_begin(struct pts_program *p)
{
	if (pts_dump_info(p->dump)->live)
		return;
	if (tb.depth && tb.p != p)
		return;		/* another program's batch is open: not this one */
	if (!tb.depth++) {
		tb.p = p;
		tb.valid = false;
	}
}

void pts_page_batch_end(struct pts_program *p)
{
	if (!tb.depth || tb.p != p)
		return;
	if (!--tb.depth) {
		tb.p = NULL;
		tb.valid = false;
	}
}

struct pts_error *pts_page_bytes(struct pts_program *p, uint64_t addr, void *buf, size_t len)
{
	uint64_t pg = addr & ~4095ULL;
	if (tb.depth && tb.p == p && len && len <= 4096 && ((addr + len - 1) & ~4095ULL) == pg) {
		if (!tb.valid || tb.base != pg) {
			struct pts_error *err = pts_read(p, pg, tb.buf, sizeof(tb.buf));
			tb.valid = !err;
			tb.base = pg;
			if (err)
				/* the page as a whole is not there: the caller's
				 * own bytes say why, as without a batch */
				pts_error_destroy(err);
		}
		if (tb.valid) {
			memcpy(buf, tb.buf + (addr - pg), len);
			return NULL;
		}
	}
	return pts_read(p, addr, buf, len);
}

bool pts_page_u32(struct pts_program *p, uint64_t addr, uint32_t *v)
{
	struct pts_error *err = pts_page_bytes(p, addr, v, 4);
	pts_error_destroy(err);
	return !err;
}

bool pts_page_u64(struct pts_program *p, uint64_t addr, uint64_t *v)
{
	struct pts_error *err = pts_page_bytes(p, addr, v, 8);
	pts_error_destroy(err);
	return !err;
}

static int8_t is_hugetlb(struct pts_program *p, const struct page_layout *l,
			 const struct pts_page *pg)
{
	uint64_t v;
	uint8_t b;
	switch (l->ht) {
	case HT_PGTY:
		return (pg->page_type >> 24) == (uint32_t)l->ht_val;
	case HT_TYPE_BIT:
		return (pg->page_type & (0xf0000000u | (uint32_t)l->ht_val)) == 0xf0000000u;
	case HT_DTOR: {
		struct pts_error *err = pts_page_bytes(p, pg->addr + l->ht_off, &b, 1);
		if (!err)
			return b == (uint8_t)l->ht_val;
		pts_error_destroy(err);
		break;
	}
	case HT_FLAG1:
		if (pts_page_u64(p, pg->addr + l->size + l->flags, &v))
			return (v >> l->ht_val) & 1;
		break;
	case HT_UNKNOWN:
		break;
	}
	return -1;
}

/* arm64's vmemmap from the first present memory section at or above
 * PHYS_OFFSET (VMCOREINFO: SYMBOL(mem_section), the roots array of
 * SPARSEMEM_EXTREME, SIZE(mem_section), NUMBER(SECTION_SIZE_BITS)). */
static struct pts_error *arm64_vmemmap(struct pts_program *p, uint64_t *ret)
{
	uint64_t roots, msz, sbits, phys, nroots = 0, smm_off = 0;
	if (!vmcoreinfo_num(p->vmci, "SYMBOL(mem_section)", &roots) ||
	    !vmcoreinfo_num(p->vmci, "SIZE(mem_section)", &msz) || !msz || msz > p->page_size ||
	    !vmcoreinfo_num(p->vmci, "NUMBER(SECTION_SIZE_BITS)", &sbits) || sbits < 12 || sbits > 40 ||
	    !vmcoreinfo_num(p->vmci, "NUMBER(PHYS_OFFSET)", &phys))
		return pts_error(PTS_ERR_FORMAT, "VMCOREINFO lacks mem_section, SECTION_SIZE_BITS or "
				 "PHYS_OFFSET");
	vmcoreinfo_num(p->vmci, "LENGTH(mem_section)", &nroots);
	vmcoreinfo_num(p->vmci, "OFFSET(mem_section.section_mem_map)", &smm_off);
	uint64_t per_root = p->page_size / msz;	/* SECTIONS_PER_ROOT */
	/* A 52-bit kernel on 48-bit hardware lowers memstart_addr below zero
	 * (arm64_memblock_init(), v5.11): no physical address, so from 0. */
	uint64_t from = phys < (1ULL << 52) ? phys : 0;
	/* a bounded search: 4096 sections are 512 GiB of 128 MiB sections */
	for (uint64_t nr = from >> sbits, n = 0; n < 4096; nr++, n++) {
		uint64_t root, smm;
		if (nroots && nr / per_root >= nroots)
			break;
		if (!pts_try_u64(p, roots + nr / per_root * 8, &root) || !root)
			continue;
		if (!pts_try_u64(p, root + nr % per_root * msz + smm_off, &smm))
			continue;
		/* SECTION_HAS_MEM_MAP (bit 1); the flags sit in the low bits */
		if (smm & 2) {
			*ret = smm & ~0xffULL;
			return NULL;
		}
	}
	return pts_error(PTS_ERR_NODATA, "no present memory section from PHYS_OFFSET %#" PRIx64, phys);
}

static struct pts_error *layout_derive(struct pts_program *p, void **ret)
{
	struct page_layout *l = xcalloc(1, sizeof(*l));
	struct pts_error *err;
	uint64_t sym;
	if ((err = pts_types_sizeof(p->types, "struct page", &l->size))) {
		free(l);
		return pts_error_wrap(err, "struct page layout");
	}
	const char *arch = pts_dump_info(p->dump)->arch;
	if (arch && !strcmp(arch, "aarch64")) {
		/* vmemmap moved between versions (VMEMMAP_START was -(1 <<
		 * (VA_BITS - VMEMMAP_SHIFT)) in v6.1, VMEMMAP_END - VMEMMAP_SIZE
		 * with VMEMMAP_END -1 GiB in v7.x): it is read from the kernel
		 * instead, from a present memory section, whose section_mem_map
		 * encodes it (mm/sparse.c sparse_encode_mem_map(): mem_map less
		 * the section's first pfn, with SPARSEMEM_VMEMMAP vmemmap). */
		if ((err = arm64_vmemmap(p, &l->vmemmap))) {
			free(l);
			return pts_error_wrap(err, "struct page layout: arm64 vmemmap");
		}
	} else {
		/* vmemmap_base moves with KASLR; VMEMMAP_START defaults otherwise */
		l->vmemmap = p->paging_levels == 5 ? 0xffd4000000000000ULL : 0xffffea0000000000ULL;
		if (!(err = pts_symbol(p, "vmemmap_base", &sym)))
			err = pts_read_u64(p, sym, &l->vmemmap);
		pts_error_destroy(err);
	}
	if ((err = pts_field_need(p, PTS_FLD_PAGE_FLAGS, &l->flags)) ||
	    (err = pts_field_need(p, PTS_FLD_PAGE_REFCOUNT, &l->refcount)) ||
	    (err = pts_field_need(p, PTS_FLD_PAGE_PAGE_TYPE, &l->page_type)) ||
	    (err = pts_field_need(p, PTS_FLD_PAGE_LRU, &l->lru)) ||
	    (!pts_field_opt(p, PTS_FLD_PAGE_COMPOUND_HEAD, &l->compound_head) &&
	     /* 7.x renamed it compound_info; bit 0 still marks a tail */
	     (err = pts_field_need(p, PTS_FLD_PAGE_COMPOUND_INFO, &l->compound_head))) ||
	    (err = pts_field_need(p, PTS_FLD_PAGE_MAPCOUNT, &l->mapcount)) ||
	    (err = pts_types_enum(p->types, "PG_head", &l->pg_head))) {
		free(l);
		return pts_error_wrap(err, "struct page layout");
	}
	/* v6.6 (ptdesc) moved pmd_huge_pte from struct page to struct ptdesc,
	 * which overlays it. */
	l->have_deposit = pts_field_opt(p, PTS_FLD_PTDESC_PMD_HUGE_PTE, &l->pmd_huge_pte) ||
			  pts_field_opt(p, PTS_FLD_PAGE_PMD_HUGE_PTE, &l->pmd_huge_pte);
	/* v6.12 (4ffca5a96678 "mm: support only one page_type per page"):
	 * the type is the top byte, enum pagetype; before, a cleared bit
	 * under PAGE_TYPE_BASE 0xf0000000, PG_table 0x200. */
	err = pts_types_enum(p->types, "PGTY_table", &l->pgty_table);
	l->new_types = !err;
	pts_error_destroy(err);
	/* PG_table was 0x400 while PG_kmemcg held 0x200, until v5.11
	 * (18b2db3b0385 "mm: Convert page kmemcg type to a page memcg flag"),
	 * the same series that renamed page->mem_cgroup to memcg_data. */
	l->pg_table = pts_types_has_member(p->types, "struct page", "mem_cgroup") ? 0x400 : 0x200;
	hugetlb_layout(p, l);
	/* USE_SPLIT_PMD_PTLOCKS off keeps one deposit list in the mm */
	l->split_deposit = !pts_types_has_member(p->types, "struct mm_struct", "pmd_huge_pte");
	*ret = l;
	return NULL;
}

static struct pts_error *layout(struct pts_program *p, struct page_layout **ret)
{
	return pts_layout(p, PTS_LAYOUT_PAGE, layout_derive, free, (void **)ret);
}

struct pts_error *pts_page_addr(struct pts_program *p, uint64_t pfn, uint64_t *ret)
{
	struct page_layout *l;
	struct pts_error *err = layout(p, &l);
	if (err)
		return err;
	*ret = l->vmemmap + pfn * l->size;
	return NULL;
}

struct pts_error *pts_page_pfn(struct pts_program *p, uint64_t page, uint64_t *ret)
{
	struct page_layout *l;
	struct pts_error *err = layout(p, &l);
	if (err)
		return err;
	if (page < l->vmemmap || (page - l->vmemmap) % l->size)
		return pts_error(PTS_ERR_CORRUPT, "%#" PRIx64 " is not a struct page", page);
	*ret = (page - l->vmemmap) / l->size;
	return NULL;
}

struct pts_error *pts_page_lru_offset(struct pts_program *p, uint64_t *ret)
{
	struct page_layout *l;
	struct pts_error *err = layout(p, &l);
	if (!err)
		*ret = l->lru;
	return err;
}

bool pts_page_split_pmd_deposit(struct pts_program *p)
{
	struct page_layout *l;
	struct pts_error *err = layout(p, &l);
	pts_error_destroy(err);
	return !err && l->split_deposit && l->have_deposit;
}

struct pts_error *pts_page_read(struct pts_program *p, uint64_t pfn, struct pts_page *ret)
{
	struct page_layout *l;
	struct pts_error *err = layout(p, &l);
	if (err)
		return err;
	uint8_t buf[256];
	memset(ret, 0, sizeof(*ret));
	ret->pfn = pfn;
	ret->addr = l->vmemmap + pfn * l->size;
	if (l->size > sizeof(buf))
		return pts_error(PTS_ERR_FORMAT, "struct page of %" PRIu64 " bytes", l->size);
	if ((err = pts_page_bytes(p, ret->addr, buf, l->size)))
		return err;
	memcpy(&ret->flags, buf + l->flags, 8);
	memcpy(&ret->refcount, buf + l->refcount, 4);
	memcpy(&ret->page_type, buf + l->page_type, 4);
	memcpy(&ret->lru_next, buf + l->lru, 8);
	uint64_t ch;
	memcpy(&ch, buf + l->compound_head, 8);
	ret->head = ret->flags & (1ULL << l->pg_head);
	ret->compound_head = ch;
	ret->compound = (ch & 1) || ret->head;
	/* + 1 in unsigned: a _mapcount of INT_MAX (a torn or reused struct
	 * page) must not be a signed overflow */
	uint32_t mc;
	memcpy(&mc, buf + l->mapcount, 4);
	ret->mapcount = (int32_t)(mc + 1);
	if (l->have_deposit)
		memcpy(&ret->pmd_huge_pte, buf + l->pmd_huge_pte, 8);
	if (l->new_types)
		ret->is_table = (ret->page_type >> 24) == (uint32_t)l->pgty_table;
	else
		ret->is_table = (ret->page_type & (0xf0000000u | l->pg_table)) == 0xf0000000u;
	ret->hugetlb = ret->head ? is_hugetlb(p, l, ret) : 0;
	return NULL;
}

bool pts_page_mapping_read(struct pts_program *p, uint64_t pfn, uint64_t *mapping)
{
	uint64_t page;
	struct pts_error *e = pts_page_addr(p, pfn, &page);
	pts_error_destroy(e);
	return !e && pts_field_u64(p, page, PTS_FLD_PAGE_MAPPING, mapping);
}

struct pts_error *pts_pmd_deposits(struct pts_program *p, uint64_t table_pfn, uint64_t *first,
				   uint64_t *n)
{
	struct pts_page pg;
	uint64_t lru;
	struct pts_error *err = pts_page_read(p, table_pfn, &pg);
	if (!err)
		err = pts_page_lru_offset(p, &lru);
	*n = 0;
	*first = err ? 0 : pg.pmd_huge_pte;
	if (!err && pg.pmd_huge_pte) {
		/* the first deposit, then the others on its lru list */
		uint64_t head = pg.pmd_huge_pte + lru, node;
		*n = 1;
		err = pts_read_u64(p, head, &node);
		while (!err && node != head && *n <= 512) {
			(*n)++;
			err = pts_read_u64(p, node, &node);
		}
	}
	return err;
}

#define TAIL_CHUNK 1024	/* struct pages read at once */

struct pts_error *pts_tail_mapcounts(struct pts_program *p, uint64_t head_pfn, unsigned order,
				     unsigned *bad, uint64_t *first_bad, int32_t *bad_val)
{
	uint64_t psize, fsize = 0, moff, head;
	struct pts_error *err;
	*bad = 0;
	if ((err = pts_types_sizeof(p->types, "struct page", &psize)))
		return err;
	if (psize == 0 || psize > 256)
		return pts_error(PTS_ERR_LOOKUP, "struct page of %" PRIu64 " bytes", psize);
	if ((err = pts_field_need(p, PTS_FLD_PAGE_MAPCOUNT, &moff)) ||
	    (err = pts_page_addr(p, head_pfn, &head))) {
		err->code = PTS_ERR_LOOKUP;	/* the same lookups serve every read of pages: said there */
		return err;
	}
	/* struct folio overlays its first pages' words (and, from v6.9, the
	 * head's _mapcount holds the hugetlb page type): those pages skipped */
	err = pts_types_sizeof(p->types, "struct folio", &fsize);
	pts_error_destroy(err);
	uint64_t first = fsize ? (fsize + psize - 1) / psize : 1, n = 1ULL << order;
	uint8_t *buf = xmalloc(TAIL_CHUNK * psize);
	err = NULL;
	for (uint64_t i = first; i < n; i += TAIL_CHUNK) {
		uint64_t k = n - i < TAIL_CHUNK ? n - i : TAIL_CHUNK;
		if ((err = pts_read(p, head + i * psize, buf, k * psize)))
			break;
		for (uint64_t j = 0; j < k; j++) {
			int32_t m;
			memcpy(&m, buf + j * psize + moff, sizeof(m));
			if (m != -1 && !(*bad)++) {
				*first_bad = head_pfn + i + j;
				*bad_val = m;
			}
		}
	}
	free(buf);
	return err;
}
