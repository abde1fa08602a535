/* layers.c: the layers other than convolutions, one image at a time: pools, dense,
 * activations, dropout, upsample.  Backward functions ADD into parameter gradients g and
 * WRITE dx (when dx is not NULL). */
/* The element-wise loops need the vectoriser, which -O2 keeps to trivial loops. */
#pragma GCC optimize("O3")
#include "nn/impl.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

static size_t in_size(const sr_layer *L) { return (size_t)L->in_c * L->in_h * L->in_w; }
static size_t out_size(const sr_layer *L) { return (size_t)L->out_c * L->out_h * L->out_w; }

/* ---- pools ---- */
static void maxpool_fwd(const sr_layer *L, const float *x, float *y, int32_t *idx)
{
	int H = L->in_h, W = L->in_w, OH = L->out_h, OW = L->out_w;
	for (int c = 0; c < L->in_c; c++) {
		const float *xc = x + (size_t)c * H * W;
		float *yc = y + (size_t)c * OH * OW;
		int32_t *ic = idx + (size_t)c * OH * OW;
		int32_t base = (int32_t)((size_t)c * H * W);
		if (L->kh == 2 && L->kw == 2 && L->sh == 2 && L->sw == 2) {
			for (int oy = 0; oy < OH; oy++) {
				const float *r0 = xc + (size_t)(2 * oy) * W, *r1 = r0 + W;
				for (int ox = 0; ox < OW; ox++) {
					int j = 2 * ox;
					float m = r0[j];
					int32_t mi = 2 * oy * W + j;
					if (r0[j + 1] > m)
						m = r0[j + 1], mi = 2 * oy * W + j + 1;
					if (r1[j] > m)
						m = r1[j], mi = (2 * oy + 1) * W + j;
					if (r1[j + 1] > m)
						m = r1[j + 1], mi = (2 * oy + 1) * W + j + 1;
					yc[oy * OW + ox] = m;
					ic[oy * OW + ox] = base + mi;
				}
			}
			continue;
		}
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++) {
				int y0 = oy * L->sh, x0 = ox * L->sw;
				float m = xc[y0 * W + x0];
				int32_t mi = y0 * W + x0;
				for (int ky = 0; ky < L->kh; ky++)
					for (int kx = 0; kx < L->kw; kx++) {
						int q = (y0 + ky) * W + x0 + kx;
						/* first maximum wins; a NaN propagates like PyTorch */
						if (xc[q] > m || isnan(xc[q]))
							if (!isnan(m))
								m = xc[q], mi = q;
					}
				yc[oy * OW + ox] = m;
				ic[oy * OW + ox] = base + mi;
			}
	}
}

static void avgpool_fwd(const sr_layer *L, const float *x, float *y)
{
	int H = L->in_h, W = L->in_w, OH = L->out_h, OW = L->out_w;
	float inv = 1.0f / (float)(L->kh * L->kw);
	for (int c = 0; c < L->in_c; c++) {
		const float *xc = x + (size_t)c * H * W;
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++) {
				float s = 0;
				for (int ky = 0; ky < L->kh; ky++)
					for (int kx = 0; kx < L->kw; kx++)
						s += xc[(oy * L->sh + ky) * W + ox * L->sw + kx];
				y[((size_t)c * OH + oy) * OW + ox] = s * inv;
			}
	}
}

static void avgpool_bwd(const sr_layer *L, const float *dy, float *dx)
{
	int H = L->in_h, W = L->in_w, OH = L->out_h, OW = L->out_w;
	float inv = 1.0f / (float)(L->kh * L->kw);
	memset(dx, 0, in_size(L) * sizeof *dx);
	for (int c = 0; c < L->in_c; c++) {
		float *xc = dx + (size_t)c * H * W;
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++) {
				float d = dy[((size_t)c * OH + oy) * OW + ox] * inv;
				for (int ky = 0; ky < L->kh; ky++)
					for (int kx = 0; kx < L->kw; kx++)
						xc[(oy * L->sh + ky) * W + ox * L->sw + kx] += d;
			}
	}
}

/* ---- upsample (nearest, or bilinear with align_corners = False) ---- */
static void lin_coef(int o, int s, int n, int *i0, int *i1, float *l1)
{
	float src = ((float)o + 0.5f) / (float)s - 0.5f;
	if (src < 0)
		src = 0;
	int a = (int)src;
	if (a > n - 1)
		a = n - 1;
	*i0 = a;
	*i1 = a < n - 1 ? a + 1 : a;
	*l1 = src - (float)a;
}

