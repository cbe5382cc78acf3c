/* The interactive face: ncurses views over the TUI model (tui_model.c).
 * The only file that includes curses; it never reads the kernel. */
#include "config.h"
#include <ctype.h>
#include <curses.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tui/tui.h"
#include "tui/tui_model.h"

enum view_kind { V_TASKS, V_VMAS, V_TREE, V_DETAIL, V_FINDINGS, V_LOCKS, V_HELP, V_N };
static const char *const view_names[V_N] = { "Tasks", "Address space", "Page tables", "Entry",
					     "Findings", "Locks", "Help" };

struct view {
	tui_rows rows;
	long cur, top;
	bool dirty;
	char filter[64];
	enum tui_sort sort;
	bool reverse;
	struct tui_row of;	/* detail: the tree row it shows (text not owned) */
};

struct ui {
	struct tui_model m;
	struct view v[V_N];
	enum view_kind at, back;	/* back: where help returns */
	bool color, ascii, active;
	char search[64];
	char msg[256];
	int zoom;		/* the map: 0 around the cursor's VMA; +/- change it */
	FILE *timing;
	double waited;		/* seconds spent in prompts waiting for typing */
	const char *dump, *release;
	bool live;		/* the running kernel: R re-reads it */
	unsigned jobs;		/* --jobs for the background checks */
};

static struct ui *the_ui;

static void restore(void)
{
	if (the_ui && the_ui->active) {
		endwin();
		the_ui->active = false;
	}
}

