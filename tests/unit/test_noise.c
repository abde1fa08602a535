/* test_noise: HAADF image formation (blur, jitter, background, dose, Poisson, read noise). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "synth/noise.h"
#include "synth/render.h"
#include "core/rng.h"
#include "core/err.h"

static double sum_of(const float *a, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += a[i];
	return s;
}

/* Poisson mean and variance through the full addnoise path: a flat image at the particle
 * level, scaled to the dose, then shot noise.  Tolerances are 5 standard errors. */
START_TEST(poisson_mean_and_variance)
{
	static const double doses[] = {0.5, 10, 40, 1000};
	const int w = 256, h = 256, reps = 4;
	size_t n = (size_t)w * h;
	float *img = malloc(sizeof *img * n);
	for (int d = 0; d < 4; d++) {
		double dose = doses[d], s1 = 0, s2 = 0;
		sr_noise p = {0, 0, dose, 0, 0};
		for (int rep = 0; rep < reps; rep++) {
			sr_rng r = sr_noise_rng(7, (uint64_t)(d * reps + rep));
			for (size_t i = 0; i < n; i++)
				img[i] = 2.5f; /* the particle level */
			ck_assert_int_eq(sr_noise_apply(&p, 2.5, img, w, h, &r), 0);
			long bad = 0;
			for (size_t i = 0; i < n; i++) {
				bad += !(img[i] == floorf(img[i]) && img[i] >= 0);
				s1 += img[i];
				s2 += (double)img[i] * img[i];
			}
			ck_assert_int_eq(bad, 0); /* integer counts */
		}
		double N = (double)n * reps, mean = s1 / N, var = s2 / N - mean * mean;
		double se_mean = sqrt(dose / N), se_var = sqrt((dose + 2 * dose * dose) / N);
		printf("dose %g: mean %.5g (se %.2g), variance %.5g (se %.2g)\n", dose, mean, se_mean, var,
		       se_var);
		ck_assert_msg(fabs(mean - dose) < 5 * se_mean, "dose %g: mean %g", dose, mean);
		ck_assert_msg(fabs(var - dose) < 5 * se_var, "dose %g: variance %g", dose, var);
	}
	free(img);
}
END_TEST

START_TEST(blur_preserves_total_intensity)
{
	static const double sigmas[] = {0.3, 0.8, 2.5, 10, 40};
	const int w = 23, h = 17;
	float img[23 * 17], orig[23 * 17];
	sr_rng r;
	sr_rng_seed(&r, 3);
	for (int i = 0; i < w * h; i++)
		orig[i] = (float)sr_rng_uniform(&r); /* content right up to the edges */
	for (int s = 0; s < 5; s++) {
		memcpy(img, orig, sizeof img);
		ck_assert_int_eq(sr_gaussian_blur(img, w, h, sigmas[s]), 0);
		ck_assert_double_eq_tol(sum_of(img, w * h), sum_of(orig, w * h), 1e-4);
	}
	/* sigma 0 changes nothing */
	memcpy(img, orig, sizeof img);
	ck_assert_int_eq(sr_gaussian_blur(img, w, h, 0), 0);
	ck_assert(memcmp(img, orig, sizeof img) == 0);
}
END_TEST

START_TEST(blur_of_a_point_is_the_gaussian)
{
	const int w = 41, h = 41;
	float img[41 * 41] = {0};
	img[20 * w + 20] = 1;
	double sigma = 1.7;
	ck_assert_int_eq(sr_gaussian_blur(img, w, h, sigma), 0);
	double m2 = 0, tot = 0;
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++) {
			m2 += img[r * w + c] * ((c - 20.0) * (c - 20.0));
			tot += img[r * w + c];
		}
	ck_assert_double_eq_tol(tot, 1, 1e-6);
	ck_assert_double_eq_tol(sqrt(m2 / tot), sigma, 0.01); /* the sampled kernel's spread */
	/* separable and symmetric */
	ck_assert_double_eq_tol(img[20 * w + 23], img[23 * w + 20], 1e-7);
	ck_assert_double_eq_tol(img[20 * w + 17], img[20 * w + 23], 1e-7);
	double g1 = exp(-0.5 / (sigma * sigma));
	ck_assert_double_eq_tol(img[20 * w + 21] / img[20 * w + 20], g1, 1e-5);
}
END_TEST

