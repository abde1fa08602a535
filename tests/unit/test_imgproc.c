/* Unit tests for the image preparation library (imgproc.h): background, centroid accuracy after
 * known sub-pixel shifts (clean and at doses 10/40/160), shift round trips, denoising,
 * line-integral projections with the project's angle convention, the noise estimate, and the
 * record-level centre/denoise/project helpers on a stereo pair.  Test images are made here
 * (supersampled discs, Gaussian blobs) so the tests do not depend on the renderer. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "image/imgproc.h"
#include "core/rng.h"

/* ---- synthetic images ---- */

/* Disc of radius R at (cx, cy), intensity a, 8x8 supersampled coverage, added to img. */
static void add_disc(float *img, int w, int h, double cx, double cy, double R, double a)
{
	const int ss = 8;
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++) {
			double dx0 = c + 0.5 - cx, dy0 = r + 0.5 - cy;
			if (sqrt(dx0 * dx0 + dy0 * dy0) > R + 1)
				continue;
			int in = 0;
			for (int i = 0; i < ss; i++)
				for (int j = 0; j < ss; j++) {
					double x = c + (j + 0.5) / ss - cx, y = r + (i + 0.5) / ss - cy;
					in += x * x + y * y <= R * R;
				}
			img[r * w + c] += (float)(a * in / (ss * ss));
		}
}

/* Anisotropic Gaussian blob at (cx, cy): sd a along direction theta (screen convention, deg),
 * sd b across it, peak amp; pixel value = 4x4 supersampled mean. */
static void add_blob(float *img, int w, int h, double cx, double cy, double a, double b,
                     double theta, double amp)
{
	double t = theta * M_PI / 180, ux = cos(t), uy = -sin(t);
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++) {
			double s = 0;
			for (int i = 0; i < 4; i++)
				for (int j = 0; j < 4; j++) {
					double x = c + (j + 0.5) / 4 - cx, y = r + (i + 0.5) / 4 - cy;
					double u = x * ux + y * uy, v = -x * uy + y * ux;
					s += exp(-0.5 * (u * u / (a * a) + v * v / (b * b)));
				}
			img[r * w + c] += (float)(amp * s / 16);
		}
}

static void fill(float *img, size_t n, float v)
{
	for (size_t i = 0; i < n; i++)
		img[i] = v;
}

static void poisson(float *img, size_t n, sr_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		img[i] = (float)sr_rng_poisson(rng, img[i] > 0 ? img[i] : 0);
}

static void gauss_noise(float *img, size_t n, double sd, sr_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		img[i] += (float)(sd * sr_rng_normal(rng));
}

/* variance of the w x h top-left part (minus a margin) of an image with row stride */
static double variance_s(const float *img, int stride, int w, int h, int margin)
{
	double s = 0, s2 = 0;
	int k = 0;
	for (int r = margin; r < h - margin; r++)
		for (int c = margin; c < w - margin; c++) {
			double v = img[r * stride + c];
			s += v;
			s2 += v * v;
			k++;
		}
	s /= k;
	return s2 / k - s * s;
}

static double variance(const float *img, int w, int h, int margin)
{
	return variance_s(img, w, w, h, margin);
}

/* ---- background ---- */

START_TEST(background_constant_plus_particle)
{
	enum { W = 64, H = 64 };
	static float img[W * H];
	sr_rng rng = sr_rng_derive(11, 0);
	fill(img, W * H, 20);
	add_disc(img, W, H, 30.3, 33.7, 14, 200);
	gauss_noise(img, W * H, 3, &rng);
	sr_background bg;
	ck_assert_int_eq(sr_background_estimate(img, W, H, SR_BG_AUTO, 0, &bg), 0);
	ck_assert_int_eq(bg.method, SR_BG_BORDER);
	ck_assert_msg(fabs(bg.level - 20) < 0.25, "level %g", bg.level);
	ck_assert_msg(fabs(bg.noise - 3) < 0.3, "noise %g", bg.noise);
	/* the particle reaching into the border band (a third of it) is clipped away */
	fill(img, W * H, 20);
	add_disc(img, W, H, 8, 32, 14, 200);
	gauss_noise(img, W * H, 3, &rng);
	ck_assert_int_eq(sr_background_estimate(img, W, H, SR_BG_BORDER, 0, &bg), 0);
	ck_assert_msg(fabs(bg.level - 20) < 0.4, "level %g with particle in the band", bg.level);
	/* Poisson counts at a low background mean: the clipped mean is nearly unbiased */
	double sum = 0;
	for (int t = 0; t < 20; t++) {
		fill(img, W * H, 0.5f);
		add_disc(img, W, H, 32, 32, 12, 20);
		poisson(img, W * H, &rng);
		ck_assert_int_eq(sr_background_estimate(img, W, H, SR_BG_AUTO, 0, &bg), 0);
		sum += bg.level;
	}
	ck_assert_msg(fabs(sum / 20 - 0.5) < 0.04, "Poisson mean-0.5 background %g", sum / 20);
}
END_TEST

