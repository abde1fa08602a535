#!/bin/sh
# demo.sh: the shipped models (examples/models/, trained by pipelines/exp2d.sh: `make models`)
# against the classical baseline on freshly generated test images, squares and the k = 3..6
# mix, in well under a minute; prints an aligned, explained table and draws the pictures:
# the training runs' loss curves, an error histogram per set, and the worst test images.
# `make demo` runs it with BIN set.
#
# usage: BIN=path/to/bin sh pipelines/demo.sh [OUTDIR]
# Environment (defaults in brackets): NTEST [500] test images per set and dose,
#   DOSES ["10 40"], MODELS [examples/models] the models and their training logs,
#   THREADS [2], TTA [8].
# Nothing here trains: the models' training is `make models` (examples/models/README).
set -e
here=$(cd "$(dirname "$0")" && pwd)
BIN=${BIN:-bin}
PATH=$BIN:$PATH
export PATH
OUT=${1:-demo.out}
MODELS=$(cd "${MODELS:-$here/../examples/models}" && pwd)
NTEST=${NTEST:-500}
DOSES=${DOSES:-"10 40"}
THREADS=${THREADS:-2}
TTA=${TTA:-8}
SIZE=48
start=$(date +%s)
mkdir -p "$OUT"
# the sets whose model is there (make models trains both)
SETS=""
for set in sq mix; do
	if [ -f "$MODELS/$set.siamese.model" ]; then
		SETS="$SETS $set"
	else
		echo "demo.sh: $MODELS/$set.siamese.model: no such model (make models trains it)" >&2
	fi
done
[ -n "$SETS" ] || exit 1

# Test images as pipelines/exp2d.sh makes them (the evaluation's conditions: probe sigma
# 0.8 px, 5% background, Poisson dose, read noise 1; circumradius 12-22 px, centre within
# +-8 px), single images, from seeds that no training or test set of exp2d.sh uses.
make_test() { # K DOSE SEED
	shapegen --count "$NTEST" --sides "$1" --radius 12:22 --centre-jitter 8 --seed "$3" |
		addnoise --dose "$2" --blur 1.884 --background 0.05 --read 1 --seed $(($3 + 1)) |
		centre --size "$SIZE"
}
# One table row from evaluate's "calibrated all" line: set, dose, method, told k, n, median,
# mean, within 2 degrees, order right.
row() { # SET DOSE METHOD TOLD PRED.tsv
	evaluate --no-header "$5" | awk -F'\t' -v s="$1" -v d="$2" -v m="$3" -v t="$4" '
		$1 == "calibrated" && $2 == "all" {
			printf "%s\t%s\t%s\t%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\n", s, d, m, t, $3, $4, $5, $7, $9 }'
}

RES="$OUT/results.tsv"
: > "$OUT/predict.warnings"
printf 'set\tdose\tmethod\ttold_k\tn\tmedian\tmean\twithin2\torder_ok\n' > "$RES"
for set in $SETS; do
	case $set in
	sq) K=4; seed=7000 ;;
	mix) K=3:6; seed=8000 ;;
	esac
	for dose in $DOSES; do
		test="$OUT/$set.test.$dose.strt"
		make_test "$K" "$dose" $((seed + dose)) > "$test"
		p="$OUT/pred.$set.$dose"
		# warnings (a particle outside the model's trained range) are counted below
		predict --threads "$THREADS" --tta "$TTA" --model "$MODELS/$set.siamese.model" "$test" \
			> "$p.siamese.tsv" 2>> "$OUT/predict.warnings"
		predict --method harmonic --order true "$test" > "$p.harmonic-told-k.tsv"
		predict --method harmonic --kmin 3 --kmax 8 "$test" > "$p.harmonic-detect-k.tsv"
		row "$set" "$dose" siamese no "$p.siamese.tsv" >> "$RES"
		row "$set" "$dose" harmonic-told-k yes "$p.harmonic-told-k.tsv" >> "$RES"
		row "$set" "$dose" harmonic-detect-k no "$p.harmonic-detect-k.tsv" >> "$RES"
	done
