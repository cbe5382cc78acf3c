#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libkdumpfile/addrxlat.h>
#include <libkdumpfile/kdumpfile.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>
#include <elf.h>
#include "mem/dump.h"
#include "mem/dumpfile.h"
#include "mem/overlay.h"
#include "mem/snapshot.h"
#include "mem/flat.h"
#include "mem/kcore.h"
#include "mem/pcache.h"
#include "base/util.h"
#include "mem/vmcoreinfo.h"

/* One libkdumpfile context with what hangs off it.  libkdumpfile
 * contexts are not thread-safe: each thread that reads (pts_dump_set_slot)
 * has its own, on its own file descriptor, made on its first read. */
struct kslot {
	int fd;			/* slot 0: the dump's own; others: their own open */
	kdump_ctx_t *kd;
	kdump_bmp_t *pagemap;	/* pages the file holds */
	unsigned bmp_shift;	/* its pages are 4 KiB << this: the kernel's page size, or the
				 * file's blocks (QEMU's arm64 -z: 64 KiB) */
	addrxlat_ctx_t *axctx;
	addrxlat_sys_t *axsys;
	/* The last page (per address space) that a read of zeros proved to
	 * be in the file, +1; 0 if none. */
	uint64_t zero_ok[2];
	bool tried;		/* set up (or failed to be) once */
	unsigned long nrebuilds;	/* contexts rebuilt after a failed read */
	unsigned long nfills, nxlat;	/* library page reads, translations */
	/* kernel virtual to physical pages already translated (a dump does
	 * not change) */
	struct tlb { uint64_t vpage, ppage; } *tlb;
};

struct pts_dump {
	char *path;		/* as the user named it */
	char *data_path;	/* what is read: path, or its rearranged copy */
	struct kslot slot[PTS_DUMP_SLOTS];
	struct pts_kcore *kc;	/* live: /proc/kcore, read without libkdumpfile */
	pthread_mutex_t lock;	/* making the page cache and the slots */
	unsigned long nreads;		/* pts_dump_read calls (PTSCOPE_TIMING) */
	uint64_t nbytes;
	/* Decompressed pages by physical frame (pcache.h), shared by every
	 * slot.  Live kernels are read uncached. */
	struct pts_pcache *pc;
	size_t cache_bytes;
	struct vmcoreinfo *vmci;
	struct pts_dump_info info;
	char arch[16];
	/* PTSCOPE_TEST_PATCH (overlay.h): laid over pages as they come from
	 * the file, NULL unless set.  Never written to the file. */
	struct pts_overlay *ov;
	bool ov_resolved;
	/* A snapshot file (snapshot.h) instead of a dump. */
	struct pts_snapshot *snap;
	/* PTSCOPE_RECORD: the pages every read touched, for a snapshot */
	bool rec;
	pthread_mutex_t rec_lock;
	struct u64set rec_pages[2];	/* page address + 1; [1] physical */
};

/* The slot of the calling thread (0 unless a runner set another). */
static __thread unsigned tls_slot;

void pts_dump_set_slot(unsigned slot)
{
	tls_slot = slot < PTS_DUMP_SLOTS ? slot : 0;
}

static struct pts_error *kd_error(struct kslot *k, kdump_status st, const char *what)
{
	const char *e = kdump_get_err(k->kd);
	return pts_error(st == KDUMP_ERR_NODATA ? PTS_ERR_NODATA : PTS_ERR_FORMAT, "%s: %s", what,
			 e ? e : kdump_strerror(st));
}

/* libkdumpfile 0.5.1 (bookworm) corrupts its page cache when a page read
 * fails inside it (an excluded page, a PFN past the end, bad compressed
 * data): the discarded entry later hands out a NULL buffer and the next
 * miss decompresses into it (lzo1x_decompress_safe writing to NULL, seen
 * replaying check --all's reads on sid's lzo kdump; fine when the failing
 * reads are left out).  So reads must not fail in there: excluded pages
 * read as zeros (file.zero_excluded) and pts_dump_read checks a read of
 * zeros against the file's page bitmap; PFNs past max_pfn are refused
 * before the library sees them; and after any other failed read the
 * library context is built anew. */
static void kd_teardown(struct kslot *k)
{
	if (k->pagemap)
		kdump_bmp_decref(k->pagemap);
	if (k->axctx)
		addrxlat_ctx_decref(k->axctx);
	if (k->axsys)
		addrxlat_sys_decref(k->axsys);
	if (k->kd)
		kdump_free(k->kd);
	k->pagemap = NULL;
	k->axctx = NULL;
	k->axsys = NULL;
	k->kd = NULL;
	k->zero_ok[0] = k->zero_ok[1] = 0;
}

