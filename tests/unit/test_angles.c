/* Unit tests for core/angles and the head losses of nn/loss: wrapping, symmetry-aware errors,
 * circular means, the Siamese pair loss (zero on consistent pairs, its gradient against
 * central differences) and the global offset fit.  Order detection: test_trainer.c. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "check_main.h"
#include "core/angles.h"
#include "core/rng.h"
#include "nn/loss.h"

#define DEG (M_PI / 180.0)

START_TEST(wrap_and_diff)
{
	ck_assert_double_eq_tol(sr_wrap(370, 360), 10, 1e-12);
	ck_assert_double_eq_tol(sr_wrap(-10, 90), 80, 1e-12);
	ck_assert_double_eq_tol(sr_wrap(90, 90), 0, 1e-12);
	double w = sr_wrap(-1e-17, 90);
	ck_assert(w >= 0 && w < 90);
	/* 85 and 5 degrees are 10 apart for a square (the plan's 0/90 problem) */
	ck_assert_double_eq_tol(sr_angdiff(5, 85, 90), 10, 1e-12);
	ck_assert_double_eq_tol(sr_angdiff(85, 5, 90), -10, 1e-12);
	ck_assert_double_eq_tol(sr_angerr(119, 1, 120), 2, 1e-12);
	ck_assert_double_eq_tol(sr_angerr(30, 30 + 72 * 3, 72), 0, 1e-9);
	double d = sr_angdiff(45, 0, 90); /* half a period: in [-P/2, P/2) */
	ck_assert(d >= -45 && d < 45);
}
END_TEST

START_TEST(circular_mean)
{
	double a[] = {88, 2, 89, 1};
	double r;
	double m = sr_circmean(a, NULL, 4, 90, &r);
	ck_assert_double_lt(sr_angerr(m, 0, 90), 1e-9);
	ck_assert_double_gt(r, 0.99);
	double b[] = {0, 45}; /* opposite phases for a square: resultant 0 */
	sr_circmean(b, NULL, 2, 90, &r);
	ck_assert_double_lt(r, 1e-12);
	double w[] = {1, 0, 1, 0};
	m = sr_circmean(a, w, 4, 90, NULL);
	ck_assert_double_eq_tol(m, 88.5, 1e-9);
}
END_TEST

START_TEST(head_angle_convention)
{
	float u[8] = {0};
	double th = 37.5, mag;
	/* head 4 of a square at 37.5 degrees */
	u[6] = (float)(3 * cos(4 * th * DEG));
	u[7] = (float)(3 * sin(4 * th * DEG));
	ck_assert_double_eq_tol(sr_head_angle(u, 4, &mag), th, 1e-4);
	ck_assert_double_eq_tol(mag, 3, 1e-5);
	u[0] = -1;
	u[1] = -1e-9f;
	double a1 = sr_head_angle(u, 1, NULL);
	ck_assert(a1 >= 0 && a1 < 360);
	ck_assert_double_eq_tol(a1, 180, 1e-5);
}
END_TEST

static void encode(float *u, int K, double theta, double scale)
{
	for (int k = 1; k <= K; k++) {
		u[2 * (k - 1)] = (float)(scale * cos(k * theta * DEG));
		u[2 * (k - 1) + 1] = (float)(scale * sin(k * theta * DEG));
	}
}

START_TEST(loss_zero_when_consistent)
{
	float ua[24], ub[24];
	double ph[12];
	encode(ua, 12, 20, 2.0);
	encode(ub, 12, 31, 0.5); /* B = A + 11 degrees */
	double L = sr_pair_loss(ua, ub, 12, 11, NULL, 1, ph, NULL, NULL);
	ck_assert_double_lt(L, 1e-9);
	/* the wrong sign of the offset is penalised on every head */
	L = sr_pair_loss(ua, ub, 12, -11, NULL, 1, ph, NULL, NULL);
	for (int k = 0; k < 12; k++)
		ck_assert_double_gt(ph[k], 0.01);
	/* consistency matches the per-head loss */
	ck_assert_double_eq_tol(sr_head_consistency(ua, ub, 5, -11), ph[4], 1e-12);
	/* maximum is 4 (opposite unit vectors) */
	encode(ub, 12, 20 + 180, 1);
	ck_assert_double_eq_tol(sr_head_consistency(ua, ub, 1, 0), 4, 1e-6);
}
END_TEST

