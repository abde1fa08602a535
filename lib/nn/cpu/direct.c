/* direct.c: the direct AVX2/FMA convolution for first layers with few input channels, fused
 * with relu and a 2x2 max-pool (chosen at run time: the CPU must have AVX2 and FMA).  There
 * im2col + GEMM is a poor GEMM (K = C*kh*kw small) and writes the whole conv output to memory;
 * this kernel keeps two conv rows in registers and scratch, pools them at once, and its
 * backward uses only the windows' maxima. */
#pragma GCC optimize("O3")
#include "nn/cpu/cpu.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_DIRECT 1
/* Direct convolution of two output rows (r, r+1) for all filters, AVX2 + FMA: for first
 * layers with few input channels, where im2col + GEMM (K = C*kh*kw small) is a poor GEMM and
 * writes the whole conv output to memory.  out[o][2][ld]; reads up to 8 + kw floats past the
 * last input row used (callers' buffers have that slack). */
__attribute__((target("avx2,fma"))) static void direct_rows(const sr_layer *L, const float *w,
                                                          const float *x, int r, int ncols,
                                                          float *out, int ld)
{
	int C = L->in_c, H = L->in_h, W = L->in_w, kh = L->kh, kw = L->kw, O = L->out_c;
	size_t KK = (size_t)C * kh * kw;
	for (int j = 0; j < ncols; j += 8) {
		int o = 0;
		/* four filters x two rows: eight independent FMA chains */
		for (; o + 4 <= O; o += 4) {
			__m256 a0 = _mm256_setzero_ps(), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0,
			       d1 = a0;
			const float *wo = w + (size_t)o * KK;
			for (int c = 0; c < C; c++)
				for (int ky = 0; ky < kh; ky++) {
					const float *x0 = x + ((size_t)c * H + r + ky) * W + j, *x1 = x0 + W;
					const float *wr = wo + (c * kh + ky) * kw;
					for (int kx = 0; kx < kw; kx++) {
						__m256 u = _mm256_loadu_ps(x0 + kx), v = _mm256_loadu_ps(x1 + kx);
						__m256 w0 = _mm256_broadcast_ss(wr + kx);
						__m256 w1 = _mm256_broadcast_ss(wr + KK + kx);
						__m256 w2 = _mm256_broadcast_ss(wr + 2 * KK + kx);
						__m256 w3 = _mm256_broadcast_ss(wr + 3 * KK + kx);
						a0 = _mm256_fmadd_ps(w0, u, a0), a1 = _mm256_fmadd_ps(w0, v, a1);
						b0 = _mm256_fmadd_ps(w1, u, b0), b1 = _mm256_fmadd_ps(w1, v, b1);
						c0 = _mm256_fmadd_ps(w2, u, c0), c1 = _mm256_fmadd_ps(w2, v, c1);
						d0 = _mm256_fmadd_ps(w3, u, d0), d1 = _mm256_fmadd_ps(w3, v, d1);
					}
				}
			float *q = out + (size_t)o * 2 * ld + j;
			_mm256_storeu_ps(q, a0), _mm256_storeu_ps(q + ld, a1);
			_mm256_storeu_ps(q + 2 * ld, b0), _mm256_storeu_ps(q + 3 * ld, b1);
			_mm256_storeu_ps(q + 4 * ld, c0), _mm256_storeu_ps(q + 5 * ld, c1);
			_mm256_storeu_ps(q + 6 * ld, d0), _mm256_storeu_ps(q + 7 * ld, d1);
		}
		for (; o < O; o++) {
			__m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
			const float *wo = w + (size_t)o * KK;
			for (int c = 0; c < C; c++)
				for (int ky = 0; ky < kh; ky++) {
					const float *x0 = x + ((size_t)c * H + r + ky) * W + j, *x1 = x0 + W;
					const float *wr = wo + (c * kh + ky) * kw;
					for (int kx = 0; kx < kw; kx++) {
						__m256 wv = _mm256_broadcast_ss(wr + kx);
						a0 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x0 + kx), a0);
						a1 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x1 + kx), a1);
					}
				}
			_mm256_storeu_ps(out + (size_t)o * 2 * ld + j, a0);
			_mm256_storeu_ps(out + (size_t)o * 2 * ld + ld + j, a1);
		}
	}
}

static int cpu_avx2_fma(void)
{
	static int v = -1;
	if (v < 0) {
		__builtin_cpu_init();
		v = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	}
	return v;
}
#else
#define HAVE_DIRECT 0
#endif

int sr_cpu_direct_ok(const sr_layer *L, const sr_layer *P)
{
#if HAVE_DIRECT
	return L->kind == SR_L_CONV && L->in_c <= 4 && L->sh == 1 && L->sw == 1 && L->ph == 0 &&
	       L->pw == 0 && L->kw <= 16 && L->kh <= 16 && !L->is1d && P->kh == 2 && P->kw == 2 && P->sh == 2 &&
	       P->sw == 2 && cpu_avx2_fma();
#else
	(void)L, (void)P;
	return 0;
#endif
}

