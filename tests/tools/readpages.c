/* readpages DUMP [CACHE_PAGES] < PFNS: the floor for the walk's speed.
 * Reads each PFN given on stdin (hex, one per line) once, 4 KiB through
 * libkdumpfile directly, with the same translation setup ptscope uses,
 * and prints the seconds the reads took.  CACHE_PAGES sets libkdumpfile's
 * cache.size (ptscope's is PTS_KDUMP_CACHE_PAGES); without it the
 * library's default.  Used by scripts/bench. */
#include <fcntl.h>
#include <inttypes.h>
#include <libkdumpfile/kdumpfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: readpages DUMP [CACHE_PAGES] < PFNS\n");
		return 2;
	}
	size_t n = 0, cap = 4096;
	uint64_t *pfn = malloc(cap * sizeof(*pfn));
	unsigned long long v;
	while (pfn && scanf("%llx", &v) == 1) {
		if (n == cap)
			pfn = realloc(pfn, (cap *= 2) * sizeof(*pfn));
		if (pfn)
			pfn[n++] = v;
	}
	int fd = open(argv[1], O_RDONLY);
	kdump_ctx_t *kd = kdump_new();
	if (!pfn || fd < 0 || !kd || kdump_open_fd(kd, fd) != KDUMP_OK) {
		fprintf(stderr, "readpages: %s: cannot open\n", argv[1]);
		return 2;
	}
	if (argc == 3) {
		kdump_attr_t cs = { .type = KDUMP_NUMBER, .val.number = strtoul(argv[2], NULL, 0) };
		if (kdump_set_attr(kd, "cache.size", &cs) != KDUMP_OK) {
			fprintf(stderr, "readpages: cache.size: %s\n", kdump_get_err(kd));
			return 2;
		}
	}
	kdump_set_string_attr(kd, "addrxlat.ostype", "linux");
	static char buf[4096];
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (size_t i = 0; i < n; i++) {
		size_t len = sizeof(buf);
		if (kdump_read(kd, KDUMP_KPHYSADDR, pfn[i] << 12, buf, &len) != KDUMP_OK) {
			fprintf(stderr, "readpages: pfn %#" PRIx64 ": %s\n", pfn[i], kdump_get_err(kd));
			return 2;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%zu %.6f\n", n, (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	kdump_free(kd);
	return 0;
}
