/* conv.c: convolution and transposed convolution on the CPU, one image at a time.
 * Fast path: im2col + cblas_sgemm (1-thread OpenBLAS; images are spread over threads by
 * net.c), the per-tap GEMMs, Winograd (winograd.c) and the direct first layer (direct.c).
 * Reference path (sr_nn_reference): direct loops, for tests. */
/* The element-wise loops need the vectoriser, which -O2 keeps to trivial loops. */
#pragma GCC optimize("O3")
#include "nn/cpu/cpu.h"

#include <cblas.h>
#include <string.h>

/* the output columns [lo, hi) whose input column ox*sw - pw + kx lies in 0..W-1 */
static inline void ox_range(int OW, int sw, int pw, int kx, int W, int *lo, int *hi)
{
	int l = 0, h = OW;
	while (l < OW && l * sw - pw + kx < 0)
		l++;
	while (h > l && (h - 1) * sw - pw + kx >= W)
		h--;
	*lo = l;
	*hi = h;
}

/* col[(c*kh+ky)*kw+kx][oy*OW+ox] = x[c][oy*sh-ph+ky][ox*sw-pw+kx] (0 outside) */
static void im2col(const float *x, int C, int H, int W, int kh, int kw, int sh, int sw, int ph,
                   int pw, int OH, int OW, float *col)
{
	size_t P = (size_t)OH * OW;
	for (int c = 0; c < C; c++)
		for (int ky = 0; ky < kh; ky++)
			for (int kx = 0; kx < kw; kx++) {
				float *row = col + ((size_t)(c * kh + ky) * kw + kx) * P;
				const float *xc = x + (size_t)c * H * W;
				int lo, hi;
				ox_range(OW, sw, pw, kx, W, &lo, &hi);
				for (int oy = 0; oy < OH; oy++) {
					float *r = row + (size_t)oy * OW;
					int iy = oy * sh - ph + ky;
					if (iy < 0 || iy >= H) {
						memset(r, 0, OW * sizeof *r);
						continue;
					}
					const float *xr = xc + (size_t)iy * W - pw + kx;
					for (int ox = 0; ox < lo; ox++)
						r[ox] = 0;
					if (sw == 1)
						for (int ox = lo; ox < hi; ox++)
							r[ox] = xr[ox];
					else
						for (int ox = lo; ox < hi; ox++)
							r[ox] = xr[ox * sw];
					for (int ox = hi; ox < OW; ox++)
						r[ox] = 0;
				}
			}
}

/* x[c][...] += col (the adjoint of im2col); x must be zeroed by the caller */
static void col2im(const float *col, int C, int H, int W, int kh, int kw, int sh, int sw, int ph,
                   int pw, int OH, int OW, float *x)
{
	size_t P = (size_t)OH * OW;
	for (int c = 0; c < C; c++)
		for (int ky = 0; ky < kh; ky++)
			for (int kx = 0; kx < kw; kx++) {
				const float *row = col + ((size_t)(c * kh + ky) * kw + kx) * P;
				float *xc = x + (size_t)c * H * W;
				int lo, hi;
				ox_range(OW, sw, pw, kx, W, &lo, &hi);
				for (int oy = 0; oy < OH; oy++) {
					int iy = oy * sh - ph + ky;
					if (iy < 0 || iy >= H)
						continue;
					const float *r = row + (size_t)oy * OW;
					float *xr = xc + (size_t)iy * W - pw + kx;
					if (sw == 1)
						for (int ox = lo; ox < hi; ox++)
							xr[ox] += r[ox];
					else
						for (int ox = lo; ox < hi; ox++)
							xr[ox * sw] += r[ox];
				}
			}
}

/* a 1x1, stride-1, unpadded convolution: its input is its own im2col */
static int is_1x1(const sr_layer *L)
{
	return L->kh == 1 && L->kw == 1 && L->sh == 1 && L->sw == 1 && L->ph == 0 && L->pw == 0;
}

/* im2col of conv layer L's input x into col; returns what the GEMM reads (x itself for 1x1) */
static const float *layer_im2col(const sr_layer *L, const float *x, float *col)
{
	if (is_1x1(L))
		return x;
	im2col(x, L->in_c, L->in_h, L->in_w, L->kh, L->kw, L->sh, L->sw, L->ph, L->pw, L->out_h,
	       L->out_w, col);
	return col;
}

