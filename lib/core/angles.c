#include "core/angles.h"

#include <math.h>
#include <stddef.h>

#define DEG (M_PI / 180.0)

double sr_wrap(double x, double period)
{
	double r = fmod(x, period);
	if (r < 0)
		r += period;
	if (r >= period) /* fmod of a tiny negative number plus period can round up */
		r -= period;
	return r;
}

double sr_angdiff(double a, double b, double period)
{
	double d = sr_wrap(a - b + period / 2, period) - period / 2;
	return d;
}

double sr_angerr(double a, double b, double period) { return fabs(sr_angdiff(a, b, period)); }

double sr_circmean(const double *a, const double *w, int n, double period, double *resultant)
{
	double c = 0, s = 0, sw = 0;
	double f = 2 * M_PI / period;
	for (int i = 0; i < n; i++) {
		double wi = w ? w[i] : 1.0;
		c += wi * cos(f * a[i]);
		s += wi * sin(f * a[i]);
		sw += wi;
	}
	if (resultant)
		*resultant = sw > 0 ? sqrt(c * c + s * s) / sw : 0;
	if (c == 0 && s == 0)
		return 0;
	return sr_wrap(atan2(s, c) / f, period);
}

double sr_head_angle(const float *u, int k, double *mag)
{
	double c = u[2 * (k - 1)], s = u[2 * (k - 1) + 1];
	if (mag)
		*mag = sqrt(c * c + s * s);
	if (c == 0 && s == 0)
		return 0;
	return sr_wrap(atan2(s, c) / DEG / k, 360.0 / k);
}

double sr_fit_offset(const double *est, const double *truth, int n, double period)
{
	double c = 0, s = 0, f = 2 * M_PI / period;
	for (int i = 0; i < n; i++) {
		double d = est[i] - truth[i];
		c += cos(f * d);
		s += sin(f * d);
	}
	if (c == 0 && s == 0)
		return 0;
	return sr_wrap(atan2(s, c) / f, period);
}
