/* Unit tests for what needs no dump. */
#include "config.h"
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "base/error.h"
#include "mem/flat.h"
#include "out/json.h"
#include "mem/kcore.h"
#include "mem/pcache.h"
#include <elf.h>
#include "tap.h"
#include "base/util.h"
#include "mem/vmcoreinfo.h"
#include "mem/snapshot.h"
#include "analyses/check.h"
#include "readers/kfields.h"
#include "types/program.h"
#include "types/dwinfo.h"
#include "types/kallsyms.h"
#include "types/types.h"

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

/* A file laid out as fs/proc/kcore.c lays /proc/kcore out: a PT_NOTE with
 * VMCOREINFO, a RAM segment in the direct map (p_paddr = __pa), the
 * kernel text (p_paddr = __pa_symbol) and a vmalloc one (p_paddr -1). */
static char *make_kcore(const char *dir, const char *name, bool with_note)
{
	char *path = xasprintf("%s/%s", dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	static const char vi[] = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n";
	Elf64_Ehdr eh = { .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
				       EV_CURRENT }, .e_type = ET_CORE, .e_machine = EM_X86_64,
			  .e_version = EV_CURRENT, .e_phoff = sizeof(Elf64_Ehdr),
			  .e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 4 };
	Elf64_Phdr ph[4] = {
		{ .p_type = with_note ? PT_NOTE : PT_NULL, .p_offset = 0x400, .p_filesz = 12 + 12 + 36 },
		{ .p_type = PT_LOAD, .p_offset = 0x1000, .p_vaddr = 0xffff888000000000ull,
		  .p_paddr = 0, .p_filesz = 0x2000, .p_memsz = 0x2000 },
		{ .p_type = PT_LOAD, .p_offset = 0x3000, .p_vaddr = 0xffffffff81000000ull,
		  .p_paddr = 0x1000000, .p_filesz = 0x1000, .p_memsz = 0x1000 },
		{ .p_type = PT_LOAD, .p_offset = 0x4000, .p_vaddr = 0xffffc90000000000ull,
		  .p_paddr = (Elf64_Addr)-1, .p_filesz = 0x1000, .p_memsz = 0x1000 },
	};
	if (pwrite(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    pwrite(fd, ph, sizeof(ph), sizeof(eh)) != sizeof(ph))
		abort();
	/* the note: namesz 11 ("VMCOREINFO"), padded to 12; desc padded to 36 */
	uint32_t nh[3] = { 11, sizeof(vi) - 1, 0 };
	char note[60] = { 0 };
	memcpy(note, nh, 12);
	memcpy(note + 12, "VMCOREINFO", 11);
	memcpy(note + 24, vi, sizeof(vi) - 1);
	if (pwrite(fd, note, sizeof(note), 0x400) != sizeof(note))
		abort();
	char page[0x1000];
	for (int i = 0; i < 4; i++) {
		memset(page, 'a' + i, sizeof(page));
		if (pwrite(fd, page, sizeof(page), 0x1000 * (i + 1)) != sizeof(page))
			abort();
	}
	close(fd);
	return path;
}

static void test_kcore(void)
{
	char dir[] = "/tmp/ptscope-unit-XXXXXX";
	if (!mkdtemp(dir))
		abort();
	char *path = make_kcore(dir, "kcore", true);
	int fd = open(path, O_RDONLY);
	ok(!pts_kcore_is(fd), "a file that is not procfs' kcore is not taken for it");
	struct pts_kcore *k = NULL;
	char *vi = NULL;
	struct pts_error *e = pts_kcore_open(fd, &k, &vi);
	ok(!e && vi && strstr(vi, "OSRELEASE=6.1.0-test"), "kcore layout: VMCOREINFO from the note: %s",
	   e ? pts_error_text(e) : "ok");
	if (k) {
		ok(pts_kcore_max_pfn(k) == 2 && pts_kcore_ram_pages(k) == 2 && pts_kcore_nsegments(k) == 3,
		   "RAM is the direct-map segment only: max pfn %llu, %llu pages, %u segments",
		   (unsigned long long)pts_kcore_max_pfn(k), (unsigned long long)pts_kcore_ram_pages(k),
		   pts_kcore_nsegments(k));
		char b[16] = { 0 };
		e = pts_kcore_read(k, false, 0xffff888000000ff8ull, b, 16);
		ok(!e && !memcmp(b, "aaaaaaaabbbbbbbb", 16), "a virtual read across two RAM pages");
		pts_error_destroy(e);
		e = pts_kcore_read(k, true, 0x1000000, b, 4);
		ok(!e && !memcmp(b, "cccc", 4), "a physical read through the text segment's p_paddr");
		pts_error_destroy(e);
		e = pts_kcore_read(k, false, 0xffffc90000000010ull, b, 4);
		ok(!e && !memcmp(b, "dddd", 4), "a vmalloc read");
		pts_error_destroy(e);
		e = pts_kcore_read(k, true, 0x5000, b, 4);
		ok(e && e->code == PTS_ERR_NODATA, "a physical address no segment holds: %s",
		   e ? pts_error_text(e) : "read");
		pts_error_destroy(e);
		e = pts_kcore_read(k, false, 0xffff888000001ffcull, b, 8);
		ok(e && e->code == PTS_ERR_NODATA, "a read running off the end of memory: %s",
		   e ? pts_error_text(e) : "read");
		pts_error_destroy(e);
		pts_kcore_close(k);
	}
	free(vi);
	close(fd);
	free(path);
	path = make_kcore(dir, "nonote", false);
	fd = open(path, O_RDONLY);
	e = pts_kcore_open(fd, &k, &vi);
	ok(e && strstr(pts_error_text(e), "VMCOREINFO"), "no VMCOREINFO note: %s",
	   e ? pts_error_text(e) : "accepted");
	pts_error_destroy(e);
	close(fd);
	free(path);
	e = pts_kcore_open_error(ENOENT);
	ok(strstr(pts_error_text(e), "CONFIG_PROC_KCORE") != NULL, "missing kcore: %s", pts_error_text(e));
	pts_error_destroy(e);
	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd))
		abort();
	free(cmd);
}

