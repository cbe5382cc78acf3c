/* libFuzzer target: the kernel-object readers and analyses over a real
 * dump's pages with the fuzzer's bytes laid over them.
 *
 * The pages are a snapshot (src/mem/snapshot.h) of what this same sequence of
 * readers read from a test-bed dump, recorded once by running this
 * program with PTSCOPE_FUZZ_RECORD=DUMP, PTSCOPE_FUZZ_VMLINUX=VMLINUX and
 * PTSCOPE_RECORD=OUT (scripts/fuzz-seeds does it).  Fuzzing, it reads
 * PTSCOPE_FUZZ_SNAPSHOT (make fuzz-smoke sets it).  Each input is a list
 * of 12-byte items: a page (an index among the snapshot's recorded
 * pages, by address order), an offset in it, a width and 8 bytes of value,
 * laid over the snapshot through the overlay (PTSCOPE_TEST_PATCH): task
 * list and task_structs, maple tree and VMAs, every level of the page
 * tables, struct pages and folios, anon_vma and i_mmap trees, lock words
 * and wait lists, hugetlb sharing, as the readers meet them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyses/check.h"
#include "analyses/hugetlb.h"
#include "readers/kmm.h"
#include "readers/ktask.h"
#include "analyses/locks.h"
#include "analyses/rmap.h"
#include "readers/walk.h"
#include "snapfuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *snapshot;
static uint64_t *pages;	/* the recorded pages: address << 1 | physical */
static size_t npages;

/* The processes the sequence reads in full, by name: a hugetlb sharer,
 * a process with anonymous and file memory, the one holding a split
 * page-table lock, and the first. */
static const char *const names[] = { "wl-huge-s1", "wl-rmap-g2", "wl-ptl", "wl-basic" };

static void count(void *arg, const struct pts_table *t)
{
	(void)t;
	(*(unsigned *)arg)++;
}

static void readers(struct pts_program *p)
{
	struct pts_task_list tl;
	struct pts_error *err = pts_tasks(p, true, &tl);
	if (err) {
		pts_error_destroy(err);
		return;
	}
	struct pts_findings f = { 0 };
	uint64_t pfn = 0;
	for (size_t i = 0; i < tl.n; i++) {
		const struct pts_task *t = &tl.v[i];
		bool want = false;
		for (size_t k = 0; k < sizeof(names) / sizeof(*names); k++)
			want |= !strcmp(t->comm, names[k]) && t->pid == t->tgid;
		if (!want || !t->mm)
			continue;
		struct pts_mm mm;
		if (!(err = pts_mm_read(p, t, &mm))) {
			unsigned tables = 0;
			struct pts_walk_ops ops = { .table = count };
			struct pts_walk_result r = { 0 };
			pts_error_destroy(pts_walk(p, mm.pgd, 0, UINT64_MAX, &ops, &tables, &r));
			pts_walk_result_free(&r);
			for (size_t v = 0; v < mm.nvmas && !pfn; v++) {
				struct pts_xlate x;
				struct pts_error *e = pts_translate(p, mm.pgd, mm.vmas[v].start, &x);
				if (!e && x.mapped)
					pfn = x.pa >> 12;
				pts_error_destroy(e);
			}
			pts_mm_free(&mm);
		}
		pts_error_destroy(err);
		pts_error_destroy(pts_check_task(p, t, &f));
		struct pts_hugetlb h;
		if (!(err = pts_hugetlb_scan(p, t->pid, NULL, &h)))
			pts_hugetlb_free(&h);
		pts_error_destroy(err);
	}
	if (pfn) {
		struct pts_rmap_chain c;
		if (!(err = pts_rmap_chain(p, pfn, &c)))
			pts_rmap_chain_free(&c);
		pts_error_destroy(err);
	}
	/* hugetlb sharing, vma_locks and the lock scan (every process) */
	pts_error_destroy(pts_check_dump(p, tl.n ? tl.v[0].pid : 1, &f));
	pts_findings_free(&f);
	pts_task_list_free(&tl);
}

static struct pts_program *open_prog(const char *dump, const char *vmlinux)
{
	struct pts_open_opts o = { .dump = dump, .vmlinux = vmlinux, .need_types = true };
	struct pts_program *p;
	struct pts_error *err = pts_program_open(&o, &p);
	if (err) {
		fprintf(stderr, "fuzz_readers: %s\n", pts_error_text(err));
		pts_error_destroy(err);
		return NULL;
	}
	return p;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *rec = getenv("PTSCOPE_FUZZ_RECORD");
	if (rec) {
		struct pts_program *p = open_prog(rec, getenv("PTSCOPE_FUZZ_VMLINUX"));
		if (!p)
			exit(2);
		readers(p);
		pts_program_close(p);	/* writes PTSCOPE_RECORD */
		exit(0);
	}
	snapshot = snapfuzz_load("PTSCOPE_FUZZ_SNAPSHOT", &pages, &npages);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!npages)
		return 0;
	snapfuzz_patch(data, size, pages, npages);
	struct pts_program *p = open_prog(snapshot, NULL);
	if (p) {
		readers(p);
		pts_program_close(p);
	}
	return 0;
}
