/* tiff.c: TIFF images through libtiff (every compression libtiff knows; strips or tiles;
 * little- or big-endian; classic or BigTIFF), one record per page (directory), grey
 * samples of every sample format: unsigned and signed integers of 1 to 32 bits, 64-bit
 * integers and 32- or 64-bit floats.  Colour (more than one sample a pixel) and complex
 * samples are refused.
 *
 * The pixel size comes from the vendors' tags, in this order: FEI/Thermo (34682 or 34680,
 * INI text: PixelWidth= and PixelHeight= in metres; [Detectors] Name=), DigitalMicrograph
 * (65009 and 65010 x and y scale, 65003 the unit), Zeiss SEM (34118, "Pixel Size = 5.825
 * nm"), ImageJ (ImageDescription "ImageJ=...", unit=; the pixel is 1/XResolution
 * units).  TIFF's own resolution tags give a printer's dots per inch, not a pixel size, and
 * are not used otherwise.
 *
 * libtiff needs random access: the whole file is read into memory (a pipe works too), up to
 * SR_MICROGRAPH_MAX_FILE.  libtiff's messages are kept, never printed. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

#include "core/err.h"
#include "io/format.h"
#include "io/micrograph.h"

typedef struct {
	unsigned char *file;
	size_t len;
	toff_t pos;
	TIFF *tif;
	long page, pages;
	unsigned char *line;
} tiff_state;

/* ---- libtiff over the bytes in memory ---- */

static tsize_t mem_read(thandle_t h, tdata_t p, tsize_t n)
{
	tiff_state *s = h;
	if (s->pos >= s->len)
		return 0;
	size_t k = (size_t)n < s->len - s->pos ? (size_t)n : s->len - s->pos;
	memcpy(p, s->file + s->pos, k);
	s->pos += k;
	return (tsize_t)k;
}

static tsize_t mem_write(thandle_t h, tdata_t p, tsize_t n)
{
	(void)h, (void)p, (void)n;
	return 0;
}

static toff_t mem_seek(thandle_t h, toff_t off, int whence)
{
	tiff_state *s = h;
	toff_t base = whence == SEEK_CUR ? s->pos : whence == SEEK_END ? s->len : 0;
	s->pos = base + off;
	return s->pos;
}

static int mem_close(thandle_t h)
{
	(void)h;
	return 0;
}

static toff_t mem_size(thandle_t h) { return ((tiff_state *)h)->len; }

static int mem_map(thandle_t h, tdata_t *base, toff_t *size)
{
	tiff_state *s = h;
	*base = s->file;
	*size = s->len;
	return 1;
}

static void mem_unmap(thandle_t h, tdata_t base, toff_t size)
{
	(void)h, (void)base, (void)size;
}

static char tiff_text[256];

