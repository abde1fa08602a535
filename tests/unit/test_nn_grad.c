/* test_nn_grad.c: finite-difference gradient checks for every layer kind and the losses,
 * in the reference and the fast path; the fast path against the reference; spec parsing. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/err.h"
#include "nn/nn.h"
#include "core/rng.h"
#include "nn/loss.h"

/* loss = sum out * R (R fixed random), so d loss / d out = R */
static double loss_of(sr_net *net, const float *in, int batch, const float *R, uint64_t seed)
{
	ck_assert_int_eq(sr_net_forward(net, in, batch, 1, seed), 0);
	const float *o = sr_net_output(net);
	double s = 0;
	for (size_t i = 0; i < (size_t)batch * sr_net_out_size(net); i++)
		s += (double)o[i] * R[i];
	return s;
}

static double fd(sr_net *net, float *v, float *in, int batch, const float *R, float eps)
{
	float save = *v;
	*v = save + eps;
	double lp = loss_of(net, in, batch, R, 7);
	*v = save - eps;
	double lm = loss_of(net, in, batch, R, 7);
	*v = save;
	return (lp - lm) / (2.0 * (double)eps);
}

/* Checks analytical vs numerical gradient of one value; returns 1 ok, 0 bad, 2 skipped (kink). */
static int check_one(sr_net *net, float *v, float *in, int batch, const float *R, double an,
                     double scale, const char *what, int idx)
{
	/* Step sizes 1e-2, 2.5e-3, 6.25e-4: pass when any agrees with the analytic value; a kink
	 * (relu, max) inside the step shows as disagreement between the two smallest steps, and
	 * such values are skipped (counted); otherwise it is a real failure. */
	float eps = 1e-2f * (fabsf(*v) > 1 ? fabsf(*v) : 1.0f);
	double n[3];
	for (int k = 0; k < 3; k++, eps /= 4) {
		n[k] = fd(net, v, in, batch, R, eps);
		double tol = 3e-2 * fmax(fabs(n[k]), fabs(an)) + 2e-3 * scale;
		if (fabs(n[k] - an) <= tol)
			return 1;
	}
	if (fabs(n[1] - n[2]) > 1e-2 * fmax(fabs(n[1]), fabs(n[2])) + 1e-3 * scale)
		return 2;
	fprintf(stderr, "gradcheck %s[%d]: analytic %.6g numeric %.6g %.6g %.6g\n", what, idx, an,
	        n[0], n[1], n[2]);
	return 0;
}

static void gradcheck(const char *spec, int c, int h, int w, int n_out, int batch, int reference)
{
	sr_nn_reference = reference;
	sr_net *net = sr_net_create(spec, c, h, w, n_out, batch + 1);
	if (!net)
		ck_abort_msg("create %s: %s", spec, sr_errmsg());
	sr_net_init(net, 3);
	/* non-zero biases so every path is exercised */
	for (int l = 0; l < sr_net_nlayers(net); l++) {
		const sr_layer *L = sr_net_layer(net, l);
		for (size_t i = 0; i < L->nb; i++)
			sr_net_params(net)[L->b_off + i] = 0.05f * (float)((int)(i % 5) - 2);
	}
	size_t insz = (size_t)batch * c * h * w, outsz = (size_t)batch * sr_net_out_size(net);
	float *in = malloc(insz * sizeof *in), *R = malloc(outsz * sizeof *R);
	sr_rng r = sr_rng_derive(11, 0);
	for (size_t i = 0; i < insz; i++)
		in[i] = (float)sr_rng_normal(&r);
	for (size_t i = 0; i < outsz; i++)
		R[i] = (float)sr_rng_normal(&r);
	loss_of(net, in, batch, R, 7);
	sr_net_zero_grad(net);
	ck_assert_int_eq(sr_net_backward(net, R), 0);
	size_t np = sr_net_nparams(net);
	float *g = malloc((np ? np : 1) * sizeof *g), *gin = malloc(insz * sizeof *gin);
	memcpy(g, sr_net_grads(net), np * sizeof *g);
	memcpy(gin, sr_net_input_grad(net), insz * sizeof *gin);
	int checked = 0, skipped = 0;
	for (int l = 0; l < sr_net_nlayers(net); l++) {
		const sr_layer *L = sr_net_layer(net, l);
		for (int part = 0; part < 2; part++) {
			size_t off = part ? L->b_off : L->w_off, cnt = part ? L->nb : L->nw;
			if (!cnt)
				continue;
			double scale = 0;
			for (size_t i = 0; i < cnt; i++)
				scale = fmax(scale, fabs(g[off + i]));
			for (int k = 0; k < 12; k++) {
				size_t i = off + (cnt <= 12 ? (size_t)k % cnt : (size_t)(sr_rng_next(&r) % cnt));
				int res = check_one(net, sr_net_params(net) + i, in, batch, R, g[i], scale,
				                    part ? "bias" : "weight", (int)i);
				if (res == 0)
					ck_abort_msg("%s (%s path): layer %d %s %zu wrong", spec,
					             reference ? "reference" : "fast", l, part ? "bias" : "weight", i);
				checked++, skipped += res == 2;
			}
		}
	}
	double scale = 0;
	for (size_t i = 0; i < insz; i++)
		scale = fmax(scale, fabs(gin[i]));
	for (int k = 0; k < 16; k++) {
		size_t i = (size_t)(sr_rng_next(&r) % insz);
		int res = check_one(net, in + i, in, batch, R, gin[i], scale, "input", (int)i);
		if (res == 0)
			ck_abort_msg("%s (%s path): input gradient %zu wrong", spec,
			             reference ? "reference" : "fast", i);
		checked++, skipped += res == 2;
	}
	ck_assert_msg(skipped * 5 <= checked, "%s: too many kinks skipped (%d of %d)", spec, skipped,
	              checked);
	free(in), free(R), free(g), free(gin);
	sr_net_free(net);
	sr_nn_reference = 0;
}

