#!/bin/sh
# The stream formats through programs: Netpbm in from stock tools, PAM/PGM out to stock
# tools, 16-bit stays 16-bit, metadata round trips, and bad input (one message, exit 1,
# nothing partial).  Uses recmeta/recsplit/rectile; shapegen for tensor records if built.
set -e
cd "$TMP"
. "$SHLIB"

check_help_version recmeta recsplit rectile

# --- Netpbm in: stock tools, plain and raw, 8 and 16 bit, a stream of several ---
pgmramp -lr 16 4 > r8.pgm
pamdepth 65535 r8.pgm > r16.pgm
pnmtoplainpnm r16.pgm > r16plain.pgm
ppmmake rgb:ff/00/00 3 2 > red.ppm
cat r8.pgm r16.pgm r16plain.pgm red.ppm | recmeta --shape > m.tsv
[ "$(sed -n 1p m.tsv)" = "$(printf 'layout\tviews\theight\twidth\tid\tsource\tmaxval')" ] || fail "header"
[ "$(sed -n 3p m.tsv)" = "$(printf 'image\t1\t4\t16\t(stdin):2\t(stdin)\t65535')" ] || fail "16-bit row: $(sed -n 3p m.tsv)"
[ "$(wc -l < m.tsv)" -eq 5 ] || fail "want 4 records"
recmeta -H --keys id r8.pgm r16.pgm | tr '\n' ' ' | grep -qx 'r8.pgm:1 r16.pgm:1 ' || fail "ids per file"

# --- 16-bit stays 16-bit and exact through a PAM and a PGM written by us ---
recsplit -p 'a%d.pam' r16.pgm
pamfile a1.pam | grep -q 'PAM, 16 by 4 by 1 maxval 65535' || fail "PAM not 16-bit: $(pamfile a1.pam)"
[ "$(pamtopnm -plain a1.pam | cksum)" = "$(pnmtoplainpnm r16.pgm | cksum)" ] || fail "16-bit samples changed"
recsplit -p 'b%d.pgm' a1.pam
pamfile b1.pgm | grep -q 'PGM raw, 16 by 4  maxval 65535' || fail "PGM not 16-bit: $(pamfile b1.pgm)"
[ "$(pnmtoplainpnm b1.pgm | cksum)" = "$(pnmtoplainpnm r16.pgm | cksum)" ] || fail "PGM samples changed"
# and the PAM kept the metadata of the original
[ "$(recmeta --keys id,source,maxval a1.pam)" = "$(recmeta --keys id,source,maxval r16.pgm)" ] || fail "PAM metadata"

# stock tools that rewrite the header drop our comments: the image reads as a new one
pamcut -left 0 -width 8 a1.pam > cut.pam
[ "$(recmeta -H --keys id,maxval cut.pam)" = "$(printf 'cut.pam:1\t65535')" ] || fail "pamcut output: $(recmeta cut.pam)"

