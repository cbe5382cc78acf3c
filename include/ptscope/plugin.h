/* ptscope plugin ABI.
 *
 * A plugin is a shared object that ptscope loads with dlopen().  It
 * exports two symbols:
 *
 *     const unsigned ptscope_plugin_abi = PTSCOPE_PLUGIN_ABI;
 *     int ptscope_plugin_init(struct ptscope_host *host);
 *
 * ptscope refuses a plugin whose ptscope_plugin_abi differs from its own
 * PTSCOPE_PLUGIN_ABI, naming both.  ptscope_plugin_init names the plugin
 * and registers its checks and report formats; it returns 0, or nonzero
 * to refuse to load (ptscope then says so and stops).
 *
 * Everything a plugin sees of a dump goes through the opaque struct
 * ptscope_dump and the functions below; the info structures are filled
 * by ptscope and valid only during the callback (or until the next call
 * on the same dump).  Functions returning int give 0 on success and -1 on
 * error, with the reason in ptscope_error(); a callback that returns
 * nonzero stops the iteration, and that value is returned.
 *
 * See ptscope-plugin(7) for a worked example. */
#ifndef PTSCOPE_PLUGIN_H
#define PTSCOPE_PLUGIN_H
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Raised whenever a structure below or a function's meaning changes. */
#define PTSCOPE_PLUGIN_ABI 1

struct ptscope_host;		/* the loader, during ptscope_plugin_init */
struct ptscope_dump;		/* one open dump with its kernel's types */
struct ptscope_sink;		/* where a check puts its findings */

struct ptscope_task_info {
	int32_t pid, ppid;
	const char *comm;
	char state;		/* as /proc/PID/stat: R S D T t X Z P I */
	int kthread;
	uint64_t mm;		/* struct mm_struct, 0 for kernel threads */
	int rss_known;
	uint64_t rss_pages;
};

struct ptscope_vma_info {
	uint64_t start, end;
	uint64_t flags;		/* VM_* of the dump's kernel */
	uint64_t pgoff;
	const char *name;	/* as /proc/PID/maps names it, "" if none */
	const char *perms;	/* "rw-p" */
	int hugetlb;
	uint64_t huge_size;	/* hugetlb: the hstate's page size */
};

struct ptscope_entry_info {
	uint64_t va, size;	/* what the entry maps */
	uint64_t raw;
	const char *level;	/* "pte", "pmd", "pud", "p4d", "pgd" */
	const char *kind;	/* "present", "swap", "migration", ... */
	const char *flags;	/* "rw user accessed dirty ..." */
	int has_pfn;
	uint64_t pfn;
	uint64_t table_pfn;	/* the table holding it */
	unsigned index;		/* its index there */
	unsigned swap_type;
	uint64_t swap_offset;
};

struct ptscope_page_info {
	uint64_t pfn;
	uint64_t page;		/* struct page */
	const char *flags;	/* "locked,uptodate,..." (the folio's) */
	int32_t refcount;	/* the folio's */
	int32_t mapcount;	/* this page's mappings as the kernel counts them */
	unsigned order;
	uint64_t head_pfn;
	int anon, ksm, hugetlb;
	uint64_t mapping, index;
};

struct ptscope_mapping_info {
	int32_t pid;
	const char *comm;
	uint64_t vma_start, vma_end, va;
	int maps;		/* the entry there maps the page */
};

struct ptscope_lock_info {
	const char *cls;	/* "mmap_lock", "i_mmap_rwsem", "ptl", ... */
	const char *what;	/* what it guards, in words */
	uint64_t addr;
	const char *state;	/* "free", "write-locked", "read-locked (2 readers)", ... */
	int held;
	int32_t holder_pid;	/* 0: none known */
	const char *holder_how;	/* "exact", "hint", "stack" */
	unsigned waiters;
};

