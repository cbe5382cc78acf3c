/* ptscope: command line.  Each subcommand is one entry of cmd_table. */
#include "config.h"
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "out/json.h"
#include "mem/kcore.h"
#include "readers/kinfo.h"
#include "readers/kmm.h"
#include "tui/tui.h"
#include "plugin/plugin.h"
#include "ptscope/plugin.h"
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <errno.h>
#include "readers/walk.h"
#include "analyses/check.h"
#include "analyses/hugetlb.h"
#include "readers/kpage.h"
#include "readers/klog.h"
#include "readers/kfolio.h"
#include "analyses/rmap.h"
#include "analyses/locks.h"
#include "readers/ktask.h"
#include "types/program.h"
#include "mem/pcache.h"
#include "analyses/sweep.h"
#include "base/progress.h"
#include "base/util.h"
#include "mem/vmcoreinfo.h"

struct opts {
	unsigned jobs;		/* --jobs; 0: every online CPU */
	struct pts_open_opts open;
	bool json, threads;
	bool have_pid;
	int32_t pid;
	const char *arg, *arg2;	/* the command's own arguments (offsetof TYPE MEMBER) */
	char **addrs;		/* vtop ADDR... */
	int naddrs;
	bool all, pages, free_locks;
	bool have_pfn;
	uint64_t pfn;
	bool have_range;
	uint64_t range_start, range_end;
	const char *timing_log;	/* tui --debug-timing FILE */
	const char *format, *out;	/* report --format, -o */
};

struct cmd {
	const char *name, *usage, *help;
	bool need_types;
	int (*run)(struct pts_program *p, const struct opts *o);
};

/* Progress on a terminal's stderr, rewritten in place. */
static void tty_progress(const char *what, int pct)
{
	if (pct >= 0)
		fprintf(stderr, "\rptscope: %s: %3d%%", what, pct);
	else
		fprintf(stderr, "\r\033[K");
}

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
	const char *fmt = !strcmp(di->format, "elf") ? "elf" : di->live ? "kcore" : "kdump-compressed";

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
		json_key(&j, "live"); json_bool(&j, di->live);
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
		json_key(&j, "vmlinux");
		json_string(&j, p->dw && !pts_dwarf_btf(p->dw) ? pts_dwarf_path(p->dw) : NULL);
		json_key(&j, "types"); json_string(&j, p->types_source);
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
		if (di->live)
			printf("format:        kcore: the running kernel, read live (values may change "
			       "between reads)\n");
		else
			printf("format:        %s%s, compression %s\n", fmt,
			       di->flattened ? " (flattened)" : "", di->compression);
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
		} else if (!di->live) {
			printf("crash time:    none (taken without a panic)\n");
		}
		printf("panic:         %s\n", panic ? panic : klog_note ? klog_note : "none");
		printf("types:         %s\n", p->dw ? p->types_source : p->vmlinux_note);
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

/* The mm itself not in the dump: say which object is missing, exit 1. */
static int mm_missing(struct pts_program *p, struct pts_error *err)
{
	if (err->code != PTS_ERR_NODATA)
		return fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	fprintf(stderr, "ptscope: %s: incomplete: %s\n", pts_dump_path(p->dump), pts_error_text(err));
	pts_error_destroy(err);
	return 1;
}

static int cmd_vmas(struct pts_program *p, const struct opts *o)
{
	struct pts_task t;
	struct pts_mm mm;
	struct pts_error *err = find_task(p, o, &t);
	if (!err)
		err = pts_mm_read(p, &t, &mm);
	if (err)
		return mm_missing(p, err);
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "dump"); json_string(&j, pts_dump_path(p->dump));
		json_key(&j, "pid"); json_int(&j, t.pid);
		json_key(&j, "comm"); json_string(&j, t.comm);
		json_key(&j, "mm"); json_hex(&j, mm.addr);
		json_key(&j, "map_count"); json_int(&j, mm.map_count);
		json_key(&j, "pgtables_bytes");
		if (mm.have_pgtables_bytes) json_int(&j, mm.pgtables_bytes); else json_null(&j);
		json_key(&j, "tree_root"); json_hex(&j, mm.tree_root);
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
			json_key(&j, "hugetlb_page_size");
			if (v->huge_size) json_uint(&j, v->huge_size); else json_null(&j);
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
			char av[80] = "";
			if (v->anon_vma)
				snprintf(av, sizeof(av), "  anon_vma %" PRIx64, v->anon_vma);
			if (v->huge_size)
				snprintf(av + strlen(av), sizeof(av) - strlen(av), "  hstate %" PRIu64 "K",
					 v->huge_size >> 10);
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


static char *put_hex(char *o, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	int n = 0;
	do
		tmp[n++] = hex[v & 15];
	while ((v >>= 4));
	*o++ = '"', *o++ = '0', *o++ = 'x';
	while (n)
		*o++ = tmp[--n];
	*o++ = '"';
	return o;
}

static char *put_dec(char *o, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*o++ = tmp[--n];
	return o;
}

static char *put_str(char *o, const char *s)
{
	size_t n = strlen(s);
	memcpy(o, s, n);
	return o + n;
}

/* printf's %#" PRIx64 ": "0" for zero, else 0x and the digits */
static char *put_xval(char *o, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	int n = 0;
	if (!v) {
		*o++ = '0';
		return o;
	}
	while (v) {
		tmp[n++] = hex[v & 15];
		v >>= 4;
	}
	*o++ = '0', *o++ = 'x';
	while (n)
		*o++ = tmp[--n];
	return o;
}

static int flags_text(const struct pts_entry *e, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	/* "present present": the kind says it (PROT_NONE shows as protnone) */
	uint32_t flags = e->kind == PTS_EK_PRESENT ? e->flags & ~(1u << PTS_F_PRESENT) : e->flags;
	for (unsigned f = 0; f < PTS_F_N; f++)
		if (flags & (1u << f)) {
			const char *name = pts_eflag_name(f);
			size_t l = strlen(name);
			if (len + l + 2 > n)
				break;
			if (len)
				buf[len++] = ' ';
			memcpy(buf + len, name, l + 1);
			len += l;
		}
	return (int)len;
}

/* A run of similar entries, for the text output. */
struct run {
	bool on;
	uint64_t va, size, pfn, offset, count;
	struct pts_entry e;
	int depth;
};

struct walk_out {
	struct pts_program *p;
	const struct pts_arch *a;
	const struct pts_mm *mm;
	bool json, pages;
	struct json *j;
	struct run run;
	int depth[PTS_NLEVELS];
	uint64_t nentries;
	VEC(struct pts_table) tables;
	const struct pts_vma *vcur;	/* the VMA of the last entry (JSON) */
	char line[1024];
};

/* The VMA holding va; the gate area ([vsyscall]) holds no user entries. */
static const struct pts_vma *vma_at(const struct pts_mm *mm, uint64_t va)
{
	const struct pts_vma *v = pts_mm_find_vma(mm, va);
	return v && !v->gate ? v : NULL;
}

static void run_flush(struct walk_out *w)
{
	struct run *r = &w->run;
	if (!r->on)
		return;
	r->on = false;
	char fl[256], tail[160] = "";
	flags_text(&r->e, fl, sizeof(fl));
	uint64_t step = r->size >> 12;
	/* Formatted by hand, not by printf: a big address space has tens of
	 * thousands of runs and printf was a third of the walk's time. */
	char *t = tail;
	if (r->e.kind == PTS_EK_SWAP)
		snprintf(tail, sizeof(tail), "  type %u offset %#" PRIx64 "%s", r->e.swap_type,
			 r->offset, r->count > 1 ? "+" : "");
	else if (r->e.kind == PTS_EK_MARKER) {
		char m[64];
		pts_marker_text(r->e.swap_offset, m, sizeof(m));
		snprintf(tail, sizeof(tail), "  %s", m);
	} else if (r->e.has_pfn) {
		t = put_xval(put_str(t, "  pfn "), r->pfn);
		if (r->count > 1)
			t = put_xval(put_str(t, "-"), r->pfn + (r->count - 1) * step);
		*t = '\0';
	}
	if (r->e.kind == PTS_EK_UNKNOWN || r->e.kind == PTS_EK_BAD)
		snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail), "  raw %#" PRIx64 " type %u",
			 r->e.raw, r->e.swap_type);
	const struct pts_vma *v = vma_at(w->mm, r->va);
	if (v && (v->flags & PTS_VM_HUGETLB) && v->huge_size && r->e.kind != PTS_EK_NONE)
		snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail), "  hugetlb %" PRIu64 "K%s",
			 v->huge_size >> 10, r->size < v->huge_size ? " (below the hstate's level)" : "");
	/* "%*s%#x-%#x %5u %s %s%s%s%s\n" */
	char *o = w->line;
	memset(o, ' ', (size_t)(2 * r->depth));
	o += 2 * r->depth;
	o = put_xval(o, r->va);
	*o++ = '-';
	o = put_xval(o, r->va + r->count * r->size);
	*o++ = ' ';
	char num[24];
	size_t nl = (size_t)(put_dec(num, r->count) - num);
	for (size_t pad = nl; pad < 5; pad++)
		*o++ = ' ';
	memcpy(o, num, nl);
	o += nl;
	*o++ = ' ';
	o = put_str(o, pts_level_name(r->e.level));
	*o++ = ' ';
	o = put_str(o, pts_ekind_name(r->e.kind));
	if (*fl) {
		*o++ = ' ';
		o = put_str(o, fl);
	}
	o = put_str(o, tail);
	*o++ = '\n';
	fwrite(w->line, 1, (size_t)(o - w->line), stdout);
}

static bool run_extends(const struct run *r, uint64_t va, const struct pts_entry *e)
{
	return r->on && pts_entry_continues(&r->e, r->va, r->count, r->size, va, e);
}

static void walk_table_cb(void *arg, const struct pts_table *t)
{
	struct walk_out *w = arg;
	if (w->json) {
		VEC_PUSH(&w->tables, *t);
		return;
	}
	run_flush(w);
	int d = w->depth[t->level];
	uint64_t span = pts_level_size(w->a, t->level) * w->a->entries;
	/* a PMD table under a shared hugetlb mapping: the kernel's count
	 * of the PUD entries that use it, across processes */
	char shared[64] = "";
	const struct pts_vma *v = t->level == PTS_PMD ? vma_at(w->mm, t->va) : NULL;
	if (!v && t->level == PTS_PMD)
		for (size_t i = 0; i < w->mm->nvmas && !v; i++)
			if (w->mm->vmas[i].start < t->va + span && w->mm->vmas[i].end > t->va &&
			    (w->mm->vmas[i].flags & PTS_VM_HUGETLB))
				v = &w->mm->vmas[i];
	int64_t n;
	if (v && (v->flags & PTS_VM_HUGETLB) && (v->flags & PTS_VM_MAYSHARE) &&
	    pts_hugetlb_table_sharers(w->p, t->pfn, &n) && n > 1)
		snprintf(shared, sizeof(shared), "  shared by %" PRId64 " (the kernel's count)", n);
	printf("%*s%s table pfn %#" PRIx64 "  %#" PRIx64 "-%#" PRIx64 "  %u used%s%s\n", 2 * d, "",
	       pts_level_name((unsigned)t->level), t->pfn, t->va, t->va + span, t->used,
	       t->revisit ? "  (reached again: shared)" : "", shared);
}

static void walk_table_end_cb(void *arg, const struct pts_table *t)
{
	(void)t;
	run_flush(arg);
}


