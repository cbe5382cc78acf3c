#!/usr/bin/env python3
"""SARIF logs checked by the SARIF Multitool: report --format sarif over the
kdump of every test-bed kernel (the injected-state kernel's, with its
findings, included) must validate with no error-level result.  The tool
comes from the npm registry (@microsoft/sarif-multitool, version pinned
below), installed once into the test bed's cache.  Its exit status is 0
even when it finds errors: its -o log is read instead."""
import json, os, shutil, subprocess, sys, tempfile

import tap
from tap import ok

top = os.environ.get("top_srcdir", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
ptscope = os.environ.get("PTSCOPE", os.path.join(top, "src", "ptscope"))


def kernels():
    with open(os.path.join(top, "tests", "kernels")) as f:
        return [l.split()[0] for l in f if l.split("#")[0].strip()]


def testbed_path(k):
    return subprocess.run([os.path.join(top, "scripts", "testbed"), "path", k], capture_output=True,
                          text=True).stdout.strip()

VERSION = "5.7.0"


def multitool():
    cache = os.environ.get("PTSCOPE_CACHE", "/var/cache/ptscope")
    if not os.access(cache, os.W_OK):
        cache = os.path.join(os.path.expanduser("~"), ".cache", "ptscope")
    d = os.path.join(cache, "npm", f"sarif-multitool-{VERSION}")
    exe = os.path.join(d, "node_modules", "@microsoft", "sarif-multitool-linux", "Sarif.Multitool")
    if not os.path.exists(exe):
        npm = shutil.which("npm")
        ok(npm is not None, "npm is installed (scripts/deps)")
        if not npm:
            return None
        tmp = tempfile.mkdtemp(prefix="sarif-mt-", dir=os.path.dirname(d) if os.path.isdir(
            os.path.dirname(d)) else None)
        r = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", tmp,
                            f"@microsoft/sarif-multitool@{VERSION}"], capture_output=True, text=True)
        ok(r.returncode == 0, f"npm install @microsoft/sarif-multitool@{VERSION}", r.stderr[-2000:])
        if r.returncode:
            return None
        os.makedirs(os.path.dirname(d), exist_ok=True)
        shutil.rmtree(d, ignore_errors=True)
        os.rename(tmp, d)
        # its postinstall (chmod u+x) is one npm may refuse to run
        os.chmod(exe, 0o755)
    return exe


def main():
    exe = multitool()
    ok(exe is not None and os.access(exe, os.X_OK), f"the SARIF Multitool {VERSION} is there: {exe}")
    if not exe:
        return tap.plan()
    t = tempfile.mkdtemp(prefix="ptscope-sarif-")
    total = 0
    for name in kernels():
        d = testbed_path(name)
        # the real kdump: makedumpfile's, or the raw vmcore (capture=cp)
        path = os.path.join(d, "kdump-lzo")
        if not os.path.exists(path):
            path = os.path.join(d, "kdump.elf")
        log, out = os.path.join(t, f"{name}.sarif"), os.path.join(t, f"{name}.valid.sarif")
        r = subprocess.run([ptscope, "report", "--format", "sarif", "-o", log, "-k",
                            os.path.join(d, "vmlinux"), path], capture_output=True, text=True,
                           timeout=900)
        ok(r.returncode in (0, 1) and os.path.exists(log),
           f"{name}: report --format sarif (exit {r.returncode})", r.stderr[-1000:])
        if not os.path.exists(log):
            continue
        nres = len(json.load(open(log))["runs"][0]["results"])
        total += nres
        v = subprocess.run([exe, "validate", log, "-o", out], capture_output=True, text=True,
                           timeout=300, env=dict(os.environ, DOTNET_CLI_TELEMETRY_OPTOUT="1"))
        try:
            vr = json.load(open(out))["runs"][0]
        except (OSError, ValueError, KeyError, IndexError):
            ok(False, f"{name}: the Multitool wrote its log", v.stdout[-1500:] + v.stderr[-500:])
            continue
        rules = {x["id"]: x.get("defaultConfiguration", {}).get("level", "warning")
                 for x in vr["tool"]["driver"].get("rules", [])}
        levels = [(x.get("level") or rules.get(x.get("ruleId"), "warning"), x.get("ruleId"),
                   x.get("message", {})) for x in vr.get("results", [])]
        errors = [x for x in levels if x[0] == "error"]
        ok(not errors, f"{name}: the SARIF log ({nres} results) validates with no error-level "
           f"result ({len(levels)} other: {sorted(set(x[1] for x in levels))})",
           json.dumps(errors[:5]) + v.stdout[-1500:])
    ok(total > 0, f"the logs hold findings to validate ({total} results over every kernel)")
    shutil.rmtree(t, ignore_errors=True)
    return tap.plan()


if __name__ == "__main__":
    sys.exit(main())
