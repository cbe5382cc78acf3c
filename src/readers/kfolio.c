/* Folios by kernel version.  Every field is found in the debug info:
 *  - v5.10: page[1] compound_order, compound_mapcount; page[2]
 *    hpage_pinned_refcount;
 *  - v6.1: struct folio _folio_order, _total_mapcount (page[1]'s
 *    compound_mapcount: the entire mapcount), _pincount;
 *  - v6.12, 7.x: the order in _flags_1's low byte, _entire_mapcount,
 *    _large_mapcount (v6.10 05c5323b2a34), _nr_pages_mapped, _pincount. */
#include "config.h"
#include "readers/kfields.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "readers/kfolio.h"
#include "base/util.h"

struct fl {
	uint64_t page_size, mapping, index;
	bool order_u8, order_flags1;
	uint64_t order;		/* offset from the head's struct page */
	bool has_entire, has_large, has_nr, has_pin;
	bool pin_page2;		/* the pin count is in page[2]: order 2 and up only */
	uint64_t entire, large, nr, pin;	/* offsets from the head's struct page */
	int64_t pg_locked, pg_lru, pg_swapcache, pg_swapbacked, pg_anon_exclusive, nr_flags;
	int64_t pg_double_map;	/* up to v6.1: on page[1] of a THP both PMD- and PTE-mapped */
	uint64_t flags_off;
	char *names[64];	/* the first enumerator of each pageflags bit */
};

static void fl_free(void *arg)
{
	struct fl *l = arg;
	for (int i = 0; i < 64; i++)
		free(l->names[i]);
	free(l);
}

static void on_flag(void *arg, const char *name, int64_t v)
{
	struct fl *l = arg;
	if (v >= 0 && v < 64 && v < l->nr_flags && !l->names[v] && !strncmp(name, "PG_", 3))
		l->names[v] = xstrdup(name + 3);
}

static int64_t en(struct pts_program *p, const char *name)
{
	int64_t v = -1;
	struct pts_error *err = pts_types_enum(p->types, name, &v);
	pts_error_destroy(err);
	return err ? -1 : v;
}

static struct pts_error *layout_derive(struct pts_program *p, void **ret)
{
	struct fl *l = xcalloc(1, sizeof(*l));
	struct pts_error *err;
	if ((err = pts_types_sizeof(p->types, "struct page", &l->page_size)) ||
	    (err = pts_field_need(p, PTS_FLD_PAGE_MAPPING, &l->mapping))) {
		free(l);
		return pts_error_wrap(err, "struct page layout");
	}
	/* 7.x has no page->index: the folio's, at the same place */
	if (!pts_field_opt(p, PTS_FLD_PAGE_INDEX, &l->index))
		pts_field_opt(p, PTS_FLD_FOLIO_INDEX, &l->index);
	uint64_t off;
	if (pts_field_opt(p, PTS_FLD_FOLIO_FOLIO_ORDER, &off)) {
		l->order_u8 = true;
		l->order = off;
	} else if (pts_field_opt(p, PTS_FLD_FOLIO_FLAGS_1, &off)) {
		/* folio_order(): _flags_1 & 0xff (v6.6 ebc1baf5c9b4) */
		l->order_flags1 = true;
		l->order = off;
	} else if (pts_field_opt(p, PTS_FLD_PAGE_COMPOUND_ORDER, &off)) {
		l->order_u8 = true;
		l->order = l->page_size + off;
	}
	if ((l->has_entire = pts_field_opt(p, PTS_FLD_FOLIO_ENTIRE_MAPCOUNT, &off) ||
			     pts_field_opt(p, PTS_FLD_FOLIO_TOTAL_MAPCOUNT, &off)))
		l->entire = off;
	else if ((l->has_entire = pts_field_opt(p, PTS_FLD_PAGE_COMPOUND_MAPCOUNT, &off)))
		l->entire = l->page_size + off;
	l->has_large = pts_field_opt(p, PTS_FLD_FOLIO_LARGE_MAPCOUNT, &l->large);
	l->has_nr = pts_field_opt(p, PTS_FLD_FOLIO_NR_PAGES_MAPPED, &l->nr);
	if ((l->has_pin = pts_field_opt(p, PTS_FLD_FOLIO_PINCOUNT, &off)))
		l->pin = off;
	else if ((l->has_pin = pts_field_opt(p, PTS_FLD_PAGE_COMPOUND_PINCOUNT, &off)))
		l->pin = l->page_size + off;
	/* v5.7 47e29d32afba kept the pin count in the second tail page,
	 * for folios of order 2 and up (hpage_pincount_available()) */
	else if ((l->has_pin = l->pin_page2 = pts_field_opt(p, PTS_FLD_PAGE_HPAGE_PINNED_REFCOUNT, &off)))
		l->pin = 2 * l->page_size + off;
	/* v6.2 "mm,thp,rmap: simplify compound page mapcount handling"
	 * removed PG_double_map: while it is set every subpage's _mapcount
	 * holds one extra (__page_mapcount() subtracts it) */
	l->pg_double_map = en(p, "PG_double_map");
	pts_field_opt(p, PTS_FLD_PAGE_FLAGS, &l->flags_off);
	l->pg_locked = en(p, "PG_locked");
	l->pg_lru = en(p, "PG_lru");
	l->pg_swapcache = en(p, "PG_swapcache");
	l->pg_swapbacked = en(p, "PG_swapbacked");
	/* v5.19 6c287605fd56 "mm: remember exclusively mapped anonymous pages" */
	l->pg_anon_exclusive = en(p, "PG_anon_exclusive");
	l->nr_flags = en(p, "__NR_PAGEFLAGS");
	if (l->nr_flags < 0 || l->nr_flags > 64)
		l->nr_flags = 64;
	err = pts_types_enumerators(p->types, "enum pageflags", on_flag, l);
	pts_error_destroy(err);
	*ret = l;
	return NULL;
}

