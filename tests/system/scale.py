#!/usr/bin/env python3
"""The scale guest (TAP): a tests/kernels line with scale=N, a 3 GiB guest
where N processes map one 64 MiB segment whole and a hundred share a
hugetlb PMD table (tests/guest/workloads/wl_scale.c).  Checks results, not
times (scripts/bench has the times):
  - ps is the guest's task list; the three sample processes' VMAs and
    page tables equal their maps and pagemap (realkernel.check_mm);
  - the mappings rmap --all finds of every frame the samples map equal
    /proc/kpagecount, and no folio's mapcount differs from its mappings;
  - the shared hugetlb PMD table has every sharer and the kernel's count;
  - check --all finds nothing, with one thread and with two, and the two
    outputs are the same byte for byte;
  - the TUI shows the task list while its background checks still run,
    and the findings after.
Fails, never skips, without a scale kernel or its dumps."""
import json, os, re, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import realkernel as rk
import tap
from tap import flush, ok, out

# the dump kinds (among those realkernel knows: PTSCOPE_TEST_KINDS narrows them)
KINDS = [k for k in os.environ.get("PTSCOPE_SCALE_KINDS", "kdump-lzo,qemu.elf").split(",")
         if k in rk.KINDS]


def scale_kernels():
    ks = []
    with open(os.path.join(rk.top, "tests", "kernels")) as f:
        for l in f:
            w = l.split("#")[0].split()
            n = next((int(x[6:]) for x in w if x.startswith("scale=")), None)
            if n:
                ks.append((w[0], n))
    return ks