START_TEST(background_particle_fills_frame)
{
	enum { W = 64, H = 64 };
	static float img[W * H];
	sr_rng rng = sr_rng_derive(12, 0);
	fill(img, W * H, 100);
	add_disc(img, W, H, 36, 28, 40, 900);  /* covers all but the corners */
	gauss_noise(img, W * H, 5, &rng);
	sr_background bg;
	ck_assert_int_eq(sr_background_estimate(img, W, H, SR_BG_AUTO, 0, &bg), 0);
	ck_assert_int_eq(bg.method, SR_BG_OTSU);
	ck_assert_msg(fabs(bg.level - 100) < 1.5, "level %g", bg.level);
	ck_assert_int_eq(sr_background_estimate(img, W, H, SR_BG_OTSU, 0, &bg), 0);
	ck_assert_msg(fabs(bg.level - 100) < 1.5, "level %g", bg.level);
	/* a constant image: level = the constant, noise 0 */
	fill(img, W * H, 7);
	ck_assert_int_eq(sr_background_estimate(img, W, H, SR_BG_AUTO, 0, &bg), 0);
	ck_assert(bg.level == 7 && bg.noise == 0);
	ck_assert_int_eq(sr_background_estimate(img, W, H, SR_BG_ZERO, 0, &bg), 0);
	ck_assert(bg.level == 0);
	ck_assert_int_eq(sr_background_estimate(img, W, H, 9, 0, &bg), -1);
	img[5] = NAN;
	ck_assert_int_eq(sr_background_estimate(img, W, H, SR_BG_AUTO, 0, &bg), -1);
	int m;
	ck_assert_int_eq(sr_bg_method_parse("otsu", &m), 0);
	ck_assert_int_eq(m, SR_BG_OTSU);
	ck_assert_int_eq(sr_bg_method_parse("mode", &m), -1);
}
END_TEST

/* ---- centroid ---- */

START_TEST(centroid_clean_subpixel)
{
	enum { W = 64, H = 64 };
	static float img[W * H];
	double worst = 0;
	for (int t = 0; t < 25; t++) {
		double cx = 24 + 0.37 * t + 0.013 * t * t, cy = 40 - 0.29 * t;
		fill(img, W * H, 10);
		if (t % 2)
			add_blob(img, W, H, cx, cy, 3, 2, 17 * t, 100);
		else
			add_disc(img, W, H, cx, cy, 10.5, 100);
		sr_background bg;
		sr_centroid_result cr;
		ck_assert_int_eq(sr_background_estimate(img, W, H, SR_BG_AUTO, 0, &bg), 0);
		ck_assert_int_eq(sr_centroid(img, W, H, bg.level, bg.noise, NULL, &cr), 0);
		ck_assert(cr.found);
		double e = hypot(cr.x - cx, cr.y - cy);
		if (e > worst)
			worst = e;
	}
	fprintf(stderr, "centroid clean: worst error %.2g px\n", worst);
	ck_assert_msg(worst < 0.01, "clean centroid error %g px", worst);
	/* an empty image: not found, the image centre */
	fill(img, W * H, 3);
	sr_centroid_result cr;
	ck_assert_int_eq(sr_centroid(img, W, H, 3, 0, NULL, &cr), 0);
	ck_assert(!cr.found && cr.x == 32 && cr.y == 32);
}
END_TEST

/* Accuracy at doses 10/40/160 (counts per pixel inside the particle) with a background of 10%
 * of the dose, Poisson noise, particle a disc of radius 10 at random sub-pixel positions. */
