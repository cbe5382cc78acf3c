/* ptscope: command line.  Each subcommand is one entry of cmd_table. */
#include "config.h"
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "json.h"
#include "kinfo.h"
#include "kmm.h"
#include "klog.h"
#include "ktask.h"
#include "program.h"
#include "util.h"
#include "vmcoreinfo.h"

struct opts {
	struct pts_open_opts open;
	bool json, threads;
	bool have_pid;
	int32_t pid;
	const char *arg;	/* the command's own argument (vtop ADDR) */
};

struct cmd {
	const char *name, *usage, *help;
	bool need_types;
	int (*run)(struct pts_program *p, const struct opts *o);
};

static int fail(struct pts_error *err)
{
	fprintf(stderr, "ptscope: %s\n", pts_error_text(err));
	pts_error_destroy(err);
	return 2;
}

/* The page classes of makedumpfile's -d bits, lowest bit first. */
static const char *const excluded_names[] = { "zero", "cache", "cache-private", "user", "free" };

static const char *excluded_text(int level, char *buf, size_t n)
{
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(excluded_names); i++)
		if (level & (1 << i))
			snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", *buf ? "," : "",
				 excluded_names[i]);
	return *buf ? buf : "none";
}

static int cmd_info(struct pts_program *p, const struct opts *o)
{
	const struct pts_dump_info *di = pts_dump_info(p->dump);
	uint64_t crash = 0;
	bool crashed = vmcoreinfo_num(p->vmci, "CRASHTIME", &crash);
	char *panic = NULL;
	struct pts_error *err = pts_klog_panic(p, &panic);
	char *klog_note = NULL;
	if (err) {
		klog_note = xstrdup(pts_error_text(err));
		pts_error_destroy(err);
	}
	struct pts_uname u;
	bool have_uname = true;
	char uname_note[512] = "";
	if ((err = pts_kernel_uname(p, &u))) {
		have_uname = false;
		snprintf(uname_note, sizeof(uname_note), "%s", pts_error_text(err));
		pts_error_destroy(err);
	}
	char *cmdline = NULL;
	if (p->dw && (err = pts_kernel_cmdline(p, &cmdline)))
		pts_error_destroy(err);
	char excl[128];
	excluded_text(di->dump_level > 0 ? di->dump_level : 0, excl, sizeof(excl));
	uint64_t mem = di->ram_pages * p->page_size;
	const char *fmt = !strcmp(di->format, "elf") ? "elf" : "kdump-compressed";

	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "dump"); json_string(&j, pts_dump_path(p->dump));
		json_key(&j, "release"); json_string(&j, p->osrelease);
		json_key(&j, "build_id"); json_string(&j, p->build_id);
		json_key(&j, "uname");
		if (have_uname) {
			json_begin_object(&j);
			json_key(&j, "sysname"); json_string(&j, u.sysname);
			json_key(&j, "nodename"); json_string(&j, u.nodename);
			json_key(&j, "release"); json_string(&j, u.release);
			json_key(&j, "version"); json_string(&j, u.version);
			json_key(&j, "machine"); json_string(&j, u.machine);
			json_end_object(&j);
		} else {
			json_null(&j);
		}
		json_key(&j, "cmdline"); json_string(&j, cmdline);
		json_key(&j, "arch"); json_string(&j, di->arch);
		json_key(&j, "paging_levels"); json_int(&j, p->paging_levels);
		json_key(&j, "kaslr_offset"); json_hex(&j, p->kaslr_offset);
		json_key(&j, "page_size"); json_uint(&j, p->page_size);
		json_key(&j, "format"); json_string(&j, fmt);
		json_key(&j, "flattened"); json_bool(&j, di->flattened);
		json_key(&j, "compression"); json_string(&j, di->compression);
		json_key(&j, "dump_level");
		if (di->dump_level >= 0) json_int(&j, di->dump_level); else json_null(&j);
		json_key(&j, "excluded"); json_begin_array(&j);
		for (size_t i = 0; i < ARRAY_SIZE(excluded_names); i++)
			if (di->dump_level > 0 && (di->dump_level & (1 << i)))
				json_string(&j, excluded_names[i]);
		json_end_array(&j);
		json_key(&j, "memory_bytes"); json_uint(&j, mem);
		json_key(&j, "max_pfn"); json_uint(&j, di->max_pfn);
		json_key(&j, "cpus"); if (di->ncpus) json_uint(&j, di->ncpus); else json_null(&j);
		json_key(&j, "crash_time"); if (crashed) json_uint(&j, crash); else json_null(&j);
		json_key(&j, "panic"); json_string(&j, panic);
		json_key(&j, "log_note"); json_string(&j, klog_note);
		json_key(&j, "vmlinux"); json_string(&j, p->dw ? pts_dwarf_path(p->dw) : NULL);
		json_key(&j, "vmlinux_note"); json_string(&j, p->vmlinux_note);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("dump:          %s\n", pts_dump_path(p->dump));
		printf("kernel:        %s\n", p->osrelease);
		if (have_uname)
			printf("uname:         %s %s %s %s %s\n", u.sysname, u.nodename, u.release,
			       u.version, u.machine);
		else
			printf("uname:         unknown: %s\n", uname_note);
		printf("build id:      %s\n", p->build_id ? p->build_id : "(not in VMCOREINFO)");
		printf("command line:  %s\n", cmdline ? cmdline : "(needs the vmlinux)");
		printf("arch:          %s, %d-level paging, %" PRIu64 "-byte pages\n", di->arch,
		       p->paging_levels, p->page_size);
		printf("KASLR offset:  0x%" PRIx64 "\n", p->kaslr_offset);
		printf("format:        %s%s, compression %s\n", fmt, di->flattened ? " (flattened)" : "",
		       di->compression);
		if (di->dump_level >= 0)
			printf("excluded:      %s (dump level %d)\n", excl, di->dump_level);
		else
			printf("excluded:      none\n");
		printf("memory:        %" PRIu64 " MiB of RAM (max pfn 0x%" PRIx64 ")\n", mem >> 20,
		       di->max_pfn);
		if (di->ncpus)
			printf("cpus:          %u\n", di->ncpus);
		if (crashed) {
			time_t t = (time_t)crash;
			char tb[64];
			strftime(tb, sizeof(tb), "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
			printf("crash time:    %s\n", tb);
		} else {
			printf("crash time:    none (taken without a panic)\n");
		}
		printf("panic:         %s\n", panic ? panic : klog_note ? klog_note : "none");
		printf("vmlinux:       %s\n", p->dw ? pts_dwarf_path(p->dw) : p->vmlinux_note);
	}
	free(panic);
	free(cmdline);
	free(klog_note);
	return 0;
}

