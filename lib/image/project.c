/* project.c: line integrals of a view along an arbitrary direction, exactly area-weighted.
 *
 * Each pixel is a unit square of constant intensity.  Its coordinate along the profile axis,
 * s = (x - w/2) cos phi - (y - h/2) sin phi, is spread over a trapezoid (the convolution of two
 * boxes of widths |cos phi| and |sin phi|) centred on the pixel centre's s; the pixel's value
 * is shared among the profile bins by the exact integral of that trapezoid over each bin.  At
 * multiples of 90 degrees the trapezoid is a unit box, so with bins aligned to the pixel grid
 * the profile is exactly the column (or row) sums. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "image/imgproc.h"

/* CDF of the trapezoid density (sum of U(-p/2, p/2) and U(-q/2, q/2), p >= q >= 0, p > 0). */
static double trap_cdf(double z, double p, double q)
{
	double a = 0.5 * (p + q), b = 0.5 * (p - q);
	if (z <= -a)
		return 0;
	if (z >= a)
		return 1;
	if (z < -b) {
		double t = z + a;
		return t * t / (2 * p * q);
	}
	if (z <= b)
		return q / (2 * p) + (z + b) / p;
	double t = a - z;
	return 1 - t * t / (2 * p * q);
}

int sr_project_default_length(int w, int h)
{
	return (int)ceil(sqrt((double)w * w + (double)h * h) - 1e-9);
}

int sr_project(const float *img, int w, int h, double phi_deg, float *profile, int len)
{
	if (!img || !profile || w < 1 || h < 1)
		return sr_fail("project: bad image");
	if (len < 1 || len > SR_MAX_DIM)
		return sr_fail("project: length %d is out of range 1..%d", len, SR_MAX_DIM);
	if (!isfinite(phi_deg))
		return sr_fail("project: angle is not finite");
	double ph = fmod(phi_deg, 360.0);
	if (ph < 0)
		ph += 360.0;
	double ca, sa;
	if (ph == 0) {
		ca = 1;
		sa = 0;
	} else if (ph == 90) {
		ca = 0;
		sa = 1;
	} else if (ph == 180) {
		ca = -1;
		sa = 0;
	} else if (ph == 270) {
		ca = 0;
		sa = -1;
	} else {
		ca = cos(ph * M_PI / 180);
		sa = sin(ph * M_PI / 180);
	}
	double p = fabs(ca), q = fabs(sa);
	if (q > p) {
		double t = p;
		p = q;
		q = t;
	}
	double *acc = calloc((size_t)len, sizeof *acc);
	if (!acc)
		return sr_fail("project: out of memory");
	const double half = 0.5 * (p + q), l2 = len / 2.0;
	for (int r = 0; r < h; r++) {
		double ys = -(r + 0.5 - h / 2.0) * sa;
		const float *row = img + (size_t)r * w;
		for (int c = 0; c < w; c++) {
			double v = row[c];
			if (v == 0)
				continue;
			double s0 = (c + 0.5 - w / 2.0) * ca + ys;  /* pixel centre */
			/* bins i cover s in [i - l2, i + 1 - l2) */
			int i0 = (int)floor(s0 - half + l2), i1 = (int)floor(s0 + half + l2);
			if (i1 < 0 || i0 >= len)
				continue;
			double prev = trap_cdf(i0 - l2 - s0, p, q);
			for (int i = i0; i <= i1; i++) {
				double cur = trap_cdf(i + 1 - l2 - s0, p, q);
				if (i >= 0 && i < len)
					acc[i] += v * (cur - prev);
				prev = cur;
			}
		}
	}
	for (int i = 0; i < len; i++)
		profile[i] = (float)acc[i];
	free(acc);
	return 0;
}
