/* The kernel's own description of itself: uname and command line. */
#ifndef PTS_KINFO_H
#define PTS_KINFO_H
#include "types/program.h"

struct pts_uname {
	char sysname[65], nodename[65], release[65], version[65], machine[65];
};

/* From init_uts_ns through VMCOREINFO: needs no vmlinux. */
struct pts_error *pts_kernel_uname(struct pts_program *p, struct pts_uname *ret);
/* saved_command_line (a char *); needs the vmlinux.  *ret is malloc'd. */
struct pts_error *pts_kernel_cmdline(struct pts_program *p, char **ret);

/* What this kernel has, from its types and symbols (never its version):
 * the features checks apply by. */
enum pts_kfeature {
	PTS_K_HGM,		/* struct hugetlb_pte: HGM (never merged) */
	PTS_K_HUGETLB_VMA_LOCK,	/* struct hugetlb_vma_lock (v6.1 8d9bfb260814) */
	PTS_K_PG_ANON_EXCLUSIVE,	/* PG_anon_exclusive (v5.19) */
	PTS_K_PGTABLES_BYTES,	/* mm->pgtables_bytes */
	PTS_K_THP,		/* CONFIG_TRANSPARENT_HUGEPAGE: transparent_hugepage_flags */
};
bool pts_kernel_has(struct pts_program *p, enum pts_kfeature f);
#endif
