#!/bin/sh
# Method 1 in 3D (train -M siamese3d) end to end on tiny data: the loss falls, the truth is
# never read (scrambled truth keys give a bit-identical model), resume gives the
# uninterrupted model, predict writes 3D rows that evaluate scores, calibrate stores the
# block signs, and bad input (2D pairs, a tilt about another axis) is refused.
set -e
top=$(cd "$(dirname "$SHLIB")/.." && pwd)
cd "$TMP"
. "$SHLIB"

NET='conv 8 3; relu; maxpool 2; conv 8 3; relu; maxpool 2; flatten; dense OUT'
shapegen --solid cube -n 120 -s 32 -r 8:11 -j 2 --seed 1 |
	stereopair --tilt 5:20 --random-sign --seed 2 | addnoise --dose 100 --seed 3 |
	centre > pairs.strt
TRAIN="train -q -t 2 -e 4 -b 16 -l 3e-3 -M siamese3d --net"

# 1. training runs, the validation loss falls, the model names its method and group rule
$TRAIN "$NET" -o m.model --log log.tsv pairs.strt
[ -s m.model ] || fail "no model"
[ "$(wc -l <log.tsv)" -eq 5 ] || fail "log should have a header and 4 lines"
awk -F'\t' 'NR == 2 { first = $3 } END { if (!($3 < first)) exit 1 }' log.tsv ||
	fail "validation loss did not fall: $(cat log.tsv)"
predict -m m.model --info > info.txt
grep -q '^predict.net=siamese3d$' info.txt || fail "info: $(cat info.txt)"
grep -q '^val.inconsistency3d.O=' info.txt || fail "no per-group inconsistency"
grep -q '^group3d=' info.txt || fail "no group3d"

# 2. no ground truth is read: scramble the orientation, delete shape, group, radius, centre
centre --pam pairs.strt > pairs.pam
LC_ALL=C sed -e 's/^# q\([wxyz]\)=.*/# q\1=0.5/' -e '/^# shape=/d' -e '/^# group=/d' \
	-e '/^# radius=/d' -e '/^# cx=/d' -e '/^# cy=/d' -e '/^# b\.d[xy]=/d' pairs.pam > scrambled.pam
cmp -s pairs.pam scrambled.pam && fail "scrambling changed nothing"
$TRAIN "$NET" -e 2 -o a.model pairs.pam
$TRAIN "$NET" -e 2 -o b.model scrambled.pam
cmp a.model b.model || fail "model depends on truth keys"
echo "ok truth keys scrambled: bit-identical model"

# 3. resume: stopping after epoch 2 and resuming gives the uninterrupted model
$TRAIN "$NET" -o r.model --stop-after 2 pairs.strt
[ -s r.model.ckpt ] || fail "no checkpoint after an interrupted run"
$TRAIN "$NET" -o r.model --resume pairs.strt
cmp m.model r.model || fail "resumed model differs"
echo "ok resume"

# 4. predict: 3D rows (pairs and single views), evaluate reads them
shapegen --solid cube -n 12 -s 32 -r 8:11 -j 2 --seed 21 |
	stereopair --tilt 5:20 --random-sign --seed 22 | addnoise --dose 100 --seed 23 | centre > test.strt
predict -m m.model test.strt > pair.tsv
predict -m m.model --single test.strt > single.tsv
for f in pair.tsv single.tsv; do
	[ "$(wc -l < $f)" -eq 13 ] || fail "$f: want a header and 12 rows"
	head -1 $f | grep -q "^id	shape	group	views	qw	qx	qy	qz	confidence	qw2" || fail "$f header"
done
awk -F'\t' 'NR > 1 && ($4 != 2 || $16 != "cube") { exit 1 }' pair.tsv || fail "pair rows"
awk -F'\t' 'NR > 1 && $4 != 1 { exit 1 }' single.tsv || fail "single rows"
evaluate pair.tsv | grep -q '^strict	cube	2	12	' || fail "evaluate pairs"
evaluate single.tsv | grep -q '^mod-projection	cube	1	12	' || fail "evaluate singles"

# 5. calibrate from a reference pair at the identity: signs stored, the model rewritten
shapegen --solid cube --quat 1,0,0,0 -n 1 -s 32 -r 10 -j 0 | stereopair --tilt 10 | centre > ref.strt
calibrate -m m.model -o c.model ref.strt 2> cal.txt
grep -q 'reference, signs' cal.txt || fail "calibrate message: $(cat cal.txt)"
predict -m c.model --info | grep -q '^calib3d\.' || fail "calibration not stored"
predict -m c.model --info | grep -q '^calibrated=yes$' || fail "not marked calibrated"
expect_fail "3D calibrate --angle" calibrate -m m.model --angle 5 ref.strt

# 6. bad input: 2D pairs have no tilt, a tilt about another axis, a bad calibration key
shapegen -n 20 -s 32 -r 8:11 -k 4 | stereopair -d 5:40 | centre > pairs2d.strt
expect_fail "2D pairs" train -q --net "$NET" -M siamese3d -o x.model pairs2d.strt
shapegen --solid cube -n 20 -s 32 -r 8:11 | stereopair --tilt 10 --tilt-axis 30 | centre > axis.strt
expect_fail "tilt axis" train -q --net "$NET" -M siamese3d -o x.model axis.strt
shapegen -n 2 -s 40 --solid cube | stereopair --tilt 10 | centre > big.strt
expect_fail "wrong size" predict -m m.model big.strt
[ ! -e x.model ] || fail "a refused run wrote a model"
echo "ok siamese3d"

# 7. the experiment's pipeline on tiny data (pipelines/exp3d.sh): a table with both methods
NTRAIN=60 NTEST=4 EPOCHS=1 SETS=cube DOSES=40 SIZE=32 TEMPLATES=50 NET="$NET" \
	BIN="$BIN" sh "$top/pipelines/exp3d.sh" exp > table.tsv 2> exp.err || { cat exp.err; fail "exp3d.sh"; }
grep -q '^cube	40	siamese3d	' table.tsv || fail "exp3d table: $(cat table.tsv)"
grep -q '^cube	40	oracle3d	' table.tsv || fail "exp3d oracle row: $(cat table.tsv)"
grep -q '^cube	40	match, told the shape	' table.tsv || fail "exp3d baseline row: $(cat table.tsv)"
echo "ok exp3d.sh"
