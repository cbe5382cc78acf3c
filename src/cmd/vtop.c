#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "base/util.h"
#include "out/emit.h"
#include "out/json.h"
#include "readers/kpage.h"

/* What vtop shows of one address, read before anything is written so
 * that the text and the JSON say the same. */
struct vtop_result {
	uint64_t va;
	struct pts_xlate x;
	bool table_page_ok[PTS_NLEVELS + 1];
	uint64_t table_page[PTS_NLEVELS + 1];	/* struct page of each step's table */
	struct pts_page pg;
	struct pts_error *page_err;		/* the mapped frame's struct page unread */
	const struct pts_vma *vma;
};

static struct pts_error *vtop_gather(struct pts_program *p, const struct pts_mm *mm, uint64_t va,
				     struct vtop_result *r)
{
	*r = (struct vtop_result){ .va = va };
	struct pts_error *err = pts_translate(p, mm->pgd, va, &r->x);
	if (err)
		return err;
	for (int i = 0; i < r->x.nsteps && i <= PTS_NLEVELS; i++) {
		struct pts_error *e2 = pts_page_addr(p, r->x.step[i].table_pfn, &r->table_page[i]);
		r->table_page_ok[i] = !e2;
		pts_error_destroy(e2);
	}
	if (r->x.mapped)
		r->page_err = pts_page_read(p, r->x.pa >> p->page_shift, &r->pg);
	r->vma = pts_mm_find_vma(mm, va);
	return NULL;
}

static void vtop_json(struct json *j, struct pts_program *p, const char *dump, const struct pts_task *t,
		      const struct pts_mm *mm, const struct pts_arch *a, const struct vtop_result *r)
{
	const struct pts_xlate *x = &r->x;
	const struct pts_vma *v = r->vma;
	json_begin_object(j);
	pts_out_walk_meta(j, dump, t, mm, a);
	json_kv_hex(j, "va", r->va);
	json_key_array(j, "steps");
	for (int i = 0; i < x->nsteps; i++) {
		const struct pts_xlate_step *s = &x->step[i];
		json_begin_object(j);
		json_kv_string(j, "level", pts_level_name((unsigned)s->level));
		json_kv_hex(j, "table_pfn", s->table_pfn);
		json_kv_uint(j, "index", s->index);
		json_kv_hex(j, "entry_pa", s->entry_pa);
		json_key(j, "table_page");
		if (r->table_page_ok[i]) json_hex(j, r->table_page[i]); else json_null(j);
		json_kv_hex(j, "raw", s->e.raw);
		json_kv_string(j, "kind", pts_ekind_name(s->e.kind));
		json_kv_hex_if(j, "pfn", s->e.has_pfn, s->e.pfn);
		json_key_array(j, "flags");
		for (unsigned f = 0; f < PTS_F_N; f++)
			if (s->e.flags & (1u << f))
				json_string(j, pts_eflag_name(f));
		json_end_array(j);
		if (s->e.kind == PTS_EK_SWAP) {
			json_key_object(j, "swap");
			json_kv_uint(j, "type", s->e.swap_type);
			json_kv_uint(j, "offset", s->e.swap_offset);
			json_end_object(j);
		}
		json_end_object(j);
	}
	json_end_array(j);
	json_kv_bool(j, "mapped", x->mapped);
	json_key(j, "page");
	if (x->mapped && !r->page_err) {
		json_begin_object(j);
		json_kv_hex(j, "pfn", r->pg.pfn);
		json_kv_hex(j, "struct_page", r->pg.addr);
		json_kv_hex(j, "flags", r->pg.flags);
		json_kv_int(j, "refcount", r->pg.refcount);
		json_kv_hex(j, "mapcount_or_type", r->pg.page_type);
		json_end_object(j);
	} else {
		json_null(j);
	}
	json_kv_string(j, "page_note", r->page_err ? pts_error_text(r->page_err) : NULL);
	json_kv_hex_if(j, "pa", x->mapped, x->pa);
	json_key(j, "page_size");
	json_uint(j, pts_level_size(a, x->step[x->nsteps - 1].level));
	json_key(j, "vma");
	if (v)
		pts_out_vma_json(j, p, v, true);
	else
		json_null(j);
	json_end_object(j);
}

