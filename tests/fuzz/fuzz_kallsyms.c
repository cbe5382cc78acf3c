/* libFuzzer target: the kallsyms tables in a dump's memory (kallsyms.c:
 * kallsyms_names, the token table and index, the offsets, relative base,
 * the symbol count), decoded from a snapshot of a real dump's pages with
 * the fuzzer's bytes laid over them (snapfuzz.h).  Record the snapshot
 * with PTSCOPE_FUZZ_RECORD=DUMP PTSCOPE_RECORD=OUT; fuzz with
 * PTSCOPE_FUZZ_KALLSYMS_SNAPSHOT=FILE (make fuzz-smoke sets both). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "mem/dump.h"
#include "types/kallsyms.h"
#include "snapfuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *snapshot;
static uint64_t *pages;
static size_t npages;

static void decode(struct pts_dump *d)
{
	struct pts_kallsyms *k;
	struct pts_error *err = pts_kallsyms_from_memory(d, pts_dump_vmcoreinfo(d), &k);
	if (err) {
		pts_error_destroy(err);
		return;
	}
	static const char *const names[] = { "init_mm", "_stext", "init_top_pgt", "swapper_pg_dir", "" };
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		uint64_t a;
		char t;
		pts_kallsyms_lookup(k, names[i], &a, &t);
	}
	pts_kallsyms_free(k);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *rec = getenv("PTSCOPE_FUZZ_RECORD"), *out = getenv("PTSCOPE_RECORD");
	if (rec && out) {
		struct pts_dump *d;
		struct pts_error *err = pts_dump_open(rec, &d);
		if (err) {
			fprintf(stderr, "fuzz_kallsyms: %s\n", pts_error_text(err));
			exit(2);
		}
		decode(d);
		FILE *f = fopen(out, "wb");
		if (!f)
			exit(2);
		pts_dump_record_write(d, f, "");
		fclose(f);
		pts_dump_close(d);
		exit(0);
	}
	snapshot = snapfuzz_load("PTSCOPE_FUZZ_KALLSYMS_SNAPSHOT", &pages, &npages);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	snapfuzz_patch(data, size, pages, npages);
	struct pts_dump *d;
	struct pts_error *err = pts_dump_open(snapshot, &d);
	if (err) {
		pts_error_destroy(err);
		return 0;
	}
	decode(d);
	pts_dump_close(d);
	return 0;
}