static int cmd_ps(struct pts_program *p, const struct opts *o)
{
	struct pts_task_list l;
	struct pts_error *err = pts_tasks(p, o->threads, &l);
	if (err)
		return fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	uint64_t kib = p->page_size / 1024;
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "dump"); json_string(&j, pts_dump_path(p->dump));
		json_key(&j, "tasks"); json_begin_array(&j);
		for (size_t i = 0; i < l.n; i++) {
			const struct pts_task *t = &l.v[i];
			char st[2] = { t->state, 0 };
			json_begin_object(&j);
			json_key(&j, "pid"); json_int(&j, t->pid);
			json_key(&j, "tgid"); json_int(&j, t->tgid);
			json_key(&j, "ppid"); json_int(&j, t->ppid);
			json_key(&j, "comm"); json_string(&j, t->comm);
			json_key(&j, "name"); json_string(&j, t->name);
			json_key(&j, "state"); json_string(&j, st);
			json_key(&j, "kernel_thread"); json_bool(&j, t->kthread);
			json_key(&j, "task"); json_hex(&j, t->addr);
			json_key(&j, "mm"); if (t->mm) json_hex(&j, t->mm); else json_null(&j);
			json_key(&j, "rss_pages");
			if (t->rss_known) json_uint(&j, t->rss_pages); else json_null(&j);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "incomplete");
		json_begin_array(&j);
		for (size_t i = 0; i < l.notes.n; i++)
			json_string(&j, l.notes.v[i]);
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("%7s %7s %7s %s %-4s %-16s %10s  %s\n", "PID", "TGID", "PPID", "S", "TYPE", "MM",
		       "RSS(KiB)", "NAME");
		for (size_t i = 0; i < l.n; i++) {
			const struct pts_task *t = &l.v[i];
			char mm[20] = "-", rss[24] = "-";
			if (t->mm)
				snprintf(mm, sizeof(mm), "%" PRIx64, t->mm);
			if (t->rss_known)
				snprintf(rss, sizeof(rss), "%" PRIu64, t->rss_pages * kib);
			printf("%7d %7d %7d %c %-4s %-16s %10s  %s\n", t->pid, t->tgid, t->ppid, t->state,
			       t->kthread ? "kern" : "user", mm, rss, t->name);
		}
	}
	/* What the dump lacks is said, and the exit status tells a script
	 * that the list is incomplete. */
	for (size_t i = 0; i < l.notes.n; i++)
		fprintf(stderr, "ptscope: %s: incomplete: %s\n", pts_dump_path(p->dump), l.notes.v[i]);
	int rc = l.notes.n ? 1 : 0;
	pts_task_list_free(&l);
	return rc;
}

