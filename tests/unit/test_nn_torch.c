/* The CNN engine against PyTorch (llm.c test_gpt2 style): forward outputs, loss, every
 * parameter gradient and the input gradient of fixed networks with fixed weights and inputs,
 * the default network in training mode (dropout on, with the engine's own masks replayed in
 * PyTorch), and optimiser steps (Adam, Adam + L2, AdamW, SGD with momentum, clipping), compared with
 * reference tensors that tests/fixtures/nn/make_fixtures.py computed in PyTorch 1.13 (float64
 * arithmetic on the float32 inputs, stored as float32).  The format of the .bin files is
 * documented at the top of that script.
 *
 * Errors are measured as max |ours - torch| / max |torch| over each tensor (for optimiser steps:
 * over the step p_t - p_0), printed for every tensor, and must stay below the tolerances below.
 * Fixtures are looked up in $FIXTURES/nn, else tests/fixtures/nn (make runs tests from the top
 * of the tree). */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/err.h"
#include "nn/nn.h"

#define TOL_FWD  1e-5   /* outputs, loss */
#define TOL_GRAD 1e-4   /* parameter and input gradients */
#define TOL_OPT  5e-4   /* optimiser steps, relative to the largest step (1e-3 here: a few
                         * float32 ulps of a parameter near 1; AdamW and Adam + L2 differ
                         * from plain Adam by 8e-2 and 2 of it) */

/* ------------------------------------------------------------------ fixture files */
typedef struct {
	char name[64];
	int type;        /* 0 float32, 1 text, 2 uint8 */
	size_t n;        /* element count (bytes for text) */
	int ndim;
	uint32_t dims[4];
	float *f;        /* type 0 */
	char *s;         /* type 1, NUL-terminated; type 2: the bytes */
} fx_entry;

typedef struct {
	char path[512];
	int n;
	fx_entry e[64];
} fixture;

