/* test_generate: method 2 (train --method generate): the code and its gradient, the losses,
 * the default decoders, the whole method's gradient against finite differences, and a tiny
 * training run (loss falls; truth keys never read: scrambled truth gives the same model
 * bytes; the model predicts and its decoder renders images of the view's shape). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "core/angles.h"
#include "core/err.h"
#include "methods/generate.h"
#include "nn/nn.h"
#include "io/stream.h"
#include "synth/render.h"
#include "core/rng.h"
#include "image/rotate.h"
#include "learn/predictor.h"
#include "learn/trainer.h"
#include "methods/registry.h"
#include "nn/loss.h"

static double rnd(sr_rng *r) { return 2 * sr_rng_uniform(r) - 1; }

START_TEST(code_gradient)
{
	sr_rng r = sr_rng_derive(7, 0);
	int K = 6, L = 2, nu = 3 * K + L;
	float u[64], y[16], gu[64], gy[16];
	double w[16];
	for (int nhot = 0; nhot <= K; nhot += K)
		for (int k = 1; k <= K; k += 2) {
			int din = 2 + nhot + L;
			for (int i = 0; i < nu; i++)
				u[i] = (float)rnd(&r);
			for (int i = 0; i < din; i++)
				w[i] = rnd(&r), gy[i] = (float)w[i];
			memset(gu, 0, sizeof gu);
			double delta = 37.5;
			sr_gen_code_backward(u, K, k, nhot, L, delta, gy, gu);
			for (int i = 0; i < nu; i++) {
				double n = 0;
				for (int sgn = -1; sgn <= 1; sgn += 2) {
					float save = u[i];
					u[i] = (float)(save + sgn * 1e-3);
					sr_gen_code(u, K, k, nhot, L, delta, y);
					u[i] = save;
					double f = 0;
					for (int j = 0; j < din; j++)
						f += w[j] * y[j];
					n += sgn * f / 2e-3;
				}
				ck_assert_msg(fabs(n - gu[i]) < 2e-3 * fmax(1, fabs(n)),
				              "k %d u[%d]: analytic %g numeric %g", k, i, gu[i], n);
				/* only head k and the latents get gradient */
				if (i < 3 * K && i != 2 * (k - 1) && i != 2 * (k - 1) + 1)
					ck_assert(gu[i] == 0);
			}
			/* the one-hot of k */
			sr_gen_code(u, K, k, nhot, L, delta, y);
			for (int j = 0; j < nhot; j++)
				ck_assert(y[2 + j] == (j == k - 1 ? 1.0f : 0.0f));
			ck_assert(y[2 + nhot] == u[3 * K] && y[3 + nhot] == u[3 * K + 1]);
			/* a head holding angle a, turned by delta, codes a + delta */
			u[2 * (k - 1)] = (float)(3 * cos(k * 20.0 * M_PI / 180));
			u[2 * (k - 1) + 1] = (float)(3 * sin(k * 20.0 * M_PI / 180));
			float y2[16];
			sr_gen_code(u, K, k, nhot, L, delta, y);
			sr_gen_angle_code(20.0 + delta, k, nhot, L, u + 3 * K, y2);
			for (int j = 0; j < din; j++)
				ck_assert_msg(fabs(y[j] - y2[j]) < 1e-5, "code %d: %g vs %g", j, y[j], y2[j]);
		}
}
END_TEST

