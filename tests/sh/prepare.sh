#!/bin/sh
# The preparation filters centre, denoise and project1d as programs: help/version, golden
# checksums on a fixed input made here with awk (independent of the synthetic generators),
# centring accuracy against the truth of synthetic pairs, pairs kept, metadata kept, 16-bit
# in -> 16-bit out, exact projections, real images when present, bad options and bad input.
set -e
cd "$TMP"
. "$SHLIB"

check_help_version centre denoise project1d

# --- a fixed 16-bit test image: a disc of radius 12 at (24.3, 40.7) on a background of 1000
# with a deterministic ripple; 4x4 supersampled coverage ---
mkimg() {  # mkimg W H CX CY > file.pgm
	awk -v W="$1" -v H="$2" -v CX="$3" -v CY="$4" 'BEGIN {
		printf "P2\n%d %d\n65535\n", W, H
		for (r = 0; r < H; r++) {
			for (c = 0; c < W; c++) {
				n = 0
				for (i = 0; i < 4; i++) for (j = 0; j < 4; j++) {
					x = c + (j + 0.5) / 4 - CX; y = r + (i + 0.5) / 4 - CY
					if (x * x + y * y <= 144) n++
				}
				printf "%d\n", 1000 + (r * 7 + c * 13) % 5 + int(20000 * n / 16 + 0.5)
			}
		}
	}'
}
mkimg 64 64 24.3 40.7 > disc.pgm
pamfile disc.pgm | grep -q 'PGM plain, 64 by 64  maxval 65535' || fail "test image: $(pamfile disc.pgm)"

# centre finds it: centroid = 32 - dx (the ripple is symmetric enough for 0.05 px)
centre disc.pgm > c.strt
recmeta -H --keys centre.dx,centre.dy,centre.background c.strt > c.tsv
awk '{ ex = 32 - $1 - 24.3; ey = 32 - $2 - 40.7
       if (ex * ex + ey * ey > 0.05 * 0.05) { print "centroid error " ex ", " ey; exit 1 }
       if ($3 < 1000 || $3 > 1004.01) { print "background " $3; exit 1 } }' c.tsv ||
	fail "centre on the fixed disc: $(cat c.tsv)"

# golden checksums: the same input gives the same bytes
golden() {  # golden NAME EXPECTED CMD...
	name=$1; want=$2; shift 2
	got=$("$@" | cksum | awk '{ print $1 " " $2 }')
	[ "$got" = "$want" ] || fail "$name: cksum $got, golden $want"
	echo "ok: golden $name"
}
golden "centre" "3669023984 16551" centre disc.pgm
golden "centre --size 48 --interp cubic" "587140378 9385" centre --size 48 --interp cubic disc.pgm
golden "denoise gaussian" "3282937391 16511" denoise disc.pgm
golden "denoise median" "3158489096 16510" denoise -M median -r 2 disc.pgm
golden "denoise bilateral" "1915512491 16529" denoise -M bilateral --range 50 disc.pgm
golden "denoise nlm" "3779459822 16550" denoise -M nlm disc.pgm
golden "project1d x" "1963961013 392" project1d --axis x disc.pgm
golden "project1d angle" "450107794 486" project1d -a 33 disc.pgm

# large images run the filters' rows on several threads: the bytes must not depend on it
pamenlarge 5 disc.pgm > big.pgm
for m in gaussian median bilateral nlm; do
	a=$(OMP_NUM_THREADS=1 denoise -M $m big.pgm | cksum)
	b=$(OMP_NUM_THREADS=2 denoise -M $m big.pgm | cksum)
	[ "$a" = "$b" ] || fail "denoise -M $m depends on the thread count"
done

