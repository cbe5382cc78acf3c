/* Progress of long work below the faces (rearranging a flattened dump):
 * the library reports it here and a face decides how to show it, so that
 * no terminal escapes live in the memory layer.  Without a hook, nothing
 * is shown. */
#ifndef PTS_PROGRESS_H
#define PTS_PROGRESS_H

/* what: "rearranging flattened dump PATH"; pct 0-100; pct < 0: finished
 * (clear whatever was shown). */
typedef void (*pts_progress_fn)(const char *what, int pct);
void pts_progress_set(pts_progress_fn fn);
void pts_progress(const char *what, int pct);
#endif
