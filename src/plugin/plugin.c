#include "config.h"
#include <unistd.h>
#include <pthread.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "analyses/check.h"
#include "analyses/hugetlb.h"
#include "readers/kfolio.h"
#include "readers/klog.h"
#include "readers/kmm.h"
#include "readers/ktask.h"
#include "analyses/locks.h"
#include "plugin/plugin.h"
#include "analyses/sweep.h"
#include "ptscope/plugin.h"
#include "analyses/rmap.h"
#include "base/util.h"
#include "readers/walk.h"

/* ---- the registry ---- */

struct loaded {
	char *path, *name, *description;
	void *handle;
	size_t nchecks, nreports;
};

struct pcheck {
	struct ptscope_check def;
	struct pts_check_info info;	/* what findings point to */
	size_t plugin;
};

static VEC(struct loaded) plugins;
static VEC(struct pcheck *) checks;
static VEC(struct ptscope_report) reports;

struct ptscope_host {
	size_t plugin;
};

void ptscope_plugin_describe(struct ptscope_host *h, const char *name, const char *description)
{
	struct loaded *l = &plugins.v[h->plugin];
	free(l->name);
	free(l->description);
	l->name = xstrdup(name ? name : "");
	l->description = xstrdup(description ? description : "");
}

static const char *dupe(const char *s) { return xstrdup(s ? s : ""); }

int ptscope_register_check(struct ptscope_host *h, const struct ptscope_check *c)
{
	if (!c || !c->id || !*c->id || !c->run)
		return -1;
	for (size_t i = 0; i < checks.n; i++)
		if (!strcmp(checks.v[i]->def.id, c->id))
			return -1;
	size_t n;
	const struct pts_check_info *own = pts_check_list(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(own[i].id, c->id))
			return -1;
	struct pcheck *pc = xcalloc(1, sizeof(*pc));
	pc->def = *c;
	pc->plugin = h->plugin;
	pc->info.id = pc->def.id = dupe(c->id);
	pc->info.title = pc->def.title = dupe(c->title);
	pc->info.rule = pc->def.rule = dupe(c->rule);
	pc->info.source = pc->def.source = dupe(c->source);
	pc->info.kernels = pc->def.kernels = dupe(c->kernels);
	pc->def.severity = dupe(c->severity);
	pc->info.severity = c->severity && !strcmp(c->severity, "error") ? PTS_SEV_ERROR : PTS_SEV_WARNING;
	VEC_PUSH(&checks, pc);
	plugins.v[h->plugin].nchecks++;
	return 0;
}

int ptscope_register_report(struct ptscope_host *h, const struct ptscope_report *r)
{
	if (!r || !r->name || !*r->name || !r->write || pts_plugin_report(r->name) ||
	    !strcmp(r->name, "text") || !strcmp(r->name, "json"))
		return -1;
	struct ptscope_report c = *r;
	c.name = dupe(r->name);
	c.description = dupe(r->description);
	c.extension = dupe(r->extension ? r->extension : "txt");
	VEC_PUSH(&reports, c);
	plugins.v[h->plugin].nreports++;
	return 0;
}

const struct ptscope_report *pts_plugin_report(const char *name)
{
	for (size_t i = 0; i < reports.n; i++)
		if (!strcmp(reports.v[i].name, name))
			return &reports.v[i];
	return NULL;
}

size_t pts_plugin_nchecks(void) { return checks.n; }

const struct pts_check_info *pts_plugin_check(size_t i, const char **plugin)
{
	if (i >= checks.n)
		return NULL;
	*plugin = plugins.v[checks.v[i]->plugin].name;
	return &checks.v[i]->info;
}

/* ---- running plugin checks inside pts_check_task ---- */

struct ptscope_sink {
	struct pcheck *check;
	const struct pts_task *t;
	struct pts_findings *out;
};

