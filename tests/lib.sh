# Helpers shared by the shell tests in tests/sh/ (sourced, not run: tests/run-sh.sh passes its
# path as $SHLIB).  Each test does `. "$SHLIB"` after `set -e` and `cd "$TMP"`.

# fail MESSAGE...: report and end the test
fail() { echo "FAIL: $*"; exit 1; }

# expect_fail NAME CMD...: CMD must exit non-zero with exactly one line on stderr and nothing
# on stdout; the message must start with the program's name ("prog: ...").
expect_fail() {
	name=$1; shift
	if "$@" > out.txt 2> err.txt; then fail "$name: exit status 0"; fi
	[ ! -s out.txt ] || fail "$name: wrote to stdout"
	[ "$(wc -l < err.txt)" -eq 1 ] || { cat err.txt; fail "$name: want one line on stderr"; }
	prog=$(basename "$1")
	grep -q "^$prog: " err.txt || fail "$name: message lacks the program name: $(cat err.txt)"
	echo "ok: $name: $(cat err.txt)"
}

# check_help_version PROG...: --help exits 0 with "usage: PROG" on stdout, --version exits 0
# with "PROG (stemrot) VERSION"
check_help_version() {
	for p in "$@"; do
		"$p" --help > help.txt || fail "$p --help exit status"
		grep -q "^usage: $p" help.txt || fail "$p --help"
		"$p" --version > version.txt || fail "$p --version exit status"
		grep -q "^$p (stemrot) " version.txt || fail "$p --version"
	done
}