static void vtop_text(const struct pts_task *t, const struct pts_arch *a, const struct vtop_result *r)
{
	const struct pts_xlate *x = &r->x;
	const struct pts_vma *v = r->vma;
	printf("pid %d (%s)  va %#" PRIx64 "\n", t->pid, t->comm, r->va);
	for (int i = 0; i < x->nsteps; i++) {
		const struct pts_xlate_step *s = &x->step[i];
		printf("  %s[%3u]  table pfn %#-10" PRIx64 " entry at %#-14" PRIx64 " ",
		       pts_level_name((unsigned)s->level), s->index, s->table_pfn, s->entry_pa);
		pts_out_entry_line(stdout, &s->e);
	}
	if (x->mapped) {
		printf("  physical %#" PRIx64 " (%" PRIu64 " KiB page, pfn %#" PRIx64 ")\n", x->pa,
		       pts_level_size(a, x->step[x->nsteps - 1].level) >> 10, x->pa >> a->page_shift);
		if (r->page_err)
			printf("  page: %s\n", pts_error_text(r->page_err));
		else
			printf("  page %#" PRIx64 "  flags %#" PRIx64 "  refcount %d  "
			       "_mapcount/page_type %#x\n", r->pg.addr, r->pg.flags, r->pg.refcount,
			       r->pg.page_type);
	} else {
		printf("  not mapped to a page\n");
	}
	if (v) {
		char perms[5];
		pts_vma_perms(v, perms);
		printf("  vma %#" PRIx64 "-%#" PRIx64 " %s %s  (vm_area_struct %" PRIx64 ")\n",
		       v->start, v->end, perms, v->name ? v->name : "", v->addr);
	} else {
		printf("  in no VMA\n");
	}
}

static bool parse_addr(const char *s, uint64_t *va)
{
	char *end;
	*va = strtoull(s, &end, 16);
	return !*end && *s;
}

/* Every address is hexadecimal, said before the dump is opened. */
static int vtop_args(struct opts *o)
{
	uint64_t va;
	for (int i = 0; i < o->nargs; i++)
		if (!parse_addr(o->args[i], &va))
			return cmd_fail(pts_error(PTS_ERR_USAGE, "%s: not a hexadecimal address",
						  o->args[i]));
	return 0;
}

static int cmd_vtop(struct pts_program *p, const struct opts *o)
{
	struct pts_mm mm;
	const struct pts_arch *a;
	struct pts_error *err = cmd_open_mm(p, o, &mm, &a);
	if (err)
		return cmd_mm_missing(p, err);
	const char *dump = pts_dump_path(p->dump);
	struct json j;
	json_init(&j, stdout);
	/* several addresses: one object each, in an array */
	if (o->json && o->nargs > 1)
		json_begin_array(&j);
	for (int i = 0; i < o->nargs && !err; i++) {
		uint64_t va;
		struct vtop_result r;
		parse_addr(o->args[i], &va);
		err = vtop_gather(p, &mm, va, &r);
		if (err)
			break;
		if (o->json)
			vtop_json(&j, p, dump, &o->task, &mm, a, &r);
		else
			vtop_text(&o->task, a, &r);
		pts_error_destroy(r.page_err);
	}
	if (o->json && o->nargs > 1)
		json_end_array(&j);
	if (o->json && !err)
		json_finish(&j);
	pts_mm_free(&mm);
	if (err)
		return cmd_fail(pts_error_wrap(err, "%s: pid %d", pts_dump_path(p->dump), o->task.pid));
	return 0;
}

const struct cmd_entry cmd_vtop_entry = {
	.name = "vtop",
	.usage = "vtop [--json] -p PID DUMP ADDR...",
	.help = "addresses through every level",
	.args_min = 1,
	.args_max = -1,
	.expect = "vtop DUMP ADDR",
	.options = CMD_O_JSON | CMD_O_PID,
	.target = CMD_T_TASK,
	.need_types = true,
	.live_default = false,
	.check_args = vtop_args,
	.run = cmd_vtop,
};
