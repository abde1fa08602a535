#!/bin/sh
# Command-line manners shared by every program: an empty input is an error (as in Netpbm),
# with one message naming the input, for every program that reads records.
set -e
cd "$TMP"
. "$SHLIB"

shapegen -n 1 -s 24 > one.strt
: > empty.strt
for cmd in addnoise centre denoise project1d recmeta recsplit rectile \
	"stereopair --offset 5" "predict --method harmonic" "train -q -o x.model"; do
	expect_fail "$cmd: empty standard input" $cmd < empty.strt
	grep -q "(stdin)\|no training records" err.txt || fail "$cmd: message names no input: $(cat err.txt)"
	expect_fail "$cmd: an empty file among others" $cmd one.strt empty.strt
	case $cmd in train*) ;; *) grep -q "empty.strt" err.txt || fail "$cmd: $(cat err.txt)" ;; esac
done
expect_fail "calibrate: empty reference" calibrate -m x.model empty.strt
echo "cli: all passed"
