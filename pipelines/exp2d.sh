#!/bin/sh
# exp2d.sh: the full 2D experiment of method 1.
#
# For squares alone and for the k = 3..6 mix: generate training pairs, validation (held out by
# train) and test sets from disjoint seeds; train the self-supervised Siamese network (not
# told k) and the supervised oracle (same network, trained on the true angles: the upper
# bound); calibrate both with clean reference images at theta = 0 (one per order); predict
# single test images at doses 10, 40 and 160; evaluate; and print one results table beside the
# classical baseline (angular harmonic about the centroid), told k and detecting k.
#
# usage: BIN=path/to/bin sh pipelines/exp2d.sh [OUTDIR]
# Environment (defaults in brackets):
#   NTRAIN [20000] training pairs per set     NTEST [1000] test images per set and dose
#   EPOCHS [20]    BATCH [32]   LR [3e-3]      THREADS [2]     SIZE [48] frame after centring
#   NCONF [8000]   held-out images per set for calibrate's confidence map
#   SETS ["sq mix"]   DOSES ["10 40 160"]     METHODS ["siamese oracle"]
#   NET [see below]   TTA [8]   TRAIN_OPTS ["--head-pow 1"] extra train options for method 1
#   (siamese, oracle) only   GEN_OPTS [] extra train options for method 2 (generate) only,
#   e.g. "--loss poisson"
#   REUSE [] non-empty: a model already in OUTDIR is not trained again (its training time
#   stays in OUTDIR/train_seconds.tsv), e.g. to add a method or re-test with other options
# Everything is seeded: the same settings give the same table (timings aside).
set -e
BIN=${BIN:-bin}
PATH=$BIN:$PATH
export PATH
OUT=${1:-exp2d.out}
NTRAIN=${NTRAIN:-20000}
NTEST=${NTEST:-1000}
NCONF=${NCONF:-8000}
EPOCHS=${EPOCHS:-20}
BATCH=${BATCH:-32}
LR=${LR:-3e-3}
THREADS=${THREADS:-2}
SIZE=${SIZE:-48}
SETS=${SETS:-"sq mix"}
DOSES=${DOSES:-"10 40 160"}
METHODS=${METHODS:-"siamese generate oracle"}
TTA=${TTA:-8}
# A small convolutional front end (edges, position) and a dense layer that can form the angular
# harmonics; far cheaper per image than stemrot-net(7)'s default network.
NET=${NET:-"conv 16 5 stride 2; relu; conv 32 3 stride 2; relu; flatten; dense 256; relu; dense OUT"}
TRAIN_OPTS=${TRAIN_OPTS:-"--head-pow 1"}
mkdir -p "$OUT"
RES="$OUT/results.tsv"
printf 'set\tdose\tmethod\tn\tmedian\tmean\twithin1\twithin2\twithin5\torder_ok\tmedian_offset_fitted\ttrain_s\tmodel_kb\tpredict_img_s\n' > "$RES"

# The training distribution spans what the test images may hold (and more): dose, probe blur,
# background, detector noise, size and position; the pair offset is drawn per pair.
make_train() { # K SEED
	shapegen -n "$NTRAIN" -k "$1" -r 12:22 -j 8 --seed "$2" |
		stereopair -d 5:60 --seed $(($2 + 1)) |
		addnoise -D 6:400 --blur 1.2:2.8 -g 0:0.1 --read 0:2 --seed $(($2 + 2)) |
		centre -s "$SIZE"
}
# Held-out single images from the training conditions, with their angles, for calibrate's
# confidence map (calibrate(1) --confidence): never the test images.
make_heldout() { # K SEED
	shapegen -n "$NCONF" -k "$1" -r 12:22 -j 8 --seed "$2" |
		addnoise -D 6:400 --blur 1.2:2.8 -g 0:0.1 --read 0:2 --seed $(($2 + 1)) |
		centre -s "$SIZE"
}
# Test images: the independent evaluation's conditions (probe sigma 0.8 px, 5% background,
# Poisson dose, read noise), single images, never pairs.
make_test() { # K DOSE SEED
	shapegen -n "$NTEST" -k "$1" -r 12:22 -j 8 --seed "$3" |
		addnoise -D "$2" --blur 1.884 -g 0.05 --read 1 --seed $(($3 + 1)) |
		centre -s "$SIZE"
}
# Runs one predict command (its arguments) on a test set, timed, into pred.SET.DOSE.METHOD.tsv,
# and appends its row to the table: accuracy, then training seconds, model size and predict
# throughput (images/s, TTA included, THREADS threads).
predict_row() { # SET DOSE METHOD PREDICT-ARGS...
	r_set=$1 r_dose=$2 r_m=$3
	shift 3
	t0=$(date +%s%N)
	predict -t "$THREADS" "$@" > "$OUT/pred.$r_set.$r_dose.$r_m.tsv"
	t1=$(date +%s%N)
	evaluate -H "$OUT/pred.$r_set.$r_dose.$r_m.tsv" > "$OUT/eval.$r_set.$r_dose.$r_m.txt"
	ts=$(awk -F'\t' -v s="$r_set" -v m="$r_m" '$1 == s && $2 == m { t = $3 } END { print t == "" ? "-" : t }' "$OUT/train_seconds.tsv")
	kb=$([ -f "$OUT/$r_set.$r_m.model" ] && echo $(($(wc -c < "$OUT/$r_set.$r_m.model") / 1024)) || echo -)
	awk -F'\t' -v s="$r_set" -v d="$r_dose" -v m="$r_m" -v ts="$ts" -v kb="$kb" \
		-v rate="$(awk -v n="$NTEST" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", n * 1e9 / ns }')" '
		$1 == "calibrated" && $2 == "all" { c = $3 "\t" $4 "\t" $5 "\t" $6 "\t" $7 "\t" $8 "\t" $9 }
		$1 == "offset-fitted" && $2 == "all" { o = $4 }
		END { print s "\t" d "\t" m "\t" c "\t" o "\t" ts "\t" kb "\t" rate }' \
		"$OUT/eval.$r_set.$r_dose.$r_m.txt" >> "$RES"
}

