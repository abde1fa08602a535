/* record.c: the record value: its buffer, its shape limits, copying.  See record.h. */
#include "io/record.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"

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

long sr_max_samples(void)
{
	const sr_limits *lim = sr_limits_get();
	return lim ? (long)lim->samples : 1L << 26;
}

const char *sr_layout_name(int layout)
{
	return layout == SR_LAYOUT_IMAGE ? "image" : layout == SR_LAYOUT_PROFILE ? "profile" : "vector";
}

int sr_layout_parse(const char *name)
{
	return strcmp(name, "image") == 0 ? SR_LAYOUT_IMAGE
	       : strcmp(name, "profile") == 0 ? SR_LAYOUT_PROFILE
	       : strcmp(name, "vector") == 0 ? SR_LAYOUT_VECTOR : 0;
}

int sr_check_shape(int layout, int views, int height, int width)
{
	if (layout != SR_LAYOUT_IMAGE && layout != SR_LAYOUT_PROFILE && layout != SR_LAYOUT_VECTOR)
		return sr_fail("unknown layout %d", layout);
	if (views < 1 || views > SR_MAX_VIEWS)
		return sr_fail("%d views is outside 1..%d", views, SR_MAX_VIEWS);
	if (height < 1 || height > SR_MAX_DIM || width < 1 || width > SR_MAX_DIM)
		return sr_fail("size %dx%d is outside 1..%d", width, height, SR_MAX_DIM);
	if (layout == SR_LAYOUT_VECTOR && height != 1)
		return sr_fail("a vector has height 1, not %d", height);
	if (layout == SR_LAYOUT_PROFILE && height > SR_MAX_PROFILES)
		return sr_fail("%d profiles per view is more than %d", height, SR_MAX_PROFILES);
	if (layout == SR_LAYOUT_VECTOR && views != 1)
		return sr_fail("a vector has 1 view, not %d", views);
	/* Each factor is at most 65536, so the product fits in 64 bits. */
	const sr_limits *lim = sr_limits_get();
	if (!lim)
		return -1;
	if ((long long)views * height * width > lim->samples)
		return sr_fail("%d x %d x %d samples is more than the limit of %lld (samples; see "
		               "STEMROT_LIMITS in stemrot-stream(5))", views, height, width, lim->samples);
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
