/* test_render: exact-coverage rendering of polygons and discs, the angle convention, and the
 * metadata round trip. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/err.h"
#include "core/meta.h"
#include "io/record.h"
#include "synth/render.h"
#include "core/rng.h"

#define W 64
#define H 64

static double image_sum(const float *img, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += img[i];
	return s;
}

static double max_abs_diff(const float *a, const float *b, int n)
{
	double m = 0;
	for (int i = 0; i < n; i++)
		m = fmax(m, fabs((double)a[i] - b[i]));
	return m;
}

static sr_shape random_polygon(sr_rng *r, int k)
{
	sr_shape s;
	sr_shape_init(&s);
	s.k = k;
	s.radius = sr_rng_range(r, 3, 22);
	s.cx = W / 2.0 + sr_rng_range(r, -8, 8);
	s.cy = H / 2.0 + sr_rng_range(r, -8, 8);
	s.theta = sr_rng_range(r, -400, 400);
	s.intensity = sr_rng_range(r, 0.5, 3);
	return s;
}

START_TEST(polygon_area_matches_analytic)
{
	sr_rng r;
	sr_rng_seed(&r, 11);
	float img[W * H];
	double worst = 0;
	for (int k = 3; k <= 12; k++) {
		for (int t = 0; t < 300; t++) {
			sr_shape s = random_polygon(&r, k);
			memset(img, 0, sizeof img);
			ck_assert_int_eq(sr_render(&s, img, W, H), 0);
			double want = s.intensity * sr_shape_area(&s);
			double err = fabs(image_sum(img, W * H) - want) / want;
			worst = fmax(worst, err);
			ck_assert_msg(err < 0.005, "k=%d R=%g theta=%g: relative area error %g", k,
			              s.radius, s.theta, err);
			int bad = 0; /* (one assertion per image: Check asserts are slow in loops) */
			for (int i = 0; i < W * H; i++)
				bad += !(img[i] >= 0 && img[i] <= s.intensity * (1 + 1e-6));
			ck_assert_int_eq(bad, 0);
		}
	}
	/* It is exact up to float rounding of the pixels, far below the 0.5% requirement. */
	printf("polygon k=3..12, 3000 random poses: max relative area error %.3g\n", worst);
	ck_assert_msg(worst < 1e-5, "max relative area error %g", worst);
}
END_TEST

START_TEST(disc_area_matches_analytic)
{
	sr_rng r;
	sr_rng_seed(&r, 12);
	float img[W * H];
	double worst = 0;
	for (int t = 0; t < 500; t++) {
		sr_shape s;
		sr_shape_init(&s);
		s.kind = SR_SHAPE_DISC;
		s.k = 0;
		s.radius = sr_rng_range(&r, 0.3, 22);
		s.cx = W / 2.0 + sr_rng_range(&r, -8, 8);
		s.cy = H / 2.0 + sr_rng_range(&r, -8, 8);
		memset(img, 0, sizeof img);
		ck_assert_int_eq(sr_render(&s, img, W, H), 0);
		double want = sr_shape_area(&s);
		double err = fabs(image_sum(img, W * H) - want) / want;
		worst = fmax(worst, err);
	}
	printf("disc, 500 random radii 0.3..22: max relative area error %.3g\n", worst);
	ck_assert_msg(worst < 1e-5, "max relative area error %g", worst);
}
END_TEST

START_TEST(disc_pixel_coverage_is_exact)
{
	/* A disc of radius 1 centred on a pixel corner covers pi/4 of each of the four pixels. */
	float img[4 * 4] = {0};
	sr_shape s;
	sr_shape_init(&s);
	s.kind = SR_SHAPE_DISC;
	s.radius = 1;
	s.cx = 2;
	s.cy = 2;
	ck_assert_int_eq(sr_render(&s, img, 4, 4), 0);
	for (int r = 1; r <= 2; r++)
		for (int c = 1; c <= 2; c++)
			ck_assert_double_eq_tol(img[r * 4 + c], M_PI / 4, 1e-6);
	ck_assert_double_eq_tol(image_sum(img, 16), M_PI, 1e-5);
}
END_TEST