static void upsample(const sr_layer *L, const float *x, float *y, int backward)
{
	int H = L->in_h, W = L->in_w, OH = L->out_h, OW = L->out_w;
	if (backward)
		memset((float *)x, 0, in_size(L) * sizeof *x);
	for (int c = 0; c < L->in_c; c++) {
		float *xc = (float *)x + (size_t)c * H * W;
		float *yc = y + (size_t)c * OH * OW;
		for (int oy = 0; oy < OH; oy++) {
			int y0, y1;
			float ly1;
			if (L->bilinear && L->sh > 1)
				lin_coef(oy, L->sh, H, &y0, &y1, &ly1);
			else
				y0 = y1 = oy / L->sh, ly1 = 0;
			float ly0 = 1.0f - ly1;
			for (int ox = 0; ox < OW; ox++) {
				int x0, x1;
				float lx1;
				if (L->bilinear)
					lin_coef(ox, L->sw, W, &x0, &x1, &lx1);
				else
					x0 = x1 = ox / L->sw, lx1 = 0;
				float lx0 = 1.0f - lx1;
				float *o = yc + (size_t)oy * OW + ox;
				if (!L->bilinear) {
					if (backward)
						xc[y0 * W + x0] += *o;
					else
						*o = xc[y0 * W + x0];
				} else if (backward) {
					float d = *o;
					xc[y0 * W + x0] += ly0 * lx0 * d;
					xc[y0 * W + x1] += ly0 * lx1 * d;
					xc[y1 * W + x0] += ly1 * lx0 * d;
					xc[y1 * W + x1] += ly1 * lx1 * d;
				} else {
					*o = ly0 * (lx0 * xc[y0 * W + x0] + lx1 * xc[y0 * W + x1]) +
					     ly1 * (lx0 * xc[y1 * W + x0] + lx1 * xc[y1 * W + x1]);
				}
			}
		}
	}
}

/* ---- dense ---- */
static void dense_fwd(const sr_layer *L, const float *p, const float *x, float *y)
{
	int n = (int)out_size(L), m = (int)in_size(L);
	const float *Wt = p + L->w_off, *b = p + L->b_off;
	if (sr_nn_reference) {
		for (int o = 0; o < n; o++) {
			double s = b[o];
			for (int i = 0; i < m; i++)
				s += (double)Wt[(size_t)o * m + i] * x[i];
			y[o] = (float)s;
		}
		return;
	}
	memcpy(y, b, n * sizeof *y);
	cblas_sgemv(CblasRowMajor, CblasNoTrans, n, m, 1.0f, Wt, m, x, 1, 1.0f, y, 1);
}

static void dense_bwd(const sr_layer *L, const float *p, float *g, const float *x,
                      const float *dy, float *dx)
{
	int n = (int)out_size(L), m = (int)in_size(L);
	const float *Wt = p + L->w_off;
	float *gw = g + L->w_off, *gb = g + L->b_off;
	for (int o = 0; o < n; o++)
		gb[o] += dy[o];
	if (sr_nn_reference) {
		for (int o = 0; o < n; o++)
			for (int i = 0; i < m; i++)
				gw[(size_t)o * m + i] += dy[o] * x[i];
		if (dx)
			for (int i = 0; i < m; i++) {
				double s = 0;
				for (int o = 0; o < n; o++)
					s += (double)Wt[(size_t)o * m + i] * dy[o];
				dx[i] = (float)s;
			}
		return;
	}
	cblas_sger(CblasRowMajor, n, m, 1.0f, dy, 1, x, 1, gw, m);
	if (dx)
		cblas_sgemv(CblasRowMajor, CblasTrans, n, m, 1.0f, Wt, m, dy, 1, 0.0f, dx, 1);
}

/* ---- dropout: keep with probability 1-p, 32-bit thresholds from xoshiro ---- */
static void dropout_fwd(const sr_layer *L, const float *x, float *y, unsigned char *mask,
                        int training, sr_rng *rng)
{
	size_t n = in_size(L);
	if (!training || L->p == 0) {
		memcpy(y, x, n * sizeof *y);
		memset(mask, 2, n); /* 2: passed through unscaled */
		return;
	}
	/* 16-bit thresholds, four masks per 64-bit draw: P is used rounded to a multiple of
	 * 1/65536 (0.1 -> 0.100006) */
	uint32_t thr = (uint32_t)((double)L->p * 65536.0 + 0.5);
	float scale = 1.0f / (1.0f - L->p);
	const float tab[2] = {0.0f, scale};
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		uint64_t r = sr_rng_next(rng);
		unsigned char k0 = (r & 0xffff) >= thr, k1 = ((r >> 16) & 0xffff) >= thr;
		unsigned char k2 = ((r >> 32) & 0xffff) >= thr, k3 = (r >> 48) >= thr;
		mask[i] = k0, mask[i + 1] = k1, mask[i + 2] = k2, mask[i + 3] = k3;
		/* x * mask * scale, as PyTorch (a dropped negative value gives -0) */
		y[i] = x[i] * tab[k0], y[i + 1] = x[i + 1] * tab[k1];
		y[i + 2] = x[i + 2] * tab[k2], y[i + 3] = x[i + 3] * tab[k3];
	}
	if (i < n) {
		uint64_t r = sr_rng_next(rng);
		for (; i < n; i++, r >>= 16) {
			mask[i] = (r & 0xffff) >= thr;
			y[i] = x[i] * tab[mask[i]];
		}
	}
}

