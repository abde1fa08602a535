#include "methods/eval3d.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/quat.h"
#include "core/solid.h"

static const char *const qnames[4] = {"qw", "qx", "qy", "qz"};
static const char *const tnames[4] = {"qw_true", "qx_true", "qy_true", "qz_true"};

int sr_eval3d_header(sr_eval3d_table *t, char **f, int nf)
{
	t->c_views = t->c_shape_true = -1;
	for (int k = 0; k < 4; k++)
		t->c_q[k] = t->c_t[k] = -1;
	for (int i = 0; i < nf; i++) {
		if (!strcmp(f[i], "views")) t->c_views = i;
		if (!strcmp(f[i], "shape_true")) t->c_shape_true = i;
		for (int k = 0; k < 4; k++) {
			if (!strcmp(f[i], qnames[k])) t->c_q[k] = i;
			if (!strcmp(f[i], tnames[k])) t->c_t[k] = i;
		}
	}
	int max = t->c_shape_true;
	for (int k = 0; k < 4; k++) {
		if (t->c_q[k] < 0 || t->c_t[k] < 0)
			return 0;
		max = t->c_q[k] > max ? t->c_q[k] : max;
		max = t->c_t[k] > max ? t->c_t[k] : max;
	}
	if (t->c_shape_true < 0)
		return 0;
	t->ncols = (t->c_views > max ? t->c_views : max) + 1;
	return 1;
}

/* 0: a number; 1: NA; -1: neither */
static int num(const char *s, double *v)
{
	if (!strcmp(s, "NA"))
		return 1;
	char *e;
	*v = strtod(s, &e);
	return e == s || *e || !isfinite(*v) ? -1 : 0;
}

/* 4 numbers of unit length (within 1e-3: predict prints 8 decimals), or all NA */
static int quat(char **f, const int *c, double *q, const char *what)
{
	int na = 0;
	for (int k = 0; k < 4; k++) {
		int r = num(f[c[k]], &q[k]);
		if (r < 0)
			return sr_fail("%s: '%s' is not a number or NA", what, f[c[k]]);
		na += r;
	}
	if (na == 4)
		return 1;
	if (na)
		return sr_fail("%s: some components NA, some not", what);
	double n = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
	if (!(fabs(n - 1) < 1e-3))
		return sr_fail("%s (%g, %g, %g, %g) is not a unit quaternion", what, q[0], q[1], q[2], q[3]);
	for (int k = 0; k < 4; k++)
		q[k] /= n;
	return 0;
}

int sr_eval3d_add(sr_eval3d_table *t, char **f, int nf)
{
	if (nf < t->ncols)
		return sr_fail("%d fields, expected at least %d", nf, t->ncols);
	sr_eval3d_row r = {0};
	int rt = quat(f, t->c_t, r.t, "the true quaternion");
	if (rt < 0)
		return -1;
	if (rt > 0 || !strcmp(f[t->c_shape_true], "NA")) {
		t->unscored++;
		return 0;
	}
	if (!(r.solid = sr_solid_from_name(f[t->c_shape_true])))
		return sr_fail("shape_true '%s' is not a solid (%s)", f[t->c_shape_true], sr_solid_names());
	int rp = quat(f, t->c_q, r.p, "the predicted quaternion");
	if (rp < 0)
		return -1;
	r.measured = rp == 0;
	r.views = 1;
	if (t->c_views >= 0) {
		double v;
		if (num(f[t->c_views], &v) != 0 || (v != 1 && v != 2))
			return sr_fail("views '%s' is not 1 or 2", f[t->c_views]);
		r.views = (int)v;
	}
	if (t->n == t->cap) {
		long nc = t->cap ? 2 * t->cap : 1024;
		sr_eval3d_row *p = realloc(t->row, nc * sizeof *p);
		if (!p)
			return sr_fail("out of memory");
		t->row = p;
		t->cap = nc;
	}
	t->row[t->n++] = r;
	return 0;
}

void sr_eval3d_free(sr_eval3d_table *t)
{
	free(t->row);
	t->row = NULL;
	t->n = t->cap = 0;
}