START_TEST(square_pixel_coverage_is_exact)
{
	/* Axis-aligned square (theta 45) with half-width 1.5 centred at (2, 2): pixels at the
	 * border are half or quarter covered. */
	float img[4 * 4] = {0};
	sr_shape s;
	sr_shape_init(&s);
	s.k = 4;
	s.theta = 45;
	s.radius = 1.5 * sqrt(2.0);
	s.cx = 2;
	s.cy = 2;
	ck_assert_int_eq(sr_render(&s, img, 4, 4), 0);
	static const float want[16] = {0.25f, 0.5f, 0.5f, 0.25f, 0.5f, 1, 1, 0.5f,
	                               0.5f, 1, 1, 0.5f, 0.25f, 0.5f, 0.5f, 0.25f};
	for (int i = 0; i < 16; i++)
		ck_assert_double_eq_tol(img[i], want[i], 1e-6);
}
END_TEST

START_TEST(vertex_formula_and_screen_direction)
{
	sr_shape s;
	sr_shape_init(&s);
	s.k = 3;
	s.radius = 20;
	s.cx = 32;
	s.cy = 32;
	s.theta = 90;
	double xy[2 * 3];
	ck_assert_int_eq(sr_shape_vertices(&s, xy), 3);
	/* theta 90: a vertex straight up on screen (smaller row) */
	ck_assert_double_eq_tol(xy[0], 32, 1e-12);
	ck_assert_double_eq_tol(xy[1], 12, 1e-12);
	/* the next vertex is 120 degrees further counterclockwise: lower left */
	ck_assert(xy[2] < 32 && xy[3] > 32);

	float img[W * H];
	memset(img, 0, sizeof img);
	ck_assert_int_eq(sr_render(&s, img, W, H), 0);
	ck_assert(img[14 * W + 31] > 0.5f);   /* just below the top vertex */
	ck_assert(img[50 * W + 31] == 0.0f);  /* the opposite side is an edge at y = 42 */
	ck_assert(img[41 * W + 31] == 1.0f);

	/* theta 30: a vertex up and to the right (x = 32 + 20 cos 30 = 49.3, y = 32 - 10 = 22) */
	s.theta = 30;
	memset(img, 0, sizeof img);
	ck_assert_int_eq(sr_render(&s, img, W, H), 0);
	ck_assert(img[23 * W + 47] > 0.0f);
	ck_assert(img[41 * W + 47] == 0.0f);  /* the mirror image point below is empty */
}
END_TEST

START_TEST(rotation_by_period_gives_same_image)
{
	sr_rng r;
	sr_rng_seed(&r, 13);
	float a[W * H], b[W * H];
	for (int k = 3; k <= 12; k++) {
		for (int t = 0; t < 20; t++) {
			sr_shape s = random_polygon(&r, k);
			sr_shape s2 = s;
			s2.theta += sr_shape_period(&s) * (1 + t % 3);
			memset(a, 0, sizeof a);
			memset(b, 0, sizeof b);
			ck_assert_int_eq(sr_render(&s, a, W, H), 0);
			ck_assert_int_eq(sr_render(&s2, b, W, H), 0);
			ck_assert_msg(max_abs_diff(a, b, W * H) < 1e-5, "k=%d differs by %g", k,
			              max_abs_diff(a, b, W * H));
		}
	}
}
END_TEST

START_TEST(rotation_by_90_is_counterclockwise)
{
	/* Rendering at theta + 90 about the image centre equals the image turned counterclockwise
	 * on screen by 90 degrees: new[W-1-c][r] = old[r][c]. */
	sr_rng r;
	sr_rng_seed(&r, 14);
	float a[W * H], b[W * H], rot[W * H];
	for (int k = 3; k <= 7; k++) {
		sr_shape s = random_polygon(&r, k);
		s.cx = W / 2.0;
		s.cy = H / 2.0;
		sr_shape s2 = sr_shape_moved(&s, 90, 0, 0);
		memset(a, 0, sizeof a);
		memset(b, 0, sizeof b);
		ck_assert_int_eq(sr_render(&s, a, W, H), 0);
		ck_assert_int_eq(sr_render(&s2, b, W, H), 0);
		for (int rr = 0; rr < H; rr++)
			for (int c = 0; c < W; c++)
				rot[(W - 1 - c) * W + rr] = a[rr * W + c];
		ck_assert_msg(max_abs_diff(rot, b, W * H) < 1e-5, "k=%d: %g", k,
		              max_abs_diff(rot, b, W * H));
		/* and it is not the clockwise turn (k odd has no 180-degree symmetry) */
		if (k % 2) {
			for (int rr = 0; rr < H; rr++)
				for (int c = 0; c < W; c++)
					rot[c * W + (H - 1 - rr)] = a[rr * W + c];
			ck_assert(max_abs_diff(rot, b, W * H) > 0.1);
		}
	}
}
END_TEST

