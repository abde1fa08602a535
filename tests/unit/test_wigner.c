/* test_wigner: real spherical harmonics, real Wigner matrices, the group invariants and the
 * fit of a rotation from its embedding (core/wigner.h, core/embed3d.h). */
#include "check_main.h"
#include <math.h>
#include <string.h>

#include "core/embed3d.h"
#include "core/quat.h"
#include "core/rng.h"
#include "core/solid.h"
#include "core/wigner.h"

static void random_dir(sr_rng *r, double *x)
{
	double q[4], R[9], z[3] = {0, 0, 1};
	sr_quat_haar(r, q);
	sr_quat_to_mat(q, R);
	sr_mat_apply(R, z, x);
}

START_TEST(harmonics_explicit)
{
	/* a few harmonics by their Cartesian formulas */
	double x[3] = {0.3, -0.5, 0.81}, n = sqrt(0.09 + 0.25 + 0.81 * 0.81), y[13];
	for (int i = 0; i < 3; i++)
		x[i] /= n;
	sr_ylm_real(1, x, y);
	double k1 = sqrt(3 / (4 * M_PI));
	ck_assert_double_eq_tol(y[0], k1 * x[1], 1e-12);
	ck_assert_double_eq_tol(y[1], k1 * x[2], 1e-12);
	ck_assert_double_eq_tol(y[2], k1 * x[0], 1e-12);
	sr_ylm_real(2, x, y);
	ck_assert_double_eq_tol(y[2], sqrt(5 / (16 * M_PI)) * (3 * x[2] * x[2] - 1), 1e-12);
	ck_assert_double_eq_tol(y[0], sqrt(15 / (4 * M_PI)) * x[0] * x[1], 1e-12);
	ck_assert_double_eq_tol(y[4], sqrt(15 / (16 * M_PI)) * (x[0] * x[0] - x[1] * x[1]), 1e-12);
	sr_ylm_real(3, x, y);
	ck_assert_double_eq_tol(y[1], sqrt(105 / (4 * M_PI)) * x[0] * x[1] * x[2], 1e-12);
	/* orthonormal: a quadrature with many random points, |<Y_a, Y_b> - delta_ab| small */
	sr_rng r;
	sr_rng_seed(&r, 3);
	double G[13][13] = {{0}};
	const int N = 200000;
	for (int i = 0; i < N; i++) {
		double d[3];
		random_dir(&r, d);
		sr_ylm_real(6, d, y);
		for (int a = 0; a < 13; a++)
			for (int b = 0; b < 13; b++)
				G[a][b] += 4 * M_PI * y[a] * y[b] / N;
	}
	for (int a = 0; a < 13; a++)
		for (int b = 0; b < 13; b++)
			ck_assert_double_eq_tol(G[a][b], a == b, 0.03);
}
END_TEST

START_TEST(wigner_properties)
{
	sr_rng r;
	sr_rng_seed(&r, 11);
	for (int l = 0; l <= SR_WIGNER_LMAX; l++) {
		int n = 2 * l + 1;
		for (int trial = 0; trial < 5; trial++) {
			double q1[4], q2[4], q12[4], D1[169], D2[169], D12[169];
			sr_quat_haar(&r, q1);
			sr_quat_haar(&r, q2);
			sr_quat_mul(q1, q2, q12);
			sr_wigner(l, q1, D1);
			sr_wigner(l, q2, D2);
			sr_wigner(l, q12, D12);
			for (int a = 0; a < n; a++)
				for (int b = 0; b < n; b++) {
					double dd = 0, prod = 0;
					for (int k = 0; k < n; k++) {
						dd += D1[k * n + a] * D1[k * n + b];
						prod += D1[a * n + k] * D2[k * n + b];
					}
					ck_assert_double_eq_tol(dd, a == b, 1e-10);      /* orthogonal */
					ck_assert_double_eq_tol(prod, D12[a * n + b], 1e-10); /* homomorphism */
				}
			/* against direct rotation of the harmonics at fresh directions:
			 * y(R^T x) = y(x) D */
			double R[9];
			sr_quat_to_mat(q1, R);
			for (int p = 0; p < 10; p++) {
				double x[3], xr[3], y[13], yr[13];
				random_dir(&r, x);
				for (int a = 0; a < 3; a++)
					xr[a] = R[a] * x[0] + R[3 + a] * x[1] + R[6 + a] * x[2];
				sr_ylm_real(l, x, y);
				sr_ylm_real(l, xr, yr);
				for (int b = 0; b < n; b++) {
					double s = 0;
					for (int a = 0; a < n; a++)
						s += y[a] * D1[a * n + b];
					ck_assert_double_eq_tol(s, yr[b], 1e-10);
				}
			}
			/* apply = D c */
			double c[13], out[13];
			for (int a = 0; a < n; a++)
				c[a] = sr_rng_uniform(&r) - 0.5;
			sr_wigner_apply(l, q1, c, out);
			for (int a = 0; a < n; a++) {
				double s = 0;
				for (int b = 0; b < n; b++)
					s += D1[a * n + b] * c[b];
				ck_assert_double_eq_tol(out[a], s, 1e-10);
			}
		}
		/* a turn about z by a mixes only +-m: D(R_z(90))'s m = 0 row is e_0 */
		double z[3] = {0, 0, 1}, qz[4], D[169];
		sr_quat_axis_angle(z, 90, qz);
		sr_wigner(l, qz, D);
		ck_assert_double_eq_tol(D[l * n + l], 1, 1e-10);
	}
}
END_TEST