void ptscope_report_finding(struct ptscope_sink *s, const char *object, uint64_t addr, int has_va,
			    uint64_t va, const char *evidence)
{
	static const char *const objects[] = { "mm", "vma", "table", "entry", "page" };
	const char *obj = "mm";
	for (size_t i = 0; i < ARRAY_SIZE(objects); i++)
		if (object && !strcmp(object, objects[i]))
			obj = objects[i];
	struct pts_finding f = { .check = &s->check->info, .pid = s->t->pid, .object = obj,
				 .addr = addr, .has_va = has_va != 0, .va = va,
				 .evidence = xstrdup(evidence ? evidence : "") };
	memcpy(f.comm, s->t->comm, sizeof(f.comm));
	VEC_PUSH(&s->out->v, f);
}

static struct ptscope_dump *current;	/* the dump the checks run on */
static void task_info(const struct pts_task *t, struct ptscope_task_info *ti);

static struct pts_error *run_plugin_checks(struct pts_program *p, const struct pts_task *t,
					   struct pts_findings *out)
{
	(void)p;
	if (!current)
		return NULL;
	/* The runner (sweep.c) checks address spaces on several threads;
	 * the plugin ABI and its per-dump state are single-threaded, so
	 * plugin checks run one at a time (the built-in ones need not). */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&lock);
	struct ptscope_task_info ti;
	task_info(t, &ti);
	for (size_t i = 0; i < checks.n; i++) {
		struct ptscope_sink s = { checks.v[i], t, out };
		if (checks.v[i]->def.run(current, &ti, &s, checks.v[i]->def.arg))
			pts_notes_add(&out->missing, "pid %d: check %s (%s) failed: %s", t->pid,
				      checks.v[i]->def.id, plugins.v[checks.v[i]->plugin].name,
				      ptscope_error(current));
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* ---- loading ---- */

struct pts_error *pts_plugin_load(const char *path)
{
	for (size_t i = 0; i < plugins.n; i++)
		if (!strcmp(plugins.v[i].path, path))
			return NULL;
	/* RTLD_LOCAL: plugins do not see each other's symbols. */
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return pts_error(PTS_ERR_USAGE, "plugin %s: cannot load: %s", path, dlerror());
	const unsigned *abi = dlsym(h, "ptscope_plugin_abi");
	int (*init)(struct ptscope_host *) = (int (*)(struct ptscope_host *))dlsym(h, "ptscope_plugin_init");
	if (!abi || !init) {
		dlclose(h);
		return pts_error(PTS_ERR_USAGE, "plugin %s: not a ptscope plugin (no %s)", path,
				 abi ? "ptscope_plugin_init" : "ptscope_plugin_abi");
	}
	if (*abi != PTSCOPE_PLUGIN_ABI) {
		unsigned v = *abi;
		dlclose(h);
		return pts_error(PTS_ERR_USAGE, "plugin %s: built for plugin ABI %u, this ptscope has ABI %u",
				 path, v, PTSCOPE_PLUGIN_ABI);
	}
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct loaded l = { .path = xstrdup(path), .name = xstrdup(base), .description = xstrdup(""),
			    .handle = h };
	VEC_PUSH(&plugins, l);
	struct ptscope_host host = { plugins.n - 1 };
	if (init(&host)) {
		/* what it registered stays (its code stays loaded), unused */
		return pts_error(PTS_ERR_USAGE, "plugin %s: its ptscope_plugin_init refused to start", path);
	}
	pts_check_set_extra(run_plugin_checks);
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct pts_error *pts_plugin_load_dir(const char *dir, bool must_exist)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (!must_exist && errno == ENOENT)
			return NULL;
		return pts_error_os("plugin directory %s", dir);
	}
	VEC(char *) names = { 0 };
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n > 3 && !strcmp(e->d_name + n - 3, ".so")) {
			char *pth = xasprintf("%s/%s", dir, e->d_name);
			VEC_PUSH(&names, pth);
		}
	}
	closedir(d);
	if (names.n > 1)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	struct pts_error *err = NULL;
	for (size_t i = 0; i < names.n; i++) {
		if (!err)
			err = pts_plugin_load(names.v[i]);
		free(names.v[i]);
	}
	free(names.v);
	return err;
}