/* Slot 0 also learns VMCOREINFO and the architecture; the other slots
 * only need a context of their own. */
static struct pts_error *kd_setup(struct pts_dump *d, struct kslot *k)
{
	k->kd = kdump_new();
	if (!k->kd)
		return &pts_enomem;
	/* Worker slots read with read(2), not mmap(2): each mapping the whole
	 * file would count it once more in ptscope's resident memory per
	 * thread (a 2,000-process dump: 579 MiB with two mapping workers,
	 * 254 MiB reading).  Slot 0 keeps mmap, the faster one alone (check
	 * --all there: 3.4 s mapping, 4.3 s reading). */
	kdump_status ks;
	if (k->fd != d->slot[0].fd) {
		kdump_attr_t never = { .type = KDUMP_NUMBER, .val.number = KDUMP_MMAP_NEVER };
		ks = kdump_set_attr(k->kd, KDUMP_ATTR_FILE_MMAP_POLICY, &never);
		if (ks != KDUMP_OK)
			return kd_error(k, ks, "setting file.mmap_policy");
	}
	ks = kdump_open_fd(k->kd, k->fd);
	if (ks != KDUMP_OK)
		return kd_error(k, ks, "libkdumpfile cannot open it");
	kdump_attr_t one = { .type = KDUMP_NUMBER, .val.number = 1 };
	ks = kdump_set_attr(k->kd, KDUMP_ATTR_ZERO_EXCLUDED, &one);
	if (ks != KDUMP_OK)
		return kd_error(k, ks, "setting file.zero_excluded");
	/* libkdumpfile 0.5.1 searches its page cache linearly on every read,
	 * so a read costs more the bigger the cache: walking wl-big took
	 * 38.5 ms with the default 1024 pages, 22.9 ms with 32 (scripts/bench),
	 * and the lock scan of every process was faster too. */
	kdump_attr_t cs = { .type = KDUMP_NUMBER, .val.number = PTS_KDUMP_CACHE_PAGES };
	ks = kdump_set_attr(k->kd, "cache.size", &cs);
	if (ks != KDUMP_OK)
		return kd_error(k, ks, "setting cache.size");
	/* The file's own page size, before VMCOREINFO's PAGESIZE replaces it:
	 * QEMU writes arm64's kdump-compressed dumps in 64 KiB blocks whatever
	 * the guest's page size, and libkdumpfile (0.5.1 and upstream) then
	 * looks 4 KiB PFNs up as the file's ("Out-of-bounds PFN"). */
	kdump_num_t file_ps = d->info.file_page_size;
	k->bmp_shift = 0;
	kdump_attr_t pm;
	ks = kdump_get_attr(k->kd, KDUMP_ATTR_FILE_PAGEMAP, &pm);
	if (ks != KDUMP_OK || pm.type != KDUMP_BITMAP)
		return kd_error(k, ks, "the file's page map");
	k->pagemap = pm.val.bitmap;
	kdump_bmp_incref(k->pagemap);

	/* VMCOREINFO is parsed by libkdumpfile's linux ostype. */
	kdump_set_string_attr(k->kd, KDUMP_ATTR_OSTYPE, "linux");
	if (!d->vmci) {
		char *raw = NULL;
		ks = kdump_vmcoreinfo_raw(k->kd, &raw);
		if (ks != KDUMP_OK || !raw)
			return pts_error(PTS_ERR_FORMAT, "the dump carries no VMCOREINFO (QEMU needs -device vmcoreinfo): %s",
					 kdump_get_err(k->kd) ? kdump_get_err(k->kd) : kdump_strerror(ks));
		d->vmci = vmcoreinfo_parse(raw);
		free(raw);
	}

