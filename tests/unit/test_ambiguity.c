/* Unit tests for lib/ambiguity: the projection ambiguities of regular polygons VERIFIED with
 * the renderer and the exact projection (k = 3..12 and discs): the profile at theta equals the
 * profile at its mirror 2 phi - theta and differs from every other orientation; a pair with a
 * known offset resolves the mirror except at offsets 0 mod P/2; even-k profiles are symmetric
 * in s; odd-k reversed profiles are those of theta + P/2.  Then the quotient losses (zero on
 * the folded ideal, invariant under the mirror, gradients against central differences), the
 * answers for single profiles and pairs, scoring and the offset fit modulo the ambiguity, and
 * the engine's 1D paths that the PyTorch fixtures of test_nn_torch do not cover (ConvTranspose1d,
 * linear and nearest 1D upsampling, overlapping MaxPool1d) against values computed by PyTorch
 * (the script is in the comment above the arrays). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "methods/ambiguity.h"
#include "core/err.h"
#include "core/angles.h"
#include "image/imgproc.h"
#include "learn/mirror.h"
#include "nn/nn.h"
#include "synth/render.h"
#include "core/rng.h"
#include "nn/loss.h"

#define DEG (M_PI / 180.0)
#define N 64

/* profile of a k-gon (k = 0: disc) of circumradius 22 at theta, centred, along phi */
static void profile(int k, double theta, double phi, float *p)
{
	static float img[N * N];
	sr_shape s;
	sr_shape_init(&s);
	s.kind = k ? SR_SHAPE_POLYGON : SR_SHAPE_DISC;
	s.k = k;
	s.radius = 22;
	s.cx = s.cy = N / 2.0;
	s.theta = theta;
	memset(img, 0, sizeof img);
	ck_assert_int_eq(sr_render(&s, img, N, N), 0);
	ck_assert_int_eq(sr_project(img, N, N, phi, p, N), 0);
}

static double maxdiff(const float *a, const float *b, int rev)
{
	double m = 0;
	for (int i = 0; i < N; i++) {
		double d = fabs(a[i] - b[rev ? N - 1 - i : i]);
		if (d > m)
			m = d;
	}
	return m;
}

/* The mirror is an exact identity of single profiles (phi = 0, 90, 180, 270: the pixel grid is
 * itself mirror-symmetric, so equality holds to float rounding) and the ONLY one: on a 0.25
 * degree grid every other orientation more than 1 degree from theta and its mirror gives a
 * clearly different profile. */
START_TEST(single_profile_mirror)
{
	int k = _i + 3;
	double P = 360.0 / k;
	const double phis[] = {0, 90, 180, 270};
	sr_rng r;
	sr_rng_seed(&r, 100 + k);
	float p[N], q[N];
	for (int f = 0; f < 4; f++) {
		double phi = phis[f];
		for (int rep = 0; rep < 3; rep++) {
			double th = sr_rng_range(&r, 0, P);
			double m = sr_mirror(th, phi, P);
			if (sr_angerr(th, m, P) < 2.5)
				continue; /* near a fixed point: nothing to tell apart */
			profile(k, th, phi, p);
			profile(k, m, phi, q);
			ck_assert_msg(maxdiff(p, q, 0) < 2e-5, "k=%d phi=%g theta=%g: mirror differs by %g",
			              k, phi, th, maxdiff(p, q, 0));
			if (f)
				continue; /* the scan is slow enough once per k and theta */
			/* scale of a 1 degree change */
			profile(k, th + 1, phi, q);
			double d1 = maxdiff(p, q, 0);
			ck_assert_double_gt(d1, 1e-3);
			for (double t = 0; t < P; t += 0.25) {
				if (sr_angerr(t, th, P) < 1 || sr_angerr(t, m, P) < 1)
					continue;
				profile(k, t, phi, q);
				ck_assert_msg(maxdiff(p, q, 0) > 0.2 * d1,
				              "k=%d theta=%g: profile of %g too close (%g vs %g per degree)",
				              k, th, t, maxdiff(p, q, 0), d1);
			}
		}
	}
}
END_TEST

/* Along an oblique direction the mirror is exact for the continuous image only; the pixel
 * grid is not mirror-symmetric about the line, so the rendered profiles differ by aliasing.
 * Still, of all orientations on a 0.1 degree grid more than 1 degree from the mirror m, the
 * one whose profile is closest to m's is theta itself. */
