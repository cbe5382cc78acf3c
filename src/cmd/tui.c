#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "base/util.h"
#include "out/emit.h"
#include "out/json.h"
#include <unistd.h>
#include "tui/tui.h"

/* the TUI: the dump (or the running kernel) browsed */
static void index_debuginfo(struct pts_program *p)
{
	pts_error_destroy(pts_types_index(p->types));
}

static int cmd_tui(struct pts_program *p, const struct opts *o)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "ptscope: %s: the TUI needs a terminal (see ptscope --help for the commands)\n",
			o->open.dump);
		return 2;
	}
	return pts_tui_main(p, o->open.dump, o->timing_log, index_debuginfo, o->jobs);
}

const struct cmd_entry cmd_tui_entry = {
	.name = "tui",
	.usage = "[tui] DUMP",
	.help = "the interactive browser (the default with DUMP alone)",
	.args_min = 0,
	.args_max = 0,
	.expect = "COMMAND DUMP",
	.options = CMD_O_TIMING,
	.target = CMD_T_DUMP,
	.need_types = true,
	.live_default = true,
	.run = cmd_tui,
};
