#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "types/kallsyms.h"
#include "base/util.h"
#include "mem/vmcoreinfo.h"

struct ksym {
	char *name;
	uint64_t addr;
	char type;
	uint32_t idx;		/* in the kernel's table */
};

struct pts_kallsyms {
	struct ksym *v;		/* in the kernel's order */
	size_t n;
	/* names hashed: slot = 1 + index in v of the name's symbol (a global
	 * one where the name repeats), 0 empty.  Sorting 120,000 names with
	 * strcmp was half of BTF mode's start, seconds in a TCG guest. */
	uint32_t *slot;
	size_t mask;
	const char *source;
	/* every name, NUL-terminated, one after the other: one allocation,
	 * not one per symbol (startup time in BTF mode) */
	char *strs;
	size_t slen, scap;
};

/* Append a name; its offset, made a pointer by fix_names(). */
static char *add_name(struct pts_kallsyms *k, const char *name, size_t len)
{
	if (k->slen + len + 1 > k->scap) {
		k->scap = k->scap ? 2 * k->scap : 1 << 20;
		while (k->slen + len + 1 > k->scap)
			k->scap *= 2;
		k->strs = xrealloc(k->strs, k->scap);
	}
	size_t off = k->slen;
	memcpy(k->strs + off, name, len);
	k->strs[off + len] = '\0';
	k->slen += len + 1;
	return (char *)(uintptr_t)off;
}

static void fix_names(struct pts_kallsyms *k)
{
	for (size_t i = 0; i < k->n; i++)
		k->v[i].name = k->strs + (uintptr_t)k->v[i].name;
}

static bool global(const struct ksym *s)
{
	return s->type >= 'A' && s->type <= 'Z';
}

/* A name may repeat (static symbols): the first global one is kept, else
 * the first. */
static void finish(struct pts_kallsyms *k)
{
	fix_names(k);
	size_t size = 1024;
	while (size < 2 * k->n)
		size *= 2;
	k->mask = size - 1;
	k->slot = xcalloc(size, sizeof(*k->slot));
	for (size_t i = 0; i < k->n; i++)
		for (size_t j = pts_fnv1a(k->v[i].name, 0) & k->mask;; j = (j + 1) & k->mask) {
			if (!k->slot[j]) {
				k->slot[j] = (uint32_t)i + 1;
				break;
			}
			struct ksym *o = &k->v[k->slot[j] - 1];
			if (!strcmp(o->name, k->v[i].name)) {
				if (!global(o) && global(&k->v[i]))
					k->slot[j] = (uint32_t)i + 1;
				break;
			}
		}
}

bool pts_kallsyms_lookup(const struct pts_kallsyms *k, const char *name, uint64_t *addr, char *type)
{
	const struct ksym *s = NULL;
	for (size_t j = pts_fnv1a(name, 0) & k->mask; k->slot && k->slot[j]; j = (j + 1) & k->mask)
		if (!strcmp(k->v[k->slot[j] - 1].name, name)) {
			s = &k->v[k->slot[j] - 1];
			break;
		}
	if (!s)
		return false;
	if (addr)
		*addr = s->addr;
	if (type)
		*type = s->type;
	return true;
}

size_t pts_kallsyms_count(const struct pts_kallsyms *k)
{
	return k->n;
}

const char *pts_kallsyms_source(const struct pts_kallsyms *k)
{
	return k->source;
}

void pts_kallsyms_free(struct pts_kallsyms *k)
{
	if (!k)
		return;
	free(k->strs);
	free(k->slot);
	free(k->v);
	free(k);
}

struct pts_error *pts_kallsyms_from_file(const char *path, struct pts_kallsyms **ret)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return pts_error_os("%s", path);
	struct pts_kallsyms *k = xcalloc(1, sizeof(*k));
	size_t cap = 0;
	bool nonzero = false;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		/* "ADDR T NAME\t[module]": module symbols are not the kernel's.
		 * By hand, not sscanf: 120,000 lines, in a TCG guest too. */
		uint64_t a = 0;
		const char *c = line;
		int digits = 0;
		for (;; c++, digits++) {
			int v = *c >= '0' && *c <= '9' ? *c - '0' : *c >= 'a' && *c <= 'f' ? *c - 'a' + 10 :
				*c >= 'A' && *c <= 'F' ? *c - 'A' + 10 : -1;
			if (v < 0)
				break;
			a = a << 4 | (uint64_t)v;
		}
		if (!digits || digits > 16 || c[0] != ' ' || !c[1] || c[1] == ' ' || c[1] == '\n' ||
		    c[2] != ' ' || strchr(c, '['))
			continue;
		char t = c[1];
		const char *name = c + 3;
		size_t len = strcspn(name, " \t\n");
		if (!len || len > 255)
			continue;
		if (k->n == cap) {
			cap = cap ? 2 * cap : 65536;
			k->v = xrealloc(k->v, cap * sizeof(*k->v));
		}
		k->v[k->n++] = (struct ksym){ add_name(k, name, len), a, t, 0 };
		nonzero |= a != 0;
	}
	fclose(f);
	if (!nonzero) {
		pts_kallsyms_free(k);
		return pts_error(PTS_ERR_LOOKUP, "%s: no symbol addresses (kptr_restrict hides them)",
				 path);
	}
	k->source = "/proc/kallsyms";
	finish(k);
	*ret = k;
	return NULL;
}

