#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "types/btfinfo.h"
#include "types/dwinfo.h"
#include "types/kallsyms.h"
#include "types/program.h"
#include "base/util.h"
#include "mem/vmcoreinfo.h"

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Debian's and the usual places for a kernel's debuginfo, by build ID
 * first, then by release. */
static struct pts_error *find_vmlinux(struct pts_program *p, const char *root,
				      struct pts_dwarf **ret)
{
	const char *rel = p->osrelease ? p->osrelease : "";
	char *cand[8];
	int n = 0;
	if (p->build_id && strlen(p->build_id) > 2)
		cand[n++] = xasprintf("%s/usr/lib/debug/.build-id/%.2s/%s.debug", root, p->build_id,
				      p->build_id + 2);
	cand[n++] = xasprintf("%s/usr/lib/debug/boot/vmlinux-%s", root, rel);
	cand[n++] = xasprintf("%s/usr/lib/debug/lib/modules/%s/vmlinux", root, rel);
	cand[n++] = xasprintf("%s/boot/vmlinux-%s", root, rel);
	cand[n++] = xasprintf("%s/lib/modules/%s/build/vmlinux", root, rel);
	struct pts_error *err = NULL;
	char mismatch[512] = "";
	for (int i = 0; i < n && !*ret; i++) {
		if (!exists(cand[i]))
			continue;
		struct pts_dwarf *dw;
		struct pts_error *e = pts_dwarf_open(cand[i], &dw);
		if (e) {
			pts_error_destroy(e);
			continue;
		}
		if (p->build_id && strcmp(pts_dwarf_build_id(dw), p->build_id)) {
			snprintf(mismatch, sizeof(mismatch), "; %s has build ID %s", cand[i],
				 pts_dwarf_build_id(dw));
			pts_dwarf_close(dw);
			continue;
		}
		*ret = dw;
	}
	if (!*ret)
		err = pts_error(PTS_ERR_LOOKUP,
				"no vmlinux for %s (build ID %s) in %s/usr/lib/debug%s: install "
				"linux-image-%s-dbg or pass -k VMLINUX",
				rel, p->build_id ? p->build_id : "unknown", strcmp(root, "/") ? root : "",
				mismatch, rel);
	for (int i = 0; i < n; i++)
		free(cand[i]);
	return err;
}

