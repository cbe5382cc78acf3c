/* What a dump file must be before libkdumpfile opens it: a
 * kdump-compressed file's header, bitmaps and page descriptors, an ELF
 * core's program headers, all inside the file (a cut dump is refused at
 * open, naming where it ends, not found page by page later). */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libkdumpfile/addrxlat.h>
#include <libkdumpfile/kdumpfile.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>
#include <elf.h>
#include "mem/dumpfile.h"
#include "base/util.h"

/* makedumpfile diskdump.h: struct disk_dump_header (x86_64 layout). */
#define DDH_OFF_TIMESTAMP 408
#define DDH_OFF_STATUS 424
#define DDH_OFF_BLOCK_SIZE 428
#define DDH_OFF_SUB_HDR_SIZE 432
#define DDH_OFF_BITMAP_BLOCKS 436
#define DDH_OFF_MAX_MAPNR 440
#define DDH_OFF_NR_CPUS 460
#define DUMP_DH_COMPRESSED_ZLIB 0x1
#define DUMP_DH_COMPRESSED_LZO 0x2
#define DUMP_DH_COMPRESSED_SNAPPY 0x4
#define DUMP_DH_COMPRESSED_INCOMPLETE 0x8
#define DUMP_DH_COMPRESSED_ZSTD 0x20
/* struct kdump_sub_header: phys_base, then dump_level. */
#define KSH_OFF_DUMP_LEVEL 8
/* struct page_desc: offset, size, flags, page_flags. */
struct page_desc {
	int64_t offset;
	uint32_t size;
	uint32_t flags;
	uint64_t page_flags;
};

static uint32_t get32(const unsigned char *p) { uint32_t x; memcpy(&x, p, 4); return x; }

/* Check a kdump-compressed file's structure: header, bitmaps and that every
 * page it lists lies inside the file (a cut dump is refused at open, not
 * found page by page later). */
struct pts_error *pts_dumpfile_check_diskdump(int fd, off_t fsize, struct pts_dump_info *info)
{
	unsigned char h[512];
	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return pts_error(PTS_ERR_FORMAT, "truncated kdump header");
	uint32_t status = get32(h + DDH_OFF_STATUS);
	int32_t block = (int32_t)get32(h + DDH_OFF_BLOCK_SIZE);
	int32_t subhdr = (int32_t)get32(h + DDH_OFF_SUB_HDR_SIZE);
	uint32_t bmblocks = get32(h + DDH_OFF_BITMAP_BLOCKS);
	int64_t ts;
	memcpy(&ts, h + DDH_OFF_TIMESTAMP, 8);
	info->dump_time = ts;
	info->ncpus = get32(h + DDH_OFF_NR_CPUS);
	if (block < 512 || block > (1 << 20) || (block & (block - 1)) || subhdr < 0 ||
	    subhdr > 1 << 16 || bmblocks == 0 || bmblocks > (1u << 24))
		return pts_error(PTS_ERR_FORMAT, "corrupt kdump header (block size %d)", block);
	info->file_page_size = (uint64_t)block;
	unsigned bits = status & (DUMP_DH_COMPRESSED_ZLIB | DUMP_DH_COMPRESSED_LZO |
				  DUMP_DH_COMPRESSED_SNAPPY | DUMP_DH_COMPRESSED_ZSTD);
	info->compression = bits == 0 ? "none" : bits == DUMP_DH_COMPRESSED_ZLIB ? "zlib" :
		bits == DUMP_DH_COMPRESSED_LZO ? "lzo" : bits == DUMP_DH_COMPRESSED_SNAPPY ? "snappy" :
		bits == DUMP_DH_COMPRESSED_ZSTD ? "zstd" : "mixed";
	if (status & DUMP_DH_COMPRESSED_INCOMPLETE)
		return pts_error(PTS_ERR_FORMAT, "incomplete dump (makedumpfile ran out of space)");

	int32_t lvl;
	if (subhdr > 0 &&
	    pread(fd, &lvl, 4, (off_t)block + KSH_OFF_DUMP_LEVEL) == 4)
		info->dump_level = lvl;

