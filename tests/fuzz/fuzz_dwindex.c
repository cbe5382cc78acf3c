/* libFuzzer target: the DWARF index ptscope keeps in its cache directory
 * (dwinfo.c), a file anyone who can write there can change.  The first
 * byte says whether its checksum is checked (else a fuzzer would never
 * get past it); then every lookup the readers make. */
#include <stdint.h>
#include <stdlib.h>
#include "types/dwinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_enum(void *arg, const char *name, int64_t value)
{
	(void)name;
	*(int64_t *)arg += value;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	struct pts_dwarf *d = pts_dwarf_from_index(data + 1, size - 1, data[0] & 1);
	if (!d)
		return 0;
	struct pts_types *dw = pts_types_new(&pts_dwarf_ops, d, "index");
	static const char *const types[] = { "struct mm_struct", "struct page", "union x", "enum pageflags",
					     "pgd_t", "" };
	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++) {
		uint64_t v;
		struct pts_member m;
		int64_t sum = 0;
		pts_error_destroy(pts_types_sizeof(dw, types[i], &v));
		pts_error_destroy(pts_types_member(dw, types[i], "pgd", &m));
		pts_error_destroy(pts_types_member(dw, types[i], "a.b", &m));
		pts_error_destroy(pts_types_member_array_len(dw, types[i], "comm", &v));
		pts_error_destroy(pts_types_enumerators(dw, types[i], on_enum, &sum));
	}
	uint64_t a;
	int64_t e;
	pts_error_destroy(pts_types_symbol(dw, "init_mm", &a));
	pts_error_destroy(pts_types_enum(dw, "PG_head", &e));
	pts_error_destroy(pts_types_var_array_len(dw, "hugetlb_fault_mutex_table", &a));
	pts_types_has_function(dw, "hugetlb_fault");
	pts_types_has_member(dw, "struct page", "compound_head");
	pts_types_close(dw);
	return 0;
}
