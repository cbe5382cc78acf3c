#include "config.h"
#include "base/progress.h"

static pts_progress_fn hook;

void pts_progress_set(pts_progress_fn fn)
{
	hook = fn;
}

void pts_progress(const char *what, int pct)
{
	if (hook)
		hook(what, pct);
}
