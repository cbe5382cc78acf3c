/* ptscope: the command line.  Options are parsed here once; each
 * command is a struct cmd_entry in its own file (cmd/<name>.c), and the
 * dispatcher below checks its arguments and options against the entry,
 * opens the dump and resolves the target the entry asks for, once. */
#include "config.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cmd.h"
#include "analyses/sweep.h"
#include "base/progress.h"
#include "base/util.h"
#include "mem/kcore.h"
#include "mem/pcache.h"
#include "plugin/plugin.h"

/* In the order --help lists them. */
static const struct cmd_entry *const cmd_table[] = {
	&cmd_tui_entry, &cmd_report_entry, &cmd_plugins_entry, &cmd_info_entry, &cmd_ps_entry,
	&cmd_vmas_entry, &cmd_walk_entry, &cmd_vtop_entry, &cmd_check_entry, &cmd_hugetlb_entry,
	&cmd_locks_entry, &cmd_page_entry, &cmd_rmap_entry, &cmd_offsetof_entry,
};

/* The command-specific options by CMD_O_* bit, as a refusal names them. */
static const char *const opt_names[CMD_O_N] = {
	"--json", "--threads", "--pid", "--range", "--all", "--pages", "--free", "--pfn",
	"--debug-timing", "--format", "--output",
};

/* Progress on a terminal's stderr, rewritten in place. */
static void tty_progress(const char *what, int pct)
{
	if (pct >= 0)
		fprintf(stderr, "\rptscope: %s: %3d%%", what, pct);
	else
		fprintf(stderr, "\r\033[K");
}

static bool parse_range(const char *s, uint64_t *a, uint64_t *b)
{
	char *end;
	*a = strtoull(s, &end, 16);
	if (*end != '-')
		return false;
	*b = strtoull(end + 1, &end, 16);
	return !*end && *a < *b;
}

static const struct cmd_entry *cmd_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmd_table); i++)
		if (!strcmp(name, cmd_table[i]->name))
			return cmd_table[i];
	return NULL;
}

/* An option the command does not take is refused, not ignored. */
static int refuse_options(const struct cmd_entry *cmd, const struct opts *o)
{
	unsigned extra = o->given & ~cmd->options;
	for (int b = 0; b < CMD_O_N; b++)
		if (extra & (1u << b)) {
			fprintf(stderr, "ptscope: %s: %s is not an option of %s (see ptscope --help)\n",
				cmd->name, opt_names[b], cmd->name);
			return 2;
		}
	return 0;
}

