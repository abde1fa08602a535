/* ser.c: FEI/Thermo TIA series files (.ser, versions 0x210 and 0x220): every 2D element of
 * the series, one record each; series of 1D elements (spectra) refused.
 *
 * Little-endian throughout.  Header: 0 "II", 2 u16 0x0197, 4 u16 version, 6 u32 data type
 * (0x4120 1D elements, 0x4122 2D elements), 10 u32 tag type, 14 u32 total elements, 18 u32
 * valid elements, 22 the offset of the offset arrays (u32 in 0x210, u64 in 0x220), then the
 * series' dimensions.  The offset arrays give each element's offset (same width).  A 2D
 * element: f64 offset x, f64 delta x, u32 element x, the same for y, u16 data type, u32
 * width, u32 height (50 bytes), then the samples.  TIA stores the rows bottom up: row 0 of
 * a record is the last row of the element, as other readers (rosettasciio) show it.
 * The calibration is in metres for images and in 1/m for diffraction patterns, and the
 * .ser does not say which.  TIA writes the series NAME_1.ser, NAME_2.ser, ... beside NAME.emi,
 * whose XML block (<ObjectInfo>) holds the microscope's mode ("TEM uP SA Zoom Image",
 * "... Diffraction") and the camera (<CameraNamePath>): when the input is a named .ser and
 * that .emi is beside it, the mode decides the unit and the camera is the record's detector.
 * Without it (a pipe, a lone .ser, an .emi that does not say), a delta under 1 mm a pixel is
 * taken for metres, anything larger for 1/m.
 *
 * The whole file is read into memory (elements may be anywhere), up to
 * SR_MICROGRAPH_MAX_FILE. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "io/bytes.h"
#include "io/format.h"
#include "io/micrograph.h"

#define ELEMENT_HEADER 50

/* What the companion .emi says. */
enum { EMI_NONE, EMI_IMAGE, EMI_DIFFRACTION };

typedef struct {
	unsigned char *file;
	size_t len;
	int emi_mode;         /* enum: what the .emi's mode says */
	char camera[64];      /* the .emi's camera; "" when unknown */
	int v220;
	uint32_t valid;
	size_t offsets;  /* the data offset array */
	uint32_t next;   /* element to read */
} ser_state;

static int sample_size(unsigned t)
{
	static const int size[] = {0, 1, 2, 4, 1, 2, 4, 4, 8, 8, 16};
	return t <= 10 ? size[t] : 0;
}

static const char *sample_name(unsigned t)
{
	static const char *name[] = {"", "uint8", "uint16", "uint32", "int8", "int16", "int32",
	                             "float32", "float64", "complex64", "complex128"};
	return t <= 10 ? name[t] : "";
}

static int probe(const unsigned char *h, size_t n)
{
	if (n < 4 || h[0] != 'I' || h[1] != 'I' || sr_u16(h + 2, 0) != 0x0197)
		return SR_PROBE_NO;
	return SR_PROBE_YES;
}

static void free_state(void *state)
{
	ser_state *s = state;
	free(s->file);
	free(s);
}

/* ---------------------------------------------------------------- the companion .emi */

/* The first s in [p, end), or NULL. */
static const char *find(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);
	for (; (size_t)(end - p) >= n; p++)
		if (*p == *s && memcmp(p, s, n) == 0)
			return p;
	return NULL;
}

/* The text of the first <tag>...</tag> in [p, end), trimmed, into out (n bytes); 0 if none. */
static int xml_text(const char *p, const char *end, const char *tag, char *out, size_t n)
{
	char open[48], close[48];
	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	const char *a = find(p, end, open);
	if (!a)
		return 0;
	a += strlen(open);
	const char *b = find(a, end, close);
	if (!b)
		return 0;
	while (a < b && (*a == ' ' || *a == '\t' || *a == '\r' || *a == '\n'))
		a++;
	while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r' || b[-1] == '\n'))
		b--;
	size_t len = (size_t)(b - a) < n - 1 ? (size_t)(b - a) : n - 1;
	for (size_t i = 0; i < len; i++) /* printable ASCII only: it goes into metadata */
		out[i] = a[i] >= 32 && a[i] < 127 ? a[i] : '?';
	out[len] = 0;
	return 1;
}

