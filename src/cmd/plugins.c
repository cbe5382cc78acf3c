#include "config.h"
#include <stdio.h>
#include "cmd/cmd.h"
#include "plugin/plugin.h"

/* plugins: what the plugins loaded add (they were loaded before any
 * command runs: the default places, --plugin-dir, --plugin). */
static int cmd_plugins(const struct opts *o, char **dumps, int ndumps)
{
	(void)o, (void)dumps, (void)ndumps;
	pts_plugin_list(stdout);
	return 0;
}

const struct cmd_entry cmd_plugins_entry = {
	.name = "plugins",
	.usage = "plugins",
	.help = "the plugins loaded and what each adds",
	.args_min = 0,
	.args_max = 0,
	.options = 0,
	.target = CMD_T_NONE,
	.run_dumps = cmd_plugins,
};
