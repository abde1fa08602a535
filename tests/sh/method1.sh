#!/bin/sh
# Method 1 end to end on tiny data: train (loss falls, truth never read, resume gives the same
# model), predict, calibrate, evaluate, the harmonic baseline, the oracle, streaming, and bad
# input (bad model files, bad options, wrong shapes).
set -e
cd "$TMP"
. "$SHLIB"

NET='conv 8 3; relu; maxpool 2; conv 8 3; relu; maxpool 2; flatten; dense OUT'
shapegen -n 160 -s 32 -r 8:12 -j 2 -k 4 --seed 1 | stereopair -d 5:40 --seed 2 |
	addnoise -D 50:200 --seed 3 | centre > pairs.strt
TRAIN="train -q -t 2 -e 4 -b 16 -l 3e-3 --net"

# 1. training runs, writes a model and a log, and the validation loss falls
$TRAIN "$NET" -k 4 -o m.model --log log.tsv pairs.strt
[ -s m.model ] || fail "no model"
[ ! -e m.model.ckpt ] || fail "checkpoint left behind"
[ "$(wc -l <log.tsv)" -eq 5 ] || fail "log should have a header and 4 lines"
awk -F'\t' 'NR == 2 { first = $3 } END { if (!($3 < first)) exit 1 }' log.tsv ||
	fail "validation loss did not fall: $(cat log.tsv)"

# 2. no ground truth is read: scramble theta, delete k/cx/cy/radius/b.dx/b.dy -> same model
centre --pam pairs.strt > pairs.pam
LC_ALL=C sed -e 's/^# theta=.*/# theta=123.456/' -e '/^# k=/d' -e '/^# cx=/d' -e '/^# cy=/d' \
	-e '/^# radius=/d' -e '/^# b\.d[xy]=/d' -e '/^# shape=/d' pairs.pam > scrambled.pam
cmp -s pairs.pam scrambled.pam && fail "scrambling changed nothing"
$TRAIN "$NET" -o a.model pairs.pam
$TRAIN "$NET" -o b.model scrambled.pam
cmp a.model b.model || fail "model depends on truth keys"
echo "ok truth keys scrambled: bit-identical model"

# 3. resume: stopping after epoch 2 and resuming gives the uninterrupted model
$TRAIN "$NET" -k 4 -o r.model --stop-after 2 pairs.strt
[ -s r.model.ckpt ] || fail "no checkpoint after an interrupted run"
[ ! -e r.model ] || fail "model written by an interrupted run"
$TRAIN "$NET" -k 4 -o r.model --resume pairs.strt
cmp m.model r.model || fail "resumed model differs"
echo "ok resume"

# 4. thread count does not change the model
train -q -t 1 -e 4 -b 16 -l 3e-3 --net "$NET" -k 4 -o t1.model pairs.strt
cmp m.model t1.model || fail "model depends on threads"

# 5. predict: header + one line per record, angle in [0, 90), truth columns
shapegen -n 40 -s 32 -r 8:12 -j 2 -k 4 --seed 21 | addnoise -D 100 --seed 22 | centre > test.strt
predict -m m.model test.strt > pred.tsv
[ "$(head -n 1 pred.tsv)" = "$(printf 'id\tangle\tk\tconfidence\tcalibrated\ttheta_true\tk_true')" ] ||
	fail "header: $(head -n 1 pred.tsv)"
[ "$(wc -l <pred.tsv)" -eq 41 ] || fail "predict lines"
awk -F'\t' 'NR > 1 && !($2 >= 0 && $2 < 360 / $3 && $5 == "no" && $7 == 4) { exit 1 }' pred.tsv ||
	fail "predict columns"
predict -m m.model pairs.strt | awk -F'\t' 'END { if (NR != 161) exit 1 }' || fail "pairs"
evaluate pred.tsv > eval.txt
grep -q '^calibrated	all	40	' eval.txt || fail "evaluate: $(cat eval.txt)"
grep -q '^offset-fitted	all	40	' eval.txt || fail "evaluate offset-fitted"

# 6. calibrate with a reference at theta 0: the reference then reads about 0
shapegen -n 1 -s 32 -r 10 -j 0 -k 4 --theta 0 | centre > ref.strt
cp m.model c.model
calibrate -m c.model ref.strt 2>cal.txt
grep -q 'order 4: zero at' cal.txt || fail "calibrate message: $(cat cal.txt)"
# calibrate reads the reference with --tta 8 by default: predict reads it back at 0 the same way
predict --tta 8 -m c.model -H ref.strt | awk -F'\t' '{ a = $2; if (a > 45) a -= 90;
	if ($5 != "yes" || a > 1e-3 || a < -1e-3) exit 1 }' || fail "calibrated reference not at 0"
