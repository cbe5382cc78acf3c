#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "out/emit.h"
#include "base/util.h"

char *pts_put_hex(char *o, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	int n = 0;
	do
		tmp[n++] = hex[v & 15];
	while ((v >>= 4));
	*o++ = '"', *o++ = '0', *o++ = 'x';
	while (n)
		*o++ = tmp[--n];
	*o++ = '"';
	return o;
}

char *pts_put_dec(char *o, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*o++ = tmp[--n];
	return o;
}

/* "000102...ff": two hex digits a step */
static const char hex_pairs[513] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

char *pts_put_xval(char *o, uint64_t v)
{
	if (!v) {
		*o++ = '0';
		return o;
	}
	/* the digits written in place, last first, two at a time: a walk
	 * writes four of these a line */
	int n = (67 - __builtin_clzll(v)) / 4, i = n;
	*o++ = '0', *o++ = 'x';
	for (; i >= 2; i -= 2, v >>= 8)
		memcpy(o + i - 2, hex_pairs + 2 * (v & 0xff), 2);
	if (i)
		o[0] = hex_pairs[2 * (v & 0xf) + 1];
	return o + n;
}

int pts_out_entry_flags(const struct pts_entry *e, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	uint32_t flags = e->kind == PTS_EK_PRESENT ? e->flags & ~(1u << PTS_F_PRESENT) : e->flags;
	for (unsigned f = 0; f < PTS_F_N; f++)
		if (flags & (1u << f)) {
			const char *name = pts_eflag_name(f);
			size_t l = strlen(name);
			if (len + l + 2 > n)
				break;
			if (len)
				buf[len++] = ' ';
			memcpy(buf + len, name, l + 1);
			len += l;
		}
	return (int)len;
}

bool pts_out_run_mix(uint64_t count, uint64_t young, uint64_t dirty, uint64_t rdonly, char *buf,
		     size_t n)
{
	const struct { const char *name; uint64_t k; } st[] = {
		{ "young on ", young }, { "dirty on ", dirty }, { "rdonly on ", rdonly } };
	/* by hand, not snprintf: one a line where arm64's AF alternates */
	char tmp[160], *o = tmp;
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		if (st[i].k && st[i].k < count) {
			o = pts_put_str(o, o == tmp ? "(" : ", ");
			o = pts_put_dec(pts_put_str(o, st[i].name), st[i].k);
		}
	if (o != tmp)
		o = pts_put_str(pts_put_dec(pts_put_str(o, " of "), count), ")");
	size_t len = (size_t)(o - tmp) < n ? (size_t)(o - tmp) : n - 1;
	memcpy(buf, tmp, len);
	buf[len] = '\0';
	return len != 0;
}

void pts_out_entry_tail(const struct pts_entry *e, uint64_t count, uint64_t step, char *buf,
			size_t n)
{
	buf[0] = '\0';
	if (e->kind == PTS_EK_SWAP) {
		snprintf(buf, n, "  type %u offset %#" PRIx64 "%s", e->swap_type, e->swap_offset,
			 count > 1 ? "+" : "");
	} else if (e->kind == PTS_EK_MARKER) {
		char m[64];
		pts_marker_text(e->swap_offset, m, sizeof(m));
		snprintf(buf, n, "  %s", m);
	} else if (e->has_pfn && n >= 48) {
		char *t = pts_put_xval(pts_put_str(buf, "  pfn "), e->pfn);
		if (count > 1)
			t = pts_put_xval(pts_put_str(t, "-"), e->pfn + (count - 1) * step);
		*t = '\0';
	}
}

void pts_out_entry_line(FILE *f, const struct pts_entry *e)
{
	char fl[256];
	pts_out_entry_flags(e, fl, sizeof(fl));
	fprintf(f, "%-16s raw %#018" PRIx64 "  %s", pts_ekind_name(e->kind), e->raw, fl);
	if (e->has_pfn)
		fprintf(f, "  pfn %#" PRIx64, e->pfn);
	if (e->kind == PTS_EK_SWAP)
		fprintf(f, "  swap type %u offset %#" PRIx64, e->swap_type, e->swap_offset);
	if (e->kind == PTS_EK_MARKER) {
		char m[64];
		pts_marker_text(e->swap_offset, m, sizeof(m));
		fprintf(f, "  marker %s", m);
	}
	fprintf(f, "\n");
}

