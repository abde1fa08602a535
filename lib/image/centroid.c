/* centroid.c: the particle's centroid, robust to noise at low dose.
 *
 * 1. Detection on a smoothed copy: threshold at background + max(nsigma * noise of the
 *    smoothed image, frac * (smoothed peak - background)); 8-connected components; the one with
 *    the largest integrated intensity is the particle (isolated noise peaks and small specks
 *    lose).  On large real images the automatic smoothing (min(w, h) / 64 px) merges the atomic
 *    columns of one particle into one component; above 512 px it is done on a binned copy
 *    (smooth_for_detection), so the work stays linear in the pixels.
 * 2. Refinement on the raw image: the intensity-weighted centroid of (image - background) in a
 *    disc window (soft edge, one pixel wide) centred on the current estimate, iterated to a
 *    fixed point.  Because the window is symmetric about the estimate, zero-mean noise adds no
 *    bias and a small background error pulls towards the window centre only, which at the
 *    fixed point is the particle centre itself. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "image/imgproc.h"

void sr_centroid_defaults(sr_centroid_options *opt)
{
	opt->smooth = -1;
	opt->nsigma = 4;
	opt->frac = 0.25;
	opt->max_iter = 50;
	opt->tol = 1e-4;
}

/* Windowed centroid of (img - bg) in a disc of radius R about (x, y).  0 if the mass is not
 * positive. */
static int window_centroid(const float *img, int w, int h, double bg, double x, double y,
                           double R, double *nx, double *ny, double *mass)
{
	int r0 = (int)floor(y - R - 1), r1 = (int)ceil(y + R + 1);
	int c0 = (int)floor(x - R - 1), c1 = (int)ceil(x + R + 1);
	if (r0 < 0)
		r0 = 0;
	if (c0 < 0)
		c0 = 0;
	if (r1 > h)
		r1 = h;
	if (c1 > w)
		c1 = w;
	double sw = 0, sx = 0, sy = 0;
	/* the weight is 1 well inside R - 0.5 and 0 well outside R + 0.5: only the pixels of the
	 * soft edge between need the square root (the margins keep rounding from deciding) */
	double in2 = R - 0.5 - 1e-6, out2 = R + 0.5 + 1e-6;
	in2 = in2 > 0 ? in2 * in2 : -1;
	out2 *= out2;
	for (int r = r0; r < r1; r++) {
		double py = r + 0.5 - y;
		for (int c = c0; c < c1; c++) {
			double px = c + 0.5 - x, d2 = px * px + py * py, wt = 1;
			if (d2 > out2)
				continue;
			if (!(d2 < in2)) {
				wt = R + 0.5 - sqrt(d2);
				if (wt <= 0)
					continue;
				if (wt > 1)
					wt = 1;
			}
			double v = wt * (img[(size_t)r * w + c] - bg);
			sw += v;
			sx += v * px;
			sy += v * py;
		}
	}
	*mass = sw;
	if (!(sw > 0))
		return 0;
	*nx = x + sx / sw;
	*ny = y + sy / sw;
	return 1;
}

/* Above this sigma the detection copy is smoothed on a binned image.  The direct kernel costs
 * 2 (8 sigma + 1) operations a pixel, and the automatic sigma grows with the image: an 8192 x
 * 8192 frame (sigma 128) took minutes.  Binning by b = sigma / 4 first keeps the work linear in
 * the pixels and the smoothed copy the same within a block (a quarter of the blur), its noise
 * too (b^2 pixels averaged, then smoothed by sigma / b binned pixels, is noise / (2 sqrt(pi)
 * sigma) as before).  Images up to 512 px (sigma 8) are smoothed exactly as before. */
#define DIRECT_SMOOTH_MAX 8.0

static int smooth_for_detection(const float *img, float *sm, int w, int h, double sigma)
{
	if (sigma <= DIRECT_SMOOTH_MAX)
		return sr_gaussian_filter(img, sm, w, h, sigma);
	int b = (int)(sigma / 4);
	int bw = (w + b - 1) / b, bh = (h + b - 1) / b;
	size_t bn = (size_t)bw * bh;
	double *sum = calloc(bn, sizeof *sum);
	float *bin = malloc(bn * sizeof *bin), *bs = malloc(bn * sizeof *bs);
	int rc = -1;
	if (!sum || !bin || !bs) {
		sr_fail("centroid: out of memory for a %dx%d image", w, h);
		goto out;
	}
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++)
			sum[(size_t)(r / b) * bw + c / b] += img[(size_t)r * w + c];
	for (int br = 0; br < bh; br++)
		for (int bc = 0; bc < bw; bc++) {
			int rows = h - br * b < b ? h - br * b : b, cols = w - bc * b < b ? w - bc * b : b;
			bin[(size_t)br * bw + bc] = (float)(sum[(size_t)br * bw + bc] / ((double)rows * cols));
		}
	if (sr_gaussian_filter(bin, bs, bw, bh, sigma / b) < 0)
		goto out;
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++)
			sm[(size_t)r * w + c] = bs[(size_t)(r / b) * bw + c / b];
	rc = 0;
