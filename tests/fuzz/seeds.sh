#!/bin/sh
# seeds.sh BIN OUT: makes the fuzzers' seed corpora with stemrot's own programs (and stock
# Netpbm tools), so the seeds are what the readers really see and nothing binary is kept in
# the tree.  OUT/record, OUT/meta, OUT/model, OUT/spec, OUT/tsv; about 10 s.
set -e
BIN=$1
OUT=$2
TOP=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$BIN:$PATH"
rm -rf "$OUT"
mkdir -p "$OUT/record" "$OUT/meta" "$OUT/model" "$OUT/spec" "$OUT/tsv"
OUT=$(cd "$OUT" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# records: tensor (plain and compressed), PAM of pairs, PGM, 1D profiles, stock Netpbm images
shapegen -n 6 -s 12 -k 4 --seed 1 | stereopair -d 10:30 --seed 2 > pairs.strt
addnoise -D 50 --seed 3 pairs.strt | centre --compress > noisy.strt
project1d pairs.strt > profiles.strt
n=0
for f in pairs.strt noisy.strt profiles.strt; do
	recsplit -p "r%d.pam" "$f"
	for p in r*.pam; do n=$((n + 1)); mv "$p" "$OUT/record/pam$n"; done
done
recsplit -p "g%d.pgm" pairs.strt
for p in g*.pgm; do n=$((n + 1)); mv "$p" "$OUT/record/pgm$n"; done
head -c 100000 noisy.strt > "$OUT/record/strt-noisy"
head -c 100000 profiles.strt > "$OUT/record/strt-profiles"
shapegen -n 1 -s 8 --seed 4 > "$OUT/record/strt-one"
shapegen -n 1 -s 8 --seed 4 --compress > "$OUT/record/strt-z"
pgmramp -lr 8 3 > "$OUT/record/ramp.pgm"
pgmramp -lr 8 3 | pnmtoplainpnm > "$OUT/record/plain.pgm"
ppmmake rgb:ff/80/00 3 2 > "$OUT/record/c.ppm"
pbmmake -g 9 2 > "$OUT/record/g.pbm"
pgmramp -lr 8 3 | pamtopam > "$OUT/record/ramp.pam"
cat "$OUT/record/ramp.pgm" "$OUT/record/strt-one" "$OUT/record/c.ppm" > "$OUT/record/mixed"

# the microscope formats of the reader table (MRC, DM3/DM4, TIFF, SER, EMD): stemrot writes
# none of them, so their seeds are the heads of the real files in ../shared/realformats (or
# $STEMROT_REALFORMATS), when that folder is there
REAL=${STEMROT_REALFORMATS:-$TOP/../shared/realformats}
if [ -d "$REAL" ]; then
	find "$REAL" -type f -size -2048k \( -name '*.mrc' -o -name '*.dm3' -o -name '*.dm4' \
		-o -name '*.tif' -o -name '*.tiff' -o -name '*.ser' -o -name '*.emd' \) | sort |
	while read -r f; do
		n=$((n + 1))
		head -c 65536 "$f" > "$OUT/record/real$n-$(basename "$f")"
	done
fi

# metadata blocks: each record's keys as recmeta prints them, turned back into key=value text
recmeta noisy.strt profiles.strt | awk -F'\t' -v out="$OUT/meta" '
	NR == 1 { for (i = 1; i <= NF; i++) key[i] = $i; next }
	{ f = out "/m" NR; for (i = 1; i <= NF; i++) if ($i != "") print key[i] "=" $i > f; close(f) }'

# network specs (the first four bytes choose the input shape and output count for the harness)
i=0
spec() { i=$((i + 1)); { printf "$1"; printf '%s' "$2"; } > "$OUT/spec/s$i"; }
spec '\003\037\037\004' 'conv 64 3; relu; maxpool 2; dropout 0.1; conv 32 3; relu; maxpool 2; dropout 0.1; conv 16 3; relu; maxpool 2; dropout 0.1; flatten; dense OUT'
spec '\001\200\077\002' 'conv 64 9; relu; maxpool 2; dropout 0.1; conv 32 9; relu; maxpool 2; flatten; dense OUT'
spec '\002\017\017\003' 'conv 8 3 same; gelu; avgpool 2; convt 4 2 stride 2; silu; upsample 2 bilinear; gpool; dense OUT'
spec '\001\007\007\010' 'conv1d 4 3; tanh'
spec '\001\017\017\002' 'flatten; dense 16; sigmoid; dense OUT; reshape 2 1 1'
spec '\002\013\013\001' 'conv 4 3 stride 2 valid # comment
maxpool 3 stride 1
upsample 3 nearest; dense OUT'

# a model (trained briefly) and predict's table from it, with and without truth columns
shapegen -n 32 -s 16 -k 4 --seed 5 | stereopair -d 10:30 --seed 6 > train.strt
train -q -t 1 -e 1 -b 8 --net 'conv 4 3; relu; maxpool 2; flatten; dense OUT' -k 4 \
	-o "$OUT/model/m1" train.strt
train -q -t 1 -e 1 -b 8 --net 'conv 4 3; relu; maxpool 2; flatten; dense OUT' -k 4 \
	-o m2.model --stop-after 1 -e 2 train.strt
cp m2.model.ckpt "$OUT/model/ckpt"
shapegen -n 6 -s 16 -k 4 --seed 7 | stereopair -d 10:30 --seed 8 > test.strt
predict -m "$OUT/model/m1" test.strt > "$OUT/tsv/t1"
predict -M harmonic pairs.strt > "$OUT/tsv/t2" 2>/dev/null
project1d pairs.strt | predict -M harmonic -k 4 > "$OUT/tsv/t3" 2>/dev/null