static void page_of(uint8_t *pg, uint64_t key)
{
	for (size_t i = 0; i < PTS_PCACHE_PAGE; i += 8)
		memcpy(pg + i, &key, 8);
}

/* 2Q: a miss, then a hit with the right bytes; a page read again and
 * again survives a scan of many pages read once (A1in streams past Am);
 * a page read again soon after it left A1in comes back into Am (A1out);
 * NODATA pages are remembered without data; nothing grows past the size
 * asked for. */
static void test_pcache(void)
{
	struct pts_pcache *c = pts_pcache_new(64 * PTS_PCACHE_PAGE);
	uint8_t pg[PTS_PCACHE_PAGE], got[16];
	unsigned fl = 99;
	ok(!pts_pcache_get(c, 7, 0, 8, got, &fl), "pcache: a miss on an empty cache");
	page_of(pg, 7);
	pts_pcache_put(c, 7, pg, 0);
	uint64_t v = 0;
	ok(pts_pcache_get(c, 7, 4088, 8, &v, &fl) && v == 7 && fl == 0, "pcache: the page's bytes back");
	/* a hot page: in Am after a ghost hit (read, evicted from A1in, read again) */
	page_of(pg, 1000);
	pts_pcache_put(c, 1000, pg, 0);
	for (uint64_t k = 2000; k < 2000 + 64; k++) {	/* pushes 1000 out of A1in into A1out */
		page_of(pg, k);
		pts_pcache_put(c, k, pg, 0);
	}
	ok(!pts_pcache_get(c, 1000, 0, 8, &v, &fl), "pcache: a page read once is gone after a scan");
	page_of(pg, 1000);
	pts_pcache_put(c, 1000, pg, 0);
	struct pts_pcache_stats st;
	pts_pcache_stats(c, &st);
	ok(st.ghost_hits == 1, "pcache: read again after it left, it is remembered (ghost hits %llu)",
	   (unsigned long long)st.ghost_hits);
	/* now a long scan of pages read once, the hot page read every 100
	 * of them: an LRU of 64 pages would have lost it each time */
	unsigned hot_hits = 0;
	for (uint64_t k = 10000; k < 10000 + 1000; k++) {
		page_of(pg, k);
		pts_pcache_put(c, k, pg, 0);
		if (k % 100 == 0)
			hot_hits += pts_pcache_get(c, 1000, 0, 8, &v, &fl) && v == 1000;
	}
	ok(hot_hits == 10, "pcache: a page read again and again survives a scan of 1,000 pages read "
	   "once, 100 between its reads (%u of 10 hits)", hot_hits);
	pts_pcache_stats(c, &st);
	ok(st.resident <= 64 && st.peak_resident <= 64 && st.capacity == 64,
	   "pcache: never more pages than its size (%zu, peak %zu)", st.resident, st.peak_resident);
	pts_pcache_put(c, 5, NULL, PTS_PCACHE_NODATA);
	ok(pts_pcache_get(c, 5, 0, 8, &v, &fl) && fl == PTS_PCACHE_NODATA,
	   "pcache: a page the file lacks is remembered as such");
	page_of(pg, 77);
	pts_pcache_put(c, 5, pg, 0);
	ok(pts_pcache_get(c, 5, 0, 8, &v, &fl) && fl == 0 && v == 77, "pcache: a page put again replaces it");
	pts_pcache_free(c);
	size_t sz = 0;
	ok(pts_pcache_parse_size("256M", &sz) && sz == 256u << 20 && pts_pcache_parse_size("1GiB", &sz) &&
	   sz == 1u << 30 && pts_pcache_parse_size("65536", &sz) && sz == 65536 &&
	   !pts_pcache_parse_size("12X", &sz) && !pts_pcache_parse_size("-1M", &sz) &&
	   !pts_pcache_parse_size("", &sz) && !pts_pcache_parse_size("99999999999G", &sz),
	   "pcache: --cache-size values");
}

