#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "types/btfinfo.h"
#include "base/util.h"
#include "out/emit.h"
#include "out/json.h"
#include <time.h>
#include "readers/kinfo.h"
#include "readers/klog.h"
#include "mem/vmcoreinfo.h"


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
	if (p->types && (err = pts_kernel_cmdline(p, &cmdline)))
		pts_error_destroy(err);
	char excl[128];
	excluded_text(di->dump_level > 0 ? di->dump_level : 0, excl, sizeof(excl));
	uint64_t mem = di->ram_pages * 4096;	/* 4 KiB frames */
	const char *fmt = !strcmp(di->format, "elf") ? "elf" : di->live ? "kcore" : "kdump-compressed";

	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_kv_string(&j, "dump", pts_dump_path(p->dump));
		json_kv_string(&j, "release", p->osrelease);
		json_kv_string(&j, "build_id", p->build_id);
		json_key(&j, "uname");
		if (have_uname) {
			json_begin_object(&j);
			json_kv_string(&j, "sysname", u.sysname);
			json_kv_string(&j, "nodename", u.nodename);
			json_kv_string(&j, "release", u.release);
			json_kv_string(&j, "version", u.version);
			json_kv_string(&j, "machine", u.machine);
			json_end_object(&j);
		} else {
			json_null(&j);
		}
		json_kv_string(&j, "cmdline", cmdline);
		json_kv_string(&j, "arch", di->arch);
		json_kv_int(&j, "paging_levels", p->paging_levels);
		json_kv_hex(&j, "kaslr_offset", p->kaslr_offset);
		json_kv_uint(&j, "page_size", p->page_size);
		json_kv_string(&j, "format", fmt);
		json_kv_bool(&j, "live", di->live);
		json_kv_bool(&j, "flattened", di->flattened);
		json_kv_string(&j, "compression", di->compression);
		json_key(&j, "dump_level");
		if (di->dump_level >= 0) json_int(&j, di->dump_level); else json_null(&j);
		json_key_array(&j, "excluded");
		for (size_t i = 0; i < ARRAY_SIZE(excluded_names); i++)
			if (di->dump_level > 0 && (di->dump_level & (1 << i)))
				json_string(&j, excluded_names[i]);
		json_end_array(&j);
		json_kv_uint(&j, "memory_bytes", mem);
		json_kv_uint(&j, "max_pfn", pts_max_pfn(p));
		json_kv_uint_if(&j, "cpus", di->ncpus, di->ncpus);
		json_kv_uint_if(&j, "crash_time", crashed, crash);
		json_kv_string(&j, "panic", panic);
		json_kv_string(&j, "log_note", klog_note);
		json_key(&j, "vmlinux");
		json_string(&j, p->types && !pts_types_backend(p->types, &pts_btf_ops) ? pts_types_path(p->types) : NULL);
		json_kv_string(&j, "types", p->types_source);
		json_kv_string(&j, "vmlinux_note", p->vmlinux_note);
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
		       pts_max_pfn(p));
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
		printf("types:         %s\n", p->types ? p->types_source : p->vmlinux_note);
	}
	free(panic);
	free(cmdline);
	free(klog_note);
	return 0;
}

const struct cmd_entry cmd_info_entry = {
	.name = "info",
	.usage = "info [--json] DUMP",
	.help = "kernel, dump format, excluded pages, panic, vmlinux",
	.args_min = 0,
	.args_max = 0,
	.expect = "COMMAND DUMP",
	.options = CMD_O_JSON,
	.target = CMD_T_DUMP,
	.need_types = false,
	.live_default = true,
	.run = cmd_info,
};