/* Central differences (in double, on the float inputs) against the analytic gradient. */
START_TEST(loss_gradient)
{
	sr_rng r;
	sr_rng_seed(&r, 3);
	const int K = 6;
	double w[6] = {1, 0.5, 2, 1, 1, 0.25};
	for (int trial = 0; trial < 20; trial++) {
		float ua[12], ub[12], ga[12] = {0}, gb[12] = {0};
		for (int i = 0; i < 2 * K; i++) {
			ua[i] = (float)sr_rng_normal(&r);
			ub[i] = (float)sr_rng_normal(&r);
		}
		double delta = sr_rng_range(&r, -60, 60);
		sr_pair_loss(ua, ub, K, delta, w, 0.5, NULL, ga, gb);
		for (int side = 0; side < 2; side++) {
			float *u = side ? ub : ua, *g = side ? gb : ga;
			for (int i = 0; i < 2 * K; i++) {
				float keep = u[i];
				float h = 1e-2f;
				u[i] = keep + h;
				double lp = sr_pair_loss(ua, ub, K, delta, w, 1, NULL, NULL, NULL);
				u[i] = keep - h;
				double lm = sr_pair_loss(ua, ub, K, delta, w, 1, NULL, NULL, NULL);
				u[i] = keep;
				/* scale 0.5 was passed to the analytic gradient */
				double num = 0.5 * (lp - lm) / ((double)(keep + h) - (double)(keep - h));
				ck_assert_msg(fabs(num - g[i]) < 2e-3 * (1 + fabs(num)),
				              "trial %d side %d i %d: numeric %g analytic %g", trial, side, i,
				              num, g[i]);
			}
		}
	}
}
END_TEST

START_TEST(target_loss)
{
	float u[8], g[8] = {0};
	encode(u, 4, 12, 3.0);
	ck_assert_double_lt(sr_target_loss(u, 4, 12, NULL, 1, g), 1e-10);
	unsigned char use[4] = {0, 0, 0, 1};
	/* 12 + 90 is the same square: head 4 agrees, head 1 would not */
	ck_assert_double_lt(sr_target_loss(u, 4, 102, use, 1, NULL), 1e-9);
	ck_assert_double_gt(sr_target_loss(u, 4, 102, NULL, 1, NULL), 1);
	/* gradient by central differences */
	u[6] = 0.3f;
	u[7] = -1.1f;
	for (int i = 0; i < 8; i++)
		g[i] = 0;
	sr_target_loss(u, 4, 40, NULL, 1, g);
	for (int i = 0; i < 8; i++) {
		float keep = u[i], h = 1e-2f;
		u[i] = keep + h;
		double lp = sr_target_loss(u, 4, 40, NULL, 1, NULL);
		u[i] = keep - h;
		double lm = sr_target_loss(u, 4, 40, NULL, 1, NULL);
		u[i] = keep;
		double num = (lp - lm) / ((double)(keep + h) - (double)(keep - h));
		ck_assert_msg(fabs(num - g[i]) < 2e-3 * (1 + fabs(num)), "i %d: %g vs %g", i, num, g[i]);
	}
}
END_TEST

START_TEST(mirror_loss)
{
	float u[8], um[8], g[8] = {0}, gm[8] = {0};
	encode(u, 4, 17, 2.0);
	encode(um, 4, -17, 0.7);
	ck_assert_double_lt(sr_mirror_loss(u, um, 4, NULL, 1, NULL, NULL), 1e-9);
	encode(um, 4, 17, 0.7); /* not negated: penalised */
	ck_assert_double_gt(sr_mirror_loss(u, um, 4, NULL, 1, NULL, NULL), 0.1);
	um[3] = -0.4f;
	sr_mirror_loss(u, um, 4, NULL, 1, g, gm);
	for (int side = 0; side < 2; side++)
		for (int i = 0; i < 8; i++) {
			float *x = side ? um : u, keep = x[i], h = 1e-2f;
			x[i] = keep + h;
			double lp = sr_mirror_loss(u, um, 4, NULL, 1, NULL, NULL);
			x[i] = keep - h;
			double lm = sr_mirror_loss(u, um, 4, NULL, 1, NULL, NULL);
			x[i] = keep;
			double num = (lp - lm) / ((double)(keep + h) - (double)(keep - h));
			double an = side ? gm[i] : g[i];
			ck_assert_msg(fabs(num - an) < 2e-3 * (1 + fabs(num)), "side %d i %d: %g vs %g", side,
			              i, num, an);
		}
}
END_TEST

START_TEST(offset_fit)
{
	sr_rng r;
	sr_rng_seed(&r, 9);
	double est[200], truth[200];
	for (int i = 0; i < 200; i++) {
		truth[i] = sr_rng_range(&r, 0, 90);
		est[i] = sr_wrap(truth[i] + 83 + 0.1 * sr_rng_normal(&r), 90);
	}
	double o = sr_fit_offset(est, truth, 200, 90);
	ck_assert_double_lt(sr_angerr(o, 83, 90), 0.05);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("angles");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, wrap_and_diff);
	tcase_add_test(tc, circular_mean);
	tcase_add_test(tc, head_angle_convention);
	tcase_add_test(tc, loss_zero_when_consistent);
	tcase_add_test(tc, loss_gradient);
	tcase_add_test(tc, target_loss);
	tcase_add_test(tc, mirror_loss);
	tcase_add_test(tc, offset_fit);
	suite_add_tcase(s, tc);
	return s;
}
