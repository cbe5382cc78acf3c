/* The kernel log, read through the printk ring buffer's layout as
 * VMCOREINFO describes it (kernel/printk/printk.c, log_buf_vmcoreinfo_setup;
 * the lockless ring buffer since v5.10), so no vmlinux is needed. */
#ifndef PTS_KLOG_H
#define PTS_KLOG_H
#include "types/program.h"

/* The panic message ("sysrq triggered crash", ...), or *ret = NULL when
 * the log holds no panic. */
struct pts_error *pts_klog_panic(struct pts_program *p, char **ret);
#endif
