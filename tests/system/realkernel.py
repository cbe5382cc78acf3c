#!/usr/bin/env python3
"""Real-kernel tests (TAP): ptscope's ps and info on every dump kind of every
kernel in tests/kernels, against the oracle the guest kernel wrote just
before the dumps.  A kernel without dumps is a failure, never a skip."""
import concurrent.futures, functools, json, os, re, subprocess, sys, threading

import tap
from tap import flush, note, ok, out

top = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", ".."))
ptscope = os.environ.get("PTSCOPE", os.path.join(top, "src", "ptscope"))
KINDS = {  # file: (format, flattened, compression, panicked)
    "qemu-z.flat": ("kdump-compressed", True, "zlib", False),
    "qemu.elf": ("elf", False, "none", False),
    "kdump-lzo": ("kdump-compressed", False, "lzo", True),
    "kdump-zlib": ("kdump-compressed", False, "zlib", True),
    "kdump-lzo.flat": ("kdump-compressed", True, "lzo", True),
    "kdump-zlib.flat": ("kdump-compressed", True, "zlib", True),
    "kdump.elf": ("elf", False, "none", True),
}
# PTSCOPE_TEST_KINDS=a,b: only these dump kinds (scripts/check's
# sanitized pass, which repeats the plain pass under ASan+UBSan on fewer
# kinds: every reader and every kernel, not every copy of the same dump).
if os.environ.get("PTSCOPE_TEST_KINDS"):
    KINDS = {k: v for k, v in KINDS.items() if k in os.environ["PTSCOPE_TEST_KINDS"].split(",")}
# TAP (tap.py): dumps are checked two at a time (the tests are mostly
# waiting for ptscope); each job's results are kept and printed in order.


def kconfig(d):
    """The kernel's own config (fetch-kernel keeps it beside vmlinux):
    what it was built with, independent of ptscope."""
    cfg = os.path.join(os.path.dirname(os.path.realpath(os.path.join(d, "vmlinux"))), "config")
    conf = {}
    if os.path.exists(cfg):
        for l in open(cfg):
            if l.startswith("CONFIG_") and "=" in l:
                a, b = l.strip().split("=", 1)
                conf[a] = b
    return conf


def has_thp(d):
    """CONFIG_TRANSPARENT_HUGEPAGE (off on 6.1's PREEMPT_RT); a kernel
    whose config was not packaged (sid's) is taken to have it, as every
    Debian cloud kernel does."""
    conf = kconfig(d)
    return conf.get("CONFIG_TRANSPARENT_HUGEPAGE") == "y" if conf else True


def kernel_opts(name):
    """The options of a tests/kernels line (after NAME SUITE VERSION)."""
    with open(os.path.join(top, "tests", "kernels")) as f:
        for l in f:
            w = l.split("#")[0].split()
            if w and w[0] == name:
                return dict(o.split("=", 1) for o in w[3:] if "=" in o)
    return {}


def kernel_kinds(name):
    """The dump kinds tested on a kernel: all it has (capture=cp gives
    kdump.elf instead of makedumpfile's four), or its kinds= option's."""
    opts = kernel_opts(name)
    cp = opts.get("capture") == "cp"
    made = [k for k in KINDS if not k.startswith("kdump") or (k == "kdump.elf") == cp]
    only = opts.get("kinds")
    return [k for k in made if not only or k in only.split(",")]


def kernels():
    """The clean kernels: an inject=1 kernel's dumps hold broken states on
    purpose and are tests/system/inject.py's; a scale=N kernel's oracle is only a
    sample, and tests/system/scale.py checks it."""
    with open(os.path.join(top, "tests", "kernels")) as f:
        ks = [l.split()[0] for l in f if l.split("#")[0].strip()
              and "inject=1" not in l.split("#")[0].split()
              and not any(w.startswith("scale=") for w in l.split("#")[0].split())]
    # PTSCOPE_TEST_KERNELS=a,b: only these (for a quick run by hand)
    only = os.environ.get("PTSCOPE_TEST_KERNELS")
    return [k for k in ks if k in only.split(",")] if only else ks


def parse_stat(line):
    r = line.rindex(")")
    pid = int(line[:line.index(" ")])
    comm = line[line.index("(") + 1:r]
    rest = line[r + 2:].split()
    return dict(pid=pid, comm=comm, state=rest[0], ppid=int(rest[1]), rss=int(rest[21]))


def bypid_of(ps, pid):
    return next((t for t in ps["tasks"] if t["pid"] == pid), {})


def run_json(*args, partial_ok=False):
    p = subprocess.run([ptscope, *args], capture_output=True, text=True)
    if p.returncode != 0 and not (partial_ok and p.returncode == 1):
        return None, f"exit {p.returncode}: {p.stderr.strip()}"
    if "Sanitizer" in p.stderr or "runtime error" in p.stderr:
        return None, p.stderr
    try:
        return json.loads(p.stdout), p.stderr
    except ValueError as e:
        return None, f"bad JSON ({e}): {p.stdout[:500]} {p.stderr}"


@functools.lru_cache(maxsize=None)
def guest_page(d):
    """The guest's page size, as the guest said: the smallest
    KernelPageSize in a workload's /proc/PID/smaps (read once per dump)."""
    o = os.path.join(d, "oracle")
    for p in sorted(os.listdir(o)):
        if p.startswith("pid-") and os.path.exists(os.path.join(o, p, "smaps")):
            return min(int(l.split()[1]) for l in open(os.path.join(o, p, "smaps"))
                       if l.startswith("KernelPageSize:")) << 10
    raise SystemExit(f"{d}: no smaps in the oracle")


def guest_lpa2(d):
    """The kernel said at boot that it runs with 52-bit VAs (LPA2).  The
    first kernel boots with loglevel=1: the capture kernel, the same
    kernel on the same virtual CPU, says it on the console."""
    with open(os.path.join(d, "console.log"), "rb") as f:
        return b"CPU features: detected: 52-bit Virtual Addressing (LPA2)" in f.read()


def pmd_size(d):
    """PMD_SIZE: a table of PAGE_SIZE / 8 entries of pages."""
    return guest_page(d) // 8 * guest_page(d)