static void walk_entry_cb(void *arg, uint64_t va, const struct pts_entry *e,
			  const struct pts_table *t, unsigned index)
{
	struct walk_out *w = arg;
	(void)index;
	w->nentries++;
	uint64_t size = pts_level_size(w->a, e->level);
	if (!w->json) {
		if (!run_extends(&w->run, va, e)) {
			run_flush(w);
			w->run = (struct run){ true, va, size, e->pfn, e->swap_offset, 0, *e,
					       w->depth[e->level] + 1 };
		}
		w->run.count++;
		return;
	}
	/* One object per line, formatted by hand: millions of them. */
	char *o = w->line;
	o = put_str(o, "{\"va\":");
	o = put_hex(o, va);
	o = put_str(o, ",\"size\":");
	o = put_dec(o, size);
	o = put_str(o, ",\"level\":\"");
	o = put_str(o, pts_level_name(e->level));
	o = put_str(o, "\",\"kind\":\"");
	o = put_str(o, pts_ekind_name(e->kind));
	o = put_str(o, "\"");
	if (e->has_pfn) {
		o = put_str(o, ",\"pfn\":");
		o = put_hex(o, e->pfn);
	}
	o = put_str(o, ",\"flags\":[");
	bool first = true;
	for (unsigned f = 0; f < PTS_F_N; f++)
		if (e->flags & (1u << f)) {
			o = put_str(o, first ? "\"" : ",\"");
			o = put_str(o, pts_eflag_name(f));
			*o++ = '"';
			first = false;
		}
	*o++ = ']';
	if (e->kind == PTS_EK_SWAP) {
		o = put_str(o, ",\"swap\":{\"type\":");
		o = put_dec(o, e->swap_type);
		o = put_str(o, ",\"offset\":");
		o = put_dec(o, e->swap_offset);
		*o++ = '}';
	} else if (e->kind == PTS_EK_MARKER) {
		char m[64];
		pts_marker_text(e->swap_offset, m, sizeof(m));
		o = put_str(o, ",\"marker\":\"");
		o = put_str(o, m);
		*o++ = '"';
	}
	if (e->kind != PTS_EK_PRESENT && e->kind != PTS_EK_TABLE) {
		o = put_str(o, ",\"swap_type\":");
		o = put_dec(o, e->swap_type);
		o = put_str(o, ",\"swap_offset\":");
		o = put_dec(o, e->swap_offset);
	}
	if (w->pages && e->kind == PTS_EK_PRESENT) {
		struct pts_page pg;
		struct pts_error *err = pts_page_read(w->p, e->pfn, &pg);
		if (!err) {
			o = put_str(o, ",\"page\":{\"refcount\":");
			o = put_dec(o, (uint64_t)(int64_t)pg.refcount);
			o = put_str(o, ",\"mapcount\":");
			if (pg.mapcount < 0) {
				*o++ = '-';
				o = put_dec(o, (uint64_t)-(int64_t)pg.mapcount);
			} else {
				o = put_dec(o, (uint64_t)pg.mapcount);
			}
			o = put_str(o, pg.compound ? ",\"compound\":true" : ",\"compound\":false");
			o = put_str(o, pg.head ? ",\"head\":true" : ",\"head\":false");
			/* a hugetlb folio's head, as this kernel marks it */
			o = put_str(o, pg.hugetlb > 0 ? ",\"hugetlb\":true}" : pg.hugetlb == 0 ?
				    ",\"hugetlb\":false}" : ",\"hugetlb\":null}");
		}
		pts_error_destroy(err);
	}
	o = put_str(o, ",\"raw\":");
	o = put_hex(o, e->raw);
	o = put_str(o, ",\"table_pfn\":");
	o = put_hex(o, t->pfn);
	/* entries of hugetlb VMAs: the hstate's page size */
	if (!w->vcur || va < w->vcur->start || va >= w->vcur->end)
		w->vcur = vma_at(w->mm, va);
	if (w->vcur && (w->vcur->flags & PTS_VM_HUGETLB) && w->vcur->huge_size) {
		o = put_str(o, ",\"hstate\":");
		o = put_dec(o, w->vcur->huge_size);
	}
	*o++ = '}';
	json_raw(w->j, w->line, (size_t)(o - w->line));
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

static void json_walk_meta(struct json *j, struct pts_program *p, const struct pts_task *t,
			   const struct pts_mm *mm, const struct pts_arch *a)
{
	json_key(j, "dump"); json_string(j, pts_dump_path(p->dump));
	json_key(j, "pid"); json_int(j, t->pid);
	json_key(j, "comm"); json_string(j, t->comm);
	json_key(j, "mm"); json_hex(j, mm->addr);
	json_key(j, "pgd"); json_hex(j, mm->pgd);
	json_key(j, "paging_levels"); json_int(j, a->levels);
	json_key(j, "swap_types");
	json_begin_object(j);
	json_key(j, "known"); json_bool(j, a->swap_known);
	json_key(j, "derived"); json_bool(j, a->swap_derived);
	json_key(j, "max_swapfiles"); json_int(j, a->max_swapfiles);
	if (!a->swap_known) {
		json_key(j, "why"); json_string(j, a->swap_why);
	} else {
		static const char *const names[] = { "hwpoison", "migration_read",
			"migration_read_exclusive", "migration_write", "device_private_write",
			"device_private_read", "device_exclusive_write", "device_exclusive_read",
			"pte_marker", "swapin_error" };
		const int v[] = { a->t_hwpoison, a->t_mig_read, a->t_mig_rx, a->t_mig_write,
				  a->t_dev_write, a->t_dev_read, a->t_devx_write, a->t_devx_read,
				  a->t_marker, a->t_swapin_error };
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			json_key(j, names[i]);
			if (v[i] >= 0) json_int(j, v[i]); else json_null(j);
		}
	}
	json_end_object(j);
}

static struct pts_error *open_mm(struct pts_program *p, const struct opts *o, struct pts_task *t,
				 struct pts_mm *mm, const struct pts_arch **a)
{
	struct pts_error *err = find_task(p, o, t);
	if (!err)
		err = pts_arch_get(p, a);
	if (!err)
		err = pts_mm_read(p, t, mm);
	return err;
}

/* The text walk's fast path: a run of PTEs to consecutive PFNs. */
static void walk_run_cb(void *arg, uint64_t va, const struct pts_entry *e, const struct pts_table *t,
			unsigned index, unsigned count)
{
	struct walk_out *w = arg;
	walk_entry_cb(arg, va, e, t, index);
	w->nentries += count - 1;
	w->run.count += count - 1;
}

static int cmd_walk(struct pts_program *p, const struct opts *o)
{
	struct pts_task t;
	struct pts_mm mm;
	const struct pts_arch *a;
	struct timespec t0, t1;
	/* PTSCOPE_TIMING: reading the mm and walking it, startup aside */
	struct pts_error *err = pts_dwarf_index(p->dw);
	pts_error_destroy(err);
	err = find_task(p, o, &t);
	if (!err)
		err = pts_arch_get(p, &a);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!err)
		err = pts_mm_read(p, &t, &mm);
	if (err)
		return mm_missing(p, err);
	uint64_t start = o->have_range ? o->range_start : 0;
	uint64_t end = o->have_range ? o->range_end : a->user_end;
	struct walk_out w = { .p = p, .a = a, .mm = &mm, .json = o->json, .pages = o->pages };
	/* Indentation by level, from the root down. */
	for (int l = PTS_PGD, d = 0; l >= PTS_PTE; l = pts_arch_below(a, l))
		w.depth[l] = d++;
	struct json j;
	struct pts_walk_ops ops = { .table = walk_table_cb, .entry = walk_entry_cb,
				    .table_end = walk_table_end_cb,
				    .run = o->json || o->pages ? NULL : walk_run_cb };
	struct pts_walk_result res;
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (o->json) {
		w.j = &j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_walk_meta(&j, p, &t, &mm, a);
		json_key(&j, "entries");
		json_begin_array(&j);
	} else {
		printf("pid %d (%s)  mm %" PRIx64 "  pgd %" PRIx64 "  %d-level paging\n", t.pid,
		       t.comm, mm.addr, mm.pgd, a->levels);
	}
	err = pts_walk(p, mm.pgd, start, end, &ops, &w, &res);
	run_flush(&w);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* For scripts/bench: the walk alone, output included. */
	if (getenv("PTSCOPE_TIMING"))
		fprintf(stderr, "ptscope: timing: walk %.6f s, %" PRIu64 " entries, %" PRIu64 " tables\n",
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
			res.entries, res.tables[0] + res.tables[1] + res.tables[2] + res.tables[3] +
			res.tables[4]);
	if (err) {
		pts_mm_free(&mm);
		free(w.tables.v);
		return fail(pts_error_wrap(err, "%s: pid %d", pts_dump_path(p->dump), t.pid));
	}
	if (o->json) {
		json_end_array(&j);
		json_key(&j, "tables");
		json_begin_array(&j);
		for (size_t i = 0; i < w.tables.n; i++) {
			const struct pts_table *tb = &w.tables.v[i];
			json_begin_object(&j);
			json_key(&j, "level"); json_string(&j, pts_level_name((unsigned)tb->level));
			json_key(&j, "pfn"); json_hex(&j, tb->pfn);
			json_key(&j, "va"); json_hex(&j, tb->va);
			json_key(&j, "used"); json_uint(&j, tb->used);
			json_key(&j, "parent_pfn");
			if (tb->parent_pfn) json_hex(&j, tb->parent_pfn); else json_null(&j);
			json_key(&j, "parent_index"); json_uint(&j, tb->parent_index);
			json_key(&j, "revisit"); json_bool(&j, tb->revisit);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "anomalies");
		json_begin_array(&j);
		for (size_t i = 0; i < res.anomalies.n; i++)
			json_string(&j, res.anomalies.v[i].text);
		json_end_array(&j);
		json_key(&j, "incomplete");
		json_begin_array(&j);
		for (size_t i = 0; i < res.missing.n; i++)
			json_string(&j, res.missing.v[i]);
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("%" PRIu64 " entries covering %" PRIu64 " pages, in %" PRIu64 " pte, %" PRIu64
		       " pmd, %" PRIu64 " pud%s tables\n", res.entries, res.pages, res.tables[PTS_PTE],
		       res.tables[PTS_PMD], res.tables[PTS_PUD], a->levels == 5 ? " and p4d" : "");
	}
	fflush(stdout);
	for (size_t i = 0; i < res.anomalies.n; i++)
		fprintf(stderr, "ptscope: %s: page tables: %s\n", pts_dump_path(p->dump),
			res.anomalies.v[i].text);
	print_notes(p, &res.missing);
	int rc = res.missing.n ? 1 : 0;
	pts_walk_result_free(&res);
	free(w.tables.v);
	pts_mm_free(&mm);
	return rc;
}

static void print_entry_line(const struct pts_entry *e)
{
	char fl[256];
	flags_text(e, fl, sizeof(fl));
	printf("%-16s raw %#018" PRIx64 "  %s", pts_ekind_name(e->kind), e->raw, fl);
	if (e->has_pfn)
		printf("  pfn %#" PRIx64, e->pfn);
	if (e->kind == PTS_EK_SWAP)
		printf("  swap type %u offset %#" PRIx64, e->swap_type, e->swap_offset);
	if (e->kind == PTS_EK_MARKER) {
		char m[64];
		pts_marker_text(e->swap_offset, m, sizeof(m));
		printf("  marker %s", m);
	}
	printf("\n");
}