START_TEST(moved_shape_is_offset_and_shift)
{
	sr_shape s;
	sr_shape_init(&s);
	s.theta = 10;
	sr_shape b = sr_shape_moved(&s, 25, 1.5, -0.5);
	ck_assert_double_eq(b.theta, 35);
	ck_assert_double_eq(b.cx, s.cx + 1.5);
	ck_assert_double_eq(b.cy, s.cy - 0.5);
	ck_assert_double_eq(b.radius, s.radius);
	ck_assert_int_eq(b.k, s.k);
}
END_TEST

START_TEST(partly_outside_is_clipped)
{
	sr_shape s;
	sr_shape_init(&s);
	s.k = 6;
	s.radius = 30;
	s.cx = -5;
	s.cy = 70;
	float img[W * H];
	memset(img, 0, sizeof img);
	ck_assert_int_eq(sr_render(&s, img, W, H), 0);
	double sum = image_sum(img, W * H);
	ck_assert(sum > 0 && sum < sr_shape_area(&s));
	s.cx = 500;
	memset(img, 0, sizeof img);
	ck_assert_int_eq(sr_render(&s, img, W, H), 0);
	ck_assert(image_sum(img, W * H) == 0);
}
END_TEST

START_TEST(bad_shapes_are_refused)
{
	sr_shape s;
	float img[16];
	sr_shape_init(&s);
	s.k = 2;
	ck_assert_int_eq(sr_render(&s, img, 4, 4), -1);
	sr_shape_init(&s);
	s.radius = 0;
	ck_assert_int_eq(sr_render(&s, img, 4, 4), -1);
	sr_shape_init(&s);
	s.theta = NAN;
	ck_assert_int_eq(sr_render(&s, img, 4, 4), -1);
	sr_shape_init(&s);
	s.kind = 99;
	ck_assert_int_eq(sr_render(&s, img, 4, 4), -1);
	sr_shape_init(&s);
	ck_assert_int_eq(sr_render(&s, img, 0, 4), -1);
}
END_TEST

START_TEST(meta_round_trip_renders_same_bytes)
{
	sr_rng r;
	sr_rng_seed(&r, 15);
	float a[W * H], b[W * H];
	sr_meta m;
	sr_meta_init(&m);
	for (int t = 0; t < 50; t++) {
		sr_shape s = random_polygon(&r, 3 + t % 10), back;
		if (t % 7 == 0) {
			s.kind = SR_SHAPE_DISC;
			s.k = 0;
			s.theta = 0;
		}
		sr_meta_clear(&m);
		sr_meta_set(&m, "id", "x%d", t);
		ck_assert_int_eq(sr_shape_to_meta(&s, &m), 0);
		ck_assert_int_eq(sr_shape_from_meta(&m, &back), 0);
		memset(a, 0, sizeof a);
		memset(b, 0, sizeof b);
		ck_assert_int_eq(sr_render(&s, a, W, H), 0);
		ck_assert_int_eq(sr_render(&back, b, W, H), 0);
		ck_assert(memcmp(a, b, sizeof a) == 0);
		ck_assert_str_eq(m.kv[0].key, "id");
		ck_assert_str_eq(m.kv[1].key, "shape");
	}
	/* missing and malformed keys */
	sr_meta_clear(&m);
	ck_assert_int_eq(sr_shape_from_meta(&m, &(sr_shape){0}), -1);
	sr_meta_set(&m, "shape", "polygon");
	sr_meta_set(&m, "k", "5");
	sr_meta_set(&m, "radius", "10");
	sr_meta_set(&m, "cx", "30");
	sr_meta_set(&m, "cy", "30");
	sr_meta_set(&m, "intensity", "1");
	ck_assert_int_eq(sr_shape_from_meta(&m, &(sr_shape){0}), -1); /* no theta */
	sr_meta_set(&m, "theta", "abc");
	ck_assert_int_eq(sr_shape_from_meta(&m, &(sr_shape){0}), -1);
	sr_meta_set(&m, "theta", "12.5");
	ck_assert_int_eq(sr_shape_from_meta(&m, &(sr_shape){0}), 0);
	sr_meta_set(&m, "k", "2");
	ck_assert_int_eq(sr_shape_from_meta(&m, &(sr_shape){0}), -1);
	sr_meta_set(&m, "k", "5");
	sr_meta_set(&m, "shape", "blob");
	ck_assert_int_eq(sr_shape_from_meta(&m, &(sr_shape){0}), -1);
	sr_meta_free(&m);
}
END_TEST


