/* embed3d.c: the group embeddings and the fit of R (embed3d.h). */
#include "core/embed3d.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/quat.h"
#include "core/solid.h"

/* grid points on all of SO(3) for the coarse search: covering radius about 11 degrees, well
 * inside the basin of the fit for degree 6 */
#define NGRID 5000
#define NCAND 4        /* coarse candidates refined */
#define GN_STEPS 8

static const char *const group_names[SR_EMBED_NGROUPS] = {"C1", "D5", "T", "O", "I"};
static const int group_solid[SR_EMBED_NGROUPS] = {SR_SOLID_CONTROL, SR_SOLID_DECAHEDRON,
                                                  SR_SOLID_TETRAHEDRON, SR_SOLID_CUBE,
                                                  SR_SOLID_ICOSAHEDRON};
static const int group_degrees[SR_EMBED_NGROUPS][SR_EMBED_MAXBLOCKS] = {
	{1, 1}, {2, 5}, {3, 0}, {4, 0}, {6, 0}};

static sr_embed table[SR_EMBED_NGROUPS];
static int built[SR_EMBED_NGROUPS];

int sr_embed_from_name(const char *group)
{
	for (int i = 0; i < SR_EMBED_NGROUPS; i++)
		if (!strcmp(group, group_names[i]))
			return i;
	return -1;
}

int sr_embed_offset(int id)
{
	static const int off[SR_EMBED_NGROUPS] = {0, 6, 22, 29, 38};
	return off[id];
}

void sr_embed_normalise(const sr_embed *e, const double *v, double *out)
{
	for (int b = 0; b < e->nblocks; b++) {
		int n = SR_WIGNER_DIM(e->l[b]), o = e->off[b];
		double s = 0;
		for (int i = 0; i < n; i++)
			s += v[o + i] * v[o + i];
		s = s > 0 ? 1 / sqrt(s) : 0;
		for (int i = 0; i < n; i++)
			out[o + i] = v[o + i] * s;
	}
}

void sr_embed_rotate(const sr_embed *e, const double *q, const double *v, double *out)
{
	double tmp[SR_EMBED_MAXDIM];
	for (int b = 0; b < e->nblocks; b++)
		sr_wigner_apply(e->l[b], q, v + e->off[b], tmp + e->off[b]);
	memcpy(out, tmp, e->dim * sizeof *out);
}

/* the residual sum over views for rotation q and block signs s; v as the fit sees them */
static double residual(const sr_embed *e, int nviews, double (*v)[SR_EMBED_MAXDIM],
                       const double (*T)[4], const double *q, const int *s, double *r)
{
	double sum = 0;
	for (int j = 0; j < nviews; j++) {
		double tq[4], u[SR_EMBED_MAXDIM];
		sr_quat_mul(T[j], q, tq);
		sr_embed_rotate(e, tq, e->c, u);
		for (int b = 0; b < e->nblocks; b++)
			for (int i = 0; i < SR_WIGNER_DIM(e->l[b]); i++) {
				int k = e->off[b] + i;
				double d = v[j][k] - s[b] * u[k];
				if (r)
					r[j * e->dim + k] = d;
				sum += d * d;
			}
	}
	return sum;
}

