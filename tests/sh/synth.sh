#!/bin/sh
# The programs that make images: shapegen, stereopair, addnoise.  Golden checksums under fixed
# seeds, reproducibility and batching, the angle convention through the programs, exact view B,
# --join for real images, stock Netpbm tools on the output, and bad options / bad input (one
# message, exit 1, no stdout).
set -e
cd "$TMP"
. "$SHLIB"

# pixels PAMFILE CHANNEL: the channel's samples, one per line, row by row (no header)
pixels() {
	pamchannel -infile "$1" -tupletype GRAYSCALE "$2" | pamtopnm -plain | tail -n +4 |
		tr -s ' \n' '\n\n' | grep -v '^$'
}
# px PAMFILE CHANNEL ROW COL: one sample of a 64-wide image
px() { pixels "$1" "$2" | sed -n "$(($3 * 64 + $4 + 1))p"; }

check_help_version shapegen stereopair addnoise

# --- golden checksums (fixed seeds; change only with a deliberate format or model change) ---
[ "$(shapegen -n 5 --seed 1 | cksum)" = "3435725289 82793" ] || fail "shapegen golden: $(shapegen -n 5 --seed 1 | cksum)"
g=$(shapegen -n 5 --seed 1 | stereopair -d 30 --drift 1 --seed 2 |
	addnoise -D 5:500 --jitter 0.3 --seed 3 | cksum)
[ "$g" = "124550388 165568" ] || fail "pipeline golden: $g"

# --- same seed, same bytes; another seed, other bytes; batching does not matter ---
shapegen -n 6 --seed 7 > a.strt
shapegen -n 6 --seed 7 | cmp -s - a.strt || fail "shapegen not reproducible"
shapegen -n 6 --seed 8 | cmp -s - a.strt && fail "shapegen ignores --seed"
{ shapegen -n 2 --seed 7; shapegen -n 4 --start 3 --seed 7; } | cmp -s - a.strt || fail "--start"
shapegen -n 2 --seed 7 > p1.strt
shapegen -n 4 --start 3 --seed 7 > p2.strt
addnoise --seed 4 a.strt > n.strt
addnoise --seed 4 p1.strt p2.strt | cmp -s - n.strt || fail "addnoise depends on batching"
addnoise --seed 4 < a.strt | cmp -s - n.strt || fail "addnoise stdin vs file"
addnoise --seed 5 a.strt | cmp -s - n.strt && fail "addnoise ignores --seed"
stereopair -d 10:20 --drift 0.5 --seed 3 p1.strt p2.strt > s1.strt
stereopair -d 10:20 --drift 0.5 --seed 3 < a.strt | cmp -s - s1.strt || fail "stereopair batching"

# --- metadata: everything needed to re-render, kept through the pipeline ---
shapegen -n 3 --seed 2 | recmeta > m0.tsv
[ "$(head -1 m0.tsv)" = "$(printf 'id\tshape\tk\tradius\tcx\tcy\ttheta\tintensity')" ] || fail "keys: $(head -1 m0.tsv)"
[ "$(sed -n 2p m0.tsv | cut -f1)" = "s2-1" ] || fail "id"
shapegen -n 3 --seed 2 | stereopair -d 15 | addnoise | recmeta --shape > m1.tsv
[ "$(head -1 m1.tsv)" = "$(printf 'layout\tviews\theight\twidth\tid\tshape\tk\tradius\tcx\tcy\ttheta\tintensity\toffset\tb.dx\tb.dy\tnoise.blur\tnoise.background\tnoise.dose\tnoise.read\tnoise.jitter')" ] ||
	fail "pipeline keys: $(head -1 m1.tsv)"
[ "$(cut -f5-12 m1.tsv | tail -n +2)" = "$(tail -n +2 m0.tsv)" ] || fail "shape metadata changed in the pipeline"
awk -F'\t' 'NR > 1 && ($2 != 2 || $13 != 15 || $14 != 0 || $18 != 20) { exit 1 }' m1.tsv || fail "pair/noise keys"

# defaults: k in 3..6, radius 12..22, centre within +-8 px, theta in [0, 360/k)
shapegen -n 200 | recmeta -H --keys k,radius,cx,cy,theta |
	awk -F'\t' '$1 < 3 || $1 > 6 || $2 < 12 || $2 > 22 || $3 < 24 || $3 > 40 || $4 < 24 || $4 > 40 ||
	            $5 < 0 || $5 >= 360 / $1 { bad = 1 } END { exit bad }' || fail "default ranges"
shapegen -n 50 -k 3,5,8 | recmeta -H --keys k | sort -u | tr '\n' ' ' | grep -qx '3 5 8 ' || fail "--sides list"

