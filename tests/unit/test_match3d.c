/* test_match3d: the projection-matching baseline on clean images (single views mod
 * projection, tilt pairs strict), and the 3D error statistics (eval3d.h). */
#include "check_main.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/quat.h"
#include "core/rng.h"
#include "core/solid.h"
#include "image/match3d.h"
#include "methods/eval3d.h"
#include "synth/render3d.h"

#define W 64

static int render(void *ctx, const sr_solid *s, const double *q, double r, float *img, int w, int h)
{
	(void)ctx;
	return sr_render_thickness(s, q, r, w / 2.0, h / 2.0, 1, img, w, h);
}

START_TEST(clean_views_are_found)
{
	sr_rng rng;
	sr_rng_seed(&rng, 31);
	sr_match_options o;
	sr_match_defaults(&o);
	o.templates = 400;
	o.blur = 0; /* the images are clean, unblurred renders */
	static const int ids[3] = {SR_SOLID_CUBE, SR_SOLID_TETRAHEDRON, SR_SOLID_DECAHEDRON};
	static float a[W * W], b[W * W];
	for (int k = 0; k < 3; k++) {
		const sr_solid *s = sr_solid_get(ids[k]);
		sr_matcher *m = sr_matcher_new(&o, s, render, NULL);
		ck_assert_ptr_nonnull(m);
		const double (*g)[4] = (const double(*)[4])s->g;
		double worst_single = 0, worst_pair = 0;
		for (int t = 0; t < 4; t++) {
			double q[4], tilt[4], qb[4], tw[4];
			sr_quat_haar(&rng, q);
			sr_quat_tilt(15, 0, tilt);
			sr_quat_mul(tilt, q, qb);
			memset(a, 0, sizeof a);
			memset(b, 0, sizeof b);
			double rad = sr_rng_range(&rng, 12, 20);
			sr_render_thickness(s, q, rad, W / 2.0, W / 2.0, 1, a, W, W);
			sr_render_thickness(s, qb, rad, W / 2.0, W / 2.0, 1, b, W, W);
			sr_match_result r;
			ck_assert_int_eq(sr_match_single(m, a, W, W, &r), 0);
			sr_solid_twin(s, q, tw);
			double e = fmin(sr_quat_angle_mod(r.q, q, g, s->ng), sr_quat_angle_mod(r.q, tw, g, s->ng));
			worst_single = fmax(worst_single, e);
			ck_assert_double_eq_tol(r.radius, rad, 0.03 * rad);
			ck_assert_int_eq(sr_match_pair(m, a, b, W, W, tilt, &r), 0);
			worst_pair = fmax(worst_pair, sr_quat_angle_mod(r.q, q, g, s->ng));
			ck_assert(r.score >= r.score2);
		}
		printf("%s, clean, %d templates: worst single (mod projection) %.2f, pair (strict) "
		       "%.2f deg\n", s->name, sr_matcher_count(m), worst_single, worst_pair);
		ck_assert(worst_single < 2);
		ck_assert(worst_pair < 2);
		sr_matcher_free(m);
	}
}
END_TEST

START_TEST(grid_is_a_fundamental_region)
{
	/* about `templates` points, and its covering radius shrinks with the group's order */
	sr_match_options o;
	sr_match_defaults(&o);
	o.templates = 300;
	o.size = 16;
	o.radius = 6;
	const sr_solid *c = sr_solid_get(SR_SOLID_CUBE);
	sr_matcher *m = sr_matcher_new(&o, c, render, NULL);
	ck_assert_ptr_nonnull(m);
	ck_assert(abs(sr_matcher_count(m) - 300) < 30);
	double sp = sr_matcher_spacing(m);
	printf("cube, %d templates: covering radius %.2f deg\n", sr_matcher_count(m), sp);
	ck_assert(sp > 2 && sp < 16);
	sr_matcher_free(m);
	/* nothing to match in an empty image */
	static float z[W * W];
	o.templates = 10;
	m = sr_matcher_new(&o, c, render, NULL);
	sr_match_result r;
	ck_assert_int_eq(sr_match_single(m, z, W, W, &r), SR_NO_SIGNAL);
	sr_matcher_free(m);
	o.templates = 0;
	ck_assert_ptr_null(sr_matcher_new(&o, c, render, NULL));
}
END_TEST

