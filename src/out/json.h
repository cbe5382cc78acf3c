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
/* "key": value, one call each (one statement per line in the emitters) */
void json_kv_string(struct json *j, const char *k, const char *s);
void json_kv_int(struct json *j, const char *k, int64_t v);
void json_kv_uint(struct json *j, const char *k, uint64_t v);
void json_kv_bool(struct json *j, const char *k, bool v);
void json_kv_hex(struct json *j, const char *k, uint64_t v);
/* the value when have, else null */
void json_kv_int_if(struct json *j, const char *k, bool have, int64_t v);
void json_kv_uint_if(struct json *j, const char *k, bool have, uint64_t v);
void json_kv_hex_if(struct json *j, const char *k, bool have, uint64_t v);
/* "key": then [ or { */
void json_key_array(struct json *j, const char *k);
void json_key_object(struct json *j, const char *k);
/* A value already formatted as JSON (one line), for large arrays. */
void json_raw(struct json *j, const char *text, size_t len);
#endif