/* A whole (sysfs or proc) file; their sizes are not always known ahead. */
static struct pts_error *slurp(const char *path, void **buf, size_t *len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return pts_error_os("%s", path);
	size_t cap = 1 << 20, n = 0;
	char *b = xmalloc(cap);
	size_t got;
	while ((got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			b = xrealloc(b, cap *= 2);
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(b);
		return pts_error(PTS_ERR_OS, "%s: read error", path);
	}
	*buf = b;
	*len = n;
	return NULL;
}

/* Types from BTF, symbols from kallsyms: no vmlinux at all.  A dump:
 * the .BTF section in its memory, found through the kallsyms tables
 * VMCOREINFO locates (v6.0+).  Live: /sys/kernel/btf/vmlinux and
 * /proc/kallsyms, each falling back to the same memory route. */
/* Without CONFIG_KALLSYMS_ALL (Debian's arm64 cloud kernels) kallsyms has
 * text symbols only: no __start_BTF.  The .BTF section lies in the
 * kernel image between the text (_stext) and the init text (start_kernel):
 * found there by its header (include/uapi/linux/btf.h: magic 0xeB9F,
 * version 1, hdr_len 24, types then strings right after it). */
static bool btf_scan(struct pts_program *p, struct pts_kallsyms *ks, uint64_t *start, uint64_t *stop)
{
	uint64_t lo, hi;
	if (!pts_kallsyms_lookup(ks, "_stext", &lo, NULL) ||
	    !pts_kallsyms_lookup(ks, "start_kernel", &hi, NULL) || hi <= lo || hi - lo > (512u << 20))
		return false;
	enum { CHUNK = 1 << 20 };
	uint8_t *buf = xmalloc(CHUNK + 32);
	bool found = false;
	for (uint64_t at = lo & ~4095ULL; at < hi && !found; at += CHUNK) {
		size_t n = hi - at < CHUNK ? hi - at : CHUNK;
		struct pts_error *err = pts_dump_read(p->dump, PTS_KVADDR, at, buf, n + 32);
		if (err) {
			/* a page the dump lacks: the rest of the chunk, page by page */
			pts_error_destroy(err);
			continue;
		}
		for (size_t i = 0; i < n && !found; i++) {
			if (buf[i] != 0x9f || buf[i + 1] != 0xeb || buf[i + 2] != 1 || buf[i + 4] != 24 ||
			    buf[i + 5] || buf[i + 6] || buf[i + 7])
				continue;
			uint32_t h[6];
			memcpy(h, buf + i, sizeof(h));
			/* type_off 0, str_off right after the types, strings that
			 * fit before the init text */
			uint64_t total = 24 + (uint64_t)h[5] + h[4];
			if (h[2] != 0 || h[4] != h[3] || !h[5] || !h[3] || at + i + total > hi)
				continue;
			*start = at + i;
			*stop = *start + total;
			found = true;
		}
	}
	free(buf);
	return found;
}

static struct pts_error *open_btf(struct pts_program *p)
{
	bool live = pts_dump_info(p->dump)->live;
	struct pts_kallsyms *ks = NULL;
	struct pts_error *err = NULL;
	char *ks_note = NULL;
	if (live) {
		err = pts_kallsyms_from_file("/proc/kallsyms", &ks);
		if (err) {
			ks_note = xasprintf(" (/proc/kallsyms: %s)", pts_error_text(err));
			pts_error_destroy(err);
			ks = NULL;
		}
	}
	if (!ks && (err = pts_kallsyms_from_memory(p->dump, p->vmci, &ks))) {
		if (ks_note)
			err = pts_error_wrap(err, "%s", ks_note + 2);
		free(ks_note);
		return err;
	}
	void *buf = NULL;
	size_t len = 0;
	const char *from = NULL;
	if (live) {
		err = slurp("/sys/kernel/btf/vmlinux", &buf, &len);
		if (err)
			pts_error_destroy(err);
		else
			from = "/sys/kernel/btf/vmlinux";
	}
	if (!from) {
		uint64_t start, stop;
		bool scanned = false;
		if ((!pts_kallsyms_lookup(ks, "__start_BTF", &start, NULL) ||
		     !pts_kallsyms_lookup(ks, "__stop_BTF", &stop, NULL)) &&
		    !(scanned = btf_scan(p, ks, &start, &stop))) {
			pts_kallsyms_free(ks);
			free(ks_note);
			return pts_error(PTS_ERR_LOOKUP, "no .BTF section in kallsyms (__start_BTF, __stop_BTF) "
					 "nor a BTF header between _stext and start_kernel: a kernel without "
					 "CONFIG_DEBUG_INFO_BTF needs a vmlinux");
		}
		if (stop <= start || stop - start > (256u << 20)) {
			pts_kallsyms_free(ks);
			free(ks_note);
			return pts_error(PTS_ERR_LOOKUP, "the .BTF section: %#" PRIx64 "-%#" PRIx64
					 " is no section", start, stop);
		}
		len = stop - start;
		buf = xmalloc(len);
		if ((err = pts_dump_read(p->dump, PTS_KVADDR, start, buf, len))) {
			free(buf);
			pts_kallsyms_free(ks);
			free(ks_note);
			return pts_error_wrap(err, "the .BTF section");
		}
		from = scanned ? "the dump's memory (its .BTF section found by its header: kallsyms "
				 "without CONFIG_KALLSYMS_ALL lists no __start_BTF)" :
		       live ? "the .BTF section in memory" : "the dump's memory";
	}
	size_t nsyms = pts_kallsyms_count(ks);
	char *ks_from = xstrdup(pts_kallsyms_source(ks));
	struct pts_btf *b;
	err = pts_btf_new(buf, len, from, ks, p->kaslr_offset, &b);
	free(buf);
	if (err) {
		free(ks_from);
		free(ks_note);
		return err;
	}
	p->types = pts_types_new(&pts_btf_ops, b, pts_btf_source(b));
	p->types_source = xasprintf("BTF from %s (%zu types, %zu bytes), symbols from %s (%zu)%s",
				    from, pts_btf_types(b), len, ks_from, nsyms, ks_note ? ks_note : "");
	free(ks_from);
	free(ks_note);
	return NULL;
}

static struct pts_error *open_types(struct pts_program *p, const struct pts_open_opts *o)
{
	struct pts_dwarf *dw = NULL;
	struct pts_error *err;
	const char *recorded = pts_dump_snapshot_types(p->dump);
	if (recorded) {
		/* a snapshot answers from what its recording was told */
		p->types = pts_types_from_record(recorded, pts_dump_path(p->dump));
		p->types_source = xasprintf("the types recorded in %s", pts_dump_path(p->dump));
		return NULL;
	}
	if (o->types == PTS_TYPES_BTF)
		return pts_error_wrap(open_btf(p), "%s: --types=btf", pts_dump_path(p->dump));
	if (o->vmlinux) {
		err = pts_dwarf_open(o->vmlinux, &dw);
		if (err)
			return err;
		if (p->build_id && strcmp(pts_dwarf_build_id(dw), p->build_id)) {
			err = pts_error(PTS_ERR_MISMATCH,
					"%s: build ID %s does not match the dump's %s (%s)", o->vmlinux,
					*pts_dwarf_build_id(dw) ? pts_dwarf_build_id(dw) : "(none)",
					p->build_id, pts_dump_path(p->dump));
			pts_dwarf_close(dw);
			return err;
		}
	} else {
		err = find_vmlinux(p, o->debug_root ? o->debug_root : "", &dw);
		if (err && o->types == PTS_TYPES_AUTO) {
			struct pts_error *berr = open_btf(p);
			if (!berr) {
				pts_error_destroy(err);
				return NULL;
			}
			err = pts_error_wrap(err, "BTF: %s; and DWARF", pts_error_text(berr));
			pts_error_destroy(berr);
		}
		if (err)
			return pts_error_wrap(err, "%s", pts_dump_path(p->dump));
	}
	p->types = pts_types_new(&pts_dwarf_ops, dw, pts_dwarf_path(dw));
	p->types_source = xasprintf("DWARF from %s", pts_dwarf_path(dw));
	return NULL;
}

struct pts_error *pts_program_open(const struct pts_open_opts *o, struct pts_program **ret)
{
	struct pts_program *p = xcalloc(1, sizeof(*p));
	p->page_shift = 12;	/* until VMCOREINFO says */
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&p->layout_lock, &ma);
	pthread_mutexattr_destroy(&ma);
	struct pts_error *err = pts_dump_open(o->dump, &p->dump);
	if (err)
		goto fail;
	pts_dump_set_cache_bytes(p->dump, o->cache_bytes);
	p->vmci = pts_dump_vmcoreinfo(p->dump);
	p->osrelease = vmcoreinfo_get(p->vmci, "OSRELEASE");
	p->build_id = vmcoreinfo_get(p->vmci, "BUILD-ID");
	if (!p->osrelease) {
		err = pts_error(PTS_ERR_FORMAT, "%s: VMCOREINFO has no OSRELEASE", o->dump);
		goto fail;
	}
	vmcoreinfo_num(p->vmci, "KERNELOFFSET", &p->kaslr_offset);
	uint64_t l5 = 0;
	vmcoreinfo_num(p->vmci, "NUMBER(pgtable_l5_enabled)", &l5);
	p->paging_levels = l5 ? 5 : 4;
	p->page_size = pts_dump_info(p->dump)->page_size;
	uint64_t ps;
	if (vmcoreinfo_num(p->vmci, "PAGESIZE", &ps))
		p->page_size = ps;
	p->page_shift = 12;
	while (p->page_shift < 20 && (1ULL << p->page_shift) < p->page_size)
		p->page_shift++;
	/* arm64: ARM64_HW_PGTABLE_LEVELS(vabits_actual), (va - 4) /
	 * (PAGE_SHIFT - 3); a 52-bit kernel on a CPU without LPA2 folds the
	 * top level */
	uint64_t va_bits = 0, t1sz = 0;
	if (vmcoreinfo_num(p->vmci, "NUMBER(TCR_EL1_T1SZ)", &t1sz) && t1sz >= 12 && t1sz <= 28)
		va_bits = 64 - t1sz;
	else
		vmcoreinfo_num(p->vmci, "NUMBER(VA_BITS)", &va_bits);
	if (va_bits >= 36 && va_bits <= 52 && vmcoreinfo_get(p->vmci, "NUMBER(kimage_voffset)"))
		p->paging_levels = (int)((va_bits - 4) / (p->page_shift - 3));

	err = open_types(p, o);
	if (err) {
		if (o->need_types)
			goto fail;
		p->vmlinux_note = xstrdup(pts_error_text(err));
		pts_error_destroy(err);
	}
	if (p->types && pts_dump_recording(p->dump))
		pts_types_record(p->types);
	*ret = p;
	return NULL;
fail:
	pts_program_close(p);
	return err;
}