static struct pts_error *vtop_one(struct pts_program *p, const struct opts *o, struct json *jp,
				  const struct pts_task *tp, const struct pts_mm *mmp,
				  const struct pts_arch *a, uint64_t va)
{
	struct pts_xlate x;
	struct pts_error *err = pts_translate(p, mmp->pgd, va, &x);
	if (err)
		return err;
	const struct pts_task t = *tp;
	const struct pts_mm mm = *mmp;
	const struct pts_vma *v = pts_mm_find_vma(&mm, va);
	if (o->json) {
		struct json j = *jp;
		json_begin_object(&j);
		json_walk_meta(&j, p, &t, &mm, a);
		json_key(&j, "va"); json_hex(&j, va);
		json_key(&j, "steps"); json_begin_array(&j);
		for (int i = 0; i < x.nsteps; i++) {
			const struct pts_xlate_step *s = &x.step[i];
			json_begin_object(&j);
			json_key(&j, "level"); json_string(&j, pts_level_name((unsigned)s->level));
			json_key(&j, "table_pfn"); json_hex(&j, s->table_pfn);
			json_key(&j, "index"); json_uint(&j, s->index);
			json_key(&j, "entry_pa"); json_hex(&j, s->entry_pa);
			uint64_t tpage;
			struct pts_error *e2 = pts_page_addr(p, s->table_pfn, &tpage);
			json_key(&j, "table_page"); if (e2) json_null(&j); else json_hex(&j, tpage);
			pts_error_destroy(e2);
			json_key(&j, "raw"); json_hex(&j, s->e.raw);
			json_key(&j, "kind"); json_string(&j, pts_ekind_name(s->e.kind));
			json_key(&j, "pfn"); if (s->e.has_pfn) json_hex(&j, s->e.pfn); else json_null(&j);
			json_key(&j, "flags"); json_begin_array(&j);
			for (unsigned f = 0; f < PTS_F_N; f++)
				if (s->e.flags & (1u << f))
					json_string(&j, pts_eflag_name(f));
			json_end_array(&j);
			if (s->e.kind == PTS_EK_SWAP) {
				json_key(&j, "swap"); json_begin_object(&j);
				json_key(&j, "type"); json_uint(&j, s->e.swap_type);
				json_key(&j, "offset"); json_uint(&j, s->e.swap_offset);
				json_end_object(&j);
			}
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "mapped"); json_bool(&j, x.mapped);
		json_key(&j, "page");
		struct pts_page pg;
		struct pts_error *e3 = x.mapped ? pts_page_read(p, x.pa >> 12, &pg) : NULL;
		if (x.mapped && !e3) {
			json_begin_object(&j);
			json_key(&j, "pfn"); json_hex(&j, pg.pfn);
			json_key(&j, "struct_page"); json_hex(&j, pg.addr);
			json_key(&j, "flags"); json_hex(&j, pg.flags);
			json_key(&j, "refcount"); json_int(&j, pg.refcount);
			json_key(&j, "mapcount_or_type"); json_hex(&j, pg.page_type);
			json_end_object(&j);
		} else {
			json_null(&j);
		}
		json_key(&j, "page_note"); json_string(&j, e3 ? pts_error_text(e3) : NULL);
		pts_error_destroy(e3);
		json_key(&j, "pa"); if (x.mapped) json_hex(&j, x.pa); else json_null(&j);
		json_key(&j, "page_size");
		json_uint(&j, pts_level_size(a, x.step[x.nsteps - 1].level));
		json_key(&j, "vma");
		if (v) {
			char perms[5];
			pts_vma_perms(v, perms);
			json_begin_object(&j);
			json_key(&j, "start"); json_hex(&j, v->start);
			json_key(&j, "end"); json_hex(&j, v->end);
			json_key(&j, "perms"); json_string(&j, perms);
			json_key(&j, "name"); json_string(&j, v->name);
			json_key(&j, "vma"); json_hex(&j, v->addr);
			json_end_object(&j);
		} else {
			json_null(&j);
		}
		json_end_object(&j);
		*jp = j;
	} else {
		printf("pid %d (%s)  va %#" PRIx64 "\n", t.pid, t.comm, va);
		for (int i = 0; i < x.nsteps; i++) {
			const struct pts_xlate_step *s = &x.step[i];
			printf("  %s[%3u]  table pfn %#-10" PRIx64 " entry at %#-14" PRIx64 " ",
			       pts_level_name((unsigned)s->level), s->index, s->table_pfn, s->entry_pa);
			print_entry_line(&s->e);
		}
		if (x.mapped) {
			printf("  physical %#" PRIx64 " (%" PRIu64 " KiB page, pfn %#" PRIx64 ")\n", x.pa,
			       pts_level_size(a, x.step[x.nsteps - 1].level) >> 10, x.pa >> 12);
			struct pts_page pg;
			struct pts_error *e3 = pts_page_read(p, x.pa >> 12, &pg);
			if (e3)
				printf("  page: %s\n", pts_error_text(e3));
			else
				printf("  page %#" PRIx64 "  flags %#" PRIx64 "  refcount %d  "
				       "_mapcount/page_type %#x\n", pg.addr, pg.flags, pg.refcount,
				       pg.page_type);
			pts_error_destroy(e3);
		} else
			printf("  not mapped to a page\n");
		if (v) {
			char perms[5];
			pts_vma_perms(v, perms);
			printf("  vma %#" PRIx64 "-%#" PRIx64 " %s %s  (vm_area_struct %" PRIx64 ")\n",
			       v->start, v->end, perms, v->name ? v->name : "", v->addr);
		} else {
			printf("  in no VMA\n");
		}
	}
	return NULL;
}

static int cmd_vtop(struct pts_program *p, const struct opts *o)
{
	if (!o->naddrs)
		return fail(pts_error(PTS_ERR_USAGE, "vtop needs an address: vtop -p PID DUMP ADDR"));
	uint64_t *va = xcalloc((size_t)o->naddrs, sizeof(*va));
	for (int i = 0; i < o->naddrs; i++) {
		char *end;
		va[i] = strtoull(o->addrs[i], &end, 16);
		if (*end || !*o->addrs[i]) {
			free(va);
			return fail(pts_error(PTS_ERR_USAGE, "%s: not a hexadecimal address",
					      o->addrs[i]));
		}
	}
	struct pts_task t;
	struct pts_mm mm;
	const struct pts_arch *a;
	struct pts_error *err = open_mm(p, o, &t, &mm, &a);
	if (err) {
		free(va);
		return mm_missing(p, err);
	}
	struct json j;
	json_init(&j, stdout);
	/* several addresses: one object each, in an array */
	if (o->json && o->naddrs > 1)
		json_begin_array(&j);
	for (int i = 0; i < o->naddrs && !err; i++)
		err = vtop_one(p, o, &j, &t, &mm, a, va[i]);
	if (o->json && o->naddrs > 1)
		json_end_array(&j);
	if (o->json && !err)
		json_finish(&j);
	pts_mm_free(&mm);
	free(va);
	if (err)
		return fail(pts_error_wrap(err, "%s: pid %d", pts_dump_path(p->dump), t.pid));
	return 0;
}

/* The runner's results in task order, as check has always merged them:
 * a process the dump lacks (or any, with --all) is a note, another error
 * stops the command. */
struct check_run {
	struct pts_findings *f;
	bool all;
	struct pts_error *err;
};

static bool check_done(void *arg, size_t i, struct pts_sweep_result *r)
{
	(void)i;
	struct check_run *c = arg;
	pts_findings_take(c->f, &r->f);
	if (r->err && (r->err->code == PTS_ERR_NODATA || c->all)) {
		pts_notes_add(&c->f->missing, "pid %d (%s): not checked: %s", r->t->pid, r->t->comm,
			      pts_error_text(r->err));
		return true;
	}
	if (r->err) {
		c->err = r->err;
		r->err = NULL;
		return false;
	}
	return true;
}

static int cmd_check(struct pts_program *p, const struct opts *o)
{
	struct pts_task_list l;
	struct pts_findings f = { 0 };
	struct pts_error *err = pts_tasks(p, false, &l);
	if (err)
		return fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	if (!o->all && !o->have_pid) {
		pts_task_list_free(&l);
		return fail(pts_error(PTS_ERR_USAGE, "check: give -p PID or --all"));
	}
	const struct pts_task **sel;
	size_t nsel;
	pts_sweep_select(&l, o->have_pid ? o->pid : -1, &sel, &nsel);
	bool found = nsel > 0;
	struct check_run cr = { &f, o->all, NULL };
	struct pts_sweep_opts so = { .jobs = o->jobs, .done = check_done, .arg = &cr };
	/* one pass: D4's reverse index from the checks' own walks */
	struct pts_rmap_index ri = { 0 };
	struct pts_ptl_feeds fs;
	if (!o->have_pid)
		pts_sweep_want_rmap(p, &so, &ri, &l.notes);
	pts_sweep_want_ptl(p, &so, &fs);
	pts_sweep_checks(p, sel, nsel, &so);
	free(sel);
	err = cr.err;
	if (so.rmap)
		f.rmap = &ri;
	f.ptl = so.ptl;
	if (!err && found)
		err = pts_check_dump(p, o->have_pid ? o->pid : -1, &f);
	f.rmap = NULL;
	f.ptl = NULL;
	pts_rmap_index_free(&ri);
	pts_ptl_feeds_free(&fs);
	for (size_t i = 0; i < l.notes.n; i++)
		pts_notes_add(&f.missing, "%s", l.notes.v[i]);
	pts_task_list_free(&l);
	if (!err && !found)
		err = pts_error(PTS_ERR_USAGE, "no pid %d in the dump", o->pid);
	if (err) {
		pts_findings_free(&f);
		return fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	}
	size_t nchecks;
	const struct pts_check_info *ci = pts_check_list(&nchecks);
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "dump"); json_string(&j, pts_dump_path(p->dump));
		json_key(&j, "address_spaces_checked"); json_uint(&j, f.tasks_checked);
		json_key(&j, "checks"); json_begin_array(&j);
		for (size_t i = 0; i < nchecks; i++) {
			const char *why;
			bool ap = pts_check_applies(p, i, &why);
			json_begin_object(&j);
			json_key(&j, "id"); json_string(&j, ci[i].id);
			json_key(&j, "title"); json_string(&j, ci[i].title);
			json_key(&j, "severity"); json_string(&j, pts_severity_name(ci[i].severity));
			json_key(&j, "rule"); json_string(&j, ci[i].rule);
			json_key(&j, "source"); json_string(&j, ci[i].source);
			json_key(&j, "kernels"); json_string(&j, ci[i].kernels);
			json_key(&j, "applies"); json_bool(&j, ap);
			json_key(&j, "why_not"); json_string(&j, ap ? NULL : why);
			json_end_object(&j);
		}
		/* the plugins' checks, which say themselves where they apply */
		for (size_t i = 0; i < pts_plugin_nchecks(); i++) {
			const char *plugin;
			const struct pts_check_info *pc = pts_plugin_check(i, &plugin);
			json_begin_object(&j);
			json_key(&j, "id"); json_string(&j, pc->id);
			json_key(&j, "title"); json_string(&j, pc->title);
			json_key(&j, "severity"); json_string(&j, pts_severity_name(pc->severity));
			json_key(&j, "rule"); json_string(&j, pc->rule);
			json_key(&j, "source"); json_string(&j, pc->source);
			json_key(&j, "kernels"); json_string(&j, pc->kernels);
			json_key(&j, "applies"); json_bool(&j, true);
			json_key(&j, "why_not"); json_string(&j, NULL);
			json_key(&j, "plugin"); json_string(&j, plugin);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "findings"); json_begin_array(&j);
		for (size_t i = 0; i < f.v.n; i++) {
			const struct pts_finding *x = &f.v.v[i];
			json_begin_object(&j);
			json_key(&j, "check"); json_string(&j, x->check->id);
			json_key(&j, "severity"); json_string(&j, pts_severity_name(x->check->severity));
			json_key(&j, "pid"); json_int(&j, x->pid);
			json_key(&j, "comm"); json_string(&j, x->comm);
			json_key(&j, "object"); json_string(&j, x->object);
			json_key(&j, "address"); json_hex(&j, x->addr);
			json_key(&j, "va"); if (x->has_va) json_hex(&j, x->va); else json_null(&j);
			json_key(&j, "evidence"); json_string(&j, x->evidence);
			json_key(&j, "live");
			if (x->live_passes) {
				json_begin_object(&j);
				json_key(&j, "seen"); json_uint(&j, x->live_seen);
				json_key(&j, "reads"); json_uint(&j, x->live_passes);
				json_key(&j, "mmap_lock_write_held"); json_bool(&j, x->live_busy);
				json_key(&j, "text"); json_string(&j, pts_finding_live_text(x));
				json_end_object(&j);
			} else {
				json_null(&j);
			}
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "incomplete"); json_begin_array(&j);
		for (size_t i = 0; i < f.missing.n; i++)
			json_string(&j, f.missing.v[i]);
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		for (size_t i = 0; i < f.v.n; i++) {
			const struct pts_finding *x = &f.v.v[i];
			const char *lv = pts_finding_live_text(x);
			printf("%-7s %-9s pid %d (%s) %s %#" PRIx64 ": %s%s%s%s\n",
			       pts_severity_name(x->check->severity), x->check->id, x->pid, x->comm,
			       x->object, x->addr, x->evidence, lv ? " [" : "", lv ? lv : "", lv ? "]" : "");
		}
		printf("%zu finding%s in %zu address space%s\n", f.v.n, f.v.n == 1 ? "" : "s",
		       f.tasks_checked, f.tasks_checked == 1 ? "" : "s");
	}
	print_notes(p, &f.missing);
	int rc = f.v.n || f.missing.n ? 1 : 0;
	pts_findings_free(&f);
	return rc;
}