static void on_tiff_error(const char *module, const char *fmt, va_list ap)
{
	(void)module;
	if (tiff_text[0]) /* the first message says most */
		return;
	vsnprintf(tiff_text, sizeof tiff_text, fmt, ap);
	for (char *c = tiff_text; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = ' ';
}

static void tiff_once(void)
{
	static int done;
	if (!done) {
		TIFFSetErrorHandler(on_tiff_error);
		TIFFSetWarningHandler(NULL);
		done = 1;
	}
}

static int tiff_fail(const char *what)
{
	return sr_fail("%s%s%s", what, tiff_text[0] ? ": " : "", tiff_text);
}

/* ---- vendor tags ---- */

/* A tag libtiff does not know (it keeps them as anonymous fields, counted). */
static int anon(TIFF *tif, uint32_t tag, uint32_t *count, void **data, TIFFDataType *type)
{
	const TIFFField *f = TIFFFieldWithTag(tif, tag);
	if (!f || !TIFFGetField(tif, tag, count, data) || !*data)
		return 0;
	*type = TIFFFieldDataType(f);
	return 1;
}

/* A copy of a text tag (ASCII or bytes), NUL-terminated; NULL if absent. */
static char *tag_text(TIFF *tif, uint32_t tag)
{
	uint32_t n;
	void *d;
	TIFFDataType t;
	if (!anon(tif, tag, &n, &d, &t) || (t != TIFF_ASCII && t != TIFF_BYTE && t != TIFF_UNDEFINED))
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (s) {
		memcpy(s, d, n);
		s[n] = '\0';
	}
	return s;
}

static double tag_double(TIFF *tif, uint32_t tag)
{
	uint32_t n;
	void *d;
	TIFFDataType t;
	if (!anon(tif, tag, &n, &d, &t) || n < 1)
		return 0;
	return t == TIFF_DOUBLE ? *(double *)d : t == TIFF_FLOAT ? *(float *)d : 0;
}

/* The number after "key" in text (key includes its '=' or ' = '), 0 if none; the word after
 * it in unit when unit is not NULL. */
static double after(const char *text, const char *key, char *unit, size_t cap)
{
	const char *p = text ? strstr(text, key) : NULL;
	if (!p)
		return 0;
	char *end;
	double v = strtod(p + strlen(key), &end);
	if (end == p + strlen(key))
		return 0;
	if (unit) {
		while (*end == ' ')
			end++;
		size_t k = 0;
		while (end[k] && end[k] != ' ' && end[k] != '\r' && end[k] != '\n' && k + 1 < cap)
			k++;
		memcpy(unit, end, k);
		unit[k] = '\0';
	}
	return v;
}

typedef struct {
	double x, y;
	char unit[32];
	char detector[64];
} calibration;

static void vendor_calibration(TIFF *tif, calibration *c)
{
	memset(c, 0, sizeof *c);
	char *fei = tag_text(tif, 34682);
	if (!fei)
		fei = tag_text(tif, 34680);
	if (fei && (c->x = after(fei, "PixelWidth=", NULL, 0)) > 0) {
		c->y = after(fei, "PixelHeight=", NULL, 0);
		strcpy(c->unit, "m");
		const char *det = strstr(fei, "[Detectors]");
		const char *name = det ? strstr(det, "Name=") : NULL;
		if (name) {
			name += 5;
			size_t k = strcspn(name, "\r\n");
			snprintf(c->detector, sizeof c->detector, "%.*s", (int)k, name);
		}
		free(fei);
		return;
	}
	free(fei);
	if ((c->x = tag_double(tif, 65009)) > 0) {
		c->y = tag_double(tif, 65010);
		char *u = tag_text(tif, 65003);
		snprintf(c->unit, sizeof c->unit, "%s", u ? u : "");
		free(u);
		return;
	}
	char *zeiss = tag_text(tif, 34118);
	if (zeiss && (c->x = after(zeiss, "\nPixel Size = ", c->unit, sizeof c->unit)) > 0) {
		c->y = c->x;
		free(zeiss);
		return;
	}
	free(zeiss);
	char *desc = NULL;
	float xres = 0, yres = 0;
	if (TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &desc) && desc &&
	    strncmp(desc, "ImageJ=", 7) == 0 && TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres) &&
	    xres > 0) {
		const char *u = strstr(desc, "\nunit=");
		if (u) {
			u += 6;
			size_t k = strcspn(u, "\r\n");
			snprintf(c->unit, sizeof c->unit, "%.*s", (int)k, u);
			/* ImageJ escapes the micro sign */
			if (strcmp(c->unit, "\\u00B5m") == 0)
				strcpy(c->unit, "um");
			c->x = 1.0 / xres;
			c->y = TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yres) && yres > 0 ? 1.0 / yres : c->x;
		}
		return;
	}
	c->x = 0;
}

/* ---- pages ---- */

static int probe(const unsigned char *h, size_t n)
{
	if (n < 4)
		return SR_PROBE_NO;
	if ((h[0] == 'I' && h[1] == 'I' && (h[2] == 42 || h[2] == 43) && h[3] == 0) ||
	    (h[0] == 'M' && h[1] == 'M' && h[2] == 0 && (h[3] == 42 || h[3] == 43)))
		return SR_PROBE_YES;
	return SR_PROBE_NO;
}

