#!/usr/bin/env python3
"""Live mode (TAP): ptscope on the running kernel's /proc/kcore, inside
the test-bed guest, with no vmlinux anywhere in it.  `scripts/testbed
live` boots each kernel's guest with this build of ptscope (and its
libraries, tmux and a terminfo entry) on an extra disk; after the guest
has read its oracle, tests/guest/live-guest.sh runs ps, info, vmas and walk of
every workload, check, locks, a run as nobody, and the TUI in tmux.  Here
those outputs are compared with the oracle: ps with the task list, vmas
with /proc/PID/maps, walk with /proc/PID/pagemap (the workloads are
asleep).  Kernels: PTSCOPE_LIVE_KERNELS (default "sid-arm64 deb12 sid"; an
arm64 guest runs a cross build of these sources, scripts/testbed)."""
import concurrent.futures, json, os, re, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import realkernel as rk
import tap
from tap import ok, out, flush, note

builddir = os.environ.get("top_builddir", rk.top)


def read(path, default=""):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def ran(L, stem, what):
    """One guest command's STEM.rc, STEM.json and STEM.err: a test that it
    ran (exit 0, JSON out), and its document (None when not)."""
    rc = read(os.path.join(L, f"{stem}.rc")).strip()
    try:
        doc = json.loads(read(os.path.join(L, f"{stem}.json")))
    except ValueError:
        doc = None
    ok(rc == "0" and doc, f"{what} runs (exit {rc})", read(os.path.join(L, f"{stem}.err")))
    return doc


def check_vmas(tag, v, maps):
    want = [(w[0], w[1], w[2], w[3], w[4], w[5], w[6]) for w in rk.read_maps(maps)]
    got = [(int(x["start"], 16), int(x["end"], 16), x["perms"], int(x["offset"], 16), x["dev"],
            x["inode"], x["name"] or "") for x in v["vmas"]]
    ok(got == want and not v["anomalies"], f"{tag}: vmas equals /proc/PID/maps ({len(want)} VMAs)",
       "\n".join(f"got  {g}" for g in got if g not in want) + "\n" +
       "\n".join(f"want {w}" for w in want if w not in got) + f"\n{v['anomalies']}")


def check_walk(tag, w, pagemap):
    pages = {}
    for e in w["entries"]:
        va = int(e["va"], 16)
        for i in range(0, e["size"], 4096):
            pages[va + i] = (e, i >> 12)
    bad, npresent, nswap = [], 0, 0
    pm = {}
    for l in open(pagemap):
        a, b = l.split()
        pm[int(a, 16)] = int(b, 16)
    for va, ent in sorted(pm.items()):
        g = pages.get(va)
        if ent & rk.PM_PRESENT:
            npresent += 1
            pfn = ent & ((1 << 55) - 1)
            if not g or g[0]["kind"] != "present" or int(g[0]["pfn"], 16) + g[1] != pfn:
                bad.append(f"{va:#x}: pagemap present pfn {pfn:#x}, walk {g and g[0]}")
        elif ent & rk.PM_SWAP:
            nswap += 1
            typ, off = ent & 31, (ent >> 5) & ((1 << 50) - 1)
            if not g or g[0]["kind"] == "present" or g[0].get("swap_type") != typ or (
                    int(g[0]["pfn"], 16) if "pfn" in g[0] else g[0]["swap_offset"]) != off:
                bad.append(f"{va:#x}: pagemap swap type {typ} offset {off:#x}, walk {g and g[0]}")
    extra = [va for va, g in pages.items() if g[0]["kind"] == "present" and va not in pm]
    ok(not bad and not extra and npresent and not w["anomalies"],
       f"{tag}: walk equals pagemap: {npresent} present pages, {nswap} swap-format entries",
       "\n".join(bad[:20] + [f"{va:#x}: present in the walk only" for va in extra[:20]]) +
       f"\n{w['anomalies'][:5]}")


