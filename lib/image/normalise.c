/* normalise.c: view normalisation (imgproc.h), shared by training and prediction, so that
 * dose and gain do not matter to a network. */
#include <stdlib.h>
#include <string.h>

#include "image/imgproc.h"

#include "core/sort.h"
#include "io/record.h"

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* The radix sort (a quarter of train's time went to qsort here), else qsort. */
static void sort_floats(float *v, size_t n)
{
	if (sr_sort_floats(v, n) < 0)
		qsort(v, n, sizeof *v, cmp_float);
}

static void normalise(const float *in, int w, int h, int rows_are_profiles, float *out);

void sr_normalise_view(const float *in, int w, int h, float *out)
{
	normalise(in, w, h, h == 1, out);
}

void sr_normalise_layout(const float *in, int layout, int w, int h, float *out)
{
	normalise(in, w, h, h == 1 || layout == SR_LAYOUT_PROFILE, out);
}

static void normalise(const float *in, int w, int h, int rows_are_profiles, float *out)
{
	size_t n = (size_t)w * h;
	/* background: median of the 2 px border band (the two ends of a profile) */
	size_t nb = 0;
	float *tmp = malloc(n * sizeof *tmp);
	double bg = 0, level = 1;
	if (!tmp) { /* cannot happen for sane sizes; fall back to no normalisation */
		memmove(out, in, n * sizeof *out);
		return;
	}
	int band = rows_are_profiles ? (w >= 16 ? 3 : 1) : ((w >= 8 && h >= 8) ? 2 : 1);
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++)
			if (rows_are_profiles ? (c < band || c >= w - band)
			           : (r < band || r >= h - band || c < band || c >= w - band))
				tmp[nb++] = in[(size_t)r * w + c];
	if (nb) {
		sort_floats(tmp, nb);
		bg = nb % 2 ? tmp[nb / 2] : 0.5 * ((double)tmp[nb / 2 - 1] + tmp[nb / 2]);
	}
	for (size_t i = 0; i < n; i++)
		tmp[i] = (float)(in[i] - bg);
	sort_floats(tmp, n);
	double p95 = tmp[(size_t)(0.95 * (n - 1))];
	if (p95 > 0) {
		double s = 0;
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (tmp[i] > 0.5 * p95) {
				s += tmp[i];
				m++;
			}
		if (m && s > 0)
			level = s / m;
	}
	free(tmp);
	for (size_t i = 0; i < n; i++)
		out[i] = (float)((in[i] - bg) / level);
}