/* Where the default plugins came from, for ptscope plugins. */
static const char *default_dir = PTS_PLUGINDIR;
static const char *default_why = "installed";

/* Run from its build tree (as git finds its exec path: by where the
 * program is), ptscope loads the plugins built beside it, not whatever an
 * older install left in the plugin directory. */
static bool in_build_tree(void)
{
	char self[4096], *built = realpath(PTS_BUILD_EXE, NULL);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	bool same = false;
	if (n > 0 && built) {
		self[n] = '\0';
		same = !strcmp(self, built);
	}
	free(built);
	return same;
}

struct pts_error *pts_plugin_load_default(void)
{
	struct pts_error *err = NULL;
	if (in_build_tree()) {
		default_dir = PTS_BUILD_PLUGINDIR;
		default_why = "this ptscope runs from its build tree";
		char *list = xstrdup(PTS_SHIPPED_PLUGINS), *save = NULL;
		for (char *f = strtok_r(list, ":", &save); f && !err; f = strtok_r(NULL, ":", &save)) {
			char *path = xasprintf("%s/%s", PTS_BUILD_PLUGINDIR, f);
			if (access(path, F_OK) == 0)
				err = pts_plugin_load(path);
			free(path);
		}
		free(list);
	} else {
		err = pts_plugin_load_dir(PTS_PLUGINDIR, false);
	}
	const char *env = getenv("PTSCOPE_PLUGIN_PATH");
	if (err || !env)
		return err;
	char *s = xstrdup(env), *save = NULL;
	for (char *dir = strtok_r(s, ":", &save); dir && !err; dir = strtok_r(NULL, ":", &save))
		if (*dir)	/* an empty element is not the current directory */
			err = pts_plugin_load_dir(dir, true);
	free(s);
	return err;
}

void pts_plugin_list(FILE *out)
{
	fprintf(out, "plugin ABI %u; plugin directory %s (%s)\n", PTSCOPE_PLUGIN_ABI, default_dir,
		default_why);
	if (!plugins.n)
		fprintf(out, "no plugins loaded\n");
	for (size_t i = 0; i < plugins.n; i++) {
		const struct loaded *l = &plugins.v[i];
		fprintf(out, "%s: %s\n  %s\n", l->name, l->description, l->path);
		for (size_t c = 0; c < checks.n; c++)
			if (checks.v[c]->plugin == i)
				fprintf(out, "  check %s (%s): %s\n", checks.v[c]->def.id, checks.v[c]->def.severity,
					checks.v[c]->def.title);
	}
	for (size_t r = 0; r < reports.n; r++)
		fprintf(out, "report format %s: %s\n", reports.v[r].name, reports.v[r].description);
}

/* ---- the dump, as plugins see it ---- */

struct ptscope_dump {
	struct pts_program *p;
	char *path;
	char err[512];
	char *panic;
	bool panic_read;
	struct pts_task_list tasks;
	bool tasks_read;
	struct pts_task thread;	/* the last pid found that is not a leader */
	struct pts_findings findings;
	bool findings_read;
	struct pts_locks locks;	/* the findings' lock scan, kept for ptscope_locks */
	bool locks_read;
	unsigned jobs;		/* the runner's threads (--jobs) */
	/* scratch strings for the info structures */
	char s1[512], s2[512], s3[256];
};

struct ptscope_dump *pts_plugin_dump_new(struct pts_program *p, const char *path)
{
	struct ptscope_dump *d = xcalloc(1, sizeof(*d));
	d->p = p;
	d->path = xstrdup(path);
	current = d;
	return d;
}

void pts_plugin_dump_free(struct ptscope_dump *d)
{
	if (!d)
		return;
	if (current == d)
		current = NULL;
	if (d->tasks_read)
		pts_task_list_free(&d->tasks);
	pts_findings_free(&d->findings);
	if (d->locks_read)
		pts_locks_free(&d->locks);
	free(d->panic);
	free(d->path);
	free(d);
}