for set in $SETS; do
	case $set in
	sq) K=4; KS=4; seed=1000 ;;
	mix) K=3:6; KS="3 4 5 6"; seed=2000 ;;
	*) echo "exp2d: unknown set $set" >&2; exit 1 ;;
	esac
	echo "== $set: $NTRAIN training pairs" >&2
	[ -f "$OUT/$set.train.strt" ] || make_train "$K" "$seed" > "$OUT/$set.train.strt"
	# clean references at theta = 0, one per order, centred like the data
	for k in $KS; do shapegen -n 1 -k "$k" -r 17 -j 0 --theta 0; done | centre -s "$SIZE" > "$OUT/$set.ref.strt"
	make_heldout "$K" $((seed + 300)) > "$OUT/$set.heldout.strt"
	for m in $METHODS; do
		if [ -n "$REUSE" ] && [ -f "$OUT/$set.$m.model" ]; then
			echo "== $set: $m: the model in $OUT is used as it is (REUSE)" >&2
		else
			echo "== $set: train $m" >&2
			start=$(date +%s)
			train -t "$THREADS" -M "$m" -e "$EPOCHS" -b "$BATCH" -l "$LR" --net "$NET" \
				--seed 7 --log "$OUT/$set.$m.log.tsv" $([ "$m" = generate ] && echo "$GEN_OPTS" || echo "$TRAIN_OPTS") \
				-o "$OUT/$set.$m.model" "$OUT/$set.train.strt"
			echo "$set	$m	$(($(date +%s) - start))" >> "$OUT/train_seconds.tsv"
		fi
		if [ "$m" != oracle ]; then # method 1 (siamese) and method 2 (generate)
			calibrate --tta "$TTA" --confidence "$OUT/$set.heldout.strt" \
				-m "$OUT/$set.$m.model" "$OUT/$set.ref.strt"
		fi
		predict -m "$OUT/$set.$m.model" --info | grep -E '^(order|val\.order_fraction)' >&2 || true
	done
	for dose in $DOSES; do
		make_test "$K" "$dose" $((seed + 500 + dose)) > "$OUT/$set.test.$dose.strt"
		for m in $METHODS; do
			# the oracle is told the true order too: it is the upper bound
			predict_row "$set" "$dose" "$m" --tta "$TTA" $([ "$m" = oracle ] && echo "-k true") \
				-m "$OUT/$set.$m.model" "$OUT/$set.test.$dose.strt"
		done
		predict_row "$set" "$dose" harmonic-told-k -M harmonic -k true "$OUT/$set.test.$dose.strt"
		predict_row "$set" "$dose" harmonic-detect-k -M harmonic --kmin 3 --kmax 8 "$OUT/$set.test.$dose.strt"
		rm -f "$OUT/$set.test.$dose.strt"
	done
	rm -f "$OUT/$set.train.strt" "$OUT/$set.heldout.strt"
done

echo
echo "Results: errors in degrees modulo 360/k (single test images, calibrated with one clean"
echo "reference per order); median_offset_fitted: after the best global offset per order;"
echo "train_s: training seconds; model_kb: model file size; predict_img_s: images per second"
echo "of the timed predict run (with --tta $TTA for the networks, $THREADS threads)."
echo "Siamese (method 1), generate (method 2: encoder + decoder rendering the partner view)"
echo "and harmonic-detect-k are not told k; oracle is trained on true angles (upper bound)."
column -t -s "$(printf '\t')" "$RES" 2>/dev/null || cat "$RES"
