#!/usr/bin/env python3
"""The TUI in a real terminal: ptscope driven in tmux (send-keys,
capture-pane) on the test bed's dumps, its screens checked against the
guest's own /proc (the oracle).  A failing run keeps its screen captures in
tests/tui-artefacts/ of the build directory.  Fails, never skips, when tmux
or the dumps are missing."""
import json, os, re, shutil, subprocess, sys, time

import tap

top = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", ".."))
builddir = os.environ.get("top_builddir", top)
ptscope = os.environ.get("PTSCOPE", os.path.join(builddir, "src", "ptscope"))
art = os.path.join(builddir, "tests", "tui-artefacts")
sock = f"ptscope-test-{os.getpid()}"


def ok(cond, name, detail=""):
    """tap.ok, and a failing screen kept in tests/tui-artefacts/."""
    if not tap.ok(cond, name, detail, lines=60):
        os.makedirs(art, exist_ok=True)
        with open(os.path.join(art, f"{tap.n:03d}.txt"), "w") as f:
            f.write(f"{name}\n\n{cap()}\n")
    return cond


def tmux(*a):
    return subprocess.run(["tmux", "-L", sock, *a], capture_output=True, text=True).stdout


def cap():
    return tmux("capture-pane", "-p", "-t", "t")


def keys(*k, wait=0.3):
    tmux("send-keys", "-t", "t", *k)
    time.sleep(wait)


def wait_for(pred, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        s = cap()
        if pred(s):
            return s
        time.sleep(0.1)
    return None


def status_line(s):
    lines = s.rstrip("\n").split("\n")
    return lines[-1] if lines else ""


def pagemap(odir, pid):
    pm = {}
    for l in open(os.path.join(odir, f"pid-{pid}", "pagemap")):
        a, b = l.split()
        pm[int(a, 16)] = int(b, 16)
    return pm


def smaps_vmas(odir, pid):
    """(start, end, fields) for each VMA of /proc/PID/smaps."""
    out, cur = [], None
    for l in open(os.path.join(odir, f"pid-{pid}", "smaps")):
        m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) ", l)
        if m:
            cur = (int(m[1], 16), int(m[2], 16), {})
            out.append(cur)
        elif cur and ":" in l:
            k, v = l.split(":", 1)
            cur[2][k.strip()] = v.strip()
    return out


def tasks(odir):
    t = {}
    for l in open(os.path.join(odir, "tasks")):
        m = re.match(r"^(\d+) \((.*)\) ", l)
        if m:
            t[int(m[1])] = m[2]
    return t


def start(d, kind, cols=120, rows=40, env=""):
    tmux("kill-server")
    v = os.path.join(d, "vmlinux")
    cmd = (f"{env} {ptscope} -k {v} {d}/{kind}; echo EXITED $?; "
           "echo TTY $(stty -a | grep -ow -e -icanon -e icanon -e -echo -e echo); sleep 600")
    for _ in range(20):	# the old server may still be going away
        time.sleep(0.25)
        r = subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-s", "t", "-x", str(cols),
                            "-y", str(rows), cmd], capture_output=True, text=True)
        if r.returncode == 0:
            break
    return wait_for(lambda s: "PID   PPID COMM" in s, 90)


def entry_shown(s):
    """The entry panel is drawn (built before it is drawn, so complete)."""
    return "[Entry]" in s and re.search(r"^(pte|pmd|pud) entry at 0x", s, re.M) is not None


def detail_pfn(s):
    m = re.search(r"^  pfn (0x[0-9a-f]+) \(physical", s, re.M)
    return int(m[1], 16) if m else None


def detail_va(s):
    m = re.search(r"^(pte|pmd|pud) entry at (0x[0-9a-f]+)", s, re.M)
    return (m[1], int(m[2], 16)) if m else (None, None)


def filter_task(pid, comm):
    keys("t")
    keys("\\")
    keys(comm, "Enter", wait=0.5)
    return wait_for(lambda s: re.search(rf"^\s*{pid}\s", s, re.M) is not None, 10)


def open_vma_and_detail(tag, odir, pid, comm, start_va, level, pm):
    """Task list -> this task -> the VMA at start_va -> its first entry's
    detail; the PFN shown must be the oracle's."""
    s = filter_task(pid, comm)
    ok(s is not None and "init " not in s, f"{tag}: filtered the task list to {pid} {comm}", s)
    keys("Enter", wait=1)
    s = wait_for(lambda s: "[Address space]" in s, 30)
    ok(s is not None and f"pid {pid} ({comm[:15]})" in status_line(s),
       f"{tag}: Enter opens {comm}'s address space", s)
    keys("/")
    keys(f"{start_va:016x}", "Enter", wait=0.5)
    keys("Enter", wait=1)
    s = wait_for(lambda s: "[Page tables]" in s, 30)
    ok(s is not None, f"{tag}: Enter on the VMA at {start_va:#x} opens its page tables", s)
    keys("d", wait=1)
    s = wait_for(entry_shown, 60)
    lv, va = detail_va(s or "")
    want = pm.get(start_va, 0)
    want_pfn = want & ((1 << 55) - 1) if want >> 63 else None
    ok(s is not None and lv == level and va == start_va and detail_pfn(s) == want_pfn,
       f"{tag}: the {level} entry at {start_va:#x}: pfn {detail_pfn(s or '') if s else None} "
       f"= pagemap's {want_pfn and hex(want_pfn)}", s)
    keys("q")
    keys("q")