static void on_signal(int sig)
{
	restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Colour pairs by row class; attributes alone without colour. */
static int class_attr(struct ui *u, enum tui_class c)
{
	static const short fg[TC_N] = { [TC_PLAIN] = -1, [TC_HEAD] = COLOR_CYAN, [TC_TABLE] = COLOR_BLUE,
					[TC_PRESENT] = COLOR_GREEN, [TC_HUGE] = COLOR_MAGENTA,
					[TC_SWAP] = COLOR_YELLOW, [TC_SPECIAL] = COLOR_CYAN,
					[TC_BAD] = COLOR_RED, [TC_FINDING] = COLOR_RED, [TC_HELD] = COLOR_YELLOW,
					[TC_DIM] = -1 };
	int a = c == TC_HEAD || c == TC_BAD || c == TC_FINDING || c == TC_TABLE ? A_BOLD
	      : c == TC_DIM ? A_DIM : 0;
	if (u->color && fg[c] != -1)
		a |= COLOR_PAIR(c);
	(void)fg;
	return a;
}

static void setup_colors(struct ui *u)
{
	u->color = has_colors() && !getenv("NO_COLOR");
	if (!u->color)
		return;
	start_color();
	use_default_colors();
	static const short fg[TC_N] = { [TC_HEAD] = COLOR_CYAN, [TC_TABLE] = COLOR_BLUE,
					[TC_PRESENT] = COLOR_GREEN, [TC_HUGE] = COLOR_MAGENTA,
					[TC_SWAP] = COLOR_YELLOW, [TC_SPECIAL] = COLOR_CYAN,
					[TC_BAD] = COLOR_RED, [TC_FINDING] = COLOR_RED,
					[TC_HELD] = COLOR_YELLOW };
	for (int c = 1; c < TC_N; c++)
		if (fg[c])
			init_pair((short)c, fg[c], -1);
}

static void status(struct ui *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void status(struct ui *u, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(u->msg, sizeof(u->msg), fmt, ap);
	va_end(ap);
}

/* The progress indicator: the bottom line, redrawn at once. */
static void progress(void *arg, const char *what, size_t done, size_t total)
{
	struct ui *u = arg;
	if (!u->active)
		return;
	static const char spin[] = "|/-\\";
	static unsigned k;
	move(LINES - 1, 0);
	clrtoeol();
	attron(A_REVERSE);
	if (total)
		printw(" %c %s %zu/%zu ...", spin[k++ % 4], what, done, total);
	else
		printw(" %c %s ...", spin[k++ % 4], what);
	attroff(A_REVERSE);
	refresh();
}

static void rebuild(struct ui *u, enum view_kind k)
{
	struct view *v = &u->v[k];
	if (!v->dirty)
		return;
	tui_rows_free(&v->rows);
	switch (k) {
	case V_TASKS: tui_task_rows(&u->m, v->filter, v->sort, v->reverse, &v->rows); break;
	case V_VMAS: tui_vma_rows(&u->m, &v->rows); break;
	case V_TREE: tui_tree_rows(&u->m, u->ascii, &v->rows); break;
	case V_DETAIL: tui_detail_rows(&u->m, &v->of, &v->rows, progress, u); break;
	case V_FINDINGS: tui_finding_rows(&u->m, &v->rows); break;
	case V_LOCKS:
		tui_load_locks(&u->m, progress, u);
		tui_lock_rows(&u->m, &v->rows);
		break;
	case V_HELP: {
		static const char *const help[] = {
			"ptscope: page tables as they really are",
			"",
			"Moving",
			"  Up/Down, k/j         previous / next row",
			"  PgUp/PgDn, Home/End  a page up or down, first / last row",
			"  mouse: click selects, double-click opens, wheel scrolls",
			"Opening",
			"  Enter, Right, l      open: a task, a VMA, a table or run, an entry's detail",
			"  Left, h              close a table or run; elsewhere go back",
			"  d                    the detail of the row under the cursor (page tables)",
			"  q, Esc               back; quit from the task list",
			"  F10                  quit",
			"Panels",
			"  Tab / Shift-Tab      next / previous panel: tasks, address space, page tables,",
			"                       findings, locks",
			"  t v p f L            tasks, VMAs, page tables, findings, locks",
			"Finding things",
			"  /                    search the rows of this panel; n / N next / previous match",
			"  g                    go to a user address in the page tables",
			"  \\ or F4, or a digit  filter the task list by pid or comm (empty: all)",
			"  s / r                task list: next sort key / reverse",
			"  + / - / 0            address-space map: zoom in / out / around the VMA",
			"  R or F5              live: read the running kernel again",
			"  ? or F1              this help",
			"",
			"Address-space marks: H hugetlb, S shared PMD table, T THP, W swap,",
			"M migration entries, U uffd-wp, ! a finding.  NO_COLOR turns colour off,",
			"PTSCOPE_ASCII=1 draws without UTF-8.",
		};
		for (size_t i = 0; i < sizeof(help) / sizeof(*help); i++) {
			struct tui_row r = { .text = strdup(help[i]), .cls = i == 0 ? TC_HEAD : TC_PLAIN,
					     .ref = -1, .sub = -1 };
			if (r.text)
				VEC_PUSH(&v->rows, r);
		}
		break;
	}
	default: break;
	}
	v->dirty = false;
	if (v->cur >= (long)v->rows.n)
		v->cur = v->rows.n ? (long)v->rows.n - 1 : 0;
	if (v->cur < 0)
		v->cur = 0;
}

static int body_top(struct ui *u)
{
	/* title; a header or the map strip in some views */
	return u->at == V_TASKS ? 3 : u->at == V_VMAS ? 4 : 1;
}

static int body_height(struct ui *u)
{
	int h = LINES - body_top(u) - 1;
	return h < 1 ? 1 : h;
}

static void draw(struct ui *u)
{
	struct view *v = &u->v[u->at];
	rebuild(u, u->at);
	erase();
	int W = COLS;
	/* title bar: the panels, the current one marked */
	move(0, 0);
	attron(A_REVERSE);
	for (int x = 0; x < W; x++)
		addch(' ');
	move(0, 0);
	printw(" ptscope ");
	static const enum view_kind tabs[] = { V_TASKS, V_VMAS, V_TREE, V_FINDINGS, V_LOCKS };
	for (size_t i = 0; i < sizeof(tabs) / sizeof(*tabs); i++) {
		if (tabs[i] == u->at)
			attron(A_BOLD);
		printw("%s%s%s ", tabs[i] == u->at ? "[" : " ", view_names[tabs[i]], tabs[i] == u->at ? "]" : " ");
		if (tabs[i] == u->at)
			attroff(A_BOLD);
	}
	if (u->at == V_DETAIL || u->at == V_HELP)
		printw("[%s]", view_names[u->at]);
	attroff(A_REVERSE);
	if (u->at == V_TASKS) {
		mvprintw(1, 0, "sort %s%s  filter: %s", tui_sort_name(v->sort), v->reverse ? " (reversed)" : "",
			 *v->filter ? v->filter : "(none, \\ to set)");
		attron(A_BOLD);
		mvaddnstr(2, 0, tui_task_header(), W);
		attroff(A_BOLD);
	} else if (u->at == V_VMAS) {
		/* the address-space map: the VMAs' span, coloured by what maps it */
		const struct tui_mm *c = &u->m.cur;
		if (c->have && c->mm.nvmas) {
			uint64_t lo = c->mm.vmas[0].start, hi = 0;
			for (size_t i = 0; i < c->mm.nvmas; i++)
				if (!c->mm.vmas[i].gate && c->mm.vmas[i].end > hi)
					hi = c->mm.vmas[i].end;
			/* the part with the cursor's VMA, a window around it */
			long ci = v->cur < (long)c->mm.nvmas ? v->cur : 0;
			uint64_t vs = c->mm.vmas[ci].start, ve = c->mm.vmas[ci].end;
			uint64_t span = hi - lo, zoom = ve - vs < span / 64 ? (ve - vs) * 8 : span;
			/* + and - zoom by 4 from there, down to a page a cell */
			for (int z = u->zoom; z > 0 && zoom / 4 >= (uint64_t)W * 4096; z--)
				zoom /= 4;
			for (int z = u->zoom; z < 0 && zoom < span; z++)
				zoom = zoom > span / 4 ? span : zoom * 4;
			uint64_t zl = zoom >= span ? lo : (vs > zoom / 2 + lo ? vs - zoom / 2 : lo);
			uint64_t zh = zl + (zoom < span ? zoom : span);
			int w = W - 2;
			enum tui_class *cells = calloc((size_t)(w > 0 ? w : 1), sizeof(*cells));
			if (cells) {
				tui_as_map(&u->m, zl, zh, w, cells);
				move(1, 0);
				addch('[');
				for (int x = 0; x < w; x++) {
					int a = class_attr(u, cells[x]);
					char ch = cells[x] == TC_PLAIN ? ' ' : cells[x] == TC_DIM ? '.'
						: cells[x] == TC_PRESENT ? 'p' : cells[x] == TC_HUGE ? 'H'
						: cells[x] == TC_SWAP ? 's' : cells[x] == TC_BAD ? '!' : '*';
					attron(a);
					addch((chtype)ch);
					attroff(a);
				}
				addch(']');
				free(cells);
			}
			mvprintw(2, 0, "map %#" PRIx64 "-%#" PRIx64 " (+/- zoom, 0 resets): p 4K, H huge, s swap, "
				 "* special, . empty", zl, zh);
		}
		attron(A_BOLD);
		mvaddnstr(3, 0, tui_vma_header(), W);
		attroff(A_BOLD);
		{
		}
	}
	int top = body_top(u), h = body_height(u);
	if (v->cur < v->top)
		v->top = v->cur;
	if (v->cur >= v->top + h)
		v->top = v->cur - h + 1;
	for (int i = 0; i < h && v->top + i < (long)v->rows.n; i++) {
		const struct tui_row *r = &v->rows.v[v->top + i];
		int a = class_attr(u, r->cls);
		if (v->top + i == v->cur)
			a |= A_REVERSE;
		attron(a);
		move(top + i, 0);
		int ind = u->at == V_TREE ? 2 * r->depth : 0;
		/* the tree's guides: a line per level above the row */
		for (int d = 0; d < r->depth && u->at == V_TREE && 2 * d + 1 < W; d++) {
			if (u->ascii)
				addstr("| ");
			else
				addstr("\u2502 ");
		}
		for (int x = u->at == V_TREE ? 2 * r->depth : 0; x < ind && x < W; x++)
			addch(' ');
		if (ind < W)
			addnstr(r->text, W - ind);
		if (v->top + i == v->cur) {
			int y, x;
			getyx(stdscr, y, x);
			(void)y;
			for (; x < W; x++)
				addch(' ');
		}
		attroff(a);
	}
	/* status line */
	move(LINES - 1, 0);
	attron(A_REVERSE);
	for (int x = 0; x < W; x++)
		addch(' ');
	char task[64] = "";
	if (u->m.cur.have || u->m.cur.error)
		snprintf(task, sizeof(task), "  pid %d (%s)", u->m.cur.pid,
			 u->m.tasks.v[u->m.cur.task].t.comm);
	/* the position and help first: they must survive a narrow terminal */
	char line[512];
	const char *base = strrchr(u->dump, '/') ? strrchr(u->dump, '/') + 1 : u->dump;
	char bg[96] = "";
	if (u->m.bg_stage && u->m.bg_total && !u->m.findings_done)
		snprintf(bg, sizeof(bg), "  [%s %zu/%zu]", u->m.bg_stage, u->m.bg_done, u->m.bg_total);
	else if (u->m.bg_stage)
		snprintf(bg, sizeof(bg), "  [%s]", u->m.bg_stage);
	if (*u->msg)
		snprintf(line, sizeof(line), " %s%s", u->msg, bg);
	else
		snprintf(line, sizeof(line), " ? help  %ld/%zu%s%s  %s  %s%s", v->rows.n ? v->cur + 1 : 0,
			 v->rows.n, task, bg, u->release, base, u->live ? " (live: R re-reads)" : "");
	mvaddnstr(LINES - 1, 0, line, W);
	attroff(A_REVERSE);
	refresh();
}

/* A one-line prompt on the status line; false when cancelled. */
static bool prompt(struct ui *u, const char *label, char *buf, size_t n, int first)
{
	size_t len = 0;
	buf[0] = '\0';
	if (first) {
		buf[len++] = (char)first;
		buf[len] = '\0';
	}
	for (;;) {
		move(LINES - 1, 0);
		clrtoeol();
		printw("%s%s", label, buf);
		curs_set(1);
		refresh();
		double w0 = now();
		int c = getch();
		u->waited += now() - w0;
		if (c == 27) {
			curs_set(0);
			return false;
		}
		if (c == '\n' || c == '\r' || c == KEY_ENTER)
			break;
		if ((c == KEY_BACKSPACE || c == 127 || c == 8) && len)
			buf[--len] = '\0';
		else if (c >= 32 && c < 127 && len + 1 < n) {
			buf[len++] = (char)c;
			buf[len] = '\0';
		} else if (c == KEY_RESIZE)
			draw(u);
	}
	curs_set(0);
	return true;
}

static void go(struct ui *u, enum view_kind k)
{
	if (k == V_VMAS || k == V_TREE) {
		if (!u->m.cur.have && !u->m.cur.error) {
			status(u, "pick a task first (Enter on the task list)");
			return;
		}
	}
	u->at = k;
	u->v[k].dirty = true;
}

static void open_task(struct ui *u, size_t ti)
{
	progress(u, "reading the address space and walking its page tables", 0, 0);
	tui_open_task(&u->m, ti);
	u->v[V_VMAS].cur = u->v[V_VMAS].top = 0;
	u->v[V_TREE].cur = u->v[V_TREE].top = 0;
	u->v[V_VMAS].dirty = u->v[V_TREE].dirty = true;
}

static void goto_address(struct ui *u, uint64_t va)
{
	if (!u->m.cur.have) {
		status(u, "pick a task first");
		return;
	}
	long at = tui_tree_reveal(&u->m, va, u->ascii);
	go(u, V_TREE);
	rebuild(u, V_TREE);
	if (at < 0)
		status(u, "%#" PRIx64 ": no entry maps it", va);
	else
		u->v[V_TREE].cur = at;
}

static void open_detail(struct ui *u)
{
	struct view *t = &u->v[V_TREE];
	if (!t->rows.n || t->rows.v[t->cur].ref < 0)
		return;
	struct view *d = &u->v[V_DETAIL];
	d->of = t->rows.v[t->cur];
	d->cur = d->top = 0;
	go(u, V_DETAIL);
}

static void activate(struct ui *u)
{
	struct view *v = &u->v[u->at];
	if (!v->rows.n)
		return;
	struct tui_row *r = &v->rows.v[v->cur];
	switch (u->at) {
	case V_TASKS:
		if (r->ref >= 0) {
			open_task(u, (size_t)r->ref);
			go(u, V_VMAS);
		}
		break;
	case V_VMAS:
		if (r->ref >= 0 && u->m.cur.have) {
			tui_tree_open_vma(&u->m, (size_t)r->ref);
			long at = tui_tree_reveal(&u->m, u->m.cur.mm.vmas[r->ref].start, u->ascii);
			go(u, V_TREE);
			rebuild(u, V_TREE);
			if (at >= 0)
				u->v[V_TREE].cur = at;
			else
				status(u, "nothing is mapped at the VMA's start");
		}
		break;
	case V_TREE:
		if (r->ref < 0)
			break;
		if (r->openable) {
			u->m.cur.lines.v[r->ref].open = !u->m.cur.lines.v[r->ref].open;
			v->dirty = true;
		} else
			open_detail(u);
		break;
	case V_FINDINGS: {
		size_t ti;
		bool has_va;
		uint64_t va;
		if (r->ref < 0 || !tui_finding_target(&u->m, (size_t)r->ref, &ti, &has_va, &va))
			break;
		open_task(u, ti);
		if (has_va)
			goto_address(u, va);
		else
			go(u, V_VMAS);
		break;
	}
	default: break;
	}
}

static void close_or_back(struct ui *u, bool left)
{
	struct view *v = &u->v[u->at];
	if (left && u->at == V_TREE && v->rows.n) {
		struct tui_row *r = &v->rows.v[v->cur];
		if (r->ref >= 0 && r->sub < 0 && r->openable && r->open) {
			u->m.cur.lines.v[r->ref].open = false;
			v->dirty = true;
			return;
		}
		/* to the parent row */
		for (long i = v->cur - 1; i >= 0; i--)
			if (v->rows.v[i].depth < r->depth || (r->sub >= 0 && v->rows.v[i].sub < 0 &&
							       v->rows.v[i].ref == r->ref)) {
				v->cur = i;
				return;
			}
		return;
	}
	switch (u->at) {
	case V_DETAIL: u->at = V_TREE; break;
	case V_TREE: u->at = V_VMAS; break;
	case V_HELP: u->at = u->back; break;
	case V_VMAS: case V_FINDINGS: case V_LOCKS: u->at = V_TASKS; break;
	default: break;
	}
	u->v[u->at].dirty = u->at != V_TREE ? true : u->v[u->at].dirty;
}

static void search(struct ui *u, int dir)
{
	struct view *v = &u->v[u->at];
	if (!*u->search || !v->rows.n)
		return;
	long n = (long)v->rows.n;
	for (long k = 1; k <= n; k++) {
		long i = ((v->cur + dir * k) % n + n) % n;
		if (strstr(v->rows.v[i].text, u->search)) {
			v->cur = i;
			return;
		}
	}
	status(u, "not found: %s", u->search);
}

static void move_cur(struct ui *u, long d)
{
	struct view *v = &u->v[u->at];
	v->cur += d;
	if (v->cur >= (long)v->rows.n)
		v->cur = (long)v->rows.n - 1;
	if (v->cur < 0)
		v->cur = 0;
}

/* false: quit */
/* Live: everything read again (tasks, findings, locks); back to the task
 * list with its filter and sort, the cursor on the same pid. */
static void reload(struct ui *u)
{
	struct pts_program *p = u->m.p;
	struct view *tv = &u->v[V_TASKS];
	int32_t pid = tv->rows.n && tv->rows.v[tv->cur].ref >= 0 ?
		      u->m.tasks.v[tv->rows.v[tv->cur].ref].t.pid : -1;
	for (int k = 0; k < V_N; k++) {
		tui_rows_free(&u->v[k].rows);
		u->v[k].cur = u->v[k].top = 0;
		u->v[k].dirty = true;
	}
	tui_model_close(&u->m);
	memset(&u->m, 0, sizeof(u->m));
	struct pts_error *err = tui_model_open(p, &u->m);
	if (err) {
		/* the model is needed to go on drawing: leave with the reason */
		restore();
		fprintf(stderr, "ptscope: %s: re-reading: %s\n", u->dump, pts_error_text(err));
		exit(2);
	}
	/* R's message counts what both reads saw: wait for the whole load */
	tui_load(&u->m, u->jobs, progress, u);
	tui_load_wait(&u->m, progress, u);
	u->at = V_TASKS;
	rebuild(u, V_TASKS);
	for (size_t i = 0; i < tv->rows.n; i++)
		if (tv->rows.v[i].ref >= 0 && u->m.tasks.v[tv->rows.v[i].ref].t.pid == pid)
			tv->cur = (long)i;
	size_t twice = 0;
	for (size_t i = 0; i < u->m.findings.v.n; i++)
		twice += u->m.findings.v.v[i].live_seen >= 2;
	snprintf(u->msg, sizeof(u->msg), "re-read the running kernel: %zu tasks, %zu findings, "
		 "%zu seen by both reads", u->m.tasks.n, u->m.findings.v.n, twice);
}

/* Take in what the background load found; the views it changes are
 * rebuilt, keeping the cursor on the same row. */
static bool background(struct ui *u)
{
	if (!u->m.bg)
		return false;
	if (tui_poll(&u->m)) {
		u->v[V_TASKS].dirty = u->v[V_FINDINGS].dirty = u->v[V_LOCKS].dirty = true;
		if (u->at == V_DETAIL)
			u->v[V_DETAIL].dirty = true;
	}
	return true;	/* the status line's progress moved */
}

static bool key(struct ui *u, int c)
{
	struct view *v = &u->v[u->at];
	static const enum view_kind cycle[] = { V_TASKS, V_VMAS, V_TREE, V_FINDINGS, V_LOCKS };
	int h = body_height(u);
	u->msg[0] = '\0';
	switch (c) {
	case KEY_F(10): return false;
	case 'q': case 27:
		if (u->at == V_TASKS)
			return false;
		close_or_back(u, false);
		break;
	case KEY_UP: case 'k': move_cur(u, -1); break;
	case KEY_DOWN: case 'j': move_cur(u, 1); break;
	case KEY_PPAGE: move_cur(u, -h); break;
	case KEY_NPAGE: case ' ': move_cur(u, h); break;
	case KEY_HOME: v->cur = 0; break;
	case KEY_END: v->cur = v->rows.n ? (long)v->rows.n - 1 : 0; break;
	case '\n': case '\r': case KEY_ENTER: case KEY_RIGHT: case 'l':
		if (u->at == V_TREE && (c == KEY_RIGHT || c == 'l') && v->rows.n) {
			struct tui_row *r = &v->rows.v[v->cur];
			if (r->ref >= 0 && r->openable && !r->open) {
				u->m.cur.lines.v[r->ref].open = true;
				v->dirty = true;
			} else if (r->ref >= 0 && !r->openable)
				open_detail(u);
			break;
		}
		activate(u);
		break;
	case 'd': if (u->at == V_TREE) open_detail(u); break;
	case 'R': case KEY_F(5):
		if (u->live)
			reload(u);
		else
			snprintf(u->msg, sizeof(u->msg), "R re-reads a live kernel; a dump does not change");
		break;
	case KEY_LEFT: case 'h': close_or_back(u, true); break;
	case '\t': case KEY_BTAB: {
		size_t n = sizeof(cycle) / sizeof(*cycle), i = 0;
		while (i < n && cycle[i] != u->at)
			i++;
		for (size_t k = 1; k <= n; k++) {
			enum view_kind to = cycle[(i + (c == '\t' ? k : n - k)) % n];
			if ((to == V_VMAS || to == V_TREE) && !u->m.cur.have && !u->m.cur.error)
				continue;
			go(u, to);
			break;
		}
		break;
	}
	case '+': case '=': if (u->at == V_VMAS) u->zoom++; break;
	case '-': if (u->at == V_VMAS) u->zoom--; break;
	case '0': if (u->at == V_VMAS) u->zoom = 0; break;
	case 't': go(u, V_TASKS); break;
	case 'v': go(u, V_VMAS); break;
	case 'p': go(u, V_TREE); break;
	case 'f': go(u, V_FINDINGS); break;
	case 'L': go(u, V_LOCKS); break;
	case '?': case KEY_F(1):
		if (u->at != V_HELP)
			u->back = u->at;
		go(u, V_HELP);
		break;
	case '/':
		if (prompt(u, "search: ", u->search, sizeof(u->search), 0))
			search(u, 1);
		break;
	case 'n': search(u, 1); break;
	case 'N': search(u, -1); break;
	case 'g': {
		char buf[32];
		if (prompt(u, "go to address (hex): ", buf, sizeof(buf), 0) && *buf) {
			char *end;
			uint64_t va = strtoull(buf, &end, 16);
			if (*end)
				status(u, "%s: not a hexadecimal address", buf);
			else
				goto_address(u, va);
		}
		break;
	}
	case 's': case 'r':
		if (u->at == V_TASKS) {
			if (c == 's')
				v->sort = (v->sort + 1) % TS_N;
			else
				v->reverse = !v->reverse;
			v->dirty = true;
		}
		break;
	case '\\': case KEY_F(4):
		if (u->at == V_TASKS && prompt(u, "filter (pid or comm): ", v->filter, sizeof(v->filter), 0)) {
			v->dirty = true;
			v->cur = 0;
		}
		break;
	case KEY_RESIZE: break;
	case KEY_MOUSE: {
		MEVENT me;
		if (getmouse(&me) != OK)
			break;
		if (me.bstate & BUTTON4_PRESSED)
			move_cur(u, -3);
#ifdef BUTTON5_PRESSED
		else if (me.bstate & BUTTON5_PRESSED)
			move_cur(u, 3);
#endif
		else if (me.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)) {
			long row = v->top + (me.y - body_top(u));
			if (me.y >= body_top(u) && row < (long)v->rows.n) {
				v->cur = row;
				if (me.bstate & BUTTON1_DOUBLE_CLICKED)
					activate(u);
			}
		}
		break;
	}
	default:
		if (u->at == V_TASKS && isdigit(c) &&
		    prompt(u, "filter (pid or comm): ", v->filter, sizeof(v->filter), c)) {
			v->dirty = true;
			v->cur = 0;
		}
		break;
	}
	return true;
}

int pts_tui_main(struct pts_program *p, const char *dump, const char *timing_path,
		 void (*index_fn)(struct pts_program *), unsigned jobs)
{
	double t0 = now();
	struct ui *u = calloc(1, sizeof(*u));
	if (!u)
		return 2;
	the_ui = u;
	u->dump = dump;
	u->release = p->osrelease ? p->osrelease : "?";
	u->live = pts_dump_info(p->dump)->live;
	if (timing_path) {
		u->timing = fopen(timing_path, "w");
		if (!u->timing) {
			fprintf(stderr, "ptscope: %s: cannot write the timing log\n", timing_path);
			free(u);
			return 2;
		}
	}
	struct pts_error *err = tui_model_open(p, &u->m);
	if (err) {
		fprintf(stderr, "ptscope: %s: %s\n", dump, pts_error_text(err));
		pts_error_destroy(err);
		free(u);
		return 2;
	}
	setlocale(LC_ALL, "");
	const char *cs = nl_langinfo(CODESET);
	u->ascii = getenv("PTSCOPE_ASCII") || !cs || strcmp(cs, "UTF-8");
	atexit(restore);
	static const int sigs[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGTERM, SIGINT, SIGHUP };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		signal(sigs[i], on_signal);
	initscr();
	u->active = true;
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	mousemask(ALL_MOUSE_EVENTS, NULL);
	mouseinterval(200);
	setup_colors(u);
	progress(u, "indexing the debug info", 0, 0);
	index_fn(p);
	double t_index = now();
	/* The task list, then the first screen: the checks and the lock scan
	 * go on in the background (tui_model.c) and fill in as they come. */
	u->jobs = jobs;
	tui_load(&u->m, jobs, progress, u);
	for (int k = 0; k < V_N; k++)
		u->v[k].dirty = true;
	u->at = V_TASKS;
	draw(u);
	if (u->timing) {
		fprintf(u->timing, "first-screen %.3f s after start, %.3f s after the debug info was indexed\n",
			now() - t0, now() - t_index);
		fflush(u->timing);
	}
	for (;;) {
		/* While the background load runs, wake up to take in what it
		 * found; after, wait for keys alone. */
		timeout(u->m.bg ? 100 : -1);
		int c = getch();
		if (c == ERR) {
			if (background(u))
				draw(u);
			continue;
		}
		double k0 = now();
		u->waited = 0;
		if (!key(u, c))
			break;
		background(u);
		draw(u);
		if (u->timing) {
			/* the time to handle and draw it, less any typing in a prompt */
			fprintf(u->timing, "key %d %s %.3f ms\n", c, view_names[u->at],
				(now() - k0 - u->waited) * 1e3);
			fflush(u->timing);
		}
	}
	restore();
	/* Quit while the background load runs: it stops at its next address
	 * space; a stage that takes long (the reverse index of a big dump)
	 * is not waited for: nothing is left to write. */
	if (u->m.bg && !tui_cancel(&u->m, 0.3)) {
		if (u->timing)
			fclose(u->timing);
		fflush(stdout);
		_exit(0);
	}
	for (int k = 0; k < V_N; k++)
		tui_rows_free(&u->v[k].rows);
	tui_model_close(&u->m);
	if (u->timing)
		fclose(u->timing);
	the_ui = NULL;
	free(u);
	return 0;
}
