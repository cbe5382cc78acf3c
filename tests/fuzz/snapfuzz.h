/* What the snapshot-fed fuzz targets share (fuzz_readers, fuzz_kallsyms):
 * the recorded pages of a snapshot (src/mem/snapshot.h), and the fuzzer's
 * bytes made into overlay items over them (PTSCOPE_TEST_PATCH). */
#ifndef SNAPFUZZ_H
#define SNAPFUZZ_H
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int snapfuzz_by_addr(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The snapshot named by environment variable var, and its pages
 * (address << 1 | physical), in address order; exits when unusable. */
static const char *snapfuzz_load(const char *var, uint64_t **pages, size_t *npages)
{
	const char *path = getenv(var);
	if (!path) {
		fprintf(stderr, "fuzz: set %s to a snapshot file\n", var);
		exit(2);
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(2);
	}
	char line[64];
	unsigned long long n = 0, skip;
	if (!fgets(line, sizeof(line), f) || strcmp(line, "PTSSNAP1\n"))
		exit(2);
	for (int i = 0; i < 3; i++) {
		if (!fgets(line, sizeof(line), f) || !strchr(line, ' '))
			exit(2);
		skip = strtoull(strchr(line, ' ') + 1, NULL, 10);
		if (i != 1 && fseek(f, (long)skip, SEEK_CUR))
			exit(2);
	}
	if (!fgets(line, sizeof(line), f) || sscanf(line, "pages %llu", &n) != 1)
		exit(2);
	uint64_t *v = calloc(n ? n : 1, sizeof(*v));
	size_t k = 0;
	for (unsigned long long i = 0; i < n; i++) {
		int sp = fgetc(f);
		uint64_t a;
		if (fread(&a, 8, 1, f) != 1 || fseek(f, 4096, SEEK_CUR))
			exit(2);
		v[k++] = a << 1 | (sp == 'P');
	}
	fclose(f);
	qsort(v, k, sizeof(*v), snapfuzz_by_addr);
	*pages = v;
	*npages = k;
	return path;
}

/* 12 bytes an item: a page (2, an index among the recorded ones), an
 * offset (2; its top two bits the width: 8, 8, 4 or 1 bytes), a value
 * (8); at most 64 items, set as PTSCOPE_TEST_PATCH. */
static void snapfuzz_patch(const uint8_t *data, size_t size, const uint64_t *pages, size_t npages)
{
	size_t n = size / 12 > 64 ? 64 : size / 12;
	char *patch = malloc(n * 48 + 1), *at = patch;
	*at = '\0';
	for (size_t i = 0; i < n && npages; i++) {
		const uint8_t *it = data + 12 * i;
		uint16_t pi, off;
		uint64_t v;
		memcpy(&pi, it, 2);
		memcpy(&off, it + 2, 2);
		memcpy(&v, it + 4, 8);
		uint64_t pg = pages[pi % npages];
		static const unsigned widths[] = { 8, 8, 4, 1 };
		unsigned w = widths[off >> 14];
		uint64_t a = (pg >> 1) + ((off & 4095) & ~(uint64_t)(w - 1));
		if (w < 8)
			v &= (1ULL << (8 * w)) - 1;
		at += sprintf(at, "%s%c:%" PRIx64 "=%" PRIx64 "/%u", i ? ";" : "", pg & 1 ? 'P' : 'K', a, v,
			      w);
	}
	setenv("PTSCOPE_TEST_PATCH", patch, 1);
	free(patch);
}
#endif