START_TEST(loss_gradients)
{
	sr_rng r = sr_rng_derive(3, 0);
	enum { N = 40 };
	float o[N], x[N], g[N];
	for (int loss = 0; loss < 2; loss++) {
		for (int i = 0; i < N; i++) {
			o[i] = (float)(2 * rnd(&r));
			x[i] = (float)(i % 5 == 0 ? -0.1 * sr_rng_uniform(&r) : 1.5 * sr_rng_uniform(&r));
		}
		memset(g, 0, sizeof g);
		double l0 = sr_recon_loss(o, x, N, loss, 2.0, g);
		ck_assert(l0 >= 0);
		for (int i = 0; i < N; i++) {
			float save = o[i];
			o[i] = save + 1e-3f;
			double lp = sr_recon_loss(o, x, N, loss, 0, NULL);
			o[i] = save - 1e-3f;
			double lm = sr_recon_loss(o, x, N, loss, 0, NULL);
			o[i] = save;
			double n = 2.0 * (lp - lm) / 2e-3;
			ck_assert_msg(fabs(n - g[i]) < 1e-3 + 1e-2 * fabs(n), "loss %d pixel %d: %g vs %g",
			              loss, i, g[i], n);
		}
	}
	/* the poisson deviance is zero where the mean equals the (non-negative) target */
	float mu[3] = {0.5f, 1.0f, 2.0f}, oo[3];
	for (int i = 0; i < 3; i++)
		oo[i] = (float)log(expm1(mu[i]));
	ck_assert(sr_recon_loss(oo, mu, 3, 1, 0, NULL) < 1e-5);
	sr_gen_output_image(oo, 3, 1);
	for (int i = 0; i < 3; i++)
		ck_assert(fabs(oo[i] - mu[i]) < 1e-5);
}
END_TEST

START_TEST(decoder_specs)
{
	static const int sz[][2] = {{64, 64}, {32, 48}, {28, 28}, {1, 64}, {1, 37}, {7, 9}, {2, 2}};
	char spec[1024];
	for (size_t i = 0; i < sizeof sz / sizeof sz[0]; i++) {
		int h = sz[i][0], w = sz[i][1];
		ck_assert_int_eq(sr_gen_decoder_spec(h, w, spec, sizeof spec), 0);
		sr_net *net = sr_net_create(spec, 6, 1, 1, h * w, 2);
		ck_assert_msg(net != NULL, "%dx%d: %s: %s", h, w, spec, sr_errmsg());
		int c, oh, ow;
		sr_net_out_shape(net, &c, &oh, &ow);
		ck_assert_msg(c == 1 && oh == h && ow == w, "%dx%d: renders %dx%dx%d", h, w, c, oh, ow);
		sr_net_free(net);
	}
	ck_assert_int_eq(sr_gen_decoder_spec(64, 64, spec, 20), -1);
	int heads[SR_MAX_ORDER];
	ck_assert_int_eq(sr_gen_parse_heads("4", 12, heads), 1);
	ck_assert_int_eq(heads[0], 4);
	ck_assert_int_eq(sr_gen_parse_heads("1,2,12", 12, heads), 3);
	ck_assert_int_eq(heads[2], 12);
	ck_assert_int_eq(sr_gen_parse_heads("13", 12, heads), -1);
	ck_assert_int_eq(sr_gen_parse_heads("1,,2", 12, heads), -1);
	ck_assert_int_eq(sr_gen_parse_heads("", 12, heads), -1);
	ck_assert_int_eq(sr_gen_parse_heads("2x", 12, heads), -1);
}
END_TEST

/* Sets a method option the way train(1) does, through the method's option table. */
static void set_option(const sr_method *m, void *conf, const char *name, const char *s, int i)
{
	const sr_option *o = sr_method_option(m, name);
	ck_assert_msg(o != NULL, "no option %s", name);
	if (o->kind == SR_OPTION_STRING)
		*(const char **)((char *)conf + o->offset) = s;
	else if (o->kind == SR_OPTION_DOUBLE)
		*(double *)((char *)conf + o->offset) = i / 8.0; /* doubles given in eighths */
	else
		*(int *)((char *)conf + o->offset) = i;
}

/* The whole method's gradient (encoder -> code -> decoder -> loss, plus method 1's mirror
 * and zoom losses on the encoder, mirror_8 / 8 and zoom_8 / 8 their weights) against central
 * differences of its validation loss, for both losses, order given and detected. */
static void method_gradient_layout(int loss, int order, int tmpl, int mirror_8, int zoom_8,
                                   int quot);

static void method_gradient_weighted(int loss, int order, int tmpl, int mirror_8, int zoom_8)
{
	method_gradient_layout(loss, order, tmpl, mirror_8, zoom_8, 0);
}

/* quot = 1: profiles of length 16 (8 x 8 images otherwise) with --mirror-quotient, the
 * better of the two mirror candidates' renderings (the choice is piecewise constant, so the
 * central differences see the chosen one's gradient) */
