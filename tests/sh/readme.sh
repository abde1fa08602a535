#!/bin/sh
# Every code block of README.md, run: the README's commands work as written.
#
# The ```sh blocks run in the README's order, all in one scratch copy of the top folder
# (examples/ and pipelines/ copied, bin/ the programs under test, ../shared/realformats beside
# it when there is one), so that a block may use what an earlier one made, as a reader would.
# The programs come onto PATH by the README's own `export PATH=$PWD/bin:$PATH`.  A block runs
# under `bash --posix -e -o pipefail` (a command that fails anywhere, in a pipe too, fails it;
# `dash -n` checks first that it is plain sh), within LIMIT seconds; every file it writes with
# `> FILE` must then hold something (a .png must open, a .strt must read).  ```text blocks are
# output, not run; any other fence fails the test, as does a block that fails or runs too long.
#
# Comment lines just before a block change how it runs, in the README where a reader sees them:
#   <!-- readme.sh: set NAME=VALUE ... -->  shrunk: each assignment NAME=... in the block
#       becomes NAME=VALUE, and NAME=VALUE is in the environment of the commands that have none
#   <!-- readme.sh: replace OLD => NEW -->  shrunk: the text OLD (it must occur) becomes NEW
#   <!-- readme.sh: given NAME ... -->  the block reads what a reader brings (micrographs, a
#       movie): readme.sh makes a small stand-in first (make_given below)
#   <!-- readme.sh: needs WHAT ... -->  a program, or realformats (../shared/realformats or
#       $STEMROT_REALFORMATS): the block is skipped, saying so, where one is missing
#   <!-- readme.sh: skip REASON -->  not run: the reason names the test that covers the block,
#       a path under tests/ that exists
# A comment with another keyword, or not just before a block, fails the test.  The counts of
# blocks run, shrunk and skipped (and why) end the log, on lines tests/run-sh.sh shows.
set -e
cd "$TMP"
. "$SHLIB"
top=$(cd "$(dirname "$SHLIB")/.." && pwd)
REAL=${STEMROT_REALFORMATS:-$top/../shared/realformats}
LIMIT=${README_BLOCK_LIMIT:-120}
began=$(date +%s)
readme=$top/README.md

# --- the blocks: README.md into blocks/N.sh (the text, its fence's indent removed) and
# blocks/N.info (its line, its fence's language, its comments) ---
mkdir blocks
awk -v out=blocks '
	function bad(msg) { print "README.md:" NR ": " msg > "/dev/stderr"; failed = 1 }
	!inb && /^ *<!-- readme\.sh: .* -->[ \t]*$/ {
		d = $0; sub(/^ *<!-- readme\.sh: /, "", d); sub(/ -->[ \t]*$/, "", d)
		dirs[++ndir] = d; next
	}
	!inb && /^ *(```|~~~)/ {
		indent = match($0, /[`~]/) - 1
		rest = substr($0, indent + 1); fence = rest; sub(/[^`~].*$/, "", fence)
		lang = substr(rest, length(fence) + 1); sub(/^[ \t{.]*/, "", lang); sub(/[ \t}].*$/, "", lang)
		n++; info = out "/" n ".info"; text = out "/" n ".sh"
		print "line " NR > info; print "lang " lang > info
		for (i = 1; i <= ndir; i++) print "dir " dirs[i] > info
		close(info); printf "" > text
		ndir = 0; inb = 1; next
	}
	!inb { if (ndir) bad("a readme.sh comment that is not just before a code block"); ndir = 0; next }
	{
		t = $0; sub(/^ */, "", t)
		if (substr(t, 1, length(fence)) == fence && t ~ /^[`~]+[ \t]*$/) { inb = 0; close(text); next }
		line = $0
		for (i = 0; i < indent && substr(line, 1, 1) == " "; i++) line = substr(line, 2)
		print line > text
	}
	END {
		if (inb) bad("a code block that never ends")
		if (ndir) bad("a readme.sh comment at the end")
		print n + 0 > (out "/count"); exit failed
	}' "$readme" || fail "README.md: see above"
nblocks=$(cat blocks/count)
[ "$nblocks" -gt 10 ] || fail "README.md: only $nblocks code blocks found"