START_TEST(single_profile_mirror_oblique)
{
	int k = _i + 3;
	double P = 360.0 / k, phi = 31;
	float p[N], q[N];
	double th = 0.37 * P + phi, m = sr_mirror(th, phi, P), best = 0, bd = INFINITY;
	profile(k, m, phi, p);
	for (double t = 0; t < P; t += 0.1) {
		if (sr_angerr(t, m, P) < 1) /* the mirror itself: trivially closest */
			continue;
		profile(k, t, phi, q);
		double d = maxdiff(p, q, 0);
		if (d < bd) {
			bd = d;
			best = t;
		}
	}
	ck_assert_msg(sr_angerr(best, th, P) < 0.3, "k=%d: best match %g, theta %g mirror %g", k,
	              best, th, m);
	/* and the truth itself is among the near-best: the mirror's profile is closer to theta's
	 * than to theta + 2 degrees' */
	profile(k, th, phi, q);
	double dt = maxdiff(p, q, 0);
	profile(k, th + 2, phi, q);
	ck_assert_double_lt(dt, maxdiff(p, q, 0));
}
END_TEST

/* A view of P profiles (two here) at phis, of the k-gon at theta, rows one after another. */
static void profiles(int k, double theta, const double *phis, int n, float *v)
{
	for (int j = 0; j < n; j++)
		profile(k, theta, phis[j], v + j * N);
}

/* Several profiles a view, verified with the renderer: angles 0 and 90 are blind to the
 * mirror for even k (the mirrored k-gon gives the same two profiles) and see it for odd k;
 * 0 and 15 see it for k = 3..6; sr_mirror_blind says the same.  The transforms of
 * sr_profile_group_of give the views of the turned and the mirrored particle. */
START_TEST(several_profiles)
{
	int k = _i + 3;
	double P = 360.0 / k, th = 0.31 * P + 2;
	const double a90[] = {0, 90}, a15[] = {0, 15};
	float v[2 * N], w[2 * N], t[2 * N];
	/* 0, 90: the mirror -theta (about phi_0 = 0) */
	profiles(k, th, a90, 2, v);
	profiles(k, -th, a90, 2, w);
	double d = fmax(maxdiff(v, w, 0), maxdiff(v + N, w + N, 0));
	ck_assert_int_eq(sr_mirror_blind(a90, 2, k), k % 2 == 0);
	if (k % 2 == 0)
		ck_assert_msg(d < 2e-5, "k=%d: 0,90 should be blind, differ by %g", k, d);
	else
		ck_assert_msg(d > 0.5, "k=%d: 0,90 should see the mirror, differ by %g", k, d);
	/* 0, 15: never blind for k = 3..6; the 15-degree profile tells the mirror */
	ck_assert_int_eq(sr_mirror_blind(a15, 2, k), 0);
	profile(k, th, 15, v);
	profile(k, -th, 15, w);
	ck_assert_msg(maxdiff(v, w, 0) > 0.5, "k=%d: 0,15 blind (%g)", k, maxdiff(v, w, 0));

	/* the transforms: 0, 90 has the mirror in phi_0 (profile 90 reversed); 0, 15 the mirror
	 * in 7.5 (the two profiles swapped) */
	sr_profile_group g;
	const double *sets[] = {a90, a15};
	for (int set = 0; set < 2; set++) {
		sr_profile_group_of(sets[set], 2, &g);
		ck_assert_int_eq(g.n, 4);
		ck_assert_double_eq_tol(g.axis, set ? 7.5 : 0, 1e-12);
		profiles(k, th, sets[set], 2, v);
		for (int j = 1; j < 4; j++) {
			sr_profile_transform(&g, j, v, 2, N, t);
			double want = sr_profile_transform_angle(&g, j, th); /* phi_0 = 0 */
			profiles(k, want, sets[set], 2, w);
			double e = fmax(maxdiff(t, w, 0), maxdiff(t + N, w + N, 0));
			if (!set) { /* exact on the pixel grid at 0 and 90 */
				ck_assert_msg(e < 2e-4, "k=%d transform %d: %g", k, j, e);
				continue;
			}
			/* at 15 degrees the pixel grid is not symmetric about the line (aliasing, as in
			 * single_profile_mirror_oblique): of all orientations on a 0.25 degree grid, the
			 * one whose view is closest to the transformed view is the expected angle */
			double best = 0, bd = INFINITY;
			for (double a = 0; a < P; a += 0.25) {
				profiles(k, a, sets[set], 2, w);
				double dd = fmax(maxdiff(t, w, 0), maxdiff(t + N, w + N, 0));
				if (dd < bd)
					bd = dd, best = a;
			}
			ck_assert_msg(sr_angerr(best, want, P) < 0.6, "k=%d transform %d: best %g, want %g",
			              k, j, best, sr_wrap(want, P));
		}
		ck_assert_int_eq(sr_profile_transform_sign(2), -1);
		ck_assert_int_eq(sr_profile_transform_sign(1), 1);
	}
	/* a set with no mirror of its own: only the turn */
	const double odd[] = {0, 15, 50};
	sr_profile_group_of(odd, 3, &g);
	ck_assert_int_eq(g.n, 2);
	/* the angle list of a record */
	double phi[SR_MAX_PROFILES];
	ck_assert_int_eq(sr_parse_angle_list("0,15,-100.5", phi), 3);
	ck_assert_double_eq(phi[2], -100.5);
	ck_assert_int_lt(sr_parse_angle_list("0,,3", phi), 0);
	ck_assert_int_lt(sr_parse_angle_list("0,x", phi), 0);
	ck_assert_int_lt(sr_parse_angle_list("0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", phi), 0);
}
END_TEST