static struct pts_error *layout(struct pts_program *p, struct fl **ret)
{
	return pts_layout(p, PTS_LAYOUT_FOLIO, layout_derive, fl_free, (void **)ret);
}

const char *pts_page_flag_names(struct pts_program *p, uint64_t flags, char *buf, size_t n)
{
	struct fl *l;
	struct pts_error *err = layout(p, &l);
	buf[0] = '\0';
	if (err) {
		pts_error_destroy(err);
		return buf;
	}
	size_t len = 0;
	for (int i = 0; i < l->nr_flags && i < 64; i++) {
		if (!(flags & (1ULL << i)))
			continue;
		int r = l->names[i] ? snprintf(buf + len, n - len, "%s%s", len ? "," : "", l->names[i])
				    : snprintf(buf + len, n - len, "%sbit%d", len ? "," : "", i);
		if (r < 0 || (size_t)r >= n - len)
			break;
		len += (size_t)r;
	}
	return buf;
}

static bool bit(uint64_t flags, int64_t b)
{
	return b >= 0 && b < 64 && (flags & (1ULL << b));
}

static int32_t r32(struct pts_program *p, uint64_t at, bool *ok)
{
	uint32_t v = 0;
	if (!pts_page_u32(p, at, &v))
		*ok = false;
	return (int32_t)v;
}

