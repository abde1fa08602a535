#!/bin/sh
# The shipped mix model's answers one can trust: the order from the heads' agreement over the
# test-time transforms (learn/order.h) gets noisy triangles right, which the predicted
# consistency alone called hexagons (89 of these 100 before), and predict's confidence ranks
# a failing answer below a good one.
set -e
cd "$TMP"
. "$SHLIB"
top=$(cd "$(dirname "$SHLIB")/.." && pwd)
model="$top/examples/models/mix.siamese.model"
[ -f "$model" ] || { echo "skip: no shipped mix model"; exit 0; }

# 100 triangles at dose 10 in the demo's test conditions: the order right for every one
shapegen -n 100 --sides 3 --radius 12:22 --centre-jitter 8 --seed 31 |
	addnoise --dose 10 --blur 1.884 --background 0.05 --read 1 --seed 32 | centre -s 48 |
	predict -t 2 -m "$model" > tri.tsv
awk -F'\t' 'NR > 1 { n++; ok += $3 == $7 } END { print "triangles, dose 10: order right for " ok " of " n; exit ok != 100 }' \
	tri.tsv || fail "triangles called another order"
