/* test_rotate: lib/image/rotate.c, the bilinear rotation of method 2's template renderer: identity at
 * 0, an exact pixel permutation at 90 degrees in the project's direction (counterclockwise as
 * seen on screen), agreement with the polygon renderer (rot(render(theta), a) ~ render(theta +
 * a)), the PyTorch reference (tests/fixtures/rotate/make_fixture.py: affine_grid + grid_sample,
 * bilinear, zeros padding, align_corners=False), and finite-difference checks of d/dT and
 * d/d angle. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "synth/render.h"
#include "core/rng.h"
#include "image/rotate.h"

#define DEG (M_PI / 180.0)

static void random_image(float *T, size_t n, uint64_t seed)
{
	sr_rng r = sr_rng_derive(seed, 0);
	for (size_t i = 0; i < n; i++)
		T[i] = (float)(2 * sr_rng_uniform(&r) - 1);
}

/* A square of circumradius R at theta, centred in a w x w image. */
static void square(float *img, int w, double R, double theta)
{
	sr_shape s;
	sr_shape_init(&s);
	s.k = 4;
	s.radius = R;
	s.cx = s.cy = 0.5 * w;
	s.theta = theta;
	memset(img, 0, (size_t)w * w * sizeof *img);
	ck_assert_int_eq(sr_render(&s, img, w, w), 0);
}

static double rms(const float *a, const float *b, size_t n)
{
	double e = 0;
	for (size_t i = 0; i < n; i++)
		e += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
	return sqrt(e / n);
}

START_TEST(zero_is_identity)
{
	enum { W = 15, H = 11 };
	float T[W * H], out[W * H];
	random_image(T, W * H, 1);
	double a = 0;
	sr_rotate_forward(T, W, H, 1, &a, NULL, out);
	for (int i = 0; i < W * H; i++)
		ck_assert_msg(out[i] == T[i], "pixel %d: %g != %g", i, out[i], T[i]);
	/* a full turn, and weights: 0.25 rot(0) + 0.75 rot(2 pi) = T away from rounding */
	double two[2] = {0, 2 * M_PI}, wt[2] = {0.25, 0.75};
	sr_rotate_forward(T, W, H, 2, two, wt, out);
	for (int i = 0; i < W * H; i++)
		ck_assert_msg(fabs(out[i] - T[i]) < 1e-5, "pixel %d: %g != %g", i, out[i], T[i]);
}
END_TEST

START_TEST(quarter_turn_is_a_counterclockwise_permutation)
{
	enum { W = 12 };
	float T[W * W], out[W * W];
	random_image(T, W * W, 2);
	double a = M_PI / 2;
	sr_rotate_forward(T, W, W, 1, &a, NULL, out);
	/* counterclockwise on screen: out[r][c] = T[c][W-1-r] */
	for (int r = 0; r < W; r++)
		for (int c = 0; c < W; c++)
			ck_assert_msg(fabs(out[r * W + c] - T[c * W + W - 1 - r]) < 1e-5,
			              "(%d,%d): %g vs %g", r, c, out[r * W + c], T[c * W + W - 1 - r]);
	/* one bright pixel right of the centre (the +x axis) goes above it (smaller row) */
	memset(T, 0, sizeof T);
	T[(W / 2) * W + W - 2] = 1;
	sr_rotate_forward(T, W, W, 1, &a, NULL, out);
	ck_assert(fabs(out[1 * W + W / 2] - 1) < 1e-5);
	a = -M_PI / 2; /* and clockwise below it */
	sr_rotate_forward(T, W, W, 1, &a, NULL, out);
	ck_assert(fabs(out[(W - 2) * W + W / 2 - 1] - 1) < 1e-5);
}
END_TEST

START_TEST(rotating_a_rendered_square_turns_its_theta)
{
	enum { W = 48 };
	float src[W * W], want[W * W], wrong[W * W], out[W * W];
	for (int m = 0; m < 6; m++) {
		static const double as[] = {-30, -20, -10, 12, 25, 33}; /* +a and -a differ mod 90 */
		double a = as[m];
		square(src, W, 14, 10);
		square(want, W, 14, 10 + a);
		square(wrong, W, 14, 10 - a);
		double ar = a * DEG;
		sr_rotate_forward(src, W, W, 1, &ar, NULL, out);
		double good = rms(out, want, W * W), bad = rms(out, wrong, W * W);
		/* bilinear resampling blurs the edges a little; the other direction is far off */
		ck_assert_msg(good < 0.04, "a %g: rms %g against render(theta + a)", a, good);
		ck_assert_msg(bad > 3 * good, "a %g: rms %g (+a) vs %g (-a)", a, good, bad);
	}
}
END_TEST

/* ---- the PyTorch fixture */

static double *read_numbers(FILE *f, int n)
{
	double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
	ck_assert_ptr_nonnull(v);
	for (int i = 0; i < n; i++)
		ck_assert_msg(fscanf(f, "%lf", &v[i]) == 1, "fixture: short data");
	return v;
}

