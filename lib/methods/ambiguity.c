/* ambiguity.c: the classical moment baseline for 1D profiles (see ambiguity.h). */
#include <math.h>
#include <string.h>

#include "methods/ambiguity.h"
#include "core/angles.h"
#include "core/err.h"
#include "image/imgproc.h"
#include "synth/render.h"

/* ---------------------------------------------------------------- classical baseline */

/* Normalised k-th moment of a profile about its centroid: M_k / (M_0 (M_2/M_0)^(k/2)), the
 * background (median of 3 samples at each end) removed, within |s - s0| <= 3 sqrt(M2/M0) + 3
 * (the particle's extent plus the probe).  -1 when the profile has no signal. */
static int norm_moment(const float *p, int n, int k, double *mk)
{
	if (n < 8)
		return -1;
	float e[6] = {p[0], p[1], p[2], p[n - 3], p[n - 2], p[n - 1]};
	for (int i = 1; i < 6; i++) /* insertion sort of 6 */
		for (int j = i; j > 0 && e[j - 1] > e[j]; j--) {
			float t = e[j];
			e[j] = e[j - 1];
			e[j - 1] = t;
		}
	double bg = 0.5 * ((double)e[2] + e[3]);
	double lo = 0, hi = n, s0 = 0, R = 0;
	for (int it = 0; it < 3; it++) {
		double m0 = 0, m1 = 0, m2 = 0;
		for (int i = 0; i < n; i++) {
			double s = i + 0.5;
			if (s < lo || s > hi)
				continue;
			double v = p[i] - bg;
			m0 += v;
			m1 += v * s;
		}
		if (!(m0 > 0))
			return -1;
		s0 = m1 / m0;
		for (int i = 0; i < n; i++) {
			double s = i + 0.5;
			if (s < lo || s > hi)
				continue;
			m2 += (p[i] - bg) * (s - s0) * (s - s0);
		}
		if (!(m2 > 0))
			return -1;
		R = 3 * sqrt(m2 / m0); /* the circumradius is at most 2.83 sqrt(M2/M0) (k = 3) */
		lo = s0 - R - 3;
		hi = s0 + R + 3;
	}
	double m0 = 0, m2 = 0, m = 0;
	for (int i = 0; i < n; i++) {
		double s = i + 0.5 - s0;
		if (i + 0.5 < lo || i + 0.5 > hi)
			continue;
		double v = p[i] - bg;
		m0 += v;
		m2 += v * s * s;
		m += v * pow(s, k);
	}
	if (!(m0 > 0) || !(m2 > 0))
		return -1;
	*mk = m / (m0 * pow(m2 / m0, 0.5 * k));
	return 0;
}

int sr_profile_moment_angle(const float *p, int n, int k, double *folded)
{
	static double cache_a[SR_SHAPE_MAX_K + 1], cache_b[SR_SHAPE_MAX_K + 1];
	static int have[SR_SHAPE_MAX_K + 1];
	if (k < 3 || k > SR_SHAPE_MAX_K)
		return sr_fail("moments: order %d is out of range 3..%d", k, SR_SHAPE_MAX_K);
	if (!have[k]) { /* the shape constants from two clean renders: psi = 0 and P/2 */
		enum { S = 96 };
		static float img[S * S], q[S];
		double v[2];
		for (int j = 0; j < 2; j++) {
			sr_shape sh;
			sr_shape_init(&sh);
			sh.k = k;
			sh.radius = 30;
			sh.cx = sh.cy = S / 2.0;
			sh.theta = j * 180.0 / k;
			memset(img, 0, sizeof img);
			if (sr_render(&sh, img, S, S) < 0 || sr_project(img, S, S, 0, q, S) < 0 ||
			    norm_moment(q, S, k, &v[j]) < 0)
				return sr_fail("moments: cannot calibrate order %d", k);
		}
		cache_a[k] = 0.5 * (v[0] + v[1]);
		cache_b[k] = 0.5 * (v[0] - v[1]);
		have[k] = 1;
	}
	double mk;
	if (norm_moment(p, n, k, &mk) < 0) {
		sr_fail("moments: the profile has no signal above its ends");
		return SR_NO_SIGNAL;
	}
	double c = (mk - cache_a[k]) / cache_b[k];
	c = c > 1 ? 1 : c < -1 ? -1 : c;
	*folded = acos(c) / k * 180 / M_PI;
	return 0;
}

int sr_profile_moment_predict(const sr_record *rec, int k, int use_pair, sr_prediction *out)
{
	memset(out, 0, sizeof *out);
	if (rec->layout != SR_LAYOUT_PROFILE)
		return sr_fail("moments: the record is not a profile");
	double fa, fb = NAN, delta = NAN, agree;
	int n = rec->width;
	int rc = sr_profile_moment_angle(rec->data, n, k, &fa);
	if (rc < 0)
		return rc;
	if (use_pair && rec->views >= 2 && sr_meta_get_double(&rec->meta, "offset", &delta) == 0) {
		if ((rc = sr_profile_moment_angle(rec->data + (size_t)rec->height * n, n, k, &fb)) < 0)
			return rc;
	} else {
		delta = NAN;
	}
	out->phi = sr_profile_phi(rec);
	sr_mirror_answer(fa, fb, delta, out->phi, k, 2.0, out, &agree);
	out->raw = fa;
	out->k = k;
	out->calibrated = 1;
	out->conf = cos(k * agree * M_PI / 360.0);
	return 0;
}
