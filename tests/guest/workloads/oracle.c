/* oracle PID...: run inside the test-bed guest just before a dump.  For
 * each PID writes, under the current directory, pid-PID/pagemap: one line
 * "VA ENTRY" (hex) for every page of every VMA whose pagemap entry is not
 * zero; and kpage: "PFN COUNT FLAGS" (hex) for every PFN those entries map,
 * COUNT less the oracle's own mappings of that frame (it maps pages the
 * workloads map too, such as the vDSO, and is gone by the dump).
 * Pages are the guest's (4 or 16 KiB: sysconf). The guest kernel itself
 * is the oracle the dump is checked against. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)

static uint64_t *pfns;
static size_t npfns, cap;
static unsigned long PAGE;

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int do_pid(const char *pid)
{
	char path[256];
	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	FILE *maps = fopen(path, "r");
	snprintf(path, sizeof(path), "/proc/%s/pagemap", pid);
	int pm = open(path, O_RDONLY);
	if (!maps || pm < 0) {
		fprintf(stderr, "oracle: %s: %s\n", path, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "pid-%s", pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "pid-%s/pagemap", pid);
	FILE *out = fopen(path, "w");
	if (!out)
		return 1;
	char line[4096];
	while (fgets(line, sizeof(line), maps)) {
		unsigned long start, end;
		if (sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		if (strstr(line, "[vsyscall]"))
			continue;	/* x86-64's gate page: no page table entries */
		/* In chunks: a million-page process must not cost a
		 * million system calls under TCG. */
		static uint64_t chunk[4096];
		size_t have = 0, at = 0;
		for (unsigned long va = start; va < end; va += PAGE, at++) {
			if (at == have) {
				size_t want = (end - va) / PAGE;
				if (want > 4096)
					want = 4096;
				ssize_t r = pread(pm, chunk, want * 8, (off_t)(va / PAGE * 8));
				if (r <= 0)
					break;
				have = (size_t)r / 8;
				at = 0;
			}
			uint64_t e = chunk[at];
			if (!e)
				continue;
			fprintf(out, "%lx %" PRIx64 "\n", va, e);
			if ((e & PM_PRESENT) && (e & PM_PFN_MASK)) {
				if (npfns == cap) {
					cap = cap ? cap * 2 : 4096;
					pfns = realloc(pfns, cap * sizeof(*pfns));
				}
				pfns[npfns++] = e & PM_PFN_MASK;
			}
		}
	}
	fclose(out);
	fclose(maps);
	close(pm);
	return 0;
}

/* The frames this process maps, once per mapping, sorted. */
static uint64_t *self;
static size_t nself;

static void self_pfns(void)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	int pm = open("/proc/self/pagemap", O_RDONLY);
	char line[4096];
	size_t cap2 = 0;
	while (maps && pm >= 0 && fgets(line, sizeof(line), maps)) {
		unsigned long start, end;
		if (sscanf(line, "%lx-%lx", &start, &end) != 2 || strstr(line, "[vsyscall]"))
			continue;
		for (unsigned long va = start; va < end; va += PAGE) {
			uint64_t e;
			if (pread(pm, &e, 8, (off_t)(va / PAGE * 8)) != 8)
				break;
			if (!(e & PM_PRESENT) || !(e & PM_PFN_MASK))
				continue;
			if (nself == cap2) {
				cap2 = cap2 ? cap2 * 2 : 1024;
				self = realloc(self, cap2 * sizeof(*self));
			}
			self[nself++] = e & PM_PFN_MASK;
		}
	}
	if (maps)
		fclose(maps);
	if (pm >= 0)
		close(pm);
	qsort(self, nself, sizeof(*self), cmp64);
}

static uint64_t self_count(uint64_t pfn)
{
	uint64_t n = 0;
	size_t lo = 0, hi = nself;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (self[mid] < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo < nself && self[lo++] == pfn)
		n++;
	return n;
}

int main(int argc, char **argv)
{
	int rc = 0;
	PAGE = (unsigned long)sysconf(_SC_PAGESIZE);
	for (int i = 1; i < argc; i++)
		rc |= do_pid(argv[i]);
	qsort(pfns, npfns, sizeof(*pfns), cmp64);
	self_pfns();
	int kc = open("/proc/kpagecount", O_RDONLY), kf = open("/proc/kpageflags", O_RDONLY);
	FILE *out = fopen("kpage", "w");
	if (kc < 0 || kf < 0 || !out) {
		perror("oracle: kpage");
		return 1;
	}
	for (size_t i = 0; i < npfns; i++) {
		if (i && pfns[i] == pfns[i - 1])
			continue;
		uint64_t c = 0, f = 0;
		if (pread(kc, &c, 8, (off_t)(pfns[i] * 8)) != 8 ||
		    pread(kf, &f, 8, (off_t)(pfns[i] * 8)) != 8)
			rc = 1;
		uint64_t mine = self_count(pfns[i]);
		fprintf(out, "%" PRIx64 " %" PRIx64 " %" PRIx64 "\n", pfns[i], c >= mine ? c - mine : 0, f);
	}
	fclose(out);
	return rc;
}
