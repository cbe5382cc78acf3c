/* A small streaming JSON writer: the documents ptscope prints are flat
 * enough that a DOM would only cost memory. */
#ifndef PTS_JSON_H
#define PTS_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *f;
	int depth;
	bool first[64];
	bool after_key;
};

void json_init(struct json *j, FILE *f);
void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);
void json_key(struct json *j, const char *k);
void json_string(struct json *j, const char *s);	/* NULL prints null */
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* Addresses as "0x..." strings: JSON numbers lose precision past 2^53. */
void json_hex(struct json *j, uint64_t v);
void json_finish(struct json *j);
/* A value already formatted as JSON (one line), for large arrays. */
void json_raw(struct json *j, const char *text, size_t len);
#endif
