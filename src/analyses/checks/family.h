/* What the check families (analyses/checks/) share with the engine
 * (analyses/check.c): a check's registry entry, the state of one address
 * space's check run, and the helpers every family uses.  Private to the
 * analyses layer. */
#ifndef PTS_CHECKS_FAMILY_H
#define PTS_CHECKS_FAMILY_H
#include <stdbool.h>
#include <stdint.h>
#include "arch/arch.h"
#include "analyses/check.h"
#include "analyses/hugetlb.h"
#include "analyses/locks.h"
#include "analyses/rmap.h"
#include "readers/kanon.h"
#include "readers/kfolio.h"
#include "readers/kinfo.h"
#include "readers/klock.h"
#include "readers/kmm.h"
#include "readers/kpage.h"
#include "readers/kvma.h"
#include "readers/walk.h"
#include "base/util.h"

/* The registry's size bound: struct ctx keeps a flag and an index per
 * check (the registry asserts it holds). */
#define PTS_CHECKS_MAX 32

/* An entry's VMA class, for the entry filters. */
#define VC_V 1u		/* the entry lies in a VMA */
#define VC_HUGETLB 2u	/* ... a hugetlb one */
#define VC_ANON 4u	/* ... with an anon_vma */
#define VC_MAYSHARE 8u
#define VC_N 16
#define EK_BIT(x) (1u << PTS_EK_##x)
#define LV_BIT(x) (1u << PTS_##x)

struct ctx;

/* One check: what it says, and where it looks. */
struct check {
	struct pts_check_info info;
	bool (*applies)(struct pts_program *p, const char **why);
	void (*on_mm)(struct ctx *c);
	void (*on_table)(struct ctx *c, const struct pts_table *t);
	void (*on_entry)(struct ctx *c, uint64_t va, const struct pts_entry *e,
			 const struct pts_table *t, unsigned idx, const struct pts_vma *v);
	void (*on_table_end)(struct ctx *c, const struct pts_table *t);
	void (*on_done)(struct ctx *c);
	/* Across the dump (hugetlb sharing): once per check run. */
	void (*on_dump)(struct ctx *c, const struct pts_hugetlb *h);
	/* Across the dump: the locks and the wait-for graph. */
	void (*on_locks)(struct ctx *c, const struct pts_locks *l);
	/* Across the dump: the reverse index (check --all only). */
	void (*on_rmap)(struct ctx *c, const struct pts_rmap_index *r);
	/* Which entries on_entry can say anything about (filtered): the
	 * entry kinds and levels (bit masks, EK_BIT, LV_BIT) and the VMA
	 * classes ((class & vmask) == vval, VC_*), so that the engine calls
	 * it only for those.  A superset of what it accepts: the check
	 * still tests all of its own conditions.  Not filtered: every entry. */
	bool filtered;
	uint32_t kinds, levels;
	unsigned vmask, vval;
};

struct ctx {
	struct pts_program *p;
	const struct pts_arch *a;
	const struct pts_task *t;
	struct pts_mm mm;
	struct pts_walk_result walk;
	struct pts_findings *out;
	const struct check *cur;
	int32_t tpid;		/* whom findings are about */
	char tcomm[16];
	bool hgm;
	bool applies[PTS_CHECKS_MAX];
	uint8_t entry_checks[PTS_CHECKS_MAX];	/* those that apply and have on_entry, in order */
	unsigned nentry_checks;
	const struct pts_vma *lastv;	/* the VMA of the last entry */
	unsigned lastvc;		/* and its class (cb_entry) */
	/* cb_entry's lists of checks by VMA class, entry kind and level */
	struct dispatch {
		bool built;
		uint8_t n, idx[PTS_CHECKS_MAX];
	} disp[16][PTS_EK_N][PTS_NLEVELS];
	struct pts_rmap_feed *feed;	/* the reverse index's part of this walk */
	struct pts_ptl_feed *ptl;	/* the lock scan's part of it */
	VEC(size_t) ptl_skip;		/* walk notes its own walk would not make */
	/* B3/C2: the hstate-sized range being mapped below the hstate */
	struct pts_hgm_acc hacc;
	uint64_t h_vstart, h_vend;
	bool h_revisit;		/* a table holding its pieces was reached twice */
	int32_t only_pid;	/* check -p: tables of other processes are not its */
	struct u64set d3_seen;	/* hugetlb folios checked in this mm (pfn + 1) */
	/* D1 and D5 look at the same entries' folios: the last one read */
	bool folio_ok;
	uint64_t folio_pfn;
	struct pts_folio folio;
	uint64_t max_pfn;
	/* A3/A4: anon THP leaves, per PMD table being walked and in all */
	uint64_t anon_pmd_leaves, thp_in_table[PTS_NLEVELS], deposits;
	bool deposits_known;
	/* CONT (arm64): the run last checked, as table pfn + 1 and index */
	uint64_t cont_table;
	unsigned cont_run;
};

/* A finding of the check running (c->cur) about c's process. */
void pts_chk_finding(struct ctx *c, const char *object, uint64_t addr, bool has_va, uint64_t va,
		     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Whether ch applies in this run (another family's check named). */
bool pts_chk_applies(const struct ctx *c, const struct check *ch);

static inline bool pts_chk_vma_anon(const struct pts_vma *v)
{
	return v && !v->file && !v->ops;
}

/* thp.c: A3's count of anonymous THP leaves, fed every entry. */
void pts_chk_count_thp(struct ctx *c, const struct pts_entry *e, const struct pts_vma *v);
/* hugetlb.c: whether the kernel has high-granularity mappings. */
bool pts_chk_hgm_kernel(struct pts_program *p);
/* rmap.c: the folio of pfn (D1, D5 and D3 read the same ones); false
 * after a note naming id when it cannot be read. */
bool pts_chk_folio_of(struct ctx *c, uint64_t pfn, const char *id, const struct pts_folio **ret);

/* The registry entries, by family. */
extern const struct check pts_check_mt;						/* vma_tree.c */
extern const struct check pts_check_pt_struct, pts_check_a1, pts_check_leaf, pts_check_pfn,
	pts_check_vma, pts_check_a4;						/* shape.c */
extern const struct check pts_check_kind, pts_check_e5, pts_check_e2, pts_check_e3;	/* nonpresent.c */
extern const struct check pts_check_b3, pts_check_c2, pts_check_b1, pts_check_b2, pts_check_b4,
	pts_check_b5, pts_check_b7, pts_check_d3;				/* hugetlb.c */
extern const struct check pts_check_a3;						/* thp.c */
extern const struct check pts_check_f2, pts_check_f3;				/* locks.c */
extern const struct check pts_check_d4, pts_check_d1, pts_check_d5, pts_check_d2;	/* rmap.c */
extern const struct check pts_check_cont;					/* arm64.c */
#endif
