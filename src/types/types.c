#include "config.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "types/types.h"
#include "base/util.h"

struct rec;

struct pts_types {
	const struct pts_types_ops *ops;	/* NULL: answers from a record alone */
	void *b;
	char *path;
	struct rec *rec;	/* recording or replaying the answers (snapshot.h) */
};

static void rec_free(struct rec *r);

struct pts_types *pts_types_new(const struct pts_types_ops *ops, void *backend, const char *path)
{
	struct pts_types *t = xcalloc(1, sizeof(*t));
	t->ops = ops;
	t->b = backend;
	t->path = xstrdup(path);
	return t;
}

void pts_types_close(struct pts_types *t)
{
	if (!t)
		return;
	if (t->ops && t->ops->close)
		t->ops->close(t->b);
	rec_free(t->rec);
	free(t->path);
	free(t);
}

const char *pts_types_path(const struct pts_types *t) { return t->path; }

const char *pts_types_build_id(const struct pts_types *t)
{
	return t->ops && t->ops->build_id ? t->ops->build_id(t->b) : "";
}

void *pts_types_backend(const struct pts_types *t, const struct pts_types_ops *ops)
{
	return t && t->ops == ops ? t->b : NULL;
}

/* A front with no backend that is not replaying: nothing is known. */
static struct pts_error *no_backend(const struct pts_types *t, const char *what)
{
	return pts_error(PTS_ERR_LOOKUP, "%s: no types in %s", what, t->path);
}

static struct pts_error *ask_member(struct pts_types *t, const char *type, const char *path,
				    struct pts_member *ret)
{
	return t->ops ? t->ops->member(t->b, type, path, ret) : no_backend(t, type);
}

static struct pts_error *ask_enumerators(struct pts_types *t, const char *type,
					 pts_enumerator_fn *fn, void *arg)
{
	return t->ops ? t->ops->enumerators(t->b, type, fn, arg) : no_backend(t, type);
}

/* ---- thread safety ---------------------------------------------------
 * libdw (and the lazily built index) is not safe to use from two threads
 * at once: every question takes one lock.  Questions are rare next to
 * memory reads (readers keep the offsets they learn), so a runner's
 * threads seldom wait here.  Recursive: a question may ask another. */
static pthread_mutex_t types_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

/* ---- record and replay (snapshot.h) --------------------------------- */

/* Recording: each distinct question and its answer, one line each:
 * "FN\tARG1\tARG2\t" then "!CODE\tTEXT" for an error or "=VALUE". */
struct rec {
	bool on;
	struct u64set seen;	/* FNV-1a of the question */
	char *buf;
	size_t len, cap;
	/* replay: the lines, sorted by question */
	struct qa { char *q, *a; } *v;
	size_t n;
};

