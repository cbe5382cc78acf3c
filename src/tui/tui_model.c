#include "config.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include "analyses/hugetlb.h"
#include "readers/kfolio.h"
#include "readers/klock.h"
#include "analyses/rmap.h"
#include "analyses/sweep.h"
#include "tui/tui_model.h"
#include "out/emit.h"
#include "readers/walk.h"

void tui_row_add(tui_rows *out, enum tui_class cls, long ref, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct tui_row r = { .text = xvasprintf(fmt, ap), .cls = cls, .ref = ref, .sub = -1 };
	va_end(ap);
	VEC_PUSH(out, r);
}

void tui_rows_free(tui_rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].text);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

struct pts_error *tui_model_open(struct pts_program *p, struct tui_model *m)
{
	memset(m, 0, sizeof(*m));
	m->p = p;
	return pts_arch_get(p, &m->a);
}

void tui_mm_close(struct tui_mm *c)
{
	if (c->have)
		pts_mm_free(&c->mm);
	free(c->lines.v);
	free(c->vma_marks.v);
	free(c->error);
	memset(c, 0, sizeof(*c));
}

static void bg_stop(struct tui_model *m);

void tui_model_close(struct tui_model *m)
{
	bg_stop(m);
	u64map_free(&m->by_pid);
	tui_mm_close(&m->cur);
	free(m->tasks.v);
	pts_findings_free(&m->findings);
	if (m->locks_done)
		pts_locks_free(&m->locks);
	free(m->locks_error);
	pts_notes_free(&m->notes);
}

size_t tui_task_index(struct tui_model *m, int32_t pid)
{
	size_t i;
	return u64map_get(&m->by_pid, (uint64_t)(uint32_t)pid, &i) ? i : (size_t)-1;
}

/* ---- the background load ---------------------------------------------
 * The task list is read at once (the first screen needs nothing more);
 * every check, the checks across processes and the lock scan run on a
 * thread of their own (the runner, sweep.c, with its workers), reading
 * the dump through their own slots.  That thread never touches the
 * model: it leaves what it found in bg (under bg->lock) and the view's
 * thread takes it in with tui_poll.  Nothing here draws. */
struct tui_bg {
	pthread_t th;
	pthread_mutex_t lock;
	volatile bool cancel;
	struct pts_program *p;
	unsigned jobs;
	struct pts_task *tasks;		/* its own copy of the task list */
	size_t ntasks;
	struct pts_notes task_notes;	/* and of its notes */
	/* under lock: what the view takes next */
	struct pts_findings found;	/* findings and "not checked" notes */
	struct pts_notes notes;		/* for m->notes */
	VEC(uint64_t) checked_mms;	/* address spaces whose checks are in */
	size_t done, total;		/* address spaces checked, to check */
	const char *stage;
	bool checks_done;
	bool locks_ready, locks_taken;
	struct pts_locks locks;
	char *locks_error;
	bool finished;
	bool nothread;		/* ran on the caller's thread */
};

static bool bg_done(void *arg, size_t i, struct pts_sweep_result *r)
{
	(void)i;
	struct tui_bg *bg = arg;
	pthread_mutex_lock(&bg->lock);
	pts_findings_take(&bg->found, &r->f);
	if (r->err)
		pts_notes_add(&bg->notes, "pid %d: %s", r->t->pid, pts_error_text(r->err));
	VEC_PUSH(&bg->checked_mms, r->t->mm);
	bg->done++;
	pthread_mutex_unlock(&bg->lock);
	return !bg->cancel;
}

