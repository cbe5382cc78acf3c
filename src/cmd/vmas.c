#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "base/util.h"
#include "out/emit.h"
#include "out/json.h"


static int cmd_vmas(struct pts_program *p, const struct opts *o)
{
	const struct pts_task t = o->task;
	struct pts_mm mm;
	struct pts_error *err = pts_mm_read(p, &t, &mm);
	if (err)
		return cmd_mm_missing(p, err);
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_kv_string(&j, "dump", pts_dump_path(p->dump));
		json_kv_int(&j, "pid", t.pid);
		json_kv_string(&j, "comm", t.comm);
		json_kv_hex(&j, "mm", mm.addr);
		json_kv_int(&j, "map_count", mm.map_count);
		json_key(&j, "pgtables_bytes");
		if (mm.have_pgtables_bytes) json_int(&j, mm.pgtables_bytes); else json_null(&j);
		json_kv_hex(&j, "tree_root", mm.tree_root);
		json_key_array(&j, "vmas");
		for (size_t i = 0; i < mm.nvmas; i++)
			pts_out_vma_json(&j, p, &mm.vmas[i], false);
		json_end_array(&j);
		json_key_array(&j, "anomalies");
		for (size_t i = 0; i < mm.anomalies.n; i++)
			json_string(&j, mm.anomalies.v[i].text);
		json_end_array(&j);
		pts_out_notes_json(&j, "incomplete", &mm.missing);
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
	cmd_print_notes(p, &mm.missing);
	int rc = mm.missing.n ? 1 : 0;
	pts_mm_free(&mm);
	return rc;
}

const struct cmd_entry cmd_vmas_entry = {
	.name = "vmas",
	.usage = "vmas [--json] -p PID DUMP",
	.help = "a process's VMAs, as /proc/PID/maps and more",
	.args_min = 0,
	.args_max = 0,
	.expect = "COMMAND DUMP",
	.options = CMD_O_JSON | CMD_O_PID,
	.target = CMD_T_TASK,
	.need_types = true,
	.live_default = true,
	.run = cmd_vmas,
};
