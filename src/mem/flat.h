/* makedumpfile's flattened format (makedumpfile -F, QEMU dump-guest-memory
 * -z): a stream of (offset, size, data) records that libkdumpfile 0.5.1
 * cannot read.  It is rearranged once into a cached seekable file, as
 * makedumpfile -R and crash do. */
#ifndef PTS_FLAT_H
#define PTS_FLAT_H
#include <stdbool.h>
#include "base/error.h"

/* True if the first bytes of fd are a flattened header. */
bool pts_flat_probe(int fd);
/* Rearrange path (open as fd) into the cache; *ret_path is malloc'd. */
struct pts_error *pts_flat_rearrange(const char *path, int fd, char **ret_path);
#endif