/* A snapshot's error records: a page the dump could not give says, on
 * replay, what the dump said, for the address read; damaged records are
 * refused. */
static void test_snapshot_errors(void)
{
	char path[] = "/tmp/ptscope-unit-snapXXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "wb");
	static uint8_t page[4096] = { 0x5a };
	pts_snapshot_write_header(f, "OSRELEASE=x\n", 100, "", 1);
	pts_snapshot_write_page(f, false, 0xffff800000001000, page);
	pts_snapshot_write_errors(f, 1);
	pts_snapshot_write_error(f, false, 0xffff800000002000, PTS_ERR_FAULT,
				 "reading address 0xffff800000002000: Cannot get page I/O address: pte[2] = 0x0");
	fclose(f);
	fd = open(path, O_RDONLY);
	struct pts_snapshot *s = NULL;
	struct pts_error *e = pts_snapshot_open(fd, &s);
	ok(!e, "a snapshot with an error record opens");
	uint8_t b[16];
	if (s) {
		e = pts_snapshot_read(s, false, 0xffff800000001000, b, 8);
		ok(!e && b[0] == 0x5a, "its page reads");
		pts_error_destroy(e);
		e = pts_snapshot_read(s, false, 0xffff800000002040, b, 8);
		ok(e && e->code == PTS_ERR_FAULT &&
		   !strcmp(pts_error_text(e), "reading address 0xffff800000002040: Cannot get page I/O "
			   "address: pte[2] = 0x0"), "the missing page says the dump's error for the address read: %s",
		   e ? pts_error_text(e) : "no error");
		pts_error_destroy(e);
		e = pts_snapshot_read(s, false, 0xffff800000003000, b, 8);
		ok(e && e->code == PTS_ERR_NODATA, "a page never read is not in the snapshot");
		pts_error_destroy(e);
		pts_snapshot_close(s);
	}
	close(fd);
	/* the error record cut short, then its code out of range */
	struct stat st;
	stat(path, &st);
	ok(truncate(path, st.st_size - 10) == 0, "cut the error record");
	fd = open(path, O_RDONLY);
	s = NULL;
	e = pts_snapshot_open(fd, &s);
	ok(e && e->code == PTS_ERR_FORMAT, "a cut error record is refused: %s", e ? pts_error_text(e) : "opened");
	pts_error_destroy(e);
	pts_snapshot_close(s);
	close(fd);
	unlink(path);
}

/* docs/INVARIANTS.md, the catalogue the checks cite, says each check's
 * registry entry word for word. */