size_t sr_cpu_conv_colsize(const sr_layer *L)
{
	if (L->kind == SR_L_CONV)
		return (size_t)L->in_c * L->kh * L->kw * L->out_h * L->out_w;
	if (L->kind == SR_L_CONVT)
		return (size_t)L->out_c * L->kh * L->kw * L->in_h * L->in_w;
	return 0;
}

/* ---- the tap path: a stride-1 'valid' convolution as kh*kw GEMMs (one per kernel tap) on
 * shifted views of the input, with no im2col.  The output is computed on the "wide" grid of
 * out_h rows x in_w columns (the last kw-1 columns of each row are junk, never used); the
 * views read up to kw-1 floats past the input image, which the callers' buffers allow.
 * Tap weights wt[t][o][c] are repacked from the parameters once per forward (net.c). ---- */
int sr_cpu_conv_tap_ok(const sr_layer *L)
{
	return L->kind == SR_L_CONV && L->sh == 1 && L->sw == 1 && L->ph == 0 && L->pw == 0 &&
	       L->in_c >= 8 && L->kh * L->kw > 1;
}

size_t sr_cpu_conv_widesize(const sr_layer *L) { return (size_t)L->out_c * L->out_h * L->in_w; }

void sr_cpu_conv_tap_pack(const sr_layer *L, const float *p, float *wt)
{
	int O = L->out_c, C = L->in_c, T = L->kh * L->kw;
	const float *w = p + L->w_off;
	for (int o = 0; o < O; o++)
		for (int c = 0; c < C; c++)
			for (int t = 0; t < T; t++)
				wt[((size_t)t * O + o) * C + c] = w[((size_t)o * C + c) * T + t];
}

static void taps_forward(const sr_layer *L, const float *wt, const float *x, float *wide)
{
	int O = L->out_c, C = L->in_c, W = L->in_w, HW = L->in_h * L->in_w, P = L->out_h * W;
	for (int t = 0; t < L->kh * L->kw; t++)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, O, P, C, 1.0f,
		            wt + (size_t)t * O * C, C, x + (t / L->kw) * W + t % L->kw, HW,
		            t ? 1.0f : 0.0f, wide, P);
}

/* dyw: d(output) on the wide grid with zero junk columns; gt: scratch of nw floats */
static void taps_backward(const sr_layer *L, const float *wt, float *g, const float *x,
                          const float *dyw, float *dx, float *gt)
{
	int O = L->out_c, C = L->in_c, W = L->in_w, HW = L->in_h * L->in_w, P = L->out_h * W;
	int T = L->kh * L->kw;
	float *gw = g + L->w_off, *gb = g + L->b_off;
	for (int o = 0; o < O; o++) {
		const float *r = dyw + (size_t)o * P;
		float s = 0;
		for (int oy = 0; oy < L->out_h; oy++) {
			float a = 0;
			for (int ox = 0; ox < L->out_w; ox++)
				a += r[oy * W + ox];
			s += a;
		}
		gb[o] += s;
	}
	for (int t = 0; t < T; t++)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, O, C, P, 1.0f, dyw, P,
		            x + (t / L->kw) * W + t % L->kw, HW, 0.0f, gt + (size_t)t * O * C, C);
	for (int o = 0; o < O; o++)
		for (int c = 0; c < C; c++)
			for (int t = 0; t < T; t++)
				gw[((size_t)o * C + c) * T + t] += gt[((size_t)t * O + o) * C + c];
	if (!dx)
		return;
	memset(dx, 0, (size_t)C * HW * sizeof *dx);
	for (int t = 0; t < T; t++)
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, C, P, O, 1.0f,
		            wt + (size_t)t * O * C, C, dyw, P, 1.0f, dx + (t / L->kw) * W + t % L->kw, HW);
}

