/* Types from the kernel's own BTF (CONFIG_DEBUG_INFO_BTF), through
 * libbpf: the same questions types.h asks of DWARF, for a kernel
 * without its 600 MB debuginfo.  Symbols come from kallsyms.  What BTF
 * does not carry (global variables' types, inlined functions, macros)
 * is PTS_ERR_LOOKUP, said as such. */
#ifndef PTS_BTFINFO_H
#define PTS_BTFINFO_H
#include <stdbool.h>
#include <stdint.h>
#include "types/types.h"
#include "base/error.h"
#include "types/kallsyms.h"

struct pts_btf;

/* The BTF backend of the types interface: pts_types_new(&pts_btf_ops, b,
 * pts_btf_source(b)). */
extern const struct pts_types_ops pts_btf_ops;

/* Parse raw BTF bytes (copied); syms is taken over. kaslr: runtime
 * minus link-time addresses, so that symbols come back link-time like
 * DWARF's. */
struct pts_error *pts_btf_new(const void *data, size_t len, const char *source,
			      struct pts_kallsyms *syms, uint64_t kaslr, struct pts_btf **ret);
void pts_btf_free(struct pts_btf *b);
const char *pts_btf_source(const struct pts_btf *b);
size_t pts_btf_types(const struct pts_btf *b);
const struct pts_kallsyms *pts_btf_kallsyms(const struct pts_btf *b);

struct pts_error *pts_btf_sizeof(struct pts_btf *b, const char *type, uint64_t *ret);
struct pts_error *pts_btf_member(struct pts_btf *b, const char *type, const char *path,
				 struct pts_member *ret);
struct pts_error *pts_btf_member_array_len(struct pts_btf *b, const char *type, const char *path,
					   uint64_t *ret);
struct pts_error *pts_btf_symbol(struct pts_btf *b, const char *name, uint64_t *ret);
bool pts_btf_has_function(struct pts_btf *b, const char *name);
struct pts_error *pts_btf_enumerators(struct pts_btf *b, const char *type, pts_enumerator_fn *fn,
				      void *arg);
struct pts_error *pts_btf_enum(struct pts_btf *b, const char *name, int64_t *ret);
#endif
