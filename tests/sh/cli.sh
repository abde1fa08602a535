#!/bin/sh
# Command-line manners shared by every program: an empty input is an error (as in Netpbm),
# with one message naming the input, for every program that reads records; and the
# Makefile's deps, install and uninstall (into a scratch DESTDIR, with stand-ins for
# apt-get and sudo).
set -e
cd "$TMP"
. "$SHLIB"

shapegen -n 1 -s 24 > one.strt
: > empty.strt
shapegen -n 8 -s 16 -r 5 -j 0 -k 4 | stereopair --offset 10 > pairs.strt
train -q -e 1 -b 4 --net 'flatten; dense OUT' -o x.model pairs.strt
train -q -e 1 -b 4 --net 'flatten; dense OUT' -M generate -k 4 -o g.model pairs.strt
for cmd in addnoise centre denoise project1d recmeta recsplit rectile \
	"stereopair --offset 5" "predict --method harmonic" "predict -m x.model" "calibrate -m x.model -" "decode -m g.model --input"; do
	expect_fail "$cmd: empty standard input" $cmd < empty.strt
	grep -q "(stdin): no records (the input is empty)" err.txt || fail "$cmd: $(cat err.txt)"
	expect_fail "$cmd: an empty file among others" ${cmd%% -} one.strt empty.strt
	grep -q "empty.strt: no records (the input is empty)" err.txt || fail "$cmd: $(cat err.txt)"
done
expect_fail "train: empty standard input" train -q -o y.model < empty.strt

# --- one meaning per short option: every "-x, --long" of every program's --help is in the
# table of stemrot(7) for that program, and every row of the table is used ---
top=$(cd "$(dirname "$SHLIB")/.." && pwd)
awk '/^\.Sh OPTIONS/ { on = 1; next } /^\.Sh / || /^\.El/ { on = 0 }
	on && /^\.It Fl [^ ]+ Ta / {
		row = $0; sub(/^\.It Fl /, "", row); x = row; sub(/ .*/, "", x)
		split(row, f, / Ta /); longs = f[2]; gsub(/Fl Fl /, "", longs); gsub(/ ,/, "", longs)
		progs = f[3]; sub(/^[^:]*: /, "", progs)
		n++; X[n] = x; LONGS[n] = longs; PROGS[n] = progs; next }
	on && n && !/^\./ { PROGS[n] = PROGS[n] " " $0 }
	END { for (i = 1; i <= n; i++) { p = PROGS[i]; gsub(/[,;]/, "", p)
		print "-" X[i] "\t" LONGS[i] "\t" p } }' "$top/man/man7/stemrot.7" > table.tsv
[ "$(wc -l < table.tsv)" -gt 20 ] || fail "stemrot(7): no option table: $(cat table.tsv)"
for p in $(cd "$BIN" && ls); do
	"$p" --help | sed -n 's/^  \(-[A-Za-z0-9]\), --\([a-z0-9-]*\).*/\1 \2/p' |
	while read -r x long; do
		echo "$x $long $p" >> used.txt
		awk -F'\t' -v x="$x" -v l="$long" -v p="$p" '$1 == x {
			n = split($2, L, " "); for (i = 1; i <= n; i++) if (L[i] == l) okl = 1
			if ($3 ~ "(^| )" p "( |$)" || $3 ~ /every program/) okp = 1 }
			END { exit !(okl && okp) }' table.tsv ||
			fail "$p: $x --$long is not in stemrot(7)'s option table for $p"
	done
done
while IFS="$(printf '\t')" read -r x longs progs; do
	for l in $longs; do
		grep -q -- "^$x $l " used.txt || fail "stemrot(7): $x --$l is in the table but no program has it"
	done
done < table.tsv

# --- make deps: root runs apt-get, else sudo does, else it says what to install ---
# (the make of the suite, if any, must not leak its flags and jobserver into these)
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$top" "$@"; }
mkdir fake
printf '#!/bin/sh\necho "apt-get $*" >> "%s/apt.log"\n' "$TMP" > fake/apt-get
printf '#!/bin/sh\necho "sudo $*" >> "%s/apt.log"\n' "$TMP" > fake/sudo
chmod +x fake/apt-get fake/sudo
want="install -y -qq --no-install-recommends stemrot-no-such-package"
PATH="$TMP/fake:$PATH" mk deps DEB_PACKAGES=stemrot-no-such-package \
	DEPS_UID=0 > deps.out || fail "make deps as root"
grep -q "apt-get $want\$" apt.log || fail "make deps as root: $(cat apt.log)"
rm apt.log
PATH="$TMP/fake:$PATH" mk deps DEB_PACKAGES=stemrot-no-such-package \
	DEPS_UID=1000 SUDO="$TMP/fake/sudo" > deps.out || fail "make deps with sudo"
grep -q "^sudo .*apt-get $want\$" apt.log || fail "make deps with sudo: $(cat apt.log)"
if mk deps DEB_PACKAGES=stemrot-no-such-package DEPS_UID=1000 \
	SUDO=stemrot-no-such-sudo > deps.out 2> deps.err; then fail "make deps without root or sudo"; fi
grep -qx "As root, run:  apt-get install --no-install-recommends stemrot-no-such-package" deps.err ||
	fail "make deps without root or sudo: $(cat deps.err)"
grep -q "not root, and no stemrot-no-such-sudo" deps.err || fail "make deps without root or sudo: $(cat deps.err)"
# as root, an apt-get that fails (no network, say): it says so, and what to run
mkdir fail
printf '#!/bin/sh\nexit 100\n' > fail/apt-get
chmod +x fail/apt-get
if PATH="$TMP/fail:$PATH" mk deps DEB_PACKAGES=stemrot-no-such-package DEPS_UID=0 > deps.out 2> deps.err; then
	fail "make deps as root, apt-get failing"
fi
grep -q "^make deps: apt-get failed to install them" deps.err || fail "make deps as root, apt-get failing: $(cat deps.err)"
grep -qx "As root, run:  apt-get install --no-install-recommends stemrot-no-such-package" deps.err ||
	fail "make deps as root, apt-get failing: $(cat deps.err)"
mk deps DEB_PACKAGES=dpkg > deps.out 2>&1 || fail "make deps, nothing missing"
[ ! -s deps.out ] || fail "make deps, nothing missing, said: $(cat deps.out)"

# --- make install: stripped programs, man pages; uninstall removes what it made ---
mkdir -p root/usr/local/share
touch root/usr/local/share/keep
mk install DESTDIR="$TMP/root" BIN="$BIN" > inst.out || fail "make install"
for p in shapegen centre predict rectile; do
	[ -x root/usr/local/bin/$p ] || fail "install: no $p"
	nm root/usr/local/bin/$p 2>&1 | grep -q "no symbols" || fail "install: $p not stripped"
done
[ -f root/usr/local/share/man/man7/stemrot.7 ] || fail "install: no stemrot.7"
mk uninstall DESTDIR="$TMP/root" BIN="$BIN" > inst.out || fail "make uninstall"
left=$(cd root && find . | sort | tr '\n' ' ')
[ "$left" = ". ./usr ./usr/local ./usr/local/share ./usr/local/share/keep " ] ||
	fail "uninstall left: $left"
echo "cli: all passed"
