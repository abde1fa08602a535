/* loss.c: the losses of loss.h, each with its gradient. */
#include "nn/loss.h"

#include <math.h>

#include "core/angles.h"

#define DEG (M_PI / 180.0)
#define NORM_EPS 1e-4

/* ---------------------------------------------------------------- generic */

double sr_loss_mse(const float *x, const float *target, size_t n, float *dx)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		double d = (double)x[i] - target[i];
		s += d * d;
		if (dx)
			dx[i] = (float)(2.0 * d / (double)n);
	}
	return n ? s / (double)n : 0;
}

double sr_loss_bce_logits(const float *x, const float *target, size_t n, float *dx)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		double z = x[i], t = target[i];
		/* max(z,0) - z t + log(1 + exp(-|z|)) */
		s += (z > 0 ? z : 0) - z * t + log1p(exp(-fabs(z)));
		if (dx)
			dx[i] = (float)((1.0 / (1.0 + exp(-z)) - t) / (double)n);
	}
	return n ? s / (double)n : 0;
}

/* ---------------------------------------------------------------- reconstruction */

static double softplus(double o) { return o > 30 ? o : log1p(exp(o)); }

double sr_recon_loss(const float *out, const float *target, size_t n, int kind, double scale,
                     float *g)
{
	double sum = 0;
	if (kind == SR_RECON_MSE) {
		for (size_t i = 0; i < n; i++) {
			double d = (double)out[i] - target[i];
			sum += d * d;
			if (g)
				g[i] += (float)(scale * 2 * d / n);
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			double o = out[i], x = target[i] > 0 ? target[i] : 0;
			double mu = softplus(o) + 1e-6, sig = 1 / (1 + exp(-o));
			sum += 2 * ((x > 0 ? x * log(x / mu) : 0) - x + mu);
			if (g)
				g[i] += (float)(scale * 2 * (1 - x / mu) * sig / n);
		}
	}
	return sum / n;
}

/* ---------------------------------------------------------------- orientation heads */

/* One head: L = |z_B - M z_A|^2 for a 2x2 matrix M = (m00 m01; m10 m11); loss and
 * (optionally) gradients added into ga2, gb2 (2 floats each). */
static double head_loss_m(const float *a2, const float *b2, const double *M, double scale,
                          float *ga2, float *gb2)
{
	double ax = a2[0], ay = a2[1], bx = b2[0], by = b2[1];
	double na = sqrt(ax * ax + ay * ay + NORM_EPS * NORM_EPS);
	double nb = sqrt(bx * bx + by * by + NORM_EPS * NORM_EPS);
	double zax = ax / na, zay = ay / na, zbx = bx / nb, zby = by / nb;
	double vx = M[0] * zax + M[1] * zay, vy = M[2] * zax + M[3] * zay; /* M z_A */
	double dx = zbx - vx, dy = zby - vy;
	double L = dx * dx + dy * dy;
	if (ga2 || gb2) {
		/* dL/dz_B = 2 d ; dL/dz_A = -2 M^T d */
		double gbx = 2 * dx, gby = 2 * dy;
		double gax = -2 * (M[0] * dx + M[2] * dy), gay = -2 * (M[1] * dx + M[3] * dy);
		/* through z = u / n: dL/du = g / n - u (u.g) / n^3 */
		if (gb2) {
			double ug = bx * gbx + by * gby;
			gb2[0] += (float)(scale * (gbx / nb - bx * ug / (nb * nb * nb)));
			gb2[1] += (float)(scale * (gby / nb - by * ug / (nb * nb * nb)));
		}
		if (ga2) {
			double ug = ax * gax + ay * gay;
			ga2[0] += (float)(scale * (gax / na - ax * ug / (na * na * na)));
			ga2[1] += (float)(scale * (gay / na - ay * ug / (na * na * na)));
		}
	}
	return L;
}

/* The rotation case: M = R(alpha). */
static double head_loss(const float *a2, const float *b2, double alpha, double scale, float *ga2,
                        float *gb2)
{
	double M[4] = {cos(alpha), -sin(alpha), sin(alpha), cos(alpha)};
	return head_loss_m(a2, b2, M, scale, ga2, gb2);
}

