/* Unit tests for what training and prediction share: the input normalisation (background
 * removed, particle level 1, invariant to the dose (gain) and to a constant offset, for
 * images and profiles), and the order rule of learn/order.h. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "check_main.h"
#include "core/rng.h"
#include "image/imgproc.h"
#include "learn/order.h"

#define N 32

static void disc(float *img, double level, double bg)
{
	for (int r = 0; r < N; r++)
		for (int c = 0; c < N; c++) {
			double dx = c + 0.5 - 16, dy = r + 0.5 - 15;
			img[r * N + c] = (float)(bg + (dx * dx + dy * dy < 64 ? level : 0));
		}
}

START_TEST(level_and_background)
{
	static float a[N * N], out[N * N];
	disc(a, 40, 2);
	sr_normalise_view(a, N, N, out);
	ck_assert_double_eq_tol(out[0], 0, 1e-6);
	ck_assert_double_eq_tol(out[15 * N + 16], 1, 1e-6);
}
END_TEST

START_TEST(gain_and_offset_invariance)
{
	static float a[N * N], b[N * N], oa[N * N], ob[N * N];
	sr_rng r;
	sr_rng_seed(&r, 4);
	disc(a, 1, 0);
	for (int i = 0; i < N * N; i++) {
		a[i] += (float)(0.05 * sr_rng_normal(&r));
		b[i] = 250 * a[i] + 17; /* another dose and background */
	}
	sr_normalise_view(a, N, N, oa);
	sr_normalise_view(b, N, N, ob);
	for (int i = 0; i < N * N; i++)
		ck_assert_double_eq_tol(oa[i], ob[i], 1e-4);
}
END_TEST

START_TEST(profiles_and_empty)
{
	float p[64], o[64];
	for (int i = 0; i < 64; i++)
		p[i] = (float)(3 + (i > 20 && i < 44 ? 10 : 0));
	sr_normalise_view(p, 64, 1, o);
	ck_assert_double_eq_tol(o[0], 0, 1e-6);
	ck_assert_double_eq_tol(o[32], 1, 1e-6);
	for (int i = 0; i < 64; i++)
		p[i] = 5;
	sr_normalise_view(p, 64, 1, o); /* no signal: background removed, level 1 */
	for (int i = 0; i < 64; i++)
		ck_assert(isfinite(o[i]) && fabs(o[i]) < 1e-6);
}
END_TEST

/* Per image: the smallest candidate below the threshold, relaxed to twice the best q. */
START_TEST(order_per_image)
{
	int all[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, from3[10] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	float sq[12] = {0.5, 0.9, 0.6, 0.001, 0.5, 0.7, 0.5, 0.002, 0.4, 0.5, 0.6, 0.003};
	ck_assert_int_eq(sr_order_of_image(sq, all, 12, 0.05), 4);
	ck_assert_int_eq(sr_order_of_image(sq, from3, 10, 0.05), 4);
	/* a noisy square: head 4 above the threshold but the best: still 4, not 8 */
	float noisy[12] = {0.5, 0.9, 0.6, 0.12, 0.5, 0.7, 0.5, 0.09, 0.4, 0.5, 0.6, 0.3};
	ck_assert_int_eq(sr_order_of_image(noisy, all, 12, 0.1), 4);
	/* nothing consistent: the relaxed threshold still takes the best, here the smallest */
	float flat[3] = {1, 1, 1};
	ck_assert_int_eq(sr_order_of_image(flat, all, 3, 0.05), 1);
	ck_assert_int_eq(sr_order_of_image(flat, all, 0, 0.05), 0);
	/* only the candidates count: without head 4 the next consistent one is 8 */
	int no4[3] = {3, 8, 12};
	ck_assert_int_eq(sr_order_of_image(sq, no4, 3, 0.05), 8);
}
END_TEST

/* With test-time transforms: the smallest candidate whose estimates agree over them. */
START_TEST(order_by_agreement)
{
	int from3[10] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	/* a triangle: heads 3, 6, 9, 12 agree; a hexagon: head 3 cancels out, 6 and 12 agree */
	double tri[12] = {0, 0, 0.99, 0.1, 0.05, 0.98, 0.1, 0.2, 0.97, 0.1, 0.1, 0.96};
	double hex[12] = {0, 0, 0.01, 0.1, 0.05, 0.98, 0.1, 0.2, 0.1, 0.1, 0.1, 0.96};
	ck_assert_int_eq(sr_order_of_agreement(tri, from3, 10, SR_ORDER_AGREE), 3);
	ck_assert_int_eq(sr_order_of_agreement(hex, from3, 10, SR_ORDER_AGREE), 6);
	/* only candidates count, and nothing agreeing gives 0 (the q rule then decides) */
	int no3[2] = {6, 12};
	ck_assert_int_eq(sr_order_of_agreement(tri, no3, 2, SR_ORDER_AGREE), 6);
	double none[12] = {0};
	ck_assert_int_eq(sr_order_of_agreement(none, from3, 10, SR_ORDER_AGREE), 0);
}
END_TEST

/* Data set: the best head's smallest divisor about as low, when the others are worse. */
START_TEST(order_single_shape)
{
	int heads[10] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	/* sums over 10 pairs: head 4 0.02, head 8 0.015 (a multiple, as low), the rest >= 0.6 */
	double sq[12] = {9, 9, 6, 0.2, 6, 6, 6, 0.15, 6, 6, 6, 0.5};
	ck_assert_int_eq(sr_order_of_set(sq, 10, heads, 10), 4);
	/* a mix: every head 0.15..0.3, no single shape */
	double mix[12] = {3, 3, 1.5, 2, 2.5, 3, 3, 2, 2, 2, 3, 1.8};
	ck_assert_int_eq(sr_order_of_set(mix, 10, heads, 10), 0);
	/* a head that is not a multiple of 4 nearly as good (head 5 under 3x): no order */
	double amb[12] = {9, 9, 6, 0.2, 0.4, 6, 6, 0.15, 6, 6, 6, 0.5};
	ck_assert_int_eq(sr_order_of_set(amb, 10, heads, 10), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("trainer");
	TCase *tc = tcase_create("normalise");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, level_and_background);
	tcase_add_test(tc, gain_and_offset_invariance);
	tcase_add_test(tc, profiles_and_empty);
	suite_add_tcase(s, tc);
	tc = tcase_create("order");
	tcase_add_test(tc, order_per_image);
	tcase_add_test(tc, order_by_agreement);
	tcase_add_test(tc, order_single_shape);
	suite_add_tcase(s, tc);
	return s;
}
