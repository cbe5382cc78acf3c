/* The plugin host: loads plugins (include/ptscope/plugin.h), keeps what
 * they register, and implements the ABI over the library.  Part of the
 * program, which exports only the ABI's symbols (src/plugin/plugin.sym). */
#ifndef PTS_PLUGIN_H
#define PTS_PLUGIN_H
#include <stdbool.h>
#include <stdio.h>
#include "types/program.h"
#include "base/error.h"

struct ptscope_dump;
struct ptscope_report;

/* Load one plugin file. */
struct pts_error *pts_plugin_load(const char *path);
/* Load every *.so of dir; quiet about a directory that does not exist
 * unless must_exist. */
struct pts_error *pts_plugin_load_dir(const char *dir, bool must_exist);
/* The default places: $(libdir)/ptscope/plugins, then each directory of
 * PTSCOPE_PLUGIN_PATH (':'-separated). */
struct pts_error *pts_plugin_load_default(void);
/* `ptscope plugins`: what is loaded and what each adds. */
void pts_plugin_list(FILE *out);
/* A report format by name (a plugin's), or NULL. */
const struct ptscope_report *pts_plugin_report(const char *name);
size_t pts_plugin_nchecks(void);
/* Plugin check i's description and the plugin's name. */
struct pts_check_info;
const struct pts_check_info *pts_plugin_check(size_t i, const char **plugin);

struct ptscope_dump *pts_plugin_dump_new(struct pts_program *p, const char *path);
/* Threads for the checks its findings come from (--jobs; 0: every CPU). */
void pts_plugin_dump_set_jobs(struct ptscope_dump *d, unsigned jobs);
void pts_plugin_dump_free(struct ptscope_dump *d);
#endif
