#!/bin/sh
# predict gathers records into batches for the network (learn/predictor.h,
# sr_predict_records): its rows must be the same bytes as predicting each record alone (one
# process per record: a batch of one), with and without test-time averaging, for pairs and
# single views, with the order told per record; and a bad record in the middle of a stream
# still comes out after the rows of the records before it, as record by record.
set -e
cd "$TMP"
. "$SHLIB"

NET='conv 8 5 stride 2; relu; conv 8 3 stride 2; relu; flatten; dense 32; relu; dense OUT'
shapegen -n 40 -s 32 -r 8:12 -j 2 -k 4 --seed 1 | stereopair -d 5:40 --seed 2 |
	addnoise -D 50:200 --seed 3 | centre > train.strt
train -q -t 2 -e 1 -b 16 -K 6 --net "$NET" -o m.model train.strt
# 37 records: pairs with an offset, then single views (a batch holds 16 pairs with --tta 8)
{
	shapegen -n 30 -s 32 -r 8:12 -j 2 -k 4 --seed 4 | stereopair -d 5:40 --seed 5
	shapegen -n 7 -s 32 -r 8:12 -j 2 -k 3 --seed 6
} | addnoise -D 100 --seed 7 | centre --pam > test.pam
recsplit -p 'r%03d.pam' test.pam
[ -s r037.pam ] && [ ! -e r038.pam ] || fail "recsplit: want 37 files"

for opts in "--tta 1" "--tta 4" "--tta 8" "--tta 8 -1" "--tta 8 -k true" "--tta 8 -t 1" "--tta 8 --fit"; do
	# shellcheck disable=SC2086 # the options are meant to split into words
	predict -H $opts -m m.model test.pam > all.tsv
	: > one.tsv
	for f in r0*.pam; do
		# shellcheck disable=SC2086
		predict -H $opts -m m.model "$f" >> one.tsv
	done
	[ "$(wc -l < all.tsv)" -eq 37 ] || fail "$opts: want 37 rows"
	cmp all.tsv one.tsv || fail "predict $opts: the batched rows differ from one by one"
	echo "ok predict $opts: batched = one by one"
done

# a 24x24 record after 20 good ones: their rows, then one message naming record 21
shapegen -n 1 -s 24 --seed 8 | centre --pam > small.pam
cat r00*.pam r01*.pam r020.pam small.pam r021.pam > bad.pam
predict -H --tta 8 -m m.model test.pam 2>/dev/null | head -n 20 > first20.tsv
if predict -H --tta 8 -m m.model bad.pam > bad.tsv 2> err.txt; then fail "bad record: exit 0"; fi
cmp first20.tsv bad.tsv || fail "bad record: want the 20 rows before it"
[ "$(wc -l < err.txt)" -eq 1 ] && grep -q '^predict: .*record 21' err.txt ||
	fail "bad record: $(cat err.txt)"
echo "ok bad record 21: 20 rows, then $(cat err.txt)"
