#include "harmonic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "angles.h"
#include "err.h"

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* Median of the pixels within 2 px of the border. */
static int border_median(const float *img, int w, int h, double *out)
{
	int band = (w >= 8 && h >= 8) ? 2 : 1;
	size_t n = 0, cap = (size_t)2 * band * (w + h);
	float *v = malloc(cap * sizeof *v);
	if (!v)
		return sr_fail("harmonic: out of memory");
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++)
			if ((r < band || r >= h - band || c < band || c >= w - band) && n < cap)
				v[n++] = img[(size_t)r * w + c];
	qsort(v, n, sizeof *v, cmp_float);
	*out = n % 2 ? v[n / 2] : 0.5 * ((double)v[n / 2 - 1] + v[n / 2]);
	free(v);
	return 0;
}

/* Soft annulus weight: 1 for a <= r <= b, linear ramps of 1 px outside. */
static double annulus(double r, double a, double b)
{
	if (r < a - 1 || r > b + 1)
		return 0;
	if (r < a)
		return r - (a - 1);
	if (r > b)
		return (b + 1) - r;
	return 1;
}

/* Harmonic k over the annulus [a, b]: normalised magnitude and angle. */
static void harmonic_k(const float *img, int w, int h, double bg, double cx, double cy, int k,
                       double a, double b, double *theta, double *mag)
{
	double C = 0, S = 0, T = 0;
	for (int r = 0; r < h; r++) {
		double dy = -(r + 0.5 - cy);
		for (int c = 0; c < w; c++) {
			double dx = c + 0.5 - cx;
			double rr = sqrt(dx * dx + dy * dy);
			double wt = annulus(rr, a, b);
			if (wt == 0)
				continue;
			double v = (img[(size_t)r * w + c] - bg) * wt;
			double phi = atan2(dy, dx);
			C += v * cos(k * phi);
			S += v * sin(k * phi);
			T += v;
		}
	}
	*mag = T > 0 ? sqrt(C * C + S * S) / T : 0;
	*theta = sr_wrap(atan2(S, C) * 180 / M_PI / k, 360.0 / k);
}

int sr_harmonic(const float *img, int w, int h, int k, int kmin, int kmax,
                sr_harmonic_result *res)
{
	if (w < 4 || h < 4)
		return sr_fail("harmonic: image %dx%d is too small", w, h);
	if (k < 0 || k > SR_HARM_KMAX)
		return sr_fail("harmonic: order %d out of range 1..%d", k, SR_HARM_KMAX);
	if (k == 0 && (kmin < 1 || kmax > SR_HARM_KMAX || kmin > kmax))
		return sr_fail("harmonic: order range %d..%d is invalid", kmin, kmax);
	memset(res, 0, sizeof *res);
	double bg = 0;
	if (border_median(img, w, h, &bg) < 0)
		return -1;
	res->background = bg;

	/* Start: centroid of the pixels above half the peak of a 3x3 box-smoothed image. */
	double peak = -INFINITY;
	for (int r = 1; r < h - 1; r++)
		for (int c = 1; c < w - 1; c++) {
			double s = 0;
			for (int i = -1; i <= 1; i++)
				for (int j = -1; j <= 1; j++)
					s += img[(size_t)(r + i) * w + c + j];
			peak = fmax(peak, s / 9 - bg);
		}
	if (!(peak > 0))
		return sr_fail("harmonic: no signal above the background");
	double sx = 0, sy = 0, sw = 0, area = 0;
	for (int r = 1; r < h - 1; r++)
		for (int c = 1; c < w - 1; c++) {
			double s = 0;
			for (int i = -1; i <= 1; i++)
				for (int j = -1; j <= 1; j++)
					s += img[(size_t)(r + i) * w + c + j];
			if (s / 9 - bg > 0.5 * peak) {
				sx += c + 0.5;
				sy += r + 0.5;
				sw += 1;
				area += 1;
			}
		}
	double cx = sx / sw, cy = sy / sw;
	double rwin = 1.6 * sqrt(area / M_PI) + 4;

	/* Refine: centroid of the background-subtracted intensity inside a window. */
	double rrms = 0;
	for (int it = 0; it < 4; it++) {
		double mx = 0, my = 0, m0 = 0, m2 = 0;
		for (int r = 0; r < h; r++) {
			double y = r + 0.5, dy = y - cy;
			for (int c = 0; c < w; c++) {
				double x = c + 0.5, dx = x - cx;
				double d2 = dx * dx + dy * dy;
				if (d2 > rwin * rwin)
					continue;
				double v = img[(size_t)r * w + c] - bg;
				mx += v * x;
				my += v * y;
				m0 += v;
				m2 += v * d2;
			}
		}
		if (!(m0 > 0))
			return sr_fail("harmonic: no signal above the background");
		double ncx = mx / m0, ncy = my / m0;
		rrms = sqrt(fmax(m2 / m0, 1.0));
		cx = ncx;
		cy = ncy;
	}
	res->cx = cx;
	res->cy = cy;
	res->rrms = rrms;

	int kuse = k;
	if (k == 0) {
		double best = -1;
		for (int q = kmin; q <= kmax; q++) {
			double th, m;
			harmonic_k(img, w, h, bg, cx, cy, q, 0.8 * rrms, 2.2 * rrms, &th, &m);
			res->mag[q] = m;
			if (m > best) {
				best = m;
				kuse = q;
			}
		}
	}
	/* Circumradius of a regular k-gon from its rms radius: r^2 = R^2 (1 + 2 cos^2(pi/k)) / 6. */
	double ck = cos(M_PI / kuse);
	double R = kuse >= 3 ? rrms * sqrt(6 / (1 + 2 * ck * ck)) : 2 * rrms;
	double a = kuse >= 3 ? R * ck - 1.5 : 0.5 * R, b = R + 1.5;
	harmonic_k(img, w, h, bg, cx, cy, kuse, a, b, &res->theta, &res->conf);
	res->k = kuse;
	return 0;
}
