#!/bin/sh
# The foundation issue's end-to-end promises, as a user would run them: the whole chain of
# filters on 100 records; its output opens with stock Netpbm tools; record 17's metadata at
# the end still holds everything it had at the start; the same seeds give the same bytes; a
# 16-bit PGM goes through centre | denoise and stays 16-bit; every program has --help and
# --version; and a bad option to any program is one message, no output.
set -e
cd "$TMP"
. "$SHLIB"

check_help_version shapegen stereopair addnoise centre denoise project1d train predict \
	calibrate evaluate decode recmeta recsplit rectile

chain() {
	shapegen -n 100 --seed 1 | stereopair --offset 10:30 --drift 1 --seed 2 |
		addnoise --dose 10:160 --seed 3 | centre | denoise --method bilateral
}
chain > a.strt
chain > b.strt
cmp a.strt b.strt || fail "same seeds gave different bytes"
[ "$(recmeta -H --keys id a.strt | wc -l)" -eq 100 ] || fail "records lost"

# Record 17: every key shapegen wrote is still there with the same value.
shapegen -n 100 --seed 1 | recmeta > start.tsv
recmeta a.strt > end.tsv
awk -F'\t' 'NR == FNR { if (FNR == 1) for (i = 1; i <= NF; i++) key[i] = $i;
                        else if (FNR == 18) for (i = 1; i <= NF; i++) want[key[i]] = $i; next }
            FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
            FNR == 18 { for (k in want) if ($col[k] != want[k]) { print "key " k ": " want[k] " became " $col[k]; bad = 1 } }
            END { exit bad }' start.tsv end.tsv || fail "record 17's metadata changed"
grep -q 's1-17' end.tsv || fail "record 17's id"

# Stock tools read what we write.
denoise --pam < a.strt > a.pam
pamfile -allimages a.pam > info.txt
[ "$(grep -c 'PAM, 64 by 64 by 2' info.txt)" -eq 100 ] || fail "pamfile: $(head -2 info.txt)"
pamchannel -tupletype GRAYSCALE 0 < a.pam | pamtopng > a.png
[ -s a.png ] || fail "pamtopng"

# 16-bit in, 16-bit out.
pgmmake -maxval 65535 0.1 48 40 | pamtopnm > flat.pgm
shapegen -n 1 -s 48x40 -k 4 --pam --maxval 65535 | pamtopnm > sq.pgm
pamarith -add flat.pgm sq.pgm 2>/dev/null > in16.pgm || cp sq.pgm in16.pgm
centre --pam in16.pgm | denoise --pam > out16.pam
pamfile out16.pam | grep -q 'maxval 65535' || fail "not 16-bit: $(pamfile out16.pam)"

# A bad option anywhere: one message, nothing on stdout.
for p in shapegen stereopair addnoise centre denoise project1d train predict calibrate \
	evaluate decode recmeta recsplit rectile; do
	expect_fail "$p bad option" "$p" --no-such-option
done
