#include "config.h"
#include <pthread.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "types/dwinfo.h"
#include "base/cachedir.h"
#include "base/util.h"

enum { K_STRUCT = 1, K_UNION, K_ENUM, K_TYPEDEF, K_VAR, K_ENUMERATOR, K_SYM, K_FUNC, K_VARDIE };

struct entry {
	const char *name;	/* borrowed from libdw/libelf string tables */
	uint64_t val;		/* DIE offset, address, or enumerator value */
	uint32_t hash;
	uint8_t kind;
};

struct table {
	struct entry *e;
	size_t n, mask;
};


struct idx_slot;

struct pts_dwarf {
	char *path;
	int fd;
	Elf *elf;
	Dwarf *dw;
	char build_id[2 * 64 + 1];
	bool indexed, sym_indexed;
	struct table t;		/* built here, when there is no index to map */
	/* the index file in use (idx_parse): mapped, or the fuzz target's copy */
	void *imap, *icopy;
	size_t imap_len;
	const struct idx_slot *islots;
	uint64_t imask, inames_len;
	const char *inames;
};

static uint32_t hash(const char *s, int kind)
{
	uint32_t h = pts_fnv1a(s, (uint32_t)kind);
	return h ? h : 1;
}

static void table_grow(struct table *t);

/* First definition wins: later CUs repeat the same types. */
static void table_add(struct table *t, const char *name, int kind, uint64_t val)
{
	if (2 * (t->n + 1) > t->mask + 1)
		table_grow(t);
	uint32_t h = hash(name, kind);
	for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
		struct entry *e = &t->e[i];
		if (!e->hash) {
			*e = (struct entry){ name, val, h, (uint8_t)kind };
			t->n++;
			return;
		}
		if (e->hash == h && e->kind == kind && !strcmp(e->name, name))
			return;
	}
}

static void table_resize(struct table *t, size_t mask)
{
	struct table nt = { .mask = mask };
	nt.e = xcalloc(nt.mask + 1, sizeof(*nt.e));
	for (size_t i = 0; t->e && i <= t->mask; i++)
		if (t->e[i].hash)
			table_add(&nt, t->e[i].name, t->e[i].kind, t->e[i].val);
	free(t->e);
	*t = nt;
}

static void table_grow(struct table *t)
{
	table_resize(t, t->mask ? 2 * t->mask + 1 : 65535);
}

/* Room for n more entries at once: growing step by step re-inserts every
 * entry at each doubling, which was most of a command's start-up. */
static void table_reserve(struct table *t, size_t n)
{
	size_t mask = t->mask ? t->mask : 65535;
	while (2 * (t->n + n) > mask + 1)
		mask = 2 * mask + 1;
	if (mask != t->mask)
		table_resize(t, mask);
}

static const struct entry *table_find(const struct table *t, const char *name, int kind)
{
	if (!t->e)
		return NULL;
	uint32_t h = hash(name, kind);
	for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
		const struct entry *e = &t->e[i];
		if (!e->hash)
			return NULL;
		if (e->hash == h && e->kind == kind && !strcmp(e->name, name))
			return e;
	}
}

