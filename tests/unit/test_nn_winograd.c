/* test_nn_winograd.c: the Winograd F(2x2,3x3) convolution (lib/nn/cpu/winograd.c) against direct
 * double-precision loops (forward, weight gradient, input gradient) for 'valid' and 'same',
 * odd and even sizes, several channel counts; and, in whole networks, against the naive
 * reference path, and independent of batch composition and thread count. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/err.h"
#include "nn/cpu/cpu.h"
#include "core/rng.h"

/* relative to the largest reference value: F(2x2,3x3) in float32 is a few ulps off */
#define TOL 2e-6

static const struct {
	int c, o, h, w, pad;
} shapes[] = {
	{64, 32, 31, 31, 0}, /* the default net's second conv */
	{32, 16, 14, 14, 0}, /* its third */
	{8, 8, 4, 4, 0},     /* one tile */
	{8, 9, 9, 12, 0},    /* odd rows, even columns */
	{11, 8, 10, 7, 0},   /* even rows, odd columns */
	{16, 8, 7, 12, 1},   /* 'same' */
	{9, 12, 6, 5, 1},    /* 'same', odd */
	{8, 8, 2, 3, 1},     /* 'same', tiny */
};
#define NSHAPES (int)(sizeof shapes / sizeof shapes[0])

static double max_rel(const float *a, const double *ref, size_t n)
{
	double mx = 0, md = 0;
	for (size_t i = 0; i < n; i++) {
		mx = fmax(mx, fabs(ref[i]));
		double d = fabs((double)a[i] - ref[i]);
		if (!(d <= md))
			md = d;
	}
	return mx > 0 ? md / mx : md;
}

START_TEST(matches_direct)
{
	int C = shapes[_i].c, O = shapes[_i].o, H = shapes[_i].h, W = shapes[_i].w, p = shapes[_i].pad;
	sr_layer L;
	memset(&L, 0, sizeof L);
	L.kind = SR_L_CONV, L.in_c = C, L.in_h = H, L.in_w = W, L.out_c = O;
	L.kh = L.kw = 3, L.sh = L.sw = 1, L.ph = L.pw = p;
	L.out_h = H + 2 * p - 2, L.out_w = W + 2 * p - 2;
	L.w_off = 0, L.nw = (size_t)O * C * 9, L.b_off = L.nw, L.nb = O;
	ck_assert(sr_nn_wino_ok(&L));
	int OH = L.out_h, OW = L.out_w;
	size_t nx = (size_t)C * H * W, ny = (size_t)O * OH * OW, nw = L.nw;
	float *prm = calloc(nw + O, 4), *x = malloc(nx * 4), *dy = malloc(ny * 4), *y = malloc(ny * 4);
	float *u = malloc(sr_nn_wino_wsize(&L) * 4), *scr = malloc(sr_nn_wino_scratch(&L) * 4);
	float *gt = malloc(sr_nn_wino_wsize(&L) * 4), *g = calloc(nw + O, 4), *dx = malloc(nx * 4);
	double *ry = calloc(ny, 8), *rg = calloc(nw, 8), *rdx = calloc(nx, 8);
	sr_rng r = sr_rng_derive(21, (uint64_t)_i);
	for (size_t i = 0; i < nw; i++)
		prm[i] = (float)(sr_rng_normal(&r) * sqrt(2.0 / (C * 9)));
	for (size_t i = 0; i < nx; i++)
		x[i] = (float)sr_rng_uniform(&r);
	for (size_t i = 0; i < ny; i++)
		dy[i] = (float)sr_rng_normal(&r);
	for (int o = 0; o < O; o++)
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++)
				for (int c = 0; c < C; c++)
					for (int ky = 0; ky < 3; ky++)
						for (int kx = 0; kx < 3; kx++) {
							int iy = oy - p + ky, ix = ox - p + kx;
							if (iy < 0 || iy >= H || ix < 0 || ix >= W)
								continue;
							size_t wi = (((size_t)o * C + c) * 3 + ky) * 3 + kx;
							size_t xi = ((size_t)c * H + iy) * W + ix;
							size_t yi = ((size_t)o * OH + oy) * OW + ox;
							ry[yi] += (double)prm[wi] * x[xi];
							rg[wi] += (double)dy[yi] * x[xi];
							rdx[xi] += (double)dy[yi] * prm[wi];
						}
	sr_nn_wino_pack(&L, prm, u);
	sr_nn_wino_forward(&L, u, x, y, scr);
	/* the gradient is added; dx is overwritten (fill it with junk first) */
	for (size_t i = 0; i < nx; i++)
		dx[i] = 1e30f;
	g[3] = 1.0f;
	rg[3] += 1.0;
	sr_nn_wino_backward(&L, u, g, x, dy, dx, scr, gt);
	double ey = max_rel(y, ry, ny), eg = max_rel(g, rg, nw), ex = max_rel(dx, rdx, nx);
	printf("winograd %2d -> %2d channels on %2dx%2d pad %d: rel err forward %.2e dW %.2e dx %.2e\n",
	       C, O, H, W, p, ey, eg, ex);
	ck_assert_msg(ey < TOL, "forward rel err %.3e", ey);
	ck_assert_msg(eg < TOL, "dW rel err %.3e", eg);
	ck_assert_msg(ex < TOL, "dx rel err %.3e", ex);
	for (int o = 0; o < O; o++)
		ck_assert_msg(g[nw + o] == 0.0f, "the bias gradient is not the kernel's");
	/* without dx, the same dW */
	float *g2 = calloc(nw + O, 4);
	g2[3] = 1.0f;
	sr_nn_wino_backward(&L, u, g2, x, dy, NULL, scr, gt);
	ck_assert(memcmp(g, g2, nw * 4) == 0);
	free(g2);
	free(prm), free(x), free(dy), free(y), free(u), free(scr), free(gt), free(g), free(dx);
	free(ry), free(rg), free(rdx);
}
END_TEST