/* ---- the tables in memory (kernel/kallsyms.c) ------------------------ */

#define NAMES_CHUNK 65536
#define MAX_SYMS (1u << 22)

struct names {
	struct pts_dump *d;
	uint64_t base;		/* kallsyms_names */
	uint8_t buf[NAMES_CHUNK];
	uint64_t at;		/* address of buf[0] */
	size_t have;
};

static struct pts_error *name_byte(struct names *n, uint64_t off, uint8_t *b)
{
	uint64_t a = n->base + off;
	if (a < n->at || a >= n->at + n->have) {
		n->at = a;
		n->have = NAMES_CHUNK;
		struct pts_error *err = pts_dump_read(n->d, PTS_KVADDR, a, n->buf, n->have);
		if (err) {
			/* the last chunk may end before a page the dump lacks */
			pts_error_destroy(err);
			n->have = 4096 - (a & 4095);
			if ((err = pts_dump_read(n->d, PTS_KVADDR, a, n->buf, n->have)))
				return pts_error_wrap(err, "kallsyms_names");
		}
	}
	*b = n->buf[a - n->at];
	return NULL;
}

static bool sym(const struct vmcoreinfo *vi, const char *name, uint64_t *ret)
{
	char key[96];
	snprintf(key, sizeof(key), "SYMBOL(%s)", name);
	return vmcoreinfo_num(vi, key, ret);
}