	/* QEMU's kdump header has no utsname, so libkdumpfile 0.5.1 cannot
	 * tell the architecture (TESTBED.md); VMCOREINFO settles it. */
	const char *arch = NULL;
	if (kdump_get_string_attr(k->kd, KDUMP_ATTR_ARCH_NAME, &arch) != KDUMP_OK || !arch || !*arch) {
		arch = pts_vmcoreinfo_arch(d->vmci);
		if (!arch)
			return pts_error(PTS_ERR_FORMAT, "cannot tell the dump's architecture");
		ks = kdump_set_string_attr(k->kd, KDUMP_ATTR_ARCH_NAME, arch);
		if (ks != KDUMP_OK)
			return kd_error(k, ks, "setting the architecture");
	}
	if (k == &d->slot[0]) {
		snprintf(d->arch, sizeof(d->arch), "%s", arch);
		d->info.arch = d->arch;
	}
	if (strcmp(arch, "x86_64") && strcmp(arch, "aarch64"))
		return pts_error(PTS_ERR_FORMAT, "architecture %s is not supported (x86_64 and aarch64 only)",
				 arch);
	ks = kdump_set_string_attr(k->kd, KDUMP_ATTR_OSTYPE, "linux");
	if (ks != KDUMP_OK)
		return kd_error(k, ks, "setting up address translation");
	ks = kdump_get_addrxlat(k->kd, &k->axctx, &k->axsys);
	if (ks != KDUMP_OK)
		return kd_error(k, ks, "setting up address translation");
	/* QEMU's case only (arm64, 64 KiB blocks, a 4 or 16 KiB-page
	 * kernel): reads then go by the file's blocks, while the translation
	 * already made keeps the kernel's page size (libkdumpfile builds a new
	 * one). */
	kdump_num_t ps = 0;
	if (kdump_get_number_attr(k->kd, KDUMP_ATTR_PAGE_SIZE, &ps) != KDUMP_OK)
		ps = 4096;
	if (!strcmp(d->info.format, "kdump") && !strcmp(arch, "aarch64") && file_ps == 65536 &&
	    (ps == 4096 || ps == 16384)) {
		kdump_attr_t fps = { .type = KDUMP_NUMBER, .val.number = file_ps };
		ks = kdump_set_attr(k->kd, KDUMP_ATTR_PAGE_SIZE, &fps);
		if (ks != KDUMP_OK)
			return kd_error(k, ks, "setting the file's page size");
		ps = file_ps;
	}
	/* the library's page map and max_pfn count its pages */
	while (k->bmp_shift < 8 && (4096ULL << k->bmp_shift) < ps)
		k->bmp_shift++;
	return NULL;
}

/* libkdumpfile 0.5.1 is not safe on hostile files: fuzzed ELF headers
 * made kdump_open dereference NULL and copy from past the end of the
 * mapped file (tests/fuzz/corpus/fuzz_dump/crash-*), and one divided by
 * zero in kdump_read().  What ptscope checks itself (dumpfile.c) catches
 * what it knows; the rest is caught here: a child process opens the file
 * first and reads a few pages (the first and last frames, one past them,
 * the kernel text VMCOREINFO names), and a file that kills it is refused
 * by name.  One fork per dump opened. */
static struct pts_error *probe(struct pts_dump *d)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return NULL;	/* no child to spare: open it here, as before */
	if (pid == 0) {
		/* the default actions: a handler (a sanitizer's, a fuzzer's)
		 * would turn the crash into an exit */
		static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
		for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++) {
			struct sigaction sa = { .sa_handler = SIG_DFL };
			sigaction(sigs[i], &sa, NULL);
		}
		struct kslot k = { .fd = d->slot[0].fd };
		struct pts_error *err = kd_setup(d, &k);
		if (err)
			_exit(3);
		kdump_num_t max = 0, ps = 4096;
		kdump_get_number_attr(k.kd, "max_pfn", &max);
		kdump_get_number_attr(k.kd, KDUMP_ATTR_PAGE_SIZE, &ps);
		uint64_t text = 0;
		if (d->vmci)
			vmcoreinfo_num(d->vmci, "SYMBOL(_stext)", &text);
		struct { kdump_addrspace_t as; uint64_t at; } rd[] = {
			{ KDUMP_KPHYSADDR, 0 }, { KDUMP_KPHYSADDR, max ? (max - 1) * ps : 0 },
			{ KDUMP_KPHYSADDR, max * ps }, { KDUMP_KVADDR, text },
		};
		static uint8_t buf[4096];
		for (size_t i = 0; i < sizeof(rd) / sizeof(*rd); i++) {
			size_t got = sizeof(buf);
			if (rd[i].as == KDUMP_KVADDR && !rd[i].at)
				continue;
			kdump_read(k.kd, rd[i].as, rd[i].at, buf, &got);
		}
		_exit(0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return NULL;
	if (WIFSIGNALED(st))
		return pts_error(PTS_ERR_FORMAT, "corrupt: libkdumpfile crashes opening or reading it (%s)",
				 strsignal(WTERMSIG(st)));
	if (WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 3)	/* a sanitizer's report */
		return pts_error(PTS_ERR_FORMAT, "corrupt: libkdumpfile fails opening it (status %d)",
				 WEXITSTATUS(st));
	return NULL;
}

static struct pts_error *kcore_open(struct pts_dump *d)
{
	char *raw;
	struct pts_error *err = pts_kcore_open(d->slot[0].fd, &d->kc, &raw);
	if (err)
		return err;
	d->vmci = vmcoreinfo_parse(raw);
	free(raw);
	d->info.format = "kcore";
	d->info.live = true;
	d->info.compression = "none";
	d->info.page_size = 4096;
	d->info.max_pfn = pts_kcore_max_pfn(d->kc);
	d->info.ram_pages = pts_kcore_ram_pages(d->kc);
	d->info.arch = pts_kcore_arch(d->kc);
	long n = sysconf(_SC_NPROCESSORS_CONF);
	d->info.ncpus = n > 0 ? (unsigned)n : 0;
	return NULL;
}