static int fail(struct ptscope_dump *d, struct pts_error *err)
{
	snprintf(d->err, sizeof(d->err), "%s", pts_error_text(err));
	pts_error_destroy(err);
	return -1;
}

const char *ptscope_error(struct ptscope_dump *d) { return d->err; }
const char *ptscope_dump_path(struct ptscope_dump *d) { return d->path; }
const char *ptscope_kernel_release(struct ptscope_dump *d) { return d->p->osrelease ? d->p->osrelease : ""; }
const char *ptscope_dump_format(struct ptscope_dump *d) { return pts_dump_info(d->p->dump)->format; }

const char *ptscope_panic_message(struct ptscope_dump *d)
{
	if (!d->panic_read) {
		d->panic_read = true;
		struct pts_error *err = pts_klog_panic(d->p, &d->panic);
		pts_error_destroy(err);
	}
	return d->panic;
}

static void task_info(const struct pts_task *t, struct ptscope_task_info *ti)
{
	*ti = (struct ptscope_task_info){ t->pid, t->ppid, t->comm, t->state, t->kthread, t->mm,
					  t->rss_known, t->rss_pages };
}

static int need_tasks(struct ptscope_dump *d)
{
	if (d->tasks_read)
		return 0;
	struct pts_error *err = pts_tasks(d->p, false, &d->tasks);
	if (err)
		return fail(d, err);
	d->tasks_read = true;
	return 0;
}

int ptscope_tasks(struct ptscope_dump *d, int (*fn)(const struct ptscope_task_info *, void *), void *arg)
{
	if (need_tasks(d))
		return -1;
	for (size_t i = 0; i < d->tasks.n; i++) {
		struct ptscope_task_info ti;
		task_info(&d->tasks.v[i], &ti);
		int r = fn(&ti, arg);
		if (r)
			return r;
	}
	return 0;
}

/* pid's task: a leader from the list already read, else any thread
 * through pts_task_find, as ptscope vmas -p finds it. */
static int find(struct ptscope_dump *d, int32_t pid, const struct pts_task **ret)
{
	if (need_tasks(d))
		return -1;
	*ret = NULL;
	for (size_t i = 0; i < d->tasks.n && !*ret; i++)
		if (d->tasks.v[i].pid == pid)
			*ret = &d->tasks.v[i];
	if (!*ret) {
		struct pts_error *err = pts_task_find(d->p, pid, &d->thread);
		if (err) {
			snprintf(d->err, sizeof(d->err), "%s", pts_error_text(err));
			pts_error_destroy(err);
			return -1;
		}
		*ret = &d->thread;
	}
	if (!(*ret)->mm) {
		snprintf(d->err, sizeof(d->err), "pid %d is a kernel thread: no mm", pid);
		return -1;
	}
	return 0;
}

/* pid's mm and VMAs */
static int read_mm(struct ptscope_dump *d, int32_t pid, struct pts_mm *mm)
{
	const struct pts_task *t;
	if (find(d, pid, &t))
		return -1;
	struct pts_error *err = pts_mm_read(d->p, t, mm);
	return err ? fail(d, err) : 0;
}

int ptscope_vmas(struct ptscope_dump *d, int32_t pid, int (*fn)(const struct ptscope_vma_info *, void *),
		 void *arg)
{
	struct pts_mm mm;
	if (read_mm(d, pid, &mm))
		return -1;
	int r = 0;
	for (size_t i = 0; i < mm.nvmas && !r; i++) {
		const struct pts_vma *v = &mm.vmas[i];
		char perms[5];
		pts_vma_perms(v, perms);
		struct ptscope_vma_info vi = { v->start, v->end, v->flags, v->pgoff, v->name ? v->name : "",
					       perms, (v->flags & PTS_VM_HUGETLB) != 0, v->huge_size };
		r = fn(&vi, arg);
	}
	pts_mm_free(&mm);
	return r;
}

