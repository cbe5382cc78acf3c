#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "base/util.h"
#include "out/emit.h"
#include "out/json.h"
#include <time.h>
#include "analyses/rmap.h"

static const char *rmap_kind_name(enum pts_rmap_kind k)
{
	switch (k) {
	case PTS_RMAP_ANON: return "anon";
	case PTS_RMAP_FILE: return "file";
	case PTS_RMAP_KSM: return "ksm";
	case PTS_RMAP_MOVABLE: return "movable";
	default: return "none";
	}
}

static int rmap_chain(struct pts_program *p, const struct opts *o)
{
	uint64_t pfn;
	int rc0 = cmd_page_arg(p, o, "rmap", &pfn);
	if (rc0)
		return rc0;
	struct pts_rmap_chain c;
	struct pts_error *err = pts_rmap_chain(p, pfn, &c);
	if (err)
		return cmd_fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_kv_hex(&j, "pfn", c.pfn);
		json_kv_hex(&j, "folio_pfn", c.folio_pfn);
		json_kv_string(&j, "kind", rmap_kind_name(c.kind));
		json_kv_bool(&j, "hugetlb", c.hugetlb);
		json_kv_string(&j, "why_not_followed", c.why);
		json_kv_hex_if(&j, "anon_vma", c.anon_vma, c.anon_vma);
		json_kv_hex_if(&j, "root", c.root, c.root);
		json_kv_hex_if(&j, "mapping", c.mapping, c.mapping);
		json_key(&j, "stable_node");
		if (c.stable_node) json_hex(&j, c.stable_node); else json_null(&j);
		json_kv_uint(&j, "rmap_items", c.rmap_items);
		json_kv_hex(&j, "pgoff", c.pgoff);
		json_kv_uint(&j, "found", c.found);
		json_kv_bool(&j, "tree_complete", !c.tree_partial);
		json_key_array(&j, "mappings");
		for (size_t i = 0; i < c.maps.n; i++) {
			const struct pts_rmap_mapping *m = &c.maps.v[i];
			json_begin_object(&j);
			json_kv_int_if(&j, "pid", m->pid, m->pid);
			json_kv_string(&j, "comm", m->pid ? m->comm : NULL);
			json_kv_hex(&j, "mm", m->mm);
			json_kv_hex(&j, "vma", m->vma);
			json_kv_hex_if(&j, "avc", m->avc, m->avc);
			json_key(&j, "rmap_item");
			if (m->rmap_item) json_hex(&j, m->rmap_item); else json_null(&j);
			json_kv_hex(&j, "vm_start", m->vm_start);
			json_kv_hex(&j, "vm_end", m->vm_end);
			json_kv_hex_if(&j, "va", m->in_vma, m->va);
			json_key(&j, "level");
			json_string(&j, m->level >= 0 ? pts_level_name((unsigned)m->level) : NULL);
			json_key(&j, "kind");
			json_string(&j, m->level >= 0 ? pts_ekind_name((unsigned)m->kind) : NULL);
			json_kv_hex(&j, "raw", m->raw);
			json_kv_bool(&j, "maps", m->maps);
			json_kv_bool(&j, "shared_entry_counted_before", m->counted_before);
			json_end_object(&j);
		}
		json_end_array(&j);
		pts_out_notes_json(&j, "incomplete", &c.missing);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("pfn %#" PRIx64 " (folio %#" PRIx64 "%s): %s", c.pfn, c.folio_pfn,
		       c.hugetlb ? ", hugetlb" : "", rmap_kind_name(c.kind));
		if (c.kind == PTS_RMAP_ANON)
			printf(", anon_vma %#" PRIx64 " (root %#" PRIx64 ")", c.anon_vma, c.root);
		else if (c.kind == PTS_RMAP_FILE)
			printf(", address_space %#" PRIx64, c.mapping);
		if (c.kind == PTS_RMAP_KSM)
			printf(", stable node %#" PRIx64 " with %u rmap_item%s\n", c.stable_node,
			       c.rmap_items, c.rmap_items == 1 ? "" : "s");
		else
			printf(", page offset %#" PRIx64 "\n", c.pgoff);
		if (c.why)
			printf("  %s\n", c.why);
		for (size_t i = 0; i < c.maps.n; i++) {
			const struct pts_rmap_mapping *m = &c.maps.v[i];
			if (m->rmap_item)
				printf("  rmap_item %#" PRIx64, m->rmap_item);
			printf("  %s%#" PRIx64 " vma %#" PRIx64 " %#" PRIx64 "-%#" PRIx64 " pid %d (%s)",
			       m->avc ? "avc " : "", m->avc ? m->avc : m->vma, m->vma, m->vm_start,
			       m->vm_end, m->pid, m->pid ? m->comm : "?");
			if (!m->in_vma)
				printf(": the page's offset is outside this VMA\n");
			else if (m->level < 0)
				printf(" at %#" PRIx64 ": no entry\n", m->va);
			else
				printf(" at %#" PRIx64 ": %s %s %#" PRIx64 "%s\n", m->va,
				       pts_level_name((unsigned)m->level), pts_ekind_name((unsigned)m->kind),
				       m->raw, !m->maps ? ": does NOT map it" : m->counted_before ?
				       " maps it (the same entry: a shared table)" : " maps it");
		}
		printf("%u mapping%s found\n", c.found, c.found == 1 ? "" : "s");
	}
	cmd_print_notes(p, &c.missing);
	int rc = c.missing.n ? 1 : 0;
	pts_rmap_chain_free(&c);
	return rc;
}