static void test_invariants_doc(void)
{
	const char *top = getenv("top_srcdir");
	char *path = xasprintf("%s/docs/INVARIANTS.md", top ? top : ".");
	FILE *f = fopen(path, "r");
	ok(f != NULL, "%s opens", path);
	char *doc = NULL;
	size_t cap = 0;
	if (f) {
		ssize_t n = getdelim(&doc, &cap, '\0', f);
		fclose(f);
		if (n < 0) {
			free(doc);
			doc = NULL;
		}
	}
	size_t nchecks;
	const struct pts_check_info *ci = pts_check_list(&nchecks);
	ok(nchecks >= 26, "%zu checks in the registry", nchecks);
	for (size_t i = 0; i < nchecks; i++) {
		char *head = xasprintf("## %s: %s\n", ci[i].id, ci[i].title);
		char *rule = xasprintf("- **Rule:** %s\n", ci[i].rule);
		char *src = xasprintf("- **Kernel source:** %s\n", ci[i].source);
		char *kern = xasprintf("- **Kernels:** %s\n", ci[i].kernels);
		const char *at = doc ? strstr(doc, head) : NULL;
		const char *end = at ? strstr(at + 1, "\n## ") : NULL;
		bool in = at && strstr(at, rule) && strstr(at, src) && strstr(at, kern);
		if (in && end)
			in = strstr(at, rule) < end && strstr(at, src) < end && strstr(at, kern) < end;
		ok(in, "docs/INVARIANTS.md: %s's section says its rule, source and kernels as the registry does",
		   ci[i].id);
		free(head);
		free(rule);
		free(src);
		free(kern);
	}
	free(doc);
	free(path);
}


/* The field table: a renamed field found by its older name, a missing
 * one's own lookup error, and a row looked up once however often asked
 * (the types answer from a record, as a snapshot's replay does). */
static void test_fields(void)
{
	static const char rec[] =
		"member\tstruct mm_struct\tmmap_sem\t=120,40,0,0\n"
		"member\tstruct mm_struct\tmmap_lock\t!6\tstruct mm_struct has no member mmap_lock\n"
		"member\tstruct vm_area_struct\tvm_start\t=0,8,0,0\n"
		"member\tstruct vm_area_struct\tvm_end\t!6\tstruct vm_area_struct has no member vm_end\n"
		"member\tstruct vm_area_struct\tvm_lock\t=152,4,0,0\n";
	struct pts_program p = { 0 };
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&p.layout_lock, &ma);
	pthread_mutexattr_destroy(&ma);
	p.types = pts_types_from_record(rec, "unit");
	ok(pts_field_has(&p, PTS_FLD_MM_MMAP_LOCK) && pts_field_off(&p, PTS_FLD_MM_MMAP_LOCK) == 120,
	   "fields: mmap_lock found by its older name, mmap_sem (before v5.8)");
	ok(pts_field_has(&p, PTS_FLD_VMA_START) && pts_field_off(&p, PTS_FLD_VMA_START) == 0,
	   "fields: a field at offset 0 is there");
	ok(pts_field_size(&p, PTS_FLD_VMA_LOCK) == 4, "fields: the member's size is kept (vm_lock embedded)");
	uint64_t off = 77;
	struct pts_error *e = pts_field_need(&p, PTS_FLD_VMA_END, &off);
	ok(e && e->code == PTS_ERR_LOOKUP && strstr(pts_error_text(e), "vm_end") && off == 77,
	   "fields: a missing field gives its lookup's error: %s", e ? pts_error_text(e) : "none");
	pts_error_destroy(e);
	ok(!pts_field_has(&p, PTS_FLD_VMA_END) && pts_field_off(&p, PTS_FLD_VMA_END) == 0,
	   "fields: a missing field reads as absent, offset 0");
	/* every row names a type and member, and no two rows the same */
	size_t dup = 0;
	for (int a = 0; a < PTS_FLD_N; a++)
		for (int b = a + 1; b < PTS_FLD_N; b++)
			dup += !strcmp(pts_field_name(a), pts_field_name(b)) &&
			       !strcmp(pts_field_type(a), pts_field_type(b));
	ok(!dup, "fields: %d rows, none named twice", (int)PTS_FLD_N);
	for (int z = 0; z < PTS_LAYOUT_N; z++)
		if (p.layout[z] && p.layout_free[z])
			p.layout_free[z](p.layout[z]);
	pts_types_close(p.types);
	pthread_mutex_destroy(&p.layout_lock);
}

/* The cached DWARF index is used in place (dwinfo.c): the seed scripts/
 * fuzz-seeds writes, by its own Python copy of the hash and the sum, is
 * taken with its sum checked and answers by probing, and one changed
 * byte in it is refused. */
