/* libFuzzer target: the dump formats as ptscope opens them: the kdump
 * header, bitmaps and page descriptors, ELF headers and notes, the
 * flattened format's records (rearranged into the cache), VMCOREINFO,
 * and then reads through the page cache of what opened.  The input is a
 * whole file.  Nothing must crash, hang or read out of bounds; errors are
 * the expected outcome of most inputs. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "mem/dump.h"
#include "base/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* once (not by looking at the template: mkdtemp may end it in 'X') */
	static char dir[] = "/tmp/ptscope-fuzz-XXXXXX";
	static int made;
	if (!made) {
		if (!mkdtemp(dir))
			abort();
		setenv("PTSCOPE_CACHE_DIR", dir, 1);
		made = 1;
	}
	int fd = memfd_create("fuzz-dump", 0);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct pts_dump *d;
	struct pts_error *err = pts_dump_open(path, &d);
	if (!err) {
		uint8_t buf[4096];
		const struct pts_dump_info *in = pts_dump_info(d);
		/* a few pages: the first, the last, one past the end */
		uint64_t at[] = { 0, in->max_pfn ? (in->max_pfn - 1) * 4096 : 0, in->max_pfn * 4096,
				  0xffffffff81000000ull };
		for (size_t i = 0; i < sizeof(at) / sizeof(*at); i++) {
			pts_error_destroy(pts_dump_read(d, i == 3 ? PTS_KVADDR : PTS_PHYS, at[i], buf,
							sizeof(buf)));
		}
		pts_dump_close(d);
	}
	pts_error_destroy(err);
	close(fd);
	return 0;
}