START_TEST(matches_pytorch_grid_sample)
{
	char path[4096];
	const char *dir = getenv("FIXTURES");
	if (dir && *dir)
		snprintf(path, sizeof path, "%s/rotate/rotate.txt", dir);
	else
		snprintf(path, sizeof path, "tests/fixtures/rotate/rotate.txt");
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open fixture %s (run from the top of the tree or set "
	              "FIXTURES)", path);
	int c, ncases;
	while ((c = fgetc(f)) != '\n' && c != EOF) /* the comment line */
		;
	ck_assert_int_eq(fscanf(f, "%d", &ncases), 1);
	ck_assert(ncases >= 3 && ncases < 100);
	for (int cs = 0; cs < ncases; cs++) {
		int w, h, n;
		ck_assert_int_eq(fscanf(f, "%d %d %d", &w, &h, &n), 3);
		ck_assert(w > 0 && w < 256 && h > 0 && h < 256 && n > 0 && n < 16);
		int S = w * h;
		double *ang = read_numbers(f, n), *wt = read_numbers(f, n);
		double *T = read_numbers(f, S), *g = read_numbers(f, S), *out = read_numbers(f, S);
		double *gT = read_numbers(f, S), *gang = read_numbers(f, n);
		float *Tf = malloc(S * sizeof *Tf), *gf = malloc(S * sizeof *gf);
		float *of = malloc(S * sizeof *of), *gTf = calloc(S, sizeof *gTf);
		double ga[16];
		ck_assert(Tf && gf && of && gTf);
		for (int i = 0; i < S; i++)
			Tf[i] = (float)T[i], gf[i] = (float)g[i];
		sr_rotate_forward(Tf, w, h, n, ang, wt, of);
		sr_rotate_backward(Tf, w, h, n, ang, wt, gf, gTf, ga);
		for (int i = 0; i < S; i++) {
			ck_assert_msg(fabs(of[i] - out[i]) < 2e-6 * (1 + fabs(out[i])),
			              "case %d out[%d]: %.9g, PyTorch %.9g", cs, i, of[i], out[i]);
			ck_assert_msg(fabs(gTf[i] - gT[i]) < 2e-6 * (1 + fabs(gT[i])),
			              "case %d dT[%d]: %.9g, PyTorch %.9g", cs, i, gTf[i], gT[i]);
		}
		for (int j = 0; j < n; j++)
			ck_assert_msg(fabs(ga[j] - gang[j]) < 1e-5 * (1 + fabs(gang[j])),
			              "case %d d ang[%d]: %.9g, PyTorch %.9g", cs, j, ga[j], gang[j]);
		free(ang), free(wt), free(T), free(g), free(out), free(gT), free(gang);
		free(Tf), free(gf), free(of), free(gTf);
	}
	fclose(f);
}
END_TEST

/* ---- finite differences */

static double loss(const float *T, int w, int h, int n, const double *ang, const double *wt,
                   const float *g, float *out)
{
	sr_rotate_forward(T, w, h, n, ang, wt, out);
	double L = 0;
	for (int i = 0; i < w * h; i++)
		L += (double)g[i] * out[i];
	return L;
}

START_TEST(gradients_match_finite_differences)
{
	enum { W = 20, H = 17, N = 3 };
	float T[W * H], g[W * H], out[W * H], gT[W * H];
	double ang[N] = {0.37, 1.9, -2.6}, wt[N] = {0.5, 1, -0.7}, ga[N];
	/* a smooth template (a blob and a ramp), so the bilinear kinks matter little */
	for (int r = 0; r < H; r++)
		for (int c = 0; c < W; c++) {
			double x = c + 0.5 - 0.5 * W - 2, y = r + 0.5 - 0.5 * H + 1;
			T[r * W + c] = (float)(exp(-(x * x + 2 * y * y) / 20) + 0.02 * x);
		}
	random_image(g, W * H, 3);
	memset(gT, 0, sizeof gT);
	sr_rotate_backward(T, W, H, N, ang, wt, g, gT, ga);
	/* d/dT: the rendering is linear in T, so differences are exact up to rounding */
	for (int i = 0; i < W * H; i += 7) {
		float save = T[i];
		T[i] = save + 0.5f;
		double lp = loss(T, W, H, N, ang, wt, g, out);
		T[i] = save - 0.5f;
		double lm = loss(T, W, H, N, ang, wt, g, out);
		T[i] = save;
		ck_assert_msg(fabs((lp - lm) - gT[i]) < 1e-4, "dT[%d]: %g vs %g", i, gT[i], lp - lm);
	}
	/* d/d angle */
	for (int j = 0; j < N; j++) {
		double e = 1e-4, save = ang[j]; /* larger steps cross the bilinear kinks */
		ang[j] = save + e;
		double lp = loss(T, W, H, N, ang, wt, g, out);
		ang[j] = save - e;
		double lm = loss(T, W, H, N, ang, wt, g, out);
		ang[j] = save;
		double num = (lp - lm) / (2 * e);
		ck_assert_msg(fabs(num - ga[j]) < 0.01 * fabs(num) + 0.01, "d ang[%d]: %g vs %g", j,
		              ga[j], num);
	}
	/* gang and gT may be NULL; gT is added to, not set */
	double ga2[N];
	sr_rotate_backward(T, W, H, N, ang, wt, g, NULL, ga2);
	for (int j = 0; j < N; j++)
		ck_assert(ga2[j] == ga[j]);
	float gT2[W * H];
	for (int i = 0; i < W * H; i++)
		gT2[i] = 1;
	sr_rotate_backward(T, W, H, N, ang, wt, g, gT2, NULL);
	for (int i = 0; i < W * H; i++)
		ck_assert(fabs(gT2[i] - 1 - gT[i]) < 1e-5);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("rotate");
	TCase *tc = tcase_create("rotate");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, zero_is_identity);
	tcase_add_test(tc, quarter_turn_is_a_counterclockwise_permutation);
	tcase_add_test(tc, rotating_a_rendered_square_turns_its_theta);
	tcase_add_test(tc, matches_pytorch_grid_sample);
	tcase_add_test(tc, gradients_match_finite_differences);
	suite_add_tcase(s, tc);
	return s;
}
