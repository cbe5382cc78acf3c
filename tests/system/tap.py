"""TAP for the Python suites of tests/system: one numbering for the whole
run, and a per-thread buffer (out.buf) for the suites that check several
dumps at once, whose results are printed in order, job by job (flush)."""
import sys, threading

n = 0
failed = 0
out = threading.local()


def flush(buf):
    """Print a job's results: (passed, text) tuples and comment lines."""
    global n, failed
    for x in buf:
        if isinstance(x, tuple):
            n += 1
            failed += not x[0]
            print(f"{'' if x[0] else 'not '}ok {n} - {x[1]}")
        else:
            print(x)
    sys.stdout.flush()


def ok(cond, what, detail="", lines=40):
    """One result, with detail's first lines as comments when it failed;
    into this thread's out.buf when a job set one, else printed now."""
    res = [(bool(cond), what)]
    if not cond and detail:
        res += ["# " + l for l in str(detail).splitlines()[:lines]]
    buf = getattr(out, "buf", None)
    if buf is None:
        flush(res)
    else:
        buf.extend(res)
    return bool(cond)


def note(text):
    buf = getattr(out, "buf", None)
    if buf is None:
        flush(["# " + text])
    else:
        buf.append("# " + text)


def plan():
    """The plan line, last; the exit status."""
    print(f"1..{n}")
    return 1 if failed else 0
