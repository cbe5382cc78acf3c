/* libFuzzer target: VMCOREINFO text as the dump's note carries it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mem/vmcoreinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct vmcoreinfo *v = vmcoreinfo_parse(s);
	uint64_t x;
	static const char *const keys[] = { "OSRELEASE", "PAGESIZE", "KERNELOFFSET", "SYMBOL(init_top_pgt)",
					    "NUMBER(pgtable_l5_enabled)", "CRASHTIME", "BUILD-ID" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		vmcoreinfo_get(v, keys[i]);
		vmcoreinfo_num(v, keys[i], &x);
	}
	vmcoreinfo_destroy(v);
	free(s);
	return 0;
}
