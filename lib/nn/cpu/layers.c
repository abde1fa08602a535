/* layers.c: the simple layers on the CPU, one image at a time, each kind's forward beside its
 * backward: activations, dropout, flatten/reshape, upsample.  A backward with dx NULL (the
 * first layer, input gradient off) has nothing to do: these kinds have no parameters. */
/* The element-wise loops need the vectoriser, which -O2 keeps to trivial loops. */
#pragma GCC optimize("O3")
#include "nn/cpu/cpu.h"

#include <math.h>
#include <string.h>

/* ---- activations: the backward reads y (relu, tanh, sigmoid) or x (silu, gelu) ---- */
void sr_cpu_relu_forward(const sr_layer *L, const sr_layer_args *a)
{
	size_t n = sr_layer_out_size(L);
	const float *x = a->x;
	float *y = a->y;
	for (size_t i = 0; i < n; i++)
		y[i] = x[i] > 0 ? x[i] : 0.0f;
}

void sr_cpu_relu_backward(const sr_layer *L, const sr_layer_args *a)
{
	if (!a->dx)
		return;
	size_t n = sr_layer_out_size(L);
	const float *y = a->y, *dy = a->dy;
	float *dx = a->dx;
	for (size_t i = 0; i < n; i++)
		dx[i] = y[i] > 0 ? dy[i] : 0.0f;
}

void sr_cpu_tanh_forward(const sr_layer *L, const sr_layer_args *a)
{
	size_t n = sr_layer_out_size(L);
	for (size_t i = 0; i < n; i++)
		a->y[i] = tanhf(a->x[i]);
}

