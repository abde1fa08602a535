#!/bin/sh
# Method 2 (train --method generate) end to end on tiny data: the loss falls, truth is never
# read, predict and calibrate use the encoder unchanged, decode renders images of the view's
# shape, and bad options and inputs fail with one line.
set -e
cd "$TMP"
. "$SHLIB"

NET='conv 8 3; relu; maxpool 2; conv 8 3; relu; maxpool 2; flatten; dense OUT'
shapegen -n 120 -s 32 -r 9:12 -j 2 -k 4 --seed 1 | stereopair -d 5:40 --seed 2 |
	addnoise -D 50:200 --seed 3 | centre > pairs.strt
TRAIN="train -q -t 2 -M generate -e 4 -b 16 -l 3e-3 --net"

# 1. training writes a model with both networks; the validation loss falls
$TRAIN "$NET" -k 4 -o m.model --log log.tsv pairs.strt
[ -s m.model ] || fail "no model"
[ "$(wc -l <log.tsv)" -eq 5 ] || fail "log should have a header and 4 lines"
awk -F'\t' 'NR == 2 { first = $3 } END { if (!($3 < 0.8 * first)) exit 1 }' log.tsv ||
	fail "validation loss did not fall: $(cat log.tsv)"
predict --info -m m.model > info.txt
for kv in method=generate predict.net=encoder decoder.heads=4 decoder.latents=2 \
	decoder.loss=mse order=4; do
	grep -qx "$kv" info.txt || fail "model info lacks $kv"
done
grep -q '^val.recon_mse=' info.txt || fail "no val.recon_mse"
grep -qx 'train.mirror_weight=0' info.txt || fail "mirror weight key: $(cat info.txt)"
grep -qx 'train.zoom_weight=0' info.txt || fail "zoom weight key"

# 2. no ground truth is read: scrambled truth keys give a bit-identical model
centre --pam pairs.strt > pairs.pam
LC_ALL=C sed -e 's/^# theta=.*/# theta=123.456/' -e '/^# k=/d' -e '/^# cx=/d' -e '/^# cy=/d' \
	-e '/^# radius=/d' -e '/^# b\.d[xy]=/d' -e '/^# shape=/d' pairs.pam > scrambled.pam
cmp -s pairs.pam scrambled.pam && fail "scrambling changed nothing"
$TRAIN "$NET" -e 2 -o a.model pairs.pam
$TRAIN "$NET" -e 2 -o b.model scrambled.pam
cmp a.model b.model || fail "model depends on truth keys"
echo "ok truth keys scrambled: bit-identical model"
# method 1's mirror and zoom losses on the encoder: they change the model, their keys say so,
# the loss falls with them at other weights too, and they never read truth either
$TRAIN "$NET" -e 2 --mirror-weight 1 --zoom-weight 1 -o n.model pairs.pam
cmp -s a.model n.model && fail "--mirror-weight 1 --zoom-weight 1 changed nothing"
predict --info -m n.model | grep -qx 'train.mirror_weight=1' || fail "mirror weight 1 key"
predict --info -m n.model | grep -qx 'train.zoom_weight=1' || fail "zoom weight 1 key"
$TRAIN "$NET" -e 4 -k 4 --mirror-weight 3 --zoom-weight 0.5 -o w.model --log wlog.tsv pairs.pam
awk -F'\t' 'NR == 2 { first = $3 } END { if (!($3 < 0.8 * first)) exit 1 }' wlog.tsv ||
	fail "validation loss with the constraints did not fall: $(cat wlog.tsv)"
$TRAIN "$NET" -e 4 -k 4 --mirror-weight 3 --zoom-weight 0.5 -o wb.model --log wlog.tsv \
	scrambled.pam
cmp w.model wb.model || fail "model with the constraints depends on truth keys"
expect_fail "mirror weight range" train -q -M generate --mirror-weight -1 -o x.model pairs.strt

# 3. the poisson loss trains too, and the order is detected from the encoder's heads
$TRAIN "$NET" -e 2 -K 4 --loss poisson --latents 0 -o p.model pairs.strt
predict --info -m p.model | grep -qx 'decoder.output=softplus' || fail "poisson model info"
predict --info -m p.model | grep -qx 'decoder.heads=3,4' || fail "detect: heads --kmin..K"
predict --info -m p.model | grep -qx 'heads.kmin=3' || fail "detect: heads.kmin for predict"

