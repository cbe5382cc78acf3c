#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include "mem/overlay.h"
#include "base/util.h"

struct item {
	bool phys;
	uint64_t addr, value;
	unsigned width;
	/* K items: each byte's physical address, once resolved (UINT64_MAX:
	 * not mapped) */
	uint64_t pa[8];
};

struct pts_overlay {
	struct item *v;
	size_t n;
	bool resolved;
};

struct pts_overlay *pts_overlay_from_env(void)
{
	const char *s = getenv("PTSCOPE_TEST_PATCH");
	struct pts_overlay *o = NULL;
	while (s && *s) {
		char sp;
		unsigned long long a, v;
		unsigned w = 8;
		int n = 0, m = 0;
		if (sscanf(s, "%c:%llx=%llx%n", &sp, &a, &v, &n) != 3 || (sp != 'K' && sp != 'P'))
			break;
		s += n;
		if (*s == '/' && sscanf(s, "/%u%n", &w, &m) == 1 && w >= 1 && w <= 8)
			s += m;
		if (!o)
			o = xcalloc(1, sizeof(*o));
		o->v = xrealloc(o->v, (o->n + 1) * sizeof(*o->v));
		struct item it = { sp == 'P', a, v, w, { 0 } };
		for (unsigned b = 0; b < 8; b++)
			it.pa[b] = it.phys ? a + b : UINT64_MAX;
		o->v[o->n++] = it;
		if (*s == ';')
			s++;
	}
	return o;
}

void pts_overlay_free(struct pts_overlay *o)
{
	if (!o)
		return;
	free(o->v);
	free(o);
}

void pts_overlay_resolve(struct pts_overlay *o, bool (*xl)(void *arg, uint64_t va, uint64_t *pa),
			 void *arg)
{
	if (!o || o->resolved)
		return;
	o->resolved = true;
	for (size_t i = 0; i < o->n; i++) {
		struct item *it = &o->v[i];
		if (it->phys)
			continue;
		for (unsigned b = 0; b < it->width; b++) {
			uint64_t pa;
			it->pa[b] = xl(arg, it->addr + b, &pa) ? pa : UINT64_MAX;
		}
	}
}

void pts_overlay_apply(const struct pts_overlay *o, bool phys, uint64_t addr, uint8_t *buf, size_t len)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n; i++) {
		const struct item *it = &o->v[i];
		for (unsigned b = 0; b < it->width; b++) {
			uint64_t at = phys ? it->pa[b] : it->phys ? UINT64_MAX : it->addr + b;
			if (at != UINT64_MAX && at >= addr && at - addr < len)
				buf[at - addr] = (uint8_t)(it->value >> (8 * b));
		}
	}
}