static void method_gradient_layout(int loss, int order, int tmpl, int mirror_8, int zoom_8,
                                   int quot)
{
	sr_trainer T, *t = &T;
	memset(t, 0, sizeof *t);
	sr_train_defaults(&t->conf);
	t->conf.method = &sr_method_generate;
	t->conf.batch = 3;
	t->conf.heads = 4;
	t->conf.order = order;
	t->conf.cons_weight = 0; /* its target moves with the weights; it is method 1's code */
	t->conf.net = "conv 3 3; tanh; maxpool 2; flatten; dense OUT";
	void *mconf = sr_method_conf_new(&sr_method_generate);
	ck_assert(mconf != NULL);
	set_option(&sr_method_generate, mconf, "latents", NULL, 2);
	set_option(&sr_method_generate, mconf, "loss", loss ? "poisson" : "mse", 0);
	set_option(&sr_method_generate, mconf, "renderer", tmpl ? "template" : "free", 0);
	set_option(&sr_method_generate, mconf, "mirror-weight", NULL, mirror_8);
	set_option(&sr_method_generate, mconf, "zoom-weight", NULL, zoom_8);
	set_option(&sr_method_generate, mconf, "decoder",
	           quot ? "dense 8; tanh; dense 16; reshape 2 1 8; upsample 2 bilinear; "
	                  "conv 2 3 same; tanh; conv 1 3 same"
	                : "dense 8; tanh; dense 16; reshape 1 4 4; upsample 2 bilinear; "
	                  "conv 2 3 same; tanh; conv 1 3 same", 0);
	set_option(&sr_method_generate, mconf, "mirror-quotient", NULL, quot);
	t->conf.method_conf = t->mconf = mconf;
	t->m = &sr_method_generate;
	t->views = 2, t->c = 1, t->h = 8, t->w = 8, t->layout = SR_LAYOUT_IMAGE;
	if (quot)
		t->h = 1, t->w = 16, t->layout = SR_LAYOUT_PROFILE; /* the same 64 floats a view */
	sr_meta_init(&t->info);
	ck_assert_msg(t->m->setup(t) == 0, "%s", sr_errmsg());
	ck_assert_int_eq(t->nnets, 2);
	sr_rng r = sr_rng_derive(11 + loss + order + 100 * tmpl, 0);
	float x[3 * 2 * 64];
	double delta[3] = {12.0, -33.0, 71.0};
	for (int i = 0; i < 3 * 2 * 64; i++)
		x[i] = (float)sr_rng_uniform(&r);
	sr_batch b = {3, 0, 2, t->h, t->w, x, delta, NULL, NULL, 12345, 3}; /* seed: the heads drawn */
	for (int i = 0; i < 2; i++)
		sr_net_zero_grad(t->nets[i]);
	double l0, l1;
	ck_assert(t->m->batch(t, &b, 1, &l0) == 0);
	ck_assert(t->m->batch(t, &b, 0, &l1) == 0);
	ck_assert(fabs(l0 - l1) < 1e-9);
	int checked = 0;
	for (int ni = 0; ni < 2; ni++) {
		sr_net *net = t->nets[ni];
		float *p = sr_net_params(net), *g = sr_net_grads(net);
		size_t np = sr_net_nparams(net);
		for (int rep = 0; rep < 25; rep++) {
			size_t j = (size_t)(sr_rng_uniform(&r) * np);
			float save = p[j];
			double e = 1e-2, best = INFINITY, n = 0;
			for (int s = 0; s < 3; s++, e /= 4) {
				double lp, lm;
				p[j] = (float)(save + e);
				t->m->batch(t, &b, 0, &lp);
				p[j] = (float)(save - e);
				t->m->batch(t, &b, 0, &lm);
				p[j] = save;
				double nn = (lp - lm) / (2 * e), d = fabs(nn - g[j]);
				if (d < best)
					best = d, n = nn;
			}
			ck_assert_msg(best <= 3e-2 * fmax(fabs(n), fabs(g[j])) + 2e-4,
			              "loss %d order %d tmpl %d quot %d net %d param %zu: analytic %g numeric %g",
			              loss, order, tmpl, quot, ni, j, g[j], n);
			checked++;
		}
	}
	ck_assert_int_eq(checked, 50);
	t->m->free(t);
	for (int i = 0; i < t->nnets; i++) {
		sr_net_free(t->nets[i]);
		sr_optim_free(t->optims[i]);
		free(t->names[i]);
	}
	sr_meta_free(&t->info);
	free(mconf);
}

