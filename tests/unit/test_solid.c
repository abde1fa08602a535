/* test_solid: quaternions and the SO(3) conventions, the solids' vertex sets, facets and
 * rotation groups, and the group-reduced geodesic error. */
#include "check_main.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/quat.h"
#include "core/rng.h"
#include "core/solid.h"

static int find_vertex(const sr_solid *s, const double *p)
{
	for (int i = 0; i < s->nv; i++)
		if (fabs(s->v[i][0] - p[0]) < 1e-9 && fabs(s->v[i][1] - p[1]) < 1e-9 &&
		    fabs(s->v[i][2] - p[2]) < 1e-9)
			return i;
	return -1;
}

/* the matrix maps the vertex set onto itself (a permutation) */
static int maps_vertices(const sr_solid *s, const double *M)
{
	int hit[SR_SOLID_MAXV] = {0};
	for (int i = 0; i < s->nv; i++) {
		double p[3];
		sr_mat_apply(M, s->v[i], p);
		int j = find_vertex(s, p);
		if (j < 0 || hit[j]++)
			return 0;
	}
	return 1;
}

static void frame(const double *a, const double *b, double *F)
{
	/* orthonormal columns: a, the part of b normal to a, their cross product */
	double e1[3], e2[3], e3[3], na = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
	for (int i = 0; i < 3; i++)
		e1[i] = a[i] / na;
	double d = e1[0] * b[0] + e1[1] * b[1] + e1[2] * b[2];
	for (int i = 0; i < 3; i++)
		e2[i] = b[i] - d * e1[i];
	double n2 = sqrt(e2[0] * e2[0] + e2[1] * e2[1] + e2[2] * e2[2]);
	for (int i = 0; i < 3; i++)
		e2[i] /= n2;
	e3[0] = e1[1] * e2[2] - e1[2] * e2[1];
	e3[1] = e1[2] * e2[0] - e1[0] * e2[2];
	e3[2] = e1[0] * e2[1] - e1[1] * e2[0];
	for (int i = 0; i < 3; i++) {
		F[3 * i] = e1[i];
		F[3 * i + 1] = e2[i];
		F[3 * i + 2] = e3[i];
	}
}

static int count_vertex_symmetries(const sr_solid *s)
{
	const double *v0 = s->v[0], *v1 = NULL;
	for (int i = 1; i < s->nv && !v1; i++) {
		double c[3] = {v0[1] * s->v[i][2] - v0[2] * s->v[i][1], v0[2] * s->v[i][0] - v0[0] * s->v[i][2],
		               v0[0] * s->v[i][1] - v0[1] * s->v[i][0]};
		if (c[0] * c[0] + c[1] * c[1] + c[2] * c[2] > 1e-6)
			v1 = s->v[i];
	}
	double F[9], Ft[9];
	frame(v0, v1, F);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			Ft[3 * i + j] = F[3 * j + i];
	int count = 0;
	for (int a = 0; a < s->nv; a++)
		for (int b = 0; b < s->nv; b++) {
			double G[9], M[9], d0 = 0, d1 = 0;
			for (int k = 0; k < 3; k++) {
				d0 += (s->v[a][k] * s->v[a][k] - v0[k] * v0[k]);
				d1 += s->v[a][k] * s->v[b][k] - v0[k] * v1[k];
			}
			if (a == b || fabs(d0) > 1e-9 || fabs(d1) > 1e-9)
				continue;
			frame(s->v[a], s->v[b], G);
			sr_mat_mul(G, Ft, M);
			count += maps_vertices(s, M);
		}
	return count;
}

