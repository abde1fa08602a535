/* denoise.c: Gaussian, median, bilateral and non-local-means filters on one view.
 * Borders mirror (half-sample symmetric: index -1 reads 0, index n reads n-1), so a flat
 * image stays flat and the image mean is kept by the Gaussian filter up to border effects.
 * Rows are independent and run under OpenMP; the result does not depend on the thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "imgproc.h"

static inline int mirror(int i, int n)
{
	if (i >= 0 && i < n)
		return i;
	int p = 2 * n;
	i %= p;
	if (i < 0)
		i += p;
	return i < n ? i : p - 1 - i;
}

static int check(const float *in, const float *out, int w, int h, const char *what)
{
	if (!in || !out || w < 1 || h < 1)
		return sr_fail("%s: bad image", what);
	return 0;
}

/* ---- Gaussian ---- */

int sr_gaussian_filter(const float *in, float *out, int w, int h, double sigma)
{
	if (check(in, out, w, h, "gaussian") < 0)
		return -1;
	if (!(sigma >= 0) || sigma > 1000)
		return sr_fail("gaussian: sigma %g is out of range 0..1000", sigma);
	size_t n = (size_t)w * h;
	if (sigma == 0) {
		if (out != in)
			memmove(out, in, n * sizeof *out);
		return 0;
	}
	int rad = (int)ceil(4 * sigma);
	double *k = malloc((size_t)(2 * rad + 1) * sizeof *k);
	float *tmp = malloc(n * sizeof *tmp);
	if (!k || !tmp) {
		free(k);
		free(tmp);
		return sr_fail("gaussian: out of memory");
	}
	double s = 0;
	for (int i = -rad; i <= rad; i++)
		s += k[i + rad] = exp(-0.5 * i * i / (sigma * sigma));
	for (int i = 0; i <= 2 * rad; i++)
		k[i] /= s;
	/* horizontal: in -> tmp */
	#pragma omp parallel for schedule(static) if (n > 65536)
	for (int r = 0; r < h; r++) {
		const float *src = in + (size_t)r * w;
		float *dst = tmp + (size_t)r * w;
		for (int c = 0; c < w; c++) {
			double a = 0;
			if (c - rad >= 0 && c + rad < w)
				for (int i = -rad; i <= rad; i++)
					a += k[i + rad] * src[c + i];
			else
				for (int i = -rad; i <= rad; i++)
					a += k[i + rad] * src[mirror(c + i, w)];
			dst[c] = (float)a;
		}
	}
	/* vertical: tmp -> out */
	#pragma omp parallel for schedule(static) if (n > 65536)
	for (int r = 0; r < h; r++) {
		float *dst = out + (size_t)r * w;
		for (int c = 0; c < w; c++) {
			double a = 0;
			for (int i = -rad; i <= rad; i++)
				a += k[i + rad] * tmp[(size_t)mirror(r + i, h) * w + c];
			dst[c] = (float)a;
		}
	}
	free(k);
	free(tmp);
	return 0;
}

/* ---- median ---- */

