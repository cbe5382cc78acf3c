/* The command line's commands, one file each (cmd/<name>.c), as tmux's
 * cmd-*.c: every command is a struct cmd_entry saying its name, usage,
 * how many arguments follow the dump, the options it takes (any other is
 * refused) and the target it needs, which the dispatcher (main.c)
 * resolves once before the command runs. */
#ifndef PTS_CMD_H
#define PTS_CMD_H
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "arch/arch.h"
#include "mem/dump.h"
#include "out/emit.h"
#include "readers/kmm.h"
#include "readers/walk.h"
#include "readers/ktask.h"
#include "types/program.h"

/* The options a command may take, beyond the global ones (-k,
 * --debug-root, --types, --cache-size, -J, --plugin, --plugin-dir). */
enum {
	CMD_O_JSON = 1 << 0,	/* -j, --json */
	CMD_O_THREADS = 1 << 1,	/* -T */
	CMD_O_PID = 1 << 2,	/* -p PID */
	CMD_O_RANGE = 1 << 3,	/* --range */
	CMD_O_ALL = 1 << 4,	/* --all */
	CMD_O_PAGES = 1 << 5,	/* --pages */
	CMD_O_FREE = 1 << 6,	/* --free */
	CMD_O_PFN = 1 << 7,	/* --pfn */
	CMD_O_TIMING = 1 << 8,	/* --debug-timing */
	CMD_O_FORMAT = 1 << 9,	/* --format */
	CMD_O_OUTPUT = 1 << 10,	/* -o */
	CMD_O_N = 11
};

struct opts {
	unsigned jobs;		/* --jobs; 0: every online CPU */
	struct pts_open_opts open;
	unsigned given;		/* CMD_O_* seen on the command line */
	bool json, threads;
	bool have_pid;
	int32_t pid;
	char **args;		/* the command's own arguments, after DUMP */
	int nargs;
	bool all, pages, free_locks;
	bool have_pfn;
	uint64_t pfn;
	bool have_range;
	uint64_t range_start, range_end;
	const char *timing_log;	/* tui --debug-timing FILE */
	const char *format, *out;	/* report --format, -o */
	/* CMD_T_TASK: -p PID's task, found by the dispatcher */
	struct pts_task task;
};

enum cmd_target {
	CMD_T_DUMP,		/* the dump opened: a struct pts_program */
	CMD_T_TASK,		/* and -p PID's task in it (o->task) */
	CMD_T_DUMPS,		/* several dumps, opened by the command (report) */
	CMD_T_NONE,		/* no dump (plugins) */
};

struct cmd_entry {
	const char *name, *usage, *help;
	/* arguments after DUMP: at least, at most (-1: any) */
	int args_min, args_max;
	const char *expect;	/* the shape said when the count is wrong */
	unsigned options;	/* CMD_O_* it takes */
	enum cmd_target target;
	bool need_types;	/* the dump's types are needed (not just VMCOREINFO) */
	bool live_default;	/* without a dump: the running kernel (/proc/kcore) */
	/* before the dump is opened: the command's own arguments; nonzero
	 * is the exit status (the error said) */
	int (*check_args)(struct opts *o);
	int (*run)(struct pts_program *p, const struct opts *o);
	/* CMD_T_DUMPS and CMD_T_NONE: the dumps named (none for NONE) */
	int (*run_dumps)(const struct opts *o, char **dumps, int ndumps);
};

extern const struct cmd_entry cmd_tui_entry, cmd_report_entry, cmd_plugins_entry,
	cmd_info_entry, cmd_ps_entry, cmd_vmas_entry, cmd_walk_entry, cmd_vtop_entry,
	cmd_check_entry, cmd_hugetlb_entry, cmd_locks_entry, cmd_page_entry, cmd_rmap_entry,
	cmd_offsetof_entry;

/* Helpers every command shares (cmd/common.c). */
/* The error on stderr, one line; exit status 2. */
int cmd_fail(struct pts_error *err);
/* What the dump lacks, one "incomplete:" line each. */
void cmd_print_notes(struct pts_program *p, const struct pts_notes *n);
/* The mm (or the task) not in the dump: say which object, exit 1; any
 * other error: exit 2. */
int cmd_mm_missing(struct pts_program *p, struct pts_error *err);
/* -p PID's address space and the arch: the dispatcher found the task. */
struct pts_error *cmd_open_mm(struct pts_program *p, const struct opts *o, struct pts_mm *mm,
			      const struct pts_arch **a);
/* --pfn N, or the frame behind ADDR in -p PID; nonzero after saying why. */
int cmd_page_arg(struct pts_program *p, const struct opts *o, const char *cmd, uint64_t *pfn);
/* The tasks a lock names (owner, waiters), read for the emitters. */
void cmd_name_lock_tasks(struct pts_program *p, struct pts_out_names *n,
			 const struct pts_lock_state *s);
/* Seconds between two CLOCK_MONOTONIC readings (PTSCOPE_TIMING). */
double cmd_seconds(const struct timespec *t0, const struct timespec *t1);
#endif