void sr_cpu_tanh_backward(const sr_layer *L, const sr_layer_args *a)
{
	if (!a->dx)
		return;
	size_t n = sr_layer_out_size(L);
	const float *y = a->y, *dy = a->dy;
	float *dx = a->dx;
	for (size_t i = 0; i < n; i++)
		dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

void sr_cpu_sigmoid_forward(const sr_layer *L, const sr_layer_args *a)
{
	size_t n = sr_layer_out_size(L);
	for (size_t i = 0; i < n; i++)
		a->y[i] = 1.0f / (1.0f + expf(-a->x[i]));
}

void sr_cpu_sigmoid_backward(const sr_layer *L, const sr_layer_args *a)
{
	if (!a->dx)
		return;
	size_t n = sr_layer_out_size(L);
	const float *y = a->y, *dy = a->dy;
	float *dx = a->dx;
	for (size_t i = 0; i < n; i++)
		dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}

void sr_cpu_silu_forward(const sr_layer *L, const sr_layer_args *a)
{
	size_t n = sr_layer_out_size(L);
	for (size_t i = 0; i < n; i++)
		a->y[i] = a->x[i] / (1.0f + expf(-a->x[i]));
}

void sr_cpu_silu_backward(const sr_layer *L, const sr_layer_args *a)
{
	if (!a->dx)
		return;
	size_t n = sr_layer_out_size(L);
	const float *x = a->x, *dy = a->dy;
	float *dx = a->dx;
	for (size_t i = 0; i < n; i++) {
		float s = 1.0f / (1.0f + expf(-x[i]));
		dx[i] = dy[i] * s * (1.0f + x[i] * (1.0f - s));
	}
}

/* exact GELU (erf) */
void sr_cpu_gelu_forward(const sr_layer *L, const sr_layer_args *a)
{
	size_t n = sr_layer_out_size(L);
	for (size_t i = 0; i < n; i++)
		a->y[i] = 0.5f * a->x[i] * (1.0f + erff(a->x[i] * (float)M_SQRT1_2));
}

void sr_cpu_gelu_backward(const sr_layer *L, const sr_layer_args *a)
{
	if (!a->dx)
		return;
	size_t n = sr_layer_out_size(L);
	const float *x = a->x, *dy = a->dy;
	float *dx = a->dx;
	for (size_t i = 0; i < n; i++) {
		float cdf = 0.5f * (1.0f + erff(x[i] * (float)M_SQRT1_2));
		float pdf = expf(-0.5f * x[i] * x[i]) * 0.3989422804014327f;
		dx[i] = dy[i] * (cdf + x[i] * pdf);
	}
}

/* ---- flatten, reshape: the same values (the driver aliases their buffers, so these copy
 * only when called on distinct buffers) ---- */
void sr_cpu_identity_forward(const sr_layer *L, const sr_layer_args *a)
{
	if (a->y != a->x)
		memcpy(a->y, a->x, sr_layer_out_size(L) * sizeof *a->y);
}

void sr_cpu_identity_backward(const sr_layer *L, const sr_layer_args *a)
{
	if (a->dx && a->dx != a->dy)
		memcpy(a->dx, a->dy, sr_layer_out_size(L) * sizeof *a->dx);
}

/* ---- dropout: keep with probability 1-p, 32-bit thresholds from xoshiro ---- */
void sr_cpu_dropout_forward(const sr_layer *L, const sr_layer_args *a)
{
	const float *x = a->x;
	float *y = a->y;
	unsigned char *mask = a->aux;
	int training = a->training;
	sr_rng *rng = a->rng;
	size_t n = sr_layer_in_size(L);
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

void sr_cpu_dropout_backward(const sr_layer *L, const sr_layer_args *a)
{
	if (!a->dx)
		return;
	size_t n = sr_layer_out_size(L);
	float scale = L->p > 0 ? 1.0f / (1.0f - L->p) : 1.0f;
	const float tab[3] = {0.0f, scale, 1.0f}; /* dropped, kept, eval pass-through */
	for (size_t i = 0; i < n; i++)
		a->dx[i] = a->dy[i] * tab[a->aux[i]];
}

/* ---- upsample (nearest, or bilinear with align_corners = False); the backward is the
 * adjoint (x and y swap roles) ---- */
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

/* The column coefficients are the same for every row and channel: computed once per call
 * into tab (3 OW values: x0, x1 as ints, then lx1), the same values as per pixel. */
static void upsample(const sr_layer *L, const float *x, float *y, int backward, float *tab)
{
	int H = L->in_h, W = L->in_w, OH = L->out_h, OW = L->out_w;
	int *tx0 = (int *)tab, *tx1 = tx0 + OW;
	float *tl1 = (float *)(tx1 + OW);
	for (int ox = 0; ox < OW; ox++) {
		if (L->bilinear)
			lin_coef(ox, L->sw, W, &tx0[ox], &tx1[ox], &tl1[ox]);
		else
			tx0[ox] = tx1[ox] = ox / L->sw, tl1[ox] = 0;
	}
	if (backward)
		memset((float *)x, 0, sr_layer_in_size(L) * sizeof *x);
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
			float *r0 = xc + (size_t)y0 * W, *r1 = xc + (size_t)y1 * W;
			float *o = yc + (size_t)oy * OW;
			if (!L->bilinear) {
				if (backward)
					for (int ox = 0; ox < OW; ox++)
						r0[tx0[ox]] += o[ox];
				else
					for (int ox = 0; ox < OW; ox++)
						o[ox] = r0[tx0[ox]];
			} else if (backward) {
				for (int ox = 0; ox < OW; ox++) {
					int x0 = tx0[ox], x1 = tx1[ox];
					float lx1 = tl1[ox], lx0 = 1.0f - lx1, d = o[ox];
					r0[x0] += ly0 * lx0 * d;
					r0[x1] += ly0 * lx1 * d;
					r1[x0] += ly1 * lx0 * d;
					r1[x1] += ly1 * lx1 * d;
				}
			} else {
				for (int ox = 0; ox < OW; ox++) {
					int x0 = tx0[ox], x1 = tx1[ox];
					float lx1 = tl1[ox], lx0 = 1.0f - lx1;
					o[ox] = ly0 * (lx0 * r0[x0] + lx1 * r0[x1]) +
					        ly1 * (lx0 * r1[x0] + lx1 * r1[x1]);
				}
			}
		}
	}
}

void sr_cpu_upsample_forward(const sr_layer *L, const sr_layer_args *a)
{
	upsample(L, a->x, a->y, 0, a->col);
}

void sr_cpu_upsample_backward(const sr_layer *L, const sr_layer_args *a)
{
	if (a->dx)
		upsample(L, a->dx, a->dy, 1, a->col);
}
