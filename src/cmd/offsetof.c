#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "base/util.h"
#include "out/emit.h"
#include "out/json.h"

/* offsetof DUMP TYPE MEMBER: a layout question answered from the debug
 * info of the dump's kernel (for scripts and for building test patches). */
static int cmd_offsetof(struct pts_program *p, const struct opts *o)
{
	struct pts_member m;
	struct pts_error *err = pts_types_member(p->types, o->args[0], o->args[1], &m);
	if (err)
		return cmd_fail(err);
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_kv_string(&j, "type", o->args[0]);
		json_kv_string(&j, "member", o->args[1]);
		json_kv_uint(&j, "offset", m.offset);
		json_kv_uint(&j, "size", m.size);
		json_end_object(&j);
		json_finish(&j);
	} else {
		printf("%" PRIu64 " %" PRIu64 "\n", m.offset, m.size);
	}
	return 0;
}

const struct cmd_entry cmd_offsetof_entry = {
	.name = "offsetof",
	.usage = "offsetof DUMP TYPE MEMBER",
	.help = "offset and size of a member (\"struct mm_struct\" pgd)",
	.args_min = 2,
	.args_max = 2,
	.expect = "offsetof DUMP TYPE MEMBER",
	.options = CMD_O_JSON,
	.target = CMD_T_DUMP,
	.need_types = true,
	.live_default = false,
	.run = cmd_offsetof,
};
