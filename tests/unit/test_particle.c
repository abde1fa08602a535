/* Unit tests for image/particle (the size and level a model's training distribution is
 * made of, and the zoom of predict --fit): a disc's radius of gyration is R / sqrt 2 and its
 * level its intensity, whatever the background; zooming by 2 doubles the size. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "image/particle.h"
#include "synth/render.h"

#define N 64

static void disc(float *img, double r, double level, double bg)
{
	sr_shape s;
	sr_shape_init(&s);
	s.kind = SR_SHAPE_DISC;
	s.k = 0;
	s.radius = r;
	s.cx = s.cy = N / 2.0;
	s.intensity = level;
	for (int i = 0; i < N * N; i++)
		img[i] = (float)bg;
	ck_assert_int_eq(sr_render(&s, img, N, N), 0);
}

START_TEST(disc_size_and_level)
{
	float img[N * N];
	sr_particle_stats st;
	for (double r = 8; r <= 20; r += 4) {
		disc(img, r, 50, 7);
		ck_assert_int_eq(sr_particle_measure(img, N, N, &st), 0);
		ck_assert(st.found);
		/* only the rim's partial pixels differ from the ideal disc */
		ck_assert_double_eq_tol(st.size, r / sqrt(2), 0.03 * r);
		ck_assert_double_eq_tol(st.signal, 50, 3); /* the rim's pixels above half */
	}
	for (int i = 0; i < N * N; i++)
		img[i] = 3;
	ck_assert_int_eq(sr_particle_measure(img, N, N, &st), 0);
	ck_assert(!st.found);
}
END_TEST

START_TEST(zoom_scales_size)
{
	float img[N * N], out[N * N];
	sr_particle_stats a, b;
	disc(img, 10, 40, 2);
	ck_assert_int_eq(sr_particle_measure(img, N, N, &a), 0);
	ck_assert_int_eq(sr_zoom_view(img, N, N, 2.0, out), 0);
	ck_assert_int_eq(sr_particle_measure(out, N, N, &b), 0);
	ck_assert_double_eq_tol(b.size / a.size, 2.0, 0.05);
	disc(img, 20, 40, 2); /* zoomed down, it must still cover over 5% of the image */
	ck_assert_int_eq(sr_particle_measure(img, N, N, &a), 0);
	ck_assert_int_eq(sr_zoom_view(img, N, N, 0.5, out), 0);
	ck_assert_int_eq(sr_particle_measure(out, N, N, &b), 0);
	ck_assert_double_eq_tol(b.size / a.size, 0.5, 0.05);
	ck_assert_double_eq_tol(out[0], 2, 1e-6); /* from outside: the background */
	ck_assert_int_eq(sr_zoom_view(img, N, N, 1.0, out), 0);
	for (int i = 0; i < N * N; i++)
		ck_assert_double_eq_tol(out[i], img[i], 1e-5);
	ck_assert_int_eq(sr_zoom_view(img, N, N, 0, out), -1);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("particle");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, disc_size_and_level);
	tcase_add_test(tc, zoom_scales_size);
	suite_add_tcase(s, tc);
	return s;
}