static int invariant_dim(int solid, int l)
{
	const sr_solid *s = sr_solid_get(solid);
	double c[13];
	return sr_wigner_invariant(l, (const double(*)[4])s->g, s->ng, c);
}

START_TEST(invariants)
{
	/* dimensions of the fixed subspaces: the lowest degrees of the issue */
	static const int expect[][7] = {
		/* l = 0 1 2 3 4 5 6 */
		{1, 0, 0, 1, 1, 0, 2}, /* T */
		{1, 0, 0, 0, 1, 0, 1}, /* O */
		{1, 0, 0, 0, 0, 0, 1}, /* I */
		{1, 0, 1, 0, 1, 1, 2}, /* D5 */
		{1, 3, 5, 7, 9, 11, 13}}; /* C1 */
	static const int solids[] = {SR_SOLID_TETRAHEDRON, SR_SOLID_CUBE, SR_SOLID_ICOSAHEDRON,
	                             SR_SOLID_DECAHEDRON, SR_SOLID_CONTROL};
	for (int g = 0; g < 5; g++)
		for (int l = 0; l <= 6; l++)
			ck_assert_int_eq(invariant_dim(solids[g], l), expect[g][l]);
	/* T's degree-3 invariant is xyz (m = -2), O's degree 4 the cubic one: m = 0 and m = 4 in
	 * the ratio sqrt(7/12) : sqrt(5/12) */
	const sr_embed *t = sr_embed_get(SR_EMBED_T), *o = sr_embed_get(SR_EMBED_O);
	ck_assert_ptr_nonnull(t);
	ck_assert_double_eq_tol(fabs(t->c[1]), 1, 1e-10);
	ck_assert_double_eq_tol(fabs(o->c[4]), sqrt(7.0 / 12), 1e-10);
	ck_assert_double_eq_tol(fabs(o->c[8]), sqrt(5.0 / 12), 1e-10);
	/* D5: z^2 and Re (x + i y)^5 */
	const sr_embed *d = sr_embed_get(SR_EMBED_D5);
	ck_assert_double_eq_tol(fabs(d->c[2]), 1, 1e-10);
	ck_assert_double_eq_tol(fabs(d->c[5 + 10]), 1, 1e-10);
}
END_TEST

START_TEST(embedding_twin_and_signs)
{
	sr_rng r;
	sr_rng_seed(&r, 5);
	int total = 0;
	for (int id = 0; id < SR_EMBED_NGROUPS; id++) {
		const sr_embed *e = sr_embed_get(id);
		ck_assert_ptr_nonnull(e);
		total += e->dim;
		ck_assert_int_eq(sr_embed_offset(id) + e->dim, id + 1 < SR_EMBED_NGROUPS
		                 ? sr_embed_offset(id + 1) : SR_EMBED_TOTAL);
		const sr_solid *s = sr_solid_get(e->solid);
		/* invariance: v(R g) = v(R) */
		for (int trial = 0; trial < 4; trial++) {
			double q[4], qg[4], qt[4], v[16], vg[16], vt[16];
			sr_quat_haar(&r, q);
			sr_embed_rotate(e, q, e->c, v);
			sr_quat_mul(q, s->g[s->ng - 1], qg);
			sr_embed_rotate(e, qg, e->c, vg);
			for (int k = 0; k < e->dim; k++)
				ck_assert_double_eq_tol(vg[k], v[k], 1e-10);
			/* the twin: v' = twin .* v, with eps = +1 (twin = (-1)^(l+m)) */
			sr_solid_twin(s, q, qt);
			sr_embed_rotate(e, qt, e->c, vt);
			for (int b = 0; b < e->nblocks; b++)
				for (int m = -e->l[b]; m <= e->l[b]; m++) {
					int k = e->off[b] + m + e->l[b];
					ck_assert_double_eq_tol(vt[k], e->twin[k] * v[k], 1e-10);
					if (e->has_twin)
						ck_assert_double_eq_tol(e->twin[k], (((e->l[b] + m) & 1) ? -1.0 : 1.0), 1e-12);
				}
		}
	}
	ck_assert_int_eq(total, SR_EMBED_TOTAL);
	/* signs that are rotations: T's degree 3, D5's degree 5, C1's; the others are free */
	ck_assert_int_eq(sr_embed_get(SR_EMBED_T)->sign_free[0], 0);
	ck_assert_int_eq(sr_embed_get(SR_EMBED_O)->sign_free[0], 1);
	ck_assert_int_eq(sr_embed_get(SR_EMBED_I)->sign_free[0], 1);
	ck_assert_int_eq(sr_embed_get(SR_EMBED_D5)->sign_free[0], 1);
	ck_assert_int_eq(sr_embed_get(SR_EMBED_D5)->sign_free[1], 0);
	ck_assert_int_eq(sr_embed_get(SR_EMBED_C1)->sign_free[0], 0);
	ck_assert_int_eq(sr_embed_get(SR_EMBED_C1)->sign_free[1], 0);
}
END_TEST

