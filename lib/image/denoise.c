/* denoise.c: Gaussian, median, bilateral and non-local-means filters on one view.
 * Borders mirror (half-sample symmetric: index -1 reads 0, index n reads n-1), so a flat
 * image stays flat and the image mean is kept by the Gaussian filter up to border effects.
 * Rows are independent and run under OpenMP; the result does not depend on the thread count. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "image/imgproc.h"

/* OpenMP pragmas that vanish, without a warning, in a build without OpenMP */
#define SR_PRAGMA(x) _Pragma(#x)
#ifdef _OPENMP
#define SR_OMP(x) SR_PRAGMA(omp x)
#else
#define SR_OMP(x)
#endif

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
	/* horizontal: in -> tmp, a row at a time from a copy with mirrored margins, the taps
	 * outside and the columns inside (vector instructions); each sum adds its terms in the
	 * order of the taps, as a loop over the taps per column would */
	SR_OMP(parallel if (n > 65536))
	{
		float *prow = malloc((size_t)(w + 2 * rad) * sizeof *prow);
		double *acc = malloc((size_t)w * sizeof *acc);
		SR_OMP(for schedule(static))
		for (int r = 0; r < h; r++) {
			const float *src = in + (size_t)r * w;
			float *dst = tmp + (size_t)r * w;
			if (!prow || !acc) { /* no scratch: the slow path, the same sums */
				for (int c = 0; c < w; c++) {
					double a = 0;
					for (int i = -rad; i <= rad; i++)
						a += k[i + rad] * src[mirror(c + i, w)];
					dst[c] = (float)a;
				}
				continue;
			}
			for (int c = -rad; c < w + rad; c++)
				prow[c + rad] = src[c >= 0 && c < w ? c : mirror(c, w)];
			for (int c = 0; c < w; c++)
				acc[c] = 0;
			for (int i = 0; i <= 2 * rad; i++) {
				const float *q = prow + i;
				double ki = k[i];
				SR_OMP(simd)
				for (int c = 0; c < w; c++)
					acc[c] += ki * q[c];
			}
			for (int c = 0; c < w; c++)
				dst[c] = (float)acc[c];
		}
		free(prow);
		free(acc);
	}
	/* vertical: tmp -> out, one source row at a time */
	SR_OMP(parallel if (n > 65536))
	{
		double *acc = malloc((size_t)w * sizeof *acc);
		SR_OMP(for schedule(static))
		for (int r = 0; r < h; r++) {
			float *dst = out + (size_t)r * w;
			if (!acc) {  /* no scratch row: the slow path */
				for (int c = 0; c < w; c++) {
					double a = 0;
					for (int i = -rad; i <= rad; i++)
						a += k[i + rad] * tmp[(size_t)mirror(r + i, h) * w + c];
					dst[c] = (float)a;
				}
				continue;
			}
			for (int c = 0; c < w; c++)
				acc[c] = 0;
			for (int i = -rad; i <= rad; i++) {
				const float *src = tmp + (size_t)mirror(r + i, h) * w;
				double ki = k[i + rad];
				SR_OMP(simd)
				for (int c = 0; c < w; c++)
					acc[c] += ki * src[c];
			}
			for (int c = 0; c < w; c++)
				dst[c] = (float)acc[c];
		}
		free(acc);
	}
	free(k);
	free(tmp);
	return 0;
}

/* (h + 2p) x (w + 2p) mirrored copy; NULL when out of memory. */
static float *pad_mirror(const float *in, int w, int h, int p, int *pw_out)
{
	int pw = w + 2 * p, ph = h + 2 * p;
	float *o = malloc((size_t)pw * ph * sizeof *o);
	if (!o)
		return NULL;
	for (int r = 0; r < ph; r++) {
		const float *src = in + (size_t)mirror(r - p, h) * w;
		float *dst = o + (size_t)r * pw;
		for (int c = 0; c < p; c++)
			dst[c] = src[mirror(c - p, w)];
		memcpy(dst + p, src, (size_t)w * sizeof *o);
		for (int c = w + p; c < pw; c++)
			dst[c] = src[mirror(c - p, w)];
	}
	*pw_out = pw;
	return o;
}

/* exp(-u) for u >= 0 by linear interpolation in a table over [0, EXP_MAX) (relative error
 * below 4e-5); 0 from EXP_MAX on, where the weight would be below 1.2e-7. */
#define EXP_N 1024
#define EXP_MAX 16.0f
#define EXP_SCALE ((float)EXP_N / EXP_MAX)
static void exp_table(float *t)
{
	for (int i = 0; i < EXP_N; i++)
		t[i] = (float)exp(-(double)EXP_MAX * i / EXP_N);
	t[EXP_N] = t[EXP_N + 1] = 0;
}

static inline float nexp(const float *t, float u)
{
	u *= EXP_SCALE;
	u = u < (float)EXP_N ? u : (float)EXP_N;  /* a min instruction, no branch */
	int iu = (int)u;
	float fr = u - (float)iu;
	return t[iu] + fr * (t[iu + 1] - t[iu]);
}

