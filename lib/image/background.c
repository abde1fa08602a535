/* background.c: the background level and noise of one view.
 *
 * BORDER: the pixels of a band along the four edges, a robust start (the shortest half of the
 * sorted values, which tolerates a particle covering up to about half of the band), then a
 * clipped mean iterated to a fixed point (4-sigma clipping: unbiased for Gaussian noise and
 * within a few per cent for Poisson counts down to a mean of 0.1, where a median of integer
 * counts would be off by up to half a count).
 * OTSU: the same clipped mean over the pixels below the Otsu threshold of the whole image, for
 * particles that fill most of the frame and cover the border.
 * AUTO: BORDER, unless the image is clearly two-class (Otsu's between-class variance above
 * 80% of the total) and more than half of the border band lies above the threshold. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "image/imgproc.h"

#define CLIP_K 4.0

/* LSD radix sort of finite floats (4 passes of 8 bits over order-preserving keys): several
 * times faster than qsort with a callback on the ~1000-value bands of small images.  Falls
 * back to insertion sort when the scratch buffer cannot be had. */
static void sort_floats(float *v, size_t n)
{
	uint32_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
	if (!a || !b) {
		free(a);
		free(b);
		for (size_t i = 1; i < n; i++) {
			float x = v[i];
			size_t j = i;
			for (; j > 0 && v[j - 1] > x; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, &v[i], sizeof u);
		a[i] = (u & 0x80000000u) ? ~u : u | 0x80000000u;
	}
	for (int shift = 0; shift < 32; shift += 8) {
		size_t cnt[257] = {0};
		for (size_t i = 0; i < n; i++)
			cnt[((a[i] >> shift) & 0xff) + 1]++;
		for (int k = 0; k < 256; k++)
			cnt[k + 1] += cnt[k];
		for (size_t i = 0; i < n; i++)
			b[cnt[(a[i] >> shift) & 0xff]++] = a[i];
		uint32_t *t = a;
		a = b;
		b = t;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t u = (a[i] & 0x80000000u) ? a[i] & 0x7fffffffu : ~a[i];
		memcpy(&v[i], &u, sizeof u);
	}
	free(a);
	free(b);
}

/* Robust mean and sd of v[0..n) (sorted in place). */
static void clipped_stats(float *v, size_t n, double *mean, double *sd)
{
	if (n == 0) {
		*mean = 0;
		*sd = 0;
		return;
	}
	sort_floats(v, n);
	double *ps = malloc((n + 1) * sizeof *ps), *ps2 = malloc((n + 1) * sizeof *ps2);
	if (!ps || !ps2) {  /* fall back to the median; no noise estimate */
		free(ps);
		free(ps2);
		*mean = v[n / 2];
		*sd = 0;
		return;
	}
	ps[0] = ps2[0] = 0;
	for (size_t i = 0; i < n; i++) {
		ps[i + 1] = ps[i] + v[i];
		ps2[i + 1] = ps2[i] + (double)v[i] * v[i];
	}
	/* start: the shortest half */
	size_t half = n / 2, best = 0;
	double c, s;
	if (half == 0) {
		c = v[0];
		s = 0;
	} else {
		double bw = INFINITY;
		for (size_t i = 0; i + half < n; i++) {
			double wd = (double)v[i + half] - v[i];
			if (wd < bw) {
				bw = wd;
				best = i;
			}
		}
		c = (ps[best + half + 1] - ps[best]) / (double)(half + 1);
		s = bw / 1.349;
	}
	if (!(s > 0)) {
		/* more than half the values are equal (low counts): sd of the lower 90% */
		size_t m = n - n / 10;
		if (m < 1)
			m = 1;
		double mu = ps[m] / m;
		double var = ps2[m] / m - mu * mu;
		s = var > 0 ? sqrt(var) : 0;
		if (!(s > 0)) {
			for (size_t i = 0; i < n; i++)
				if (v[i] != v[0]) {
					s = fabs((double)v[i] - v[0]);
					break;
				}
		}
		if (!(s > 0)) {
			*mean = v[0];
			*sd = 0;
			free(ps);
			free(ps2);
			return;
		}
	}
	size_t lo = 0, hi = n, plo = (size_t)-1, phi = (size_t)-1;
	double mu = c, sdv = s;
	for (int it = 0; it < 100; it++) {
		double a = c - CLIP_K * s, b = c + CLIP_K * s;
		/* lo: first index with v >= a; hi: first index with v > b */
		size_t l = 0, r = n;
		while (l < r) {
			size_t m = l + (r - l) / 2;
			if (v[m] < a)
				l = m + 1;
			else
				r = m;
		}
		lo = l;
		l = lo;
		r = n;
		while (l < r) {
			size_t m = l + (r - l) / 2;
			if (v[m] <= b)
				l = m + 1;
			else
				r = m;
		}
		hi = l;
		if (hi <= lo)
			break;
		size_t k = hi - lo;
		mu = (ps[hi] - ps[lo]) / k;
		double var = (ps2[hi] - ps2[lo]) / k - mu * mu;
		sdv = var > 0 ? sqrt(var) : 0;
		if (lo == plo && hi == phi)
			break;
		plo = lo;
		phi = hi;
		c = mu;
		if (sdv > 0)
			s = sdv;
	}
	*mean = mu;
	*sd = sdv;
	free(ps);
	free(ps2);
}

/* Otsu threshold over a 1024-bin histogram; eta = between-class / total variance. */
static double otsu_threshold(const float *img, size_t n, double *eta)
{
	float lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		if (img[i] < lo)
			lo = img[i];
		if (img[i] > hi)
			hi = img[i];
	}
	*eta = 0;
	if (!(hi > lo))
		return hi;
	enum { NB = 1024 };
	static const int nb = NB;
	double hist[NB] = {0};
	double scale = nb / ((double)hi - lo);
	for (size_t i = 0; i < n; i++) {
		int b = (int)((img[i] - (double)lo) * scale);
		if (b >= nb)
			b = nb - 1;
		if (b < 0)
			b = 0;
		hist[b]++;
	}
	double tot = 0, sum = 0, sum2 = 0;
	for (int b = 0; b < nb; b++) {
		double x = b + 0.5;
		tot += hist[b];
		sum += hist[b] * x;
		sum2 += hist[b] * x * x;
	}
	double mu_t = sum / tot, var_t = sum2 / tot - mu_t * mu_t;
	double w0 = 0, s0 = 0, bestv = -1;
	int bestb = 0;
	for (int b = 0; b < nb - 1; b++) {
		w0 += hist[b];
		s0 += hist[b] * (b + 0.5);
		double w1 = tot - w0;
		if (w0 <= 0 || w1 <= 0)
			continue;
		double m0 = s0 / w0, m1 = (sum - s0) / w1;
		double vb = w0 * w1 * (m0 - m1) * (m0 - m1) / (tot * tot);
		if (vb > bestv) {
			bestv = vb;
			bestb = b;
		}
	}
	*eta = var_t > 0 && bestv > 0 ? bestv / var_t : 0;
	return lo + (bestb + 1) / scale;  /* upper edge of the last background bin */
}

