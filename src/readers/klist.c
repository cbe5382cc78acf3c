#include "config.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "readers/klist.h"

void pts_notes_add(struct pts_notes *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	VEC_PUSH(n, s);
}

void pts_notes_free(struct pts_notes *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	n->v = NULL;
	n->n = n->cap = 0;
}

struct pts_error *pts_notes_nodata(struct pts_notes *n, struct pts_error *err, const char *fmt, ...)
{
	if (!err || err->code != PTS_ERR_NODATA)
		return err;
	char prefix[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	pts_notes_add(n, "%s%s", prefix, pts_error_text(err));
	pts_error_destroy(err);
	return NULL;
}

/* Runs fn on node; a page missing from the dump becomes a note. */
static struct pts_error *visit(struct pts_program *p, uint64_t node, const char *what,
			       pts_list_fn *fn, void *arg, struct pts_notes *notes)
{
	return pts_notes_nodata(notes, fn(p, node, arg), "%s: skipped ", what);
}

/* From head backwards through ->prev until stop (the last node reached
 * forwards) or an unreadable link; then visit what was found in list
 * order. */
static struct pts_error *walk_back(struct pts_program *p, uint64_t head, uint64_t stop,
				   const char *what, unsigned long max, pts_list_fn *fn, void *arg,
				   struct pts_notes *notes)
{
	VEC(uint64_t) back = { 0 };
	uint64_t node = head;
	struct pts_error *err = NULL;
	for (;;) {
		uint64_t prev;
		err = pts_read_u64(p, node + 8, &prev);
		if (err) {
			pts_notes_add(notes, "%s: nodes between 0x%" PRIx64 " and 0x%" PRIx64
				      " cannot be reached: %s", what, stop, node, pts_error_text(err));
			pts_error_destroy(err);
			err = NULL;
			break;
		}
		if (prev == stop || prev == head)
			break;
		if (back.n >= max) {
			err = pts_error(PTS_ERR_CORRUPT, "%s: more than %lu entries: corrupt list", what, max);
			break;
		}
		VEC_PUSH(&back, prev);
		node = prev;
	}
	for (size_t i = back.n; !err && i-- > 0;)
		err = visit(p, back.v[i], what, fn, arg, notes);
	free(back.v);
	return err;
}

struct pts_error *pts_list_walk(struct pts_program *p, uint64_t head, const char *what,
				unsigned long max, pts_list_fn *fn, void *arg,
				struct pts_notes *notes)
{
	uint64_t node, slow, prev = head;
	struct pts_error *err = pts_read_u64(p, head, &node);
	if (err)
		return pts_error_wrap(err, "%s", what);
	slow = node;
	for (unsigned long i = 0; node != head; i++) {
		if (i >= max)
			return pts_error(PTS_ERR_CORRUPT, "%s: more than %lu entries: corrupt list", what, max);
		uint64_t next, back;
		err = pts_read_u64(p, node, &next);
		if (!err)
			err = pts_read_u64(p, node + 8, &back);
		if (err) {
			err = pts_notes_nodata(notes, err, "%s: entry 0x%" PRIx64 " unreadable: ", what, node);
			return err ? pts_error_wrap(err, "%s: entry 0x%" PRIx64, what, node)
				   : walk_back(p, head, prev, what, max, fn, arg, notes);
		}
		if (back != prev)
			return pts_error(PTS_ERR_CORRUPT,
					 "%s: corrupt list: 0x%" PRIx64 "->prev is 0x%" PRIx64
					 ", expected 0x%" PRIx64, what, node, back, prev);
		if ((err = visit(p, node, what, fn, arg, notes)))
			return err;
		prev = node;
		node = next;
		/* Floyd: slow advances every other step; meeting it means a
		 * loop that never returns to head. */
		if (i & 1) {
			uint64_t s;
			if ((err = pts_read_u64(p, slow, &s)))
				return pts_error_wrap(err, "%s", what);
			slow = s;
			if (slow == node && node != head)
				return pts_error(PTS_ERR_CORRUPT, "%s: cycle at 0x%" PRIx64, what, node);
		}
	}
	return NULL;
}