START_TEST(centroid_noisy_by_dose)
{
	enum { W = 64, H = 64, N = 60 };
	static float img[W * H];
	const double doses[3] = {10, 40, 160};
	const double limit[3] = {0.25, 0.12, 0.06};
	for (int d = 0; d < 3; d++) {
		sr_rng rng = sr_rng_derive(100 + d, 0);
		double se = 0, sbx = 0, sby = 0;
		for (int t = 0; t < N; t++) {
			double cx = sr_rng_range(&rng, 20, 44), cy = sr_rng_range(&rng, 20, 44);
			fill(img, W * H, (float)(0.1 * doses[d]));
			add_disc(img, W, H, cx, cy, 10, doses[d]);
			poisson(img, W * H, &rng);
			sr_background bg;
			sr_centroid_result cr;
			ck_assert_int_eq(sr_background_estimate(img, W, H, SR_BG_AUTO, 0, &bg), 0);
			ck_assert_int_eq(sr_centroid(img, W, H, bg.level, bg.noise, NULL, &cr), 0);
			ck_assert(cr.found);
			se += (cr.x - cx) * (cr.x - cx) + (cr.y - cy) * (cr.y - cy);
			sbx += cr.x - cx;
			sby += cr.y - cy;
		}
		double rms = sqrt(se / N);
		fprintf(stderr, "centroid dose %3.0f: rms error %.3f px, bias (%.3f, %.3f)\n", doses[d],
		        rms, sbx / N, sby / N);
		ck_assert_msg(rms < limit[d], "dose %g: rms %g px", doses[d], rms);
	}
}
END_TEST

/* ---- resampling ---- */

START_TEST(shift_moves_centroid_and_round_trips)
{
	enum { W = 64, H = 64 };
	static float a[W * H], b[W * H], c[W * H];
	fill(a, W * H, 0);
	add_blob(a, W, H, 30.2, 33.9, 2.5, 2.5, 0, 100);
	const int interps[3] = {SR_INTERP_LANCZOS3, SR_INTERP_CUBIC, SR_INTERP_LINEAR};
	const double tol[3] = {0.25, 0.6, 8};  /* max abs round-trip error, peak 100 */
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(sr_shift_image(a, W, H, b, W, H, 0.37, -0.81, interps[k], 0), 0);
		sr_centroid_result r0, r1;
		ck_assert_int_eq(sr_centroid(a, W, H, 0, 0, NULL, &r0), 0);
		ck_assert_int_eq(sr_centroid(b, W, H, 0, 0, NULL, &r1), 0);
		ck_assert_msg(fabs(r1.x - r0.x - 0.37) < 1e-3 && fabs(r1.y - r0.y + 0.81) < 1e-3,
		              "%s moved by (%g, %g)", sr_interp_name(interps[k]), r1.x - r0.x,
		              r1.y - r0.y);
		ck_assert_int_eq(sr_shift_image(b, W, H, c, W, H, -0.37, 0.81, interps[k], 0), 0);
		double e = 0, sa = 0, sb = 0;
		for (int i = 0; i < W * H; i++) {
			e = fmax(e, fabs(c[i] - a[i]));
			sa += a[i];
			sb += b[i];
		}
		fprintf(stderr, "shift round trip %s: max error %.3g (peak 100)\n",
		        sr_interp_name(interps[k]), e);
		ck_assert_msg(e < tol[k], "%s round trip error %g", sr_interp_name(interps[k]), e);
		ck_assert_msg(fabs(sa - sb) < 1e-3 * sa, "sum %g -> %g", sa, sb);
	}
	/* integer shifts copy exactly, with fill coming in */
	for (int i = 0; i < W * H; i++)
		a[i] = (float)(i % 97);
	ck_assert_int_eq(sr_shift_image(a, W, H, b, W, H, 3, -2, SR_INTERP_LANCZOS3, -1), 0);
	for (int r = 0; r < H; r++)
		for (int q = 0; q < W; q++) {
			int sr = r + 2, sc = q - 3;
			float want = sr >= 0 && sr < H && sc >= 0 && sc < W ? a[sr * W + sc] : -1;
			ck_assert(b[r * W + q] == want);
		}
	ck_assert_int_eq(sr_shift_image(a, W, H, b, W, H, NAN, 0, SR_INTERP_LANCZOS3, 0), -1);
	ck_assert_int_eq(sr_shift_image(a, W, H, b, W, H, 0, 0, 7, 0), -1);
}
END_TEST

