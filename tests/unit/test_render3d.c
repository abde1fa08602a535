/* test_render3d: the thickness and atoms images of the 3D particles: the image integral is
 * the volume, the projection ambiguity, the screen directions, tilt pairs, metadata. */
#include "check_main.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/quat.h"
#include "core/rng.h"
#include "core/solid.h"
#include "io/record.h"
#include "synth/atoms.h"
#include "synth/particle.h"
#include "synth/render3d.h"

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

START_TEST(chord_integral_is_the_volume)
{
	sr_rng r;
	sr_rng_seed(&r, 21);
	static float img[W * H];
	for (int id = 1; id <= SR_SOLID_COUNT; id++) {
		const sr_solid *s = sr_solid_get(id);
		double worst = 0;
		for (int t = 0; t < 100; t++) {
			double q[4];
			sr_quat_haar(&r, q);
			double rad = sr_rng_range(&r, 3, 22), in = sr_rng_range(&r, 0.5, 2);
			memset(img, 0, sizeof img);
			ck_assert_int_eq(sr_render_thickness(s, q, rad, W / 2.0 + sr_rng_range(&r, -8, 8),
			                                     H / 2.0 + sr_rng_range(&r, -8, 8), in, img, W, H), 0);
			/* values are chords in units of the diameter: the integral is V / (2 radius) */
			double want = in * s->volume * rad * rad * rad / (2 * rad);
			worst = fmax(worst, fabs(image_sum(img, W * H) - want) / want);
			int bad = 0;
			for (int i = 0; i < W * H; i++)
				bad += !(img[i] >= 0 && img[i] <= in * (1 + 1e-6));
			ck_assert_int_eq(bad, 0);
		}
		printf("%s: 100 random poses, max relative volume error %.3g\n", s->name, worst);
		ck_assert_msg(worst < 1e-5, "%s: relative volume error %g", s->name, worst);
	}
}
END_TEST

START_TEST(chord_along_the_cube_diagonal)
{
	/* A cube of edge 2 seen along its body diagonal has a chord of 2 sqrt 3 on the axis.
	 * With a huge radius the four pixels at the centre average the chord over a tiny area. */
	const sr_solid *c = sr_solid_get(SR_SOLID_CUBE);
	double axis[3] = {1, -1, 0}, q[4];
	sr_quat_axis_angle(axis, acos(1 / sqrt(3.0)) * 180 / M_PI, q); /* (1,1,1) onto +z */
	float img[4 * 4] = {0};
	double rad = 1e4; /* edge 2 rad / sqrt 3, chord 2 rad: one diameter */
	ck_assert_int_eq(sr_render_thickness(c, q, rad, 2, 2, 1, img, 4, 4), 0);
	for (int r = 1; r <= 2; r++)
		for (int k = 1; k <= 2; k++)
			ck_assert_double_eq_tol(img[r * 4 + k], 1, 1e-3);
	/* face on (identity): constant chord of one edge, 2 / sqrt 3 of the diameter */
	double one[4] = {1, 0, 0, 0};
	memset(img, 0, sizeof img);
	ck_assert_int_eq(sr_render_thickness(c, one, rad, 2, 2, 1, img, 4, 4), 0);
	for (int i = 0; i < 16; i++)
		ck_assert_double_eq_tol(img[i], 1 / sqrt(3.0), 1e-6);
}
END_TEST

START_TEST(twin_orientation_renders_the_same_image)
{
	sr_rng r;
	sr_rng_seed(&r, 22);
	static float a[W * H], b[W * H];
	for (int id = 1; id <= SR_SOLID_COUNT; id++) {
		const sr_solid *s = sr_solid_get(id);
		if (!s->has_twin)
			continue;
		for (int t = 0; t < 20; t++) {
			double q[4], tw[4];
			sr_quat_haar(&r, q);
			sr_solid_twin(s, q, tw);
			memset(a, 0, sizeof a);
			memset(b, 0, sizeof b);
			sr_render_thickness(s, q, 18, 31.3, 32.6, 1, a, W, H);
			sr_render_thickness(s, tw, 18, 31.3, 32.6, 1, b, W, H);
			ck_assert_msg(max_abs_diff(a, b, W * H) < 1e-5, "%s: twin image differs by %g",
			              s->name, max_abs_diff(a, b, W * H));
			ck_assert(sr_quat_angle_mod(q, tw, (const double(*)[4])s->g, s->ng) > 0.5);
		}
	}
}
END_TEST

