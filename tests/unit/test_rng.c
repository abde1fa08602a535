/* Unit tests for lib/rng: reproducibility, independence of derived streams, and the moments
 * of the uniform, normal and Poisson samplers. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "check_main.h"
#include "core/rng.h"

START_TEST(same_seed_same_sequence)
{
	sr_rng a, b;
	sr_rng_seed(&a, 42);
	sr_rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		ck_assert_uint_eq(sr_rng_next(&a), sr_rng_next(&b));
	sr_rng_seed(&b, 43);
	int same = 0;
	for (int i = 0; i < 1000; i++)
		same += sr_rng_next(&a) == sr_rng_next(&b);
	ck_assert_int_eq(same, 0);
}
END_TEST

START_TEST(derived_streams_differ_and_repeat)
{
	sr_rng a = sr_rng_derive(7, 0), b = sr_rng_derive(7, 1), c = sr_rng_derive(7, 0);
	uint64_t x = sr_rng_next(&a);
	ck_assert_uint_ne(x, sr_rng_next(&b));
	ck_assert_uint_eq(x, sr_rng_next(&c));
}
END_TEST

START_TEST(uniform_and_normal_moments)
{
	sr_rng r;
	sr_rng_seed(&r, 1);
	const int n = 200000;
	double su = 0, sn = 0, sn2 = 0;
	for (int i = 0; i < n; i++) {
		double u = sr_rng_uniform(&r);
		ck_assert(u >= 0 && u < 1);
		su += u;
		double z = sr_rng_normal(&r);
		sn += z;
		sn2 += z * z;
	}
	ck_assert_double_eq_tol(su / n, 0.5, 0.005);
	ck_assert_double_eq_tol(sn / n, 0.0, 0.01);
	ck_assert_double_eq_tol(sn2 / n, 1.0, 0.02);
	ck_assert_double_eq(sr_rng_range(&r, 3, 3), 3);
}
END_TEST

/* Mean and variance of a Poisson sample both equal the mean; check both branches of the
 * sampler (inversion below 30, PTRS above) within 5 standard errors. */
START_TEST(poisson_moments)
{
	static const double means[] = {0.3, 4, 29.5, 30, 40, 160, 5000};
	sr_rng r;
	sr_rng_seed(&r, 5);
	const int n = 100000;
	for (size_t m = 0; m < sizeof means / sizeof *means; m++) {
		double mu = means[m], s = 0, s2 = 0;
		for (int i = 0; i < n; i++) {
			double k = (double)sr_rng_poisson(&r, mu);
			s += k;
			s2 += k * k;
		}
		double mean = s / n, var = s2 / n - mean * mean;
		double se_mean = sqrt(mu / n), se_var = mu * sqrt(2.0 / n) + sqrt(mu / n);
		ck_assert_msg(fabs(mean - mu) < 5 * se_mean, "mean %g: sample mean %g", mu, mean);
		ck_assert_msg(fabs(var - mu) < 5 * se_var, "mean %g: sample variance %g", mu, var);
	}
	ck_assert_uint_eq(sr_rng_poisson(&r, 0), 0);
}
END_TEST

/* P(k=0) at mean 2 is exp(-2): checks the low-dose shape, not only the moments. */
START_TEST(poisson_zero_probability)
{
	sr_rng r;
	sr_rng_seed(&r, 9);
	const int n = 200000;
	int zeros = 0;
	for (int i = 0; i < n; i++)
		zeros += sr_rng_poisson(&r, 2.0) == 0;
	double p = exp(-2.0);
	ck_assert_double_eq_tol((double)zeros / n, p, 5 * sqrt(p * (1 - p) / n));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("rng");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, same_seed_same_sequence);
	tcase_add_test(tc, derived_streams_differ_and_repeat);
	tcase_add_test(tc, uniform_and_normal_moments);
	tcase_add_test(tc, poisson_moments);
	tcase_add_test(tc, poisson_zero_probability);
	suite_add_tcase(s, tc);
	return s;
}