def check_dump(k, d, kind, standard=True):
    """ps and info against the oracle; standard: the guest ran the usual
    workloads (the scale guest runs only its own)."""
    fmt, flattened, comp, panicked = KINDS[kind]
    path = os.path.join(d, kind)
    vml = os.path.join(d, "vmlinux")
    oracle = os.path.join(d, "oracle")
    tasks = [parse_stat(l) for l in open(os.path.join(oracle, "tasks")) if l.strip()]
    want = {(t["pid"], t["ppid"], t["comm"]) for t in tasks}
    tasks_want_all = set(want)

    ps, err = run_json("ps", "--json", "-k", vml, path, partial_ok=True)
    ok(ps is not None, f"{k} {kind}: ps runs", err)
    if ps is None:
        return
    got = {(t["pid"], t["ppid"], t["name"]) for t in ps["tasks"]}
    if ps["incomplete"]:
        # A filtered dump may lack pages it should hold (makedumpfile that
        # does not know the kernel: TESTBED.md).  Then every task must
        # still be accounted for: listed exactly, or named as skipped.
        skipped = [s for s in ps["incomplete"] if "skipped" in s]
        named = {int(s.split()[1].rstrip(":")): s for s in ps["incomplete"]
                 if s.startswith("pid ") and "name is task->comm" in s}
        rss_unknown = {int(s.split()[1].rstrip(":")) for s in ps["incomplete"]
                       if s.startswith("pid ") and ": RSS unknown: " in s}
        ok(panicked and len(skipped) + len(named) + len(rss_unknown) == len(ps["incomplete"]),
           f"{k} {kind}: only a makedumpfile dump may lack task pages: whole tasks, names, RSS",
           ps["incomplete"])
        ok(all(bypid_of(ps, p).get("rss_pages") is None for p in rss_unknown),
           f"{k} {kind}: {len(rss_unknown)} tasks said to have an unknown RSS show none",
           rss_unknown)
        # Where /proc's name could not be built, the comm is shown: it
        # must be the first 15 bytes of the guest's name.
        byname = {t[0]: t for t in want}
        ok(all(p in byname and byname[p][2][:15] == next(g[2] for g in got if g[0] == p)
               for p in named), f"{k} {kind}: {len(named)} tasks shown by comm are the guest's",
           named)
        got = {(a, b, byname[a][2] if a in named and a in byname else c) for a, b, c in got}
        ok(len(got) + len(skipped) == len(want) and {t[0] for t in got} <= {t[0] for t in want},
           f"{k} {kind}: {len(got)} tasks listed + {len(skipped)} named as not in the dump "
           f"= the guest's {len(want)}", f"listed {sorted(got)}")
        want = {t for t in want if t[0] in {g[0] for g in got}}
    # A workqueue worker's /proc name ends with the last workqueue it ran
    # ("kworker/0:1-events"): that part may change while the guest runs on
    # between the oracle and the dump.  pid, ppid and the rest are exact.
    def stable(s):
        return {(a, b, c.split("-")[0].split("+")[0] if c.startswith("kworker/") and "R-" not in c
                 else c) for a, b, c in s}
    # A worker the kernel started after the oracle (kthreadd's child, a pid
    # above every pid the oracle listed) is in the dump and not the oracle:
    # at most two such, and nothing else may differ.
    top_pid = max((t[0] for t in want), default=0)
    late = {t for t in stable(got) - stable(want)
            if t[0] > top_pid and t[1] == 2 and t[2].startswith("kworker/")}
    ok(stable(got) - late == stable(want) and len(late) <= 2,
       f"{k} {kind}: ps equals the guest's task list ({len(want)} tasks"
       f"{f', and {len(late)} worker started since' if late else ''})",
       f"missing: {sorted(stable(want) - stable(got))}\nextra: {sorted(stable(got) - stable(want))}")
    # (a worker started since, bounded above, is not one that changed: on
    # a kdump made minutes after the oracle under TCG, 3 changed and 1 new)
    changed = {t for t in got ^ want if t[0] not in {x[0] for x in late}}
    ok(len(changed) <= 6, f"{k} {kind}: at most 3 workers ran another workqueue since the oracle",
       f"differ: {sorted(changed)}")
    bypid = {t["pid"]: t for t in ps["tasks"]}
    wl = [t for t in tasks if t["comm"].startswith("wl-")]
    ok(len(wl) >= 2, f"{k} {kind}: oracle has the workload processes", [t["comm"] for t in tasks])
    for t in wl:
        if t["pid"] not in bypid and ps["incomplete"]:
            continue
        g = bypid.get(t["pid"], {})
        if g.get("rss_pages") is None and any(
                n.startswith(f"pid {t['pid']}: RSS unknown: ") for n in ps["incomplete"]):
            # Checked above: only in a makedumpfile dump, and said.
            ok(g.get("state") == t["state"] and g.get("mm"),
               f"{k} {kind}: pid {t['pid']} {t['comm']}: state {t['state']}, RSS said unknown", g)
            continue
        ok(g.get("rss_pages") == t["rss"] and g.get("state") == t["state"]
           and g.get("kernel_thread") is False and g.get("mm"),
           f"{k} {kind}: pid {t['pid']} {t['comm']}: rss {t['rss']} pages, state {t['state']}",
           f"ptscope: {g}")
    kth = [t for t in ps["tasks"] if t["pid"] == 2]
    # pid 2 may be one of the tasks an incomplete dump lacks (counted above).
    ok((not kth and ps["incomplete"] and 2 in {t[0] for t in tasks_want_all}) or kth and kth[0]["kernel_thread"] and kth[0]["mm"] is None and kth[0]["comm"] == "kthreadd",
       f"{k} {kind}: pid 2 is the kernel thread kthreadd"
       + ("" if kth else " (absent: one of the tasks the dump lacks)"), kth)

    pst, err = run_json("ps", "--json", "-T", "-k", vml, path, partial_ok=True)
    leader = [t for t in wl if t["comm"] == "wl-basic"]
    thr = [t for t in (pst or {}).get("tasks", []) if t["comm"] == "wl-basic-thr"]
    ok(all(t["comm"] == t["name"][:15] for t in ps["tasks"] if not t["kernel_thread"]),
       f"{k} {kind}: user tasks' name is their comm")
    # In a dump that lacks the leader's signal_struct, ptscope must say
    # that the threads of that pid are unknown instead of listing them.
    thr_unknown = leader and any(n.startswith(f"threads of pid {leader[0]['pid']}:")
                                 for n in (pst or {}).get("incomplete", []))
    if not standard:
        pass
    elif thr_unknown:
        ok(panicked and not thr, f"{k} {kind}: ps -T says wl-basic's threads are not in the dump",
           pst["incomplete"])
    else:
        ok(leader and leader[0]["pid"] not in bypid or leader and len(thr) == 1 and thr[0]["tgid"] == leader[0]["pid"]
           and thr[0]["pid"] != leader[0]["pid"] and thr[0]["mm"] == bypid[leader[0]["pid"]]["mm"],
           f"{k} {kind}: ps -T lists wl-basic's thread with its tgid and mm",
           err or thr)

    info, err = run_json("info", "--json", "-k", vml, path)
    ok(info is not None, f"{k} {kind}: info runs", err)
    if info is None:
        return
    uname = open(os.path.join(oracle, "uname")).read().split()
    u = info["uname"] or {}
    got_uname = " ".join([u.get("sysname", ""), u.get("nodename", ""), u.get("release", ""),
                          u.get("version", ""), u.get("machine", "")]).split()
    # uname -a adds the OS name ("GNU/Linux") after the machine.
    ok(got_uname == uname[:len(got_uname)] and uname[len(got_uname):] == ["GNU/Linux"],
       f"{k} {kind}: uname equals the guest's uname -a", f"{got_uname}\n{uname}")
    release = open(os.path.join(oracle, "release")).read().strip()
    ok(info["release"] == release, f"{k} {kind}: release {release}", info["release"])
    cmdline = open(os.path.join(oracle, "cmdline")).read().strip()
    ok((info["cmdline"] or "").strip() == cmdline, f"{k} {kind}: command line", info["cmdline"])
    ok((info["format"], info["flattened"], info["compression"]) == (fmt, flattened, comp),
       f"{k} {kind}: format {fmt} flattened={flattened} compression {comp}",
       (info["format"], info["flattened"], info["compression"]))
    # five levels: x86's la57 CPU flag; arm64 with 4 KiB pages when the
    # kernel runs with 52-bit VAs (LPA2).  arm64 with 16 KiB pages: 4
    # levels with LPA2 (52 bits), else 3 (47 bits).
    la57 = "la57" in open(os.path.join(oracle, "cpuflags")).read().split()
    lpa2 = guest_lpa2(os.path.dirname(oracle))
    levels = 5 if la57 or lpa2 else 4
    if guest_page(d) == 16384:
        levels = 4 if lpa2 else 3
    ok(info["vmlinux"] == vml and info["paging_levels"] == levels
       and info["page_size"] == guest_page(d),
       f"{k} {kind}: vmlinux, {levels}-level paging (guest cpu la57: {la57}, "
       f"arm64 LPA2: {lpa2}), page size {guest_page(d)}", info)
    if panicked and kind == "kdump.elf":
        # the raw /proc/vmcore: nothing filtered
        ok(info["panic"] == "sysrq triggered crash" and info["crash_time"]
           and info["dump_level"] in (-1, None) and not info["excluded"],
           f"{k} {kind}: kdump: panic message, crash time, nothing filtered", info)
    elif panicked:
        ok(info["panic"] == "sysrq triggered crash" and info["crash_time"]
           and info["dump_level"] == 31
           and info["excluded"] == ["zero", "cache", "cache-private", "user", "free"],
           f"{k} {kind}: kdump: panic message, crash time, dump level 31", info)
    else:
        ok(info["panic"] is None and info["crash_time"] is None,
           f"{k} {kind}: live QEMU dump: no panic, no crash time", info)


