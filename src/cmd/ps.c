#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "base/util.h"
#include "out/emit.h"
#include "out/json.h"

static int cmd_ps(struct pts_program *p, const struct opts *o)
{
	struct pts_task_list l;
	struct pts_error *err = pts_tasks(p, o->threads, &l);
	if (err)
		return cmd_fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	uint64_t kib = p->page_size / 1024;
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_kv_string(&j, "dump", pts_dump_path(p->dump));
		json_key_array(&j, "tasks");
		for (size_t i = 0; i < l.n; i++) {
			const struct pts_task *t = &l.v[i];
			char st[2] = { t->state, 0 };
			json_begin_object(&j);
			json_kv_int(&j, "pid", t->pid);
			json_kv_int(&j, "tgid", t->tgid);
			json_kv_int(&j, "ppid", t->ppid);
			json_kv_string(&j, "comm", t->comm);
			json_kv_string(&j, "name", t->name);
			json_kv_string(&j, "state", st);
			json_kv_bool(&j, "kernel_thread", t->kthread);
			json_kv_hex(&j, "task", t->addr);
			json_kv_hex_if(&j, "mm", t->mm, t->mm);
			json_key(&j, "rss_pages");
			if (t->rss_known) json_uint(&j, t->rss_pages); else json_null(&j);
			json_end_object(&j);
		}
		json_end_array(&j);
		pts_out_notes_json(&j, "incomplete", &l.notes);
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

const struct cmd_entry cmd_ps_entry = {
	.name = "ps",
	.usage = "ps [--json] [-T] DUMP",
	.help = "processes (threads with -T): pid, ppid, comm, state, mm, RSS",
	.args_min = 0,
	.args_max = 0,
	.expect = "COMMAND DUMP",
	.options = CMD_O_JSON | CMD_O_THREADS,
	.target = CMD_T_DUMP,
	.need_types = true,
	.live_default = true,
	.run = cmd_ps,
};