START_TEST(quaternion_convention)
{
	/* a 90 degree turn about z takes a vertex on +x to +y, which is up on screen */
	double z[3] = {0, 0, 1}, q[4], R[9], x[3] = {1, 0, 0}, p[3];
	sr_quat_axis_angle(z, 90, q);
	ck_assert_double_eq_tol(q[0], sqrt(0.5), 1e-15);
	ck_assert_double_eq_tol(q[3], sqrt(0.5), 1e-15);
	sr_quat_to_mat(q, R);
	sr_mat_apply(R, x, p);
	ck_assert_double_eq_tol(p[0], 0, 1e-15);
	ck_assert_double_eq_tol(p[1], 1, 1e-15);
	ck_assert_double_eq_tol(p[2], 0, 1e-15);
	/* Hamilton product: i j = k; composition a b means b first */
	double i[4] = {0, 1, 0, 0}, j[4] = {0, 0, 1, 0}, k[4];
	sr_quat_mul(i, j, k);
	ck_assert(k[0] == 0 && k[1] == 0 && k[2] == 0 && k[3] == 1);
	/* the tilt: positive delta about y turns +z towards +x */
	double t[4], T[9], zp[3];
	sr_quat_tilt(30, 0, t);
	sr_quat_to_mat(t, T);
	sr_mat_apply(T, z, zp);
	ck_assert_double_eq_tol(zp[0], 0.5, 1e-15);
	ck_assert_double_eq_tol(zp[2], sqrt(0.75), 1e-15);
	/* a tilt axis 90 degrees from y (counterclockwise) is -x */
	sr_quat_tilt(30, 90, t);
	ck_assert_double_eq_tol(t[1], -sin(M_PI / 12), 1e-15);
	ck_assert_double_eq_tol(t[2], 0, 1e-15);
}
END_TEST

START_TEST(matrix_round_trip_and_canonical_form)
{
	sr_rng r;
	sr_rng_seed(&r, 5);
	double worst = 0;
	for (int t = 0; t < 2000; t++) {
		double q[4], R[9], back[4];
		sr_quat_haar(&r, q);
		ck_assert(q[0] >= 0);
		sr_quat_to_mat(q, R);
		sr_mat_to_quat(R, back);
		for (int i = 0; i < 4; i++)
			worst = fmax(worst, fabs(q[i] - back[i]));
	}
	ck_assert_msg(worst < 1e-12, "round trip error %g", worst);
}
END_TEST

START_TEST(haar_samples_are_uniform)
{
	/* under the Haar measure the rotation angle has density (1 - cos a) / pi on [0, pi]: its
	 * mean is pi/2 + 2/pi, and the axis is isotropic */
	sr_rng r;
	sr_rng_seed(&r, 6);
	int n = 200000;
	double mean = 0, zz = 0;
	for (int t = 0; t < n; t++) {
		double q[4];
		sr_quat_haar(&r, q);
		double a = 2 * acos(fmin(1, q[0]));
		mean += a / n;
		double s = sqrt(1 - q[0] * q[0]);
		if (s > 1e-9)
			zz += q[3] * q[3] / (s * s) / n;
	}
	ck_assert_double_eq_tol(mean, M_PI / 2 + 2 / M_PI, 0.005);
	ck_assert_double_eq_tol(zz, 1.0 / 3, 0.005);
}
END_TEST

