/* Shared emitters: each object the faces show (a page-table entry, a
 * walk's header, a lock with its owner and waiters, a holder, a finding,
 * a folio, a high-granularity range), written in text and JSON from what
 * the commands gathered.  Nothing here reads the kernel: where a lock
 * names tasks, their pids and comms come in a pts_out_names the command
 * filled before writing. */
#ifndef PTS_OUT_EMIT_H
#define PTS_OUT_EMIT_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "arch/arch.h"
#include "analyses/check.h"
#include "analyses/hugetlb.h"
#include "analyses/locks.h"
#include "out/json.h"
#include "readers/kfolio.h"
#include "readers/klock.h"
#include "readers/kmm.h"
#include "readers/kpage.h"
#include "readers/ktask.h"

/* Hand formatting for the walk's millions of lines (printf was a third
 * of its time): each writes at o and returns the end. */
char *pts_put_hex(char *o, uint64_t v);	/* "0x1f", quoted, as JSON */
char *pts_put_dec(char *o, uint64_t v);
static inline char *pts_put_str(char *o, const char *s)
{
	/* inline: a literal's length is known where it is called */
	size_t n = __builtin_strlen(s);
	__builtin_memcpy(o, s, n);
	return o + n;
}
char *pts_put_xval(char *o, uint64_t v);	/* printf's %#x: "0", or 0x1f */

/* An entry's flags in words ("present" left out of a present entry: its
 * kind says it); the length. */
int pts_out_entry_flags(const struct pts_entry *e, char *buf, size_t n);
/* What differs among a run's count entries (pts_entry_continues): "(young
 * on 3, dirty on 5 of 16)", naming only the states some but not all of
 * them have; false and "" when they agree. */
bool pts_out_run_mix(uint64_t count, uint64_t young, uint64_t dirty, uint64_t rdonly, char *buf,
		     size_t n);
/* The end of an entry line: a swap entry's type and offset (+ for a
 * run), a marker, a PFN, or a run of count entries' PFN range (step:
 * pages per entry).  Shared by the walk and the TUI's tree. */
void pts_out_entry_tail(const struct pts_entry *e, uint64_t count, uint64_t step, char *buf,
			size_t n);
/* vtop's line of one step: kind, raw value, flags, PFN, swap, marker. */
void pts_out_entry_line(FILE *f, const struct pts_entry *e);
/* One entry of walk --json, at o; page: its struct page (--pages) or
 * NULL; hstate: the hugetlb VMA's page size or 0. */
char *pts_out_entry_json(char *o, uint64_t va, uint64_t size, const struct pts_entry *e,
			 const struct pts_page *page, uint64_t table_pfn, uint64_t hstate);
/* The keys walk and vtop --json start with: the process, its mm and the
 * arch's swap-type numbering. */
void pts_out_walk_meta(struct json *j, const char *dump, const struct pts_task *t,
		       const struct pts_mm *mm, const struct pts_arch *a);

/* A VMA: all of it as vmas --json writes it (p: the kernel's VM_* flag
 * names), or brief (vtop: start, end, perms, name, vm_area_struct). */
void pts_out_vma_json(struct json *j, struct pts_program *p, const struct pts_vma *v, bool brief);

/* The tasks locks name, read by the command before it writes. */
struct pts_out_task {
	uint64_t addr;
	bool ok;		/* read; else not readable */
	int32_t pid, tgid;
	char comm[16];
};
struct pts_out_names {
	VEC(struct pts_out_task) v;
};
const struct pts_out_task *pts_out_name(const struct pts_out_names *n, uint64_t task);
void pts_out_names_free(struct pts_out_names *n);

void pts_out_lock_json(struct json *j, const struct pts_out_names *n, const struct pts_lock_state *s);
/* "write-locked by pid 3 (x); waiters: pid 4 (y) write", on stdout */
void pts_out_lock_text(const struct pts_out_names *n, const struct pts_lock_state *s);
void pts_out_holder_json(struct json *j, const struct pts_holder *h);
/* all: every holder; else only those guessed from stacks (the lock's
 * own owner was written with it) */
void pts_out_holders_text(const struct pts_lock *k, bool all);

/* key: [the notes], as every command says what the dump lacked */
void pts_out_notes_json(struct json *j, const char *key, const struct pts_notes *n);
/* "holders": [each holder of k] */
void pts_out_holders_json(struct json *j, const struct pts_lock *k);

/* A finding as check and report write it. */
struct pts_out_finding {
	const char *id, *title, *severity;	/* title: report's JSON only */
	int32_t pid;
	const char *comm, *object;
	uint64_t addr;
	bool has_va;
	uint64_t va;
	const char *evidence;
	bool with_live;		/* check's "live" key */
	const struct pts_finding *live;	/* its live re-reads, or NULL */
};
void pts_out_finding_text(FILE *f, const struct pts_out_finding *x);
void pts_out_finding_json(struct json *j, const struct pts_out_finding *x);

/* page --json; names: the flags in words (pts_page_flag_names) */
void pts_out_folio_json(struct json *j, const struct pts_folio *f, const char *names);
void pts_out_hgm_json(struct json *j, const struct pts_hgm *g);
#endif