/* offsetof DUMP TYPE MEMBER: a layout question answered from the debug
 * info of the dump's kernel (for scripts and for building test patches). */
static int cmd_offsetof(struct pts_program *p, const struct opts *o)
{
	struct pts_member m;
	struct pts_error *err = pts_dwarf_member(p->dw, o->arg, o->arg2, &m);
	if (err)
		return fail(err);
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "type"); json_string(&j, o->arg);
		json_key(&j, "member"); json_string(&j, o->arg2);
		json_key(&j, "offset"); json_uint(&j, m.offset);
		json_key(&j, "size"); json_uint(&j, m.size);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("%" PRIu64 " %" PRIu64 "\n", m.offset, m.size);
	}
	return 0;
}

/* Lock states for the faces: the tasks named, the hint told as a hint. */
static void task_label(struct pts_program *p, uint64_t task, char *buf, size_t n)
{
	struct pts_task t;
	struct pts_error *err = pts_task_read(p, task, &t);
	if (err)
		snprintf(buf, n, "task %#" PRIx64 " (not readable)", task);
	else
		snprintf(buf, n, "pid %d (%s)", t.pid, t.comm);
	pts_error_destroy(err);
}

static void json_task(struct json *j, struct pts_program *p, uint64_t task)
{
	struct pts_task t;
	struct pts_error *err = pts_task_read(p, task, &t);
	json_key(j, "task"); json_hex(j, task);
	json_key(j, "pid");
	if (err) json_null(j); else json_int(j, t.pid);
	json_key(j, "tgid");
	if (err) json_null(j); else json_int(j, t.tgid);
	json_key(j, "comm"); json_string(j, err ? NULL : t.comm);
	pts_error_destroy(err);
}

static void json_lock(struct json *j, struct pts_program *p, const struct pts_lock_state *s)
{
	char buf[64];
	json_begin_object(j);
	json_key(j, "kind"); json_string(j, pts_lock_kind_name(s->kind));
	json_key(j, "addr"); json_hex(j, s->addr);
	json_key(j, "state"); json_string(j, pts_lock_summary(s, buf, sizeof(buf)));
	json_key(j, "decoded"); json_bool(j, s->decoded);
	if (!s->decoded) {
		json_key(j, "why"); json_string(j, s->why);
		json_end_object(j);
		return;
	}
	json_key(j, "held"); json_bool(j, s->held);
	json_key(j, "mode");
	json_string(j, !s->held ? NULL : s->write ? "write" : "read");
	json_key(j, "raw"); json_hex(j, s->raw);
	if (s->kind == PTS_LOCK_RWSEM) {
		json_key(j, "readers"); json_uint(j, s->readers);
		json_key(j, "owner_raw"); json_hex(j, s->owner_raw);
	}
	json_key(j, "owner");
	if (s->owner) {
		json_begin_object(j);
		json_task(j, p, s->owner);
		/* exact: the kernel records this task as the holder; else the
		 * last reader the rwsem saw, which may have released it */
		json_key(j, "exact"); json_bool(j, s->owner_exact);
		json_end_object(j);
	} else {
		json_null(j);
	}
	json_key(j, "flags"); json_begin_array(j);
	if (s->flag_waiters) json_string(j, "waiters");
	if (s->flag_handoff) json_string(j, "handoff");
	if (s->flag_readfail) json_string(j, "readfail");
	if (s->flag_pickup) json_string(j, "pickup");
	if (s->reader_owned) json_string(j, "reader_owned");
	if (s->nonspinnable) json_string(j, "nonspinnable");
	if (s->pending) json_string(j, "pending");
	json_end_array(j);
	if (s->kind == PTS_LOCK_SPIN) {
		json_key(j, "queue_tail_cpu");
		if (s->tail_cpu >= 0) json_int(j, s->tail_cpu); else json_null(j);
	}
	json_key(j, "waiters"); json_begin_array(j);
	for (size_t i = 0; i < s->waiters.n; i++) {
		json_begin_object(j);
		json_task(j, p, s->waiters.v[i].task);
		json_key(j, "mode"); json_string(j, s->waiters.v[i].write ? "write" : "read");
		json_end_object(j);
	}
	json_end_array(j);
	json_key(j, "waiters_complete"); json_bool(j, !s->waiters_partial);
	json_end_object(j);
}

/* "write-locked by pid 3 (x); waiters: pid 4 (y) write" */
static void print_lock(struct pts_program *p, const struct pts_lock_state *s)
{
	char buf[96];
	printf("%s", pts_lock_summary(s, buf, sizeof(buf)));
	if (!s->decoded) {
		if (s->why && s->readable)
			printf(": %s", s->why);
		return;
	}
	if (s->owner) {
		task_label(p, s->owner, buf, sizeof(buf));
		printf(s->owner_exact ? " by %s" : ", last reader %s (a hint: it may have released it)",
		       buf);
	} else if (s->held && s->kind == PTS_LOCK_SPIN) {
		printf(" (a spinlock records no owner)");
	}
	if (s->waiters.n) {
		printf("; waiters:");
		for (size_t i = 0; i < s->waiters.n; i++) {
			task_label(p, s->waiters.v[i].task, buf, sizeof(buf));
			printf(" %s %s%s", buf, s->waiters.v[i].write ? "write" : "read",
			       i + 1 < s->waiters.n ? "," : "");
		}
	}
	if (s->waiters_partial)
		printf(" (wait list not all readable)");
}

static void json_hgm(struct json *j, const struct pts_hgm *g)
{
	json_begin_object(j);
	json_key(j, "va"); json_hex(j, g->va);
	json_key(j, "level"); json_string(j, pts_level_name((unsigned)g->level));
	json_key(j, "table_pfn"); json_hex(j, g->table_pfn);
	json_key(j, "pieces"); json_uint(j, g->pieces);
	json_key(j, "present"); json_uint(j, g->present);
	json_key(j, "pages"); json_uint(j, g->pages);
	json_key(j, "first_pfn");
	if (g->present) json_hex(j, g->first_pfn); else json_null(j);
	json_key(j, "last_pfn");
	if (g->present) json_hex(j, g->last_pfn); else json_null(j);
	json_key(j, "folio_pfn");
	if (g->head_pfn) json_hex(j, g->head_pfn); else json_null(j);
	json_key(j, "one_folio"); json_bool(j, g->present && g->one_folio);
	json_key(j, "contiguous"); json_bool(j, g->present && g->contiguous);
	json_end_object(j);
}

