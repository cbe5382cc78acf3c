#include "config.h"
#include "readers/kfields.h"
#include <stdlib.h>
#include <string.h>
#include "readers/kinfo.h"
#include "base/util.h"
#include "mem/vmcoreinfo.h"

struct pts_error *pts_kernel_uname(struct pts_program *p, struct pts_uname *ret)
{
	uint64_t ns, off = 0;
	if (!vmcoreinfo_num(p->vmci, "SYMBOL(init_uts_ns)", &ns))
		return pts_error(PTS_ERR_LOOKUP, "VMCOREINFO lacks SYMBOL(init_uts_ns)");
	/* VMCOREINFO has the offset from v5.11 (ca4a9241cc5e "kdump: add
	 * uts_namespace.name offset to vmcoreinfo"); before, the vmlinux
	 * must say (name follows a kref, at 4 on 5.10). */
	if (!vmcoreinfo_num(p->vmci, "OFFSET(uts_namespace.name)", &off)) {
		struct pts_error *e = pts_field_need(p, PTS_FLD_UTS_NAMESPACE_NAME, &off);
		if (e)
			return pts_error_wrap(e, "uname (VMCOREINFO lacks OFFSET(uts_namespace.name))");
	}
	/* struct new_utsname: six fields of __NEW_UTS_LEN + 1 (65) bytes. */
	char buf[5 * 65];
	struct pts_error *err = pts_read(p, ns + off, buf, sizeof(buf));
	if (err)
		return pts_error_wrap(err, "init_uts_ns");
	char *f[] = { ret->sysname, ret->nodename, ret->release, ret->version, ret->machine };
	for (int i = 0; i < 5; i++) {
		memcpy(f[i], buf + 65 * i, 65);
		f[i][64] = '\0';
	}
	return NULL;
}

struct pts_error *pts_kernel_cmdline(struct pts_program *p, char **ret)
{
	uint64_t sym, ptr;
	struct pts_error *err = pts_symbol(p, "saved_command_line", &sym);
	if (err)
		return err;
	if ((err = pts_read_u64(p, sym, &ptr)))
		return pts_error_wrap(err, "saved_command_line");
	/* COMMAND_LINE_SIZE is 2048 on x86. */
	char *s = xmalloc(2049);
	if ((err = pts_read_str(p, ptr, s, 2049))) {
		free(s);
		return pts_error_wrap(err, "saved_command_line");
	}
	*ret = s;
	return NULL;
}

bool pts_kernel_has(struct pts_program *p, enum pts_kfeature f)
{
	struct pts_error *err = NULL;
	uint64_t u;
	int64_t v;
	if (!p->types)
		return false;
	switch (f) {
	case PTS_K_HGM:
		err = pts_types_sizeof(p->types, "struct hugetlb_pte", &u);
		break;
	case PTS_K_HUGETLB_VMA_LOCK:
		return pts_types_has_member(p->types, "struct hugetlb_vma_lock", "vma");
	case PTS_K_PG_ANON_EXCLUSIVE:
		err = pts_types_enum(p->types, "PG_anon_exclusive", &v);
		break;
	case PTS_K_PGTABLES_BYTES:
		return pts_types_has_member(p->types, "struct mm_struct", "pgtables_bytes");
	case PTS_K_THP:
		err = pts_symbol(p, "transparent_hugepage_flags", &u);
		break;
	}
	pts_error_destroy(err);
	return !err;
}
