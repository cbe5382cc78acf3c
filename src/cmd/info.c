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
		json_string(&j, p->types && !pts_types_backend(p->types, &pts_btf_ops) ? pts_types_path(p->types) : NULL);
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
