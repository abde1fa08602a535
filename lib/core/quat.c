#include "core/quat.h"

#include <math.h>

#define DEG (M_PI / 180.0)

void sr_quat_mul(const double *a, const double *b, double *o)
{
	double w = a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3];
	double x = a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2];
	double y = a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1];
	double z = a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0];
	o[0] = w;
	o[1] = x;
	o[2] = y;
	o[3] = z;
}

void sr_quat_conj(const double *q, double *o)
{
	o[0] = q[0];
	o[1] = -q[1];
	o[2] = -q[2];
	o[3] = -q[3];
}

int sr_quat_canon(double *q)
{
	double n = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
	if (!(n > 0) || !isfinite(n))
		return -1;
	int flip = 0;
	for (int i = 0; i < 4; i++)
		if (q[i] != 0) {
			flip = q[i] < 0;
			break;
		}
	for (int i = 0; i < 4; i++)
		q[i] = (flip ? -q[i] : q[i]) / n + 0.0; /* + 0.0: no -0 in the metadata */
	return 0;
}

void sr_quat_axis_angle(const double *axis, double deg, double *q)
{
	double n = sqrt(axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]);
	double h = 0.5 * deg * DEG, s = sin(h) / n;
	q[0] = cos(h);
	q[1] = axis[0] * s;
	q[2] = axis[1] * s;
	q[3] = axis[2] * s;
}

void sr_quat_to_mat(const double *q, double *R)
{
	double w = q[0], x = q[1], y = q[2], z = q[3];
	R[0] = 1 - 2 * (y * y + z * z);
	R[1] = 2 * (x * y - w * z);
	R[2] = 2 * (x * z + w * y);
	R[3] = 2 * (x * y + w * z);
	R[4] = 1 - 2 * (x * x + z * z);
	R[5] = 2 * (y * z - w * x);
	R[6] = 2 * (x * z - w * y);
	R[7] = 2 * (y * z + w * x);
	R[8] = 1 - 2 * (x * x + y * y);
}

void sr_mat_to_quat(const double *R, double *q)
{
	double t = R[0] + R[4] + R[8];
	/* the largest of the four squared components first, for accuracy */
	if (t >= R[0] && t >= R[4] && t >= R[8]) {
		double s = 2 * sqrt(1 + t);
		q[0] = 0.25 * s;
		q[1] = (R[7] - R[5]) / s;
		q[2] = (R[2] - R[6]) / s;
		q[3] = (R[3] - R[1]) / s;
	} else if (R[0] >= R[4] && R[0] >= R[8]) {
		double s = 2 * sqrt(1 + R[0] - R[4] - R[8]);
		q[0] = (R[7] - R[5]) / s;
		q[1] = 0.25 * s;
		q[2] = (R[1] + R[3]) / s;
		q[3] = (R[2] + R[6]) / s;
	} else if (R[4] >= R[8]) {
		double s = 2 * sqrt(1 + R[4] - R[0] - R[8]);
		q[0] = (R[2] - R[6]) / s;
		q[1] = (R[1] + R[3]) / s;
		q[2] = 0.25 * s;
		q[3] = (R[5] + R[7]) / s;
	} else {
		double s = 2 * sqrt(1 + R[8] - R[0] - R[4]);
		q[0] = (R[3] - R[1]) / s;
		q[1] = (R[2] + R[6]) / s;
		q[2] = (R[5] + R[7]) / s;
		q[3] = 0.25 * s;
	}
	sr_quat_canon(q);
}

void sr_mat_apply(const double *R, const double *v, double *o)
{
	double x = R[0] * v[0] + R[1] * v[1] + R[2] * v[2];
	double y = R[3] * v[0] + R[4] * v[1] + R[5] * v[2];
	double z = R[6] * v[0] + R[7] * v[1] + R[8] * v[2];
	o[0] = x;
	o[1] = y;
	o[2] = z;
}

void sr_mat_mul(const double *A, const double *B, double *o)
{
	double t[9];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			t[3 * i + j] = A[3 * i] * B[j] + A[3 * i + 1] * B[3 + j] + A[3 * i + 2] * B[6 + j];
	for (int i = 0; i < 9; i++)
		o[i] = t[i];
}

static double abs_dot(const double *a, const double *b)
{
	return fabs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]);
}

/* 2 acos(c) loses half the digits near c = 1; 4 atan2(|a - b|, |a + b|)-style is exact but
 * needs the sign: 2 atan2(sqrt(1 - c^2), c) is accurate enough for degrees to 1e-6. */
static double angle_from_dot(double c)
{
	if (c > 1)
		c = 1;
	double s = sqrt(fmax(0.0, (1 - c) * (1 + c)));
	return 2 * atan2(s, c) / DEG;
}

double sr_quat_angle(const double *a, const double *b)
{
	double na = sqrt(abs_dot(a, a)), nb = sqrt(abs_dot(b, b));
	return angle_from_dot(abs_dot(a, b) / (na * nb));
}

double sr_quat_angle_mod(const double *a, const double *b, const double (*g)[4], int n)
{
	double best = 0, bg[4];
	double na = sqrt(abs_dot(a, a)), nb = sqrt(abs_dot(b, b));
	for (int i = 0; i < n; i++) {
		sr_quat_mul(b, g[i], bg);
		double c = abs_dot(a, bg);
		if (c > best)
			best = c;
	}
	return angle_from_dot(best / (na * nb));
}

void sr_quat_haar(sr_rng *r, double *q)
{
	double u1 = sr_rng_uniform(r), u2 = sr_rng_uniform(r), u3 = sr_rng_uniform(r);
	double a = sqrt(1 - u1), b = sqrt(u1);
	q[0] = a * sin(2 * M_PI * u2);
	q[1] = a * cos(2 * M_PI * u2);
	q[2] = b * sin(2 * M_PI * u3);
	q[3] = b * cos(2 * M_PI * u3);
	if (sr_quat_canon(q) < 0) { /* cannot happen: |q| = 1 */
		q[0] = 1;
		q[1] = q[2] = q[3] = 0;
	}
}

void sr_quat_grid(long i, long n, double *q)
{
	const double phi = sqrt(2.0), psi = 1.533751168755204288118041;
	double s = i + 0.5, t = s / n;
	double r = sqrt(t), R = sqrt(1 - t);
	double alpha = 2 * M_PI * s / phi, beta = 2 * M_PI * s / psi;
	q[0] = r * sin(alpha);
	q[1] = r * cos(alpha);
	q[2] = R * sin(beta);
	q[3] = R * cos(beta);
	sr_quat_canon(q);
}

void sr_quat_tilt(double delta, double axis_deg, double *q)
{
	double axis[3] = {-sin(axis_deg * DEG), cos(axis_deg * DEG), 0};
	sr_quat_axis_angle(axis, delta, q);
}
