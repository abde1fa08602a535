/* Unit tests for lib/harmonic, the classical baseline: the angle convention (counterclockwise
 * on screen), accuracy on clean and Poisson-noisy polygons, order detection, and bad input.
 * The polygons are drawn here by supersampling, independently of lib/render. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "check_main.h"
#include "core/angles.h"
#include "core/err.h"
#include "image/harmonic.h"
#include "core/rng.h"

#define DEG (M_PI / 180.0)
#define W 64
#define H 64

/* Point-in-convex-polygon with vertices x = cx + R cos(t + 360 j/k), y = cy - R sin(...). */
static int inside(double x, double y, int k, double R, double cx, double cy, double th)
{
	int pos = 0, neg = 0;
	for (int j = 0; j < k; j++) {
		double a0 = (th + 360.0 * j / k) * DEG, a1 = (th + 360.0 * (j + 1) / k) * DEG;
		double x0 = cx + R * cos(a0), y0 = cy - R * sin(a0);
		double x1 = cx + R * cos(a1), y1 = cy - R * sin(a1);
		double cr = (x1 - x0) * (y - y0) - (y1 - y0) * (x - x0);
		pos += cr >= 0;
		neg += cr <= 0;
	}
	return pos == k || neg == k;
}

static void draw(float *img, int k, double R, double cx, double cy, double th, double level,
                 double bg, double dose, sr_rng *rng)
{
	const int ss = 6;
	for (int r = 0; r < H; r++)
		for (int c = 0; c < W; c++) {
			int n = 0;
			for (int i = 0; i < ss; i++)
				for (int j = 0; j < ss; j++)
					n += inside(c + (j + 0.5) / ss, r + (i + 0.5) / ss, k, R, cx, cy, th);
			double v = level * n / (ss * ss) + bg;
			if (dose > 0)
				v = (double)sr_rng_poisson(rng, v * dose / level) * level / dose;
			img[r * W + c] = (float)v;
		}
}

START_TEST(convention_and_clean_accuracy)
{
	static float img[W * H];
	sr_harmonic_result res;
	for (int k = 3; k <= 6; k++)
		for (double th = 3; th < 360.0 / k; th += 360.0 / k / 5) {
			draw(img, k, 18, 31.3, 33.7, th, 1, 0.05, 0, NULL);
			ck_assert_int_eq(sr_harmonic(img, W, H, k, 0, 0, &res), 0);
			ck_assert_msg(sr_angerr(res.theta, th, 360.0 / k) < 0.3,
			              "k %d theta %g got %g", k, th, res.theta);
			ck_assert_double_eq_tol(res.cx, 31.3, 0.05);
			ck_assert_double_eq_tol(res.cy, 33.7, 0.05);
			ck_assert_double_eq_tol(res.background, 0.05, 1e-6);
		}
}
END_TEST

START_TEST(order_detection_and_noise)
{
	static float img[W * H];
	sr_rng rng;
	sr_rng_seed(&rng, 11);
	sr_harmonic_result res;
	int right = 0, n = 0;
	double errs[200];
	int ne = 0;
	for (int k = 3; k <= 6; k++)
		for (int i = 0; i < 12; i++) {
			double th = sr_rng_range(&rng, 0, 360.0 / k);
			double R = sr_rng_range(&rng, 14, 22);
			draw(img, k, R, 32 + sr_rng_range(&rng, -6, 6), 32 + sr_rng_range(&rng, -6, 6), th,
			     1, 0.05, 40, &rng);
			ck_assert_int_eq(sr_harmonic(img, W, H, 0, 3, 12, &res), 0);
			right += res.k == k;
			n++;
			if (res.k == k)
				errs[ne++] = sr_angerr(res.theta, th, 360.0 / k);
		}
	ck_assert_int_ge(right, n - 1);
	double mean = 0;
	for (int i = 0; i < ne; i++)
		mean += errs[i] / ne;
	ck_assert_msg(mean < 0.6, "mean error at dose 40: %g", mean);
}
END_TEST

START_TEST(bad_input)
{
	static float img[W * H];
	sr_harmonic_result res;
	for (int i = 0; i < W * H; i++)
		img[i] = 3;
	/* a flat image: no signal, which predict reports as NA rather than as bad input */
	ck_assert_int_eq(sr_harmonic(img, W, H, 4, 0, 0, &res), SR_NO_SIGNAL);
	ck_assert_int_eq(sr_harmonic(img, 2, 2, 4, 0, 0, &res), -1);
	ck_assert_int_eq(sr_harmonic(img, W, H, 0, 5, 3, &res), -1);
	ck_assert_int_eq(sr_harmonic(img, W, H, -1, 0, 0, &res), -1);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("harmonic");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, convention_and_clean_accuracy);
	tcase_add_test(tc, order_detection_and_noise);
	tcase_add_test(tc, bad_input);
	suite_add_tcase(s, tc);
	return s;
}
