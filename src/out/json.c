#include "config.h"
#include <inttypes.h>
#include "out/json.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}

static void indent(struct json *j)
{
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

static void value_prefix(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->f);
		indent(j);
	}
	j->first[j->depth] = false;
}

static void open(struct json *j, char c)
{
	value_prefix(j);
	fputc(c, j->f);
	if (j->depth < 63)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct json *j, char c)
{
	bool empty = j->first[j->depth];
	j->depth--;
	if (!empty)
		indent(j);
	fputc(c, j->f);
}

void json_begin_object(struct json *j)
{
	open(j, '{');
}

void json_end_object(struct json *j)
{
	close_(j, '}');
}

void json_begin_array(struct json *j)
{
	open(j, '[');
}

void json_end_array(struct json *j)
{
	close_(j, ']');
}

static void str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			/* Kernel strings (comm) may hold any byte: keep ASCII
			 * printable, escape the rest so the output stays valid
			 * UTF-8 JSON. */
			if (*p < 0x20 || *p >= 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void json_key(struct json *j, const char *k)
{
	value_prefix(j);
	str(j->f, k);
	fputs(": ", j->f);
	j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
	value_prefix(j);
	if (s)
		str(j->f, s);
	else
		fputs("null", j->f);
}

void json_int(struct json *j, int64_t v)
{
	value_prefix(j);
	fprintf(j->f, "%" PRId64, v);
}

void json_uint(struct json *j, uint64_t v)
{
	value_prefix(j);
	fprintf(j->f, "%" PRIu64, v);
}

void json_bool(struct json *j, bool v)
{
	value_prefix(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	value_prefix(j);
	fputs("null", j->f);
}

void json_hex(struct json *j, uint64_t v)
{
	value_prefix(j);
	fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

void json_finish(struct json *j)
{
	fputc('\n', j->f);
}

void json_kv_string(struct json *j, const char *k, const char *s)
{
	json_key(j, k);
	json_string(j, s);
}

void json_kv_int(struct json *j, const char *k, int64_t v)
{
	json_key(j, k);
	json_int(j, v);
}

void json_kv_uint(struct json *j, const char *k, uint64_t v)
{
	json_key(j, k);
	json_uint(j, v);
}

void json_kv_bool(struct json *j, const char *k, bool v)
{
	json_key(j, k);
	json_bool(j, v);
}

void json_kv_hex(struct json *j, const char *k, uint64_t v)
{
	json_key(j, k);
	json_hex(j, v);
}

void json_kv_int_if(struct json *j, const char *k, bool have, int64_t v)
{
	json_key(j, k);
	if (have)
		json_int(j, v);
	else
		json_null(j);
}

void json_kv_uint_if(struct json *j, const char *k, bool have, uint64_t v)
{
	json_key(j, k);
	if (have)
		json_uint(j, v);
	else
		json_null(j);
}

void json_kv_hex_if(struct json *j, const char *k, bool have, uint64_t v)
{
	json_key(j, k);
	if (have)
		json_hex(j, v);
	else
		json_null(j);
}

void json_key_array(struct json *j, const char *k)
{
	json_key(j, k);
	json_begin_array(j);
}

void json_key_object(struct json *j, const char *k)
{
	json_key(j, k);
	json_begin_object(j);
}

void json_raw(struct json *j, const char *text, size_t len)
{
	value_prefix(j);
	fwrite(text, 1, len, j->f);
}