# --- 16-bit in, 16-bit out; exact counts with -k --round ---
centre disc.pgm | denoise --pam > cd.pam
pamfile cd.pam | grep -q 'PAM, 64 by 64 by 1 maxval 65535' || fail "centre|denoise not 16-bit: $(pamfile cd.pam)"
grep -aq '^# pam.scale=' cd.pam || fail "float output should carry pam.scale"
centre --keep-background --round --pam disc.pgm > kr.pam
pamfile kr.pam | grep -q 'maxval 65535' || fail "-k --round not 16-bit"
if grep -aq '^# pam.scale=' kr.pam; then fail "-k --round output should be exact integers"; fi
# an integer shift of integer counts keeps the counts themselves
mkimg 64 64 30 34 > int.pgm
centre --keep-background --round --pam int.pgm > ir.pam
recmeta -H --keys centre.dx,centre.dy ir.pam | awk '{ if ($1 < 1.99 || $1 > 2.01 || $2 < -2.01 || $2 > -1.99) exit 1 }' ||
	fail "integer shift: $(recmeta ir.pam)"
a=$(pamtopnm -plain ir.pam | awk 'NR > 3 { for (i = 1; i <= NF; i++) if ($i > 10000) s += $i } END { print s }')
b=$(pnmtoplainpnm int.pgm | awk 'NR > 3 { for (i = 1; i <= NF; i++) if ($i > 10000) s += $i } END { print s }')
[ "$a" = "$b" ] || fail "particle counts changed by a 2-pixel shift: $a vs $b"

# --- projections are exact column / row sums ---
pnmtoplainpnm disc.pgm | awk 'NR > 3 { for (i = 1; i <= NF; i++) { v[n % 64] += $i; n++ } }
	END { for (c = 0; c < 64; c++) print v[c] }' > colsum.txt
# the sums exceed 65535: the PAM maps them with pam.offset/pam.scale, undone here
project1d --axis x --pam disc.pgm > px.pam
grep -aq '^# project.axis=x' px.pam || fail "project.axis missing"
grep -aq '^# project.angle=0' px.pam || fail "project.angle missing"
off=$(grep -a '^# pam.offset=' px.pam | cut -d= -f2)
scale=$(grep -a '^# pam.scale=' px.pam | cut -d= -f2)
pamtopnm -plain px.pam | awk 'NR > 3 { for (i = 1; i <= NF; i++) print $i }' |
	awk -v o="$off" -v s="$scale" '{ printf "%.0f\n", $1 * s + o }' > prof.txt
paste colsum.txt prof.txt | awk -v s="$scale" '{ d = $1 - $2; if (d < 0) d = -d; if (d > s) { print NR ": " $0; exit 1 } }' ||
	fail "project1d --axis x is not the column sums"
# axis y = angle 270 = row sums; the profile's total is the image's at any angle
[ "$(project1d --axis y --pam disc.pgm | pamtopnm -plain | cksum)" = \
  "$(project1d -a 270 --length 64 --pam disc.pgm | pamtopnm -plain | cksum)" ] || fail "-a y is not -A 270 -l 64"
[ "$(project1d --axis y --pam disc.pgm | pamtopnm -plain | cksum)" != \
  "$(project1d -a 90 --length 64 --pam disc.pgm | pamtopnm -plain | cksum)" ] || fail "-A 90 should reverse -a y"
for a in 0 17 45 90 200 333; do
	project1d -a $a --pam disc.pgm > pa.pam
	o=$(grep -a '^# pam.offset=' pa.pam | cut -d= -f2); s=$(grep -a '^# pam.scale=' pa.pam | cut -d= -f2)
	pamtopnm -plain pa.pam | awk -v o="$o" -v s="$s" 'NR > 3 { for (i = 1; i <= NF; i++) t += $i * s + o }
		END { printf "%.0f\n", t / 1000 }'
done | sort -u > totals.txt
[ "$(wc -l < totals.txt)" -eq 1 ] || fail "profile totals differ with the angle: $(cat totals.txt)"
project1d -a 270 --length 64 disc.pgm | recmeta -H --keys project.angle,project.length | grep -qx "$(printf '270\t64')" ||
	fail "project1d -a 270 metadata"