char *pts_out_entry_json(char *o, uint64_t va, uint64_t size, const struct pts_entry *e,
			 const struct pts_page *pg, uint64_t table_pfn, uint64_t hstate)
{
	o = pts_put_str(o, "{\"va\":");
	o = pts_put_hex(o, va);
	o = pts_put_str(o, ",\"size\":");
	o = pts_put_dec(o, size);
	o = pts_put_str(o, ",\"level\":\"");
	o = pts_put_str(o, pts_level_name(e->level));
	o = pts_put_str(o, "\",\"kind\":\"");
	o = pts_put_str(o, pts_ekind_name(e->kind));
	o = pts_put_str(o, "\"");
	if (e->has_pfn) {
		o = pts_put_str(o, ",\"pfn\":");
		o = pts_put_hex(o, e->pfn);
	}
	o = pts_put_str(o, ",\"flags\":[");
	bool first = true;
	for (unsigned f = 0; f < PTS_F_N; f++)
		if (e->flags & (1u << f)) {
			o = pts_put_str(o, first ? "\"" : ",\"");
			o = pts_put_str(o, pts_eflag_name(f));
			*o++ = '"';
			first = false;
		}
	*o++ = ']';
	if (e->kind == PTS_EK_SWAP) {
		o = pts_put_str(o, ",\"swap\":{\"type\":");
		o = pts_put_dec(o, e->swap_type);
		o = pts_put_str(o, ",\"offset\":");
		o = pts_put_dec(o, e->swap_offset);
		*o++ = '}';
	} else if (e->kind == PTS_EK_MARKER) {
		char m[64];
		pts_marker_text(e->swap_offset, m, sizeof(m));
		o = pts_put_str(o, ",\"marker\":\"");
		o = pts_put_str(o, m);
		*o++ = '"';
	}
	if (e->kind != PTS_EK_PRESENT && e->kind != PTS_EK_TABLE) {
		o = pts_put_str(o, ",\"swap_type\":");
		o = pts_put_dec(o, e->swap_type);
		o = pts_put_str(o, ",\"swap_offset\":");
		o = pts_put_dec(o, e->swap_offset);
	}
	if (pg) {
		o = pts_put_str(o, ",\"page\":{\"refcount\":");
		o = pts_put_dec(o, (uint64_t)(int64_t)pg->refcount);
		o = pts_put_str(o, ",\"mapcount\":");
		if (pg->mapcount < 0) {
			*o++ = '-';
			o = pts_put_dec(o, (uint64_t)-(int64_t)pg->mapcount);
		} else {
			o = pts_put_dec(o, (uint64_t)pg->mapcount);
		}
		o = pts_put_str(o, pg->compound ? ",\"compound\":true" : ",\"compound\":false");
		o = pts_put_str(o, pg->head ? ",\"head\":true" : ",\"head\":false");
		/* a hugetlb folio's head, as this kernel marks it */
		o = pts_put_str(o, pg->hugetlb > 0 ? ",\"hugetlb\":true}" : pg->hugetlb == 0 ?
				",\"hugetlb\":false}" : ",\"hugetlb\":null}");
	}
	o = pts_put_str(o, ",\"raw\":");
	o = pts_put_hex(o, e->raw);
	o = pts_put_str(o, ",\"table_pfn\":");
	o = pts_put_hex(o, table_pfn);
	if (hstate) {
		o = pts_put_str(o, ",\"hstate\":");
		o = pts_put_dec(o, hstate);
	}
	*o++ = '}';
	return o;
}

void pts_out_walk_meta(struct json *j, const char *dump, const struct pts_task *t,
		       const struct pts_mm *mm, const struct pts_arch *a)
{
	json_kv_string(j, "dump", dump);
	json_kv_int(j, "pid", t->pid);
	json_kv_string(j, "comm", t->comm);
	json_kv_hex(j, "mm", mm->addr);
	json_kv_hex(j, "pgd", mm->pgd);
	json_kv_int(j, "paging_levels", a->levels);
	json_key(j, "swap_types");
	json_begin_object(j);
	json_kv_bool(j, "known", a->swap_known);
	json_kv_bool(j, "derived", a->swap_derived);
	json_kv_int(j, "max_swapfiles", a->max_swapfiles);
	if (!a->swap_known) {
		json_kv_string(j, "why", a->swap_why);
	} else {
		static const char *const names[] = { "hwpoison", "migration_read",
			"migration_read_exclusive", "migration_write", "device_private_write",
			"device_private_read", "device_exclusive_write", "device_exclusive_read",
			"pte_marker", "swapin_error" };
		const int v[] = { a->t_hwpoison, a->t_mig_read, a->t_mig_rx, a->t_mig_write,
				  a->t_dev_write, a->t_dev_read, a->t_devx_write, a->t_devx_read,
				  a->t_marker, a->t_swapin_error };
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			json_key(j, names[i]);
			if (v[i] >= 0) json_int(j, v[i]); else json_null(j);
		}
	}
	json_end_object(j);
}

