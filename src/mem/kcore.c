#include "config.h"
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "mem/kcore.h"
#include "base/util.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

struct seg {
	uint64_t vaddr, paddr, size, offset;
	bool has_paddr;
};

struct pts_kcore {
	int fd;
	struct seg *segs;
	size_t nsegs;
	size_t last[2];		/* segment of the last hit, per address space */
	uint64_t max_pfn, ram_pages;
	const char *arch;	/* "x86_64" or "aarch64", from the ELF header */
};

bool pts_kcore_is(int fd)
{
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
		return false;
	char link[64], target[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, PTS_KCORE_PATH);
}

/* /sys/kernel/security/lockdown reads "none integrity [confidentiality]". */
static const char *lockdown_mode(void)
{
	static char mode[32];
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");
	if (!f)
		return NULL;
	char line[128];
	const char *ret = NULL;
	if (fgets(line, sizeof(line), f)) {
		char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;
		if (a && b && (size_t)(b - a - 1) < sizeof(mode)) {
			memcpy(mode, a + 1, b - a - 1);
			mode[b - a - 1] = '\0';
			ret = mode;
		}
	}
	fclose(f);
	return ret;
}

struct pts_error *pts_kcore_open_error(int err)
{
	if (err == ENOENT)
		return pts_error(PTS_ERR_OS, "no such file: the kernel is built without CONFIG_PROC_KCORE, "
				 "or /proc is not mounted");
	if (err == EACCES || err == EPERM) {
		if (geteuid() != 0)
			return pts_error(PTS_ERR_OS, "%s: live mode needs root (open(2) of kcore needs "
					 "CAP_SYS_RAWIO)", strerror(err));
		const char *lm = lockdown_mode();
		/* LOCKDOWN_KCORE sits above LOCKDOWN_INTEGRITY_MAX: only the
		 * confidentiality level refuses kcore. */
		if (lm && strcmp(lm, "none"))
			return pts_error(PTS_ERR_OS, "%s: refused by kernel lockdown (%s); read a dump instead",
					 strerror(err), lm);
		return pts_error(PTS_ERR_OS, "%s: needs CAP_SYS_RAWIO (a container or a security module "
				 "may withhold it)", strerror(err));
	}
	return pts_error(PTS_ERR_OS, "cannot open: %s", strerror(err));
}

static int cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

struct pts_error *pts_kcore_open(int fd, struct pts_kcore **ret, char **vmcoreinfo)
{
	*vmcoreinfo = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return pts_error(PTS_ERR_FORMAT, "libelf: %s", elf_errmsg(-1));
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return pts_error(PTS_ERR_FORMAT, "not an ELF file: %s", elf_errmsg(-1));
	struct pts_error *err = NULL;
	struct pts_kcore *k = xcalloc(1, sizeof(*k));
	k->fd = fd;
	GElf_Ehdr eh;
	size_t nph = 0;
	if (!gelf_getehdr(elf, &eh) || eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_CORE ||
	    elf_getphdrnum(elf, &nph) != 0) {
		err = pts_error(PTS_ERR_FORMAT, "not a 64-bit ELF core file");
		goto out;
	}
	if (eh.e_machine != EM_X86_64 && eh.e_machine != EM_AARCH64) {
		err = pts_error(PTS_ERR_FORMAT, "ELF machine %u: only x86-64 and arm64 are supported",
				eh.e_machine);
		goto out;
	}
	k->arch = eh.e_machine == EM_AARCH64 ? "aarch64" : "x86_64";
	k->segs = xcalloc(nph ? nph : 1, sizeof(*k->segs));
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph))
			continue;
		if (ph.p_type == PT_NOTE && !*vmcoreinfo) {
			Elf_Data *data = elf_getdata_rawchunk(elf, ph.p_offset, ph.p_filesz, ELF_T_NHDR);
			if (!data)
				continue;
			GElf_Nhdr nh;
			size_t off = 0, noff, doff;
			while ((off = gelf_getnote(data, off, &nh, &noff, &doff)) > 0) {
				const char *name = (const char *)data->d_buf + noff;
				if (nh.n_namesz == sizeof("VMCOREINFO") && !memcmp(name, "VMCOREINFO", 11)) {
					char *s = xmalloc(nh.n_descsz + 1);
					memcpy(s, (const char *)data->d_buf + doff, nh.n_descsz);
					s[nh.n_descsz] = '\0';
					*vmcoreinfo = s;
					break;
				}
			}
		} else if (ph.p_type == PT_LOAD && ph.p_memsz) {
			struct seg *s = &k->segs[k->nsegs++];
			s->vaddr = ph.p_vaddr;
			s->size = ph.p_filesz < ph.p_memsz ? ph.p_filesz : ph.p_memsz;
			s->offset = ph.p_offset;
			/* fs/proc/kcore.c: p_paddr is __pa() for KCORE_RAM and
			 * KCORE_TEXT, -1 for the rest. */
			s->has_paddr = ph.p_paddr != (GElf_Addr)-1;
			s->paddr = ph.p_paddr;
			/* RAM: the direct map, below the kernel image at -2 GiB */
			if (s->has_paddr && s->vaddr < 0xffffffff80000000ull) {
				k->ram_pages += s->size / 4096;
				if ((s->paddr + s->size) / 4096 > k->max_pfn)
					k->max_pfn = (s->paddr + s->size) / 4096;
			}
		}
	}
	qsort(k->segs, k->nsegs, sizeof(*k->segs), cmp_seg);
	if (!*vmcoreinfo) {
		err = pts_error(PTS_ERR_FORMAT, "no VMCOREINFO note (kernels before v4.19 lack it)");
		goto out;
	}
	if (!k->ram_pages) {
		err = pts_error(PTS_ERR_FORMAT, "no RAM segments among its %zu PT_LOAD headers", k->nsegs);
		goto out;
	}