# --- several angles: row j of a view is the profile at angle j, exactly ---
plain_rows() { pamtopnm -plain | awk 'NR > 3 { for (i = 1; i <= NF; i++) print $i }'; }
project1d --angles 0,15,-100 --length 80 --pam --pam-map 0:10 disc.pgm > pm.pam
recmeta -H --shape --keys project.angle,project.angles,project.length pm.pam |
	grep -qx "$(printf 'profile\t1\t3\t80\t0\t0,15,-100\t80')" || fail "project1d --angles shape or keys"
for a in 0 15 -100; do project1d -a $a --length 80 --pam --pam-map 0:10 disc.pgm | plain_rows; done > each.txt
plain_rows < pm.pam | cmp -s - each.txt || fail "project1d --angles rows differ from project1d -a"
# denoise filters each profile on its own, as it filters one
project1d --angles 0,15 --length 80 disc.pgm | denoise --sigma 2 --pam --pam-map 0:10 | plain_rows > dn2.txt
for a in 0 15; do project1d -a $a --length 80 disc.pgm | denoise --sigma 2 --pam --pam-map 0:10 | plain_rows; done |
	cmp -s - dn2.txt || fail "denoise mixes the profiles of a view"
expect_fail "project1d --angles one" project1d --angles 10 disc.pgm
expect_fail "project1d --angles empty item" project1d --angles 0,,10 disc.pgm
expect_fail "project1d --angles 17" project1d --angles 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 disc.pgm
expect_fail "project1d --angles with --angle" project1d --angles 0,10 --angle 3 disc.pgm

# --- synthetic pairs: centring accuracy against the truth, pairs kept, metadata kept ---
if [ -x "$BIN/shapegen" ] && [ -x "$BIN/stereopair" ] && [ -x "$BIN/addnoise" ]; then
	shapegen -n 40 --seed 5 | stereopair --offset 20 --drift 3 --seed 6 |
		addnoise --dose 40 --seed 7 > pairs.strt
	centre pairs.strt > pc.strt
	recmeta -H --shape --keys cx,cy,b.dx,b.dy,centre.dx,centre.dy,centre.b.dx,centre.b.dy pc.strt > pc.tsv
	awk '{ if ($1 != "image" || $2 != 2) { print "not a pair: " $0; exit 1 }
	       ea = ($5 + $9 - 32) ^ 2 + ($6 + $10 - 32) ^ 2
	       eb = ($5 + $7 + $11 - 32) ^ 2 + ($6 + $8 + $12 - 32) ^ 2
	       s += ea + eb; n += 2; if (ea > 0.6 ^ 2 || eb > 0.6 ^ 2) { print "record " NR ": " ea " " eb; exit 1 } }
	     END { rms = sqrt(s / n); print "centre rms error at dose 40: " rms " px"; if (rms > 0.2) exit 1 }' pc.tsv ||
		fail "centring of synthetic pairs"
	# denoise and project1d keep pairs paired and the metadata of record 17
	centre pairs.strt | denoise -M bilateral | project1d -a 30 > pp.strt
	recmeta -H --shape --keys id pp.strt | cut -f1-4 | sort -u > shapes.txt
	[ "$(cat shapes.txt)" = "$(printf 'profile\t2\t1\t91')" ] || fail "shapes: $(cat shapes.txt)"
	keys=id,shape,k,radius,cx,cy,theta,offset,b.dx,b.dy,noise.dose
	[ "$(recmeta -H --keys $keys pairs.strt | sed -n 17p)" = "$(recmeta -H --keys $keys pp.strt | sed -n 17p)" ] ||
		fail "record 17's metadata changed"
	recmeta -H --keys denoise.method,project.angle pp.strt | sort -u | grep -qx "$(printf 'bilateral\t30')" ||
		fail "denoise/project metadata"
	[ "$(recmeta -H --keys id pp.strt | wc -l)" -eq 40 ] || fail "record count"
	# the same seed, the same bytes, twice
	[ "$(centre pairs.strt | denoise -M nlm | cksum)" = "$(centre pairs.strt | denoise -M nlm | cksum)" ] ||
		fail "not reproducible"