START_TEST(jitter_shifts_rows_only)
{
	const int w = 64, h = 64;
	float img[64 * 64], flat[64 * 64];
	sr_shape s;
	sr_shape_init(&s);
	memset(img, 0, sizeof img);
	sr_render(&s, img, w, h);
	float orig[64 * 64];
	memcpy(orig, img, sizeof img);
	sr_rng r;
	sr_rng_seed(&r, 4);
	ck_assert_int_eq(sr_gaussian_blur(img, w, h, 1.0), 0);
	memcpy(orig, img, sizeof img);
	ck_assert_int_eq(sr_row_jitter(img, w, h, 0.7, &r), 0);
	int changed = 0;
	for (int y = 0; y < h; y++) {
		/* interior content: each row's sum survives a shift (cubic interpolation reproduces
		 * constants and lines, so the sum is kept up to interpolation error) */
		double a = sum_of(orig + y * w, w), b = sum_of(img + y * w, w);
		ck_assert_double_eq_tol(a, b, 1e-3 * (1 + a));
		for (int c = 0; c < w; c++)
			if (fabsf(img[y * w + c] - orig[y * w + c]) > 1e-3f)
				changed = 1;
	}
	ck_assert(changed);
	/* a flat image stays flat */
	for (int i = 0; i < w * h; i++)
		flat[i] = 3;
	ck_assert_int_eq(sr_row_jitter(flat, w, h, 2.0, &r), 0);
	double dev = 0;
	for (int i = 0; i < w * h; i++)
		dev = fmax(dev, fabs(flat[i] - 3.0));
	ck_assert_double_le(dev, 1e-5);
}
END_TEST

START_TEST(background_dose_and_read_noise)
{
	const int w = 128, h = 128;
	size_t n = (size_t)w * h;
	double dev;
	float *img = malloc(sizeof *img * n);
	/* background only, no dose: adds background * level */
	for (size_t i = 0; i < n; i++)
		img[i] = 0;
	sr_rng r = sr_noise_rng(1, 0);
	sr_noise p = {0, 0.05, 0, 0, 0};
	ck_assert_int_eq(sr_noise_apply(&p, 2.0, img, w, h, &r), 0);
	dev = 0;
	for (size_t i = 0; i < n; i++)
		dev = fmax(dev, fabs(img[i] - 0.1));
	ck_assert_double_le(dev, 1e-7);
	/* background at dose 200: background pixels hold 0.05 * 200 = 10 counts on average */
	for (size_t i = 0; i < n; i++)
		img[i] = 0;
	p = (sr_noise){0, 0.05, 200, 0, 0};
	ck_assert_int_eq(sr_noise_apply(&p, 2.0, img, w, h, &r), 0);
	double mean = sum_of(img, n) / n;
	ck_assert_double_eq_tol(mean, 10, 5 * sqrt(10.0 / n));
	/* read noise alone: mean 0, sd as asked */
	for (size_t i = 0; i < n; i++)
		img[i] = 0;
	p = (sr_noise){0, 0, 0, 3.0, 0};
	ck_assert_int_eq(sr_noise_apply(&p, 1.0, img, w, h, &r), 0);
	double s1 = sum_of(img, n), s2 = 0;
	for (size_t i = 0; i < n; i++)
		s2 += (double)img[i] * img[i];
	double m = s1 / n, sd = sqrt(s2 / n - m * m);
	ck_assert_double_eq_tol(m, 0, 5 * 3.0 / sqrt((double)n));
	ck_assert_double_eq_tol(sd, 3.0, 0.05);
	/* no level, but a dose asked for: an error, not a division by zero */
	p = (sr_noise){0, 0, 10, 0, 0};
	ck_assert_int_eq(sr_noise_apply(&p, 0.0, img, w, h, &r), -1);
	p = (sr_noise){-1, 0, 10, 0, 0};
	ck_assert_int_eq(sr_noise_apply(&p, 1.0, img, w, h, &r), -1);
	free(img);
}
END_TEST

START_TEST(all_off_changes_nothing)
{
	float img[32 * 32], orig[32 * 32];
	sr_rng r;
	sr_rng_seed(&r, 5);
	for (int i = 0; i < 32 * 32; i++)
		orig[i] = img[i] = (float)sr_rng_uniform(&r);
	sr_noise p = {0, 0, 0, 0, 0};
	ck_assert_int_eq(sr_noise_apply(&p, 1.0, img, 32, 32, &r), 0);
	ck_assert(memcmp(img, orig, sizeof img) == 0);
}
END_TEST

