/* Walking the kernel's circular doubly-linked lists (struct list_head)
 * in a dump that may be incomplete or corrupt. */
#ifndef PTS_KLIST_H
#define PTS_KLIST_H
#include <stdint.h>
#include "types/program.h"
#include "base/util.h"

/* What could not be read, one line each (malloc'd strings). */
struct pts_notes {
	char **v;
	size_t n, cap;
};
void pts_notes_add(struct pts_notes *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pts_notes_free(struct pts_notes *n);
/* A page missing from the dump is not an error but a gap to say: if err
 * is PTS_ERR_NODATA, note the formatted prefix followed by its text and
 * return NULL; any other err is returned as it is. */
struct pts_error *pts_notes_nodata(struct pts_notes *n, struct pts_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

typedef struct pts_error *pts_list_fn(struct pts_program *p, uint64_t node, void *arg);

/* Call fn for every node of the list at head, in order.  Pages missing
 * from the dump do not end the walk: a node fn cannot read is noted and
 * skipped; when a node's own link is missing, the rest of the list is
 * reached backwards from head through ->prev, and the gap noted.  A
 * corrupt list (bad back link, a cycle not through head, more than max
 * nodes) is PTS_ERR_CORRUPT; fn's other errors are returned. */
struct pts_error *pts_list_walk(struct pts_program *p, uint64_t head, const char *what,
				unsigned long max, pts_list_fn *fn, void *arg,
				struct pts_notes *notes);
#endif
