/* BTF through libbpf (Debian's libbpf-dev): btf__new() checks the
 * header and every type record, so a corrupt blob is refused here rather
 * than misread later. */
#include "config.h"
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "types/btfinfo.h"
#include "base/util.h"

struct enumval {
	const char *name;	/* in the BTF string section */
	int64_t value;
};

struct pts_btf {
	struct btf *btf;
	char *source;
	struct pts_kallsyms *syms;
	uint64_t kaslr;
	/* Named types by (kind, name, id), built on first use: libbpf's
	 * btf__find_by_name_kind() scans every type, and the readers look
	 * up types by name thousands of times (check --all: 70 s of it). */
	struct named { const char *name; int32_t id; int kind; } *names;
	size_t nnames;
	struct enumval *enums;	/* every enumerator, sorted by name; built on first use */
	size_t nenums;
	bool enums_built;
};

struct pts_error *pts_btf_new(const void *data, size_t len, const char *source,
			      struct pts_kallsyms *syms, uint64_t kaslr, struct pts_btf **ret)
{
	errno = 0;
	struct btf *btf = btf__new(data, (uint32_t)len);
	int e = libbpf_get_error(btf);
	if (e || !btf) {
		pts_kallsyms_free(syms);
		return pts_error(PTS_ERR_FORMAT, "%s: not valid BTF (libbpf: %s)", source,
				 strerror(e < 0 ? -e : EINVAL));
	}
	struct pts_btf *b = xcalloc(1, sizeof(*b));
	b->btf = btf;
	b->source = xstrdup(source);
	b->syms = syms;
	b->kaslr = kaslr;
	*ret = b;
	return NULL;
}

void pts_btf_free(struct pts_btf *b)
{
	if (!b)
		return;
	btf__free(b->btf);
	pts_kallsyms_free(b->syms);
	free(b->enums);
	free(b->names);
	free(b->source);
	free(b);
}

const char *pts_btf_source(const struct pts_btf *b) { return b->source; }
size_t pts_btf_types(const struct pts_btf *b) { return btf__type_cnt(b->btf) - 1; }
const struct pts_kallsyms *pts_btf_kallsyms(const struct pts_btf *b) { return b->syms; }

static int cmp_named(const void *x, const void *y)
{
	const struct named *a = x, *b = y;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	int c = strcmp(a->name, b->name);
	return c ? c : a->id < b->id ? -1 : a->id > b->id;
}

static int32_t find_by_name_kind(struct pts_btf *b, const char *name, int kind)
{
	if (!b->names) {
		uint32_t n = btf__type_cnt(b->btf);
		b->names = xcalloc(n ? n : 1, sizeof(*b->names));
		for (uint32_t id = 1; id < n; id++) {
			const struct btf_type *t = btf__type_by_id(b->btf, id);
			int k = t ? btf_kind(t) : 0;
			if (k != BTF_KIND_STRUCT && k != BTF_KIND_UNION && k != BTF_KIND_ENUM &&
			    k != BTF_KIND_ENUM64 && k != BTF_KIND_TYPEDEF && k != BTF_KIND_INT &&
			    k != BTF_KIND_FUNC)
				continue;
			const char *nm = btf__name_by_offset(b->btf, t->name_off);
			if (nm && *nm)
				b->names[b->nnames++] = (struct named){ nm, (int32_t)id, k };
		}
		qsort(b->names, b->nnames, sizeof(*b->names), cmp_named);
	}
	/* the first (lowest id) of that kind and name, as libbpf finds it */
	size_t lo = 0, hi = b->nnames;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct named *m = &b->names[mid];
		int c = m->kind != kind ? (m->kind < kind ? -1 : 1) : strcmp(m->name, name);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < b->nnames && b->names[lo].kind == kind && !strcmp(b->names[lo].name, name))
		return b->names[lo].id;
	return -ENOENT;
}

/* "struct X", "union X", "enum X", or a typedef's name. */
static int32_t find(struct pts_btf *b, const char *type)
{
	static const struct { const char *prefix; int kind; } kinds[] = {
		{ "struct ", BTF_KIND_STRUCT }, { "union ", BTF_KIND_UNION }, { "enum ", BTF_KIND_ENUM },
	};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		size_t n = strlen(kinds[i].prefix);
		if (strncmp(type, kinds[i].prefix, n))
			continue;
		int32_t id = find_by_name_kind(b, type + n, kinds[i].kind);
		/* v6.0 added 64-bit enums (BTF_KIND_ENUM64) */
		if (id < 0 && kinds[i].kind == BTF_KIND_ENUM)
			id = find_by_name_kind(b, type + n, BTF_KIND_ENUM64);
		return id;
	}
	int32_t id = find_by_name_kind(b, type, BTF_KIND_TYPEDEF);
	return id >= 0 ? id : find_by_name_kind(b, type, BTF_KIND_INT);
}

