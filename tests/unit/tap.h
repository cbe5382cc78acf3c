/* Minimal TAP producer for the C unit tests. */
#ifndef PTS_TAP_H
#define PTS_TAP_H
#include <stdio.h>
static int tap_n, tap_failed;
#define ok(cond, ...) do {						\
	tap_n++;							\
	if (!(cond)) tap_failed++;					\
	printf("%sok %d - ", (cond) ? "" : "not ", tap_n);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)
#define tap_done() (printf("1..%d\n", tap_n), tap_failed ? 1 : 0)
#endif
