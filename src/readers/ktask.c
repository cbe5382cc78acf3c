#include "config.h"
#include "readers/kfields.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "readers/klist.h"
#include "readers/ktask.h"
#include "base/util.h"

/* include/linux/sched.h; the values have been stable since 4.14 */
#define TASK_REPORT 0x7f
#define TASK_IDLE (0x0002 | 0x0400)	/* TASK_UNINTERRUPTIBLE | TASK_NOLOAD */
#define PF_KTHREAD 0x00200000
#define PF_WQ_WORKER 0x00000020
/* Bound on any list walk: more tasks than pid_max allows is a cycle. */
#define MAX_TASKS (1u << 22)

struct task_layout {
	uint64_t tasks, pid, tgid, comm, real_parent, mm, flags, state, exit_state;
	uint64_t signal, thread_node, thread_head;
	unsigned state_size;
	/* mm_struct.rss_stat: atomic_long_t count[] up to 6.1; from 6.2
	 * (f1a7941243c1 "mm: convert mm's rss stats into percpu_counter")
	 * an array of struct percpu_counter. */
	bool rss_percpu;
	uint64_t rss_stat, rss_stride, pcpu_count;
	int64_t mm_file, mm_anon, mm_shmem;
	bool have_rss;
	/* proc_task_name(): kthreads' full names and workqueue workers'
	 * descriptions, as /proc shows them. */
	bool have_kthread;
	uint64_t kthread_ptr;		/* task_struct member pointing at struct kthread */
	uint64_t kt_data;
	bool have_full_name;
	uint64_t kt_full_name;
	bool have_worker, worker_id_fmt;
	uint64_t w_desc, w_current_work, w_pool, w_id, w_rescue_wq;
	uint64_t pool_cpu, pool_id, pool_attrs, attrs_nice, wq_name;
};

static struct pts_error *layout(struct pts_program *p, struct task_layout *l)
{
	struct pts_error *err;
	struct pts_member m;
#define OFF(field, f) \
	if ((err = pts_field_need(p, f, &l->field))) return err
	OFF(tasks, PTS_FLD_TASK_STRUCT_TASKS);
	OFF(pid, PTS_FLD_TASK_STRUCT_PID);
	OFF(tgid, PTS_FLD_TASK_STRUCT_TGID);
	OFF(comm, PTS_FLD_TASK_STRUCT_COMM);
	OFF(real_parent, PTS_FLD_TASK_STRUCT_REAL_PARENT);
	OFF(mm, PTS_FLD_TASK_STRUCT_MM);
	OFF(flags, PTS_FLD_TASK_STRUCT_FLAGS);
	OFF(exit_state, PTS_FLD_TASK_STRUCT_EXIT_STATE);
	OFF(signal, PTS_FLD_TASK_STRUCT_SIGNAL);
	OFF(thread_node, PTS_FLD_TASK_STRUCT_THREAD_NODE);
	OFF(thread_head, PTS_FLD_SIGNAL_STRUCT_THREAD_HEAD);
#undef OFF
	/* v5.14 (2f064a59a11f) renamed state to __state and made it an int. */
	if ((err = pts_field_member(p, PTS_FLD_TASK_STRUCT__STATE, &m))) {
		pts_error_destroy(err);
		if ((err = pts_field_member(p, PTS_FLD_TASK_STRUCT_STATE, &m)))
			return err;
	}
	l->state = m.offset;
	l->state_size = (unsigned)m.size;

