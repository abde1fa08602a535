#!/bin/sh
# reliability.sh: does the confidence mean something?  From predict's TSV outputs (with truth),
# a table of confidence bins (finer towards 1, where a calibrated model puts most answers)
# against the measured fraction of the answers in the bin that are within 2 degrees (errors as evaluate(1)
# scores them: pipelines/errors.awk), and how many answers are in each.
#
# usage: sh pipelines/reliability.sh PRED.tsv...
set -e
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: reliability.sh PRED.tsv..." >&2; exit 2; }
for f in "$@"; do awk -f "$here/errors.awk" "$f"; done | awk -F'\t' '
	BEGIN { nb = split("0 0.5 0.8 0.9 0.95 0.98 0.99 1.000001", edge, " ") - 1 }
	$8 != "NA" {
		c = $8 + 0
		for (b = 1; b < nb && c >= edge[b + 1]; b++) ;
		n[b]++; if ($3 <= 2) good[b]++; all++; if ($3 <= 2) gall++
		if (c > 0.9) { n9++; if ($3 <= 2) g9++ }
	}
	END {
		printf "%-11s  %6s  %8s\n", "confidence", "n", "within2"
		for (b = 1; b <= nb; b++) if (n[b])
			printf "%-11s  %6d  %8.3f\n", sprintf("%g-%g", edge[b], b < nb ? edge[b + 1] : 1), n[b], good[b] / n[b]
		if (n9) printf "%-11s  %6d  %8.3f\n", "> 0.9", n9, g9 / n9
		if (all) printf "%-11s  %6d  %8.3f\n", "all", all, gall / all
	}'