struct ptscope_finding_info {
	const char *check;	/* its id: "D5", or a plugin's */
	const char *title, *severity, *rule, *source;
	int32_t pid;
	const char *comm;
	const char *object;	/* "mm", "vma", "table", "entry", "page" */
	uint64_t addr;
	int has_va;
	uint64_t va;
	const char *evidence;
};

/* ---- the dump ---- */
const char *ptscope_error(struct ptscope_dump *d);
const char *ptscope_dump_path(struct ptscope_dump *d);
const char *ptscope_kernel_release(struct ptscope_dump *d);
const char *ptscope_dump_format(struct ptscope_dump *d);	/* "kdump", "elf" */
/* The panic message from the kernel log, NULL if none was found. */
const char *ptscope_panic_message(struct ptscope_dump *d);

int ptscope_tasks(struct ptscope_dump *d, int (*fn)(const struct ptscope_task_info *, void *),
		  void *arg);
int ptscope_vmas(struct ptscope_dump *d, int32_t pid,
		 int (*fn)(const struct ptscope_vma_info *, void *), void *arg);
/* Every entry of pid's page tables that is not none, in address order. */
int ptscope_entries(struct ptscope_dump *d, int32_t pid,
		    int (*fn)(const struct ptscope_entry_info *, void *), void *arg);
int ptscope_page(struct ptscope_dump *d, uint64_t pfn, struct ptscope_page_info *out);
/* The reverse-map chain from pfn to every mapping of it. */
int ptscope_rmap(struct ptscope_dump *d, uint64_t pfn,
		 int (*fn)(const struct ptscope_mapping_info *, void *), void *arg);
/* The locks held or waited for; *cycles (if not NULL) gets the number of
 * deadlocks (cycles in the wait-for graph). */
int ptscope_locks(struct ptscope_dump *d, int (*fn)(const struct ptscope_lock_info *, void *),
		  void *arg, unsigned *cycles);
/* Every finding of every check (ptscope's and the plugins'), every
 * process; *incomplete (if not NULL) gets the number of things that could
 * not be checked because the dump lacks them. */
int ptscope_findings(struct ptscope_dump *d, int (*fn)(const struct ptscope_finding_info *, void *),
		     void *arg, unsigned *incomplete);
/* Hugetlb PMD tables shared between processes: each with its sharers. */
int ptscope_shared_tables(struct ptscope_dump *d,
			  int (*fn)(uint64_t table_pfn, unsigned sharers, void *), void *arg);

/* ---- checks ---- */
struct ptscope_check {
	const char *id;		/* unique, e.g. "X1" or "acme-zero-pfn" */
	const char *title;
	const char *severity;	/* "warning" or "error" */
	const char *rule;	/* the rule, in words */
	const char *source;	/* where the kernel states it */
	const char *kernels;	/* the kernels it applies to, in words */
	/* Called once per address space; report with ptscope_report_finding. */
	int (*run)(struct ptscope_dump *d, const struct ptscope_task_info *task,
		   struct ptscope_sink *sink, void *arg);
	void *arg;
};
void ptscope_report_finding(struct ptscope_sink *sink, const char *object, uint64_t addr,
			    int has_va, uint64_t va, const char *evidence);

/* ---- report formats ---- */
struct ptscope_report {
	const char *name;	/* --format NAME */
	const char *description;
	const char *extension;	/* of the file written per dump with -o DIR */
	/* Write the report of d to out; nonzero: failed. */
	int (*write)(struct ptscope_dump *d, FILE *out, void *arg);
	void *arg;
};

/* ---- what the plugin defines ---- */
extern const unsigned ptscope_plugin_abi;	/* = PTSCOPE_PLUGIN_ABI */
int ptscope_plugin_init(struct ptscope_host *host);

/* ---- registration, during ptscope_plugin_init ---- */
void ptscope_plugin_describe(struct ptscope_host *h, const char *name, const char *description);
int ptscope_register_check(struct ptscope_host *h, const struct ptscope_check *c);
int ptscope_register_report(struct ptscope_host *h, const struct ptscope_report *r);

#ifdef __cplusplus
}
#endif
#endif