static void close_file(tiff_state *s)
{
	if (s->tif)
		TIFFClose(s->tif);
	if (s->line)
		_TIFFfree(s->line);
	free(s->file);
	memset(s, 0, sizeof *s);
}

static void free_state(void *state)
{
	close_file(state);
	free(state);
}

static const char *dtype_name(int format, int bits)
{
	static char name[16];
	snprintf(name, sizeof name, "%s%d", format == SAMPLEFORMAT_IEEEFP ? "float"
	                                    : format == SAMPLEFORMAT_INT ? "int" : "uint", bits);
	return name;
}

/* One sample of a row of bits-per-sample bits in the file's sample format, in host order
 * (libtiff swaps the bytes). */
static double sample(const unsigned char *row, uint32_t c, int bits, int format)
{
	switch (bits) {
	case 1: return row[c >> 3] >> (7 - (c & 7)) & 1;
	case 2: return row[c >> 2] >> (6 - 2 * (c & 3)) & 3;
	case 4: return row[c >> 1] >> (c & 1 ? 0 : 4) & 15;
	case 8: return format == SAMPLEFORMAT_INT ? (double)((const int8_t *)row)[c] : row[c];
	case 16: {
		uint16_t v;
		memcpy(&v, row + 2 * c, 2);
		return format == SAMPLEFORMAT_INT ? (double)(int16_t)v : v;
	}
	case 32: {
		uint32_t v;
		memcpy(&v, row + 4 * c, 4);
		if (format == SAMPLEFORMAT_IEEEFP) {
			float f;
			memcpy(&f, &v, 4);
			return f;
		}
		return format == SAMPLEFORMAT_INT ? (double)(int32_t)v : v;
	}
	default: {
		uint64_t v;
		memcpy(&v, row + 8 * c, 8);
		if (format == SAMPLEFORMAT_IEEEFP) {
			double d;
			memcpy(&d, &v, 8);
			return d;
		}
		return format == SAMPLEFORMAT_INT ? (double)(int64_t)v : (double)v;
	}
	}
}