static size_t band_pixels(const float *img, int w, int h, int band, float *dst)
{
	size_t k = 0;
	for (int r = 0; r < h; r++) {
		int inrow = r < band || r >= h - band;
		for (int c = 0; c < w; c++)
			if (inrow || c < band || c >= w - band)
				dst[k++] = img[(size_t)r * w + c];
	}
	return k;
}

int sr_background_estimate(const float *img, int w, int h, int method, int band,
                           sr_background *out)
{
	if (!img || w < 1 || h < 1 || !out)
		return sr_fail("background: bad image");
	if (method < SR_BG_AUTO || method > SR_BG_ZERO)
		return sr_fail("background: unknown method %d", method);
	if (band < 0)
		return sr_fail("background: band %d is negative", band);
	if (band == 0) {
		band = (w < h ? w : h) / 16;
		if (band < 2)
			band = 2;
	}
	if (2 * band > w)
		band = (w + 1) / 2;
	if (2 * band > h)
		band = (h + 1) / 2;
	size_t n = (size_t)w * h;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(img[i]))
			return sr_fail("background: image holds non-finite values");
	float *buf = malloc(n * sizeof *buf);
	if (!buf)
		return sr_fail("background: out of memory for a %dx%d image", w, h);
	size_t nb = band_pixels(img, w, h, band, buf);
	double bmean, bsd;
	clipped_stats(buf, nb, &bmean, &bsd);
	int use = method;
	double thr = 0, eta = 0;
	if (method == SR_BG_AUTO || method == SR_BG_OTSU) {
		thr = otsu_threshold(img, n, &eta);
		if (method == SR_BG_AUTO) {
			use = SR_BG_BORDER;
			if (eta > 0.8) {
				size_t above = 0;
				nb = band_pixels(img, w, h, band, buf);
				for (size_t i = 0; i < nb; i++)
					above += buf[i] > thr;
				if (2 * above > nb)
					use = SR_BG_OTSU;
			}
		}
	}
	out->method = use;
	if (use == SR_BG_OTSU) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (img[i] < thr)
				buf[k++] = img[i];
		if (k == 0) {  /* constant image */
			out->level = img[0];
			out->noise = 0;
		} else {
			clipped_stats(buf, k, &out->level, &out->noise);
		}
	} else if (use == SR_BG_ZERO) {
		out->level = 0;
		out->noise = bsd;
	} else {
		out->level = bmean;
		out->noise = bsd;
	}
	free(buf);
	return 0;
}

