/* A VMA's flags as maps shows them and by name (kmm.h): include/linux/mm.h,
 * whose arch and high bits differ by arch and version. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "readers/kmm.h"

void pts_vma_perms(const struct pts_vma *v, char out[5])
{
	out[0] = v->flags & PTS_VM_READ ? 'r' : '-';
	out[1] = v->flags & PTS_VM_WRITE ? 'w' : '-';
	out[2] = v->flags & PTS_VM_EXEC ? 'x' : '-';
	out[3] = v->flags & PTS_VM_MAYSHARE ? 's' : 'p';
	out[4] = '\0';
}

/* The low bits, as include/linux/mm.h names them; 0x800 was DENYWRITE
 * until v5.15, 0x01000000 is VM_PAT on x86 (VM_ARCH_1). */
static const char *const low_flags[32] = {
	"read", "write", "exec", "shared", "mayread", "maywrite", "mayexec", "mayshare",
	"growsdown", "uffd_missing", "pfnmap", "denywrite", "uffd_wp", "locked", "io",
	"seq_read", "rand_read", "dontcopy", "dontexpand", "lockonfault", "account",
	"noreserve", "hugetlb", "sync", "pat", "wipeonfork", "dontdump", "softdirty",
	"mixedmap", "hugepage", "nohugepage", "mergeable",
};

void pts_vm_flags_each(struct pts_program *p, uint64_t flags, void (*fn)(const char *, void *),
		       void *arg)
{
	/* VM_UFFD_MINOR: bit 37 from v5.13, 38 from v6.6 (7a8d4b3b2fc9, for
	 * the shadow stack), 41 from v6.16.  A macro: not in the debug info. */
	unsigned v = pts_kernel_version(p);
	unsigned uffd_minor_bit = v < PTS_KVER(5, 13) ? 0 : v < PTS_KVER(6, 6) ? 37
				: v < PTS_KVER(6, 16) ? 38 : 41;
	char buf[32];
	/* VM_ARCH_1 and the high arch bits differ by arch (include/linux/mm.h):
	 * x86 VM_PAT and VM_PKEY_BIT0-3; arm64 VM_ARM64_BTI, VM_MTE and
	 * VM_MTE_ALLOWED */
	const char *arch = pts_dump_info(p->dump)->arch;
	bool arm64 = arch && !strcmp(arch, "aarch64");
	for (unsigned b = 0; b < 64; b++) {
		if (!(flags & (1ULL << b)))
			continue;
		if (arm64 && (b == 24 || b == 32 || b == 33)) {
			fn(b == 24 ? "bti" : b == 32 ? "mte" : "mte_allowed", arg);
		} else if (b < 32) {
			fn(low_flags[b], arg);
		} else if (uffd_minor_bit && b == uffd_minor_bit) {
			fn("uffd_minor", arg);
		} else if (b >= 32 && b < 36 && !arm64) {
			snprintf(buf, sizeof(buf), "pkey_bit%u", b - 32);
			fn(buf, arg);
		} else {
			snprintf(buf, sizeof(buf), "bit%u", b);
			fn(buf, arg);
		}
	}
}

struct flags_buf {
	char *buf;
	size_t n, len;
};

static void add_flag(const char *name, void *arg)
{
	struct flags_buf *f = arg;
	int r = snprintf(f->buf + f->len, f->n - f->len, "%s%s", f->len ? " " : "", name);
	if (r > 0 && (size_t)r < f->n - f->len)
		f->len += (size_t)r;
}

void pts_vm_flags_text(struct pts_program *p, uint64_t flags, char *buf, size_t n)
{
	struct flags_buf f = { buf, n, 0 };
	buf[0] = '\0';
	pts_vm_flags_each(p, flags, add_flag, &f);
}
