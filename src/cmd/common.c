#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"

int cmd_fail(struct pts_error *err)
{
	fprintf(stderr, "ptscope: %s\n", pts_error_text(err));
	pts_error_destroy(err);
	return 2;
}

void cmd_print_notes(struct pts_program *p, const struct pts_notes *n)
{
	for (size_t i = 0; i < n->n; i++)
		fprintf(stderr, "ptscope: %s: incomplete: %s\n", pts_dump_path(p->dump), n->v[i]);
}

int cmd_mm_missing(struct pts_program *p, struct pts_error *err)
{
	if (err->code != PTS_ERR_NODATA)
		return cmd_fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	fprintf(stderr, "ptscope: %s: incomplete: %s\n", pts_dump_path(p->dump), pts_error_text(err));
	pts_error_destroy(err);
	return 1;
}

struct pts_error *cmd_open_mm(struct pts_program *p, const struct opts *o, struct pts_mm *mm,
			      const struct pts_arch **a)
{
	struct pts_error *err = pts_arch_get(p, a);
	if (!err)
		err = pts_mm_read(p, &o->task, mm);
	return err;
}

int cmd_page_arg(struct pts_program *p, const struct opts *o, const char *cmd, uint64_t *pfn)
{
	*pfn = o->pfn;
	if (o->have_pfn)
		return 0;
	if (!o->have_pid || !o->nargs)
		return cmd_fail(pts_error(PTS_ERR_USAGE, "%s: give --pfn N, or -p PID and an address",
					  cmd));
	const char *arg = o->args[0];
	char *end;
	uint64_t va = strtoull(arg, &end, 16);
	if (*end || !*arg)
		return cmd_fail(pts_error(PTS_ERR_USAGE, "%s: not a hexadecimal address", arg));
	struct pts_task t;
	struct pts_mm mm;
	const struct pts_arch *a;
	struct pts_error *err = pts_task_find(p, o->pid, &t);
	if (!err)
		err = pts_arch_get(p, &a);
	if (!err)
		err = pts_mm_read(p, &t, &mm);
	if (err)
		return cmd_mm_missing(p, err);
	struct pts_xlate x;
	err = pts_translate(p, mm.pgd, va, &x);
	pts_mm_free(&mm);
	if (err)
		return cmd_fail(pts_error_wrap(err, "%s: pid %d", pts_dump_path(p->dump), t.pid));
	if (!x.mapped)
		return cmd_fail(pts_error(PTS_ERR_LOOKUP, "%s: pid %d: %#" PRIx64 " is not mapped",
					  pts_dump_path(p->dump), t.pid, va));
	*pfn = x.pa >> p->page_shift;
	return 0;
}

double cmd_seconds(const struct timespec *t0, const struct timespec *t1)
{
	return (double)(t1->tv_sec - t0->tv_sec) + (double)(t1->tv_nsec - t0->tv_nsec) / 1e9;
}

static void name_one(struct pts_program *p, struct pts_out_names *n, uint64_t task)
{
	if (!task || pts_out_name(n, task))
		return;
	struct pts_task t;
	struct pts_error *err = pts_task_read(p, task, &t);
	struct pts_out_task o = { .addr = task, .ok = !err };
	if (!err) {
		o.pid = t.pid;
		o.tgid = t.tgid;
		memcpy(o.comm, t.comm, sizeof(o.comm));
	}
	pts_error_destroy(err);
	VEC_PUSH(&n->v, o);
}

void cmd_name_lock_tasks(struct pts_program *p, struct pts_out_names *n,
			 const struct pts_lock_state *s)
{
	if (!s->decoded)
		return;
	name_one(p, n, s->owner);
	for (size_t i = 0; i < s->waiters.n; i++)
		name_one(p, n, s->waiters.v[i].task);
}
