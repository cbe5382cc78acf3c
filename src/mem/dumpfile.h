/* Checks of a dump file's own structure (dumpfile.c), filling what the
 * headers say into info. */
#ifndef PTS_DUMPFILE_H
#define PTS_DUMPFILE_H
#include <sys/types.h>
#include "base/error.h"
#include "mem/dump.h"

/* makedumpfile diskdump.h: struct disk_dump_header's signature. */
#define DDH_SIG "KDUMP   "

struct pts_error *pts_dumpfile_check_diskdump(int fd, off_t fsize, struct pts_dump_info *info);
struct pts_error *pts_dumpfile_check_elf(int fd, off_t fsize, struct pts_dump_info *info);
#endif