static int read_page(sr_format_input *fi, tiff_state *s, sr_record *rec)
{
	TIFF *tif = s->tif;
	uint32_t w = 0, h = 0;
	uint16_t bits = 1, spp = 1, format = SAMPLEFORMAT_UINT;
	TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
	TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
	TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
	long page = s->page + 1;
	if (spp != 1)
		return sr_fail("TIFF page %ld has %u samples a pixel (colour): only grey images are "
		               "read", page, spp);
	if (format == SAMPLEFORMAT_COMPLEXINT || format == SAMPLEFORMAT_COMPLEXIEEEFP)
		return sr_fail("TIFF page %ld is complex data, not an image", page);
	if (format != SAMPLEFORMAT_UINT && format != SAMPLEFORMAT_INT && format != SAMPLEFORMAT_IEEEFP)
		format = SAMPLEFORMAT_UINT; /* "void": read as unsigned */
	int ok_bits = bits == 1 || bits == 2 || bits == 4 || bits == 8 || bits == 16 || bits == 32 ||
	              bits == 64;
	if (!ok_bits || (format == SAMPLEFORMAT_IEEEFP && bits != 32 && bits != 64))
		return sr_fail("TIFF page %ld has %u-bit %s samples, which this reader does not know",
		               page, bits, format == SAMPLEFORMAT_IEEEFP ? "float" : "integer");
	if (w < 1 || h < 1 || w > SR_MAX_DIM || h > SR_MAX_DIM)
		return sr_fail("TIFF page %ld has absurd size %lux%lu", page, (unsigned long)w,
		               (unsigned long)h);
	if (sr_record_reshape(rec, SR_LAYOUT_IMAGE, 1, (int)h, (int)w) < 0)
		return -1;
	tiff_text[0] = '\0';
	if (TIFFIsTiled(tif)) {
		uint32_t tw = 0, th = 0;
		TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
		TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
		tmsize_t tsize = TIFFTileSize(tif);
		if (tw < 1 || th < 1 || tsize <= 0 || (uint64_t)tw * bits > (uint64_t)tsize * 8 / th)
			return tiff_fail("bad TIFF tiles");
		unsigned char *tile = _TIFFmalloc(tsize);
		if (!tile)
			return sr_fail("out of memory for a TIFF tile");
		size_t rowbytes = ((size_t)tw * bits + 7) / 8;
		for (uint32_t y0 = 0; y0 < h; y0 += th)
			for (uint32_t x0 = 0; x0 < w; x0 += tw) {
				if (TIFFReadTile(tif, tile, x0, y0, 0, 0) < 0) {
					_TIFFfree(tile);
					return tiff_fail("unreadable TIFF tile");
				}
				for (uint32_t y = y0; y < y0 + th && y < h; y++)
					for (uint32_t x = x0; x < x0 + tw && x < w; x++)
						rec->data[(size_t)y * w + x] =
							(float)sample(tile + (y - y0) * rowbytes, x - x0, bits, format);
			}
		_TIFFfree(tile);
	} else {
		tmsize_t lsize = TIFFScanlineSize(tif);
		if (lsize <= 0 || (uint64_t)lsize * 8 < (uint64_t)w * bits)
			return tiff_fail("bad TIFF scanline size");
		if (s->line)
			_TIFFfree(s->line);
		if (!(s->line = _TIFFmalloc(lsize)))
			return sr_fail("out of memory for a TIFF row");
		for (uint32_t y = 0; y < h; y++) {
			if (TIFFReadScanline(tif, s->line, y, 0) < 0)
				return tiff_fail("unreadable TIFF data (truncated or corrupt)");
			for (uint32_t x = 0; x < w; x++)
				rec->data[(size_t)y * w + x] = (float)sample(s->line, x, bits, format);
		}
	}
	calibration cal;
	vendor_calibration(tif, &cal);
	sr_micrograph_info mi = {"TIFF", dtype_name(format, bits), page, s->pages, cal.x, cal.y,
	                         cal.x > 0 ? cal.unit : NULL, cal.detector, NULL};
	return sr_micrograph_meta(rec, fi->name, fi->record, &mi);
}

static int read_tiff(sr_format_input *fi, sr_record *rec)
{
	tiff_once();
	tiff_state *s = *fi->state;
	if (!s && !(s = *fi->state = calloc(1, sizeof *s)))
		return sr_fail("out of memory");
	if (!s->tif) {
		if (sr_input_slurp(fi->in, SR_MICROGRAPH_MAX_FILE, "TIFF file", &s->file, &s->len) < 0)
			return -1;
		tiff_text[0] = '\0';
		s->tif = TIFFClientOpen(fi->name, "rm", s, mem_read, mem_write, mem_seek, mem_close,
		                        mem_size, mem_map, mem_unmap);
		if (!s->tif) {
			close_file(s);
			return tiff_fail("unreadable TIFF file");
		}
		s->pages = TIFFNumberOfDirectories(s->tif);
		if (tiff_text[0]) { /* e.g. a page's directory beyond the end: a cut file */
			close_file(s);
			return tiff_fail("TIFF file is cut short or corrupt");
		}
		s->page = 0;
	}
	if (read_page(fi, s, rec) < 0) {
		close_file(s);
		return -1;
	}
	s->page++;
	if (s->page < s->pages && TIFFReadDirectory(s->tif))
		return 2;
	close_file(s);
	return 1;
}

const sr_format_def sr_format_tiff = {
	.name = "TIFF",
	.head_bytes = 4,
	.probe = probe,
	.read = read_tiff,
	.free_state = free_state,
};
