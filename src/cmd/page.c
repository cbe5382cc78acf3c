#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "base/util.h"
#include "out/emit.h"
#include "out/json.h"
#include "readers/kfolio.h"

static int cmd_page(struct pts_program *p, const struct opts *o)
{
	uint64_t pfn;
	int rc0 = cmd_page_arg(p, o, "page", &pfn);
	if (rc0)
		return rc0;
	struct pts_folio f;
	struct pts_error *err = pts_folio_read(p, pfn, &f);
	if (err)
		return cmd_fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		char names[512];
		pts_out_folio_json(&j, &f, pts_page_flag_names(p, f.page.flags, names, sizeof(names)));
		json_finish(&j);
		return 0;
	}
	char names[512];
	printf("pfn %#" PRIx64 "  struct page %#" PRIx64 "\n", pfn, f.page.addr);
	printf("  flags      %#" PRIx64 " %s\n", f.page.flags,
	       pts_page_flag_names(p, f.page.flags, names, sizeof(names)));
	if (f.page.compound)
		printf("  folio      pfn %#" PRIx64 ", order %u (%s page)%s\n", f.head_pfn, f.order,
		       f.tail ? "a tail" : "the head", f.hugetlb ? ", hugetlb" : "");
	printf("  refcount   %d%s\n", f.head.refcount, f.tail ? " (the folio's)" : "");
	printf("  mapcount   %d (this page's own %d", f.precise_mapcount, f.page_mapcount);
	if (f.page.compound && f.has_entire)
		printf(", entire %d", f.entire_mapcount);
	if (f.page.compound && f.has_large)
		printf(", large %d", f.large_mapcount);
	if (f.page.compound && f.has_nr_mapped)
		printf(", pages mapped %d", f.nr_pages_mapped);
	printf(")\n");
	if (f.page.compound && f.has_pincount)
		printf("  pincount   %d\n", f.pincount);
	printf("  mapping    %#" PRIx64 "%s  index %#" PRIx64 "\n", f.mapping,
	       !f.mapping ? "" : f.ksm ? " (KSM stable node)" : f.anon ? " (anon_vma)" :
	       f.movable ? " (movable_ops)" : " (address_space)", f.index);
	if (f.anon)
		printf("  AnonExclusive %s\n", f.anon_exclusive ? "yes" : "no");
	if (f.swapcache || f.lru || f.locked)
		printf("  %s%s%s\n", f.swapcache ? "swapcache " : "", f.lru ? "lru " : "",
		       f.locked ? "locked" : "");
	return 0;
}

const struct cmd_entry cmd_page_entry = {
	.name = "page",
	.usage = "page [--json] (--pfn N | -p PID DUMP ADDR) DUMP",
	.help = "a page and its folio: flags, order, refcount, mapcounts, mapping",
	.args_min = 0,
	.args_max = 1,
	.expect = "COMMAND DUMP",
	.options = CMD_O_JSON | CMD_O_PID | CMD_O_PFN,
	.target = CMD_T_DUMP,
	.need_types = true,
	.live_default = true,
	.run = cmd_page,
};