static uint64_t fnv(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void key(char *k, size_t n, const char *fn, const char *a1, const char *a2)
{
	snprintf(k, n, "%s\t%s\t%s", fn, a1 ? a1 : "", a2 ? a2 : "");
	for (char *c = k; *c; c++)
		if (*c == '\n')
			*c = ' ';
}

static void rec_put(struct pts_types *dw, const char *k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void rec_put(struct pts_types *dw, const char *k, const char *fmt, ...)
{
	struct rec *r = dw->rec;
	if (!r || !r->on || !u64set_add(&r->seen, fnv(k) | 1))
		return;
	va_list ap;
	va_start(ap, fmt);
	char *a = xvasprintf(fmt, ap);
	va_end(ap);
	for (char *c = a; *c; c++)
		if (*c == '\n')
			*c = ' ';
	size_t need = strlen(k) + strlen(a) + 3;
	while (r->len + need > r->cap)
		r->buf = xrealloc(r->buf, r->cap = r->cap ? 2 * r->cap : 65536);
	r->len += (size_t)sprintf(r->buf + r->len, "%s\t%s\n", k, a);
	free(a);
}

static void rec_err(struct pts_types *dw, const char *k, const struct pts_error *e)
{
	if (e)
		rec_put(dw, k, "!%d\t%s", (int)e->code, pts_error_text(e));
}

static int by_q(const void *x, const void *y)
{
	return strcmp(((const struct qa *)x)->q, ((const struct qa *)y)->q);
}

/* The recorded answer to k: NULL if none; err set for an error answer. */
static const char *replay(struct pts_types *dw, const char *k, struct pts_error **err)
{
	*err = NULL;
	struct qa x = { (char *)k, NULL };
	const struct qa *q = dw->rec->n ? bsearch(&x, dw->rec->v, dw->rec->n, sizeof(x), by_q) : NULL;
	if (!q) {
		*err = pts_error(PTS_ERR_LOOKUP, "%s: not in the snapshot's types", k);
		return NULL;
	}
	if (q->a[0] == '!') {
		char *end;
		long code = strtol(q->a + 1, &end, 10);
		*err = pts_error(code > 0 && code < 100 ? (enum pts_error_code)code : PTS_ERR_LOOKUP, "%s",
				 *end == '\t' ? end + 1 : q->a);
		return NULL;
	}
	return q->a[0] == '=' ? q->a + 1 : q->a;
}

static bool replaying(const struct pts_types *dw)
{
	return dw->rec && dw->rec->v;
}

void pts_types_record(struct pts_types *dw)
{
	if (!dw->rec)
		dw->rec = xcalloc(1, sizeof(*dw->rec));
	dw->rec->on = true;
}

char *pts_types_record_text(struct pts_types *dw)
{
	pthread_mutex_lock(&types_lock);
	char *t = xstrdup(dw->rec && dw->rec->buf ? dw->rec->buf : "");
	pthread_mutex_unlock(&types_lock);
	return t;
}

struct pts_types *pts_types_from_record(const char *text, const char *source)
{
	struct pts_types *dw = pts_types_new(NULL, NULL, source);
	struct rec *r = dw->rec = xcalloc(1, sizeof(*r));
	size_t cap = 0;
	char *all = xstrdup(text), *save = NULL;
	for (char *line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* the answer starts after the third tab */
		char *t = line;
		for (int i = 0; i < 3 && t; i++)
			t = strchr(t + (i ? 1 : 0), '\t');
		if (!t)
			continue;
		*t = '\0';
		if (r->n == cap)
			r->v = xrealloc(r->v, (cap = cap ? 2 * cap : 256) * sizeof(*r->v));
		r->v[r->n++] = (struct qa){ xstrdup(line), xstrdup(t + 1) };
	}
	free(all);
	if (!r->v)
		r->v = xcalloc(1, sizeof(*r->v));	/* replaying, with no answers */
	else
		qsort(r->v, r->n, sizeof(*r->v), by_q);
	return dw;
}

static void rec_free(struct rec *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].q);
		free(r->v[i].a);
	}
	free(r->v);
	free(r->buf);
	u64set_free(&r->seen);
	free(r);
}

/* ---- the interface: one question at a time (types_lock), recorded or
 * replayed when asked ------------------------------------------------ */

struct pts_error *pts_types_index(struct pts_types *dw)
{
	if (dw->rec && dw->rec->v)
		return NULL;
	pthread_mutex_lock(&types_lock);
	struct pts_error *r = (dw->ops && dw->ops->index ? dw->ops->index(dw->b) : NULL);
	pthread_mutex_unlock(&types_lock);
	return r;
}

/* The yes-or-no answers: one shape for both questions. */
static bool bool_answer(struct pts_types *dw, const char *fn,
			bool (*ask)(struct pts_types *, const char *, const char *), const char *a1,
			const char *a2)
{
	pthread_mutex_lock(&types_lock);
	bool r;
	if (!dw->rec) {
		r = ask(dw, a1, a2);
	} else {
		char k[512];
		key(k, sizeof(k), fn, a1, a2);
		if (replaying(dw)) {
			struct pts_error *e;
			const char *a = replay(dw, k, &e);
			pts_error_destroy(e);
			r = a && a[0] == '1';
		} else {
			r = ask(dw, a1, a2);
			rec_put(dw, k, "=%d", r);
		}
	}
	pthread_mutex_unlock(&types_lock);
	return r;
}

