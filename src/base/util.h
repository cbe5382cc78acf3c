/* Small helpers: allocation that aborts on failure (as htop and tmux do:
 * an analysis tool has nothing useful to do without memory), strings. */
#ifndef PTS_UTIL_H
#define PTS_UTIL_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A growable array of T: struct { T *v; size_t n, cap; }. */
#define VEC(T) struct { T *v; size_t n, cap; }
#define VEC_PUSH(vec, x) do {						\
	if ((vec)->n == (vec)->cap) {					\
		(vec)->cap = (vec)->cap ? 2 * (vec)->cap : 16;		\
		(vec)->v = xrealloc((vec)->v, (vec)->cap * sizeof(*(vec)->v)); \
	}								\
	(vec)->v[(vec)->n++] = (x);					\
} while (0)

/* A set of non-zero 64-bit keys (addresses, PFNs): open addressing. */
struct u64set {
	uint64_t *v;
	size_t n, cap;
};
/* Adds key; returns 1 if it was new, 0 if already there. */
int u64set_add(struct u64set *s, uint64_t key);
int u64set_has(const struct u64set *s, uint64_t key);
void u64set_free(struct u64set *s);

/* Non-zero 64-bit keys to size_t values (an index into a vector). */
struct u64map {
	uint64_t *k;
	size_t *v;
	size_t n, cap;
};
void u64map_put(struct u64map *m, uint64_t key, size_t val);
bool u64map_get(const struct u64map *m, uint64_t key, size_t *val);
void u64map_free(struct u64map *m);
/* FNV-1a over a NUL-terminated string, from seed (the name tables of
 * types/: the DWARF index, whose file keeps these hashes, and kallsyms). */
static inline uint32_t pts_fnv1a(const char *s, uint32_t seed)
{
	uint32_t h = 2166136261u ^ seed;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

#endif