struct pts_error *pts_dwarf_open(const char *path, struct pts_dwarf **ret)
{
	struct pts_dwarf *dw = xcalloc(1, sizeof(*dw));
	dw->path = xstrdup(path);
	struct pts_error *err = NULL;
	elf_version(EV_CURRENT);
	dw->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (dw->fd < 0) {
		err = pts_error_os("%s", path);
		goto fail;
	}
	dw->elf = elf_begin(dw->fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	if (!dw->elf || elf_kind(dw->elf) != ELF_K_ELF || !gelf_getehdr(dw->elf, &eh)) {
		err = pts_error(PTS_ERR_FORMAT, "%s: not an ELF file", path);
		goto fail;
	}
	/* arm64's vmlinux is ET_DYN (CONFIG_RELOCATABLE links it -pie) */
	if (!(eh.e_machine == EM_X86_64 && eh.e_type == ET_EXEC) &&
	    !(eh.e_machine == EM_AARCH64 && (eh.e_type == ET_EXEC || eh.e_type == ET_DYN))) {
		err = pts_error(PTS_ERR_FORMAT, "%s: not a vmlinux (an x86-64 or arm64 kernel executable)",
				path);
		goto fail;
	}
	const void *id;
	ssize_t n = dwelf_elf_gnu_build_id(dw->elf, &id);
	for (ssize_t i = 0; i < n && i < 64; i++)
		sprintf(dw->build_id + 2 * i, "%02x", ((const unsigned char *)id)[i]);
	dw->dw = dwarf_begin_elf(dw->elf, DWARF_C_READ, NULL);
	if (!dw->dw) {
		err = pts_error(PTS_ERR_FORMAT, "%s: no DWARF debug info (%s)", path, dwarf_errmsg(-1));
		goto fail;
	}
	*ret = dw;
	return NULL;
fail:
	pts_dwarf_close(dw);
	return err;
}

void pts_dwarf_close(struct pts_dwarf *dw)
{
	if (!dw)
		return;
	if (dw->dw)
		dwarf_end(dw->dw);
	if (dw->elf)
		elf_end(dw->elf);
	if (dw->fd >= 0)
		close(dw->fd);
	free(dw->t.e);
	if (dw->imap)
		munmap(dw->imap, dw->imap_len);
	free(dw->icopy);
	free(dw->path);
	free(dw);
}

const char *pts_dwarf_path(const struct pts_dwarf *dw) { return dw->path; }
const char *pts_dwarf_build_id(const struct pts_dwarf *dw) { return dw->build_id; }

static struct pts_error *unlocked_index(struct pts_dwarf *dw);
static bool lookup(const struct pts_dwarf *dw, const char *name, int kind, uint64_t *val);

static void index_die(struct pts_dwarf *dw, Dwarf_Die *die)
{
	int tag = dwarf_tag(die);
	int kind;
	switch (tag) {
	case DW_TAG_structure_type: kind = K_STRUCT; break;
	case DW_TAG_union_type: kind = K_UNION; break;
	case DW_TAG_enumeration_type: kind = K_ENUM; break;
	case DW_TAG_typedef: kind = K_TYPEDEF; break;
	case DW_TAG_variable: kind = K_VAR; break;
	case DW_TAG_subprogram: kind = K_FUNC; break;
	default: return;
	}
	if (kind == K_ENUM) {
		/* Enumerators are indexed even for anonymous enums. */
		Dwarf_Die c;
		if (dwarf_child(die, &c) == 0) {
			do {
				Dwarf_Attribute a;
				Dwarf_Sword v;
				const char *en = dwarf_diename(&c);
				Dwarf_Word u;
				/* Unsigned enums (enum pagetype's 0xf2) come as
				 * data1 that formsdata sign-extends or refuses. */
				if (!en || dwarf_tag(&c) != DW_TAG_enumerator ||
				    !dwarf_attr(&c, DW_AT_const_value, &a))
					continue;
				if (dwarf_formudata(&a, &u) == 0 && a.form != DW_FORM_sdata)
					table_add(&dw->t, en, K_ENUMERATOR, (uint64_t)u);
				else if (dwarf_formsdata(&a, &v) == 0)
					table_add(&dw->t, en, K_ENUMERATOR, (uint64_t)v);
			} while (dwarf_siblingof(&c, &c) == 0);
		}
	}
	const char *name = dwarf_diename(die);
	if (!name || dwarf_hasattr(die, DW_AT_declaration))
		return;
	if (kind == K_VAR) {
		Dwarf_Attribute a;
		Dwarf_Op *ops;
		size_t nops;
		if (!dwarf_attr(die, DW_AT_location, &a) ||
		    dwarf_getlocation(&a, &ops, &nops) != 0 || nops != 1 || ops[0].atom != DW_OP_addr)
			return;
		table_add(&dw->t, name, K_VAR, ops[0].number);
		table_add(&dw->t, name, K_VARDIE, dwarf_dieoffset(die));
		return;
	}
	table_add(&dw->t, name, kind, dwarf_dieoffset(die));
}

static bool unlocked_has_function(struct pts_dwarf *dw, const char *name)
{
	struct pts_error *err = unlocked_index(dw);
	if (err) {
		pts_error_destroy(err);
		return false;
	}
	uint64_t v;
	return lookup(dw, name, K_FUNC, &v);
}

/* The index of a vmlinux's DWARF (about 165,000 names from some 2,800
 * CUs on Debian's 6.1) and its symbol table costs 0.8 s to build and is
 * the same every time: it is kept in the cache directory, keyed by the
 * build ID and the file's size.  The file is the hash table itself
 * (open addressing, as struct table), so a command maps it and looks
 * names up in place: building the table from a list of records at every
 * start was half of a short command's time.  The file: a header, the
 * slots, then the names.  Anything that does not fit (another version, a
 * short or corrupt file) is a miss, and the index is built again; a cache
 * that cannot be written costs nothing.  Lookups check every offset, so
 * even a file with a forged sum reads no further than itself. */
#define IDX_MAGIC "PTSIDX02"
struct idx_hdr {
	char magic[8];
	char build_id[2 * 64 + 1];
	uint64_t vmlinux_size, nslots, names;
	uint64_t sum;		/* idx_sum of the slots and the names */
};
struct idx_slot {
	uint64_t val;
	uint32_t name;		/* offset in the names */
	uint32_t hash;		/* 0: an empty slot */
	uint32_t kind;
	uint32_t pad;
};

/* Four FNV-style lanes over 8-byte words: the whole file is summed at
 * every load, so it must cost a millisecond, not the byte loop's 15. */
static uint64_t idx_sum(const void *a, size_t na, const void *b, size_t nb)
{
	uint64_t l[4] = { 14695981039346656037ull, 1, 2, 3 };
	const void *part[2] = { a, b };
	size_t len[2] = { na, nb };
	for (int p = 0; p < 2; p++) {
		const unsigned char *c = part[p];
		size_t i = 0;
		for (; i + 32 <= len[p]; i += 32)
			for (int j = 0; j < 4; j++) {
				uint64_t w;
				memcpy(&w, c + i + 8 * j, 8);
				l[j] = (l[j] ^ w) * 1099511628211ull;
			}
		for (; i < len[p]; i++)
			l[0] = (l[0] ^ c[i]) * 1099511628211ull;
	}
	return (l[0] ^ (l[1] << 1) ^ (l[2] << 2) ^ (l[3] << 3)) * 1099511628211ull;
}

static char *idx_path(const struct pts_dwarf *dw, bool mkdir)
{
	struct stat st;
	if (!dw->build_id[0] || fstat(dw->fd, &st) < 0)
		return NULL;
	char *dir = pts_cache_dir();
	char *sub = xasprintf("%s/dwarf-index", dir);
	free(dir);
	struct pts_error *err = mkdir ? pts_mkdir_p(sub) : NULL;
	char *path = err ? NULL : xasprintf("%s/%s-%llx.idx", sub, dw->build_id,
					   (unsigned long long)st.st_size);
	pts_error_destroy(err);
	free(sub);
	return path;
}

/* The index in buf (a whole file, which dw then uses in place until it is
 * closed), for vmlinux_size bytes of vmlinux with dw's build ID; false
 * unless every part fits.  check_sum false: for the fuzz target only,
 * which cannot forge it. */
static bool idx_parse(struct pts_dwarf *dw, const uint8_t *buf, size_t len, uint64_t vmlinux_size,
		      bool check_sum)
{
	struct idx_hdr h;
	if (len < sizeof(h) || (uintptr_t)buf % 8)
		return false;
	memcpy(&h, buf, sizeof(h));
	/* sizes first, each bounded, before any arithmetic on them */
	if (memcmp(h.magic, IDX_MAGIC, 8) || memcmp(h.build_id, dw->build_id, sizeof(h.build_id)) ||
	    h.vmlinux_size != vmlinux_size || !h.nslots || h.nslots > (1u << 26) ||
	    (h.nslots & (h.nslots - 1)) || !h.names || h.names >= (1u << 30) ||
	    len - sizeof(h) != h.nslots * sizeof(struct idx_slot) + h.names)
		return false;
	const uint8_t *sp = buf + sizeof(h);
	const char *names = (const char *)sp + h.nslots * sizeof(struct idx_slot);
	if (names[h.names - 1] != '\0' ||
	    (check_sum && idx_sum(sp, h.nslots * sizeof(struct idx_slot), names, h.names) != h.sum))
		return false;
	dw->islots = (const struct idx_slot *)sp;
	dw->imask = h.nslots - 1;
	dw->inames = names;
	dw->inames_len = h.names;
	return true;
}

static bool idx_find(const struct pts_dwarf *dw, const char *name, int kind, uint64_t *val)
{
	uint32_t h = hash(name, kind);
	/* at most one round: a forged file may have no empty slot */
	for (uint64_t i = h & dw->imask, n = 0; n <= dw->imask; i = (i + 1) & dw->imask, n++) {
		const struct idx_slot *s = &dw->islots[i];
		if (!s->hash)
			return false;
		if (s->hash == h && s->kind == (uint32_t)kind && s->name < dw->inames_len &&
		    !strcmp(dw->inames + s->name, name)) {
			*val = s->val;
			return true;
		}
	}
	return false;
}

/* A name's value from the mapped index, or from the table built here. */
static bool lookup(const struct pts_dwarf *dw, const char *name, int kind, uint64_t *val)
{
	if (dw->islots)
		return idx_find(dw, name, kind, val);
	const struct entry *e = table_find(&dw->t, name, kind);
	if (e)
		*val = e->val;
	return e != NULL;
}

static bool idx_load(struct pts_dwarf *dw)
{
	if (getenv("PTSCOPE_NO_INDEX_CACHE"))
		return false;
	char *path = idx_path(dw, false);
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	free(path);
	if (fd < 0)
		return false;
	struct stat st, vst;
	bool good = false;
	/* bounded by idx_parse's limits: a larger file is not an index.
	 * Mapped private: the cache is only ever replaced by rename. */
	if (fstat(fd, &st) == 0 && fstat(dw->fd, &vst) == 0 && st.st_size > (off_t)sizeof(struct idx_hdr) &&
	    (uint64_t)st.st_size < ((uint64_t)1 << 31) + ((uint64_t)24 << 26)) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			good = idx_parse(dw, m, (size_t)st.st_size, (uint64_t)vst.st_size, true);
			if (good) {
				dw->imap = m;
				dw->imap_len = (size_t)st.st_size;
			} else {
				munmap(m, (size_t)st.st_size);
			}
		}
	}
	close(fd);
	return good;
}