static struct pts_error *snapshot_open(struct pts_dump *d)
{
	struct pts_error *err = pts_snapshot_open(d->slot[0].fd, &d->snap);
	if (err)
		return err;
	d->vmci = vmcoreinfo_parse(pts_snapshot_vmcoreinfo(d->snap));
	d->info.format = "snapshot";
	d->info.compression = "none";
	d->info.page_size = 4096;
	d->info.max_pfn = pts_snapshot_max_pfn(d->snap);
	d->info.ram_pages = d->info.max_pfn;
	d->info.arch = pts_vmcoreinfo_arch(d->vmci) ? pts_vmcoreinfo_arch(d->vmci) : "x86_64";
	return NULL;
}

const char *pts_dump_snapshot_types(const struct pts_dump *d)
{
	return d->snap ? pts_snapshot_types(d->snap) : NULL;
}

static void rec_note(struct pts_dump *d, enum pts_addr_space as, uint64_t addr, size_t len)
{
	uint64_t first = addr & ~4095ULL, last = (addr + len - 1) & ~4095ULL;
	if (last < first || last - first > (64ULL << 20))
		return;		/* wrapped, or absurd: not a read a snapshot keeps */
	pthread_mutex_lock(&d->rec_lock);
	for (uint64_t pg = first;; pg += 4096) {
		u64set_add(&d->rec_pages[as == PTS_PHYS], pg + 1);
		if (pg == last)
			break;
	}
	pthread_mutex_unlock(&d->rec_lock);
}

bool pts_dump_recording(const struct pts_dump *d)
{
	return d->rec;
}

/* Every page the reads touched that the dump has, as a snapshot. */
void pts_dump_record_write(struct pts_dump *d, FILE *f, const char *types)
{
	pthread_mutex_lock(&d->rec_lock);
	d->rec = false;
	struct { bool phys; uint64_t addr; } *pages = NULL;
	size_t n = 0, cap = 0;
	for (int sp = 0; sp < 2; sp++) {
		const struct u64set *set = &d->rec_pages[sp];
		for (size_t i = 0; set->v && i < set->cap; i++) {
			if (!set->v[i])
				continue;
			if (n == cap)
				pages = xrealloc(pages, (cap = cap ? 2 * cap : 1024) * sizeof(*pages));
			pages[n].phys = sp;
			pages[n++].addr = set->v[i] - 1;
		}
	}
	pthread_mutex_unlock(&d->rec_lock);
	uint8_t *data = xmalloc(n ? n * 4096 : 1);
	size_t good = 0, nbad = 0;
	/* the pages the dump lacks, with what reading them said, after the good ones */
	struct pts_error **bad = xcalloc(n ? n : 1, sizeof(*bad));
	struct { bool phys; uint64_t addr; } *badp = xcalloc(n ? n : 1, sizeof(*badp));
	for (size_t i = 0; i < n; i++) {
		struct pts_error *err = pts_dump_read(d, pages[i].phys ? PTS_PHYS : PTS_KVADDR, pages[i].addr,
						      data + good * 4096, 4096);
		if (err) {
			bad[nbad] = err;
			badp[nbad].phys = pages[i].phys;
			badp[nbad++].addr = pages[i].addr;
			continue;
		}
		pages[good++] = pages[i];
	}
	pts_snapshot_write_header(f, vmcoreinfo_raw(d->vmci), d->info.max_pfn, types, good);
	for (size_t i = 0; i < good; i++)
		pts_snapshot_write_page(f, pages[i].phys, pages[i].addr, data + i * 4096);
	pts_snapshot_write_errors(f, nbad);
	for (size_t i = 0; i < nbad; i++) {
		pts_snapshot_write_error(f, badp[i].phys, badp[i].addr, bad[i]->code, pts_error_text(bad[i]));
		pts_error_destroy(bad[i]);
	}
	free(bad);
	free(badp);
	free(data);
	free(pages);
}

static struct pts_error *dump_open(struct pts_dump *d)
{
	struct stat st;
	d->info.dump_level = -1;
	d->slot[0].fd = open(d->path, O_RDONLY | O_CLOEXEC);
	if (d->slot[0].fd < 0) {
		int e = errno;
		char *rp = realpath(d->path, NULL);
		bool kc = rp && !strcmp(rp, PTS_KCORE_PATH);
		free(rp);
		return kc || !strcmp(d->path, PTS_KCORE_PATH) ? pts_kcore_open_error(e)
							      : pts_error_os("cannot open");
	}
	if (fstat(d->slot[0].fd, &st) < 0)
		return pts_error_os("stat");
	if (S_ISDIR(st.st_mode))
		return pts_error(PTS_ERR_FORMAT, "is a directory");
	if (pts_kcore_is(d->slot[0].fd))
		return kcore_open(d);
	if (pts_snapshot_is(d->slot[0].fd))
		return snapshot_open(d);

