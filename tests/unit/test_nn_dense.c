/* test_nn_dense.c: the batched dense layer (lib/nn/cpu/dense.c, gemm.c).  The forward's kernel
 * gives the same bytes on its AVX2 and portable paths, at every shape and tile edge; in
 * exp2d's network (dense 3200 -> 256 -> 36) an image's output is the same alone or in a
 * batch, outputs and gradients are the same bytes at 1 and 2 threads, and they match the
 * naive reference loops. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/err.h"
#include "core/rng.h"
#include "nn/cpu/cpu.h"

#define EXP2D "conv 16 5 stride 2; relu; conv 32 3 stride 2; relu; flatten; dense 256; relu; " \
              "dense OUT"

static float *randoms(size_t n, uint64_t seed)
{
	float *v = malloc(n * sizeof *v);
	ck_assert_ptr_nonnull(v);
	sr_rng r = sr_rng_derive(seed, 0);
	for (size_t i = 0; i < n; i++)
		v[i] = (float)sr_rng_normal(&r);
	return v;
}

START_TEST(gemm_paths_agree)
{
	static const int shapes[][3] = {{1, 1, 1},  {3, 4, 8},    {4, 5, 7},   {7, 9, 13},
	                                {6, 8, 17}, {16, 36, 256}, {5, 256, 3200}};
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
		float *A = randoms((size_t)M * K, 1 + s), *W = randoms((size_t)N * K, 100 + s);
		float *c1 = malloc((size_t)M * N * 4), *c2 = malloc((size_t)M * N * 4);
		sr_cpu_gemm_nt(M, N, K, A, K, W, K, c1, N);
		sr_cpu_gemm_nt_portable(M, N, K, A, K, W, K, c2, N);
		ck_assert_msg(memcmp(c1, c2, (size_t)M * N * 4) == 0, "%dx%dx%d: paths differ", M, N, K);
		/* each row alone: the same bytes as in the block */
		for (int i = 0; i < M; i++) {
			sr_cpu_gemm_nt(1, N, K, A + (size_t)i * K, K, W, K, c2, N);
			ck_assert(memcmp(c1 + (size_t)i * N, c2, (size_t)N * 4) == 0);
		}
		double md = 0, mx = 0;
		for (int i = 0; i < M; i++)
			for (int j = 0; j < N; j++) {
				double r = 0;
				for (int k = 0; k < K; k++)
					r += (double)A[(size_t)i * K + k] * W[(size_t)j * K + k];
				md = fmax(md, fabs(r - c1[(size_t)i * N + j]));
				mx = fmax(mx, fabs(r));
			}
		ck_assert_msg(md <= 1e-5 * (mx + 1), "%dx%dx%d: off by %g", M, N, K, md);
		free(A), free(W), free(c1), free(c2);
	}
}
END_TEST

typedef struct {
	float *out, *grad, *ingrad;
} result;

static result run(int batch, int threads, int reference, const float *in, const float *dout)
{
	sr_nn_set_threads(threads);
	sr_nn_reference = reference;
	sr_net *net = sr_net_create(EXP2D, 1, 48, 48, 36, batch);
	ck_assert_msg(net != NULL, "%s", sr_errmsg());
	sr_net_init(net, 3);
	ck_assert_int_eq(sr_net_forward(net, in, batch, 1, 9), 0);
	sr_net_zero_grad(net);
	ck_assert_int_eq(sr_net_backward(net, dout), 0);
	size_t no = (size_t)batch * 36, np = sr_net_nparams(net), ni = (size_t)batch * 48 * 48;
	result r = {malloc(no * 4), malloc(np * 4), malloc(ni * 4)};
	memcpy(r.out, sr_net_output(net), no * 4);
	memcpy(r.grad, sr_net_grads(net), np * 4);
	memcpy(r.ingrad, sr_net_input_grad(net), ni * 4);
	sr_net_free(net);
	sr_nn_set_threads(0);
	sr_nn_reference = 0;
	return r;
}

static double rel(const float *a, const float *b, size_t n)
{
	double mx = 0, md = 0;
	for (size_t i = 0; i < n; i++) {
		mx = fmax(mx, fabs(b[i]));
		md = fmax(md, fabs((double)a[i] - b[i]));
	}
	return mx > 0 ? md / mx : md;
}

START_TEST(exp2d_net)
{
	int batch = 19;
	size_t ni = (size_t)batch * 48 * 48, no = (size_t)batch * 36;
	float *in = randoms(ni, 7), *dout = randoms(no, 8);
	result a = run(batch, 1, 0, in, dout), b = run(batch, 2, 0, in, dout);
	sr_net *net = sr_net_create(EXP2D, 1, 48, 48, 36, batch);
	size_t np = sr_net_nparams(net);
	ck_assert(memcmp(a.out, b.out, no * 4) == 0);
	ck_assert(memcmp(a.grad, b.grad, np * 4) == 0);
	ck_assert(memcmp(a.ingrad, b.ingrad, ni * 4) == 0);
	result r = run(batch, 1, 1, in, dout);
	double eo = rel(a.out, r.out, no), eg = rel(a.grad, r.grad, np), ei = rel(a.ingrad, r.ingrad, ni);
	printf("exp2d net, fast vs naive: output %.2e, param grad %.2e, input grad %.2e\n", eo, eg, ei);
	ck_assert_msg(eo < 1e-5 && eg < 1e-5 && ei < 1e-5, "%.3e %.3e %.3e", eo, eg, ei);
	/* images 0, 4 and 17 alone (eval mode): the same bytes as in the batch */
	sr_net_init(net, 3);
	ck_assert_int_eq(sr_net_forward(net, in, batch, 0, 0), 0);
	float *all = malloc(no * 4);
	memcpy(all, sr_net_output(net), no * 4);
	static const int pick[] = {0, 4, 17};
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(sr_net_forward(net, in + (size_t)pick[k] * 48 * 48, 1, 0, 0), 0);
		ck_assert(memcmp(sr_net_output(net), all + (size_t)pick[k] * 36, 36 * 4) == 0);
	}
	free(all);
	sr_net_free(net);
	free(in), free(dout);
	for (result *x = &a; x; x = x == &a ? &b : x == &b ? &r : NULL)
		free(x->out), free(x->grad), free(x->ingrad);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("nn_dense");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, gemm_paths_agree);
	tcase_add_test(tc, exp2d_net);
	suite_add_tcase(s, tc);
	return s;
}
