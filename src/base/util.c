#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/util.h"

static void oom(void)
{
	fputs("ptscope: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom();
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static size_t u64hash(uint64_t k, size_t mask)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k & mask;
}

int u64set_has(const struct u64set *s, uint64_t key)
{
	if (!s->cap)
		return 0;
	for (size_t i = u64hash(key, s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (s->v[i] == key)
			return 1;
		if (!s->v[i])
			return 0;
	}
}

int u64set_add(struct u64set *s, uint64_t key)
{
	if (2 * (s->n + 1) > s->cap) {
		struct u64set t = { xcalloc(s->cap ? 2 * s->cap : 64, sizeof(uint64_t)), 0,
				    s->cap ? 2 * s->cap : 64 };
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				u64set_add(&t, s->v[i]);
		free(s->v);
		*s = t;
	}
	for (size_t i = u64hash(key, s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (s->v[i] == key)
			return 0;
		if (!s->v[i]) {
			s->v[i] = key;
			s->n++;
			return 1;
		}
	}
}

void u64set_free(struct u64set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* u64map: the same open addressing, with a value beside each key. */
static void u64map_grow(struct u64map *m)
{
	struct u64map t = { xcalloc(m->cap ? 2 * m->cap : 64, sizeof(uint64_t)),
			    xcalloc(m->cap ? 2 * m->cap : 64, sizeof(size_t)), 0,
			    m->cap ? 2 * m->cap : 64 };
	for (size_t i = 0; i < m->cap; i++)
		if (m->k[i])
			u64map_put(&t, m->k[i], m->v[i]);
	free(m->k);
	free(m->v);
	*m = t;
}

void u64map_put(struct u64map *m, uint64_t key, size_t val)
{
	if (2 * (m->n + 1) > m->cap)
		u64map_grow(m);
	for (size_t i = u64hash(key, m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->k[i] == key || !m->k[i]) {
			m->n += !m->k[i];
			m->k[i] = key;
			m->v[i] = val;
			return;
		}
	}
}

bool u64map_get(const struct u64map *m, uint64_t key, size_t *val)
{
	if (!m->cap)
		return false;
	for (size_t i = u64hash(key, m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->k[i] == key) {
			*val = m->v[i];
			return true;
		}
		if (!m->k[i])
			return false;
	}
}

void u64map_free(struct u64map *m)
{
	free(m->k);
	free(m->v);
	memset(m, 0, sizeof(*m));
}