# ... and by default, since the model records calib.tta=8; another --tta warns, once
predict -m c.model -H ref.strt 2>warn.txt | awk -F'\t' '{ a = $2; if (a > 45) a -= 90;
	if (a > 1e-3 || a < -1e-3) exit 1 }' || fail "predict does not default to calib.tta"
[ ! -s warn.txt ] || fail "warning without cause: $(cat warn.txt)"
predict --tta 1 -m c.model -H ref.strt 2>warn.txt >/dev/null
[ "$(wc -l < warn.txt)" -eq 1 ] && grep -q "calibrated with --tta 8" warn.txt ||
	fail "predict --tta 1 on a --tta 8 calibration: want one warning: $(cat warn.txt)"
calibrate --tta 1 -m c.model ref.strt 2>/dev/null
predict -m c.model -H ref.strt | awk -F'\t' '{ a = $2; if (a > 45) a -= 90;
	if ($5 != "yes" || a > 1e-3 || a < -1e-3) exit 1 }' || fail "calibrated (--tta 1) reference not at 0"
expect_fail "--tta: 3 must be" calibrate --tta 3 -m c.model ref.strt
# -k true: each reference's own k key
calibrate -k true -m c.model ref.strt 2>cal.txt || fail "calibrate -k true"
grep -q 'order 4: zero at' cal.txt || fail "calibrate -k true message: $(cat cal.txt)"
shapegen -n 1 -s 32 -r 10 -j 0 -k 4 --theta 0 --pam | LC_ALL=C sed '/^# k=/d' | centre > refnok.strt
expect_fail "calibrate -k true without k" calibrate -k true -m c.model refnok.strt
cmp -s m.model c.model && fail "calibrate did not change the model"

# 7. the classical baseline, told k and detecting k, on clean-ish images
predict -M harmonic -k 4 test.strt | evaluate > h.txt
awk -F'\t' '$1 == "calibrated" && $2 == "all" { if (!($4 < 1.0)) exit 1 }' h.txt ||
	fail "harmonic median: $(cat h.txt)"
predict -M harmonic test.strt | evaluate | awk -F'\t' '$1 == "calibrated" && $2 == "all" {
	if ($9 < 0.95) exit 1 }' || fail "harmonic order detection"

# 8. the oracle reads the truth, and says so
train -q -t 2 -e 1 -b 16 --net "$NET" -M oracle -o o.model pairs.strt
predict -m o.model --info | grep -q '^train.reads_truth=yes' || fail "oracle info"
predict -m m.model --info | grep -q '^train.reads_truth' && fail "siamese claims truth"
predict -m m.model --info | grep -q '^calibrated=no$' || fail "uncalibrated model"
predict -m c.model --info | grep -q '^calib.4=' || fail "calibration not stored"
expect_fail "oracle without truth" train -q -e 1 --net "$NET" -M oracle -o x.model scrambled.pam

# 9. streaming from a file gives a working model; stdin cannot stream
$TRAIN "$NET" -o s.model --stream --chunk 50 pairs.strt
predict -m s.model test.strt >/dev/null
expect_fail "stream stdin" train -q --stream -o x.model < pairs.strt

# 10. bad input
printf 'not a model at all\n' > bad.model
expect_fail "garbage model" predict -m bad.model test.strt
head -c 200 m.model > trunc.model
expect_fail "truncated model" predict -m trunc.model test.strt
expect_fail "missing model" predict -m nonexistent.model test.strt
expect_fail "no model" predict test.strt
shapegen -n 2 -s 40 | centre > big.strt
expect_fail "wrong size" predict -m m.model big.strt
expect_fail "single views" train -q -o x.model test.strt
expect_fail "epochs 0" train -e 0 -o x.model pairs.strt
expect_fail "val 2" train --val 2 -o x.model pairs.strt
expect_fail "bad method" train -M nope -o x.model pairs.strt
expect_fail "no output" train pairs.strt
expect_fail "bad tta" predict -m m.model --tta 3 test.strt
expect_fail "order > heads" train -K 4 -k 6 -o x.model pairs.strt
head -c 5000 pairs.strt > trunc.strt
expect_fail "truncated data" train -q --net "$NET" -o x.model trunc.strt
printf 'angle\tk\nfoo\t4\n' > bad.tsv
expect_fail "evaluate no truth columns" evaluate bad.tsv
printf 'id\tangle\tk\tconfidence\tcalibrated\ttheta_true\tk_true\nx\tabc\t4\t1\tno\t3\t4\n' > bad2.tsv
expect_fail "evaluate bad number" evaluate bad2.tsv
expect_fail "calibrate no refs" calibrate -m c.model
echo "all method1 checks passed"
