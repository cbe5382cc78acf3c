#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/error.h"

/* Static so that running out of memory can still be reported. */
struct pts_error pts_enomem = { .code = PTS_ERR_NOMEM };
static const char enomem_text[] = "out of memory";

static struct pts_error *error_vcreate(enum pts_error_code code, const char *prefix,
				       const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	size_t plen = prefix ? strlen(prefix) + 2 : 0;
	struct pts_error *e = malloc(sizeof(*e) + plen + (size_t)n + 1);
	if (!e)
		return &pts_enomem;
	e->code = code;
	vsnprintf(e->msg, (size_t)n + 1, fmt, ap);
	if (prefix) {
		memmove(e->msg + plen, e->msg, (size_t)n + 1);
		memcpy(e->msg, prefix, plen - 2);
		memcpy(e->msg + plen - 2, ": ", 2);
	}
	return e;
}

struct pts_error *pts_error(enum pts_error_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct pts_error *e = error_vcreate(code, NULL, fmt, ap);
	va_end(ap);
	return e;
}

struct pts_error *pts_error_os(const char *fmt, ...)
{
	int saved = errno;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return pts_error(PTS_ERR_OS, "%s: %s", buf, strerror(saved));
}

struct pts_error *pts_error_wrap(struct pts_error *err, const char *fmt, ...)
{
	if (!err || err == &pts_enomem)
		return err;
	char ctx[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	struct pts_error *e = pts_error(err->code, "%s: %s", ctx, err->msg);
	pts_error_destroy(err);
	return e;
}

void pts_error_destroy(struct pts_error *err)
{
	if (err && err != &pts_enomem)
		free(err);
}

const char *pts_error_text(const struct pts_error *err)
{
	return err == &pts_enomem ? enomem_text : err->msg;
}