/* ---- median ---- */

#define SORT2(a, b) do { float x_ = (a), y_ = (b); (a) = x_ < y_ ? x_ : y_; (b) = y_ > x_ ? y_ : x_; } while (0)

/* median of 9 by the exchange network of Paeth (Graphics Gems), 19 compare-exchanges */
static inline float median9(float *p)
{
	SORT2(p[1], p[2]); SORT2(p[4], p[5]); SORT2(p[7], p[8]);
	SORT2(p[0], p[1]); SORT2(p[3], p[4]); SORT2(p[6], p[7]);
	SORT2(p[1], p[2]); SORT2(p[4], p[5]); SORT2(p[7], p[8]);
	SORT2(p[0], p[3]); SORT2(p[5], p[8]); SORT2(p[4], p[7]);
	SORT2(p[3], p[6]); SORT2(p[1], p[4]); SORT2(p[2], p[5]);
	SORT2(p[4], p[7]); SORT2(p[4], p[2]); SORT2(p[6], p[4]);
	SORT2(p[4], p[2]);
	return p[4];
}

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

/* A thread's scratch in a parallel region; NULL, with *fail set, when out of memory. */
static void *thread_alloc(size_t bytes, int *fail)
{
	void *p = malloc(bytes);
	if (!p) {
		SR_OMP(atomic write)
		*fail = 1;
	}
	return p;
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
	for (size_t i = 0; i < n; i++)
		if (isnan(in[i]))
			return sr_fail("median: the image holds NaN");
	int side = 2 * radius + 1, cnt = side * side, pw;
	float *pad = pad_mirror(in, w, h, radius, &pw);
	if (!pad)
		return sr_fail("median: out of memory");
	int fail = 0;
	SR_OMP(parallel if (n > 65536))
	{
		float *win = thread_alloc((size_t)cnt * sizeof *win, &fail);
		SR_OMP(for schedule(static))
		for (int r = 0; r < h; r++) {
			if (!win)
				continue;
			if (cnt == 9) {
				const float *q0 = pad + (size_t)r * pw, *q1 = q0 + pw, *q2 = q1 + pw;
				for (int c = 0; c < w; c++) {
					float p9[9] = {q0[c], q0[c + 1], q0[c + 2], q1[c], q1[c + 1], q1[c + 2],
					               q2[c], q2[c + 1], q2[c + 2]};
					out[(size_t)r * w + c] = median9(p9);
				}
				continue;
			}
			for (int c = 0; c < w; c++) {
				int m = 0;
				for (int dr = 0; dr < side; dr++) {
					const float *row = pad + (size_t)(r + dr) * pw + c;
					for (int dc = 0; dc < side; dc++)
						win[m++] = row[dc];
				}
				out[(size_t)r * w + c] = quickselect(win, cnt, cnt / 2);
			}
		}
		free(win);
	}
	free(pad);
	if (fail)
		return sr_fail("median: out of memory");
	return 0;
}

/* ---- bilateral ---- */

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
	(void)n;  /* only the OpenMP threshold uses it */
	int rad = (int)ceil(3 * sigma_s), side = 2 * rad + 1, pw;
	/* the taps of a disc of radius rad + 0.5; rows are done tap by tap, so that the work along
	 * a row has no dependency chain */
	int *off = malloc((size_t)side * side * sizeof *off);
	float *ws = malloc((size_t)side * side * sizeof *ws);
	float *pad = pad_mirror(in, w, h, rad, &pw);
	if (!off || !ws || !pad) {
		free(off);
		free(ws);
		free(pad);
		return sr_fail("bilateral: out of memory");
	}
	int nt = 0;
	for (int dr = -rad; dr <= rad; dr++)
		for (int dc = -rad; dc <= rad; dc++) {
			double d2 = dr * dr + dc * dc;
			if (d2 > (rad + 0.5) * (rad + 0.5))
				continue;
			off[nt] = dr * pw + dc;
			ws[nt++] = (float)exp(-0.5 * d2 / (sigma_s * sigma_s));
		}
	const float scale = (float)(0.5 / (sigma_r * sigma_r));
	float etab[EXP_N + 2];
	exp_table(etab);
	int fail = 0;
	SR_OMP(parallel if (n > 16384))
	{
		float *sw = thread_alloc(2 * (size_t)w * sizeof *sw, &fail), *sv = sw ? sw + w : NULL;
		SR_OMP(for schedule(static))
		for (int r = 0; r < h; r++) {
			if (!sw)
				continue;
			const float *cen = pad + (size_t)(r + rad) * pw + rad;
			for (int c = 0; c < w; c++)
				sw[c] = sv[c] = 0;
			for (int k = 0; k < nt; k++) {
				const float *src = cen + off[k];
				const float wk = ws[k];
				for (int c = 0; c < w; c++) {
					float v = src[c], d = v - cen[c];
					float wt = wk * nexp(etab, d * d * scale);
					sw[c] += wt;
					sv[c] += wt * v;
				}
			}
			for (int c = 0; c < w; c++)
				out[(size_t)r * w + c] = sv[c] / sw[c];  /* sw >= 1: the centre tap */
		}
		free(sw);
	}
	free(off);
	free(ws);
	free(pad);
	if (fail)
		return sr_fail("bilateral: out of memory");
	return 0;
}

