#!/bin/sh
# plot-errors.sh: a histogram of the angular errors of each method, one curve each, from
# predict's TSV outputs (errors as evaluate(1) scores them: pipelines/errors.awk), as a PNG
# drawn by gnuplot.  Errors above the last bin are counted in it.
#
# usage: sh pipelines/plot-errors.sh OUT.png TITLE MAXDEG LABEL=PRED.tsv...
set -e
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 4 ] || { echo "usage: plot-errors.sh OUT.png TITLE MAXDEG LABEL=PRED.tsv..." >&2; exit 2; }
command -v gnuplot > /dev/null || { echo "plot-errors.sh: gnuplot not found (make deps installs it)" >&2; exit 1; }
out=$1 title=$2 max=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nbins=40
plot=""
i=0
for spec in "$@"; do
	label=${spec%%=*} file=${spec#*=}
	i=$((i + 1))
	# fraction of the images per bin of width MAXDEG/nbins, at the bins' left edges (gnuplot's
	# steps), and once more at MAXDEG to close the last; the last bin holds everything above
	awk -f "$here/errors.awk" "$file" | awk -F'\t' -v max="$max" -v nb=$nbins '
		{ b = int($3 / max * nb); if (b >= nb) b = nb - 1; h[b]++; n++ }
		END { for (b = 0; b <= nb; b++) printf "%.6g\t%.6g\n", b * max / nb, n ? h[b < nb ? b : nb - 1] / n : 0 }' \
		> "$tmp/h$i.tsv"
	plot="$plot${plot:+, }\"$tmp/h$i.tsv\" using 1:2 with steps linewidth 2 title \"$label\""
done
gnuplot <<GP
set terminal png size 640,400
set output "$out.tmp"
set datafile separator "\t"
set title "$title"
set xlabel "error (degrees, modulo 360/k; the last bin holds all above $max)"
set ylabel "fraction of test images"
set xrange [0:$max]
set key top right
set grid
plot $plot
GP
mv "$out.tmp" "$out"
