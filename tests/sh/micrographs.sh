#!/bin/sh
# Microscope files through the filters: real files from ../shared/realformats (or
# $STEMROT_REALFORMATS) read by content, from files and from pipes; a stack gives one record
# per frame; cut or corrupted copies give one line and only the complete records downstream.
# Skipped, with a message, where the folder is absent.
set -e
top=$(cd "$FIXTURES/../.." && pwd)
REAL=${STEMROT_REALFORMATS:-$top/../shared/realformats}
cd "$TMP"
. "$SHLIB"
if [ ! -d "$REAL" ]; then
	echo "no $REAL: real microscope files not checked"
	exit 0
fi

# --- MRC: a movie, by name and through a pipe, with its pixel size ---
movie=$REAL/mrc/rsciio/Custom_movie.mrc
recmeta -H --keys format,frame,frames,dtype,pixel.nm "$movie" > m.tsv
[ "$(wc -l < m.tsv)" -eq 30 ] || fail "movie: want 30 frames, got $(wc -l < m.tsv)"
[ "$(sed -n 30p m.tsv)" = "$(printf 'MRC\t30\t30\tuint16\t1')" ] || fail "movie frame 30: $(sed -n 30p m.tsv)"
cat "$movie" | recmeta -H --keys id | sed -n 2p | grep -qx '(stdin):2' || fail "movie through a pipe"
# a PGM after an MRC file in one stream: the MRC reader stops at the end of its frames
pgmramp -lr 16 4 > r.pgm
cat "$REAL/mrc/pyto/swapped_byte_order.mrc" r.pgm | recmeta -H --keys format,maxval > mix.tsv
[ "$(cat mix.tsv | tr '\n' ' ')" = "$(printf 'MRC\t \t255 ')" ] || fail "MRC then PGM: $(cat mix.tsv)"
# the frames go through the filters, and out as PGM files a stock tool reads
centre -s 12 "$movie" | recmeta -H --keys frame | tail -n 1 | grep -qx 30 || fail "centre on a movie"
recsplit -p 'f%02d.pgm' "$REAL/mrc/rsciio/HAADFscan.mrc"
pamfile f01.pgm | grep -q 'PGM raw, 16 by 16' || fail "HAADF frame as PGM: $(pamfile f01.pgm)"
# the frames of a movie, with their pixel sizes (stemrot-micrographs(5))
recmeta --keys frame,pixel.nm "$movie" > /dev/null

# --- DM: a stack one record per frame; a spectrum refused ---
recmeta -H --keys format,frame,pixel.nm "$REAL/dm/rsciio/test_stackbuilder_imagestack.dm3" > s.tsv
[ "$(tail -n 1 s.tsv)" = "$(printf 'DM3\t3\t59.9829')" ] || fail "DM stack: $(cat s.tsv)"
cat "$REAL/dm/dmTest_float32_nonSquare_diffPixelSize.dm4" | recmeta --shape -H --keys pixel.nm,pixel.nm.y > d.tsv
[ "$(cat d.tsv)" = "$(printf 'image\t1\t64\t128\t1\t0.2')" ] || fail "DM4 through a pipe: $(cat d.tsv)"
expect_fail "DM spectrum" recmeta "$REAL/dm/rsciio/1D_test-EELS_spectrum.dm3"
grep -q 'record 1: DM file holds no 2D image: it holds a 2048-point spectrum' err.txt || fail "spectrum message"

# --- SER and TIFF, through pipes: pixel sizes from the vendors' calibrations ---
cat "$REAL/ser_emi/rsciio/new_128x128x5-diffraction_preview_1.ser" | recmeta -H --keys format,frame | tail -n 1 > ser.tsv
[ "$(cat ser.tsv)" = "$(printf 'SER\t5')" ] || fail "SER series: $(cat ser.tsv)"
# the .emi beside a named NAME_N.ser: its mode decides metres or 1/m, its camera is the
# detector; an image's .emi edited to say Diffraction makes the unit 1/m; a lone .ser or a
# pipe falls back to the size of the pixel
SER=$REAL/ser_emi/rsciio
for f in new_128x128-TEM_search_1 new_128x128x5-diffraction_preview_1 old_64x64_TEM_images_acquire_1; do
	recmeta -H --keys pixel.nm,pixel.unit,detector "$SER/$f.ser" | head -n 1
done > emi.tsv
[ "$(cat emi.tsv | tr '\n' ' ')" = "$(printf '5.261214\tm\tBM-Ceta \t1/m\tBM-Ceta 6.281834\tm\tWA-Orius ')" ] ||
	fail "SER with .emi: $(cat emi.tsv)"
