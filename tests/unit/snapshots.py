#!/usr/bin/env python3
"""The fast tier (TAP): recorded snapshots of test-bed dumps
(tests/snapshots/KERNEL.snap.xz, scripts/snapshot-record) replayed with no
QEMU, no dump and no vmlinux.  Each case is a command that ran on the real
dump, the walk, vtop, the readers (ps, vmas, locks, hugetlb, rmap, page)
and every check made to fire by a PTSCOPE_TEST_PATCH overlay (the runs
tests/system/checks.py makes); replayed on the snapshot, its exit status,
stdout and stderr must be what the dump gave."""
import concurrent.futures, hashlib, json, lzma, os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "system"))
import tap
from tap import ok

top = os.environ.get("top_srcdir", os.path.join(here, "..", ".."))
builddir = os.environ.get("top_builddir", top)
ptscope = os.environ.get("PTSCOPE", os.path.join(builddir, "src", "ptscope"))


def replay(snap, c):
    env = dict(os.environ)
    env.pop("PTSCOPE_TEST_PATCH", None)
    env.pop("PTSCOPE_RECORD", None)
    if c["patch"]:
        env["PTSCOPE_TEST_PATCH"] = c["patch"]
    args = [snap if a == "@DUMP@" else a for a in c["args"]]
    p = subprocess.run([ptscope, *args], capture_output=True, env=env, timeout=120)
    got = {"rc": p.returncode}
    fired, listed = set(), set()
    try:
        doc = json.loads(p.stdout) if c["args"][0] == "check" and p.stdout.startswith(b"{") else {}
    except ValueError:
        doc = {}
    if isinstance(doc, dict):
        fired = {f["check"] for f in doc.get("findings", []) if isinstance(f, dict) and "check" in f}
        # the checks that apply to this kernel (C2 needs a kernel with HGM)
        listed = {c["id"] for c in doc.get("checks", []) if isinstance(c, dict) and c.get("applies")}
    for what in ("stdout", "stderr"):
        text = getattr(p, what).decode(errors="replace").replace(snap, "@DUMP@")
        if what + "_sha256" in c:
            got[what + "_sha256"] = hashlib.sha256(text.encode()).hexdigest()
            got[what + "_bytes"] = len(text.encode())
        else:
            got[what] = text
    want = {k: v for k, v in c.items() if k not in ("args", "patch")}
    return got, want, fired, listed


def main():
    sdir = os.path.join(top, "tests", "snapshots")
    names = sorted(f[:-len(".cases.json")] for f in os.listdir(sdir) if f.endswith(".cases.json"))
    ok(names, f"snapshots in {sdir}: {', '.join(names)}")
    fired, listed = set(), set()
    wdir = os.path.join(builddir, "tests", "snapshots")
    os.makedirs(wdir, exist_ok=True)
    for name in names:
        spec = json.load(open(os.path.join(sdir, f"{name}.cases.json")))
        snap = os.path.join(wdir, f"{name}.snap")
        src = os.path.join(sdir, f"{name}.snap.xz")
        if not os.path.exists(snap) or os.path.getmtime(snap) < os.path.getmtime(src):
            with lzma.open(src) as f, open(snap + ".tmp", "wb") as o:
                o.write(f.read())
            os.replace(snap + ".tmp", snap)
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
            for c, (got, want, f, l) in zip(spec["cases"], ex.map(lambda c: replay(snap, c), spec["cases"])):
                fired |= f
                listed |= l
                what = " ".join(c["args"][:-1] if c["args"][-1] == "@DUMP@" else c["args"])
                if c["patch"]:
                    what += f" (overlay {c['patch'][:60]})"
                diff = [k for k in want if got.get(k) != want[k]]
                ok(not diff, f"{name} snapshot: ptscope {what}: {want['rc']} as on the dump",
                   "\n".join(f"{k}: got {str(got.get(k))[:300]!r}\n  want {str(want[k])[:300]!r}"
                             for k in diff))
    # every check of the registry fires in some case
    ok(listed and listed <= fired, f"every check fires on a snapshot ({len(fired & listed)} of {len(listed)})",
       f"never fired: {sorted(listed - fired)}")
    return tap.plan()


if __name__ == "__main__":
    sys.exit(main())
