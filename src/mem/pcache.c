#include "config.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "mem/pcache.h"
#include "base/util.h"

#define NONE UINT32_MAX

enum { Q_FREE, Q_A1IN, Q_AM, Q_A1OUT, Q_N };

struct entry {
	uint64_t key;
	uint32_t hnext;		/* hash chain */
	uint32_t prev, next;	/* queue (circular, sentinels at the end) */
	uint32_t slot;		/* data page, NONE for a ghost or a NODATA page */
	uint8_t q, flags;
};

struct pts_pcache {
	pthread_mutex_t lock;
	size_t nres;		/* resident entries at most (A1in + Am) */
	size_t kin, kout;	/* 2Q's A1in and A1out sizes */
	size_t count[Q_N];
	struct entry *e;	/* nres + kout + 1 entries, then Q_N sentinels */
	uint32_t nent;
	uint32_t *bucket;
	uint64_t hmask;
	unsigned hshift;
	uint8_t *data;		/* nres pages, reserved, touched as used */
	size_t data_bytes;
	uint32_t *free_slots;
	size_t nfree_slots;
	struct pts_pcache_stats st;
};

static uint32_t sentinel(const struct pts_pcache *c, int q) { return c->nent + (uint32_t)q; }

static void q_unlink(struct pts_pcache *c, uint32_t i)
{
	struct entry *x = &c->e[i];
	c->e[x->prev].next = x->next;
	c->e[x->next].prev = x->prev;
	c->count[x->q]--;
}

/* At the head (most recent). */
static void q_push(struct pts_pcache *c, int q, uint32_t i)
{
	uint32_t s = sentinel(c, q);
	struct entry *x = &c->e[i];
	x->q = (uint8_t)q;
	x->prev = s;
	x->next = c->e[s].next;
	c->e[x->next].prev = i;
	c->e[s].next = i;
	c->count[q]++;
}

static uint32_t q_tail(const struct pts_pcache *c, int q)
{
	uint32_t s = sentinel(c, q);
	return c->e[s].prev == s ? NONE : c->e[s].prev;
}

static size_t hash(const struct pts_pcache *c, uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> c->hshift);
}

static uint32_t h_find(const struct pts_pcache *c, uint64_t key)
{
	for (uint32_t i = c->bucket[hash(c, key)]; i != NONE; i = c->e[i].hnext)
		if (c->e[i].key == key)
			return i;
	return NONE;
}

static void h_add(struct pts_pcache *c, uint32_t i)
{
	size_t b = hash(c, c->e[i].key);
	c->e[i].hnext = c->bucket[b];
	c->bucket[b] = i;
}

static void h_del(struct pts_pcache *c, uint32_t i)
{
	uint32_t *pp = &c->bucket[hash(c, c->e[i].key)];
	while (*pp != i)
		pp = &c->e[*pp].hnext;
	*pp = c->e[i].hnext;
}

static void release_slot(struct pts_pcache *c, struct entry *x)
{
	if (x->slot != NONE) {
		c->free_slots[c->nfree_slots++] = x->slot;
		x->slot = NONE;
	}
}

/* Make room for one more resident entry (2Q's "reclaimfor"). */
static void reclaim(struct pts_pcache *c)
{
	if (c->count[Q_A1IN] + c->count[Q_AM] < c->nres)
		return;
	c->st.evictions++;
	uint32_t v;
	if (c->count[Q_A1IN] > c->kin || c->count[Q_AM] == 0) {
		/* Out of A1in into A1out: keep the key, drop the data. */
		v = q_tail(c, Q_A1IN);
		q_unlink(c, v);
		release_slot(c, &c->e[v]);
		if (c->count[Q_A1OUT] >= c->kout) {
			uint32_t g = q_tail(c, Q_A1OUT);
			q_unlink(c, g);
			h_del(c, g);
			q_push(c, Q_FREE, g);
		}
		q_push(c, Q_A1OUT, v);
		return;
	}
	v = q_tail(c, Q_AM);
	q_unlink(c, v);
	release_slot(c, &c->e[v]);
	h_del(c, v);
	q_push(c, Q_FREE, v);
}

