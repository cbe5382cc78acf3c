/* hugetlb's own structures: the hstates (mm/hugetlb.c). */
#include "config.h"
#include "readers/kfields.h"
#include "readers/khugetlb.h"
#include "readers/kpage.h"

/* hstates[0..hugetlb_max_hstate): the pools and their counters. */
size_t pts_hstates_read(struct pts_program *p, struct pts_hstate *out, struct pts_notes *missing)
{
	uint64_t arr, maxp, size, o_order, o_nr, o_free, o_resv, o_surp, o_name;
	uint32_t max;
	size_t n = 0;
	struct pts_error *err = NULL;
	if ((err = pts_symbol(p, "hstates", &arr)) ||
	    (err = pts_symbol(p, "hugetlb_max_hstate", &maxp)) ||
	    (err = pts_types_sizeof(p->types, "struct hstate", &size)) ||
	    (err = pts_field_need(p, PTS_FLD_HSTATE_ORDER, &o_order)) ||
	    (err = pts_field_need(p, PTS_FLD_HSTATE_NR_HUGE_PAGES, &o_nr)) ||
	    (err = pts_field_need(p, PTS_FLD_HSTATE_FREE_HUGE_PAGES, &o_free)) ||
	    (err = pts_field_need(p, PTS_FLD_HSTATE_RESV_HUGE_PAGES, &o_resv)) ||
	    (err = pts_field_need(p, PTS_FLD_HSTATE_SURPLUS_HUGE_PAGES, &o_surp)) ||
	    (err = pts_field_need(p, PTS_FLD_HSTATE_NAME, &o_name))) {
		pts_notes_add(missing, "hstates: %s", pts_error_text(err));
		pts_error_destroy(err);
		return 0;
	}
	if (!pts_try_u32(p, maxp, &max) || max > PTS_HSTATES_MAX) {
		pts_notes_add(missing, "hstates: hugetlb_max_hstate unreadable");
		return 0;
	}
	for (uint32_t i = 0; i < max; i++) {
		uint64_t hs = arr + i * size;
		uint32_t order;
		struct pts_hstate x = { 0 };
		if (!pts_try_u32(p, hs + o_order, &order) || order > 40 ||
		    !pts_try_u64(p, hs + o_nr, &x.nr) || !pts_try_u64(p, hs + o_free, &x.free) ||
		    !pts_try_u64(p, hs + o_resv, &x.resv) || !pts_try_u64(p, hs + o_surp, &x.surplus)) {
			pts_notes_add(missing, "hstate %u: not in the dump", i);
			continue;
		}
		struct pts_error *e = pts_read_str(p, hs + o_name, x.name, sizeof(x.name));
		pts_error_destroy(e);
		x.page_size = p->page_size << order;
		out[n++] = x;
	}
	return n;
}

bool pts_hugetlb_have_vma_lock(struct pts_program *p)
{
	return pts_field_has(p, PTS_FLD_HVL_REFS) && pts_field_has(p, PTS_FLD_HVL_VMA) && pts_field_has(p, PTS_FLD_HVL_SEMA);
}

bool pts_hugetlb_vma_lock_read(struct pts_program *p, uint64_t lock, uint64_t *vma, int32_t *refs)
{
	uint32_t r;
	if (!pts_hugetlb_have_vma_lock(p) || !pts_try_u64(p, lock + pts_field_off(p, PTS_FLD_HVL_VMA), vma) ||
	    !pts_try_u32(p, lock + pts_field_off(p, PTS_FLD_HVL_REFS), &r))
		return false;
	*refs = (int32_t)r;
	return true;
}

uint64_t pts_hugetlb_vma_lock_sema(struct pts_program *p, uint64_t lock)
{
	return lock + pts_field_off(p, PTS_FLD_HVL_SEMA);
}

bool pts_resv_map_sema(struct pts_program *p, uint64_t resv_map, uint64_t *sema)
{
	if (!pts_field_has(p, PTS_FLD_RESV_SEMA))
		return false;
	*sema = resv_map + pts_field_off(p, PTS_FLD_RESV_SEMA);
	return true;
}

bool pts_pt_share_count_known(struct pts_program *p)
{
	return pts_field_has(p, PTS_FLD_PT_SHARE_COUNT);
}

bool pts_pt_share_count_read(struct pts_program *p, uint64_t pfn, int32_t *count)
{
	uint64_t page = 0;
	uint32_t c;
	if (!pts_field_has(p, PTS_FLD_PT_SHARE_COUNT))
		return false;
	struct pts_error *e = pts_page_addr(p, pfn, &page);
	pts_error_destroy(e);
	if (e || !pts_try_u32(p, page + pts_field_off(p, PTS_FLD_PT_SHARE_COUNT), &c))
		return false;
	*count = (int32_t)c;
	return true;
}