size_t sr_cpu_direct_size(const sr_layer *L)
{
	return (size_t)L->out_c * 2 * (((size_t)L->out_w + 7) & ~(size_t)7);
}

void sr_cpu_direct_pool_forward(const sr_layer *L, const sr_layer *P, const float *p,
                                const float *x, float *ypool, unsigned char *code, float *col)
{
#if HAVE_DIRECT
	/* two conv rows at a time into `col`, pooled at once; codes in the compact layout */
	int O = L->out_c, PH = P->out_h, PW = P->out_w;
	const float *b = p + L->b_off;
	int ld = (2 * PW + 7) & ~7;
	for (int py = 0; py < PH; py++) {
		direct_rows(L, p + L->w_off, x, 2 * py, 2 * PW, col, ld);
		for (int o = 0; o < O; o++)
			sr_cpu_pool2x2_row(col + (size_t)o * 2 * ld, col + (size_t)o * 2 * ld + ld, PW, b[o],
			                   ypool + ((size_t)o * PH + py) * PW,
			                   code + ((size_t)o * PH + py) * PW);
	}
#else
	(void)L, (void)P, (void)p, (void)x, (void)ypool, (void)code, (void)col;
#endif
}

/* Backward of the direct conv + 2x2 pool: only the windows' maxima carry gradient, so dW,
 * the bias and dx are accumulated from them alone (no dense d(conv output), no GEMM). */
void sr_cpu_direct_pool_backward(const sr_layer *L, const sr_layer *P, const float *p,
                                 float *g, const float *x, const float *ypool,
                                 const unsigned char *code, const float *dpool, float *dx)
{
	int C = L->in_c, H = L->in_h, W = L->in_w, kh = L->kh, kw = L->kw;
	int PH = P->out_h, PW = P->out_w, KK = C * kh * kw;
	const float *w = p + L->w_off;
	float *gw = g + L->w_off, *gb = g + L->b_off;
	float acc[4 * 16 * 16];
	if (dx)
		memset(dx, 0, (size_t)C * H * W * sizeof *dx);
	if (C == 1 && kh == 3 && kw == 3 && !dx) {
		/* the usual first layer: nine accumulators in registers, no branches */
		for (int o = 0; o < L->out_c; o++) {
			float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0, a8 = 0, sb = 0;
			for (int py = 0; py < PH; py++) {
				size_t i0 = ((size_t)o * PH + py) * PW;
				for (int px = 0; px < PW; px++) {
					size_t i = i0 + px;
					float d = ypool[i] > 0 ? dpool[i] : 0.0f;
					const float *r0 = x + (size_t)(2 * py + (code[i] >> 1)) * W + 2 * px + (code[i] & 1);
					const float *r1 = r0 + W, *r2 = r1 + W;
					sb += d;
					a0 += d * r0[0], a1 += d * r0[1], a2 += d * r0[2];
					a3 += d * r1[0], a4 += d * r1[1], a5 += d * r1[2];
					a6 += d * r2[0], a7 += d * r2[1], a8 += d * r2[2];
				}
			}
			float *go = gw + (size_t)o * 9;
			go[0] += a0, go[1] += a1, go[2] += a2, go[3] += a3, go[4] += a4;
			go[5] += a5, go[6] += a6, go[7] += a7, go[8] += a8;
			gb[o] += sb;
		}
		return;
	}
	for (int o = 0; o < L->out_c; o++) {
		float sb = 0;
		memset(acc, 0, KK * sizeof *acc);
		const float *wo = w + (size_t)o * KK;
		for (int py = 0; py < PH; py++)
			for (int px = 0; px < PW; px++) {
				size_t i = ((size_t)o * PH + py) * PW + px;
				float d = ypool[i] > 0 ? dpool[i] : 0.0f;
				int yy = 2 * py + (code[i] >> 1), xx = 2 * px + (code[i] & 1);
				sb += d;
				for (int c = 0; c < C; c++)
					for (int ky = 0; ky < kh; ky++) {
						const float *xr = x + ((size_t)c * H + yy + ky) * W + xx;
						float *ar = acc + (c * kh + ky) * kw;
						for (int kx = 0; kx < kw; kx++)
							ar[kx] += d * xr[kx];
						if (dx) {
							float *dr = dx + ((size_t)c * H + yy + ky) * W + xx;
							const float *wr = wo + (c * kh + ky) * kw;
							for (int kx = 0; kx < kw; kx++)
								dr[kx] += d * wr[kx];
						}
					}
			}
		gb[o] += sb;
		for (int t = 0; t < KK; t++)
			gw[(size_t)o * KK + t] += acc[t];
	}
}
