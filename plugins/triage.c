/* triage: a one-page summary of a dump for the first look at a crash:
 * the kernel and the panic, the processes with findings, the findings by
 * check, hugetlb PMD sharing, and deadlocks and held locks. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <ptscope/plugin.h>

const unsigned ptscope_plugin_abi = PTSCOPE_PLUGIN_ABI;

struct counts {
	unsigned tasks, user, findings;
	struct { char id[32]; char title[128]; unsigned n; } by[64];
	unsigned nby;
	struct { int32_t pid; char comm[32]; unsigned n; } who[64];
	unsigned nwho;
	unsigned shared, max_sharers;
	unsigned held, waited;
};

static int task(const struct ptscope_task_info *t, void *arg)
{
	struct counts *c = arg;
	c->tasks++;
	c->user += !t->kthread;
	return 0;
}

static int finding(const struct ptscope_finding_info *f, void *arg)
{
	struct counts *c = arg;
	c->findings++;
	unsigned i;
	for (i = 0; i < c->nby && strcmp(c->by[i].id, f->check); i++)
		;
	if (i == c->nby && c->nby < 64) {
		snprintf(c->by[i].id, sizeof(c->by[i].id), "%s", f->check);
		snprintf(c->by[i].title, sizeof(c->by[i].title), "%s", f->title);
		c->nby++;
	}
	if (i < 64)
		c->by[i].n++;
	for (i = 0; i < c->nwho && c->who[i].pid != f->pid; i++)
		;
	if (i == c->nwho && c->nwho < 64) {
		c->who[i].pid = f->pid;
		snprintf(c->who[i].comm, sizeof(c->who[i].comm), "%s", f->comm);
		c->nwho++;
	}
	if (i < 64)
		c->who[i].n++;
	return 0;
}

static int shared(uint64_t pfn, unsigned sharers, void *arg)
{
	struct counts *c = arg;
	(void)pfn;
	c->shared++;
	if (sharers > c->max_sharers)
		c->max_sharers = sharers;
	return 0;
}

static int lock(const struct ptscope_lock_info *l, void *arg)
{
	struct counts *c = arg;
	c->held += l->held != 0;
	c->waited += l->waiters != 0;
	return 0;
}

static int write_triage(struct ptscope_dump *d, FILE *out, void *arg)
{
	(void)arg;
	static struct counts c;
	memset(&c, 0, sizeof(c));
	unsigned incomplete = 0, cycles = 0;
	fprintf(out, "ptscope triage of %s\n", ptscope_dump_path(d));
	fprintf(out, "kernel:   %s (%s dump)\n", ptscope_kernel_release(d), ptscope_dump_format(d));
	const char *panic = ptscope_panic_message(d);
	fprintf(out, "panic:    %s\n", panic ? panic : "(none in the kernel log)");
	if (ptscope_tasks(d, task, &c) < 0)
		return -1;
	fprintf(out, "tasks:    %u (%u with an address space)\n", c.tasks, c.user);
	if (ptscope_findings(d, finding, &c, &incomplete) < 0)
		return -1;
	fprintf(out, "findings: %u in %u process%s; %u thing%s not checked (not in the dump)\n", c.findings,
		c.nwho, c.nwho == 1 ? "" : "es", incomplete, incomplete == 1 ? "" : "s");
	for (unsigned i = 0; i < c.nby; i++)
		fprintf(out, "  %-6s %4u  %s\n", c.by[i].id, c.by[i].n, c.by[i].title);
	for (unsigned i = 0; i < c.nwho; i++)
		fprintf(out, "  pid %d (%s): %u\n", c.who[i].pid, c.who[i].comm, c.who[i].n);
	if (ptscope_shared_tables(d, shared, &c) < 0)
		fprintf(out, "hugetlb:  %s\n", ptscope_error(d));
	else
		fprintf(out, "hugetlb:  %u PMD table%s shared between processes%s", c.shared,
			c.shared == 1 ? "" : "s", c.shared ? "" : "\n");
	if (c.shared)
		fprintf(out, ", up to %u sharers\n", c.max_sharers);
	if (ptscope_locks(d, lock, &c, &cycles) < 0)
		fprintf(out, "locks:    %s\n", ptscope_error(d));
	else
		fprintf(out, "locks:    %u deadlock%s; %u held, %u waited for\n", cycles, cycles == 1 ? "" : "s",
			c.held, c.waited);
	return 0;
}

static const struct ptscope_report triage = {
	.name = "triage",
	.description = "a one-page summary: kernel, panic, processes with findings, hugetlb sharing, "
		       "lock cycles",
	.extension = "txt",
	.write = write_triage,
};

int ptscope_plugin_init(struct ptscope_host *h)
{
	ptscope_plugin_describe(h, "triage", "the one-page triage summary of a dump (--format triage)");
	return ptscope_register_report(h, &triage);
}
