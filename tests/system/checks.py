#!/usr/bin/env python3
"""Each check fires (TAP): synthetic corruption laid over real test-bed dumps
through PTSCOPE_TEST_PATCH (8-byte overlays on the dump's memory, never
written to the file), for states a healthy kernel does not produce.  Every
patched run must name the expected check, finish in bounded time (loops in
tables and trees), and never crash."""
import json, os, subprocess, sys

import tap
from tap import ok
from realkernel import guest_lpa2, guest_page

top = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", ".."))
ptscope = os.environ.get("PTSCOPE", os.path.join(top, "src", "ptscope"))
M64 = (1 << 64) - 1


def run(args, patch=None, timeout=120):
    env = dict(os.environ)
    if patch:
        env["PTSCOPE_TEST_PATCH"] = ";".join(
            f"{x[0]}:{x[1]:x}={x[2] & M64:x}" + (f"/{x[3]}" if len(x) > 3 else "") for x in patch)
    try:
        p = subprocess.run([ptscope, *args], capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", "timed out"
    # scripts/snapshot-record replays these runs into the fast tier's snapshots
    if os.environ.get("PTSCOPE_SNAP_LOG"):
        with open(os.environ["PTSCOPE_SNAP_LOG"], "a") as f:
            f.write(json.dumps({"args": args, "patch": env.get("PTSCOPE_TEST_PATCH")}) + "\n")
    return p.returncode, p.stdout, p.stderr


def dump_dir(name):
    p = subprocess.run([os.path.join(top, "scripts", "testbed"), "path", name],
                       capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else None


def swp(typ, off):
    """x86-64 __swp_entry(): type in bits 59-63, offset inverted in 9-58."""
    return (typ << 59) | ((((~off) << 14) & M64) >> 5)


class Dump:
    def __init__(self, name, kind="qemu.elf"):
        self.d = dump_dir(name)
        self.path = os.path.join(self.d, kind)
        self.vml = os.path.join(self.d, "vmlinux")
        tasks = [l for l in open(os.path.join(self.d, "oracle", "tasks")) if "(wl-basic)" in l]
        self.pid = int(tasks[0].split()[0])

    def json(self, *args):
        rc, out, err = run([args[0], "--json", "-k", self.vml, *args[1:], self.path])
        return json.loads(out)

    def offsetof(self, t, m):
        rc, out, err = run(["offsetof", "-k", self.vml, self.path, t, m])
        return int(out.split()[0])

    def check(self, patch, what, want, all_=False):
        who = ["--all"] if all_ else ["-p", str(self.pid)]
        rc, out, err = run(["check", "--json", *who, "-k", self.vml, self.path], patch)
        if rc is None:
            ok(False, f"{what}: check finishes", err)
            return
        sane = "Sanitizer" not in err and "runtime error" not in err and rc in (1, 2)
        c = json.loads(out) if rc == 1 and out else {"findings": []}
        ids = {f["check"] for f in c["findings"]}
        ok(sane and want in ids, f"{what}: check {want} fires (exit {rc})",
           f"findings {[(f['check'], f['evidence']) for f in c['findings'][:8]]}\n{err}")


def expected_swap_types(d):
    """The numbering of swap types above MAX_SWAPFILES, computed from the
    kernel's config and version as include/linux/swap.h lays it out
    (INVARIANTS E1), independently of how ptscope derives it."""
    kdir = os.path.dirname(os.path.realpath(os.path.join(d, "vmlinux")))
    cfg = os.path.join(kdir, "config")
    if not os.path.exists(cfg):
        return None
    conf = {}
    for l in open(cfg):
        if l.startswith("CONFIG_") and "=" in l:
            a, b = l.strip().split("=", 1)
            conf[a] = b
    rel = os.path.basename(kdir)
    ver = tuple(int(x) for x in rel.split("-")[0].split("+")[0].split(".")[:2])
    hw = conf.get("CONFIG_MEMORY_FAILURE") == "y"
    mig = ["migration_read"] + (["migration_read_exclusive"] if ver >= (5, 19) else []) + ["migration_write"]
    dev = []
    if conf.get("CONFIG_DEVICE_PRIVATE") == "y":
        dev = ["device_private_write", "device_private_read"]
        if (5, 14) <= ver < (6, 15):
            dev += ["device_exclusive_write", "device_exclusive_read"]
        elif ver >= (6, 15):
            dev += ["device_exclusive"]
    # CONFIG_PTE_MARKER from v5.19 until the option went away (always on)
    marker = ver >= (5, 19) and conf.get("CONFIG_PTE_MARKER", "y" if ver >= (6, 6) else "n") == "y"
    swe = (6, 1) <= ver < (6, 5)
    names = (["hwpoison"] if hw else []) + mig + dev + (["pte_marker"] if marker else []) + \
        (["swapin_error"] if swe else [])
    first = 32 - len(names)
    return {"max_swapfiles": first, **{n: first + i for i, n in enumerate(names)}}


def decode_tests(name):
    """Swap-type numbering against the config; every special kind this
    kernel has, laid over one PTE, decodes to its kind, mode and frame."""
    d = Dump(name)
    w = d.json("walk", "-p", str(d.pid))
    st = w["swap_types"]
    want = expected_swap_types(d.d)
    got = {k: v for k, v in st.items() if k not in ("known", "why", "derived") and v is not None}
    if "device_exclusive" in (want or {}):
        got.pop("device_exclusive_read", None)
        got["device_exclusive"] = got.pop("device_exclusive_write", None)
    ok(want is not None and st["known"] and got == want,
       f"{name}: swap types above MAX_SWAPFILES as the config and swap.h say", f"{got}\n{want}")
    e = [x for x in w["entries"] if x["kind"] == "present" and x["level"] == "pte"][0]
    pa = int(e["table_pfn"], 16) * 4096 + ((int(e["va"], 16) >> 12) & 511) * 8
    cases = [("migration_read", "migration", "read"), ("migration_read_exclusive", "migration",
              "read_exclusive"), ("migration_write", "migration", "write"),
             ("hwpoison", "hwpoison", None), ("device_private_write", "device_private", "write"),
             ("device_private_read", "device_private", "read"),
             ("device_exclusive_write", "device_exclusive", "write")]
    for key, kind, mode in cases:
        t = st.get(key)
        if t is None:
            continue
        rc, out, err = run(["walk", "--json", "-p", str(d.pid), "--range",
                            f"{int(e['va'], 16):x}-{int(e['va'], 16) + 4096:x}", "-k", d.vml, d.path],
                           [("P", pa, swp(t, 0x1234) | 0x2)])   # + soft-dirty
        x = json.loads(out)["entries"] if rc == 0 else []
        ok(x and x[0]["kind"] == kind and x[0]["pfn"] == "0x1234" and (not mode or mode in x[0]["flags"])
           and "soft_dirty" in x[0]["flags"],
           f"{name}: a {key.replace('_', ' ')} entry (type {t}) decodes as {kind}"
           f"{' ' + mode if mode else ''} with its frame", x or err)


def hugetlb_tests(name):
    """B1-B5 fire on states laid over the hugetlb workload of a real dump."""
    d = Dump(name)
    tasks = {l.split()[1].strip("()"): int(l.split()[0])
             for l in open(os.path.join(d.d, "oracle", "tasks")) if l.strip()}
    h = d.json("hugetlb")
    shared = [t for t in h["pmd_tables"] if t["shared"]]
    ok(shared, f"{name}: the dump has a shared PMD table", h["pmd_tables"])
    if not shared:
        return
    t = shared[0]
    s2 = [x for x in t["sharers"] if x["pid"] == tasks["wl-huge-s2"]][0]
    rc, out, err = run(["vtop", "--json", "-k", d.vml, "-p", str(s2["pid"]), d.path, s2["va"]])
    step = [s for s in json.loads(out)["steps"] if s["level"] == "pmd"][0]
    page = int(step["table_page"], 16)
    if h["share_count_source"] == "pt_share_count":
        try:
            off = d.offsetof("struct ptdesc", "pt_share_count")
        except (ValueError, IndexError):
            off = d.offsetof("struct page", "pt_share_count")
    else:
        off = d.offsetof("struct page", "_refcount")
    d.check([("K", page + off, t["count"] + 1, 4)], f"{name}: share count one too high", "B5", True)
    d.check([("K", page + off, t["count"] - 1, 4)], f"{name}: share count one too low", "B5", True)
    lk = [v for v in h["vmas"] if v["pid"] == tasks["wl-huge-s2"]][0]
    if lk["vma_lock"]:
        lo = d.offsetof("struct hugetlb_vma_lock", "vma")
        lock = int(lk["vma_lock"]["lock"], 16)
        d.check([("K", lock + lo, int(lk["vma"], 16) + 0x100)], f"{name}: vma_lock back-pointer "
                "to another VMA", "B1", True)
        d.check([("K", lock + lo, 0)], f"{name}: a live VMA's vma_lock says its VMA is gone", "B2",
                True)
    fo = d.offsetof("struct vm_area_struct", "vm_flags")
    v2 = [x for x in d.json("vmas", "-p", str(s2["pid"]))["vmas"] if x["vma"] == s2["vma"]][0]
    d.check([("K", int(s2["vma"], 16) + fo, int(v2["vm_flags"], 16) & ~0x80)],
            f"{name}: a sharer that is not VM_MAYSHARE", "B4", True)
    # B7: a leaf of the shared table pointed at the private mapping's folio.
    pw = d.json("walk", "-p", str(tasks["wl-huge"]))
    pleaf = [e for e in pw["entries"] if e["level"] == "pmd" and e["kind"] == "present"][0]
    sv = int(s2["va"], 16)
    rc, out, err = run(["vtop", "--json", "-k", d.vml, "-p", str(s2["pid"]), d.path, f"{sv:x}"])
    lst = json.loads(out)["steps"][-1]
    raw = int(lst["raw"], 16)
    raw = (raw & ~(((1 << 40) - 1) << 12)) | (int(pleaf["pfn"], 16) << 12)
    d.check([("P", int(lst["entry_pa"], 16), raw)], f"{name}: a shared table maps another "
            "file's folio", "B7", True)
    # B3: the private hugetlb mapping's PMD leaf made a pointer to a PTE table.
    pid = tasks["wl-huge"]
    pv = [v for v in h["vmas"] if v["pid"] == pid][0]
    rc, out, err = run(["vtop", "--json", "-k", d.vml, "-p", str(pid), d.path, pv["start"]])
    st = [s for s in json.loads(out)["steps"] if s["level"] == "pmd"][0]
    w = d.json("walk", "-p", str(pid))
    pte = [x for x in w["tables"] if x["level"] == "pte"][0]
    old = d.pid
    d.pid = pid
    d.check([("P", int(st["entry_pa"], 16), (int(pte["pfn"], 16) << 12) | 0x67)],
            f"{name}: a hugetlb range mapped by PTEs (no HGM)", "B3")
    d.pid = old


def e3_tests(name):
    """E3 and D4 on device-exclusive entries, on a kernel that has them
    (sid's 7.x: one type, v6.15+, which keeps the mapcount): one over a
    PTE of the shared tmpfs mapping and one naming a page that is not
    AnonExclusive raise E3; one made as make_device_exclusive() makes it
    (from a writable exclusive anonymous PTE) raises nothing, D4
    included (it counts as a mapping from v6.15)."""
    d = Dump(name)
    w = d.json("walk", "-p", str(d.pid))
    v = d.json("vmas", "-p", str(d.pid))
    t = w["swap_types"].get("device_exclusive_write")
    ok(t is not None and t == w["swap_types"].get("device_exclusive_read"),
       f"{name}: one device-exclusive swap type (v6.15+)", w["swap_types"])
    if t is None:
        return
    def slot(e):
        return int(e["table_pfn"], 16) * 4096 + ((int(e["va"], 16) >> 12) & 511) * 8
    data = [e for e in w["entries"] if e["kind"] == "present" and e["level"] == "pte"]
    shm = [x for x in v["vmas"] if x["name"] == "/tmp/wl-shared"][0]
    se = [e for e in data if int(shm["start"], 16) <= int(e["va"], 16) < int(shm["end"], 16)][0]
    d.check([("P", slot(se), swp(t, int(se["pfn"], 16)))], f"{name}: device-exclusive entry in a "
            "shared mapping", "E3")
    anon = [x for x in v["vmas"] if x["name"] is None and "write" in x["flags"]]
    ina = [e for e in data if any(int(x["start"], 16) <= int(e["va"], 16) < int(x["end"], 16)
                                  for x in anon)]
    pages = {e["pfn"]: d.json("page", "--pfn", e["pfn"]) for e in ina[:64]}
    excl = [e for e in ina[:64] if pages[e["pfn"]]["anon_exclusive"] and "rw" in e["flags"]
            and pages[e["pfn"]]["mapcount"] == 1]
    shared = [e for e in ina[:64] if not pages[e["pfn"]]["anon_exclusive"]]
    ok(excl and shared, f"{name}: wl-basic has exclusive and COW-shared anonymous pages",
       len(ina))
    if shared:
        e = shared[0]
        d.check([("P", slot(e), swp(t, int(e["pfn"], 16)))], f"{name}: device-exclusive entry "
                "naming a page that is not AnonExclusive", "E3")
    if excl:
        e = excl[0]
        rc, out, err = run(["check", "--json", "--all", "-k", d.vml, d.path],
                           [("P", slot(e), swp(t, int(e["pfn"], 16)))])
        c = json.loads(out) if rc in (0, 1) and out else None
        ok(c is not None and not c["findings"], f"{name}: a device-exclusive entry made from a "
           "writable exclusive anonymous PTE: no finding (E3 nor D4)",
           c and c["findings"][:5] or err)


def main():
    d = Dump("deb12")
    rc, out, err = run(["check", "--json", "-p", str(d.pid), "-k", d.vml, d.path])
    ok(rc == 0 and not json.loads(out)["findings"], "deb12: the unpatched dump is clean", out + err)
    w = d.json("walk", "-p", str(d.pid))
    v = d.json("vmas", "-p", str(d.pid))
    tables = w["tables"]
    pte_tables = [t for t in tables if t["level"] == "pte"]
    pmd_tables = [t for t in tables if t["level"] == "pmd"]
    root = [t for t in tables if t["level"] == "pgd"][0]
    data = [e for e in w["entries"] if e["kind"] == "present" and e["level"] == "pte"]
    pt = pte_tables[0]
    pmd_entry_pa = int(pt["parent_pfn"], 16) * 4096 + pt["parent_index"] * 8

    # A1: a PMD entry pointing at a user data page instead of a PTE table.
    d.check([("P", pmd_entry_pa, (int(data[0]["pfn"], 16) << 12) | 0x67)],
            "pmd entry to a data page", "A1")
    # PT-STRUCT: a non-present, non-empty PMD-table pointer slot in a PUD.
    pm = pmd_tables[0]
    d.check([("P", int(pm["parent_pfn"], 16) * 4096 + pm["parent_index"] * 8, 0x2)],
            "garbage in a pud entry", "PT-STRUCT")
    # A loop: a PMD entry pointing back at the PGD: no hang, said.
    d.check([("P", pmd_entry_pa, (int(root["pfn"], 16) << 12) | 0x67)],
            "pmd entry pointing back at the pgd (a cycle)", "PT-STRUCT")
    # LEAF: a huge PMD leaf whose frame is not 2 MiB aligned.
    d.check([("P", pmd_entry_pa, (0x1000 << 12) | (1 << 13) | 0xe7)],
            "misaligned pmd leaf", "LEAF")
    # PFN: a PTE of an anonymous page beyond the end of memory.
    anon = [x for x in v["vmas"] if x["name"] is None and "write" in x["flags"]]
    inanon = [e for e in data if any(int(x["start"], 16) <= int(e["va"], 16) < int(x["end"], 16)
                                     for x in anon)]
    e = inanon[0]
    pte_pa = int(e["table_pfn"], 16) * 4096 + ((int(e["va"], 16) >> 12) & 511) * 8
    d.check([("P", pte_pa, (int(e["raw"], 16) & ~(((1 << 40) - 1) << 12)) | (0x7ffffff << 12))],
            "pte beyond memory", "PFN")
    # VMA: a present PTE in the gap after the program's data.
    t0 = int(pt["va"], 16)
    gap = [i for i in range(512) if not any(int(x["start"], 16) <= t0 + i * 4096 < int(x["end"], 16)
                                              for x in v["vmas"])]
    d.check([("P", int(pt["pfn"], 16) * 4096 + gap[-1] * 8, int(data[0]["raw"], 16))],
            "present pte outside every vma", "VMA")
    # KIND: a swap entry in the shared tmpfs mapping (shmem keeps swap in its cache).
    shm = [x for x in v["vmas"] if x["name"] == "/tmp/wl-shared"][0]
    se = [e for e in data if int(shm["start"], 16) <= int(e["va"], 16) < int(shm["end"], 16)][0]
    d.check([("P", int(se["table_pfn"], 16) * 4096 + ((int(se["va"], 16) >> 12) & 511) * 8, swp(0, 5))],
            "swap entry in a shared vma", "KIND")
    # KIND: a marker with unknown bits.
    mt = w["swap_types"]["pte_marker"]
    d.check([("P", pte_pa, swp(mt, 0x40))], "pte marker with unknown bits", "KIND")
    # E5: a swap entry of a type no swap device has, and one past the end
    # of the zram device.
    sw = [e for e in w["entries"] if e["kind"] == "swap"] or [None]
    d.check([("P", pte_pa, swp(7, 5))], "swap entry of an unused type", "E5")
    d.check([("P", pte_pa, swp(0, 0x7fffffff))], "swap entry beyond the device", "E5")
    # E2: a migration entry naming an anonymous page nobody has locked.
    mpg = d.json("page", "--pfn", e["pfn"])
    ok(mpg["locked"] is False, "deb12: that anonymous page is not locked", mpg)
    d.check([("P", pte_pa, swp(w["swap_types"]["migration_write"], int(e["pfn"], 16)))],
            "migration entry to an unlocked page", "E2")
    # The walk itself on garbage: a PMD entry back at the PGD, and a 1 GiB
    # PUD leaf laid over a PUD entry: decoded, said, no hang.
    rc, out, err = run(["walk", "--json", "-p", str(d.pid), "-k", d.vml, d.path],
                       [("P", pmd_entry_pa, (int(root["pfn"], 16) << 12) | 0x67)])
    ok(rc == 0 and "already in use as a table of another level" in out,
       "walk on a table cycle: finishes, says it", f"exit {rc} {err}")
    pud_slot = int(pm["parent_pfn"], 16) * 4096 + pm["parent_index"] * 8
    rc, out, err = run(["walk", "--json", "-p", str(d.pid), "-k", d.vml, d.path],
                       [("P", pud_slot, (0x40000 << 12) | 0xe7)])
    big = [e for e in json.loads(out)["entries"] if e["level"] == "pud"] if rc == 0 else []
    ok(big and big[0]["size"] == 1 << 30 and big[0]["pfn"] == "0x40000" and big[0]["kind"] == "present"
       and "pse" in big[0]["flags"] and int(big[0]["va"], 16) % (1 << 30) == 0,
       "a 1 GiB PUD leaf decodes with its size and frame", big or err)
    # A4: pgtables_bytes off by one page.
    off = d.offsetof("struct mm_struct", "pgtables_bytes")
    d.check([("K", int(v["mm"], 16) + off, v["pgtables_bytes"] + 4096)],
            "pgtables_bytes one page off", "A4")
    # RSS counters that add up past 2^63 (the corruption campaign's find):
    # ps says the RSS is unknown and why, no overflow, no crash
    off = d.offsetof("struct mm_struct", "rss_stat")
    rc, out, err = run(["ps", "--json", "-k", d.vml, d.path],
                       [("K", int(v["mm"], 16) + off, (1 << 63) - 1),
                        ("K", int(v["mm"], 16) + off + 8, (1 << 63) - 1)])
    t = [x for x in json.loads(out)["tasks"] if x["pid"] == d.pid] if rc == 1 and out else []
    ok(t and t[0]["rss_pages"] is None and "runtime error" not in err and "Sanitizer" not in err and
       any(f"pid {d.pid}: RSS unknown" in n and "corrupt" in n for n in json.loads(out)["incomplete"]),
       "mm counters that overflow: RSS unknown, said corrupt", (t, err[-500:]))
    # MT: a VMA whose vm_mm is another mm.
    off = d.offsetof("struct vm_area_struct", "vm_mm")
    d.check([("K", int(v["vmas"][3]["vma"], 16) + off, int(v["mm"], 16) + 0x1000)],
            "vma with a foreign vm_mm", "MT")
    # MT: a maple node whose first child is the root itself: a cycle, no hang.
    rootn = int(v["tree_root"], 16)
    node, typ = rootn & ~0xff, (rootn >> 3) & 0xf
    so = d.offsetof("struct maple_arange_64" if typ == 3 else "struct maple_range_64", "slot")
    d.check([("K", node + so, node | (typ << 3) | 4)], "maple node pointing at the root (a cycle)",
            "MT")
    # MT: pivots out of order.
    po = d.offsetof("struct maple_arange_64" if typ == 3 else "struct maple_range_64", "pivot")
    d.check([("K", node + po, 0x7fffffffffff), ("K", node + po + 8, 0x1000)],
            "maple pivots out of order", "MT")

    # D1: an anonymous page whose offset is not the one its VMA expects
    # (the rmap walk would look elsewhere), and D5: a writable anonymous
    # page without PG_anon_exclusive (its flags bit cleared).
    anonpage = [e for e in inanon if "rw" in e["flags"]][0]
    pg = d.json("page", "--pfn", anonpage["pfn"])
    ioff = d.offsetof("struct page", "index")
    d.check([("K", int(pg["struct_page"], 16) + ioff, int(pg["index"], 16) + 7)],
            "anonymous page with a wrong offset", "D1")
    foff = d.offsetof("struct page", "flags")
    bit = [i for i in range(64) if (int(pg["flags"], 16) >> i) & 1]
    ok(pg["anon_exclusive"], "deb12: the writable anonymous page is AnonExclusive", pg)
    ae = None
    # PG_anon_exclusive's bit: the one whose clearing makes page say so
    # (found by ptscope's page command, not assumed)
    for i in bit:
        rc, out, err = run(["page", "--json", "--pfn", anonpage["pfn"], "-k", d.vml, d.path],
                           [("K", int(pg["struct_page"], 16) + foff, int(pg["flags"], 16) & ~(1 << i))])
        if rc == 0 and not json.loads(out)["anon_exclusive"]:
            ae = i
            break
    ok(ae is not None, "deb12: one page flag bit carries AnonExclusive", bit)
    if ae is not None:
        d.check([("K", int(pg["struct_page"], 16) + foff, int(pg["flags"], 16) & ~(1 << ae))],
                "writable anonymous page not exclusive", "D5")

    # D2: the anon_vma family of that page (wl-basic and its forked
    # child share it): a count off by one, an avc naming another VMA, a
    # wrong augmented subtree_last, and a tree node that is its own left
    # child (a cycle: said, no hang).
    ch = d.json("rmap", "--pfn", anonpage["pfn"])
    ok(ch["kind"] == "anon" and len(ch["mappings"]) >= 2, "deb12: the anonymous page's rmap "
       "chain reaches two VMAs (wl-basic and its child)", ch)
    if ch["kind"] == "anon" and len(ch["mappings"]) >= 2:
        av = int(ch["anon_vma"], 16)
        m0, m1 = ch["mappings"][0], ch["mappings"][1]
        avc0 = int(m0["avc"], 16)
        na = d.offsetof("struct anon_vma", "num_active_vmas")
        nc = d.offsetof("struct anon_vma", "num_children")
        d.check([("K", av + na, 7)], "anon_vma with a wrong num_active_vmas", "D2", all_=True)
        d.check([("K", av + nc, 9)], "anon_vma with a wrong num_children", "D2", all_=True)
        d.check([("K", avc0 + d.offsetof("struct anon_vma_chain", "vma"), int(m1["vma"], 16))],
                "avc naming another VMA", "D2", all_=True)
        d.check([("K", avc0 + d.offsetof("struct anon_vma_chain", "rb_subtree_last"), 0x123456)],
                "avc with a wrong subtree_last", "D2", all_=True)
        rb = avc0 + d.offsetof("struct anon_vma_chain", "rb")
        d.check([("K", rb + d.offsetof("struct rb_node", "rb_left"), rb)],
                "anon_vma tree node that is its own child (a cycle)", "D2", all_=True)

    # D3: a 2 MiB hugetlb folio of wl-huge-s1 (mapped through the shared
    # PMD table): a page of it with a _mapcount of its own, and a refcount
    # below its mappings.
    hp = int([l for l in open(os.path.join(d.d, "oracle", "tasks")) if "(wl-huge-s1)" in l][0].split()[0])
    hw = d.json("walk", "-p", str(hp))
    hl = [e for e in hw["entries"] if e["level"] == "pmd" and e["kind"] == "present"]
    ok(hl, "deb12: wl-huge-s1 maps 2 MiB hugetlb pages", len(hw["entries"]))
    if hl:
        hpg = d.json("page", "--pfn", hl[0]["pfn"])
        sp = int(hpg["struct_page"], 16)
        psz = d.offsetof("struct page", "_mapcount")
        rco = d.offsetof("struct page", "_refcount")
        # struct page is 64 bytes on x86-64 (checked: the next pfn's)
        nxt = d.json("page", "--pfn", hex(int(hl[0]["pfn"], 16) + 1))
        stride = int(nxt["struct_page"], 16) - sp
        ok(stride == 64, "deb12: struct pages are 64 bytes apart", stride)
        d.check([("K", sp + 100 * stride + psz, 0, 4)], "hugetlb page with a _mapcount of its own",
                "D3", all_=True)
        d.check([("K", sp + rco, 1, 4)], "hugetlb folio with a refcount below its mappings", "D3",
                all_=True)

    e3_tests("sid")
    hugetlb_tests("deb12")
    decode_tests("deb12")
    decode_tests("deb13")
    decode_tests("deb11")
    # A3 needs anonymous THP: the trixie kernel's workload has them.
    d3 = Dump("deb13")
    w3 = d3.json("walk", "-p", str(d3.pid))
    thp = [e for e in w3["entries"] if e["level"] == "pmd" and e["kind"] == "present"]
    ok(thp, "deb13: the workload has anonymous THP leaves", len(w3["entries"]))
    if thp:
        rc, out, err = run(["vtop", "--json", "-k", d3.vml, "-p", str(d3.pid), d3.path, thp[0]["va"]])
        vt = json.loads(out)
        pmd_step = [s for s in vt["steps"] if s["level"] == "pmd"][0]
        off = d3.offsetof("struct ptdesc", "pmd_huge_pte")
        d3.check([("K", int(pmd_step["table_page"], 16) + off, 0)],
                 "deb13: a THP's deposited table lost", "A3")
    arm64("deb12-arm64")
    arm64("sid-arm64")
    arm64("deb13-arm64-16k")
    arm64("sid-arm64-16k")
    sys.exit(tap.plan())


def arm64(name):
    """CONT, arm64's own check: with 4 KiB pages wl-cont's 64 KiB hugetlb
    pages are runs of 16 PTEs with the contiguous bit (its 32 MiB page 16
    PMD blocks); with 16 KiB pages its 2 MiB pages are runs of 128 PTEs."""
    da = Dump(name)
    tasks = [l for l in open(os.path.join(da.d, "oracle", "tasks")) if "(wl-cont)" in l]
    ok(tasks, f"{name}: the guest runs wl-cont")
    if not tasks:
        return
    da.pid = int(tasks[0].split()[0])
    rc, out, err = run(["check", "--json", "-p", str(da.pid), "-k", da.vml, da.path])
    c = json.loads(out) if out else {}
    cont = [x for x in c.get("checks", []) if x["id"] == "CONT"]
    ok(rc == 0 and not c["findings"] and cont and cont[0]["applies"],
       f"{name}: wl-cont is clean, with CONT applied", out[-800:] + err)
    w = da.json("walk", "-p", str(da.pid))
    page = guest_page(da.d)
    ents = page // 8
    # (level, hugetlb size, entries of a run): CONT_PTES, CONT_PMDS
    runs_of = ((("pte", 64 << 10, 16), ("pmd", 32 << 20, 16)) if page == 4096
               else (("pte", 2 << 20, 128),))
    for level, size, n in runs_of:
        runs = [e for e in w["entries"] if e["level"] == level and e["kind"] == "present"
                and "cont" in e["flags"]]
        ok(len(runs) >= n, f"{name}: wl-cont's {size >> 10} KiB pages are {level}s with the "
           f"contiguous bit ({len(runs)})", [e["flags"] for e in w["entries"][:4]])
        if not runs:
            continue
        e = runs[0]
        step = page if level == "pte" else page * ents
        idx = (int(e["va"], 16) // step) % ents
        base = int(e["table_pfn"], 16) * page + (idx - idx % n) * 8
        r0 = int(e["raw"], 16) - (idx % n) * step  # the run's first entry, as it is
        va0 = int(e["va"], 16) - (idx % n) * step
        da.check([("P", base + 5 * 8, r0 + 6 * step)],
                 f"{name}: a {level} of a contiguous run maps the wrong frame", "CONT")
        da.check([("P", base + 7 * 8, (r0 + 7 * step) & ~(1 << 52))],
                 f"{name}: a {level} of a contiguous run lacks the contiguous bit", "CONT")
        # the last entry of the run: a finding names it by its index
        da.check([("P", base + (n - 1) * 8, (r0 + n * step))],
                 f"{name}: the last {level} of a contiguous run of {n} maps the wrong frame", "CONT")
        # AF clear on one entry: still one mapping (the hardware sets AF
        # entry by entry), no finding, one line of the run in the text walk
        young = [("P", base + 3 * 8, (r0 + 3 * step) & ~(1 << 10))]
        rc, out, err = run(["check", "--json", "-p", str(da.pid), "-k", da.vml, da.path], young)
        c = json.loads(out) if out else {}
        ok(rc == 0 and not c.get("findings"), f"{name}: a {level} run with one entry not young "
           "is no finding", out[-600:] + err)
        rc, out, err = run(["walk", "-p", str(da.pid), "-k", da.vml, da.path], young)
        line = [l for l in out.splitlines() if l.strip().startswith(f"{va0:#x}-")]
        ok(rc == 0 and line and f" {n} {level} present" in line[0] and " af " in line[0] + " " and
           f"(young on {n - 1} of {n})" in line[0],
           f"{name}: the walk shows that {level} run as one mapping, young, young on {n - 1} of {n}",
           line or out[-800:])
    if guest_lpa2(da.d):
        # LPA2: address bits 50-51 sit in entry bits 8-9 (no RAM there
        # under QEMU's virt board: an overlay is the only way to set them)
        e = [x for x in w["entries"] if x["level"] == "pte" and x["kind"] == "present"][0]
        va, t = int(e["va"], 16), int(e["table_pfn"], 16)
        pa = t * page + ((va // page) % ents) * 8
        rc, out, err = run(["walk", "--json", "-p", str(da.pid), "-k", da.vml, da.path],
                           [("P", pa, int(e["raw"], 16) | (3 << 8))])
        got = [x for x in json.loads(out)["entries"] if x["va"] == e["va"]] if rc == 0 else []
        want = int(e["pfn"], 16) | (3 << (50 - page.bit_length() + 1))
        ok(got and int(got[0]["pfn"], 16) == want, f"{name}: LPA2 entry bits 8-9 are address "
           f"bits 50-51 (pfn {want:#x})", got or err)

main()
