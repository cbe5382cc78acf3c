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
#endif