START_TEST(turn_about_z_is_counterclockwise_on_screen)
{
	/* 90 degrees about z takes +x to +y, up on screen: the image turns counterclockwise,
	 * img90[W-1-c][r] = img[r][c] about the image centre (pixel centres at c - (W-1)/2) */
	const sr_solid *s = sr_solid_get(SR_SOLID_CONTROL);
	static float a[W * H], b[W * H];
	double q0[4], q90[4], zq[4], ax[3] = {0.3, -0.5, 0.8}, z[3] = {0, 0, 1};
	sr_quat_axis_angle(ax, 40, q0);
	sr_quat_axis_angle(z, 90, zq);
	sr_quat_mul(zq, q0, q90);
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	sr_render_thickness(s, q0, 20, W / 2.0, H / 2.0, 1, a, W, H);
	sr_render_thickness(s, q90, 20, W / 2.0, H / 2.0, 1, b, W, H);
	double worst = 0;
	for (int r = 0; r < H; r++)
		for (int c = 0; c < W; c++)
			worst = fmax(worst, fabs(b[(W - 1 - c) * W + r] - a[r * W + c]));
	ck_assert_msg(worst < 1e-5, "rotated image differs by %g", worst);
	/* and a particle moved to lab +y (cy smaller) is in the upper rows */
	const sr_solid *cube = sr_solid_get(SR_SOLID_CUBE);
	memset(a, 0, sizeof a);
	double one[4] = {1, 0, 0, 0};
	sr_render_thickness(cube, one, 5, W / 2.0, 10, 1, a, W, H);
	ck_assert(a[10 * W + 32] > 0.5 && a[54 * W + 32] == 0);
}
END_TEST

START_TEST(view_b_is_the_tilted_particle)
{
	/* stereopair's B equals the particle rendered directly at R_y(delta) R_A, with R_y
	 * written out as a matrix here */
	sr_rng r;
	sr_rng_seed(&r, 23);
	sr_record rec;
	sr_record_init(&rec);
	for (int id = 1; id <= SR_SOLID_COUNT; id++) {
		sr_particle p;
		sr_particle_init(&p);
		p.solid = id;
		sr_quat_haar(&r, p.q);
		p.radius = 17;
		p.cx = 30.2;
		p.cy = 33.9;
		ck_assert_int_eq(sr_particle_record(&rec, &p, W, H, "x"), 0);
		double delta = sr_rng_range(&r, -30, 30);
		ck_assert_int_eq(sr_pair_tilt(&rec, delta, 0, 0.7, -0.4), 0);
		ck_assert_int_eq(rec.views, 2);
		double c = cos(delta * M_PI / 180), s = sin(delta * M_PI / 180);
		double Ry[9] = {c, 0, s, 0, 1, 0, -s, 0, c}, RA[9], RB[9];
		sr_quat_to_mat(p.q, RA);
		sr_mat_mul(Ry, RA, RB);
		sr_particle b = p;
		sr_mat_to_quat(RB, b.q);
		b.cx += 0.7;
		b.cy -= 0.4;
		static float direct[W * H];
		memset(direct, 0, sizeof direct);
		ck_assert_int_eq(sr_particle_render(&b, direct, W, H), 0);
		ck_assert(max_abs_diff(direct, sr_record_view(&rec, 1), W * H) < 1e-5);
		/* sr_pair_tilt_quat gives the same tilt back from the metadata */
		double t[4], qb[4];
		ck_assert_int_eq(sr_pair_tilt_quat(&rec.meta, t), 0);
		sr_quat_mul(t, p.q, qb);
		ck_assert(sr_quat_angle(qb, b.q) < 1e-6);
		/* a pair cannot be made again, and a disturbed view A is refused */
		ck_assert_int_eq(sr_pair_tilt(&rec, 5, 0, 0, 0), -1);
	}
	sr_particle p;
	sr_particle_init(&p);
	ck_assert_int_eq(sr_particle_record(&rec, &p, W, H, "x"), 0);
	rec.data[32 * W + 32] += 0.5f;
	ck_assert_int_eq(sr_pair_tilt(&rec, 5, 0, 0, 0), -1);
	ck_assert(strstr(sr_errmsg(), "view A differs"));
	sr_record_free(&rec);
}
END_TEST

