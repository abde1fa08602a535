/* Unit tests for lib/core/sort: the radix sort gives qsort's order on random samples of
 * every kind a view holds (negative, zero, subnormal, huge, infinite, repeated). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/rng.h"
#include "core/sort.h"

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* Sorts n samples drawn by kind both ways and compares them bit for bit. */
static void check_against_qsort(size_t n, int kind, uint64_t seed)
{
	sr_rng r;
	sr_rng_seed(&r, seed);
	float *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w);
	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_nonnull(w);
	for (size_t i = 0; i < n; i++) {
		double u = sr_rng_uniform(&r);
		switch (kind) {
		case 0: v[i] = (float)sr_rng_normal(&r); break;           /* both signs */
		case 1: v[i] = (float)floor(u * 8); break;                /* many ties */
		case 2: v[i] = (float)(u * 1e-40); break;                 /* subnormals */
		case 3: v[i] = u < 0.1 ? INFINITY : u < 0.2 ? -INFINITY : (float)((u - 0.5) * 3e38); break;
		default: v[i] = 42.0f; break;                             /* all equal */
		}
	}
	memcpy(w, v, n * sizeof *w);
	ck_assert_int_eq(sr_sort_floats(v, n), 0);
	qsort(w, n, sizeof *w, cmp_float);
	ck_assert_mem_eq(v, w, n * sizeof *v);
	free(v);
	free(w);
}

START_TEST(same_order_as_qsort)
{
	size_t sizes[] = {0, 1, 2, 3, 100, 2304, 65536};
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
		for (int kind = 0; kind < 5; kind++)
			check_against_qsort(sizes[s], kind, 100 * s + kind);
}
END_TEST

START_TEST(nans_go_last)
{
	float v[5] = {3, NAN, -1, NAN, 2};
	ck_assert_int_eq(sr_sort_floats(v, 5), 0);
	ck_assert(v[0] == -1 && v[1] == 2 && v[2] == 3 && isnan(v[3]) && isnan(v[4]));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("sort");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, same_order_as_qsort);
	tcase_add_test(tc, nans_go_last);
	suite_add_tcase(s, tc);
	return s;
}