static uint32_t rd_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static float rd_f32(const unsigned char *p)
{
	uint32_t u = rd_u32(p);
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

static void fx_path(char *buf, size_t len, const char *file)
{
	const char *dir = getenv("FIXTURES");
	if (dir && *dir)
		snprintf(buf, len, "%s/nn/%s", dir, file);
	else
		snprintf(buf, len, "tests/fixtures/nn/%s", file);
}

/* Loads a whole fixture file; any malformation fails the test with the reason. */
static fixture *fx_load(const char *file)
{
	fixture *fx = calloc(1, sizeof *fx);
	ck_assert_ptr_nonnull(fx);
	fx_path(fx->path, sizeof fx->path, file);
	FILE *f = fopen(fx->path, "rb");
	ck_assert_msg(f != NULL, "cannot open fixture %s (run from the top of the tree or set "
	              "FIXTURES)", fx->path);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	ck_assert_msg(size >= 12 && size < (64L << 20), "%s: bad size %ld", fx->path, size);
	unsigned char *buf = malloc((size_t)size);
	ck_assert_ptr_nonnull(buf);
	ck_assert_msg(fread(buf, 1, (size_t)size, f) == (size_t)size, "%s: short read", fx->path);
	fclose(f);
	ck_assert_msg(memcmp(buf, "SRNNFIX1", 8) == 0, "%s: not a fixture file", fx->path);
	size_t off = 12, end = (size_t)size;
	uint32_t count = rd_u32(buf + 8);
	ck_assert_msg(count <= 64, "%s: %u entries", fx->path, count);
#define NEED(k) ck_assert_msg(off + (k) <= end, "%s: truncated", fx->path)
	for (uint32_t i = 0; i < count; i++) {
		fx_entry *e = &fx->e[i];
		NEED(4);
		uint32_t nl = rd_u32(buf + off);
		off += 4;
		ck_assert_msg(nl > 0 && nl < sizeof e->name, "%s: bad name length", fx->path);
		NEED(nl);
		memcpy(e->name, buf + off, nl);
		off += nl;
		NEED(8);
		e->type = (int)rd_u32(buf + off);
		e->ndim = (int)rd_u32(buf + off + 4);
		off += 8;
		ck_assert_msg(e->ndim >= 1 && e->ndim <= 4 && e->type >= 0 && e->type <= 2,
		              "%s: %s: bad header", fx->path, e->name);
		NEED(4 * (size_t)e->ndim);
		e->n = 1;
		for (int d = 0; d < e->ndim; d++) {
			e->dims[d] = rd_u32(buf + off);
			off += 4;
			e->n *= e->dims[d];
		}
		if (e->type == 0) {
			NEED(4 * e->n);
			e->f = malloc((e->n ? e->n : 1) * sizeof(float));
			ck_assert_ptr_nonnull(e->f);
			for (size_t j = 0; j < e->n; j++)
				e->f[j] = rd_f32(buf + off + 4 * j);
			off += 4 * e->n;
		} else {
			NEED(e->n);
			e->s = malloc(e->n + 1);
			ck_assert_ptr_nonnull(e->s);
			memcpy(e->s, buf + off, e->n);
			e->s[e->n] = 0;
			off += e->n;
		}
	}
#undef NEED
	ck_assert_msg(off == end, "%s: %zu bytes of trailing garbage", fx->path, end - off);
	fx->n = (int)count;
	free(buf);
	return fx;
}

static void fx_free(fixture *fx)
{
	for (int i = 0; i < fx->n; i++) {
		free(fx->e[i].f);
		free(fx->e[i].s);
	}
	free(fx);
}

static const fx_entry *fx_find(const fixture *fx, const char *name)
{
	for (int i = 0; i < fx->n; i++)
		if (strcmp(fx->e[i].name, name) == 0)
			return &fx->e[i];
	ck_abort_msg("%s: no entry '%s'", fx->path, name);
	return NULL;
}

/* The float array `name`, which must hold n values (n = 0: any). */
static const float *fx_f(const fixture *fx, const char *name, size_t n)
{
	const fx_entry *e = fx_find(fx, name);
	ck_assert_msg(e->type == 0, "%s: %s is not float32", fx->path, name);
	ck_assert_msg(n == 0 || e->n == n, "%s: %s has %zu values, expected %zu", fx->path, name,
	              e->n, n);
	return e->f;
}

static const char *fx_s(const fixture *fx, const char *name)
{
	const fx_entry *e = fx_find(fx, name);
	ck_assert_msg(e->type == 1, "%s: %s is not text", fx->path, name);
	return e->s;
}

static const unsigned char *fx_u8(const fixture *fx, const char *name, size_t *n)
{
	const fx_entry *e = fx_find(fx, name);
	ck_assert_msg(e->type == 2, "%s: %s is not uint8", fx->path, name);
	*n = e->n;
	return (const unsigned char *)e->s;
}

/* ------------------------------------------------------------------ comparisons */
/* max |a - ref| / max |ref| over n values; *at gets the worst index. */
static double rel_err(const float *a, const float *ref, size_t n, size_t *at)
{
	double maxref = 0, maxd = 0;
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		double r = fabs((double)ref[i]);
		double d = fabs((double)a[i] - (double)ref[i]);
		if (r > maxref)
			maxref = r;
		if (!(d <= maxd)) { /* also catches NaN */
			maxd = d;
			w = i;
		}
	}
	if (at)
		*at = w;
	if (maxd != maxd)
		return INFINITY;
	return maxref > 0 ? maxd / maxref : maxd;
}

/* Compares, prints one line, fails hard above tol.  Returns the error. */
static double check_close(const char *what, const char *tensor, const float *a, const float *ref,
                          size_t n, double tol)
{
	size_t at;
	double e = rel_err(a, ref, n, &at);
	printf("  %-28s %-22s n=%-7zu max rel err %.2e%s\n", what, tensor, n, e,
	       e < tol ? "" : "  FAIL");
	fflush(stdout);
	ck_assert_msg(e < tol, "%s: %s differs from PyTorch: max rel err %.3e (tolerance %.1e), "
	              "worst at [%zu]: ours %.9g, torch %.9g", what, tensor, e, tol, at,
	              (double)a[at], (double)ref[at]);
	return e;
}

static const char *kind_str(int k)
{
	switch (k) {
	case SR_L_CONV: return "conv";
	case SR_L_CONVT: return "convt";
	case SR_L_DENSE: return "dense";
	default: return "layer";
	}
}

/* ------------------------------------------------------------------ network cases */
static sr_net *make_net(const fixture *fx, int *batch)
{
	const float *sh = fx_f(fx, "shape", 5);
	*batch = (int)sh[4];
	sr_net *net = sr_net_create(fx_s(fx, "spec"), (int)sh[0], (int)sh[1], (int)sh[2], (int)sh[3],
	                            *batch);
	ck_assert_msg(net != NULL, "%s: sr_net_create: %s", fx->path, sr_errmsg());
	return net;
}

