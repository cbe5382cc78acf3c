#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ktask.h"
#include "util.h"

/* include/linux/sched.h; the values have been stable since 4.14 */
#define TASK_REPORT 0x7f
#define TASK_IDLE (0x0002 | 0x0400)	/* TASK_UNINTERRUPTIBLE | TASK_NOLOAD */
#define PF_KTHREAD 0x00200000
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
};

static struct pts_error *layout(struct pts_program *p, struct task_layout *l)
{
	struct pts_error *err;
	struct pts_member m;
#define OFF(field, type, path) \
	if ((err = pts_offsetof(p, type, path, &l->field))) return err
	OFF(tasks, "struct task_struct", "tasks");
	OFF(pid, "struct task_struct", "pid");
	OFF(tgid, "struct task_struct", "tgid");
	OFF(comm, "struct task_struct", "comm");
	OFF(real_parent, "struct task_struct", "real_parent");
	OFF(mm, "struct task_struct", "mm");
	OFF(flags, "struct task_struct", "flags");
	OFF(exit_state, "struct task_struct", "exit_state");
	OFF(signal, "struct task_struct", "signal");
	OFF(thread_node, "struct task_struct", "thread_node");
	OFF(thread_head, "struct signal_struct", "thread_head");
#undef OFF
	/* v5.14 (2f064a59a11f) renamed state to __state and made it an int. */
	if ((err = pts_dwarf_member(p->dw, "struct task_struct", "__state", &m))) {
		pts_error_destroy(err);
		if ((err = pts_dwarf_member(p->dw, "struct task_struct", "state", &m)))
			return err;
	}
	l->state = m.offset;
	l->state_size = (unsigned)m.size;

	/* RSS is best effort: a layout we do not know leaves it unknown. */
	if (pts_dwarf_enum(p->dw, "MM_FILEPAGES", &l->mm_file) ||
	    pts_dwarf_enum(p->dw, "MM_ANONPAGES", &l->mm_anon) ||
	    pts_dwarf_enum(p->dw, "MM_SHMEMPAGES", &l->mm_shmem))
		return NULL;
	if (!pts_dwarf_member(p->dw, "struct mm_struct", "rss_stat.count", &m)) {
		l->rss_stat = m.offset;
		l->rss_stride = 8;
		l->have_rss = true;
	} else if (!pts_dwarf_member(p->dw, "struct mm_struct", "rss_stat", &m)) {
		uint64_t n = 0, cnt;
		if (!pts_dwarf_member_array_len(p->dw, "struct mm_struct", "rss_stat", &n) && n &&
		    !pts_offsetof(p, "struct percpu_counter", "count", &cnt)) {
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

static struct pts_error *read_task(struct pts_program *p, const struct task_layout *l,
				   uint64_t addr, struct pts_task *t)
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
				pts_error_destroy(e);
				t->rss_known = false;
				break;
			}
			/* get_mm_counter(): percpu_counter_read_positive() or
			 * the atomic, clamped at 0 as /proc does. */
			if ((int64_t)v > 0)
				sum += (int64_t)v;
		}
		t->rss_pages = t->rss_known ? (uint64_t)sum : 0;
	}
	return NULL;
}

static void push(struct pts_task_list *l, const struct pts_task *t)
{
	VEC_PUSH(l, *t);
}

/* Walk a circular list_head list from head, calling fn for each entry
 * (node address).  Detects cycles that do not pass through head. */
static struct pts_error *walk_list(struct pts_program *p, uint64_t head, const char *what,
				   struct pts_error *(*fn)(struct pts_program *, uint64_t, void *),
				   void *arg)
{
	uint64_t node, slow, prev = head;
	struct pts_error *err = pts_read_u64(p, head, &node);
	if (err)
		return pts_error_wrap(err, "%s", what);
	slow = node;
	for (unsigned long i = 0; node != head; i++) {
		if (i >= MAX_TASKS)
			return pts_error(PTS_ERR_CORRUPT, "%s: more than %u entries: corrupt list", what,
					 MAX_TASKS);
		uint64_t next, back;
		if ((err = pts_read_u64(p, node, &next)) || (err = pts_read_u64(p, node + 8, &back)))
			return pts_error_wrap(err, "%s: entry 0x%" PRIx64, what, node);
		if (back != prev)
			return pts_error(PTS_ERR_CORRUPT,
					 "%s: corrupt list: 0x%" PRIx64 "->prev is 0x%" PRIx64
					 ", expected 0x%" PRIx64, what, node, back, prev);
		if ((err = fn(p, node, arg)))
			return err;
		prev = node;
		node = next;
		/* Floyd: slow advances every other step; meeting means a loop
		 * that never returns to head. */
		if (i & 1) {
			uint64_t s;
			if ((err = pts_read_u64(p, slow, &s)))
				return pts_error_wrap(err, "%s", what);
			slow = s;
			if (slow == node && node != head)
				return pts_error(PTS_ERR_CORRUPT, "%s: cycle at 0x%" PRIx64, what, node);
		}
	}
	return NULL;
}

struct walk_ctx {
	const struct task_layout *l;
	struct pts_task_list *out;
	bool threads;
	int32_t leader;
};

static struct pts_error *on_thread(struct pts_program *p, uint64_t node, void *arg)
{
	struct walk_ctx *c = arg;
	struct pts_task t;
	uint64_t addr = node - c->l->thread_node;
	struct pts_error *err = read_task(p, c->l, addr, &t);
	if (err)
		return err;
	if (t.pid != c->leader)
		push(c->out, &t);
	return NULL;
}

static struct pts_error *on_task(struct pts_program *p, uint64_t node, void *arg)
{
	struct walk_ctx *c = arg;
	struct pts_task t;
	uint64_t addr = node - c->l->tasks;
	struct pts_error *err = read_task(p, c->l, addr, &t);
	if (err)
		return err;
	push(c->out, &t);
	if (!c->threads)
		return NULL;
	uint64_t sig;
	if ((err = pts_read_u64(p, addr + c->l->signal, &sig)))
		return pts_error_wrap(err, "signal of pid %d", t.pid);
	if (!sig)
		return NULL;
	c->leader = t.pid;
	char what[64];
	snprintf(what, sizeof(what), "thread list of pid %d", t.pid);
	return walk_list(p, sig + c->l->thread_head, what, on_thread, c);
}

struct pts_error *pts_tasks(struct pts_program *p, bool threads, struct pts_task_list *ret)
{
	struct task_layout l;
	struct pts_error *err = layout(p, &l);
	if (err)
		return err;
	uint64_t init_task;
	if ((err = pts_symbol(p, "init_task", &init_task)))
		return err;
	struct pts_task_list out = { 0 };
	struct walk_ctx c = { .l = &l, .out = &out, .threads = threads };
	err = walk_list(p, init_task + l.tasks, "task list (init_task.tasks)", on_task, &c);
	if (err) {
		pts_task_list_free(&out);
		return err;
	}
	*ret = out;
	return NULL;
}

void pts_task_list_free(struct pts_task_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
