#!/bin/sh
# Physical values and metadata through stock Netpbm tools: --pam-map / STEMROT_PAM_MAP give
# every record one stated sample map, so values keep their meaning after pamsplit and
# pamstack drop the header comments; recmeta before the tools and recattach after them give
# the metadata back, by record order.  See stemrot-stream(5), "Through stock Netpbm tools".
set -e
cd "$TMP"
. "$SHLIB"

check_help_version recattach

shapegen -n 3 --seed 1 | addnoise -D 40 --read 1 --seed 2 > a.strt

# --- a fixed map: the same offset and step in every record's header, stated as comments ---
addnoise --help | grep -q -- '--pam-map' || fail "addnoise --help lacks --pam-map"
centre -s 48 --pam --pam-map -8:0.002 a.strt > fixed.pam
[ "$(pamfile -allimages -comments fixed.pam | grep -c '# pam.offset=-8$')" -eq 3 ] || fail "offset not stated per record"
[ "$(pamfile -allimages -comments fixed.pam | grep -c '# pam.scale=0.002$')" -eq 3 ] || fail "step not stated per record"
# the automatic map differs from record to record; the fixed one does not
centre -s 48 --pam a.strt | pamfile -allimages -comments | grep '# pam.scale=' | sort -u > auto.txt
[ "$(wc -l < auto.txt)" -eq 3 ] || fail "automatic map should differ per record: $(cat auto.txt)"
# the environment variable is the same map
STEMROT_PAM_MAP=-8:0.002 centre -s 48 --pam a.strt | cmp -s - fixed.pam || fail "STEMROT_PAM_MAP differs from --pam-map"
# a sample the map cannot hold is an error naming the record, nothing of it written
expect_fail "map too narrow" centre -s 48 --pam --pam-map 0:0.0001 a.strt
grep -q 'record 1: samples .* do not fit the sample map 0:0.0001' err.txt || fail "map message: $(cat err.txt)"
expect_fail "bad map" centre --pam --pam-map 1:0 a.strt
STEMROT_PAM_MAP=x expect_fail "bad env map" centre --pam a.strt

# --- through pamsplit: values by the map, metadata by recattach ---
centre -s 48 a.strt > c.strt
recmeta --shape c.strt > meta.tsv
recsplit --pam-map -8:0.002 -p 'x%d.pam' c.strt
cat x1.pam x2.pam x3.pam | pamsplit - 'y%d.pam' 2> /dev/null
pamfile -comments y0.pam | grep -q 'pam.offset' && fail "this Netpbm keeps comments now: update stemrot-stream(5)"
cat y0.pam y1.pam y2.pam | STEMROT_PAM_MAP=-8:0.002 recattach --shape meta.tsv > back.strt
recmeta --shape back.strt | cmp -s - meta.tsv || fail "metadata not restored"
# the values: written again with the same map they give the same samples
recsplit --pam-map -8:0.002 -p 'z%d.pam' back.strt
for i in 1 2 3; do
	cmp -s "x$i.pam" "z$i.pam" || fail "record $i: values changed through pamsplit"
done
# without the map the same files read as raw samples 0..65535: the reason the map is stated
cat y0.pam | recmeta --keys maxval -H | grep -qx 65535 || fail "raw read"

# --- through pamstack: two one-view records become one pair ---
shapegen -n 1 --seed 3 | stereopair --offset 20 | addnoise -D 40 --seed 4 > pair.strt
recmeta --shape pair.strt > pmeta.tsv
recsplit --pam-map -8:0.002 --split-views -p 'v%d.pam' pair.strt
pamstack v1-a.pam v1-b.pam 2> /dev/null | STEMROT_PAM_MAP=-8:0.002 recattach --shape pmeta.tsv > pback.strt
recmeta --shape pback.strt | cmp -s - pmeta.tsv || fail "pair metadata not restored"

# --- rows and records must match one for one ---
head -n 3 meta.tsv > short.tsv
# (a filter streams: the records before the missing row are out, whole, before the error)
recattach short.tsv c.strt > two.strt 2> err.txt && fail "fewer rows accepted"
grep -qx 'recattach: c.strt: record 3: short.tsv has 2 rows but the input has more records' err.txt || fail "rows message: $(cat err.txt)"
[ "$(recmeta -H --keys id two.strt | wc -l)" -eq 2 ] || fail "want the 2 whole records before the error"
{ cat meta.tsv; sed 1d meta.tsv; } > long.tsv
recattach long.tsv c.strt > /dev/null 2> err.txt && fail "rows left over accepted"
grep -qx 'recattach: long.tsv has more rows than the input has records (3)' err.txt || fail "left-over message: $(cat err.txt)"
printf 'layout\tviews\theight\twidth\tid\nimage\t1\t48\t40\tq\n' > badshape.tsv
shapegen -n 1 --seed 1 | centre -s 48 | recattach --shape badshape.tsv > /dev/null 2> err.txt && fail "shape mismatch accepted"
grep -q 'width is .40. but the record.s is 48' err.txt || fail "shape message: $(cat err.txt)"
printf 'id\tid\n1\t2\n' > dup.tsv
expect_fail "duplicate key" recattach dup.tsv c.strt
expect_fail "no tsv" recattach
echo "ok: netpbm"
