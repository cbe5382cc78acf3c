#include "config.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "readers/klog.h"
#include "base/util.h"
#include "mem/vmcoreinfo.h"

/* kernel/printk/printk_ringbuffer.h */
#define DESC_SV_BITS 64
#define DESC_FLAGS_SHIFT (DESC_SV_BITS - 2)
#define DESC_ID_MASK (~(UINT64_C(3) << DESC_FLAGS_SHIFT))
#define DESC_COMMITTED 1
#define DESC_FINALIZED 2
/* More records than this means a corrupt ring. */
#define MAX_RECORDS (1u << 24)

struct klog_layout {
	uint64_t desc_ring, text_ring, count_bits, descs, infos, head_id, tail_id;
	uint64_t desc_size, state_var, text_lpos, lpos_begin, lpos_next;
	uint64_t info_size, info_text_len, size_bits, data;
};

static struct pts_error *need(struct pts_program *p, const char *key, uint64_t *ret)
{
	if (!vmcoreinfo_num(p->vmci, key, ret))
		return pts_error(PTS_ERR_LOOKUP, "kernel log: VMCOREINFO lacks %s", key);
	return NULL;
}

/* Calls fn for every finalized record's text, oldest first. */
static struct pts_error *klog_each(struct pts_program *p,
				   void (*fn)(const char *text, size_t len, void *arg), void *arg)
{
	struct klog_layout l;
	struct pts_error *err;
	uint64_t prb_ptr, prb;
#define N(field, key) if ((err = need(p, key, &l.field))) return err
	N(desc_ring, "OFFSET(printk_ringbuffer.desc_ring)");
	N(text_ring, "OFFSET(printk_ringbuffer.text_data_ring)");
	N(count_bits, "OFFSET(prb_desc_ring.count_bits)");
	N(descs, "OFFSET(prb_desc_ring.descs)");
	N(infos, "OFFSET(prb_desc_ring.infos)");
	N(head_id, "OFFSET(prb_desc_ring.head_id)");
	N(tail_id, "OFFSET(prb_desc_ring.tail_id)");
	N(desc_size, "SIZE(prb_desc)");
	N(state_var, "OFFSET(prb_desc.state_var)");
	N(text_lpos, "OFFSET(prb_desc.text_blk_lpos)");
	N(lpos_begin, "OFFSET(prb_data_blk_lpos.begin)");
	N(lpos_next, "OFFSET(prb_data_blk_lpos.next)");
	N(info_size, "SIZE(printk_info)");
	N(info_text_len, "OFFSET(printk_info.text_len)");
	N(size_bits, "OFFSET(prb_data_ring.size_bits)");
	N(data, "OFFSET(prb_data_ring.data)");
	if ((err = need(p, "SYMBOL(prb)", &prb_ptr)))
		return err;
#undef N
	if ((err = pts_read_u64(p, prb_ptr, &prb)))
		return pts_error_wrap(err, "kernel log");
	uint32_t cbits, sbits;
	uint64_t descs, infos, head, tail, data;
	uint64_t dr = prb + l.desc_ring, tr = prb + l.text_ring;
	if ((err = pts_read_u32(p, dr + l.count_bits, &cbits)) ||
	    (err = pts_read_u64(p, dr + l.descs, &descs)) ||
	    (err = pts_read_u64(p, dr + l.infos, &infos)) ||
	    (err = pts_read_u64(p, dr + l.head_id, &head)) ||
	    (err = pts_read_u64(p, dr + l.tail_id, &tail)) ||
	    (err = pts_read_u32(p, tr + l.size_bits, &sbits)) ||
	    (err = pts_read_u64(p, tr + l.data, &data)))
		return pts_error_wrap(err, "kernel log");
	if (cbits > 24 || sbits > 31)
		return pts_error(PTS_ERR_CORRUPT, "kernel log: corrupt ring sizes (%u, %u)", cbits, sbits);
	uint64_t dcount = UINT64_C(1) << cbits, dsize = UINT64_C(1) << sbits;
	char *text = xmalloc(dsize);
	if ((err = pts_read(p, data, text, dsize))) {
		free(text);
		return pts_error_wrap(err, "kernel log text");
	}
	unsigned n = 0;
	for (uint64_t id = tail;; id = (id + 1) & DESC_ID_MASK) {
		if (++n > MAX_RECORDS)
			break;
		uint64_t d = descs + (id % dcount) * l.desc_size, sv, begin, next;
		uint16_t tlen;
		if (pts_read_u64(p, d + l.state_var, &sv) ||
		    pts_read_u64(p, d + l.text_lpos + l.lpos_begin, &begin) ||
		    pts_read_u64(p, d + l.text_lpos + l.lpos_next, &next) ||
		    pts_read(p, infos + (id % dcount) * l.info_size + l.info_text_len, &tlen, 2))
			break;	/* an unreadable record ends the walk */
		unsigned st = (unsigned)(sv >> DESC_FLAGS_SHIFT);
		if ((sv & DESC_ID_MASK) == id && (st == DESC_COMMITTED || st == DESC_FINALIZED) &&
		    !(begin & 1)) {
			uint64_t bi = begin & (dsize - 1), ni = next & (dsize - 1);
			/* A block that wraps starts again at the ring's start. */
			if ((begin >> sbits) != (next >> sbits) && ni != 0)
				bi = 0;
			bi += 8;	/* the block begins with its id */
			if (bi + tlen <= dsize)
				fn(text + bi, tlen, arg);
		}
		if (id == head)
			break;
	}
	free(text);
	return NULL;
}

struct panic_ctx {
	char *msg;
};

static void find_panic(const char *text, size_t len, void *arg)
{
	struct panic_ctx *c = arg;
	static const char key[] = "Kernel panic - not syncing: ";
	if (len >= sizeof(key) - 1 && !memcmp(text, key, sizeof(key) - 1)) {
		free(c->msg);
		size_t n = len - (sizeof(key) - 1);
		c->msg = xmalloc(n + 1);
		memcpy(c->msg, text + sizeof(key) - 1, n);
		c->msg[n] = '\0';
	}
}

struct pts_error *pts_klog_panic(struct pts_program *p, char **ret)
{
	struct panic_ctx c = { 0 };
	struct pts_error *err = klog_each(p, find_panic, &c);
	if (err) {
		free(c.msg);
		return err;
	}
	*ret = c.msg;
	return NULL;
}
