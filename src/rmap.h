/* The reverse index of a whole dump: every process walked once, each
 * frame with the number of leaf entries that map it (a PMD table shared
 * by hugetlb sharers counted once, as the kernel counts it), reconciled
 * with the mapcount the kernel keeps (INVARIANTS D4). */
#ifndef PTS_RMAP_H
#define PTS_RMAP_H
#include <stdbool.h>
#include <stdint.h>
#include "klist.h"
#include "program.h"
#include "util.h"

struct pts_rmap_page {
	uint64_t pfn;
	uint32_t mappings;	/* leaf entries seen mapping it */
	bool known;		/* the folio could be read */
	int32_t mapcount;	/* the kernel's precise mapcount of the page */
	int32_t refcount;	/* the folio's */
	/* what /proc/kpageflags would say, in its bit numbers (KPF_*):
	 * ANON 12, COMPOUND_HEAD 15, COMPOUND_TAIL 16, HUGE 17, KSM 21 */
	uint32_t kpf;
};

struct pts_rmap_index {
	VEC(struct pts_rmap_page) pages;	/* by pfn */
	uint64_t processes, leaves, shared_tables, special_skipped, migration;
	struct pts_notes missing;
};

struct pts_error *pts_rmap_index(struct pts_program *p, struct pts_rmap_index *ret);
void pts_rmap_index_free(struct pts_rmap_index *r);
#endif
