#include "config.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analyses/sweep.h"
#include "base/util.h"

void pts_sweep_select(const struct pts_task_list *l, int32_t pid, const struct pts_task ***ret,
		      size_t *n)
{
	const struct pts_task **v = xcalloc(l->n ? l->n : 1, sizeof(*v));
	size_t k = 0;
	struct u64set mms = { 0 };
	for (size_t i = 0; i < l->n; i++) {
		const struct pts_task *t = &l->v[i];
		if (pid >= 0 ? t->pid != pid : !t->mm)
			continue;
		if (t->mm && !u64set_add(&mms, t->mm))
			continue;	/* CLONE_VM: one address space, checked once */
		v[k++] = t;
	}
	u64set_free(&mms);
	*ret = v;
	*n = k;
}

unsigned pts_sweep_jobs(struct pts_program *p, unsigned jobs, const char **why)
{
	const char *w = NULL;
	if (!jobs) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = c > 0 ? (unsigned)c : 1;
	}
	if (jobs > PTS_SWEEP_MAX_JOBS) {
		jobs = PTS_SWEEP_MAX_JOBS;
		w = "at most 64 threads";
	}
	if (jobs > 1 && pts_dump_info(p->dump)->live) {
		jobs = 1;
		w = "one thread on the running kernel";
	}
	if (why)
		*why = w;
	return jobs;
}

void pts_sweep_want_rmap(struct pts_program *p, struct pts_sweep_opts *o, struct pts_rmap_index *ri,
			 const struct pts_notes *task_notes)
{
	memset(ri, 0, sizeof(*ri));
	if (pts_dump_info(p->dump)->live || !pts_check_wants_rmap(p))
		return;
	o->rmap = ri;
	o->rmap_notes = task_notes;
}

void pts_sweep_want_ptl(struct pts_program *p, struct pts_sweep_opts *o, struct pts_ptl_feeds *fs)
{
	memset(fs, 0, sizeof(*fs));
	if (!pts_dump_info(p->dump)->live)
		o->ptl = fs;
}

/* One address space into r, through scratch (whose memo lives on). */
static void check_one(struct pts_program *p, const struct pts_task *t, struct pts_findings *scratch,
		      struct pts_sweep_result *r)
{
	r->t = t;
	r->err = pts_check_task(p, t, scratch);
	pts_findings_take(&r->f, scratch);
	r->feed = scratch->feed;
	scratch->feed = NULL;
	r->ptlf = scratch->ptlf;
	scratch->ptlf = NULL;
}

struct shared {
	struct pts_program *p;
	const struct pts_task *const *tasks;
	size_t n;
	const volatile bool *cancel;
	bool rmap_feed, ptl_feed;
	pthread_mutex_t lock;
	pthread_cond_t ready;
	size_t next;			/* the next task a worker takes */
	unsigned exited;		/* workers gone */
	bool stop;
	struct pts_sweep_result *res;
	bool *have;
};