/* A pair (theta, theta + Delta): the mirror candidate's view B is the profile of theta - Delta,
 * different unless 2 Delta = 0 mod P; at Delta = P/2 the pair is no help. */
START_TEST(pair_resolves_mirror)
{
	int k = _i + 3;
	double P = 360.0 / k, phi = 0;
	float pb[N], qb[N], pa[N];
	profile(k, 0.3 * P, phi, pa);
	const double deltas[] = {5, 10, 20, -15};
	for (int j = 0; j < 4; j++) {
		double D = deltas[j];
		if (sr_angerr(2 * D, 0, P) < 4)
			continue;
		double th = 0.3 * P, m = sr_mirror(th, phi, P);
		profile(k, th + D, phi, pb);
		profile(k, m + D, phi, qb);
		ck_assert_int_eq(sr_ambiguity_of(SR_LAYOUT_PROFILE, 2, k, D), SR_AMB_NONE);
		ck_assert_msg(maxdiff(pb, qb, 0) > 1e-3, "k=%d Delta=%g: pair not resolved", k, D);
		ck_assert_double_gt(maxdiff(pa, pb, 0), 1e-3); /* B is not A either */
	}
	/* the degenerate offset */
	double D = P / 2, th = 0.3 * P, m = sr_mirror(th, phi, P);
	profile(k, th + D, phi, pb);
	profile(k, m + D, phi, qb);
	ck_assert_double_lt(maxdiff(pb, qb, 0), 2e-5);
	ck_assert_int_eq(sr_ambiguity_of(SR_LAYOUT_PROFILE, 2, k, D), SR_AMB_MIRROR);
	ck_assert_int_eq(sr_ambiguity_of(SR_LAYOUT_PROFILE, 1, k, NAN), SR_AMB_MIRROR);
	ck_assert_int_eq(sr_ambiguity_of(SR_LAYOUT_IMAGE, 1, k, NAN), SR_AMB_NONE);
}
END_TEST

/* Reversal: p_theta(-s) = p_{theta + 180}(s).  Even k: every profile symmetric.  Odd k: the
 * reversed profile is that of theta + P/2, symmetric only at theta = phi + P/4 (mod P/2). */
START_TEST(reversal)
{
	int k = _i + 3;
	double P = 360.0 / k;
	float p[N], q[N];
	double th = 0.21 * P;
	profile(k, th, 0, p);
	if (k % 2 == 0) {
		ck_assert_double_lt(maxdiff(p, p, 1), 2e-5);
	} else {
		ck_assert_double_gt(maxdiff(p, p, 1), 1e-3);
		profile(k, th + P / 2, 0, q);
		ck_assert_double_lt(maxdiff(p, q, 1), 2e-5);
		profile(k, P / 4, 0, q);
		ck_assert_double_lt(maxdiff(q, q, 1), 2e-5);
	}
}
END_TEST

START_TEST(disc)
{
	float p[N], q[N];
	profile(0, 0, 0, p);
	profile(0, 0, 90, q);
	ck_assert_double_lt(maxdiff(p, q, 0), 2e-5);
	ck_assert_double_lt(maxdiff(p, p, 1), 2e-5);
	ck_assert_int_eq(sr_ambiguity_of(SR_LAYOUT_PROFILE, 2, 0, 10), SR_AMB_ALL);
	ck_assert_int_eq(sr_ambiguity_of(SR_LAYOUT_IMAGE, 1, 0, NAN), SR_AMB_ALL);
	ck_assert_double_eq(sr_amb_err(12, 40, 90, SR_AMB_ALL, 0), 0);
}
END_TEST

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The classical baseline: the k-th moment of a clean profile gives the folded angle.  It is
 * ill-conditioned near the fold (psi = 0, P/2, where cos k psi is flat) and b_k shrinks with
 * k (the polygon approaches the disc): beyond k = 6 (median errors of 2 to 11 degrees on
 * clean profiles) only the range is checked. */
