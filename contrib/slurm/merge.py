#!/usr/bin/env python3
"""merge.py OUTDIR: one summary of an array run of ptscope-array.sbatch, as
JSON on stdout: how many dumps, findings by check, by kernel release and
by host (the dumped machine's node name), the dumps with findings, and
the dumps that failed with why."""
import collections, json, os, sys


def main():
    out = sys.argv[1]
    by_check, by_kernel, by_host = collections.Counter(), collections.Counter(), collections.Counter()
    dumps, failed, with_findings = 0, [], []
    for name in sorted(os.listdir(out), key=lambda n: (len(n), n)):
        if not name.endswith(".status.json"):
            continue
        task = name[:-len(".status.json")]
        st = json.load(open(os.path.join(out, name)))
        dumps += 1
        rep = os.path.join(out, task + ".json")
        if st["exit"] > 1 or not os.path.exists(rep):
            failed.append({"task": int(task), "dump": st["dump"], "exit": st["exit"], "error": st["error"]})
            continue
        r = json.load(open(rep))
        try:
            info = json.load(open(os.path.join(out, task + ".info.json")))
            host = (info.get("uname") or {}).get("nodename") or "unknown"
        except (OSError, ValueError):
            host = "unknown"
        n = len(r["findings"])
        for f in r["findings"]:
            by_check[f["check"]] += 1
        by_kernel[r.get("release") or "unknown"] += n
        by_host[host] += n
        if n:
            with_findings.append({"task": int(task), "dump": st["dump"], "findings": n})
    json.dump({"dumps": dumps, "reported": dumps - len(failed), "failed": failed,
               "findings": sum(by_check.values()), "by_check": dict(sorted(by_check.items())),
               "by_kernel": dict(sorted(by_kernel.items())), "by_host": dict(sorted(by_host.items())),
               "dumps_with_findings": with_findings}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
