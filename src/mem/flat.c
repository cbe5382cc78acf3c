#include "config.h"
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mem/flat.h"
#include "base/cachedir.h"
#include "base/progress.h"
#include "base/util.h"

/* makedumpfile.h: struct makedumpfile_header, MAX_SIZE_MDF_HEADER, and
 * struct makedumpfile_data_header, all big-endian on disk. */
#define MDF_SIGNATURE "makedumpfile"
#define MDF_HEADER_SIZE 4096
#define MDF_TYPE_FLAT 1
/* No real dump is near this; a larger offset is corruption. */
#define MDF_MAX_OFFSET (UINT64_C(1) << 46)

bool pts_flat_probe(int fd)
{
	char sig[16];
	if (pread(fd, sig, sizeof(sig), 0) != (ssize_t)sizeof(sig))
		return false;
	return memcmp(sig, MDF_SIGNATURE, sizeof(MDF_SIGNATURE)) == 0;
}

static struct pts_error *rearrange(const char *path, int in, int out, off_t insize)
{
	uint64_t pos = MDF_HEADER_SIZE;
	size_t bufsz = 1 << 20;
	char *buf = xmalloc(bufsz);
	char *what = xasprintf("rearranging flattened dump %s", path);
	struct pts_error *err = NULL;
	unsigned long nrec = 0;

	for (;;) {
		uint64_t hdr[2];
		if (pread(in, hdr, sizeof(hdr), (off_t)pos) != (ssize_t)sizeof(hdr)) {
			err = pts_error(PTS_ERR_FORMAT,
					"truncated flattened dump: no record header at offset %" PRIu64
					" (file has %lld bytes)", pos, (long long)insize);
			break;
		}
		int64_t off = (int64_t)be64toh(hdr[0]), size = (int64_t)be64toh(hdr[1]);
		pos += sizeof(hdr);
		if (off == -1 && size == -1)
			break;	/* END_FLAG_FLAT_HEADER */
		if (off < 0 || size < 0 || (uint64_t)off > MDF_MAX_OFFSET ||
		    (uint64_t)size > MDF_MAX_OFFSET) {
			err = pts_error(PTS_ERR_FORMAT,
					"corrupt flattened dump: record at offset %" PRIu64
					" has offset %" PRId64 " size %" PRId64, pos - sizeof(hdr), off, size);
			break;
		}
		if (pos + (uint64_t)size > (uint64_t)insize) {
			err = pts_error(PTS_ERR_FORMAT,
					"truncated flattened dump: record at offset %" PRIu64
					" needs %" PRId64 " bytes, file has %lld",
					pos - sizeof(hdr), size, (long long)insize);
			break;
		}
		while (size > 0) {
			size_t n = (uint64_t)size < bufsz ? (size_t)size : bufsz;
			ssize_t r = pread(in, buf, n, (off_t)pos);
			if (r != (ssize_t)n) {
				err = pts_error_os("reading %s", path);
				goto out;
			}
			if (pwrite(out, buf, n, off) != (ssize_t)n) {
				err = pts_error_os("writing the rearranged copy");
				goto out;
			}
			pos += n;
			off += (int64_t)n;
			size -= (int64_t)n;
		}
		if ((++nrec & 1023) == 0)
			pts_progress(what, (int)(pos * 100 / (uint64_t)insize));
	}
out:
	if (nrec >= 1024)
		pts_progress(what, -1);
	free(what);
	free(buf);
	return err;
}

struct pts_error *pts_flat_rearrange(const char *path, int fd, char **ret_path)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return pts_error_os("%s", path);

	char hdr[32];
	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		return pts_error(PTS_ERR_FORMAT, "%s: truncated flattened header", path);
	uint64_t type;
	memcpy(&type, hdr + 16, 8);
	if (be64toh(type) != MDF_TYPE_FLAT)
		return pts_error(PTS_ERR_FORMAT, "%s: unknown flattened type %" PRIu64, path,
				 (uint64_t)be64toh(type));

	/* The copy is keyed by the file's identity and change time, so a
	 * replaced dump is rearranged again. */
	char *dir = pts_cache_dir();
	char *sub = xasprintf("%s/flat", dir);
	free(dir);
	struct pts_error *err = pts_mkdir_p(sub);
	if (err) {
		free(sub);
		return pts_error_wrap(err, "%s: cache for the rearranged dump", path);
	}
	char *out = xasprintf("%s/%llx-%llx-%llx-%llx.%09ld.dump", sub,
			      (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
			      (unsigned long long)st.st_size,
			      (unsigned long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	struct stat ost;
	if (stat(out, &ost) == 0) {
		free(sub);
		*ret_path = out;
		return NULL;
	}
	char *tmp = xasprintf("%s.%d.tmp", out, (int)getpid());
	free(sub);
	int o = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (o < 0) {
		err = pts_error_os("%s: creating %s", path, tmp);
		goto fail;
	}
	err = rearrange(path, fd, o, st.st_size);
	if (!err && fsync(o) < 0)
		err = pts_error_os("%s: writing %s", path, tmp);
	close(o);
	if (err) {
		unlink(tmp);
		err = pts_error_wrap(err, "%s", path);
		goto fail;
	}
	if (rename(tmp, out) < 0) {
		err = pts_error_os("%s: renaming %s", path, tmp);
		unlink(tmp);
		goto fail;
	}
	free(tmp);
	*ret_path = out;
	return NULL;
fail:
	free(tmp);
	free(out);
	return err;
}
