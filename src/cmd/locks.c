#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "base/util.h"
#include "out/emit.h"
#include "out/json.h"
#include <time.h>
#include "analyses/locks.h"

/* Whether the lock or blocked task concerns the chosen process. */
static bool lock_shown(const struct opts *o, const struct pts_lock *k)
{
	if (o->have_pid && !pts_lock_of_pid(k, o->pid)) {
		for (size_t i = 0; i < k->holders.n; i++)
			if (k->holders.v[i].tgid == o->pid)
				return k->interesting || o->free_locks;
		return false;
	}
	return k->interesting || o->free_locks;
}

static int cmd_locks(struct pts_program *p, const struct opts *o)
{
	struct pts_locks L;
	struct timespec t0, t1;
	struct pts_error *ie = pts_types_index(p->types);
	pts_error_destroy(ie);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct pts_error *err = pts_locks_scan(p, &L);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err)
		return cmd_fail(pts_error_wrap(err, "%s", pts_dump_path(p->dump)));
	if (getenv("PTSCOPE_TIMING"))
		fprintf(stderr, "ptscope: timing: locks %.6f s, %zu locks kept, %" PRIu64
			" stacks scanned\n", (double)(t1.tv_sec - t0.tv_sec) +
			(double)(t1.tv_nsec - t0.tv_nsec) / 1e9, L.locks.n, L.stacks_scanned);
	if (o->have_pid) {
		bool found = false;
		for (size_t i = 0; i < L.locks.n && !found; i++)
			found = pts_lock_of_pid(&L.locks.v[i], o->pid);
		if (!found) {
			pts_locks_free(&L);
			return cmd_fail(pts_error(PTS_ERR_LOOKUP, "%s: no process with pid %d and an mm",
					      pts_dump_path(p->dump), o->pid));
		}
	}
	/* the tasks the locks shown name, read before anything is written */
	struct pts_out_names names = { 0 };
	for (size_t i = 0; i < L.locks.n; i++)
		if (lock_shown(o, &L.locks.v[i]))
			cmd_name_lock_tasks(p, &names, &L.locks.v[i].st);
	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_kv_string(&j, "dump", pts_dump_path(p->dump));
		json_key_object(&j, "examined");
		for (int c = 0; c < PTS_LC_N; c++) {
			json_key(&j, pts_lock_class_name(c));
			json_uint(&j, L.examined[c]);
		}
		json_end_object(&j);
		json_kv_bool(&j, "task_blocker", L.have_blocker);
		json_key_array(&j, "not_decodable");
		for (int kd = 0; kd < 3; kd++) {
			if (!L.undecodable[kd])
				continue;
			json_begin_object(&j);
			json_kv_string(&j, "kind", pts_lock_kind_name(kd));
			json_kv_uint(&j, "locks", L.undecodable[kd]);
			json_kv_string(&j, "why", L.undecodable_why[kd]);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key_array(&j, "locks");
		for (size_t i = 0; i < L.locks.n; i++) {
			const struct pts_lock *k = &L.locks.v[i];
			if (!lock_shown(o, k))
				continue;
			json_begin_object(&j);
			json_kv_string(&j, "class", pts_lock_class_name(k->cls));
			json_kv_string(&j, "guards", k->what);
			json_kv_hex(&j, "object", k->obj);
			json_key_array(&j, "pids");
			for (size_t x = 0; x < k->pids.n; x++)
				if (k->pids.v[x])
					json_int(&j, k->pids.v[x]);
			json_end_array(&j);
			if (k->cls == PTS_LC_VMA) {
				json_kv_bool(&j, "vma_write_locked", k->vma_write_locked);
				json_kv_bool(&j, "vm_refcnt", k->vma_refcnt);
			}
			json_key(&j, "lock");
			pts_out_lock_json(&j, &names, &k->st);
			pts_out_holders_json(&j, k);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key_array(&j, "blocked");
		for (size_t i = 0; i < L.blocked.n; i++) {
			const struct pts_blocked *b = &L.blocked.v[i];
			const struct pts_lock *k = &L.locks.v[b->lock];
			json_begin_object(&j);
			json_kv_hex(&j, "task", b->task);
			json_kv_int(&j, "pid", b->pid);
			json_kv_int(&j, "tgid", b->tgid);
			json_kv_string(&j, "comm", b->comm);
			json_kv_string(&j, "state", (char[]){ b->state ? b->state : '?', 0 });
			json_kv_hex(&j, "waits_for", k->st.addr);
			json_kv_string(&j, "class", pts_lock_class_name(k->cls));
			json_kv_string(&j, "guards", k->what);
			json_kv_string(&j, "mode", b->write ? "write" : "read");
			json_kv_string(&j, "found_by", b->found_by);
			pts_out_holders_json(&j, k);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key_array(&j, "deadlocks");
		for (size_t i = 0; i < L.cycles.n; i++) {
			const struct pts_lock_cycle *c = &L.cycles.v[i];
			json_begin_object(&j);
			json_kv_bool(&j, "exact", c->exact);
			json_key_array(&j, "cycle");
			for (size_t x = 0; x < c->blocked.n; x++) {
				const struct pts_blocked *b = &L.blocked.v[c->blocked.v[x]];
				json_begin_object(&j);
				json_kv_int(&j, "pid", b->pid);
				json_kv_string(&j, "comm", b->comm);
				json_kv_hex(&j, "waits_for", L.locks.v[b->lock].st.addr);
				json_kv_string(&j, "class", pts_lock_class_name(L.locks.v[b->lock].cls));
				json_end_object(&j);
			}
			json_end_array(&j);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key_array(&j, "lock_order");
		for (size_t i = 0; i < L.order.n; i++) {
			const struct pts_lock_order *x = &L.order.v[i];
			const struct pts_blocked *b = &L.blocked.v[x->blocked];
			json_begin_object(&j);
			json_kv_int(&j, "pid", b->pid);
			json_kv_string(&j, "comm", b->comm);
			json_kv_hex(&j, "waits_for", L.locks.v[b->lock].st.addr);
			json_kv_string(&j, "waits_for_class", pts_lock_class_name(L.locks.v[b->lock].cls));
			json_kv_hex(&j, "holds", L.locks.v[x->held].st.addr);
			json_kv_string(&j, "holds_class", pts_lock_class_name(L.locks.v[x->held].cls));
			json_kv_string(&j, "rule", x->rule);
			json_end_object(&j);
		}
		json_end_array(&j);
		pts_out_notes_json(&j, "incomplete", &L.missing);
		json_end_object(&j);
		json_finish(&j);
	} else {
		size_t shown = 0, total = 0;
		for (int c = 0; c < PTS_LC_N; c++)
			total += L.examined[c];
		for (size_t i = 0; i < L.locks.n; i++) {
			const struct pts_lock *k = &L.locks.v[i];
			if (!lock_shown(o, k))
				continue;
			shown++;
			printf("%-19s %#" PRIx64 "  %s\n    ", pts_lock_class_name(k->cls), k->st.addr, k->what);
			if (k->cls == PTS_LC_VMA && k->vma_write_locked)
				printf("write-locked (vm_lock_seq == mm_lock_seq)");
			else if (k->cls == PTS_LC_VMA && k->vma_refcnt)
				printf("%u reader%s%s", k->vma_readers, k->vma_readers == 1 ? "" : "s",
				       k->vma_writer_waiting ? ", a writer waits" : "");
			else
				pts_out_lock_text(&names, &k->st);
			pts_out_holders_text(k, k->cls == PTS_LC_VMA && (k->vma_write_locked || k->vma_refcnt));
			printf("\n");
		}
		printf("%zu of %zu locks shown (%s)\n", shown, total, o->free_locks ? "all" :
		       "held, waited for, or not decoded; --free for the rest");
		for (int kd = 0; kd < 3; kd++)
			if (L.undecodable[kd])
				printf("%" PRIu64 " %s locks NOT DECODED, their holders and waiters unknown: "
				       "%s\n", L.undecodable[kd], pts_lock_kind_name(kd), L.undecodable_why[kd]);
		if (L.blocked.n)
			printf("blocked tasks:\n");
		for (size_t i = 0; i < L.blocked.n; i++) {
			const struct pts_blocked *b = &L.blocked.v[i];
			const struct pts_lock *k = &L.locks.v[b->lock];
			printf("  pid %d (%s) [%c] waits to %s %s %#" PRIx64 " (%s, from its %s)", b->pid,
			       b->comm, b->state ? b->state : '?', b->write ? "write" : "read",
			       pts_lock_class_name(k->cls), k->st.addr, k->what, b->found_by);
			pts_out_holders_text(k, true);
			printf("\n");
		}
		for (size_t i = 0; i < L.cycles.n; i++) {
			const struct pts_lock_cycle *c = &L.cycles.v[i];
			printf("DEADLOCK%s:", c->exact ? "" : " (through a hint or guessed holder)");
			for (size_t x = 0; x < c->blocked.n; x++) {
				const struct pts_blocked *b = &L.blocked.v[c->blocked.v[x]];
				printf(" pid %d (%s) waits for %s %#" PRIx64 " ->", b->pid, b->comm,
				       pts_lock_class_name(L.locks.v[b->lock].cls), L.locks.v[b->lock].st.addr);
			}
			printf(" back to pid %d\n", L.blocked.v[c->blocked.v[0]].pid);
		}
		for (size_t i = 0; i < L.order.n; i++) {
			const struct pts_lock_order *x = &L.order.v[i];
			const struct pts_blocked *b = &L.blocked.v[x->blocked];
			printf("LOCK ORDER: pid %d (%s) waits for %s %#" PRIx64 " while holding %s %#" PRIx64
			       ": %s\n", b->pid, b->comm, pts_lock_class_name(L.locks.v[b->lock].cls),
			       L.locks.v[b->lock].st.addr, pts_lock_class_name(L.locks.v[x->held].cls),
			       L.locks.v[x->held].st.addr, x->rule);
		}
	}
	cmd_print_notes(p, &L.missing);
	int rc = L.missing.n ? 1 : 0;
	pts_locks_free(&L);
	pts_out_names_free(&names);
	return rc;
}

const struct cmd_entry cmd_locks_entry = {
	.name = "locks",
	.usage = "locks [--json] [-p PID] [--free] DUMP",
	.help = "locks guarding memory: holders, waiters, deadlocks, lock order",
	.args_min = 0,
	.args_max = 0,
	.expect = "COMMAND DUMP",
	.options = CMD_O_JSON | CMD_O_PID | CMD_O_FREE,
	.target = CMD_T_DUMP,
	.need_types = true,
	.live_default = true,
	.run = cmd_locks,
};