double sr_eval3d_error(const sr_eval3d_row *r, int mode, const double *Q)
{
	if (!r->measured)
		return 180;
	const sr_solid *s = sr_solid_get(r->solid);
	double p[4];
	if (Q)
		sr_quat_mul(Q, r->p, p);
	else
		memcpy(p, r->p, sizeof p);
	double e = sr_quat_angle_mod(p, r->t, (const double(*)[4])s->g, s->ng);
	if (mode == SR_EVAL3D_PROJECTION && s->has_twin) {
		double tw[4];
		sr_solid_twin(s, r->t, tw);
		e = fmin(e, sr_quat_angle_mod(p, tw, (const double(*)[4])s->g, s->ng));
	}
	return e;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int selected(const sr_eval3d_row *r, int solid, int views)
{
	return (!solid || r->solid == solid) && (!views || r->views == views);
}

int sr_eval3d_stats_of(const sr_eval3d_table *t, int solid, int views, int mode, const double *Q,
                       sr_eval3d_stats *out)
{
	static const double lim[5] = {2, 5, 10, 15, 30};
	memset(out, 0, sizeof *out);
	double *e = malloc((t->n ? t->n : 1) * sizeof *e);
	if (!e)
		return sr_fail("out of memory");
	long n = 0;
	double sum = 0;
	for (long i = 0; i < t->n; i++)
		if (selected(&t->row[i], solid, views)) {
			e[n] = sr_eval3d_error(&t->row[i], mode, Q);
			sum += e[n];
			for (int k = 0; k < 5; k++)
				out->within[k] += e[n] <= lim[k];
			n++;
		}
	out->n = n;
	if (n) {
		qsort(e, n, sizeof *e, cmp_double);
		out->median = n % 2 ? e[n / 2] : 0.5 * (e[n / 2 - 1] + e[n / 2]);
		out->mean = sum / n;
		for (int k = 0; k < 5; k++)
			out->within[k] /= n;
	}
	free(e);
	return 0;
}

/* the fit's cost: the mean error capped at 30 degrees, over the selected measured rows */
static double cost(const sr_eval3d_table *t, const long *idx, long n, int mode, const double *Q)
{
	double s = 0;
	for (long i = 0; i < n; i++)
		s += fmin(30, sr_eval3d_error(&t->row[idx[i]], mode, Q));
	return n ? s / n : 0;
}

int sr_eval3d_fit(const sr_eval3d_table *t, int solid, int views, int mode, double *Q)
{
	Q[0] = 1;
	Q[1] = Q[2] = Q[3] = 0;
	long *idx = malloc((t->n ? t->n : 1) * sizeof *idx), n = 0;
	if (!idx)
		return sr_fail("out of memory");
	for (long i = 0; i < t->n; i++)
		if (selected(&t->row[i], solid, views) && t->row[i].measured)
			idx[n++] = i;
	if (!n) {
		free(idx);
		return 0;
	}
	/* candidates: the rotations that make one row exact, t g p^-1, scored on a subsample */
	long sub = n < 200 ? n : 200;
	long *sidx = malloc(sub * sizeof *sidx);
	if (!sidx) {
		free(idx);
		return sr_fail("out of memory");
	}
	for (long i = 0; i < sub; i++)
		sidx[i] = idx[i * n / sub];
	double best = cost(t, sidx, sub, mode, Q);
	int rows = n < 24 ? (int)n : 24;
	for (int i = 0; i < rows; i++) {
		const sr_eval3d_row *r = &t->row[idx[i * n / rows]];
		const sr_solid *s = sr_solid_get(r->solid);
		for (int g = 0; g < s->ng; g++) {
			double tg[4], pinv[4], c[4];
			sr_quat_mul(r->t, s->g[g], tg);
			sr_quat_conj(r->p, pinv);
			sr_quat_mul(tg, pinv, c);
			sr_quat_canon(c);
			double f = cost(t, sidx, sub, mode, c);
			if (f < best) {
				best = f;
				memcpy(Q, c, sizeof c);
			}
		}
	}
	free(sidx);
	/* pattern search on all rows */
	best = cost(t, idx, n, mode, Q);
	for (double step = 2; step >= 0.02;) {
		int gained = 0;
		for (int axis = 0; axis < 3; axis++)
			for (int sign = -1; sign <= 1; sign += 2) {
				double ax[3] = {0, 0, 0}, turn[4], c[4];
				ax[axis] = 1;
				sr_quat_axis_angle(ax, sign * step, turn);
				sr_quat_mul(turn, Q, c);
				sr_quat_canon(c);
				double f = cost(t, idx, n, mode, c);
				if (f < best) {
					best = f;
					memcpy(Q, c, sizeof c);
					gained = 1;
				}
			}
		if (!gained)
			step /= 2;
	}
	free(idx);
	return 0;
}
