/* distribution.c: the training distribution's percentiles (distribution.h). */
#include "learn/distribution.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "image/particle.h"

void sr_distribution_init(sr_distribution *d) { memset(d, 0, sizeof *d); }

void sr_distribution_free(sr_distribution *d)
{
	free(d->size);
	free(d->signal);
	sr_distribution_init(d);
}

int sr_distribution_add(sr_distribution *d, const sr_record *rec)
{
	if (rec->layout != SR_LAYOUT_IMAGE)
		return 0;
	size_t S = (size_t)rec->height * rec->width;
	for (int v = 0; v < rec->views && d->n < SR_DISTRIBUTION_MAX; v++) {
		sr_particle_stats st;
		if (sr_particle_measure(rec->data + v * S, rec->width, rec->height, &st) < 0)
			return -1;
		if (!st.found)
			continue;
		if (d->n == d->cap) {
			long nc = d->cap ? 2 * d->cap : 4096;
			double *a = realloc(d->size, nc * sizeof *a);
			if (a)
				d->size = a;
			double *b = realloc(d->signal, nc * sizeof *b);
			if (b)
				d->signal = b;
			if (!a || !b)
				return sr_fail("out of memory");
			d->cap = nc;
		}
		d->size[d->n] = st.size;
		d->signal[d->n] = st.signal;
		d->n++;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Percentiles 1, 50, 99 of v (sorted in place), nearest rank. */
static int store_percentiles(double *v, long n, const char *name, sr_meta *info)
{
	static const int pct[3] = {1, 50, 99};
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	for (int i = 0; i < 3; i++) {
		char key[48];
		snprintf(key, sizeof key, "train.%s.p%02d", name, pct[i]);
		if (sr_meta_set(info, key, "%.4g", v[(long)((n - 1) * pct[i] / 100.0 + 0.5)]) < 0)
			return -1;
	}
	return 0;
}

int sr_distribution_store(const sr_distribution *d, sr_meta *info)
{
	if (d->n == 0)
		return 0;
	double *v = malloc((size_t)d->n * sizeof *v);
	if (!v)
		return sr_fail("out of memory");
	memcpy(v, d->size, (size_t)d->n * sizeof *v);
	int r = store_percentiles(v, d->n, "size", info);
	memcpy(v, d->signal, (size_t)d->n * sizeof *v);
	if (r == 0)
		r = store_percentiles(v, d->n, "signal", info);
	free(v);
	if (r == 0)
		r = sr_meta_set_long(info, "train.measured", d->n);
	return r;
}

int sr_trained_range_get(const sr_meta *info, sr_trained_range *r)
{
	memset(r, 0, sizeof *r);
	static const char *keys[3] = {"train.size.p01", "train.size.p50", "train.size.p99"};
	double v[3];
	for (int i = 0; i < 3; i++) {
		int g = sr_meta_get_double(info, keys[i], &v[i]);
		if (g < 0)
			return -1;
		if (g == 1)
			return 0;
	}
	if (!(v[0] > 0 && v[0] <= v[1] && v[1] <= v[2]))
		return sr_fail("model info: train.size percentiles out of order");
	r->has = 1;
	r->size_lo = v[0] * (1 - SR_RANGE_MARGIN);
	r->size_mid = v[1];
	r->size_hi = v[2] * (1 + SR_RANGE_MARGIN);
	return 0;
}

int sr_trained_range_check(const sr_trained_range *r, const sr_record *rec,
                           sr_particle_stats *st)
{
	memset(st, 0, sizeof *st);
	if (!r->has || rec->layout != SR_LAYOUT_IMAGE)
		return 0;
	if (sr_particle_measure(rec->data, rec->width, rec->height, st) < 0)
		return -1;
	if (!st->found)
		return 0;
	return st->size < r->size_lo || st->size > r->size_hi ? SR_OUTSIDE_SIZE : 0;
}

int sr_trained_range_fit(const sr_trained_range *r, sr_record *rec, double *factor)
{
	*factor = 1;
	if (!r->has || rec->layout != SR_LAYOUT_IMAGE)
		return 0;
	sr_particle_stats st;
	if (sr_particle_measure(rec->data, rec->width, rec->height, &st) < 0)
		return -1;
	if (!st.found)
		return 0;
	size_t S = (size_t)rec->height * rec->width;
	float *tmp = malloc(S * sizeof *tmp);
	if (!tmp)
		return sr_fail("out of memory");
	double f = r->size_mid / st.size;
	for (int v = 0; v < rec->views; v++) {
		if (sr_zoom_view(rec->data + v * S, rec->width, rec->height, f, tmp) < 0) {
			free(tmp);
			return -1;
		}
		memcpy(rec->data + v * S, tmp, S * sizeof *tmp);
	}
	free(tmp);
	*factor = f;
	return 0;
}