# --- stock tools read the output ---
shapegen -n 2 --pam > two.pam
pamfile -allimages two.pam | grep -c 'PAM, 64 by 64 by 1' | grep -qx 2 || fail "pamfile"
shapegen -n 1 -s 40x30 --pam | pamfile | grep -q 'PAM, 40 by 30 by 1' || fail "--size WxH"
shapegen -n 1 | stereopair -d 5 --pam | pamfile | grep -q '64 by 64 by 2' || fail "pair depth"
shapegen -n 1 --disc --pam | pamtopng > disc.png
[ -s disc.png ] || fail "pamtopng"

# --- the angle convention through the programs: a triangle at theta 90 points up ---
shapegen -n 1 -k 3 --theta 90 --cx 32 --cy 32 -r 20 --pam > up.pam
# row 14 (just below the top vertex at y = 12) is lit at the centre column, row 50 is dark
[ "$(px up.pam 0 14 31)" -gt 30000 ] || fail "top vertex: $(px up.pam 0 14 31)"
[ "$(px up.pam 0 41 31)" -eq 65535 ] || fail "inside the bottom edge"
[ "$(px up.pam 0 50 31)" -eq 0 ] || fail "beyond the bottom edge"
[ "$(px up.pam 0 20 20)" -eq 0 ] || fail "left of the top vertex"
# rotating by 360/k renders the same image
shapegen -n 1 -k 5 --theta 10 -r 17 --cx 31.3 --cy 33.1 --pam > p10.pam
shapegen -n 1 -k 5 --theta 82 -r 17 --cx 31.3 --cy 33.1 --pam > p82.pam
[ "$(pixels p10.pam 0 | cksum)" = "$(pixels p82.pam 0 | cksum)" ] || fail "rotation by 360/k"

# --- stereopair: view B is a fresh rendering at theta + offset, view A unchanged ---
shapegen -n 1 -k 5 --theta 10 -r 17 --cx 31.3 --cy 33.1 | stereopair -d 25 --pam > pair.pam
shapegen -n 1 -k 5 --theta 35 -r 17 --cx 31.3 --cy 33.1 --pam > p35.pam
[ "$(pixels pair.pam 1 | cksum)" = "$(pixels p35.pam 0 | cksum)" ] || fail "view B is not the render at theta+offset"
[ "$(pixels pair.pam 0 | cksum)" = "$(pixels p10.pam 0 | cksum)" ] || fail "view A changed"
# drift moves B's centre by (b.dx, b.dy)
shapegen -n 1 -k 4 --theta 0 -r 15 --cx 32 --cy 32 | stereopair -d 0 --drift 2 --seed 9 > dr.strt
dx=$(recmeta -H --keys b.dx dr.strt); dy=$(recmeta -H --keys b.dy dr.strt)
awk -v a="$dx" -v b="$dy" 'BEGIN { exit !(a != 0 && b != 0 && a >= -2 && a <= 2 && b >= -2 && b <= 2) }' || fail "drift $dx $dy"
stereopair -d 0 --pam < dr.strt 2> /dev/null && fail "a pair accepted as stereopair input"
recsplit -p 'dr%d.pam' dr.strt
shapegen -n 1 -k 4 --theta 0 -r 15 --cx "$(awk -v d="$dx" 'BEGIN { printf "%.17g", 32 + d }')" \
	--cy "$(awk -v d="$dy" 'BEGIN { printf "%.17g", 32 + d }')" --pam > drb.pam
[ "$(pixels dr1.pam 1 | cksum)" = "$(pixels drb.pam 0 | cksum)" ] || fail "drifted view B"

# --- stereopair --join: real images in, pairs out ---
pgmramp -lr 64 64 > ra.pgm
pgmramp -tb 64 64 > rb.pgm
cat ra.pgm ra.pgm > ra2.pgm
stereopair --join rb.pgm -d 12 ra.pgm --pam > joined.pam
pamfile joined.pam | grep -q '64 by 64 by 2 maxval 255' || fail "join: $(pamfile joined.pam)"
[ "$(pixels joined.pam 1 | cksum)" = "$(pixels rb.pgm 0 | cksum)" ] || fail "join view B"
[ "$(recmeta -H --keys offset,b.id joined.pam)" = "$(printf '12\trb.pgm:1')" ] || fail "join keys"
# a count mismatch shows only at the end of the shorter input: the pairs made so far stay
# valid, then one message and exit 1
if stereopair --join rb.pgm -d 12 ra2.pgm > j.strt 2> err.txt; then fail "join: B shorter accepted"; fi
[ "$(wc -l < err.txt)" -eq 1 ] && grep -q 'same number' err.txt || fail "join: B shorter: $(cat err.txt)"
[ "$(recmeta -H --keys offset j.strt)" = 12 ] || fail "join: B shorter: the first pair"
if stereopair --join ra2.pgm -d 12 ra.pgm > j.strt 2> err.txt; then fail "join: B longer accepted"; fi
[ "$(wc -l < err.txt)" -eq 1 ] && grep -q 'more records' err.txt || fail "join: B longer: $(cat err.txt)"
pgmmake 0.5 32 32 > small.pgm
expect_fail "join: sizes differ" stereopair --join small.pgm -d 12 ra.pgm
expect_fail "join: offset range" stereopair --join rb.pgm -d 1:5 ra.pgm
expect_fail "join: B missing" stereopair --join nosuch.pgm -d 5 ra.pgm