out:
	free(sum);
	free(bin);
	free(bs);
	return rc;
}

int sr_centroid(const float *img, int w, int h, double background, double noise,
                const sr_centroid_options *opt, sr_centroid_result *out)
{
	if (!img || w < 1 || h < 1 || !out)
		return sr_fail("centroid: bad image");
	sr_centroid_options def;
	if (!opt) {
		sr_centroid_defaults(&def);
		opt = &def;
	}
	memset(out, 0, sizeof *out);
	out->x = w / 2.0;
	out->y = h / 2.0;
	size_t n = (size_t)w * h;
	double sigma = opt->smooth;
	if (sigma < 0) {
		sigma = (w < h ? w : h) / 64.0;
		if (sigma < 1.5)
			sigma = 1.5;
	}
	float *sm = malloc(n * sizeof *sm);
	int *lab = malloc(n * sizeof *lab);
	int *queue = malloc(n * sizeof *queue);
	if (!sm || !lab || !queue) {
		free(sm);
		free(lab);
		free(queue);
		return sr_fail("centroid: out of memory for a %dx%d image", w, h);
	}
	if (sigma > 0) {
		if (smooth_for_detection(img, sm, w, h, sigma) < 0)
			goto fail;
	} else {
		memcpy(sm, img, n * sizeof *sm);
	}
	double peak = -INFINITY;
	for (size_t i = 0; i < n; i++)
		if (sm[i] > peak)
			peak = sm[i];
	peak -= background;
	double noise_s = sigma > 0 ? noise / (2 * sqrt(M_PI) * sigma) : noise;
	double thr = opt->nsigma * noise_s;
	if (opt->frac * peak > thr)
		thr = opt->frac * peak;
	if (!(peak > 0) || !(peak > thr)) {
		free(sm);
		free(lab);
		free(queue);
		return 0;  /* nothing found: the image centre */
	}
	thr += background;
	/* 8-connected components above the threshold; keep the heaviest */
	for (size_t i = 0; i < n; i++)
		lab[i] = sm[i] > thr ? -1 : 0;
	int nlab = 0, bestlab = 0;
	double bestmass = -1;
	for (size_t s = 0; s < n; s++) {
		if (lab[s] != -1)
			continue;
		nlab++;
		size_t qh = 0, qt = 0;
		queue[qt++] = (int)s;
		lab[s] = nlab;
		double m = 0;
		while (qh < qt) {
			int p = queue[qh++];
			int r = p / w, c = p % w;
			m += sm[p] - background;
			for (int dr = -1; dr <= 1; dr++)
				for (int dc = -1; dc <= 1; dc++) {
					int rr = r + dr, cc = c + dc;
					if (rr < 0 || rr >= h || cc < 0 || cc >= w)
						continue;
					int q = rr * w + cc;
					if (lab[q] == -1) {
						lab[q] = nlab;
						queue[qt++] = q;
					}
				}
		}
		if (m > bestmass) {
			bestmass = m;
			bestlab = nlab;
		}
	}
	double sw = 0, sx = 0, sy = 0;
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++) {
			size_t i = (size_t)r * w + c;
			if (lab[i] != bestlab)
				continue;
			double v = sm[i] - background;
			sw += v;
			sx += v * (c + 0.5);
			sy += v * (r + 0.5);
		}
	double x = sx / sw, y = sy / sw, R0 = 0;
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++) {
			if (lab[(size_t)r * w + c] != bestlab)
				continue;
			double dx = c + 0.5 - x, dy = r + 0.5 - y, d = dx * dx + dy * dy;
			if (d > R0)
				R0 = d;
		}
	double R = sqrt(R0) + M_SQRT1_2 + 2 * sigma + 2;
	free(sm);
	free(lab);
	free(queue);
	out->found = 1;
	out->radius = R;
	out->x = x;
	out->y = y;
	double mass = bestmass;
	int it;
	for (it = 0; it < opt->max_iter; it++) {
		double nx, ny, m;
		if (!window_centroid(img, w, h, background, x, y, R, &nx, &ny, &m))
			break;
		double mv = hypot(nx - x, ny - y);
		x = nx;
		y = ny;
		mass = m;
		if (mv < opt->tol) {
			it++;
			break;
		}
	}
	/* a pathological drift (e.g. a second particle at the window's edge) must not leave the
	 * frame */
	if (!(x >= 0 && x <= w && y >= 0 && y <= h)) {
		x = out->x;
		y = out->y;
	}
	out->x = x;
	out->y = y;
	out->mass = mass;
	out->iterations = it;
	return 0;
fail:
	free(sm);
	free(lab);
	free(queue);
	return -1;
}