	/* The second bitmap (pages present) is the second half of the
	 * bitmap blocks; one page descriptor per bit set, in order. */
	off_t bm_off = (off_t)block * (1 + subhdr);
	size_t half = (size_t)bmblocks * (size_t)block / 2;
	off_t pd_off = bm_off + (off_t)bmblocks * block;
	if (pd_off > fsize)
		return pts_error(PTS_ERR_FORMAT, "truncated: the bitmaps end at %lld, file has %lld bytes",
				 (long long)pd_off, (long long)fsize);
	unsigned char *bm = xmalloc(2 * half);
	if (pread(fd, bm, 2 * half, bm_off) != (ssize_t)(2 * half)) {
		free(bm);
		return pts_error_os("reading the bitmap");
	}
	/* First bitmap: pages that exist (RAM); second: pages dumped. */
	uint64_t npages = 0, nram = 0;
	for (size_t i = 0; i < half; i++) {
		nram += (uint64_t)__builtin_popcount(bm[i]);
		npages += (uint64_t)__builtin_popcount(bm[half + i]);
	}
	free(bm);
	/* in 4 KiB pages: QEMU's arm64 blocks are 64 KiB */
	info->ram_pages = block > 4096 ? nram * (uint64_t)(block / 4096) : nram;
	if (pd_off + (off_t)(npages * sizeof(struct page_desc)) > fsize)
		return pts_error(PTS_ERR_FORMAT,
				 "truncated: %" PRIu64 " page descriptors end at %lld, file has %lld bytes",
				 npages, (long long)(pd_off + (off_t)(npages * sizeof(struct page_desc))),
				 (long long)fsize);
	/* Descriptors in chunks; record the furthest data end. */
	enum { CHUNK = 4096 };
	struct page_desc *pd = xmalloc(CHUNK * sizeof(*pd));
	int64_t end = 0;
	for (uint64_t i = 0; i < npages; i += CHUNK) {
		size_t n = npages - i < CHUNK ? (size_t)(npages - i) : CHUNK;
		if (pread(fd, pd, n * sizeof(*pd), pd_off + (off_t)(i * sizeof(*pd))) !=
		    (ssize_t)(n * sizeof(*pd))) {
			free(pd);
			return pts_error_os("reading page descriptors");
		}
		for (size_t j = 0; j < n; j++) {
			if (pd[j].offset < 0 || pd[j].size > (uint32_t)block * 2) {
				free(pd);
				return pts_error(PTS_ERR_FORMAT, "corrupt page descriptor %" PRIu64, i + j);
			}
			if (pd[j].offset + (int64_t)pd[j].size > end)
				end = pd[j].offset + (int64_t)pd[j].size;
		}
	}
	free(pd);
	if (end > fsize)
		return pts_error(PTS_ERR_FORMAT, "truncated: page data ends at %lld, file has %lld bytes",
				 (long long)end, (long long)fsize);
	return NULL;
}

/* ELF cores: every PT_LOAD's file bytes must be in the file. */
struct pts_error *pts_dumpfile_check_elf(int fd, off_t fsize, struct pts_dump_info *info)
{
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
		return pts_error(PTS_ERR_FORMAT, "truncated ELF header");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_CORE)
		return pts_error(PTS_ERR_FORMAT, "an ELF file but not a 64-bit core dump");
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum == PN_XNUM)
		return pts_error(PTS_ERR_FORMAT, "corrupt ELF program headers");
	size_t sz = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
	if ((off_t)(eh.e_phoff + sz) > fsize)
		return pts_error(PTS_ERR_FORMAT, "truncated: program headers end at %llu, file has %lld bytes",
				 (unsigned long long)(eh.e_phoff + sz), (long long)fsize);
	Elf64_Phdr *ph = xmalloc(sz);
	if (pread(fd, ph, sz, (off_t)eh.e_phoff) != (ssize_t)sz) {
		free(ph);
		return pts_error_os("reading program headers");
	}
	uint64_t end = 0, ram = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD)
			ram += ph[i].p_memsz;
		/* every segment, of any type, that says it has bytes: a core
		 * has PT_NOTE and PT_LOAD, and libkdumpfile reads what the
		 * headers say (a fuzzed PT_NULL of 2^48 bytes made it copy from
		 * past the end of the mapped file: SIGBUS) */
		if (ph[i].p_filesz && (ph[i].p_offset > (uint64_t)fsize ||
				       ph[i].p_filesz > (uint64_t)fsize - ph[i].p_offset)) {
			uint64_t off = ph[i].p_offset, len = ph[i].p_filesz;
			free(ph);
			return pts_error(PTS_ERR_FORMAT, "truncated or corrupt: program header %u says %"
					 PRIu64 " bytes at %" PRIu64 ", file has %lld bytes", i, len, off,
					 (long long)fsize);
		}
		if ((ph[i].p_type == PT_LOAD || ph[i].p_type == PT_NOTE) &&
		    ph[i].p_offset + ph[i].p_filesz > end)
			end = ph[i].p_offset + ph[i].p_filesz;
	}
	free(ph);
	/* Section headers, which libkdumpfile reads too (the string table's
	 * size is malloc'ed as read: a fuzzed header asked for 84 PB): every
	 * one that has bytes must lie in the file. */
	if (eh.e_shnum) {
		if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
		    eh.e_shoff > (uint64_t)fsize ||
		    (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) > (uint64_t)fsize - eh.e_shoff)
			return pts_error(PTS_ERR_FORMAT, "corrupt ELF section headers");
		size_t ssz = (size_t)eh.e_shnum * sizeof(Elf64_Shdr);
		Elf64_Shdr *sh = xmalloc(ssz);
		if (pread(fd, sh, ssz, (off_t)eh.e_shoff) != (ssize_t)ssz) {
			free(sh);
			return pts_error_os("reading section headers");
		}
		for (unsigned i = 0; i < eh.e_shnum; i++)
			if (sh[i].sh_type != SHT_NOBITS && sh[i].sh_type != SHT_NULL &&
			    (sh[i].sh_offset > (uint64_t)fsize || sh[i].sh_size > (uint64_t)fsize - sh[i].sh_offset)) {
				uint64_t len = sh[i].sh_size, at = sh[i].sh_offset;
				free(sh);
				return pts_error(PTS_ERR_FORMAT, "corrupt ELF section header %u: %" PRIu64
						 " bytes at %" PRIu64 ", file has %lld bytes", i, len, at,
						 (long long)fsize);
			}
		free(sh);
	}
	info->ram_pages = ram / 4096;
	if (end > (uint64_t)fsize)
		return pts_error(PTS_ERR_FORMAT, "truncated: segments end at %" PRIu64 ", file has %lld bytes",
				 end, (long long)fsize);
	info->compression = "none";
	return NULL;
}

