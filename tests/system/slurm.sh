#!/bin/bash
# The Slurm recipe (contrib/slurm/) on a real one-node cluster: Debian's
# munge, slurmctld and slurmd started here with a private key, socket,
# configuration and ports, the array run over the kdump of every test-bed
# kernel and one file that is no dump, then the merge step.  Every dump has
# its JSON and SARIF, the non-dump fails alone with its reason, and the
# summary's counts equal those of check --json.  Fails without the
# packages (scripts/deps) or the dumps.
top=${top_srcdir:-.}
P=${PTSCOPE:-$top/src/ptscope}
P=$(cd "$(dirname "$P")" && pwd)/$(basename "$P")
n=0; failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else failed=$((failed+1)); echo "not ok $n - $2"; fi; }
show() { sed 's/^/#   /' "$@" | tail -30; }
t=$(mktemp -d /tmp/ptscope-slurm.XXXXXX)
stop() {
	for f in slurmd slurmctld munged; do
		[ -s "$t/$f.pid" ] && kill "$(cat "$t/$f.pid")" 2>/dev/null
	done
	sleep 1
	rm -rf "$t"
}
trap stop EXIT
for c in munged slurmctld slurmd sbatch squeue sinfo; do
	command -v $c >/dev/null; ok $? "$c is installed (scripts/deps)"
done
chmod 700 "$t"; mkdir -p "$t/state" "$t/spool" "$t/log"
H=$(hostname -s)
# ports of our own, free now (another cluster may run here)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])')
dd if=/dev/urandom of="$t/munge.key" bs=1024 count=1 2>/dev/null; chmod 600 "$t/munge.key"
munged --force --socket="$t/munge.sock" --key-file="$t/munge.key" --pid-file="$t/munged.pid" \
	--log-file="$t/log/munged.log" --seed-file="$t/munge.seed"
ok $? "munged started (private key and socket)"
cat > "$t/slurm.conf" <<CONF
ClusterName=ptscope-test
SlurmctldHost=$H
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$t/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$t/state
SlurmdSpoolDir=$t/spool
SlurmctldPidFile=$t/slurmctld.pid
SlurmdPidFile=$t/slurmd.pid
SlurmctldLogFile=$t/log/slurmctld.log
SlurmdLogFile=$t/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
NodeName=$H CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$t/slurm.conf
slurmctld -c && slurmd; ok $? "slurmctld and slurmd started"
for i in $(seq 30); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 1; done
sinfo -h -o %T | grep -q idle; ok $? "the node is idle: $(sinfo -h -o '%P %T %N')"
[ $? = 0 ] || show "$t/log/slurmctld.log" "$t/log/slurmd.log"

# the list: every kernel's kdump, and random bytes where a dump should be
: > "$t/list"
kernels=$(grep -v '^#' "$top/tests/kernels" | awk 'NF {print $1}')
for k in $kernels; do
	D=$("$top/scripts/testbed" path "$k")
	# the real kdump: makedumpfile's, or the raw vmcore (capture=cp)
	K=$D/kdump-lzo; [ -f "$K" ] || K=$D/kdump.elf
	[ -f "$K" ] || { ok 1 "$k: test-bed dumps exist"; continue; }
	echo "$K $D/vmlinux" >> "$t/list"
done
head -c 65536 /dev/urandom > "$t/not-a-dump"
echo "$t/not-a-dump" >> "$t/list"
nd=$(grep -c . "$t/list")
jobs=$(PTSCOPE=$P "$top/contrib/slurm/submit.sh" "$t/list" "$t/out" 2>"$t/submit.err"); rc=$?
ok $rc "submit.sh: the array of $nd tasks and the merge step: jobs $jobs"; [ $rc = 0 ] || show "$t/submit.err"
# the whole run, bounded
for i in $(seq 900); do
	[ -z "$(squeue -h 2>/dev/null)" ] && break
	sleep 1
done
[ -z "$(squeue -h)" ]; ok $? "every job ended (${i} s)"
missing=""
for id in $(seq $((nd - 1))); do
	for e in json sarif status.json; do [ -s "$t/out/$id.$e" ] || missing="$missing $id.$e"; done
done
[ -z "$missing" ]; ok $? "every dump has its JSON and SARIF report (missing:${missing:- none})"
[ -z "$missing" ] || { ls "$t/out" | sed 's/^/#   /'; show "$t/out"/*.log "$t/log/slurmd.log"; }
python3 - "$t/out/summary.json" "$t/list" "$P" > "$t/verdict" <<'PY'
import json, subprocess, sys, collections
summary, listf, P = sys.argv[1:]
s = json.load(open(summary))
lines = [l.split() for l in open(listf) if l.strip()]
bad = []
if s["dumps"] != len(lines):
    bad.append(f"{s['dumps']} status records for {len(lines)} lines")
f = s["failed"]
if [x["dump"] for x in f] != [lines[-1][0]] or f[0]["exit"] != 2 or "not a kernel dump" not in (f[0]["error"] or ""):
    bad.append(f"failed: {f}")
want = collections.Counter()
for l in lines[:-1]:
    r = subprocess.run([P, "check", "--all", "--json", "-k", l[1], l[0]], capture_output=True, text=True)
    for x in json.loads(r.stdout)["findings"]:
        want[x["check"]] += 1
if s["by_check"] != dict(want) or s["findings"] != sum(want.values()):
    bad.append(f"by_check {s['by_check']} but check --json says {dict(want)}")
print("OK" if not bad else "; ".join(bad))
print(f"{s['dumps']} dumps, {s['reported']} reported, {s['findings']} findings {s['by_check']}, "
      f"by kernel {s['by_kernel']}, by host {s['by_host']}, failed: {[(x['dump'], x['error']) for x in f]}")
PY
head -1 "$t/verdict" | grep -qx OK
ok $? "the summary: the non-dump alone failed, with its reason; counts by check equal check --json's: $(tail -1 "$t/verdict")"
[ $? = 0 ] || { show "$t/verdict"; show "$t/out/summary.json"; show "$t/out/merge.log"; }
echo "1..$n"
[ $failed = 0 ]