struct pts_error *pts_kallsyms_from_memory(struct pts_dump *d, const struct vmcoreinfo *vi,
					   struct pts_kallsyms **ret)
{
	uint64_t a_names, a_num, a_ttab, a_tidx, a_offs, a_base, stext = 0;
	if (!sym(vi, "kallsyms_names", &a_names) || !sym(vi, "kallsyms_num_syms", &a_num) ||
	    !sym(vi, "kallsyms_token_table", &a_ttab) || !sym(vi, "kallsyms_token_index", &a_tidx))
		return pts_error(PTS_ERR_LOOKUP, "VMCOREINFO does not locate the kallsyms tables "
				 "(kernels before v6.0): a vmlinux is needed");
	/* without KALLSYMS_BASE_RELATIVE an absolute kallsyms_addresses[] */
	bool relative = sym(vi, "kallsyms_offsets", &a_offs);
	/* kallsyms_relative_base went away after v6.x: offsets from _text,
	 * whose address _stext's entry then gives */
	bool have_base = relative && sym(vi, "kallsyms_relative_base", &a_base);
	uint64_t a_addrs = 0;
	if (!relative && !sym(vi, "kallsyms_addresses", &a_addrs))
		return pts_error(PTS_ERR_LOOKUP, "VMCOREINFO has neither kallsyms_offsets nor "
				 "kallsyms_addresses");
	sym(vi, "_stext", &stext);
	/* a second witness: the page-table root VMCOREINFO names (x86-64) */
	uint64_t pgt = 0;
	sym(vi, "init_top_pgt", &pgt);
	uint32_t num;
	uint16_t tidx[256];
	uint64_t rbase = 0;
	struct pts_error *err;
	if ((err = pts_dump_read(d, PTS_KVADDR, a_num, &num, sizeof(num))) ||
	    (err = pts_dump_read(d, PTS_KVADDR, a_tidx, tidx, sizeof(tidx))) ||
	    (have_base && (err = pts_dump_read(d, PTS_KVADDR, a_base, &rbase, sizeof(rbase)))))
		return pts_error_wrap(err, "kallsyms");
	if (num == 0 || num > MAX_SYMS)
		return pts_error(PTS_ERR_CORRUPT, "kallsyms_num_syms is %u", num);
	/* the token table: 256 NUL-terminated strings, the last at tidx[255] */
	size_t tlen = (size_t)tidx[255] + 256;
	char *ttab = xmalloc(tlen + 1);
	if ((err = pts_dump_read(d, PTS_KVADDR, a_ttab, ttab, tlen))) {
		free(ttab);
		return pts_error_wrap(err, "kallsyms_token_table");
	}
	ttab[tlen] = '\0';
	for (int i = 0; i < 256; i++)
		if (tidx[i] >= tlen) {
			free(ttab);
			return pts_error(PTS_ERR_CORRUPT, "kallsyms_token_index[%d] %u is beyond its table",
					 i, tidx[i]);
		}
	int32_t *offs = NULL;
	uint64_t *addrs = NULL;
	if (relative) {
		offs = xmalloc((size_t)num * sizeof(*offs));
		err = pts_dump_read(d, PTS_KVADDR, a_offs, offs, (size_t)num * sizeof(*offs));
	} else {
		addrs = xmalloc((size_t)num * sizeof(*addrs));
		err = pts_dump_read(d, PTS_KVADDR, a_addrs, addrs, (size_t)num * sizeof(*addrs));
	}
	struct pts_kallsyms *k = xcalloc(1, sizeof(*k));
	k->v = xcalloc(num, sizeof(*k->v));
	struct names *nm = xcalloc(1, sizeof(*nm));
	nm->d = d;
	nm->base = a_names;
	uint64_t off = 0;
	char name[1024];
	for (uint32_t i = 0; !err && i < num; i++) {
		uint8_t b0, b1 = 0;
		if ((err = name_byte(nm, off++, &b0)))
			break;
		size_t len = b0;
		/* v6.1 73bbb94466fd: a long name's length takes two bytes */
		if (b0 & 0x80) {
			if ((err = name_byte(nm, off++, &b1)))
				break;
			len = (b0 & 0x7f) | ((size_t)b1 << 7);
		}
		size_t n = 0;
		for (size_t j = 0; j < len && !err; j++) {
			uint8_t t;
			if ((err = name_byte(nm, off++, &t)))
				break;
			for (const char *s = ttab + tidx[t]; *s && n < sizeof(name) - 1; s++)
				name[n++] = *s;
		}
		if (err)
			break;
		name[n] = '\0';
		/* the first character is the nm type */
		k->v[k->n++] = (struct ksym){ add_name(k, n ? name + 1 : "", n ? n - 1 : 0),
					      addrs ? addrs[i] : 0, n ? name[0] : '?', i };
	}
	/* Relative offsets: x86-64's KALLSYMS_ABSOLUTE_PERCPU (to v6.15,
	 * 01157ddc58dc) keeps non-negative ones absolute (per-CPU) and the
	 * others below the base; without it every offset is above the base.
	 * The one that puts _stext where VMCOREINFO says is the kernel's. */
	int64_t stext_off = 0;
	bool stext_seen = false;
	/* the witnesses' entries, found once (names are still offsets) */
	size_t w_stext = SIZE_MAX, w_pgt = SIZE_MAX;
	for (size_t i = 0; relative && !err && i < k->n; i++) {
		const char *nmi = k->strs + (uintptr_t)k->v[i].name;
		if (!strcmp(nmi, "_stext")) {
			stext_off = offs[k->v[i].idx];
			stext_seen = true;
			w_stext = i;
		} else if (!strcmp(nmi, "init_top_pgt")) {
			w_pgt = i;
		}
	}
	if (relative && !have_base) {
		if (!stext || !stext_seen)
			err = pts_error(PTS_ERR_LOOKUP, "kallsyms: no kallsyms_relative_base and no _stext "
					"to place the offsets");
		else
			rbase = stext - (uint64_t)stext_off;
	}
	/* modes: 0 absolute per-CPU, 1 above kallsyms_relative_base, 2 from
	 * _text, 3 place-relative (offset_to_ptr(&kallsyms_offsets[i]), as
	 * 7.x keeps them).  Mode 2 puts _stext right by construction, so it
	 * comes last: on arm64, with no init_top_pgt to witness, 7.2's
	 * place-relative offsets read as mode 2 put every other symbol off
	 * by 4 bytes an entry (__start_BTF 0x692d8 too low). */
	static const int order[] = { 0, 1, 3, 2 };
	for (int m = have_base ? 0 : 2; !err && relative && m < 4; m++) {
		int mode = order[m];
		for (size_t i = 0; i < k->n; i++) {
			uint32_t x = k->v[i].idx;
			int32_t o = offs[x];
			k->v[i].addr = mode == 0 ? (o >= 0 ? (uint64_t)o : rbase - 1 - (uint64_t)(int64_t)o)
				     : mode == 1 ? rbase + (uint32_t)o
				     : mode == 2 ? rbase + (uint64_t)(int64_t)o
				     : a_offs + 4ULL * x + (uint64_t)(int64_t)o;
		}
		if ((!stext || w_stext == SIZE_MAX || k->v[w_stext].addr == stext) &&
		    (!pgt || w_pgt == SIZE_MAX || k->v[w_pgt].addr == pgt))
			break;
	}
	free(nm);
	free(ttab);
	free(offs);
	free(addrs);
	if (err) {
		pts_kallsyms_free(k);
		return pts_error_wrap(err, "decoding kallsyms");
	}
	k->source = "the kallsyms tables in memory";
	finish(k);
	uint64_t got;
	if (pgt && pts_kallsyms_lookup(k, "init_top_pgt", &got, NULL) &&
	    got != pgt) {
		pts_kallsyms_free(k);
		return pts_error(PTS_ERR_CORRUPT, "kallsyms decoded, but init_top_pgt is at %#" PRIx64
				 ", not where VMCOREINFO says (%#" PRIx64 ")", got, pgt);
	}
	if (stext && (!pts_kallsyms_lookup(k, "_stext", &got, NULL) || got != stext)) {
		pts_kallsyms_free(k);
		return pts_error(PTS_ERR_CORRUPT, "kallsyms decoded, but _stext is not where "
				 "VMCOREINFO says (%#" PRIx64 "): an encoding this reader does not know",
				 stext);
	}
	*ret = k;
	return NULL;
}