	if (pts_flat_probe(d->slot[0].fd)) {
		struct pts_error *err = pts_flat_rearrange(d->path, d->slot[0].fd, &d->data_path);
		if (err) {
			/* pts_flat_rearrange names the file itself. */
			err->code = PTS_ERR_FORMAT;
			return err;
		}
		close(d->slot[0].fd);
		d->info.flattened = true;
		d->slot[0].fd = open(d->data_path, O_RDONLY | O_CLOEXEC);
		if (d->slot[0].fd < 0 || fstat(d->slot[0].fd, &st) < 0)
			return pts_error_os("%s", d->data_path);
	}

	char magic[8];
	ssize_t n = pread(d->slot[0].fd, magic, sizeof(magic), 0);
	struct pts_error *err;
	if (n == (ssize_t)sizeof(magic) && !memcmp(magic, DDH_SIG, 8)) {
		d->info.format = "kdump";
		err = pts_dumpfile_check_diskdump(d->slot[0].fd, st.st_size, &d->info);
	} else if (n >= 4 && !memcmp(magic, ELFMAG, SELFMAG)) {
		d->info.format = "elf";
		err = pts_dumpfile_check_elf(d->slot[0].fd, st.st_size, &d->info);
	} else {
		return pts_error(PTS_ERR_FORMAT, "not a kernel dump (neither ELF, kdump-compressed nor flattened)");
	}
	if (err)
		return err;

	if ((err = probe(d)))
		return err;
	d->slot[0].tried = true;
	err = kd_setup(d, &d->slot[0]);
	if (err)
		return err;

	kdump_num_t num;
	if (kdump_get_number_attr(d->slot[0].kd, KDUMP_ATTR_PAGE_SIZE, &num) == KDUMP_OK)
		d->info.page_size = num;
	/* in 4 KiB frames, whatever the file's page size */
	if (kdump_get_number_attr(d->slot[0].kd, "max_pfn", &num) == KDUMP_OK)
		d->info.max_pfn = num << d->slot[0].bmp_shift;
	if (!d->info.ncpus && kdump_get_number_attr(d->slot[0].kd, KDUMP_ATTR_NUM_CPUS, &num) == KDUMP_OK)
		d->info.ncpus = (unsigned)num;
	return NULL;
}

struct pts_error *pts_dump_open(const char *path, struct pts_dump **ret)
{
	struct pts_dump *d = xcalloc(1, sizeof(*d));
	d->path = xstrdup(path);
	for (unsigned i = 0; i < PTS_DUMP_SLOTS; i++)
		d->slot[i].fd = -1;
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->rec_lock, NULL);
	d->ov = pts_overlay_from_env();
	struct pts_error *err = dump_open(d);
	if (err) {
		pts_dump_close(d);
		/* Flattened errors already carry the path. */
		if (strncmp(pts_error_text(err), path, strlen(path)))
			err = pts_error_wrap(err, "%s", path);
		return err;
	}
	const char *rec = getenv("PTSCOPE_RECORD");
	d->rec = rec && *rec && !d->info.live && !d->snap;
	*ret = d;
	return NULL;
}

void pts_dump_close(struct pts_dump *d)
{
	if (!d)
		return;
	unsigned long nrebuilds = 0, nfills = 0, nxlat = 0;
	unsigned nslots = 0;
	for (unsigned i = 0; i < PTS_DUMP_SLOTS; i++) {
		nrebuilds += d->slot[i].nrebuilds;
		nfills += d->slot[i].nfills;
		nxlat += d->slot[i].nxlat;
		nslots += d->slot[i].kd != NULL;
	}
	if (getenv("PTSCOPE_TIMING"))
		fprintf(stderr, "ptscope: %s: %lu reads, %" PRIu64 " bytes\n", d->path, d->nreads, d->nbytes);
	if (nrebuilds && getenv("PTSCOPE_TIMING"))
		fprintf(stderr, "ptscope: %s: libkdumpfile context rebuilt %lu times after failed reads\n",
			d->path, nrebuilds);
	if (d->pc && getenv("PTSCOPE_TIMING")) {
		struct pts_pcache_stats st;
		pts_pcache_stats(d->pc, &st);
		fprintf(stderr, "ptscope: %s: page cache: %" PRIu64 " hits, %" PRIu64 " misses, %lu pages "
			"read from the file (decompressed), %" PRIu64 " evictions, %" PRIu64
			" ghost hits, %lu translations, %u library contexts; peak %zu of %zu pages\n",
			d->path, st.hits, st.misses, nfills, st.evictions, st.ghost_hits, nxlat, nslots,
			st.peak_resident, st.capacity);
	}
	pts_pcache_free(d->pc);
	for (unsigned i = 0; i < PTS_DUMP_SLOTS; i++) {
		struct kslot *k = &d->slot[i];
		free(k->tlb);
		kd_teardown(k);
		if (k->fd >= 0)
			close(k->fd);
	}
	pts_kcore_close(d->kc);
	pthread_mutex_destroy(&d->lock);
	vmcoreinfo_destroy(d->vmci);
	free(d->data_path);
	pts_overlay_free(d->ov);
	pts_snapshot_close(d->snap);
	u64set_free(&d->rec_pages[0]);
	u64set_free(&d->rec_pages[1]);
	free(d->path);
	free(d);
}

