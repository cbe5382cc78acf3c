#!/usr/bin/env python3
"""BTF mode (TAP): on every test-bed kernel from v6.0, --types=btf (the
kernel's own BTF and kallsyms, read from the dump, no vmlinux) gives the
same ps, vmas, walk, hugetlb, rmap and check output as the DWARF run of
the same dump; without a vmlinux to be found, --types=auto takes BTF and
info says so; a kernel before v6.0 (no kallsyms in VMCOREINFO) is refused
with one line naming the dump and the cause.  The DWARF run is the
oracle here; it is itself checked against the guests' pagemap by
realkernel.py."""
import json, os, subprocess, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import realkernel as rk
import tap
from tap import ok, out

# Keys that say where an answer came from, not what it is.
SOURCE_KEYS = {"derived", "vmlinux", "types", "vmlinux_note"}


def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in SOURCE_KEYS}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


def run(args, env=None):
    p = subprocess.run([rk.ptscope, *args], capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr


def all_kernels():
    with open(os.path.join(rk.top, "tests", "kernels")) as f:
        return [l.split()[0] for l in f if l.split("#")[0].strip()]


def job(k, d, kind):
    out.buf = []
    path, vml = os.path.join(d, kind), os.path.join(d, "vmlinux")
    rc, o, err = run(["info", "--json", "-k", vml, path])
    info = json.loads(o) if rc == 0 else {}
    rel = info.get("release", "")
    ver = tuple(int(x) for x in rel.split("-")[0].split("+")[0].split(".")[:2]) if rel else (0, 0)
    if ver < (6, 0):
        rc, o, err = run(["ps", "--types=btf", path])
        ok(rc == 2 and path in err and "v6.0" in err and "vmlinux" in err and len(err.splitlines()) == 1,
           f"{k} {kind}: {rel}: --types=btf refused in one line (no kallsyms in VMCOREINFO before v6.0)",
           f"exit {rc}: {err}")
        return out.buf
    conf = rk.kconfig(d) or {}
    # the kernel's config is the oracle for what kallsyms holds: a kernel
    # without one (fetch-kernel found none) fails here, never passes
    ok(conf, f"{k} {kind}: {rel}: the kernel's config is known", d)
    if not conf:
        return out.buf
    if "CONFIG_KALLSYMS_ALL" not in conf and conf.get("CONFIG_DEBUG_INFO_BTF") == "y":
        # bookworm's arm64 cloud kernel: BTF, but kallsyms with functions
        # only, so no init_task: the types are found, the data refused
        rc, o, err = run(["info", "--json", "--types=btf", path])
        i = json.loads(o) if rc == 0 and o else {}
        ok((i.get("types") or "").startswith("BTF from the dump's memory (its .BTF section found by "
                                             "its header"),
           f"{k} {kind}: {rel}: no __start_BTF in kallsyms, the .BTF section found by its header "
           f"({(i.get('types') or '')[:80]})", err)
        rc, o, err = run(["ps", "--types=btf", path])
        ok(rc == 2 and path in err and "CONFIG_KALLSYMS_ALL" in err and "init_task" in err and
           len(err.splitlines()) == 1,
           f"{k} {kind}: {rel}: --types=btf refused in one line (kallsyms lists functions only)",
           f"exit {rc}: {err}")
        return out.buf
    tasks = {rk.parse_stat(l)["comm"]: rk.parse_stat(l)["pid"]
             for l in open(os.path.join(d, "oracle", "tasks")) if l.strip()}
    # the workloads of each kind of memory: small pages and a fork, THP,
    # swap and uffd-wp, shared hugetlb, the fork chain and KSM, 1 M PTEs
    wl = sorted(tasks[c] for c in ("wl-basic", "wl-mm", "wl-huge-s1", "wl-rmap-g1", "wl-big")
                if c in tasks)
    cmds = [["ps"], ["hugetlb"], ["rmap", "--all"], ["check", "--all"]]
    for p in wl:
        cmds += [["vmas", "-p", str(p)], ["walk", "-p", str(p)]]
    same, differ = 0, []
    for c in cmds:
        # walk in text (the same entries, and wl-big's million of them
        # parsed twice would take gigabytes here); the rest in JSON, less
        # the keys that say where an answer came from
        js = [] if c[0] == "walk" else ["--json"]
        r1, o1, e1 = run([*c, *js, "-k", vml, path])
        r2, o2, e2 = run([*c, *js, "--types=btf", path])
        try:
            a, b = (o1, o2) if not js else (strip(json.loads(o1)), strip(json.loads(o2)))
        except ValueError:
            a, b = (r1, o1), (r2, o2 + e2)
        if r1 == r2 and a == b:
            same += 1
        else:
            differ.append(" ".join(c))
    ok(not differ and same == len(cmds),
       f"{k} {kind}: BTF and DWARF agree on {same} of {len(cmds)} commands (ps, hugetlb, rmap "
       f"--all, check --all, and vmas and walk of {len(wl)} workload processes)", differ[:10])
    # No vmlinux anywhere: auto takes BTF, and says so.
    with tempfile.TemporaryDirectory() as empty:
        rc, o, err = run(["info", "--json", "--debug-root", empty, path])
        i = json.loads(o) if rc == 0 and o else {}
        ok(rc == 0 and i.get("vmlinux") is None and (i.get("types") or "").startswith("BTF from"),
           f"{k} {kind}: with no vmlinux to be found, --types=auto reads BTF ({i.get('types')})",
           err)
        # any workload's walk says where its swap types came from (the
        # scale guest runs wl-scale alone)
        wp = tasks.get("wl-mm", tasks.get("wl-scale-a"))
        rc, o, err = run(["walk", "--json", "-p", str(wp), "--debug-root", empty, path])
        w = json.loads(o) if rc == 0 and o else {}
        ok(w.get("swap_types", {}).get("derived") is True and w["swap_types"].get("known"),
           f"{k} {kind}: BTF mode says its swap types are derived from the version and kallsyms",
           w.get("swap_types") or err)
    return out.buf


def main():
    first = all_kernels()[0]
    # the ELF dump of each; the default kernel's real kdump too (flattened
    # lzo: kallsyms and BTF read through its page tables like any other)
    rk.run_jobs(all_kernels(), lambda k: [x for x in (("qemu.elf", "kdump-lzo.flat") if k == first
                                                       else ("qemu.elf",))
                                          if x in rk.kernel_kinds(k)], job)
    sys.exit(tap.plan())


if __name__ == "__main__":
    main()