static int cmd_hugetlb(struct pts_program *p, const struct opts *o)
{
	struct pts_hugetlb h;
	struct timespec t0, t1;
	/* the debug-info index is startup, not the scan */
	struct pts_error *ie = pts_dwarf_index(p->dw);
	pts_error_destroy(ie);
	/* the task list too, as walk reads it before its clock starts */
	struct pts_task_list tl;
	struct pts_error *err = pts_tasks(p, false, &tl);
	if (err)
		return fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = pts_hugetlb_scan(p, o->have_pid ? o->pid : -1, &tl, &h);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pts_task_list_free(&tl);
	if (err)
		return fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	if (getenv("PTSCOPE_TIMING"))
		fprintf(stderr, "ptscope: timing: hugetlb %.6f s, %zu VMAs, %zu tables\n",
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
			h.vmas.n, h.tables.n);
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "dump"); json_string(&j, pts_dump_path(p->dump));
		json_key(&j, "share_count_source"); json_string(&j, h.count_source);
		/* struct hugetlb_vma_lock (v6.1); resv_map's rw_sema came with it */
		json_key(&j, "kernel_has_vma_lock"); json_bool(&j, h.have_vma_lock);
		json_key(&j, "hstates"); json_begin_array(&j);
		for (size_t i = 0; i < h.hstates.n; i++) {
			const struct pts_hstate *x = &h.hstates.v[i];
			json_begin_object(&j);
			json_key(&j, "name"); json_string(&j, x->name);
			json_key(&j, "page_size"); json_uint(&j, x->page_size);
			json_key(&j, "nr_huge_pages"); json_uint(&j, x->nr);
			json_key(&j, "free_huge_pages"); json_uint(&j, x->free);
			json_key(&j, "resv_huge_pages"); json_uint(&j, x->resv);
			json_key(&j, "surplus_huge_pages"); json_uint(&j, x->surplus);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "vmas"); json_begin_array(&j);
		for (size_t i = 0; i < h.vmas.n; i++) {
			const struct pts_hvma *hv = &h.vmas.v[i];
			char perms[5];
			pts_vma_perms(&hv->v, perms);
			json_begin_object(&j);
			json_key(&j, "pid"); json_int(&j, hv->pid);
			json_key(&j, "comm"); json_string(&j, hv->comm);
			json_key(&j, "mm"); json_hex(&j, hv->mm);
			json_key(&j, "vma"); json_hex(&j, hv->v.addr);
			json_key(&j, "start"); json_hex(&j, hv->v.start);
			json_key(&j, "end"); json_hex(&j, hv->v.end);
			json_key(&j, "perms"); json_string(&j, perms);
			json_key(&j, "name"); json_string(&j, hv->v.name);
			json_key(&j, "page_size");
			if (hv->v.huge_size) json_uint(&j, hv->v.huge_size); else json_null(&j);
			json_key(&j, "mapping"); json_hex(&j, hv->v.mapping);
			json_key(&j, "vma_lock");
			if (hv->have_lock) {
				json_begin_object(&j);
				json_key(&j, "lock"); json_hex(&j, hv->lock);
				json_key(&j, "vma"); json_hex(&j, hv->lock_vma);
				json_key(&j, "refs"); json_int(&j, hv->lock_refs);
				json_key(&j, "rw_sema"); json_lock(&j, p, &hv->sema_state);
				json_end_object(&j);
			} else {
				json_null(&j);
			}
			json_key(&j, "resv_map");
			if (hv->resv_map) json_hex(&j, hv->resv_map); else json_null(&j);
			json_key(&j, "resv_owner"); json_bool(&j, hv->resv_flags & 1);
			json_key(&j, "resv_unmapped"); json_bool(&j, hv->resv_flags & 2);
			json_key(&j, "resv_rw_sema");
			if (hv->resv_map && hv->have_sema) json_lock(&j, p, &hv->sema_state);
			else json_null(&j);
			json_key(&j, "hgm"); json_begin_array(&j);
			for (size_t k = 0; k < hv->hgm.n; k++)
				json_hgm(&j, &hv->hgm.v[k]);
			json_end_array(&j);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "pmd_tables"); json_begin_array(&j);
		for (size_t i = 0; i < h.tables.n; i++) {
			const struct pts_htable *t = &h.tables.v[i];
			json_begin_object(&j);
			json_key(&j, "pfn"); json_hex(&j, t->pfn);
			json_key(&j, "mapping"); json_hex(&j, t->mapping);
			json_key(&j, "shared"); json_bool(&j, t->sharers.n > 1);
			json_key(&j, "sharers_incomplete"); json_bool(&j, t->incomplete);
			json_key(&j, "count");
			if (t->count_known) json_int(&j, t->count); else json_null(&j);
			json_key(&j, "count_expected"); json_int(&j, t->expected);
			json_key(&j, "leaves"); json_uint(&j, t->leaves);
			json_key(&j, "foreign_leaves"); json_uint(&j, t->foreign);
			json_key(&j, "lock");
			if (t->have_ptl) json_lock(&j, p, &t->ptl_state); else json_null(&j);
			json_key(&j, "sharers"); json_begin_array(&j);
			for (size_t k = 0; k < t->sharers.n; k++) {
				const struct pts_hsharer *x = &t->sharers.v[k];
				json_begin_object(&j);
				json_key(&j, "pid"); json_int(&j, x->pid);
				json_key(&j, "comm"); json_string(&j, x->comm);
				json_key(&j, "mm"); json_hex(&j, x->mm);
				json_key(&j, "vma"); json_hex(&j, x->vma);
				json_key(&j, "va"); json_hex(&j, x->va);
				json_key(&j, "covers_pud_range"); json_bool(&j, x->covers);
				json_end_object(&j);
			}
			json_end_array(&j);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "incomplete"); json_begin_array(&j);
		for (size_t i = 0; i < h.missing.n; i++)
			json_string(&j, h.missing.v[i]);
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		for (size_t i = 0; i < h.hstates.n; i++) {
			const struct pts_hstate *x = &h.hstates.v[i];
			printf("hstate %-20s %7" PRIu64 "K: %" PRIu64 " pages, %" PRIu64 " free, %" PRIu64
			       " reserved, %" PRIu64 " surplus\n", x->name, x->page_size >> 10, x->nr, x->free,
			       x->resv, x->surplus);
		}
		printf("hugetlb VMAs (share counts from %s):\n", h.count_source);
		for (size_t i = 0; i < h.vmas.n; i++) {
			const struct pts_hvma *hv = &h.vmas.v[i];
			char perms[5];
			pts_vma_perms(&hv->v, perms);
			printf("  pid %-6d %-15s %#" PRIx64 "-%#" PRIx64 " %s %5" PRIu64 "K  %s", hv->pid,
			       hv->comm, hv->v.start, hv->v.end, perms, hv->v.huge_size >> 10,
			       hv->v.name ? hv->v.name : "?");
			if (hv->have_lock)
				printf("  vma_lock %#" PRIx64 " (vma %#" PRIx64 ", refs %d)", hv->lock,
				       hv->lock_vma, hv->lock_refs);
			if (hv->resv_map)
				printf("  resv_map %#" PRIx64 "%s", hv->resv_map,
				       hv->resv_flags & 1 ? " (owner)" : "");
			printf("\n");
			if (hv->have_sema && (hv->sema_state.held || hv->sema_state.waiters.n ||
					      !hv->sema_state.decoded)) {
				printf("      rw_sema %#" PRIx64 ": ", hv->sema);
				print_lock(p, &hv->sema_state);
				printf("\n");
			}
			for (size_t k = 0; k < hv->hgm.n; k++) {
				const struct pts_hgm *g = &hv->hgm.v[k];
				printf("      high-granularity: %#" PRIx64 "-%#" PRIx64 " mapped by %u %s "
				       "entries (%u present, %" PRIu64 " pages", g->va, g->va + hv->v.huge_size,
				       g->pieces, pts_level_name((unsigned)g->level), g->present, g->pages);
				if (g->present)
					printf(", pfn %#" PRIx64 "-%#" PRIx64 ", %s, %s", g->first_pfn,
					       g->last_pfn, g->head_pfn && g->one_folio ?
					       "one hugetlb folio" : "not one hugetlb folio",
					       g->contiguous ? "each piece at its offset" : "not in order");
				printf(") in table %#" PRIx64 "\n", g->table_pfn);
			}
		}
		size_t shared = 0;
		for (size_t i = 0; i < h.tables.n; i++) {
			const struct pts_htable *t = &h.tables.v[i];
			if (t->sharers.n < 2)
				continue;
			shared++;
			printf("shared pmd table pfn %#" PRIx64 ": %zu sharers, kernel count %" PRId64
			       " (%s, expected %" PRId64 ")\n", t->pfn, t->sharers.n, t->count,
			       h.count_source, t->expected);
			if (t->have_ptl) {
				printf("  lock %#" PRIx64 " (the table's split lock, all sharers'): ", t->ptl);
				print_lock(p, &t->ptl_state);
				printf("\n");
			}
			for (size_t k = 0; k < t->sharers.n; k++) {
				const struct pts_hsharer *x = &t->sharers.v[k];
				printf("  pid %-6d %-15s mm %" PRIx64 "  vma %" PRIx64 "  at %#" PRIx64 "\n",
				       x->pid, x->comm, x->mm, x->vma, x->va);
			}
		}
		printf("%zu hugetlb VMAs, %zu PMD tables, %zu shared\n", h.vmas.n, h.tables.n, shared);
	}
	print_notes(p, &h.missing);
	int rc = h.missing.n ? 1 : 0;
	pts_hugetlb_free(&h);
	return rc;
}

static void json_holder(struct json *j, const struct pts_holder *h)
{
	json_begin_object(j);
	json_key(j, "task"); json_hex(j, h->task);
	json_key(j, "pid"); if (h->pid) json_int(j, h->pid); else json_null(j);
	json_key(j, "tgid"); if (h->tgid) json_int(j, h->tgid); else json_null(j);
	json_key(j, "comm"); json_string(j, h->pid ? h->comm : NULL);
	json_key(j, "how"); json_string(j, pts_holder_how_name(h->how));
	json_key(j, "exact"); json_bool(j, h->how == PTS_HOLD_EXACT);
	json_end_object(j);
}

/* all: every holder; else only the guessed ones (print_lock has told
 * the owner the lock records) */
static void print_holders(const struct pts_lock *k, bool all)
{
	bool first = true;
	for (size_t i = 0; i < k->holders.n; i++) {
		const struct pts_holder *h = &k->holders.v[i];
		if (!all && h->how != PTS_HOLD_STACK)
			continue;
		printf("%s pid %d (%s)%s", first ? (all ? " held by" : "; maybe held by") : ",",
		       h->pid, h->comm, h->how == PTS_HOLD_EXACT ? "" : h->how == PTS_HOLD_HINT ?
		       " [last reader: a hint]" : " [lock address on its stack: a guess]");
		first = false;
	}
}

/* Whether the lock or blocked task concerns the chosen process. */
static bool lock_shown(const struct opts *o, const struct pts_lock *k)
{
	if (o->have_pid && !pts_lock_of_pid(k, o->pid)) {
		for (size_t i = 0; i < k->holders.n; i++)
			if (k->holders.v[i].tgid == o->pid)
				return k->interesting || o->free_locks;
		return false;
	}
	return k->interesting || o->free_locks;
}