else
	echo "skip: synthetic pipeline (shapegen/stereopair/addnoise not built)"
fi

# --- real 16-bit images, when present ---
REAL=${REALDATA:-/work/shared/realdata}
if [ -f "$REAL/ptir-np-haadf.pgm" ]; then
	centre --pam "$REAL/ptir-np-haadf.pgm" > ptir.pam
	pamfile ptir.pam | grep -q 'PAM, 512 by 512 by 1 maxval 65535' || fail "ptir: $(pamfile ptir.pam)"
	# the particle sits up and to the left: it moves right and down by tens of pixels
	recmeta -H --keys centre.dx,centre.dy ptir.pam | awk '{ if ($1 < 30 || $1 > 90 || $2 < 60 || $2 > 120) exit 1 }' ||
		fail "ptir shift: $(recmeta --keys centre.dx,centre.dy ptir.pam)"
	# centring again finds it at the centre (within a pixel: atomic columns, edge effects)
	centre ptir.pam | recmeta -H --keys centre.dx,centre.dy | awk '{ if ($1 * $1 + $2 * $2 > 1) exit 1 }' ||
		fail "ptir not centred on a second pass"
	centre --size 256 "$REAL/ptir-np-haadf.pgm" | denoise -M median --pam | pamfile | grep -q '256 by 256 by 1 maxval 65535' ||
		fail "ptir --size 256"
	echo "ok: ptir $(recmeta -H --keys centre.dx,centre.dy,centre.background ptir.pam)"
else
	echo "skip: real data not present"
fi
if [ -f "$REAL/au-np-haadf.pgm" ]; then
	centre "$REAL/au-np-haadf.pgm" | denoise --pam > au.pam
	pamfile au.pam | grep -q 'PAM, 504 by 479 by 1 maxval 65535' || fail "au: $(pamfile au.pam)"
	echo "ok: au $(recmeta -H --keys centre.dx,centre.dy,centre.background au.pam)"
fi

# --- bad options: one message, exit 1, no output ---
expect_fail "centre --size 0" centre --size 0 disc.pgm
expect_fail "centre --size 5x" centre --size 5x disc.pgm
expect_fail "centre --interp" centre --interp fourier disc.pgm
expect_fail "centre --background" centre --background mode disc.pgm
expect_fail "centre --threshold" centre --threshold 2 disc.pgm
expect_fail "centre --bogus" centre --bogus disc.pgm
expect_fail "centre -s" centre disc.pgm -s
expect_fail "denoise --method" denoise --method wiener disc.pgm
expect_fail "denoise --sigma" denoise --sigma -1 disc.pgm
expect_fail "denoise --radius" denoise --radius 99 disc.pgm
expect_fail "denoise --h" denoise -M nlm --h 0 disc.pgm
expect_fail "denoise bilateral sigma 0" denoise -M bilateral --sigma 0 disc.pgm
expect_fail "project1d --axis" project1d --axis z disc.pgm
expect_fail "project1d --angle" project1d --angle abc disc.pgm
expect_fail "project1d --length" project1d --length 0 disc.pgm
expect_fail "project1d axis+angle" project1d --axis x --angle 3 disc.pgm

# --- bad input ---
expect_fail "centre missing file" centre nosuchfile.pgm
printf 'P5\n64 64\n65535\n' > trunc.pgm
expect_fail "centre truncated PGM" centre trunc.pgm
project1d disc.pgm > prof.strt
expect_fail "centre on a profile" centre prof.strt
expect_fail "project1d on a profile" project1d prof.strt
# a good record then a truncated one: the first is written whole, then one message
cat disc.pgm trunc.pgm > two.pgm
if centre two.pgm > part.strt 2> err.txt; then fail "truncated second record accepted"; fi
[ "$(wc -l < err.txt)" -eq 1 ] || fail "truncated second record: $(cat err.txt)"
[ "$(recmeta -H --keys id part.strt)" = "two.pgm:1" ] || fail "the first record is not intact"
echo "ok: truncated second record: $(cat err.txt)"
echo "all prepare tests passed"
