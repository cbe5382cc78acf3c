/* sarif: the findings of a dump as a SARIF 2.1.0 log (OASIS Static
 * Analysis Results Interchange Format), for CI systems and code-scanning
 * dashboards.  One run, tool "ptscope"; a rule per check that fired; a
 * result per finding, located logically (process, object, address) since a
 * dump has no source lines; the dump itself as the run's artifact. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <ptscope/plugin.h>

const unsigned ptscope_plugin_abi = PTSCOPE_PLUGIN_ABI;

static void str(FILE *o, const char *s)
{
	fputc('"', o);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", c);
		else if (c < 0x20)
			fprintf(o, "\\u%04x", c);
		else
			fputc(c, o);
	}
	fputc('"', o);
}

struct rules {
	struct { char id[32], title[160], rule[512], source[256], severity[16]; } r[128];
	unsigned n;
};

static int collect(const struct ptscope_finding_info *f, void *arg)
{
	struct rules *R = arg;
	for (unsigned i = 0; i < R->n; i++)
		if (!strcmp(R->r[i].id, f->check))
			return 0;
	if (R->n == 128)
		return 0;
	snprintf(R->r[R->n].id, sizeof(R->r[0].id), "%s", f->check);
	snprintf(R->r[R->n].title, sizeof(R->r[0].title), "%s", f->title);
	snprintf(R->r[R->n].rule, sizeof(R->r[0].rule), "%s", f->rule ? f->rule : "");
	snprintf(R->r[R->n].source, sizeof(R->r[0].source), "%s", f->source ? f->source : "");
	snprintf(R->r[R->n].severity, sizeof(R->r[0].severity), "%s", f->severity);
	R->n++;
	return 0;
}

struct out {
	FILE *o;
	struct rules *R;
	unsigned n;
};

static int result(const struct ptscope_finding_info *f, void *arg)
{
	struct out *c = arg;
	FILE *o = c->o;
	unsigned idx = 0;
	while (idx < c->R->n && strcmp(c->R->r[idx].id, f->check))
		idx++;
	char name[96], fq[192], addr[24];
	snprintf(name, sizeof(name), "pid %d (%s)", f->pid, f->comm);
	snprintf(addr, sizeof(addr), "%#" PRIx64, f->addr);
	if (f->has_va)
		snprintf(fq, sizeof(fq), "%s/%s %s/va %#" PRIx64, name, f->object, addr, f->va);
	else
		snprintf(fq, sizeof(fq), "%s/%s %s", name, f->object, addr);
	fprintf(o, "%s\n        {\"ruleId\": ", c->n++ ? "," : "");
	str(o, f->check);
	fprintf(o, ", \"ruleIndex\": %u, \"level\": ", idx);
	str(o, !strcmp(f->severity, "error") ? "error" : "warning");
	fprintf(o, ", \"message\": {\"text\": ");
	char msg[1024];
	snprintf(msg, sizeof(msg), "%s: %s", f->title, f->evidence);
	str(o, msg);
	fprintf(o, "}, \"locations\": [{\"logicalLocations\": [{\"name\": ");
	str(o, name);
	fprintf(o, ", \"fullyQualifiedName\": ");
	str(o, fq);
	fprintf(o, ", \"kind\": \"object\"}]}], \"properties\": {\"pid\": %d, \"object\": ", f->pid);
	str(o, f->object);
	fprintf(o, ", \"address\": ");
	str(o, addr);
	if (f->has_va)
		fprintf(o, ", \"va\": \"%#" PRIx64 "\"", f->va);
	fprintf(o, "}}");
	return 0;
}

static int write_sarif(struct ptscope_dump *d, FILE *o, void *arg)
{
	(void)arg;
	static struct rules R;
	memset(&R, 0, sizeof(R));
	unsigned incomplete = 0;
	if (ptscope_findings(d, collect, &R, &incomplete) < 0)
		return -1;
	fprintf(o, "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
		   "  \"version\": \"2.1.0\",\n  \"runs\": [{\n"
		   "    \"tool\": {\"driver\": {\"name\": \"ptscope\", "
#ifdef PACKAGE_VERSION
		   "\"version\": \"" PACKAGE_VERSION "\", "
#endif
		   /* no informationUri: ptscope has no page of its own to name */
		   "\"rules\": [");
	for (unsigned i = 0; i < R.n; i++) {
		fprintf(o, "%s\n      {\"id\": ", i ? "," : "");
		str(o, R.r[i].id);
		fprintf(o, ", \"shortDescription\": {\"text\": ");
		str(o, R.r[i].title);
		fprintf(o, "}, \"fullDescription\": {\"text\": ");
		str(o, *R.r[i].rule ? R.r[i].rule : R.r[i].title);
		fprintf(o, "}, \"help\": {\"text\": ");
		str(o, *R.r[i].source ? R.r[i].source : R.r[i].title);
		fprintf(o, "}, \"defaultConfiguration\": {\"level\": ");
		str(o, !strcmp(R.r[i].severity, "error") ? "error" : "warning");
		fprintf(o, "}}");
	}
	fprintf(o, "]}},\n    \"artifacts\": [{\"location\": {\"uri\": ");
	char uri[4200];
	const char *p = ptscope_dump_path(d);
	snprintf(uri, sizeof(uri), "%s%s", p[0] == '/' ? "file://" : "", p);
	str(o, uri);
	fprintf(o, "}, \"description\": {\"text\": ");
	char desc[256];
	snprintf(desc, sizeof(desc), "%s dump of Linux %s", ptscope_dump_format(d), ptscope_kernel_release(d));
	str(o, desc);
	fprintf(o, "}}],\n    \"invocations\": [{\"executionSuccessful\": true, \"properties\": "
		   "{\"notChecked\": %u}}],\n    \"results\": [", incomplete);
	struct out c = { o, &R, 0 };
	if (ptscope_findings(d, result, &c, NULL) < 0)
		return -1;
	fprintf(o, "\n    ]\n  }]\n}\n");
	return 0;
}

static const struct ptscope_report sarif = {
	.name = "sarif",
	.description = "SARIF 2.1.0: the findings for CI systems and code-scanning dashboards",
	.extension = "sarif",
	.write = write_sarif,
};

int ptscope_plugin_init(struct ptscope_host *h)
{
	ptscope_plugin_describe(h, "sarif", "findings as SARIF 2.1.0 (--format sarif)");
	return ptscope_register_report(h, &sarif);
}