/* Through typedefs and qualifiers. */
static int32_t peel(struct pts_btf *b, int32_t id)
{
	for (int i = 0; id > 0 && i < 32; i++) {
		const struct btf_type *t = btf__type_by_id(b->btf, (uint32_t)id);
		if (!t)
			return -1;
		if (!btf_is_typedef(t) && !btf_is_mod(t))
			return id;
		id = (int32_t)t->type;
	}
	return id;
}

struct pts_error *pts_btf_sizeof(struct pts_btf *b, const char *type, uint64_t *ret)
{
	int32_t id = find(b, type);
	if (id < 0)
		return pts_error(PTS_ERR_LOOKUP, "no type '%s' in the BTF", type);
	int64_t s = btf__resolve_size(b->btf, (uint32_t)id);
	if (s < 0)
		return pts_error(PTS_ERR_LOOKUP, "size of '%s' unknown", type);
	*ret = (uint64_t)s;
	return NULL;
}

/* name among the members of composite id, descending into anonymous
 * members; *bits accumulates the offset in bits. */
static bool find_member(struct pts_btf *b, int32_t id, const char *name, size_t len, uint64_t *bits,
			const struct btf_member **ret, const struct btf_type **owner, int depth)
{
	const struct btf_type *t = btf__type_by_id(b->btf, (uint32_t)peel(b, id));
	if (!t || !btf_is_composite(t) || depth > 16)
		return false;
	const struct btf_member *m = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, m++) {
		uint64_t at = *bits + btf_member_bit_offset(t, i);
		const char *n = btf__name_by_offset(b->btf, m->name_off);
		if (n && *n) {
			if (strlen(n) == len && !memcmp(n, name, len)) {
				*bits = at;
				*ret = m;
				*owner = t;
				return true;
			}
			continue;
		}
		uint64_t sub = at;
		if (find_member(b, (int32_t)m->type, name, len, &sub, ret, owner, depth + 1)) {
			*bits = sub;
			return true;
		}
	}
	return false;
}

static struct pts_error *resolve(struct pts_btf *b, const char *type, const char *path,
				 struct pts_member *ret, int32_t *mtype)
{
	int32_t id = find(b, type);
	if (id < 0)
		return pts_error(PTS_ERR_LOOKUP, "no type '%s' in the BTF", type);
	uint64_t bits = 0;
	const struct btf_member *m = NULL;
	const struct btf_type *owner = NULL;
	for (const char *p = path;;) {
		size_t len = strcspn(p, ".");
		if (!find_member(b, id, p, len, &bits, &m, &owner, 0))
			return pts_error(PTS_ERR_LOOKUP, "%s has no member '%s'", type, path);
		if (!p[len])
			break;
		id = (int32_t)m->type;
		p += len + 1;
	}
	int64_t sz = btf__resolve_size(b->btf, m->type);
	unsigned bsz = btf_kflag(owner) ? BTF_MEMBER_BITFIELD_SIZE(m->offset) : 0;
	ret->offset = bits / 8;
	ret->size = sz > 0 ? (uint64_t)sz : 0;
	ret->bit_offset = bsz ? (unsigned)(bits % 8) : 0;
	ret->bit_size = bsz;
	if (mtype)
		*mtype = (int32_t)m->type;
	return NULL;
}

struct pts_error *pts_btf_member(struct pts_btf *b, const char *type, const char *path,
				 struct pts_member *ret)
{
	return resolve(b, type, path, ret, NULL);
}

struct pts_error *pts_btf_member_array_len(struct pts_btf *b, const char *type, const char *path,
					   uint64_t *ret)
{
	struct pts_member m;
	int32_t id;
	struct pts_error *err = resolve(b, type, path, &m, &id);
	if (err)
		return err;
	const struct btf_type *t = btf__type_by_id(b->btf, (uint32_t)peel(b, id));
	if (!t || !btf_is_array(t))
		return pts_error(PTS_ERR_LOOKUP, "%s.%s is not an array", type, path);
	*ret = btf_array(t)->nelems;
	return NULL;
}

struct pts_error *pts_btf_symbol(struct pts_btf *b, const char *name, uint64_t *ret)
{
	uint64_t a;
	if (!b->syms || !pts_kallsyms_lookup(b->syms, name, &a, NULL)) {
		/* jiffies is data every kernel has: without it kallsyms holds
		 * functions only (Debian's arm64 cloud kernels) */
		if (b->syms && !pts_kallsyms_lookup(b->syms, "jiffies", &a, NULL))
			return pts_error(PTS_ERR_LOOKUP, "symbol '%s' not in kallsyms: this kernel's kallsyms "
					 "lists functions only (CONFIG_KALLSYMS_ALL is off), so its data "
					 "needs the vmlinux (-k)", name);
		return pts_error(PTS_ERR_LOOKUP, "symbol '%s' not in kallsyms", name);
	}
	*ret = a - b->kaslr;
	return NULL;
}

bool pts_btf_has_function(struct pts_btf *b, const char *name)
{
	char t;
	if (b->syms && pts_kallsyms_lookup(b->syms, name, NULL, &t) && (t == 't' || t == 'T'))
		return true;
	return find_by_name_kind(b, name, BTF_KIND_FUNC) >= 0;
}

