#!/bin/bash
# Plugins and batch reports: the example plugin built out of tree against
# the installed header (make install DESTDIR, then pkg-config), its check
# firing where the guest's smaps says it must; a plugin of another ABI and
# a file that is no plugin refused by name; only the ABI exported; report
# over several dumps (each vmlinux found by build ID), a crashing report on
# one not stopping the others, json reports equal to check --json, and the
# SARIF log checked against SARIF 2.1.0's required structure.
top=${top_srcdir:-.}
B=${top_builddir:-.}
P=${PTSCOPE:-$B/src/ptscope}
n=0; failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else failed=$((failed+1)); echo "not ok $n - $2"; [ -n "$3" ] && sed 's/^/#   /' "$3" | head -30; fi; }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
export PTSCOPE_CACHE_DIR=$t/cache
unset PTSCOPE_PLUGIN_PATH

kernels=$(grep -v '^#' "$top/tests/kernels" | awk 'NF && $1 !~ /inject/ && !/scale=/ {print $1}')
k1=$(echo "$kernels" | head -1)
D=$("$top/scripts/testbed" path "$k1"); ok $? "$k1: test-bed dumps exist"
[ -d "$D" ] || { echo "1..$n"; exit 1; }
V=$D/vmlinux

# 1. Install, build the example out of tree with pkg-config.
make -s -C "$B" install DESTDIR="$t/inst" > "$t/install.log" 2>&1
ok $? "make install DESTDIR=..." "$t/install.log"
pc=$(find "$t/inst" -name ptscope-plugin.pc | head -1)
hdr=$(find "$t/inst" -path '*/include/ptscope/plugin.h' | head -1)
[ -n "$pc" ] && [ -n "$hdr" ]; ok $? "installed: ptscope/plugin.h and ptscope-plugin.pc"
cflags=$(PKG_CONFIG_SYSROOT_DIR=$t/inst PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags ptscope-plugin)
mkdir -p "$t/src" && cp "$top/plugins/example_check.c" "$t/src/"
(cd "$t/src" && cc -shared -fPIC -Wall -Werror $cflags -o "$t/ex1.so" example_check.c) > "$t/cc.log" 2>&1
ok $? "the example plugin builds out of tree with \$(pkg-config --cflags ptscope-plugin) = '$cflags'" "$t/cc.log"
inst_plugins=$(find "$t/inst" -path '*/ptscope/plugins/*.so' -printf '%f ' | sort)
inst_example=$(find "$t/inst" -path '*/ptscope/examples/example_check.so' | wc -l)
[ "$(echo $inst_plugins | wc -w)" = 2 ] && [ "$inst_example" = 1 ]
ok $? "the shipped plugins are installed where ptscope loads them ($inst_plugins), the example beside them"
# Run from the build tree, ptscope finds the plugins built beside it and
# says so; the example is not among them (only named, it is loaded).
"$P" plugins > "$t/out" 2>&1
grep -q "plugins/.libs (this ptscope runs from its build tree)" "$t/out" && grep -q "^triage:" "$t/out" &&
	grep -q "^sarif:" "$t/out" && ! grep -q "EX1" "$t/out"
ok $? "from the build tree: ptscope plugins loads triage and sarif built beside it, and says from where" "$t/out"
inst_bin=$(find "$t/inst" -path '*/bin/ptscope' | head -1)
"$inst_bin" plugins > "$t/out" 2>&1
grep -q "(installed)" "$t/out" && ! grep -q "build tree" "$t/out"
ok $? "installed: ptscope plugins looks in the installed plugin directory: $(head -1 "$t/out")" "$t/out"

"$P" --plugin "$t/ex1.so" plugins > "$t/out" 2>&1
grep -q "check EX1" "$t/out"; ok $? "ptscope plugins lists the loaded plugin's check" "$t/out"

# Its check fires exactly on the processes whose smaps shows a THP
# (AnonHugePages) in a VMA without "hg" in VmFlags.
"$P" --plugin "$t/ex1.so" check --all --json -k "$V" "$D/kdump-lzo" > "$t/check.json" 2> "$t/err"
python3 - "$t/check.json" "$D/oracle" > "$t/ex1.log" <<'PY'
import json, os, re, sys
doc = json.load(open(sys.argv[1]))
got = {f["pid"] for f in doc["findings"] if f["check"] == "EX1"}
if not any(c["id"] == "EX1" and c.get("plugin") == "example_check" for c in doc["checks"]):
    print("check --json does not list EX1 among its checks"); sys.exit(1)
