/* mrc.c: MRC/CCP4 images, stacks and maps (MRC2014; older headers without "MAP " too), read
 * one record per section (frame), streaming: the header, the extended header skipped, then
 * one section at a time, so a movie of any length needs one frame of memory.
 *
 * Header words (1024 bytes): 0 nx ny nz, 12 mode, 28 mx my mz, 40 cella x y z (Å),
 * 64 mapc mapr maps, 92 nsymbt (extended header bytes), 104 exttyp, 208 "MAP ", 212 machine
 * stamp.  The machine stamp is often wrong, so the byte order is the one in which the header
 * makes sense (a known mode, sizes within limits, axes a permutation of 1 2 3).
 * Modes read: 0 int8, 1 int16, 2 float32, 6 uint16, 12 float16; the complex modes 3 and 4
 * and the 4-bit mode 101 are refused.  Sections are given as stored (row 0 is the first row
 * in the file, as mrcfile and numpy show it); a map with permuted axes (mapc, mapr, maps not
 * 1 2 3) is given in its stored order, the axes in metadata (mrc.axes). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "io/bytes.h"
#include "io/format.h"
#include "io/micrograph.h"

#define HEADER 1024

typedef struct {
	int big;            /* byte order of this file */
	int nx, ny, nz, mode;
	int bytes;          /* per sample */
	long frame;         /* sections read so far */
	double pixel_x, pixel_y; /* Å; 0 unknown */
	int axes[3];
	unsigned char *raw; /* one section as stored */
	size_t raw_cap;
} mrc_state;

static int mode_bytes(int32_t mode)
{
	switch (mode) {
	case 0: return 1;
	case 1: case 6: case 12: return 2;
	case 2: return 4;
	default: return 0;
	}
}

static const char *mode_name(int mode)
{
	switch (mode) {
	case 0: return "int8";
	case 1: return "int16";
	case 2: return "float32";
	case 6: return "uint16";
	default: return "float16";
	}
}

/* Does the header make sense in this byte order?  Modes the reader refuses count as sense
 * (so that it can say why), as do any sizes above zero. */
static int sensible(const unsigned char *h, int big)
{
	int32_t nx = (int32_t)sr_u32(h, big), ny = (int32_t)sr_u32(h + 4, big),
	        nz = (int32_t)sr_u32(h + 8, big), mode = (int32_t)sr_u32(h + 12, big);
	if (nx < 1 || ny < 1 || nz < 1 || nx > (1 << 24) || ny > (1 << 24))
		return 0;
	if (mode_bytes(mode) == 0 && mode != 3 && mode != 4 && mode != 101)
		return 0;
	int32_t a[3] = {(int32_t)sr_u32(h + 64, big), (int32_t)sr_u32(h + 68, big),
	                (int32_t)sr_u32(h + 72, big)};
	int seen = 0;
	for (int i = 0; i < 3; i++) {
		if (a[i] < 1 || a[i] > 3)
			return 0;
		seen |= 1 << a[i];
	}
	return seen == 0xe;
}

/* 0: no sense in either order; 1 little-endian; 2 big-endian.  Both: the machine stamp
 * (0x11 big-endian) decides. */
static int byte_order(const unsigned char *h)
{
	int le = sensible(h, 0), be = sensible(h, 1);
	if (le && be)
		return h[212] == 0x11 ? 2 : 1;
	return le ? 1 : be ? 2 : 0;
}

static int probe(const unsigned char *head, size_t n)
{
	if (n < 224)
		return SR_PROBE_NO;
	if (byte_order(head))
		/* The old header had no "MAP "; its axis words 1 2 3 are signature enough with the
		 * rest. */
		return SR_PROBE_YES;
	/* "MAP " but no sense: let the reader say what is wrong. */
	return memcmp(head + 208, "MAP ", 4) == 0 ? SR_PROBE_MAYBE : SR_PROBE_NO;
}

static void free_state(void *state)
{
	mrc_state *s = state;
	free(s->raw);
	free(s);
}

static int short_read(sr_input *in, const char *what, size_t want, size_t got)
{
	if (sr_input_error(in))
		return sr_fail("read error in MRC %s: %s", what, strerror(errno));
	return sr_fail("truncated MRC file: %s has %zu of %zu bytes", what, got, want);
}

