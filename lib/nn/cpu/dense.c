/* dense.c: the fully connected layer on the CPU, one image at a time (OpenBLAS sgemv/sger;
 * the reference path: double-precision loops). */
/* as in the other layers' files (the same code generation as before the move) */
#pragma GCC optimize("O3")
#include "nn/cpu/cpu.h"

#include <cblas.h>
#include <string.h>

void sr_cpu_dense_forward(const sr_layer *L, const sr_layer_args *a)
{
	const float *p = a->p, *x = a->x;
	float *y = a->y;
	int n = (int)sr_layer_out_size(L), m = (int)sr_layer_in_size(L);
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

void sr_cpu_dense_backward(const sr_layer *L, const sr_layer_args *a)
{
	const float *p = a->p, *x = a->x, *dy = a->dy;
	float *g = a->g, *dx = a->dx;
	int n = (int)sr_layer_out_size(L), m = (int)sr_layer_in_size(L);
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