/* ---- reference: direct loops ---- */
static void conv_fwd_ref(const sr_layer *L, const float *p, const float *x, float *y)
{
	const float *w = p + L->w_off, *b = p + L->b_off;
	int C = L->in_c, H = L->in_h, W = L->in_w;
	for (int o = 0; o < L->out_c; o++)
		for (int oy = 0; oy < L->out_h; oy++)
			for (int ox = 0; ox < L->out_w; ox++) {
				double s = b[o];
				for (int c = 0; c < C; c++)
					for (int ky = 0; ky < L->kh; ky++) {
						int iy = oy * L->sh - L->ph + ky;
						if (iy < 0 || iy >= H)
							continue;
						for (int kx = 0; kx < L->kw; kx++) {
							int ix = ox * L->sw - L->pw + kx;
							if (ix < 0 || ix >= W)
								continue;
							s += (double)w[((size_t)(o * C + c) * L->kh + ky) * L->kw + kx] *
							     x[((size_t)c * H + iy) * W + ix];
						}
					}
				float v = (float)s;
				if (L->fused_relu && !(v > 0))
					v = 0;
				y[((size_t)o * L->out_h + oy) * L->out_w + ox] = v;
			}
}

static void conv_bwd_ref(const sr_layer *L, const float *p, float *g, const float *x,
                         const float *dy, float *dx)
{
	const float *w = p + L->w_off;
	float *gw = g + L->w_off, *gb = g + L->b_off;
	int C = L->in_c, H = L->in_h, W = L->in_w;
	if (dx)
		memset(dx, 0, (size_t)C * H * W * sizeof *dx);
	for (int o = 0; o < L->out_c; o++)
		for (int oy = 0; oy < L->out_h; oy++)
			for (int ox = 0; ox < L->out_w; ox++) {
				float d = dy[((size_t)o * L->out_h + oy) * L->out_w + ox];
				gb[o] += d;
				for (int c = 0; c < C; c++)
					for (int ky = 0; ky < L->kh; ky++) {
						int iy = oy * L->sh - L->ph + ky;
						if (iy < 0 || iy >= H)
							continue;
						for (int kx = 0; kx < L->kw; kx++) {
							int ix = ox * L->sw - L->pw + kx;
							if (ix < 0 || ix >= W)
								continue;
							size_t wi = ((size_t)(o * C + c) * L->kh + ky) * L->kw + kx;
							size_t xi = ((size_t)c * H + iy) * W + ix;
							gw[wi] += d * x[xi];
							if (dx)
								dx[xi] += d * w[wi];
						}
					}
			}
}

/* ---- fast: im2col + GEMM ---- */
static void conv_forward(const sr_layer *L, const float *p, const float *wt, const float *x,
                         float *y, float *col)
{
	if (sr_nn_reference) {
		conv_fwd_ref(L, p, x, y);
		return;
	}
	const float *w = p + L->w_off, *b = p + L->b_off;
	int O = L->out_c, K = L->in_c * L->kh * L->kw, P = L->out_h * L->out_w;
	if (wt && L->winograd) {
		sr_nn_wino_forward(L, wt, x, y, col);
		goto bias;
	}
	if (wt) {
		taps_forward(L, wt, x, col);
		for (int o = 0; o < L->out_c; o++)
			for (int oy = 0; oy < L->out_h; oy++) {
				const float *r = col + ((size_t)o * L->out_h + oy) * L->in_w;
				float *q = y + ((size_t)o * L->out_h + oy) * L->out_w, bo = b[o];
				if (L->fused_relu)
					for (int ox = 0; ox < L->out_w; ox++) {
						float v = r[ox] + bo;
						q[ox] = v > 0 ? v : 0.0f;
					}
				else
					for (int ox = 0; ox < L->out_w; ox++)
						q[ox] = r[ox] + bo;
			}
		return;
	}
	const float *B = layer_im2col(L, x, col);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, O, P, K, 1.0f, w, K, B, P, 0.0f, y, P);
bias:
	for (int o = 0; o < O; o++) {
		float *r = y + (size_t)o * P, bo = b[o];
		if (L->fused_relu)
			for (int i = 0; i < P; i++) {
				float v = r[i] + bo;
				r[i] = v > 0 ? v : 0.0f;
			}
		else
			for (int i = 0; i < P; i++)
				r[i] += bo;
	}
}

/* sum of n floats with 8 partial sums (vectorisable; fixed order, so deterministic) */
static float sum8(const float *r, int n)
{
	float a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
	int i = 0;
	for (; i + 8 <= n; i += 8)
		for (int k = 0; k < 8; k++)
			a[k] += r[i + k];
	for (; i < n; i++)
		a[0] += r[i];
	return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
}