/* ---- non-local means ---- */

/* Each offset o of the upper half of the search window is visited once: the patch distance
 * D_o(x) between x and x + o gives the weight of x + o in the estimate at x, and, since
 * D_-o(x) = D_o(x - o), the weight of x - o at x too.  D_o is computed on the image extended by
 * the search radius, with box sums along rows and then columns. */
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
	const int p = patch, s = search, P = p + 2 * s, pp = 2 * p + 1;
	const int ew = w + 2 * s, eh = h + 2 * s;    /* D's extent */
	const int sw_ = ew + 2 * p, sh = eh + 2 * p;  /* squared differences' extent */
	size_t n = (size_t)w * h;
	int pw;
	float *pad = pad_mirror(in, w, h, P, &pw);
	double *acc_w = calloc(n, sizeof *acc_w), *acc_v = calloc(n, sizeof *acc_v);
	double *sq = malloc((size_t)sw_ * sh * sizeof *sq);
	double *hb = malloc((size_t)ew * sh * sizeof *hb);
	float *D = malloc((size_t)ew * eh * sizeof *D);
	double *col = malloc((size_t)ew * sizeof *col);
	if (!pad || !acc_w || !acc_v || !sq || !hb || !D || !col) {
		free(col);
		free(pad);
		free(acc_w);
		free(acc_v);
		free(sq);
		free(hb);
		free(D);
		return sr_fail("nlm: out of memory");
	}
	float etab[EXP_N + 2];
	exp_table(etab);
	const double inv_np = 1.0 / (pp * pp), off2 = 2 * noise * noise;
	const double inv_h2 = 1 / (hparam * hparam);
	/* the centre: weight 1 */
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++) {
			acc_w[(size_t)r * w + c] = 1;
			acc_v[(size_t)r * w + c] = pad[(size_t)(r + P) * pw + c + P];
		}
	for (int oy = 0; oy <= s; oy++)
		for (int ox = -s; ox <= s; ox++) {
			if (oy == 0 && ox <= 0)
				continue;
			/* sq over q in [-s-p, h+s+p) x [-s-p, w+s+p): pad index q + P */
			for (int i = 0; i < sh; i++) {
				const float *a = pad + (size_t)(i + s) * pw + s;
				const float *b = a + (ptrdiff_t)oy * pw + ox;
				double *d = sq + (size_t)i * sw_;
				for (int j = 0; j < sw_; j++) {
					double t = (double)a[j] - b[j];
					d[j] = t * t;
				}
			}
			for (int i = 0; i < sh; i++) {
				const double *d = sq + (size_t)i * sw_;
				double *o = hb + (size_t)i * ew, a = 0;
				for (int j = 0; j < pp; j++)
					a += d[j];
				o[0] = a;
				for (int j = 1; j < ew; j++) {
					a += d[j + pp - 1] - d[j - 1];
					o[j] = a;
				}
			}
			/* vertical box sums, row by row (vectorises over j) */
			for (int j = 0; j < ew; j++)
				col[j] = 0;
			for (int i = 0; i < pp; i++)
				for (int j = 0; j < ew; j++)
					col[j] += hb[(size_t)i * ew + j];
			for (int i = 0; i < eh; i++) {
				if (i > 0) {
					const double *add = hb + (size_t)(i + pp - 1) * ew, *sub = hb + (size_t)(i - 1) * ew;
					for (int j = 0; j < ew; j++)
						col[j] += add[j] - sub[j];
				}
				float *drow = D + (size_t)i * ew;
				for (int j = 0; j < ew; j++) {
					double dist = col[j] * inv_np - off2;
					drow[j] = (float)((dist > 0 ? dist : 0) * inv_h2);
				}
			}
			for (int r = 0; r < h; r++) {
				const float *dp = D + (size_t)(r + s) * ew + s;            /* D_o(x) */
				const float *dm = D + (size_t)(r + s - oy) * ew + s - ox;  /* D_o(x - o) */
				const float *vp = pad + (size_t)(r + P + oy) * pw + P + ox; /* I(x + o) */
				const float *vm = pad + (size_t)(r + P - oy) * pw + P - ox; /* I(x - o) */
				double *aw = acc_w + (size_t)r * w, *av = acc_v + (size_t)r * w;
				for (int c = 0; c < w; c++) {
					float w1 = nexp(etab, dp[c]), w2 = nexp(etab, dm[c]);
					aw[c] += w1 + w2;
					av[c] += w1 * vp[c] + w2 * vm[c];
				}
			}
		}
	for (size_t i = 0; i < n; i++)
		out[i] = (float)(acc_v[i] / acc_w[i]);
	free(pad);
	free(acc_w);
	free(acc_v);
	free(sq);
	free(hb);
	free(D);
	free(col);
	return 0;
}