	/* to_kthread(): task->worker_private from v5.17 (e32cf5dfbe22
	 * "kthread: Generalize pf_io_worker so it can point to struct
	 * kthread"), task->set_child_tid before. */
	struct pts_error *e1 = pts_field_need(p, PTS_FLD_TASK_STRUCT_WORKER_PRIVATE, &l->kthread_ptr);
	if (e1) {
		pts_error_destroy(e1);
		e1 = pts_field_need(p, PTS_FLD_TASK_STRUCT_SET_CHILD_TID, &l->kthread_ptr);
	}
	if (!e1 && !(e1 = pts_field_need(p, PTS_FLD_KTHREAD_DATA, &l->kt_data))) {
		l->have_kthread = true;
		/* v5.17 d6986ce24fc0 "kthread: dynamically allocate memory to
		 * store kthread's full name" */
		struct pts_error *e2 = pts_field_need(p, PTS_FLD_KTHREAD_FULL_NAME, &l->kt_full_name);
		l->have_full_name = !e2;
		pts_error_destroy(e2);
		struct pts_error *e3 = NULL;
		if (!(e3 = pts_field_need(p, PTS_FLD_WORKER_DESC, &l->w_desc)) &&
		    !(e3 = pts_field_need(p, PTS_FLD_WORKER_CURRENT_WORK, &l->w_current_work)) &&
		    !(e3 = pts_field_need(p, PTS_FLD_WORKER_POOL, &l->w_pool)) &&
		    !(e3 = pts_field_need(p, PTS_FLD_WORKER_ID, &l->w_id)) &&
		    !(e3 = pts_field_need(p, PTS_FLD_WORKER_RESCUE_WQ, &l->w_rescue_wq)) &&
		    !(e3 = pts_field_need(p, PTS_FLD_WORKER_POOL_CPU, &l->pool_cpu)) &&
		    !(e3 = pts_field_need(p, PTS_FLD_WORKER_POOL_ID, &l->pool_id)) &&
		    !(e3 = pts_field_need(p, PTS_FLD_WORKER_POOL_ATTRS, &l->pool_attrs)) &&
		    !(e3 = pts_field_need(p, PTS_FLD_WORKQUEUE_ATTRS_NICE, &l->attrs_nice)) &&
		    !(e3 = pts_field_need(p, PTS_FLD_WORKQUEUE_STRUCT_NAME, &l->wq_name)))
			l->have_worker = true;
		pts_error_destroy(e3);
		/* From v6.9 wq_worker_comm() rebuilds the worker's name with
		 * format_worker_id() ("kworker/R-" for rescuers) instead of
		 * starting from task->comm. */
		l->worker_id_fmt = pts_types_has_function(p->types, "format_worker_id");
	}
	pts_error_destroy(e1);

	/* RSS is best effort: a layout we do not know leaves it unknown. */
	struct pts_error *e4 = NULL;
	if ((e4 = pts_types_enum(p->types, "MM_FILEPAGES", &l->mm_file)) ||
	    (e4 = pts_types_enum(p->types, "MM_ANONPAGES", &l->mm_anon)) ||
	    (e4 = pts_types_enum(p->types, "MM_SHMEMPAGES", &l->mm_shmem))) {
		pts_error_destroy(e4);
		return NULL;
	}
	if (pts_types_has_member(p->types, "struct mm_struct", "rss_stat.count")) {
		if ((e4 = pts_field_member(p, PTS_FLD_MM_STRUCT_RSS_STAT_COUNT, &m)))
			return e4;
		l->rss_stat = m.offset;
		l->rss_stride = 8;
		l->have_rss = true;
	} else if (pts_types_has_member(p->types, "struct mm_struct", "rss_stat")) {
		uint64_t n = 0, cnt;
		if ((e4 = pts_field_member(p, PTS_FLD_MM_STRUCT_RSS_STAT, &m)) ||
		    (e4 = pts_types_member_array_len(p->types, "struct mm_struct", "rss_stat", &n)) ||
		    (e4 = pts_field_need(p, PTS_FLD_PERCPU_COUNTER_COUNT, &cnt))) {
			pts_error_destroy(e4);
			return NULL;
		}
		if (n) {
			l->rss_percpu = true;
			l->rss_stat = m.offset;
			l->rss_stride = m.size / n;
			l->pcpu_count = cnt;
			l->have_rss = true;
		}
	}
	return NULL;
}

static char state_char(uint64_t state, uint64_t exit_state)
{
	static const char letters[] = "RSDTtXZPI";
	unsigned s = (unsigned)((state | exit_state) & TASK_REPORT);
	if ((state & 0xffffffff) == TASK_IDLE)
		s = TASK_REPORT + 1;
	int idx = s ? 32 - __builtin_clz(s) : 0;
	return idx < (int)sizeof(letters) - 1 ? letters[idx] : '?';
}

/* proc_task_name() of fs/proc/array.c: wq_worker_comm() for workers,
 * get_kthread_comm() for kthreads, the comm otherwise. */