START_TEST(pair_view_b_is_a_fresh_render)
{
	sr_rng r;
	sr_rng_seed(&r, 16);
	sr_record rec;
	sr_record_init(&rec);
	float fresh[W * H];
	for (int t = 0; t < 40; t++) {
		sr_shape s = random_polygon(&r, 3 + t % 10);
		if (t % 9 == 0) {
			s.kind = SR_SHAPE_DISC;
			s.k = 0;
			s.theta = 0;
		}
		double delta = sr_rng_range(&r, -90, 90), dx = sr_rng_range(&r, -1, 1),
		       dy = sr_rng_range(&r, -1, 1);
		ck_assert_int_eq(sr_shape_record(&rec, &s, W, H, "x"), 0);
		ck_assert_int_eq(sr_pair_synthetic(&rec, delta, dx, dy), 0);
		ck_assert_int_eq(rec.views, 2);
		/* view A: the shape itself; view B: the shape at theta + delta, centre + (dx, dy) */
		memset(fresh, 0, sizeof fresh);
		ck_assert_int_eq(sr_render(&s, fresh, W, H), 0);
		ck_assert(memcmp(sr_record_view(&rec, 0), fresh, sizeof fresh) == 0);
		sr_shape b = s;
		b.theta = s.theta + delta;
		b.cx = s.cx + dx;
		b.cy = s.cy + dy;
		memset(fresh, 0, sizeof fresh);
		ck_assert_int_eq(sr_render(&b, fresh, W, H), 0);
		ck_assert(memcmp(sr_record_view(&rec, 1), fresh, sizeof fresh) == 0);
		double v;
		ck_assert_int_eq(sr_meta_get_double(&rec.meta, "offset", &v), 0);
		ck_assert_double_eq(v, delta);
		ck_assert_int_eq(sr_meta_get_double(&rec.meta, "b.dx", &v), 0);
		ck_assert_double_eq(v, dx);
		ck_assert_int_eq(sr_meta_get_double(&rec.meta, "b.dy", &v), 0);
		ck_assert_double_eq(v, dy);
		/* the metadata of view A is unchanged */
		ck_assert_int_eq(sr_meta_get_double(&rec.meta, "theta", &v), 0);
		ck_assert_double_eq(v, s.theta);
	}
	/* a pair is refused (already two views), and so is a noisy image */
	ck_assert_int_eq(sr_pair_synthetic(&rec, 10, 0, 0), -1);
	sr_shape s;
	sr_shape_init(&s);
	ck_assert_int_eq(sr_shape_record(&rec, &s, W, H, "y"), 0);
	rec.data[W * 32 + 5] += 0.3f;
	ck_assert_int_eq(sr_pair_synthetic(&rec, 10, 0, 0), -1);
	ck_assert_ptr_nonnull(strstr(sr_errmsg(), "clean"));
	/* a NaN anywhere in view A, not only in its last sample (the old check forgot a NaN as
	 * soon as a later sample differed at all) */
	ck_assert_int_eq(sr_shape_record(&rec, &s, W, H, "n"), 0);
	rec.data[0] = NAN;
	rec.data[W * 32 + 5] += 1e-4f;
	ck_assert_int_eq(sr_pair_synthetic(&rec, 10, 0, 0), -1);
	ck_assert_ptr_nonnull(strstr(sr_errmsg(), "clean"));
	/* no shape keys */
	ck_assert_int_eq(sr_shape_record(&rec, &s, W, H, "z"), 0);
	sr_meta_del(&rec.meta, "radius");
	ck_assert_int_eq(sr_pair_synthetic(&rec, 10, 0, 0), -1);
	ck_assert_ptr_nonnull(strstr(sr_errmsg(), "radius"));
	sr_record_free(&rec);
}
END_TEST