# --- the scratch top folder, and PATH as the README says to set it ---
mkdir -p repo
cp -R "$top/examples" "$top/pipelines" repo/
ln -s "$BIN" repo/bin
if [ -d "$REAL" ]; then mkdir -p shared && cp -R "$REAL" shared/realformats; fi
PATH=${PATH#"$BIN:"}
export PATH
setpath=$(grep -o 'export PATH=\$PWD/bin:\$PATH' "$readme" | head -n 1)
[ -n "$setpath" ] || fail "README.md does not say how to put bin/ on PATH (export PATH=\$PWD/bin:\$PATH)"
grep -q '`make install`' "$readme" || fail "README.md does not mention make install"
cd repo
eval "$setpath"
[ "$(command -v shapegen)" = "$PWD/bin/shapegen" ] || fail "after $setpath, shapegen is $(command -v shapegen)"
cd "$TMP"

# --- what a reader brings, made small: NAME into the scratch folder ---
make_given() {
	case $1 in
	micrographs) # a folder of TIFF images, each one particle larger than the model's 48 px
		mkdir -p repo/micrographs
		shapegen -n 3 -s 128 -r 40:50 -k 4 --seed 31 | addnoise --dose 40 --seed 32 |
			recsplit -p 'given.%d.pgm'
		for n in 1 2 3; do
			pnmtotiff given.$n.pgm > "repo/micrographs/particle $n.tif" 2> /dev/null
		done ;;
	movie.mrc) cp "$REAL/mrc/rsciio/Custom_movie.mrc" repo/movie.mrc ;;
	m.model) cp "$top/examples/models/sq.siamese.model" repo/m.model ;;
	mics) # a folder of record files, a few particles each
		mkdir -p repo/mics
		for n in 1 2 3; do
			shapegen -n 4 -k 4 --seed $((40 + n)) | addnoise --dose 40 --seed $((50 + n)) |
				centre -s 48 > repo/mics/m$n.strt
		done ;;
	*) fail "README.md:$line: no stand-in for the given $1 (make_given in tests/sh/readme.sh)" ;;
	esac
}
# does the given NAME need a resource?
given_needs() { case $1 in movie.mrc) echo realformats ;; esac; }

# --- set NAME=VALUE: each assignment of NAME in the block takes VALUE, and NAME=VALUE is
# exported for the commands that do not assign it
apply_set() { # NAME=VALUE FILE
	name=${1%%=*}; value=${1#*=}
	case $name in ''|*[!A-Za-z0-9_]*) fail "README.md:$line: set: not a NAME=VALUE: $1" ;; esac
	if grep -Eq "(^|[[:space:];|&(])$name=" "$2"; then
		NAME=$name VALUE=$value awk '{
			out = ""; s = $0; pat = "(^|[ \t;|&(])" ENVIRON["NAME"] "=(\"[^\"]*\"|\047[^\047]*\047|[^ \t;|&]*)"
			while (match(s, pat)) {
				m = substr(s, RSTART, RLENGTH); lead = (m ~ /^[ \t;|&(]/) ? substr(m, 1, 1) : ""
				out = out substr(s, 1, RSTART - 1) lead ENVIRON["NAME"] "=" ENVIRON["VALUE"]
				s = substr(s, RSTART + RLENGTH)
			}
			print out s }' "$2" > "$2.new" && mv "$2.new" "$2"
	fi
	{ printf 'export %s=%s\n' "$name" "$value"; cat "$2"; } > "$2.new" && mv "$2.new" "$2"
}
# --- replace OLD => NEW: literally, every occurrence; OLD must occur
apply_replace() { # "OLD => NEW" FILE
	case $1 in *' => '*) ;; *) fail "README.md:$line: replace: want OLD => NEW: $1" ;; esac
	OLD=${1%% => *} NEW=${1#* => } awk '
		{ s = $0; out = ""
		  while ((i = index(s, ENVIRON["OLD"])) > 0) {
			out = out substr(s, 1, i - 1) ENVIRON["NEW"]; s = substr(s, i + length(ENVIRON["OLD"])); found = 1 }
		  print out s }
		END { exit !found }' "$2" > "$2.new" || fail "README.md:$line: replace: no \"${1%% => *}\" in the block"
	mv "$2.new" "$2"
}
# --- a missing resource, or nothing
missing() { # WHAT
	if [ "$1" = realformats ]; then [ -d "$REAL" ] || echo "no $REAL (STEMROT_REALFORMATS)"
	else command -v "$1" > /dev/null 2>&1 || echo "no $1 on PATH"; fi
}

