/* constraints.c: the mirror and zoom constraints of methods 1 and 2 (constraints.h). */
#include "methods/constraints.h"

#include <math.h>
#include <stddef.h>

#include "core/rng.h"
#include "image/imgproc.h"
#include "nn/loss.h"

/* The content at (x, y) moves to (c + s (x - c), c + s (y - c)).  Orientation is unchanged. */
void sr_constraint_zoom(const float *in, float *out, int n, double s)
{
	double c = n / 2.0;
	for (int r = 0; r < n; r++)
		for (int q = 0; q < n; q++) {
			double x = c + (q + 0.5 - c) / s - 0.5, y = c + (r + 0.5 - c) / s - 0.5;
			int x0 = (int)floor(x), y0 = (int)floor(y);
			double fx = x - x0, fy = y - y0, v = 0;
			for (int j = 0; j < 2; j++)
				for (int i = 0; i < 2; i++) {
					int xx = x0 + i, yy = y0 + j;
					if (xx < 0 || yy < 0 || xx >= n || yy >= n)
						continue;
					v += (i ? fx : 1 - fx) * (j ? fy : 1 - fy) * in[yy * n + xx];
				}
			out[r * n + q] = (float)v;
		}
}

void sr_constraint_views(const float *a, int B, int n, uint64_t seed, long first, float *xm,
                         float *xz)
{
	size_t S = (size_t)n * n;
	if (xm)
		for (int i = 0; i < B; i++)
			sr_dihedral(a + (size_t)i * S, xm + (size_t)i * S, n, 4);
	if (xz)
		for (int i = 0; i < B; i++) {
			sr_rng r = sr_rng_derive(seed ^ 0x2545f4914f6cdd1dULL, (uint64_t)(first + i));
			double f = exp(sr_rng_range(&r, log(0.8), log(1.25)));
			sr_constraint_zoom(a + (size_t)i * S, xz + (size_t)i * S, n, f);
		}
}

void sr_constraint_loss(const float *u, const float *um, const float *uz, int K, const double *w,
                        double mirror_weight, double zoom_weight, int n, double *total, float *g,
                        float *gm, float *gz)
{
	if (um)
		*total += mirror_weight *
		          sr_mirror_loss(u, um, K, w, mirror_weight / n, g, gm);
	if (uz)
		for (int k = 1; k <= K; k++)
			if (w[k - 1] > 0)
				*total += zoom_weight * w[k - 1] *
				          sr_head_pair_loss(u, uz, k, 0, zoom_weight * w[k - 1] / n, g, gz);
}
