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
#include "analyses/hugetlb.h"

static int cmd_hugetlb(struct pts_program *p, const struct opts *o)
{
	struct pts_hugetlb h;
	struct timespec t0, t1;
	/* the debug-info index is startup, not the scan */
	struct pts_error *ie = pts_types_index(p->types);
	pts_error_destroy(ie);
	/* the task list too, as walk reads it before its clock starts */
	struct pts_task_list tl;
	struct pts_error *err = pts_tasks(p, false, &tl);
	if (err)
		return cmd_fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = pts_hugetlb_scan(p, o->have_pid ? o->pid : -1, &tl, &h);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pts_task_list_free(&tl);
	if (err)
		return cmd_fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	if (getenv("PTSCOPE_TIMING"))
		fprintf(stderr, "ptscope: timing: hugetlb %.6f s, %zu VMAs, %zu tables\n",
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
			h.vmas.n, h.tables.n);
	/* the tasks the locks name, read before anything is written */
	struct pts_out_names names = { 0 };
	for (size_t i = 0; i < h.vmas.n; i++)
		if (h.vmas.v[i].have_lock || h.vmas.v[i].have_sema)
			cmd_name_lock_tasks(p, &names, &h.vmas.v[i].sema_state);
	for (size_t i = 0; i < h.tables.n; i++)
		if (h.tables.v[i].have_ptl)
			cmd_name_lock_tasks(p, &names, &h.tables.v[i].ptl_state);
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_kv_string(&j, "dump", pts_dump_path(p->dump));
		json_kv_string(&j, "share_count_source", h.count_source);
		/* struct hugetlb_vma_lock (v6.1); resv_map's rw_sema came with it */
		json_kv_bool(&j, "kernel_has_vma_lock", h.have_vma_lock);
		json_key_array(&j, "hstates");
		for (size_t i = 0; i < h.hstates.n; i++) {
			const struct pts_hstate *x = &h.hstates.v[i];
			json_begin_object(&j);
			json_kv_string(&j, "name", x->name);
			json_kv_uint(&j, "page_size", x->page_size);
			json_kv_uint(&j, "nr_huge_pages", x->nr);
			json_kv_uint(&j, "free_huge_pages", x->free);
			json_kv_uint(&j, "resv_huge_pages", x->resv);
			json_kv_uint(&j, "surplus_huge_pages", x->surplus);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key_array(&j, "vmas");
		for (size_t i = 0; i < h.vmas.n; i++) {
			const struct pts_hvma *hv = &h.vmas.v[i];
			char perms[5];
			pts_vma_perms(&hv->v, perms);
			json_begin_object(&j);
			json_kv_int(&j, "pid", hv->pid);
			json_kv_string(&j, "comm", hv->comm);
			json_kv_hex(&j, "mm", hv->mm);
			json_kv_hex(&j, "vma", hv->v.addr);
			json_kv_hex(&j, "start", hv->v.start);
			json_kv_hex(&j, "end", hv->v.end);
			json_kv_string(&j, "perms", perms);
			json_kv_string(&j, "name", hv->v.name);
			json_key(&j, "page_size");
			if (hv->v.huge_size)
				json_uint(&j, hv->v.huge_size);
			else
				json_null(&j);
			json_kv_hex(&j, "mapping", hv->v.mapping);
			json_key(&j, "vma_lock");
			if (hv->have_lock) {
				json_begin_object(&j);
				json_kv_hex(&j, "lock", hv->lock);
				json_kv_hex(&j, "vma", hv->lock_vma);
				json_kv_int(&j, "refs", hv->lock_refs);
				json_key(&j, "rw_sema");
				pts_out_lock_json(&j, &names, &hv->sema_state);
				json_end_object(&j);
			} else {
				json_null(&j);
			}
			json_key(&j, "resv_map");
			if (hv->resv_map) json_hex(&j, hv->resv_map); else json_null(&j);
			json_kv_bool(&j, "resv_owner", hv->resv_flags & 1);
			json_kv_bool(&j, "resv_unmapped", hv->resv_flags & 2);
			json_key(&j, "resv_rw_sema");
			if (hv->resv_map && hv->have_sema)
				pts_out_lock_json(&j, &names, &hv->sema_state);
			else json_null(&j);
			json_key_array(&j, "hgm");
			for (size_t k = 0; k < hv->hgm.n; k++)
				pts_out_hgm_json(&j, &hv->hgm.v[k]);
			json_end_array(&j);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key_array(&j, "pmd_tables");
		for (size_t i = 0; i < h.tables.n; i++) {
			const struct pts_htable *t = &h.tables.v[i];
			json_begin_object(&j);
			json_kv_hex(&j, "pfn", t->pfn);
			json_kv_hex(&j, "mapping", t->mapping);
			json_kv_bool(&j, "shared", t->sharers.n > 1);
			json_kv_bool(&j, "sharers_incomplete", t->incomplete);
			json_key(&j, "count");
			if (t->count_known) json_int(&j, t->count); else json_null(&j);
			json_kv_int(&j, "count_expected", t->expected);
			json_kv_uint(&j, "leaves", t->leaves);
			json_kv_uint(&j, "foreign_leaves", t->foreign);
			json_key(&j, "lock");
			if (t->have_ptl) pts_out_lock_json(&j, &names, &t->ptl_state); else json_null(&j);
			json_key_array(&j, "sharers");
			for (size_t k = 0; k < t->sharers.n; k++) {
				const struct pts_hsharer *x = &t->sharers.v[k];
				json_begin_object(&j);
				json_kv_int(&j, "pid", x->pid);
				json_kv_string(&j, "comm", x->comm);
				json_kv_hex(&j, "mm", x->mm);
				json_kv_hex(&j, "vma", x->vma);
				json_kv_hex(&j, "va", x->va);
				json_kv_bool(&j, "covers_pud_range", x->covers);
				json_end_object(&j);
			}
			json_end_array(&j);
			json_end_object(&j);
		}
		json_end_array(&j);
		pts_out_notes_json(&j, "incomplete", &h.missing);
		json_end_object(&j);
		json_finish(&j);
	} else {
		for (size_t i = 0; i < h.hstates.n; i++) {
			const struct pts_hstate *x = &h.hstates.v[i];
			printf("hstate %-20s %7" PRIu64 "K: %" PRIu64 " pages, %" PRIu64 " free, %" PRIu64
			       " reserved, %" PRIu64 " surplus\n", x->name, x->page_size >> 10, x->nr, x->free,
			       x->resv, x->surplus);
		}
		printf("hugetlb VMAs (share counts from %s):\n", h.count_source);
		for (size_t i = 0; i < h.vmas.n; i++) {
			const struct pts_hvma *hv = &h.vmas.v[i];
			char perms[5];
			pts_vma_perms(&hv->v, perms);
			printf("  pid %-6d %-15s %#" PRIx64 "-%#" PRIx64 " %s %5" PRIu64 "K  %s", hv->pid,
			       hv->comm, hv->v.start, hv->v.end, perms, hv->v.huge_size >> 10,
			       hv->v.name ? hv->v.name : "?");
			if (hv->have_lock)
				printf("  vma_lock %#" PRIx64 " (vma %#" PRIx64 ", refs %d)", hv->lock,
				       hv->lock_vma, hv->lock_refs);
			if (hv->resv_map)
				printf("  resv_map %#" PRIx64 "%s", hv->resv_map,
				       hv->resv_flags & 1 ? " (owner)" : "");
			printf("\n");
			if (hv->have_sema && (hv->sema_state.held || hv->sema_state.waiters.n ||
					      !hv->sema_state.decoded)) {
				printf("      rw_sema %#" PRIx64 ": ", hv->sema);
				pts_out_lock_text(&names, &hv->sema_state);
				printf("\n");
			}
			for (size_t k = 0; k < hv->hgm.n; k++) {
				const struct pts_hgm *g = &hv->hgm.v[k];
				printf("      high-granularity: %#" PRIx64 "-%#" PRIx64 " mapped by %u %s "
				       "entries (%u present, %" PRIu64 " pages", g->va, g->va + hv->v.huge_size,
				       g->pieces, pts_level_name((unsigned)g->level), g->present, g->pages);
				if (g->present)
					printf(", pfn %#" PRIx64 "-%#" PRIx64 ", %s, %s", g->first_pfn,
					       g->last_pfn, g->head_pfn && g->one_folio ?
					       "one hugetlb folio" : "not one hugetlb folio",
					       g->contiguous ? "each piece at its offset" : "not in order");
				printf(") in table %#" PRIx64 "\n", g->table_pfn);
			}
		}
		size_t shared = 0;
		for (size_t i = 0; i < h.tables.n; i++) {
			const struct pts_htable *t = &h.tables.v[i];
			if (t->sharers.n < 2)
				continue;
			shared++;
			printf("shared pmd table pfn %#" PRIx64 ": %zu sharers, kernel count %" PRId64
			       " (%s, expected %" PRId64 ")\n", t->pfn, t->sharers.n, t->count,
			       h.count_source, t->expected);
			if (t->have_ptl) {
				printf("  lock %#" PRIx64 " (the table's split lock, all sharers'): ", t->ptl);
				pts_out_lock_text(&names, &t->ptl_state);
				printf("\n");
			}
			for (size_t k = 0; k < t->sharers.n; k++) {
				const struct pts_hsharer *x = &t->sharers.v[k];
				printf("  pid %-6d %-15s mm %" PRIx64 "  vma %" PRIx64 "  at %#" PRIx64 "\n",
				       x->pid, x->comm, x->mm, x->vma, x->va);
			}
		}
		printf("%zu hugetlb VMAs, %zu PMD tables, %zu shared\n", h.vmas.n, h.tables.n, shared);
	}
	cmd_print_notes(p, &h.missing);
	int rc = h.missing.n ? 1 : 0;
	pts_hugetlb_free(&h);
	pts_out_names_free(&names);
	return rc;
}

const struct cmd_entry cmd_hugetlb_entry = {
	.name = "hugetlb",
	.usage = "hugetlb [--json] [-p PID] DUMP",
	.help = "hugetlb VMAs, hstates, vma_locks, shared PMD tables with every sharer",
	.args_min = 0,
	.args_max = 0,
	.expect = "COMMAND DUMP",
	.options = CMD_O_JSON | CMD_O_PID,
	.target = CMD_T_DUMP,
	.need_types = true,
	.live_default = true,
	.run = cmd_hugetlb,
};