cp "$SER/old_64x64_TEM_images_acquire_1.ser" tem_1.ser
LC_ALL=C sed 's/SA Zoom Image/SA Zoom Diffraction/' "$SER/old_64x64_TEM_images_acquire.emi" > tem.emi
[ "$(recmeta -H --keys pixel.nm,pixel.unit tem_1.ser)" = "$(printf '\t1/m')" ] ||
	fail "the .emi's mode: $(recmeta -H --keys pixel.nm,pixel.unit tem_1.ser)"
cp "$SER/old_64x64_TEM_images_acquire_1.ser" lone.ser
[ "$(recmeta -H --keys pixel.nm,pixel.unit,detector lone.ser)" = "$(printf '6.281834\tm\t')" ] ||
	fail "a lone .ser: $(recmeta -H --keys pixel.nm,pixel.unit,detector lone.ser)"
head -c 3000 "$SER/old_64x64_TEM_images_acquire.emi" > lone.emi
[ "$(recmeta -H --keys pixel.unit lone.ser)" = m ] || fail "a cut .emi"
for t in FEI-Helios-Ebeam-16bits test_loading_image_saved_with_DM test_loading_image_saved_with_imageJ \
         test_tiff_Zeiss_SEM_512pix; do
	cat "$REAL/tiff/rsciio/$t.tif" | recmeta -H --keys pixel.nm
done > tiff.txt
[ "$(cat tiff.txt | tr '\n' ' ')" = "3372.4 168.6747 168.6747 5.825 " ] || fail "TIFF pixel sizes: $(cat tiff.txt)"
centre -s 32 "$REAL/tiff/rsciio/test_loading_image_saved_with_DM_stack.tif" | recmeta -H --keys frame,detector |
	tr '\n' ' ' | grep -qx "$(printf '1\t 2\t ')" || fail "centre on a TIFF stack"

# --- EMD: the detector's name comes along ---
cat "$REAL/emd/STEM_HAADF_Diffraction_Micro.emd" | recmeta -H --keys format,detector,pixel.nm > emd.tsv
[ "$(cat emd.tsv)" = "$(printf 'EMD\tHAADF\t87.3708')" ] || fail "EMD: $(cat emd.tsv)"

# --- the README's directory example (with $REAL for ../shared/realformats) ---
find "$REAL" -name '*.dm4' -print0 |
    xargs -0 -n 1 -P "$(nproc)" sh -c 'recmeta -H --keys source,frame,pixel.nm "$0" > "${0##*/}.tsv"'
cat ./*.dm4.tsv > frames.tsv
[ "$(wc -l < frames.tsv)" -eq "$(find "$REAL" -name '*.dm4' -exec recmeta -H --keys id {} + | wc -l)" ] ||
	fail "directory example: $(wc -l < frames.tsv) lines"
[ "$(wc -l < frames.tsv)" -eq 7 ] || fail "directory example: want the 7 frames of 6 DM4 files: $(cat frames.tsv)"
if parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
	find "$REAL" -name '*.dm4' -print0 | parallel -0 -k recmeta -H --keys source,frame,pixel.nm > frames2.tsv
	[ "$(sort frames.tsv | cksum)" = "$(sort frames2.tsv | cksum)" ] || fail "GNU parallel example"
else
	echo "no GNU parallel: its example not run"
fi

# --- cut and corrupted copies: one line, complete records only ---
head -c 5000 "$movie" > cut.mrc
mkdir out && if recsplit -p 'out/%d.pgm' cut.mrc 2> err.txt; then fail "cut MRC: exit 0"; fi
[ "$(wc -l < err.txt)" -eq 1 ] || fail "cut MRC: want one line: $(cat err.txt)"
grep -q '^recsplit: cut.mrc: record 8: truncated MRC file: section 8 of 30 has 392 of 512 bytes$' err.txt ||
	fail "cut MRC message: $(cat err.txt)"
[ "$(ls out | wc -l)" -eq 7 ] || fail "cut MRC: want 7 complete frames written, got $(ls out)"
{ head -c 12 "$movie"; printf '\004\000\000\000'; tail -c +17 "$movie"; } > complex.mrc
expect_fail "complex MRC" recmeta complex.mrc
grep -q 'complex.mrc: record 1: MRC mode 4 is complex data' err.txt || fail "complex message"
echo "micrographs: all passed"