static void json_flag(const char *name, void *arg)
{
	json_string(arg, name);
}

void pts_out_vma_json(struct json *j, struct pts_program *p, const struct pts_vma *v, bool brief)
{
	char perms[5], dev[16];
	pts_vma_perms(v, perms);
	json_begin_object(j);
	json_kv_hex(j, "start", v->start);
	json_kv_hex(j, "end", v->end);
	json_kv_string(j, "perms", perms);
	if (!brief) {
		snprintf(dev, sizeof(dev), "%02x:%02x", v->dev >> 20, v->dev & 0xfffff);
		json_key_array(j, "flags");
		pts_vm_flags_each(p, v->flags, json_flag, j);
		json_end_array(j);
		json_kv_hex(j, "vm_flags", v->flags);
		json_kv_uint(j, "pgoff", v->pgoff);
		json_kv_hex(j, "offset", v->file ? v->pgoff * p->page_size : 0);
		json_kv_string(j, "dev", v->dev_unknown ? NULL : dev);
		json_kv_uint_if(j, "inode", !v->dev_unknown, v->ino);
	}
	json_kv_string(j, "name", v->name);
	if (!brief) {
		json_kv_string(j, "name_note", v->name_note);
	}
	json_kv_hex(j, "vma", v->addr);
	if (!brief) {
		json_kv_hex_if(j, "file", v->file, v->file);
		json_kv_hex_if(j, "anon_vma", v->anon_vma, v->anon_vma);
		json_kv_bool(j, "gate", v->gate);
		json_key(j, "hugetlb_page_size");
		if (v->huge_size)
			json_uint(j, v->huge_size);
		else
			json_null(j);
	}
	json_end_object(j);
}

const struct pts_out_task *pts_out_name(const struct pts_out_names *n, uint64_t task)
{
	for (size_t i = 0; i < n->v.n; i++)
		if (n->v.v[i].addr == task)
			return &n->v.v[i];
	return NULL;
}

void pts_out_names_free(struct pts_out_names *n)
{
	free(n->v.v);
	n->v.v = NULL;
	n->v.n = n->v.cap = 0;
}

static void task_json(struct json *j, const struct pts_out_names *n, uint64_t task)
{
	const struct pts_out_task *t = pts_out_name(n, task);
	bool ok = t && t->ok;
	json_kv_hex(j, "task", task);
	json_key(j, "pid");
	if (!ok) json_null(j); else json_int(j, t->pid);
	json_key(j, "tgid");
	if (!ok) json_null(j); else json_int(j, t->tgid);
	json_kv_string(j, "comm", ok ? t->comm : NULL);
}

static void task_label(const struct pts_out_names *n, uint64_t task, char *buf, size_t len)
{
	const struct pts_out_task *t = pts_out_name(n, task);
	if (!t || !t->ok)
		snprintf(buf, len, "task %#" PRIx64 " (not readable)", task);
	else
		snprintf(buf, len, "pid %d (%s)", t->pid, t->comm);
}

