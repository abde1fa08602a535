#!/bin/sh
# train over MPI (make MPI=1; lib/learn/ranks.h) on tiny data: one rank is the plain build,
# two ranks give the same bytes twice and the same predictions as one process to rounding,
# rank 0 alone prints and logs, --resume under MPI continues bit-identically, and a rank that
# dies fails the run with a message while the last checkpoint stays valid.  Run by
# `make check-mpi` with $MPIBIN (the MPI build's programs) beside $BIN (the plain build's).
set -e
cd "$TMP"
. "$SHLIB"
MPITRAIN="$MPIBIN/train"
[ -x "$MPITRAIN" ] || fail "no MPI build of train in $MPIBIN"
# as root on 2 cores (CI): --allow-run-as-root, --oversubscribe
MPIRUN="mpirun --allow-run-as-root --oversubscribe"

NET='conv 8 3; relu; maxpool 2; conv 8 3; relu; maxpool 2; flatten; dense OUT'
shapegen -n 100 -s 32 -r 8:12 -j 2 -k 4 --seed 1 | stereopair -d 5:40 --seed 2 |
	addnoise -D 50:200 --seed 3 | centre > pairs.strt
shapegen -n 30 -s 32 -r 9:12 -j 2 -k 4 --seed 21 | addnoise -D 100 --seed 22 | centre > test.strt
OPTS="-e 3 -b 16 -l 3e-3 -t 1 -K 6"

# 1. one rank under mpirun is the plain build, byte for byte
train -q $OPTS --net "$NET" -o plain.model pairs.strt
$MPIRUN -np 1 "$MPITRAIN" -q $OPTS --net "$NET" -o one.model pairs.strt
cmp plain.model one.model || fail "1 rank differs from the plain build"
echo "ok 1 rank = plain build"

# 2. two ranks: the same bytes twice; rank 0 alone prints and logs
$MPIRUN -np 2 "$MPITRAIN" $OPTS --net "$NET" --log two.tsv -o two.model pairs.strt 2> two.err
$MPIRUN -np 2 "$MPITRAIN" -q $OPTS --net "$NET" -o two2.model pairs.strt
cmp two.model two2.model || fail "2 ranks: not the same bytes twice"
[ "$(grep -c '^epoch 1/3 ' two.err)" -eq 1 ] || { cat two.err; fail "epoch line not printed once"; }
[ "$(grep -c 'training and' two.err)" -eq 1 ] || fail "start line not printed once"
[ "$(wc -l < two.tsv)" -eq 4 ] || fail "log: want a header and 3 lines: $(cat two.tsv)"
echo "ok 2 ranks: same bytes twice, one set of progress lines, one log"

# 2b. each rank holds its shard of the training records and rank 0 the validation records;
#     a streamed rank reads every chunk and holds only the records it takes, and one chunk
#     of all the records shuffles as in memory: the same bytes, so moving the samples
#     between the ranks gives each global batch the samples it had before
$MPIRUN -np 2 "$MPITRAIN" -q $OPTS --net "$NET" --stream --chunk 1000 -o streamed.model pairs.strt
cmp two.model streamed.model || fail "2 ranks: sharded records differ from every rank reading all"
$MPIRUN -np 3 "$MPITRAIN" -q $OPTS --net "$NET" -o three.model pairs.strt
$MPIRUN -np 3 "$MPITRAIN" -q $OPTS --net "$NET" --stream --chunk 1000 -o three.s.model pairs.strt
cmp three.model three.s.model || fail "3 ranks: sharded records differ from every rank reading all"
echo "ok 2 and 3 ranks: sharded records give the bytes of every rank holding all of them"
# streamed in chunks of 40 (3 a pass): 2 ranks = 1 process to rounding
train -q $OPTS --net "$NET" --stream --chunk 40 -o c1.model pairs.strt
$MPIRUN -np 2 "$MPITRAIN" -q $OPTS --net "$NET" --stream --chunk 40 -o c2.model pairs.strt
predict -m c1.model test.strt > c1.tsv
predict -m c2.model test.strt > c2.tsv
paste c1.tsv c2.tsv | awk -F'\t' '
	NR == 1 { n = NF / 2; next }
	{ P = 360 / $3; d = ($2 - $(n + 2)) % P; if (d < 0) d += P; if (d > P / 2) d = P - d
	  if ($3 != $(n + 3)) bad = 1; if (d > m) m = d }
	END { exit (bad || m > 0.01) }' || fail "streamed: 2 ranks and 1 process disagree"
