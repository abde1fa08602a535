#!/bin/sh
# 1D profiles end to end: a tiny Siamese training on profile pairs (Conv1D/MaxPool1D default
# network) whose loss falls; predict's extra columns for profiles (the mirror candidate angle2,
# its probability conf2, the ambiguity left, phi) for single profiles and pairs; evaluate
# scoring modulo the mirror ambiguity (hand-made rows with known answers); two profiles a view
# (project1d --angles) read as two channels, which resolve the mirror; and bad input.
set -e
cd "$TMP"
. "$SHLIB"

# clean centred squares as pairs at offsets 5..40, profiles along x (length 64)
make_set() { # N SEED [project1d options]
	n=$1 seed=$2
	shift 2
	shapegen -n "$n" -k 4 -s 64 -r 14:22 -j 0 --seed "$seed" |
		stereopair --offset 5:40 --seed "$((seed + 1))" | project1d "$@"
}
make_set 1000 11 > train.st
make_set 60 21 > test.st
recmeta --shape --keys id -H test.st | cut -f1 | sort -u | grep -qx profile || fail "project1d did not make profiles"

# --- a tiny training run whose loss falls (the network of examples/net1d.spec) ---
NET="conv 32 7 same; relu; maxpool 2; conv 64 5 same; relu; maxpool 2; conv 64 5 same; relu;
maxpool 2; flatten; dense 64; relu; dense OUT"
train -q -o m.model -e 6 -b 16 -l 2e-3 -k 4 -K 4 -t 1 --net "$NET" --log m.log train.st
first=$(awk 'NR == 2 { print $3 }' m.log)
last=$(awk 'END { print $3 }' m.log)
awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < 0.5 * a) }' ||
	fail "validation loss did not fall: $first -> $last"
echo "ok: validation loss $first -> $last"
predict -m m.model --info > info.txt
grep -qx 'input.layout=profile' info.txt || fail "model does not say profile"

# --- predict: single profiles carry the mirror candidate with probability 0.5 ---
predict -1 -m m.model test.st > p1.tsv
head -1 p1.tsv | grep -q "	angle2	conf2	ambiguity	phi	" || fail "columns: $(head -1 p1.tsv)"
[ "$(wc -l < p1.tsv)" -eq 61 ] || fail "want 60 rows"
# angle2 = 2 phi - angle (mod 90), phi = 0; conf2 0.5; ambiguity mirror
awk -F '\t' 'NR > 1 {
	s = ($2 + $6) % 90; if (s > 45) s -= 90; if (s < -45) s += 90
	if (s > 1e-3 || s < -1e-3 || $7 != "0.5000" || $8 != "mirror" || $9 != 0) bad++ }
	END { exit bad > 0 }' p1.tsv || fail "single rows: $(sed -n 2p p1.tsv)"
# --- pairs: one answer, the ambiguity resolved ---
predict -m m.model test.st > p2.tsv
awk -F '\t' 'NR > 1 && ($8 != "none" || $7 > 0.5) { bad++ } END { exit bad > 0 }' p2.tsv ||
	fail "pair rows: $(sed -n 2p p2.tsv)"
evaluate p1.tsv > e1.txt
grep -q '^# 60 rows scored modulo the mirror ambiguity' e1.txt || fail "evaluate: $(cat e1.txt)"
evaluate --ambiguity none p1.tsv > e0.txt
m1=$(awk '$1 == "calibrated" && $2 == "all" { print $7 }' e1.txt)
m0=$(awk '$1 == "calibrated" && $2 == "all" { print $7 }' e0.txt)
awk -v a="$m1" -v b="$m0" 'BEGIN { exit !(a >= b) }' || fail "mirror scoring below strict"
evaluate p2.tsv > e2.txt
grep -q 'modulo the mirror' e2.txt && fail "pairs scored modulo the mirror"
# it learned: pairs within 5 degrees after the gauge (0 or 45) is fitted
w5=$(awk '$1 == "offset-fitted" && $2 == "all" { print $8 }' e2.txt)
awk -v a="$w5" 'BEGIN { exit !(a >= 0.8) }' || fail "pairs within 5 degrees: $w5"
echo "ok: pairs within 5 degrees $w5"