want = set()
for e in os.listdir(sys.argv[2]):
    if not e.startswith("pid-"):
        continue
    cur = {}
    for l in open(os.path.join(sys.argv[2], e, "smaps")):
        if re.match(r"^[0-9a-f]+-", l):
            cur = {}
        k, _, v = l.partition(":")
        cur[k] = v.strip()
        if k == "VmFlags" and int(cur.get("AnonHugePages", "0 kB").split()[0]) and "hg" not in v.split():
            want.add(int(e[4:]))
print("EX1 on", sorted(got), "smaps says", sorted(want))
sys.exit(0 if got == want and got else 1)
PY
ok $? "$k1: EX1 fires on the processes the guest's smaps names: $(cat "$t/ex1.log")" "$t/err"

# The plugin ABI finds a thread's pid as ptscope vmas -p does (one
# library call, pts_task_find): ptscope_vmas of a thread lists its
# process's VMAs.  It searched thread-group leaders only before.
cat > "$t/tid.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <ptscope/plugin.h>
const unsigned ptscope_plugin_abi = PTSCOPE_PLUGIN_ABI;
static int count(const struct ptscope_vma_info *v, void *arg) { (void)v; ++*(int *)arg; return 0; }
static int write_tid(struct ptscope_dump *d, FILE *out, void *arg)
{
	(void)arg;
	int n = 0;
	if (ptscope_vmas(d, atoi(getenv("TID")), count, &n) < 0) {
		fprintf(out, "error %s\n", ptscope_error(d));
		return 0;
	}
	fprintf(out, "vmas %d\n", n);
	return 0;
}
static const struct ptscope_report tid = { .name = "tidvmas", .description = "test", .extension = "txt",
					   .write = write_tid };
int ptscope_plugin_init(struct ptscope_host *h)
{
	ptscope_plugin_describe(h, "tid", "a thread's VMAs through the ABI");
	return ptscope_register_report(h, &tid);
}
EOF
cc -shared -fPIC -Wall -Werror $cflags -o "$t/tid.so" "$t/tid.c" > "$t/cc.log" 2>&1
ok $? "a test plugin calling ptscope_vmas builds" "$t/cc.log"
tid=$("$P" ps -T --json -k "$V" "$D/kdump-lzo" 2>/dev/null | python3 -c '
import json, sys
print(next(t["pid"] for t in json.load(sys.stdin)["tasks"] if t["pid"] != t["tgid"] and t["mm"]))')
want=$("$P" vmas --json -p "$tid" -k "$V" "$D/kdump-lzo" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["vmas"]))')
got=$(TID=$tid "$P" --plugin "$t/tid.so" report --format tidvmas -k "$V" "$D/kdump-lzo" 2>&1 | grep -v '^ptscope: report')
[ -n "$tid" ] && [ "$got" = "vmas $want" ]
ok $? "$k1: ptscope_vmas(d, thread $tid) lists its process's $want VMAs, as vmas -p $tid does: $got"

# 2. Refusals, each one line naming the file.
cat > "$t/abi99.c" <<'EOF'
const unsigned ptscope_plugin_abi = 99;
int ptscope_plugin_init(void *h) { (void)h; return 0; }
EOF
cc -shared -fPIC -o "$t/abi99.so" "$t/abi99.c"
"$P" --plugin "$t/abi99.so" plugins > "$t/out" 2> "$t/err"; rc=$?
[ $rc = 2 ] && [ "$(wc -l < "$t/err")" = 1 ] && grep -q "$t/abi99.so: built for plugin ABI 99, this ptscope has ABI 1" "$t/err"
ok $? "a plugin of ABI 99 is refused: $(cat "$t/err")" "$t/err"
head -c 3000 /dev/urandom > "$t/junk.so"
"$P" --plugin "$t/junk.so" plugins > "$t/out" 2> "$t/err"; rc=$?
[ $rc = 2 ] && [ "$(wc -l < "$t/err")" = 1 ] && grep -q "$t/junk.so: cannot load: .*junk.so" "$t/err"
ok $? "a file that is no shared object is refused with dlerror's text: $(cat "$t/err")" "$t/err"
mkdir -p "$t/cwd" && cp "$t/ex1.so" "$t/cwd/" && (cd "$t/cwd" && PTSCOPE_PLUGIN_PATH=: "$P" plugins) > "$t/out" 2>&1
! grep -q "EX1" "$t/out"; ok $? "nothing is loaded from the current directory (PTSCOPE_PLUGIN_PATH=:)" "$t/out"
PTSCOPE_PLUGIN_PATH=$t/cwd "$P" plugins > "$t/out" 2>&1
grep -q "check EX1" "$t/out"; ok $? "PTSCOPE_PLUGIN_PATH loads its directories' plugins" "$t/out"