START_TEST(moment_baseline)
{
	int k = _i + 3;
	double P = 360.0 / k, e[21];
	float p[N];
	sr_rng r;
	sr_rng_seed(&r, 40 + k);
	for (int rep = 0; rep < 21; rep++) {
		double th = sr_rng_range(&r, 0, P), f;
		profile(k, th, 0, p);
		ck_assert_int_eq(sr_profile_moment_angle(p, N, k, &f), 0);
		ck_assert(f >= 0 && f <= P / 2);
		e[rep] = sr_amb_err(f, th, P, SR_AMB_MIRROR, 0);
	}
	qsort(e, 21, sizeof *e, cmp_d);
	ck_assert_msg(k > 6 || e[10] < 1.5, "k=%d: median folded error %g", k, e[10]);
	ck_assert_msg(k > 6 || e[20] < 2.5, "k=%d: worst folded error %g", k, e[20]);
	float flat[N] = {0};
	double f;
	ck_assert_int_eq(sr_profile_moment_angle(flat, N, k, &f), SR_NO_SIGNAL);
	ck_assert_int_eq(sr_profile_moment_angle(p, N, 2, &f), -1);
}
END_TEST

/* folded ideal head k of angle psi: (cos k psi, |sin k psi|) scaled by mag */
static void ideal(float *u, int K, double psi, double mag, int sign)
{
	for (int k = 1; k <= K; k++) {
		u[2 * (k - 1)] = (float)(mag * cos(k * psi * DEG));
		u[2 * (k - 1) + 1] = (float)(mag * (sign ? fabs(sin(k * psi * DEG)) : sin(k * psi * DEG)));
	}
}

START_TEST(pair_loss_quotient)
{
	enum { K = 6 };
	float ua[2 * K], ub[2 * K];
	sr_rng r;
	sr_rng_seed(&r, 7);
	for (int rep = 0; rep < 50; rep++) {
		double psi = sr_rng_range(&r, -180, 180), D = sr_rng_range(&r, -40, 40);
		ideal(ua, K, psi, 1.7, 1);
		ideal(ub, K, psi + D, 0.6, 1);
		double ph[K], ph2[K];
		double L = sr_pair_loss_mirror(ua, ub, K, D, NULL, 1, ph, NULL, NULL);
		ck_assert_double_lt(L, 1e-8);
		/* the plain loss cannot be zero on folded outputs unless the signs happen to agree */
		/* invariance under the mirror of either view, head by head */
		for (int k = 0; k < K; k++)
			if (sr_rng_uniform(&r) < 0.5)
				ua[2 * k + 1] = -ua[2 * k + 1];
		sr_pair_loss_mirror(ua, ub, K, D, NULL, 1, ph2, NULL, NULL);
		for (int k = 0; k < K; k++)
			ck_assert_double_lt(fabs(ph[k] - ph2[k]), 1e-9);
	}
	/* inconsistent pairs are penalised: psi and psi + D vs a wrong B */
	ideal(ua, K, 20, 1, 1);
	ideal(ub, K, 20 + 30, 1, 1);
	double ph[K];
	sr_pair_loss_mirror(ua, ub, K, 10, NULL, 1, ph, NULL, NULL);
	ck_assert_double_gt(ph[0], 0.01);
	ck_assert_double_gt(ph[3], 0.01);
}
END_TEST

