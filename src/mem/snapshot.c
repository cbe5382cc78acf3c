/* The file: "PTSSNAP1\n", then three lines "vmcoreinfo N", "max_pfn N"
 * and "types N" each followed by N bytes, then "pages N\n" and N records
 * of a space byte ('K' or 'P'), an 8-byte little-endian page address and
 * the page's 4096 bytes; optionally "errors N\n" and N records of the
 * space byte, the page address, a 4-byte error code, a 4-byte length and
 * the error's text. */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mem/snapshot.h"
#include "base/util.h"

struct pts_snapshot {
	uint8_t *buf;
	size_t len;
	char *vmcoreinfo, *types;
	uint64_t max_pfn;
	struct u64map pages[2];	/* page address -> offset of its bytes in buf; [1] physical */
	struct u64map errors[2];	/* page address -> offset of its error record */
};

bool pts_snapshot_is(int fd)
{
	char m[8];
	return pread(fd, m, 8, 0) == 8 && !memcmp(m, PTS_SNAPSHOT_MAGIC, 8);
}

/* "NAME N\n" at *pos; N bounded by what is left. */
static bool field(const struct pts_snapshot *s, size_t *pos, const char *name, uint64_t *n)
{
	size_t l = strlen(name);
	if (s->len - *pos < l + 3 || memcmp(s->buf + *pos, name, l) || s->buf[*pos + l] != ' ')
		return false;
	size_t p = *pos + l + 1;
	uint64_t v = 0;
	unsigned digits = 0;
	while (p < s->len && s->buf[p] >= '0' && s->buf[p] <= '9' && digits++ < 19)
		v = v * 10 + (uint64_t)(s->buf[p++] - '0');
	if (!digits || p >= s->len || s->buf[p] != '\n')
		return false;
	*pos = p + 1;
	*n = v;
	return true;
}

static char *text(const struct pts_snapshot *s, size_t *pos, uint64_t n)
{
	char *t = xmalloc((size_t)n + 1);
	memcpy(t, s->buf + *pos, (size_t)n);
	t[n] = '\0';
	*pos += (size_t)n;
	return t;
}