static float quickselect(float *a, int n, int kth)
{
	int lo = 0, hi = n - 1;
	while (lo < hi) {
		float piv = a[lo + (hi - lo) / 2];
		int i = lo, j = hi;
		while (i <= j) {
			while (a[i] < piv)
				i++;
			while (a[j] > piv)
				j--;
			if (i <= j) {
				float t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		}
		if (kth <= j)
			hi = j;
		else if (kth >= i)
			lo = i;
		else
			break;
	}
	return a[kth];
}

int sr_median_filter(const float *in, float *out, int w, int h, int radius)
{
	if (check(in, out, w, h, "median") < 0)
		return -1;
	if (radius < 0 || radius > 50)
		return sr_fail("median: radius %d is out of range 0..50", radius);
	size_t n = (size_t)w * h;
	if (radius == 0) {
		if (out != in)
			memmove(out, in, n * sizeof *out);
		return 0;
	}
	int side = 2 * radius + 1, cnt = side * side;
	float *src = malloc(n * sizeof *src);
	if (!src)
		return sr_fail("median: out of memory");
	memcpy(src, in, n * sizeof *src);
	int fail = 0;
	#pragma omp parallel if (n > 65536)
	{
		float *win = malloc((size_t)cnt * sizeof *win);
		if (!win) {
			#pragma omp atomic write
			fail = 1;
		}
		#pragma omp for schedule(static)
		for (int r = 0; r < h; r++) {
			if (!win)
				continue;
			for (int c = 0; c < w; c++) {
				int m = 0;
				for (int dr = -radius; dr <= radius; dr++) {
					const float *row = src + (size_t)mirror(r + dr, h) * w;
					for (int dc = -radius; dc <= radius; dc++)
						win[m++] = row[mirror(c + dc, w)];
				}
				out[(size_t)r * w + c] = quickselect(win, cnt, cnt / 2);
			}
		}
		free(win);
	}
	free(src);
	if (fail)
		return sr_fail("median: out of memory");
	return 0;
}

/* ---- bilateral ---- */

#define EXP_TABLE 4096
#define EXP_MAX 16.0  /* exp(-16) ~ 1e-7: beyond it the weight is 0 */

int sr_bilateral_filter(const float *in, float *out, int w, int h, double sigma_s,
                        double sigma_r)
{
	if (check(in, out, w, h, "bilateral") < 0)
		return -1;
	if (!(sigma_s > 0) || sigma_s > 100)
		return sr_fail("bilateral: spatial sigma %g is out of range (0, 100]", sigma_s);
	if (!(sigma_r > 0) || !isfinite(sigma_r))
		return sr_fail("bilateral: range sigma %g must be positive", sigma_r);
	size_t n = (size_t)w * h;
	int rad = (int)ceil(3 * sigma_s);
	int side = 2 * rad + 1;
	double *ws = malloc((size_t)side * side * sizeof *ws);
	float *src = malloc(n * sizeof *src);
	double *etab = malloc((EXP_TABLE + 2) * sizeof *etab);
	if (!ws || !src || !etab) {
		free(ws);
		free(src);
		free(etab);
		return sr_fail("bilateral: out of memory");
	}
	for (int dr = -rad; dr <= rad; dr++)
		for (int dc = -rad; dc <= rad; dc++) {
			double d2 = dr * dr + dc * dc;
			ws[(dr + rad) * side + dc + rad] =
				d2 <= (rad + 0.5) * (rad + 0.5) ? exp(-0.5 * d2 / (sigma_s * sigma_s)) : 0;
		}
	for (int i = 0; i <= EXP_TABLE + 1; i++)
		etab[i] = exp(-EXP_MAX * i / EXP_TABLE);
	memcpy(src, in, n * sizeof *src);
	const double scale = EXP_TABLE / EXP_MAX * 0.5 / (sigma_r * sigma_r);
	#pragma omp parallel for schedule(static) if (n > 16384)
	for (int r = 0; r < h; r++) {
		for (int c = 0; c < w; c++) {
			double v0 = src[(size_t)r * w + c];
			double sw = 0, sv = 0;
			for (int dr = -rad; dr <= rad; dr++) {
				const float *row = src + (size_t)mirror(r + dr, h) * w;
				const double *wrow = ws + (dr + rad) * side + rad;
				for (int dc = -rad; dc <= rad; dc++) {
					double wsp = wrow[dc];
					if (wsp == 0)
						continue;
					double v = row[mirror(c + dc, w)];
					double d = v - v0;
					double u = d * d * scale;  /* table index */
					if (u >= EXP_TABLE)
						continue;
					int iu = (int)u;
					double fr = u - iu;
					double wr = etab[iu] + fr * (etab[iu + 1] - etab[iu]);
					double wt = wsp * wr;
					sw += wt;
					sv += wt * v;
				}
			}
			out[(size_t)r * w + c] = (float)(sv / sw);  /* sw >= 1: the centre tap */
		}
	}
	free(ws);
	free(src);
	free(etab);
	return 0;
}

/* ---- non-local means ---- */

int sr_nlm_filter(const float *in, float *out, int w, int h, int patch, int search,
                  double hparam, double noise)
{
	if (check(in, out, w, h, "nlm") < 0)
		return -1;
	if (patch < 0 || patch > 10)
		return sr_fail("nlm: patch radius %d is out of range 0..10", patch);
	if (search < 1 || search > 30)
		return sr_fail("nlm: search radius %d is out of range 1..30", search);
	if (!(hparam > 0) || !isfinite(hparam))
		return sr_fail("nlm: h %g must be positive", hparam);
	if (!(noise >= 0) || !isfinite(noise))
		return sr_fail("nlm: noise %g must be non-negative", noise);
	/* padded copy so that patches and search offsets never leave it */
	int pad = patch + search;
	int pw = w + 2 * pad, ph = h + 2 * pad;
	size_t pn = (size_t)pw * ph, n = (size_t)w * h;
	float *p = malloc(pn * sizeof *p);
	double *sw = calloc(n, sizeof *sw), *sv = calloc(n, sizeof *sv);
	double *d2 = malloc((size_t)(h + 2 * patch) * (w + 2 * patch) * sizeof *d2);
	double *col = malloc((size_t)(h + 2 * patch) * w * sizeof *col);
	if (!p || !sw || !sv || !d2 || !col) {
		free(p);
		free(sw);
		free(sv);
		free(d2);
		free(col);
		return sr_fail("nlm: out of memory");
	}
	for (int r = 0; r < ph; r++)
		for (int c = 0; c < pw; c++)
			p[(size_t)r * pw + c] = in[(size_t)mirror(r - pad, h) * w + mirror(c - pad, w)];
	const int dw = w + 2 * patch, dh = h + 2 * patch;
	const double np = (double)(2 * patch + 1) * (2 * patch + 1);
	const double inv_h2 = 1 / (hparam * hparam), off2 = 2 * noise * noise;
	for (int oy = -search; oy <= search; oy++)
		for (int ox = -search; ox <= search; ox++) {
			/* squared differences over the region that patches of output pixels touch */
			for (int r = 0; r < dh; r++) {
				const float *a = p + (size_t)(r + search) * pw + search;
				const float *b = p + (size_t)(r + search + oy) * pw + search + ox;
				double *dr = d2 + (size_t)r * dw;
				for (int c = 0; c < dw; c++) {
					double d = (double)a[c] - b[c];
					dr[c] = d * d;
				}
			}
			/* box sum: horizontal into col (dh x w), then vertical */
			for (int r = 0; r < dh; r++) {
				const double *dr = d2 + (size_t)r * dw;
				double *cr = col + (size_t)r * w;
				double s = 0;
				for (int c = 0; c < 2 * patch + 1; c++)
					s += dr[c];
				cr[0] = s;
				for (int c = 1; c < w; c++) {
					s += dr[c + 2 * patch] - dr[c - 1];
					cr[c] = s;
				}
			}
			for (int c = 0; c < w; c++) {
				double s = 0;
				for (int r = 0; r < 2 * patch + 1; r++)
					s += col[(size_t)r * w + c];
				for (int r = 0; r < h; r++) {
					if (r > 0)
						s += col[(size_t)(r + 2 * patch) * w + c] - col[(size_t)(r - 1) * w + c];
					double dist = s / np - off2;
					if (dist < 0)
						dist = 0;
					double wt = exp(-dist * inv_h2);
					size_t i = (size_t)r * w + c;
					sw[i] += wt;
					sv[i] += wt * p[(size_t)(r + pad + oy) * pw + c + pad + ox];
				}
			}
		}
	for (size_t i = 0; i < n; i++)
		out[i] = (float)(sv[i] / sw[i]);
	free(p);
	free(sw);
	free(sv);
	free(d2);
	free(col);
	return 0;
}