# real 16-bit microscope images, when present: exact through a PAM of ours
for real in /work/shared/realdata/*.pgm; do
	[ -f "$real" ] || continue
	recsplit -p 'real%d.pam' "$real"
	[ "$(pamtopnm -plain real1.pam | cksum)" = "$(pnmtoplainpnm "$real" | cksum)" ] || fail "$real changed"
	echo "ok: $real exact through PAM"
done

# --- pairs: a depth-2 PAM, and the one documented conversion to PNG ---
pamstack r8.pgm r8.pgm 2>/dev/null > st.pam
recsplit -p 'p%d.pam' st.pam
pamfile p1.pam | grep -q 'Tuple type: STEMROT_PAIR' || fail "pair tuple type"
pamchannel -tupletype GRAYSCALE 1 < p1.pam | pamtopng > b.png
pamchannel -tupletype GRAYSCALE 1 < p1.pam | pamtopnm | pnmtopng > b2.png
[ -s b.png ] && [ -s b2.png ] || fail "pair to PNG"
recsplit --list -p 'q%03d.pgm' st.pam r8.pgm > list.txt
[ "$(cat list.txt | tr '\n' ' ')" = "q001-a.pgm q001-b.pgm q002.pgm " ] || fail "recsplit names: $(cat list.txt)"
pamtopng q001-b.pgm > /dev/null

# --- tensor records (from shapegen, when it is built) ---
if command -v shapegen > /dev/null 2>&1; then
	shapegen -n 5 --seed 3 > s.strt
	head -c 4 s.strt | grep -q STRT || fail "shapegen output is not a tensor stream"
	recmeta s.strt > s.tsv
	# float samples through PAM files and back: metadata exactly as before
	recsplit -p 's%d.pam' s.strt
	cat s1.pam s2.pam s3.pam s4.pam s5.pam | recmeta > s2.tsv
	cmp s.tsv s2.tsv || fail "metadata changed through PAM"
	grep -q '^# pam.scale=' s1.pam || fail "float samples without pam.scale"
	pamtopng s1.pam > s1.png
	# a mixed stream: PGM, tensor records, PAM
	cat r8.pgm s.strt p1.pam | recmeta --shape --keys id | cut -f1,2,5 > mixed.tsv
	[ "$(wc -l < mixed.tsv)" -eq 8 ] || fail "mixed stream"
	# bad tensor input: truncated, corrupted payload, corrupted header
	size=$(wc -c < s.strt)
	head -c $((size - 7)) s.strt > trunc.strt
	if recmeta --keys id trunc.strt > out.txt 2> err.txt; then fail "truncated tensor: exit 0"; fi
	[ "$(wc -l < err.txt)" -eq 1 ] || fail "truncated tensor: want one message"
	grep -q '^recmeta: trunc.strt: record 5: truncated tensor record (expected [0-9]* payload bytes, got [0-9]*)$' err.txt ||
		fail "truncation message: $(cat err.txt)"
	[ "$(wc -l < out.txt)" -eq 5 ] || fail "records 1..4 not printed before the error"
	# flip one byte in the middle of record 1's payload
	{ head -c 300 s.strt; head -c 301 s.strt | tail -c 1 | tr '\000-\377' '\001-\377\000'; tail -c +302 s.strt; } > flip.strt
	cmp -s flip.strt s.strt && fail "flip did nothing"
	expect_fail "payload CRC" recmeta flip.strt
	grep -q 'record 1: CRC mismatch in payload' err.txt || fail "CRC message"
	{ head -c 14 s.strt; printf '\377'; tail -c +16 s.strt; } > hdr.strt
	expect_fail "header CRC" recmeta hdr.strt
	grep -q 'CRC mismatch in tensor record header' err.txt || fail "header CRC message"
	# records before the bad one stay written (recsplit leaves files 1..4, nothing for 5)
	mkdir t && if recsplit -p 't/%d.pam' trunc.strt 2> err.txt; then fail "recsplit on truncated"; fi
	[ "$(ls t | tr '\n' ' ')" = "1.pam 2.pam 3.pam 4.pam " ] || fail "recsplit partial: $(ls t)"
	rectile s.strt | pamfile | grep -q 'PGM raw' || fail "rectile of tensor records"
else
	echo "shapegen not built: tensor stream cases skipped (unit tests cover them)"
fi

# --- bad Netpbm input ---
printf 'P5\n3 2\n0\n\0\0\0\0\0\0' > max0.pgm
expect_fail "maxval 0" recmeta max0.pgm
grep -q 'max0.pgm: record 1: maxval' err.txt || fail "maxval 0 message"
head -c 40 r8.pgm > short.pgm
expect_fail "truncated PGM" recmeta short.pgm
printf 'P5\n99999 99999\n255\n' > huge.pgm
expect_fail "absurd size" recmeta huge.pgm
grep -q 'outside 1..65536' err.txt || fail "absurd size message"
printf 'hello\n' > junk.txt
expect_fail "not an image" recmeta junk.txt
grep -q 'not a Netpbm image or stemrot tensor record (starts with byte 0x68)' err.txt || fail "junk message"
expect_fail "missing file" recmeta nonexistent.pgm
cat r8.pgm short.pgm > two.pgm
if recmeta --keys id two.pgm > out.txt 2> err.txt; then fail "good then truncated"; fi
[ "$(cat out.txt)" = "$(printf 'id\ntwo.pgm:1')" ] || fail "first record not printed"
grep -q 'two.pgm: record 2: ' err.txt || fail "record number"

# --- bad option values: message, exit 1, no output, no files ---
expect_fail "pattern %s" recsplit -p 'x%s.pgm' r8.pgm
expect_fail "pattern no %d" recsplit -p 'x.pgm' r8.pgm
expect_fail "pattern two %d" recsplit -p '%d-%d.pgm' r8.pgm
expect_fail "maxval 0" recsplit --maxval 0 r8.pgm
expect_fail "block 0" recmeta --block 0 r8.pgm
expect_fail "cols 0" rectile --cols 0 r8.pgm
expect_fail "range" rectile --range 5:1 r8.pgm
expect_fail "empty key" recmeta --keys id,,x r8.pgm
ls x*.pgm 2>/dev/null && fail "files written after a bad option"

# --- rectile: sizes and a golden checksum ---
rectile -c 2 r8.pgm st.pam r8.pgm > mont.pgm
pamfile mont.pgm | grep -q 'PGM raw, 74 by 14  maxval 255' || fail "rectile size: $(pamfile mont.pgm)"
[ "$(pnmtoplainpnm mont.pgm | cksum)" = "1802610636 3307" ] || fail "rectile checksum: $(pnmtoplainpnm mont.pgm | cksum)"
rectile --16 r16.pgm | pamfile | grep -q 'maxval 65535' || fail "rectile --16"
expect_fail "rectile of nothing" rectile /dev/null
# records past --max are left out, and it says so (the montage itself is complete)
rectile --max 2 r8.pgm st.pam r8.pgm > two.pgm 2> left.txt || fail "rectile --max 2 exit status"
grep -q '^rectile: tiled the first 2 of 3 records, left out 1' left.txt || fail "rectile --max: $(cat left.txt)"
pamfile two.pgm | grep -q 'PGM raw' || fail "rectile --max 2 output"
rectile r8.pgm st.pam > all.pgm 2> left.txt && [ ! -s left.txt ] || fail "rectile: message without records left out"
echo "formats: all passed"
