# errors.awk: per-row angular error of predict's TSV output, as evaluate(1) scores it: the
# distance between angle and theta_true on the circle of the true period 360/k_true; a row
# predict could not measure (angle NA) counts as the worst miss, half the period.  Rows
# without truth are skipped.  Prints: row (1-based record number), id, error, angle, k,
# theta_true, k_true, confidence.  Columns are found by the header's names.
BEGIN { FS = OFS = "\t" }
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
	row = NR - 1
	t = $col["theta_true"]; kt = $col["k_true"]
	if (t == "NA" || kt == "NA") next
	p = 360 / kt
	a = $col["angle"]
	if (a == "NA") e = p / 2
	else {
		d = (a - t) % p
		if (d < 0) d += p
		e = d < p - d ? d : p - d
	}
	print row, $col["id"], e, a, $col["k"], t, kt, $col["confidence"]
}