/* The task of pid o->pid (a thread's pid names its process). */
static struct pts_error *find_task(struct pts_program *p, const struct opts *o, struct pts_task *ret)
{
	if (!o->have_pid)
		return pts_error(PTS_ERR_USAGE, "which process? give -p PID");
	struct pts_task_list l;
	struct pts_error *err = pts_tasks(p, true, &l);
	if (err)
		return err;
	bool found = false;
	for (size_t i = 0; i < l.n && !found; i++)
		if (l.v[i].pid == o->pid) {
			*ret = l.v[i];
			found = true;
		}
	if (!found)
		err = pts_error(PTS_ERR_USAGE, "no pid %d in the dump%s", o->pid,
				l.notes.n ? " (some tasks are not in it: see ptscope ps)" : "");
	pts_task_list_free(&l);
	return err;
}

static void json_flag(const char *name, void *arg)
{
	json_string(arg, name);
}

static void print_notes(struct pts_program *p, const struct pts_notes *n)
{
	for (size_t i = 0; i < n->n; i++)
		fprintf(stderr, "ptscope: %s: incomplete: %s\n", pts_dump_path(p->dump), n->v[i]);
}

static int cmd_vmas(struct pts_program *p, const struct opts *o)
{
	struct pts_task t;
	struct pts_mm mm;
	struct pts_error *err = find_task(p, o, &t);
	if (!err)
		err = pts_mm_read(p, &t, &mm);
	if (err)
		return fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "dump"); json_string(&j, pts_dump_path(p->dump));
		json_key(&j, "pid"); json_int(&j, t.pid);
		json_key(&j, "comm"); json_string(&j, t.comm);
		json_key(&j, "mm"); json_hex(&j, mm.addr);
		json_key(&j, "map_count"); json_int(&j, mm.map_count);
		json_key(&j, "vmas"); json_begin_array(&j);
		for (size_t i = 0; i < mm.nvmas; i++) {
			const struct pts_vma *v = &mm.vmas[i];
			char perms[5], dev[16];
			pts_vma_perms(v, perms);
			snprintf(dev, sizeof(dev), "%02x:%02x", v->dev >> 20, v->dev & 0xfffff);
			json_begin_object(&j);
			json_key(&j, "start"); json_hex(&j, v->start);
			json_key(&j, "end"); json_hex(&j, v->end);
			json_key(&j, "perms"); json_string(&j, perms);
			json_key(&j, "flags"); json_begin_array(&j);
			pts_vm_flags_each(p, v->flags, json_flag, &j);
			json_end_array(&j);
			json_key(&j, "vm_flags"); json_hex(&j, v->flags);
			json_key(&j, "pgoff"); json_uint(&j, v->pgoff);
			json_key(&j, "offset"); json_hex(&j, v->file ? v->pgoff * p->page_size : 0);
			json_key(&j, "dev"); json_string(&j, v->dev_unknown ? NULL : dev);
			json_key(&j, "inode"); if (v->dev_unknown) json_null(&j); else json_uint(&j, v->ino);
			json_key(&j, "name"); json_string(&j, v->name);
			json_key(&j, "name_note"); json_string(&j, v->name_note);
			json_key(&j, "vma"); json_hex(&j, v->addr);
			json_key(&j, "file"); if (v->file) json_hex(&j, v->file); else json_null(&j);
			json_key(&j, "anon_vma"); if (v->anon_vma) json_hex(&j, v->anon_vma); else json_null(&j);
			json_key(&j, "gate"); json_bool(&j, v->gate);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "anomalies"); json_begin_array(&j);
		for (size_t i = 0; i < mm.anomalies.n; i++)
			json_string(&j, mm.anomalies.v[i].text);
		json_end_array(&j);
		json_key(&j, "incomplete"); json_begin_array(&j);
		for (size_t i = 0; i < mm.missing.n; i++)
			json_string(&j, mm.missing.v[i]);
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		for (size_t i = 0; i < mm.nvmas; i++) {
			const struct pts_vma *v = &mm.vmas[i];
			char perms[5], fl[512];
			pts_vma_perms(v, perms);
			/* show_map_vma()'s layout, then ptscope's own columns */
			int w = printf("%08" PRIx64 "-%08" PRIx64 " %s %08" PRIx64 " %02x:%02x %" PRIu64 " ",
				       v->start, v->end, perms, v->file ? v->pgoff * p->page_size : 0,
				       v->dev >> 20, v->dev & 0xfffff, v->ino);
			const char *name = v->name ? v->name : v->name_note ? "?" : "";
			printf("%*s%s", *name ? 73 - w > 0 ? 73 - w : 0 : 0, "", name);
			pts_vm_flags_text(p, v->flags, fl, sizeof(fl));
			char av[40] = "";
			if (v->anon_vma)
				snprintf(av, sizeof(av), "  anon_vma %" PRIx64, v->anon_vma);
			printf("\n    vma %" PRIx64 "%s  [%s]%s%s\n", v->addr, av, fl,
			       v->name_note ? "  name unknown: " : "", v->name_note ? v->name_note : "");
		}
	}
	/* A broken tree is said here; ptscope check reports it as findings. */
	for (size_t i = 0; i < mm.anomalies.n; i++)
		fprintf(stderr, "ptscope: %s: VMA tree: %s\n", pts_dump_path(p->dump),
			mm.anomalies.v[i].text);
	print_notes(p, &mm.missing);
	int rc = mm.missing.n ? 1 : 0;
	pts_mm_free(&mm);
	return rc;
}