START_TEST(crop_and_pad)
{
	enum { W = 9, H = 7 };
	float a[W * H], big[15 * 11], small[5 * 3];
	for (int i = 0; i < W * H; i++)
		a[i] = (float)(i + 1);
	/* centred pad to 15 x 11: offsets (3, 2) */
	ck_assert_int_eq(sr_shift_image(a, W, H, big, 15, 11, 3, 2, SR_INTERP_LANCZOS3, 0), 0);
	for (int r = 0; r < 11; r++)
		for (int c = 0; c < 15; c++) {
			int sr = r - 2, sc = c - 3;
			float want = sr >= 0 && sr < H && sc >= 0 && sc < W ? a[sr * W + sc] : 0;
			ck_assert(big[r * 15 + c] == want);
		}
	/* centred crop to 5 x 3: offsets (-2, -2) */
	ck_assert_int_eq(sr_shift_image(a, W, H, small, 5, 3, -2, -2, SR_INTERP_CUBIC, 0), 0);
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 5; c++)
			ck_assert(small[r * 5 + c] == a[(r + 2) * W + c + 2]);
	int m;
	ck_assert_int_eq(sr_interp_parse("cubic", &m), 0);
	ck_assert_int_eq(m, SR_INTERP_CUBIC);
	ck_assert_int_eq(sr_interp_parse("fourier", &m), -1);
}
END_TEST

/* ---- denoising ---- */

START_TEST(denoise_reduces_flat_noise)
{
	enum { W = 64, H = 64 };
	static float a[W * H], b[W * H];
	sr_rng rng = sr_rng_derive(5, 0);
	fill(a, W * H, 100);
	gauss_noise(a, W * H, 10, &rng);
	double v0 = variance(a, W, H, 4), v;
	ck_assert_int_eq(sr_gaussian_filter(a, b, W, H, 1.0), 0);
	v = variance(b, W, H, 4);
	/* white noise through a Gaussian of sd s: variance / (4 pi s^2) */
	ck_assert_msg(v < v0 / (4 * M_PI) * 1.3 && v > v0 / (4 * M_PI) * 0.7, "gaussian %g", v / v0);
	ck_assert_int_eq(sr_median_filter(a, b, W, H, 1), 0);
	ck_assert_msg(variance(b, W, H, 4) < 0.25 * v0, "median %g", variance(b, W, H, 4) / v0);
	ck_assert_int_eq(sr_bilateral_filter(a, b, W, H, 1.5, 30), 0);
	ck_assert_msg(variance(b, W, H, 4) < 0.15 * v0, "bilateral %g", variance(b, W, H, 4) / v0);
	ck_assert_int_eq(sr_nlm_filter(a, b, W, H, 1, 3, 6, 10), 0);
	ck_assert_msg(variance(b, W, H, 4) < 0.15 * v0, "nlm %g", variance(b, W, H, 4) / v0);
	/* the mean is kept */
	double s = 0;
	for (int i = 0; i < W * H; i++)
		s += b[i];
	ck_assert(fabs(s / (W * H) - 100) < 0.5);
	/* out may alias in */
	memcpy(b, a, sizeof a);
	ck_assert_int_eq(sr_gaussian_filter(b, b, W, H, 1.0), 0);
	ck_assert(variance(b, W, H, 4) < 0.2 * v0);
	/* bad parameters */
	ck_assert_int_eq(sr_gaussian_filter(a, b, W, H, -1), -1);
	ck_assert_int_eq(sr_median_filter(a, b, W, H, 51), -1);
	ck_assert_int_eq(sr_bilateral_filter(a, b, W, H, 1, 0), -1);
	ck_assert_int_eq(sr_nlm_filter(a, b, W, H, 1, 0, 5, 0), -1);
}
END_TEST

