#!/bin/sh
# worst.sh: a montage of the test images a method got most wrong, each enlarged, with the
# predicted angle (red) and the true angle (green) drawn from the image centre to a vertex,
# and both written under it; made with Netpbm (recsplit, pamscale, ppmdraw, pbmtext, pnmcat).
#
# usage: BIN=path/to/bin sh pipelines/worst.sh TEST.strt PRED.tsv N OUT.png [TITLE]
# PRED.tsv is predict's output for TEST.strt (one row per record, in order).
set -e
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 4 ] || { echo "usage: worst.sh TEST.strt PRED.tsv N OUT.png [TITLE]" >&2; exit 2; }
BIN=${BIN:-bin}
PATH=$BIN:$PATH
test=$1 pred=$2 n=$3 out=$4 title=${5:-"the $3 worst of $(basename "$2")"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ZOOM=4
COLS=4
awk -f "$here/errors.awk" "$pred" | sort -t "$(printf '\t')" -k3,3gr | head -n "$n" > "$tmp/worst.tsv"
[ -s "$tmp/worst.tsv" ] || { echo "worst.sh: $pred: no rows with truth" >&2; exit 1; }
recsplit -p "$tmp/r%06d.pgm" "$test"
i=0
while IFS="$(printf '\t')" read -r row id err angle k truth kt conf; do
	i=$((i + 1))
	img=$(printf '%s/r%06d.pgm' "$tmp" "$row")
	pamscale "$ZOOM" "$img" | ppmtoppm > "$tmp/big.ppm"
	w=$(pamfile -machine "$tmp/big.ppm" | awk '{ print $4 }')
	# screen y runs down; angles run counterclockwise on screen from +x to a vertex
	script=$(awk -v w="$w" -v a="$angle" -v t="$truth" 'BEGIN {
		c = w / 2; r = 0.45 * w; d = atan2(0, -1) / 180
		printf "setcolor green; line %d %d %d %d; ", c, c, c + r * cos(t * d), c - r * sin(t * d)
		if (a != "NA") printf "setcolor red; line %d %d %d %d", c, c, c + r * cos(a * d), c - r * sin(a * d)
	}')
	ppmdraw -script="$script" "$tmp/big.ppm" > "$tmp/drawn.ppm"
	printf 'err %.2f deg\npred %s k %s\ntrue %.2f k %s\n' "$err" \
		"$(printf '%s' "$angle" | awk '{ printf ($1 == "NA" ? "NA" : "%.2f"), $1 }')" "$k" "$truth" "$kt" |
		pbmtext | ppmtoppm > "$tmp/label.ppm"
	pnmcat -white -tb -jleft "$tmp/drawn.ppm" "$tmp/label.ppm" | pnmpad -white -left 4 -right 4 -bottom 6 > "$tmp/t$(printf %03d $i).ppm"
done < "$tmp/worst.tsv"
# rows of COLS tiles, then the rows one above the other, a title on top
set -- "$tmp"/t*.ppm
r=0
while [ $# -gt 0 ]; do
	r=$((r + 1)) row=""
	j=0
	while [ $# -gt 0 ] && [ $j -lt $COLS ]; do row="$row $1"; shift; j=$((j + 1)); done
	# shellcheck disable=SC2086
	pnmcat -white -lr -jtop $row > "$tmp/row$(printf %03d $r).ppm"
done
printf '%s\nred: predicted, green: true (lines to a vertex)\n' "$title" | pbmtext | ppmtoppm > "$tmp/title.ppm"
pnmcat -white -tb -jleft "$tmp/title.ppm" "$tmp"/row*.ppm | pnmtopng > "$out.tmp"
mv "$out.tmp" "$out"