/* The .emi beside a named NAME_N.ser (or NAME.ser): its mode and camera into s.  Anything
 * missing or unreadable leaves them unknown: the .emi is a companion, not needed to read. */
static void read_emi(const char *name, ser_state *s)
{
	size_t n = strlen(name);
	if (n < 5 || strcmp(name + n - 4, ".ser") != 0 || n > 4000)
		return;
	char path[4096];
	memcpy(path, name, n - 4);
	size_t base = n - 4, d = base;
	while (d > 0 && path[d - 1] >= '0' && path[d - 1] <= '9')
		d--;
	if (d < base && d > 0 && path[d - 1] == '_') /* NAME_N.ser: NAME.emi */
		base = d - 1;
	memcpy(path + base, ".emi", 5);
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	/* the XML block is small; the file may also hold the data: the first 64 MiB do */
	long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	size_t cap = size > 0 && size < (64L << 20) ? (size_t)size : (size_t)64 << 20, len = 0;
	char *buf = size > 0 && fseek(f, 0, SEEK_SET) == 0 ? malloc(cap) : NULL;
	if (buf)
		len = fread(buf, 1, cap, f);
	fclose(f);
	if (!buf)
		return;
	const char *end = buf + len;
	const char *oi = find(buf, end, "<ObjectInfo>");
	char mode[128] = "";
	if (oi) {
		/* <Label>Mode</Label> <Value> TEM uP SA Zoom Image</Value> */
		const char *m = find(oi, end, "<Label>Mode</Label>");
		if (m && xml_text(m, end, "Value", mode, sizeof mode)) {
			if (strstr(mode, "Diffraction"))
				s->emi_mode = EMI_DIFFRACTION;
			else if (strstr(mode, "Image"))
				s->emi_mode = EMI_IMAGE;
		}
		xml_text(oi, end, "CameraNamePath", s->camera, sizeof s->camera);
	}
	free(buf);
}

static int open_file(sr_format_input *fi, ser_state *s)
{
	if (sr_input_slurp(fi->in, SR_MICROGRAPH_MAX_FILE, "SER file", &s->file, &s->len) < 0)
		return -1;
	const unsigned char *h = s->file;
	if (s->len < 30)
		return sr_fail("truncated SER file: %zu bytes, less than its header", s->len);
	unsigned version = sr_u16(h + 4, 0);
	if (version != 0x210 && version != 0x220)
		return sr_fail("SER version 0x%x is not 0x210 or 0x220", version);
	s->v220 = version == 0x220;
	uint32_t type = sr_u32(h + 6, 0), total = sr_u32(h + 14, 0);
	s->valid = sr_u32(h + 18, 0);
	if (type == 0x4120)
		return sr_fail("SER file holds no 2D image: it holds a series of %lu spectra",
		               (unsigned long)total);
	if (type != 0x4122)
		return sr_fail("SER data type 0x%lx is neither 0x4120 (spectra) nor 0x4122 (images)",
		               (unsigned long)type);
	uint64_t off = s->v220 ? sr_u64(h + 22, 0) : sr_u32(h + 22, 0);
	size_t width = s->v220 ? 8 : 4;
	if (s->valid > total || s->valid == 0)
		return sr_fail("SER file has %lu valid elements of %lu", (unsigned long)s->valid,
		               (unsigned long)total);
	if (off > s->len || (uint64_t)total * width > s->len - off)
		return sr_fail("truncated SER file: its offset array (at byte %llu) runs past the end "
		               "(%zu bytes)", (unsigned long long)off, s->len);
	s->offsets = (size_t)off;
	s->next = 0;
	read_emi(fi->name, s);
	return 0;
}