struct pts_error *pts_snapshot_open(int fd, struct pts_snapshot **ret)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return pts_error_os("stat");
	struct pts_snapshot *s = xcalloc(1, sizeof(*s));
	s->len = (size_t)st.st_size;
	s->buf = xmalloc(s->len ? s->len : 1);
	size_t got = 0;
	while (got < s->len) {
		ssize_t r = pread(fd, s->buf + got, s->len - got, (off_t)got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	size_t pos = 9;
	uint64_t nv, npages, nt;
	if (got != s->len || s->len < 9 || memcmp(s->buf, PTS_SNAPSHOT_MAGIC "\n", 9) ||
	    !field(s, &pos, "vmcoreinfo", &nv) || nv > s->len - pos) {
		pts_snapshot_close(s);
		return pts_error(PTS_ERR_FORMAT, "not a ptscope snapshot, or a truncated one");
	}
	s->vmcoreinfo = text(s, &pos, nv);
	if (!field(s, &pos, "max_pfn", &s->max_pfn) || !field(s, &pos, "types", &nt) ||
	    nt > s->len - pos) {
		pts_snapshot_close(s);
		return pts_error(PTS_ERR_FORMAT, "snapshot: truncated header");
	}
	s->types = text(s, &pos, nt);
	if (!field(s, &pos, "pages", &npages) || npages > (s->len - pos) / (1 + 8 + 4096)) {
		pts_snapshot_close(s);
		return pts_error(PTS_ERR_FORMAT, "snapshot: the page count does not match the file's size");
	}
	for (uint64_t i = 0; i < npages; i++, pos += 1 + 8 + 4096) {
		uint8_t sp = s->buf[pos];
		uint64_t a;
		memcpy(&a, s->buf + pos + 1, 8);
		if ((sp != 'K' && sp != 'P') || (a & 4095)) {
			pts_snapshot_close(s);
			return pts_error(PTS_ERR_FORMAT, "snapshot: page record %" PRIu64 " is damaged", i);
		}
		u64map_put(&s->pages[sp == 'P'], a, pos + 9);
	}
	uint64_t nerr = 0;
	if (pos < s->len && (!field(s, &pos, "errors", &nerr) || nerr > (s->len - pos) / (1 + 8 + 8))) {
		pts_snapshot_close(s);
		return pts_error(PTS_ERR_FORMAT, "snapshot: the page count does not match the file's size");
	}
	for (uint64_t i = 0; i < nerr; i++) {
		uint32_t code, tl;
		uint64_t a;
		if (s->len - pos < 1 + 8 + 8) {
			pts_snapshot_close(s);
			return pts_error(PTS_ERR_FORMAT, "snapshot: error record %" PRIu64 " is truncated", i);
		}
		uint8_t sp = s->buf[pos];
		memcpy(&a, s->buf + pos + 1, 8);
		memcpy(&code, s->buf + pos + 9, 4);
		memcpy(&tl, s->buf + pos + 13, 4);
		if ((sp != 'K' && sp != 'P') || (a & 4095) || tl > s->len - pos - 17 || tl > 1024 ||
		    code == 0 || code >= PTS_ERR_N) {
			pts_snapshot_close(s);
			return pts_error(PTS_ERR_FORMAT, "snapshot: error record %" PRIu64 " is damaged", i);
		}
		u64map_put(&s->errors[sp == 'P'], a, pos);
		pos += 17 + tl;
	}
	if (pos != s->len) {
		pts_snapshot_close(s);
		return pts_error(PTS_ERR_FORMAT, "snapshot: the page count does not match the file's size");
	}
	*ret = s;
	return NULL;
}

void pts_snapshot_close(struct pts_snapshot *s)
{
	if (!s)
		return;
	u64map_free(&s->pages[0]);
	u64map_free(&s->pages[1]);
	u64map_free(&s->errors[0]);
	u64map_free(&s->errors[1]);
	free(s->vmcoreinfo);
	free(s->types);
	free(s->buf);
	free(s);
}

const char *pts_snapshot_vmcoreinfo(const struct pts_snapshot *s) { return s->vmcoreinfo; }
const char *pts_snapshot_types(const struct pts_snapshot *s) { return s->types; }
uint64_t pts_snapshot_max_pfn(const struct pts_snapshot *s) { return s->max_pfn; }

/* The error reading page pg gave, for a read at pos in it: the page's
 * address in the text becomes pos, as the dump would have said. */
static struct pts_error *recorded_error(const struct pts_snapshot *s, size_t at, uint64_t pg,
					uint64_t pos)
{
	uint32_t code, tl;
	memcpy(&code, s->buf + at + 9, 4);
	memcpy(&tl, s->buf + at + 13, 4);
	char *t = xmalloc(tl + 1);
	memcpy(t, s->buf + at + 17, tl);
	t[tl] = '\0';
	char hex[24];
	snprintf(hex, sizeof(hex), "0x%" PRIx64, pg);
	char *h = strstr(t, hex);
	struct pts_error *e;
	if (h && !((h[strlen(hex)] >= '0' && h[strlen(hex)] <= '9') ||
		   (h[strlen(hex)] >= 'a' && h[strlen(hex)] <= 'f')))
		e = pts_error((enum pts_error_code)code, "%.*s0x%" PRIx64 "%s", (int)(h - t), t, pos,
			      h + strlen(hex));
	else
		e = pts_error((enum pts_error_code)code, "%s", t);
	free(t);
	return e;
}

struct pts_error *pts_snapshot_read(const struct pts_snapshot *s, bool phys, uint64_t addr, void *buf,
				    size_t len)
{
	if (len && addr + len - 1 < addr)
		return pts_error(PTS_ERR_NODATA, "address 0x%" PRIx64 ": past the end of the address space",
				 addr);
	for (size_t done = 0; done < len;) {
		uint64_t pos = addr + done, pg = pos & ~4095ULL, off = pos - pg;
		size_t n = (size_t)(4096 - off) < len - done ? (size_t)(4096 - off) : len - done;
		size_t at;
		if (!u64map_get(&s->pages[phys], pg, &at)) {
			if (u64map_get(&s->errors[phys], pg, &at))
				return recorded_error(s, at, pg, pos);
			return pts_error(PTS_ERR_NODATA, "%s 0x%" PRIx64 ": not in the snapshot",
					 phys ? "physical address" : "address", pos);
		}
		memcpy((uint8_t *)buf + done, s->buf + at + off, n);
		done += n;
	}
	return NULL;
}

void pts_snapshot_write_header(FILE *f, const char *vmcoreinfo, uint64_t max_pfn, const char *types,
			       size_t npages)
{
	fprintf(f, PTS_SNAPSHOT_MAGIC "\nvmcoreinfo %zu\n%s", strlen(vmcoreinfo), vmcoreinfo);
	fprintf(f, "max_pfn %" PRIu64 "\ntypes %zu\n%s", max_pfn, strlen(types), types);
	fprintf(f, "pages %zu\n", npages);
}

void pts_snapshot_write_page(FILE *f, bool phys, uint64_t addr, const void *page)
{
	fputc(phys ? 'P' : 'K', f);
	fwrite(&addr, 8, 1, f);
	fwrite(page, 1, 4096, f);
}

void pts_snapshot_write_errors(FILE *f, size_t nerrors)
{
	fprintf(f, "errors %zu\n", nerrors);
}

void pts_snapshot_write_error(FILE *f, bool phys, uint64_t addr, int code, const char *text)
{
	uint32_t c = (uint32_t)code, l = (uint32_t)strnlen(text, 1024);
	fputc(phys ? 'P' : 'K', f);
	fwrite(&addr, 8, 1, f);
	fwrite(&c, 4, 1, f);
	fwrite(&l, 4, 1, f);
	fwrite(text, 1, l, f);
}