struct worker {
	struct shared *s;
	unsigned slot;
	pthread_t th;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;
	pts_dump_set_slot(w->slot);
	struct pts_findings scratch = { .rmap_feed = s->rmap_feed, .ptl_feed = s->ptl_feed };
	for (;;) {
		pthread_mutex_lock(&s->lock);
		bool stop = s->stop || s->next >= s->n || (s->cancel && *s->cancel);
		size_t i = stop ? 0 : s->next++;
		pthread_mutex_unlock(&s->lock);
		if (stop)
			break;
		struct pts_sweep_result r = { 0 };
		check_one(s->p, s->tasks[i], &scratch, &r);
		pthread_mutex_lock(&s->lock);
		s->res[i] = r;
		s->have[i] = true;
		pthread_cond_broadcast(&s->ready);
		pthread_mutex_unlock(&s->lock);
	}
	pts_findings_free(&scratch);
	pthread_mutex_lock(&s->lock);
	s->exited++;
	pthread_cond_broadcast(&s->ready);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void result_free(struct pts_sweep_result *r)
{
	pts_rmap_feed_free(r->feed);
	pts_ptl_feed_free(r->ptlf);
	pts_findings_free(&r->f);
	pts_error_destroy(r->err);
	memset(r, 0, sizeof(*r));
}

/* The reverse index, fed in task order as the results come in. */
struct rbuild {
	struct pts_ptl_feeds *ptl;
	struct pts_rmap_builder *b;
	struct pts_rmap_index *ret;
	size_t added;
};

static void rb_begin(struct rbuild *rb, const struct pts_sweep_opts *o)
{
	rb->ptl = o->ptl;
	if (!o->rmap)
		return;
	rb->ret = o->rmap;
	rb->b = pts_rmap_build_begin(o->rmap);
	for (size_t i = 0; o->rmap_notes && i < o->rmap_notes->n; i++)
		pts_notes_add(&o->rmap->missing, "%s", o->rmap_notes->v[i]);
}

static void rb_add(struct rbuild *rb, struct pts_sweep_result *r)
{
	if (rb->ptl && r->ptlf)
		pts_ptl_feeds_add(rb->ptl, r->ptlf);
	r->ptlf = NULL;
	if (!rb->b)
		return;
	if (r->feed)
		pts_rmap_build_add(rb->b, rb->ret, r->feed);
	r->feed = NULL;
	rb->added++;
}

static void rb_end(struct rbuild *rb, struct pts_program *p, size_t n)
{
	if (!rb->b)
		return;
	struct pts_error *err = pts_rmap_build_end(p, rb->b, rb->ret);
	if (err) {
		pts_notes_add(&rb->ret->missing, "%s", pts_error_text(err));
		pts_error_destroy(err);
	}
	if (rb->added < n)
		pts_notes_add(&rb->ret->missing, "the reverse index is partial: %zu of %zu address "
			      "spaces were walked", rb->added, n);
}

void pts_sweep_checks(struct pts_program *p, const struct pts_task *const *tasks, size_t n,
		      const struct pts_sweep_opts *o)
{
	struct rbuild rb = { 0 };
	rb_begin(&rb, o);
	unsigned jobs = pts_sweep_jobs(p, o->jobs, NULL);
	if (jobs > n)
		jobs = n ? (unsigned)n : 1;
	if (jobs <= 1) {
		/* On the calling thread, as before the runner had threads. */
		struct pts_findings scratch = { .rmap_feed = o->rmap != NULL,
					       .ptl_feed = o->ptl != NULL };
		for (size_t i = 0; i < n; i++) {
			if (o->cancel && *o->cancel)
				break;
			struct pts_sweep_result r = { 0 };
			check_one(p, tasks[i], &scratch, &r);
			rb_add(&rb, &r);
			bool go = o->done(o->arg, i, &r);
			result_free(&r);
			if (!go)
				break;
		}
		pts_findings_free(&scratch);
		rb_end(&rb, p, n);
		return;
	}
	struct shared s = { .p = p, .tasks = tasks, .n = n, .cancel = o->cancel,
			    .rmap_feed = o->rmap != NULL, .ptl_feed = o->ptl != NULL };
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.ready, NULL);
	s.res = xcalloc(n, sizeof(*s.res));
	s.have = xcalloc(n, sizeof(*s.have));
	struct worker *w = xcalloc(jobs, sizeof(*w));
	unsigned first = o->first_slot ? o->first_slot : 1;
	unsigned started = 0;
	for (unsigned k = 0; k < jobs; k++) {
		w[k].s = &s;
		w[k].slot = first + k < PTS_DUMP_SLOTS ? first + k : PTS_DUMP_SLOTS - 1;
		if (pthread_create(&w[k].th, NULL, work, &w[k]))
			break;
		started++;
	}
	/* Hand results back in task order as they come in. */
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&s.lock);
		bool cancelled = false;
		while (!s.have[i]) {
			cancelled = o->cancel && *o->cancel;
			/* not taken, and nobody left to take it */
			if (s.next <= i && (cancelled || s.exited == started))
				break;
			pthread_cond_wait(&s.ready, &s.lock);
		}
		bool have = s.have[i];
		pthread_mutex_unlock(&s.lock);
		if (!have && cancelled)
			break;
		if (!have) {
			/* no worker could start (or all gave up): this one here */
			struct pts_findings scratch = { .rmap_feed = o->rmap != NULL,
					       .ptl_feed = o->ptl != NULL };
			check_one(p, tasks[i], &scratch, &s.res[i]);
			pts_findings_free(&scratch);
		}
		rb_add(&rb, &s.res[i]);
		bool go = o->done(o->arg, i, &s.res[i]);
		result_free(&s.res[i]);
		if (!go || (o->cancel && *o->cancel)) {
			pthread_mutex_lock(&s.lock);
			s.stop = true;
			pthread_mutex_unlock(&s.lock);
			break;
		}
	}
	for (unsigned k = 0; k < started; k++)
		pthread_join(w[k].th, NULL);
	for (size_t i = 0; i < n; i++)
		if (s.have[i])
			result_free(&s.res[i]);
	free(w);
	free(s.res);
	free(s.have);
	rb_end(&rb, p, n);
	pthread_cond_destroy(&s.ready);
	pthread_mutex_destroy(&s.lock);
}
