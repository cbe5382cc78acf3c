/* The interactive face (tui.c, the only file that includes curses). */
#ifndef PTS_TUI_H
#define PTS_TUI_H
#include "types/program.h"
/* Run the TUI on an open program.  index_fn indexes the debug info (shown
 * with a progress line); timing_path, if set, gets a line per keypress
 * with the time to handle and draw it.  jobs: threads for the background
 * checks (0: every CPU). */
int pts_tui_main(struct pts_program *p, const char *dump, const char *timing_path,
		 void (*index_fn)(struct pts_program *), unsigned jobs);
#endif