/* Mean over rows of the columns either side of a vertical step at column 32. */
static void edge_levels(const float *img, int w, int h, double *left, double *right)
{
	double l = 0, r = 0;
	for (int y = 4; y < h - 4; y++) {
		l += img[y * w + 31];
		r += img[y * w + 32];
	}
	*left = l / (h - 8);
	*right = r / (h - 8);
}

START_TEST(edge_preserving_keeps_step)
{
	enum { W = 64, H = 64 };
	static float a[W * H], b[W * H];
	sr_rng rng = sr_rng_derive(6, 0);
	for (int r = 0; r < H; r++)
		for (int c = 0; c < W; c++)
			a[r * W + c] = c < 32 ? 20 : 120;
	gauss_noise(a, W * H, 8, &rng);
	double l, r;
	ck_assert_int_eq(sr_gaussian_filter(a, b, W, H, 2.0), 0);
	edge_levels(b, W, H, &l, &r);
	ck_assert_msg(l > 35 && r < 105, "gaussian should blur the step (%g, %g)", l, r);
	ck_assert_int_eq(sr_bilateral_filter(a, b, W, H, 2.0, 16), 0);
	edge_levels(b, W, H, &l, &r);
	ck_assert_msg(fabs(l - 20) < 3 && fabs(r - 120) < 3, "bilateral step (%g, %g)", l, r);
	double vb = variance_s(b, W, 28, H, 4);  /* left flat part: noise still reduced */
	ck_assert_msg(vb < 0.15 * 64, "bilateral flat variance %g", vb);
	ck_assert_int_eq(sr_nlm_filter(a, b, W, H, 1, 3, 5, 8), 0);
	edge_levels(b, W, H, &l, &r);
	ck_assert_msg(fabs(l - 20) < 3 && fabs(r - 120) < 3, "nlm step (%g, %g)", l, r);
	ck_assert_int_eq(sr_median_filter(a, b, W, H, 2), 0);
	edge_levels(b, W, H, &l, &r);
	/* the median's edge pixels take an order statistic of the noise: biased by about 0.9 sd
	 * towards the other side, but the step stays sharp */
	ck_assert_msg(r - l > 80 && l < 30 && r > 110, "median step (%g, %g)", l, r);
}
END_TEST

START_TEST(median_removes_salt)
{
	enum { W = 64, H = 64 };
	static float a[W * H], b[W * H];
	sr_rng rng = sr_rng_derive(7, 0);
	fill(a, W * H, 50);
	int salt = 0;
	for (int i = 0; i < W * H; i++)
		if (sr_rng_uniform(&rng) < 0.05) {
			a[i] = 1000;
			salt++;
		}
	ck_assert(salt > 100);
	ck_assert_int_eq(sr_median_filter(a, b, W, H, 1), 0);
	for (int i = 0; i < W * H; i++)
		ck_assert_msg(b[i] == 50, "pixel %d = %g", i, b[i]);
}
END_TEST

/* ---- projection ---- */

