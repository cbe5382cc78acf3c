/* Snapshots: the pages one run of ptscope read from a dump, and the
 * answers its types gave, in one file, read back as a memory source of its
 * own (no libkdumpfile, no vmlinux).  For the fuzz target of the
 * kernel-object readers (tests/fuzz/fuzz_readers.c): the fuzzer's bytes
 * are laid over a real dump's pages (overlay.h) and every reader runs on
 * them, without a 600 MB vmlinux in the corpus.
 *
 * PTSCOPE_RECORD=FILE makes any command write one when it ends. */
#ifndef PTS_SNAPSHOT_H
#define PTS_SNAPSHOT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "base/error.h"

#define PTS_SNAPSHOT_MAGIC "PTSSNAP1"

struct pts_snapshot;

/* The file behind fd (at its start) is a snapshot. */
bool pts_snapshot_is(int fd);
/* Parse the whole file; every size bounded by the file's. */
struct pts_error *pts_snapshot_open(int fd, struct pts_snapshot **ret);
void pts_snapshot_close(struct pts_snapshot *s);
const char *pts_snapshot_vmcoreinfo(const struct pts_snapshot *s);
/* The recorded type answers (dwinfo.c's record format). */
const char *pts_snapshot_types(const struct pts_snapshot *s);
uint64_t pts_snapshot_max_pfn(const struct pts_snapshot *s);
/* len bytes at addr; PTS_ERR_NODATA for a page not recorded. */
struct pts_error *pts_snapshot_read(const struct pts_snapshot *s, bool phys, uint64_t addr, void *buf,
				    size_t len);

/* Writing one: the header, then the pages (each 4 KiB, read by the
 * caller). */
void pts_snapshot_write_header(FILE *f, const char *vmcoreinfo, uint64_t max_pfn, const char *types,
			       size_t npages);
void pts_snapshot_write_page(FILE *f, bool phys, uint64_t addr, const void *page);
/* Then the pages the dump could not give, each with its error as reading
 * the page's start said it (code and text): a replay says the same, for
 * the address it reads. */
void pts_snapshot_write_errors(FILE *f, size_t nerrors);
void pts_snapshot_write_error(FILE *f, bool phys, uint64_t addr, int code, const char *text);
#endif