static int cmd_locks(struct pts_program *p, const struct opts *o)
{
	struct pts_locks L;
	struct timespec t0, t1;
	struct pts_error *ie = pts_dwarf_index(p->dw);
	pts_error_destroy(ie);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct pts_error *err = pts_locks_scan(p, &L);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err)
		return fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	if (getenv("PTSCOPE_TIMING"))
		fprintf(stderr, "ptscope: timing: locks %.6f s, %zu locks kept, %" PRIu64
			" stacks scanned\n", (double)(t1.tv_sec - t0.tv_sec) +
			(double)(t1.tv_nsec - t0.tv_nsec) / 1e9, L.locks.n, L.stacks_scanned);
	if (o->have_pid) {
		bool found = false;
		for (size_t i = 0; i < L.locks.n && !found; i++)
			found = pts_lock_of_pid(&L.locks.v[i], o->pid);
		if (!found) {
			pts_locks_free(&L);
			return fail(pts_error(PTS_ERR_LOOKUP, "%s: no process with pid %d and an mm",
					      pts_dump_path(p->dump), o->pid));
		}
	}
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "dump"); json_string(&j, pts_dump_path(p->dump));
		json_key(&j, "examined"); json_begin_object(&j);
		for (int c = 0; c < PTS_LC_N; c++) {
			json_key(&j, pts_lock_class_name(c));
			json_uint(&j, L.examined[c]);
		}
		json_end_object(&j);
		json_key(&j, "task_blocker"); json_bool(&j, L.have_blocker);
		json_key(&j, "not_decodable"); json_begin_array(&j);
		for (int kd = 0; kd < 3; kd++) {
			if (!L.undecodable[kd])
				continue;
			json_begin_object(&j);
			json_key(&j, "kind"); json_string(&j, pts_lock_kind_name(kd));
			json_key(&j, "locks"); json_uint(&j, L.undecodable[kd]);
			json_key(&j, "why"); json_string(&j, L.undecodable_why[kd]);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "locks"); json_begin_array(&j);
		for (size_t i = 0; i < L.locks.n; i++) {
			const struct pts_lock *k = &L.locks.v[i];
			if (!lock_shown(o, k))
				continue;
			json_begin_object(&j);
			json_key(&j, "class"); json_string(&j, pts_lock_class_name(k->cls));
			json_key(&j, "guards"); json_string(&j, k->what);
			json_key(&j, "object"); json_hex(&j, k->obj);
			json_key(&j, "pids"); json_begin_array(&j);
			for (size_t x = 0; x < k->pids.n; x++)
				if (k->pids.v[x]) json_int(&j, k->pids.v[x]);
			json_end_array(&j);
			if (k->cls == PTS_LC_VMA) {
				json_key(&j, "vma_write_locked"); json_bool(&j, k->vma_write_locked);
				json_key(&j, "vm_refcnt"); json_bool(&j, k->vma_refcnt);
			}
			json_key(&j, "lock"); json_lock(&j, p, &k->st);
			json_key(&j, "holders"); json_begin_array(&j);
			for (size_t h = 0; h < k->holders.n; h++)
				json_holder(&j, &k->holders.v[h]);
			json_end_array(&j);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "blocked"); json_begin_array(&j);
		for (size_t i = 0; i < L.blocked.n; i++) {
			const struct pts_blocked *b = &L.blocked.v[i];
			const struct pts_lock *k = &L.locks.v[b->lock];
			json_begin_object(&j);
			json_key(&j, "task"); json_hex(&j, b->task);
			json_key(&j, "pid"); json_int(&j, b->pid);
			json_key(&j, "tgid"); json_int(&j, b->tgid);
			json_key(&j, "comm"); json_string(&j, b->comm);
			json_key(&j, "state"); json_string(&j, (char[]){ b->state ? b->state : '?', 0 });
			json_key(&j, "waits_for"); json_hex(&j, k->st.addr);
			json_key(&j, "class"); json_string(&j, pts_lock_class_name(k->cls));
			json_key(&j, "guards"); json_string(&j, k->what);
			json_key(&j, "mode"); json_string(&j, b->write ? "write" : "read");
			json_key(&j, "found_by"); json_string(&j, b->found_by);
			json_key(&j, "holders"); json_begin_array(&j);
			for (size_t h = 0; h < k->holders.n; h++)
				json_holder(&j, &k->holders.v[h]);
			json_end_array(&j);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "deadlocks"); json_begin_array(&j);
		for (size_t i = 0; i < L.cycles.n; i++) {
			const struct pts_lock_cycle *c = &L.cycles.v[i];
			json_begin_object(&j);
			json_key(&j, "exact"); json_bool(&j, c->exact);
			json_key(&j, "cycle"); json_begin_array(&j);
			for (size_t x = 0; x < c->blocked.n; x++) {
				const struct pts_blocked *b = &L.blocked.v[c->blocked.v[x]];
				json_begin_object(&j);
				json_key(&j, "pid"); json_int(&j, b->pid);
				json_key(&j, "comm"); json_string(&j, b->comm);
				json_key(&j, "waits_for"); json_hex(&j, L.locks.v[b->lock].st.addr);
				json_key(&j, "class"); json_string(&j, pts_lock_class_name(L.locks.v[b->lock].cls));
				json_end_object(&j);
			}
			json_end_array(&j);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "lock_order"); json_begin_array(&j);
		for (size_t i = 0; i < L.order.n; i++) {
			const struct pts_lock_order *x = &L.order.v[i];
			const struct pts_blocked *b = &L.blocked.v[x->blocked];
			json_begin_object(&j);
			json_key(&j, "pid"); json_int(&j, b->pid);
			json_key(&j, "comm"); json_string(&j, b->comm);
			json_key(&j, "waits_for"); json_hex(&j, L.locks.v[b->lock].st.addr);
			json_key(&j, "waits_for_class"); json_string(&j, pts_lock_class_name(L.locks.v[b->lock].cls));
			json_key(&j, "holds"); json_hex(&j, L.locks.v[x->held].st.addr);
			json_key(&j, "holds_class"); json_string(&j, pts_lock_class_name(L.locks.v[x->held].cls));
			json_key(&j, "rule"); json_string(&j, x->rule);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "incomplete"); json_begin_array(&j);
		for (size_t i = 0; i < L.missing.n; i++)
			json_string(&j, L.missing.v[i]);
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		size_t shown = 0, total = 0;
		for (int c = 0; c < PTS_LC_N; c++)
			total += L.examined[c];
		for (size_t i = 0; i < L.locks.n; i++) {
			const struct pts_lock *k = &L.locks.v[i];
			if (!lock_shown(o, k))
				continue;
			shown++;
			printf("%-19s %#" PRIx64 "  %s\n    ", pts_lock_class_name(k->cls), k->st.addr, k->what);
			if (k->cls == PTS_LC_VMA && k->vma_write_locked)
				printf("write-locked (vm_lock_seq == mm_lock_seq)");
			else if (k->cls == PTS_LC_VMA && k->vma_refcnt)
				printf("%u reader%s%s", k->vma_readers, k->vma_readers == 1 ? "" : "s",
				       k->vma_writer_waiting ? ", a writer waits" : "");
			else
				print_lock(p, &k->st);
			print_holders(k, k->cls == PTS_LC_VMA && (k->vma_write_locked || k->vma_refcnt));
			printf("\n");
		}
		printf("%zu of %zu locks shown (%s)\n", shown, total, o->free_locks ? "all" :
		       "held, waited for, or not decoded; --free for the rest");
		for (int kd = 0; kd < 3; kd++)
			if (L.undecodable[kd])
				printf("%" PRIu64 " %s locks NOT DECODED, their holders and waiters unknown: "
				       "%s\n", L.undecodable[kd], pts_lock_kind_name(kd), L.undecodable_why[kd]);
		if (L.blocked.n)
			printf("blocked tasks:\n");
		for (size_t i = 0; i < L.blocked.n; i++) {
			const struct pts_blocked *b = &L.blocked.v[i];
			const struct pts_lock *k = &L.locks.v[b->lock];
			printf("  pid %d (%s) [%c] waits to %s %s %#" PRIx64 " (%s, from its %s)", b->pid,
			       b->comm, b->state ? b->state : '?', b->write ? "write" : "read",
			       pts_lock_class_name(k->cls), k->st.addr, k->what, b->found_by);
			print_holders(k, true);
			printf("\n");
		}
		for (size_t i = 0; i < L.cycles.n; i++) {
			const struct pts_lock_cycle *c = &L.cycles.v[i];
			printf("DEADLOCK%s:", c->exact ? "" : " (through a hint or guessed holder)");
			for (size_t x = 0; x < c->blocked.n; x++) {
				const struct pts_blocked *b = &L.blocked.v[c->blocked.v[x]];
				printf(" pid %d (%s) waits for %s %#" PRIx64 " ->", b->pid, b->comm,
				       pts_lock_class_name(L.locks.v[b->lock].cls), L.locks.v[b->lock].st.addr);
			}
			printf(" back to pid %d\n", L.blocked.v[c->blocked.v[0]].pid);
		}
		for (size_t i = 0; i < L.order.n; i++) {
			const struct pts_lock_order *x = &L.order.v[i];
			const struct pts_blocked *b = &L.blocked.v[x->blocked];
			printf("LOCK ORDER: pid %d (%s) waits for %s %#" PRIx64 " while holding %s %#" PRIx64
			       ": %s\n", b->pid, b->comm, pts_lock_class_name(L.locks.v[b->lock].cls),
			       L.locks.v[b->lock].st.addr, pts_lock_class_name(L.locks.v[x->held].cls),
			       L.locks.v[x->held].st.addr, x->rule);
		}
	}
	print_notes(p, &L.missing);
	int rc = L.missing.n ? 1 : 0;
	pts_locks_free(&L);
	return rc;
}

static void json_folio(struct json *j, struct pts_program *p, const struct pts_folio *f)
{
	char names[512];
	json_begin_object(j);
	json_key(j, "pfn"); json_hex(j, f->page.pfn);
	json_key(j, "struct_page"); json_hex(j, f->page.addr);
	json_key(j, "flags"); json_hex(j, f->page.flags);
	json_key(j, "flag_names");
	json_string(j, pts_page_flag_names(p, f->page.flags, names, sizeof(names)));
	json_key(j, "head"); json_bool(j, f->page.head);
	json_key(j, "tail"); json_bool(j, f->tail);
	json_key(j, "folio_pfn"); json_hex(j, f->head_pfn);
	json_key(j, "order"); json_uint(j, f->order);
	json_key(j, "refcount"); json_int(j, f->head.refcount);
	json_key(j, "page_mapcount"); json_int(j, f->page_mapcount);
	json_key(j, "entire_mapcount");
	if (f->has_entire && f->page.compound) json_int(j, f->entire_mapcount); else json_null(j);
	json_key(j, "large_mapcount");
	if (f->has_large && f->page.compound) json_int(j, f->large_mapcount); else json_null(j);
	json_key(j, "nr_pages_mapped");
	if (f->has_nr_mapped && f->page.compound) json_int(j, f->nr_pages_mapped); else json_null(j);
	json_key(j, "pincount");
	if (f->has_pincount && f->page.compound) json_int(j, f->pincount); else json_null(j);
	json_key(j, "mapcount"); json_int(j, f->precise_mapcount);
	json_key(j, "mapping"); json_hex(j, f->mapping);
	json_key(j, "mapping_kind");
	json_string(j, !f->mapping ? NULL : f->ksm ? "ksm" : f->anon ? "anon" : f->movable ?
		    "movable" : "file");
	json_key(j, "index"); json_hex(j, f->index);
	json_key(j, "anon_exclusive"); json_bool(j, f->anon_exclusive);
	json_key(j, "hugetlb"); json_bool(j, f->hugetlb);
	json_key(j, "swapcache"); json_bool(j, f->swapcache);
	json_key(j, "lru"); json_bool(j, f->lru);
	json_key(j, "locked"); json_bool(j, f->locked);
	json_end_object(j);
}

/* --pfn N, or the frame behind ADDR in -p PID; -1 after saying why. */
static int page_arg(struct pts_program *p, const struct opts *o, const char *cmd, uint64_t *pfn)
{
	*pfn = o->pfn;
	if (o->have_pfn)
		return 0;
	if (!o->have_pid || !o->arg)
		return fail(pts_error(PTS_ERR_USAGE, "%s: give --pfn N, or -p PID and an address", cmd));
	char *end;
	uint64_t va = strtoull(o->arg, &end, 16);
	if (*end || !*o->arg)
		return fail(pts_error(PTS_ERR_USAGE, "%s: not a hexadecimal address", o->arg));
	struct pts_task t;
	struct pts_mm mm;
	const struct pts_arch *a;
	struct pts_error *err = open_mm(p, o, &t, &mm, &a);
	if (err)
		return mm_missing(p, err);
	struct pts_xlate x;
	err = pts_translate(p, mm.pgd, va, &x);
	pts_mm_free(&mm);
	if (err)
		return fail(pts_error_wrap(err, "%s: pid %d", pts_dump_path(p->dump), t.pid));
	if (!x.mapped)
		return fail(pts_error(PTS_ERR_LOOKUP, "%s: pid %d: %#" PRIx64 " is not mapped",
				      pts_dump_path(p->dump), t.pid, va));
	*pfn = x.pa >> 12;
	return 0;
}

static int cmd_page(struct pts_program *p, const struct opts *o)
{
	uint64_t pfn;
	int rc0 = page_arg(p, o, "page", &pfn);
	if (rc0)
		return rc0;
	struct pts_folio f;
	struct pts_error *err = pts_folio_read(p, pfn, &f);
	if (err)
		return fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_folio(&j, p, &f);
		json_finish(&j);
		return 0;
	}
	char names[512];
	printf("pfn %#" PRIx64 "  struct page %#" PRIx64 "\n", pfn, f.page.addr);
	printf("  flags      %#" PRIx64 " %s\n", f.page.flags,
	       pts_page_flag_names(p, f.page.flags, names, sizeof(names)));
	if (f.page.compound)
		printf("  folio      pfn %#" PRIx64 ", order %u (%s page)%s\n", f.head_pfn, f.order,
		       f.tail ? "a tail" : "the head", f.hugetlb ? ", hugetlb" : "");
	printf("  refcount   %d%s\n", f.head.refcount, f.tail ? " (the folio's)" : "");
	printf("  mapcount   %d (this page's own %d", f.precise_mapcount, f.page_mapcount);
	if (f.page.compound && f.has_entire)
		printf(", entire %d", f.entire_mapcount);
	if (f.page.compound && f.has_large)
		printf(", large %d", f.large_mapcount);
	if (f.page.compound && f.has_nr_mapped)
		printf(", pages mapped %d", f.nr_pages_mapped);
	printf(")\n");
	if (f.page.compound && f.has_pincount)
		printf("  pincount   %d\n", f.pincount);
	printf("  mapping    %#" PRIx64 "%s  index %#" PRIx64 "\n", f.mapping,
	       !f.mapping ? "" : f.ksm ? " (KSM stable node)" : f.anon ? " (anon_vma)" :
	       f.movable ? " (movable_ops)" : " (address_space)", f.index);
	if (f.anon)
		printf("  AnonExclusive %s\n", f.anon_exclusive ? "yes" : "no");
	if (f.swapcache || f.lru || f.locked)
		printf("  %s%s%s\n", f.swapcache ? "swapcache " : "", f.lru ? "lru " : "",
		       f.locked ? "locked" : "");
	return 0;
}

