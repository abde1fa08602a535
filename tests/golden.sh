#!/bin/sh
# golden.sh: prints a checksum of the output of a fixed set of seeded pipelines, one line each:
# every filter, a tiny train of each method, calibrate, predict, evaluate, decode, and a few
# error messages.  It proves a refactoring changed no behaviour: run it before and after and
# compare (`diff`).  Not part of `make check`: floating-point results may legitimately differ
# between machines (OpenBLAS picks its kernels by CPU), so the reference lives in a commit
# note, not in the tree.
#
# usage: BIN=path/to/bin sh tests/golden.sh [WORKDIR]
set -e
BIN=${BIN:-bin}
BIN=$(cd "$BIN" && pwd)
PATH=$BIN:$PATH
export PATH
W=${1:-$(mktemp -d)}
mkdir -p "$W"
cd "$W"

sum() { # NAME FILE: one line "NAME sha256"
	printf '%-28s %s\n' "$1" "$(sha256sum < "$2" | cut -c1-16)"
}
run() { # NAME CMD...: the checksum of CMD's standard output
	name=$1; shift
	"$@" > "out.$name"
	sum "$name" "out.$name"
}
err() { # NAME CMD...: CMD must fail; the checksum of its status and standard error
	name=$1; shift
	if "$@" > /dev/null 2> "err.$name"; then echo "$name: expected failure" >&2; exit 1; fi
	sum "$name" "err.$name"
}

# data
run shapegen.sq     shapegen -n 60 -s 32 -r 9:12 -j 2 -k 4 --seed 1
run shapegen.mix    shapegen -n 40 -s 32 -r 9:12 -j 2 -k 3:6 --seed 11
run shapegen.disc   shapegen -n 5 -s 32 --disc --seed 12
run shapegen.pam    shapegen -n 3 -s 24 -k 5 --pam --seed 13
run stereopair      stereopair -d 5:40 --drift 1 --seed 2 out.shapegen.sq
run stereopair.mix  stereopair -d 5:40 --seed 14 out.shapegen.mix
run addnoise        addnoise -D 50:200 --jitter 0:0.3 --seed 3 out.stereopair
run addnoise.mix    addnoise -D 50:200 --seed 15 out.stereopair.mix
run centre          centre out.addnoise
run centre.mix      centre out.addnoise.mix
run centre.pam      centre --pam -s 28 out.addnoise
run centre.otsu     centre --background otsu --round --compress out.addnoise
for m in gaussian median bilateral nlm; do
	run denoise.$m denoise -M $m out.centre
done
run project1d       project1d --length 32 out.centre
run project1d.angle project1d -a 30 out.centre
run recmeta         recmeta --shape out.centre
run rectile         rectile -c 10 out.centre
recsplit -p 'r%02d.pgm' --list out.centre.pam > split.list
cat split.list r*.pgm > split.all
sum recsplit split.all

# training: each method, tiny
NET='conv 8 3; relu; maxpool 2; conv 8 3; relu; maxpool 2; flatten; dense OUT'
TRAIN="train -q -e 2 -b 16 -l 3e-3 --net"
for t in 1 2; do
	$TRAIN "$NET" -t $t -K 6 -o siamese.t$t.model out.centre
	sum model.siamese.t$t siamese.t$t.model
done
$TRAIN "$NET" -t 2 -K 6 -o mix.model out.centre.mix
sum model.siamese.mix mix.model
$TRAIN "$NET" -t 2 -M oracle -k 4 -o oracle.model out.centre
sum model.oracle oracle.model
$TRAIN "$NET" -t 2 -M generate -k 4 -o gen.model out.centre
sum model.generate.free gen.model
$TRAIN "$NET" -t 2 -M generate -k 4 --renderer template -o tgen.model out.centre
sum model.generate.template tgen.model
$TRAIN "$NET" -t 2 -M generate -K 4 --loss poisson -o pgen.model out.centre
sum model.generate.poisson pgen.model
NET1D='conv 8 5; relu; maxpool 2; flatten; dense OUT'
$TRAIN "$NET1D" -t 2 -K 6 -o p1d.model out.project1d
sum model.siamese.1d p1d.model
$TRAIN "$NET1D" -t 2 -M generate -k 4 -o g1d.model out.project1d
sum model.generate.1d g1d.model
$TRAIN "$NET" -t 2 -K 6 -e 1 --log ck.log -o ck.model out.centre
$TRAIN "$NET" -t 2 -K 6 -e 2 --resume --log ck.log -o ck.model out.centre
sum model.resume ck.model

# calibrate, predict, evaluate, decode
shapegen -n 1 -s 32 -r 10 -j 0 -k 4 --theta 0 | centre > ref.strt
for k in 3 4 5 6; do shapegen -n 1 -s 32 -r 10 -j 0 -k $k --theta 0; done | centre > refmix.strt
cp siamese.t2.model cal.model
calibrate -m cal.model ref.strt 2> cal.err
sum calibrate cal.model
sum calibrate.msg cal.err
cp mix.model calmix.model
calibrate -m calmix.model -k true --tta 1 refmix.strt 2> /dev/null
sum calibrate.mix calmix.model
cp tgen.model caltgen.model
calibrate -m caltgen.model ref.strt 2> /dev/null
sum calibrate.generate caltgen.model
shapegen -n 30 -s 32 -r 9:12 -j 2 -k 4 --seed 21 | addnoise -D 100 --seed 22 | centre > test.strt
run predict         predict -t 2 -m cal.model test.strt
run predict.tta1    predict -t 2 -m cal.model --tta 1 test.strt
run predict.pairs   predict -t 2 -m cal.model out.centre
run predict.single  predict -t 2 -m cal.model -1 out.centre
run predict.mix     predict -t 2 -m calmix.model out.centre.mix
run predict.oracle  predict -t 2 -m oracle.model -k true test.strt
run predict.gen     predict -t 2 -m caltgen.model test.strt
run predict.1d      predict -t 2 -m p1d.model out.project1d
run predict.harm    predict -M harmonic -k true test.strt
run predict.harmdet predict -M harmonic --kmin 3 --kmax 8 out.centre.mix
run predict.info    predict -m cal.model --info
run evaluate        evaluate out.predict
run evaluate.mix    evaluate out.predict.mix
run evaluate.1d     evaluate out.predict.1d
run evaluate.harm   evaluate -H out.predict.harm
run decode          decode -m gen.model -a 0:60 -n 4
run decode.template decode -m tgen.model -T
run decode.input    decode -m tgen.model -i --compare out.centre

# a few failures: their messages are behaviour too
printf 'garbage' > bad.strt
err err.centre      centre bad.strt
err err.train.net   train -q -o x.model --net 'conv 4' out.centre
err err.predict     predict -m bad.strt test.strt
err err.shapegen    shapegen -k 2
err err.evaluate    evaluate bad.strt