double sr_mirror_loss(const float *u, const float *um, int K, const double *w, double scale,
                      float *g, float *gm)
{
	static const double J[4] = {1, 0, 0, -1};
	double total = 0;
	for (int k = 1; k <= K; k++) {
		double wk = w ? w[k - 1] : 1.0;
		if (wk == 0)
			continue;
		int o = 2 * (k - 1);
		total += wk * head_loss_m(u + o, um + o, J, scale * wk, g ? g + o : NULL,
		                          gm ? gm + o : NULL);
	}
	return total;
}

double sr_pair_loss(const float *ua, const float *ub, int K, double delta, const double *w,
                    double scale, double *per_head, float *ga, float *gb)
{
	double total = 0;
	for (int k = 1; k <= K; k++) {
		double wk = w ? w[k - 1] : 1.0;
		int o = 2 * (k - 1);
		double L = head_loss(ua + o, ub + o, k * delta * DEG, scale * wk, ga ? ga + o : NULL,
		                     gb ? gb + o : NULL);
		if (per_head)
			per_head[k - 1] = L;
		total += wk * L;
	}
	return total;
}

double sr_target_loss(const float *u, int K, double theta, const unsigned char *use, double scale,
                      float *g)
{
	double total = 0;
	for (int k = 1; k <= K; k++) {
		if (use && !use[k - 1])
			continue;
		int o = 2 * (k - 1);
		/* a fixed unit vector as "view A" rotated by 0: L = |z - t|^2 */
		float t[2] = {(float)cos(k * theta * DEG), (float)sin(k * theta * DEG)};
		total += head_loss(t, u + o, 0, scale, NULL, g ? g + o : NULL);
	}
	return total;
}

double sr_head_pair_loss(const float *ua, const float *ub, int k, double delta, double scale,
                         float *ga, float *gb)
{
	int o = 2 * (k - 1);
	return head_loss(ua + o, ub + o, k * delta * DEG, scale, ga ? ga + o : NULL,
	                 gb ? gb + o : NULL);
}

double sr_head_consistency(const float *ua, const float *ub, int k, double delta)
{
	int o = 2 * (k - 1);
	return head_loss(ua + o, ub + o, k * delta * DEG, 0, NULL, NULL);
}

double sr_consistency_loss(float qa, float qb, double target, double weight, int n, float *ga,
                           float *gb)
{
	double da = qa - target, db = qb - target;
	if (ga)
		*ga += (float)(weight * da / n);
	if (gb)
		*gb += (float)(weight * db / n);
	return weight * 0.5 * (da * da + db * db);
}

/* ---------------------------------------------------------------- the mirror quotient */

static void flip_s(const float *u, float *v, int K, int flip)
{
	for (int k = 0; k < K; k++) {
		v[2 * k] = u[2 * k];
		v[2 * k + 1] = flip ? -u[2 * k + 1] : u[2 * k + 1];
	}
}

double sr_pair_loss_mirror(const float *ua, const float *ub, int K, double delta, const double *w,
                           double scale, double *per_head, float *ga, float *gb)
{
	float fa[2][2 * SR_MAX_ORDER], fb[2][2 * SR_MAX_ORDER];
	double L[4][SR_MAX_ORDER];
	if (K < 1 || K > SR_MAX_ORDER)
		return NAN;
	for (int f = 0; f < 2; f++) {
		flip_s(ua, fa[f], K, f);
		flip_s(ub, fb[f], K, f);
	}
	for (int c = 0; c < 4; c++)
		sr_pair_loss(fa[c >> 1], fb[c & 1], K, delta, NULL, 0, L[c], NULL, NULL);
	int best[SR_MAX_ORDER];
	double total = 0;
	for (int k = 0; k < K; k++) {
		best[k] = 0;
		for (int c = 1; c < 4; c++)
			if (L[c][k] < L[best[k]][k])
				best[k] = c;
		double wk = w ? w[k] : 1.0;
		if (per_head)
			per_head[k] = L[best[k]][k];
		total += wk * L[best[k]][k];
	}
	if (ga || gb) {
		for (int c = 0; c < 4; c++) {
			double wc[SR_MAX_ORDER];
			int any = 0;
			for (int k = 0; k < K; k++) {
				wc[k] = best[k] == c ? (w ? w[k] : 1.0) : 0.0;
				any |= best[k] == c && wc[k] != 0;
			}
			if (!any)
				continue;
			float gxa[2 * SR_MAX_ORDER] = {0}, gxb[2 * SR_MAX_ORDER] = {0};
			sr_pair_loss(fa[c >> 1], fb[c & 1], K, delta, wc, scale, NULL, gxa, gxb);
			for (int k = 0; k < K; k++) {
				if (best[k] != c)
					continue;
				float sa = (c >> 1) ? -1.0f : 1.0f, sb = (c & 1) ? -1.0f : 1.0f;
				if (ga) {
					ga[2 * k] += gxa[2 * k];
					ga[2 * k + 1] += sa * gxa[2 * k + 1];
				}
				if (gb) {
					gb[2 * k] += gxb[2 * k];
					gb[2 * k + 1] += sb * gxb[2 * k + 1];
				}
			}
		}
	}
	return total;
}