/* central differences of a function of the 2K + 2K outputs */
static void check_grad(int target)
{
	enum { K = 4 };
	sr_rng r;
	sr_rng_seed(&r, 11 + target);
	for (int rep = 0; rep < 20; rep++) {
		float u[4 * K], g[4 * K];
		for (int i = 0; i < 4 * K; i++)
			u[i] = (float)sr_rng_normal(&r);
		double w[K] = {1, 0.5, 2, 1}, D = sr_rng_range(&r, -50, 50), th = sr_rng_range(&r, 0, 360);
		memset(g, 0, sizeof g);
		if (target)
			sr_target_loss_mirror(u, K, th, NULL, 0.7, g);
		else
			sr_pair_loss_mirror(u, u + 2 * K, K, D, w, 0.7, NULL, g, g + 2 * K);
		for (int i = 0; i < 4 * K; i++) {
			if (target && i >= 2 * K)
				break;
			float save = u[i];
			const float h = 1e-3f;
			u[i] = save + h;
			double lp = target ? sr_target_loss_mirror(u, K, th, NULL, 1, NULL)
			                   : sr_pair_loss_mirror(u, u + 2 * K, K, D, w, 1, NULL, NULL, NULL);
			u[i] = save - h;
			double lm = target ? sr_target_loss_mirror(u, K, th, NULL, 1, NULL)
			                   : sr_pair_loss_mirror(u, u + 2 * K, K, D, w, 1, NULL, NULL, NULL);
			u[i] = save;
			double num = 0.7 * (lp - lm) / (2 * h);
			ck_assert_msg(fabs(num - g[i]) < 2e-3 * (1 + fabs(num)),
			              "%s: output %d: analytic %g numeric %g", target ? "target" : "pair", i,
			              g[i], num);
		}
	}
}

START_TEST(pair_loss_gradient) { check_grad(0); }
END_TEST

START_TEST(target_loss_quotient)
{
	enum { K = 6 };
	float u[2 * K], g[2 * K];
	for (int s = 0; s < 2; s++) {
		ideal(u, K, -37 * (s ? 1 : -1), 2, 0); /* exactly theta or its mirror */
		ck_assert_double_lt(sr_target_loss_mirror(u, K, 37, NULL, 1, NULL), 1e-8);
	}
	ck_assert_double_gt(sr_target_loss(u, K, 37, NULL, 1, NULL), 0.1);
	memset(g, 0, sizeof g);
	unsigned char use[K] = {0, 0, 1, 0, 0, 1};
	ideal(u, K, 50, 1, 0);
	double L = sr_target_loss_mirror(u, K, 10, use, 1, g);
	ck_assert_double_gt(L, 0.01);
	for (int k = 0; k < K; k++)
		if (!use[k])
			ck_assert(g[2 * k] == 0 && g[2 * k + 1] == 0);
	check_grad(1);
}
END_TEST

START_TEST(answers)
{
	sr_prediction o;
	sr_rng r;
	sr_rng_seed(&r, 3);
	for (int k = 3; k <= 12; k++) {
		double P = 360.0 / k;
		for (int rep = 0; rep < 40; rep++) {
			double phi = rep % 2 ? 0 : 90, th = sr_rng_range(&r, 0, P);
			double D = sr_rng_range(&r, 3, P / 2 - 3) * (rep % 3 ? 1 : -1);
			double psi = th - phi;
			/* network frame head angles: either sign, any wrap */
			double fa = (sr_rng_uniform(&r) < 0.5 ? 1 : -1) * psi + P * 3;
			double fb = (sr_rng_uniform(&r) < 0.5 ? 1 : -1) * (psi + D) - P;
			memset(&o, 0, sizeof o);
			sr_mirror_answer(fa, NAN, NAN, phi, k, 2, &o, NULL);
			ck_assert_int_eq(o.ambiguity, SR_AMB_MIRROR);
			ck_assert_double_eq(o.conf2, 0.5);
			ck_assert_double_lt(fmin(sr_angerr(o.angle, th, P), sr_angerr(o.angle2, th, P)),
			                    1e-9);
			ck_assert_double_lt(sr_amb_err(o.angle, th, P, SR_AMB_MIRROR, phi), 1e-9);
			double agree;
			sr_mirror_answer(fa, fb, D, phi, k, 2, &o, &agree);
			ck_assert_double_lt(agree, 1e-9);
			ck_assert_int_eq(o.ambiguity, SR_AMB_NONE);
			ck_assert_msg(sr_angerr(o.angle, th, P) < 1e-9, "k=%d th=%g D=%g: got %g", k, th, D,
			              o.angle);
			ck_assert_double_lt(sr_angerr(o.angle2, sr_mirror(th, phi, P), P), 1e-9);
			if (sr_angerr(th, sr_mirror(th, phi, P), P) > 2 * 4 &&
			    sr_angerr(2 * D, 0, P) > 2 * 4)
				ck_assert_double_lt(o.conf2, 0.01);
			/* noisy head angles: the wrong signs disagree by 2 psi, 2 Delta or 2 (psi + Delta)
			 * (mod P), so with those above 3 degrees, errors of 0.5 still pick the right ones */
			sr_mirror_answer(fa + 0.5, fb - 0.5, D, phi, k, 2, &o, &agree);
			if (fmin(fmin(sr_angerr(2 * psi, 0, P), sr_angerr(2 * D, 0, P)),
			         sr_angerr(2 * (psi + D), 0, P)) > 3)
				ck_assert_double_lt(sr_angerr(o.angle, th, P), 0.5 + 1e-9);
		}
		/* degenerate offset */
		sr_mirror_answer(10, 10 + P / 2, P / 2, 0, k, 2, &o, NULL);
		ck_assert_int_eq(o.ambiguity, SR_AMB_MIRROR);
	}
}
END_TEST