def run(*args):
    p = subprocess.run([rk.ptscope, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def sanitizer(err):
    return "Sanitizer" in err or "runtime error" in err


def job(k, d, kind, n):
    out.buf = []
    path, vml = os.path.join(d, kind), os.path.join(d, "vmlinux")
    tag = f"{k} {kind}"
    rk.check_dump(k, d, kind, standard=False)
    oracle = os.path.join(d, "oracle")
    samples = []
    for l in open(os.path.join(oracle, "tasks")):
        if l.strip():
            t = rk.parse_stat(l)
            if t["comm"].startswith("wl-scale-") and os.path.isdir(os.path.join(oracle, f"pid-{t['pid']}")):
                samples.append(t)
    ok(len(samples) == 3, f"{tag}: the oracle has the three sample processes", samples)
    for t in samples:
        rk.check_mm(k, d, kind, t["pid"], t["comm"])
    # check --all: nothing on a healthy kernel, the same with 1 and 2 threads
    r1 = run("--jobs", "1", "check", "--all", "--json", "-k", vml, path)
    r2 = run("--jobs", "2", "check", "--all", "--json", "-k", vml, path)
    c = json.loads(r1[1]) if r1[0] in (0, 1) and r1[1] else None
    ok(c is not None and not c["findings"] and c["address_spaces_checked"] >= n and r1[0] == 0
       and not sanitizer(r1[2]),
       f"{tag}: check --all --jobs 1: no findings in {c and c['address_spaces_checked']} address "
       f"spaces (exit {r1[0]})", (c and (c["findings"][:5] or c["incomplete"][:5])) or r1[2][-800:])
    ok(r1 == r2, f"{tag}: check --all: --jobs 2 gives the same output and exit status as --jobs 1",
       f"{r1[0]} {r2[0]}\n{r2[2][-800:]}")
    # rmap --all against kpagecount for every frame the samples map
    rc, o, err = run("rmap", "--all", "--json", "-k", vml, path)
    R = json.loads(o) if rc in (0, 1) and o else None
    ok(R is not None and rc == 0 and not sanitizer(err), f"{tag}: rmap --all runs (exit {rc})",
       err[-500:])
    if R:
        idx = {int(x[0], 16): x for x in R["pages"]}
        want = {}
        for l in open(os.path.join(oracle, "kpage")):
            f = l.split()
            if len(f) == 3 and int(f[1], 16):
                want[int(f[0], 16)] = int(f[1], 16)
        shared = sum(1 for c in want.values() if c >= n)
        bad = [f"pfn {p:#x}: kpagecount {c}, seen {idx.get(p, [0, 0])[1]}" for p, c in want.items()
               if idx.get(p, [0, 0])[1] != c]
        ok(shared >= 16384 and not bad,
           f"{tag}: rmap: the mappings seen of each of {len(want)} sampled frames equal "
           f"/proc/kpagecount ({shared} of them mapped by all {n} processes)", "\n".join(bad[:20]))
        ok(R["disagree"] == 0, f"{tag}: rmap: no folio's mapcount differs from its mappings "
           f"({len(R['pages'])} pages)", R["disagree"])
    # the hugetlb segment: one PMD table, its hundred sharers
    rc, o, err = run("hugetlb", "--json", "-k", vml, path)
    H = json.loads(o) if rc in (0, 1) and o else None
    tabs = [t for t in (H or {}).get("pmd_tables", []) if t["shared"]]
    con = open(os.path.join(d, "console.log"), errors="replace").read()
    m = re.search(r"wl-scale (\d+) processes map \d+ MiB; (\d+) share a hugetlb PMD table", con)
    hs = int(m[2]) if m else -1
    ok(len(tabs) == 1 and len(tabs[0]["sharers"]) == hs and hs > 1
       and tabs[0]["count"] == tabs[0]["count_expected"] and not tabs[0]["sharers_incomplete"]
       and tabs[0]["leaves"] == 16,
       f"{tag}: hugetlb: one PMD table shared by the {hs} processes the guest said, with the "
       f"kernel's count ({tabs and tabs[0]['count']}) and its 16 huge pages",
       tabs and {k2: tabs[0][k2] for k2 in ("count", "count_expected", "leaves")} or err[-500:])
    return out.buf


def tui(k, d):
    """The task list while the checks still run; the findings after."""
    sock = f"ptscope-scale-{os.getpid()}"
    tm = lambda *a: subprocess.run(["tmux", "-L", sock, *a], capture_output=True, text=True).stdout
    cap = lambda: tm("capture-pane", "-p", "-t", "t")
    last = lambda s: s.rstrip("\n").split("\n")[-1] if s else ""
    tm("kill-server")
    cmd = f"{rk.ptscope} -k {d}/vmlinux {d}/kdump-lzo; echo EXITED $?; sleep 600"
    tm("new-session", "-d", "-s", "t", "-x", "120", "-y", "40", cmd)
    first, end = None, time.time() + 120
    while time.time() < end:
        s = cap()
        # (a capture can fall between the writes of one screen update: the
        # rows painted, the status line still the one before; wait for it)
        if "PID   PPID COMM" in s and "reading the task list" not in last(s):
            first = s
            break
        time.sleep(0.05)
    ok(first is not None and "[checking" in last(first) and "..." in first,
       f"{k}: TUI: the task list is on screen while the background checks run "
       f"(status: {last(first).strip()!r})", first)
    end, done = time.time() + 600, None
    while time.time() < end:
        s = cap()
        if "? help" in last(s) and "[" not in last(s):
            done = s
            break
        time.sleep(0.2)
    ok(done is not None and "..." not in done, f"{k}: TUI: the background checks end and every "
       "FINDINGS cell is filled", done or cap())
    tm("send-keys", "-t", "t", "f")
    time.sleep(1)
    s = cap()
    m = re.search(r"no findings \((\d+) processes checked\)", s)
    ok(m is not None and int(m[1]) > 1000, f"{k}: TUI: the findings panel: no findings, "
       f"{m and m[1]} address spaces checked", s)
    tm("send-keys", "-t", "t", "F10")
    end = time.time() + 20
    while time.time() < end and "EXITED" not in cap():
        time.sleep(0.2)
    ok("EXITED 0" in cap(), f"{k}: TUI: F10 quits, exit 0", cap())
    tm("kill-server")


def main():
    ks = scale_kernels()
    out.buf = []
    ok(ks, "tests/kernels has a scale=N kernel", "")
    ok(KINDS, f"dump kinds to test the scale guest on ({KINDS})", "")
    flush(out.buf)
    byname = dict(ks)
    rk.run_jobs([k for k, _ in ks], lambda k: KINDS, lambda k, d, kind: job(k, d, kind, byname[k]))
    for k, _ in ks:
        r = subprocess.run([os.path.join(rk.top, "scripts", "testbed"), "path", k],
                           capture_output=True, text=True)
        if r.returncode == 0:
            out.buf = []
            tui(k, r.stdout.strip())
            flush(out.buf)
    sys.exit(tap.plan())


if __name__ == "__main__":
    main()