struct pts_dwarf *pts_dwarf_from_index(const void *buf, size_t len, bool check_sum)
{
	struct pts_dwarf *dw = xcalloc(1, sizeof(*dw));
	dw->fd = -1;
	dw->path = xstrdup("(index)");
	struct idx_hdr h;
	if (len >= sizeof(h)) {
		memcpy(&h, buf, sizeof(h));
		memcpy(dw->build_id, h.build_id, sizeof(dw->build_id) - 1);
		/* a copy: the index is used in place, aligned, until closed */
		dw->icopy = xmalloc(len);
		memcpy(dw->icopy, buf, len);
		if (idx_parse(dw, dw->icopy, len, h.vmlinux_size, check_sum)) {
			dw->indexed = dw->sym_indexed = true;
			return dw;
		}
	}
	pts_dwarf_close(dw);
	return NULL;
}

static void index_symtab(struct pts_dwarf *dw);

static void idx_save(struct pts_dwarf *dw)
{
	struct stat st;
	/* the symbols too: a command that maps the index needs no symtab */
	if (!dw->sym_indexed)
		index_symtab(dw);
	char *path = idx_path(dw, true);
	if (!path || fstat(dw->fd, &st) < 0 || !dw->t.e) {
		free(path);
		return;
	}
	struct idx_hdr h;
	memset(&h, 0, sizeof(h));	/* no stray padding bytes in the file */
	h.vmlinux_size = (uint64_t)st.st_size;
	memcpy(h.magic, IDX_MAGIC, 8);
	memcpy(h.build_id, dw->build_id, sizeof(h.build_id));
	h.nslots = dw->t.mask + 1;
	/* the same slots as the table built here: its names are unique */
	struct idx_slot *sl = xcalloc(h.nslots, sizeof(*sl));
	size_t cap = 1 << 20;
	char *names = xmalloc(cap);
	for (size_t i = 0; i <= dw->t.mask; i++) {
		const struct entry *e = &dw->t.e[i];
		if (!e->hash)
			continue;
		size_t len = strlen(e->name) + 1;
		while (h.names + len > cap)
			names = xrealloc(names, cap *= 2);
		memcpy(names + h.names, e->name, len);
		sl[i] = (struct idx_slot){ e->val, (uint32_t)h.names, e->hash, e->kind, 0 };
		h.names += len;
	}
	h.sum = idx_sum(sl, h.nslots * sizeof(*sl), names, h.names);
	/* written whole under another name, then renamed: a reader never
	 * sees half a file, and two writers leave one good copy */
	char *tmp = xasprintf("%s.%d.tmp", path, (int)getpid());
	FILE *f = fopen(tmp, "wb");
	bool good = f && fwrite(&h, sizeof(h), 1, f) == 1 && fwrite(sl, sizeof(*sl), h.nslots, f) == h.nslots &&
		    fwrite(names, 1, h.names, f) == h.names;
	if (f && fclose(f) != 0)
		good = false;
	if (!good || rename(tmp, path) < 0)
		unlink(tmp);
	free(tmp);
	free(path);
	free(sl);
	free(names);
}