START_TEST(projection_sums_and_axes)
{
	enum { W = 23, H = 17 };
	float img[W * H], prof[64], colsum[W], rowsum[H];
	sr_rng rng = sr_rng_derive(8, 0);
	double tot = 0;
	memset(colsum, 0, sizeof colsum);
	memset(rowsum, 0, sizeof rowsum);
	for (int r = 0; r < H; r++)
		for (int c = 0; c < W; c++) {
			float v = (float)sr_rng_range(&rng, 0, 10);
			img[r * W + c] = v;
			tot += v;
			colsum[c] += v;
			rowsum[r] += v;
		}
	int L = sr_project_default_length(W, H);
	ck_assert_int_eq(L, 29);  /* ceil(sqrt(23^2 + 17^2) = 28.6) */
	const double angles[] = {0, 12.5, 45, 90, 133, 180, 222.2, 270, -30, 1000};
	for (size_t k = 0; k < sizeof angles / sizeof *angles; k++) {
		ck_assert_int_eq(sr_project(img, W, H, angles[k], prof, L), 0);
		double s = 0;
		for (int i = 0; i < L; i++)
			s += prof[i];
		ck_assert_msg(fabs(s - tot) < 1e-4 * tot, "angle %g: sum %g vs %g", angles[k], s, tot);
	}
	/* 0: column sums left to right; 180: right to left */
	ck_assert_int_eq(sr_project(img, W, H, 0, prof, W), 0);
	for (int c = 0; c < W; c++)
		ck_assert_float_eq_tol(prof[c], colsum[c], 1e-4);
	ck_assert_int_eq(sr_project(img, W, H, 180, prof, W), 0);
	for (int c = 0; c < W; c++)
		ck_assert_float_eq_tol(prof[c], colsum[W - 1 - c], 1e-4);
	/* 270 (the image y axis, down the screen): row sums top to bottom; 90: bottom to top */
	ck_assert_int_eq(sr_project(img, W, H, 270, prof, H), 0);
	for (int r = 0; r < H; r++)
		ck_assert_float_eq_tol(prof[r], rowsum[r], 1e-4);
	ck_assert_int_eq(sr_project(img, W, H, -90, prof, H), 0);
	for (int r = 0; r < H; r++)
		ck_assert_float_eq_tol(prof[r], rowsum[r], 1e-4);
	ck_assert_int_eq(sr_project(img, W, H, 90, prof, H), 0);
	for (int r = 0; r < H; r++)
		ck_assert_float_eq_tol(prof[r], rowsum[H - 1 - r], 1e-4);
	/* longer profile at 0 with the same parity: the column sums, centred, zero padding */
	ck_assert_int_eq(sr_project(img, W, H, 0, prof, W + 6), 0);
	for (int i = 0; i < W + 6; i++)
		ck_assert_float_eq_tol(prof[i], i < 3 || i >= W + 3 ? 0 : colsum[i - 3], 1e-4);
	ck_assert_int_eq(sr_project(img, W, H, 0, prof, 0), -1);
	ck_assert_int_eq(sr_project(img, W, H, INFINITY, prof, 5), -1);
}
END_TEST

static void profile_moments(const float *p, int L, double *mean, double *var)
{
	double s = 0, s1 = 0, s2 = 0;
	for (int i = 0; i < L; i++) {
		double x = i + 0.5 - L / 2.0;
		s += p[i];
		s1 += p[i] * x;
		s2 += p[i] * x * x;
	}
	*mean = s1 / s;
	*var = s2 / s - *mean * *mean;
}

/* An elongated blob (sd 6 along theta, 2 across) rotated by alpha: the profile of view A at
 * phi equals the profile of view B at phi + alpha, and the profile variance follows
 * a^2 cos^2(phi - theta) + b^2 sin^2(phi - theta) + 1/12 (pixel) + ... in the screen convention. */
START_TEST(projection_of_rotated_blob)
{
	enum { W = 64, H = 64 };
	static float A[W * H], B[W * H];
	float pa[91], pb[91];
	const double theta = 30, alpha = 50;
	fill(A, W * H, 0);
	fill(B, W * H, 0);
	add_blob(A, W, H, 32, 32, 6, 2, theta, 1);
	add_blob(B, W, H, 32, 32, 6, 2, theta + alpha, 1);
	int L = sr_project_default_length(W, H);
	ck_assert_int_eq(L, 91);
	for (double phi = -40; phi <= 200; phi += 20) {
		ck_assert_int_eq(sr_project(A, W, H, phi, pa, L), 0);
		ck_assert_int_eq(sr_project(B, W, H, phi + alpha, pb, L), 0);
		double peak = 0, e = 0;
		for (int i = 0; i < L; i++) {
			peak = fmax(peak, pa[i]);
			e = fmax(e, fabs(pa[i] - pb[i]));
		}
		ck_assert_msg(e < 0.02 * peak, "phi %g: A and rotated B differ by %g of peak %g", phi,
		              e, peak);
		double m, v;
		profile_moments(pa, L, &m, &v);
		double d = (phi - theta) * M_PI / 180;
		double want = 36 * cos(d) * cos(d) + 4 * sin(d) * sin(d);
		ck_assert_msg(fabs(m) < 0.01, "phi %g: mean %g", phi, m);
		/* the pixel box adds (cos^2 + sin^2 ... ) / 12 at most 1/6; the 1-px bins 1/12 */
		ck_assert_msg(fabs(v - want) < 0.35, "phi %g: variance %g, want %g", phi, v, want);
	}
	/* direction check: with theta = 30, the long axis lies along phi = 30 (up-right on
	 * screen), not phi = -30 */
	double m, v30, vm30;
	ck_assert_int_eq(sr_project(A, W, H, 30, pa, L), 0);
	profile_moments(pa, L, &m, &v30);
	ck_assert_int_eq(sr_project(A, W, H, -30, pa, L), 0);
	profile_moments(pa, L, &m, &vm30);
	ck_assert(v30 > 30 && vm30 < 20);
}
END_TEST