static const char *rmap_kind_name(enum pts_rmap_kind k)
{
	switch (k) {
	case PTS_RMAP_ANON: return "anon";
	case PTS_RMAP_FILE: return "file";
	case PTS_RMAP_KSM: return "ksm";
	case PTS_RMAP_MOVABLE: return "movable";
	default: return "none";
	}
}

static int rmap_chain(struct pts_program *p, const struct opts *o)
{
	uint64_t pfn;
	int rc0 = page_arg(p, o, "rmap", &pfn);
	if (rc0)
		return rc0;
	struct pts_rmap_chain c;
	struct pts_error *err = pts_rmap_chain(p, pfn, &c);
	if (err)
		return fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "pfn"); json_hex(&j, c.pfn);
		json_key(&j, "folio_pfn"); json_hex(&j, c.folio_pfn);
		json_key(&j, "kind"); json_string(&j, rmap_kind_name(c.kind));
		json_key(&j, "hugetlb"); json_bool(&j, c.hugetlb);
		json_key(&j, "why_not_followed"); json_string(&j, c.why);
		json_key(&j, "anon_vma"); if (c.anon_vma) json_hex(&j, c.anon_vma); else json_null(&j);
		json_key(&j, "root"); if (c.root) json_hex(&j, c.root); else json_null(&j);
		json_key(&j, "mapping"); if (c.mapping) json_hex(&j, c.mapping); else json_null(&j);
		json_key(&j, "stable_node");
		if (c.stable_node) json_hex(&j, c.stable_node); else json_null(&j);
		json_key(&j, "rmap_items"); json_uint(&j, c.rmap_items);
		json_key(&j, "pgoff"); json_hex(&j, c.pgoff);
		json_key(&j, "found"); json_uint(&j, c.found);
		json_key(&j, "tree_complete"); json_bool(&j, !c.tree_partial);
		json_key(&j, "mappings"); json_begin_array(&j);
		for (size_t i = 0; i < c.maps.n; i++) {
			const struct pts_rmap_mapping *m = &c.maps.v[i];
			json_begin_object(&j);
			json_key(&j, "pid"); if (m->pid) json_int(&j, m->pid); else json_null(&j);
			json_key(&j, "comm"); json_string(&j, m->pid ? m->comm : NULL);
			json_key(&j, "mm"); json_hex(&j, m->mm);
			json_key(&j, "vma"); json_hex(&j, m->vma);
			json_key(&j, "avc"); if (m->avc) json_hex(&j, m->avc); else json_null(&j);
			json_key(&j, "rmap_item");
			if (m->rmap_item) json_hex(&j, m->rmap_item); else json_null(&j);
			json_key(&j, "vm_start"); json_hex(&j, m->vm_start);
			json_key(&j, "vm_end"); json_hex(&j, m->vm_end);
			json_key(&j, "va"); if (m->in_vma) json_hex(&j, m->va); else json_null(&j);
			json_key(&j, "level");
			json_string(&j, m->level >= 0 ? pts_level_name((unsigned)m->level) : NULL);
			json_key(&j, "kind");
			json_string(&j, m->level >= 0 ? pts_ekind_name((unsigned)m->kind) : NULL);
			json_key(&j, "raw"); json_hex(&j, m->raw);
			json_key(&j, "maps"); json_bool(&j, m->maps);
			json_key(&j, "shared_entry_counted_before"); json_bool(&j, m->counted_before);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "incomplete"); json_begin_array(&j);
		for (size_t i = 0; i < c.missing.n; i++)
			json_string(&j, c.missing.v[i]);
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("pfn %#" PRIx64 " (folio %#" PRIx64 "%s): %s", c.pfn, c.folio_pfn,
		       c.hugetlb ? ", hugetlb" : "", rmap_kind_name(c.kind));
		if (c.kind == PTS_RMAP_ANON)
			printf(", anon_vma %#" PRIx64 " (root %#" PRIx64 ")", c.anon_vma, c.root);
		else if (c.kind == PTS_RMAP_FILE)
			printf(", address_space %#" PRIx64, c.mapping);
		if (c.kind == PTS_RMAP_KSM)
			printf(", stable node %#" PRIx64 " with %u rmap_item%s\n", c.stable_node,
			       c.rmap_items, c.rmap_items == 1 ? "" : "s");
		else
			printf(", page offset %#" PRIx64 "\n", c.pgoff);
		if (c.why)
			printf("  %s\n", c.why);
		for (size_t i = 0; i < c.maps.n; i++) {
			const struct pts_rmap_mapping *m = &c.maps.v[i];
			if (m->rmap_item)
				printf("  rmap_item %#" PRIx64, m->rmap_item);
			printf("  %s%#" PRIx64 " vma %#" PRIx64 " %#" PRIx64 "-%#" PRIx64 " pid %d (%s)",
			       m->avc ? "avc " : "", m->avc ? m->avc : m->vma, m->vma, m->vm_start,
			       m->vm_end, m->pid, m->pid ? m->comm : "?");
			if (!m->in_vma)
				printf(": the page's offset is outside this VMA\n");
			else if (m->level < 0)
				printf(" at %#" PRIx64 ": no entry\n", m->va);
			else
				printf(" at %#" PRIx64 ": %s %s %#" PRIx64 "%s\n", m->va,
				       pts_level_name((unsigned)m->level), pts_ekind_name((unsigned)m->kind),
				       m->raw, !m->maps ? ": does NOT map it" : m->counted_before ?
				       " maps it (the same entry: a shared table)" : " maps it");
		}
		printf("%u mapping%s found\n", c.found, c.found == 1 ? "" : "s");
	}
	print_notes(p, &c.missing);
	int rc = c.missing.n ? 1 : 0;
	pts_rmap_chain_free(&c);
	return rc;
}

static int cmd_rmap(struct pts_program *p, const struct opts *o)
{
	if (!o->all)
		return rmap_chain(p, o);
	struct pts_rmap_index r;
	struct timespec t0, t1;
	struct pts_error *ie = pts_dwarf_index(p->dw);
	pts_error_destroy(ie);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct pts_error *err = pts_rmap_index(p, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err)
		return fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	if (getenv("PTSCOPE_TIMING"))
		fprintf(stderr, "ptscope: timing: rmap --all %.6f s, %zu pages\n",
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
			r.pages.n);
	size_t differ = 0;
	for (size_t i = 0; i < r.pages.n; i++)
		differ += r.pages.v[i].known && (int64_t)r.pages.v[i].mappings != r.pages.v[i].mapcount;
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "dump"); json_string(&j, pts_dump_path(p->dump));
		json_key(&j, "processes"); json_uint(&j, r.processes);
		json_key(&j, "leaves"); json_uint(&j, r.leaves);
		json_key(&j, "shared_tables_counted_once"); json_uint(&j, r.shared_tables);
		json_key(&j, "special_skipped"); json_uint(&j, r.special_skipped);
		json_key(&j, "migration_entries"); json_uint(&j, r.migration);
		json_key(&j, "disagree"); json_uint(&j, differ);
		json_key(&j, "pages"); json_begin_array(&j);
		char line[128];
		for (size_t i = 0; i < r.pages.n; i++) {
			const struct pts_rmap_page *pg = &r.pages.v[i];
			int n = pg->known ?
				snprintf(line, sizeof(line), "[\"%#" PRIx64 "\",%u,%d,%d,%u]", pg->pfn,
					 pg->mappings, pg->mapcount, pg->refcount, pg->kpf) :
				snprintf(line, sizeof(line), "[\"%#" PRIx64 "\",%u,null,null,null]", pg->pfn,
					 pg->mappings);
			json_raw(&j, line, (size_t)n);
		}
		json_end_array(&j);
		json_key(&j, "incomplete"); json_begin_array(&j);
		for (size_t i = 0; i < r.missing.n; i++)
			json_string(&j, r.missing.v[i]);
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("%" PRIu64 " processes, %" PRIu64 " leaf entries, %zu pages mapped; %" PRIu64
		       " shared tables counted once, %" PRIu64 " special entries and %" PRIu64
		       " migration entries not counted\n", r.processes, r.leaves, r.pages.n,
		       r.shared_tables, r.special_skipped, r.migration);
		size_t shown = 0;
		for (size_t i = 0; i < r.pages.n && shown < 50; i++) {
			const struct pts_rmap_page *pg = &r.pages.v[i];
			if (!pg->known || (int64_t)pg->mappings == pg->mapcount)
				continue;
			printf("  pfn %#" PRIx64 ": %u mappings seen, the kernel's mapcount %d (refcount %d)\n",
			       pg->pfn, pg->mappings, pg->mapcount, pg->refcount);
			shown++;
		}
		printf("%zu pages whose mapcount differs from the mappings seen\n", differ);
	}
	print_notes(p, &r.missing);
	int rc = r.missing.n ? 1 : 0;
	pts_rmap_index_free(&r);
	return rc;
}

/* report: the built-in formats. */
struct rep_ctx {
	FILE *out;
	struct json *j;
	unsigned n;
};

static int rep_text_finding(const struct ptscope_finding_info *f, void *arg)
{
	struct rep_ctx *c = arg;
	fprintf(c->out, "%-7s %-9s pid %d (%s) %s %#" PRIx64 ": %s\n", f->severity, f->check, f->pid,
		f->comm, f->object, f->addr, f->evidence);
	c->n++;
	return 0;
}

static int rep_json_finding(const struct ptscope_finding_info *f, void *arg)
{
	struct rep_ctx *c = arg;
	struct json *j = c->j;
	json_begin_object(j);
	json_key(j, "check"); json_string(j, f->check);
	json_key(j, "title"); json_string(j, f->title);
	json_key(j, "severity"); json_string(j, f->severity);
	json_key(j, "pid"); json_int(j, f->pid);
	json_key(j, "comm"); json_string(j, f->comm);
	json_key(j, "object"); json_string(j, f->object);
	json_key(j, "address"); json_hex(j, f->addr);
	json_key(j, "va"); if (f->has_va) json_hex(j, f->va); else json_null(j);
	json_key(j, "evidence"); json_string(j, f->evidence);
	json_end_object(j);
	c->n++;
	return 0;
}

static int count_finding(const struct ptscope_finding_info *f, void *arg)
{
	(void)f;
	++*(unsigned *)arg;
	return 0;
}

/* One dump's report; the exit status it contributes (0, 1 findings or
 * gaps, 2 unreadable). */
