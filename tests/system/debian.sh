#!/bin/bash
# The Debian package (debian/): built from the tree as a packager would
# (dpkg-buildpackage -us -uc -b in a clean copy), checked by lintian,
# installed with its dependencies into a fresh bookworm root made by
# mmdebstrap from the archive, and run there: --version, plugins, info on
# a test-bed dump, bash completion and the plugin's pkg-config file in
# place.  Fails without the tools (scripts/deps) or the dumps.
top=${top_srcdir:-.}
n=0; failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else failed=$((failed+1)); echo "not ok $n - $2"; fi; }
show() { sed 's/^/#   /' "$@" | tail -30; }
t=$(mktemp -d /tmp/ptscope-deb.XXXXXX); trap 'rm -rf "$t"' EXIT
for c in dpkg-buildpackage lintian mmdebstrap dh git; do
	command -v $c >/dev/null; ok $? "$c is installed (scripts/deps)"
done
k1=$(grep -v '^#' "$top/tests/kernels" | awk 'NF {print $1; exit}')
D=$("$top/scripts/testbed" path "$k1"); [ -f "$D/kdump-lzo" ]; ok $? "$k1: test-bed dumps exist"

# a clean copy: what git tracks (and new files not ignored), no build trees
src=$t/ptscope-0.1.0; mkdir -p "$src"
(cd "$top" && git ls-files -co --exclude-standard | tar -cf - -T -) | tar -xf - -C "$src"
(cd "$src" && dpkg-buildpackage -us -uc -b) > "$t/build.log" 2>&1; rc=$?
ok $rc "dpkg-buildpackage -us -uc -b (exit $rc)"; [ $rc = 0 ] || show "$t/build.log"
deb=$t/ptscope_0.1.0-1_amd64.deb; dev=$t/ptscope-plugin-dev_0.1.0-1_amd64.deb
[ -f "$deb" ] && [ -f "$dev" ]; ok $? "two packages: ptscope and ptscope-plugin-dev"
dpkg -c "$deb" > "$t/c1"; dpkg -c "$dev" > "$t/c2"
for f in usr/bin/ptscope ptscope/plugins/triage.so ptscope/plugins/sarif.so man1/ptscope.1.gz \
	 bash-completion/completions/ptscope; do
	grep -q "$f\$" "$t/c1"; ok $? "ptscope holds $f"
done
for f in usr/include/ptscope/plugin.h pkgconfig/ptscope-plugin.pc man7/ptscope-plugin.7.gz \
	 examples/example_check.so examples/example_check.c; do
	grep -q "$f\$" "$t/c2"; ok $? "ptscope-plugin-dev holds $f"
done
! grep -q '\.la$' "$t/c1" "$t/c2"; ok $? "no libtool .la files shipped"
# lintian: no error or warning but these, which say what the project lacks,
# not what the packaging does: a mail address of its own (the
# maintainer's is on .invalid) and a bug to close
lintian --fail-on error,warning \
	--suppress-tags bogus-mail-host,bogus-mail-host-in-debian-changelog,initial-upload-closes-no-bugs \
	"$t"/ptscope_0.1.0-1_amd64.changes > "$t/lintian.log" 2>&1; rc=$?
ok $rc "lintian: no error or warning (exit $rc)"; [ $rc = 0 ] || show "$t/lintian.log"

# a fresh bookworm root from the archive, the packages installed by apt
# with their dependencies (downloads kept in the test bed's cache)
cache=${PTSCOPE_CACHE:-/var/cache/ptscope}/mmdebstrap; mkdir -p "$cache"
mirror=$(awk '{for (i = 1; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit }}' \
	"${PTSCOPE_CACHE:-/var/cache/ptscope}/apt/bookworm/sources.list" 2>/dev/null)
mirror=${mirror:-http://deb.debian.org/debian}
mmdebstrap --variant=apt --skip=check/empty \
	--setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
	--setup-hook="sync-in $cache /var/cache/apt/archives/" \
	--customize-hook="copy-in $deb $dev /tmp/" \
	--customize-hook='chroot "$1" apt-get install -y -q /tmp/ptscope_0.1.0-1_amd64.deb /tmp/ptscope-plugin-dev_0.1.0-1_amd64.deb' \
	--customize-hook="sync-out /var/cache/apt/archives $cache" \
	bookworm "$t/root" "deb $mirror bookworm main" > "$t/mmdebstrap.log" 2>&1; rc=$?
ok $rc "mmdebstrap: a bookworm root with both packages installed by apt (exit $rc)"
[ $rc = 0 ] || show "$t/mmdebstrap.log"
R=$t/root
mkdir -p "$R/dump"; cp "$D/kdump-lzo" "$D/vmlinux" "$R/dump/"
v=$(chroot "$R" ptscope --version 2>&1); [ "$v" = "ptscope 0.1.0" ]; ok $? "in the root: ptscope --version: $v"
chroot "$R" ptscope plugins > "$t/plugins" 2>&1
grep -q "plugin directory /usr/lib/x86_64-linux-gnu/ptscope/plugins (installed)" "$t/plugins" &&
	grep -q "^report format sarif" "$t/plugins" && grep -q "^report format triage" "$t/plugins"
ok $? "in the root: ptscope plugins loads triage and sarif from the installed directory"
[ $? = 0 ] || show "$t/plugins"
chroot "$R" ptscope info -k /dump/vmlinux /dump/kdump-lzo > "$t/info" 2>&1; rc=$?
rel=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$D/meta.json" 2>/dev/null ||
	awk '/^kernel:/ {print $2}' "$t/info")
[ $rc = 0 ] && grep -q "^kernel: *$rel" "$t/info" && grep -q "^uname: *Linux" "$t/info"
ok $? "in the root: ptscope info on $k1's kdump: exit $rc, kernel $rel"; [ $? = 0 ] || show "$t/info"
[ -f "$R/usr/share/bash-completion/completions/ptscope" ] && [ -f "$R/usr/lib/x86_64-linux-gnu/pkgconfig/ptscope-plugin.pc" ]
ok $? "in the root: the bash completion and the plugin's pkg-config file are in place"
echo "1..$n"
[ $failed = 0 ]