void pts_out_lock_json(struct json *j, const struct pts_out_names *n, const struct pts_lock_state *s)
{
	char buf[64];
	json_begin_object(j);
	json_kv_string(j, "kind", pts_lock_kind_name(s->kind));
	json_kv_hex(j, "addr", s->addr);
	json_kv_string(j, "state", pts_lock_summary(s, buf, sizeof(buf)));
	json_kv_bool(j, "decoded", s->decoded);
	if (!s->decoded) {
		json_kv_string(j, "why", s->why);
		json_end_object(j);
		return;
	}
	json_kv_bool(j, "held", s->held);
	json_key(j, "mode");
	json_string(j, !s->held ? NULL : s->write ? "write" : "read");
	json_kv_hex(j, "raw", s->raw);
	if (s->kind == PTS_LOCK_RWSEM) {
		json_kv_uint(j, "readers", s->readers);
		json_kv_hex(j, "owner_raw", s->owner_raw);
	}
	json_key(j, "owner");
	if (s->owner) {
		json_begin_object(j);
		task_json(j, n, s->owner);
		/* exact: the kernel records this task as the holder; else the
		 * last reader the rwsem saw, which may have released it */
		json_kv_bool(j, "exact", s->owner_exact);
		json_end_object(j);
	} else {
		json_null(j);
	}
	json_key_array(j, "flags");
	if (s->flag_waiters)
		json_string(j, "waiters");
	if (s->flag_handoff)
		json_string(j, "handoff");
	if (s->flag_readfail)
		json_string(j, "readfail");
	if (s->flag_pickup)
		json_string(j, "pickup");
	if (s->reader_owned)
		json_string(j, "reader_owned");
	if (s->nonspinnable)
		json_string(j, "nonspinnable");
	if (s->pending)
		json_string(j, "pending");
	json_end_array(j);
	if (s->kind == PTS_LOCK_SPIN) {
		json_key(j, "queue_tail_cpu");
		if (s->tail_cpu >= 0) json_int(j, s->tail_cpu); else json_null(j);
	}
	json_key_array(j, "waiters");
	for (size_t i = 0; i < s->waiters.n; i++) {
		json_begin_object(j);
		task_json(j, n, s->waiters.v[i].task);
		json_kv_string(j, "mode", s->waiters.v[i].write ? "write" : "read");
		json_end_object(j);
	}
	json_end_array(j);
	json_kv_bool(j, "waiters_complete", !s->waiters_partial);
	json_end_object(j);
}

void pts_out_lock_text(const struct pts_out_names *n, const struct pts_lock_state *s)
{
	char buf[96];
	printf("%s", pts_lock_summary(s, buf, sizeof(buf)));
	if (!s->decoded) {
		if (s->why && s->readable)
			printf(": %s", s->why);
		return;
	}
	if (s->owner) {
		task_label(n, s->owner, buf, sizeof(buf));
		printf(s->owner_exact ? " by %s" : ", last reader %s (a hint: it may have released it)",
		       buf);
	} else if (s->held && s->kind == PTS_LOCK_SPIN) {
		printf(" (a spinlock records no owner)");
	}
	if (s->waiters.n) {
		printf("; waiters:");
		for (size_t i = 0; i < s->waiters.n; i++) {
			task_label(n, s->waiters.v[i].task, buf, sizeof(buf));
			printf(" %s %s%s", buf, s->waiters.v[i].write ? "write" : "read",
			       i + 1 < s->waiters.n ? "," : "");
		}
	}
	if (s->waiters_partial)
		printf(" (wait list not all readable)");
}

void pts_out_holder_json(struct json *j, const struct pts_holder *h)
{
	json_begin_object(j);
	json_kv_hex(j, "task", h->task);
	json_kv_int_if(j, "pid", h->pid, h->pid);
	json_kv_int_if(j, "tgid", h->tgid, h->tgid);
	json_kv_string(j, "comm", h->pid ? h->comm : NULL);
	json_kv_string(j, "how", pts_holder_how_name(h->how));
	json_kv_bool(j, "exact", h->how == PTS_HOLD_EXACT);
	json_end_object(j);
}

void pts_out_notes_json(struct json *j, const char *key, const struct pts_notes *n)
{
	json_key(j, key);
	json_begin_array(j);
	for (size_t i = 0; i < n->n; i++)
		json_string(j, n->v[i]);
	json_end_array(j);
}

void pts_out_holders_json(struct json *j, const struct pts_lock *k)
{
	json_key(j, "holders");
	json_begin_array(j);
	for (size_t h = 0; h < k->holders.n; h++)
		pts_out_holder_json(j, &k->holders.v[h]);
	json_end_array(j);
}

void pts_out_holders_text(const struct pts_lock *k, bool all)
{
	bool first = true;
	for (size_t i = 0; i < k->holders.n; i++) {
		const struct pts_holder *h = &k->holders.v[i];
		if (!all && h->how != PTS_HOLD_STACK)
			continue;
		printf("%s pid %d (%s)%s", first ? (all ? " held by" : "; maybe held by") : ",",
		       h->pid, h->comm, h->how == PTS_HOLD_EXACT ? "" : h->how == PTS_HOLD_HINT ?
		       " [last reader: a hint]" : " [lock address on its stack: a guess]");
		first = false;
	}
}

