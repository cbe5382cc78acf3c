#!/usr/bin/env python3
"""Injected-state tests (TAP): the dumps of every inject=1 kernel in
tests/kernels, whose guest loaded tests/guest/kmod's module after its oracle was
read.  The module's own account (oracle/inject, what the guest kernel said
it did) is the expectation: each injected state raises its check on the
object the module named, and nothing else is found.  The 1 GiB page of
wl-giga (a PUD leaf) is compared with the guest's pagemap as the clean
kernels' workloads are.  No inject kernel, or no dumps: a failure."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import realkernel as rk
import tap
from tap import flush, ok, out

top = rk.top


def inject_kernels():
    with open(os.path.join(top, "tests", "kernels")) as f:
        return [l.split()[0] for l in f if "inject=1" in l.split("#")[0].split()]


def facts(d):
    """oracle/inject: 'NAME key=value ...' lines, by name (list each)."""
    by = {}
    for l in open(os.path.join(d, "oracle", "inject")):
        w = l.split()
        if not w or "=" not in l:
            continue
        kv = dict(x.split("=", 1) for x in w[1:] if "=" in x)
        by.setdefault(w[0], []).append(kv)
    return by


def h(x):
    return int(x, 16) if isinstance(x, str) else x


def check_kind(k, d, kind, f):
    path, vml = os.path.join(d, kind), os.path.join(d, "vmlinux")
    fmt, flattened, comp, panicked = rk.KINDS[kind]
    c, err = rk.run_json("check", "--all", "--json", "-k", vml, path, partial_ok=True)
    ok(c is not None, f"{k} {kind}: check --all runs", err)
    if c is None:
        return
    fs = c["findings"]
    hgm, share, stale = f["hgm"][0], f["share"][0], f["stale"][0]
    a, b = f["abba-a"][0], f["abba-b"][0]
    want = {("B3", int(hgm["pid"]), "table", h(hgm["table_pfn"])),
            ("B5", int(share["pid"]), "table", h(share["table_pfn"])),
            ("B1", int(stale["pid"]), "vma", h(stale["vma"])),
            ("F3", int(a["holder"]), "task")}
    an = f["anon"][0]
    want |= {("D4", 0, "page", h(an["mapcount_raised_pfn"])), ("D5", int(an["pid"]), "entry"),
             ("D1", int(an["pid"]), "entry"), ("D2", int(an["pid"]), "anon_vma", h(an["anon_vma"]))}
    got = {(x["check"], x["pid"], x["object"], h(x["address"])) if x["check"] not in ("F3", "D5", "D1")
           else (x["check"], x["pid"], x["object"]) for x in fs if x["check"] != "F2"}
    ok(got == want, f"{k} {kind}: the injected states, and only they, are found "
       f"(B3 on table {hgm['table_pfn']}, B5 on {share['table_pfn']}, B1 on vma {stale['vma']}, "
       f"F3 on pid {a['holder']}, D4 on pfn {an['mapcount_raised_pfn']}, D5, D1 and D2 in pid "
       f"{an['pid']})", f"got {sorted(got)}\nwant {sorted(want)}")
    d1 = [x for x in fs if x["check"] == "D1"]
    ok(len(d1) == 1 and h(d1[0]["va"]) == h(an["unreachable_addr"])
       and an["unreachable_pfn"] in d1[0]["evidence"] and an["foreign_anon_vma"] in d1[0]["evidence"],
       f"{k} {kind}: D1 names the page the module pointed at anon_vma {an['foreign_anon_vma']}", d1)
    d2 = [x for x in fs if x["check"] == "D2"]
    ok(len(d2) == 1 and f"num_active_vmas {an['num_active_vmas']} " in d2[0]["evidence"],
       f"{k} {kind}: D2 names the count the module raised to {an['num_active_vmas']}", d2)
    # the rmap chain of that page follows the foreign anon_vma: the
    # mapping the guest had is not among what it finds
    ch, err = rk.run_json("rmap", "--json", "--pfn", an["unreachable_pfn"], "-k", vml, path,
                          partial_ok=True)
    ok(ch is not None and ch["anon_vma"] == an["foreign_anon_vma"] and ch["found"] == 0
       and not any(m["maps"] for m in ch["mappings"]),
       f"{k} {kind}: rmap --pfn {an['unreachable_pfn']} follows anon_vma {an['foreign_anon_vma']} "
       "and finds no mapping of it", ch or err)
    d5 = [x for x in fs if x["check"] == "D5"]
    ok(len(d5) == 1 and h(d5[0]["va"]) == h(an["addr"]) and an["exclusive_cleared_pfn"] in d5[0]["evidence"],
       f"{k} {kind}: D5 names the page whose AnonExclusive the module cleared", d5)
    f2 = [x for x in fs if x["check"] == "F2"]
    ok(len(f2) == 1 and f2[0]["pid"] in (int(a["holder"]), int(b["holder"]))
       and f"pid {a['holder']} " in f2[0]["evidence"] and f"pid {b['holder']} " in f2[0]["evidence"]
       and a["waits"] in f2[0]["evidence"] and b["waits"] in f2[0]["evidence"],
       f"{k} {kind}: F2: one deadlock, of pids {a['holder']} and {b['holder']} and the two "
       "locks each waits for", f2)
    b3 = [x for x in fs if x["check"] == "B3"]
    ok(b3 and h(b3[0]["va"]) == h(hgm["addr"]) and "512 pte entries" in b3[0]["evidence"]
       and f"pfn {hgm['folio_pfn']}-" in b3[0]["evidence"] and "one hugetlb folio" in b3[0]["evidence"],
       f"{k} {kind}: B3 says the range, its 512 PTEs and the folio the module mapped", b3)
    b1 = [x for x in fs if x["check"] == "B1"]
    ok(b1 and stale["now"] in b1[0]["evidence"], f"{k} {kind}: B1 names the stale pointer {stale['now']}",
       b1)

    hj, err = rk.run_json("hugetlb", "--json", "-k", vml, path, partial_ok=True)
    ok(hj is not None, f"{k} {kind}: hugetlb runs", err)
    if hj is None:
        return
    # The HGM-like range, as a high-granularity mapping of one folio.
    un = [v for v in hj["vmas"] if v["pid"] == int(hgm["pid"])]
    g = un[0]["hgm"] if un else []
    ok(len(g) == 1 and h(g[0]["va"]) == h(hgm["addr"]) and g[0]["level"] == "pte"
       and g[0]["pieces"] == 512 and g[0]["present"] == 512
       and h(g[0]["folio_pfn"]) == h(hgm["folio_pfn"]) and g[0]["one_folio"] and g[0]["contiguous"]
       and h(g[0]["table_pfn"]) == h(hgm["table_pfn"]),
       f"{k} {kind}: hugetlb shows the sub-mapping: 512 PTEs of folio {hgm['folio_pfn']} "
       f"in table {hgm['table_pfn']}", g)
    others = [(v["pid"], v["hgm"]) for v in hj["vmas"] if v["hgm"] and v["pid"] != int(hgm["pid"])]
    ok(not others, f"{k} {kind}: no other VMA has a high-granularity range", others)
    # The raised share count, against the sharers found.
    t = [x for x in hj["pmd_tables"] if h(x["pfn"]) == h(share["table_pfn"])]
    ok(t and t[0]["count"] == int(share["now"]) and t[0]["count_expected"] == int(share["count"])
       and len(t[0]["sharers"]) == int(share["count"]) + 1,
       f"{k} {kind}: table {share['table_pfn']}: kernel count {share['now']}, "
       f"{int(share['count']) + 1} sharers found", t and {x: t[0][x] for x in ("count", "count_expected")})
    # Its lock: the table's split lock, free.
    ok(t and t[0]["lock"] and t[0]["lock"]["kind"] == "spinlock" and t[0]["lock"]["state"] == "free",
       f"{k} {kind}: the shared table's split lock is free", t and t[0]["lock"])
    # The stale vma_lock: its vma pointer as the module left it.
    s3 = [v for v in hj["vmas"] if h(v["vma"]) == h(stale["vma"])]
    ok(s3 and s3[0]["vma_lock"] and h(s3[0]["vma_lock"]["lock"]) == h(stale["lock"])
       and h(s3[0]["vma_lock"]["vma"]) == h(stale["now"]),
       f"{k} {kind}: vma_lock {stale['lock']} points at {stale['now']}", s3 and s3[0]["vma_lock"])
    # The AB-BA pair: kthread B holds the vma_lock of the abba VMA for
    # read, kthread A waits for it for write.
    a, b = f["abba-a"][0], f["abba-b"][0]
    ab = [v for v in hj["vmas"] if v["pid"] == int(f["abba"][0]["pid"])]
    sema = ab[0]["vma_lock"]["rw_sema"] if ab and ab[0]["vma_lock"] else None
    ok(sema and h(sema["addr"]) == h(b["lock"]) and sema["state"] == "read-locked (1 reader)"
       and sema["owner"] and sema["owner"]["pid"] == int(b["holder"]) and not sema["owner"]["exact"]
       and [(w["pid"], w["mode"]) for w in sema["waiters"]] == [(int(a["holder"]), "write")],
       f"{k} {kind}: the vma_lock's rw_sema: 1 reader (hint: pid {b['holder']}), "
       f"pid {a['holder']} waits to write", sema)
    # Every other vma_lock and resv_map sema is free with nobody waiting.
    busy = [(v["pid"], v["start"]) for v in hj["vmas"] if v is not (ab[0] if ab else None)
            for s in ([v["vma_lock"]["rw_sema"]] if v["vma_lock"] else []) + [v["resv_rw_sema"]]
            if s and (s["state"] != "free" or s["waiters"])]
    ok(not busy, f"{k} {kind}: every other hugetlb rw_sema is free", busy)


def check_locks(k, d, kind, f):
    """locks --json against the module's account: owners exact where the
    kernel records them, the last reader as a hint, the waiters with their
    modes, the blocked tasks, the AB-BA cycle and the order violation."""
    path, vml = os.path.join(d, kind), os.path.join(d, "vmlinux")
    L, err = rk.run_json("locks", "--json", "-k", vml, path, partial_ok=True)
    ok(L is not None, f"{k} {kind}: locks runs", err)
    if L is None:
        return
    task = {t["name"]: t for t in f["task"]}
    by = {}
    for x in L["locks"]:
        by[h(x["lock"]["addr"])] = x
    def waiters(x):
        return [(w["pid"], w["mode"]) for w in x["lock"]["waiters"]]
    mm = f["mmap"][0]
    m = [x for x in L["locks"] if x["class"] == "mmap_lock" and h(x["object"]) == h(mm["mm"])]
    ok(m and m[0]["lock"]["state"] == "write-locked" and m[0]["lock"]["owner"]["pid"] == int(mm["holder"])
       and m[0]["lock"]["owner"]["exact"] and waiters(m[0]) == [(int(task["wl-lock-w"]["tid"]), "write")],
       f"{k} {kind}: mmap_lock of pid {mm['pid']}: written by pid {mm['holder']} (exact), "
       f"pid {task['wl-lock-w']['tid']} waits to write", m)
    im = f["imap"][0]
    i = [x for x in L["locks"] if x["class"] == "i_mmap_rwsem" and h(x["object"]) == h(im["mapping"])]
    ok(i and i[0]["lock"]["state"] == "read-locked (1 reader)" and
       i[0]["lock"]["owner"]["pid"] == int(im["holder"]) and not i[0]["lock"]["owner"]["exact"]
       and waiters(i[0]) == [(int(task["wl-imap-w"]["tid"]), "write")],
       f"{k} {kind}: i_mmap_rwsem of {im['mapping']}: 1 reader (hint: pid {im['holder']}), "
       f"pid {task['wl-imap-w']['tid']} waits to write", i)
    pt = f["ptl"][0]
    x = by.get(h(pt["lock"]))
    ok(x and x["class"] == "pt_lock" and h(x["object"]) == h(pt["table_pfn"])
       and x["lock"]["state"] == "locked" and int(pt["pid"]) in x["pids"],
       f"{k} {kind}: the split lock {pt['lock']} of table {pt['table_pfn']} is held", x)
    a, b = f["abba-a"][0], f["abba-b"][0]
    ia, vb = by.get(h(b["waits"])), by.get(h(a["waits"]))
    ok(ia and ia["class"] == "i_mmap_rwsem" and ia["lock"]["state"] == "write-locked"
       and ia["lock"]["owner"]["pid"] == int(a["holder"]) and ia["lock"]["owner"]["exact"]
       and waiters(ia) == [(int(b["holder"]), "read")]
       and vb and vb["class"] == "hugetlb_vma_lock" and vb["lock"]["state"] == "read-locked (1 reader)"
       and waiters(vb) == [(int(a["holder"]), "write")],
       f"{k} {kind}: AB-BA: pid {a['holder']} writes i_mmap_rwsem, waits for the vma_lock "
       f"pid {b['holder']} reads", (ia, vb))
    want = {int(task[n]["tid"]) for n in ("wl-lock-w", "wl-imap-w", "ptscope-abba-a", "ptscope-abba-b")}
    got = {x["pid"] for x in L["blocked"]}
    ok(got == want and all(x["state"] == "D" for x in L["blocked"]),
       f"{k} {kind}: the blocked tasks are the four the guest saw in D", (sorted(got), sorted(want)))
    cyc = [{y["pid"] for y in c["cycle"]} for c in L["deadlocks"]]
    ok(cyc == [{int(a["holder"]), int(b["holder"])}] and not L["deadlocks"][0]["exact"],
       f"{k} {kind}: one deadlock, pids {a['holder']} and {b['holder']} (one edge from the reader "
       "hint)", L["deadlocks"])
    lo = [(y["pid"], y["waits_for_class"], y["holds_class"]) for y in L["lock_order"]]
    ok(lo == [(int(a["holder"]), "hugetlb_vma_lock", "i_mmap_rwsem")],
       f"{k} {kind}: one lock-order violation: pid {a['holder']} blocks on the vma_lock "
       "holding i_mmap_rwsem", lo)
    # report runs the checks first, and its lock scan takes the page
    # tables from their walks (the one pass): the same locks as the scan's
    # own walk, the held split lock of a PTE table included
    held = sum(1 for x in L["locks"] if x["lock"]["held"])
    waited = sum(1 for x in L["locks"] if x["lock"]["waiters"])
    r = rk.subprocess.run([rk.ptscope, "report", "--format", "triage", "-k", vml, path],
                          capture_output=True, text=True, timeout=600)
    line = [l for l in r.stdout.splitlines() if l.startswith("locks:")]
    want = f"locks:    1 deadlock; {held} held, {waited} waited for"
    ok(line == [want] and any(x["class"] == "pt_lock" and x["lock"]["held"] for x in L["locks"]),
       f"{k} {kind}: report's locks from the one pass equal locks' own scan: {want!r}",
       (line, r.stderr[-500:]))
    Lp, err = rk.run_json("locks", "--json", "-p", mm["pid"], "-k", vml, path, partial_ok=True)
    ok(Lp and [x["class"] for x in Lp["locks"]] == ["mmap_lock"] and
       h(Lp["locks"][0]["object"]) == h(mm["mm"]),
       f"{k} {kind}: locks -p {mm['pid']}: its one held lock, the mmap_lock", Lp and Lp["locks"])


def offsetof(d, t, m):
    p = rk.subprocess.run([rk.ptscope, "offsetof", "-k", os.path.join(d, "vmlinux"),
                           os.path.join(d, "qemu.elf"), t, m], capture_output=True, text=True)
    return int(p.stdout.split()[0])


def check_corrupt_waiters(k, d, f):
    """A wait list that loops without coming back to the lock: the walk
    ends, the waiters read so far are kept and the list is said to be
    incomplete; no hang."""
    mm = h(f["mmap"][0]["mm"])
    head = mm + offsetof(d, "struct mm_struct", "mmap_lock") + \
        offsetof(d, "struct rw_semaphore", "wait_list")
    x = mm + 0x800   # any kernel memory: made to point at itself
    env = dict(os.environ, PTSCOPE_TEST_PATCH=f"K:{head:x}={x:x};K:{x:x}={x:x}")
    p = rk.subprocess.run([rk.ptscope, "locks", "--json", "-p", f["mmap"][0]["pid"], "-k",
                           os.path.join(d, "vmlinux"), os.path.join(d, "qemu.elf")],
                          capture_output=True, text=True, env=env, timeout=120)
    L = rk.json.loads(p.stdout) if p.returncode in (0, 1) and p.stdout else None
    m = [x for x in (L or {}).get("locks", []) if x["class"] == "mmap_lock"]
    ok(p.returncode == 1 and m and not m[0]["lock"]["waiters_complete"]
       and any("wait list" in n for n in L["incomplete"]),
       f"{k}: a looping wait list ends the walk and is said to be incomplete",
       p.stdout[-1500:] + p.stderr)


def check_hgm_rules(k, d, f):
    """C2, the HGM rules: no bootable kernel has HGM, so PTSCOPE_TEST_HGM=1
    makes ptscope apply them.  The module's mapping keeps them (one folio,
    each piece at its offset): nothing found; one piece pointed at
    another frame breaks them: C2, and never B3."""
    hgm = f["hgm"][0]
    path, vml = os.path.join(d, "qemu.elf"), os.path.join(d, "vmlinux")
    env = dict(os.environ, PTSCOPE_TEST_HGM="1")
    args = [rk.ptscope, "check", "--json", "-p", hgm["pid"], "-k", vml, path]
    p = rk.subprocess.run(args, capture_output=True, text=True, env=env)
    c = rk.json.loads(p.stdout) if p.returncode in (0, 1) and p.stdout else None
    ok(c is not None and p.returncode == 0 and not c["findings"],
       f"{k}: with HGM rules, the module's mapping of one folio in order is legal", p.stdout + p.stderr)
    pte1 = h(hgm["table_pfn"]) * 4096 + 8
    env["PTSCOPE_TEST_PATCH"] = f"P:{pte1:x}=8000000001234067"
    p = rk.subprocess.run(args, capture_output=True, text=True, env=env)
    c = rk.json.loads(p.stdout) if p.returncode in (0, 1) and p.stdout else None
    ids = [x["check"] for x in c["findings"]] if c else []
    ok(p.returncode == 1 and ids == ["C2"] and "not all of one hugetlb folio" in c["findings"][0]["evidence"],
       f"{k}: with HGM rules, a piece of another frame is C2", p.stdout + p.stderr)


def check_giga(k, d, kind):
    """The 1 GiB page: a PUD leaf of wl-giga, equal to the pagemap."""
    path, vml = os.path.join(d, kind), os.path.join(d, "vmlinux")
    tasks = [rk.parse_stat(l) for l in open(os.path.join(d, "oracle", "tasks")) if l.strip()]
    g = [t for t in tasks if t["comm"] == "wl-giga"]
    ok(g, f"{k}: wl-giga ran", "")
    if not g:
        return
    pid = g[0]["pid"]
    w, err = rk.run_json("walk", "--json", "-p", str(pid), "-k", vml, path, partial_ok=True)
    pud = [e for e in (w or {}).get("entries", []) if e["level"] == "pud" and e["kind"] == "present"]
    ok(len(pud) == 1 and pud[0]["size"] == 1 << 30 and int(pud[0]["pfn"], 16) % (1 << 18) == 0
       and pud[0].get("hstate") == 1 << 30,
       f"{k} {kind}: wl-giga maps its 1 GiB page with one PUD leaf", pud or err)
    hj, err = rk.run_json("hugetlb", "--json", "-p", str(pid), "-k", vml, path, partial_ok=True)
    v = [x for x in (hj or {}).get("vmas", []) if x["pid"] == pid]
    st = [x for x in (hj or {}).get("hstates", []) if x["page_size"] == 1 << 30]
    ok(v and v[0]["page_size"] == 1 << 30 and st and st[0]["nr_huge_pages"] == 1
       and st[0]["free_huge_pages"] == 0,
       f"{k} {kind}: hugetlb: wl-giga's VMA is of the 1 GiB hstate, whose one page is in use",
       (v, st))
    rk.check_mm(k, d, kind, pid, "wl-giga")


def job(k, d, kind, f):
    out.buf = []
    check_kind(k, d, kind, f)
    check_locks(k, d, kind, f)
    check_giga(k, d, kind)
    return out.buf


def main():
    ks = inject_kernels()
    out.buf = []
    ok(ks, "tests/kernels has an inject=1 kernel", "")
    flush(out.buf)
    for k in ks:
        p = rk.subprocess.run([os.path.join(top, "scripts", "testbed"), "path", k],
                              capture_output=True, text=True)
        d = p.stdout.strip()
        out.buf = []
        ok(p.returncode == 0 and os.path.isdir(d), f"{k}: test-bed dumps exist", p.stderr)
        have = p.returncode == 0 and os.path.exists(os.path.join(d, "oracle", "inject"))
        ok(have, f"{k}: the guest's account of the injected states exists", d)
        flush(out.buf)
        if not have:
            continue
        f = facts(d)
        out.buf = []
        need = ("hgm", "share", "stale", "abba", "abba-a", "abba-b", "mmap", "imap", "ptl", "anon")
        ok(all(n in f for n in need) and f.get("done", [{}])[0].get("err") == "0",
           f"{k}: the module did all it was asked", f)
        flush(out.buf)
        if not all(n in f for n in need):
            continue
        out.buf = []
        check_hgm_rules(k, d, f)
        check_corrupt_waiters(k, d, f)
        flush(out.buf)
        for kind in rk.kernel_kinds(k):
            try:
                flush(job(k, d, kind, f))
            except Exception as e:
                flush([(False, f"{k} {kind}: test job raised {e!r}")])
    sys.exit(tap.plan())


if __name__ == "__main__":
    main()