done

# The pictures: needs gnuplot (make deps installs it) for the two plots; Netpbm for the rest.
pictures=""
if command -v gnuplot > /dev/null; then
	for set in $SETS; do
		if [ -f "$MODELS/$set.siamese.log.tsv" ]; then
			sh "$here/plot-loss.sh" "$MODELS/$set.siamese.log.tsv" "$OUT/loss.$set.png" \
				"$set: training of the shipped Siamese model (train --log)"
			pictures="$pictures loss.$set.png"
		fi
		specs=""
		for dose in $DOSES; do
			specs="$specs siamese,dose$dose=$OUT/pred.$set.$dose.siamese.tsv"
			specs="$specs harmonic-told-k,dose$dose=$OUT/pred.$set.$dose.harmonic-told-k.tsv"
		done
		# shellcheck disable=SC2086
		sh "$here/plot-errors.sh" "$OUT/errors.$set.png" \
			"$set: angular errors on $NTEST test images per dose" 2 $specs
		pictures="$pictures errors.$set.png"
	done
else
	echo "demo.sh: gnuplot not found, so no loss curves or histograms (make deps installs it)" >&2
fi
low=${DOSES%% *}
for set in $SETS; do
	sh "$here/worst.sh" "$OUT/$set.test.$low.strt" "$OUT/pred.$set.$low.siamese.tsv" 8 \
		"$OUT/worst.$set.png" "$set, dose $low: the 8 worst of $NTEST for the Siamese model"
	pictures="$pictures worst.$set.png"
done
rm -f "$OUT"/*.test.*.strt

cat <<EOF
stemrot demo: the shipped Siamese models ($MODELS, trained by \`make models\`) against the
classical baseline, on $NTEST fresh test images per set and dose (48x48 crops of 64x64
renderings: squares, or the k = 3..6 mix; circumradius 12-22 px; probe sigma 0.8 px, 5%
background, Poisson dose in counts per pixel, read noise 1).

  method             what it is told
  siamese            nothing but the image: it finds the order k itself (trained on stereo
                     pairs without any angle; predict --tta $TTA)
  harmonic-told-k    the classical baseline (angular harmonic about the centroid), told
                     each image's true k
  harmonic-detect-k  the same baseline, finding k itself among 3..8

  columns: median and mean angular error in degrees (modulo 360/k, after calibration with
  one clean reference per order); within2: fraction of images within 2 degrees; order_ok:
  fraction whose order k is right (always 1 when told).

EOF
awk -F'\t' '{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
	END { for (r = 1; r <= NR; r++) { line = ""; for (i = 1; i <= 9; i++)
		line = line sprintf(i <= 4 ? "%-*s  " : "%*s  ", w[i], c[r, i]); sub(/ +$/, "", line); print line } }' "$RES"
nw=$(wc -l < "$OUT/predict.warnings")
[ "$nw" -eq 0 ] || echo "($nw test images lay outside a model's trained range: $OUT/predict.warnings)"
cat <<EOF

Does the Siamese confidence (predict's 4th column) mean something?  Its answers on the test
images above, both sets, by confidence bin and dose: n answers, and the fraction of them
within 2 degrees (the confidence is calibrated on held-out images from the training
conditions, so ideally the fraction lies within the bin); last, the answers whose order is
wrong, and the highest confidence one of them got.

EOF
set --
for dose in $DOSES; do
	files=""
	for set in $SETS; do files="$files${files:+,}$OUT/pred.$set.$dose.siamese.tsv"; done
	set -- "$@" "dose $dose=$files"
done
sh "$here/reliability.sh" "$@" | sed 's/^/  /'
echo
echo "pictures in $OUT:$pictures"
echo "demo: $(($(date +%s) - start)) s (tables: $RES, predictions: $OUT/pred.*.tsv)"