# --- evaluate on rows with known answers: the mirror of the truth is right modulo the
# mirror (phi 0: 2*0 - 30 = 60 mod 90; phi 90: 180 - 30 = 150 = 60 mod 90 as well; phi 10:
# -10 = 80), wrong otherwise; a third angle is wrong both ways ---
printf 'id\tangle\tk\tconfidence\tcalibrated\tangle2\tconf2\tambiguity\tphi\ttheta_true\tk_true\n' > h.tsv
printf 'a\t60\t4\t1\tno\t30\t0.5\tmirror\t0\t30\t4\n' >> h.tsv
printf 'b\t80\t4\t1\tno\t30\t0.5\tmirror\t10\t30\t4\n' >> h.tsv
printf 'c\t31\t4\t1\tno\t59\t0.5\tmirror\t0\t30\t4\n' >> h.tsv
printf 'd\t40\t4\t1\tno\t50\t0.5\tmirror\t0\t30\t4\n' >> h.tsv
evaluate h.tsv | awk '$1 == "calibrated" && $2 == "all"' > row.txt
[ "$(cut -f3,7,8 row.txt)" = "$(printf '4\t0.7500\t0.7500')" ] || fail "mirror scoring: $(cat row.txt)"
evaluate --ambiguity none h.tsv | awk '$1 == "calibrated" && $2 == "all"' > row.txt
[ "$(cut -f3,7,8 row.txt)" = "$(printf '4\t0.2500\t0.2500')" ] || fail "strict scoring: $(cat row.txt)"

# --- a profile along phi = 90 reports phi = 90 ---
make_set 5 31 --angle 90 --length 64 | predict -1 -m m.model -H > p90.tsv
[ "$(wc -l < p90.tsv)" -eq 5 ] || fail "want 5 rows for --angle 90"
awk -F '\t' '$9 != 90 || $8 != "mirror" { bad++ }
	{ s = ($2 + $6) % 90; if (s > 45) s -= 90; if (s < -45) s += 90  # angle2 = 180 - angle
	  if (s > 1e-3 || s < -1e-3) bad++ }
	END { exit bad > 0 }' p90.tsv || fail "phi column for --angle 90: $(head -1 p90.tsv)"

# --- two profiles a view (project1d --angles): the network reads them as two channels; 10
# and 25 degrees see the mirror of a square (15 is no multiple of 180/4), so a single view
# has one answer, in the frame of the first angle ---
make_set 800 41 --angles 10,25 --length 64 > train2.st
make_set 60 51 --angles 10,25 --length 64 > test2.st
train -q -M oracle -o o2.model -e 5 -b 16 -l 2e-3 -k 4 -K 4 -t 1 --net "$NET" --log o2.log train2.st
predict -m o2.model --info | grep -qx 'input.angles=10,25' || fail "model lacks input.angles"
predict -1 -m o2.model test2.st > o2.tsv
awk -F '\t' 'NR > 1 && ($8 != "none" || $7 != "0.0000" || $9 != 10) { bad++ } END { exit bad > 0 }' o2.tsv ||
	fail "two-profile single rows: $(sed -n 2p o2.tsv)"
evaluate --ambiguity none o2.tsv > o2.eval
w5=$(awk '$1 == "calibrated" && $2 == "all" { print $8 }' o2.eval)
awk -v a="$w5" 'BEGIN { exit !(a >= 0.8) }' || fail "oracle, single views of two profiles, strictly within 5 degrees: $w5"
echo "ok: oracle on single views of two profiles, strictly within 5 degrees: $w5"
# the Siamese network on them: its loss falls; calibrated by a clean reference at theta 0
train -q -o s2.model -e 4 -b 16 -l 2e-3 -k 4 -K 4 -t 1 --net "$NET" --log s2.log train2.st
first=$(awk 'NR == 2 { print $3 }' s2.log)
last=$(awk 'END { print $3 }' s2.log)
awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < 0.7 * a) }' ||
	fail "two profiles: validation loss did not fall: $first -> $last"