/* Open the dump, resolve the entry's target, run it. */
static int dispatch(const struct cmd_entry *cmd, struct opts *o)
{
	o->open.need_types = cmd->need_types;
	struct pts_program *p;
	struct pts_error *err = pts_program_open(&o->open, &p);
	if (err)
		return cmd_fail(err);
	int rc;
	if (cmd->target == CMD_T_TASK) {
		err = o->have_pid ? pts_task_find(p, o->pid, &o->task) :
			pts_error(PTS_ERR_USAGE, "which process? give -p PID");
		if (err) {
			rc = cmd_mm_missing(p, err);
			pts_program_close(p);
			return rc;
		}
	}
	/* plugin checks run inside check (and the TUI) on this dump */
	struct ptscope_dump *pd = pts_plugin_dump_new(p, o->open.dump);
	pts_plugin_dump_set_jobs(pd, o->jobs);
	rc = cmd->run(p, o);
	pts_plugin_dump_free(pd);
	pts_program_close(p);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ptscope [OPTIONS] COMMAND DUMP\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmd_table); i++)
		fprintf(f, "  %-28s %s\n", cmd_table[i]->usage, cmd_table[i]->help);
	fprintf(f, "\noptions:\n"
		"  -k, --vmlinux PATH      vmlinux with debug info (default: found by build ID)\n"
		"      --debug-root DIR    look for debug info under DIR instead of /\n"
		"      --types T           dwarf (a vmlinux), btf (the kernel's own BTF and kallsyms\n"
		"                          in the dump: v6.0+), or auto (dwarf if found, default)\n"
		"      --cache-size SIZE   ptscope's cache of dump pages (default 128M, or an\n"
		"                          eighth of RAM when less; K, M or G)\n"
		"  -J, --jobs N            threads for check, report and the TUI's background work\n"
		"                          (default: every online CPU; -j is --json)\n"
		"  -j, --json              one JSON document on stdout\n"
		"  -T, --threads           ps: list every thread\n"
		"  -p, --pid PID           the process to show\n"
		"      --range START-END   walk: only these addresses (hex)\n"
		"      --all               check: every process\n"
		"      --pages             walk --json: the struct page of each present entry\n"
		"      --free              locks: also the locks nobody holds or waits for\n"
		"      --pfn N             page: the page frame N (decimal, or 0x hex)\n"
		"      --debug-timing FILE tui: log the time each keypress takes to draw\n"
		"      --plugin PATH       load this plugin (repeatable)\n"
		"      --plugin-dir DIR    load every *.so plugin of DIR (repeatable)\n"
		"      --format F          report: text, json, or a plugin's format\n"
		"  -o, --output FILE|DIR   report: write there (a directory: one file per dump)\n"
		"  -h, --help              this text\n"
		"  -V, --version           print the version\n"
		"\nExit status: 0 success, 2 error (one line on stderr). See ptscope(1).\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "vmlinux", required_argument, NULL, 'k' },
		{ "debug-root", required_argument, NULL, 'R' },
		{ "types", required_argument, NULL, 'y' },
		{ "cache-size", required_argument, NULL, 'C' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "json", no_argument, NULL, 'j' },
		{ "threads", no_argument, NULL, 'T' },
		{ "pid", required_argument, NULL, 'p' },
		{ "range", required_argument, NULL, 'r' },
		{ "all", no_argument, NULL, 'a' },
		{ "pages", no_argument, NULL, 'P' },
		{ "free", no_argument, NULL, 'F' },
		{ "pfn", required_argument, NULL, 'N' },
		{ "debug-timing", required_argument, NULL, 'D' },
		{ "plugin", required_argument, NULL, 'L' },
		{ "plugin-dir", required_argument, NULL, 'Y' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	int c;
	if (isatty(2))
		pts_progress_set(tty_progress);
	/* Options may follow the command ("ptscope ps --json DUMP"). */
	VEC(const char *) plugin_files = { 0 }, plugin_dirs = { 0 };
	while ((c = getopt_long(argc, argv, "k:jThVp:o:J:", lopts, NULL)) != -1) {
		switch (c) {
		case 'k': o.open.vmlinux = optarg; break;
		case 'R': o.open.debug_root = optarg; break;
		case 'y':
			if (!strcmp(optarg, "auto"))
				o.open.types = PTS_TYPES_AUTO;
			else if (!strcmp(optarg, "dwarf"))
				o.open.types = PTS_TYPES_DWARF;
			else if (!strcmp(optarg, "btf"))
				o.open.types = PTS_TYPES_BTF;
			else {
				fprintf(stderr, "ptscope: --types %s: dwarf, btf or auto\n", optarg);
				return 2;
			}
			break;
		case 'C':
			if (!pts_pcache_parse_size(optarg, &o.open.cache_bytes) ||
			    o.open.cache_bytes < 64 * 1024) {
				fprintf(stderr, "ptscope: --cache-size %s: a size of at least 64K "
					"(K, M or G)\n", optarg);
				return 2;
			}
			break;
		case 'J': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || !*optarg || v < 1 || v > PTS_SWEEP_MAX_JOBS) {
				fprintf(stderr, "ptscope: --jobs %s: a number of threads from 1 to %d\n",
					optarg, PTS_SWEEP_MAX_JOBS);
				return 2;
			}
			o.jobs = (unsigned)v;
			break;
		}
		case 'j': o.json = true; o.given |= CMD_O_JSON; break;
		case 'T': o.threads = true; o.given |= CMD_O_THREADS; break;
		case 'a': o.all = true; o.given |= CMD_O_ALL; break;
		case 'P': o.pages = true; o.given |= CMD_O_PAGES; break;
		case 'F': o.free_locks = true; o.given |= CMD_O_FREE; break;
		case 'D': o.timing_log = optarg; o.given |= CMD_O_TIMING; break;
		case 'L': VEC_PUSH(&plugin_files, optarg); break;
		case 'Y': VEC_PUSH(&plugin_dirs, optarg); break;
		case 'f': o.format = optarg; o.given |= CMD_O_FORMAT; break;
		case 'o': o.out = optarg; o.given |= CMD_O_OUTPUT; break;
		case 'N': {
			char *end;
			o.pfn = strtoull(optarg, &end, 0);
			if (*end || !*optarg) {
				fprintf(stderr, "ptscope: --pfn %s: not a number\n", optarg);
				return 2;
			}
			o.have_pfn = true;
			o.given |= CMD_O_PFN;
			break;
		}
		case 'r':
			if (!parse_range(optarg, &o.range_start, &o.range_end)) {
				fprintf(stderr, "ptscope: --range %s: expected START-END in hex\n", optarg);
				return 2;
			}
			o.have_range = true;
			o.given |= CMD_O_RANGE;
			break;
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > INT32_MAX) {
				fprintf(stderr, "ptscope: -p %s: not a pid\n", optarg);
				return 2;
			}
			o.pid = (int32_t)v;
			o.have_pid = true;
			o.given |= CMD_O_PID;
			break;
		}
		case 'h': usage(stdout); return 0;
		case 'V': printf("ptscope %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	/* Plugins: the default places, then --plugin-dir, then --plugin;
	 * never the current directory unless named. */
	struct pts_error *perr = pts_plugin_load_default();
	for (size_t i = 0; !perr && i < plugin_dirs.n; i++)
		perr = pts_plugin_load_dir(plugin_dirs.v[i], true);
	for (size_t i = 0; !perr && i < plugin_files.n; i++)
		perr = pts_plugin_load(plugin_files.v[i]);
	free(plugin_dirs.v);
	free(plugin_files.v);
	if (perr)
		return cmd_fail(perr);
	/* "ptscope DUMP": the TUI.  No dump: the running kernel, through
	 * /proc/kcore ("ptscope" alone, or "ptscope ps"). */
	char *live_argv[3];
	const struct cmd_entry *cmd = argc - optind >= 1 ? cmd_find(argv[optind]) : NULL;
	if (cmd && (cmd->target == CMD_T_NONE || cmd->target == CMD_T_DUMPS)) {
		if (refuse_options(cmd, &o))
			return 2;
		int n = argc - optind - 1;
		if (cmd->target == CMD_T_NONE && n) {
			fprintf(stderr, "ptscope: %s: takes no dump\n", cmd->name);
			return 2;
		}
		if (cmd->target == CMD_T_DUMPS && n < 1) {
			fprintf(stderr, "ptscope: %s: expected %s (see ptscope --help)\n", cmd->name,
				cmd->expect);
			return 2;
		}
		/* report -k with several dumps: applied to each; one of another
		 * build is refused by name with both build IDs
		 * (pts_program_open), the others reported (a batch from one
		 * kernel build is the usual case) */
		return cmd->run_dumps(&o, &argv[optind + 1], n);
	}
	if (argc - optind == 0) {
		live_argv[0] = (char *)"tui";
		live_argv[1] = (char *)PTS_KCORE_PATH;
		argv = live_argv;
		argc = 2;
		optind = 0;
	} else if (argc - optind == 1) {
		if (!cmd) {
			argv[--optind] = (char *)"tui";
		} else if (cmd->live_default) {
			live_argv[0] = argv[optind];
			live_argv[1] = (char *)PTS_KCORE_PATH;
			argv = live_argv;
			argc = 2;
			optind = 0;
		}
	}
	cmd = cmd_find(argv[optind]);
	int nargs = argc - optind - 2;
	if (!cmd) {
		if (nargs != 0)
			fprintf(stderr, "ptscope: %s: expected COMMAND DUMP (see ptscope --help)\n",
				argv[optind]);
		else
			fprintf(stderr, "ptscope: unknown command '%s' (see ptscope --help)\n",
				argv[optind]);
		return 2;
	}
	if (nargs < cmd->args_min || (cmd->args_max >= 0 && nargs > cmd->args_max)) {
		fprintf(stderr, "ptscope: %s: expected %s (see ptscope --help)\n", cmd->name,
			cmd->expect);
		return 2;
	}
	if (refuse_options(cmd, &o))
		return 2;
	o.open.dump = argv[optind + 1];
	o.args = &argv[optind + 2];
	o.nargs = nargs;
	if (cmd->check_args) {
		int rc = cmd->check_args(&o);
		if (rc)
			return rc;
	}
	return dispatch(cmd, &o);
}
