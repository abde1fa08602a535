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

# --- tilt pairs ---
shapegen --solid all -n 8 --seed 5 > c.strt
stereopair --tilt 5:20 --random-sign --seed 6 c.strt > t.strt
stereopair --tilt 5:20 --random-sign --seed 6 < c.strt | cmp -s - t.strt || fail "stereopair --tilt reproducible"
recmeta t.strt | awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{ t = $col["tilt"]; if (t < 0) neg++; else pos++; a = t < 0 ? -t : t; if (a < 5 || a > 20) bad++;
	  if ($col["tilt_axis"] != 0) bad++ }
	END { if (bad || !neg || !pos) exit 1 }' || fail "--tilt 5:20 --random-sign: tilts out of range or one sign only"
stereopair --tilt 12 --tilt-axis 30 c.strt | recmeta | tail -1 | grep -q "	12	30	0	0$" || fail "--tilt-axis keys"
# real 3D views join with their tilt
shapegen --solid cube -n 2 --seed 1 > ja.strt
shapegen --solid cube -n 2 --seed 2 > jb.strt
stereopair --join jb.strt --tilt 15 ja.strt | recmeta | head -1 | grep -q "tilt	tilt_axis" || fail "--join --tilt keys"
stereopair --join jb.strt --tilt 15 ja.strt | recmeta | head -1 | grep -q "offset" && fail "--join --tilt leaves offset"
expect_fail "tilt on polygons" stereopair --tilt 10 "$(shapegen -n 1 > p.strt; echo p.strt)"
expect_fail "offset on solids" stereopair --offset 10 c.strt
expect_fail "offset and tilt" stereopair --offset 10 --tilt 10 c.strt
expect_fail "random sign without tilt" stereopair --offset 10 --random-sign p.strt
expect_fail "tilt out of range" stereopair --tilt 5:120 c.strt
expect_fail "join with a tilt range" stereopair --join jb.strt --tilt 5:10 ja.strt
addnoise c.strt > noisy.strt
expect_fail "tilt of a noisy view" stereopair --tilt 10 noisy.strt

# --- the baseline and its scoring: the issue's pipeline, on tiny data ---
shapegen --solid cube -n 6 | stereopair --tilt 5:20 | addnoise --dose 40 | centre | predict -M match > pm.tsv
head -1 pm.tsv | grep -q "^id	shape	group	views	qw	qx	qy	qz	confidence	qw2	qx2	qy2	qz2	confidence2	radius	shape_true	qw_true" ||
	fail "predict -M match header: $(head -1 pm.tsv)"
[ "$(wc -l < pm.tsv)" -eq 7 ] || fail "predict -M match rows"
evaluate pm.tsv > ev.txt
head -1 ev.txt | grep -q "^set	shape	views	n	median	mean	within2	within5	within10	within15	within30$" || fail "evaluate 3D header"
# pairs at dose 40: the median strict error is a few degrees at most
awk -F'\t' '$1 == "strict" && $2 == "cube" && $3 == 2 { if ($4 == 6 && $5 < 5) ok = 1 } END { exit !ok }' ev.txt ||
	fail "pair errors: $(cat ev.txt)"
grep -q "^rotation-fitted-strict	cube	2	6	" ev.txt || fail "rotation-fitted block"
# single clean centred views: right mod projection
shapegen --solid octahedron -n 4 --seed 8 -j 0 | predict -M match --templates 300 > ps.tsv
evaluate ps.tsv | awk -F'\t' '$1 == "mod-projection" && $2 == "octahedron" { if ($5 < 1) ok = 1 } END { exit !ok }' ||
	fail "single clean views: $(evaluate ps.tsv)"
# told the wrong solid on purpose, or none: the truth still comes from the metadata
predict -M match --solid cube --templates 50 --refine 0 ps.tsv 2>/dev/null && fail "predict read a TSV"
shapegen --solid octahedron -n 2 --seed 8 | predict -M match --solid cube --templates 50 | cut -f 2,16 | tail -1 |
	grep -q "^cube	octahedron$" || fail "--solid overrides the told shape"
expect_fail "match on polygons" predict -M match p.strt
expect_fail "unknown solid" predict -M match --solid sphere c.strt
expect_fail "templates without match" predict -M harmonic --templates 10 c.strt
expect_fail "match with a model" predict -M match -m x.model c.strt
stereopair --join jb.strt --offset 10 ja.strt > jo.strt
expect_fail "pair without tilt" predict -M match --templates 20 jo.strt
# bad 3D tables
printf 'id\tviews\tqw\tqx\tqy\tqz\tshape_true\tqw_true\tqx_true\tqy_true\tqz_true\n' > h.tsv
{ cat h.tsv; printf 'a\t1\t0.5\t0\t0\t0\tcube\t1\t0\t0\t0\n'; } > bad1.tsv
expect_fail "non-unit quaternion" evaluate bad1.tsv
{ cat h.tsv; printf 'a\t1\t1\t0\t0\t0\tsphere\t1\t0\t0\t0\n'; } > bad2.tsv
expect_fail "unknown true shape" evaluate bad2.tsv
{ cat h.tsv; printf 'a\t3\t1\t0\t0\t0\tcube\t1\t0\t0\t0\n'; } > bad3.tsv
expect_fail "views 3" evaluate bad3.tsv
{ cat h.tsv; printf 'a\t1\t1\t0\t0\n'; } > bad4.tsv
expect_fail "short row" evaluate bad4.tsv
# an exact prediction composed with a cube rotation scores 0
{ cat h.tsv; printf 'a\t1\t0.70710678\t0\t0\t0.70710678\tcube\t1\t0\t0\t0\n'; } > ok.tsv
evaluate ok.tsv | awk -F'\t' '$1 == "strict" && $2 == "cube" { if ($5 == 0) ok = 1 } END { exit !ok }' ||
	fail "a group element is not an error"

# the README's table script, on tiny data
top=$(cd "$(dirname "$SHLIB")/.." && pwd)
N=2 DOSES=40 SHAPES="cube decahedron" TEMPLATES=100 BIN="$BIN" sh "$top/pipelines/baseline3d.sh" b3d > table.txt 2> b3d.log
[ "$(head -1 table.txt)" = "$(printf 'shape\tdose\tsingle strict\tsingle mod projection\tpairs strict')" ] ||
	fail "baseline3d.sh header: $(cat table.txt)"
grep -q "^decahedron	40	[0-9.]* ([0-9]*%)	[0-9.]* ([0-9]*%)	[0-9.]* ([0-9]*%)$" table.txt || fail "baseline3d.sh rows: $(cat table.txt)"

# bad 3D metadata: one message naming the record, nothing written
shapegen --solid cube --pam > g.pam
LC_ALL=C sed 's/^# qw=.*/# qw=0.5/' g.pam > badq.pam
LC_ALL=C sed 's/^# group=O/# group=I/' g.pam > badg.pam
expect_fail "stereopair: quaternion not of unit length" stereopair --tilt 5 badq.pam
grep -q "badq.pam: record 1: quaternion .* is not of unit length" err.txt || fail "$(cat err.txt)"
expect_fail "stereopair: group not the shape's" stereopair --tilt 5 badg.pam
expect_fail "predict: group not the shape's" predict -M match --templates 20 badg.pam
grep -q "group 'I' is not the cube's (O)" err.txt || fail "$(cat err.txt)"