# 3. The program exports the ABI and nothing of its own.
# (a sanitized build also exports the sanitizer runtime's own __asan_* etc.)
nm -D --defined-only "$P" | awk '$3 !~ /@/ { print $3 }' | grep -v '^ptscope_' |
	grep -Ev '^__(asan|ubsan|lsan|sanitizer)_' > "$t/syms"
[ ! -s "$t/syms" ]; ok $? "the program exports only ptscope_* symbols ($(nm -D --defined-only "$P" | grep -c ' ptscope_') of them)" "$t/syms"

# 4. Batch reports: every vmlinux found by build ID under a debug root.
root=$t/root; dumps=
for k in $kernels; do
	d=$("$top/scripts/testbed" path "$k") || continue
	# the real kdump: makedumpfile's, or the raw vmcore (capture=cp)
	K=$d/kdump-lzo; [ -f "$K" ] || K=$d/kdump.elf
	bid=$("$P" info --json "$K" | python3 -c 'import json,sys; print(json.load(sys.stdin)["build_id"])')
	mkdir -p "$root/usr/lib/debug/.build-id/${bid:0:2}"
	ln -sf "$d/vmlinux" "$root/usr/lib/debug/.build-id/${bid:0:2}/${bid:2}.debug"
	dumps="$dumps $K"
done
nd=$(echo $dumps | wc -w)
mkdir -p "$t/rep"
"$P" report --format json --debug-root "$root" -o "$t/rep" $dumps > "$t/out" 2> "$t/err"; rc=$?
[ $rc -le 1 ] && [ "$(ls "$t/rep" | wc -l)" = "$nd" ]
ok $? "report --format json -o DIR over $nd dumps: $nd files, exit $rc" "$t/err"
i=0; same=0
for dd in $dumps; do
	i=$((i+1))
	k=$(basename "$(dirname "$(dirname "$dd")")")
	"$P" check --all --json --debug-root "$root" "$dd" > "$t/c.json" 2>/dev/null
	python3 - "$t/rep/$i-$(basename "$dd").json" "$t/c.json" <<'PY' > "$t/cmp" 2>&1
import json, sys
r = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
key = lambda f: (f["check"], f["pid"], f["address"], f["va"], f["evidence"])
a, b = sorted(map(key, r["findings"])), sorted(map(key, c["findings"]))
print(len(a), "findings in the report,", len(b), "in check --json")
sys.exit(0 if a == b else 1)
PY
	ok $? "$k: the json report's findings are check --json's: $(cat "$t/cmp")" "$t/cmp"
done

# report -k with several dumps: the vmlinux serves every dump of its build;
# one of another build is refused by name with both build IDs (exit 2),
# the others still reported.
k2=$(echo "$kernels" | sed -n 2p)
D2=$("$top/scripts/testbed" path "$k2")
mkdir -p "$t/repk"
"$P" report --format json -o "$t/repk" -k "$V" "$D/kdump-lzo" "$D/qemu.elf" "$D2/kdump-lzo" > "$t/out" 2> "$t/err"; rc=$?
b1=$("$P" info --json "$D/kdump-lzo" | python3 -c 'import json,sys; print(json.load(sys.stdin)["build_id"])')
b2=$("$P" info --json "$D2/kdump-lzo" | python3 -c 'import json,sys; print(json.load(sys.stdin)["build_id"])')
good=$(grep -l '"findings"' "$t"/repk/*.json 2>/dev/null | wc -l)
[ $rc = 2 ] && [ "$good" = 2 ] && grep -q "$D2/kdump-lzo" "$t/err" && grep -q "$b1" "$t/err" && grep -q "$b2" "$t/err"
ok $? "report -k over two dumps of its build and one of $k2's: exit $rc, $good reports, the other refused with both IDs: $(grep -h "$b2" "$t/err" | head -1)" "$t/err"

# A report that crashes on one dump: the others are still written.
cat > "$t/crashy.c" <<'EOF'
#include <string.h>
#include <ptscope/plugin.h>
const unsigned ptscope_plugin_abi = PTSCOPE_PLUGIN_ABI;
static int w(struct ptscope_dump *d, FILE *out, void *arg)
{
	(void)arg;
	if (strstr(ptscope_dump_path(d), "/deb12/"))
		*(volatile int *)0 = 1;		/* a bug in the plugin */
	fprintf(out, "fine: %s\n", ptscope_kernel_release(d));
	return 0;
}
static const struct ptscope_report r = { .name = "crashy", .description = "crashes on deb12",
					 .extension = "txt", .write = w };