def job(k):
    out.buf = []
    d = os.path.join(builddir, "tests", f"live-{k}")
    # PTSCOPE_LIVE_RESULTS=DIR (development only): compare the results of
    # an earlier `testbed live` in DIR instead of booting
    if os.environ.get("PTSCOPE_LIVE_RESULTS"):
        d = os.environ["PTSCOPE_LIVE_RESULTS"]
        p = subprocess.CompletedProcess([], 0 if os.path.exists(os.path.join(d, "meta.json")) else 1, "", "no meta.json")
    else:
        p = subprocess.run([os.path.join(rk.top, "scripts", "testbed"), "live", k, rk.ptscope, d],
                           capture_output=True, text=True)
    ok(p.returncode == 0, f"{k}: the guest ran ptscope live and powered off", p.stderr[-3000:])
    if p.returncode != 0:
        return out.buf
    L = os.path.join(d, "oracle", "live")
    odir = os.path.join(d, "oracle")
    ok(os.path.isdir(L), f"{k}: live results on the oracle disk", read(os.path.join(d, "console.log"))[-2000:])
    if not os.path.isdir(L):
        return out.buf
    rel = read(os.path.join(odir, "release")).strip()
    info = {}
    try:
        info = json.loads(read(os.path.join(L, "info.json")))
    except ValueError:
        pass
    # No debuginfo in the guest, types from BTF, symbols from kallsyms; a
    # kernel without CONFIG_KALLSYMS_ALL (no data symbols in kallsyms:
    # bookworm's arm64 kernel) has the debug vmlinux where
    # linux-image-*-dbg puts it, found there by ptscope itself
    dbg = read(os.path.join(L, "debug.ls"))
    conf = rk.kconfig(subprocess.run([os.path.join(rk.top, "scripts", "testbed"), "path", k],
                                     capture_output=True, text=True).stdout.strip()) or {}
    ok(conf, f"{k}: the kernel's config is known")
    dwarf = conf.get("CONFIG_KALLSYMS_ALL") != "y"
    if dwarf:
        want = f"/usr/lib/debug/boot/vmlinux-{rel}"
        ok(read(os.path.join(L, "info.rc")).strip() == "0" and info.get("live") is True and
           info.get("format") == "kcore" and info.get("vmlinux") == want and
           (info.get("types") or "").startswith(f"DWARF from {want}"),
           f"{k}: info: live, kcore, the debug vmlinux found: {info.get('types')}",
           read(os.path.join(L, "info.err")) + str(info) + dbg)
    else:
        ok("vmlinux" not in dbg, f"{k}: no vmlinux in the guest", dbg)
        ok(read(os.path.join(L, "info.rc")).strip() == "0" and info.get("live") is True and
           info.get("format") == "kcore" and info.get("vmlinux") is None and
           (info.get("types") or "").startswith("BTF from /sys/kernel/btf/vmlinux") and
           "symbols from /proc/kallsyms" in (info.get("types") or ""),
           f"{k}: info: live, kcore, types: {info.get('types')}", read(os.path.join(L, "info.err")) + str(info))
    ok(info.get("release") == rel, f"{k}: info's release is the guest's uname -r ({rel})", info.get("release"))
    txt = read(os.path.join(L, "info.txt"))
    ok("format:        kcore: the running kernel" in txt and "crash time" not in txt,
       f"{k}: info says it reads the running kernel", txt)

    # ps: every workload process, with its name and parent
    tasks = {}
    for l in read(os.path.join(odir, "tasks")).splitlines():
        if l.strip():
            s = rk.parse_stat(l)
            tasks[s["pid"]] = s
    try:
        ps = json.loads(read(os.path.join(L, "ps.json")))
    except ValueError:
        ps = {"tasks": []}
    got = {t["pid"]: t for t in ps["tasks"]}
    wl = {pid: s for pid, s in tasks.items() if s["comm"].startswith("wl-")}
    bad = [f"pid {pid} {s['comm']}: ps has {got.get(pid)}" for pid, s in wl.items()
           if pid not in got or got[pid]["comm"] != s["comm"] or got[pid]["ppid"] != s["ppid"]]
    ok(read(os.path.join(L, "ps.rc")).strip() == "0" and len(wl) >= 15 and not bad,
       f"{k}: ps lists all {len(wl)} workload processes with their names and parents",
       "\n".join(bad[:20]) + read(os.path.join(L, "ps.err")))
    first = read(os.path.join(L, "ps.first")).split()
    whole = read(os.path.join(L, "ps.time")).split()
    if len(first) == 2 and len(whole) == 2:
        note(f"{k}: live startup to the first ps line {float(first[1]) - float(first[0]):.2f} s, "
             f"whole ps {float(whole[1]) - float(whole[0]):.2f} s (in the TCG guest)")

    for pid in sorted(wl):
        comm = wl[pid]["comm"]
        tag = f"{k} live: pid {pid} {comm}"
        pdir = os.path.join(odir, f"pid-{pid}")
        if not os.path.isdir(pdir):
            continue
        v = ran(L, f"vmas-{pid}", f"{tag}: vmas")
        if v:
            check_vmas(tag, v, os.path.join(pdir, "maps"))
        if comm == "wl-big":
            last = read(os.path.join(L, f"walk-{pid}.last")).strip()
            npm = sum(1 for l in open(os.path.join(pdir, "pagemap"))
                      if int(l.split()[1], 16) & (rk.PM_PRESENT | rk.PM_SWAP))
            ok(f" entries covering {npm} pages, in " in last,
               f"{tag}: the walk covers {npm} pages, as many as pagemap holds",
               last + read(os.path.join(L, f"walk-{pid}.err")))
            t = read(os.path.join(L, f"walk-{pid}.time")).split()
            if len(t) == 2:
                note(f"{tag}: walk of {npm} pages live: {float(t[1]) - float(t[0]):.2f} s (TCG)")
            continue
        w = ran(L, f"walk-{pid}", f"{tag}: walk")
        if w:
            check_walk(tag, w, os.path.join(pdir, "pagemap"))

    # check: a healthy kernel; whatever is found live says how often it was seen
    rc = read(os.path.join(L, "check.rc")).strip()
    try:
        c = json.loads(read(os.path.join(L, "check.json")))
    except ValueError:
        c = None
    ok(rc in ("0", "1") and c is not None, f"{k} live: check --all runs (exit {rc})",
       read(os.path.join(L, "check.err")))
    if c is not None:
        f = c["findings"]
        ok(all(x.get("live") and x["live"]["reads"] >= 1 for x in f),
           f"{k} live: every finding says how many reads saw it ({len(f)} findings)", f[:5])
        ok(not [x for x in f if x["live"] and x["live"]["seen"] >= 2],
           f"{k} live: no finding confirmed by a second read on a healthy kernel",
           [x for x in f if x["live"] and x["live"]["seen"] >= 2][:5])
        note(f"{k} live: check --all: {len(f)} findings, seen once: "
             f"{[(x['check'], x['live']['text']) for x in f][:5]}")
    rc = read(os.path.join(L, "locks.rc")).strip()
    ok(rc == "0", f"{k} live: locks runs (exit {rc})", read(os.path.join(L, "locks.err")))

    try:
        ik = json.loads(read(os.path.join(L, "info-kptr.json")))
    except ValueError:
        ik = {}
    if dwarf:
        # the vmlinux's symbols, moved by the KASLR offset the kernel's
        # VMCOREINFO gives: kptr_restrict does not matter
        ok(read(os.path.join(L, "info-kptr.rc")).strip() == "0" and
           ik.get("release") == rel and ik.get("types") == info.get("types"),
           f"{k}: kptr_restrict=2: the same types and symbols: {ik.get('types')}",
           read(os.path.join(L, "info-kptr.err")) + str(ik))
    else:
        ok(read(os.path.join(L, "info-kptr.rc")).strip() == "0" and
           "symbols from the kallsyms tables in memory" in (ik.get("types") or "") and
           "kptr_restrict" in (ik.get("types") or ""),
           f"{k}: kptr_restrict=2: symbols from the kallsyms tables in memory, and why: {ik.get('types')}",
           read(os.path.join(L, "info-kptr.err")))
    # a sanitized build's runtime says it cannot find its own name without
    # /proc: its line, not ptscope's
    err = "".join(l + "\n" for l in read(os.path.join(L, "nokcore.err")).splitlines()
                  if not re.match(r"==\d+==WARNING: reading executable name", l))
    ok(read(os.path.join(L, "nokcore.rc")).strip() == "2" and len(err.splitlines()) == 1 and
       "/proc/kcore" in err and "CONFIG_PROC_KCORE" in err,
       f"{k}: no /proc/kcore: refused in one line: {err.strip()}", err)
    err = read(os.path.join(L, "lockdown.err"))
    ok(read(os.path.join(L, "lockdown.rc")).strip() == "2" and len(err.splitlines()) == 1 and
       "lockdown (confidentiality)" in err,
       f"{k}: lockdown raised to confidentiality: refused in one line: {err.strip()}",
       err + read(os.path.join(L, "lockdown")))
    san = [f"{e}: {l}" for e in sorted(os.listdir(L)) if e.endswith(".err")
           for l in read(os.path.join(L, e)).splitlines() if "Sanitizer" in l or "runtime error" in l]
    # (the first report in the name: a CI page that lists only the failing
    # tests' names still says what it was)
    ok(not san, f"{k} live: no sanitizer reports" + (f" (first: {san[0][:300]})" if san else ""),
       "\n".join(san[:20]))
    err = read(os.path.join(L, "nonroot.err"))
    ok(read(os.path.join(L, "nonroot.rc")).strip() == "2" and len(err.splitlines()) == 1 and
       "/proc/kcore" in err and "root" in err,
       f"{k}: as nobody, refused in one line: {err.strip()}", err)

    scr = read(os.path.join(L, "tui-tasks.txt"))
    ok("PID   PPID COMM" in scr and all(re.search(rf"^\s*{p}\s", scr, re.M) for p in (1, 2)),
       f"{k}: the TUI opens live in tmux on the task list (pid 1 and 2)", scr)
    scr = read(os.path.join(L, "tui-filter.txt"))
    basic = [pid for pid, s in wl.items() if s["comm"] == "wl-basic"]
    ok(basic and re.search(rf"^\s*{basic[0]}\s.*wl-basic", scr, re.M),
       f"{k}: filtered live to wl-basic, pid {basic and basic[0]}", scr)
    scr = read(os.path.join(L, "tui-reload.txt"))
    ok(re.search(r"re-read the running kernel: \d+ tasks", scr) and basic and
       re.search(rf"^\s*{basic[0]}\s.*wl-basic", scr, re.M),
       f"{k}: R re-reads the running kernel, the filter kept",
       scr + "\ntui.err: " + read(os.path.join(L, "tui.err")) +
       "\nwaited (s): " + read(os.path.join(L, "tui-reload.txt.time")))
    note(f"{k}: live TUI in the TCG guest: first screen after "
         f"{read(os.path.join(L, 'tui-tasks.txt.time')).strip()} s, R's re-read "
         f"{read(os.path.join(L, 'tui-reload.txt.time')).strip()} s (1 s steps)")
    # processes come and go while the TUI reads (each tmux command is one):
    # what one read catches half-way, the second does not see again
    m = re.search(r"re-read the running kernel: \d+ tasks, (\d+) findings, (\d+) seen by both", scr)
    ok(m and m[2] == "0", f"{k}: the live TUI confirms no finding on a healthy kernel "
       f"({m and m[1]} findings, {m and m[2]} seen by both reads)",
       read(os.path.join(L, "tui-findings.txt")))
    for l in read(os.path.join(L, "check-busy.txt")).splitlines():
        note(f"{k}: check --all while tmux runs: {l}")
    ok(read(os.path.join(L, "tui.rc")).strip() == "0", f"{k}: q quits the live TUI (exit 0)",
       read(os.path.join(L, "tui.rc")))

    # A kernel that moves (tests/guest/live-guest.sh, step moving): every read
    # command, three times over (once on arm64: its TCG guest is slower),
    # while processes fork, exit, mmap, mprotect, fault and munmap in loops
    want_runs = 10 if rk.kernel_opts(k).get("arch") == "arm64" else 30
    runs = sorted(e[:-3] for e in os.listdir(L) if e.startswith("moving-") and e.endswith(".rc"))
    bad, refused, found = [], 0, []
    for r in runs:
        rc, _, cmd = read(os.path.join(L, r + ".rc")).strip().partition(" ")
        err = read(os.path.join(L, r + ".err"))
        oom = read(os.path.join(L, r + ".oom"))
        # (ptscope runs through the guest's copy of the loader: comm ld.so)
        if rc == "137" and re.search(r"[Kk]illed process \d+ \((ld\.so|ptscope)\)", oom):
            # the guest ran out of memory and its OOM killer chose ptscope:
            # the guest's doing, said by its kernel log, not a crash
            note(f"{k} moving: {cmd}: killed by the guest's OOM killer: {oom.strip()[-200:]}")
            continue
        if rc not in ("0", "1", "2") or (rc == "2" and len(err.strip().splitlines()) != 1):
            bad.append(f"{cmd}: exit {rc}: {err.strip()[-400:]}")
        refused += rc == "2"
        if cmd.startswith("check") and rc in ("0", "1"):
            try:
                found += json.loads(read(os.path.join(L, r + ".out")))["findings"]
            except (ValueError, KeyError):
                bad.append(f"{cmd}: no JSON")
    ok(len(runs) == want_runs and not bad,
       f"{k} moving: {len(runs)} runs of ps, vmas, walk, check, locks, rmap and hugetlb while "
       f"processes fork, exit, map and unmap: each ended, exit 0, 1 or 2 ({refused} refused in "
       "one line)", "\n".join(bad[:10]))
    unlabelled = [x for x in found if not (x.get("live") and x["live"]["reads"] >= 1 and
                                           x["live"]["text"])]
    ok(not unlabelled, f"{k} moving: every finding says how many reads saw it "
       f"({len(found)} findings)", unlabelled[:5])
    note(f"{k} moving: findings by how they were seen: "
         f"{sorted(set(x['live']['text'] for x in found))}")
    scr = read(os.path.join(L, "tui-moving-1.txt"))
    ok(re.search(r"re-read the running kernel: \d+ tasks", scr) and
       read(os.path.join(L, "tui-moving.rc")).strip() == "0",
       f"{k} moving: the TUI re-reads (R) as processes come and go, and q quits (exit "
       f"{read(os.path.join(L, 'tui-moving.rc')).strip() or 'none'})",
       scr + read(os.path.join(L, "tui-moving.err")) + "\nwaited (s): " +
       read(os.path.join(L, "tui-moving-1.txt.time")))
    return out.buf


def main():
    # the arm64 guest first: the longest (~18 min under TCG, where each
    # ptscope run loads BTF and kallsyms anew) beside the two x86 ones
    ks = os.environ.get("PTSCOPE_LIVE_KERNELS", "sid-arm64 deb12 sid").split()
    # two guests at a time (each one TCG thread; testbed builds one guest
    # at a time), their results printed in order
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        jobs = [(k, ex.submit(job, k)) for k in ks]
        for k, j in jobs:
            try:
                flush(j.result())
            except Exception as e:  # a crash of the test itself is a failure
                flush([(False, f"{k}: test job raised {e!r}")])
    sys.exit(tap.plan())


if __name__ == "__main__":
    main()
