#include "image/harmonic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/angles.h"
#include "core/err.h"
#include "image/imgproc.h"

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
	sr_background bgr;
	if (sr_background_estimate(img, w, h, SR_BG_AUTO, 0, &bgr) < 0)
		return -1;
	double bg = bgr.level;
	res->background = bg;
	sr_centroid_result cr;
	if (sr_centroid(img, w, h, bg, bgr.noise, NULL, &cr) < 0)
		return -1;
	if (!cr.found || !(cr.mass > 0)) {
		sr_fail("harmonic: no signal above the background");
		return SR_NO_SIGNAL;
	}
	double cx = cr.x, cy = cr.y;
	/* rms radius about the centroid inside the centroid's window */
	double m0 = 0, m2 = 0, rwin = fmax(cr.radius, 4);
	for (int r = 0; r < h; r++) {
		double dy = r + 0.5 - cy;
		for (int c = 0; c < w; c++) {
			double dx = c + 0.5 - cx, d2 = dx * dx + dy * dy;
			if (d2 > rwin * rwin)
				continue;
			double v = img[(size_t)r * w + c] - bg;
			m0 += v;
			m2 += v * d2;
		}
	}
	if (!(m0 > 0)) {
		sr_fail("harmonic: no signal above the background");
		return SR_NO_SIGNAL;
	}
	double rrms = sqrt(fmax(m2 / m0, 1.0));
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