int ptscope_plugin_init(struct ptscope_host *h) { return ptscope_register_report(h, &r); }
EOF
cc -shared -fPIC $cflags -o "$t/crashy.so" "$t/crashy.c"
"$P" --plugin "$t/crashy.so" report --format crashy --debug-root "$root" $dumps > "$t/out" 2> "$t/err"; rc=$?
fine=$(grep -c '^fine: ' "$t/out")
# (under ASan the crash is its report and exit status, not the signal)
[ $rc = 2 ] && [ "$fine" = $((nd - 1)) ] && grep -qE "deb12/.*(killed by signal 11|failed with exit status)" "$t/err" &&
	grep -qE "deb12/.*(killed by signal 11|failed: exit status)" "$t/out"
ok $? "a report crashing on deb12: the other $fine written, the crash recorded, exit $rc" "$t/err"

# 5. SARIF on the injected-state kernel (it has findings of every kind).
DI=$("$top/scripts/testbed" path "$(grep -v '^#' "$top/tests/kernels" | awk '$1 ~ /inject/ {print $1; exit}')")
"$P" report --format sarif \
	-k "$DI/vmlinux" -o "$t/x.sarif" "$DI/kdump-lzo" 2> "$t/err"; rc=$?
"$P" check --all --json -k "$DI/vmlinux" "$DI/kdump-lzo" > "$t/c.json" 2>/dev/null
python3 - "$t/x.sarif" "$t/c.json" > "$t/sarif.log" 2>&1 <<'PY'
# The SARIF 2.1.0 schema's requirements for what this log uses (sarif-
# schema-2.1.0.json: required properties, enums, ruleIndex consistency).
import json, sys
s = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
bad = []
def need(o, k, where):
    if k not in o: bad.append(f"{where}: no {k}")
need(s, "version", "log"); need(s, "runs", "log")
if s.get("version") != "2.1.0": bad.append("version is not 2.1.0")
for r in s["runs"]:
    need(r, "tool", "run"); need(r["tool"], "driver", "tool"); need(r["tool"]["driver"], "name", "driver")
    rules = r["tool"]["driver"].get("rules", [])
    for i, ru in enumerate(rules):
        need(ru, "id", f"rule {i}")
        for k in ("shortDescription", "fullDescription", "help"):
            if k in ru and "text" not in ru[k]: bad.append(f"rule {i}: {k} without text")
        lv = ru.get("defaultConfiguration", {}).get("level")
        if lv not in (None, "none", "note", "warning", "error"): bad.append(f"rule {i}: level {lv}")
    for i, res in enumerate(r.get("results", [])):
        need(res, "message", f"result {i}")
        if "text" not in res.get("message", {}): bad.append(f"result {i}: message without text")
        if res.get("level") not in ("none", "note", "warning", "error"): bad.append(f"result {i}: level")
        ri = res.get("ruleIndex")
        if ri is not None and (ri >= len(rules) or rules[ri]["id"] != res.get("ruleId")):
            bad.append(f"result {i}: ruleIndex {ri} is not rule {res.get('ruleId')}")
        for loc in res.get("locations", []):
            for ll in loc.get("logicalLocations", []):
                if ll.get("kind") not in (None, "function", "member", "module", "namespace", "parameter",
                                          "resource", "returnType", "type", "variable", "object",
                                          "array", "property", "value", "element", "text", "attribute",
                                          "comment", "declaration", "dtd", "processingInstruction"):
                    bad.append(f"result {i}: logical location kind {ll.get('kind')}")
    for a in r.get("artifacts", []):
        need(a, "location", "artifact")
got = sorted((x["ruleId"], x["properties"]["pid"]) for x in s["runs"][0]["results"])
want = sorted((f["check"], f["pid"]) for f in c["findings"])
if got != want: bad.append(f"results {got} are not check --json's {want}")
print(f"{len(got)} results, {len(s['runs'][0]['tool']['driver']['rules'])} rules", "; ".join(bad))
sys.exit(1 if bad else 0)
PY
ok $? "SARIF: the required 2.1.0 structure, one result per check --json finding: $(cat "$t/sarif.log")" "$t/sarif.log"

echo "1..$n"
[ $failed = 0 ]