/* Training mode: torch replayed the engine's dropout masks for this step seed; they must
 * still be the engine's masks, else the fixture no longer applies. */
static void check_masks(const fixture *fx, const sr_net *net, int batch, const char *what)
{
	const fx_entry *le = fx_find(fx, "mask_layers");
	size_t nm, off = 0;
	const unsigned char *masks = fx_u8(fx, "masks", &nm);
	for (size_t k = 0; k < le->n; k++) {
		int l = (int)le->f[k];
		ck_assert_msg(l >= 0 && l < sr_net_nlayers(net), "%s: bad mask layer %d", fx->path, l);
		const sr_layer *L = sr_net_layer(net, l);
		size_t sz = (size_t)L->out_c * L->out_h * L->out_w;
		size_t kept = 0, total = 0;
		for (int i = 0; i < batch; i++) {
			const unsigned char *m = sr_net_dropout_mask(net, l, i);
			ck_assert_msg(m != NULL, "%s: layer %d has no dropout mask", what, l);
			ck_assert_msg(off + sz <= nm, "%s: masks too short", fx->path);
			ck_assert_msg(memcmp(m, masks + off, sz) == 0, "%s: the engine's dropout mask of "
			              "layer %d, image %d differs from the fixture's: the mask generator "
			              "changed; regenerate the fixtures (tests/fixtures/nn/"
			              "make_fixtures.py)", what, l, i);
			for (size_t j = 0; j < sz; j++)
				kept += m[j] == 1;
			total += sz;
			off += sz;
		}
		printf("  %-28s dropout layer %-8d masks as in the fixture, %.3f kept (p %.2f)\n",
		       what, l, (double)kept / (double)total, (double)L->p);
	}
	ck_assert_msg(off == nm, "%s: %zu mask bytes left over", fx->path, nm - off);
}

/* Runs one fixture's forward and backward and compares everything.  reference: the engine's
 * naive loops instead of the fast path; winograd: the fast path's Winograd convolutions on or
 * off (im2col + GEMM for every conv). */