static int read_header(sr_input *in, mrc_state *s)
{
	unsigned char h[HEADER];
	size_t got = sr_input_read(in, h, HEADER);
	if (got < HEADER)
		return short_read(in, "header", HEADER, got);
	int order = byte_order(h);
	if (!order)
		return sr_fail("MRC header makes no sense in either byte order (nx %ld, ny %ld, nz %ld, "
		               "mode %ld, axes %ld %ld %ld as little-endian)",
		               (long)(int32_t)sr_u32(h, 0), (long)(int32_t)sr_u32(h + 4, 0),
		               (long)(int32_t)sr_u32(h + 8, 0), (long)(int32_t)sr_u32(h + 12, 0),
		               (long)(int32_t)sr_u32(h + 64, 0), (long)(int32_t)sr_u32(h + 68, 0),
		               (long)(int32_t)sr_u32(h + 72, 0));
	s->big = order == 2;
	s->nx = (int)sr_u32(h, s->big);
	s->ny = (int)sr_u32(h + 4, s->big);
	s->nz = (int)sr_u32(h + 8, s->big);
	s->mode = (int)sr_u32(h + 12, s->big);
	if (s->mode == 3 || s->mode == 4)
		return sr_fail("MRC mode %d is complex data (a Fourier transform), not an image", s->mode);
	if (s->mode == 101)
		return sr_fail("MRC mode 101 (4-bit samples) is not supported");
	if (sr_check_shape(SR_LAYOUT_IMAGE, 1, s->ny, s->nx) < 0)
		return sr_fail_context("MRC section");
	s->bytes = mode_bytes(s->mode);
	for (int i = 0; i < 3; i++)
		s->axes[i] = (int)sr_u32(h + 64 + 4 * i, s->big);
	int32_t mx = (int32_t)sr_u32(h + 28, s->big), my = (int32_t)sr_u32(h + 32, s->big);
	/* Some acquisition software writes negative cell lengths: the size is their magnitude. */
	float cx = sr_f32(h + 40, s->big), cy = sr_f32(h + 44, s->big);
	s->pixel_x = mx > 0 && cx == cx ? (cx < 0 ? -cx : cx) / mx : 0;
	s->pixel_y = my > 0 && cy == cy ? (cy < 0 ? -cy : cy) / my : 0;
	int32_t next = (int32_t)sr_u32(h + 92, s->big);
	if (next < 0)
		return sr_fail("MRC extended header length %ld is negative", (long)next);
	/* Skip the extended header (FEI's per-frame tables, SerialEM's...) without storing it. */
	unsigned char skip[4096];
	for (size_t left = (size_t)next; left > 0;) {
		size_t k = left < sizeof skip ? left : sizeof skip;
		got = sr_input_read(in, skip, k);
		if (got < k)
			return short_read(in, "extended header", (size_t)next, (size_t)next - left + got);
		left -= k;
	}
	s->frame = 0;
	return 0;
}

static int read_mrc(sr_format_input *fi, sr_record *rec)
{
	mrc_state *s = *fi->state;
	if (!s && !(s = *fi->state = calloc(1, sizeof *s)))
		return sr_fail("out of memory");
	if (s->frame == 0 && read_header(fi->in, s) < 0)
		return -1;
	size_t n = (size_t)s->nx * (size_t)s->ny, bytes = n * (size_t)s->bytes;
	if (bytes > s->raw_cap) {
		unsigned char *r = realloc(s->raw, bytes);
		if (!r)
			return sr_fail("out of memory for an MRC section of %zu bytes", bytes);
		s->raw = r;
		s->raw_cap = bytes;
	}
	size_t got = sr_input_read(fi->in, s->raw, bytes);
	if (got < bytes) {
		char what[64];
		snprintf(what, sizeof what, "section %ld of %d", s->frame + 1, s->nz);
		return short_read(fi->in, what, bytes, got);
	}
	if (sr_record_reshape(rec, SR_LAYOUT_IMAGE, 1, s->ny, s->nx) < 0)
		return -1;
	const unsigned char *p = s->raw;
	for (size_t i = 0; i < n; i++) {
		switch (s->mode) {
		case 0: rec->data[i] = (float)(int8_t)p[i]; break;
		case 1: rec->data[i] = (float)(int16_t)sr_u16(p + 2 * i, s->big); break;
		case 6: rec->data[i] = (float)sr_u16(p + 2 * i, s->big); break;
		case 12: rec->data[i] = sr_f16(p + 2 * i, s->big); break;
		default: rec->data[i] = sr_f32(p + 4 * i, s->big); break;
		}
	}
	s->frame++;
	sr_micrograph_info mi = {"MRC", mode_name(s->mode), s->frame, s->nz, s->pixel_x, s->pixel_y,
	                         "A", NULL, NULL};
	if (sr_micrograph_meta(rec, fi->name, fi->record, &mi) < 0)
		return -1;
	if ((s->axes[0] != 1 || s->axes[1] != 2 || s->axes[2] != 3) &&
	    sr_meta_set(&rec->meta, "mrc.axes", "%d,%d,%d", s->axes[0], s->axes[1], s->axes[2]) < 0)
		return -1;
	if (s->frame < s->nz)
		return 2;
	s->frame = 0; /* the next record, if any, starts a new file */
	return 1;
}

const sr_format_def sr_format_mrc = {
	.name = "MRC",
	.head_bytes = 224,
	.probe = probe,
	.read = read_mrc,
	.free_state = free_state,
};
