#!/bin/sh
# The recipes that spread prediction over hosts give the same TSV as one plain predict:
# pipelines/parallel-predict.sh (GNU parallel, here with the local login ":") over a
# directory and over a list, and pipelines/slurm-predict.sh as a job array of 3 tasks run by
# hand, joined back in order; a bad file fails the parallel run with predict's message, and a
# missing shard fails the join.
set -e
cd "$TMP"
. "$SHLIB"
top=$(cd "$(dirname "$SHLIB")/.." && pwd)

NET='conv 8 3; relu; maxpool 2; flatten; dense OUT'
shapegen -n 60 -s 32 -r 9:12 -j 2 -k 4 --seed 1 | stereopair -d 5:40 --seed 2 |
	addnoise -D 100 --seed 3 | centre > pairs.strt
train -q -t 1 -e 1 -b 16 -k 4 --net "$NET" -o m.model pairs.strt
mkdir mics
for i in 1 2 3 4 5; do
	shapegen -n 7 -s 32 -r 9:12 -j 2 -k 4 --seed $((10 + i)) | addnoise -D 100 --seed $i |
		centre > mics/m$i.strt
done
predict -t 1 -m m.model mics/m1.strt mics/m2.strt mics/m3.strt mics/m4.strt mics/m5.strt \
	> plain.tsv
[ "$(wc -l < plain.tsv)" -eq 36 ] || fail "plain predict: want a header and 35 rows"

# Slurm: tasks 0..2 of 3, then the join
ls mics/*.strt > list.txt
for t in 0 1 2; do
	SLURM_ARRAY_TASK_ID=$t SLURM_ARRAY_TASK_COUNT=3 sh "$top/pipelines/slurm-predict.sh" \
		m.model list.txt shards -t 1
done
sh "$top/pipelines/slurm-predict.sh" --join shards > slurm.tsv
cmp plain.tsv slurm.tsv || fail "the Slurm array's joined TSV differs from plain predict"
rm shards/000003.tsv
if sh "$top/pipelines/slurm-predict.sh" --join shards > /dev/null 2> join.err; then
	fail "join with a missing shard succeeded"
fi
grep -q '000003.tsv missing' join.err || fail "join: $(cat join.err)"
echo "ok slurm-predict.sh: 3 tasks joined = plain predict; a missing shard fails the join"

if ! command -v parallel > /dev/null 2>&1; then
	echo "skipped parallel-predict.sh: no GNU parallel (make deps installs it)"
	exit 0
fi
sh "$top/pipelines/parallel-predict.sh" m.model mics -- -t 1 > par.tsv
cmp plain.tsv par.tsv || fail "parallel over a directory differs from plain predict"
HOSTS=: JOBS=2 sh "$top/pipelines/parallel-predict.sh" m.model mics/m1.strt mics/m2.strt \
	mics/m3.strt mics/m4.strt mics/m5.strt -- -t 1 > par2.tsv
cmp plain.tsv par2.tsv || fail "parallel over a list differs from plain predict"
printf 'garbage' > mics/m6.strt
if sh "$top/pipelines/parallel-predict.sh" m.model mics -- -t 1 > bad.tsv 2> bad.err; then
	fail "parallel run with a bad file succeeded"
fi
grep -q '^predict: .*m6.strt' bad.err || fail "no message naming the bad file: $(cat bad.err)"
echo "ok parallel-predict.sh: directory and list = plain predict; a bad file fails the run"