/* backward of the linear part: dy is d(conv output incl. bias) */
static void conv_backward_core(const sr_layer *L, const float *p, float *g, const float *x,
                               const float *dy, float *dx, float *col)
{
	int O = L->out_c, K = L->in_c * L->kh * L->kw, P = L->out_h * L->out_w;
	if (sr_nn_reference) {
		conv_bwd_ref(L, p, g, x, dy, dx);
		return;
	}
	const float *w = p + L->w_off;
	float *gw = g + L->w_off, *gb = g + L->b_off;
	for (int o = 0; o < O; o++)
		gb[o] += sum8(dy + (size_t)o * P, P);
	const float *B = layer_im2col(L, x, col);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, O, K, P, 1.0f, dy, P, B, P, 1.0f, gw, K);
	if (!dx)
		return;
	if (is_1x1(L)) {
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, P, O, 1.0f, w, K, dy, P, 0.0f, dx, P);
		return;
	}
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, P, O, 1.0f, w, K, dy, P, 0.0f, col, P);
	memset(dx, 0, (size_t)L->in_c * L->in_h * L->in_w * sizeof *dx);
	col2im(col, L->in_c, L->in_h, L->in_w, L->kh, L->kw, L->sh, L->sw, L->ph, L->pw, L->out_h,
	       L->out_w, dx);
}

/* Winograd backward of the linear part, with the bias gradient */
static void wino_backward(const sr_layer *L, const float *wt, float *g, const float *x,
                          const float *dy, float *dx, float *col, float *gt)
{
	int P = L->out_h * L->out_w;
	for (int o = 0; o < L->out_c; o++)
		g[L->b_off + o] += sum8(dy + (size_t)o * P, P);
	sr_nn_wino_backward(L, wt, g, x, dy, dx, col, gt);
}

/* dy is modified in place when the relu is fused (masked by y > 0). */
static void conv_backward(const sr_layer *L, const float *p, const float *wt, float *g,
                          const float *x, const float *y, float *dy, float *dx, float *col,
                          float *gt)
{
	size_t n = (size_t)L->out_c * L->out_h * L->out_w;
	if (L->fused_relu)
		for (size_t i = 0; i < n; i++)
			dy[i] = y[i] > 0 ? dy[i] : 0.0f;
	if (wt && L->winograd && !sr_nn_reference) {
		wino_backward(L, wt, g, x, dy, dx, col, gt);
		return;
	}
	if (wt && !sr_nn_reference) {
		/* widen dy into col with zero junk columns */
		int W = L->in_w, OW = L->out_w;
		for (size_t r = 0; r < (size_t)L->out_c * L->out_h; r++) {
			float *q = col + r * W;
			const float *d = dy + r * OW;
			for (int ox = 0; ox < OW; ox++)
				q[ox] = d[ox];
			for (int ox = OW; ox < W; ox++)
				q[ox] = 0;
		}
		taps_backward(L, wt, g, x, col, dx, gt);
		return;
	}
	conv_backward_core(L, p, g, x, dy, dx, col);
}

/* ---- conv + relu + max-pool fused: the conv output stays in the per-thread buffer `full`;
 * only the pooled output and the argmax indices are kept.  relu(max(v)) = max(relu(v)), and
 * where the maximum is <= 0 no gradient flows, as in the unfused layers. ---- */
