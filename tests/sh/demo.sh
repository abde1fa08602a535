#!/bin/sh
# The demo on the shipped models (examples/models/), small: the models load and, on fresh
# test images, the Siamese network (not told k) has the README's figures' ballpark and is
# ahead of the baseline told k at dose 40 on both sets; the table has a row for each method
# that ran and no other line between its rows; the pictures are PNGs that Netpbm opens.
set -e
cd "$TMP"
. "$SHLIB"
top=$(cd "$(dirname "$SHLIB")/.." && pwd)

models="$top/examples/models"
sets=""
for set in sq mix; do [ ! -f "$models/$set.siamese.model" ] || sets="$sets $set"; done
[ -n "$sets" ] || fail "no shipped model in $models"
rows=$((6 * $(echo $sets | wc -w)))
NTEST=60 THREADS=2 BIN="$BIN" sh "$top/pipelines/demo.sh" out > demo.txt 2> demo.err
[ "$(echo $sets)" != "sq mix" ] || [ ! -s demo.err ] || { cat demo.err; fail "the demo wrote to stderr"; }
[ "$(awk -F'\t' 'NR > 1' out/results.tsv | wc -l)" -eq $rows ] || fail "want $rows rows"
# the printed table: its header, then the rows, nothing between them
awk -v want=$rows '/^set +dose +method/ { t = 1; next } t && NF == 0 { exit } t { n++ }
	END { exit n != want }' demo.txt || fail "the printed table is not $rows rows under its header"
for set in $sets; do
	awk -F'\t' -v s=$set '
		$1 == s && $3 == "siamese" { sm[$2] = $6; so[$2] = $9 }
		$1 == s && $3 == "harmonic-told-k" { hm[$2] = $6 }
		END {
			printf "%s dose 40: siamese %s (order %s), harmonic told k %s; dose 10: %s, %s\n",
				s, sm[40], so[40], hm[40], sm[10], hm[10]
			exit !(sm[40] < 0.3 && so[40] >= 0.95 && sm[10] < 0.6 && sm[40] < hm[40])
		}' out/results.tsv || fail "$set: the shipped model is off its figures"
done
for set in $sets; do
	pngtopnm "out/worst.$set.png" | pamfile > /dev/null || fail "worst.$set.png"
	if command -v gnuplot > /dev/null; then
		for f in loss errors; do pngtopnm "out/$f.$set.png" | pamfile > /dev/null || fail "$f.$set.png"; done
	fi
done
printf 'epoch\ttrain_loss\tval_loss\n' > empty.tsv
if sh "$top/pipelines/plot-loss.sh" empty.tsv x.png 2> err.txt; then fail "plot-loss.sh: a log without epochs"; fi
grep -q 'no epochs' err.txt || grep -q 'gnuplot not found' err.txt || fail "plot-loss.sh: $(cat err.txt)"

# the README's demo section: the shipped models' info and confidence filtering
for m in $sets; do
	predict -m "$models/$m.siamese.model" --info > info.$m.txt
	for key in calibrated=yes calib.tta=8 train.size.p50= conf.map= conf.weights= conf.features=; do
		grep -q "^$key" info.$m.txt || fail "$m model info lacks $key"
	done
done
[ ! -f "$models/mix.siamese.model" ] || shapegen -n 200 --sides 3:6 --seed 5 | addnoise --dose 40 --seed 6 | centre -s 48 |
	predict -m "$models/mix.siamese.model" | awk -F'\t' 'NR == 1 || $4 > 0.9' | evaluate > kept.txt
awk -F'\t' '$1 == "calibrated" && $2 == "all" { exit !($3 >= 150 && $7 >= 0.95) }' kept.txt ||
	fail "confident answers: $(cat kept.txt)"
awk -F'\t' 'FNR > 1 && !($4 >= 0 && $4 <= 1) { exit 1 }' out/pred.*.siamese.tsv || fail "confidence outside 0..1"