START_TEST(groups_are_closed_and_keep_the_vertex_sets)
{
	static const int order[SR_SOLID_COUNT + 1] = {0, 12, 24, 24, 24, 24, 60, 10, 1};
	for (int id = 1; id <= SR_SOLID_COUNT; id++) {
		const sr_solid *s = sr_solid_get(id);
		ck_assert_int_eq(s->ng, order[id]);
		for (int a = 0; a < s->ng; a++) {
			double M[9];
			sr_quat_to_mat(s->g[a], M);
			ck_assert_msg(maps_vertices(s, M), "%s: element %d does not map the vertices", s->name, a);
			for (int b = 0; b < s->ng; b++) { /* closure: the product is in the list */
				double p[4];
				sr_quat_mul(s->g[a], s->g[b], p);
				int found = 0;
				for (int c = 0; c < s->ng && !found; c++)
					found = fabs(fabs(p[0] * s->g[c][0] + p[1] * s->g[c][1] + p[2] * s->g[c][2] +
					                  p[3] * s->g[c][3]) - 1) < 1e-9;
				ck_assert_msg(found, "%s: %d * %d is not in the group", s->name, a, b);
			}
		}
		/* and no other rotation keeps the vertex set: every rotation that does takes
		 * vertices 0 and 1 (not collinear) to some pair of vertices; count them */
		ck_assert_int_eq(count_vertex_symmetries(s), s->ng);
		if (s->has_twin) {
			double det = s->s[0] * (s->s[4] * s->s[8] - s->s[5] * s->s[7]) -
			             s->s[1] * (s->s[3] * s->s[8] - s->s[5] * s->s[6]) +
			             s->s[2] * (s->s[3] * s->s[7] - s->s[4] * s->s[6]);
			ck_assert_double_eq_tol(det, -1, 1e-12);
			ck_assert_msg(maps_vertices(s, s->s), "%s: improper symmetry", s->name);
		}
	}
}
END_TEST

START_TEST(facets_are_the_hull)
{
	static const int nf[SR_SOLID_COUNT + 1] = {0, 4, 6, 8, 14, 14, 20, 10, 10};
	for (int id = 1; id <= SR_SOLID_COUNT; id++) {
		const sr_solid *s = sr_solid_get(id);
		ck_assert_int_eq(s->nf, nf[id]);
		double rmax = 0;
		for (int i = 0; i < s->nv; i++)
			rmax = fmax(rmax, sqrt(s->v[i][0] * s->v[i][0] + s->v[i][1] * s->v[i][1] +
			                       s->v[i][2] * s->v[i][2]));
		ck_assert_double_eq_tol(rmax, 1, 1e-12);
		for (int f = 0; f < s->nf; f++)
			for (int i = 0; i < s->nv; i++) {
				const double *n = s->f[f].n;
				ck_assert(n[0] * s->v[i][0] + n[1] * s->v[i][1] + n[2] * s->v[i][2] <= s->f[f].d + 1e-9);
			}
	}
	/* known volumes at circumradius 1 */
	ck_assert_double_eq_tol(sr_solid_get(SR_SOLID_CUBE)->volume, pow(2 / sqrt(3.0), 3), 1e-12);
	ck_assert_double_eq_tol(sr_solid_get(SR_SOLID_OCTAHEDRON)->volume, 4.0 / 3, 1e-12);
	ck_assert_double_eq_tol(sr_solid_get(SR_SOLID_TETRAHEDRON)->volume, 8 / (9 * sqrt(3.0)), 1e-12);
	ck_assert_double_eq_tol(sr_solid_get(SR_SOLID_CUBOCTAHEDRON)->volume, 5 * sqrt(2.0) / 3, 1e-12);
}
END_TEST

START_TEST(error_is_zero_on_truth_times_group_and_the_angle_of_a_small_turn)
{
	sr_rng r;
	sr_rng_seed(&r, 8);
	for (int id = 1; id <= SR_SOLID_COUNT; id++) {
		const sr_solid *s = sr_solid_get(id);
		for (int t = 0; t < 50; t++) {
			double q[4], qg[4], small[4], turned[4], axis[3];
			sr_quat_haar(&r, q);
			for (int a = 0; a < s->ng; a++) {
				sr_quat_mul(q, s->g[a], qg);
				ck_assert(sr_quat_angle_mod(qg, q, (const double(*)[4])s->g, s->ng) < 1e-5);
			}
			/* a turn of 3.7 degrees about any axis, on either side, is 3.7 degrees off */
			for (int k = 0; k < 3; k++)
				axis[k] = sr_rng_normal(&r);
			sr_quat_axis_angle(axis, 3.7, small);
			sr_quat_mul(small, q, turned);
			ck_assert_double_eq_tol(sr_quat_angle_mod(turned, q, (const double(*)[4])s->g, s->ng), 3.7, 1e-9);
			sr_quat_mul(q, small, turned);
			sr_quat_mul(turned, s->g[s->ng - 1], qg);
			ck_assert_double_eq_tol(sr_quat_angle_mod(q, qg, (const double(*)[4])s->g, s->ng), 3.7, 1e-9);
		}
	}
	/* the worst reduced error of a cube is 62.8 degrees: never exceeded */
	const sr_solid *c = sr_solid_get(SR_SOLID_CUBE);
	double one[4] = {1, 0, 0, 0}, worst = 0;
	for (int t = 0; t < 20000; t++) {
		double q[4];
		sr_quat_haar(&r, q);
		worst = fmax(worst, sr_quat_angle_mod(q, one, (const double(*)[4])c->g, c->ng));
	}
	ck_assert(worst < 62.81 && worst > 55);
}
END_TEST