static struct pts_error *unlocked_index(struct pts_dwarf *dw)
{
	if (dw->indexed)
		return NULL;
	if (idx_load(dw)) {
		dw->indexed = dw->sym_indexed = true;
		return NULL;
	}
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (dwarf_nextcu(dw->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, die;
		if (dwarf_offdie(dw->dw, off + hsize, &cu) && dwarf_child(&cu, &die) == 0) {
			do
				index_die(dw, &die);
			while (dwarf_siblingof(&die, &die) == 0);
		}
		off = next;
	}
	dw->indexed = true;
	if (dw->t.n == 0)
		return pts_error(PTS_ERR_FORMAT, "%s: the DWARF info holds no types", dw->path);
	if (!getenv("PTSCOPE_NO_INDEX_CACHE"))
		idx_save(dw);
	return NULL;
}

static void index_symtab(struct pts_dwarf *dw)
{
	dw->sym_indexed = true;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(dw->elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		if (data && n <= data->d_size / sizeof(Elf64_Sym))	/* a symtab's own size, no more */
			table_reserve(&dw->t, n);
		/* Global symbols first: a name shared by file-local statics
		 * must resolve to the global one. */
		for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; data && i < n; i++) {
			GElf_Sym s;
			if (!gelf_getsym(data, (int)i, &s) || s.st_shndx == SHN_UNDEF ||
			    (GELF_ST_BIND(s.st_info) == STB_LOCAL) != (pass == 1))
				continue;
			const char *name = elf_strptr(dw->elf, sh.sh_link, s.st_name);
			if (name && *name)
				table_add(&dw->t, name, K_SYM, s.st_value);
		}
	}
}

