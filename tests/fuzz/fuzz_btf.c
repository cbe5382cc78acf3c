/* libFuzzer target: a BTF blob, as the dump's __start_BTF..__stop_BTF or a
 * vmlinux's .BTF gives it, through libbpf's parser and then everything
 * ptscope's own code asks of it (btfinfo.c): sizes, member paths through
 * nested and anonymous members, arrays, enums, functions. */
#include <stdint.h>
#include <stdlib.h>
#include "types/btfinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_enum(void *arg, const char *name, int64_t value)
{
	(void)name;
	*(int64_t *)arg += value;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pts_btf *b;
	struct pts_error *err = pts_btf_new(data, size, "fuzz", NULL, 0, &b);
	if (err) {
		pts_error_destroy(err);
		return 0;
	}
	static const char *const types[] = { "struct mm_struct", "struct page", "struct task_struct",
					      "struct vm_area_struct", "struct maple_node", "int",
					      "struct folio", "union", "enum pageflags" };
	static const char *const paths[] = { "pgd", "mm_mt.ma_root", "compound_head", "comm",
					     "vm_start", "mm", "_mapcount.counter", "a.b.c.d", "",
					     "flags", "slots" };
	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++) {
		uint64_t v;
		pts_error_destroy(pts_btf_sizeof(b, types[i], &v));
		for (size_t j = 0; j < sizeof(paths) / sizeof(*paths); j++) {
			struct pts_member m;
			pts_error_destroy(pts_btf_member(b, types[i], paths[j], &m));
			pts_error_destroy(pts_btf_member_array_len(b, types[i], paths[j], &v));
		}
		int64_t sum = 0;
		pts_error_destroy(pts_btf_enumerators(b, types[i], on_enum, &sum));
	}
	int64_t e;
	pts_error_destroy(pts_btf_enum(b, "PG_head", &e));
	pts_error_destroy(pts_btf_enum(b, "PGTY_table", &e));
	pts_btf_has_function(b, "hugetlb_fault");
	uint64_t a;
	pts_error_destroy(pts_btf_symbol(b, "init_mm", &a));
	pts_btf_free(b);
	return 0;
}