static void *bg_main(void *arg)
{
	struct tui_bg *bg = arg;
	/* slot 1 for this thread, its workers after it: the view reads
	 * through slot 0 meanwhile */
	pts_dump_set_slot(1);
	struct pts_task_list tl = { .v = bg->tasks, .n = bg->ntasks };
	const struct pts_task **sel;
	size_t n;
	pts_sweep_select(&tl, -1, &sel, &n);
	struct pts_locks L;
	bool have_locks = false;
	pthread_mutex_lock(&bg->lock);
	bg->total = n;
	bg->stage = "checking";
	pthread_mutex_unlock(&bg->lock);
	struct pts_sweep_opts so = { .jobs = bg->jobs, .first_slot = 2, .done = bg_done, .arg = bg,
				     .cancel = &bg->cancel };
	/* one pass: D4's reverse index from the checks' own walks */
	struct pts_rmap_index ri;
	struct pts_ptl_feeds fs;
	pts_sweep_want_rmap(bg->p, &so, &ri, &bg->task_notes);
	pts_sweep_want_ptl(bg->p, &so, &fs);
	pts_sweep_checks(bg->p, sel, n, &so);
	free(sel);
	if (!bg->cancel) {
		pthread_mutex_lock(&bg->lock);
		bg->stage = "checking across processes";
		pthread_mutex_unlock(&bg->lock);
		/* the lock scan of the checks across processes is the locks
		 * panel's too: scanned once */
		struct pts_findings f = { .rmap = so.rmap, .ptl = so.ptl, .locks_out = &L };
		struct pts_error *err = pts_check_dump(bg->p, -1, &f);
		have_locks = f.locks_ready;
		f.rmap = NULL;
		f.ptl = NULL;
		pthread_mutex_lock(&bg->lock);
		pts_findings_take(&bg->found, &f);
		if (err)
			pts_notes_add(&bg->notes, "checks across processes: %s", pts_error_text(err));
		bg->checks_done = true;
		/* said only when the lock scan still has to run */
		bg->stage = have_locks ? "keeping the checks' lock scan for the locks panel"
				       : "scanning every lock of every process";
		pthread_mutex_unlock(&bg->lock);
		pts_error_destroy(err);
		pts_findings_free(&f);
	}
	if (!bg->cancel) {
		struct pts_error *err = have_locks ? NULL : pts_locks_scan(bg->p, &L);
		pthread_mutex_lock(&bg->lock);
		if (err)
			bg->locks_error = xstrdup(pts_error_text(err));
		else
			bg->locks = L;
		bg->locks_ready = true;
		pthread_mutex_unlock(&bg->lock);
		pts_error_destroy(err);
	} else if (have_locks) {
		pts_locks_free(&L);
	}
	pts_rmap_index_free(&ri);
	pts_ptl_feeds_free(&fs);
	pthread_mutex_lock(&bg->lock);
	bg->finished = true;
	bg->stage = NULL;
	pthread_mutex_unlock(&bg->lock);
	return NULL;
}

static void bg_stop(struct tui_model *m)
{
	struct tui_bg *bg = m->bg;
	if (!bg)
		return;
	bg->cancel = true;
	if (!bg->nothread)
		pthread_join(bg->th, NULL);
	pts_findings_free(&bg->found);
	pts_notes_free(&bg->notes);
	free(bg->checked_mms.v);
	if (bg->locks_ready && !bg->locks_taken && !bg->locks_error)
		pts_locks_free(&bg->locks);
	free(bg->locks_error);
	free(bg->tasks);
	pts_notes_free(&bg->task_notes);
	pthread_mutex_destroy(&bg->lock);
	free(bg);
	m->bg = NULL;
}

void tui_load(struct tui_model *m, unsigned jobs, tui_progress_fn fn, void *arg)
{
	struct pts_task_list tl = { 0 };
	fn(arg, "reading the task list", 0, 0);
	struct pts_error *err = pts_tasks(m->p, false, &tl);
	if (err) {
		pts_notes_add(&m->notes, "task list: %s", pts_error_text(err));
		pts_error_destroy(err);
	}
	for (size_t i = 0; i < tl.n; i++) {
		struct tui_task t = { .t = tl.v[i], .self = i };
		/* an address space nobody checks is known at once */
		t.checked = !t.t.mm;
		VEC_PUSH(&m->tasks, t);
		u64map_put(&m->by_pid, (uint64_t)(uint32_t)t.t.pid, i);
	}
	for (size_t i = 0; i < tl.notes.n; i++)
		pts_notes_add(&m->notes, "%s", tl.notes.v[i]);
	struct tui_bg *bg = xcalloc(1, sizeof(*bg));
	bg->task_notes = tl.notes;
	memset(&tl.notes, 0, sizeof(tl.notes));
	pthread_mutex_init(&bg->lock, NULL);
	bg->p = m->p;
	bg->jobs = jobs;
	bg->tasks = tl.v;	/* the thread's own copy */
	bg->ntasks = tl.n;
	tl.v = NULL;
	pts_task_list_free(&tl);
	m->bg = bg;
	/* the thread's stage from the start: a poll before the thread has
	 * run must not read "nothing running" (a slow start, as under ASan,
	 * showed the status of a finished load while the checks had not
	 * begun) */
	bg->stage = "checking";
	m->bg_stage = "checking";
	if (pthread_create(&bg->th, NULL, bg_main, bg)) {
		/* no thread: do it all here, then take it in */
		bg->nothread = true;
		bg_main(bg);
		pts_dump_set_slot(0);
		tui_poll(m);
	}
}