START_TEST(scoring_and_offsets)
{
	double P = 90;
	/* single profile: the mirror candidate scores as right, a third angle does not */
	ck_assert_double_lt(sr_amb_err(sr_mirror(30, 0, P), 30, P, SR_AMB_MIRROR, 0), 1e-12);
	ck_assert_double_eq_tol(sr_amb_err(60, 30, P, SR_AMB_NONE, 0), 30, 1e-12);
	ck_assert_double_eq_tol(sr_amb_err(35, 30, P, SR_AMB_MIRROR, 0), 5, 1e-12);
	ck_assert_double_eq_tol(sr_amb_err(65 + 90, 30, P, SR_AMB_MIRROR, 45), 5, 1e-12);
	/* the gauge of a folded model is 0 or P/2: estimates phi + fold(psi + P/2) */
	double a[200], t[200], phi[200];
	sr_rng r;
	sr_rng_seed(&r, 5);
	for (int i = 0; i < 200; i++) {
		t[i] = sr_rng_range(&r, 0, P);
		phi[i] = i % 2 ? 0 : 90;
		double f = fabs(sr_angdiff(t[i] - phi[i] + P / 2, 0, P));
		a[i] = sr_wrap(phi[i] + f + sr_rng_normal(&r) * 0.3, P);
	}
	double o = sr_amb_fit_offset(a, t, phi, 200, P, SR_AMB_MIRROR);
	ck_assert_double_eq(o, P / 2);
	double s = 0;
	for (int i = 0; i < 200; i++)
		s += sr_amb_err(sr_amb_shift(a[i], o, phi[i], P, SR_AMB_MIRROR), t[i], P, SR_AMB_MIRROR,
		                phi[i]);
	ck_assert_double_lt(s / 200, 0.5);
	ck_assert_str_eq(sr_ambiguity_name(SR_AMB_MIRROR), "mirror");
	ck_assert_int_eq(sr_ambiguity_from_name("none"), SR_AMB_NONE);
	ck_assert_int_eq(sr_ambiguity_from_name("bogus"), -1);
	ck_assert_int_eq(sr_ambiguity_from_name(NULL), -1);
}
END_TEST

/* PyTorch reference (float64) made by this script:
 * # PyTorch reference for the 1D paths the fixtures do not cover (convt1d, linear and nearest
 * # upsampling in 1D, maxpool1d with stride < kernel): prints C arrays for test_ambiguity.c.
 * import math, torch, torch.nn as nn, torch.nn.functional as F
 * torch.set_default_dtype(torch.float64)
 * N, C, L = 2, 2, 6
 * x = torch.tensor([math.cos(0.37 * j) for j in range(N * C * L)]).reshape(N, C, L).requires_grad_()
 * ct = nn.ConvTranspose1d(2, 3, 4, stride=2)
 * cv = nn.Conv1d(3, 2, 3, padding=1)
 * params = [ct.weight, ct.bias, cv.weight, cv.bias]
 * i = 0
 * with torch.no_grad():
 *     for p in params:
 *         flat = p.view(-1)
 *         for j in range(flat.numel()):
 *             flat[j] = 0.3 * math.sin(0.7 * i + 0.1); i += 1
 * def fwd(x):
 *     y = torch.tanh(ct(x))
 *     y = F.interpolate(y, scale_factor=2, mode='linear', align_corners=False)
 *     y = cv(y)
 *     y = F.max_pool1d(y, 3, stride=2)
 *     y = F.interpolate(y, scale_factor=3, mode='nearest')
 *     return F.gelu(y)
 * y = fwd(x)
 * w = torch.tensor([math.sin(0.1 * j) for j in range(y.numel())]).reshape(y.shape)
 * (y * w).sum().backward()
 * def arr(name, t):
 *     v = t.detach().reshape(-1).tolist()
 *     print("static const double %s[%d] = {" % (name, len(v)))
 *     for a in range(0, len(v), 6):
 *         print("\t" + " ".join("%.12g," % q for q in v[a:a + 6]))
 *     print("};")
 * print("(out shape)", tuple(y.shape))
 * arr("T1D_OUT", y)
 * arr("T1D_GIN", x.grad)
 * arr("T1D_GPAR", torch.cat([p.grad.reshape(-1) for p in params]))
 */