START_TEST(twin_is_a_rotation_with_the_same_projection_of_vertices)
{
	/* M_z R s maps the body to the mirror image of R's through z = 0: the same (x, y) of
	 * the vertex set, z negated */
	sr_rng r;
	sr_rng_seed(&r, 9);
	for (int id = 1; id <= SR_SOLID_COUNT; id++) {
		const sr_solid *s = sr_solid_get(id);
		double q[4], tw[4], R[9], T[9];
		sr_quat_haar(&r, q);
		sr_solid_twin(s, q, tw);
		ck_assert(tw[0] >= 0);
		if (!s->has_twin) {
			ck_assert(sr_quat_angle(q, tw) < 1e-9);
			continue;
		}
		sr_quat_to_mat(q, R);
		sr_quat_to_mat(tw, T);
		for (int i = 0; i < s->nv; i++) {
			double a[3], b[3];
			sr_mat_apply(R, s->v[i], a);
			a[2] = -a[2];
			int found = 0;
			for (int j = 0; j < s->nv && !found; j++) {
				sr_mat_apply(T, s->v[j], b);
				found = fabs(a[0] - b[0]) + fabs(a[1] - b[1]) + fabs(a[2] - b[2]) < 1e-9;
			}
			ck_assert_msg(found, "%s: vertex %d", s->name, i);
		}
		/* and, generically, it is another orientation than q */
		ck_assert(sr_quat_angle_mod(q, tw, (const double(*)[4])s->g, s->ng) > 1);
	}
}
END_TEST

START_TEST(grid_covers_so3)
{
	/* every Haar sample lies within 16 degrees of a grid of 2000 points */
	int n = 2000;
	double (*g)[4] = malloc(n * sizeof *g);
	for (int i = 0; i < n; i++)
		sr_quat_grid(i, n, g[i]);
	sr_rng r;
	sr_rng_seed(&r, 10);
	double worst = 0;
	for (int t = 0; t < 300; t++) {
		double q[4], best = 180;
		sr_quat_haar(&r, q);
		for (int i = 0; i < n; i++)
			best = fmin(best, sr_quat_angle(q, g[i]));
		worst = fmax(worst, best);
	}
	printf("super-Fibonacci grid of %d: worst distance of 300 random rotations %.2f deg\n", n, worst);
	ck_assert(worst < 16);
	free(g);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("solid");
	TCase *tc = tcase_create("solid");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, quaternion_convention);
	tcase_add_test(tc, matrix_round_trip_and_canonical_form);
	tcase_add_test(tc, haar_samples_are_uniform);
	tcase_add_test(tc, groups_are_closed_and_keep_the_vertex_sets);
	tcase_add_test(tc, facets_are_the_hull);
	tcase_add_test(tc, error_is_zero_on_truth_times_group_and_the_angle_of_a_small_turn);
	tcase_add_test(tc, twin_is_a_rotation_with_the_same_projection_of_vertices);
	tcase_add_test(tc, grid_covers_so3);
	suite_add_tcase(s, tc);
	return s;
}