/* Gauss-Newton on R = exp(w) R0 (w in the lab frame), the Jacobian by central differences */
static double refine(const sr_embed *e, int nviews, double (*v)[SR_EMBED_MAXDIM],
                     const double (*T)[4], double *q, const int *s)
{
	int nr = nviews * e->dim;
	double r[2 * SR_EMBED_MAXDIM], J[2 * SR_EMBED_MAXDIM][3];
	double f = residual(e, nviews, v, T, q, s, r);
	const double h = 1e-5;
	for (int it = 0; it < GN_STEPS; it++) {
		for (int a = 0; a < 3; a++) {
			double rp[2 * SR_EMBED_MAXDIM], rm[2 * SR_EMBED_MAXDIM], ax[3] = {0}, dq[4], qp[4];
			ax[a] = 1;
			sr_quat_axis_angle(ax, h * 180 / M_PI, dq);
			sr_quat_mul(dq, q, qp);
			residual(e, nviews, v, T, qp, s, rp);
			sr_quat_axis_angle(ax, -h * 180 / M_PI, dq);
			sr_quat_mul(dq, q, qp);
			residual(e, nviews, v, T, qp, s, rm);
			for (int i = 0; i < nr; i++)
				J[i][a] = (rp[i] - rm[i]) / (2 * h);
		}
		double A[9] = {0}, g[3] = {0};
		for (int i = 0; i < nr; i++)
			for (int a = 0; a < 3; a++) {
				g[a] -= J[i][a] * r[i];
				for (int b = 0; b < 3; b++)
					A[3 * a + b] += J[i][a] * J[i][b];
			}
		for (int a = 0; a < 3; a++)
			A[4 * a] += 1e-9;
		/* 3x3 solve by Cramer's rule */
		double det = A[0] * (A[4] * A[8] - A[5] * A[7]) - A[1] * (A[3] * A[8] - A[5] * A[6]) +
		             A[2] * (A[3] * A[7] - A[4] * A[6]);
		if (!(fabs(det) > 0))
			break;
		double w[3];
		for (int a = 0; a < 3; a++) {
			double M[9];
			memcpy(M, A, sizeof M);
			for (int b = 0; b < 3; b++)
				M[3 * b + a] = g[b];
			w[a] = (M[0] * (M[4] * M[8] - M[5] * M[7]) - M[1] * (M[3] * M[8] - M[5] * M[6]) +
			        M[2] * (M[3] * M[7] - M[4] * M[6])) / det;
		}
		double ang = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
		if (ang > 0.5) /* a step larger than about 30 degrees leaves the local model */
			for (int a = 0; a < 3; a++)
				w[a] *= 0.5 / ang;
		ang = fmin(ang, 0.5);
		if (ang < 1e-12)
			break;
		double dq[4], qn[4], rn[2 * SR_EMBED_MAXDIM];
		sr_quat_axis_angle(w, ang * 180 / M_PI, dq);
		sr_quat_mul(dq, q, qn);
		sr_quat_canon(qn);
		double fn = residual(e, nviews, v, T, qn, s, rn);
		if (fn >= f)
			break; /* converged to rounding (or the local model failed: keep the best) */
		memcpy(q, qn, 4 * sizeof *q);
		memcpy(r, rn, sizeof r);
		f = fn;
		if (ang < 1e-10)
			break;
	}
	return f;
}

static void fit_one(const sr_embed *e, int nviews, double (*v)[SR_EMBED_MAXDIM],
                    const double (*T)[4], const int *sign, sr_embed_fit_result *out)
{
	/* coarse: sum_j |v_j - s D(T_j) u|^2 = const - 2 sum_b s_b w_b . u_b with
	 * w = sum_j D(T_j)^-1 v_j (D orthogonal) */
	double w[SR_EMBED_MAXDIM] = {0};
	for (int j = 0; j < nviews; j++) {
		double ti[4], x[SR_EMBED_MAXDIM];
		sr_quat_conj(T[j], ti);
		sr_embed_rotate(e, ti, v[j], x);
		for (int k = 0; k < e->dim; k++)
			w[k] += x[k];
	}
	long cand[NCAND];
	double cscore[NCAND];
	int csign[NCAND][SR_EMBED_MAXBLOCKS];
	int nc = 0;
	for (long i = 0; i < e->ngrid; i++) {
		const double *u = e->table + i * e->dim;
		double score = 0;
		int s[SR_EMBED_MAXBLOCKS];
		for (int b = 0; b < e->nblocks; b++) {
			double d = 0;
			for (int k = e->off[b]; k < e->off[b] + SR_WIGNER_DIM(e->l[b]); k++)
				d += w[k] * u[k];
			s[b] = e->sign_free[b] ? (d >= 0 ? 1 : -1) : (sign ? sign[b] : 1);
			score += s[b] * d;
		}
		if (nc < NCAND || score > cscore[nc - 1]) {
			int p = nc < NCAND ? nc++ : NCAND - 1;
			while (p > 0 && cscore[p - 1] < score) {
				cand[p] = cand[p - 1];
				cscore[p] = cscore[p - 1];
				memcpy(csign[p], csign[p - 1], sizeof csign[p]);
				p--;
			}
			cand[p] = i;
			cscore[p] = score;
			memcpy(csign[p], s, sizeof s);
		}
	}
	out->resid = INFINITY;
	for (int c = 0; c < nc; c++) {
		double q[4];
		memcpy(q, e->gridq[cand[c]], sizeof q);
		double f = refine(e, nviews, v, T, q, csign[c]);
		if (f < out->resid) {
			out->resid = f;
			memcpy(out->q, q, sizeof q);
			memcpy(out->sign, csign[c], sizeof out->sign);
		}
	}
	out->resid /= nviews * e->nblocks;
}

