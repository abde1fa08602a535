#!/bin/sh
# A model knows what it was trained on, and its confidence is a probability: train records
# the training views' particle size and level (from the images, not their keys: the same
# percentiles with every truth key scrambled); predict warns, one line per record with the
# trained range, when a particle lies outside, and --fit zooms it to the trained size;
# calibrate --trained-on adds the range to a model, --confidence stores a map that keeps
# predict's confidence in 0..1; bad uses are one message.
set -e
cd "$TMP"
. "$SHLIB"

NET='conv 8 3; relu; maxpool 2; flatten; dense OUT'
shapegen --count 120 --size 48 --radius 12:20 --sides 4 --seed 1 | stereopair --offset 5:40 --seed 2 |
	addnoise --dose 40:100 --seed 3 | centre > pairs.strt
train -q --threads 2 --epochs 1 --net "$NET" --order 4 -o m.model pairs.strt
predict -m m.model --info > info.txt
for key in train.size.p01 train.size.p50 train.size.p99 train.signal.p01 train.signal.p99 train.measured; do
	grep -q "^$key=" info.txt || fail "model info lacks $key"
done
# the square's radius of gyration is R / sqrt 3: 12..20 px gives about 6.9..11.5
awk -F= '$1 == "train.size.p01" && !($2 > 6 && $2 < 8) { exit 1 }
         $1 == "train.size.p99" && !($2 > 10.5 && $2 < 12.5) { exit 1 }' info.txt ||
	fail "trained size range: $(grep train.size info.txt)"
# the same percentiles from the images alone
centre --pam pairs.strt > pairs.pam
LC_ALL=C sed -e 's/^# theta=.*/# theta=1.5/' -e '/^# radius=/d' -e '/^# k=/d' pairs.pam > scrambled.pam
train -q --threads 2 --epochs 1 --net "$NET" --order 4 -o p.model pairs.pam
train -q --threads 2 --epochs 1 --net "$NET" --order 4 -o s.model scrambled.pam
predict -m s.model --info | grep '^train\.s' > s.txt
predict -m p.model --info | grep '^train\.s' > m.txt
cmp m.txt s.txt || fail "the trained range depends on the records' keys"

# in range: no warning; too large: one line per record naming it and the range
shapegen --count 5 --size 48 --radius 12:20 --sides 4 --seed 9 | addnoise --dose 60 --seed 10 | centre > in.strt
predict -m m.model in.strt > in.tsv 2> in.err
[ ! -s in.err ] || fail "warned in range: $(cat in.err)"
shapegen --count 3 --size 96 --radius 34 --sides 4 --seed 11 | addnoise --dose 60 --seed 12 |
	centre --size 48 > big.strt
predict -m m.model big.strt > big.tsv 2> big.err
[ "$(wc -l < big.err)" -eq 3 ] || fail "want 3 warnings: $(cat big.err)"
grep -q '^predict: record 2 (s11-2): particle size .* is outside the trained .* px' big.err ||
	fail "warning: $(head -1 big.err)"
[ "$(wc -l < big.tsv)" -eq 4 ] || fail "the answers must still be printed"
echo "ok: $(head -1 big.err)"
# --fit zooms the particle to the trained size: the warning goes
shapegen --count 3 --size 48 --radius 9 --sides 4 --seed 13 | addnoise --dose 60 --seed 14 | centre > small.strt
predict -m m.model small.strt > /dev/null 2> small.err
[ "$(wc -l < small.err)" -eq 3 ] || fail "small particles: want 3 warnings: $(cat small.err)"
predict -m m.model --fit small.strt > fit.tsv 2> fit.err
[ ! -s fit.err ] || fail "--fit left warnings: $(cat fit.err)"
expect_fail "--fit without a model" predict --method harmonic --fit in.strt

# calibrate --trained-on: the range added to a model without it (same percentiles as train
# measures, up to the validation records it also sees)
shapegen --count 1 --size 48 --radius 16 --sides 4 --centre-jitter 0 --theta 0 | centre > ref.strt
calibrate -m m.model -o c.model --trained-on pairs.strt ref.strt 2> /dev/null
predict -m c.model --info | grep -q '^train.size.p50=' || fail "calibrate --trained-on"

# calibrate --confidence: a map in the info; every confidence in 0..1
shapegen --count 200 --size 48 --radius 12:20 --sides 4 --seed 20 | addnoise --dose 40:100 --seed 21 |
	centre > heldout.strt
calibrate -m m.model -o k.model --confidence heldout.strt ref.strt 2> cal.err
grep -q '^calibrate: confidence: 200 held-out images' cal.err || fail "calibrate: $(cat cal.err)"
predict -m k.model --info | grep -q '^conf.map=' || fail "no conf.map"
predict -m k.model -H heldout.strt | awk -F'\t' '!($4 >= 0 && $4 <= 1) { exit 1 }' ||
	fail "confidence outside 0..1"
shapegen --count 20 --size 48 --sides 4 --seed 22 | centre > few.strt
expect_fail "too few held-out images" calibrate -m m.model -o x.model --confidence few.strt ref.strt
shapegen --count 200 --size 48 --sides 4 --seed 22 | centre | recmeta --delete theta > notruth.strt 2> /dev/null ||
	shapegen --count 200 --size 48 --sides 4 --seed 22 | centre --pam | LC_ALL=C sed '/^# theta=/d' > notruth.strt
expect_fail "held-out images without truth" calibrate -m m.model -o x.model --confidence notruth.strt ref.strt
[ ! -e x.model ] || fail "a model written after a failed calibration"
