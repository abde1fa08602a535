/* particle.c: the particle's size and level in one view, and the zoom (particle.h). */
#include "image/particle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/sort.h"

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* The radix sort (qsort was a tenth of predict's time here), else qsort: the same order. */
static void sort_floats(float *v, size_t n)
{
	if (sr_sort_floats(v, n) < 0)
		qsort(v, n, sizeof *v, cmp_float);
}

/* The median of the 2 px border band (1 px for images under 8 px), as sr_normalise_view. */
static int border_median(const float *img, int w, int h, float *tmp, double *out)
{
	int band = (w >= 8 && h >= 8) ? 2 : 1;
	size_t nb = 0;
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++)
			if (r < band || r >= h - band || c < band || c >= w - band)
				tmp[nb++] = img[(size_t)r * w + c];
	if (!nb)
		return sr_fail("particle: empty image");
	sort_floats(tmp, nb);
	*out = nb % 2 ? tmp[nb / 2] : 0.5 * ((double)tmp[nb / 2 - 1] + tmp[nb / 2]);
	return 0;
}

int sr_particle_measure(const float *img, int w, int h, sr_particle_stats *out)
{
	memset(out, 0, sizeof *out);
	if (w < 1 || h < 1)
		return sr_fail("particle: bad image size %dx%d", w, h);
	size_t n = (size_t)w * h;
	float *tmp = malloc(n * sizeof *tmp);
	if (!tmp)
		return sr_fail("out of memory");
	double bg;
	if (border_median(img, w, h, tmp, &bg) < 0) {
		free(tmp);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		tmp[i] = (float)(img[i] - bg);
	sort_floats(tmp, n);
	double cut = 0.5 * tmp[(size_t)(0.95 * (n - 1))];
	free(tmp);
	if (!(cut > 0))
		return 0;
	double s = 0, sx = 0, sy = 0;
	size_t m = 0;
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++) {
			double v = img[(size_t)r * w + c] - bg;
			if (v > cut) {
				s += v;
				sx += v * (c + 0.5);
				sy += v * (r + 0.5);
				m++;
			}
		}
	double cx = sx / s, cy = sy / s, s2 = 0;
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++) {
			double v = img[(size_t)r * w + c] - bg;
			if (v > cut)
				s2 += v * ((c + 0.5 - cx) * (c + 0.5 - cx) + (r + 0.5 - cy) * (r + 0.5 - cy));
		}
	out->size = sqrt(s2 / s);
	out->signal = s / m;
	out->found = 1;
	return 0;
}

int sr_zoom_view(const float *in, int w, int h, double f, float *out)
{
	if (w < 1 || h < 1)
		return sr_fail("zoom: bad image size %dx%d", w, h);
	if (!(f > 0) || !isfinite(f))
		return sr_fail("zoom: bad factor %g", f);
	float *tmp = malloc((size_t)w * h * sizeof *tmp);
	if (!tmp)
		return sr_fail("out of memory");
	double bg;
	int r = border_median(in, w, h, tmp, &bg);
	free(tmp);
	if (r < 0)
		return -1;
	double cx = 0.5 * w, cy = 0.5 * h;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			/* the input point whose content lands on this pixel's centre, in pixel units
			 * where pixel c's centre is c */
			double sx = cx + (x + 0.5 - cx) / f - 0.5, sy = cy + (y + 0.5 - cy) / f - 0.5;
			double fx = floor(sx), fy = floor(sy), v = 0;
			int x0 = (int)fx, y0 = (int)fy;
			double ax = sx - fx, ay = sy - fy;
			for (int j = 0; j < 2; j++)
				for (int i = 0; i < 2; i++) {
					int xi = x0 + i, yj = y0 + j;
					double wt = (i ? ax : 1 - ax) * (j ? ay : 1 - ay);
					v += wt * (xi >= 0 && xi < w && yj >= 0 && yj < h ? in[(size_t)yj * w + xi] : bg);
				}
			out[(size_t)y * w + x] = (float)v;
		}
	return 0;
}