static struct pts_error *proc_name(struct pts_program *p, const struct task_layout *l,
				   struct pts_task *t, uint64_t flags)
{
	size_t sz = sizeof(t->name);
	struct pts_error *err;
	snprintf(t->name, sz, "%s", t->comm);
	if (!l->have_kthread || !(flags & PF_KTHREAD))
		return NULL;
	uint64_t kt = 0;
	if ((err = pts_read_u64(p, t->addr + l->kthread_ptr, &kt)) || !kt)
		return err;
	if (!(flags & PF_WQ_WORKER)) {
		uint64_t fn = 0;
		if (!l->have_full_name)
			return NULL;
		if ((err = pts_read_u64(p, kt + l->kt_full_name, &fn)))
			return err;
		return fn ? pts_read_str(p, fn, t->name, sz) : NULL;
	}
	uint64_t worker = 0, pool = 0, rescue = 0, cur = 0;
	if (!l->have_worker)
		return NULL;
	if ((err = pts_read_u64(p, kt + l->kt_data, &worker)) || !worker)
		return err;
	if ((err = pts_read_u64(p, worker + l->w_pool, &pool)) ||
	    (err = pts_read_u64(p, worker + l->w_rescue_wq, &rescue)) ||
	    (err = pts_read_u64(p, worker + l->w_current_work, &cur)))
		return err;
	char buf[64];
	if (l->worker_id_fmt) {
		uint32_t id = 0, cpu = 0, pid = 0;
		if ((err = pts_read_u32(p, worker + l->w_id, &id)))
			return err;
		if (rescue) {
			char wq[64];
			if ((err = pts_read_str(p, rescue + l->wq_name, wq, sizeof(wq))))
				return err;
			snprintf(buf, sizeof(buf), "kworker/R-%.53s", wq);
		} else if (pool) {
			if ((err = pts_read_u32(p, pool + l->pool_cpu, &cpu)))
				return err;
			if ((int32_t)cpu >= 0) {
				uint64_t attrs = 0;
				uint32_t nice = 0;
				if ((err = pts_read_u64(p, pool + l->pool_attrs, &attrs)) ||
				    (attrs && (err = pts_read_u32(p, attrs + l->attrs_nice, &nice))))
					return err;
				snprintf(buf, sizeof(buf), "kworker/%d:%d%s", (int32_t)cpu, (int32_t)id,
					 (int32_t)nice < 0 ? "H" : "");
			} else {
				if ((err = pts_read_u32(p, pool + l->pool_id, &pid)))
					return err;
				snprintf(buf, sizeof(buf), "kworker/u%d:%d", (int32_t)pid, (int32_t)id);
			}
		} else {
			snprintf(buf, sizeof(buf), "kworker/dying");
		}
	} else {
		snprintf(buf, sizeof(buf), "%s", t->comm);
	}
	if (pool) {
		char desc[32];
		if ((err = pts_read_str(p, worker + l->w_desc, desc, sizeof(desc))))
			return err;
		size_t off = strlen(buf);
		if (desc[0] && off < sizeof(buf) - 1)
			snprintf(buf + off, sizeof(buf) - off, "%c%s", cur ? '+' : '-', desc);
	}
	memcpy(t->name, buf, sz);
	return NULL;
}

static struct pts_error *read_task(struct pts_program *p, const struct task_layout *l,
				   uint64_t addr, struct pts_task *t, struct pts_notes *notes)
{
	struct pts_error *err;
	uint64_t parent = 0, flags = 0, state = 0, exit_state = 0;
	uint32_t u;
	memset(t, 0, sizeof(*t));
	t->addr = addr;
	if ((err = pts_read_u32(p, addr + l->pid, &u)))
		return err;
	t->pid = (int32_t)u;
	if ((err = pts_read_u32(p, addr + l->tgid, &u)))
		return err;
	t->tgid = (int32_t)u;
	if ((err = pts_read(p, addr + l->comm, t->comm, sizeof(t->comm))))
		return err;
	t->comm[15] = '\0';
	if ((err = pts_read_u64(p, addr + l->real_parent, &parent)) ||
	    (err = pts_read_u64(p, addr + l->mm, &t->mm)) ||
	    (err = pts_read_u32(p, addr + l->flags, &u)))
		return err;
	flags = u;
	if ((err = pts_read(p, addr + l->state, &state, l->state_size < 8 ? l->state_size : 8)) ||
	    (err = pts_read_u32(p, addr + l->exit_state, &u)))
		return err;
	exit_state = u;
	t->state = state_char(state, exit_state);
	t->kthread = flags & PF_KTHREAD;
	if ((err = proc_name(p, l, t, flags))) {
		/* The name /proc would show needs other structures; without
		 * them the comm is shown, and the gap said. */
		snprintf(t->name, sizeof(t->name), "%s", t->comm);
		if ((err = pts_notes_nodata(notes, err, "pid %d: name is task->comm, /proc's name needs ",
					    t->pid)))
			return err;
	}
	/* /proc: ppid is the real parent's tgid (0 for children of pid 0). */
	if (parent && (err = pts_read_u32(p, parent + l->tgid, &u)) == NULL)
		t->ppid = (int32_t)u;
	else if (err)
		return pts_error_wrap(err, "parent of pid %d", t->pid);

	if (t->mm && l->have_rss) {
		int64_t idx[3] = { l->mm_file, l->mm_anon, l->mm_shmem };
		int64_t sum = 0;
		t->rss_known = true;
		for (int i = 0; i < 3; i++) {
			uint64_t at = t->mm + l->rss_stat + (uint64_t)idx[i] * l->rss_stride +
				      (l->rss_percpu ? l->pcpu_count : 0);
			uint64_t v;
			struct pts_error *e = pts_read_u64(p, at, &v);
			if (e) {
				/* Shown as unknown, and the reason said. */
				pts_notes_add(notes, "pid %d: RSS unknown: %s", t->pid,
					      pts_error_text(e));
				pts_error_destroy(e);
				t->rss_known = false;
				break;
			}
			/* get_mm_counter(): percpu_counter_read_positive() or
			 * the atomic, clamped at 0 as /proc does; counters whose
			 * sum overflows are damage, not a size */
			if ((int64_t)v > 0 && __builtin_add_overflow(sum, (int64_t)v, &sum)) {
				pts_notes_add(notes, "pid %d: RSS unknown: mm %#" PRIx64 "'s counters add "
					      "up past 2^63 pages (corrupt)", t->pid, t->mm);
				t->rss_known = false;
				break;
			}
		}
		t->rss_pages = t->rss_known ? (uint64_t)sum : 0;
	}
	return NULL;
}