/* ---- noise estimate ---- */

START_TEST(noise_estimate_flat_and_ramp)
{
	enum { W = 64, H = 64 };
	static float a[W * H];
	sr_rng rng = sr_rng_derive(9, 0);
	for (int r = 0; r < H; r++)
		for (int c = 0; c < W; c++)
			a[r * W + c] = (float)(100 + 3.0 * c - 2.0 * r + 5 * sr_rng_normal(&rng));
	double sd;
	ck_assert_int_eq(sr_noise_estimate(a, W, H, 8, 0.5, &sd), 0);
	ck_assert_msg(fabs(sd - 5) < 0.5, "noise on a ramp %g, want 5", sd);
	/* shot noise: the 0.9 quantile sees the particle's noise, the median the background's */
	fill(a, W * H, 1);
	add_disc(a, W, H, 32, 32, 20, 99);
	poisson(a, W * H, &rng);
	double lo, hi;
	ck_assert_int_eq(sr_noise_estimate(a, W, H, 8, 0.1, &lo), 0);
	ck_assert_int_eq(sr_noise_estimate(a, W, H, 8, 0.9, &hi), 0);
	ck_assert_msg(hi > 8 && hi < 12 && lo < 2, "quantiles %g %g", lo, hi);
	ck_assert_int_eq(sr_noise_estimate(a, 2, 2, 8, 0.5, &sd), 0);
	ck_assert(sd == 0);
	ck_assert_int_eq(sr_noise_estimate(a, W, H, 2, 0.5, &sd), -1);
}
END_TEST

/* ---- record level ---- */

static double view_centroid(const float *v, int w, int h, double *y)
{
	double s = 0, sx = 0, sy = 0;
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++) {
			s += v[r * w + c];
			sx += v[r * w + c] * (c + 0.5);
			sy += v[r * w + c] * (r + 0.5);
		}
	*y = sy / s;
	return sx / s;
}

