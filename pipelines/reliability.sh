#!/bin/sh
# reliability.sh: does the confidence mean something?  From predict's TSV outputs (with truth),
# a table of confidence bins (finer towards 1, where a calibrated model puts most answers)
# against the measured fraction of the answers in the bin that are within 2 degrees (errors as
# evaluate(1) scores them: pipelines/errors.awk), and how many answers are in each; then the
# answers above 0.9, all of them, and those whose order is wrong (how many, and the highest
# confidence one of them got).
#
# usage: sh pipelines/reliability.sh [LABEL=]PRED.tsv[,PRED.tsv...]...
# Each argument is a group of files (a LABEL names its column); with more than one group the
# table has a column pair (n, within2) per group and one for all of them.
set -e
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: reliability.sh [LABEL=]PRED.tsv[,PRED.tsv...]..." >&2; exit 2; }
labels=""
for arg in "$@"; do
	case $arg in
	*=*) labels="$labels${arg%%=*}	" ;;
	*) labels="$labels$arg	" ;;
	esac
	for f in $(echo "${arg#*=}" | tr , ' '); do
		[ -r "$f" ] || { echo "reliability.sh: $f: cannot read it" >&2; exit 1; }
	done
done
g=0
for arg in "$@"; do
	g=$((g + 1))
	for f in $(echo "${arg#*=}" | tr , ' '); do
		awk -f "$here/errors.awk" "$f" | sed "s/^/$g	/"
	done
done | awk -F'\t' -v ng=$# -v labels="$labels" '
	BEGIN { nb = split("0 0.5 0.8 0.9 0.95 0.98 0.99 1.000001", edge, " ") - 1 }
	$9 != "NA" {
		c = $9 + 0; ok = $4 <= 2
		for (b = 1; b < nb && c >= edge[b + 1]; b++) ;
		for (i = 0; i < 2; i++) {
			G = i ? 0 : $1 # group 0: all of them
			n[G, b]++; good[G, b] += ok; all[G]++; gall[G] += ok
			if (c > 0.9) { n9[G]++; g9[G] += ok }
			if ($6 != $8) { wrong[G]++; if (c > wmax[G]) wmax[G] = c }
		}
	}
	function cols(G, a, b) { return sprintf("  %6s  %7s", a, b) }
	function row(name, x, y,   s, G, lo) {
		s = sprintf("%-11s", name)
		lo = ng > 1 ? 0 : 1
		for (G = 1; G <= ng + (ng > 1); G++) {
			g = G > ng ? 0 : G
			s = s cols(g, (g, x) in cnt ? cnt[g, x] : 0, (g, x) in cnt && cnt[g, x] ? sprintf("%.3f", val[g, x]) : "-")
		}
		print s
	}
	END {
		split(labels, lab, "\t")
		if (ng > 1) {
			s = sprintf("%-11s", "")
			for (G = 1; G <= ng + 1; G++) s = s sprintf("  %-15s", G > ng ? "all" : lab[G])
			sub(/ +$/, "", s); print s
		}
		s = sprintf("%-11s", "confidence")
		for (G = 1; G <= ng + (ng > 1); G++) s = s cols(G, "n", "within2")
		print s
		for (b = 1; b <= nb; b++) {
			any = 0
			for (G = 0; G <= ng; G++) if (n[G, b]) any = 1
			if (!any) continue
			for (G = 0; G <= ng; G++) { cnt[G, b] = n[G, b] + 0; if (n[G, b]) val[G, b] = good[G, b] / n[G, b] }
			row(sprintf("%g-%g", edge[b], b < nb ? edge[b + 1] : 1), b)
		}
		for (G = 0; G <= ng; G++) {
			cnt[G, "hi"] = n9[G] + 0; if (n9[G]) val[G, "hi"] = g9[G] / n9[G]
			cnt[G, "all"] = all[G] + 0; if (all[G]) val[G, "all"] = gall[G] / all[G]
		}
		row("> 0.9", "hi"); row("all", "all")
		s = sprintf("%-11s", "order wrong")
		for (G = 1; G <= ng + (ng > 1); G++) {
			g = G > ng ? 0 : G
			s = s cols(g, wrong[g] + 0, wrong[g] ? sprintf("<=%.2f", wmax[g]) : "-")
		}
		print s
	}'