struct pts_pcache *pts_pcache_new(size_t bytes)
{
	struct pts_pcache *c = xcalloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->nres = bytes / PTS_PCACHE_PAGE;
	if (c->nres < 16)
		c->nres = 16;
	if (c->nres > (UINT32_MAX >> 2))
		c->nres = UINT32_MAX >> 2;
	/* Johnson and Shasha's tuning: A1in a quarter of the pages, A1out
	 * remembering half as many pages as the cache holds. */
	c->kin = c->nres / 4;
	c->kout = c->nres / 2;
	c->nent = (uint32_t)(c->nres + c->kout + 1);
	c->e = xcalloc((size_t)c->nent + Q_N, sizeof(*c->e));
	for (int q = 0; q < Q_N; q++) {
		uint32_t s = sentinel(c, q);
		c->e[s].prev = c->e[s].next = s;
	}
	for (uint32_t i = 0; i < c->nent; i++) {
		c->e[i].slot = NONE;
		q_push(c, Q_FREE, i);
	}
	size_t nb = 1;
	unsigned bits = 0;
	while (nb < (size_t)c->nent * 2) {
		nb <<= 1;
		bits++;
	}
	c->hshift = 64 - (bits ? bits : 1);
	c->hmask = nb - 1;
	c->bucket = xmalloc(nb * sizeof(*c->bucket));
	memset(c->bucket, 0xff, nb * sizeof(*c->bucket));
	/* Reserved, not committed: memory grows with what is cached. */
	c->data_bytes = c->nres * PTS_PCACHE_PAGE;
	c->data = mmap(NULL, c->data_bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (c->data == MAP_FAILED)
		c->data = xmalloc(c->data_bytes);
	c->free_slots = xmalloc(c->nres * sizeof(*c->free_slots));
	for (size_t i = 0; i < c->nres; i++)
		c->free_slots[i] = (uint32_t)(c->nres - 1 - i);	/* low slots first */
	c->nfree_slots = c->nres;
	c->st.capacity = c->nres;
	return c;
}

void pts_pcache_free(struct pts_pcache *c)
{
	if (!c)
		return;
	munmap(c->data, c->data_bytes);
	pthread_mutex_destroy(&c->lock);
	free(c->free_slots);
	free(c->bucket);
	free(c->e);
	free(c);
}

bool pts_pcache_get(struct pts_pcache *c, uint64_t key, size_t off, size_t len, void *dst,
		    unsigned *flags)
{
	pthread_mutex_lock(&c->lock);
	uint32_t i = h_find(c, key);
	if (i == NONE || c->e[i].q == Q_A1OUT) {
		c->st.misses++;
		pthread_mutex_unlock(&c->lock);
		return false;
	}
	struct entry *x = &c->e[i];
	c->st.hits++;
	if (x->q == Q_AM && c->e[sentinel(c, Q_AM)].next != i) {
		q_unlink(c, i);
		q_push(c, Q_AM, i);
	}
	*flags = x->flags;
	if (!(x->flags & PTS_PCACHE_NODATA) && len)
		memcpy(dst, c->data + (size_t)x->slot * PTS_PCACHE_PAGE + off, len);
	pthread_mutex_unlock(&c->lock);
	return true;
}

void pts_pcache_put(struct pts_pcache *c, uint64_t key, const void *page, unsigned flags)
{
	if (!page)
		flags |= PTS_PCACHE_NODATA;
	pthread_mutex_lock(&c->lock);
	uint32_t i = h_find(c, key);
	int q = Q_A1IN;
	if (i != NONE && c->e[i].q != Q_A1OUT) {
		/* Another reader filled it first: keep one copy, refreshed. */
		q_unlink(c, i);
		q = c->e[i].q;
		release_slot(c, &c->e[i]);
	} else {
		if (i != NONE) {
			/* Remembered: read again soon after it left A1in. */
			c->st.ghost_hits++;
			q_unlink(c, i);
			h_del(c, i);
			q_push(c, Q_FREE, i);
			q = Q_AM;
		}
		reclaim(c);
		i = q_tail(c, Q_FREE);
		q_unlink(c, i);
		c->e[i].key = key;
		h_add(c, i);
	}
	struct entry *x = &c->e[i];
	x->flags = (uint8_t)flags;
	x->slot = NONE;
	if (!(flags & PTS_PCACHE_NODATA)) {
		x->slot = c->free_slots[--c->nfree_slots];
		memcpy(c->data + (size_t)x->slot * PTS_PCACHE_PAGE, page, PTS_PCACHE_PAGE);
	}
	q_push(c, q, i);
	c->st.inserts++;
	size_t res = c->count[Q_A1IN] + c->count[Q_AM];
	if (res > c->st.peak_resident)
		c->st.peak_resident = res;
	pthread_mutex_unlock(&c->lock);
}

void pts_pcache_stats(struct pts_pcache *c, struct pts_pcache_stats *ret)
{
	pthread_mutex_lock(&c->lock);
	*ret = c->st;
	ret->resident = c->count[Q_A1IN] + c->count[Q_AM];
	pthread_mutex_unlock(&c->lock);
}

size_t pts_pcache_default_bytes(void)
{
	size_t d = (size_t)128 << 20;
	long pages = sysconf(_SC_PHYS_PAGES), ps = sysconf(_SC_PAGESIZE);
	if (pages > 0 && ps > 0 && (size_t)pages * (size_t)ps / 8 < d)
		d = (size_t)pages * (size_t)ps / 8;
	return d;
}

bool pts_pcache_parse_size(const char *s, size_t *ret)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *s == '-')
		return false;
	unsigned shift = 0;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case '\0':
		break;
	default:
		return false;
	}
	if (shift)
		end++;
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B' && shift)
		end++;
	if (*end || v > (1ull << 40) >> shift)
		return false;
	*ret = (size_t)(v << shift);
	return true;
}
