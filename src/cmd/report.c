#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "base/util.h"
#include "out/emit.h"
#include "out/json.h"
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "plugin/plugin.h"
#include "ptscope/plugin.h"

/* report: the built-in formats. */
struct rep_ctx {
	FILE *out;
	struct json *j;
	unsigned n;
};

static struct pts_out_finding finding_of(const struct ptscope_finding_info *f)
{
	return (struct pts_out_finding){
		.id = f->check, .title = f->title, .severity = f->severity, .pid = f->pid,
		.comm = f->comm, .object = f->object, .addr = f->addr, .has_va = f->has_va,
		.va = f->va, .evidence = f->evidence,
	};
}

static int rep_text_finding(const struct ptscope_finding_info *f, void *arg)
{
	struct rep_ctx *c = arg;
	struct pts_out_finding x = finding_of(f);
	pts_out_finding_text(c->out, &x);
	c->n++;
	return 0;
}

static int rep_json_finding(const struct ptscope_finding_info *f, void *arg)
{
	struct rep_ctx *c = arg;
	struct pts_out_finding x = finding_of(f);
	pts_out_finding_json(c->j, &x);
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
		return cmd_fail(err);
	}
	pts_error_destroy(pts_types_index(p->types));
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
		json_kv_string(&j, "dump", dump);
		json_kv_string(&j, "release", ptscope_kernel_release(d));
		json_key_array(&j, "findings");
		if (ptscope_findings(d, rep_json_finding, &c, &incomplete) < 0)
			rc = 2;
		json_end_array(&j);
		json_kv_uint(&j, "not_checked", incomplete);
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

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage = "report [--format F] [-o FILE|DIR] DUMP...",
	.help = "a report per dump, for pipelines",
	.args_min = 0,
	.args_max = -1,
	.expect = "report DUMP...",
	.options = CMD_O_FORMAT | CMD_O_OUTPUT,
	.target = CMD_T_DUMPS,
	.need_types = true,
	.live_default = false,
	.run_dumps = cmd_report,
};
