#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "base/cachedir.h"
#include "base/util.h"

char *pts_cache_dir(void)
{
	const char *d = getenv("PTSCOPE_CACHE_DIR");
	if (d && *d)
		return xstrdup(d);
	d = getenv("XDG_CACHE_HOME");
	if (d && *d)
		return xasprintf("%s/ptscope", d);
	d = getenv("HOME");
	return xasprintf("%s/.cache/ptscope", d && *d ? d : "/tmp");
}

struct pts_error *pts_mkdir_p(char *dir)
{
	for (char *p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
				struct pts_error *e = pts_error_os("%s", dir);
				*p = c;
				return e;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	return NULL;
}
