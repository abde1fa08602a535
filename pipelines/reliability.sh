#!/bin/sh
# reliability.sh: does the confidence mean something?  From predict's TSV outputs (with truth),
# a table of confidence bins (width 0.1; a last bin for anything at or above 1) against the
# measured fraction of the answers in the bin that are within 2 degrees (errors as evaluate(1)
# scores them: pipelines/errors.awk), and how many answers are in each.
#
# usage: sh pipelines/reliability.sh PRED.tsv...
set -e
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: reliability.sh PRED.tsv..." >&2; exit 2; }
for f in "$@"; do awk -f "$here/errors.awk" "$f"; done | awk -F'\t' '
	$8 != "NA" {
		c = $8 + 0; b = c >= 1 ? 10 : (c < 0 ? 0 : int(c * 10))
		n[b]++; if ($3 <= 2) good[b]++; all++
		if (c > 0.9) { n9++; if ($3 <= 2) g9++ }
	}
	END {
		printf "%-11s  %6s  %8s\n", "confidence", "n", "within2"
		for (b = 0; b <= 10; b++) if (n[b])
			printf "%-11s  %6d  %8.3f\n", b < 10 ? sprintf("%.1f-%.1f", b / 10, (b + 1) / 10) : ">= 1", n[b], good[b] / n[b]
		if (n9) printf "%-11s  %6d  %8.3f\n", "> 0.9", n9, g9 / n9
		printf "%-11s  %6d\n", "all", all
	}'