void sr_embed_fit(const sr_embed *e, int nviews, const double *const *v, const double (*T)[4],
                  const int *sign, int twins, sr_embed_fit_result *out)
{
	int nt = twins && e->has_twin ? 1 << nviews : 1;
	out->resid = INFINITY;
	for (int t = 0; t < nt; t++) {
		double x[2][SR_EMBED_MAXDIM];
		for (int j = 0; j < nviews; j++)
			for (int k = 0; k < e->dim; k++)
				x[j][k] = (t >> j & 1) ? e->twin[k] * v[j][k] : v[j][k];
		sr_embed_fit_result r;
		fit_one(e, nviews, x, T, sign, &r);
		if (r.resid < out->resid) {
			*out = r;
			out->twin[0] = t & 1;
			out->twin[1] = t >> 1 & 1;
		}
	}
	sr_quat_canon(out->q);
}

static int build(sr_embed *e, int id)
{
	const sr_solid *s = sr_solid_get(group_solid[id]);
	e->id = id;
	e->group = group_names[id];
	e->solid = group_solid[id];
	e->nblocks = group_degrees[id][1] ? 2 : 1;
	e->dim = 0;
	for (int b = 0; b < e->nblocks; b++) {
		e->l[b] = group_degrees[id][b];
		e->off[b] = e->dim;
		e->dim += SR_WIGNER_DIM(e->l[b]);
	}
	memset(e->c, 0, sizeof e->c);
	if (id == SR_EMBED_C1) {
		e->c[2] = 1;     /* degree 1, m = 1: x */
		e->c[3 + 0] = 1; /* degree 1, m = -1: y */
	} else {
		for (int b = 0; b < e->nblocks; b++)
			if (sr_wigner_invariant(e->l[b], (const double(*)[4])s->g, s->ng, e->c + e->off[b]) != 1)
				return -1; /* the degrees above are the lowest with a 1D invariant */
	}
	e->ngrid = NGRID;
	e->gridq = malloc(NGRID * sizeof *e->gridq);
	e->table = malloc((size_t)NGRID * e->dim * sizeof *e->table);
	if (!e->gridq || !e->table)
		return -1;
	for (long i = 0; i < NGRID; i++) {
		sr_quat_grid(i, NGRID, e->gridq[i]);
		sr_embed_rotate(e, e->gridq[i], e->c, e->table + i * e->dim);
	}
	/* the twin's map, measured at one generic rotation: v' = eps (-1)^(l+m) v per block */
	e->has_twin = s->has_twin;
	for (int k = 0; k < e->dim; k++)
		e->twin[k] = 1;
	if (e->has_twin) {
		double q[4] = {0.8, 0.3, -0.4, 0.33}, qt[4], v[SR_EMBED_MAXDIM], vt[SR_EMBED_MAXDIM];
		sr_quat_canon(q);
		sr_solid_twin(s, q, qt);
		sr_embed_rotate(e, q, e->c, v);
		sr_embed_rotate(e, qt, e->c, vt);
		for (int b = 0; b < e->nblocks; b++) {
			int l = e->l[b], o = e->off[b];
			double dot = 0;
			for (int m = -l; m <= l; m++)
				dot += vt[o + m + l] * v[o + m + l] * (((l + m) & 1) ? -1 : 1);
			double eps = dot >= 0 ? 1 : -1;
			for (int m = -l; m <= l; m++)
				e->twin[o + m + l] = eps * (((l + m) & 1) ? -1 : 1);
		}
	}
	/* which block signs are rotations: fit the vector with that block negated */
	for (int b = 0; b < e->nblocks; b++)
		e->sign_free[b] = 0;
	for (int b = 0; b < e->nblocks; b++) {
		double q[4] = {0.9, 0.1, 0.2, -0.3}, v[SR_EMBED_MAXDIM];
		sr_quat_canon(q);
		sr_embed_rotate(e, q, e->c, v);
		for (int k = e->off[b]; k < e->off[b] + SR_WIGNER_DIM(e->l[b]); k++)
			v[k] = -v[k];
		const double *vp[1] = {v};
		const double T[1][4] = {{1, 0, 0, 0}};
		sr_embed_fit_result r;
		sr_embed_fit(e, 1, vp, T, NULL, 0, &r);
		e->sign_free[b] = r.resid > 1e-8;
	}
	return 0;
}

const sr_embed *sr_embed_get(int id)
{
	if (id < 0 || id >= SR_EMBED_NGROUPS)
		return NULL;
	if (!built[id]) {
		sr_wigner_init();
		if (build(&table[id], id) < 0) {
			free(table[id].gridq);
			free(table[id].table);
			memset(&table[id], 0, sizeof table[id]);
			return NULL;
		}
		built[id] = 1;
	}
	return &table[id];
}

int sr_embed_init(void)
{
	for (int i = 0; i < SR_EMBED_NGROUPS; i++)
		if (!sr_embed_get(i))
			return -1;
	return 0;
}
