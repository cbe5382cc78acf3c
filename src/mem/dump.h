/* Memory sources.  A dump is opened through libkdumpfile (ELF and
 * kdump-compressed; flattened ones are rearranged first, see flat.h),
 * or the running kernel through /proc/kcore (kcore.h) behind the same
 * calls. */
#ifndef PTS_DUMP_H
#define PTS_DUMP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "base/error.h"

enum pts_addr_space {
	PTS_KVADDR,	/* kernel virtual */
	PTS_PHYS,	/* physical */
};

struct vmcoreinfo;

struct pts_dump_info {
	const char *format;		/* "elf", "kdump", "kcore" */
	bool live;			/* the running kernel: values may change between reads */
	bool flattened;			/* was makedumpfile -F / QEMU -z */
	const char *compression;	/* "none", "zlib", "lzo", "snappy", "zstd", "mixed" */
	int dump_level;			/* makedumpfile -d, -1 if unknown */
	int64_t dump_time;		/* kdump header timestamp, 0 if none */
	/* in 4 KiB frames whatever the kernel's page size (the program's
	 * pts_max_pfn() counts the kernel's pages) */
	uint64_t max_pfn;
	uint64_t ram_pages;		/* 4 KiB frames of RAM the dump describes */
	uint64_t page_size;
	uint64_t file_page_size;	/* kdump-compressed: the file's block size */
	const char *arch;
	unsigned ncpus;			/* CPUs recorded by the dump, 0 unknown */
};

struct pts_dump;

/* Open path read-only.  Refuses non-dumps and truncated dumps. */
struct pts_error *pts_dump_open(const char *path, struct pts_dump **ret);
void pts_dump_close(struct pts_dump *d);
const char *pts_dump_path(const struct pts_dump *d);
const struct pts_dump_info *pts_dump_info(const struct pts_dump *d);
const struct vmcoreinfo *pts_dump_vmcoreinfo(const struct pts_dump *d);

/* The size of ptscope's own page cache (pcache.h) for this dump; before
 * the first read.  0: pts_pcache_default_bytes(). */
void pts_dump_set_cache_bytes(struct pts_dump *d, size_t bytes);

/* Threads: each thread that reads a dump says which slot it is (0, the
 * default, for the thread that opened it; 1 to PTS_DUMP_SLOTS - 1 for
 * workers, each its own); a slot is a libkdumpfile context of its own
 * (they are not thread-safe), made on the slot's first read.  The page
 * cache is shared.  /proc/kcore is read with pread alone. */
#define PTS_DUMP_SLOTS 65
void pts_dump_set_slot(unsigned slot);

/* The pages of libkdumpfile's own cache (cache.size); tests/readpages
 * measures the floor with the same setting. */
#define PTS_KDUMP_CACHE_PAGES 32

/* Snapshots (snapshot.h): the recorded type answers when d is one, else
 * NULL; whether PTSCOPE_RECORD is recording the pages read, and writing
 * them (with the type answers) as a snapshot. */
const char *pts_dump_snapshot_types(const struct pts_dump *d);
bool pts_dump_recording(const struct pts_dump *d);
void pts_dump_record_write(struct pts_dump *d, FILE *f, const char *types);

/* Read len bytes; PTS_ERR_NODATA when a page is not in the dump. */
struct pts_error *pts_dump_read(struct pts_dump *d, enum pts_addr_space as,
				uint64_t addr, void *buf, size_t len);
/* PTS_READ_ONCE: a page read once (a page-table page a walk streams
 * through): served from the page cache when there, not added to it on a
 * miss, which costs a copy and a fresh page of cache each (the 1 M-PTE
 * walk: 13 ms uncached, 18 ms cached). */
#define PTS_READ_ONCE 1u
struct pts_error *pts_dump_read_flags(struct pts_dump *d, enum pts_addr_space as, uint64_t addr,
				      void *buf, size_t len, unsigned flags);
#endif