def main():
    if not shutil.which("tmux"):
        ok(False, "tmux is installed")
        return tap.plan()
    shutil.rmtree(art, ignore_errors=True)
    kernels = [l.split()[0] for l in open(os.path.join(top, "tests", "kernels"))
               if l.strip() and not l.startswith("#")]
    main_kernels = [k for k in kernels if "inject" not in k and "scale" not in k]
    # the default kernel and the newest (sid when the matrix has it)
    newest = next((k for k in main_kernels if k == "sid"), main_kernels[-1])
    chosen = [main_kernels[0]] + ([newest] if newest != main_kernels[0] else [])
    inject = [k for k in kernels if "inject" in k]
    # and the first arm64 kernel: a run of PTEs whose AF differs, opened
    arm = [l.split()[0] for l in open(os.path.join(top, "tests", "kernels"))
           if l.strip() and not l.startswith("#") and "arch=arm64" in l][:1]
    for k in arm:
        r = subprocess.run([os.path.join(top, "scripts", "testbed"), "path", k],
                           capture_output=True, text=True)
        d = r.stdout.strip()
        if ok(r.returncode == 0 and os.path.isdir(d), f"{k}: test-bed dumps exist"):
            young_run(k, d)
    for k in chosen + inject[:1]:
        r = subprocess.run([os.path.join(top, "scripts", "testbed"), "path", k],
                           capture_output=True, text=True)
        d = r.stdout.strip()
        if not ok(r.returncode == 0 and os.path.isdir(d), f"{k}: test-bed dumps exist"):
            continue
        odir = os.path.join(d, "oracle")
        t = tasks(odir)
        # the default kernel's real kdump; the newest kernel's QEMU dump
        # (sid's -d 31 kdump lacks some workloads' task_structs: the
        # bookworm makedumpfile does not know 7.x's page types)
        kind = "kdump-lzo" if k == main_kernels[0] or "inject" in k else "qemu.elf"
        # the injected-state kernel in monochrome ASCII
        s = start(d, kind, env="NO_COLOR=1 PTSCOPE_ASCII=1" if "inject" in k else "")
        if not ok(s is not None, f"{k}: the TUI opens on {kind}'s task list", s):
            continue
        ok(all(re.search(rf"^\s*{p}\s", s, re.M) for p in (1, 2)),
           f"{k}: the task list shows pid 1 and 2", s)
        if "inject" in k:
            finding_jump(k, odir, t)
            killed_check(k)
        else:
            browse(k, odir, t)
            quit_check(k)
    tmux("kill-server")
    return tap.plan()