static void conv_pool_forward(const sr_layer *L, const sr_layer *P, const float *p,
                              const float *wt, const float *x, float *ypool, int32_t *idx,
                              float *full, float *col)
{
	int O = L->out_c, H = L->out_h, W = L->out_w, K = L->in_c * L->kh * L->kw;
	int PH = P->out_h, PW = P->out_w;
	const float *b = p + L->b_off;
	if (!sr_nn_reference && !wt && sr_cpu_direct_ok(L, P)) {
		sr_cpu_direct_pool_forward(L, P, p, x, ypool, (unsigned char *)idx, col);
		return;
	}
	if (wt && L->winograd && !sr_nn_reference) {
		sr_nn_wino_forward(L, wt, x, full, col);
	} else if (wt && !sr_nn_reference) {
		taps_forward(L, wt, x, full);
		W = L->in_w; /* rows of the wide grid; junk columns are never pooled */
	} else if (sr_nn_reference) {
		sr_layer lin = *L;
		lin.fused_relu = 0;
		conv_fwd_ref(&lin, p, x, full);
	} else {
		const float *B = x;
		if (!(L->kh == 1 && L->kw == 1 && L->sh == 1 && L->sw == 1 && L->ph == 0 && L->pw == 0)) {
			im2col(x, L->in_c, L->in_h, L->in_w, L->kh, L->kw, L->sh, L->sw, L->ph, L->pw, H, W,
			       col);
			B = col;
		}
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, O, H * W, K, 1.0f, p + L->w_off, K,
		            B, H * W, 0.0f, full, H * W);
	}
	/* idx are positions in `full` (wide grid on the tap path), used only by the backward */
	for (int o = 0; o < O; o++) {
		const float *f = full + (size_t)o * H * W;
		float bo = sr_nn_reference ? 0.0f : b[o];
		float *yo = ypool + (size_t)o * PH * PW;
		int32_t *io = idx + (size_t)o * PH * PW, base = (int32_t)((size_t)o * H * W);
		if (P->kh == 2 && P->kw == 2 && P->sh == 2 && P->sw == 2) {
			for (int py = 0; py < PH; py++)
				sr_cpu_pool2x2_row(f + (size_t)(2 * py) * W, f + (size_t)(2 * py + 1) * W, PW, bo,
				            yo + (size_t)py * PW, (unsigned char *)idx + ((size_t)o * PH + py) * PW);
			continue;
		}
		for (int py = 0; py < PH; py++)
			for (int px = 0; px < PW; px++) {
				int y0 = py * P->sh, x0 = px * P->sw, q = y0 * W + x0;
				float m = f[q];
				for (int ky = 0; ky < P->kh; ky++)
					for (int kx = 0; kx < P->kw; kx++) {
						int t = (y0 + ky) * W + x0 + kx;
						if (f[t] > m)
							m = f[t], q = t;
					}
				m += bo;
				yo[py * PW + px] = m > 0 ? m : 0.0f;
				io[py * PW + px] = base + q;
			}
	}
}

static void conv_pool_backward(const sr_layer *L, const sr_layer *P, const float *p,
                              const float *wt, float *g, const float *x, const float *ypool,
                              const int32_t *idx, const float *dpool, float *dx, float *full,
                              float *col, float *gt)
{
	if (!sr_nn_reference && !wt && sr_cpu_direct_ok(L, P)) {
		sr_cpu_direct_pool_backward(L, P, p, g, x, ypool, (const unsigned char *)idx, dpool, dx);
		return;
	}
	int wino = wt && L->winograd && !sr_nn_reference, taps = wt && !wino && !sr_nn_reference;
	size_t n = taps ? sr_cpu_conv_widesize(L) : (size_t)L->out_c * L->out_h * L->out_w;
	size_t np = (size_t)P->out_c * P->out_h * P->out_w;
	memset(full, 0, n * sizeof *full);
	if (P->kh == 2 && P->kw == 2 && P->sh == 2 && P->sw == 2) {
		/* 2x2 pools keep one code per window: 2 * second row + right column */
		const unsigned char *code = (const unsigned char *)idx;
		int RW = taps ? L->in_w : L->out_w, PH = P->out_h, PW = P->out_w;
		for (int o = 0; o < P->out_c; o++)
			for (int py = 0; py < PH; py++) {
				size_t i0 = ((size_t)o * PH + py) * PW;
				float *f = full + ((size_t)o * L->out_h + 2 * py) * RW;
				for (int px = 0; px < PW; px++) {
					int c = code[i0 + px];
					f[(c >> 1) * RW + 2 * px + (c & 1)] += ypool[i0 + px] > 0 ? dpool[i0 + px] : 0.0f;
				}
			}
	} else {
		for (size_t i = 0; i < np; i++)
			full[idx[i]] += ypool[i] > 0 ? dpool[i] : 0.0f;
	}
	if (wino)
		wino_backward(L, wt, g, x, full, dx, col, gt);
	else if (taps)
		taps_backward(L, wt, g, x, full, dx, gt);
	else
		conv_backward_core(L, p, g, x, full, dx, col);
}

/* ---- transposed convolution (padding 0): y[o][iy*sh+ky][ix*sw+kx] += x[c][iy][ix] w[c][o][ky][kx]
 * The conv's im2col grid is the input grid here: col[(o*kh+ky)*kw+kx][iy*W+ix]. ---- */