/* The fast path equals the reference path (outputs, parameter and input gradients). */
static void fast_vs_ref(const char *spec, int c, int h, int w, int n_out, int batch, int training)
{
	sr_net *net = sr_net_create(spec, c, h, w, n_out, batch);
	ck_assert_msg(net != NULL, "%s", sr_errmsg());
	sr_net_init(net, 5);
	size_t insz = (size_t)batch * c * h * w, outsz = (size_t)batch * sr_net_out_size(net);
	size_t np = sr_net_nparams(net);
	float *in = malloc(insz * 4), *R = malloc(outsz * 4);
	float *o[2], *g[2], *gi[2];
	sr_rng r = sr_rng_derive(12, 0);
	for (size_t i = 0; i < insz; i++)
		in[i] = (float)sr_rng_normal(&r);
	for (size_t i = 0; i < outsz; i++)
		R[i] = (float)sr_rng_normal(&r);
	for (int ref = 0; ref < 2; ref++) {
		sr_nn_reference = ref;
		ck_assert_int_eq(sr_net_forward(net, in, batch, training, 99), 0);
		sr_net_zero_grad(net);
		ck_assert_int_eq(sr_net_backward(net, R), 0);
		o[ref] = malloc(outsz * 4), g[ref] = malloc(np * 4), gi[ref] = malloc(insz * 4);
		memcpy(o[ref], sr_net_output(net), outsz * 4);
		memcpy(g[ref], sr_net_grads(net), np * 4);
		memcpy(gi[ref], sr_net_input_grad(net), insz * 4);
	}
	sr_nn_reference = 0;
	struct { float **a; size_t n; const char *what; } t[3] = {
		{o, outsz, "output"}, {g, np, "param grad"}, {gi, insz, "input grad"}};
	for (int k = 0; k < 3; k++) {
		double mx = 0;
		for (size_t i = 0; i < t[k].n; i++)
			mx = fmax(mx, fabs(t[k].a[1][i]));
		for (size_t i = 0; i < t[k].n; i++)
			ck_assert_msg(fabs(t[k].a[0][i] - t[k].a[1][i]) <= 1e-4 * mx + 1e-6,
			              "%s: %s[%zu] fast %.8g reference %.8g", spec, t[k].what, i,
			              t[k].a[0][i], t[k].a[1][i]);
	}
	/* without the input gradient (training's setting) the parameter gradients are the same */
	sr_net_set_input_grad(net, 0);
	ck_assert_int_eq(sr_net_forward(net, in, batch, training, 99), 0);
	sr_net_zero_grad(net);
	ck_assert_int_eq(sr_net_backward(net, R), 0);
	{
		double mx = 0;
		for (size_t i = 0; i < np; i++)
			mx = fmax(mx, fabs(g[1][i]));
		for (size_t i = 0; i < np; i++)
			ck_assert_msg(fabs(sr_net_grads(net)[i] - g[1][i]) <= 1e-4 * mx + 1e-6,
			              "%s: param grad[%zu] without input grad %.8g, reference %.8g", spec, i,
			              sr_net_grads(net)[i], g[1][i]);
	}
	for (int ref = 0; ref < 2; ref++)
		free(o[ref]), free(g[ref]), free(gi[ref]);
	free(in), free(R);
	sr_net_free(net);
}