static void run_net_case(const char *file, int reference, int winograd, int threads)
{
	fixture *fx = fx_load(file);
	int batch;
	sr_net *net = make_net(fx, &batch);
	size_t np = sr_net_nparams(net);
	const float *params = fx_f(fx, "params", 0);
	ck_assert_msg(fx_find(fx, "params")->n == np, "%s: engine has %zu parameters, torch %zu "
	              "(layout or spec mismatch)", file, np, fx_find(fx, "params")->n);
	size_t in_n = (size_t)batch * sr_net_in_size(net);
	size_t out_n = (size_t)batch * sr_net_out_size(net);
	const float *input = fx_f(fx, "input", in_n);
	const float *ref_out = fx_f(fx, "output", out_n);
	const float *dout = fx_f(fx, "dout", out_n);
	const float *ref_loss = fx_f(fx, "loss", 1);
	const float *ref_dp = fx_f(fx, "dparams", np);
	const float *ref_dx = fx_f(fx, "dinput", in_n);

	int saved_ref = sr_nn_reference, saved_wino = sr_nn_winograd;
	sr_nn_reference = reference;
	sr_nn_winograd = winograd;
	sr_nn_set_threads(threads);
	char what[96];
	snprintf(what, sizeof what, "%s %s t%d", file,
	         reference ? "naive" : winograd ? "fast" : "im2col", threads);

	memcpy(sr_net_params(net), params, np * sizeof(float));
	sr_net_set_input_grad(net, 1);
	int training = 0;
	uint64_t step_seed = 1;
	for (int i = 0; i < fx->n; i++)
		if (strcmp(fx->e[i].name, "masks") == 0)
			training = 1;
	if (training)
		step_seed = (uint64_t)fx_f(fx, "step_seed", 1)[0];
	ck_assert_msg(sr_net_forward(net, input, batch, training, step_seed) == 0, "forward: %s",
	              sr_errmsg());
	if (training)
		check_masks(fx, net, batch, what);
	const float *out = sr_net_output(net);
	check_close(what, "output", out, ref_out, out_n, TOL_FWD);

	double loss = 0, mag = 0;
	for (size_t i = 0; i < out_n; i++) {
		loss += (double)out[i] * dout[i];
		mag += fabs((double)out[i] * dout[i]);
	}
	/* the loss is a sum with cancellation: measure it against the sum of |terms| */
	double le = fabs(loss - ref_loss[0]) / mag;
	printf("  %-28s %-22s ours %.9g torch %.9g rel err %.2e\n", what, "loss", loss,
	       (double)ref_loss[0], le);
	ck_assert_msg(le < TOL_FWD, "%s: loss %.9g, torch %.9g (rel err %.3e)", what, loss,
	              (double)ref_loss[0], le);

	sr_net_zero_grad(net);
	ck_assert_msg(sr_net_backward(net, dout) == 0, "backward: %s", sr_errmsg());
	const float *dp = sr_net_grads(net);
	check_close(what, "dparams (all)", dp, ref_dp, np, TOL_GRAD);
	/* every parameter tensor on its own scale */
	for (int l = 0; l < sr_net_nlayers(net); l++) {
		const sr_layer *L = sr_net_layer(net, l);
		char name[48];
		if (L->nw) {
			snprintf(name, sizeof name, "d%s%d.weight", kind_str(L->kind), l);
			check_close(what, name, dp + L->w_off, ref_dp + L->w_off, L->nw, TOL_GRAD);
		}
		if (L->nb) {
			snprintf(name, sizeof name, "d%s%d.bias", kind_str(L->kind), l);
			check_close(what, name, dp + L->b_off, ref_dp + L->b_off, L->nb, TOL_GRAD);
		}
	}
	const float *dx = sr_net_input_grad(net);
	ck_assert_msg(dx != NULL, "%s: no input gradient", what);
	check_close(what, "dinput", dx, ref_dx, in_n, TOL_GRAD);

	/* backward adds into the gradients: a second pass doubles them */
	ck_assert_int_eq(sr_net_backward(net, dout), 0);
	float *twice = malloc(np * sizeof(float));
	ck_assert_ptr_nonnull(twice);
	for (size_t i = 0; i < np; i++)
		twice[i] = 2 * ref_dp[i];
	check_close(what, "dparams after 2 passes", sr_net_grads(net), twice, np, TOL_GRAD);
	free(twice);

	sr_nn_reference = saved_ref;
	sr_nn_winograd = saved_wino;
	sr_nn_set_threads(0);
	sr_net_free(net);
	fx_free(fx);
}

static const char *const net_files[] = {"conv2d.bin", "conv1d.bin", "misc2d.bin", "decoder.bin",
                                         "dropout2d.bin"};
#define N_NET_FILES ((int)(sizeof net_files / sizeof net_files[0]))

/* _i: file index */
START_TEST(net_fast_1thread) { run_net_case(net_files[_i], 0, 1, 1); }
END_TEST

START_TEST(net_fast_2threads) { run_net_case(net_files[_i], 0, 1, 2); }
END_TEST

START_TEST(net_im2col_2threads) { run_net_case(net_files[_i], 0, 0, 2); }
END_TEST

START_TEST(net_naive) { run_net_case(net_files[_i], 1, 0, 1); }
END_TEST

/* ------------------------------------------------------------------ optimisers */
/* max |(p - p0) - (ref - p0)| / max |ref - p0| */
static double check_step(const char *what, const char *tensor, const float *p, const float *ref,
                         const float *p0, size_t n, double tol)
{
	float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
	ck_assert(a && b);
	for (size_t i = 0; i < n; i++) {
		a[i] = (float)((double)p[i] - p0[i]);
		b[i] = (float)((double)ref[i] - p0[i]);
	}
	double e = check_close(what, tensor, a, b, n, tol);
	free(a);
	free(b);
	return e;
}

/* Feeds the fixture's gradients grad1..3 to a fresh optimiser from params0 and compares the
 * params after each step with prefix1..3.  With net_grads, also checks that the engine's own
 * gradient at each step's params equals torch's (the trajectory of prefix "adam"). */