static struct pts_error *find_type(struct pts_dwarf *dw, const char *type, Dwarf_Die *ret)
{
	struct pts_error *err = unlocked_index(dw);
	if (err)
		return err;
	int kind = K_TYPEDEF;
	const char *name = type;
	if (!strncmp(type, "struct ", 7)) {
		kind = K_STRUCT;
		name = type + 7;
	} else if (!strncmp(type, "union ", 6)) {
		kind = K_UNION;
		name = type + 6;
	} else if (!strncmp(type, "enum ", 5)) {
		kind = K_ENUM;
		name = type + 5;
	}
	uint64_t off;
	if (!lookup(dw, name, kind, &off) || !dwarf_offdie(dw->dw, off, ret))
		return pts_error(PTS_ERR_LOOKUP, "type '%s' not in %s", type, dw->path);
	return NULL;
}

static bool peel(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	Dwarf_Die t;
	if (!dwarf_formref_die(dwarf_attr_integrate(die, DW_AT_type, &a), &t))
		return false;
	*die = t;
	return dwarf_peel_type(die, die) == 0;
}

static bool member_location(Dwarf_Die *m, uint64_t *bytes)
{
	Dwarf_Attribute a;
	Dwarf_Word w;
	if (!dwarf_attr(m, DW_AT_data_member_location, &a)) {
		*bytes = 0;	/* union members */
		return true;
	}
	if (dwarf_formudata(&a, &w) == 0) {
		*bytes = w;
		return true;
	}
	Dwarf_Op *ops;
	size_t n;
	if (dwarf_getlocation(&a, &ops, &n) == 0 && n == 1 && ops[0].atom == DW_OP_plus_uconst) {
		*bytes = ops[0].number;
		return true;
	}
	return false;
}