struct ecb {
	struct ptscope_dump *d;
	const struct pts_arch *a;
	int (*fn)(const struct ptscope_entry_info *, void *);
	void *arg;
	int r;
};

static void e_entry(void *arg, uint64_t va, const struct pts_entry *e, const struct pts_table *t,
		    unsigned index)
{
	struct ecb *c = arg;
	if (c->r)
		return;
	char fl[256];
	size_t len = 0;
	fl[0] = '\0';
	for (unsigned f = 0; f < PTS_F_N; f++)
		if (e->flags & (1u << f)) {
			int n = snprintf(fl + len, sizeof(fl) - len, "%s%s", len ? " " : "", pts_eflag_name(f));
			if (n < 0 || (size_t)n >= sizeof(fl) - len)
				break;
			len += (size_t)n;
		}
	struct ptscope_entry_info ei = { va, pts_level_size(c->a, e->level), e->raw,
					 pts_level_name(e->level), pts_ekind_name(e->kind), fl, e->has_pfn,
					 e->pfn, t->pfn, index, e->swap_type, e->swap_offset };
	c->r = c->fn(&ei, c->arg);
}

int ptscope_entries(struct ptscope_dump *d, int32_t pid,
		    int (*fn)(const struct ptscope_entry_info *, void *), void *arg)
{
	struct pts_mm mm;
	if (read_mm(d, pid, &mm))
		return -1;
	struct ecb c = { d, NULL, fn, arg, 0 };
	struct pts_error *err = pts_arch_get(d->p, &c.a);
	struct pts_walk_result res;
	struct pts_walk_ops ops = { .entry = e_entry };
	if (!err)
		err = pts_walk(d->p, mm.pgd, 0, c.a->user_end, &ops, &c, &res);
	pts_mm_free(&mm);
	if (err)
		return fail(d, err);
	pts_walk_result_free(&res);
	return c.r;
}

int ptscope_page(struct ptscope_dump *d, uint64_t pfn, struct ptscope_page_info *out)
{
	struct pts_folio f;
	struct pts_error *err = pts_folio_read(d->p, pfn, &f);
	if (err)
		return fail(d, err);
	pts_page_flag_names(d->p, f.head.flags, d->s1, sizeof(d->s1));
	*out = (struct ptscope_page_info){ pfn, f.page.addr, d->s1, f.head.refcount, f.precise_mapcount,
					   f.order, f.head_pfn, f.anon, f.ksm, f.hugetlb, f.mapping, f.index };
	return 0;
}

int ptscope_rmap(struct ptscope_dump *d, uint64_t pfn, int (*fn)(const struct ptscope_mapping_info *, void *),
		 void *arg)
{
	struct pts_rmap_chain ch;
	struct pts_error *err = pts_rmap_chain(d->p, pfn, &ch);
	if (err)
		return fail(d, err);
	int r = 0;
	for (size_t i = 0; i < ch.maps.n && !r; i++) {
		const struct pts_rmap_mapping *m = &ch.maps.v[i];
		struct ptscope_mapping_info mi = { m->pid, m->comm, m->vm_start, m->vm_end, m->va, m->maps };
		r = fn(&mi, arg);
	}
	pts_rmap_chain_free(&ch);
	return r;
}

int ptscope_locks(struct ptscope_dump *d, int (*fn)(const struct ptscope_lock_info *, void *), void *arg,
		  unsigned *cycles)
{
	if (!d->locks_read) {
		struct pts_error *err = pts_locks_scan(d->p, &d->locks);
		if (err)
			return fail(d, err);
		d->locks_read = true;
	}
	const struct pts_locks *L = &d->locks;
	if (cycles)
		*cycles = (unsigned)L->cycles.n;
	int r = 0;
	for (size_t i = 0; i < L->locks.n && !r; i++) {
		const struct pts_lock *l = &L->locks.v[i];
		if (!l->interesting)
			continue;
		unsigned waiters = 0;
		for (size_t b = 0; b < L->blocked.n; b++)
			waiters += L->blocked.v[b].lock == i;
		pts_lock_summary(&l->st, d->s3, sizeof(d->s3));
		struct ptscope_lock_info li = { pts_lock_class_name(l->cls), l->what, l->st.addr, d->s3,
						l->st.held, l->holders.n ? l->holders.v[0].pid : 0,
						l->holders.n ? pts_holder_how_name(l->holders.v[0].how) : "",
						waiters };
		r = fn(&li, arg);
	}
	return r;
}