out:
	elf_end(elf);
	if (err) {
		free(*vmcoreinfo);
		*vmcoreinfo = NULL;
		pts_kcore_close(k);
		return err;
	}
	*ret = k;
	return NULL;
}

void pts_kcore_close(struct pts_kcore *k)
{
	if (!k)
		return;
	free(k->segs);
	free(k);
}

uint64_t pts_kcore_max_pfn(const struct pts_kcore *k)
{
	return k->max_pfn;
}

const char *pts_kcore_arch(const struct pts_kcore *k)
{
	return k->arch;
}
uint64_t pts_kcore_ram_pages(const struct pts_kcore *k) { return k->ram_pages; }
unsigned pts_kcore_nsegments(const struct pts_kcore *k) { return (unsigned)k->nsegs; }

static const struct seg *find(struct pts_kcore *k, bool phys, uint64_t addr)
{
	const struct seg *s = &k->segs[k->last[phys]];
	if (k->nsegs && (phys ? s->has_paddr && addr - s->paddr < s->size : addr - s->vaddr < s->size))
		return s;
	for (size_t i = 0; i < k->nsegs; i++) {
		s = &k->segs[i];
		if (phys ? s->has_paddr && addr - s->paddr < s->size : addr - s->vaddr < s->size) {
			k->last[phys] = i;
			return s;
		}
	}
	return NULL;
}

struct pts_error *pts_kcore_read(struct pts_kcore *k, bool phys, uint64_t addr, void *buf,
				 size_t len)
{
	uint8_t *p = buf;
	while (len) {
		const struct seg *s = find(k, phys, addr);
		if (!s)
			return pts_error(PTS_ERR_NODATA, "%s 0x%" PRIx64 ": not in any segment of "
					 PTS_KCORE_PATH, phys ? "physical address" : "address", addr);
		uint64_t in = addr - (phys ? s->paddr : s->vaddr);
		size_t n = s->size - in < len ? (size_t)(s->size - in) : len;
		ssize_t got = pread(k->fd, p, n, (off_t)(s->offset + in));
		if (got <= 0)
			return pts_error(PTS_ERR_OS, "reading %s 0x%" PRIx64 " from " PTS_KCORE_PATH ": %s",
					 phys ? "physical address" : "address", addr,
					 got < 0 ? strerror(errno) : "end of file");
		p += got;
		addr += (uint64_t)got;
		len -= (size_t)got;
	}
	return NULL;
}
