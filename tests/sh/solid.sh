#!/bin/sh
# 3D particles through the programs: shapegen --solid (thickness and atoms), reproducibility,
# the metadata, and bad 3D options (one message, exit 1, no stdout).
set -e
cd "$TMP"
. "$SHLIB"

# --- same seed, same bytes; batching does not matter; every solid renders ---
shapegen --solid all -n 40 --seed 4 > a.strt
shapegen --solid all -n 40 --seed 4 | cmp -s - a.strt || fail "shapegen --solid not reproducible"
{ shapegen --solid all -n 5 --seed 4; shapegen --solid all -n 35 --start 6 --seed 4; } |
	cmp -s - a.strt || fail "shapegen --solid --start"
recmeta a.strt > meta.tsv
head -1 meta.tsv | grep -q "	shape	group	model	qw	qx	qy	qz	radius	cx	cy	intensity" ||
	fail "3D metadata keys: $(head -1 meta.tsv)"
for s in tetrahedron cube octahedron cuboctahedron truncated-octahedron icosahedron decahedron control; do
	grep -q "	$s	" meta.tsv || fail "--solid all never drew $s"
done
# the group is the shape's
awk -F'\t' 'NR > 1 { g[$2] = g[$2] $3 } END { if (g["cube"] !~ /^O+$/ || g["icosahedron"] !~ /^I+$/ ||
	g["decahedron"] !~ /^(D5)+$/ || g["control"] !~ /^(C1)+$/ || g["tetrahedron"] !~ /^T+$/) exit 1 }' meta.tsv ||
	fail "groups"
# --quat is normalised and stored with w >= 0; --axis-angle is the same rotation
shapegen --solid cube --quat -2,0,0,-2 | recmeta | tail -1 | cut -f 5-8 > q1.txt
[ "$(cat q1.txt)" = "$(printf '0.7071067811865476\t0\t0\t0.7071067811865476')" ] || fail "--quat: $(cat q1.txt)"
q() { recmeta | tail -1 | awk -F'\t' '{ printf "%.9f %.9f %.9f %.9f\n", $5, $6, $7, $8 }'; }
[ "$(shapegen --solid cube --quat 1,0,0,1 | q)" = "$(shapegen --solid cube --axis-angle 0,0,3,90 | q)" ] ||
	fail "--quat and --axis-angle differ"
# the atoms model records its physical units
shapegen --solid cuboctahedron --model atoms --pixel-size 0.4 --lattice 3.92 -n 2 | recmeta > am.tsv
head -1 am.tsv | grep -q "model.*lattice	pixel_size	atomic_number	zexp	atom_sigma" || fail "atoms keys"
grep -q "	atoms	.*	3.92	0.4	79	1.7	1" am.tsv || fail "atoms values: $(cat am.tsv)"
# stock Netpbm reads the images
shapegen --solid icosahedron -n 2 --pam | pamfile | grep -q "64 by 64" || fail "pamfile"

# --- bad options ---
expect_fail "unknown solid" shapegen --solid dodecahedron
expect_fail "solid with sides" shapegen --solid cube -k 4
expect_fail "solid with theta" shapegen --solid cube --theta 3
expect_fail "quat without solid" shapegen --quat 1,0,0,0
expect_fail "quat of three" shapegen --solid cube --quat 1,0,0
expect_fail "quat of zero" shapegen --solid cube --quat 0,0,0,0
expect_fail "quat and axis-angle" shapegen --solid cube --quat 1,0,0,0 --axis-angle 0,0,1,5
expect_fail "zero axis" shapegen --solid cube --axis-angle 0,0,0,5
expect_fail "bad model" shapegen --solid cube --model pixels
expect_fail "lattice without atoms" shapegen --solid cube --lattice 4
expect_fail "bad lattice" shapegen --solid cube --model atoms --lattice 0.1
expect_fail "too many atoms" shapegen --solid cube --model atoms --radius 2000 --pixel-size 1
