/* libFuzzer target: /proc/kcore's ELF program headers and notes as
 * pts_kcore_open parses them (the file is the fuzzer's bytes). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "base/error.h"
#include "mem/kcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-kcore", 0);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	struct pts_kcore *k = NULL;
	char *raw = NULL;
	struct pts_error *err = pts_kcore_open(fd, &k, &raw);
	if (!err) {
		uint8_t buf[64];
		pts_error_destroy(pts_kcore_read(k, true, 0, buf, sizeof(buf)));
		pts_error_destroy(pts_kcore_read(k, false, 0xffffffff81000000ull, buf, sizeof(buf)));
		pts_kcore_close(k);
	}
	free(raw);
	pts_error_destroy(err);
	close(fd);
	return 0;
}
