/* gemm.c: C = A W^T (A: M x K, W: N x K, both row-major, as a dense layer's inputs and
 * weights) where every element is computed the same way wherever it falls: eight partial
 * sums of fused multiply-adds over k = l, l + 8, l + 16, ... (lane l), added in a fixed tree,
 * then the last K % 8 terms fused in order.  Its value depends only on row i of A and row j
 * of W, never on M, N, the tile or the thread: an image's dense output is the same alone or
 * in any batch (OpenBLAS's sgemm does not promise that: its rows change with M).  W is read
 * as it is (no packing per forward).  The AVX2/FMA kernel (chosen at run time) and the
 * portable loop give the same bytes, since a fused multiply-add rounds once on either (tests
 * compare them). */
#pragma GCC optimize("O3")
#include "nn/cpu/cpu.h"

#include <math.h>

/* ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)), as hsum8 below */
static float tree8(const float *l)
{
	return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

void sr_cpu_gemm_nt_portable(int M, int N, int K, const float *A, int lda, const float *W,
                             int ldw, float *C, int ldc)
{
	int K8 = K & ~7;
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			const float *a = A + (size_t)i * lda, *w = W + (size_t)j * ldw;
			float l[8] = {0, 0, 0, 0, 0, 0, 0, 0};
			for (int k = 0; k < K8; k += 8)
				for (int t = 0; t < 8; t++)
					l[t] = fmaf(a[k + t], w[k + t], l[t]);
			float s = tree8(l);
			for (int k = K8; k < K; k++)
				s = fmaf(a[k], w[k], s);
			C[(size_t)i * ldc + j] = s;
		}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("avx2,fma"))) static inline float hsum8(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1)); /* l_i + l_i+4 */
	__m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));                                  /* s0+s2, s1+s3 */
	return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

/* the element's tail (k >= K8) and store */
__attribute__((target("avx2,fma"))) static inline void finish(__m256 acc, const float *a,
                                                             const float *w, int K8, int K,
                                                             float *c)
{
	float s = hsum8(acc);
	for (int k = K8; k < K; k++)
		s = fmaf(a[k], w[k], s);
	*c = s;
}

/* 3 rows of A x 4 rows of W: twelve accumulators, named so they stay in registers */
__attribute__((target("avx2,fma"))) static void tile_3x4(int K, const float *A, int lda,
                                                       const float *W, int ldw, float *C,
                                                       int ldc)
{
	const float *a0 = A, *a1 = A + lda, *a2 = A + 2 * (size_t)lda;
	const float *w0 = W, *w1 = W + ldw, *w2 = W + 2 * (size_t)ldw, *w3 = W + 3 * (size_t)ldw;
	__m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00;
	__m256 c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00;
	int K8 = K & ~7;
	for (int k = 0; k < K8; k += 8) {
		__m256 x0 = _mm256_loadu_ps(a0 + k), x1 = _mm256_loadu_ps(a1 + k);
		__m256 x2 = _mm256_loadu_ps(a2 + k), v = _mm256_loadu_ps(w0 + k);
		c00 = _mm256_fmadd_ps(x0, v, c00), c10 = _mm256_fmadd_ps(x1, v, c10);
		c20 = _mm256_fmadd_ps(x2, v, c20);
		v = _mm256_loadu_ps(w1 + k);
		c01 = _mm256_fmadd_ps(x0, v, c01), c11 = _mm256_fmadd_ps(x1, v, c11);
		c21 = _mm256_fmadd_ps(x2, v, c21);
		v = _mm256_loadu_ps(w2 + k);
		c02 = _mm256_fmadd_ps(x0, v, c02), c12 = _mm256_fmadd_ps(x1, v, c12);
		c22 = _mm256_fmadd_ps(x2, v, c22);
		v = _mm256_loadu_ps(w3 + k);
		c03 = _mm256_fmadd_ps(x0, v, c03), c13 = _mm256_fmadd_ps(x1, v, c13);
		c23 = _mm256_fmadd_ps(x2, v, c23);
	}
	float *r0 = C, *r1 = C + ldc, *r2 = C + 2 * (size_t)ldc;
	finish(c00, a0, w0, K8, K, r0), finish(c01, a0, w1, K8, K, r0 + 1);
	finish(c02, a0, w2, K8, K, r0 + 2), finish(c03, a0, w3, K8, K, r0 + 3);
	finish(c10, a1, w0, K8, K, r1), finish(c11, a1, w1, K8, K, r1 + 1);
	finish(c12, a1, w2, K8, K, r1 + 2), finish(c13, a1, w3, K8, K, r1 + 3);
	finish(c20, a2, w0, K8, K, r2), finish(c21, a2, w1, K8, K, r2 + 1);
	finish(c22, a2, w2, K8, K, r2 + 2), finish(c23, a2, w3, K8, K, r2 + 3);
}

/* one element: the edges of the 3 x 4 tiling */
__attribute__((target("avx2,fma"))) static void tile_1x1(int K, const float *a, const float *w,
                                                       float *c)
{
	__m256 acc = _mm256_setzero_ps();
	int K8 = K & ~7;
	for (int k = 0; k < K8; k += 8)
		acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(w + k), acc);
	finish(acc, a, w, K8, K, c);
}

__attribute__((target("avx2,fma"))) static void gemm_avx2(int M, int N, int K, const float *A,
                                                        int lda, const float *W, int ldw,
                                                        float *C, int ldc)
{
	/* rows of W outermost: each block of 4 is read from memory once, while the rows of A
	 * (a block of images) stay in cache */
	int j = 0;
	for (; j + 4 <= N; j += 4) {
		int i = 0;
		for (; i + 3 <= M; i += 3)
			tile_3x4(K, A + (size_t)i * lda, lda, W + (size_t)j * ldw, ldw,
			         C + (size_t)i * ldc + j, ldc);
		for (; i < M; i++)
			for (int jj = j; jj < j + 4; jj++)
				tile_1x1(K, A + (size_t)i * lda, W + (size_t)jj * ldw, C + (size_t)i * ldc + jj);
	}
	for (; j < N; j++)
		for (int i = 0; i < M; i++)
			tile_1x1(K, A + (size_t)i * lda, W + (size_t)j * ldw, C + (size_t)i * ldc + j);
}

static int have_avx2_fma(void)
{
	static int v = -1;
	if (v < 0) {
		__builtin_cpu_init();
		v = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	}
	return v;
}
#endif

void sr_cpu_gemm_nt(int M, int N, int K, const float *A, int lda, const float *W, int ldw,
                    float *C, int ldc)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (have_avx2_fma()) {
		gemm_avx2(M, N, K, A, lda, W, ldw, C, ldc);
		return;
	}
#endif
	sr_cpu_gemm_nt_portable(M, N, K, A, lda, W, ldw, C, ldc);
}