const char *pts_dump_path(const struct pts_dump *d) { return d->path; }
const struct pts_dump_info *pts_dump_info(const struct pts_dump *d) { return &d->info; }
const struct vmcoreinfo *pts_dump_vmcoreinfo(const struct pts_dump *d) { return d->vmci; }

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* The one wording of a page the file lacks. */
static struct pts_error *nodata(enum pts_addr_space as, uint64_t at)
{
	return pts_error(PTS_ERR_NODATA, "%s 0x%" PRIx64 ": not in the dump (excluded or missing)",
			 as == PTS_PHYS ? "physical address" : "address", at);
}

/* file.zero_excluded fills excluded pages with zeros: where a read's
 * part in one page is all zeros, ask the file's page bitmap whether that
 * page is really there. */
static struct pts_error *check_in_file(struct kslot *k, enum pts_addr_space as, uint64_t addr,
				       const uint8_t *buf, size_t len)
{
	const uint64_t ps = 4096;
	for (uint64_t pg = addr & ~(ps - 1); pg < addr + len; pg += ps) {
		uint64_t from = pg > addr ? pg : addr;
		uint64_t to = pg + ps < addr + len ? pg + ps : addr + len;
		if (!all_zero(buf + (from - addr), (size_t)(to - from)) ||
		    k->zero_ok[as == PTS_PHYS] == pg + 1)
			continue;
		addrxlat_fulladdr_t fa = { pg, ADDRXLAT_KPHYSADDR };
		if (as != PTS_PHYS) {
			fa.as = ADDRXLAT_KVADDR;
			/* The read itself translated it, so this cannot fail
			 * short of a library bug: then trust the read. */
			if (addrxlat_fulladdr_conv(&fa, ADDRXLAT_KPHYSADDR, k->axctx, k->axsys) != ADDRXLAT_OK)
				continue;
		}
		uint64_t pfn = fa.addr / ps >> k->bmp_shift;
		unsigned char bit = 0;
		if (kdump_bmp_get_bits(k->pagemap, pfn, pfn, &bit) == KDUMP_OK && !(bit & 1))
			return nodata(as, from);
		k->zero_ok[as == PTS_PHYS] = pg + 1;
	}
	return NULL;
}

/* The error of a failed library read at at, in the words of the address
 * the caller asked for; then the context built anew (see kd_setup: a
 * failed read may have broken libkdumpfile's cache). */
static struct pts_error *read_failed(struct pts_dump *d, struct kslot *k, kdump_status st,
				     enum pts_addr_space as, uint64_t at)
{
	const char *e = kdump_get_err(k->kd);
	struct pts_error *err;
	if (st == KDUMP_ERR_NODATA)
		err = nodata(as, at);
	else
		err = pts_error(st == KDUMP_ERR_ADDRXLAT ? PTS_ERR_FAULT : PTS_ERR_FORMAT,
				"reading %s 0x%" PRIx64 ": %s", as == PTS_PHYS ? "physical address" : "address",
				at, e ? e : kdump_strerror(st));
	k->nrebuilds++;
	kd_teardown(k);
	struct pts_error *re = kd_setup(d, k);
	if (re) {
		pts_error_destroy(re);
		kd_teardown(k);
	}
	return err;
}

/* A read straight through libkdumpfile, uncached: for what the cache
 * does not serve (a kernel address the translation refuses, a frame past
 * max_pfn), so that such reads fail as the library says. */