static const struct {
	const char *spec;
	int c, h, w, n_out, batch;
} cases[] = {
	{"conv 3 3; relu; maxpool 2; dropout 0.3; flatten; dense 4", 2, 8, 8, 0, 3},
	{"conv 3 3 same; tanh; avgpool 2; conv 2 3 stride 2; sigmoid; gpool; dense OUT", 2, 9, 9, 3, 2},
	{"conv 4 2 same; silu; maxpool 3 stride 2; conv 3 1; gelu; flatten; dense 2", 1, 8, 7, 0, 2},
	{"conv 3 5; relu; maxpool 2; conv 2 3 same; silu; avgpool 2; flatten; dense 2", 2, 1, 21, 0, 3},
	{"dense 12; gelu; reshape 3 2 2; upsample 2; conv 2 3 same; convt 2 3 stride 2; "
	 "upsample 2 bilinear; sigmoid", 6, 1, 1, 0, 2},
	{"convt 3 4 stride 2; tanh; upsample 3 bilinear; conv1d 2 3; relu; dropout 0.5; gpool", 2, 1, 5, 0, 2},
	{"dense 5; relu; dense 3; tanh; dense OUT", 1, 1, 6, 2, 3},
	/* The default networks' shapes.  With relu, a first-layer bias moves hundreds of units
	 * across their kinks within any usable finite-difference step (the numeric slope only
	 * converges below 1e-4, under float32 noise), so the deep ones are checked here with a
	 * smooth activation; relu and the fused conv+relu+maxpool are checked in the small
	 * cases, and the default network itself against the reference path and PyTorch. */
	{"conv 64 3; gelu; maxpool 2; dropout 0.1; conv 32 3; gelu; maxpool 2; dropout 0.1; "
	 "conv 16 3; gelu; maxpool 2; dropout 0.1; flatten; dense OUT", 1, 24, 24, 3, 2},
	{"conv 64 9; tanh; maxpool 2; dropout 0.1; conv 32 9; tanh; maxpool 2; dropout 0.1; "
	 "conv 16 9; tanh; maxpool 2; dropout 0.1; flatten; dense OUT", 1, 1, 80, 4, 2},
	{"conv 16 3; relu; maxpool 2; dropout 0.2; conv 8 3 same; relu; maxpool 2 stride 1; flatten; dense 3", 2, 6, 6, 0, 2},
};
#define NCASES (int)(sizeof cases / sizeof cases[0])

START_TEST(grad_reference)
{
	gradcheck(cases[_i].spec, cases[_i].c, cases[_i].h, cases[_i].w, cases[_i].n_out,
	          cases[_i].batch, 1);
}
END_TEST

START_TEST(grad_fast)
{
	gradcheck(cases[_i].spec, cases[_i].c, cases[_i].h, cases[_i].w, cases[_i].n_out,
	          cases[_i].batch, 0);
}
END_TEST

START_TEST(fast_equals_reference)
{
	fast_vs_ref(cases[_i].spec, cases[_i].c, cases[_i].h, cases[_i].w, cases[_i].n_out,
	            cases[_i].batch, 1);
	fast_vs_ref(cases[_i].spec, cases[_i].c, cases[_i].h, cases[_i].w, cases[_i].n_out,
	            cases[_i].batch, 0);
}
END_TEST

START_TEST(default_net_64)
{
	fast_vs_ref(SR_NET_DEFAULT_2D, 1, 64, 64, 2, 5, 1);
	fast_vs_ref(SR_NET_DEFAULT_2D, 1, 24, 24, 3, 3, 1);
	fast_vs_ref(SR_NET_DEFAULT_1D, 1, 1, 80, 4, 3, 1);
	sr_net *net = sr_net_create(SR_NET_DEFAULT_2D, 1, 64, 64, 24, 4);
	ck_assert_ptr_nonnull(net);
	ck_assert_int_eq(sr_net_nparams(net), 640 + 18464 + 4624 + 576 * 24 + 24);
	ck_assert_int_eq(sr_net_out_size(net), 24);
	ck_assert(fabs(sr_net_flops(net) - 36.76e6) < 0.1e6);
	const sr_layer *L = sr_net_layer(net, 8);
	ck_assert_int_eq(L->kind, SR_L_CONV);
	ck_assert_int_eq(L->out_h, 12);
	ck_assert_int_eq(L->w_off, 640 + 18464);
	char *d = sr_net_describe(net);
	ck_assert_ptr_nonnull(strstr(d, "total params"));
	free(d);
	sr_net_free(net);
}
END_TEST

static void loss_check(double (*f)(const float *, const float *, size_t, float *))
{
	float x[7], t[7], dx[7];
	for (int i = 0; i < 7; i++)
		x[i] = (float)(i - 3) * 0.7f, t[i] = (float)((i * 37) % 10) / 10.0f;
	f(x, t, 7, dx);
	for (int i = 0; i < 7; i++) {
		float s = x[i], e = 1e-2f;
		x[i] = s + e;
		double lp = f(x, t, 7, NULL);
		x[i] = s - e;
		double lm = f(x, t, 7, NULL);
		x[i] = s;
		double num = (lp - lm) / (2 * (double)e);
		ck_assert_msg(fabs(num - dx[i]) < 1e-3 * fmax(1, fabs(num)), "loss grad %d: %g vs %g", i,
		              dx[i], num);
	}
}