START_TEST(parameter_draws)
{
	sr_noise_spec spec;
	sr_noise_spec_default(&spec);
	sr_rng a = sr_noise_rng(9, 1), b = sr_noise_rng(9, 1);
	sr_noise p;
	sr_noise_draw(&spec, &a, &p);
	ck_assert_double_eq_tol(p.blur, 0.8 * SR_FWHM_PER_SIGMA, 1e-12);
	ck_assert_double_eq(p.background, 0.05);
	ck_assert_double_eq(p.dose, 20);
	/* ranges consume the same draws as fixed values */
	sr_noise_spec wide = spec;
	wide.dose = (sr_span){1, 10000};
	wide.read = (sr_span){0, 2};
	sr_noise_draw(&wide, &b, &p);
	ck_assert(sr_rng_next(&a) == sr_rng_next(&b));
	/* dose log-uniform: the median of 1..10000 is 100, a quarter of draws lie below 10 */
	int below100 = 0, below10 = 0, N = 20000;
	for (int i = 0; i < N; i++) {
		sr_noise_draw(&wide, &b, &p);
		ck_assert(p.dose >= 1 && p.dose <= 10000);
		ck_assert(p.read >= 0 && p.read <= 2);
		below100 += p.dose < 100;
		below10 += p.dose < 10;
	}
	ck_assert_double_eq_tol(below100 / (double)N, 0.5, 0.02);
	ck_assert_double_eq_tol(below10 / (double)N, 0.25, 0.02);
	/* different records, different streams; same record, same stream */
	sr_rng c = sr_noise_rng(9, 2), d = sr_noise_rng(9, 2), e = sr_noise_rng(9, 3);
	uint64_t cv = sr_rng_next(&c);
	ck_assert(cv == sr_rng_next(&d));
	ck_assert(cv != sr_rng_next(&e));
}
END_TEST

START_TEST(noise_meta_keys)
{
	sr_meta m;
	sr_meta_init(&m);
	sr_noise p = {1.5, 0.05, 123.25, 2, 0.3};
	ck_assert_int_eq(sr_noise_to_meta(&p, &m), 0);
	double v;
	ck_assert_int_eq(sr_meta_get_double(&m, "noise.blur", &v), 0);
	ck_assert_double_eq(v, 1.5);
	ck_assert_int_eq(sr_meta_get_double(&m, "noise.dose", &v), 0);
	ck_assert_double_eq(v, 123.25);
	ck_assert_int_eq(sr_meta_get_double(&m, "noise.jitter", &v), 0);
	ck_assert_double_eq(v, 0.3);
	ck_assert_ptr_nonnull(sr_meta_get(&m, "noise.background"));
	ck_assert_ptr_nonnull(sr_meta_get(&m, "noise.read"));
	sr_meta_free(&m);
}
END_TEST

/* Defect 5 of issue 15: an infinite sample, or one near FLT_MAX scaled to the dose, reached the
 * Poisson sampler as Inf and came out as 9.2e18 (a NaN converted to an integer) with exit 0.
 * Now a non-finite sample is refused with its position, and an overflow of the scaling too. */
/* sr_poisson_image keeps constants and tables for repeated means: its samples must be the
 * ones sr_rng_poisson gives pixel by pixel, whatever the runs (backgrounds coming back after
 * an interior, more means than it keeps tables for, zeros, negatives, both samplers). */
START_TEST(poisson_image_is_pixel_by_pixel)
{
	const int n = 20000;
	float *img = malloc(sizeof *img * n), *want = malloc(sizeof *want * n);
	sr_rng g;
	sr_rng_seed(&g, 11);
	static const float levels[] = {1.0f, 20.5f, 0, 3.25f, 45, 0.05f, 7, 29.99f, 30, 2, -1, 400};
	for (int i = 0; i < n;) {
		int len = 1 + (int)(sr_rng_uniform(&g) * 12), which = (int)(sr_rng_uniform(&g) * 13);
		for (int j = 0; j < len && i < n; j++, i++)
			img[i] = which < 12 ? levels[which] : (float)(60 * sr_rng_uniform(&g));
	}
	sr_rng a = sr_noise_rng(5, 1), b = sr_noise_rng(5, 1);
	for (int i = 0; i < n; i++)
		want[i] = (float)sr_rng_poisson(&b, img[i]);
	sr_poisson_image(img, n, &a);
	for (int i = 0; i < n; i++)
		ck_assert_msg(img[i] == want[i], "pixel %d: %g, pixel by pixel %g", i, img[i], want[i]);
	ck_assert_uint_eq(sr_rng_next(&a), sr_rng_next(&b)); /* the same draws consumed */
	free(img);
	free(want);
}
END_TEST

/* The shape of the distribution, not only its moments: a chi-square test of the counts of
 * each k against the Poisson probabilities (bins with fewer than 5 expected merged), for
 * means on both sides of the samplers' boundary at 30, through the image path (tables for
 * the small means, PTRS for the large).  The bound is the statistic's mean + 5 sd. */
