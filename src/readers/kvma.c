/* A VMA reached from the rmap side (kvma.h). */
#include "config.h"
#include <stddef.h>
#include "readers/kvma.h"

bool pts_vma_head_read(struct pts_program *p, uint64_t vma, unsigned want, struct pts_vma_head *h)
{
	static const struct {
		unsigned bit;
		enum pts_field f;
		size_t at;
	} order[] = {
		{ PTS_VH_START, PTS_FLD_VMA_START, offsetof(struct pts_vma_head, start) },
		{ PTS_VH_END, PTS_FLD_VMA_END, offsetof(struct pts_vma_head, end) },
		{ PTS_VH_MM, PTS_FLD_VMA_MM, offsetof(struct pts_vma_head, mm) },
		{ PTS_VH_FLAGS, PTS_FLD_VMA_FLAGS, offsetof(struct pts_vma_head, flags) },
		{ PTS_VH_PGOFF, PTS_FLD_VMA_PGOFF, offsetof(struct pts_vma_head, pgoff) },
	};
	for (size_t i = 0; i < sizeof(order) / sizeof(*order); i++)
		if ((want & order[i].bit) &&
		    !pts_field_u64(p, vma, order[i].f, (uint64_t *)((char *)h + order[i].at)))
			return false;
	return true;
}

bool pts_mm_pgd_read(struct pts_program *p, uint64_t mm, uint64_t *pgd)
{
	return pts_field_u64(p, mm, PTS_FLD_MM_PGD, pgd);
}

bool pts_i_mmap_top(struct pts_program *p, uint64_t mapping, uint64_t *top)
{
	return pts_field_u64(p, mapping, PTS_FLD_AS_I_MMAP, top);
}

uint64_t pts_i_mmap_vma(struct pts_program *p, uint64_t node)
{
	return node - pts_field_off(p, PTS_FLD_VMA_SHARED_RB);
}

bool pts_anon_vma_top(struct pts_program *p, uint64_t anon_vma, uint64_t *top)
{
	return pts_field_u64(p, anon_vma, PTS_FLD_AV_RB_ROOT, top);
}

uint64_t pts_anon_avc_of(struct pts_program *p, uint64_t node)
{
	return node - pts_field_off(p, PTS_FLD_AVC_RB);
}

bool pts_avc_vma(struct pts_program *p, uint64_t avc, uint64_t *vma)
{
	return pts_field_u64(p, avc, PTS_FLD_AVC_VMA, vma);
}

bool pts_anon_vma_root(struct pts_program *p, uint64_t anon_vma, uint64_t *root)
{
	return pts_field_u64(p, anon_vma, PTS_FLD_AV_ROOT, root);
}

bool pts_vma_anon_vma(struct pts_program *p, uint64_t vma, uint64_t *anon_vma)
{
	return pts_field_u64(p, vma, PTS_FLD_VMA_ANON_VMA, anon_vma);
}

bool pts_vma_mm(struct pts_program *p, uint64_t vma, uint64_t *mm)
{
	return pts_field_u64(p, vma, PTS_FLD_VMA_MM, mm);
}

bool pts_vma_links_known(struct pts_program *p)
{
	return pts_field_has(p, PTS_FLD_VMA_ANON_VMA) && pts_field_has(p, PTS_FLD_VMA_MM);
}
