/* xlat DUMP PGD_PHYS < VAS: translate user addresses with libaddrxlat's
 * own page-table walker (the kernel's x86-64 PGT method, rooted at one
 * mm's PGD), an independent implementation to cross-check ptscope's walk.
 * Prints "VA PA" or "VA -" (not mapped) per line. */
#include <fcntl.h>
#include <inttypes.h>
#include <libkdumpfile/kdumpfile.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: xlat DUMP PGD_PHYS < VAS\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	kdump_ctx_t *kd = kdump_new();
	if (fd < 0 || !kd || kdump_open_fd(kd, fd) != KDUMP_OK) {
		fprintf(stderr, "xlat: %s: cannot open\n", argv[1]);
		return 2;
	}
	kdump_set_string_attr(kd, "arch.name", "x86_64");
	kdump_set_string_attr(kd, "addrxlat.ostype", "linux");
	addrxlat_ctx_t *ctx;
	addrxlat_sys_t *sys;
	if (kdump_get_addrxlat(kd, &ctx, &sys) != KDUMP_OK) {
		fprintf(stderr, "xlat: %s\n", kdump_get_err(kd));
		return 2;
	}
	addrxlat_meth_t meth = *addrxlat_sys_get_meth(sys, ADDRXLAT_SYS_METH_PGT);
	meth.param.pgt.root.addr = strtoull(argv[2], NULL, 16);
	meth.param.pgt.root.as = ADDRXLAT_MACHPHYSADDR;
	unsigned long long va;
	while (scanf("%llx", &va) == 1) {
		addrxlat_step_t step = { .ctx = ctx, .sys = sys, .meth = &meth };
		/* addrxlat_walk() launches from step.base itself */
		step.base.addr = va;
		step.base.as = ADDRXLAT_KVADDR;
		addrxlat_status st = addrxlat_walk(&step);
		if (st == ADDRXLAT_OK)
			printf("%llx %" PRIx64 "\n", va, (uint64_t)step.base.addr);
		else
			printf("%llx - %s\n", va, addrxlat_ctx_get_err(ctx));
	}
	addrxlat_ctx_decref(ctx);
	addrxlat_sys_decref(sys);
	kdump_free(kd);
	return 0;
}