static void run_optim(const fixture *fx, sr_net *net, int batch, const sr_optim_conf *conf,
                      const char *prefix, int net_grads)
{
	size_t np = sr_net_nparams(net);
	const float *p0 = fx_f(fx, "params0", np);
	float *p = sr_net_params(net);
	memcpy(p, p0, np * sizeof(float));
	sr_optim *o = sr_optim_create(conf, np);
	ck_assert_msg(o != NULL, "sr_optim_create: %s", sr_errmsg());
	float *g = malloc(np * sizeof(float));
	ck_assert_ptr_nonnull(g);
	for (int t = 1; t <= 3; t++) {
		char name[32], what[64];
		snprintf(name, sizeof name, "grad%d", t);
		const float *ref_g = fx_f(fx, name, np);
		if (net_grads) {
			size_t in_n = (size_t)batch * sr_net_in_size(net);
			size_t out_n = (size_t)batch * sr_net_out_size(net);
			ck_assert_int_eq(sr_net_forward(net, fx_f(fx, "input", in_n), batch, 0, 1), 0);
			sr_net_zero_grad(net);
			ck_assert_int_eq(sr_net_backward(net, fx_f(fx, "dout", out_n)), 0);
			snprintf(what, sizeof what, "%s step %d", prefix, t);
			check_close(what, "gradient at p_{t-1}", sr_net_grads(net), ref_g, np, TOL_GRAD);
		}
		memcpy(g, ref_g, np * sizeof(float));
		sr_optim_step(o, p, g);
		snprintf(name, sizeof name, "%s%d", prefix, t);
		snprintf(what, sizeof what, "%s step %d", prefix, t);
		check_step(what, "params - params0", p, fx_f(fx, name, np), p0, np, TOL_OPT);
	}
	ck_assert_int_eq(o->t, 3);
	free(g);
	sr_optim_free(o);
}

START_TEST(adam_vs_torch)
{
	fixture *fx = fx_load("adam.bin");
	int batch;
	sr_net *net = make_net(fx, &batch);
	const float *hy = fx_f(fx, "hyper", 5);
	sr_optim_conf c;
	sr_optim_defaults(&c);
	c.kind = SR_OPT_ADAM;
	c.lr = hy[0], c.beta1 = hy[1], c.beta2 = hy[2], c.eps = hy[3];
	/* float32-stored hyper-parameters: use the exact decimal values torch used */
	c.lr = 1e-3, c.beta1 = 0.9, c.beta2 = 0.999, c.eps = 1e-8;
	ck_assert_float_eq_tol(hy[0], 1e-3f, 1e-9f);
	run_optim(fx, net, batch, &c, "adam", 1);
	c.weight_decay = 0.1;
	ck_assert_float_eq_tol(hy[4], 0.1f, 1e-7f);
	run_optim(fx, net, batch, &c, "adaml2_", 0);
	c.kind = SR_OPT_ADAMW;
	run_optim(fx, net, batch, &c, "adamw_", 0);
	sr_net_free(net);
	fx_free(fx);
}
END_TEST

START_TEST(sgd_and_clip_vs_torch)
{
	fixture *fx = fx_load("optim1d.bin");
	int batch;
	sr_net *net = make_net(fx, &batch);
	const float *hy = fx_f(fx, "sgd_hyper", 3);
	ck_assert_float_eq_tol(hy[0], 0.01f, 1e-9f);
	ck_assert_float_eq_tol(hy[1], 0.9f, 1e-9f);
	ck_assert_float_eq_tol(hy[2], 0.05f, 1e-9f);
	sr_optim_conf c;
	sr_optim_defaults(&c);
	c.kind = SR_OPT_SGD;
	c.lr = 0.01, c.momentum = 0.9, c.weight_decay = 0.05;
	run_optim(fx, net, batch, &c, "sgd", 0);
	sr_optim_defaults(&c);
	c.clip = fx_f(fx, "clip", 1)[0];
	run_optim(fx, net, batch, &c, "adamclip", 0);
	sr_net_free(net);
	fx_free(fx);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("nn_torch");
	TCase *tc = tcase_create("networks");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, net_fast_1thread, 0, N_NET_FILES);
	tcase_add_loop_test(tc, net_fast_2threads, 0, N_NET_FILES);
	tcase_add_loop_test(tc, net_im2col_2threads, 0, N_NET_FILES);
	tcase_add_loop_test(tc, net_naive, 0, N_NET_FILES);
	suite_add_tcase(s, tc);
	TCase *to = tcase_create("optimisers");
	tcase_set_timeout(to, 120);
	tcase_add_test(to, adam_vs_torch);
	tcase_add_test(to, sgd_and_clip_vs_torch);
	suite_add_tcase(s, to);
	return s;
}