shapegen -n 1 -k 4 -s 64 -r 18 -j 0 --theta 0 | project1d --angles 10,25 --length 64 > ref2.st
calibrate -m s2.model ref2.st 2> cal2.err
predict -m s2.model test2.st | awk -F '\t' 'NR > 1 && $8 != "none" { bad++ } END { exit bad > 0 }' ||
	fail "two-profile pairs: ambiguity left"
# the model's angles are its input: other angles, or one profile, are refused
make_set 2 61 --angles 0,15 --length 64 > other.st
expect_fail "predict at other angles" predict -m s2.model other.st
expect_fail "predict one profile on a two-profile model" predict -m s2.model test.st
expect_fail "train on mixed angles" train -q -o x.model -e 1 -k 4 --net "$NET" train2.st other.st
expect_fail "generate on two profiles" train -q -M generate -o x.model -e 1 -k 4 train2.st

# --- a record the baseline cannot measure: NA row, one warning, the run goes on, a miss ---
{ shapegen -n 2 -k 4 --seed 5; pgmmake 0 48 48; } | centre -s 48 | project1d > flat.strt
predict -M harmonic -k 4 -H flat.strt > flat.tsv 2> flat.err || fail "predict stopped at a flat profile"
[ "$(wc -l < flat.tsv)" -eq 3 ] || fail "want 3 rows, a flat profile among them: $(cat flat.tsv)"
[ "$(wc -l < flat.err)" -eq 1 ] && grep -q "^predict: record 3: .*no signal.*angle NA$" flat.err ||
	fail "one warning for the flat profile: $(cat flat.err)"
awk -F '\t' 'NR == 3 && ($2 != "NA" || $3 != "NA") { exit 1 }' flat.tsv || fail "flat row not NA"
{ shapegen -n 3 -k 4 --seed 5; pgmmake 0 48 48 | pamtopnm; } | centre -s 48 |
	predict -M harmonic -k 4 2>/dev/null > img.tsv || fail "predict stopped at a flat image"
evaluate -H img.tsv > img.eval || fail "evaluate refused an NA row"
awk -F '\t' '$2 == "NA" && $3 == "NA" { n++ } END { exit n != 1 }' img.tsv || fail "flat image row not NA"
# the flat image has no theta either (unscored): make a measured row NA to score it
awk -F '\t' 'BEGIN { OFS = "\t" } NR == 2 { $2 = "NA"; $3 = "NA" } { print }' img.tsv > na.tsv
evaluate -H na.tsv > na.eval
grep -q "^# 1 rows without an angle" na.eval || fail "evaluate: NA row not reported: $(cat na.eval)"
awk -F '\t' '$1 == "calibrated" && $2 == "all" { if ($3 != 3 || $8 > 0.67) exit 1 }' na.eval ||
	fail "an NA row must count as a miss: $(cat na.eval)"
awk -F '\t' 'BEGIN { OFS = "\t" } NR == 2 { $2 = "NA" } { print }' img.tsv > na1.tsv
expect_fail "evaluate angle NA with k" evaluate na1.tsv

# --- bad input ---
expect_fail "evaluate bad --ambiguity" evaluate --ambiguity bogus h.tsv
sed 's/	mirror	0	30/	mirrorr	0	30/' h.tsv > hb.tsv
expect_fail "evaluate bad ambiguity column" evaluate hb.tsv
sed 's/	mirror	0	30/	mirror	x	30/' h.tsv > hb.tsv
expect_fail "evaluate bad phi column" evaluate hb.tsv
echo "method1d: all ok"
