/* record.c: the record struct, the reader dispatch (tensor or Netpbm, by first byte), the
 * writer dispatch and the loop every filter runs.  See record.h. */
#include "io/record.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "io/recio.h"

void sr_record_init(sr_record *rec)
{
	rec->layout = SR_LAYOUT_IMAGE;
	rec->views = rec->height = rec->width = 0;
	rec->data = NULL;
	rec->cap = 0;
	sr_meta_init(&rec->meta);
}

void sr_record_free(sr_record *rec)
{
	free(rec->data);
	sr_meta_free(&rec->meta);
	sr_record_init(rec);
}

int sr_check_shape(int layout, int views, int height, int width)
{
	if (layout != SR_LAYOUT_IMAGE && layout != SR_LAYOUT_PROFILE && layout != SR_LAYOUT_VECTOR)
		return sr_fail("unknown layout %d", layout);
	if (views < 1 || views > SR_MAX_VIEWS)
		return sr_fail("%d views is outside 1..%d", views, SR_MAX_VIEWS);
	if (height < 1 || height > SR_MAX_DIM || width < 1 || width > SR_MAX_DIM)
		return sr_fail("size %dx%d is outside 1..%d", width, height, SR_MAX_DIM);
	if (layout != SR_LAYOUT_IMAGE && height != 1)
		return sr_fail("a %s has height 1, not %d", layout == SR_LAYOUT_PROFILE ? "profile" : "vector",
		               height);
	if (layout == SR_LAYOUT_VECTOR && views != 1)
		return sr_fail("a vector has 1 view, not %d", views);
	/* Each factor is at most 65536, so the product fits in 64 bits. */
	if ((long long)views * height * width > SR_MAX_SAMPLES)
		return sr_fail("%d x %d x %d samples is more than the limit of %ld", views, height, width,
		               SR_MAX_SAMPLES);
	return 0;
}

int sr_record_reshape(sr_record *rec, int layout, int views, int height, int width)
{
	if (sr_check_shape(layout, views, height, width) < 0)
		return -1;
	size_t n = (size_t)views * (size_t)height * (size_t)width;
	if (n > rec->cap) {
		float *d = realloc(rec->data, n * sizeof *d);
		if (!d)
			return sr_fail("out of memory for %zu samples", n);
		rec->data = d;
		rec->cap = n;
	}
	rec->layout = layout;
	rec->views = views;
	rec->height = height;
	rec->width = width;
	return 0;
}

size_t sr_record_size(const sr_record *rec)
{
	return (size_t)rec->views * (size_t)rec->height * (size_t)rec->width;
}

float *sr_record_view(sr_record *rec, int v)
{
	return rec->data + (size_t)v * (size_t)rec->height * (size_t)rec->width;
}

int sr_record_copy(sr_record *dst, const sr_record *src)
{
	if (dst == src)
		return 0;
	if (sr_record_reshape(dst, src->layout, src->views, src->height, src->width) < 0)
		return -1;
	memcpy(dst->data, src->data, sr_record_size(src) * sizeof *src->data);
	return sr_meta_copy(&dst->meta, &src->meta);
}

/* ---- reading ---- */

sr_reader *sr_reader_open(const char *path)
{
	if (!path)
		path = "-";
	sr_reader *rd = calloc(1, sizeof *rd);
	if (!rd || !(rd->path = strdup(path))) {
		free(rd);
		sr_fail("out of memory");
		return NULL;
	}
	if (strcmp(path, "-") == 0) {
		rd->f = stdin;
		rd->name = "(stdin)";
	} else {
		rd->f = fopen(path, "rb");
		rd->name = rd->path;
		rd->owns = 1;
		if (!rd->f) {
			sr_fail("%s: %s", path, strerror(errno));
			free(rd->path);
			free(rd);
			return NULL;
		}
	}
	return rd;
}

int sr_reader_reserve(sr_reader *rd, size_t n)
{
	if (n <= rd->bufcap)
		return 0;
	unsigned char *b = realloc(rd->buf, n);
	if (!b)
		return sr_fail("out of memory for %zu bytes", n);
	rd->buf = b;
	rd->bufcap = n;
	return 0;
}

int sr_reader_next(sr_reader *rd, sr_record *rec)
{
	long n = rd->count + 1;
	if (rd->failed)
		return sr_fail("%s: record %ld: input unusable after an earlier error", rd->name, n);
	/* Skip whitespace between images, as pnm_nextimage does, then look at one byte. */
	int c;
	do
		c = getc(rd->f);
	while (c != EOF && isspace(c));
	if (c == EOF) {
		if (ferror(rd->f)) {
			rd->failed = 1;
			return sr_fail("%s: record %ld: read error: %s", rd->name, n, strerror(errno));
		}
		return 0;
	}
	ungetc(c, rd->f);
	int r;
	if (c == 'S')
		r = sr_tensor_read(rd, rec);
	else if (c == 'P')
		r = sr_pnm_read(rd, rec);
	else
		r = sr_fail("not a Netpbm image or stemrot tensor record (starts with byte 0x%02x)", c);
	if (r < 0) {
		rd->failed = 1;
		return sr_fail_context("%s: record %ld", rd->name, n);
	}
	rd->count = n;
	return 1;
}

void sr_reader_close(sr_reader *rd)
{
	if (!rd)
		return;
	if (rd->owns && rd->f)
		fclose(rd->f);
	sr_pnm_reader_free(rd);
	free(rd->buf);
	free(rd->path);
	free(rd);
}

const char *sr_reader_name(const sr_reader *rd) { return rd->name; }

long sr_reader_count(const sr_reader *rd) { return rd->count; }

/* ---- writing ---- */

int sr_record_write(FILE *out, const sr_record *rec, const sr_write_options *opt)
{
	static const sr_write_options defaults = {SR_FORMAT_TENSOR, 0, 0};
	if (!opt)
		opt = &defaults;
	if (opt->format == SR_FORMAT_PAM)
		return sr_pam_write(out, rec, opt->maxval, 0);
	return sr_tensor_write(out, rec, opt->compress);
}

/* ---- the loop ---- */

int sr_for_each_record(int npaths, char **paths, sr_record_fn fn, void *ctx)
{
	static char *stdin_only[] = {"-"};
	if (npaths <= 0) {
		npaths = 1;
		paths = stdin_only;
	}
	sr_record rec;
	sr_record_init(&rec);
	int status = 0;
	for (int i = 0; i < npaths && status == 0; i++) {
		sr_reader *rd = sr_reader_open(paths[i]);
		if (!rd) {
			status = -1;
			break;
		}
		int r;
		while ((r = sr_reader_next(rd, &rec)) == 1) {
			if (fn(&rec, ctx) < 0) {
				sr_fail_context("%s: record %ld", rd->name, rd->count);
				r = -1;
				break;
			}
		}
		if (r < 0)
			status = -1;
		sr_reader_close(rd);
	}
	sr_record_free(&rec);
	return status;
}
