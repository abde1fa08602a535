#!/bin/sh
# demo.sh: a short version of the 2D experiment (pipelines/exp2d.sh) that runs in a few
# minutes on 2 cores and prints the results table.  `make demo` runs it with BIN set.
#
# usage: BIN=path/to/bin sh pipelines/demo.sh [OUTDIR]
# Small on purpose: few training pairs and epochs, squares and the k = 3..6 mix at doses 10
# and 40, the self-supervised network and the classical baseline (the oracle is left out to
# save time; pipelines/exp2d.sh runs everything).
set -e
here=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-${TMPDIR:-/tmp}/stemrot-demo.$$}
start=$(date +%s)
NTRAIN=${NTRAIN:-4000} NTEST=${NTEST:-300} EPOCHS=${EPOCHS:-10} DOSES=${DOSES:-"10 40"} \
	METHODS=${METHODS:-siamese} TTA=${TTA:-8} \
	sh "$here/exp2d.sh" "$OUT"
echo
echo "demo: $(($(date +%s) - start)) s; outputs in $OUT (full experiment: pipelines/exp2d.sh)"