START_TEST(pair_join_checks_sizes)
{
	sr_record a, b, out;
	sr_record_init(&a);
	sr_record_init(&b);
	sr_record_init(&out);
	sr_shape s;
	sr_shape_init(&s);
	ck_assert_int_eq(sr_shape_record(&a, &s, W, H, "a"), 0);
	s.theta = 20;
	ck_assert_int_eq(sr_shape_record(&b, &s, W, H, "b"), 0);
	sr_meta_set(&b.meta, "source", "b.pgm");
	ck_assert_int_eq(sr_pair_join(&a, &b, 20, &out), 0);
	ck_assert_int_eq(out.views, 2);
	ck_assert(memcmp(sr_record_view(&out, 0), a.data, sizeof(float) * W * H) == 0);
	ck_assert(memcmp(sr_record_view(&out, 1), b.data, sizeof(float) * W * H) == 0);
	ck_assert_str_eq(sr_meta_get(&out.meta, "id"), "a");
	ck_assert_str_eq(sr_meta_get(&out.meta, "offset"), "20");
	ck_assert_str_eq(sr_meta_get(&out.meta, "b.id"), "b");
	ck_assert_str_eq(sr_meta_get(&out.meta, "b.source"), "b.pgm");
	ck_assert_int_eq(sr_shape_record(&b, &s, W, H - 1, "b"), 0);
	ck_assert_int_eq(sr_pair_join(&a, &b, 20, &out), -1);
	sr_record_free(&a);
	sr_record_free(&b);
	sr_record_free(&out);
}
END_TEST

START_TEST(shape_draws_stay_in_their_ranges)
{
	sr_shape_spec spec;
	sr_shape_spec_default(&spec, W, H);
	int seen[7] = {0};
	for (int n = 0; n < 4000; n++) {
		sr_rng r = sr_shape_rng(1, (uint64_t)n);
		sr_shape s;
		ck_assert_int_eq(sr_shape_draw(&spec, &r, &s), 0);
		ck_assert(s.k >= 3 && s.k <= 6);
		seen[s.k]++;
		ck_assert(s.radius >= 12 && s.radius <= 22);
		ck_assert(fabs(s.cx - 32) <= 8 && fabs(s.cy - 32) <= 8);
		ck_assert(s.theta >= 0 && s.theta < 360.0 / s.k);
		ck_assert_double_eq(s.intensity, 1);
	}
	for (int k = 3; k <= 6; k++)
		ck_assert_msg(seen[k] > 850 && seen[k] < 1150, "k=%d drawn %d times of 4000", k, seen[k]);
	/* a fixed theta range, a disc */
	spec.theta_given = 1;
	spec.theta_lo = 10;
	spec.theta_hi = 20;
	sr_rng r = sr_shape_rng(1, 5);
	sr_shape s;
	ck_assert_int_eq(sr_shape_draw(&spec, &r, &s), 0);
	ck_assert(s.theta >= 10 && s.theta <= 20);
	spec.kind = SR_SHAPE_DISC;
	ck_assert_int_eq(sr_shape_draw(&spec, &r, &s), 0);
	ck_assert_int_eq(s.k, 0);
	ck_assert_double_eq(s.theta, 0);
	/* the streams of shapegen and stereopair differ */
	sr_rng p = sr_shape_rng(1, 1), q = sr_pair_rng(1, 1);
	ck_assert(sr_rng_next(&p) != sr_rng_next(&q));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, polygon_area_matches_analytic);
	tcase_add_test(tc, disc_area_matches_analytic);
	tcase_add_test(tc, disc_pixel_coverage_is_exact);
	tcase_add_test(tc, square_pixel_coverage_is_exact);
	tcase_add_test(tc, vertex_formula_and_screen_direction);
	tcase_add_test(tc, rotation_by_period_gives_same_image);
	tcase_add_test(tc, rotation_by_90_is_counterclockwise);
	tcase_add_test(tc, moved_shape_is_offset_and_shift);
	tcase_add_test(tc, partly_outside_is_clipped);
	tcase_add_test(tc, bad_shapes_are_refused);
	tcase_add_test(tc, meta_round_trip_renders_same_bytes);
	tcase_add_test(tc, pair_view_b_is_a_fresh_render);
	tcase_add_test(tc, pair_join_checks_sizes);
	tcase_add_test(tc, shape_draws_stay_in_their_ranges);
	suite_add_tcase(s, tc);
	return s;
}
