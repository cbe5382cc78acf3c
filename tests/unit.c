/* Unit tests for what needs no dump. */
#include "config.h"
#include <endian.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "error.h"
#include "flat.h"
#include "json.h"
#include "tap.h"
#include "util.h"
#include "vmcoreinfo.h"

static void test_vmcoreinfo(void)
{
	struct vmcoreinfo *v = vmcoreinfo_parse(
		"OSRELEASE=6.1.0-50-cloud-amd64\nPAGESIZE=4096\nSYMBOL(init_top_pgt)=ffffffffb860a000\n"
		"KERNELOFFSET=37000000\nNUMBER(phys_base)=-1073741824\nCRASHTIME=1\nCRASHTIME=1763900000\n"
		"garbage line\n");
	uint64_t x = 0;
	ok(!strcmp(vmcoreinfo_get(v, "OSRELEASE"), "6.1.0-50-cloud-amd64"), "OSRELEASE");
	ok(vmcoreinfo_num(v, "PAGESIZE", &x) && x == 4096, "PAGESIZE is decimal");
	ok(vmcoreinfo_num(v, "SYMBOL(init_top_pgt)", &x) && x == 0xffffffffb860a000ULL, "SYMBOL is hex");
	ok(vmcoreinfo_num(v, "KERNELOFFSET", &x) && x == 0x37000000, "KERNELOFFSET is hex");
	ok(vmcoreinfo_num(v, "CRASHTIME", &x) && x == 1763900000, "last CRASHTIME wins");
	ok(!vmcoreinfo_get(v, "garbage line") && !vmcoreinfo_get(v, "MISSING"), "missing keys");
	vmcoreinfo_destroy(v);
}

static void test_error(void)
{
	struct pts_error *e = pts_error(PTS_ERR_NODATA, "page 0x%x", 0x1000);
	e = pts_error_wrap(e, "task %d", 7);
	ok(e->code == PTS_ERR_NODATA && !strcmp(pts_error_text(e), "task 7: page 0x1000"),
	   "wrap keeps the code and prepends context: %s", pts_error_text(e));
	pts_error_destroy(e);
	ok(!strcmp(pts_error_text(&pts_enomem), "out of memory"), "static enomem has text");
}

static void test_json(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;
	json_init(&j, f);
	json_begin_object(&j);
	json_key(&j, "s");
	json_string(&j, "a\"b\\c\n\x01\xff");
	json_key(&j, "a");
	json_begin_array(&j);
	json_hex(&j, 0xffffffff81000000ULL);
	json_int(&j, -3);
	json_end_array(&j);
	json_key(&j, "e");
	json_begin_array(&j);
	json_end_array(&j);
	json_end_object(&j);
	fclose(f);
	const char *want = "{\n  \"s\": \"a\\\"b\\\\c\\n\\u0001\\u00ff\",\n  \"a\": [\n    "
			   "\"0xffffffff81000000\",\n    -3\n  ],\n  \"e\": []\n}";
	ok(!strcmp(buf, want), "json escaping and layout:\n%s", buf);
	free(buf);
}

static void put_rec(int fd, int64_t off, int64_t size, const void *data)
{
	uint64_t h[2] = { htobe64((uint64_t)off), htobe64((uint64_t)size) };
	if (write(fd, h, 16) != 16 || (size > 0 && write(fd, data, (size_t)size) != size))
		abort();
}

static char *make_flat(const char *dir, const char *name, int truncate_last)
{
	char *path = xasprintf("%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char hdr[4096] = "makedumpfile";
	uint64_t t = htobe64(1), v = htobe64(1);
	memcpy(hdr + 16, &t, 8);
	memcpy(hdr + 24, &v, 8);
	if (write(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr))
		abort();
	/* Out of order, as makedumpfile writes headers after data. */
	put_rec(fd, 8192, 5, "world");
	put_rec(fd, 0, 5, "hello");
	if (truncate_last) {
		uint64_t h[2] = { htobe64(100), htobe64(1000) };
		if (write(fd, h, 16) != 16 || write(fd, "xx", 2) != 2)
			abort();
	} else {
		put_rec(fd, -1, -1, NULL);
	}
	close(fd);
	return path;
}

static void test_flat(void)
{
	char dir[] = "/tmp/ptscope-unit-XXXXXX";
	if (!mkdtemp(dir))
		abort();
	setenv("PTSCOPE_CACHE_DIR", dir, 1);
	char *in = make_flat(dir, "good.flat", 0);
	int fd = open(in, O_RDONLY);
	ok(pts_flat_probe(fd), "flattened header recognised");
	char *out = NULL;
	struct pts_error *e = pts_flat_rearrange(in, fd, &out);
	ok(!e, "rearrange: %s", e ? pts_error_text(e) : "ok");
	char buf[8192 + 5] = { 0 };
	int o = out ? open(out, O_RDONLY) : -1;
	ssize_t n = o >= 0 ? read(o, buf, sizeof(buf)) : -1;
	ok(n == (ssize_t)sizeof(buf) && !memcmp(buf, "hello", 5) && !memcmp(buf + 8192, "world", 5) &&
	   buf[5] == 0, "records land at their offsets");
	if (o >= 0)
		close(o);
	char *again = NULL;
	e = pts_flat_rearrange(in, fd, &again);
	ok(!e && again && !strcmp(again, out), "second open reuses the cached copy");
	free(again);
	free(out);
	close(fd);
	free(in);

	in = make_flat(dir, "cut.flat", 1);
	fd = open(in, O_RDONLY);
	out = NULL;
	e = pts_flat_rearrange(in, fd, &out);
	ok(e && e->code == PTS_ERR_FORMAT && strstr(pts_error_text(e), "truncated") &&
	   strstr(pts_error_text(e), in), "a cut flattened dump is refused: %s",
	   e ? pts_error_text(e) : "accepted");
	pts_error_destroy(e);
	close(fd);
	free(in);
	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd))
		abort();
	free(cmd);
}

int main(void)
{
	test_vmcoreinfo();
	test_error();
	test_json();
	test_flat();
	return tap_done();
}