# --- each block ---
ran=0; shrunk=0; skipped=0; output=0; skips=""
blk=0
while [ $blk -lt "$nblocks" ]; do
	blk=$((blk + 1)); b=blocks/$blk
	line=$(sed -n 's/^line //p' $b.info); lang=$(sed -n 's/^lang //p' $b.info)
	first=$(awk 'NF { print; exit }' $b.sh | cut -c 1-50)
	where="README.md:$line ($first)"
	case $lang in
	text) output=$((output + 1)); continue ;;
	sh) ;;
	*) fail "README.md:$line: a code block fenced \`\`\`$lang: fence commands as \`\`\`sh (this test runs them) and output as \`\`\`text" ;;
	esac
	cp $b.sh $b.run
	skip=""; changed=""; givens=""
	sed -n 's/^dir //p' $b.info > $b.dirs
	while IFS= read -r d; do
		word=${d%% *}; args=${d#"$word"}; args=${args# }
		case $word in
		skip)
			tests=$(echo "$args" | grep -oE 'tests/[A-Za-z0-9_./-]*[A-Za-z0-9_]' || true)
			[ -n "$tests" ] || fail "README.md:$line: skip names no test that covers the block: $args"
			for t in $tests; do [ -e "$top/$t" ] || fail "README.md:$line: skip names $t, which does not exist"; done
			skip=$args ;;
		needs) for w in $args; do r=$(missing "$w"); [ -z "$r" ] || skip=${skip:-$r}; done ;;
		given)
			for w in $args; do
				for r in $(given_needs "$w"); do m=$(missing "$r"); [ -z "$m" ] || skip=${skip:-$m}; done
			done
			givens=$args ;;
		set) for w in $args; do apply_set "$w" $b.run; done; changed="$changed $args" ;;
		replace) apply_replace "$args" $b.run; changed="$changed; $args" ;;
		*) fail "README.md:$line: unknown readme.sh comment: $d" ;;
		esac
	done < $b.dirs
	if [ -n "$skip" ]; then
		skipped=$((skipped + 1)); skips="$skips$where: $skip
"
		echo "skip $where: $skip"
		continue
	fi
	$(command -v dash || echo sh) -n $b.run || fail "$where: not plain sh (dash -n)"
	for g in $givens; do make_given "$g"; done
	start=$(date +%s); rc=0
	(cd repo && exec timeout "$LIMIT" bash --posix -e -o pipefail "../$b.run") > $b.out 2> $b.err || rc=$?
	secs=$(($(date +%s) - start))
	if [ $rc -ne 0 ]; then
		echo "--- the block as run:"; cat $b.run; echo "--- its standard error (end):"; tail -n 20 $b.err
		[ $rc -ne 124 ] || fail "$where: still running after $LIMIT s: shrink it (<!-- readme.sh: set NAME=VALUE --> or replace)"
		fail "$where: exit status $rc"
	fi
	# every file the block writes with "> FILE" (outside quotes) holds something a reader can use
	for f in $(tr '\n' '\036' < $b.run | sed -E "s/'[^']*'//g; s/\"[^\"]*\"//g" | tr '\036' '\n' |
		grep -oE '(^|[[:space:]])>[[:space:]]*[A-Za-z0-9_.][A-Za-z0-9_./-]*' |
		sed -E 's/^[[:space:]]*>[[:space:]]*//' | sort -u); do
		case $f in /dev/*) continue ;; esac
		[ -s "repo/$f" ] || fail "$where: wrote no $f"
		case $f in
		*.png) pngtopnm "repo/$f" > /dev/null 2>&1 || fail "$where: $f is not a PNG" ;;
		*.strt) recmeta "repo/$f" > /dev/null || fail "$where: $f is not a record stream" ;;
		esac
	done
	if [ -n "$changed" ]; then
		shrunk=$((shrunk + 1)); echo "ok $where, shrunk (${changed#; }), ${secs} s"
	else
		ran=$((ran + 1)); echo "ok $where, as written, ${secs} s"
	fi
done

# --- what the Quick start says make deps installs is what it installs ---
pkgs=$(printf 'readme-sh-packages:\n\t@echo $(DEB_PACKAGES)\n' |
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$top" -f Makefile -f - readme-sh-packages)
[ -n "$pkgs" ] || fail "no DEB_PACKAGES in the Makefile"
quick=$(awk '/^## Quick start/ { on = 1; next } /^## / { on = 0 } on' "$readme")
for p in $pkgs; do
	echo "$quick" | grep -qF "\`$p\`" || fail "README.md's Quick start does not list $p, which make deps installs"
done
echo "$quick" | grep -q 'apt-get install --no-install-recommends make' || fail "README.md: the minbase note on make"

echo "summary: README.md: $((ran + shrunk + skipped)) shell blocks: $ran ran as written, $shrunk ran shrunk, $skipped skipped; $output output blocks (not run); $(($(date +%s) - began)) s"
printf '%s' "$skips" | sed 's/^/summary:   skipped /'