START_TEST(losses)
{
	loss_check(sr_loss_mse);
	loss_check(sr_loss_bce_logits);
	float x[2] = {1, -2}, t[2] = {0, 0};
	ck_assert(fabs(sr_loss_mse(x, t, 2, NULL) - 2.5) < 1e-12);
	/* bce with logits against the closed form */
	float z[1] = {0.3f}, y[1] = {1};
	ck_assert(fabs(sr_loss_bce_logits(z, y, 1, NULL) - log1p(exp(-0.3))) < 1e-6);
	float big[1] = {200}, zero[1] = {0};
	ck_assert(fabs(sr_loss_bce_logits(big, zero, 1, NULL) - 200) < 1e-6);
}
END_TEST

static void expect_error(const char *spec, int c, int h, int w, const char *needle)
{
	sr_net *net = sr_net_create(spec, c, h, w, 2, 4);
	ck_assert_msg(net == NULL, "spec '%s' accepted", spec);
	ck_assert_msg(strstr(sr_errmsg(), needle) != NULL, "spec '%s': message '%s' lacks '%s'",
	              spec, sr_errmsg(), needle);
}

START_TEST(spec_errors)
{
	expect_error("conv 8 3; relu; bogus 3", 1, 16, 16, "layer 3 (line 1, col 17");
	expect_error("conv 8 3;\nrelu;\n  conv 0 3", 1, 16, 16, "layer 3 (line 3, col 3");
	expect_error("conv 8 30", 1, 16, 16, "kernel larger");
	expect_error("conv 8 3 stride 2 same", 1, 16, 16, "same");
	expect_error("conv 8 3 wobble", 1, 16, 16, "unexpected word");
	expect_error("dropout 1.5", 1, 16, 16, "dropout P");
	expect_error("reshape 3 3 3", 1, 16, 16, "keep the number");
	expect_error("conv1d 4 3", 1, 16, 16, "height 1");
	expect_error("relu extra", 1, 16, 16, "too many words");
	expect_error("", 1, 16, 16, "no layers");
	expect_error("# only a comment\n", 1, 16, 16, "no layers");
	expect_error("@/nonexistent/spec", 1, 16, 16, "/nonexistent/spec");
	expect_error("maxpool 2; maxpool 2; maxpool 2; maxpool 2; maxpool 2", 1, 16, 16, "larger");
	ck_assert_ptr_null(sr_net_create("relu", 0, 16, 16, 2, 4));
	ck_assert_ptr_null(sr_net_create("relu", 1, 16, 16, 2, 0));
	/* a spec file with comments and newlines */
	char path[] = "/tmp/test_nn_specXXXXXX";
	int fdn = mkstemp(path);
	ck_assert(fdn >= 0);
	FILE *f = fdopen(fdn, "w");
	fputs("# the default net, spelt out\nconv 64 3  # first\nrelu\nmaxpool 2\n\ndense OUT\n", f);
	fclose(f);
	char at[64];
	snprintf(at, sizeof at, "@%s", path);
	sr_net *net = sr_net_create(at, 1, 10, 10, 5, 2);
	ck_assert_msg(net != NULL, "%s", sr_errmsg());
	ck_assert_int_eq(sr_net_nlayers(net), 4);
	ck_assert_int_eq(sr_net_out_size(net), 5);
	ck_assert_ptr_nonnull(strstr(sr_net_spec(net), "conv 64 3"));
	sr_net_free(net);
	remove(path);
	/* 1D chosen automatically for height 1 */
	net = sr_net_create("conv 4 5; maxpool 2; upsample 2", 3, 1, 20, 0, 1);
	ck_assert_ptr_nonnull(net);
	ck_assert_int_eq(sr_net_layer(net, 0)->is1d, 1);
	ck_assert_int_eq(sr_net_layer(net, 0)->nw, 4 * 3 * 5);
	ck_assert_int_eq(sr_net_layer(net, 2)->out_w, 16);
	ck_assert_int_eq(sr_net_layer(net, 2)->out_h, 1);
	ck_assert_int_eq(sr_net_forward(net, (float[60]){0}, 2, 0, 0), -1);
	sr_net_free(net);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("nn_grad");
	TCase *tc = tcase_create("grad");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, grad_reference, 0, NCASES);
	tcase_add_loop_test(tc, grad_fast, 0, NCASES);
	tcase_add_loop_test(tc, fast_equals_reference, 0, NCASES);
	tcase_add_test(tc, default_net_64);
	tcase_add_test(tc, losses);
	tcase_add_test(tc, spec_errors);
	suite_add_tcase(s, tc);
	return s;
}