bool tui_poll(struct tui_model *m)
{
	struct tui_bg *bg = m->bg;
	if (!bg)
		return false;
	bool changed = false;
	pthread_mutex_lock(&bg->lock);
	size_t first = m->findings.v.n;
	if (bg->found.v.n || bg->found.missing.n || bg->found.tasks_checked)
		changed = true;
	pts_findings_take(&m->findings, &bg->found);
	for (size_t f = first; f < m->findings.v.n; f++) {
		size_t i;
		if (u64map_get(&m->by_pid, (uint64_t)(uint32_t)m->findings.v.v[f].pid, &i))
			m->tasks.v[i].findings++;
	}
	for (size_t i = 0; i < bg->notes.n; i++)
		VEC_PUSH(&m->notes, bg->notes.v[i]);
	free(bg->notes.v);
	memset(&bg->notes, 0, sizeof(bg->notes));
	if (bg->checked_mms.n) {
		struct u64set mms = { 0 };
		for (size_t i = 0; i < bg->checked_mms.n; i++)
			u64set_add(&mms, bg->checked_mms.v[i]);
		for (size_t i = 0; i < m->tasks.n; i++)
			if (!m->tasks.v[i].checked && u64set_has(&mms, m->tasks.v[i].t.mm))
				m->tasks.v[i].checked = true;
		u64set_free(&mms);
		bg->checked_mms.n = 0;
		changed = true;
	}
	m->bg_done = bg->done;
	m->bg_total = bg->total;
	m->bg_stage = bg->stage;
	if (bg->checks_done && !m->findings_done) {
		m->findings_done = true;
		changed = true;
	}
	if (bg->locks_ready && !bg->locks_taken) {
		bg->locks_taken = true;
		if (bg->locks_error) {
			m->locks_error = bg->locks_error;
			bg->locks_error = NULL;
		} else {
			m->locks = bg->locks;
			m->locks_done = true;
		}
		changed = true;
	}
	bool finished = bg->finished;
	pthread_mutex_unlock(&bg->lock);
	if (finished) {
		bg_stop(m);	/* joins at once: it is over, and all it had is taken */
		m->bg_stage = NULL;
		changed = true;
	}
	return changed;
}

bool tui_cancel(struct tui_model *m, double seconds)
{
	struct tui_bg *bg = m->bg;
	if (!bg)
		return true;
	bg->cancel = true;
	for (double waited = 0; waited < seconds; waited += 0.01) {
		pthread_mutex_lock(&bg->lock);
		bool fin = bg->finished;
		pthread_mutex_unlock(&bg->lock);
		if (fin)
			return true;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return false;
}

void tui_load_wait(struct tui_model *m, tui_progress_fn fn, void *arg)
{
	while (m->bg) {
		tui_poll(m);
		if (m->bg_stage)
			fn(arg, m->bg_stage, m->bg_done, m->bg_total);
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

void tui_load_locks(struct tui_model *m, tui_progress_fn fn, void *arg)
{
	if (m->locks_done || m->locks_error || m->bg)
		return;	/* done, or the background load brings it */
	fn(arg, "scanning every lock of every process", 0, 0);
	struct pts_error *err = pts_locks_scan(m->p, &m->locks);
	if (err) {
		m->locks_error = xstrdup(pts_error_text(err));
		pts_error_destroy(err);
		return;
	}
	m->locks_done = true;
}

const char *tui_sort_name(enum tui_sort s)
{
	static const char *const n[] = { "pid", "comm", "RSS", "findings" };
	return s < TS_N ? n[s] : "?";
}

static enum tui_sort sort_key;
static bool sort_rev;
static int task_cmp(const void *a, const void *b)
{
	const struct tui_task *x = a, *y = b;
	int r = 0;
	switch (sort_key) {
	case TS_COMM: r = strcmp(x->t.comm, y->t.comm); break;
	case TS_RSS: r = (x->t.rss_pages > y->t.rss_pages) - (x->t.rss_pages < y->t.rss_pages); break;
	case TS_FINDINGS: r = (x->findings > y->findings) - (x->findings < y->findings); break;
	default: break;
	}
	if (!r)
		r = (x->t.pid > y->t.pid) - (x->t.pid < y->t.pid);
	return sort_rev ? -r : r;
}

const char *tui_task_header(void)
{
	return "    PID   PPID COMM             S        RSS  FINDINGS";
}

void tui_task_rows(struct tui_model *m, const char *filter, enum tui_sort sort, bool reverse,
		   tui_rows *out)
{
	/* Sort a copy of the indexes' tasks; ref is the model index. */
	struct tui_task *v = xmalloc((m->tasks.n + 1) * sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < m->tasks.n; i++) {
		char pid[16];
		snprintf(pid, sizeof(pid), "%d", m->tasks.v[i].t.pid);
		if (filter && *filter && !strstr(pid, filter) && !strstr(m->tasks.v[i].t.comm, filter))
			continue;
		v[n++] = m->tasks.v[i];
	}
	sort_key = sort;
	sort_rev = reverse;
	qsort(v, n, sizeof(*v), task_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct pts_task *t = &v[i].t;
		char rss[24] = "-";
		if (t->mm && t->rss_known)
			snprintf(rss, sizeof(rss), "%" PRIu64 "K", t->rss_pages * 4);
		/* not checked yet: say so rather than a count that may grow */
		char nf[16] = "...";
		if (v[i].checked || m->findings_done)
			snprintf(nf, sizeof(nf), "%zu", v[i].findings);
		tui_row_add(out, v[i].findings ? TC_FINDING : t->kthread ? TC_DIM : TC_PLAIN,
			(long)v[i].self, "%7d %6d %-16s %c %10s  %8s", t->pid, t->ppid,
			t->comm, t->state, rss, nf);
	}
	free(v);
}