static void method_gradient(int loss, int order, int tmpl)
{
	method_gradient_weighted(loss, order, tmpl, 8, 8); /* method 1's weights, 1 and 1 */
}

/* the mirror and zoom losses alone, and each beside the reconstruction at other weights */
START_TEST(method_gradient_constraints)
{
	method_gradient_weighted(0, 0, 0, 20, 0);
	method_gradient_weighted(0, 4, 0, 0, 12);
	method_gradient_weighted(1, 0, 1, 4, 20);
	method_gradient_weighted(0, 0, 0, 0, 0);
}
END_TEST

START_TEST(method_gradient_mse) { method_gradient(0, 0, 0); method_gradient(0, 2, 0); }
END_TEST
/* profiles on the mirror quotient: both candidates rendered, the better one's gradient */
START_TEST(method_gradient_quotient)
{
	method_gradient_layout(0, 4, 0, 0, 0, 1);
	method_gradient_layout(0, 0, 0, 0, 0, 1);
	method_gradient_layout(1, 3, 0, 0, 0, 1);
}
END_TEST
START_TEST(method_gradient_poisson) { method_gradient(1, 0, 0); method_gradient(1, 4, 0); }
END_TEST
/* the template renderer: the gradient reaches the encoder through the turn's angle */
START_TEST(method_gradient_template)
{
	method_gradient(0, 0, 1);
	method_gradient(0, 4, 1);
	method_gradient(1, 3, 1);
}
END_TEST

/* The template renderer alone: the input layout, k-fold symmetry, the angle it turns by (a
 * polygon template at theta renders at theta + phi), and d/dT, d/dy[0..1] by differences. */