struct pts_error *pts_folio_read(struct pts_program *p, uint64_t pfn, struct pts_folio *ret)
{
	struct fl *l;
	struct pts_error *err = layout(p, &l);
	if (err)
		return err;
	memset(ret, 0, sizeof(*ret));
	if ((err = pts_page_read(p, pfn, &ret->page)))
		return err;
	ret->page_mapcount = ret->page.mapcount;
	ret->head = ret->page;
	ret->head_pfn = pfn;
	ret->head_known = true;
	ret->tail = ret->page.compound_head & 1;
	if (ret->tail) {
		/* compound_head: the head's struct page + 1 */
		uint64_t hp;
		ret->head_known = false;
		uint64_t info = ret->page.compound_head & ~1ULL, head_page = info;
		/* 7.x compound_info: where it is not a pointer it is a mask
		 * of the struct page address (the folio's struct pages are
		 * aligned to their size): ~mask + 1 is a power of two */
		uint64_t span = ~info + 1;
		if (info > ret->page.addr && span && !(span & (span - 1)) && span <= (1ULL << 32))
			head_page = ret->page.addr & info;
		struct pts_error *e = pts_page_pfn(p, head_page, &hp);
		if (!e && hp < pfn)
			e = pts_page_read(p, hp, &ret->head);
		else if (!e)
			e = pts_error(PTS_ERR_CORRUPT, "tail page of pfn %#" PRIx64 ": its head %#"
				      PRIx64 " lies after it", pfn, head_page);
		if (!e && !ret->head.head)
			e = pts_error(PTS_ERR_CORRUPT, "tail page of pfn %#" PRIx64 ": its head %#"
				      PRIx64 " is not a head page", pfn, head_page);
		if (e)
			return e;
		ret->head_pfn = hp;
		ret->head_known = true;
	}
	const struct pts_page *h = &ret->head;
	bool ok = true;
	if (h->head) {
		uint64_t v = 0;
		if (l->order_flags1 && pts_page_u64(p, h->addr + l->order, &v))
			ret->order = (unsigned)(v & 0xff);
		else if (l->order_u8 && pts_page_u64(p, h->addr + l->order, &v))
			ret->order = (unsigned)(v & 0xff);
		/* Bounded by the dump, not by the byte read: a folio is at most
		 * all of memory (a damaged order of 200 must not become a shift
		 * past 63 or a loop over 2^60 struct pages, D3). */
		uint64_t max_pfn = pts_max_pfn(p);
		if (ret->order >= 63 || (max_pfn && (1ULL << ret->order) > max_pfn))
			return pts_error(PTS_ERR_CORRUPT, "folio %#" PRIx64 " has order %u, more pages "
					 "than the dump's memory (max_pfn %#" PRIx64 ")", ret->head_pfn,
					 ret->order, max_pfn);
		if (ret->tail && pfn >= ret->head_pfn + (1ULL << ret->order))
			return pts_error(PTS_ERR_CORRUPT, "pfn %#" PRIx64 " lies beyond its folio %#"
					 PRIx64 " of order %u", pfn, ret->head_pfn, ret->order);
		if ((ret->has_entire = l->has_entire))
			ret->entire_mapcount = (int32_t)((uint32_t)r32(p, h->addr + l->entire, &ok) + 1);
		if ((ret->has_large = l->has_large))
			ret->large_mapcount = (int32_t)((uint32_t)r32(p, h->addr + l->large, &ok) + 1);
		if ((ret->has_nr_mapped = l->has_nr))
			ret->nr_pages_mapped = r32(p, h->addr + l->nr, &ok);
		if ((ret->has_pincount = l->has_pin && (!l->pin_page2 || ret->order >= 2)))
			ret->pincount = r32(p, h->addr + l->pin, &ok);
		if (!ok)
			return pts_error(PTS_ERR_NODATA, "folio %#" PRIx64 ": its counters are not in "
					 "the dump", ret->head_pfn);
	}
	if (!pts_page_u64(p, h->addr + l->mapping, &ret->mapping) ||
	    !pts_page_u64(p, h->addr + l->index, &ret->index))
		return pts_error(PTS_ERR_NODATA, "folio %#" PRIx64 ": mapping not in the dump",
				 ret->head_pfn);
	/* PAGE_MAPPING_ANON 1, PAGE_MAPPING_MOVABLE 2, KSM both */
	ret->anon = ret->mapping & 1;
	ret->ksm = (ret->mapping & 3) == 3;
	ret->movable = (ret->mapping & 3) == 2;
	ret->hugetlb = h->head && h->hugetlb == 1;
	/* A page with a type (table, buddy...) has no mapcount: _mapcount
	 * holds the type (page_mapcount() clamps it). */
	if (ret->page_mapcount < 0)
		ret->page_mapcount = 0;
	/* hugetlb keeps no per-page mapcount (subpages stay at -1) */
	/* summed in 64 bits: two counts near INT_MAX (a struct page torn
	 * by a running kernel, or damaged) must not be a signed overflow */
	int64_t precise = (int64_t)(ret->hugetlb ? 0 : ret->page_mapcount) +
			  (h->head && ret->has_entire ? ret->entire_mapcount : 0);
	uint64_t f1;
	if (h->head && !ret->hugetlb && l->pg_double_map >= 0 &&
	    pts_page_u64(p, h->addr + l->page_size + l->flags_off, &f1) && bit(f1, l->pg_double_map)) {
		ret->double_map = true;
		precise--;
	}
	ret->precise_mapcount = precise > INT32_MAX ? INT32_MAX :
				precise < INT32_MIN ? INT32_MIN : (int32_t)precise;
	/* hugetlb keeps PG_anon_exclusive on the head; THP per page */
	ret->anon_exclusive = ret->anon && bit(ret->hugetlb ? h->flags : ret->page.flags,
					      l->pg_anon_exclusive);
	ret->swapcache = bit(h->flags, l->pg_swapbacked) && bit(h->flags, l->pg_swapcache);
	ret->lru = bit(h->flags, l->pg_lru);
	ret->locked = bit(h->flags, l->pg_locked);
	return NULL;
}
