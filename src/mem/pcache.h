/* ptscope's page cache: decompressed dump pages keyed by physical page
 * frame, in front of libkdumpfile (whose own cache is kept small, see
 * dump.c).  The policy is 2Q (Johnson and Shasha, VLDB 1994): a page read
 * once enters a FIFO (A1in) and leaves it without disturbing the pages
 * read again and again (Am, an LRU); a page evicted from A1in is
 * remembered without its data (A1out), and a miss on a remembered page
 * goes straight to Am.  A walk of every address space reads each
 * page-table page once, the structures around it (task_structs,
 * mm_structs, VMAs, struct pages of a shared segment) many times: 2Q
 * keeps the second kind while the first streams past.  Chosen over
 * CLOCK-Pro and ARC for the same scan resistance with a fixed split,
 * three lists and no tuning state, so that its work is O(1) and its
 * behaviour easy to reason about.  All calls are thread-safe (one
 * mutex: a hit is a hash probe and a 4 KiB copy). */
#ifndef PTS_PCACHE_H
#define PTS_PCACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PTS_PCACHE_PAGE 4096

/* Flags kept with a cached page. */
#define PTS_PCACHE_NODATA 1u	/* not in the dump: no data, the read fails */

struct pts_pcache;

struct pts_pcache_stats {
	uint64_t hits, misses, inserts, evictions, ghost_hits;
	size_t capacity;	/* pages */
	size_t resident;	/* pages held now */
	size_t peak_resident;
};

/* A cache of at most bytes (rounded down to pages, at least 16). */
struct pts_pcache *pts_pcache_new(size_t bytes);
void pts_pcache_free(struct pts_pcache *c);

/* Copy len bytes at offset off of page key into dst.  True on a hit, with
 * *flags set (on PTS_PCACHE_NODATA nothing is copied). */
bool pts_pcache_get(struct pts_pcache *c, uint64_t key, size_t off, size_t len, void *dst,
		    unsigned *flags);
/* Add page key (a whole page, or NULL with PTS_PCACHE_NODATA) after a
 * miss.  Adding a key already there replaces its data. */
void pts_pcache_put(struct pts_pcache *c, uint64_t key, const void *page, unsigned flags);
void pts_pcache_stats(struct pts_pcache *c, struct pts_pcache_stats *ret);

/* The default size: 128 MiB, or an eighth of this machine's RAM when that
 * is less.  Chosen on the scale dump (2,000 processes, 32.8 M PTEs):
 * check --all misses about as often with 32 MiB as with 256 MiB (the
 * page-table pages stream, what repeats is small) and takes the same
 * time, while every 64 MiB more is 64 MiB more resident. */
size_t pts_pcache_default_bytes(void);
/* "256M", "1G", "65536K", a byte count: true and *ret on success. */
bool pts_pcache_parse_size(const char *s, size_t *ret);
#endif