# 4. predict and calibrate use the encoder
shapegen -n 20 -s 32 -r 9:12 -j 2 -k 4 --seed 21 | addnoise -D 100 --seed 22 | centre > test.strt
predict -m m.model test.strt > pred.tsv
[ "$(wc -l <pred.tsv)" -eq 21 ] || fail "predict lines"
awk -F'\t' 'NR > 1 && !($2 >= 0 && $2 < 90 && $3 == 4 && $7 == 4) { exit 1 }' pred.tsv ||
	fail "predict columns: $(head -n 3 pred.tsv)"
shapegen -n 1 -s 32 -r 10 -j 0 -k 4 --theta 0 | centre > ref.strt
cp m.model c.model
calibrate -m c.model ref.strt 2>cal.txt # --tta 8 (its default): predict likewise
predict -m c.model --tta 8 -H ref.strt | awk -F'\t' '{ a = $2; if (a > 45) a -= 90;
	if ($5 != "yes" || a > 1e-3 || a < -1e-3) exit 1 }' || fail "calibrated reference not at 0"

# 5. decode: images of the view's shape, by angle and from pairs
decode -m c.model -a 0:60 -n 4 > d.strt
recmeta --shape --keys decode.angle,decode.k d.strt > d.tsv
[ "$(wc -l <d.tsv)" -eq 5 ] || fail "decode count: $(cat d.tsv)"
awk -F'\t' 'NR > 1 && !($1 == "image" && $2 == 1 && $3 == 32 && $4 == 32 && $6 == 4) { exit 1 }
	NR == 3 && $5 != 20 { exit 1 }' d.tsv || fail "decode shapes: $(cat d.tsv)"
decode -m c.model -a 10 --pam | pamfile | grep -q '32 by 32 by 1' || fail "decode --pam"
decode -m c.model -a 10 | cmp - "$(decode -m c.model -a 10 > d10.strt && echo d10.strt)" ||
	fail "decode is not reproducible"
decode -m m.model -i --compare pairs.strt | recmeta --shape --keys decode.mse > dc.tsv
[ "$(wc -l <dc.tsv)" -eq 121 ] || fail "decode -i count"
awk -F'\t' 'NR > 1 && !($2 == 2 && $3 == 32 && $5 >= 0 && $5 < 1) { exit 1 }' dc.tsv ||
	fail "decode -i -c: $(head -n 3 dc.tsv)"
decode -m m.model -i -d 30 test.strt | recmeta --shape -H | awk -F'\t' '$2 != 1 { exit 1 }' ||
	fail "decode -i -d"
decode --help | grep -q '^usage: decode' || fail "decode --help"
decode --version | grep -q stemrot || fail "decode --version"

# 6. the template renderer (--renderer template): the decoder draws a template that is turned
# by the decoded angle; the loss falls, truth is never read, decode renders it turned
$TRAIN "$NET" -k 4 --renderer template -o t.model --log tlog.tsv pairs.strt
awk -F'\t' 'NR == 2 { first = $3 } END { if (!($3 < 0.8 * first)) exit 1 }' tlog.tsv ||
	fail "template: validation loss did not fall: $(cat tlog.tsv)"
predict --info -m t.model > tinfo.txt
grep -qx decoder.renderer=template tinfo.txt || fail "template model info lacks its renderer"
grep -qx decoder.renderer=free info.txt || fail "free model info lacks its renderer"
$TRAIN "$NET" -e 2 -k 4 --renderer template -o ta.model pairs.pam
$TRAIN "$NET" -e 2 -k 4 --renderer template -o tb.model scrambled.pam
cmp ta.model tb.model || fail "template model depends on truth keys"
cmp -s ta.model a.model && fail "--renderer template changed nothing"
decode -m t.model -a 0:67.5 -n 4 | recmeta --shape --keys decode.angle > td.tsv
awk -F'\t' 'NR > 1 && !($2 == 1 && $3 == 32 && $4 == 32) { exit 1 } END { if (NR != 5) exit 1 }' \
	td.tsv || fail "decode of a template model: $(cat td.tsv)"
