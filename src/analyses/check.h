/* Findings: states that break the kernel's documented mm rules.  Each
 * check is one unit in the registry (check.c) with an id, a title, a
 * severity, the rule, its kernel source reference and the kernels it
 * applies to, decided from the debug info. */
#ifndef PTS_CHECK_H
#define PTS_CHECK_H
#include <stdbool.h>
#include <stdint.h>
#include "readers/klist.h"
#include "analyses/locks.h"
#include "readers/ktask.h"
#include "types/program.h"
#include "analyses/rmap.h"

enum pts_severity { PTS_SEV_WARNING = 1, PTS_SEV_ERROR };

struct pts_check_info {
	const char *id, *title, *rule, *source, *kernels;
	enum pts_severity severity;
};

struct pts_finding {
	const struct pts_check_info *check;
	int32_t pid;
	char comm[16];
	const char *object;	/* "mm", "vma", "table", "entry", "page" */
	uint64_t addr;		/* the object: struct address, or table PFN */
	bool has_va;
	uint64_t va;
	char *evidence;		/* the values read */
	/* Live only (0 on a dump): how many reads of the running kernel
	 * the check made, and how many of them saw this. */
	uint8_t live_passes, live_seen;
	bool live_busy;		/* its mm's mmap_lock was write-held at a read */
};

struct pts_findings {
	VEC(struct pts_finding) v;
	struct pts_notes missing;	/* what could not be checked */
	size_t tasks_checked;
	/* What a check run reads once for every address space (check.c:
	 * D2's anon_vma trees), freed with the findings. */
	void *memo;
	void (*memo_free)(void *);
	/* One pass (sweep.c): with rmap_feed set, pts_check_task leaves in
	 * feed what its walk met for the reverse index (rmap.h), for the
	 * caller to take; with rmap set, pts_check_dump uses that index
	 * rather than walking every address space again for D4. */
	bool rmap_feed;
	struct pts_rmap_feed *feed;
	const struct pts_rmap_index *rmap;
	/* Likewise for the lock scan: with ptl_feed set, ptlf holds the
	 * walk's page tables (locks.h); with ptl set, pts_check_dump's lock
	 * scan takes them from there; with locks_out set, it leaves its
	 * result there (for the caller to free) instead of freeing it. */
	bool ptl_feed;
	struct pts_ptl_feed *ptlf;
	const struct pts_ptl_feeds *ptl;
	struct pts_locks *locks_out;
	bool locks_ready;	/* locks_out holds a scan */
};

/* The registry, in report order. */
const struct pts_check_info *pts_check_list(size_t *n);
/* Whether check i applies to this kernel (and why not, if not). */
bool pts_check_applies(struct pts_program *p, size_t i, const char **why);
/* Run every check on t's address space. */
struct pts_error *pts_check_task(struct pts_program *p, const struct pts_task *t,
				 struct pts_findings *out);
/* The checks that look across address spaces (hugetlb PMD sharing and
 * vma_locks); pid < 0 for the whole dump, else that process's VMAs and
 * every sharer of their tables. */
struct pts_error *pts_check_dump(struct pts_program *p, int32_t pid, struct pts_findings *out);
void pts_findings_free(struct pts_findings *f);
/* Whether a check that needs the reverse index of the whole dump applies
 * (D4): then check --all builds one. */
bool pts_check_wants_rmap(struct pts_program *p);
/* Append src's findings and notes to dst (in order) and empty src. */
void pts_findings_take(struct pts_findings *dst, struct pts_findings *src);
/* Checks from outside the registry (plugins), run by pts_check_task after
 * its own on each address space; their findings carry their own
 * pts_check_info. */
typedef struct pts_error *(*pts_extra_checks_fn)(struct pts_program *p, const struct pts_task *t,
						 struct pts_findings *out);
void pts_check_set_extra(pts_extra_checks_fn fn);
const char *pts_severity_name(enum pts_severity s);
/* "seen once, live" and the like; NULL for a finding from a dump. */
const char *pts_finding_live_text(const struct pts_finding *f);
#endif