struct pts_error *pts_btf_enumerators(struct pts_btf *b, const char *type, pts_enumerator_fn *fn,
				      void *arg)
{
	int32_t id = find(b, type);
	const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(b->btf, (uint32_t)peel(b, id));
	if (!t || !(btf_is_enum(t) || btf_is_enum64(t)))
		return pts_error(PTS_ERR_LOOKUP, "no enum '%s' in the BTF", type);
	for (unsigned i = 0; i < btf_vlen(t); i++) {
		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t) + i;
			/* kind_flag: signed values (v6.0); before, as the kernel's int */
			int64_t v = btf_kflag(t) ? (int64_t)(int32_t)e->val : (int64_t)(uint32_t)e->val;
			const char *nm = btf__name_by_offset(b->btf, e->name_off);
			fn(arg, nm ? nm : "", v);
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;
			const char *nm = btf__name_by_offset(b->btf, e->name_off);
			fn(arg, nm ? nm : "", (int64_t)btf_enum64_value(e));
		}
	}
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct enumval *)a)->name, ((const struct enumval *)b)->name);
}

struct pts_error *pts_btf_enum(struct pts_btf *b, const char *name, int64_t *ret)
{
	if (!b->enums_built) {
		size_t cap = 0;
		for (uint32_t id = 1; id < btf__type_cnt(b->btf); id++) {
			const struct btf_type *t = btf__type_by_id(b->btf, id);
			if (!btf_is_enum(t) && !btf_is_enum64(t))
				continue;
			for (unsigned i = 0; i < btf_vlen(t); i++) {
				if (b->nenums == cap) {
					cap = cap ? 2 * cap : 4096;
					b->enums = xrealloc(b->enums, cap * sizeof(*b->enums));
				}
				struct enumval v;
				if (btf_is_enum(t)) {
					const struct btf_enum *e = btf_enum(t) + i;
					v.name = btf__name_by_offset(b->btf, e->name_off);
					v.value = btf_kflag(t) ? (int64_t)(int32_t)e->val : (int64_t)(uint32_t)e->val;
				} else {
					const struct btf_enum64 *e = btf_enum64(t) + i;
					v.name = btf__name_by_offset(b->btf, e->name_off);
					v.value = (int64_t)btf_enum64_value(e);
				}
				if (v.name)	/* an offset outside the strings */
					b->enums[b->nenums++] = v;
			}
		}
		if (b->nenums)
			qsort(b->enums, b->nenums, sizeof(*b->enums), by_name);
		b->enums_built = true;
	}
	struct enumval key = { .name = name };
	/* bsearch() wants an array, even an empty one (BTF without enums) */
	const struct enumval *e = b->nenums ? bsearch(&key, b->enums, b->nenums, sizeof(*b->enums),
						      by_name) : NULL;
	if (!e)
		return pts_error(PTS_ERR_LOOKUP, "enumerator '%s' not in the BTF", name);
	*ret = e->value;
	return NULL;
}

/* ---- the backend's face (types.h) --------------------------------- */

static struct pts_error *op_sizeof(void *b, const char *type, uint64_t *ret)
{
	return pts_btf_sizeof(b, type, ret);
}
static struct pts_error *op_member(void *b, const char *type, const char *path, struct pts_member *ret)
{
	return pts_btf_member(b, type, path, ret);
}
static bool op_has_member(void *b, const char *type, const char *path)
{
	struct pts_member m;
	struct pts_error *e = pts_btf_member(b, type, path, &m);
	pts_error_destroy(e);
	return !e;
}
static struct pts_error *op_member_array_len(void *b, const char *type, const char *path,
					     uint64_t *ret)
{
	return pts_btf_member_array_len(b, type, path, ret);
}
static struct pts_error *op_var_array_len(void *b, const char *name, uint64_t *ret)
{
	(void)b, (void)ret;
	return pts_error(PTS_ERR_LOOKUP, "the length of '%s': BTF keeps no global variables' types",
			 name);
}
static struct pts_error *op_symbol(void *b, const char *name, uint64_t *ret)
{
	return pts_btf_symbol(b, name, ret);
}
static bool op_has_function(void *b, const char *name) { return pts_btf_has_function(b, name); }
static struct pts_error *op_enumerators(void *b, const char *type, pts_enumerator_fn *fn, void *arg)
{
	return pts_btf_enumerators(b, type, fn, arg);
}
static struct pts_error *op_enum(void *b, const char *name, int64_t *ret)
{
	return pts_btf_enum(b, name, ret);
}
static void op_close(void *b) { pts_btf_free(b); }

const struct pts_types_ops pts_btf_ops = {
	.name = "BTF",
	.size_of = op_sizeof,
	.member = op_member,
	.has_member = op_has_member,
	.member_array_len = op_member_array_len,
	.var_array_len = op_var_array_len,
	.symbol = op_symbol,
	.has_function = op_has_function,
	.enumerators = op_enumerators,
	.enumval = op_enum,
	.close = op_close,
};