static const struct cmd cmd_table[] = {
	{ "info", "info [--json] DUMP", "kernel, dump format, excluded pages, panic, vmlinux",
	  false, cmd_info },
	{ "ps", "ps [--json] [-T] DUMP", "processes (threads with -T): pid, ppid, comm, state, mm, RSS",
	  true, cmd_ps },
	{ "vmas", "vmas [--json] -p PID DUMP", "a process's VMAs, as /proc/PID/maps and more",
	  true, cmd_vmas },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ptscope [OPTIONS] COMMAND DUMP\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmd_table); i++)
		fprintf(f, "  %-28s %s\n", cmd_table[i].usage, cmd_table[i].help);
	fprintf(f, "\noptions:\n"
		"  -k, --vmlinux PATH      vmlinux with debug info (default: found by build ID)\n"
		"      --debug-root DIR    look for debug info under DIR instead of /\n"
		"  -j, --json              one JSON document on stdout\n"
		"  -T, --threads           ps: list every thread\n"
		"  -p, --pid PID           the process to show\n"
		"  -h, --help              this text\n"
		"  -V, --version           print the version\n"
		"\nExit status: 0 success, 2 error (one line on stderr). See ptscope(1).\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "vmlinux", required_argument, NULL, 'k' },
		{ "debug-root", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "threads", no_argument, NULL, 'T' },
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	int c;
	/* Options may follow the command ("ptscope ps --json DUMP"). */
	while ((c = getopt_long(argc, argv, "k:jThVp:", lopts, NULL)) != -1) {
		switch (c) {
		case 'k': o.open.vmlinux = optarg; break;
		case 'R': o.open.debug_root = optarg; break;
		case 'j': o.json = true; break;
		case 'T': o.threads = true; break;
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > INT32_MAX) {
				fprintf(stderr, "ptscope: -p %s: not a pid\n", optarg);
				return 2;
			}
			o.pid = (int32_t)v;
			o.have_pid = true;
			break;
		}
		case 'h': usage(stdout); return 0;
		case 'V': printf("ptscope %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 2) {
		if (argc - optind == 0)
			usage(stderr);
		else
			fprintf(stderr, "ptscope: %s: expected COMMAND DUMP (see ptscope --help)\n",
				argv[optind]);
		return 2;
	}
	const struct cmd *cmd = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(cmd_table); i++)
		if (!strcmp(argv[optind], cmd_table[i].name))
			cmd = &cmd_table[i];
	if (!cmd) {
		fprintf(stderr, "ptscope: unknown command '%s' (see ptscope --help)\n", argv[optind]);
		return 2;
	}
	o.open.dump = argv[optind + 1];
	o.open.need_types = cmd->need_types;
	struct pts_program *p;
	struct pts_error *err = pts_program_open(&o.open, &p);
	if (err)
		return fail(err);
	int rc = cmd->run(p, &o);
	pts_program_close(p);
	return rc;
}