START_TEST(poisson_shape)
{
	static const double means[] = {0.05, 0.7, 4, 12.5, 29.9, 30, 75, 300};
	const int n = 200000;
	float *img = malloc(sizeof *img * n);
	for (size_t m = 0; m < sizeof means / sizeof *means; m++) {
		double mu = means[m];
		for (int i = 0; i < n; i++)
			img[i] = (float)mu;
		mu = (float)mu; /* the mean the sampler sees */
		sr_rng r = sr_noise_rng(21, m);
		sr_poisson_image(img, n, &r);
		int kmax = (int)(mu + 12 * sqrt(mu) + 20);
		double *cnt = calloc((size_t)kmax + 1, sizeof *cnt);
		for (int i = 0; i < n; i++) {
			int k = (int)img[i];
			ck_assert(img[i] == k && k >= 0);
			cnt[k < kmax ? k : kmax]++;
		}
		double chi2 = 0, obs = 0, expct = 0, tail = 1;
		int dof = -1;
		for (int k = 0; k <= kmax; k++) {
			double pk = exp(-mu + k * log(mu) - lgamma(k + 1.0));
			if (k == kmax)
				pk = tail; /* the last bin: everything above */
			tail -= pk;
			obs += cnt[k];
			expct += n * pk;
			if (expct >= 5 && (k == kmax || n * tail >= 5)) {
				chi2 += (obs - expct) * (obs - expct) / expct;
				dof++;
				obs = expct = 0;
			}
		}
		if (expct > 0) { /* what is left joins the last bin */
			chi2 += (obs - expct) * (obs - expct) / expct;
			dof++;
		}
		printf("poisson mean %g: chi2 %.1f on %d dof\n", mu, chi2, dof);
		if (dof > 0)
			ck_assert_msg(chi2 < dof + 5 * sqrt(2.0 * dof), "mean %g: chi2 %g on %d dof", mu,
			              chi2, dof);
		free(cnt);
	}
	free(img);
}
END_TEST

START_TEST(nonfinite_and_huge_samples)
{
	sr_noise_spec spec;
	sr_noise_spec_default(&spec);
	const float bad[] = {INFINITY, -INFINITY, NAN, 3e38f};
	for (int b = 0; b < 4; b++) {
		sr_record rec;
		sr_record_init(&rec);
		ck_assert_int_eq(sr_record_reshape(&rec, SR_LAYOUT_IMAGE, 1, 4, 5), 0);
		for (int i = 0; i < 20; i++)
			rec.data[i] = 0.5f;
		rec.data[7] = bad[b];
		ck_assert_int_eq(sr_meta_set(&rec.meta, "intensity", "1"), 0); /* as shapegen sets */
		ck_assert_msg(sr_noise_record(&rec, &spec, 1, 0, NULL) == -1, "sample %g accepted", bad[b]);
		/* the blur spreads the huge one before its scaling overflows */
		ck_assert_msg(strstr(sr_errmsg(), b < 3 ? "row 1, column 2 is" : "overflows float32"), "%s",
		              sr_errmsg());
		sr_record_free(&rec);
	}
	/* a huge but finite level is fine: counts of the dose, all finite */
	sr_record rec;
	sr_record_init(&rec);
	ck_assert_int_eq(sr_record_reshape(&rec, SR_LAYOUT_IMAGE, 1, 4, 5), 0);
	for (int i = 0; i < 20; i++)
		rec.data[i] = 3e38f;
	ck_assert_int_eq(sr_noise_record(&rec, &spec, 1, 0, NULL), 0);
	for (int i = 0; i < 20; i++)
		ck_assert_msg(isfinite(rec.data[i]) && rec.data[i] < 1000, "%g", rec.data[i]);
	sr_record_free(&rec);
	/* Poisson of means beyond the sampler's integers: finite, within a few sd of the mean */
	float img[3] = {1e16f, 1e30f, 3e38f};
	sr_rng r = sr_noise_rng(3, 0);
	sr_poisson_image(img, 3, &r);
	ck_assert(fabs(img[0] / 1e16 - 1) < 1e-6 && fabs(img[1] / 1e30 - 1) < 1e-6 &&
	          fabs(img[2] / 3e38 - 1) < 1e-6);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("noise");
	TCase *tc = tcase_create("noise");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, poisson_mean_and_variance);
	tcase_add_test(tc, poisson_image_is_pixel_by_pixel);
	tcase_add_test(tc, poisson_shape);
	tcase_add_test(tc, blur_preserves_total_intensity);
	tcase_add_test(tc, blur_of_a_point_is_the_gaussian);
	tcase_add_test(tc, jitter_shifts_rows_only);
	tcase_add_test(tc, background_dose_and_read_noise);
	tcase_add_test(tc, all_off_changes_nothing);
	tcase_add_test(tc, parameter_draws);
	tcase_add_test(tc, noise_meta_keys);
	suite_add_tcase(s, tc);
	tcase_add_test(tc, nonfinite_and_huge_samples);
	return s;
}
