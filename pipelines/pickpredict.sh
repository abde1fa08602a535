#!/bin/sh
# pick | predict against the truth of synthetic micrographs: how well the angles of the
# particles picked from a frame compare with those of single centred images (the 2D table).
#
#   sh pipelines/pickpredict.sh MODEL|harmonic SIDES SEED...
#
# For each seed: a SIZE x SIZE micrograph (default 1400) of COUNT isolated particles
# (default 50) of circumradius 12-22 px and orders SIDES (e.g. 3:6; 4:4 for squares) at dose
# 40 on a background of BACKGROUND (default 0.2; the 2D table's images have 0.05), picked in
# 64x64 windows, centred and cropped to 48x48 as the table's images, predicted (a model with
# --tta 8, or the harmonic baseline), each prediction joined to the nearest true particle.
# Prints one line over all seeds: particles, order right, the angle error's median, mean,
# rms and the fractions within 1 and 2 degrees (errors modulo 360/k, over all particles).
# Works in a temporary folder; the programs from $BIN (default bin).
set -e
BIN=${BIN:-bin}
PATH=$BIN:$PATH
[ $# -ge 3 ] || { echo "usage: pickpredict.sh MODEL|harmonic SIDES SEED..." >&2; exit 2; }
model=$1 sides=$2
shift 2
SIZE=${SIZE:-1400} COUNT=${COUNT:-50} BACKGROUND=${BACKGROUND:-0.2}
if [ "$model" = harmonic ]; then
	pred="predict --method harmonic"
else
	[ -r "$model" ] || { echo "pickpredict.sh: cannot read $model" >&2; exit 1; }
	pred="predict -m $model --tta 8"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for seed in "$@"; do
	micrograph -s "$SIZE" -n "$COUNT" -r 12:22 -k "$sides" -g "$BACKGROUND" -D 40 --seed "$seed" \
		--truth "$work/truth.tsv" > "$work/m.strt"
	particlepick --window 64 --block 128 "$work/m.strt" > "$work/p.strt"
	recmeta --keys pick.x,pick.y "$work/p.strt" > "$work/xy.tsv"
	centre -s 48 "$work/p.strt" | $pred > "$work/a.tsv"
	paste "$work/xy.tsv" "$work/a.tsv" | awk -F'\t' '
		NR == FNR { if (FNR > 1) { tx[FNR] = $1; ty[FNR] = $2; tk[FNR] = $3; tt[FNR] = $5; n = FNR }; next }
		FNR > 1 {
			best = 1e18
			for (i = 2; i <= n; i++) { d = ($1 - tx[i])^2 + ($2 - ty[i])^2; if (d < best) { best = d; bi = i } }
			P = 360 / tk[bi]; e = ($4 - tt[bi]) % P; if (e < 0) e += P; if (e > P / 2) e -= P
			print (e < 0 ? -e : e) "\t" ($5 == tk[bi])
		}' "$work/truth.tsv" -
done > "$work/errors.tsv"
sort -g "$work/errors.tsv" | awk -F'\t' '
	{ e[NR] = $1; s += $1; q += $1 * $1; k += $2; w1 += $1 < 1; w2 += $1 < 2 }
	END { if (!NR) { print "no particles"; exit 1 }
	      printf "particles %d  order right %d  median %.3f  mean %.3f  rms %.3f  within 1 %.3f  within 2 %.3f\n",
	      NR, k, e[int((NR + 1) / 2)], s / NR, sqrt(q / NR), w1 / NR, w2 / NR }'