echo "ok streamed in chunks: 2 ranks = 1 process within 0.01 degrees"

# 2c. validation once, on rank 0, on the records of one process: the model's counts are
#     those of one process, its val.loss agrees to rounding (the weights differ in rounding)
for m in plain two three; do
	predict --info -m $m.model | grep -E '^(train\.records|train\.val_records|val\.loss|order)=' > $m.info
done
grep -q '^train.val_records=10$' plain.info || fail "want 10 validation records: $(cat plain.info)"
for m in two three; do
	grep -v val.loss $m.info | cmp -s - "$(grep -v val.loss plain.info > p.i; echo p.i)" ||
		fail "$m ranks: counts or order differ from one process: $(cat $m.info)"
	awk -F= 'FNR == NR && $1 == "val.loss" { a = $2 } FNR != NR && $1 == "val.loss" { b = $2 }
		END { d = a - b; if (d < 0) d = -d; exit !(a > 0 && d < 1e-4 * a) }' plain.info $m.info ||
		fail "$m ranks: val.loss $(grep val.loss $m.info) is not one process's $(grep val.loss plain.info)"
done
echo "ok validation on rank 0: the counts, order and val.loss of one process ($(grep val.loss two.info))"

# 2d. memory: each of 2 ranks holds half the training records.  600 pairs of 64x64 (540
#     training records, 17.7 MB as floats): each rank's peak RSS is at least 0.4 x 17.7 MB
#     below one process's (measured: 1000 such pairs, 1 rank 62 MB, 2 ranks 43 and 46 MB,
#     4 ranks 35, 35, 35 and 41 MB, rank 0 also holding the validation records)
if [ -x /usr/bin/time ]; then
	shapegen -n 600 -s 64 -r 12:20 -j 2 -k 4 --seed 1 | stereopair -d 5:40 --seed 2 |
		addnoise -D 100 --seed 3 | centre > big.strt
	TINY='conv 4 3; relu; maxpool 4; flatten; dense OUT'
	for how in memory stream; do
		[ $how = memory ] && S= || S="--stream --chunk 600"
		for np in 1 2; do
			$MPIRUN -np $np /usr/bin/time -a -o rss.$how.$np -f %M "$MPITRAIN" -q -e 1 -b 32 -t 1 \
				-K 6 $S --net "$TINY" -o big$np.model big.strt
		done
		awk -v one="$(cat rss.$how.1)" -v how=$how 'NR == 1 || $1 > m { m = $1 }
			END { printf "peak RSS (%s): 1 rank %d kB, 2 ranks at most %d kB\n", how, one, m
			      exit !(one - m > 0.4 * 540 * 2 * 64 * 64 * 4 / 1024) }' rss.$how.2 ||
			fail "$how: 2 ranks do not hold half the records each"
		echo "ok $how: 2 ranks hold half the training records each ($(cat rss.$how.1) kB;" \
			"$(sort -n rss.$how.2 | tr '\n' ' ')kB)"
	done
else
	echo "skip memory per rank: no /usr/bin/time (apt-get install time)"
fi

# 3. two ranks against one process: each rank's mean is taken first, so the sums differ in
#    rounding only; predictions agree within 0.01 degrees (measured: 2e-6 after 3 epochs)
predict -m plain.model test.strt > plain.tsv
predict -m two.model test.strt > two.tsv
paste plain.tsv two.tsv | awk -F'\t' '
	NR == 1 { n = NF / 2; next }
	{ P = 360 / $3; d = ($2 - $(n + 2)) % P; if (d < 0) d += P; if (d > P / 2) d = P - d
	  if ($3 != $(n + 3)) bad = 1; if (d > m) m = d }
	END { printf "max angle difference %.2g degrees\n", m; exit (bad || m > 0.01) }' ||
	fail "2 ranks and 1 process disagree"
echo "ok 2 ranks = 1 process within 0.01 degrees"

