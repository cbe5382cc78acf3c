/* VMCOREINFO: the kernel's own "KEY=value" description of itself. */
#ifndef PTS_VMCOREINFO_H
#define PTS_VMCOREINFO_H
#include <stdbool.h>
#include <stdint.h>

struct vmcoreinfo;

struct vmcoreinfo *vmcoreinfo_parse(const char *raw);
void vmcoreinfo_destroy(struct vmcoreinfo *v);
/* The value of KEY (e.g. "OSRELEASE", "SYMBOL(init_top_pgt)"), or NULL. */
const char *vmcoreinfo_get(const struct vmcoreinfo *v, const char *key);
/* Numeric value: SYMBOL() and KERNELOFFSET are hex, the rest decimal. */
bool vmcoreinfo_num(const struct vmcoreinfo *v, const char *key, uint64_t *ret);
const char *vmcoreinfo_raw(const struct vmcoreinfo *v);
/* The kernel's architecture as libkdumpfile names it, from what only
 * that arch's kernel exports: "x86_64" (SYMBOL(init_top_pgt)), "aarch64"
 * (NUMBER(kimage_voffset), arch/arm64/kernel/crash_core.c); NULL if
 * neither. */
const char *pts_vmcoreinfo_arch(const struct vmcoreinfo *v);
#endif
