/* Errors: a function that can fail returns struct pts_error *, NULL on
 * success.  Context is added in front ("outer: inner"), as libkdumpfile
 * does, so the top level can print one line. */
#ifndef PTS_ERROR_H
#define PTS_ERROR_H

#include <stdarg.h>

enum pts_error_code {
	PTS_ERR_NOMEM = 1,
	PTS_ERR_OS,		/* a system call failed (errno in the text) */
	PTS_ERR_FORMAT,		/* the input is not what it should be */
	PTS_ERR_NODATA,		/* the page is not in the dump (filtered or cut) */
	PTS_ERR_FAULT,		/* the address cannot be translated */
	PTS_ERR_LOOKUP,		/* a symbol, type or member does not exist */
	PTS_ERR_CORRUPT,	/* a kernel structure is inconsistent */
	PTS_ERR_MISMATCH,	/* vmlinux and dump do not belong together */
	PTS_ERR_USAGE,		/* bad command line */
	PTS_ERR_N		/* bound of the codes (a snapshot's records) */
};

struct pts_error {
	enum pts_error_code code;
	char msg[];
};

struct pts_error *pts_error(enum pts_error_code code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
struct pts_error *pts_error_os(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Prepend "context: " to err (consumed); returns the new error. */
struct pts_error *pts_error_wrap(struct pts_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pts_error_destroy(struct pts_error *err);
/* The message, also for the static out-of-memory error. */
const char *pts_error_text(const struct pts_error *err);

extern struct pts_error pts_enomem;

#endif
