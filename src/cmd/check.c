#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "base/util.h"
#include "out/emit.h"
#include "out/json.h"
#include "analyses/check.h"
#include "analyses/locks.h"
#include "analyses/rmap.h"
#include "analyses/sweep.h"
#include "plugin/plugin.h"

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

static struct pts_out_finding finding_of(const struct pts_finding *x)
{
	return (struct pts_out_finding){
		.id = x->check->id, .severity = pts_severity_name(x->check->severity),
		.pid = x->pid, .comm = x->comm, .object = x->object, .addr = x->addr,
		.has_va = x->has_va, .va = x->va, .evidence = x->evidence,
		.with_live = true, .live = x,
	};
}

static int cmd_check(struct pts_program *p, const struct opts *o)
{
	struct pts_task_list l;
	struct pts_findings f = { 0 };
	struct pts_error *err = pts_tasks(p, false, &l);
	if (err)
		return cmd_fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	if (!o->all && !o->have_pid) {
		pts_task_list_free(&l);
		return cmd_fail(pts_error(PTS_ERR_USAGE, "check: give -p PID or --all"));
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
		return cmd_fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	}
	size_t nchecks;
	const struct pts_check_info *ci = pts_check_list(&nchecks);
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_kv_string(&j, "dump", pts_dump_path(p->dump));
		json_kv_uint(&j, "address_spaces_checked", f.tasks_checked);
		json_key_array(&j, "checks");
		for (size_t i = 0; i < nchecks; i++) {
			const char *why;
			bool ap = pts_check_applies(p, i, &why);
			json_begin_object(&j);
			json_kv_string(&j, "id", ci[i].id);
			json_kv_string(&j, "title", ci[i].title);
			json_kv_string(&j, "severity", pts_severity_name(ci[i].severity));
			json_kv_string(&j, "rule", ci[i].rule);
			json_kv_string(&j, "source", ci[i].source);
			json_kv_string(&j, "kernels", ci[i].kernels);
			json_kv_bool(&j, "applies", ap);
			json_kv_string(&j, "why_not", ap ? NULL : why);
			json_end_object(&j);
		}
		/* the plugins' checks, which say themselves where they apply */
		for (size_t i = 0; i < pts_plugin_nchecks(); i++) {
			const char *plugin;
			const struct pts_check_info *pc = pts_plugin_check(i, &plugin);
			json_begin_object(&j);
			json_kv_string(&j, "id", pc->id);
			json_kv_string(&j, "title", pc->title);
			json_kv_string(&j, "severity", pts_severity_name(pc->severity));
			json_kv_string(&j, "rule", pc->rule);
			json_kv_string(&j, "source", pc->source);
			json_kv_string(&j, "kernels", pc->kernels);
			json_kv_bool(&j, "applies", true);
			json_kv_string(&j, "why_not", NULL);
			json_kv_string(&j, "plugin", plugin);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key_array(&j, "findings");
		for (size_t i = 0; i < f.v.n; i++) {
			struct pts_out_finding x = finding_of(&f.v.v[i]);
			pts_out_finding_json(&j, &x);
		}
		json_end_array(&j);
		pts_out_notes_json(&j, "incomplete", &f.missing);
		json_end_object(&j);
		json_finish(&j);
	} else {
		for (size_t i = 0; i < f.v.n; i++) {
			struct pts_out_finding x = finding_of(&f.v.v[i]);
			pts_out_finding_text(stdout, &x);
		}
		printf("%zu finding%s in %zu address space%s\n", f.v.n, f.v.n == 1 ? "" : "s",
		       f.tasks_checked, f.tasks_checked == 1 ? "" : "s");
	}
	cmd_print_notes(p, &f.missing);
	int rc = f.v.n || f.missing.n ? 1 : 0;
	pts_findings_free(&f);
	return rc;
}

const struct cmd_entry cmd_check_entry = {
	.name = "check",
	.usage = "check [--json] (-p PID | --all) DUMP",
	.help = "findings: states that break mm rules",
	.args_min = 0,
	.args_max = 0,
	.expect = "COMMAND DUMP",
	.options = CMD_O_JSON | CMD_O_PID | CMD_O_ALL,
	.target = CMD_T_DUMP,
	.need_types = true,
	.live_default = true,
	.run = cmd_check,
};