void pts_out_finding_text(FILE *f, const struct pts_out_finding *x)
{
	const char *lv = x->live ? pts_finding_live_text(x->live) : NULL;
	fprintf(f, "%-7s %-9s pid %d (%s) %s %#" PRIx64 ": %s%s%s%s\n", x->severity, x->id, x->pid,
		x->comm, x->object, x->addr, x->evidence, lv ? " [" : "", lv ? lv : "", lv ? "]" : "");
}

void pts_out_finding_json(struct json *j, const struct pts_out_finding *x)
{
	json_begin_object(j);
	json_kv_string(j, "check", x->id);
	if (x->title) {
		json_kv_string(j, "title", x->title);
	}
	json_kv_string(j, "severity", x->severity);
	json_kv_int(j, "pid", x->pid);
	json_kv_string(j, "comm", x->comm);
	json_kv_string(j, "object", x->object);
	json_kv_hex(j, "address", x->addr);
	json_kv_hex_if(j, "va", x->has_va, x->va);
	json_kv_string(j, "evidence", x->evidence);
	if (x->with_live) {
		const struct pts_finding *l = x->live;
		json_key(j, "live");
		if (l && l->live_passes) {
			json_begin_object(j);
			json_kv_uint(j, "seen", l->live_seen);
			json_kv_uint(j, "reads", l->live_passes);
			json_kv_bool(j, "mmap_lock_write_held", l->live_busy);
			json_kv_string(j, "text", pts_finding_live_text(l));
			json_end_object(j);
		} else {
			json_null(j);
		}
	}
	json_end_object(j);
}

void pts_out_folio_json(struct json *j, const struct pts_folio *f, const char *names)
{
	json_begin_object(j);
	json_kv_hex(j, "pfn", f->page.pfn);
	json_kv_hex(j, "struct_page", f->page.addr);
	json_kv_hex(j, "flags", f->page.flags);
	json_kv_string(j, "flag_names", names);
	json_kv_bool(j, "head", f->page.head);
	json_kv_bool(j, "tail", f->tail);
	json_kv_hex(j, "folio_pfn", f->head_pfn);
	json_kv_uint(j, "order", f->order);
	json_kv_int(j, "refcount", f->head.refcount);
	json_kv_int(j, "page_mapcount", f->page_mapcount);
	json_key(j, "entire_mapcount");
	if (f->has_entire && f->page.compound) json_int(j, f->entire_mapcount); else json_null(j);
	json_key(j, "large_mapcount");
	if (f->has_large && f->page.compound) json_int(j, f->large_mapcount); else json_null(j);
	json_key(j, "nr_pages_mapped");
	if (f->has_nr_mapped && f->page.compound) json_int(j, f->nr_pages_mapped); else json_null(j);
	json_key(j, "pincount");
	if (f->has_pincount && f->page.compound) json_int(j, f->pincount); else json_null(j);
	json_kv_int(j, "mapcount", f->precise_mapcount);
	json_kv_hex(j, "mapping", f->mapping);
	json_key(j, "mapping_kind");
	json_string(j, !f->mapping ? NULL : f->ksm ? "ksm" : f->anon ? "anon" : f->movable ?
		    "movable" : "file");
	json_kv_hex(j, "index", f->index);
	json_kv_bool(j, "anon_exclusive", f->anon_exclusive);
	json_kv_bool(j, "hugetlb", f->hugetlb);
	json_kv_bool(j, "swapcache", f->swapcache);
	json_kv_bool(j, "lru", f->lru);
	json_kv_bool(j, "locked", f->locked);
	json_end_object(j);
}

void pts_out_hgm_json(struct json *j, const struct pts_hgm *g)
{
	json_begin_object(j);
	json_kv_hex(j, "va", g->va);
	json_kv_string(j, "level", pts_level_name((unsigned)g->level));
	json_kv_hex(j, "table_pfn", g->table_pfn);
	json_kv_uint(j, "pieces", g->pieces);
	json_kv_uint(j, "present", g->present);
	json_kv_uint(j, "pages", g->pages);
	json_key(j, "first_pfn");
	if (g->present) json_hex(j, g->first_pfn); else json_null(j);
	json_key(j, "last_pfn");
	if (g->present) json_hex(j, g->last_pfn); else json_null(j);
	json_key(j, "folio_pfn");
	if (g->head_pfn) json_hex(j, g->head_pfn); else json_null(j);
	json_kv_bool(j, "one_folio", g->present && g->one_folio);
	json_kv_bool(j, "contiguous", g->present && g->contiguous);
	json_end_object(j);
}
