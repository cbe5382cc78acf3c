/* The TUI's model: what each screen shows, as rows of text with a class
 * for colouring, built from the same library calls as the CLI.  No curses
 * here; the view (tui.c) draws the rows and never reads the kernel. */
#ifndef PTS_TUI_MODEL_H
#define PTS_TUI_MODEL_H
#include <stdbool.h>
#include <stdint.h>
#include "arch/arch.h"
#include "analyses/check.h"
#include "readers/kmm.h"
#include "readers/ktask.h"
#include "readers/walk.h"
#include "analyses/locks.h"
#include "types/program.h"
#include "base/util.h"

/* Row classes, each drawn in its own colour (or attribute). */
enum tui_class {
	TC_PLAIN, TC_HEAD, TC_TABLE, TC_PRESENT, TC_HUGE, TC_SWAP, TC_SPECIAL, TC_BAD,
	TC_FINDING, TC_HELD, TC_DIM, TC_N
};

struct tui_row {
	char *text;
	enum tui_class cls;
	int depth;		/* tree rows: indentation */
	long ref;		/* the model object it shows (view-specific) */
	long sub;		/* tree rows: the entry within an open run, -1 for the run */
	bool openable, open;
};
typedef VEC(struct tui_row) tui_rows;
void tui_rows_free(tui_rows *r);

/* One line of a task's page-table tree: a table or a run of like entries. */
struct tui_tline {
	int depth;
	bool table;
	int level;
	uint64_t va, end;	/* what it covers */
	uint64_t pfn;		/* the table's; a run's first PFN */
	uint64_t table_pfn;	/* the table holding a run */
	unsigned index;		/* a run's first index in that table */
	unsigned used;		/* tables: entries not none */
	int64_t sharers;	/* a shared hugetlb PMD table: the kernel's count, else 0 */
	struct pts_entry e;	/* a run's first entry */
	uint64_t count, size;
	struct pts_run_states st;	/* a run's */
	bool open;
};

struct tui_task {
	struct pts_task t;
	size_t findings;
	size_t self;		/* its index in tasks */
	bool checked;		/* its address space's checks are in */
};

struct tui_mm {
	int32_t pid;
	size_t task;		/* index in tasks */
	bool have;		/* mm read */
	char *error;		/* why not */
	struct pts_mm mm;
	VEC(struct tui_tline) lines;
	size_t entries;
	/* per VMA: markers */
	VEC(uint32_t) vma_marks;
};
#define TUI_MARK_THP 1u
#define TUI_MARK_SWAP 2u
#define TUI_MARK_SHARED_PMD 4u
#define TUI_MARK_UFFD_WP 8u
#define TUI_MARK_FINDING 16u
#define TUI_MARK_MIGRATION 32u

typedef void (*tui_progress_fn)(void *arg, const char *what, size_t done, size_t total);

struct tui_bg;

struct tui_model {
	struct pts_program *p;
	const struct pts_arch *a;
	VEC(struct tui_task) tasks;
	struct u64map by_pid;	/* pid -> index in tasks */
	/* The background load (tui_load): running while bg is set; its
	 * stage and progress as of the last tui_poll. */
	struct tui_bg *bg;
	const char *bg_stage;
	size_t bg_done, bg_total;
	struct pts_findings findings;
	bool findings_done;
	struct pts_locks locks;
	bool locks_done;
	char *locks_error;
	struct tui_mm cur;	/* the open task's address space */
	struct pts_notes notes;	/* what could not be read */
};

struct pts_error *tui_model_open(struct pts_program *p, struct tui_model *m);
void tui_model_close(struct tui_model *m);
/* The task list now; then, on a thread of its own (jobs for the runner,
 * 0: every CPU), the findings of each address space, the checks across
 * processes and the lock scan.  tui_poll takes in what has arrived (true
 * when anything changed); the model is only ever changed by the caller's
 * thread. */
void tui_load(struct tui_model *m, unsigned jobs, tui_progress_fn fn, void *arg);
bool tui_poll(struct tui_model *m);
/* Stop the background load: true when it stopped within seconds (then
 * tui_model_close joins it at once). */
bool tui_cancel(struct tui_model *m, double seconds);
/* Until the background load is over, with progress. */
void tui_load_wait(struct tui_model *m, tui_progress_fn fn, void *arg);
/* The lock scan, on first use (when no background load brings it). */
void tui_load_locks(struct tui_model *m, tui_progress_fn fn, void *arg);

enum tui_sort { TS_PID, TS_COMM, TS_RSS, TS_FINDINGS, TS_N };
const char *tui_sort_name(enum tui_sort s);
/* Rows for the task list: filter is a substring of pid or comm. */
void tui_task_rows(struct tui_model *m, const char *filter, enum tui_sort sort, bool reverse,
		   tui_rows *out);
const char *tui_task_header(void);

/* Open task i's address space (read its mm, walk its tables). */
void tui_open_task(struct tui_model *m, size_t i);
void tui_vma_rows(struct tui_model *m, tui_rows *out);
const char *tui_vma_header(void);
/* A map of the address space: width cells, each the class of what the
 * most of its part of the VMAs holds; TC_PLAIN for nothing mapped. */
void tui_as_map(struct tui_model *m, uint64_t lo, uint64_t hi, int width, enum tui_class *cells);
/* The tree's visible rows (open tables show their lines, open runs their
 * entries). */
void tui_tree_rows(struct tui_model *m, bool ascii, tui_rows *out);
/* Open every table on the way to va; the row index of the deepest line
 * covering it, -1 if none. */
long tui_tree_reveal(struct tui_model *m, uint64_t va, bool ascii);
/* Open every table whose range meets the VMA at index v. */
void tui_tree_open_vma(struct tui_model *m, size_t v);
/* The detail of a tree row (a table, a run or one entry). */
void tui_detail_rows(struct tui_model *m, const struct tui_row *row, tui_rows *out,
		     tui_progress_fn fn, void *arg);
void tui_finding_rows(struct tui_model *m, tui_rows *out);
/* A finding's target: the task index and an address (has_va), if any. */
bool tui_finding_target(struct tui_model *m, size_t f, size_t *task, bool *has_va, uint64_t *va);
void tui_lock_rows(struct tui_model *m, tui_rows *out);
/* The task index of pid, or (size_t)-1. */
size_t tui_task_index(struct tui_model *m, int32_t pid);
/* For the model's own files (tui_model.c, tui_panels.c). */
void tui_row_add(tui_rows *out, enum tui_class cls, long ref, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void tui_mm_close(struct tui_mm *c);
#endif
