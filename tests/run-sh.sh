#!/bin/sh
# Runs each shell test script; a script passes when it exits 0.  Prints "N passed, N failed".
# Each script gets $BIN (the programs), $TMP (a fresh directory), $FIXTURES and $SHLIB (the
# shared helpers tests/lib.sh, to source).  A passing script's lines that begin "summary: " are
# shown.
pass=0; fail=0; failed=""
top=$(cd "$(dirname "$0")/.." && pwd)
for t in "$@"; do
	tmp=$(mktemp -d)
	if BIN="$BIN" TMP="$tmp" FIXTURES="$top/tests/fixtures" SHLIB="$top/tests/lib.sh" PATH="$BIN:$PATH" sh "$t" >"$tmp/.log" 2>&1; then
		pass=$((pass + 1)); echo "PASS $t"; sed -n 's/^summary: /    /p' "$tmp/.log"
	else
		fail=$((fail + 1)); failed="$failed $t"; echo "FAIL $t"; sed 's/^/    /' "$tmp/.log" | tail -n 30
	fi
	rm -rf "$tmp"
done
echo "shtest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