static int report_one(const struct opts *o, const char *dump, FILE *out)
{
	struct pts_open_opts oo = o->open;
	oo.dump = dump;
	oo.need_types = true;
	struct pts_program *p;
	struct pts_error *err = pts_program_open(&oo, &p);
	if (err) {
		fprintf(out, o->format && !strcmp(o->format, "json") ?
			"{\"dump\":\"%s\",\"error\":\"cannot be read\"}\n" : "%s: cannot be read\n", dump);
		return fail(err);
	}
	pts_error_destroy(pts_dwarf_index(p->dw));
	struct ptscope_dump *d = pts_plugin_dump_new(p, dump);
	pts_plugin_dump_set_jobs(d, o->jobs);
	const char *fmt = o->format ? o->format : "text";
	unsigned incomplete = 0;
	struct rep_ctx c = { out, NULL, 0 };
	int rc = 0;
	if (!strcmp(fmt, "text")) {
		fprintf(out, "dump %s\nkernel %s\n", dump, ptscope_kernel_release(d));
		if (ptscope_findings(d, rep_text_finding, &c, &incomplete) < 0)
			rc = 2;
		fprintf(out, "%u finding%s; %u thing%s not checked (not in the dump)\n", c.n, c.n == 1 ? "" : "s",
			incomplete, incomplete == 1 ? "" : "s");
	} else if (!strcmp(fmt, "json")) {
		struct json j;
		c.j = &j;
		json_init(&j, out);
		json_begin_object(&j);
		json_key(&j, "dump"); json_string(&j, dump);
		json_key(&j, "release"); json_string(&j, ptscope_kernel_release(d));
		json_key(&j, "findings"); json_begin_array(&j);
		if (ptscope_findings(d, rep_json_finding, &c, &incomplete) < 0)
			rc = 2;
		json_end_array(&j);
		json_key(&j, "not_checked"); json_uint(&j, incomplete);
		json_end_object(&j);
		json_finish(&j);
	} else {
		const struct ptscope_report *r = pts_plugin_report(fmt);
		if (r->write(d, out, r->arg))
			rc = 2;
		/* the exit status counts findings whatever the format shows */
		else if (ptscope_findings(d, count_finding, &c.n, &incomplete) < 0)
			rc = 2;
	}
	if (rc == 2)
		fprintf(stderr, "ptscope: %s: report: %s\n", dump, ptscope_error(d));
	else if (c.n || incomplete)
		rc = 1;
	fflush(out);
	pts_plugin_dump_free(d);
	pts_program_close(p);
	return rc;
}

/* report [--format F] [-o FILE|DIR] DUMP...: every dump in its own
 * process, so that one dump's crash does not stop the others. */
static int cmd_report(const struct opts *o, char **dumps, int ndumps)
{
	const char *fmt = o->format ? o->format : "text";
	const struct ptscope_report *pr = NULL;
	if (strcmp(fmt, "text") && strcmp(fmt, "json") && !(pr = pts_plugin_report(fmt))) {
		fprintf(stderr, "ptscope: report: no format '%s' (text, json, or a plugin's: see ptscope plugins)\n",
			fmt);
		return 2;
	}
	const char *ext = pr ? pr->extension : !strcmp(fmt, "json") ? "json" : "txt";
	struct stat st;
	bool to_dir = o->out && stat(o->out, &st) == 0 && S_ISDIR(st.st_mode);
	FILE *single = stdout;
	if (o->out && !to_dir && !(single = fopen(o->out, "w"))) {
		fprintf(stderr, "ptscope: %s: %s\n", o->out, strerror(errno));
		return 2;
	}
	int worst = 0;
	bool tty = isatty(STDERR_FILENO);
	for (int i = 0; i < ndumps; i++) {
		if (tty)
			fprintf(stderr, "ptscope: report %d/%d: %s\n", i + 1, ndumps, dumps[i]);
		char *path = NULL;
		FILE *out = single;
		if (to_dir) {
			const char *b = strrchr(dumps[i], '/') ? strrchr(dumps[i], '/') + 1 : dumps[i];
			path = xasprintf("%s/%d-%s.%s", o->out, i + 1, b, ext);
			if (!(out = fopen(path, "w"))) {
				fprintf(stderr, "ptscope: %s: %s\n", path, strerror(errno));
				free(path);
				worst = 2;
				continue;
			}
		}
		fflush(out);
		pid_t pid = fork();
		int rc;
		if (pid == 0) {
			signal(SIGPIPE, SIG_DFL);
			_exit(report_one(o, dumps[i], out));
		} else if (pid < 0) {
			fprintf(stderr, "ptscope: %s: fork: %s\n", dumps[i], strerror(errno));
			rc = 2;
		} else {
			int ws;
			while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
				;
			if (WIFSIGNALED(ws)) {
				fprintf(out, "%s: the report failed: killed by signal %d (%s)\n", dumps[i],
					WTERMSIG(ws), strsignal(WTERMSIG(ws)));
				fprintf(stderr, "ptscope: %s: report: killed by signal %d (%s)\n", dumps[i],
					WTERMSIG(ws), strsignal(WTERMSIG(ws)));
				rc = 2;
			} else if ((rc = WEXITSTATUS(ws)) > 2) {
				/* not ptscope's own status: a plugin's exit(), a sanitizer */
				fprintf(out, "%s: the report failed: exit status %d\n", dumps[i], rc);
				fprintf(stderr, "ptscope: %s: report: failed with exit status %d\n", dumps[i], rc);
				rc = 2;
			}
		}
		if (to_dir)
			fclose(out);
		free(path);
		if (rc > worst)
			worst = rc > 2 ? 2 : rc;
	}
	if (single != stdout)
		fclose(single);
	return worst;
}

static void index_debuginfo(struct pts_program *p)
{
	pts_error_destroy(pts_dwarf_index(p->dw));
}

static int cmd_tui(struct pts_program *p, const struct opts *o)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "ptscope: %s: the TUI needs a terminal (see ptscope --help for the commands)\n",
			o->open.dump);
		return 2;
	}
	return pts_tui_main(p, o->open.dump, o->timing_log, index_debuginfo, o->jobs);
}

static const struct cmd cmd_table[] = {
	{ "tui", "[tui] DUMP", "the interactive browser (the default with DUMP alone)", true, cmd_tui },
	{ "report", "report [--format F] [-o FILE|DIR] DUMP...", "a report per dump, for pipelines",
	  true, NULL },
	{ "plugins", "plugins", "the plugins loaded and what each adds", false, NULL },
	{ "info", "info [--json] DUMP", "kernel, dump format, excluded pages, panic, vmlinux",
	  false, cmd_info },
	{ "ps", "ps [--json] [-T] DUMP", "processes (threads with -T): pid, ppid, comm, state, mm, RSS",
	  true, cmd_ps },
	{ "vmas", "vmas [--json] -p PID DUMP", "a process's VMAs, as /proc/PID/maps and more",
	  true, cmd_vmas },
	{ "walk", "walk [--json] -p PID [--range A-B] DUMP", "every page-table page and entry",
	  true, cmd_walk },
	{ "vtop", "vtop [--json] -p PID DUMP ADDR...", "addresses through every level",
	  true, cmd_vtop },
	{ "check", "check [--json] (-p PID | --all) DUMP", "findings: states that break mm rules",
	  true, cmd_check },
	{ "hugetlb", "hugetlb [--json] [-p PID] DUMP",
	  "hugetlb VMAs, hstates, vma_locks, shared PMD tables with every sharer", true, cmd_hugetlb },
	{ "locks", "locks [--json] [-p PID] [--free] DUMP",
	  "locks guarding memory: holders, waiters, deadlocks, lock order", true, cmd_locks },
	{ "page", "page [--json] (--pfn N | -p PID DUMP ADDR) DUMP",
	  "a page and its folio: flags, order, refcount, mapcounts, mapping", true, cmd_page },
	{ "rmap", "rmap [--json] (--all | --pfn N | -p PID DUMP ADDR) DUMP",
	  "a page's rmap chain to every mapping; --all: every page against its mapcount", true,
	  cmd_rmap },
	{ "offsetof", "offsetof DUMP TYPE MEMBER", "offset and size of a member (\"struct mm_struct\" pgd)",
	  true, cmd_offsetof },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ptscope [OPTIONS] COMMAND DUMP\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmd_table); i++)
		fprintf(f, "  %-28s %s\n", cmd_table[i].usage, cmd_table[i].help);
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
		case 'j': o.json = true; break;
		case 'T': o.threads = true; break;
		case 'a': o.all = true; break;
		case 'P': o.pages = true; break;
		case 'F': o.free_locks = true; break;
		case 'D': o.timing_log = optarg; break;
		case 'L': VEC_PUSH(&plugin_files, optarg); break;
		case 'Y': VEC_PUSH(&plugin_dirs, optarg); break;
		case 'f': o.format = optarg; break;
		case 'o': o.out = optarg; break;
		case 'N': {
			char *end;
			o.pfn = strtoull(optarg, &end, 0);
			if (*end || !*optarg) {
				fprintf(stderr, "ptscope: --pfn %s: not a number\n", optarg);
				return 2;
			}
			o.have_pfn = true;
			break;
		}
		case 'r':
			if (!parse_range(optarg, &o.range_start, &o.range_end)) {
				fprintf(stderr, "ptscope: --range %s: expected START-END in hex\n", optarg);
				return 2;
			}
			o.have_range = true;
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
		return fail(perr);
	if (argc - optind >= 1 && !strcmp(argv[optind], "plugins")) {
		if (argc - optind != 1) {
			fprintf(stderr, "ptscope: plugins: takes no dump\n");
			return 2;
		}
		pts_plugin_list(stdout);
		return 0;
	}
	if (argc - optind >= 1 && !strcmp(argv[optind], "report")) {
		if (argc - optind < 2) {
			fprintf(stderr, "ptscope: report: expected report DUMP... (see ptscope --help)\n");
			return 2;
		}
		/* -k with several dumps: applied to each; one of another build
		 * is refused by name with both build IDs (pts_program_open), the
		 * others reported (a batch from one kernel build is the usual
		 * case) */
		return cmd_report(&o, &argv[optind + 1], argc - optind - 1);
	}
	/* "ptscope DUMP": the TUI.  No dump: the running kernel, through
	 * /proc/kcore ("ptscope" alone, or "ptscope ps"). */
	char *live_argv[3];
	if (argc - optind == 0) {
		live_argv[0] = (char *)"tui";
		live_argv[1] = (char *)PTS_KCORE_PATH;
		argv = live_argv;
		argc = 2;
		optind = 0;
	} else if (argc - optind == 1) {
		bool is_cmd = false;
		for (size_t i = 0; i < ARRAY_SIZE(cmd_table); i++)
			is_cmd |= !strcmp(argv[optind], cmd_table[i].name);
		if (!is_cmd) {
			argv[--optind] = (char *)"tui";
		} else if (strcmp(argv[optind], "vtop") && strcmp(argv[optind], "offsetof")) {
			live_argv[0] = argv[optind];
			live_argv[1] = (char *)PTS_KCORE_PATH;
			argv = live_argv;
			argc = 2;
			optind = 0;
		}
	}
	/* vtop takes one more argument, the address. */
	int nargs = argc - optind < 1 ? 2 : !strcmp(argv[optind], "vtop") ? 3
		  : !strcmp(argv[optind], "offsetof") ? 4
		  : (!strcmp(argv[optind], "page") || !strcmp(argv[optind], "rmap")) &&
		    argc - optind == 3 ? 3 : 2;
	bool variadic = nargs == 3 && !strcmp(argv[optind], "vtop");	/* vtop ADDR... */
	if (variadic ? argc - optind < nargs : argc - optind != nargs) {
			fprintf(stderr, "ptscope: %s: expected %s (see ptscope --help)\n",
				argv[optind], nargs == 3 ? "vtop DUMP ADDR" : nargs == 4 ?
				"offsetof DUMP TYPE MEMBER" : "COMMAND DUMP");
		return 2;
	}
	if (nargs >= 3)
		o.arg = argv[optind + 2];
	if (variadic) {
		o.addrs = &argv[optind + 2];
		o.naddrs = argc - optind - 2;
	}
	if (nargs == 4)
		o.arg2 = argv[optind + 3];
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
	/* plugin checks run inside check (and the TUI) on this dump */
	struct ptscope_dump *pd = pts_plugin_dump_new(p, o.open.dump);
	pts_plugin_dump_set_jobs(pd, o.jobs);
	int rc = cmd->run(p, &o);
	pts_plugin_dump_free(pd);
	pts_program_close(p);
	return rc;
}