/* The runner's results in task order (sweep.h). */
static bool findings_done(void *arg, size_t i, struct pts_sweep_result *r)
{
	(void)i;
	struct ptscope_dump *d = arg;
	pts_findings_take(&d->findings, &r->f);
	if (r->err)
		pts_notes_add(&d->findings.missing, "pid %d (%s): not checked: %s", r->t->pid,
			      r->t->comm, pts_error_text(r->err));
	return true;
}

void pts_plugin_dump_set_jobs(struct ptscope_dump *d, unsigned jobs)
{
	if (d)
		d->jobs = jobs;
}

int ptscope_findings(struct ptscope_dump *d, int (*fn)(const struct ptscope_finding_info *, void *),
		     void *arg, unsigned *incomplete)
{
	if (!d->findings_read) {
		if (need_tasks(d))
			return -1;
		const struct pts_task **sel;
		size_t n;
		pts_sweep_select(&d->tasks, -1, &sel, &n);
		struct pts_sweep_opts so = { .jobs = d->jobs, .done = findings_done, .arg = d };
		/* one pass: D4's reverse index and the lock scan's page tables
		 * from the checks' own walks */
		struct pts_rmap_index ri;
		struct pts_ptl_feeds fs;
		pts_sweep_want_rmap(d->p, &so, &ri, &d->tasks.notes);
		pts_sweep_want_ptl(d->p, &so, &fs);
		pts_sweep_checks(d->p, sel, n, &so);
		free(sel);
		if (so.rmap)
			d->findings.rmap = &ri;
		d->findings.ptl = so.ptl;
		if (!d->locks_read)
			d->findings.locks_out = &d->locks;
		struct pts_error *err = pts_check_dump(d->p, -1, &d->findings);
		d->locks_read |= d->findings.locks_ready;
		d->findings.rmap = NULL;
		d->findings.ptl = NULL;
		d->findings.locks_out = NULL;
		pts_rmap_index_free(&ri);
		pts_ptl_feeds_free(&fs);
		if (err) {
			pts_notes_add(&d->findings.missing, "checks across processes: %s", pts_error_text(err));
			pts_error_destroy(err);
		}
		for (size_t i = 0; i < d->tasks.notes.n; i++)
			pts_notes_add(&d->findings.missing, "%s", d->tasks.notes.v[i]);
		d->findings_read = true;
	}
	if (incomplete)
		*incomplete = (unsigned)d->findings.missing.n;
	for (size_t i = 0; i < d->findings.v.n; i++) {
		const struct pts_finding *x = &d->findings.v.v[i];
		struct ptscope_finding_info fi = { x->check->id, x->check->title,
						   pts_severity_name(x->check->severity), x->check->rule,
						   x->check->source, x->pid, x->comm, x->object, x->addr,
						   x->has_va, x->va, x->evidence ? x->evidence : "" };
		int r = fn(&fi, arg);
		if (r)
			return r;
	}
	return 0;
}

int ptscope_shared_tables(struct ptscope_dump *d, int (*fn)(uint64_t, unsigned, void *), void *arg)
{
	struct pts_hugetlb h;
	struct pts_error *err = pts_hugetlb_scan(d->p, -1, d->tasks_read ? &d->tasks : NULL, &h);
	if (err)
		return fail(d, err);
	int r = 0;
	for (size_t i = 0; i < h.tables.n && !r; i++)
		if (h.tables.v[i].sharers.n > 1)
			r = fn(h.tables.v[i].pfn, (unsigned)h.tables.v[i].sharers.n, arg);
	pts_hugetlb_free(&h);
	return r;
}
