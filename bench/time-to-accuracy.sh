#!/bin/sh
# bench/time-to-accuracy.sh: how long method 1 (Siamese) takes to train a 2D mix model
# (k = 3..6) that reaches the README's accuracy on held-out test images at dose 40: median
# error at most MEDIAN degrees and the order right for at least ORDER of them.  Not run by
# `make check` (minutes to an hour on 2 cores).
#
# The data, network and training settings are pipelines/exp2d.sh's (mix set, its seeds): its
# training distribution, NTRAIN pairs, batch 32, learning rate 3e-3 cosine-decayed over the
# run, --head-pow 1, its network; calibration with one clean reference per order and its
# held-out confidence images; predict --tta 8; evaluate.  A cosine schedule depends on the
# run's length, so each rung of LADDER is a whole training run of that many epochs (not a
# snapshot of a longer one); the table is the curve (test accuracy against training wall
# seconds), and the time to accuracy is the training wall time of the first rung that
# reaches it.  Data making, calibration and prediction are timed apart.
#
# usage: BIN=path/to/bin sh bench/time-to-accuracy.sh [OUTDIR]
# Environment (defaults in brackets):
#   LADDER ["1 2 4 8 12 16 20"] epochs of each run   MEDIAN [0.2]   ORDER [0.99]
#   NTRAIN [20000]   NTEST [1000]   NCONF [2000]   BATCH [32]   LR [3e-3]   THREADS [2]
#   SIZE [48]   TTA [8]   DOSE [40]   NET, TRAIN_OPTS [as pipelines/exp2d.sh]
# Prints one row per rung and a last line: "time to accuracy: S s (E epochs, ...)" or
# "not reached ...".  Exit status 0 either way; non-zero only when a program fails.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$top/bin}
PATH=$BIN:$PATH
export PATH
OUT=${1:-$top/build/bench/time-to-accuracy}
LADDER=${LADDER:-"1 2 4 8 12 16 20"}
MEDIAN=${MEDIAN:-0.2}
ORDER=${ORDER:-0.99}
NTRAIN=${NTRAIN:-20000}
NTEST=${NTEST:-1000}
NCONF=${NCONF:-2000}
BATCH=${BATCH:-32}
LR=${LR:-3e-3}
THREADS=${THREADS:-2}
SIZE=${SIZE:-48}
TTA=${TTA:-8}
DOSE=${DOSE:-40}
NET=${NET:-"conv 16 5 stride 2; relu; conv 32 3 stride 2; relu; flatten; dense 256; relu; dense OUT"}
TRAIN_OPTS=${TRAIN_OPTS:-"--head-pow 1"}
mkdir -p "$OUT"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# exp2d.sh's mix set: seed 2000; training pairs, held-out confidence images, references, test
seed=2000
t0=$(now)
shapegen -n "$NTRAIN" -k 3:6 -r 12:22 -j 8 --seed $seed |
	stereopair -d 5:60 --seed $((seed + 1)) |
	addnoise -D 6:400 --blur 1.2:2.8 -g 0:0.1 --read 0:2 --seed $((seed + 2)) |
	centre -s "$SIZE" >"$OUT/train.strt"
shapegen -n "$NCONF" -k 3:6 -r 12:22 -j 8 --seed $((seed + 300)) |
	addnoise -D 6:400 --blur 1.2:2.8 -g 0:0.1 --read 0:2 --seed $((seed + 301)) |
	centre -s "$SIZE" >"$OUT/heldout.strt"
for k in 3 4 5 6; do shapegen -n 1 -k "$k" -r 17 -j 0 --theta 0; done | centre -s "$SIZE" >"$OUT/ref.strt"
shapegen -n "$NTEST" -k 3:6 -r 12:22 -j 8 --seed $((seed + 500 + DOSE)) |
	addnoise -D "$DOSE" --blur 1.884 -g 0.05 --read 1 --seed $((seed + 501 + DOSE)) |
	centre -s "$SIZE" >"$OUT/test.strt"
echo "time-to-accuracy: $NTRAIN training pairs, $NTEST test images at dose $DOSE, $THREADS threads; data made in $(secs "$t0" "$(now)") s"
echo "time-to-accuracy: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
printf '%-7s %9s %9s %9s %9s\n' epochs train_s median_deg order_ok reached

for e in $LADDER; do
	m="$OUT/mix.e$e.model"
	t0=$(now)
	train -q -t "$THREADS" -e "$e" -b "$BATCH" -l "$LR" --net "$NET" --seed 7 $TRAIN_OPTS \
		--log "$OUT/mix.e$e.log.tsv" -o "$m" "$OUT/train.strt"
	ts=$(secs "$t0" "$(now)")
	calibrate --tta "$TTA" --confidence "$OUT/heldout.strt" -m "$m" "$OUT/ref.strt" 2>>"$OUT/calibrate.log"
	predict -t "$THREADS" --tta "$TTA" -m "$m" "$OUT/test.strt" >"$OUT/pred.e$e.tsv"
	evaluate -H "$OUT/pred.e$e.tsv" >"$OUT/eval.e$e.txt"
	# evaluate's "calibrated all" row: n median mean within1 within2 within5 order_ok
	row=$(awk '$1 == "calibrated" && $2 == "all" { print $4, $9 }' "$OUT/eval.e$e.txt")
	[ -n "$row" ] || { echo "time-to-accuracy: no calibrated row in $OUT/eval.e$e.txt" >&2; exit 1; }
	set -- $row
	ok=$(awk -v md="$1" -v oo="$2" -v M="$MEDIAN" -v O="$ORDER" \
		'BEGIN { if (oo > 1) oo /= 100; print (md <= M && oo >= O) ? "yes" : "no" }')
	printf '%-7s %9s %9s %9s %9s\n' "$e" "$ts" "$1" "$2" "$ok"
	if [ "$ok" = yes ]; then
		echo "time to accuracy: $ts s ($e epochs of $NTRAIN pairs, batch $BATCH, $THREADS threads; median $1 deg, order right $2)"
		exit 0
	fi
done
echo "time to accuracy: not reached within $e epochs (median <= $MEDIAN deg and order right >= $ORDER at dose $DOSE)"
