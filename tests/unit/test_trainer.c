/* Unit tests for lib/trainer's input normalisation: background removed, particle level 1,
 * invariant to the dose (gain) and to a constant offset, for images and profiles. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "check_main.h"
#include "core/rng.h"
#include "learn/trainer.h"

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

Suite *test_suite(void)
{
	Suite *s = suite_create("trainer");
	TCase *tc = tcase_create("normalise");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, level_and_background);
	tcase_add_test(tc, gain_and_offset_invariance);
	tcase_add_test(tc, profiles_and_empty);
	suite_add_tcase(s, tc);
	return s;
}