double sr_target_loss_mirror(const float *u, int K, double theta, const unsigned char *use,
                             double scale, float *g)
{
	double total = 0;
	if (K < 1 || K > SR_MAX_ORDER)
		return NAN;
	for (int k = 1; k <= K; k++) {
		if (use && !use[k - 1])
			continue;
		unsigned char one[SR_MAX_ORDER] = {0};
		one[k - 1] = 1;
		double lp = sr_target_loss(u, K, theta, one, 0, NULL);
		double lm = sr_target_loss(u, K, -theta, one, 0, NULL);
		double t = lm < lp ? -theta : theta;
		total += lm < lp ? lm : lp;
		if (g)
			sr_target_loss(u, K, t, one, scale, g);
	}
	return total;
}


/* ---------------------------------------------------------------- 3D heads */

/* z = u / n per block, n = sqrt(|u_b|^2 + eps^2) */
static void directions3d(const sr_embed *e, const float *u, double *z, double *n)
{
	for (int b = 0; b < e->nblocks; b++) {
		int o = e->off[b], d = SR_WIGNER_DIM(e->l[b]);
		double s = NORM_EPS * NORM_EPS;
		for (int i = 0; i < d; i++)
			s += (double)u[o + i] * u[o + i];
		n[b] = sqrt(s);
		for (int i = 0; i < d; i++)
			z[o + i] = u[o + i] / n[b];
	}
}

/* dL/du from dL/dz through z = u / n: g / n - u (u . g) / n^3, times scale, added */
static void through_norm3d(const sr_embed *e, const float *u, const double *n, const double *gz,
                           double scale, float *g)
{
	for (int b = 0; b < e->nblocks; b++) {
		int o = e->off[b], d = SR_WIGNER_DIM(e->l[b]);
		double ug = 0;
		for (int i = 0; i < d; i++)
			ug += u[o + i] * gz[o + i];
		for (int i = 0; i < d; i++)
			g[o + i] += (float)(scale * (gz[o + i] / n[b] - u[o + i] * ug / (n[b] * n[b] * n[b])));
	}
}