START_TEST(rejects_other_convs)
{
	sr_layer L;
	memset(&L, 0, sizeof L);
	L.kind = SR_L_CONV, L.in_c = 16, L.in_h = L.in_w = 10, L.out_c = 16;
	L.kh = L.kw = 3, L.sh = L.sw = 1, L.out_h = L.out_w = 8;
	ck_assert(sr_nn_wino_ok(&L));
	L.sh = L.sw = 2;
	ck_assert(!sr_nn_wino_ok(&L));
	L.sh = L.sw = 1, L.kh = L.kw = 5;
	ck_assert(!sr_nn_wino_ok(&L));
	L.kh = L.kw = 3, L.in_c = 4; /* few channels: the direct/GEMM paths */
	ck_assert(!sr_nn_wino_ok(&L));
	L.in_c = 16, L.is1d = 1;
	ck_assert(!sr_nn_wino_ok(&L));
}
END_TEST

/* ---- whole networks ---- */
typedef struct {
	float *out, *grad, *ingrad;
} run_result;

static run_result run(const char *spec, int h, int w, int batch, int threads, int wino, int ref,
                      const float *in, const float *R)
{
	sr_nn_set_threads(threads);
	sr_nn_winograd = wino;
	sr_nn_reference = ref;
	sr_net *net = sr_net_create(spec, 1, h, w, 3, batch);
	ck_assert_msg(net != NULL, "%s", sr_errmsg());
	sr_net_init(net, 9);
	size_t no = (size_t)batch * sr_net_out_size(net), np = sr_net_nparams(net);
	size_t ni = (size_t)batch * h * w;
	ck_assert_int_eq(sr_net_forward(net, in, batch, 1, 5), 0);
	sr_net_zero_grad(net);
	ck_assert_int_eq(sr_net_backward(net, R), 0);
	run_result res = {malloc(no * 4), malloc(np * 4), malloc(ni * 4)};
	memcpy(res.out, sr_net_output(net), no * 4);
	memcpy(res.grad, sr_net_grads(net), np * 4);
	memcpy(res.ingrad, sr_net_input_grad(net), ni * 4);
	sr_net_free(net);
	sr_nn_set_threads(0);
	sr_nn_winograd = 1;
	sr_nn_reference = 0;
	return res;
}

static void free_result(run_result *r) { free(r->out), free(r->grad), free(r->ingrad); }

static double rel(const float *a, const float *b, size_t n)
{
	double mx = 0, md = 0;
	for (size_t i = 0; i < n; i++) {
		mx = fmax(mx, fabs(b[i]));
		md = fmax(md, fabs((double)a[i] - b[i]));
	}
	return mx > 0 ? md / mx : md;
}

static const char *net_specs[] = {
	SR_NET_DEFAULT_2D,
	"conv 8 3; relu; conv 12 3 same; tanh; maxpool 2; conv 9 3 same; relu; conv 8 3; gpool; "
	"flatten; dense OUT",
};