START_TEST(template_render)
{
	enum { W = 32 };
	/* code: (c, s), one-hot of k = 2 of K = 4, latents 0.25, -1.5 */
	float y[8] = {0.3f, -0.8f, 0, 1, 0, 0, 0.25f, -1.5f}, x[8];
	sr_gen_template_input(y, 4, 2, x);
	ck_assert(x[0] == 1 && x[1] == 0 && x[2] == 1 && x[3] == 0 && x[4] == 0 &&
	          x[5] == 0.25f && x[6] == -1.5f);
	float T[W * W], out[W * W], want[W * W], g[W * W], gT[W * W], gy[2];
	sr_shape sh;
	sr_shape_init(&sh);
	sh.k = 4, sh.radius = 9, sh.cx = sh.cy = W / 2.0, sh.theta = 5;
	memset(T, 0, sizeof T);
	ck_assert_int_eq(sr_render(&sh, T, W, W), 0);
	/* code of angle 4 phi = 4 * 20 degrees: the square turns by 20 */
	float c[2] = {(float)cos(80 * M_PI / 180), (float)sin(80 * M_PI / 180)};
	sr_gen_template_render(T, W, W, 4, c, out);
	sh.theta = 25;
	memset(want, 0, sizeof want);
	ck_assert_int_eq(sr_render(&sh, want, W, W), 0);
	double e = 0, e0 = 0;
	for (int i = 0; i < W * W; i++)
		e += (out[i] - want[i]) * (out[i] - want[i]), e0 += (T[i] - want[i]) * (T[i] - want[i]);
	ck_assert_msg(sqrt(e / (W * W)) < 0.04 && e < 0.05 * e0, "rms %g (unturned %g)",
	              sqrt(e / (W * W)), sqrt(e0 / (W * W)));
	/* an asymmetric template renders 3-fold symmetric for k = 3: turning the rendering by
	 * 120 degrees gives it back (to the resampling's blur) */
	sr_rng r = sr_rng_derive(3, 0);
	for (int i = 0; i < W * W; i++) {
		int rr = i / W, cc = i % W;
		double dx = cc + 0.5 - W / 2.0 - 3, dy = rr + 0.5 - W / 2.0 + 1;
		T[i] = (float)exp(-(dx * dx + 3 * dy * dy) / 30);
		g[i] = (float)(2 * sr_rng_uniform(&r) - 1);
	}
	sr_gen_template_render(T, W, W, 3, y, out);
	double a120 = 2 * M_PI / 3, e3 = 0, n3 = 0;
	float back[W * W];
	sr_rotate_forward(out, W, W, 1, &a120, NULL, back);
	for (int i = 0; i < W * W; i++)
		e3 += (back[i] - out[i]) * (back[i] - out[i]), n3 += out[i] * out[i];
	ck_assert_msg(e3 < 1e-3 * n3, "not 3-fold symmetric: %g of %g", e3, n3);
	/* gradients */
	memset(gT, 0, sizeof gT);
	sr_gen_template_backward(T, W, W, 3, y, g, gT, gy);
	for (int j = 0; j < 2; j++) {
		double lp = 0, lm = 0, h = 1e-4;
		float save = y[j];
		y[j] = save + (float)h;
		sr_gen_template_render(T, W, W, 3, y, out);
		for (int i = 0; i < W * W; i++)
			lp += (double)g[i] * out[i];
		y[j] = save - (float)h;
		sr_gen_template_render(T, W, W, 3, y, out);
		for (int i = 0; i < W * W; i++)
			lm += (double)g[i] * out[i];
		y[j] = save;
		double h2 = ((double)(float)(save + (float)h) - (float)(save - (float)h));
		double num = (lp - lm) / h2;
		ck_assert_msg(fabs(num - gy[j]) < 0.02 * fabs(num) + 0.02, "d y[%d]: %g vs %g", j,
		              gy[j], num);
	}
	for (int i = 0; i < W * W; i += 37) {
		double lp = 0, lm = 0;
		float save = T[i];
		T[i] = save + 0.5f;
		sr_gen_template_render(T, W, W, 3, y, out);
		for (int q = 0; q < W * W; q++)
			lp += (double)g[q] * out[q];
		T[i] = save - 0.5f;
		sr_gen_template_render(T, W, W, 3, y, out);
		for (int q = 0; q < W * W; q++)
			lm += (double)g[q] * out[q];
		T[i] = save;
		ck_assert_msg(fabs((lp - lm) - gT[i]) < 1e-4, "dT[%d]: %g vs %g", i, gT[i], lp - lm);
	}
}
END_TEST

/* ---------------------------------------------------------------- a tiny training run */

static char dir[64];

/* n noisy square pairs of 24 x 24; scramble != 0 rewrites every truth key. */
static void make_set(const char *path, int n, int scramble)
{
	FILE *f = fopen(path, "wb");
	ck_assert(f != NULL);
	sr_shape_spec spec;
	sr_shape_spec_default(&spec, 24, 24);
	spec.nk = 1, spec.ks[0] = 4;
	spec.radius_lo = 7, spec.radius_hi = 9;
	spec.cx_lo = spec.cx_hi = spec.cy_lo = spec.cy_hi = 12;
	sr_record rec;
	sr_record_init(&rec);
	sr_write_options wo = {.format = SR_FORMAT_TENSOR};
	for (int i = 0; i < n; i++) {
		sr_rng r = sr_shape_rng(5, (uint64_t)i);
		sr_shape s;
		ck_assert(sr_shape_draw(&spec, &r, &s) == 0);
		char id[32];
		snprintf(id, sizeof id, "t-%d", i);
		ck_assert(sr_shape_record(&rec, &s, 24, 24, id) == 0);
		sr_rng pr = sr_pair_rng(5, (uint64_t)i);
		ck_assert(sr_pair_synthetic(&rec, 10 + 30 * sr_rng_uniform(&pr), 0, 0) == 0);
		size_t N = sr_record_size(&rec);
		for (size_t j = 0; j < N; j++) /* a little noise */
			rec.data[j] = (float)(rec.data[j] * 50 + 2 + 1.5 * sr_rng_normal(&pr));
		if (scramble) {
			sr_meta_set(&rec.meta, "theta", "%g", 360 * sr_rng_uniform(&pr));
			sr_meta_set(&rec.meta, "k", "%d", 3 + i % 5);
			sr_meta_set(&rec.meta, "cx", "1");
			sr_meta_set(&rec.meta, "cy", "2");
			sr_meta_set(&rec.meta, "radius", "99");
			sr_meta_set(&rec.meta, "b.dx", "3");
			sr_meta_set(&rec.meta, "b.dy", "-3");
		}
		ck_assert(sr_record_write(f, &rec, &wo) == 0);
	}
	sr_record_free(&rec);
	fclose(f);
}