# the rendering is 4-fold symmetric (a and a + 90 give the same image, to the resampling's
# rounding) and turns (a and a + 30 differ)
for a in 10 100 40; do decode -m t.model -a $a --pam | pamtopnm > t$a.pgm; done
pamarith -difference t10.pgm t100.pgm | pamsumm -max -brief | awk '{ if ($1 > 2) exit 1 }' ||
	fail "template rendering is not 4-fold symmetric"
pamarith -difference t10.pgm t40.pgm | pamsumm -max -brief | awk '{ if ($1 < 60) exit 1 }' ||
	fail "template rendering does not turn with the angle"
decode -m t.model -T | recmeta --shape -H | awk -F'\t' '$2 != 1 || $3 != 32 { exit 1 }' ||
	fail "decode --template"
decode -m t.model -i --compare pairs.strt | recmeta --shape --keys decode.mse | awk -F'\t' \
	'NR > 1 && !($5 >= 0 && $5 < 1) { exit 1 } END { if (NR != 121) exit 1 }' ||
	fail "decode -i --compare of a template model"
expect_fail "template of a free model" decode -m m.model -T
expect_fail "template with an angle" decode -m t.model -T -a 5
expect_fail "unknown renderer" train -q -M generate --renderer warp -o x.model pairs.strt
project1d pairs.strt > prof.strt
expect_fail "template renderer for profiles" train -q -t 2 -M generate -e 1 -k 4 \
	--renderer template -o x.model prof.strt
grep -q "profiles cannot" err.txt || fail "profile refusal: $(cat err.txt)"
# profiles on the mirror quotient: both candidates rendered (gradients: test_generate); the
# model says so, predict reads it as a folded profile model; images refuse the option
train -q -t 2 -M generate -e 1 -k 4 --mirror-quotient 1 --net "conv 8 5 same; relu; maxpool 2; flatten; dense OUT" \
	-o q.model prof.strt
predict -m q.model --info | grep -qx 'train.mirror_quotient=yes' || fail "quotient not in the model"
predict -1 -m q.model prof.strt | awk -F'\t' 'NR > 1 && $8 != "mirror" { bad++ } END { exit bad > 0 }' ||
	fail "a quotient model's single profiles are not answered modulo the mirror"
expect_fail "mirror quotient on images" train -q -t 2 -M generate -e 1 -k 4 --mirror-quotient 1 \
	-o x.model pairs.strt

# 7. bad options and inputs
train -q -t 2 -e 1 --net "$NET" -k 4 -o s.model pairs.strt
expect_fail "no model" decode -a 3
expect_fail "missing model" decode -m nosuch.model
expect_fail "not a generate model" decode -m s.model
expect_fail "bad count" decode -m m.model -n 0
expect_fail "bad angle" decode -m m.model -a 1:x
expect_fail "order not read" decode -m m.model -k 3
expect_fail "latent count" decode -m m.model -L 1,2,3
expect_fail "latent value" decode -m m.model -L 1,zz
expect_fail "input options" decode -m m.model -i -a 5 pairs.strt
expect_fail "offset without input" decode -m m.model -d 5
expect_fail "compare single views" decode -m m.model -i --compare test.strt
shapegen -n 2 -s 24 -k 4 | stereopair -d 10 > small.strt
expect_fail "wrong size" decode -m m.model -i small.strt
head -c 1000 pairs.strt > cut.strt
expect_fail "truncated input" decode -m m.model -i cut.strt
head -c 3000 m.model > cut.model
expect_fail "truncated model" decode -m cut.model
expect_fail "unknown loss" train -q -M generate --loss l1 -o x.model pairs.strt
expect_fail "latents range" train -q -M generate --latents 99 -o x.model pairs.strt
expect_fail "decoder shape" train -q -M generate --net "$NET" --decoder 'dense 16; reshape 1 4 4' \
	-o x.model pairs.strt
[ ! -e x.model ] || fail "a failed training wrote a model"
echo "ok method 2"