double sr_pair_loss3d(const sr_embed *e, const float *ua, const float *ub,
                      const double (*D)[SR_WIGNER_MAXDIM * SR_WIGNER_MAXDIM], double scale,
                      float *ga, float *gb)
{
	double za[SR_EMBED_MAXDIM], zb[SR_EMBED_MAXDIM], na[SR_EMBED_MAXBLOCKS], nb[SR_EMBED_MAXBLOCKS];
	directions3d(e, ua, za, na);
	directions3d(e, ub, zb, nb);
	int nt = e->has_twin ? 4 : 1, best = 0;
	double bestL = INFINITY, br[SR_EMBED_MAXDIM];
	for (int c = 0; c < nt; c++) {
		double ta[SR_EMBED_MAXDIM], r[SR_EMBED_MAXDIM], L = 0;
		for (int k = 0; k < e->dim; k++)
			ta[k] = (c & 1 ? e->twin[k] : 1) * za[k];
		for (int b = 0; b < e->nblocks; b++) {
			int l = e->l[b], o = e->off[b], d = SR_WIGNER_DIM(l);
			for (int i = 0; i < d; i++) {
				double s = 0;
				for (int j = 0; j < d; j++)
					s += D[l][i * d + j] * ta[o + j];
				r[o + i] = (c & 2 ? e->twin[o + i] : 1) * zb[o + i] - s;
				L += r[o + i] * r[o + i];
			}
		}
		L /= e->nblocks;
		if (L < bestL) {
			bestL = L;
			best = c;
			for (int k = 0; k < e->dim; k++)
				br[k] = r[k];
		}
	}
	if (ga || gb) {
		/* dL/dz_B = 2 t_B r / nblocks; dL/dz_A = -2 t_A D^T r / nblocks */
		double gza[SR_EMBED_MAXDIM], gzb[SR_EMBED_MAXDIM];
		for (int b = 0; b < e->nblocks; b++) {
			int l = e->l[b], o = e->off[b], d = SR_WIGNER_DIM(l);
			for (int i = 0; i < d; i++) {
				double s = 0;
				for (int j = 0; j < d; j++)
					s += D[l][j * d + i] * br[o + j];
				gza[o + i] = -2 * (best & 1 ? e->twin[o + i] : 1) * s / e->nblocks;
				gzb[o + i] = 2 * (best & 2 ? e->twin[o + i] : 1) * br[o + i] / e->nblocks;
			}
		}
		if (ga)
			through_norm3d(e, ua, na, gza, scale, ga);
		if (gb)
			through_norm3d(e, ub, nb, gzb, scale, gb);
	}
	return bestL;
}

double sr_norm_loss3d(const sr_embed *e, const float *u, double scale, float *g)
{
	double L = 0;
	for (int b = 0; b < e->nblocks; b++) {
		int o = e->off[b], d = SR_WIGNER_DIM(e->l[b]);
		double s = 0;
		for (int i = 0; i < d; i++)
			s += (double)u[o + i] * u[o + i];
		L += (s - 1) * (s - 1);
		if (g)
			for (int i = 0; i < d; i++)
				g[o + i] += (float)(scale * 4 * (s - 1) * u[o + i]);
	}
	return L;
}

double sr_isotropy_loss3d(const sr_embed *e, const float *out, int n, int stride, double scale,
                          float *g)
{
	double L = 0;
	if (n < 1)
		return 0;
	for (int b = 0; b < e->nblocks; b++) {
		int o = e->off[b], d = SR_WIGNER_DIM(e->l[b]);
		double M[SR_WIGNER_MAXDIM * SR_WIGNER_MAXDIM] = {0};
		for (int i = 0; i < n; i++) {
			const float *u = out + (size_t)i * stride + o;
			double s = NORM_EPS * NORM_EPS, z[SR_WIGNER_MAXDIM];
			for (int k = 0; k < d; k++)
				s += (double)u[k] * u[k];
			s = 1 / sqrt(s);
			for (int k = 0; k < d; k++)
				z[k] = u[k] * s;
			for (int k = 0; k < d; k++)
				for (int m = 0; m < d; m++)
					M[k * d + m] += z[k] * z[m] / n;
		}
		for (int k = 0; k < d; k++)
			M[k * d + k] -= 1.0 / d;
		for (int k = 0; k < d * d; k++)
			L += M[k] * M[k];
		if (!g)
			continue;
		for (int i = 0; i < n; i++) { /* dL/dz_i = (4 / n) (M - I/d) z_i, then through z = u/|u| */
			const float *u = out + (size_t)i * stride + o;
			double s = NORM_EPS * NORM_EPS, z[SR_WIGNER_MAXDIM], gz[SR_WIGNER_MAXDIM], nu;
			for (int k = 0; k < d; k++)
				s += (double)u[k] * u[k];
			nu = sqrt(s);
			for (int k = 0; k < d; k++)
				z[k] = u[k] / nu;
			double zg = 0;
			for (int k = 0; k < d; k++) {
				double a = 0;
				for (int m = 0; m < d; m++)
					a += M[k * d + m] * z[m];
				gz[k] = 4.0 / n * a;
				zg += z[k] * gz[k];
			}
			float *gi = g + (size_t)i * stride + o;
			for (int k = 0; k < d; k++)
				gi[k] += (float)(scale * (gz[k] - z[k] * zg) / nu);
		}
	}
	return L;
}