void pts_program_close(struct pts_program *p)
{
	if (!p)
		return;
	const char *rec = getenv("PTSCOPE_RECORD");
	if (p->dump && pts_dump_recording(p->dump) && rec && *rec) {
		/* a snapshot of what this run read (snapshot.h) */
		FILE *f = fopen(rec, "wb");
		char *types = p->types ? pts_types_record_text(p->types) : xstrdup("");
		if (f) {
			pts_dump_record_write(p->dump, f, types);
			if (fclose(f) != 0)
				fprintf(stderr, "ptscope: %s: cannot write the snapshot\n", rec);
		} else {
			fprintf(stderr, "ptscope: %s: %s\n", rec, strerror(errno));
		}
		free(types);
	}
	for (int i = 0; i < PTS_LAYOUT_N; i++)
		if (p->layout[i] && p->layout_free[i])
			p->layout_free[i](p->layout[i]);
	pts_types_close(p->types);
	pts_dump_close(p->dump);
	free(p->vmlinux_note);
	free(p->types_source);
	free(p);
}

struct pts_error *pts_read(struct pts_program *p, uint64_t kva, void *buf, size_t len)
{
	return pts_dump_read(p->dump, PTS_KVADDR, kva, buf, len);
}

struct pts_error *pts_read_u64(struct pts_program *p, uint64_t kva, uint64_t *ret)
{
	return pts_read(p, kva, ret, 8);
}