START_TEST(fit_recovers_rotation)
{
	sr_rng r;
	sr_rng_seed(&r, 9);
	for (int id = 0; id < SR_EMBED_NGROUPS; id++) {
		const sr_embed *e = sr_embed_get(id);
		const sr_solid *s = sr_solid_get(e->solid);
		for (int trial = 0; trial < 12; trial++) {
			double q[4], v[16], vb[16], qb[4];
			sr_quat_haar(&r, q);
			sr_embed_rotate(e, q, e->c, v);
			/* one view, exact: recovered up to the group */
			const double *vp[2] = {v, vb};
			double T[2][4] = {{1, 0, 0, 0}, {1, 0, 0, 0}};
			sr_embed_fit_result f;
			sr_embed_fit(e, 1, vp, (const double(*)[4])T, NULL, 0, &f);
			ck_assert_double_lt(sr_quat_angle_mod(f.q, q, (const double(*)[4])s->g, s->ng), 1e-4);
			ck_assert_double_lt(f.resid, 1e-12);
			/* noisy (0.02 per component): still close */
			double vn[16];
			for (int k = 0; k < e->dim; k++)
				vn[k] = v[k] + 0.02 * (sr_rng_uniform(&r) - 0.5) * sqrt(12.0);
			sr_embed_normalise(e, vn, vn);
			vp[0] = vn;
			sr_embed_fit(e, 1, vp, (const double(*)[4])T, NULL, 0, &f);
			ck_assert_double_lt(sr_quat_angle_mod(f.q, q, (const double(*)[4])s->g, s->ng), 5);
			/* a tilt pair, view B read as the twin: the fit says so and finds R */
			sr_quat_tilt(7 + trial, 0, T[1]);
			sr_quat_mul(T[1], q, qb);
			sr_embed_rotate(e, qb, e->c, vb);
			for (int k = 0; k < e->dim; k++)
				vb[k] *= e->twin[k];
			vp[0] = v;
			sr_embed_fit(e, 2, vp, (const double(*)[4])T, NULL, 1, &f);
			ck_assert_double_lt(sr_quat_angle_mod(f.q, q, (const double(*)[4])s->g, s->ng), 1e-4);
			if (e->has_twin) {
				ck_assert_int_eq(f.twin[0], 0);
				ck_assert_int_eq(f.twin[1], 1);
			}
			/* a negated free block: found with its sign */
			if (e->sign_free[0]) {
				for (int k = 0; k < SR_WIGNER_DIM(e->l[0]); k++)
					vn[k] = -v[k];
				for (int k = SR_WIGNER_DIM(e->l[0]); k < e->dim; k++)
					vn[k] = v[k];
				vp[0] = vn;
				sr_embed_fit(e, 1, vp, (const double(*)[4])T, NULL, 0, &f);
				ck_assert_int_eq(f.sign[0], -1);
				ck_assert_double_lt(sr_quat_angle_mod(f.q, q, (const double(*)[4])s->g, s->ng),
				                    1e-4);
			}
		}
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("wigner");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, harmonics_explicit);
	tcase_add_test(tc, wigner_properties);
	tcase_add_test(tc, invariants);
	tcase_add_test(tc, embedding_twin_and_signs);
	tcase_add_test(tc, fit_recovers_rotation);
	suite_add_tcase(s, tc);
	return s;
}
