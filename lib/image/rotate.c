/* rotate.c: bilinear rotation about the image centre and its gradients (see rotate.h). */
#include "image/rotate.h"

#include <math.h>
#include <string.h>

/* The bilinear sample of output pixel (r, c) for the rotation (ca, sa) = (cos a, sin a): the
 * top-left neighbour (x0, y0) in pixel indices, the fractions (fx, fy), and the source offset
 * (us, vs) from the centre in y-up coordinates. */
typedef struct {
	int x0, y0;
	double fx, fy, us, vs;
} sample;

static sample where(int r, int c, int w, int h, double ca, double sa)
{
	double u = c + 0.5 - 0.5 * w, v = 0.5 * h - (r + 0.5);
	sample s;
	s.us = u * ca + v * sa;
	s.vs = -u * sa + v * ca;
	double px = 0.5 * w + s.us - 0.5, py = 0.5 * h - s.vs - 0.5; /* in pixel-index units */
	double fx0 = floor(px), fy0 = floor(py);
	s.fx = px - fx0;
	s.fy = py - fy0;
	/* far outside: clamp to a corner that reads nothing */
	s.x0 = fx0 < -2 ? -2 : fx0 > w + 1 ? w + 1 : (int)fx0;
	s.y0 = fy0 < -2 ? -2 : fy0 > h + 1 ? h + 1 : (int)fy0;
	return s;
}

static double at(const float *T, int w, int h, int x, int y)
{
	return x >= 0 && x < w && y >= 0 && y < h ? T[(size_t)y * w + x] : 0.0;
}

void sr_rotate_forward(const float *T, int w, int h, int n, const double *ang, const double *wt,
                       float *out)
{
	size_t S = (size_t)w * h;
	memset(out, 0, S * sizeof *out);
	for (int j = 0; j < n; j++) {
		double ca = cos(ang[j]), sa = sin(ang[j]), wj = wt ? wt[j] : 1.0;
		for (int r = 0; r < h; r++)
			for (int c = 0; c < w; c++) {
				sample s = where(r, c, w, h, ca, sa);
				double t00 = at(T, w, h, s.x0, s.y0), t01 = at(T, w, h, s.x0 + 1, s.y0);
				double t10 = at(T, w, h, s.x0, s.y0 + 1), t11 = at(T, w, h, s.x0 + 1, s.y0 + 1);
				double v = (1 - s.fy) * ((1 - s.fx) * t00 + s.fx * t01) +
				           s.fy * ((1 - s.fx) * t10 + s.fx * t11);
				out[(size_t)r * w + c] += (float)(wj * v);
			}
	}
}

static void add(float *gT, int w, int h, int x, int y, double v)
{
	if (x >= 0 && x < w && y >= 0 && y < h)
		gT[(size_t)y * w + x] += (float)v;
}

void sr_rotate_backward(const float *T, int w, int h, int n, const double *ang, const double *wt,
                        const float *g, float *gT, double *gang)
{
	for (int j = 0; j < n; j++) {
		double ca = cos(ang[j]), sa = sin(ang[j]), wj = wt ? wt[j] : 1.0, ga = 0;
		for (int r = 0; r < h; r++)
			for (int c = 0; c < w; c++) {
				double gv = wj * g[(size_t)r * w + c];
				if (gv == 0)
					continue;
				sample s = where(r, c, w, h, ca, sa);
				if (gT) {
					add(gT, w, h, s.x0, s.y0, gv * (1 - s.fx) * (1 - s.fy));
					add(gT, w, h, s.x0 + 1, s.y0, gv * s.fx * (1 - s.fy));
					add(gT, w, h, s.x0, s.y0 + 1, gv * (1 - s.fx) * s.fy);
					add(gT, w, h, s.x0 + 1, s.y0 + 1, gv * s.fx * s.fy);
				}
				if (gang) {
					double t00 = at(T, w, h, s.x0, s.y0), t01 = at(T, w, h, s.x0 + 1, s.y0);
					double t10 = at(T, w, h, s.x0, s.y0 + 1);
					double t11 = at(T, w, h, s.x0 + 1, s.y0 + 1);
					/* d sample / d px and d py (pixel-index units) */
					double dx = (1 - s.fy) * (t01 - t00) + s.fy * (t11 - t10);
					double dy = (1 - s.fx) * (t10 - t00) + s.fx * (t11 - t01);
					/* px = w/2 + us - 1/2, py = h/2 - vs - 1/2; d us / da = vs,
					 * d vs / da = -us: d px / da = vs, d py / da = us */
					ga += gv * (dx * s.vs + dy * s.us);
				}
			}
		if (gang)
			gang[j] = ga;
	}
}
