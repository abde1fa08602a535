#!/bin/sh
# Hostile input and faults (issue 15): each defect the outside test found, through the
# programs as a user runs them.  The library halves (meta, noise, model files) have unit tests
# too (test_meta, test_noise, test_model_hostile); the fuzzers are tests/fuzz/ (make fuzz).
set -e
cd "$TMP"
. "$SHLIB"

NET='conv 4 3; relu; maxpool 2; flatten; dense OUT'
shapegen -n 24 -s 16 -k 4 --seed 1 | stereopair -d 10:30 --seed 2 > pairs.strt
train -q -t 1 -e 1 -b 8 --net "$NET" -k 4 -o m.model pairs.strt
predict -m m.model pairs.strt > pred.tsv

# with_limits LIMITS NAME CMD...: expect_fail under STEMROT_LIMITS=LIMITS
with_limits() {
	STEMROT_LIMITS=$1
	export STEMROT_LIMITS
	shift
	expect_fail "$@"
	unset STEMROT_LIMITS
}

# 1. a network whose output is not what the method needs: refused, for every method
for M in siamese oracle generate; do
	expect_fail "train -M $M --net 'conv 4 3'" train -q -e 1 -M $M --net 'conv 4 3' -o x.model pairs.strt
	grep -q "dense OUT" err.txt || fail "no hint to end with dense OUT"
	expect_fail "train -M $M --net 'flatten; dense 3'" train -q -e 1 -M $M --net 'flatten; dense 3' -o x.model pairs.strt
done
[ ! -e x.model ] || fail "a refused network wrote a model"

# 2. a dense metadata block (150,000 keys in the header comments of one PAM): refused at the
# default key limit with a message naming it, read in linear time at a raised one (this took
# minutes in recmeta: a linear search per key, in the parser and in recmeta's columns)
awk 'BEGIN { a = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"; n = 0; print "P7"
	for (i = 1; i <= 62; i++) for (j = 1; j <= 62; j++) for (k = 1; k <= 62 && n < 150000; k++) {
		print "# " substr(a, i, 1) substr(a, j, 1) substr(a, k, 1) "=1"; n++ }
	print "WIDTH 2"; print "HEIGHT 1"; print "DEPTH 1"; print "MAXVAL 255"
	print "TUPLTYPE GRAYSCALE"; print "ENDHDR"; printf "%c%c", 1, 2 }' > dense.pam
expect_fail "150,000 keys at the default limit" recmeta dense.pam
grep -q "meta-keys" err.txt || fail "the message does not name the limit"
STEMROT_LIMITS=meta-keys=256k timeout 60 recmeta dense.pam > dense.tsv ||
	fail "recmeta on 150,000 keys did not finish in 60 s"
[ "$(head -n 1 dense.tsv | tr '\t' '\n' | wc -l)" -eq 150000 ] || fail "dense: want 150,000 columns"

# libnetpbm gathers PAM comments with a strcat per line (quadratic: 960 KB of '#' lines took
# 2.4 s, 4 MB would take 40 s); PAM headers are read by stemrot itself, linearly and bounded
{ echo P7; yes '#' | head -n 2000000; printf 'WIDTH 1\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nENDHDR\n\001'; } > hashes.pam
rc=0
timeout 20 recmeta hashes.pam > out.txt 2> err.txt || rc=$?
[ "$rc" -eq 1 ] || fail "4 MB of PAM comment lines: exit status $rc (124: over 20 s)"
grep -q "^recmeta: hashes.pam: record 1: PAM header is longer than" err.txt || fail "hashes: $(cat err.txt)"
echo "ok: 4 MB of PAM comment lines: $(cat err.txt)"

# limits: a malformed STEMROT_LIMITS is one clear message from any reader
with_limits samples=lots "bad STEMROT_LIMITS" recmeta pairs.strt
grep -q "STEMROT_LIMITS: limit samples: 'lots'" err.txt || fail "bad STEMROT_LIMITS message"
with_limits samples=100 "samples limit" recmeta pairs.strt
grep -q "(samples; see" err.txt || fail "samples message"

# 3. the model's networks are built under the limits, --info included
with_limits net-activations=1k "--info under net-activations" predict -m m.model --info
grep -q "net-activations" err.txt || fail "net-activations message"
with_limits model-bytes=1k "model-bytes" predict -m m.model pairs.strt
grep -q "model-bytes" err.txt || fail "model-bytes message"
with_limits model-bytes=1G,net-params=100 "net-params" predict -m m.model --info