static void push(struct pts_task_list *l, const struct pts_task *t)
{
	VEC_PUSH(l, *t);
}

struct walk_ctx {
	const struct task_layout *l;
	struct pts_task_list *out;
	struct pts_notes *notes;
	bool threads;
	uint64_t leader;	/* task_struct of the thread-group leader */
};

static struct pts_error *on_thread(struct pts_program *p, uint64_t node, void *arg)
{
	struct walk_ctx *c = arg;
	struct pts_task t;
	uint64_t addr = node - c->l->thread_node;
	if (addr == c->leader)
		return NULL;	/* listed already, from the task list */
	struct pts_error *err = read_task(p, c->l, addr, &t, c->notes);
	if (err)
		return pts_error_wrap(err, "task_struct 0x%" PRIx64, addr);
	push(c->out, &t);
	return NULL;
}

static struct pts_error *on_task(struct pts_program *p, uint64_t node, void *arg)
{
	struct walk_ctx *c = arg;
	struct pts_task t;
	uint64_t addr = node - c->l->tasks;
	struct pts_error *err = read_task(p, c->l, addr, &t, c->notes);
	if (err)
		return pts_error_wrap(err, "task_struct 0x%" PRIx64, addr);
	push(c->out, &t);
	if (!c->threads)
		return NULL;
	uint64_t sig;
	if ((err = pts_read_u64(p, addr + c->l->signal, &sig))) {
		err = pts_notes_nodata(c->notes, err, "threads of pid %d: ", t.pid);
		return err ? pts_error_wrap(err, "signal of pid %d", t.pid) : NULL;
	}
	if (!sig)
		return NULL;
	c->leader = addr;
	char what[64];
	snprintf(what, sizeof(what), "threads of pid %d", t.pid);
	err = pts_list_walk(p, sig + c->l->thread_head, what, MAX_TASKS, on_thread, c, c->notes);
	/* The leader stays listed; its threads are said to be unknown. */
	return pts_notes_nodata(c->notes, err, "%s", "");
}

struct pts_error *pts_tasks(struct pts_program *p, bool threads, struct pts_task_list *ret)
{
	struct task_layout l = { 0 };
	struct pts_error *err = layout(p, &l);
	if (err)
		return err;
	uint64_t init_task;
	if ((err = pts_symbol(p, "init_task", &init_task)))
		return err;
	struct pts_task_list out = { 0 };
	struct walk_ctx c = { .l = &l, .out = &out, .notes = &out.notes, .threads = threads };
	err = pts_list_walk(p, init_task + l.tasks, "task list", MAX_TASKS, on_task, &c, &out.notes);
	if (err) {
		pts_task_list_free(&out);
		return err;
	}
	*ret = out;
	return NULL;
}

struct pts_error *pts_task_read(struct pts_program *p, uint64_t addr, struct pts_task *ret)
{
	struct task_layout l = { 0 };
	struct pts_error *err = layout(p, &l);
	if (err)
		return err;
	struct pts_notes notes = { 0 };
	err = read_task(p, &l, addr, ret, &notes);
	pts_notes_free(&notes);
	return err;
}

void pts_task_list_free(struct pts_task_list *l)
{
	pts_notes_free(&l->notes);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

struct pts_error *pts_task_find(struct pts_program *p, int32_t pid, struct pts_task *ret)
{
	struct pts_task_list l;
	struct pts_error *err = pts_tasks(p, true, &l);
	if (err)
		return err;
	bool found = false;
	for (size_t i = 0; i < l.n && !found; i++)
		if (l.v[i].pid == pid) {
			*ret = l.v[i];
			found = true;
		}
	if (!found)
		err = pts_error(PTS_ERR_USAGE, "no pid %d in the dump%s", pid,
				l.notes.n ? " (some tasks are not in it: see ptscope ps)" : "");
	pts_task_list_free(&l);
	return err;
}