static struct pts_error *direct_read(struct pts_dump *d, struct kslot *k, enum pts_addr_space as,
				     uint64_t addr, void *buf, size_t len)
{
	size_t got = len;
	kdump_status st = kdump_read(k->kd, as == PTS_PHYS ? KDUMP_KPHYSADDR : KDUMP_KVADDR,
				     addr, buf, &got);
	if (st == KDUMP_OK && got == len) {
		struct pts_error *err = check_in_file(k, as, addr, buf, len);
		if (!err)
			pts_overlay_apply(d->ov, as == PTS_PHYS, addr, buf, len);
		return err;
	}
	return read_failed(d, k, st, as, addr + got);
}

enum { TLB_N = 4096 };

/* Kernel virtual page to physical page, remembered: struct pages
 * (vmemmap) and vmalloc'ed stacks translate through the kernel's page
 * tables, four reads each. */
static bool xlat(struct kslot *k, uint64_t vpage, uint64_t *ppage)
{
	struct tlb *t = &k->tlb[(vpage >> 12) & (TLB_N - 1)];
	if (t->vpage == (vpage | 1)) {
		*ppage = t->ppage;
		return true;
	}
	addrxlat_fulladdr_t fa = { vpage, ADDRXLAT_KVADDR };
	if (addrxlat_fulladdr_conv(&fa, ADDRXLAT_KPHYSADDR, k->axctx, k->axsys) != ADDRXLAT_OK)
		return false;
	k->nxlat++;
	t->vpage = vpage | 1;	/* page-aligned: bit 0 marks the slot used */
	t->ppage = fa.addr & ~(uint64_t)(PTS_PCACHE_PAGE - 1);
	*ppage = t->ppage;
	return true;
}

static bool ov_xlat(void *arg, uint64_t va, uint64_t *pa)
{
	struct kslot *k = arg;
	addrxlat_fulladdr_t fa = { va, ADDRXLAT_KVADDR };
	if (addrxlat_fulladdr_conv(&fa, ADDRXLAT_KPHYSADDR, k->axctx, k->axsys) != ADDRXLAT_OK)
		return false;
	*pa = fa.addr;
	return true;
}

/* One physical page from the file into the cache (and page).  A page that
 * the file lacks is cached as such: its next read fails at once, without
 * the library (and without another rebuild). */
static struct pts_error *fill(struct pts_dump *d, struct kslot *k, enum pts_addr_space as,
			      uint64_t at, uint64_t ppage, uint8_t *page, unsigned *flags, bool keep)
{
	size_t got = PTS_PCACHE_PAGE;
	k->nfills++;
	kdump_status st = kdump_read(k->kd, KDUMP_KPHYSADDR, ppage, page, &got);
	if (st == KDUMP_OK && got == PTS_PCACHE_PAGE) {
		*flags = 0;
		/* file.zero_excluded: a page of zeros may be one the file lacks. */
		if (all_zero(page, PTS_PCACHE_PAGE)) {
			unsigned char bit = 0;
			uint64_t pfn = ppage / PTS_PCACHE_PAGE >> k->bmp_shift;
			if (kdump_bmp_get_bits(k->pagemap, pfn, pfn, &bit) == KDUMP_OK && !(bit & 1))
				*flags = PTS_PCACHE_NODATA;
		}
		/* the overlay sits between the file and the cache: its kernel
		 * virtual items resolved before the first page is laid over */
		if (d->ov && !(*flags & PTS_PCACHE_NODATA)) {
			if (!__atomic_load_n(&d->ov_resolved, __ATOMIC_ACQUIRE)) {
				pthread_mutex_lock(&d->lock);
				pts_overlay_resolve(d->ov, ov_xlat, k);
				__atomic_store_n(&d->ov_resolved, true, __ATOMIC_RELEASE);
				pthread_mutex_unlock(&d->lock);
			}
			pts_overlay_apply(d->ov, true, ppage, page, PTS_PCACHE_PAGE);
		}
		if (keep || (*flags & PTS_PCACHE_NODATA))
			pts_pcache_put(d->pc, ppage / PTS_PCACHE_PAGE, page, *flags);
		return NULL;
	}
	if (st == KDUMP_ERR_NODATA)
		pts_pcache_put(d->pc, ppage / PTS_PCACHE_PAGE, NULL, PTS_PCACHE_NODATA);
	return read_failed(d, k, st, as, at);
}

void pts_dump_set_cache_bytes(struct pts_dump *d, size_t bytes)
{
	if (!d->pc)
		d->cache_bytes = bytes;
}

