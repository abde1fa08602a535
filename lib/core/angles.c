#include "core/angles.h"

#include <math.h>
#include <stddef.h>

#define DEG (M_PI / 180.0)
#define NORM_EPS 1e-4

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

/* One head: L = |z_B - M z_A|^2 for a 2x2 matrix M = (m00 m01; m10 m11); loss and
 * (optionally) gradients added into ga2, gb2 (2 floats each). */
static double head_loss_m(const float *a2, const float *b2, const double *M, double scale,
                          float *ga2, float *gb2)
{
	double ax = a2[0], ay = a2[1], bx = b2[0], by = b2[1];
	double na = sqrt(ax * ax + ay * ay + NORM_EPS * NORM_EPS);
	double nb = sqrt(bx * bx + by * by + NORM_EPS * NORM_EPS);
	double zax = ax / na, zay = ay / na, zbx = bx / nb, zby = by / nb;
	double vx = M[0] * zax + M[1] * zay, vy = M[2] * zax + M[3] * zay; /* M z_A */
	double dx = zbx - vx, dy = zby - vy;
	double L = dx * dx + dy * dy;
	if (ga2 || gb2) {
		/* dL/dz_B = 2 d ; dL/dz_A = -2 M^T d */
		double gbx = 2 * dx, gby = 2 * dy;
		double gax = -2 * (M[0] * dx + M[2] * dy), gay = -2 * (M[1] * dx + M[3] * dy);
		/* through z = u / n: dL/du = g / n - u (u.g) / n^3 */
		if (gb2) {
			double ug = bx * gbx + by * gby;
			gb2[0] += (float)(scale * (gbx / nb - bx * ug / (nb * nb * nb)));
			gb2[1] += (float)(scale * (gby / nb - by * ug / (nb * nb * nb)));
		}
		if (ga2) {
			double ug = ax * gax + ay * gay;
			ga2[0] += (float)(scale * (gax / na - ax * ug / (na * na * na)));
			ga2[1] += (float)(scale * (gay / na - ay * ug / (na * na * na)));
		}
	}
	return L;
}

/* The rotation case: M = R(alpha). */
static double head_loss(const float *a2, const float *b2, double alpha, double scale, float *ga2,
                        float *gb2)
{
	double M[4] = {cos(alpha), -sin(alpha), sin(alpha), cos(alpha)};
	return head_loss_m(a2, b2, M, scale, ga2, gb2);
}

double sr_mirror_loss(const float *u, const float *um, int K, const double *w, double scale,
                      float *g, float *gm)
{
	static const double J[4] = {1, 0, 0, -1};
	double total = 0;
	for (int k = 1; k <= K; k++) {
		double wk = w ? w[k - 1] : 1.0;
		if (wk == 0)
			continue;
		int o = 2 * (k - 1);
		total += wk * head_loss_m(u + o, um + o, J, scale * wk, g ? g + o : NULL,
		                          gm ? gm + o : NULL);
	}
	return total;
}

double sr_pair_loss(const float *ua, const float *ub, int K, double delta, const double *w,
                    double scale, double *per_head, float *ga, float *gb)
{
	double total = 0;
	for (int k = 1; k <= K; k++) {
		double wk = w ? w[k - 1] : 1.0;
		int o = 2 * (k - 1);
		double L = head_loss(ua + o, ub + o, k * delta * DEG, scale * wk, ga ? ga + o : NULL,
		                     gb ? gb + o : NULL);
		if (per_head)
			per_head[k - 1] = L;
		total += wk * L;
	}
	return total;
}

double sr_target_loss(const float *u, int K, double theta, const unsigned char *use, double scale,
                      float *g)
{
	double total = 0;
	for (int k = 1; k <= K; k++) {
		if (use && !use[k - 1])
			continue;
		int o = 2 * (k - 1);
		/* a fixed unit vector as "view A" rotated by 0: L = |z - t|^2 */
		float t[2] = {(float)cos(k * theta * DEG), (float)sin(k * theta * DEG)};
		total += head_loss(t, u + o, 0, scale, NULL, g ? g + o : NULL);
	}
	return total;
}

double sr_head_pair_loss(const float *ua, const float *ub, int k, double delta, double scale,
                         float *ga, float *gb)
{
	int o = 2 * (k - 1);
	return head_loss(ua + o, ub + o, k * delta * DEG, scale, ga ? ga + o : NULL,
	                 gb ? gb + o : NULL);
}

double sr_head_consistency(const float *ua, const float *ub, int k, double delta)
{
	int o = 2 * (k - 1);
	return head_loss(ua + o, ub + o, k * delta * DEG, 0, NULL, NULL);
}

int sr_detect_order(const double *head_loss, int K, double thresh)
{
	for (int k = 1; k <= K; k++)
		if (head_loss[k - 1] < thresh)
			return k;
	return 0;
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