/* Net i's test sizes and random inputs and output gradients for a batch, from seed. */
static void net_case(int i, int batch, uint64_t seed, int *h, int *w, float **in, float **R)
{
	*h = i ? 13 : 64;
	*w = i ? 11 : 64;
	size_t ni = (size_t)batch * *h * *w, no = (size_t)batch * 24;
	*in = malloc(ni * 4);
	*R = malloc(no * 4);
	sr_rng r = sr_rng_derive(seed, (uint64_t)i);
	for (size_t j = 0; j < ni; j++)
		(*in)[j] = (float)sr_rng_uniform(&r);
	for (size_t j = 0; j < no; j++)
		(*R)[j] = (float)sr_rng_normal(&r);
}

START_TEST(net_matches_reference)
{
	const char *spec = net_specs[_i];
	int h, w, batch = 3;
	float *in, *R;
	net_case(_i, batch, 31, &h, &w, &in, &R);
	size_t ni = (size_t)batch * h * w;
	sr_net *net = sr_net_create(spec, 1, h, w, 3, batch);
	ck_assert(net != NULL);
	int nw = 0;
	for (int l = 0; l < sr_net_nlayers(net); l++)
		nw += sr_nn_wino_ok(sr_net_layer(net, l));
	ck_assert_msg(nw >= (_i ? 3 : 2), "%d convs on the Winograd path", nw);
	size_t np = sr_net_nparams(net), nout = (size_t)batch * sr_net_out_size(net);
	sr_net_free(net);
	run_result a = run(spec, h, w, batch, 1, 1, 0, in, R);
	run_result b = run(spec, h, w, batch, 1, 0, 1, in, R);
	double eo = rel(a.out, b.out, nout), eg = rel(a.grad, b.grad, np), ei = rel(a.ingrad, b.ingrad, ni);
	printf("net %d: winograd vs naive: output %.2e, param grad %.2e, input grad %.2e\n", _i, eo,
	       eg, ei);
	ck_assert_msg(eo < 1e-5 && eg < 1e-5 && ei < 1e-5, "%.3e %.3e %.3e", eo, eg, ei);
	free_result(&a), free_result(&b);
	free(in), free(R);
}
END_TEST

/* the same bytes at 1 and 2 threads, and an image's results do not depend on the batch */
START_TEST(net_invariance)
{
	const char *spec = net_specs[_i];
	int h, w, batch = 5;
	float *in, *R;
	net_case(_i, batch, 32, &h, &w, &in, &R);
	size_t ni = (size_t)batch * h * w;
	sr_net *net = sr_net_create(spec, 1, h, w, 3, 1);
	size_t np = sr_net_nparams(net), os = (size_t)sr_net_out_size(net);
	sr_net_free(net);
	run_result a = run(spec, h, w, batch, 1, 1, 0, in, R);
	run_result b = run(spec, h, w, batch, 2, 1, 0, in, R);
	ck_assert(memcmp(a.out, b.out, batch * os * 4) == 0);
	ck_assert(memcmp(a.grad, b.grad, np * 4) == 0);
	ck_assert(memcmp(a.ingrad, b.ingrad, ni * 4) == 0);
	/* image 3 alone: same output and input gradient bytes (dropout masks are drawn per image
	 * index, so this runs in eval mode) */
	for (int k = 0; k < 2; k++) {
		sr_nn_set_threads(k + 1);
		sr_net *n1 = sr_net_create(spec, 1, h, w, 3, batch);
		sr_net_init(n1, 9);
		ck_assert_int_eq(sr_net_forward(n1, in, batch, 0, 0), 0);
		float *o5 = malloc(batch * os * 4);
		memcpy(o5, sr_net_output(n1), batch * os * 4);
		ck_assert_int_eq(sr_net_forward(n1, in + 3 * (size_t)h * w, 1, 0, 0), 0);
		ck_assert(memcmp(sr_net_output(n1), o5 + 3 * os, os * 4) == 0);
		free(o5);
		sr_net_free(n1);
	}
	sr_nn_set_threads(0);
	free_result(&a), free_result(&b);
	free(in), free(R);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("nn_winograd");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, matches_direct, 0, NSHAPES);
	tcase_add_test(tc, rejects_other_convs);
	tcase_add_loop_test(tc, net_matches_reference, 0, 2);
	tcase_add_loop_test(tc, net_invariance, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