static int read_ser(sr_format_input *fi, sr_record *rec)
{
	ser_state *s = *fi->state;
	if (!s && !(s = *fi->state = calloc(1, sizeof *s)))
		return sr_fail("out of memory");
	if (!s->file && open_file(fi, s) < 0) {
		free(s->file);
		s->file = NULL;
		return -1;
	}
	size_t width = s->v220 ? 8 : 4;
	const unsigned char *o = s->file + s->offsets + (size_t)s->next * width;
	uint64_t at = s->v220 ? sr_u64(o, 0) : sr_u32(o, 0);
	if (at > s->len || s->len - at < ELEMENT_HEADER)
		return sr_fail("truncated SER file: element %lu (at byte %llu) runs past the end (%zu "
		               "bytes)", (unsigned long)s->next + 1, (unsigned long long)at, s->len);
	const unsigned char *e = s->file + at;
	double dx = sr_f64(e + 8, 0), dy = sr_f64(e + 28, 0);
	unsigned type = sr_u16(e + 40, 0);
	uint32_t w = sr_u32(e + 42, 0), h = sr_u32(e + 46, 0);
	int es = sample_size(type);
	if (!es)
		return sr_fail("SER element %lu has unknown sample type %u", (unsigned long)s->next + 1,
		               type);
	if (type >= 9)
		return sr_fail("SER element %lu is complex data (%s), not an image",
		               (unsigned long)s->next + 1, sample_name(type));
	if (w < 1 || h < 1 || w > SR_MAX_DIM || h > SR_MAX_DIM)
		return sr_fail("SER element %lu has absurd size %lux%lu", (unsigned long)s->next + 1,
		               (unsigned long)w, (unsigned long)h);
	if (sr_record_reshape(rec, SR_LAYOUT_IMAGE, 1, (int)h, (int)w) < 0)
		return -1;
	size_t n = (size_t)w * h;
	if ((s->len - at - ELEMENT_HEADER) / (size_t)es < n)
		return sr_fail("truncated SER file: element %lu (%lux%lu %s) runs past the end (%zu "
		               "bytes)", (unsigned long)s->next + 1, (unsigned long)w, (unsigned long)h,
		               sample_name(type), s->len);
	const unsigned char *src = e + ELEMENT_HEADER;
	for (uint32_t r = 0; r < h; r++) {
		float *dst = rec->data + (size_t)(h - 1 - r) * w; /* bottom-up rows */
		for (uint32_t c = 0; c < w; c++, src += es) {
			switch (type) {
			case 1: dst[c] = src[0]; break;
			case 2: dst[c] = sr_u16(src, 0); break;
			case 3: dst[c] = (float)sr_u32(src, 0); break;
			case 4: dst[c] = (int8_t)src[0]; break;
			case 5: dst[c] = (int16_t)sr_u16(src, 0); break;
			case 6: dst[c] = (float)(int32_t)sr_u32(src, 0); break;
			case 7: dst[c] = sr_f32(src, 0); break;
			default: dst[c] = (float)sr_f64(src, 0); break;
			}
		}
	}
	s->next++;
	/* the .emi's mode; else metres when plausible for a pixel of an image, else a
	 * diffraction pattern's 1/m */
	int metres = s->emi_mode ? s->emi_mode == EMI_IMAGE : dx > 0 && dx < 1e-3;
	sr_micrograph_info mi = {"SER", sample_name(type), s->next, s->valid, dx, dy,
	                         metres ? "m" : "1/m", s->camera[0] ? s->camera : NULL, NULL};
	if (sr_micrograph_meta(rec, fi->name, fi->record, &mi) < 0)
		return -1;
	if (s->next < s->valid)
		return 2;
	free(s->file);
	memset(s, 0, sizeof *s); /* the next .ser of a stream has its own .emi */
	return 1;
}

const sr_format_def sr_format_ser = {
	.name = "TIA SER",
	.head_bytes = 4,
	.probe = probe,
	.read = read_ser,
	.free_state = free_state,
};