static bool ask_has_function(struct pts_types *dw, const char *a1, const char *a2)
{
	(void)a2;
	return dw->ops && dw->ops->has_function(dw->b, a1);
}

static bool ask_has_member(struct pts_types *dw, const char *a1, const char *a2)
{
	return dw->ops && dw->ops->has_member(dw->b, a1, a2);
}

bool pts_types_has_function(struct pts_types *dw, const char *name)
{
	return bool_answer(dw, "has_function", ask_has_function, name, NULL);
}

struct pts_error *pts_types_member(struct pts_types *dw, const char *type, const char *path,
				   struct pts_member *ret)
{
	if (!dw->rec) {
		pthread_mutex_lock(&types_lock);
		struct pts_error *r = ask_member(dw, type, path, ret);
		pthread_mutex_unlock(&types_lock);
		return r;
	}
	char k[512];
	key(k, sizeof(k), "member", type, path);
	pthread_mutex_lock(&types_lock);
	struct pts_error *r;
	if (replaying(dw)) {
		const char *a = replay(dw, k, &r);
		unsigned long long off, size;
		unsigned bo, bs;
		if (a && sscanf(a, "%llu,%llu,%u,%u", &off, &size, &bo, &bs) == 4)
			*ret = (struct pts_member){ off, size, bo, bs };
		else if (a)
			r = pts_error(PTS_ERR_FORMAT, "%s: a damaged answer in the snapshot", k);
	} else {
		r = ask_member(dw, type, path, ret);
		if (r)
			rec_err(dw, k, r);
		else
			rec_put(dw, k, "=%llu,%llu,%u,%u", (unsigned long long)ret->offset,
				(unsigned long long)ret->size, ret->bit_offset, ret->bit_size);
	}
	pthread_mutex_unlock(&types_lock);
	return r;
}

bool pts_types_has_member(struct pts_types *dw, const char *type, const char *path)
{
	return bool_answer(dw, "has_member", ask_has_member, type, path);
}

/* The u64 answers: one shape for four questions. */
static struct pts_error *u64_answer(struct pts_types *dw, const char *fn, uint64_t *ret,
				    struct pts_error *(*ask)(struct pts_types *, const char *,
							     const char *, uint64_t *),
				    const char *a1, const char *a2)
{
	struct pts_error *r;
	pthread_mutex_lock(&types_lock);
	if (!dw->rec) {
		r = ask(dw, a1, a2, ret);
		pthread_mutex_unlock(&types_lock);
		return r;
	}
	char k[512];
	key(k, sizeof(k), fn, a1, a2);
	if (replaying(dw)) {
		const char *a = replay(dw, k, &r);
		unsigned long long v;
		if (a && sscanf(a, "%llu", &v) == 1)
			*ret = v;
		else if (a)
			r = pts_error(PTS_ERR_FORMAT, "%s: a damaged answer in the snapshot", k);
	} else {
		r = ask(dw, a1, a2, ret);
		if (r)
			rec_err(dw, k, r);
		else
			rec_put(dw, k, "=%llu", (unsigned long long)*ret);
	}
	pthread_mutex_unlock(&types_lock);
	return r;
}

static struct pts_error *ask_array_len(struct pts_types *dw, const char *a1, const char *a2,
				       uint64_t *ret)
{
	return dw->ops ? dw->ops->member_array_len(dw->b, a1, a2, ret) : no_backend(dw, a1);
}

static struct pts_error *ask_var_array_len(struct pts_types *dw, const char *a1, const char *a2,
					   uint64_t *ret)
{
	(void)a2;
	return dw->ops ? dw->ops->var_array_len(dw->b, a1, ret) : no_backend(dw, a1);
}

static struct pts_error *ask_sizeof(struct pts_types *dw, const char *a1, const char *a2, uint64_t *ret)
{
	(void)a2;
	return dw->ops ? dw->ops->size_of(dw->b, a1, ret) : no_backend(dw, a1);
}

