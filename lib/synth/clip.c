#include "synth/clip.h"

#include <string.h>

/* Clips polygon (n vertices in in[]) to the half-plane sign * (p[axis] - bound) >= 0. */
static int clip_axis(const double *in, int n, double *out, int axis, double bound, double sign)
{
	int m = 0;
	for (int i = 0; i < n; i++) {
		const double *p = in + 2 * i, *q = in + 2 * ((i + 1) % n);
		double dp = sign * (p[axis] - bound), dq = sign * (q[axis] - bound);
		if (dp >= 0) {
			out[2 * m] = p[0];
			out[2 * m + 1] = p[1];
			m++;
		}
		if ((dp >= 0) != (dq >= 0)) {
			double t = dp / (dp - dq);
			out[2 * m] = p[0] + t * (q[0] - p[0]);
			out[2 * m + 1] = p[1] + t * (q[1] - p[1]);
			out[2 * m + (axis)] = bound; /* land exactly on the boundary */
			m++;
		}
	}
	return m;
}

int sr_clip_unit_square(const double *in, int n, double *out)
{
	/* four passes between out and a scratch copy; each pass adds at most one vertex */
	double a[2 * 80];
	if (n > 72)
		return 0;
	n = clip_axis(in, n, a, 0, 0.0, 1.0);
	if (n < 3) return 0;
	n = clip_axis(a, n, out, 0, 1.0, -1.0);
	if (n < 3) return 0;
	n = clip_axis(out, n, a, 1, 0.0, 1.0);
	if (n < 3) return 0;
	n = clip_axis(a, n, out, 1, 1.0, -1.0);
	return n < 3 ? 0 : n;
}

void sr_polygon_moments(const double *xy, int n, double *area, double *mx, double *my)
{
	double a = 0, x = 0, y = 0;
	for (int i = 0; i < n; i++) {
		int j = (i + 1) % n;
		double c = xy[2 * i] * xy[2 * j + 1] - xy[2 * j] * xy[2 * i + 1];
		a += c;
		x += (xy[2 * i] + xy[2 * j]) * c;
		y += (xy[2 * i + 1] + xy[2 * j + 1]) * c;
	}
	*area = 0.5 * a;
	*mx = x / 6;
	*my = y / 6;
}