# 3a. method 2 with the order detected: the head each decoder input reads is drawn by its
#     position in the global batch, so two ranks draw what one process draws and agree with
#     it to rounding (they differed by whole degrees when each rank drew for its own inputs)
train -q -M generate $OPTS --net "$NET" -o g1.model pairs.strt
$MPIRUN -np 2 "$MPITRAIN" -q -M generate $OPTS --net "$NET" -o g2.model pairs.strt
for m in g1 g2; do
	predict --info -m $m.model | grep -E '^order(\.source)?=' > $m.order
	predict -m $m.model test.strt > $m.tsv
done
cmp g1.order g2.order || fail "method 2: the detected order differs on 2 ranks"
paste g1.tsv g2.tsv | awk -F'\t' '
	NR == 1 { n = NF / 2; next }
	{ P = 360 / $3; d = ($2 - $(n + 2)) % P; if (d < 0) d += P; if (d > P / 2) d = P - d
	  if ($3 != $(n + 3)) bad = 1; if (d > m) m = d }
	END { printf "method 2: max angle difference %.2g degrees\n", m; exit (bad || m > 0.01) }' ||
	fail "method 2: 2 ranks and 1 process disagree"
echo "ok method 2 with the order detected: 2 ranks = 1 process within 0.01 degrees"

# 3b. every rank must read the same records: other files on rank 1 are refused
shapegen -n 80 -s 32 -r 8:12 -j 2 -k 4 --seed 5 | stereopair -d 5:40 --seed 6 |
	addnoise -D 50:200 --seed 7 | centre > other.strt
if $MPIRUN -np 1 "$MPITRAIN" -q $OPTS --net "$NET" -o mixed.model pairs.strt : \
	-np 1 "$MPITRAIN" -q $OPTS --net "$NET" -o mixed.model other.strt 2> mixed.err; then
	fail "ranks reading different files were not refused"
fi
grep -q 'the ranks read different records' mixed.err || { cat mixed.err; fail "no message"; }
[ ! -e mixed.model ] || fail "a model from ranks reading different files"
echo "ok ranks reading different files: refused"

# 4. --resume under MPI: stopped after epoch 1, resumed, the same bytes as uninterrupted
$MPIRUN -np 2 "$MPITRAIN" -q $OPTS --net "$NET" --stop-after 1 -o res.model pairs.strt
[ -e res.model.ckpt ] && [ ! -e res.model ] || fail "stop-after: want a checkpoint, no model"
$MPIRUN -np 2 "$MPITRAIN" -q $OPTS --net "$NET" --resume -o res.model pairs.strt
cmp two.model res.model || fail "2 ranks: resumed run differs"
[ ! -e res.model.ckpt ] || fail "checkpoint left behind"
echo "ok 2 ranks: resume bit-identical"

# 5. a rank that dies: the run fails with a message, the checkpoint it leaves is valid and
#    resumes to the uninterrupted run's bytes.  Each rank writes its pid before it starts.
LONG="-e 30 -b 16 -l 3e-3 -t 1 -K 6"
$MPIRUN -np 2 "$MPITRAIN" -q $LONG --net "$NET" -o full.model pairs.strt
$MPIRUN -np 2 sh -c 'echo $$ > pid.${OMPI_COMM_WORLD_RANK:-$PMI_RANK}; exec "$0" "$@"' "$MPITRAIN" -q \
	$LONG --net "$NET" -o dead.model pairs.strt > dead.out 2> dead.err &
job=$!
i=0
until [ -s dead.model.ckpt ] && [ -s pid.1 ]; do
	i=$((i + 1)); [ $i -lt 600 ] || { kill $job; fail "no checkpoint after 60 s"; }
	sleep 0.1
done
kill -9 "$(cat pid.1)"
if wait $job; then fail "the run survived a dead rank"; fi
grep -q 'rank 1' dead.err || { cat dead.err; fail "no message naming the dead rank"; }
[ ! -e dead.model ] || fail "a model was written by a failed run"
$MPIRUN -np 2 "$MPITRAIN" -q $LONG --net "$NET" --resume -o dead.model pairs.strt
cmp full.model dead.model || fail "resumed after a dead rank: differs"
echo "ok a dead rank: the run fails ($(grep -m1 'rank 1' dead.err | cut -c1-80)...),"
echo "   its checkpoint resumes to the uninterrupted bytes"