/* ---- dispatch ---- */
void sr_nn_layer_forward(const sr_layer *L, const float *p, const float *x, float *y,
                         unsigned char *aux, int training, sr_rng *rng)
{
	size_t n = out_size(L);
	switch (L->kind) {
	case SR_L_MAXPOOL: maxpool_fwd(L, x, y, (int32_t *)aux); break;
	case SR_L_AVGPOOL: avgpool_fwd(L, x, y); break;
	case SR_L_GPOOL: {
		size_t hw = (size_t)L->in_h * L->in_w;
		for (int c = 0; c < L->in_c; c++) {
			float s = 0;
			for (size_t i = 0; i < hw; i++)
				s += x[c * hw + i];
			y[c] = s / (float)hw;
		}
		break;
	}
	case SR_L_DENSE: dense_fwd(L, p, x, y); break;
	case SR_L_RELU:
		for (size_t i = 0; i < n; i++)
			y[i] = x[i] > 0 ? x[i] : 0.0f;
		break;
	case SR_L_TANH:
		for (size_t i = 0; i < n; i++)
			y[i] = tanhf(x[i]);
		break;
	case SR_L_SIGMOID:
		for (size_t i = 0; i < n; i++)
			y[i] = 1.0f / (1.0f + expf(-x[i]));
		break;
	case SR_L_SILU:
		for (size_t i = 0; i < n; i++)
			y[i] = x[i] / (1.0f + expf(-x[i]));
		break;
	case SR_L_GELU:
		for (size_t i = 0; i < n; i++)
			y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * (float)M_SQRT1_2));
		break;
	case SR_L_DROPOUT: dropout_fwd(L, x, y, aux, training, rng); break;
	case SR_L_FLATTEN:
	case SR_L_RESHAPE:
		if (y != x)
			memcpy(y, x, n * sizeof *y);
		break;
	case SR_L_UPSAMPLE: upsample(L, x, y, 0); break;
	default: break;
	}
}

void sr_nn_layer_backward(const sr_layer *L, const float *p, float *g, const float *x,
                          const float *y, float *dy, float *dx, const unsigned char *aux)
{
	size_t n = out_size(L);
	if (L->kind == SR_L_DENSE) {
		dense_bwd(L, p, g, x, dy, dx);
		return;
	}
	if (!dx)
		return;
	switch (L->kind) {
	case SR_L_MAXPOOL: {
		const int32_t *idx = (const int32_t *)aux;
		memset(dx, 0, in_size(L) * sizeof *dx);
		for (size_t i = 0; i < n; i++)
			dx[idx[i]] += dy[i];
		break;
	}
	case SR_L_AVGPOOL: avgpool_bwd(L, dy, dx); break;
	case SR_L_GPOOL: {
		size_t hw = (size_t)L->in_h * L->in_w;
		for (int c = 0; c < L->in_c; c++) {
			float d = dy[c] / (float)hw;
			for (size_t i = 0; i < hw; i++)
				dx[c * hw + i] = d;
		}
		break;
	}
	case SR_L_RELU:
		for (size_t i = 0; i < n; i++)
			dx[i] = y[i] > 0 ? dy[i] : 0.0f;
		break;
	case SR_L_TANH:
		for (size_t i = 0; i < n; i++)
			dx[i] = dy[i] * (1.0f - y[i] * y[i]);
		break;
	case SR_L_SIGMOID:
		for (size_t i = 0; i < n; i++)
			dx[i] = dy[i] * y[i] * (1.0f - y[i]);
		break;
	case SR_L_SILU:
		for (size_t i = 0; i < n; i++) {
			float s = 1.0f / (1.0f + expf(-x[i]));
			dx[i] = dy[i] * s * (1.0f + x[i] * (1.0f - s));
		}
		break;
	case SR_L_GELU:
		for (size_t i = 0; i < n; i++) {
			float cdf = 0.5f * (1.0f + erff(x[i] * (float)M_SQRT1_2));
			float pdf = expf(-0.5f * x[i] * x[i]) * 0.3989422804014327f;
			dx[i] = dy[i] * (cdf + x[i] * pdf);
		}
		break;
	case SR_L_DROPOUT: {
		float scale = L->p > 0 ? 1.0f / (1.0f - L->p) : 1.0f;
		const float tab[3] = {0.0f, scale, 1.0f}; /* dropped, kept, eval pass-through */
		for (size_t i = 0; i < n; i++)
			dx[i] = dy[i] * tab[aux[i]];
		break;
	}
	case SR_L_FLATTEN:
	case SR_L_RESHAPE:
		if (dx != dy)
			memcpy(dx, dy, n * sizeof *dx);
		break;
	case SR_L_UPSAMPLE: upsample(L, dx, dy, 1); break;
	default: break;
	}
}