/* (out shape) (2, 2, 39) */
static const double T1D_OUT[156] = {
	0.137304606295, 0.137304606295, 0.137304606295, 0.13307817045, 0.13307817045, 0.13307817045,
	0.168071224601, 0.168071224601, 0.168071224601, 0.121045649138, 0.121045649138, 0.121045649138,
	0.15576751879, 0.15576751879, 0.15576751879, 0.133042514801, 0.133042514801, 0.133042514801,
	0.141464618443, 0.141464618443, 0.141464618443, 0.123186448901, 0.123186448901, 0.123186448901,
	0.103799301574, 0.103799301574, 0.103799301574, 0.0924957509859, 0.0924957509859, 0.0924957509859,
	0.0519444634629, 0.0519444634629, 0.0519444634629, 0.0519444634629, 0.0519444634629, 0.0519444634629,
	0.0275829279829, 0.0275829279829, 0.0275829279829, 0.267566901665, 0.267566901665, 0.267566901665,
	0.264258650871, 0.264258650871, 0.264258650871, 0.309561849552, 0.309561849552, 0.309561849552,
	0.255511376623, 0.255511376623, 0.255511376623, 0.295085619411, 0.295085619411, 0.295085619411,
	0.269587680667, 0.269587680667, 0.269587680667, 0.277384480602, 0.277384480602, 0.277384480602,
	0.256906088254, 0.256906088254, 0.256906088254, 0.231251012499, 0.231251012499, 0.231251012499,
	0.218516757329, 0.218516757329, 0.218516757329, 0.16719115606, 0.16719115606, 0.16719115606,
	0.16719115606, 0.16719115606, 0.16719115606, 0.136780931695, 0.136780931695, 0.136780931695,
	-0.0101392047318, -0.0101392047318, -0.0101392047318, -0.0886947665614, -0.0886947665614, -0.0886947665614,
	-0.0758717662599, -0.0758717662599, -0.0758717662599, -0.0222959751128, -0.0222959751128, -0.0222959751128,
	-0.0222959751128, -0.0222959751128, -0.0222959751128, 0.000675636493685, 0.000675636493685, 0.000675636493685,
	0.00266429382414, 0.00266429382414, 0.00266429382414, 0.0251279946513, 0.0251279946513, 0.0251279946513,
	0.0591120235976, 0.0591120235976, 0.0591120235976, 0.0460121433672, 0.0460121433672, 0.0460121433672,
	0.110294531883, 0.110294531883, 0.110294531883, 0.0951923170681, 0.0951923170681, 0.0951923170681,
	0.00494119158588, 0.00494119158588, 0.00494119158588, 0.0912990738529, 0.0912990738529, 0.0912990738529,
	-0.0162848564823, -0.0162848564823, -0.0162848564823, -0.000349741842104, -0.000349741842104, -0.000349741842104,
	0.0724435039969, 0.0724435039969, 0.0724435039969, 0.0724435039969, 0.0724435039969, 0.0724435039969,
	0.102886801946, 0.102886801946, 0.102886801946, 0.106214747973, 0.106214747973, 0.106214747973,
	0.134701183193, 0.134701183193, 0.134701183193, 0.178040655572, 0.178040655572, 0.178040655572,
	0.161437544394, 0.161437544394, 0.161437544394, 0.241035161149, 0.241035161149, 0.241035161149,
	0.224513095499, 0.224513095499, 0.224513095499, 0.112797950626, 0.112797950626, 0.112797950626,
};
static const double T1D_GIN[24] = {
	-0.398830750789, -0.348012220931, -0.173396777402, 0.114577162681, 0.200317230045, 0.371410510195,
	0.673558349674, 0.232399224755, -0.240492930371, -0.638897907555, -0.658674749653, -0.605544857449,
	-0.299459399376, -0.0330531236427, 0.0946450787729, 0.332398759893, 0.407474056536, -0.0823811177331,
	0.0369285550201, -0.440782041784, -0.418201394359, -0.491106997233, -0.163363685342, 0.262803757938,
};
static const double T1D_GPAR[47] = {
	0.853802270703, -0.795681026982, 0.617538136698, 0.59450965847, -0.65912226728, 0.25129139976,
	0.334273557755, -0.0894531513161, -0.424461726569, 0.471623459579, -0.909084663928, -0.478709320205,
	0.139093056137, -0.645916073384, 0.370504714644, -1.79290814675, -0.394413587329, 0.456913256062,
	-1.02834543439, 0.676788830662, 0.186009068053, 0.114154552545, 0.428332749283, 0.994776518136,
	6.09800051673, 1.40626927922, -7.79424599923, -1.38543327524, -0.566231609242, -0.0373895076739,
	-0.779065089717, -2.52569767737, -3.03678120489, -2.64555794522, -1.18255110211, -0.690122990665,
	-1.1006929923, -1.40185348548, -1.87324361744, -2.62514112079, -1.31150337942, -0.876958222255,
	1.21708314087, -0.0610940556409, -0.425661621667, 7.39840240573, 3.67955026075,
};