static int cmd_rmap(struct pts_program *p, const struct opts *o)
{
	if (!o->all)
		return rmap_chain(p, o);
	struct pts_rmap_index r;
	struct timespec t0, t1;
	struct pts_error *ie = pts_types_index(p->types);
	pts_error_destroy(ie);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct pts_error *err = pts_rmap_index(p, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err)
		return cmd_fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	if (getenv("PTSCOPE_TIMING"))
		fprintf(stderr, "ptscope: timing: rmap --all %.6f s, %zu pages\n",
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
			r.pages.n);
	size_t differ = 0;
	for (size_t i = 0; i < r.pages.n; i++)
		differ += r.pages.v[i].known && (int64_t)r.pages.v[i].mappings != r.pages.v[i].mapcount;
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_kv_string(&j, "dump", pts_dump_path(p->dump));
		json_kv_uint(&j, "processes", r.processes);
		json_kv_uint(&j, "leaves", r.leaves);
		json_kv_uint(&j, "shared_tables_counted_once", r.shared_tables);
		json_kv_uint(&j, "special_skipped", r.special_skipped);
		json_kv_uint(&j, "migration_entries", r.migration);
		json_kv_uint(&j, "disagree", differ);
		json_key_array(&j, "pages");
		char line[128];
		for (size_t i = 0; i < r.pages.n; i++) {
			const struct pts_rmap_page *pg = &r.pages.v[i];
			int n = pg->known ?
				snprintf(line, sizeof(line), "[\"%#" PRIx64 "\",%u,%d,%d,%u]", pg->pfn,
					 pg->mappings, pg->mapcount, pg->refcount, pg->kpf) :
				snprintf(line, sizeof(line), "[\"%#" PRIx64 "\",%u,null,null,null]", pg->pfn,
					 pg->mappings);
			json_raw(&j, line, (size_t)n);
		}
		json_end_array(&j);
		pts_out_notes_json(&j, "incomplete", &r.missing);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("%" PRIu64 " processes, %" PRIu64 " leaf entries, %zu pages mapped; %" PRIu64
		       " shared tables counted once, %" PRIu64 " special entries and %" PRIu64
		       " migration entries not counted\n", r.processes, r.leaves, r.pages.n,
		       r.shared_tables, r.special_skipped, r.migration);
		size_t shown = 0;
		for (size_t i = 0; i < r.pages.n && shown < 50; i++) {
			const struct pts_rmap_page *pg = &r.pages.v[i];
			if (!pg->known || (int64_t)pg->mappings == pg->mapcount)
				continue;
			printf("  pfn %#" PRIx64 ": %u mappings seen, the kernel's mapcount %d (refcount %d)\n",
			       pg->pfn, pg->mappings, pg->mapcount, pg->refcount);
			shown++;
		}
		printf("%zu pages whose mapcount differs from the mappings seen\n", differ);
	}
	cmd_print_notes(p, &r.missing);
	int rc = r.missing.n ? 1 : 0;
	pts_rmap_index_free(&r);
	return rc;
}

const struct cmd_entry cmd_rmap_entry = {
	.name = "rmap",
	.usage = "rmap [--json] (--all | --pfn N | -p PID DUMP ADDR) DUMP",
	.help = "a page's rmap chain to every mapping; --all: every page against its mapcount",
	.args_min = 0,
	.args_max = 1,
	.expect = "COMMAND DUMP",
	.options = CMD_O_JSON | CMD_O_PID | CMD_O_PFN | CMD_O_ALL,
	.target = CMD_T_DUMP,
	.need_types = true,
	.live_default = true,
	.run = cmd_rmap,
};