START_TEST(eval3d_errors_and_the_fitted_rotation)
{
	sr_rng rng;
	sr_rng_seed(&rng, 32);
	sr_eval3d_table t = {0};
	char *hdr[] = {"id", "views", "qw", "qx", "qy", "qz", "shape_true", "qw_true", "qx_true",
	               "qy_true", "qz_true"};
	ck_assert_int_eq(sr_eval3d_header(&t, hdr, 11), 1);
	char *not3d[] = {"id", "angle", "k"};
	sr_eval3d_table u = {0};
	ck_assert_int_eq(sr_eval3d_header(&u, not3d, 3), 0);
	/* predictions = Q truth g, with Q a turn of 7 degrees: strict errors are 7 degrees,
	 * and the fit finds Q again */
	double axis[3] = {0.2, 0.9, -0.4}, Q[4], Qinv[4];
	sr_quat_axis_angle(axis, 7, Q);
	sr_quat_conj(Q, Qinv);
	const sr_solid *s = sr_solid_get(SR_SOLID_ICOSAHEDRON);
	char buf[11][32];
	char *f[11];
	for (int i = 0; i < 11; i++)
		f[i] = buf[i];
	for (int n = 0; n < 60; n++) {
		double q[4], p[4], qg[4];
		sr_quat_haar(&rng, q);
		sr_quat_mul(q, s->g[n % s->ng], qg);
		sr_quat_mul(Qinv, qg, p);
		snprintf(buf[0], 32, "r%d", n);
		snprintf(buf[1], 32, "%d", 1 + n % 2);
		for (int k = 0; k < 4; k++) {
			snprintf(buf[2 + k], 32, "%.10f", p[k]);
			snprintf(buf[7 + k], 32, "%.10f", q[k]);
		}
		snprintf(buf[6], 32, "icosahedron");
		ck_assert_int_eq(sr_eval3d_add(&t, f, 11), 0);
	}
	sr_eval3d_stats st;
	ck_assert_int_eq(sr_eval3d_stats_of(&t, 0, 0, SR_EVAL3D_STRICT, NULL, &st), 0);
	ck_assert_int_eq(st.n, 60);
	ck_assert_double_eq_tol(st.median, 7, 1e-6);
	ck_assert_double_eq_tol(st.within[1], 0, 1e-12);
	ck_assert_double_eq_tol(st.within[2], 1, 1e-12);
	double fit[4];
	ck_assert_int_eq(sr_eval3d_fit(&t, 0, 0, SR_EVAL3D_STRICT, fit), 0);
	ck_assert_msg(sr_quat_angle(fit, Q) < 0.05, "fitted %.3f deg from Q", sr_quat_angle(fit, Q));
	ck_assert_int_eq(sr_eval3d_stats_of(&t, 0, 2, SR_EVAL3D_STRICT, fit, &st), 0);
	ck_assert_int_eq(st.n, 30);
	ck_assert(st.median < 0.05);
	/* bad rows */
	snprintf(buf[2], 32, "0.9");
	ck_assert_int_eq(sr_eval3d_add(&t, f, 11), -1);
	ck_assert(strstr(sr_errmsg(), "not a unit quaternion"));
	snprintf(buf[2], 32, "NA");
	ck_assert_int_eq(sr_eval3d_add(&t, f, 11), -1);
	ck_assert(strstr(sr_errmsg(), "some components NA"));
	for (int k = 0; k < 4; k++)
		snprintf(buf[2 + k], 32, "NA");
	ck_assert_int_eq(sr_eval3d_add(&t, f, 11), 0); /* unmeasured: a miss */
	ck_assert_double_eq(sr_eval3d_error(&t.row[t.n - 1], SR_EVAL3D_STRICT, NULL), 180);
	snprintf(buf[6], 32, "sphere");
	ck_assert_int_eq(sr_eval3d_add(&t, f, 11), -1);
	ck_assert(strstr(sr_errmsg(), "not a solid"));
	snprintf(buf[6], 32, "cube");
	snprintf(buf[1], 32, "3");
	ck_assert_int_eq(sr_eval3d_add(&t, f, 11), -1);
	ck_assert(strstr(sr_errmsg(), "views"));
	sr_eval3d_free(&t);
}
END_TEST

START_TEST(mod_projection_forgives_the_twin_only)
{
	sr_rng rng;
	sr_rng_seed(&rng, 33);
	const sr_solid *s = sr_solid_get(SR_SOLID_DECAHEDRON);
	sr_eval3d_row r = {.solid = SR_SOLID_DECAHEDRON, .views = 1, .measured = 1};
	sr_quat_haar(&rng, r.t);
	sr_solid_twin(s, r.t, r.p);
	ck_assert(sr_eval3d_error(&r, SR_EVAL3D_STRICT, NULL) > 1);
	ck_assert(sr_eval3d_error(&r, SR_EVAL3D_PROJECTION, NULL) < 1e-5);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("match3d");
	TCase *tc = tcase_create("match3d");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, clean_views_are_found);
	tcase_add_test(tc, grid_is_a_fundamental_region);
	tcase_add_test(tc, eval3d_errors_and_the_fitted_rotation);
	tcase_add_test(tc, mod_projection_forgives_the_twin_only);
	suite_add_tcase(s, tc);
	return s;
}
