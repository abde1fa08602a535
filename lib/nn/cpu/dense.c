/* dense.c: the fully connected layer on the CPU, over the whole batch at once (a->n images):
 * its weights (3.3 MB in exp2d's 3200 x 256 layer) are read once per block of images instead
 * of once per image, as a matrix-vector product per image did.
 *   forward   Y = X W^T + b     sr_cpu_gemm_nt, per fixed block of images x outputs: an
 *                               image's output does not depend on the batch it is in;
 *   backward  dW += dY^T X      OpenBLAS GEMMs over the whole batch, one per fixed block of
 *             dX = dY W         input columns (each packs its part of X and W once);
 *             db += sum dY      in batch order.
 * Every thread of the driver's parallel region calls these; the blocks are shared out with
 * orphaned `omp for` loops and depend only on the shapes, so the bytes never depend on the
 * threads.
 * The gradients go straight into the network's (no per-chunk copies of the weights).
 * The reference path: double-precision loops, image after image. */
#pragma GCC optimize("O3")
#include "nn/cpu/cpu.h"

#include <cblas.h>
#include <string.h>

/* fixed block sizes: images and outputs per forward block, input columns per backward block */
#define DENSE_IMAGES 16
#define DENSE_OUTS 64
#define DENSE_COLS 128

static void dense_forward_ref(const sr_layer *L, const sr_layer_args *a)
{
	int no = (int)sr_layer_out_size(L), ni = (int)sr_layer_in_size(L);
	const float *Wt = a->p + L->w_off, *b = a->p + L->b_off;
	for (int n = 0; n < a->n; n++) {
		const float *x = a->x + (size_t)n * ni;
		float *y = a->y + (size_t)n * no;
		for (int o = 0; o < no; o++) {
			double s = b[o];
			for (int i = 0; i < ni; i++)
				s += (double)Wt[(size_t)o * ni + i] * x[i];
			y[o] = (float)s;
		}
	}
}

static void dense_backward_ref(const sr_layer *L, const sr_layer_args *a)
{
	int no = (int)sr_layer_out_size(L), ni = (int)sr_layer_in_size(L);
	const float *Wt = a->p + L->w_off;
	float *gw = a->g + L->w_off, *gb = a->g + L->b_off;
	for (int n = 0; n < a->n; n++) {
		const float *x = a->x + (size_t)n * ni, *dy = a->dy + (size_t)n * no;
		for (int o = 0; o < no; o++)
			gb[o] += dy[o];
		for (int o = 0; o < no; o++)
			for (int i = 0; i < ni; i++)
				gw[(size_t)o * ni + i] += dy[o] * x[i];
		if (a->dx) {
			float *dx = a->dx + (size_t)n * ni;
			for (int i = 0; i < ni; i++) {
				double s = 0;
				for (int o = 0; o < no; o++)
					s += (double)Wt[(size_t)o * ni + i] * dy[o];
				dx[i] = (float)s;
			}
		}
	}
}

void sr_cpu_dense_forward(const sr_layer *L, const sr_layer_args *a)
{
	if (sr_nn_reference) {
#ifdef _OPENMP
#pragma omp single
#endif
		dense_forward_ref(L, a);
		return;
	}
	int no = (int)sr_layer_out_size(L), ni = (int)sr_layer_in_size(L);
	/* blocks of images x blocks of outputs, so that a few images still keep every thread busy
	 * (an element's value does not depend on its block) */
	int nbi = (a->n + DENSE_IMAGES - 1) / DENSE_IMAGES, nbo = (no + DENSE_OUTS - 1) / DENSE_OUTS;
	const float *w = a->p + L->w_off, *b = a->p + L->b_off;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
	for (int k = 0; k < nbi * nbo; k++) {
		int n0 = k / nbo * DENSE_IMAGES, m = a->n - n0 < DENSE_IMAGES ? a->n - n0 : DENSE_IMAGES;
		int o0 = k % nbo * DENSE_OUTS, r = no - o0 < DENSE_OUTS ? no - o0 : DENSE_OUTS;
		float *y = a->y + (size_t)n0 * no + o0;
		sr_cpu_gemm_nt(m, r, ni, a->x + (size_t)n0 * ni, ni, w + (size_t)o0 * ni, ni, y, no);
		for (int n = 0; n < m; n++)
			for (int o = 0; o < r; o++)
				y[(size_t)n * no + o] += b[o0 + o];
	}
}

void sr_cpu_dense_backward(const sr_layer *L, const sr_layer_args *a)
{
	if (sr_nn_reference) {
#ifdef _OPENMP
#pragma omp single
#endif
		dense_backward_ref(L, a);
		return;
	}
	int no = (int)sr_layer_out_size(L), ni = (int)sr_layer_in_size(L), n = a->n;
	const float *w = a->p + L->w_off;
	float *gw = a->g + L->w_off, *gb = a->g + L->b_off;
#ifdef _OPENMP
#pragma omp for schedule(static) nowait
#endif
	for (int o = 0; o < no; o++) {
		float s = 0;
		for (int j = 0; j < n; j++)
			s += a->dy[(size_t)j * no + o];
		gb[o] += s;
	}
	/* blocks of input columns: each GEMM packs its part of X and W once */
	int nblk = (ni + DENSE_COLS - 1) / DENSE_COLS;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
	for (int k = 0; k < nblk; k++) {
		int i0 = k * DENSE_COLS, c = ni - i0 < DENSE_COLS ? ni - i0 : DENSE_COLS;
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, no, c, n, 1.0f, a->dy, no, a->x + i0,
		            ni, 1.0f, gw + i0, ni);
		if (a->dx)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, c, no, 1.0f, a->dy, no,
			            w + i0, ni, 0.0f, a->dx + i0, ni);
	}
}
