#!/bin/sh
# baseline3d.sh: the classical 3D baseline's table (README, "3D particles"): projection
# matching told the shape, per shape and dose, single views strict and mod projection, and
# tilt pairs strict.
#
# usage: BIN=path/to/bin sh pipelines/baseline3d.sh [OUTDIR]
# N tilt pairs per shape and dose (tilt 5..20 degrees, random sign), 64x64, radius 12..22 px,
# addnoise's defaults (blur FWHM 1.88 px, 5% background, read noise 1) at each dose, centred;
# the same records are predicted as pairs and, with --single, from view A alone.
set -e
BIN=${BIN:-bin}
OUT=${1:-${TMPDIR:-/tmp}/stemrot-baseline3d.$$}
N=${N:-100}
DOSES=${DOSES:-"10 40 160"}
SHAPES=${SHAPES:-"tetrahedron cube octahedron cuboctahedron truncated-octahedron icosahedron decahedron control"}
TEMPLATES=${TEMPLATES:-2000}
mkdir -p "$OUT"
start=$(date +%s)
seed=1
for dose in $DOSES; do
	for shape in $SHAPES; do
		seed=$((seed + 1))
		f="$OUT/$shape-$dose"
		"$BIN/shapegen" --solid "$shape" -n "$N" --seed "$seed" |
			"$BIN/stereopair" --tilt 5:20 --random-sign --seed "$seed" |
			"$BIN/addnoise" --dose "$dose" --seed "$seed" | "$BIN/centre" > "$f.strt"
		t0=$(date +%s)
		"$BIN/predict" -M match --templates "$TEMPLATES" "$f.strt" > "$f.pair.tsv"
		t1=$(date +%s)
		"$BIN/predict" -M match --templates "$TEMPLATES" --single "$f.strt" > "$f.single.tsv"
		t2=$(date +%s)
		echo "$shape dose $dose: pairs $((t1 - t0)) s, singles $((t2 - t1)) s (wall)" >&2
	done
	for mode in single pair; do
		cat "$OUT"/*-"$dose".$mode.tsv | awk 'NR == 1 || $1 != "id"' > "$OUT/all-$dose.$mode.tsv"
		"$BIN/evaluate" "$OUT/all-$dose.$mode.tsv" > "$OUT/eval-$dose.$mode.txt"
	done
done
# the table: per shape and dose, median error and fraction within 5 degrees
printf 'shape\tdose\tsingle strict\tsingle mod projection\tpairs strict\n'
for shape in $SHAPES all; do
	for dose in $DOSES; do
		s=$(awk -F'\t' -v s="$shape" '$1 == "strict" && $2 == s { printf "%.2f (%.0f%%)", $5, 100 * $8 }' "$OUT/eval-$dose.single.txt")
		m=$(awk -F'\t' -v s="$shape" '$1 == "mod-projection" && $2 == s { printf "%.2f (%.0f%%)", $5, 100 * $8 }' "$OUT/eval-$dose.single.txt")
		p=$(awk -F'\t' -v s="$shape" '$1 == "strict" && $2 == s { printf "%.2f (%.0f%%)", $5, 100 * $8 }' "$OUT/eval-$dose.pair.txt")
		printf '%s\t%s\t%s\t%s\t%s\n' "$shape" "$dose" "$s" "$m" "$p"
	done
done
echo "baseline3d: $(($(date +%s) - start)) s; outputs in $OUT" >&2