# --- stereopair refuses what it cannot render ---
expect_fail "no shape metadata" stereopair -d 10 ra.pgm
grep -q -- '--join' err.txt || fail "no hint towards --join"
shapegen -n 2 | addnoise > noisy.strt
expect_fail "noisy input" stereopair -d 10 noisy.strt
grep -q 'addnoise' err.txt || fail "no hint to run addnoise after stereopair"
expect_fail "no offset" stereopair ra.pgm

# --- addnoise: counts, switches, ranges ---
shapegen -n 1 --theta 0 -k 4 -r 16 --cx 32 --cy 32 > sq.strt
# --clean changes no sample
addnoise --clean --pam sq.strt > c.pam
shapegen -n 1 --theta 0 -k 4 -r 16 --cx 32 --cy 32 --pam > sq.pam
[ "$(pixels c.pam 0 | cksum)" = "$(pixels sq.pam 0 | cksum)" ] || fail "--clean changed the image"
# Poisson only: integer counts, written exactly (maxval 65535: no scaling comment)
addnoise --clean -D 1000 --pam sq.strt > d.pam
grep -aq 'pam.scale' d.pam && fail "counts are not integers"
total=$(pixels d.pam 0 | awk '{ s += $1 } END { printf "%.0f", s }')
# the square (side 16 sqrt 2, area 512 px^2) holds dose * area counts: 512000 +- 5 sd
awk -v t="$total" 'BEGIN { exit !(t > 512000 - 3600 && t < 512000 + 3600) }' || fail "dose total $total"
addnoise -D 10:1000 -g 0:0.1 --blur 1:3 --read 0:2 --jitter 0:0.5 a.strt | recmeta -H --keys noise.dose,noise.background,noise.blur,noise.read,noise.jitter |
	awk -F'\t' '$1 < 10 || $1 > 1000 || $2 > 0.1 || $3 < 1 || $3 > 3 || $4 > 2 || $5 > 0.5 { bad = 1 } END { exit bad }' || fail "drawn ranges"

# --- bad options: message, exit 1, no output ---
expect_fail "-n -1" shapegen -n -1
expect_fail "--sides 2" shapegen --sides 2
expect_fail "--sides 6:3" shapegen --sides 6:3
expect_fail "--sides 3,x" shapegen --sides 3,x
expect_fail "--size 0" shapegen --size 0
expect_fail "--size 0x5" shapegen --size 0x5
expect_fail "--size 60000x60000" shapegen --size 60000x60000
expect_fail "--radius 22:12" shapegen --radius 22:12
expect_fail "--radius 0" shapegen --radius 0
expect_fail "--disc --sides" shapegen --disc --sides 4
expect_fail "--theta abc" shapegen --theta abc
expect_fail "--seed -3" shapegen --seed -3
expect_fail "shapegen file" shapegen a.strt
expect_fail "--offset 5:1" stereopair -d 5:1 a.strt
expect_fail "--drift -1" stereopair -d 5 --drift -1 a.strt
expect_fail "--dose -1" addnoise --dose -1 a.strt
expect_fail "--dose 500:5" addnoise --dose 500:5 a.strt
expect_fail "--blur x" addnoise --blur x a.strt
expect_fail "--jitter 1:0" addnoise --jitter 1:0 a.strt
pgmmake 0 8 8 > zero.pgm
expect_fail "empty image, no level" addnoise zero.pgm
# truncated input: records before the damage are written, then one message and exit 1
head -c 20000 a.strt > trunc.strt
if addnoise trunc.strt > t.out 2> t.err; then fail "truncated input accepted"; fi
[ "$(wc -l < t.err)" -eq 1 ] || fail "truncated: one message"
echo "all synth tests passed"
