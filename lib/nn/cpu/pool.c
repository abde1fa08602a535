/* pool.c: max-pool, average pool and global average pool on the CPU, one image at a time,
 * each kind's forward beside its backward; and the 2x2 max-pool row fused after a conv
 * (bias + relu + pool, SSE2). */
/* The element-wise loops need the vectoriser, which -O2 keeps to trivial loops. */
#pragma GCC optimize("O3")
#include "nn/cpu/cpu.h"

#include <emmintrin.h>
#include <math.h>
#include <string.h>

/* argmax indices (int32) in aux: the backward routes each gradient to its window's maximum */
void sr_cpu_maxpool_forward(const sr_layer *L, const sr_layer_args *a)
{
	const float *x = a->x;
	float *y = a->y;
	int32_t *idx = (int32_t *)a->aux;
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

void sr_cpu_maxpool_backward(const sr_layer *L, const sr_layer_args *a)
{
	if (!a->dx)
		return;
	const int32_t *idx = (const int32_t *)a->aux;
	size_t n = sr_layer_out_size(L);
	memset(a->dx, 0, sr_layer_in_size(L) * sizeof *a->dx);
	for (size_t i = 0; i < n; i++)
		a->dx[idx[i]] += a->dy[i];
}

void sr_cpu_avgpool_forward(const sr_layer *L, const sr_layer_args *a)
{
	const float *x = a->x;
	float *y = a->y;
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

void sr_cpu_avgpool_backward(const sr_layer *L, const sr_layer_args *a)
{
	const float *dy = a->dy;
	float *dx = a->dx;
	if (!dx)
		return;
	int H = L->in_h, W = L->in_w, OH = L->out_h, OW = L->out_w;
	float inv = 1.0f / (float)(L->kh * L->kw);
	memset(dx, 0, sr_layer_in_size(L) * sizeof *dx);
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

void sr_cpu_gpool_forward(const sr_layer *L, const sr_layer_args *a)
{
	size_t hw = (size_t)L->in_h * L->in_w;
	for (int c = 0; c < L->in_c; c++) {
		float s = 0;
		for (size_t i = 0; i < hw; i++)
			s += a->x[c * hw + i];
		a->y[c] = s / (float)hw;
	}
}

void sr_cpu_gpool_backward(const sr_layer *L, const sr_layer_args *a)
{
	if (!a->dx)
		return;
	size_t hw = (size_t)L->in_h * L->in_w;
	for (int c = 0; c < L->in_c; c++) {
		float d = a->dy[c] / (float)hw;
		for (size_t i = 0; i < hw; i++)
			a->dx[c * hw + i] = d;
	}
}

/* One row of 2x2/2 max-pool windows over conv rows r0, r1 (bias bo added, relu); the argmax
 * is kept as a code 0..3 (2 * second row + right column).  Branch-free; ties go to the first
 * in row-major order, as PyTorch. */
void sr_cpu_pool2x2_row(const float *r0, const float *r1, int PW, float bo, float *yr,
                        unsigned char *ir)
{
	int px = 0;
	/* four windows at a time with SSE2 (baseline x86-64) */
	__m128 vb = _mm_set1_ps(bo), zero = _mm_setzero_ps();
	__m128i one = _mm_set1_epi32(1), two = _mm_set1_epi32(2);
	for (;;) {
		if (px + 4 > PW) {
			if (PW < 4 || px >= PW)
				break;
			px = PW - 4; /* overlap the last block: windows are idempotent */
		}
		__m128 u0 = _mm_loadu_ps(r0 + 2 * px), u1 = _mm_loadu_ps(r0 + 2 * px + 4);
		__m128 w0 = _mm_loadu_ps(r1 + 2 * px), w1 = _mm_loadu_ps(r1 + 2 * px + 4);
		__m128 a = _mm_shuffle_ps(u0, u1, _MM_SHUFFLE(2, 0, 2, 0));
		__m128 b = _mm_shuffle_ps(u0, u1, _MM_SHUFFLE(3, 1, 3, 1));
		__m128 c = _mm_shuffle_ps(w0, w1, _MM_SHUFFLE(2, 0, 2, 0));
		__m128 d = _mm_shuffle_ps(w0, w1, _MM_SHUFFLE(3, 1, 3, 1));
		__m128 gab = _mm_cmpgt_ps(b, a), gcd = _mm_cmpgt_ps(d, c);
		__m128 m1 = _mm_max_ps(b, a), m2 = _mm_max_ps(d, c);
		__m128 g12 = _mm_cmpgt_ps(m2, m1);
		__m128 m = _mm_add_ps(_mm_max_ps(m2, m1), vb);
		_mm_storeu_ps(yr + px, _mm_max_ps(m, zero));
		__m128i q1 = _mm_and_si128(_mm_castps_si128(gab), one);
		__m128i q2 = _mm_add_epi32(two, _mm_and_si128(_mm_castps_si128(gcd), one));
		__m128i sel = _mm_castps_si128(g12);
		__m128i q = _mm_or_si128(_mm_and_si128(sel, q2), _mm_andnot_si128(sel, q1));
		int32_t qq[4];
		_mm_storeu_si128((__m128i *)qq, q);
		ir[px] = (unsigned char)qq[0], ir[px + 1] = (unsigned char)qq[1];
		ir[px + 2] = (unsigned char)qq[2], ir[px + 3] = (unsigned char)qq[3];
		px += 4;
	}
	for (; px < PW; px++) {
		float a = r0[2 * px], b = r0[2 * px + 1], c = r1[2 * px], d = r1[2 * px + 1];
		float m1 = b > a ? b : a, m2 = d > c ? d : c;
		int q1 = b > a, q2 = 2 + (d > c);
		float m = (m2 > m1 ? m2 : m1) + bo;
		yr[px] = m > 0 ? m : 0.0f;
		ir[px] = (unsigned char)(m2 > m1 ? q2 : q1);
	}
}