struct pts_error *pts_read_u32(struct pts_program *p, uint64_t kva, uint32_t *ret)
{
	return pts_read(p, kva, ret, 4);
}

struct pts_error *pts_read_str(struct pts_program *p, uint64_t kva, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		size_t chunk = 4096 - ((kva + got) & 4095);
		if (chunk > n - got)
			chunk = n - got;
		struct pts_error *err = pts_read(p, kva + got, buf + got, chunk);
		if (err) {
			buf[0] = '\0';
			return err;
		}
		if (memchr(buf + got, '\0', chunk))
			break;
		got += chunk;
	}
	buf[n - 1] = '\0';
	return NULL;
}

struct pts_error *pts_symbol(struct pts_program *p, const char *name, uint64_t *ret)
{
	if (!p->types)
		return pts_error(PTS_ERR_LOOKUP, "symbol %s: no vmlinux", name);
	uint64_t a;
	struct pts_error *err = pts_types_symbol(p->types, name, &a);
	if (err)
		return err;
	*ret = a + p->kaslr_offset;
	return NULL;
}

struct pts_error *pts_offsetof(struct pts_program *p, const char *type, const char *path,
			       uint64_t *ret)
{
	if (!p->types)
		return pts_error(PTS_ERR_LOOKUP, "%s.%s: no vmlinux", type, path);
	struct pts_member m;
	struct pts_error *err = pts_types_member(p->types, type, path, &m);
	if (err)
		return err;
	*ret = m.offset;
	return NULL;
}

bool pts_offsetof_opt(struct pts_program *p, const char *type, const char *path, uint64_t *ret)
{
	struct pts_error *err = pts_offsetof(p, type, path, ret);
	if (!err)
		return true;
	pts_error_destroy(err);
	return false;
}

unsigned pts_kernel_version(const struct pts_program *p)
{
	unsigned a, b;
	if (!p->osrelease || sscanf(p->osrelease, "%u.%u", &a, &b) != 2 || b > 255)
		return 0;
	return PTS_KVER(a, b);
}

bool pts_try_u64(struct pts_program *p, uint64_t kva, uint64_t *ret)
{
	struct pts_error *err = pts_read_u64(p, kva, ret);
	pts_error_destroy(err);
	return !err;
}

bool pts_try_u32(struct pts_program *p, uint64_t kva, uint32_t *ret)
{
	struct pts_error *err = pts_read_u32(p, kva, ret);
	pts_error_destroy(err);
	return !err;
}

struct pts_error *pts_layout(struct pts_program *p, enum pts_layout_slot slot, pts_layout_fn *derive,
			     void (*free_fn)(void *), void **ret)
{
	void *l = __atomic_load_n(&p->layout[slot], __ATOMIC_ACQUIRE);
	if (l) {
		*ret = l;
		return NULL;
	}
	pthread_mutex_lock(&p->layout_lock);
	struct pts_error *err = NULL;
	if (!(l = p->layout[slot])) {
		err = derive(p, &l);
		if (!err) {
			p->layout_free[slot] = free_fn;
			__atomic_store_n(&p->layout[slot], l, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&p->layout_lock);
	if (!err)
		*ret = l;
	return err;
}