def young_run(k, d):
    """arm64 maps fault-around pages old: wl-big's PTEs alternate AF.  A run
    of consecutive frames whose AF differs is one row of the tree with the
    young entries counted; opened, each entry is the table's own (raw, AF)."""
    odir = os.path.join(d, "oracle")
    t = tasks(odir)
    big = next((p for p, c in t.items() if c == "wl-big"), None)
    if not ok(big is not None, f"{k}: wl-big is in the oracle"):
        return
    pm = pagemap(odir, big)
    memfd = next(v for v in smaps_vmas(odir, big) if pm.get(v[0], 0) >> 63 and v[1] - v[0] >= 1 << 20)
    r = subprocess.run([ptscope, "walk", "--json", "-p", str(big), "--range", f"{memfd[0]:x}-{memfd[1]:x}",
                        "-k", os.path.join(d, "vmlinux"), os.path.join(d, "qemu.elf")],
                       capture_output=True, text=True)
    ents = json.loads(r.stdout)["entries"] if r.returncode == 0 else []
    # an entry whose AF differs from the one before it, same frame run
    pick = None
    for a, b in zip(ents, ents[1:]):
        fa, fb = set(a["flags"]) - {"af"}, set(b["flags"]) - {"af"}
        if (a["level"] == b["level"] == "pte" and int(b["va"], 16) == int(a["va"], 16) + 4096
                and int(b["pfn"], 16) == int(a["pfn"], 16) + 1 and fa == fb
                and ("af" in a["flags"]) != ("af" in b["flags"])):
            pick = b
            break
    if not ok(pick is not None, f"{k}: wl-big has two PTEs in a frame run that differ in AF",
              r.stderr[-400:]):
        return
    va = int(pick["va"], 16)
    s = start(d, "qemu.elf", cols=180)	# arm64's flag words are long
    if not ok(s is not None, f"{k}: the TUI opens on qemu.elf's task list", s):
        return
    filter_task(big, "wl-big")
    keys("Enter", wait=1)
    wait_for(lambda s: "[Address space]" in s, 60)
    keys("p", wait=0.5)
    keys("g")
    keys(f"{va:x}", "Enter", wait=1)
    s = cap()
    ok(re.search(r"\(young on \d+ of \d+\)", s) is not None,
       f"{k}: the run holding {va:#x} is one row, its young entries counted", s)
    keys("d", wait=1)
    s = wait_for(entry_shown, 90)
    lv, got = detail_va(s or "")
    m = re.search(r"^  raw (0x[0-9a-f]+)  present: (.*)$", s or "", re.M)
    ok(s is not None and lv == "pte" and got == va and m and int(m[1], 16) == int(pick["raw"], 16)
       and ("af" in m[2].split()) == ("af" in pick["flags"]) and detail_pfn(s) == pm[va] & ((1 << 55) - 1),
       f"{k}: inside that run the PTE at {va:#x} is the table's own: raw {pick['raw']}, "
       f"af {'on' if 'af' in pick['flags'] else 'off'}, pagemap's pfn", s)
    keys("q")
    keys("F10", wait=1)


def browse(k, odir, t):
    by = {c: p for p, c in t.items()}
    # A THP and a hugetlb VMA: the first AnonHugePages and 2 MiB hugetlb
    # VMA that smaps shows, among the workloads.
    thp = huge = None
    for pid, comm in sorted(t.items()):
        if not comm.startswith("wl-") or not os.path.isdir(os.path.join(odir, f"pid-{pid}")):
            continue
        for s0, e0, f in smaps_vmas(odir, pid):
            ahp = int(f.get("AnonHugePages", "0 kB").split()[0])
            kps = int(f.get("KernelPageSize", "4 kB").split()[0])
            if not thp and ahp >= 2048:
                pm = pagemap(odir, pid)
                # the first 2 MiB-aligned page of the VMA that pagemap shows present
                va = next((a for a in range((s0 + 0x1fffff) & ~0x1fffff, e0, 0x200000)
                           if pm.get(a, 0) >> 63), None)
                if va:
                    thp = (pid, comm, s0, va)
            if not huge and kps == 2048 and (pagemap(odir, pid).get(s0, 0) >> 63):
                huge = (pid, comm, s0)
    ok(thp is not None, f"{k}: the oracle has a THP VMA", thp)
    ok(huge is not None, f"{k}: the oracle has a present 2 MiB hugetlb VMA", huge)
    if huge:
        pid, comm, s0 = huge
        open_vma_and_detail(f"{k} hugetlb", odir, pid, comm, s0, "pmd", pagemap(odir, pid))
    if thp:
        pid, comm, s0, va = thp
        pm = pagemap(odir, pid)
        # go straight to the huge page's address
        filter_task(pid, comm)
        keys("Enter", wait=1)
        wait_for(lambda s: "[Address space]" in s, 30)
        keys("g")
        keys(f"{va:x}", "Enter", wait=1)
        keys("d", wait=1)
        s = wait_for(entry_shown, 60)
        lv, got = detail_va(s or "")
        want = pm[va] & ((1 << 55) - 1)
        ok(s is not None and lv == "pmd" and got == va and detail_pfn(s) == want,
           f"{k} THP: g {va:x}: a pmd entry, pfn {detail_pfn(s or '') if s else None} = pagemap's {want:#x}", s)
        keys("q")
    # Down to a PTE in wl-big: expand the tree by hand from its VMA.
    big = by.get("wl-big")
    if not ok(big is not None, f"{k}: wl-big is in the oracle"):
        return
    pm = pagemap(odir, big)
    vmas = smaps_vmas(odir, big)
    memfd = next(v for v in vmas if pm.get(v[0], 0) >> 63 and v[1] - v[0] >= 1 << 20)
    open_vma_and_detail(f"{k} wl-big", odir, big, "wl-big", memfd[0], "pte", pm)
    # Search an address in the page tables: the run holding a page well
    # inside that VMA, then its detail.
    filter_task(big, "wl-big")
    keys("Enter", wait=1)
    keys("p", wait=0.5)
    target = memfd[0] + 0x1000 * 300
    keys("g")
    keys(f"{target:x}", "Enter", wait=1)
    s = cap()
    cur_va = None
    keys("d", wait=1)
    s = wait_for(entry_shown, 60)
    lv, cur_va = detail_va(s or "")
    want = pm[target] & ((1 << 55) - 1)
    ok(s is not None and lv == "pte" and cur_va == target and detail_pfn(s) == want,
       f"{k}: g {target:x} lands on that PTE, pfn {detail_pfn(s or '') if s else None} = pagemap's {want:#x}", s)
    keys("q")
    keys("/")
    keys(f"pfn {want:#x}", "Enter", wait=0.5)
    s = cap()
    ok("not found" not in status_line(s) and f"pfn {want:#x}" in s,
       f"{k}: / finds 'pfn {want:#x}' in the page tables", s)
    # Resize to 80x24 and back.
    tmux("resize-window", "-t", "t", "-x", "80", "-y", "24")
    s = wait_for(lambda s: len(s.rstrip("\n").split("\n")) <= 24 and "? help" in status_line(s)
                 and "Page tables" in s.split("\n")[0], 10)
    ok(s is not None, f"{k}: redrawn at 80x24 (title, status line)", s)
    tmux("resize-window", "-t", "t", "-x", "120", "-y", "40")
    s = wait_for(lambda s: len(s.rstrip("\n").split("\n")) > 30 and "? help" in status_line(s), 10)
    ok(s is not None, f"{k}: redrawn at 120x40", s)
    keys("?", wait=0.5)
    s = cap()
    ok("Tab / Shift-Tab" in s and "F10" in s, f"{k}: ? shows the keys", s)
    keys("q")