static struct pts_error *ask_symbol(struct pts_types *dw, const char *a1, const char *a2, uint64_t *ret)
{
	(void)a2;
	return dw->ops ? dw->ops->symbol(dw->b, a1, ret) : no_backend(dw, a1);
}

static struct pts_error *ask_enum(struct pts_types *dw, const char *a1, const char *a2, uint64_t *ret)
{
	(void)a2;
	int64_t v = 0;
	struct pts_error *e = dw->ops ? dw->ops->enumval(dw->b, a1, &v) : no_backend(dw, a1);
	*ret = (uint64_t)v;
	return e;
}

struct pts_error *pts_types_member_array_len(struct pts_types *dw, const char *type,
					     const char *path, uint64_t *ret)
{
	return u64_answer(dw, "member_array_len", ret, ask_array_len, type, path);
}

struct pts_error *pts_types_var_array_len(struct pts_types *dw, const char *name, uint64_t *ret)
{
	return u64_answer(dw, "var_array_len", ret, ask_var_array_len, name, NULL);
}

struct pts_error *pts_types_sizeof(struct pts_types *dw, const char *type, uint64_t *ret)
{
	return u64_answer(dw, "sizeof", ret, ask_sizeof, type, NULL);
}

struct pts_error *pts_types_symbol(struct pts_types *dw, const char *name, uint64_t *ret)
{
	return u64_answer(dw, "symbol", ret, ask_symbol, name, NULL);
}

struct pts_error *pts_types_enum(struct pts_types *dw, const char *name, int64_t *ret)
{
	uint64_t v = 0;
	struct pts_error *e = u64_answer(dw, "enum", &v, ask_enum, name, NULL);
	if (!e)
		*ret = (int64_t)v;
	return e;
}

struct enum_rec {
	char *s;
	size_t len, cap;
	pts_enumerator_fn *fn;
	void *arg;
};

static void enum_rec_one(void *arg, const char *name, int64_t value)
{
	struct enum_rec *er = arg;
	char item[256];
	int n = snprintf(item, sizeof(item), "%s%s:%lld", er->len ? "," : "", name, (long long)value);
	if (n > 0 && (size_t)n < sizeof(item) && !strpbrk(name, ",:\t\n")) {
		while (er->len + (size_t)n + 1 > er->cap)
			er->s = xrealloc(er->s, er->cap = er->cap ? 2 * er->cap : 1024);
		memcpy(er->s + er->len, item, (size_t)n + 1);
		er->len += (size_t)n;
	}
	er->fn(er->arg, name, value);
}

struct pts_error *pts_types_enumerators(struct pts_types *dw, const char *type,
					pts_enumerator_fn *fn, void *arg)
{
	if (!dw->rec) {
		pthread_mutex_lock(&types_lock);
		struct pts_error *r = ask_enumerators(dw, type, fn, arg);
		pthread_mutex_unlock(&types_lock);
		return r;
	}
	char k[512];
	key(k, sizeof(k), "enumerators", type, NULL);
	pthread_mutex_lock(&types_lock);
	struct pts_error *r;
	if (replaying(dw)) {
		const char *a = replay(dw, k, &r);
		char *all = a ? xstrdup(a) : NULL, *save = NULL;
		for (char *it = all ? strtok_r(all, ",", &save) : NULL; it; it = strtok_r(NULL, ",", &save)) {
			char *colon = strrchr(it, ':');
			if (!colon)
				continue;
			*colon = '\0';
			fn(arg, it, strtoll(colon + 1, NULL, 10));
		}
		free(all);
	} else if (dw->rec && dw->rec->on) {
		struct enum_rec er = { NULL, 0, 0, fn, arg };
		r = ask_enumerators(dw, type, enum_rec_one, &er);
		if (r)
			rec_err(dw, k, r);
		else
			rec_put(dw, k, "=%s", er.s ? er.s : "");
		free(er.s);
	} else {
		r = ask_enumerators(dw, type, fn, arg);
	}
	pthread_mutex_unlock(&types_lock);
	return r;
}