#define T1D_SPEC "convt 3 4 stride 2; tanh; upsample 2 bilinear; conv 2 3 same; maxpool 3 stride 2; " \
	"upsample 3; gelu"

static void torch_1d(int reference)
{
	sr_nn_reference = reference;
	sr_net *net = sr_net_create(T1D_SPEC, 2, 1, 6, 0, 2);
	ck_assert_ptr_nonnull(net);
	int c, h, w;
	sr_net_out_shape(net, &c, &h, &w);
	ck_assert(c == 2 && h == 1 && w == 39);
	ck_assert_int_eq((int)sr_net_nparams(net), 47);
	float *par = sr_net_params(net);
	for (int i = 0; i < 47; i++)
		par[i] = (float)(0.3 * sin(0.7 * i + 0.1));
	float x[24], dout[156];
	for (int j = 0; j < 24; j++)
		x[j] = (float)cos(0.37 * j);
	for (int j = 0; j < 156; j++)
		dout[j] = (float)sin(0.1 * j);
	ck_assert_int_eq(sr_net_forward(net, x, 2, 0, 0), 0);
	const float *y = sr_net_output(net);
	for (int j = 0; j < 156; j++)
		ck_assert_msg(fabs(y[j] - T1D_OUT[j]) < 1e-5, "output %d: %g vs torch %g", j, y[j],
		              T1D_OUT[j]);
	sr_net_zero_grad(net);
	ck_assert_int_eq(sr_net_backward(net, dout), 0);
	const float *gi = sr_net_input_grad(net), *gp = sr_net_grads(net);
	for (int j = 0; j < 24; j++)
		ck_assert_msg(fabs(gi[j] - T1D_GIN[j]) < 1e-4 * (1 + fabs(T1D_GIN[j])),
		              "input grad %d: %g vs torch %g", j, gi[j], T1D_GIN[j]);
	for (int j = 0; j < 47; j++)
		ck_assert_msg(fabs(gp[j] - T1D_GPAR[j]) < 1e-4 * (1 + fabs(T1D_GPAR[j])),
		              "param grad %d: %g vs torch %g", j, gp[j], T1D_GPAR[j]);
	sr_net_free(net);
	sr_nn_reference = 0;
}

START_TEST(torch_1d_fast) { torch_1d(0); }
END_TEST

START_TEST(torch_1d_reference) { torch_1d(1); }
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("ambiguity");
	TCase *tc = tcase_create("projections");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, single_profile_mirror, 0, 10);
	tcase_add_loop_test(tc, single_profile_mirror_oblique, 0, 10);
	tcase_add_loop_test(tc, pair_resolves_mirror, 0, 10);
	tcase_add_loop_test(tc, reversal, 0, 10);
	tcase_add_loop_test(tc, several_profiles, 0, 4);
	tcase_add_test(tc, disc);
	tcase_add_loop_test(tc, moment_baseline, 0, 10);
	suite_add_tcase(s, tc);
	TCase *tl = tcase_create("losses_and_answers");
	tcase_set_timeout(tl, 120);
	tcase_add_test(tl, pair_loss_quotient);
	tcase_add_test(tl, pair_loss_gradient);
	tcase_add_test(tl, target_loss_quotient);
	tcase_add_test(tl, answers);
	tcase_add_test(tl, scoring_and_offsets);
	tcase_add_test(tl, torch_1d_fast);
	tcase_add_test(tl, torch_1d_reference);
	suite_add_tcase(s, tl);
	return s;
}
