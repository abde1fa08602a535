#include "synth/render3d.h"

#include <math.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/quat.h"
#include "synth/clip.h"

/* One projected facet: its polygon in pixel coordinates (u right, v down) and its depth as a
 * linear function z = z0 + zu u + zv v there. */
typedef struct {
	int n;
	double uv[2 * SR_SOLID_MAXFV];
	double z0, zu, zv;
	double sign; /* +1 front surface (normal towards the viewer), -1 back */
} projected;

static void add_facet(const projected *p, double *acc, int w, int h)
{
	double umin = p->uv[0], umax = p->uv[0], vmin = p->uv[1], vmax = p->uv[1];
	for (int j = 1; j < p->n; j++) {
		umin = fmin(umin, p->uv[2 * j]);
		umax = fmax(umax, p->uv[2 * j]);
		vmin = fmin(vmin, p->uv[2 * j + 1]);
		vmax = fmax(vmax, p->uv[2 * j + 1]);
	}
	double cl = floor(umin), ch = floor(umax), rl = floor(vmin), rh = floor(vmax);
	if (ch < 0 || rh < 0 || cl >= w || rl >= h)
		return;
	int c0 = cl < 0 ? 0 : (int)cl, c1 = ch >= w ? w - 1 : (int)ch;
	int r0 = rl < 0 ? 0 : (int)rl, r1 = rh >= h ? h - 1 : (int)rh;
	/* edges as inward unit normals, for the fast path of pixels wholly inside or outside */
	double orient = 0, nx[SR_SOLID_MAXFV], ny[SR_SOLID_MAXFV], nd[SR_SOLID_MAXFV];
	for (int j = 0; j < p->n; j++) {
		int k = (j + 1) % p->n;
		orient += p->uv[2 * j] * p->uv[2 * k + 1] - p->uv[2 * k] * p->uv[2 * j + 1];
	}
	double sg = orient >= 0 ? 1.0 : -1.0;
	for (int j = 0; j < p->n; j++) {
		int k = (j + 1) % p->n;
		double ex = p->uv[2 * k] - p->uv[2 * j], ey = p->uv[2 * k + 1] - p->uv[2 * j + 1];
		double len = hypot(ex, ey);
		if (len == 0) {
			nx[j] = ny[j] = 0;
			nd[j] = 1;
			continue;
		}
		nx[j] = -sg * ey / len;
		ny[j] = sg * ex / len;
		nd[j] = -(nx[j] * p->uv[2 * j] + ny[j] * p->uv[2 * j + 1]);
	}
	const double half_diag = 0.70710678118654757;
	double local[2 * SR_SOLID_MAXFV], clipped[2 * (SR_SOLID_MAXFV + 4)];
	for (int r = r0; r <= r1; r++)
		for (int c = c0; c <= c1; c++) {
			double pu = c + 0.5, pv = r + 0.5, dmin = INFINITY;
			for (int j = 0; j < p->n; j++)
				dmin = fmin(dmin, nx[j] * pu + ny[j] * pv + nd[j]);
			double integral;
			if (dmin >= half_diag) {
				integral = p->z0 + p->zu * pu + p->zv * pv;
			} else if (dmin <= -half_diag) {
				continue;
			} else {
				for (int j = 0; j < p->n; j++) {
					local[2 * j] = p->uv[2 * j] - c;
					local[2 * j + 1] = p->uv[2 * j + 1] - r;
				}
				int m = sr_clip_unit_square(local, p->n, clipped);
				if (m < 3)
					continue;
				double a, mu, mv;
				sr_polygon_moments(clipped, m, &a, &mu, &mv);
				if (a < 0) {
					a = -a;
					mu = -mu;
					mv = -mv;
				}
				integral = (p->z0 + p->zu * c + p->zv * r) * a + p->zu * mu + p->zv * mv;
			}
			acc[(size_t)r * w + c] += p->sign * integral;
		}
}

int sr_render_thickness(const sr_solid *solid, const double *q, double radius, double cx,
                        double cy, double intensity, float *img, int w, int h)
{
	if (w < 1 || h < 1)
		return sr_fail("image size %dx%d is not positive", w, h);
	if (!solid)
		return sr_fail("no solid to render");
	if (!isfinite(radius) || !(radius > 0) || radius > 1e6)
		return sr_fail("radius %g is not in (0, 1e6]", radius);
	if (!isfinite(cx) || !isfinite(cy) || fabs(cx) > 1e7 || fabs(cy) > 1e7)
		return sr_fail("centre (%g, %g) is not a finite position", cx, cy);
	if (!isfinite(intensity))
		return sr_fail("intensity is not finite");
	double qn[4] = {q[0], q[1], q[2], q[3]}, R[9];
	if (sr_quat_canon(qn) < 0)
		return sr_fail("orientation is not a quaternion");
	sr_quat_to_mat(qn, R);
	double *acc = calloc((size_t)w * h, sizeof *acc);
	if (!acc)
		return sr_fail("out of memory");
	for (int f = 0; f < solid->nf; f++) {
		const sr_facet *F = &solid->f[f];
		double n[3];
		sr_mat_apply(R, F->n, n);
		/* an edge-on facet projects to a segment: no area, no contribution */
		if (fabs(n[2]) < 1e-12)
			continue;
		projected p = {0};
		p.n = F->nv;
		for (int j = 0; j < F->nv; j++) {
			double v[3];
			sr_mat_apply(R, solid->v[F->v[j]], v);
			p.uv[2 * j] = cx + radius * v[0];
			p.uv[2 * j + 1] = cy - radius * v[1];
		}
		/* the plane n . (X, Y, z) = radius d in coordinates about the centre, with
		 * X = u - cx, Y = cy - v: z = (radius d - n_x (u - cx) + n_y (v - cy)) / n_z */
		p.z0 = (radius * F->d + n[0] * cx - n[1] * cy) / n[2];
		p.zu = -n[0] / n[2];
		p.zv = n[1] / n[2];
		p.sign = n[2] > 0 ? 1 : -1;
		add_facet(&p, acc, w, h);
	}
	double scale = intensity / (2 * radius);
	for (size_t i = 0; i < (size_t)w * h; i++) {
		double v = acc[i] * scale;
		img[i] = (float)((double)img[i] + (v > 0 ? v : 0));
	}
	free(acc);
	return 0;
}
