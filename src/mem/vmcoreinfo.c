#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "base/util.h"
#include "mem/vmcoreinfo.h"

struct vmcoreinfo {
	char *raw;
	char **keys, **vals;
	size_t n;
};

struct vmcoreinfo *vmcoreinfo_parse(const char *raw)
{
	struct vmcoreinfo *v = xcalloc(1, sizeof(*v));
	v->raw = xstrdup(raw);
	char *copy = xstrdup(raw), *save = NULL;
	size_t cap = 0;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(l, '=');
		if (!eq)
			continue;
		if (v->n == cap) {
			cap = cap ? cap * 2 : 128;
			v->keys = xrealloc(v->keys, cap * sizeof(char *));
			v->vals = xrealloc(v->vals, cap * sizeof(char *));
		}
		*eq = '\0';
		v->keys[v->n] = xstrdup(l);
		v->vals[v->n] = xstrdup(eq + 1);
		v->n++;
	}
	free(copy);
	return v;
}

void vmcoreinfo_destroy(struct vmcoreinfo *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		free(v->keys[i]);
		free(v->vals[i]);
	}
	free(v->keys);
	free(v->vals);
	free(v->raw);
	free(v);
}

const char *vmcoreinfo_get(const struct vmcoreinfo *v, const char *key)
{
	/* The last one wins: CRASHTIME is appended at panic time. */
	for (size_t i = v ? v->n : 0; i-- > 0;)
		if (!strcmp(v->keys[i], key))
			return v->vals[i];
	return NULL;
}

bool vmcoreinfo_num(const struct vmcoreinfo *v, const char *key, uint64_t *ret)
{
	const char *s = vmcoreinfo_get(v, key);
	if (!s || !*s)
		return false;
	/* crash_core.c prints SYMBOL() and KERNELOFFSET with %lx, the rest
	 * with %d/%ld/%lu. */
	int base = (!strncmp(key, "SYMBOL(", 7) || !strcmp(key, "KERNELOFFSET")) ? 16 : 10;
	/* arm64's crash_core.c prints kimage_voffset, PHYS_OFFSET and
	 * TCR_EL1_T1SZ as 0x%llx */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	char *end;
	unsigned long long x = strtoull(s, &end, base);
	if (*end)
		return false;
	*ret = x;
	return true;
}

const char *vmcoreinfo_raw(const struct vmcoreinfo *v)
{
	return v->raw;
}

const char *pts_vmcoreinfo_arch(const struct vmcoreinfo *v)
{
	if (vmcoreinfo_get(v, "SYMBOL(init_top_pgt)"))
		return "x86_64";
	if (vmcoreinfo_get(v, "NUMBER(kimage_voffset)"))
		return "aarch64";
	return NULL;
}
