/* ptscope's cache directory, shared by the memory layer (rearranged
 * flattened dumps) and the types layer (the DWARF index). */
#ifndef PTS_CACHEDIR_H
#define PTS_CACHEDIR_H
#include "base/error.h"

/* $PTSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/ptscope, else
 * ~/.cache/ptscope. malloc'd. */
char *pts_cache_dir(void);
/* mkdir -p (mode 0700); dir is restored on return. */
struct pts_error *pts_mkdir_p(char *dir);
#endif