static long file_bytes(const char *path, unsigned char **buf)
{
	FILE *f = fopen(path, "rb");
	ck_assert(f != NULL);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	*buf = malloc((size_t)n);
	ck_assert(fread(*buf, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	return n;
}

/* The first and the last epoch's training loss, from the loop's reports. */
typedef struct {
	double first, last;
} epoch_losses;

static int note_loss(const sr_train_event *ev, void *ctx)
{
	epoch_losses *l = ctx;
	if (ev->kind == SR_TRAIN_EPOCH) {
		if (isnan(l->first))
			l->first = ev->train_loss;
		l->last = ev->train_loss;
	}
	return 0;
}

static void train_one(const char *in, const char *model, epoch_losses *losses, int threads)
{
	sr_train_conf c;
	sr_train_defaults(&c);
	void *mconf = sr_method_conf_new(&sr_method_generate);
	ck_assert(mconf != NULL);
	c.method = &sr_method_generate;
	c.method_conf = mconf;
	c.epochs = 6;
	c.batch = 8;
	c.lr = 3e-3;
	c.heads = 4;
	c.order = 4;
	c.threads = threads;
	c.val = 0.2;
	c.net = "conv 8 3; relu; maxpool 2; conv 8 3; relu; maxpool 2; flatten; dense OUT";
	c.model = model;
	*losses = (epoch_losses){NAN, NAN};
	c.report = note_loss;
	c.report_ctx = losses;
	char *paths[1] = {(char *)in};
	ck_assert_msg(sr_train(&c, 1, paths) == 0, "%s", sr_errmsg());
	free(mconf);
}

START_TEST(tiny_training)
{
	char a[128], b[128], ma[128], mb[128];
	snprintf(a, sizeof a, "%s/a.strt", dir);
	snprintf(b, sizeof b, "%s/b.strt", dir);
	snprintf(ma, sizeof ma, "%s/a.model", dir);
	snprintf(mb, sizeof mb, "%s/b.model", dir);
	make_set(a, 60, 0);
	make_set(b, 60, 1);
	epoch_losses la, lb;
	train_one(a, ma, &la, 2);
	train_one(b, mb, &lb, 1);
	/* truth never read: scrambled truth keys (and another thread count) give the same bytes */
	unsigned char *x, *y;
	long nx = file_bytes(ma, &x), ny = file_bytes(mb, &y);
	ck_assert_int_eq(nx, ny);
	ck_assert_msg(memcmp(x, y, (size_t)nx) == 0, "models differ");
	free(x);
	free(y);
	/* the loss falls */
	ck_assert_msg(la.last < 0.7 * la.first, "train loss %g -> %g", la.first, la.last);
	/* the model: encoder for predict, decoder renders 24 x 24 */
	sr_model *m = sr_model_load(ma);
	ck_assert_msg(m != NULL, "%s", sr_errmsg());
	const sr_meta *info = sr_model_info(m);
	ck_assert_str_eq(sr_meta_get(info, "predict.net"), "encoder");
	ck_assert_str_eq(sr_meta_get(info, "decoder.heads"), "4");
	ck_assert_str_eq(sr_meta_get(info, "method"), "generate");
	ck_assert(sr_meta_get(info, "val.recon_mse") != NULL);
	long order;
	ck_assert(sr_meta_get_long(info, "order", &order) == 0 && order == 4);
	sr_net *dec = sr_model_net(m, "decoder", 1);
	ck_assert(dec != NULL);
	int c, h, w;
	sr_net_out_shape(dec, &c, &h, &w);
	ck_assert(c == 1 && h == 24 && w == 24);
	sr_net_in_shape(dec, &c, &h, &w);
	ck_assert_int_eq(c * h * w, 2 + 2);
	float code[4];
	float lat[2] = {0, 0};
	sr_gen_angle_code(10, 4, 0, 2, lat, code);
	ck_assert(sr_net_forward(dec, code, 1, 0, 0) == 0);
	const float *img = sr_net_output(dec);
	for (int i = 0; i < 24 * 24; i++)
		ck_assert(isfinite(img[i]));
	sr_net_free(dec);
	sr_model_free(m);
	sr_predictor *p = sr_predictor_open(ma, 0);
	ck_assert_msg(p != NULL, "%s", sr_errmsg());
	sr_reader *rd = sr_reader_open(a);
	sr_record rec;
	sr_record_init(&rec);
	ck_assert(sr_reader_next(rd, &rec) == 1);
	sr_prediction pr;
	ck_assert(sr_predict_record(p, &rec, 0, &pr) == 0);
	ck_assert_int_eq(pr.k, 4);
	ck_assert(pr.angle >= 0 && pr.angle < 90);
	sr_record_free(&rec);
	sr_reader_close(rd);
	sr_predictor_free(p);
}
END_TEST

START_TEST(bad_configuration)
{
	sr_train_conf c;
	sr_train_defaults(&c);
	char a[128], m[128];
	snprintf(a, sizeof a, "%s/bad.strt", dir);
	snprintf(m, sizeof m, "%s/bad.model", dir);
	make_set(a, 6, 0);
	char *paths[1] = {a};
	const sr_method *g = &sr_method_generate;
	void *mc = sr_method_conf_new(g);
	ck_assert(mc != NULL);
	c.method = g;
	c.method_conf = mc;
	c.model = m;
	c.epochs = 1;
	c.net = "conv 2 3; relu; maxpool 2; flatten; dense OUT";
	set_option(g, mc, "loss", "l1", 0);
	ck_assert_int_eq(sr_train(&c, 1, paths), -1);
	ck_assert_msg(strstr(sr_errmsg(), "unknown loss") != NULL, "%s", sr_errmsg());
	set_option(g, mc, "loss", "mse", 0);
	set_option(g, mc, "latents", NULL, 17);
	ck_assert_int_eq(sr_train(&c, 1, paths), -1);
	ck_assert_msg(strstr(sr_errmsg(), "--latents") != NULL, "%s", sr_errmsg());
	set_option(g, mc, "latents", NULL, 2);
	set_option(g, mc, "decoder", "dense 10; reshape 1 2 5", 0);
	ck_assert_int_eq(sr_train(&c, 1, paths), -1);
	ck_assert_msg(strstr(sr_errmsg(), "renders 1x2x5") != NULL, "%s", sr_errmsg());
	set_option(g, mc, "decoder", NULL, 0);
	set_option(g, mc, "renderer", "warp", 0);
	ck_assert_int_eq(sr_train(&c, 1, paths), -1);
	ck_assert_msg(strstr(sr_errmsg(), "unknown renderer") != NULL, "%s", sr_errmsg());
	set_option(g, mc, "renderer", "free", 0);
	set_option(g, mc, "decoder", "dense 10; bogus", 0);
	ck_assert_int_eq(sr_train(&c, 1, paths), -1);
	ck_assert_msg(strstr(sr_errmsg(), "decoder") != NULL, "%s", sr_errmsg());
	ck_assert(access(m, F_OK) != 0);
	free(mc);
}
END_TEST

/* The tiny training run writes into one temporary directory, made before the test case and
 * removed after it (an unchecked fixture runs in the runner's process, not per forked test). */
static void make_dir(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_generate.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(EXIT_FAILURE);
	}
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_generate: could not remove %s\n", dir);
}

Suite *test_suite(void)
{
	Suite *s = suite_create("generate");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, code_gradient);
	tcase_add_test(tc, loss_gradients);
	tcase_add_test(tc, decoder_specs);
	tcase_add_test(tc, method_gradient_mse);
	tcase_add_test(tc, method_gradient_quotient);
	tcase_add_test(tc, method_gradient_poisson);
	tcase_add_test(tc, method_gradient_template);
	tcase_add_test(tc, method_gradient_constraints);
	tcase_add_test(tc, template_render);
	tcase_add_test(tc, bad_configuration);
	tcase_add_test(tc, tiny_training);
	suite_add_tcase(s, tc);
	return s;
}