START_TEST(metadata_round_trip_and_bad_metadata)
{
	sr_rng r;
	sr_rng_seed(&r, 24);
	sr_particle_spec spec;
	sr_particle_spec_default(&spec, W, H);
	spec.nsolid = SR_SOLID_COUNT;
	for (int i = 0; i < SR_SOLID_COUNT; i++)
		spec.solids[i] = i + 1;
	sr_record rec;
	sr_record_init(&rec);
	for (int model = SR_MODEL_THICKNESS; model <= SR_MODEL_ATOMS; model++) {
		spec.model = model;
		for (int t = 0; t < 16; t++) {
			sr_particle p, back;
			ck_assert_int_eq(sr_particle_draw(&spec, &r, &p), 0);
			ck_assert(p.q[0] >= 0 && p.radius >= 12 && p.radius <= 22);
			ck_assert_int_eq(sr_particle_record(&rec, &p, W, H, "x"), 0);
			ck_assert_int_eq(sr_particle_from_meta(&rec.meta, &back), 0);
			static float again[W * H];
			memset(again, 0, sizeof again);
			ck_assert_int_eq(sr_particle_render(&back, again, W, H), 0);
			ck_assert(memcmp(again, rec.data, sizeof again) == 0);
		}
	}
	sr_particle p;
	sr_particle_init(&p);
	sr_particle_record(&rec, &p, W, H, "x");
	sr_meta m;
	sr_meta_init(&m);
	struct { const char *key, *val, *msg; } bad[] = {
		{"shape", "dodecahedron", "not a solid"},
		{"group", "I", "group 'I' is not the cube's"},
		{"model", "pixels", "model 'pixels'"},
		{"qw", "0.5", "not of unit length"},
		{"qx", "abc", "qx"},
		{"radius", "-3", "radius"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sr_meta_copy(&m, &rec.meta);
		sr_meta_set(&m, bad[i].key, "%s", bad[i].val);
		ck_assert_int_eq(sr_particle_from_meta(&m, &p), -1);
		ck_assert_msg(strstr(sr_errmsg(), bad[i].msg), "%s=%s: %s", bad[i].key, bad[i].val, sr_errmsg());
	}
	sr_meta_copy(&m, &rec.meta);
	sr_meta_del(&m, "qz");
	ck_assert_int_eq(sr_particle_from_meta(&m, &p), -1);
	ck_assert(strstr(sr_errmsg(), "no 'qz' key"));
	sr_meta_free(&m);
	sr_record_free(&rec);
}
END_TEST

START_TEST(atoms_magic_numbers_and_integral)
{
	sr_particle p;
	sr_particle_init(&p);
	p.model = SR_MODEL_ATOMS;
	p.solid = SR_SOLID_ICOSAHEDRON;
	/* Mackay icosahedra of 13, 55, 147 atoms: edge n d_nn, circumradius 0.951 edge */
	double dnn = p.lattice / sqrt(2.0);
	static const long mackay[4] = {1, 13, 55, 147};
	for (int n = 1; n <= 3; n++) {
		p.radius = n * dnn * sin(2 * M_PI / 5) / p.pixel_size;
		double *xyz;
		ck_assert_int_eq(sr_particle_atoms(&p, &xyz), mackay[n]);
		free(xyz);
	}
	/* Ino decahedron with n = 2 (13 atoms per tetrahedron, shared faces): 1 + ... known 23 */
	p.solid = SR_SOLID_DECAHEDRON;
	p.radius = 2 * dnn / (2 * sin(M_PI / 5)) / p.pixel_size;
	double *xyz;
	ck_assert_int_eq(sr_particle_atoms(&p, &xyz), 23);
	free(xyz);
	/* an FCC cube of 2 x 2 x 2 cells, corners and face centres kept: 63 atoms */
	p.solid = SR_SOLID_CUBE;
	p.radius = p.lattice * sqrt(3.0) / p.pixel_size;
	long n = sr_particle_atoms(&p, &xyz);
	ck_assert_int_eq(n, 63);
	free(xyz);
	/* the image of atoms well inside the frame integrates to N 2 pi sigma^2 peak */
	p.radius = 10;
	n = sr_particle_atoms(&p, &xyz);
	free(xyz);
	static float img[W * H];
	memset(img, 0, sizeof img);
	sr_quat_haar(&(sr_rng){{1, 2, 3, 4}}, p.q);
	ck_assert_int_eq(sr_particle_render(&p, img, W, H), 0);
	double want = n * 2 * M_PI * p.atom_sigma * p.atom_sigma * p.intensity;
	ck_assert_double_eq_tol(image_sum(img, W * H) / want, 1, 1e-5);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("render3d");
	TCase *tc = tcase_create("render3d");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, chord_integral_is_the_volume);
	tcase_add_test(tc, chord_along_the_cube_diagonal);
	tcase_add_test(tc, twin_orientation_renders_the_same_image);
	tcase_add_test(tc, turn_about_z_is_counterclockwise_on_screen);
	tcase_add_test(tc, view_b_is_the_tilted_particle);
	tcase_add_test(tc, metadata_round_trip_and_bad_metadata);
	tcase_add_test(tc, atoms_magic_numbers_and_integral);
	suite_add_tcase(s, tc);
	return s;
}