static struct pts_error *cached_read(struct pts_dump *d, struct kslot *k, enum pts_addr_space as,
				     uint64_t addr, uint8_t *buf, size_t len, bool keep)
{
	if (!k->tlb)
		k->tlb = xcalloc(TLB_N, sizeof(*k->tlb));
	uint8_t page[PTS_PCACHE_PAGE];
	for (uint64_t pos = addr, end = addr + len; pos < end;) {
		uint64_t pg = pos & ~(uint64_t)(PTS_PCACHE_PAGE - 1), off = pos - pg;
		size_t n = (size_t)(PTS_PCACHE_PAGE - off < end - pos ? PTS_PCACHE_PAGE - off : end - pos);
		uint8_t *out = buf + (pos - addr);
		uint64_t ppage = pg;
		if (as != PTS_PHYS && !xlat(k, pg, &ppage)) {
			/* Said here, not by a library read that would fail the
			 * same way and cost a rebuilt context (kd_setup): a
			 * damaged dump makes thousands of such reads. */
			const char *e = addrxlat_ctx_get_err(k->axctx);
			return pts_error(PTS_ERR_FAULT, "reading address 0x%" PRIx64 ": Cannot get page "
					 "I/O address: %s", pos, e && *e ? e : "not mapped");
		}
		if (d->info.max_pfn && ppage / PTS_PCACHE_PAGE >= d->info.max_pfn)
			return direct_read(d, k, as, pos, out, (size_t)(end - pos));
		unsigned flags;
		if (!pts_pcache_get(d->pc, ppage / PTS_PCACHE_PAGE, (size_t)off, n, out, &flags)) {
			struct pts_error *err = fill(d, k, as, pos, ppage, page, &flags, keep);
			if (err)
				return err;
			if (!(flags & PTS_PCACHE_NODATA))
				memcpy(out, page + off, n);
		}
		if (flags & PTS_PCACHE_NODATA)
			return nodata(as, pos);
		pos += n;
	}
	return NULL;
}

/* The calling thread's slot, set up on its first read (under the lock:
 * opening the file again and making the page cache happen once). */
static struct kslot *my_slot(struct pts_dump *d)
{
	struct kslot *k = &d->slot[tls_slot];
	if (__atomic_load_n(&k->tried, __ATOMIC_ACQUIRE) && __atomic_load_n(&d->pc, __ATOMIC_ACQUIRE))
		return k;
	pthread_mutex_lock(&d->lock);
	if (!d->pc)
		__atomic_store_n(&d->pc, pts_pcache_new(d->cache_bytes ? d->cache_bytes
							      : pts_pcache_default_bytes()),
				 __ATOMIC_RELEASE);
	if (!k->tried) {
		k->fd = open(d->data_path ? d->data_path : d->path, O_RDONLY | O_CLOEXEC);
		struct pts_error *err = k->fd < 0 ? pts_error_os("cannot open") : kd_setup(d, k);
		if (err) {
			pts_error_destroy(err);
			kd_teardown(k);
		}
		__atomic_store_n(&k->tried, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&d->lock);
	return k;
}

struct pts_error *pts_dump_read(struct pts_dump *d, enum pts_addr_space as, uint64_t addr,
				void *buf, size_t len)
{
	return pts_dump_read_flags(d, as, addr, buf, len, 0);
}

struct pts_error *pts_dump_read_flags(struct pts_dump *d, enum pts_addr_space as, uint64_t addr,
				      void *buf, size_t len, unsigned flags)
{
	if (!len)
		return NULL;
	__atomic_fetch_add(&d->nreads, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&d->nbytes, len, __ATOMIC_RELAXED);
	if (d->rec)
		rec_note(d, as, addr, len);
	if (d->snap) {
		struct pts_error *err = pts_snapshot_read(d->snap, as == PTS_PHYS, addr, buf, len);
		if (!err)
			pts_overlay_apply(d->ov, as == PTS_PHYS, addr, buf, len);
		return err;
	}
	if (d->kc) {
		struct pts_error *err = pts_kcore_read(d->kc, as == PTS_PHYS, addr, buf, len);
		if (!err)
			pts_overlay_apply(d->ov, as == PTS_PHYS, addr, buf, len);
		return err;
	}
	struct kslot *k = my_slot(d);
	if (!k->kd) {
		/* A failed rebuild after an earlier error. */
		return pts_error(PTS_ERR_FORMAT, "reading %s 0x%" PRIx64 ": the dump could not be reopened",
				 as == PTS_PHYS ? "physical address" : "address", addr);
	}
	if (as == PTS_PHYS && d->info.max_pfn) {
		uint64_t end = d->info.max_pfn * 4096;
		if (addr >= end || len > end - addr)
			return pts_error(PTS_ERR_NODATA, "physical address 0x%" PRIx64
					 ": beyond the dump's last page frame (max_pfn 0x%" PRIx64 ")",
					 addr >= end ? addr : end, d->info.max_pfn);
	}
	struct pts_error *err = addr + len < addr ? direct_read(d, k, as, addr, buf, len)
						  : cached_read(d, k, as, addr, buf, len,
								!(flags & PTS_READ_ONCE));
	return err;
}