/* Find name among the members of die (a struct or union), descending into
 * anonymous members.  On success *die is the member and *off its offset. */
static bool find_member(Dwarf_Die *die, const char *name, size_t len, uint64_t *off, Dwarf_Die *ret)
{
	Dwarf_Die c;
	if (dwarf_child(die, &c) != 0)
		return false;
	do {
		if (dwarf_tag(&c) != DW_TAG_member)
			continue;
		uint64_t loc;
		if (!member_location(&c, &loc))
			continue;
		const char *n = dwarf_diename(&c);
		if (n) {
			if (strlen(n) == len && !memcmp(n, name, len)) {
				*off += loc;
				*ret = c;
				return true;
			}
			continue;
		}
		Dwarf_Die t = c;
		if (!peel(&t))
			continue;
		uint64_t sub = *off + loc;
		if (find_member(&t, name, len, &sub, ret)) {
			*off = sub;
			return true;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

static struct pts_error *resolve(struct pts_dwarf *dw, const char *type, const char *path,
				 struct pts_member *ret, Dwarf_Die *mret)
{
	Dwarf_Die die;
	struct pts_error *err = find_type(dw, type, &die);
	if (err)
		return err;
	if (dwarf_peel_type(&die, &die) != 0)
		return pts_error(PTS_ERR_LOOKUP, "type '%s' cannot be resolved", type);
	uint64_t off = 0;
	Dwarf_Die m;
	for (const char *p = path;;) {
		size_t len = strcspn(p, ".");
		if (!find_member(&die, p, len, &off, &m))
			return pts_error(PTS_ERR_LOOKUP, "%s has no member '%s'", type, path);
		if (!p[len])
			break;
		die = m;
		if (!peel(&die))
			return pts_error(PTS_ERR_LOOKUP, "%s.%s: member type unknown", type, path);
		p += len + 1;
	}
	Dwarf_Die t = m;
	Dwarf_Word sz = 0;
	if (peel(&t)) {
		Dwarf_Word s;
		if (dwarf_aggregate_size(&t, &s) == 0)
			sz = s;
	}
	ret->offset = off;
	ret->size = sz;
	ret->bit_offset = 0;
	ret->bit_size = 0;
	Dwarf_Attribute a;
	Dwarf_Word w;
	if (dwarf_formudata(dwarf_attr(&m, DW_AT_bit_size, &a), &w) == 0) {
		ret->bit_size = (unsigned)w;
		if (dwarf_formudata(dwarf_attr(&m, DW_AT_data_bit_offset, &a), &w) == 0) {
			ret->offset = off - 0 + w / 8;	/* data_bit_offset counts from the struct */
			ret->bit_offset = (unsigned)(w % 8);
		} else if (dwarf_formudata(dwarf_attr(&m, DW_AT_bit_offset, &a), &w) == 0) {
			/* DWARF 2-4, little-endian: counted from the storage unit's top. */
			uint64_t bit = sz * 8 - w - ret->bit_size;
			ret->offset = off + bit / 8;
			ret->bit_offset = (unsigned)(bit % 8);
		}
	}
	if (mret)
		*mret = m;
	return NULL;
}

static struct pts_error *unlocked_member(struct pts_dwarf *dw, const char *type, const char *path,
				   struct pts_member *ret)
{
	return resolve(dw, type, path, ret, NULL);
}

static bool unlocked_has_member(struct pts_dwarf *dw, const char *type, const char *path)
{
	struct pts_member m;
	struct pts_error *err = resolve(dw, type, path, &m, NULL);
	pts_error_destroy(err);
	return !err;
}

static struct pts_error *unlocked_member_array_len(struct pts_dwarf *dw, const char *type,
					     const char *path, uint64_t *ret)
{
	struct pts_member m;
	Dwarf_Die die;
	struct pts_error *err = resolve(dw, type, path, &m, &die);
	if (err)
		return err;
	if (!peel(&die) || dwarf_tag(&die) != DW_TAG_array_type)
		return pts_error(PTS_ERR_LOOKUP, "%s.%s is not an array", type, path);
	Dwarf_Die sub;
	Dwarf_Attribute a;
	Dwarf_Word w;
	if (dwarf_child(&die, &sub) != 0)
		return pts_error(PTS_ERR_LOOKUP, "%s.%s: no bounds", type, path);
	if (dwarf_formudata(dwarf_attr(&sub, DW_AT_count, &a), &w) == 0)
		*ret = w;
	else if (dwarf_formudata(dwarf_attr(&sub, DW_AT_upper_bound, &a), &w) == 0)
		*ret = w + 1;
	else
		return pts_error(PTS_ERR_LOOKUP, "%s.%s: no bounds", type, path);
	return NULL;
}

static struct pts_error *array_len(Dwarf_Die *die, const char *what, uint64_t *ret)
{
	Dwarf_Die sub;
	Dwarf_Attribute a;
	Dwarf_Word w;
	if (!peel(die) || dwarf_tag(die) != DW_TAG_array_type)
		return pts_error(PTS_ERR_LOOKUP, "%s is not an array", what);
	if (dwarf_child(die, &sub) != 0)
		return pts_error(PTS_ERR_LOOKUP, "%s: no bounds", what);
	if (dwarf_formudata(dwarf_attr(&sub, DW_AT_count, &a), &w) == 0)
		*ret = w;
	else if (dwarf_formudata(dwarf_attr(&sub, DW_AT_upper_bound, &a), &w) == 0)
		*ret = w + 1;
	else
		return pts_error(PTS_ERR_LOOKUP, "%s: no bounds", what);
	return NULL;
}

static struct pts_error *unlocked_var_array_len(struct pts_dwarf *dw, const char *name, uint64_t *ret)
{
	struct pts_error *err = unlocked_index(dw);
	if (err)
		return err;
	uint64_t off;
	Dwarf_Die die;
	if (!lookup(dw, name, K_VARDIE, &off))
		return pts_error(PTS_ERR_LOOKUP, "no variable '%s' in the debug info", name);
	if (!dwarf_offdie(dw->dw, off, &die))
		return pts_error(PTS_ERR_LOOKUP, "variable '%s': bad DIE", name);
	return array_len(&die, name, ret);
}

static struct pts_error *unlocked_sizeof(struct pts_dwarf *dw, const char *type, uint64_t *ret)
{
	Dwarf_Die die;
	struct pts_error *err = find_type(dw, type, &die);
	if (err)
		return err;
	Dwarf_Word s;
	if (dwarf_aggregate_size(&die, &s) != 0)
		return pts_error(PTS_ERR_LOOKUP, "size of '%s' unknown", type);
	*ret = s;
	return NULL;
}

static struct pts_error *unlocked_symbol(struct pts_dwarf *dw, const char *name, uint64_t *ret)
{
	/* .symtab first: reading it costs milliseconds, while the DWARF
	 * index costs half a second, so commands that need only symbols
	 * (info) never build it. */
	/* the mapped index holds the symbols too; a DWARF index built here
	 * (no cache) does not, and is kept */
	if (!dw->sym_indexed) {
		if (!dw->indexed && idx_load(dw))
			dw->indexed = true;
		else
			index_symtab(dw);
	}
	dw->sym_indexed = true;
	if (lookup(dw, name, K_SYM, ret))
		return NULL;
	struct pts_error *err = unlocked_index(dw);
	if (err)
		return err;
	if (!lookup(dw, name, K_VAR, ret))
		return pts_error(PTS_ERR_LOOKUP, "symbol '%s' not in %s", name, dw->path);
	return NULL;
}

static struct pts_error *unlocked_enum(struct pts_dwarf *dw, const char *name, int64_t *ret)
{
	struct pts_error *err = unlocked_index(dw);
	if (err)
		return err;
	uint64_t v;
	if (!lookup(dw, name, K_ENUMERATOR, &v))
		return pts_error(PTS_ERR_LOOKUP, "enumerator '%s' not in %s", name, dw->path);
	*ret = (int64_t)v;
	return NULL;
}

static struct pts_error *unlocked_enumerators(struct pts_dwarf *dw, const char *type,
					pts_enumerator_fn *fn, void *arg)
{
	Dwarf_Die die, child;
	struct pts_error *err = find_type(dw, type, &die);
	if (err)
		return err;
	if (dwarf_child(&die, &child) != 0)
		return NULL;
	do {
		if (dwarf_tag(&child) != DW_TAG_enumerator)
			continue;
		Dwarf_Attribute a;
		Dwarf_Sword v;
		Dwarf_Word u;
		const char *name = dwarf_diename(&child);
		if (!name || !dwarf_attr(&child, DW_AT_const_value, &a))
			continue;
		/* as in the index: unsigned data forms are unsigned */
		if (dwarf_formudata(&a, &u) == 0)
			fn(arg, name, (int64_t)u);
		else if (dwarf_formsdata(&a, &v) == 0)
			fn(arg, name, (int64_t)v);
	} while (dwarf_siblingof(&child, &child) == 0);
	return NULL;
}

/* ---- the backend's face (types.h): the front locks and records ---- */

static struct pts_error *op_index(void *b) { return unlocked_index(b); }
static struct pts_error *op_sizeof(void *b, const char *type, uint64_t *ret)
{
	return unlocked_sizeof(b, type, ret);
}
static struct pts_error *op_member(void *b, const char *type, const char *path, struct pts_member *ret)
{
	return unlocked_member(b, type, path, ret);
}
static bool op_has_member(void *b, const char *type, const char *path)
{
	return unlocked_has_member(b, type, path);
}
static struct pts_error *op_member_array_len(void *b, const char *type, const char *path,
					     uint64_t *ret)
{
	return unlocked_member_array_len(b, type, path, ret);
}
static struct pts_error *op_var_array_len(void *b, const char *name, uint64_t *ret)
{
	return unlocked_var_array_len(b, name, ret);
}
static struct pts_error *op_symbol(void *b, const char *name, uint64_t *ret)
{
	return unlocked_symbol(b, name, ret);
}
static bool op_has_function(void *b, const char *name) { return unlocked_has_function(b, name); }
static struct pts_error *op_enumerators(void *b, const char *type, pts_enumerator_fn *fn, void *arg)
{
	return unlocked_enumerators(b, type, fn, arg);
}
static struct pts_error *op_enum(void *b, const char *name, int64_t *ret)
{
	return unlocked_enum(b, name, ret);
}
static const char *op_build_id(void *b) { return pts_dwarf_build_id(b); }
static void op_close(void *b) { pts_dwarf_close(b); }

const struct pts_types_ops pts_dwarf_ops = {
	.name = "DWARF",
	.index = op_index,
	.size_of = op_sizeof,
	.member = op_member,
	.has_member = op_has_member,
	.member_array_len = op_member_array_len,
	.var_array_len = op_var_array_len,
	.symbol = op_symbol,
	.has_function = op_has_function,
	.enumerators = op_enumerators,
	.enumval = op_enum,
	.build_id = op_build_id,
	.close = op_close,
};