START_TEST(centre_record_pair)
{
	sr_record rec;
	sr_record_init(&rec);
	ck_assert_int_eq(sr_record_reshape(&rec, SR_LAYOUT_IMAGE, 2, 64, 64), 0);
	float *a = sr_record_view(&rec, 0), *b = sr_record_view(&rec, 1);
	fill(a, 64 * 64, 5);
	fill(b, 64 * 64, 7);
	add_blob(a, 64, 64, 20.3, 25.6, 3, 3, 0, 100);
	add_blob(b, 64, 64, 40.1, 38.2, 4, 2, 30, 100);
	ck_assert_int_eq(sr_meta_set(&rec.meta, "id", "x"), 0);
	sr_centre_options opt;
	sr_centre_defaults(&opt);
	opt.out_w = 48;
	opt.out_h = 40;
	ck_assert_int_eq(sr_centre_record(&rec, &opt), 0);
	ck_assert(rec.views == 2 && rec.width == 48 && rec.height == 40 && rec.layout == SR_LAYOUT_IMAGE);
	double dx, dy, bg;
	ck_assert_int_eq(sr_meta_get_double(&rec.meta, "centre.dx", &dx), 0);
	ck_assert_int_eq(sr_meta_get_double(&rec.meta, "centre.dy", &dy), 0);
	ck_assert_int_eq(sr_meta_get_double(&rec.meta, "centre.background", &bg), 0);
	ck_assert_msg(fabs(20.3 + dx - 24) < 0.01 && fabs(25.6 + dy - 20) < 0.01, "A shift %g %g", dx, dy);
	ck_assert(fabs(bg - 5) < 1e-3);
	ck_assert_int_eq(sr_meta_get_double(&rec.meta, "centre.b.dx", &dx), 0);
	ck_assert_int_eq(sr_meta_get_double(&rec.meta, "centre.b.dy", &dy), 0);
	ck_assert_int_eq(sr_meta_get_double(&rec.meta, "centre.b.background", &bg), 0);
	ck_assert_msg(fabs(40.1 + dx - 24) < 0.01 && fabs(38.2 + dy - 20) < 0.01, "B shift %g %g", dx, dy);
	ck_assert(fabs(bg - 7) < 1e-3);
	ck_assert_str_eq(sr_meta_get(&rec.meta, "id"), "x");
	double y, x = view_centroid(sr_record_view(&rec, 0), 48, 40, &y);
	ck_assert_msg(fabs(x - 24) < 0.01 && fabs(y - 20) < 0.01, "A centroid %g %g", x, y);
	x = view_centroid(sr_record_view(&rec, 1), 48, 40, &y);
	ck_assert_msg(fabs(x - 24) < 0.01 && fabs(y - 20) < 0.01, "B centroid %g %g", x, y);

	/* denoise keeps the pair and records its parameters */
	sr_denoise_options dn;
	sr_denoise_defaults(&dn);
	dn.method = SR_DENOISE_MEDIAN;
	dn.radius = 2;
	ck_assert_int_eq(sr_denoise_record(&rec, &dn), 0);
	ck_assert_str_eq(sr_meta_get(&rec.meta, "denoise.method"), "median");
	ck_assert_str_eq(sr_meta_get(&rec.meta, "denoise.radius"), "2");
	dn.method = SR_DENOISE_NLM;
	ck_assert_int_eq(sr_denoise_record(&rec, &dn), 0);
	ck_assert_str_eq(sr_meta_get(&rec.meta, "denoise.method"), "nlm");
	ck_assert_ptr_nonnull(sr_meta_get(&rec.meta, "denoise.h"));

	/* projection: a pair of profiles, sums kept */
	double s0 = 0, s1 = 0;
	for (int i = 0; i < 48 * 40; i++) {
		s0 += sr_record_view(&rec, 0)[i];
		s1 += sr_record_view(&rec, 1)[i];
	}
	sr_record tmp;
	sr_record_init(&tmp);
	ck_assert_int_eq(sr_project_record(&rec, 0, 30, 0, &tmp), 0);
	ck_assert(rec.layout == SR_LAYOUT_PROFILE && rec.views == 2 && rec.height == 1 && rec.width == 63);
	double p0 = 0, p1 = 0;
	for (int i = 0; i < 63; i++) {
		p0 += sr_record_view(&rec, 0)[i];
		p1 += sr_record_view(&rec, 1)[i];
	}
	ck_assert(fabs(p0 - s0) < 1e-3 * fabs(s0) + 1e-3 && fabs(p1 - s1) < 1e-3 * fabs(s1) + 1e-3);
	ck_assert_str_eq(sr_meta_get(&rec.meta, "project.angle"), "30");
	ck_assert_str_eq(sr_meta_get(&rec.meta, "project.length"), "63");
	ck_assert_ptr_null(sr_meta_get(&rec.meta, "project.axis"));
	/* a profile is neither centred nor projected again */
	ck_assert_int_eq(sr_centre_record(&rec, &opt), -1);
	ck_assert_int_eq(sr_project_record(&rec, 'x', 0, 0, &tmp), -1);
	/* but may be denoised */
	dn.method = SR_DENOISE_GAUSSIAN;
	ck_assert_int_eq(sr_denoise_record(&rec, &dn), 0);
	sr_record_free(&tmp);
	sr_record_free(&rec);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("imgproc");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, background_constant_plus_particle);
	tcase_add_test(tc, background_particle_fills_frame);
	tcase_add_test(tc, centroid_clean_subpixel);
	tcase_add_test(tc, centroid_noisy_by_dose);
	tcase_add_test(tc, shift_moves_centroid_and_round_trips);
	tcase_add_test(tc, crop_and_pad);
	tcase_add_test(tc, denoise_reduces_flat_noise);
	tcase_add_test(tc, edge_preserving_keeps_step);
	tcase_add_test(tc, median_removes_salt);
	tcase_add_test(tc, projection_sums_and_axes);
	tcase_add_test(tc, projection_of_rotated_blob);
	tcase_add_test(tc, noise_estimate_flat_and_ramp);
	tcase_add_test(tc, centre_record_pair);
	suite_add_tcase(s, tc);
	return s;
}
