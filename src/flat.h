/* makedumpfile's flattened format (makedumpfile -F, QEMU dump-guest-memory
 * -z): a stream of (offset, size, data) records that libkdumpfile 0.5.1
 * cannot read.  It is rearranged once into a cached seekable file, as
 * makedumpfile -R and crash do. */
#ifndef PTS_FLAT_H
#define PTS_FLAT_H
#include <stdbool.h>
#include "error.h"

/* True if the first bytes of fd are a flattened header. */
bool pts_flat_probe(int fd);
/* Rearrange path (open as fd) into the cache; *ret_path is malloc'd. */
struct pts_error *pts_flat_rearrange(const char *path, int fd, char **ret_path);
/* Where rearranged dumps are kept: $PTSCOPE_CACHE_DIR, else
 * $XDG_CACHE_HOME/ptscope, else ~/.cache/ptscope. malloc'd. */
char *pts_cache_dir(void);
/* mkdir -p (mode 0700); dir is restored on return. */
struct pts_error *pts_mkdir_p(char *dir);
#endif