def loaded(timeout=300):
    """The background load (checks, lock scan) is over: the status line
    shows no [stage n/m]."""
    return wait_for(lambda s: "? help" in status_line(s) and "[" not in status_line(s), timeout)


def finding_jump(k, odir, t):
    ok(loaded() is not None, f"{k}: the background checks end", cap())
    keys("f", wait=1)
    s = cap()
    rows = [l for l in s.split("\n")[1:-1] if re.match(r"^(warning|error)\s", l)]
    m, idx = None, 0
    for idx, l in enumerate(rows):
        m = re.match(r"^(warning|error)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(0x[0-9a-f]+) va (0x[0-9a-f]+):", l)
        if m:
            break
    if not ok(m is not None, f"{k}: the findings panel lists a finding with an address", s):
        return
    # move the cursor to that row and jump
    for _ in range(idx):
        keys("j", wait=0.05)
    keys("Enter", wait=2)
    s = wait_for(lambda s: "[Page tables]" in s, 30)
    pid, va = int(m[3]), int(m[7], 16)
    ok(s is not None and f"pid {pid} " in status_line(s),
       f"{k}: Enter on finding {m[2]} opens pid {pid}'s page tables", s)
    keys("d", wait=1)
    s = wait_for(entry_shown, 60)
    lv, got = detail_va(s or "")
    size = {"pte": 0x1000, "pmd": 0x200000, "pud": 0x40000000}.get(lv, 0)
    ok(s is not None and got is not None and got <= va < got + size and m[2] in s,
       f"{k}: the entry there covers {va:#x} and names finding {m[2]}", s)
    keys("q")


def killed_check(k):
    """Drawn in ASCII; a fatal signal still restores the terminal."""
    keys("p", wait=0.5)
    s = cap()
    body = s.split("\n")[1:-1]
    ok(any(l.startswith("| ") for l in body) and any(l.startswith("- ") for l in body)
       and not any(ord(ch) > 127 for l in body for ch in l),
       f"{k}: PTSCOPE_ASCII=1: the tree is drawn in ASCII ('- ' open, '| ' guides)", s)
    shell = tmux("display-message", "-p", "-t", "t", "#{pane_pid}").strip()
    kids = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
    for p in kids:
        subprocess.run(["kill", "-TERM", p])
    s = wait_for(lambda s: "TTY " in s, 10)
    m = re.search(r"^TTY (.*)$", s or "", re.M)
    ok(s is not None and "EXITED 143" in s and m is not None and set(m[1].split()) == {"icanon", "echo"},
       f"{k}: killed by SIGTERM, the terminal is restored (stty: {m and m[1]})", s)


def quit_check(k):
    keys("t")
    keys("q", wait=1)
    s = wait_for(lambda s: "EXITED" in s, 10)
    ok(s is not None and "EXITED 0" in s, f"{k}: q on the task list quits, exit 0", s)
    s = wait_for(lambda s: "TTY " in s, 5)
    m = re.search(r"^TTY (.*)$", s or "", re.M)
    ok(m is not None and set(m[1].split()) == {"icanon", "echo"},
       f"{k}: the terminal is restored (stty: {m and m[1]})", s)


if __name__ == "__main__":
    sys.exit(main())