static const char *const bg_names[] = {"auto", "border", "otsu", "zero"};

int sr_bg_method_parse(const char *s, int *method)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, bg_names[i]) == 0) {
			*method = i;
			return 0;
		}
	return sr_fail("unknown background method '%s' (auto, border, otsu, zero)", s);
}

const char *sr_bg_method_name(int method)
{
	return method >= 0 && method < 4 ? bg_names[method] : "?";
}

/* Immerkaer's estimator on blocks: sd = sqrt(pi/2) / 6 * mean |L * img| with L the 3x3
 * difference-of-Laplacians mask, which cancels planes and is blind to smooth structure. */
int sr_noise_estimate(const float *img, int w, int h, int block, double q, double *out)
{
	if (!img || w < 1 || h < 1 || !out)
		return sr_fail("noise: bad image");
	if (block < 3 || !(q >= 0 && q <= 1))
		return sr_fail("noise: bad block size %d or quantile %g", block, q);
	*out = 0;
	if (w < 3 || h < 3)
		return 0;
	int bw = (w - 2 + block - 1) / block, bh = (h - 2 + block - 1) / block;
	size_t nb = (size_t)bw * bh;
	double *sum = calloc(nb, sizeof *sum);
	int *cnt = calloc(nb, sizeof *cnt);
	float *est = malloc(nb * sizeof *est);
	if (!sum || !cnt || !est) {
		free(sum);
		free(cnt);
		free(est);
		return sr_fail("noise: out of memory");
	}
	for (int r = 1; r < h - 1; r++) {
		const float *a = img + (size_t)(r - 1) * w, *b = a + w, *c = b + w;
		size_t brow = (size_t)((r - 1) / block) * bw;
		for (int x = 1; x < w - 1; x++) {
			double v = (double)a[x - 1] - 2.0 * a[x] + a[x + 1] - 2.0 * b[x - 1] + 4.0 * b[x] -
			           2.0 * b[x + 1] + c[x - 1] - 2.0 * c[x] + c[x + 1];
			size_t k = brow + (size_t)(x - 1) / block;
			sum[k] += fabs(v);
			cnt[k]++;
		}
	}
	size_t m = 0;
	for (size_t k = 0; k < nb; k++)
		if (cnt[k] > 0)
			est[m++] = (float)(sqrt(M_PI / 2) / 6 * sum[k] / cnt[k]);
	if (m > 0) {
		sort_floats(est, m);
		size_t i = (size_t)floor(q * (double)(m - 1) + 0.5);
		*out = est[i];
	}
	free(sum);
	free(cnt);
	free(est);
	if (!isfinite(*out))
		return sr_fail("noise: image holds non-finite values");
	return 0;
}