static void test_dwindex(void)
{
	const char *top = getenv("top_srcdir");
	char *path = xasprintf("%s/tests/fuzz/corpus/fuzz_dwindex/small-index-sum", top ? top : ".");
	FILE *f = fopen(path, "rb");
	unsigned char buf[4096];
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
	if (f)
		fclose(f);
	ok(n > 200 && buf[0] == 1, "%s reads (%zu bytes)", path, n);
	struct pts_dwarf *d = n > 200 ? pts_dwarf_from_index(buf + 1, n - 1, true) : NULL;
	ok(d != NULL, "an index whose sum matches is taken");
	if (d) {
		struct pts_types *t = pts_types_new(&pts_dwarf_ops, d, "index");
		uint64_t a = 0;
		int64_t e = 0;
		struct pts_error *err = pts_types_symbol(t, "init_mm", &a);
		ok(!err && a == 0xffffffff82a00000ull, "a symbol from the index: %#llx", (unsigned long long)a);
		pts_error_destroy(err);
		err = pts_types_enum(t, "PG_head", &e);
		ok(!err && e == 6, "an enumerator from the index: %lld", (long long)e);
		pts_error_destroy(err);
		ok(pts_types_has_function(t, "hugetlb_fault") && !pts_types_has_function(t, "hugetlb_faul"),
		   "a function is found by its whole name only");
		err = pts_types_symbol(t, "no_such_symbol", &a);
		ok(err != NULL, "a name the index lacks is not found: %s", err ? pts_error_text(err) : "found");
		pts_error_destroy(err);
		pts_types_close(t);
	}
	if (n > 200) {
		buf[n - 3] ^= 1;	/* a byte of the names */
		d = pts_dwarf_from_index(buf + 1, n - 1, true);
		ok(d == NULL, "an index with one byte changed is refused");
		pts_dwarf_close(d);
	}
	free(path);
}

/* /proc/kallsyms as live mode reads it (kallsyms.c parses by hand and
 * hashes the names): a repeated name gives its global symbol, module
 * symbols and malformed lines are not taken. */
static void test_kallsyms_file(void)
{
	char path[] = "/tmp/ptscope-unit-ksXXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	ok(f != NULL, "a kallsyms file is written");
	if (!f)
		return;
	fputs("ffffffff81000000 T _text\n"
	      "ffffffff81001000 t dup_name\n"
	      "ffffffff81002000 D dup_name\n"
	      "ffffffff81003000 t dup_name\n"
	      "ffffffff81004000 t local_only\n"
	      "ffffffff81005000 t local_only\n"
	      "ffffffffc0001000 t mod_sym\t[ext4]\n"
	      "zzzz T not_hex\n"
	      "ffffffff81006000 TT two_letters\n"
	      "ffffffff81007000 B init_mm\n", f);
	for (int i = 0; i < 5000; i++)	/* enough to probe past collisions */
		fprintf(f, "%016llx t filler_%d\n", 0xffffffff82000000ull + 16ull * (unsigned)i, i);
	fclose(f);
	struct pts_kallsyms *k = NULL;
	struct pts_error *err = pts_kallsyms_from_file(path, &k);
	ok(!err && k, "the file parses: %s", err ? pts_error_text(err) : "ok");
	pts_error_destroy(err);
	if (k) {
		uint64_t a = 0;
		char t = 0;
		ok(pts_kallsyms_count(k) == 5007, "%zu symbols (module and malformed lines left out)",
		   pts_kallsyms_count(k));
		ok(pts_kallsyms_lookup(k, "dup_name", &a, &t) && a == 0xffffffff81002000ull && t == 'D',
		   "a repeated name gives its global symbol: %#llx %c", (unsigned long long)a, t);
		ok(pts_kallsyms_lookup(k, "local_only", &a, NULL) && a == 0xffffffff81004000ull,
		   "a name repeated by locals only gives the first: %#llx", (unsigned long long)a);
		ok(pts_kallsyms_lookup(k, "init_mm", &a, NULL) && a == 0xffffffff81007000ull &&
		   pts_kallsyms_lookup(k, "filler_4999", &a, NULL) && a == 0xffffffff82000000ull + 16 * 4999,
		   "names are found wherever they hash");
		ok(!pts_kallsyms_lookup(k, "mod_sym", NULL, NULL) && !pts_kallsyms_lookup(k, "not_hex", NULL, NULL) &&
		   !pts_kallsyms_lookup(k, "two_letters", NULL, NULL) && !pts_kallsyms_lookup(k, "init_m", NULL, NULL),
		   "module symbols, malformed lines and prefixes are not found");
		pts_kallsyms_free(k);
	}
	unlink(path);
}

int main(void)
{
	test_kallsyms_file();
	test_dwindex();
	test_fields();
	test_invariants_doc();
	test_snapshot_errors();
	test_pcache();
	test_vmcoreinfo();
	test_error();
	test_json();
	test_flat();
	test_kcore();
	return tap_done();
}