static void convt_forward(const sr_layer *L, const float *p, const float *x, float *y,
                          float *col)
{
	const float *w = p + L->w_off, *b = p + L->b_off;
	int C = L->in_c, O = L->out_c, H = L->in_h, W = L->in_w, OH = L->out_h, OW = L->out_w;
	int KK = L->kh * L->kw;
	size_t OP = (size_t)OH * OW;
	for (int o = 0; o < O; o++)
		for (size_t i = 0; i < OP; i++)
			y[o * OP + i] = b[o];
	if (sr_nn_reference) {
		for (int c = 0; c < C; c++)
			for (int iy = 0; iy < H; iy++)
				for (int ix = 0; ix < W; ix++) {
					float v = x[((size_t)c * H + iy) * W + ix];
					for (int o = 0; o < O; o++)
						for (int ky = 0; ky < L->kh; ky++)
							for (int kx = 0; kx < L->kw; kx++)
								y[((size_t)o * OH + iy * L->sh + ky) * OW + ix * L->sw + kx] +=
									v * w[((size_t)(c * O + o) * L->kh + ky) * L->kw + kx];
				}
		return;
	}
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, O * KK, H * W, C, 1.0f, w, O * KK, x,
	            H * W, 0.0f, col, H * W);
	col2im(col, O, OH, OW, L->kh, L->kw, L->sh, L->sw, 0, 0, H, W, y);
}

static void convt_backward(const sr_layer *L, const float *p, float *g, const float *x,
                           float *dy, float *dx, float *col)
{
	const float *w = p + L->w_off;
	float *gw = g + L->w_off, *gb = g + L->b_off;
	int C = L->in_c, O = L->out_c, H = L->in_h, W = L->in_w, OH = L->out_h, OW = L->out_w;
	int KK = L->kh * L->kw;
	size_t OP = (size_t)OH * OW;
	for (int o = 0; o < O; o++) {
		float s = 0;
		for (size_t i = 0; i < OP; i++)
			s += dy[o * OP + i];
		gb[o] += s;
	}
	if (sr_nn_reference) {
		if (dx)
			memset(dx, 0, (size_t)C * H * W * sizeof *dx);
		for (int c = 0; c < C; c++)
			for (int iy = 0; iy < H; iy++)
				for (int ix = 0; ix < W; ix++) {
					size_t xi = ((size_t)c * H + iy) * W + ix;
					for (int o = 0; o < O; o++)
						for (int ky = 0; ky < L->kh; ky++)
							for (int kx = 0; kx < L->kw; kx++) {
								size_t wi = ((size_t)(c * O + o) * L->kh + ky) * L->kw + kx;
								float d = dy[((size_t)o * OH + iy * L->sh + ky) * OW + ix * L->sw + kx];
								gw[wi] += x[xi] * d;
								if (dx)
									dx[xi] += w[wi] * d;
							}
				}
		return;
	}
	im2col(dy, O, OH, OW, L->kh, L->kw, L->sh, L->sw, 0, 0, H, W, col);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, C, O * KK, H * W, 1.0f, x, H * W, col,
	            H * W, 1.0f, gw, O * KK);
	if (dx)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, C, H * W, O * KK, 1.0f, w, O * KK,
		            col, H * W, 0.0f, dx, H * W);
}

/* ---- the operation table's entries ---- */
void sr_cpu_conv_forward(const sr_layer *L, const sr_layer_args *a)
{
	if (a->pool)
		conv_pool_forward(L, a->pool, a->p, a->wt, a->x, a->y, (int32_t *)a->aux, a->full, a->col);
	else
		conv_forward(L, a->p, a->wt, a->x, a->y, a->col);
}

void sr_cpu_conv_backward(const sr_layer *L, const sr_layer_args *a)
{
	if (a->pool)
		conv_pool_backward(L, a->pool, a->p, a->wt, a->g, a->x, a->y, (const int32_t *)a->aux,
		                   a->dy, a->dx, a->full, a->col, a->gt);
	else
		conv_backward(L, a->p, a->wt, a->g, a->x, a->y, a->dy, a->dx, a->col, a->gt);
}

void sr_cpu_convt_forward(const sr_layer *L, const sr_layer_args *a)
{
	convt_forward(L, a->p, a->x, a->y, a->col);
}

void sr_cpu_convt_backward(const sr_layer *L, const sr_layer_args *a)
{
	convt_backward(L, a->p, a->g, a->x, a->dy, a->dx, a->col);
}