PM_PRESENT, PM_SWAP, PM_UFFD_WP, PM_EXCLUSIVE, PM_SOFT_DIRTY = 1 << 63, 1 << 62, 1 << 57, 1 << 56, 1 << 55


def run_raw(*args):
    p = subprocess.run([ptscope, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def read_maps(path):
    out = []
    for l in open(path):
        f = l.rstrip("\n").split(None, 5)
        if len(f) < 5:
            continue
        a, b = f[0].split("-")
        out.append((int(a, 16), int(b, 16), f[1], int(f[2], 16), f[3], int(f[4]),
                    f[5] if len(f) > 5 else ""))
    return out


def check_mm(k, d, kind, pid, comm):
    """vmas against /proc/PID/maps, walk against /proc/PID/pagemap."""
    fmt, flattened, comp, panicked = KINDS[kind]
    path = os.path.join(d, kind)
    vml = os.path.join(d, "vmlinux")
    odir = os.path.join(d, "oracle", f"pid-{pid}")
    tag = f"{k} {kind}: pid {pid} {comm}"
    rc, out, err = run_raw("vmas", "--json", "-p", str(pid), "-k", vml, path)
    if rc == 2 and panicked and f"no pid {pid} in the dump" in err:
        # A lossy kdump that lacks the task: ps must have said so.
        ps, _ = run_json("ps", "--json", "-k", vml, path, partial_ok=True)
        ok(ps and any(s.startswith(f"pid {pid}") or f"pid {pid} " in s or f"pid {pid}:" in s
                      for s in ps["incomplete"]) or ps and ps["incomplete"] and not any(
                          t["pid"] == pid for t in ps["tasks"]),
           f"{tag}: not in this lossy kdump, and ps says tasks are missing", ps and ps["incomplete"])
        return
    if rc == 1 and panicked and "incomplete" in err and not out:
        ok("not in the dump" in err, f"{tag}: vmas: mm not in this lossy kdump, said", err)
        return
    ok(rc in (0, 1) and (rc == 0 or panicked) and "Sanitizer" not in err and "runtime error" not in err,
       f"{tag}: vmas runs (exit {rc})", err)
    if rc not in (0, 1):
        return
    v = json.loads(out)
    ok(not v["anomalies"], f"{tag}: vmas: no tree anomalies on a healthy kernel", v["anomalies"])
    want = read_maps(os.path.join(odir, "maps"))
    got = []
    unnamed = 0
    for x in v["vmas"]:
        name = x["name"] or ""
        if x["name_note"] is not None:
            unnamed += 1
        got.append((int(x["start"], 16), int(x["end"], 16), x["perms"], int(x["offset"], 16),
                    x["dev"], x["inode"], name))
    if unnamed or any(g[4] is None for g in got):
        # Only a lossy kdump may lack the dentries and inodes; then the
        # rest of each line must still be exact, and the gap said.
        ok(panicked and v["incomplete"], f"{tag}: vmas: names or inodes missing only in a lossy "
           "kdump, and said", v["incomplete"])
        got = [(g[0], g[1], g[2], g[3]) for g in got]
        want = [(w[0], w[1], w[2], w[3]) for w in want]
    else:
        want = [(w[0], w[1], w[2], w[3], w[4], w[5], w[6]) for w in want]
    ok(got == want, f"{tag}: vmas equals /proc/PID/maps line for line ({len(want)} VMAs)",
       "\n".join(f"got  {g}" for g in got if g not in want) + "\n" +
       "\n".join(f"want {w}" for w in want if w not in got))

    big = comm == "wl-big"
    ranges = []
    if big:
        # A million entries: the JSON walk is compared on the first and the
        # last of the 64 memfd mappings; the whole walk by its count.
        # by name; where a lossy kdump lacks the dentries, by shape
        mf = [x for x in v["vmas"] if (x["name"] or "").startswith("/memfd:wl-big") or
              x["name_note"] and panicked and "shared" in x["flags"] and
              int(x["end"], 16) - int(x["start"], 16) == 64 << 20]
        ok(len(mf) == 64, f"{tag}: 64 memfd mappings", len(mf))
        if not mf:
            return
        ranges = [(int(mf[0]["start"], 16), int(mf[0]["end"], 16)),
                  (int(mf[-1]["start"], 16), int(mf[-1]["end"], 16))]
        rc, out, err = run_raw("walk", "-p", str(pid), "-k", vml, path)
        last = out.strip().splitlines()[-1] if out.strip() else ""
        # pagemap also lists holes of VM_SOFTDIRTY VMAs (soft-dirty bit only)
        npm = sum(1 for l in open(os.path.join(odir, "pagemap"))
                  if int(l.split()[1], 16) & (PM_PRESENT | PM_SWAP))
        ok(rc == 0 and f" entries covering {npm} pages, in " in last,
           f"{tag}: the walk covers {npm} pages, as many as pagemap holds", f"{last}\n{err}")
        outs = []
        for a, b in ranges:
            rc, o, err = run_raw("walk", "--json", "-p", str(pid), "--range", f"{a:x}-{b:x}", "-k", vml, path)
            outs.append(json.loads(o) if rc == 0 else None)
        ok(all(outs), f"{tag}: walk --range runs", err)
        if not all(outs):
            return
        w = outs[0]
        w["entries"] = outs[0]["entries"] + outs[1]["entries"]
    else:
        rc, out, err = run_raw("walk", "--json", "--pages", "-p", str(pid), "-k", vml, path)
        ok(rc in (0, 1) and (rc == 0 or panicked) and "Sanitizer" not in err and "runtime error" not in err,
           f"{tag}: walk runs (exit {rc})", err)
        if rc not in (0, 1):
            return
        w = json.loads(out)
    ok(not w["anomalies"], f"{tag}: walk: no anomalies on a healthy kernel", w["anomalies"])
    ok(rc == 0 or w["incomplete"], f"{tag}: walk: an incomplete walk says what is missing", err)
    softdirty_vmas = [(int(x["start"], 16), int(x["end"], 16)) for x in v["vmas"]
                      if "softdirty" in x["flags"]]
    rawpfn_vmas = [(int(x["start"], 16), int(x["end"], 16)) for x in v["vmas"]
                   if {"pfnmap", "io", "mixedmap"} & set(x["flags"])]
    nexcl = 0
    pages = {}
    pg_size = guest_page(d)
    for e in w["entries"]:
        va = int(e["va"], 16)
        for i in range(0, e["size"], pg_size):
            pages[va + i] = (e, i // pg_size)
    pm = {}
    for l in open(os.path.join(odir, "pagemap")):
        a, b = l.split()
        va = int(a, 16)
        if not ranges or any(x <= va < y for x, y in ranges):
            pm[va] = int(b, 16)
    bad = []
    for va, ent in sorted(pm.items()):
        g = pages.get(va)
        if ent & PM_PRESENT:
            if not g or g[0]["kind"] != "present" or int(g[0]["pfn"], 16) + g[1] != ent & ((1 << 55) - 1):
                bad.append(f"{va:#x}: pagemap present pfn {ent & ((1 << 55) - 1):#x}, walk {g and g[0]}")
                continue
        elif ent & PM_SWAP:
            typ, off = ent & 31, (ent >> 5) & ((1 << 50) - 1)
            if not g or g[0]["kind"] == "present" or g[0].get("swap_type") != typ or (
                    int(g[0]["pfn"], 16) if "pfn" in g[0] else g[0]["swap_offset"]) != off:
                bad.append(f"{va:#x}: pagemap swap type {typ} offset {off:#x}, walk {g and g[0]}")
                continue
        else:
            continue
        e = g[0]
        # pagemap also reports soft-dirty for every page of a VM_SOFTDIRTY VMA
        sd = "soft_dirty" in e["flags"] or any(
            a <= va < b for a, b in softdirty_vmas)
        wp = "uffd_wp" in e["flags"] or "uffd_wp" in e.get("marker", "")
        if sd != bool(ent & PM_SOFT_DIRTY) or wp != bool(ent & PM_UFFD_WP):
            bad.append(f"{va:#x}: pagemap {ent:#x} soft-dirty/uffd-wp differ from walk {e}")
        # PM_MMAP_EXCLUSIVE: the page's mapcount is 1 (small pages, which
        # vm_normal_page() finds: no special entries, no PFNMAP/IO VMAs).
        pg = e.get("page")
        if (pg and not pg["compound"] and e["level"] == "pte" and "special" not in e["flags"]
                and not any(a <= va < b for a, b in rawpfn_vmas)):
            nexcl += 1
            if (pg["mapcount"] == 1) != bool(ent & PM_EXCLUSIVE):
                bad.append(f"{va:#x}: pagemap {ent:#x} exclusive bit, page mapcount {pg['mapcount']}")
    extra = [va for va, g in pages.items() if g[0]["kind"] == "present" and va not in pm]
    npresent = sum(1 for e in pm.values() if e & PM_PRESENT)
    nswap = sum(1 for e in pm.values() if e & PM_SWAP)
    ok(not bad and not extra and npresent,
       f"{tag}: walk equals pagemap: {npresent} present pages, {nswap} swap-format entries, "
       f"soft-dirty and uffd-wp bits, exclusive on {nexcl} small pages",
       "\n".join(bad[:20] + [f"{va:#x}: present in the walk, not in pagemap" for va in extra[:20]]))
    # The text walk's lines (runs of like entries, young ones counted)
    # against the JSON walk's entries, which pagemap vouched for above:
    # the walk's fast path (raw runs) and the per-entry decoding agree.
    if kind in ("qemu.elf", "kdump-lzo"):
        if not big:
            rc, out, err = run_raw("walk", "-p", str(pid), "-k", vml, path)
        check_text_runs(tag, out, w["entries"], ranges, pg_size)
    # An independent walker: libaddrxlat's x86-64 page-table method rooted
    # at this mm's PGD (tests/tools/xlat), on a sample of the present pages.
    # x86-64 only: libaddrxlat 0.5.1's arm64 method takes a 4 KiB page's PTE
    # bits up to 51 as the address (DBM, bit 51, of every writable page
    # lands in the pfn; pagemap, the oracle above, says it is not).
    if kind in ("qemu.elf", "kdump-lzo") and not big and kernel_opts(k).get("arch", "amd64") == "amd64":
        xlat = os.path.join(os.environ.get("top_builddir", top), "tests", "tools", "xlat")
        root = [t for t in w["tables"] if t["level"] == "pgd"][0]
        sample = sorted(va for va, g in pages.items() if g[0]["kind"] == "present"
                        and "protnone" not in g[0]["flags"])
        sample = sample[::max(1, len(sample) // 300)]
        p = subprocess.run([xlat, path, f"{int(root['pfn'], 16) * 4096:x}"], capture_output=True,
                           text=True, input="".join(f"{va:x}\n" for va in sample))
        got = {}
        for l in p.stdout.splitlines():
            f = l.split()
            got[int(f[0], 16)] = int(f[1], 16) >> 12 if f[1] != "-" else None
        diff = [f"{va:#x}: walk pfn {int(pages[va][0]['pfn'], 16) + pages[va][1]:#x}, "
                f"libaddrxlat {got.get(va)}" for va in sample
                if got.get(va) != int(pages[va][0]["pfn"], 16) + pages[va][1]]
        ok(p.returncode == 0 and sample and not diff,
           f"{tag}: libaddrxlat translates {len(sample)} sampled pages as the walk does",
           "\n".join(diff[:20]) + p.stderr)
    # vtop agrees with the walk: the first entry of each kind and level,
    # and up to 8 more spread over the address space, in one run.
    if kind in ("qemu.elf", "kdump-lzo"):
        pick = {}
        for e in w["entries"]:
            pick.setdefault((e["kind"], e["level"]), e)
        pick = list(pick.values()) + w["entries"][::max(1, len(w["entries"]) // 8)]
        rc, out, err = run_raw("vtop", "--json", "-p", str(pid), "-k", vml, path,
                               *[e["va"] for e in pick])
        vt = json.loads(out) if rc == 0 else []
        vt = vt if isinstance(vt, list) else [vt]
        diff = []
        for e, x in zip(pick, vt):
            last = x["steps"][-1]
            if (last["level"], last["kind"], last["raw"], last["pfn"]) != (
                    e["level"], e["kind"], e["raw"], e.get("pfn")) or (
                    e["kind"] == "present" and x["pa"] != hex(int(e["pfn"], 16) * pg_size)):
                diff.append(f"{e['va']}: walk {e}, vtop {last} pa {x['pa']}")
        ok(rc == 0 and len(vt) == len(pick) and not diff,
           f"{tag}: vtop agrees with the walk on {len(pick)} addresses", "\n".join(diff) + err)
    kinds = {}
    for e in w["entries"]:
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    note(f"{tag}: walk kinds {kinds}")
    if comm == "wl-mm":
        # The workload says on the console what the guest gave it.
        con = open(os.path.join(d, "console.log"), errors="replace").read()
        pmd = [e for e in w["entries"] if e["level"] == "pmd" and e["kind"] == "present"]
        if has_thp(d):
            ok(pmd, f"{tag}: anonymous THP PMD leaves decoded ({len(pmd)})")
        else:
            ok(not pmd, f"{tag}: no THP in this kernel (its config): no PMD leaf", pmd[:3])
        if "PTSCOPE-SWAP none" not in con and "wl-mm pageout ok" in con:
            ok(kinds.get("swap", 0) >= 1, f"{tag}: pages on zram swap decoded as swap entries "
               f"({kinds.get('swap', 0)})", kinds)
        else:
            ok(False, f"{tag}: the guest has zram swap and MADV_PAGEOUT", con[-2000:])
        if "uffd-wp shmem ok" in con:
            ok(kinds.get("marker", 0) >= 1, f"{tag}: uffd-wp PTE markers decoded "
               f"({kinds.get('marker', 0)})", kinds)
        disk = [x for x in v["vmas"] if x["name"] == "/mnt/disk/data"]
        if not disk and panicked and v["incomplete"]:
            # the dentry may be one a lossy kdump lacks: the VMA is then
            # the 64-page private read-only file mapping without a name
            disk = [x for x in v["vmas"] if x["name_note"] and x["perms"] == "r--p"
                    and int(x["end"], 16) - int(x["start"], 16) == 64 * 4096]
        ok("wl-mm disk file ok" in con and disk and disk[0]["dev"] != "00:00" and any(
            int(disk[0]["start"], 16) <= int(e["va"], 16) < int(disk[0]["end"], 16)
            and e["kind"] == "present" for e in w["entries"]),
           f"{tag}: a file on the guest's ext4 disk is mapped and walked", disk)
        wp = [e for e in w["entries"] if e["kind"] == "present" and "uffd_wp" in e["flags"]]
        if "uffd-wp anon ok" in con:
            ok(wp, f"{tag}: uffd-wp bits on present anonymous PTEs ({len(wp)})")
    return w


def check_hugetlb(k, d, kind):
    """wl-huge-s1..s3 map one hugetlbfs file at the same PUD_SIZE-aligned
    address: the kernel must share one PMD table between exactly them;
    wl-huge-un maps it at an unaligned address and shares nothing.  The
    huge pages are PMD_SIZE: 2 MiB, or 32 MiB with 16 KiB pages."""
    hp = pmd_size(d)
    hpn = f"{hp >> 20} MiB"
    fmt, flattened, comp, panicked = KINDS[kind]
    tag = f"{k} {kind}: hugetlb"
    con = open(os.path.join(d, "console.log"), errors="replace").read()
    tasks = {parse_stat(l)["comm"]: parse_stat(l)["pid"]
             for l in open(os.path.join(d, "oracle", "tasks")) if l.strip()}
    names = ["wl-huge-s1", "wl-huge-s2", "wl-huge-s3", "wl-huge-un", "wl-huge"]
    ok("PTSCOPE-HUGE" in con and all(n in tasks for n in names),
       f"{tag}: the guest has hugetlbfs and the hugetlb workload", con[-1500:])
    rc, o, err = run_raw("hugetlb", "--json", "-k", os.path.join(d, "vmlinux"), os.path.join(d, kind))
    h = json.loads(o) if rc in (0, 1) and o else None
    ok(h is not None and (rc == 0 or panicked), f"{tag}: runs (exit {rc})", err)
    if not h:
        return
    sharers = {tasks[n] for n in names[:3]} | {p for c, p in tasks.items() if c.startswith("hs-")}
    ok(len(sharers) == 64, f"{tag}: 64 sharer processes in the guest", len(sharers))
    shared = [t for t in h["pmd_tables"] if t["shared"]]
    got = [{x["pid"] for x in t["sharers"]} for t in shared]
    if h["incomplete"] and panicked:
        # a lossy kdump may lack VMAs or i_mmap nodes: whatever is shown
        # must still be right
        # (pid 0: an mm whose task the dump lacks)
        ok(all(g - {0} <= sharers for g in got) and all(t["sharers_incomplete"] or
                                                          t["count"] == t["count_expected"]
                                                          for t in shared),
           f"{tag}: shared tables only among the sharers, counts checked where every sharer "
           "was read (lossy kdump, incomplete said)", got)
        return
    ok(got == [sharers], f"{tag}: one PMD table shared by exactly wl-huge-s1..s3 and hs-01..61",
       f"{got} vs {sorted(sharers)}")
    mi = {l.split(":")[0]: int(l.split()[1]) for l in open(os.path.join(d, "oracle", "meminfo"))
          if l.startswith("HugePages_")}
    hs = [x for x in h["hstates"] if x["page_size"] == hp]
    ok(hs and (hs[0]["nr_huge_pages"], hs[0]["free_huge_pages"], hs[0]["resv_huge_pages"],
               hs[0]["surplus_huge_pages"]) == (mi["HugePages_Total"], mi["HugePages_Free"],
                                                mi["HugePages_Rsvd"], mi["HugePages_Surp"]),
       f"{tag}: the {hpn} hstate's pool equals /proc/meminfo's HugePages_*", f"{hs} {mi}")
    ok(all(t["foreign_leaves"] == 0 and t["leaves"] >= 1 for t in shared),
       f"{tag}: the shared table maps only the file's folios (B7 data)", shared and shared[0]["leaves"])
    ok(all(t["count"] == t["count_expected"] for t in shared),
       f"{tag}: the kernel's share count ({h['share_count_source']}) agrees with the sharers",
       [(t["pfn"], t["count"], t["count_expected"]) for t in shared])
    un = [v for v in h["vmas"] if v["pid"] == tasks["wl-huge-un"]]
    ok(un and not any(tasks["wl-huge-un"] in g for g in got),
       f"{tag}: the unaligned mapping shares nothing", un)
    # wl-cont's contiguous sizes (arm64) apart: the rest are wl-huge's PMD size
    cont = [v for v in h["vmas"] if v["pid"] == tasks.get("wl-cont")]
    giga = [v for v in h["vmas"] if v["pid"] == tasks.get("wl-giga")]
    hv = [v for v in h["vmas"] if v["pid"] not in (tasks.get("wl-cont"), tasks.get("wl-giga"))]
    ok(all(v["page_size"] == hp for v in hv) and len(hv) >= 67,
       f"{tag}: {len(hv)} hugetlb VMAs, hstate {hpn}", [(v["pid"], v["page_size"]) for v in hv])
    if kernel_opts(k).get("arch") == "arm64":
        # CONT_PTE_SIZE and CONT_PMD_SIZE: 64 KiB and 32 MiB with 4 KiB
        # pages; with 16 KiB, 2 MiB (and 1 GiB, which wl-cont leaves out)
        want = [64 << 10, 32 << 20] if guest_page(d) == 4096 else [2 << 20]
        ok(sorted(v["page_size"] for v in cont) == want,
           f"{tag}: wl-cont's hugetlb VMAs have arm64's contiguous sizes, "
           f"{' and '.join(f'{x >> 10} KiB' for x in want)}",
           [(v["start"], v["page_size"]) for v in cont])
    if kernel_opts(k).get("hugepages1g"):
        check_giga(tag, d, kind, h, tasks.get("wl-giga"), giga)
    priv = [v for v in h["vmas"] if v["pid"] == tasks["wl-huge"]]
    ok(priv and priv[0]["resv_map"] and priv[0]["resv_owner"],
       f"{tag}: the private mapping's owner holds its resv_map", priv)
    # Locks: on a quiet guest every vma_lock and resv_map rw_sema and
    # every shared table's split lock is free, nobody waiting.
    sems = [x for v in hv for x in ([v["vma_lock"]["rw_sema"]] if v["vma_lock"] else []) +
            [v["resv_rw_sema"]] if x]
    # 64 sharers and wl-huge-un have vma_locks, wl-huge's resv_map a
    # rw_sema; before v6.1 neither exists
    if kconfig(d).get("CONFIG_PREEMPT_RT") == "y":
        # rt_mutex-based locks: said not decoded, never shown free
        ok(len(sems) == (66 if h["kernel_has_vma_lock"] else 0)
           and all(not x["decoded"] and "PREEMPT_RT" in x["why"] for x in sems),
           f"{tag}: {len(sems)} hugetlb rw_semas said not decoded (PREEMPT_RT)",
           [x for x in sems if x["decoded"] or "PREEMPT_RT" not in x["why"]][:3])
        ok(all(t["lock"] and not t["lock"]["decoded"] and "PREEMPT_RT" in t["lock"]["why"]
               for t in shared), f"{tag}: the shared table's split lock said not decoded "
           "(PREEMPT_RT)", [t["lock"] for t in shared])
    else:
        ok(len(sems) == (66 if h["kernel_has_vma_lock"] else 0)
           and all(x["decoded"] and x["state"] == "free" and not x["waiters"] for x in sems),
           f"{tag}: {len(sems)} hugetlb rw_semas decoded, all free",
           [x for x in sems if not x["decoded"] or x["state"] != "free"][:3])
        ok(all(t["lock"] and t["lock"]["kind"] == "spinlock" and t["lock"]["state"] == "free"
               for t in shared), f"{tag}: the shared table's split lock decoded, free",
           [t["lock"] for t in shared])
    # The text walk of a sharer marks its PMD table with the kernel's count.
    rc, o, err = run_raw("walk", "-p", str(tasks["wl-huge-s1"]), "-k", os.path.join(d, "vmlinux"),
                         os.path.join(d, kind))
    ok(f"pmd table pfn {shared[0]['pfn']} " in o and "shared by 64 (the kernel's count)" in o,
       f"{tag}: walk of wl-huge-s1 marks table {shared[0]['pfn']} shared by 64", o[-1500:] + err)
    ok(not [v for v in h["vmas"] if v["hgm"]], f"{tag}: nothing mapped below the hstate's level",
       [(v["pid"], v["hgm"]) for v in h["vmas"] if v["hgm"]][:3])
    # The folios behind the leaves: hugetlb heads, as this kernel marks
    # them (compound dtor, page flag or page type); THP heads are not.
    thp = has_thp(d)
    for n, huge in (("wl-huge-s1", True), ("wl-huge", True)) + ((("wl-mm", False),) if thp else ()):
        rc, o, err = run_raw("walk", "--json", "--pages", "-p", str(tasks[n]), "-k",
                             os.path.join(d, "vmlinux"), os.path.join(d, kind))
        w = json.loads(o) if rc in (0, 1) and o else {"entries": []}
        leaves = [e for e in w["entries"] if e["level"] == "pmd" and e["kind"] == "present"]
        ok(len(leaves) >= 1 and all(e.get("page", {}).get("head") and e["page"].get("hugetlb") is huge
                                    and e.get("hstate") == (hp if huge else None)
                                    for e in leaves),
           f"{tag}: {n}: its {len(leaves)} PMD leaves map {'hugetlb' if huge else 'THP (not hugetlb)'} "
           f"folio heads{', hstate ' + hpn if huge else ''}", [(e["va"], e.get("page")) for e in leaves][:4] or err)


def check_locks(k, d, kind):
    """A quiet guest: every lock decoded, no deadlock, no order violation;
    per-VMA locks examined exactly where the kernel has them."""
    fmt, flattened, comp, panicked = KINDS[kind]
    vml, path = os.path.join(d, "vmlinux"), os.path.join(d, kind)
    rc, o, err = run_raw("locks", "--json", "-k", vml, path)
    L = json.loads(o) if rc in (0, 1) and o else None
    ok(L is not None and (rc == 0 or panicked), f"{k} {kind}: locks runs (exit {rc})", err)
    if not L:
        return
    ex = L["examined"]
    ok(ex["mmap_lock"] >= 10 and ex["i_mmap_rwsem"] >= 5 and ex["anon_vma"] >= 10
       and ex["pt_lock"] >= 100 and ex["page_table_lock"] == ex["mmap_lock"],
       f"{k} {kind}: locks: every mm's mmap_lock and page_table_lock, the files', anon_vmas' and "
       "tables' locks examined", ex)
    has_vma_lock = any(run_raw("offsetof", "-k", vml, path, "struct vm_area_struct", m)[0] == 0
                       for m in ("vm_lock", "vm_refcnt"))
    ok((ex["vma_lock"] > 100) == has_vma_lock,
       f"{k} {kind}: per-VMA locks examined {'(v6.4+)' if has_vma_lock else '(none before v6.4)'}",
       ex["vma_lock"])
    # PREEMPT_RT (from the kernel's own config, not from ptscope): its
    # rw_semaphores, mutexes and spinlocks are rt_mutex based, which
    # ptscope does not decode: said once per kind, none shown as free or
    # held, and the wait-for checks said not to apply
    rt = kconfig(d).get("CONFIG_PREEMPT_RT") == "y"
    nd = {x["kind"]: x for x in L.get("not_decodable", [])}
    if rt:
        c, err = run_json("check", "--all", "--json", "-k", vml, path, partial_ok=True)
        na = {x["id"]: x["why_not"] for x in (c or {}).get("checks", []) if not x["applies"]}
        ok(set(nd) == {"rw_semaphore", "mutex", "spinlock"}
           and all("PREEMPT_RT" in x["why"] for x in nd.values())
           and sum(x["locks"] for x in nd.values()) == sum(ex.values())
           and not L["locks"] and not L["deadlocks"]
           and "PREEMPT_RT" in na.get("F2", "") and "PREEMPT_RT" in na.get("F3", ""),
           f"{k} {kind}: PREEMPT_RT: every lock said not decoded (rwsem, mutex and spinlock are "
           "rt_mutex based), none shown free or held, F2 and F3 said not to apply",
           (nd, len(L["locks"]), na))
        return
    ok(not nd, f"{k} {kind}: every lock kind decodable (not PREEMPT_RT)", nd)
    # a lossy kdump may lack a lock's page: said, never guessed
    bad = [x for x in L["locks"] if not x["lock"]["decoded"] and not
           (panicked and x["lock"]["why"] == "the lock is not in the dump" and L["incomplete"])]
    ok(not bad and not L["deadlocks"] and not L["lock_order"],
       f"{k} {kind}: locks: all decoded (or said to be missing from a lossy kdump), no deadlock, "
       "no lock-order violation",
       (bad[:3], L["deadlocks"], L["lock_order"]))


def check_rmap(k, d, kind):
    """The reverse index against the guest's /proc/kpagecount and
    /proc/kpageflags, for every frame the workloads mapped: the leaf
    entries ptscope finds mapping it over all processes (a shared hugetlb
    PMD table once) equal the kernel's count, and so does the mapcount
    ptscope reads from the folio; ANON, HUGE and head/tail agree; so do
    the KSM pages (wl-rmap merges some)."""
    fmt, flattened, comp, panicked = KINDS[kind]
    rc, o, err = run_raw("rmap", "--all", "--json", "-k", os.path.join(d, "vmlinux"),
                         os.path.join(d, kind))
    R = json.loads(o) if rc in (0, 1) and o else None
    ok(R is not None and (rc == 0 or panicked), f"{k} {kind}: rmap --all runs (exit {rc})", err[-500:])
    if not R:
        return
    idx = {int(x[0], 16): x for x in R["pages"]}
    want = {}
    for l in open(os.path.join(d, "oracle", "kpage")):
        f = l.split()
        if len(f) == 3:
            want[int(f[0], 16)] = (int(f[1], 16), int(f[2], 16))
    # a lossy kdump may lack processes (said in incomplete): compare
    # only where the count can be whole
    if panicked and R["incomplete"]:
        note(f"{k} {kind}: rmap: lossy dump, {len(R['incomplete'])} gaps; counts not compared")
        return
    # anon, swapcache, head, tail, hugetlb, THP (KSM below)
    KPF = (1 << 12) | (1 << 13) | (1 << 15) | (1 << 16) | (1 << 17) | (1 << 22)
    con = open(os.path.join(d, "console.log"), errors="replace").read()
    if "PTSCOPE-SWAP none" not in con:
        # wl-mm reads 16 swapped-out pages back: mapped and in the swap cache
        sc = [p for p, (c, fl) in want.items() if fl >> 13 & 1]
        ok(len(sc) >= 16, f"{k} {kind}: rmap: the workloads map {len(sc)} pages in the swap "
           "cache (compared below)", len(sc))
    bad = [f"pfn {p:#x}: kpagecount {c}, seen {idx.get(p, [0, 0])[1]}" for p, (c, fl) in want.items()
           if c and idx.get(p, [0, 0])[1] != c]
    ok(len(want) > 1000 and not bad,
       f"{k} {kind}: rmap: the mappings seen of each of {len(want)} workload frames equal "
       "/proc/kpagecount", "\n".join(bad[:20]))
    bad = [f"pfn {p:#x}: kpagecount {c}, folio mapcount {idx[p][2]}" for p, (c, fl) in want.items()
           if p in idx and idx[p][2] is not None and idx[p][2] != c and c]
    ok(not bad, f"{k} {kind}: rmap: the mapcount read from each folio equals /proc/kpagecount",
       "\n".join(bad[:20]))
    bad = [f"pfn {p:#x}: kpageflags {fl & KPF:#x}, ptscope {idx[p][4] & KPF:#x}"
           for p, (c, fl) in want.items() if p in idx and idx[p][4] is not None
           and (fl & KPF) != (idx[p][4] & KPF)]
    ok(not bad, f"{k} {kind}: rmap: anon, swapcache, head, tail, hugetlb and THP agree with "
       "/proc/kpageflags",
       "\n".join(bad[:20]))
    # KSM: the guest said how many KSM pages ksmd made (pages_shared);
    # ptscope must find exactly those among the workload's frames, each
    # one the kernel flags KSM.  The converse is tested where kpageflags
    # is sound: trixie's 6.12 flags every anonymous page KSM (its
    # stable_page_flags() tests mapping & PAGE_MAPPING_KSM, which the ANON
    # bit alone satisfies), seen as more KSM frames than pages_shared.
    m = re.search(r"wl-rmap ksm pages_shared (\d+)", open(os.path.join(d, "console.log"),
                                                          errors="replace").read())
    shared = int(m.group(1)) if m else -1
    K = 1 << 21
    mine = [p for p in want if p in idx and idx[p][4] is not None and idx[p][4] & K]
    theirs = [p for p, (c, fl) in want.items() if fl & K]
    ok(shared > 0 and len(mine) == shared and all(want[p][1] & K for p in mine),
       f"{k} {kind}: rmap: the {len(mine)} KSM frames ptscope finds are the guest's pages_shared "
       f"({shared}), each flagged KSM by the kernel", [hex(p) for p in mine[:10]])
    if len(theirs) > shared:
        note(f"{k} {kind}: kpageflags flags {len(theirs)} frames KSM against pages_shared "
             f"{shared}: the kernel's KPF_KSM is unsound here; the converse not compared")
    else:
        ok(sorted(theirs) == sorted(mine), f"{k} {kind}: rmap: every frame kpageflags flags KSM "
           "is a KSM frame to ptscope", [hex(p) for p in set(theirs) ^ set(mine)][:10])
    ok(R["disagree"] == 0, f"{k} {kind}: rmap: no page's mapcount differs from its mappings "
       f"({len(R['pages'])} pages)", R["disagree"])


def check_giga(tag, d, kind, h, pid, giga):
    """wl-giga's 1 GiB hugetlb page (hugepages1g=1): its VMA of the 1 GiB
    hstate, whose one page is in use, mapped by one PUD leaf (x86-64, arm64
    with 4 KiB pages) or by 32 contiguous PMD blocks (arm64 with 16 KiB
    pages: CONT_PMD_SIZE); pagemap vouched for its frames in check_mm."""
    ok(pid is not None and len(giga) == 1 and giga[0]["page_size"] == 1 << 30,
       f"{tag}: wl-giga's VMA is of the 1 GiB hstate", giga)
    st = [x for x in h["hstates"] if x["page_size"] == 1 << 30]
    ok(st and st[0]["nr_huge_pages"] == 1 and st[0]["free_huge_pages"] == 0,
       f"{tag}: the 1 GiB pool's one page is in use", st)
    if pid is None:
        return
    w = run_json("walk", "--json", "-p", str(pid), "-k", os.path.join(d, "vmlinux"),
                 os.path.join(d, kind))[0] or {}
    leaves = [e for e in w.get("entries", []) if e["kind"] == "present" and e.get("hstate") == 1 << 30]
    pg = guest_page(d)
    n, level = (1, "pud") if pg == 4096 else ((1 << 30) // (pg // 8 * pg), "pmd")
    p0 = int(leaves[0]["pfn"], 16) if leaves else -1
    ok(len(leaves) == n and all(e["level"] == level for e in leaves)
       and p0 % ((1 << 30) // pg) == 0
       and all(int(e["pfn"], 16) == p0 + i * (e["size"] // pg) for i, e in enumerate(leaves))
       and (n == 1 or all("cont" in e["flags"] for e in leaves)),
       f"{tag}: wl-giga's 1 GiB page is {n} {level} {'leaf' if n == 1 else 'blocks with the contiguous bit'}"
       f", frames aligned and consecutive", [(e["level"], e["pfn"], e["flags"]) for e in leaves][:3])


RUN_LINE = re.compile(r"^\s*(0x[0-9a-f]+)-(0x[0-9a-f]+)\s+(\d+) (\w+) (\w+)(.*)$")


def check_text_runs(tag, text, entries, ranges, pg_size):
    """Each line of the text walk is a run of entries the JSON walk lists one
    by one: the same level and kind, consecutive frames, and as many young
    ones (af, accessed) as "(young on N of M)" says, or all or none."""
    by_va = {int(e["va"], 16): e for e in entries}
    inr = (lambda va: any(a <= va < b for a, b in ranges)) if ranges else (lambda va: True)
    covered, mixed, nruns, bad = 0, 0, 0, []
    for l in text.splitlines():
        m = RUN_LINE.match(l)
        if not m:
            continue
        va0, end, count, level, kind, rest = (int(m[1], 16), int(m[2], 16), int(m[3]), m[4],
                                              m[5], m[6])
        size = (end - va0) // count
        ents = [(va0 + i * size, by_va.get(va0 + i * size)) for i in range(count)]
        ents = [(va, e) for va, e in ents if inr(va)]
        if not ents:
            continue
        nruns += 1
        covered += len(ents)
        if any(e is None or e["level"] != level or e["kind"] != kind for va, e in ents):
            bad.append(f"{l.strip()}: JSON {[e and (e['va'], e['level'], e['kind']) for va, e in ents][:4]}")
            continue
        if kind == "present" and all("pfn" in e for va, e in ents):
            p0 = int(ents[0][1]["pfn"], 16) - (ents[0][0] - va0) // size * (size // pg_size)
            if any(int(e["pfn"], 16) != p0 + (va - va0) // pg_size for va, e in ents):
                bad.append(f"{l.strip()}: frames not consecutive in JSON")
                continue
        y = sum(1 for va, e in ents if {"af", "accessed"} & set(e["flags"]))
        ym = re.search(r"\(young on (\d+)(?:, [^)]*)? of (\d+)\)", rest)
        if ym:
            mixed += 1
            if len(ents) == count and (int(ym[1]) != y or int(ym[2]) != count):
                bad.append(f"{l.strip()}: JSON has {y} young of {count}")
        elif len(ents) == count and (y not in (0, count) or
                                     (y == count) != bool({"af", "accessed"} & set(rest.split()))):
            bad.append(f"{l.strip()}: JSON has {y} young of {count}")
    want = sum(1 for e in entries if inr(int(e["va"], 16)))
    ok(not bad and covered == want and nruns,
       f"{tag}: the text walk's {nruns} lines are the JSON walk's {want} entries, frames "
       f"consecutive, young counted ({mixed} runs mixed)",
       "\n".join(bad[:10]) + f"\ncovered {covered} of {want}")


def check_chains(k, d, kind):
    """rmap --pfn on pages of each kind (anonymous with a forked child,
    shmem, a disk file, hugetlb shared by 64 processes): the mappings its
    chain finds number what /proc/kpagecount said, and every one the
    chain says maps the page is one the guest's pagemap shows."""
    oracle = os.path.join(d, "oracle")
    kcount = {}
    for l in open(os.path.join(oracle, "kpage")):
        f = l.split()
        kcount[int(f[0], 16)] = int(f[1], 16)
    tasks = {parse_stat(l)["comm"]: parse_stat(l)["pid"] for l in open(os.path.join(oracle, "tasks"))
             if l.strip()}
    def pagemap(pid):
        pm = {}
        path = os.path.join(oracle, f"pid-{pid}", "pagemap")
        if os.path.exists(path):
            for l in open(path):
                va, e = l.split()
                e = int(e, 16)
                if e >> 63:
                    pm[int(va, 16)] = e & ((1 << 55) - 1)
        return pm
    def first_page(comm, pred):
        pid = tasks.get(comm)
        if not pid:
            return None
        pm = pagemap(pid)
        got = []
        for l in open(os.path.join(oracle, f"pid-{pid}", "maps")):
            f = l.split()
            a, b = (int(x, 16) for x in f[0].split("-"))
            if pred(f):
                got += [(pid, va, pm[va]) for va in range(a, b, guest_page(d)) if va in pm]
        # a page more than one process maps, where there is one
        shared = [g for g in got if kcount.get(g[2], 0) >= 2]
        return (shared or got or [None])[0]
    def region_page(comm, npages, index, pred=lambda f: len(f) == 5 and f[1] == "rw-p"):
        """Page index of the VMA of npages pages that pred accepts."""
        pid = tasks.get(comm)
        if not pid:
            return None
        pm = pagemap(pid)
        for l in open(os.path.join(oracle, f"pid-{pid}", "maps")):
            f = l.split()
            a, b = (int(x, 16) for x in f[0].split("-"))
            va = a + index * guest_page(d)
            if b - a == npages * guest_page(d) and pred(f) and va in pm:
                return (pid, va, pm[va])
        return None
    picks = {
        # wl-rmap's fork chain: g3's own page, g2's, g3's own again and
        # g1's, seen from g3; g1's page that g2 and g3 replaced
        "anonymous, 3rd generation's own": region_page("wl-rmap-g3", 32, 0),
        "anonymous, 2nd generation's, in the 3rd": region_page("wl-rmap-g3", 32, 4),
        "anonymous, 1st generation's, in the 3rd": region_page("wl-rmap-g3", 32, 12),
        "anonymous, 1st generation's, replaced in the 2nd": region_page("wl-rmap-g1", 32, 4),
        "tmpfs file mapped by five processes": first_page("wl-rmap-g1", lambda f: f[-1] == "/tmp/wl-five"),
        "KSM": region_page("wl-rmap-g1", 48, 0),
        "KSM, seen from the other process": region_page("wl-rmap-f4", 48, 7),
        "anonymous (wl-basic)": first_page("wl-basic", lambda f: len(f) == 5 and f[1] == "rw-p"),
        "anonymous (wl-mm)": first_page("wl-mm", lambda f: len(f) == 5 and f[1] == "rw-p"),
        "shmem": first_page("wl-basic", lambda f: f[-1] == "/tmp/wl-shared"),
        "disk file": first_page("wl-mm", lambda f: f[-1].startswith("/mnt/disk")),
        "hugetlb shared": first_page("wl-huge-s1", lambda f: f[-1] == "/mnt/huge/shared"),
    }
    pms = {}
    for what, pick in picks.items():
        ok(pick, f"{k} {kind}: rmap chain: the workload has a {what} page", "")
        if not pick:
            continue
        pid, va, pfn = pick
        c, err = run_json("rmap", "--json", "--pfn", hex(pfn), "-k", os.path.join(d, "vmlinux"),
                          os.path.join(d, kind), partial_ok=True)
        ok(c is not None, f"{k} {kind}: rmap --pfn {pfn:#x} runs", err)
        if not c:
            continue
        bad = []
        for m in c["mappings"]:
            if m["maps"] and m["pid"] and os.path.isdir(os.path.join(oracle, f"pid-{m['pid']}")):
                if m["pid"] not in pms:
                    pms[m["pid"]] = pagemap(m["pid"])
                if pms[m["pid"]].get(int(m["va"], 16)) != pfn:
                    bad.append(m)
        mine = [m for m in c["mappings"] if m["maps"] and m["pid"] == pid and int(m["va"], 16) == va]
        if what.startswith("KSM"):
            ok(c["kind"] == "ksm" and c["rmap_items"] >= c["found"] and
               all(m["rmap_item"] for m in c["mappings"]),
               f"{k} {kind}: rmap chain of a KSM page follows its stable node's "
               f"{c['rmap_items']} rmap_items", {x: c[x] for x in ("kind", "stable_node", "rmap_items")})
        ok(c["found"] == kcount.get(pfn) and mine and not bad and c["tree_complete"],
           f"{k} {kind}: rmap chain of a {what} page (pfn {pfn:#x}, {c['kind']}): {c['found']} "
           f"mappings, /proc/kpagecount {kcount.get(pfn)}, pid {pid} at {va:#x} among them, each "
           "as the guest's pagemap shows", bad[:5] or c["mappings"][:5])


def job(k, d, kind):
    out.buf = []
    check_dump(k, d, kind)
    fmt, flattened, comp, panicked = KINDS[kind]
    rc, o, err = run_raw("check", "--all", "--json", "-k", os.path.join(d, "vmlinux"),
                         os.path.join(d, kind))
    c = json.loads(o) if rc in (0, 1) and o else None
    ok(c is not None and not c["findings"] and c["address_spaces_checked"] >= 2
       and (rc == 0 or panicked and c["incomplete"]),
       f"{k} {kind}: check --all: no findings on a healthy kernel (exit {rc}"
       f"{', incomplete dump' if rc == 1 else ''})",
       (c and c["findings"][:10]) or err)
    check_hugetlb(k, d, kind)
    check_locks(k, d, kind)
    check_rmap(k, d, kind)
    if kind == "qemu.elf":
        check_chains(k, d, kind)
    oracle = os.path.join(d, "oracle")
    for t in open(os.path.join(oracle, "tasks")):
        if not t.strip():
            continue
        t = parse_stat(t)
        if t["comm"].startswith("wl-") and os.path.isdir(os.path.join(oracle, f"pid-{t['pid']}")):
            check_mm(k, d, kind, t["pid"], t["comm"])
    return out.buf


def run_jobs(names, kinds_of, job_fn):
    """job_fn(kernel, dump directory, kind) for each kernel and each of
    kinds_of(kernel), two at a time, their results printed in order; a
    kernel without dumps, or a job that raises, is a failure."""
    jobs = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        for k in names:
            p = subprocess.run([os.path.join(top, "scripts", "testbed"), "path", k],
                               capture_output=True, text=True)
            d = p.stdout.strip()
            out.buf = []
            ok(p.returncode == 0 and os.path.isdir(d), f"{k}: test-bed dumps exist", p.stderr)
            if p.returncode == 0 and os.path.isdir(d):
                # An oops before the crash we trigger (a workload's or the
                # test module's) leaves states nobody asked for in the dump.
                con = open(os.path.join(d, "console.log"), errors="replace").read()
                con = con.split("sysrq: Trigger a crash")[0]
                bad = [l for l in con.splitlines() if re.search(
                    r"Call Trace:|invalid opcode|BUG:|general protection fault|WARNING: CPU|Oops", l)]
                ok(not bad, f"{k}: the guest kernel reported no oops or warning before the dump",
                   "\n".join(bad[:10]))
            jobs.append(out.buf)
            if p.returncode != 0:
                continue
            for kind in kinds_of(k):
                jobs.append(ex.submit(job_fn, k, d, kind))
        for j in jobs:
            try:
                flush(j if isinstance(j, list) else j.result())
            except Exception as e:  # a crash of the test itself is a failure
                flush([(False, f"test job raised {e!r}")])


def main():
    run_jobs(kernels(), kernel_kinds, job)
    sys.exit(tap.plan())

if __name__ == "__main__":
    main()