# 4. time: one compressed 4096 x 4096 zero image (the attack used 8192 x 8192, 261 KB: centre
# ran 148 s); the detection smoothing is now linear in the pixels.  Bounded in CPU seconds, not
# wall time, so a loaded machine does not matter: before the fix centre and predict -M harmonic
# were killed at 5 s here; after it they take 0.4 s (8192 x 8192: 1.5 s).
pgmmake 0 4096 4096 | addnoise --clean --compress > zero.strt
[ "$(wc -c < zero.strt)" -lt 80000 ] || fail "zero image not small"
(ulimit -t 5; centre zero.strt > /dev/null) || fail "centre on a zero 4096 x 4096 image: over 5 CPU s"
(ulimit -t 5; predict -M harmonic zero.strt > /dev/null 2>&1) ||
	fail "predict -M harmonic on it: over 5 CPU s"

# 6. write errors: every program fails loudly on a full disk (stdout /dev/full)
if [ -w /dev/full ]; then
	full() {
		name=$1; shift
		if "$@" > /dev/full 2> err.txt; then fail "$name > /dev/full: exit status 0"; fi
		grep -q "write error" err.txt || fail "$name > /dev/full: $(cat err.txt)"
		[ "$(wc -l < err.txt)" -eq 1 ] || fail "$name > /dev/full: want one line: $(cat err.txt)"
	}
	full evaluate evaluate pred.tsv
	full "predict --info" predict -m m.model --info
	full predict predict -m m.model pairs.strt
	full rectile rectile pairs.strt
	full recmeta recmeta pairs.strt
	full shapegen shapegen -n 2 -s 16
	shapegen -n 2 -s 16 > one.strt
	full stereopair stereopair -d 10 one.strt
	full addnoise addnoise pairs.strt
	full centre centre pairs.strt
	full denoise denoise pairs.strt
	full project1d project1d pairs.strt
	train -q -t 1 -e 1 -b 8 -M generate --net "$NET" -k 4 -o g.model pairs.strt
	full decode decode -m g.model -a 0:80 -n 3
	for p in $(ls "$BIN"); do # every program
		full "$p --help" "$p" --help
		full "$p --version" "$p" --version
	done
	# a file on a full disk: train's --log
	expect_fail "train --log /dev/full" train -q -t 1 -e 1 -b 8 --net "$NET" -o y.model --log /dev/full pairs.strt
	grep -q "write error" err.txt || fail "--log /dev/full: $(cat err.txt)"
	echo "ok: /dev/full"
fi

# 7. models follow the umask; a killed writer's temporary files go at the next save
(umask 027 && train -q -t 1 -e 1 -b 8 --net "$NET" -o u.model pairs.strt)
[ "$(stat -c %a u.model)" = 640 ] || fail "umask 027 gave mode $(stat -c %a u.model)"
printf partial > u.model.tmp.4206969
printf partial > u.model.ckpt.tmp.AbC123
train -q -t 1 -e 2 -b 8 --net "$NET" -o u.model pairs.strt
[ ! -e u.model.tmp.4206969 ] && [ ! -e u.model.ckpt.tmp.AbC123 ] || fail "stale temporaries left"

# kill -9 at random points of train, checkpoint writes included: whatever is left is a valid
# model or checkpoint (predict --info reads it), and the next run leaves no temporaries
shapegen -n 200 -s 16 -k 4 --seed 3 | stereopair -d 10:30 --seed 4 > more.strt
i=0
kills=0
while [ $i -lt 12 ]; do
	i=$((i + 1))
	train -q -t 1 -e 400 -b 8 --net "$NET" -k 4 -o k.model --resume more.strt 2>/dev/null &
	pid=$!
	sleep "0.$(( (i * 7919) % 9 + 1 ))"
	if kill -9 $pid 2>/dev/null; then kills=$((kills + 1)); fi
	wait $pid 2>/dev/null || true
	for f in k.model k.model.ckpt; do
		[ ! -e $f ] || predict -m $f --info > /dev/null || fail "kill $i left an invalid $f"
	done
done
train -q -t 1 -e 1 -b 8 --net "$NET" -k 4 -o k.model more.strt
ls k.model.*tmp* 2>/dev/null && fail "temporaries left after the next run"
echo "ok: $kills kills of train, every file left valid"

# 9. messages: the path once, a directory named as one, header columns past 64 counted
expect_fail "train -o in a missing directory" train -q -e 1 --net "$NET" -o nodir/x.model pairs.strt
[ "$(grep -o 'nodir/x.model' err.txt | wc -l)" -eq 1 ] || fail "path repeated: $(cat err.txt)"
mkdir adir
expect_fail "predict -m DIRECTORY" predict -m adir pairs.strt
grep -q "is a directory" err.txt || fail "directory: $(cat err.txt)"
awk -F'\t' 'BEGIN { OFS = "\t" } { line = ""; for (c = 1; c <= 70; c++) line = line (NR == 1 ? "x" c : c) "\t"; print line $0 }' \
	pred.tsv > wide.tsv
evaluate wide.tsv > wide.txt || fail "evaluate with 76 columns"
evaluate pred.tsv > narrow.txt
cmp wide.txt narrow.txt || fail "columns past 64 changed the scores"
