#include "config.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "readers/walk.h"
#include "base/util.h"

struct wctx {
	struct pts_program *p;
	const struct pts_arch *a;
	const struct pts_walk_ops *ops;
	void *arg;
	struct pts_walk_result *res;
	struct u64set seen_pfn, seen_at;	/* pfn+1; pfn << 3 | level, +1 */
	uint64_t max_pfn, start, end;
	uint64_t root_pa;	/* the root table may be smaller than a page */
	uint64_t buf[PTS_NLEVELS][PTS_MAX_ENTRIES];
	/* the last two entries decoded in full: arm64's PTEs alternate
	 * between two bit sets where fault-around maps pages old */
	struct pts_entry last, last2;
	bool live;		/* re-read parent entries (live_reread) */
};

static void anomaly(struct wctx *c, uint64_t va, int level, uint64_t table_pfn, unsigned index,
		    uint64_t raw, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void anomaly(struct wctx *c, uint64_t va, int level, uint64_t table_pfn, unsigned index,
		    uint64_t raw, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	struct pts_walk_anomaly an = { va, level, table_pfn, index, raw, s };
	VEC_PUSH(&c->res->anomalies, an);
}

/* Live: the parent entry that led to this table, re-read after the
 * table, must still point at it; else the table may have been freed and
 * reused while read.  Bounded: a few tries, then the walk goes on with
 * the last read and says so.  Returns false when the subtree is gone. */
#define LIVE_TRIES 3
static bool live_reread(struct wctx *c, uint64_t *pfn, int level, uint64_t base, uint64_t parent_pfn,
			unsigned pidx, uint64_t *praw, uint64_t *raw)
{
	const struct pts_arch *a = c->a;
	/* the root may sit inside its page (arm64 LPA2) */
	uint64_t ppa = pts_arch_above(a, level) == a->top ? c->root_pa : pts_pfn_pa(a, parent_pfn);
	for (int tries = 1;; tries++) {
		uint64_t now;
		struct pts_error *err = pts_dump_read(c->p->dump, PTS_PHYS, ppa + pidx * 8ull, &now, 8);
		if (err) {
			pts_error_destroy(err);
			return true;
		}
		if (now == *praw)
			return true;
		struct pts_entry e;
		pts_entry_decode(a, pts_arch_above(a, level), now, &e);
		c->res->live_rereads++;
		if (e.kind != PTS_EK_TABLE) {
			pts_notes_add(&c->res->missing, "live: the entry for the %s table at %#" PRIx64
				      " changed while read (%#" PRIx64 " then %#" PRIx64 "): that range "
				      "is not walked", pts_level_name((unsigned)level), base, *praw, now);
			return false;
		}
		*praw = now;
		*pfn = e.pfn;
		if ((err = pts_dump_read(c->p->dump, PTS_PHYS, pts_pfn_pa(a, *pfn), raw, a->entries * 8ull))) {
			pts_error_destroy(err);
			return false;
		}
		if (tries == LIVE_TRIES) {
			pts_notes_add(&c->res->missing, "live: the %s table at %#" PRIx64 " kept changing "
				      "over %d reads: walked as last read", pts_level_name((unsigned)level),
				      base, LIVE_TRIES);
			return true;
		}
	}
}

static void walk_table(struct wctx *c, uint64_t pfn, int level, uint64_t base, uint64_t parent_pfn,
		       unsigned pidx, uint64_t praw)
{
	const struct pts_arch *a = c->a;
	uint64_t *raw = c->buf[level];
	unsigned shift = a->shift[level], n = pts_arch_nentries(a, level);
	uint64_t pa = level == a->top ? c->root_pa : pts_pfn_pa(a, pfn);
	uint64_t span = 1ULL << shift;
	struct pts_table t = { .pfn = pfn, .pa = pa, .nentries = n, .level = level, .va = base,
			       .parent_pfn = parent_pfn, .parent_index = pidx, .raw = raw };
	if (!u64set_add(&c->seen_at, (pfn << 3 | (uint64_t)level) + 1))
		t.revisit = true;
	else if (!u64set_add(&c->seen_pfn, pfn + 1)) {
		anomaly(c, base, level + 1, parent_pfn, pidx, 0,
			"%s table pfn %#" PRIx64 " for %#" PRIx64 " is already in use as a table of "
			"another level", pts_level_name((unsigned)level), pfn, base);
		return;
	}
	if (level == PTS_PTE && c->ops->pte_tables_unread) {
		t.raw = NULL;
		if (!t.revisit)
			c->res->tables[level]++;
		if (c->ops->table)
			c->ops->table(c->arg, &t);
		if (c->ops->table_end)
			c->ops->table_end(c->arg, &t);
		return;
	}
	struct pts_error *err = pts_dump_read_flags(c->p->dump, PTS_PHYS, pa, raw, n * 8ull,
						    PTS_READ_ONCE);
	if (err) {
		err = pts_notes_nodata(&c->res->missing, err, "%s table pfn %#" PRIx64 " (%#" PRIx64
				       "-%#" PRIx64 "): ", pts_level_name((unsigned)level), pfn, base,
				       base + span * n);
		bool noted = !err;
		if (err) {
			anomaly(c, base, level, pfn, 0, 0, "%s table pfn %#" PRIx64 ": %s",
				pts_level_name((unsigned)level), pfn, pts_error_text(err));
			pts_error_destroy(err);
		}
		if (level == PTS_PTE && c->ops->table_unread) {
			t.raw = NULL;
			c->ops->table_unread(c->arg, &t, noted);
		}
		return;
	}
	if (c->live && level != PTS_PGD) {
		uint64_t was = pfn;
		if (!live_reread(c, &pfn, level, base, parent_pfn, pidx, &praw, raw))
			return;
		t.pfn = pfn;
		t.pa = pts_pfn_pa(a, pfn);
		if (pfn != was)
			u64set_add(&c->seen_pfn, pfn + 1);
	}
	if (!t.revisit)
		c->res->tables[level]++;
	for (unsigned i = 0; i < n; i++)
		t.used += (raw[i] & ~0x60ULL) != 0;
	if (c->ops->table)
		c->ops->table(c->arg, &t);
	unsigned lo = 0, hi = n;
	if (c->start > base)
		lo = (unsigned)((c->start - base) >> shift);
	if (c->end - 1 < base + span * n - 1)
		hi = (unsigned)(((c->end - 1 - base) >> shift) + 1);
	for (unsigned i = lo; i < hi; i++) {
		uint64_t r = raw[i];
		if (!(r & ~0x60ULL))	/* pte_none(): A/D alone do not count */
			continue;
		uint64_t va = base + (uint64_t)i * span;
		struct pts_entry e;
		if (!pts_entry_redecode(a, &c->last, r, &e)) {
			if (pts_entry_redecode(a, &c->last2, r, &e)) {
				struct pts_entry x = c->last;
				c->last = c->last2;
				c->last2 = x;
			} else {
				pts_entry_decode(a, level, r, &e);
				c->last2 = c->last;
				c->last = e;
			}
		}
		if (e.kind != PTS_EK_TABLE) {
			c->res->entries++;
			c->res->pages += span >> a->page_shift;
		}
		if (e.kind == PTS_EK_TABLE) {
			if (c->ops->tables && c->ops->entry)
				c->ops->entry(c->arg, va, &e, &t, i);
			if (e.pfn >= c->max_pfn) {
				anomaly(c, va, level, pfn, i, r, "%s entry %#" PRIx64 " at %#" PRIx64
					" points to pfn %#" PRIx64 ", beyond the end of memory (%#"
					PRIx64 ")", pts_level_name((unsigned)level), r, va, e.pfn,
					c->max_pfn);
				continue;
			}
			walk_table(c, e.pfn, pts_arch_below(a, level), va, pfn, i, r);
			/* the child used this level's buffer only below it */
			continue;
		}
		if (c->ops->run && level == PTS_PTE && e.kind == PTS_EK_PRESENT &&
		    !(e.flags & (1u << PTS_F_PROTNONE))) {
			/* the next frame, every other bit the same but young */
			unsigned j = i + 1, young = 0;
			uint64_t page = 1ULL << a->page_shift, other = ~a->young_bit;
			while (j < hi && !(((raw[j - 1] + page) ^ raw[j]) & other))
				j++;
			/* a carry out of the address field (a corrupt table's
			 * last frame) set bits above it: the run ends before */
			while (j > i + 1 && ((raw[j - 1] ^ r) & ~(a->pfn_mask | a->young_bit)))
				j--;
			for (unsigned k = i; k < j; k++)
				young += (raw[k] & a->young_bit) != 0;
			if (j - i >= 2) {
				c->ops->run(c->arg, va, &e, &t, i, j - i, young);
				c->res->entries += j - i - 1;
				c->res->pages += (uint64_t)(j - i - 1) * (span >> a->page_shift);
				i = j - 1;
				continue;
			}
		}
		if (e.kind == PTS_EK_BAD)
			anomaly(c, va, level, pfn, i, r, "%s entry %#" PRIx64 " at %#" PRIx64
				" is neither empty, a table nor a leaf this level can hold",
				pts_level_name((unsigned)level), r, va);
		if (c->ops->entry)
			c->ops->entry(c->arg, va, &e, &t, i);
	}
	if (c->ops->table_end)
		c->ops->table_end(c->arg, &t);
}

struct pts_error *pts_walk(struct pts_program *p, uint64_t pgd, uint64_t start, uint64_t end,
			   const struct pts_walk_ops *ops, void *arg, struct pts_walk_result *res)
{
	memset(res, 0, sizeof(*res));
	const struct pts_arch *a;
	struct pts_error *err = pts_arch_get(p, &a);
	if (err)
		return err;
	if (end > a->user_end)
		end = a->user_end;
	if (start >= end)
		return NULL;
	if (pgd < a->page_offset || (pgd & (a->top_entries * 8ull - 1)))
		return pts_error(PTS_ERR_CORRUPT, "pgd %#" PRIx64 " is not a table of the direct map",
				 pgd);
	struct wctx *c = xcalloc(1, sizeof(*c));
	c->p = p;
	c->a = a;
	c->ops = ops;
	c->arg = arg;
	c->res = res;
	c->max_pfn = pts_max_pfn(p);
	c->start = start;
	c->end = end;
	c->live = pts_dump_info(p->dump)->live;
	c->root_pa = pgd - a->page_offset + a->phys_offset;
	walk_table(c, c->root_pa >> a->page_shift, a->top, 0, 0, 0, 0);
	u64set_free(&c->seen_pfn);
	u64set_free(&c->seen_at);
	free(c);
	return NULL;
}

void pts_walk_result_free(struct pts_walk_result *r)
{
	pts_notes_free(&r->missing);
	for (size_t i = 0; i < r->anomalies.n; i++)
		free(r->anomalies.v[i].text);
	free(r->anomalies.v);
	memset(r, 0, sizeof(*r));
}

struct pts_error *pts_translate(struct pts_program *p, uint64_t pgd, uint64_t va,
				struct pts_xlate *ret)
{
	memset(ret, 0, sizeof(*ret));
	const struct pts_arch *a;
	struct pts_error *err = pts_arch_get(p, &a);
	if (err)
		return err;
	if (va >= a->user_end)
		return pts_error(PTS_ERR_USAGE, "%#" PRIx64 " is not a user address", va);
	if (pgd < a->page_offset || (pgd & (a->top_entries * 8ull - 1)))
		return pts_error(PTS_ERR_CORRUPT, "pgd %#" PRIx64 " is not a table of the direct map",
				 pgd);
	uint64_t tpa = pgd - a->page_offset + a->phys_offset;
	uint64_t max_pfn = pts_max_pfn(p);
	for (int level = a->top; level >= PTS_PTE; level = pts_arch_below(a, level)) {
		struct pts_xlate_step *s = &ret->step[ret->nsteps++];
		unsigned idx = (unsigned)((va >> a->shift[level]) & (pts_arch_nentries(a, level) - 1));
		uint64_t raw;
		s->level = level;
		s->table_pfn = tpa >> a->page_shift;
		s->index = idx;
		s->entry_pa = tpa + idx * 8;
		if ((err = pts_dump_read(p->dump, PTS_PHYS, s->entry_pa, &raw, 8)))
			return pts_error_wrap(err, "%s entry of %#" PRIx64 " at physical %#" PRIx64,
					      pts_level_name((unsigned)level), va, s->entry_pa);
		pts_entry_decode(a, level, raw, &s->e);
		if (s->e.kind != PTS_EK_TABLE)
			break;
		if (s->e.pfn >= max_pfn)
			return pts_error(PTS_ERR_CORRUPT, "%s entry %#" PRIx64 " of %#" PRIx64
					 " points beyond the end of memory",
					 pts_level_name((unsigned)level), raw, va);
		tpa = pts_pfn_pa(a, s->e.pfn);
		if (level == PTS_PTE)
			break;
	}
	const struct pts_entry *e = &ret->step[ret->nsteps - 1].e;
	if (e->kind == PTS_EK_PRESENT) {
		ret->mapped = true;
		ret->pa = pts_pfn_pa(a, e->pfn) + (va & (pts_level_size(a, e->level) - 1));
	}
	return NULL;
}

bool pts_entry_continues(const struct pts_arch *a, const struct pts_entry *first, uint64_t va0,
			 uint64_t count, uint64_t size, uint64_t va, const struct pts_entry *e)
{
	if (first->level != e->level || first->kind != e->kind || va != va0 + count * size ||
	    first->swap_type != e->swap_type)
		return false;
	/* arm64: the entries of one contiguous run are one mapping, whose
	 * young and dirty state the kernel gathers over them (huge_ptep_get(),
	 * arch/arm64/mm/hugetlbpage.c); the hardware sets AF and clears
	 * RDONLY entry by entry */
	uint32_t young = e->kind == PTS_EK_PRESENT ? 1u << a->young_flag : 0;
	uint32_t per_entry = young | (1u << PTS_F_DIRTY) | (1u << PTS_F_RDONLY);
	uint64_t block = (a->cont[e->level < PTS_NLEVELS ? e->level : 0] ?: 1) * size;
	uint32_t diff = first->flags ^ e->flags;
	if (diff & ~young &&
	    (!(first->flags & e->flags & (1u << PTS_F_CONT)) || (diff & ~per_entry) ||
	     (va0 & ~(block - 1)) != (va & ~(block - 1))))
		return false;
	if (e->kind == PTS_EK_SWAP)
		return e->swap_offset == first->swap_offset + count;
	if (e->kind == PTS_EK_MARKER)
		return e->swap_offset == first->swap_offset;
	if (e->has_pfn)
		return e->pfn == first->pfn + count * (size >> a->page_shift);
	return e->raw == first->raw;
}

struct pts_error *pts_table_read(struct pts_program *p, uint64_t pfn, uint64_t raw[PTS_MAX_ENTRIES])
{
	const struct pts_arch *a;
	struct pts_error *err = pts_arch_get(p, &a);
	if (err)
		return err;
	return pts_dump_read(p->dump, PTS_PHYS, pts_pfn_pa(a, pfn), raw, a->entries * sizeof(uint64_t));
}
