/* test_nn_train.c: a tiny deterministic training run whose loss falls (same bytes at 1 and 2
 * threads), optimisers and schedules, and model files (round trip, and clear errors for
 * truncated, corrupt, wrong-version and wrong-architecture files). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "core/err.h"
#include "core/meta.h"
#include "nn/nn.h"
#include "core/rng.h"
#include "nn/loss.h"

#define S 12
#define TINY "conv 8 3; relu; maxpool 2; dropout 0.1; conv 8 3 same; tanh; avgpool 2; flatten; dense 16; relu; dense OUT"

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_nn_trainXXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* a bar through the centre at angle th; target (cos 2th, sin 2th) */
static void bar_image(float *img, double th)
{
	double c = cos(th), s = sin(th);
	for (int y = 0; y < S; y++)
		for (int x = 0; x < S; x++) {
			double dx = x + 0.5 - S / 2.0, dy = S / 2.0 - (y + 0.5);
			double d = fabs(-s * dx + c * dy);
			img[y * S + x] = (float)exp(-d * d / 2.0);
		}
}

/* Trains TINY for `steps` Adam steps; returns first and last loss; leaves the net. */
static sr_net *train(int threads, int steps, double *first, double *last, sr_optim **opt_out)
{
	sr_nn_set_threads(threads);
	int B = 8; /* pairs: 2B images, Siamese layout (A's then B's) */
	sr_net *net = sr_net_create(TINY, 1, S, S, 2, 2 * B);
	ck_assert_msg(net != NULL, "%s", sr_errmsg());
	sr_net_init(net, 42);
	sr_net_set_input_grad(net, 0);
	sr_optim_conf oc;
	sr_optim_defaults(&oc);
	oc.lr = 1e-2;
	oc.warmup = 5;
	oc.total = steps;
	oc.clip = 5;
	sr_optim *opt = sr_optim_create(&oc, sr_net_nparams(net));
	float *in = malloc(2 * B * S * S * sizeof *in), tgt[2 * 16 * 2], dout[2 * 16 * 2];
	for (int it = 0; it < steps; it++) {
		sr_rng r = sr_rng_derive(7, (uint64_t)it);
		for (int i = 0; i < 2 * B; i++) {
			double th = sr_rng_range(&r, 0, M_PI);
			bar_image(in + i * S * S, th);
			tgt[2 * i] = (float)cos(2 * th), tgt[2 * i + 1] = (float)sin(2 * th);
		}
		ck_assert_int_eq(sr_net_forward(net, in, 2 * B, 1, (uint64_t)it), 0);
		double loss = sr_loss_mse(sr_net_output(net), tgt, 2 * B * 2, dout);
		if (it == 0)
			*first = loss;
		*last = loss;
		sr_net_zero_grad(net);
		ck_assert_int_eq(sr_net_backward(net, dout), 0);
		sr_optim_step(opt, sr_net_params(net), sr_net_grads(net));
	}
	free(in);
	sr_nn_set_threads(0);
	if (opt_out)
		*opt_out = opt;
	else
		sr_optim_free(opt);
	return net;
}

START_TEST(training_falls_and_is_deterministic)
{
	double f1, l1, f2, l2;
	/* average of the last few losses would be smoother; the run is deterministic anyway */
	sr_net *a = train(1, 150, &f1, &l1, NULL);
	sr_net *b = train(2, 150, &f2, &l2, NULL);
	if (getenv("NN_VERBOSE"))
		fprintf(stderr, "loss %g -> %g\n", f1, l1);
	ck_assert_msg(l1 < 0.3 * f1, "loss did not fall: %g -> %g", f1, l1);
	ck_assert_int_eq(sr_net_nparams(a), sr_net_nparams(b));
	ck_assert_msg(memcmp(sr_net_params(a), sr_net_params(b), sr_net_nparams(a) * 4) == 0,
	              "1 and 2 threads give different models");
	ck_assert(f1 == f2 && l1 == l2);
	/* and the model files are byte-identical */
	make_tmpdir();
	char pa[128], pb[128];
	snprintf(pa, sizeof pa, "%s/a.model", tmpdir);
	snprintf(pb, sizeof pb, "%s/b.model", tmpdir);
	const char *names[] = {"net"};
	ck_assert_int_eq(sr_model_save(pa, NULL, 1, names, &a, NULL), 0);
	ck_assert_int_eq(sr_model_save(pb, NULL, 1, names, &b, NULL), 0);
	FILE *fa = fopen(pa, "rb"), *fb = fopen(pb, "rb");
	int ca, cb;
	do {
		ca = getc(fa), cb = getc(fb);
		ck_assert_int_eq(ca, cb);
	} while (ca != EOF);
	fclose(fa), fclose(fb);
	rm_tmpdir();
	sr_net_free(a);
	sr_net_free(b);
}
END_TEST

START_TEST(siamese_batch_shares_weights)
{
	sr_net *net = sr_net_create(TINY, 1, S, S, 3, 4);
	sr_net_init(net, 1);
	float in[4 * S * S], out4[12], out2[6];
	for (int i = 0; i < 4; i++)
		bar_image(in + i * S * S, 0.3 * i);
	sr_net_forward(net, in, 4, 0, 0);
	memcpy(out4, sr_net_output(net), sizeof out4);
	sr_net_forward(net, in + 2 * S * S, 2, 0, 0);
	memcpy(out2, sr_net_output(net), sizeof out2);
	ck_assert(memcmp(out2, out4 + 6, sizeof out2) == 0);
	/* dropout masks depend on (seed, image), not on the thread count or batch */
	sr_net_forward(net, in, 4, 1, 5);
	const unsigned char *m1 = sr_net_dropout_mask(net, 3, 1);
	ck_assert_ptr_nonnull(m1);
	int kept = 0, n = 8 * 5 * 5;
	for (int i = 0; i < n; i++)
		kept += m1[i] == 1;
	ck_assert(kept > n / 2 && kept < n);
	ck_assert_ptr_null(sr_net_dropout_mask(net, 0, 1));
	sr_net_free(net);
}
END_TEST

START_TEST(optimisers)
{
	/* Adam: first step moves each parameter by lr against the gradient's sign */
	sr_optim_conf c;
	sr_optim_defaults(&c);
	c.lr = 0.1;
	sr_optim *o = sr_optim_create(&c, 2);
	float p[2] = {1, -1}, g[2] = {0.5f, -2};
	sr_optim_step(o, p, g);
	ck_assert(fabs(p[0] - 0.9) < 1e-6 && fabs(p[1] + 0.9) < 1e-6);
	/* second step by hand: m = 0.9 m + 0.1 g, v = 0.999 v + 0.001 g^2, bias-corrected */
	g[0] = 1, g[1] = 0;
	double m0 = 0.1 * 0.5, v0 = 0.001 * 0.25;
	double m1 = 0.9 * m0 + 0.1, v1 = 0.999 * v0 + 0.001;
	double expect = 0.9 - 0.1 / (1 - 0.81) * m1 / (sqrt(v1) / sqrt(1 - 0.999 * 0.999) + 1e-8);
	sr_optim_step(o, p, g);
	ck_assert_msg(fabs(p[0] - expect) < 1e-6, "adam step 2: %g vs %g", p[0], expect);
	ck_assert_int_eq(o->t, 2);
	sr_optim_free(o);
	/* AdamW decays decoupled: zero gradient still shrinks */
	c.kind = SR_OPT_ADAMW, c.weight_decay = 0.5;
	o = sr_optim_create(&c, 1);
	float q = 2, z = 0;
	sr_optim_step(o, &q, &z);
	ck_assert(fabs(q - 2 * (1 - 0.1 * 0.5)) < 1e-6);
	sr_optim_free(o);
	/* SGD with momentum, PyTorch form */
	sr_optim_defaults(&c);
	c.kind = SR_OPT_SGD, c.lr = 0.1, c.momentum = 0.9;
	o = sr_optim_create(&c, 1);
	q = 1;
	float gg = 1;
	sr_optim_step(o, &q, &gg); /* buf = 1, q = 0.9 */
	sr_optim_step(o, &q, &gg); /* buf = 1.9, q = 0.71 */
	ck_assert(fabs(q - 0.71) < 1e-6);
	sr_optim_free(o);
	/* schedule */
	sr_optim_defaults(&c);
	c.lr = 1, c.warmup = 10, c.total = 110, c.lr_min = 0;
	ck_assert(fabs(sr_optim_lr(&c, 0) - 0.1) < 1e-12);
	ck_assert(fabs(sr_optim_lr(&c, 9) - 1) < 1e-12);
	ck_assert(fabs(sr_optim_lr(&c, 60) - 0.5) < 1e-12);
	ck_assert(fabs(sr_optim_lr(&c, 110)) < 1e-12);
	ck_assert(fabs(sr_optim_lr(&c, 500)) < 1e-12);
	c.warmup = 0, c.step_size = 10, c.gamma = 0.5;
	ck_assert(fabs(sr_optim_lr(&c, 25) - 0.25) < 1e-12);
	/* clipping */
	float v[2] = {3, 4};
	ck_assert(fabs(sr_grad_clip(v, 2, 1) - 5) < 1e-9);
	ck_assert(fabs(hypot(v[0], v[1]) - 1) < 1e-5);
	v[0] = 0.3f, v[1] = 0.4f;
	sr_grad_clip(v, 2, 1);
	ck_assert(v[0] == 0.3f && v[1] == 0.4f);
}
END_TEST

static void write_bytes(const char *path, const unsigned char *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(b, 1, n, f), n);
	fclose(f);
}

static unsigned char *read_bytes(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	unsigned char *b = malloc(1 << 22);
	*n = fread(b, 1, 1 << 22, f);
	fclose(f);
	return b;
}

static void expect_load_error(const char *path, const char *needle)
{
	sr_model *m = sr_model_load(path);
	ck_assert_msg(m == NULL, "bad file loaded (%s)", needle);
	ck_assert_msg(strstr(sr_errmsg(), needle) != NULL, "message '%s' lacks '%s'", sr_errmsg(),
	              needle);
}

START_TEST(model_files)
{
	make_tmpdir();
	char path[128], bad[128];
	snprintf(path, sizeof path, "%s/m.model", tmpdir);
	snprintf(bad, sizeof bad, "%s/bad.model", tmpdir);
	double f, l;
	sr_optim *opt;
	sr_net *enc = train(2, 5, &f, &l, &opt);
	sr_net *dec = sr_net_create("dense 18; relu; reshape 2 3 3; upsample 2 bilinear; convt 1 3; sigmoid",
	                            1, 1, 4, 0, 3);
	ck_assert_ptr_nonnull(dec);
	sr_net_init(dec, 9);
	sr_meta info;
	sr_meta_init(&info);
	sr_meta_set(&info, "method", "generate");
	sr_meta_set_long(&info, "order", 4);
	sr_meta_set_double(&info, "calib.zero", 12.5);
	const char *names[] = {"encoder", "decoder"};
	sr_net *nets[] = {enc, dec};
	sr_optim *opts[] = {opt, NULL};
	ck_assert_msg(sr_model_save(path, &info, 2, names, nets, opts) == 0, "%s", sr_errmsg());
	/* no temporary file left behind */
	char cmd[256];
	snprintf(cmd, sizeof cmd, "test $(ls '%s' | wc -l) -eq 1", tmpdir);
	ck_assert_int_eq(system(cmd), 0);

	sr_model *m = sr_model_load(path);
	ck_assert_msg(m != NULL, "%s", sr_errmsg());
	ck_assert_int_eq(sr_model_nnets(m), 2);
	ck_assert_str_eq(sr_model_net_name(m, 1), "decoder");
	ck_assert_str_eq(sr_meta_get(sr_model_info(m), "method"), "generate");
	double z;
	ck_assert_int_eq(sr_meta_get_double(sr_model_info(m), "calib.zero", &z), 0);
	ck_assert(z == 12.5);
	sr_net *e2 = sr_model_net(m, "encoder", 5), *d2 = sr_model_net(m, "decoder", 2);
	ck_assert_msg(e2 && d2, "%s", sr_errmsg());
	ck_assert(memcmp(sr_net_params(e2), sr_net_params(enc), sr_net_nparams(enc) * 4) == 0);
	ck_assert(memcmp(sr_net_params(d2), sr_net_params(dec), sr_net_nparams(dec) * 4) == 0);
	ck_assert_int_eq(sr_net_max_batch(e2), 5);
	/* optimiser state */
	sr_optim *o2 = sr_optim_create(&opt->conf, sr_net_nparams(enc));
	ck_assert_int_eq(sr_model_restore_optim(m, "encoder", o2), 0);
	ck_assert_int_eq(o2->t, 5);
	ck_assert(memcmp(o2->m, opt->m, 2 * opt->n * 4) == 0);
	ck_assert_int_eq(sr_model_restore_optim(m, "decoder", o2), 1);
	sr_optim_free(o2);
	ck_assert_ptr_null(sr_model_net(m, "nobody", 1));
	ck_assert_ptr_nonnull(strstr(sr_errmsg(), "nobody"));
	/* wrong architecture */
	sr_net *other = sr_net_create("conv 4 3; relu; flatten; dense OUT", 1, S, S, 2, 1);
	ck_assert_int_eq(sr_model_load_into(m, "encoder", other), -1);
	ck_assert_ptr_nonnull(strstr(sr_errmsg(), "wrong architecture"));
	sr_net_free(other);
	other = sr_net_create(TINY, 1, S, S, 3, 1);
	ck_assert_int_eq(sr_model_load_into(m, "encoder", other), -1);
	ck_assert_ptr_nonnull(strstr(sr_errmsg(), "wrong architecture"));
	sr_net_free(other);
	/* same architecture spelt differently loads */
	other = sr_net_create("conv 8 3 ;relu;maxpool 2 stride 2; dropout 0.1\nconv 8 3 same\ntanh; "
	                      "avgpool 2; flatten; dense 16; relu; dense 2", 1, S, S, 2, 1);
	ck_assert_msg(sr_model_load_into(m, "encoder", other) == 0, "%s", sr_errmsg());
	sr_net_free(other);
	sr_model_free(m);

	/* damaged files */
	size_t n;
	unsigned char *b = read_bytes(path, &n);
	ck_assert(n > 100);
	write_bytes(bad, b, 0);
	expect_load_error(bad, "truncated");
	write_bytes(bad, b, 20);
	expect_load_error(bad, "truncated");
	write_bytes(bad, b, n / 2);
	expect_load_error(bad, "truncated");
	write_bytes(bad, b, n - 1);
	expect_load_error(bad, "truncated");
	unsigned char *c = malloc(n + 1);
	memcpy(c, b, n);
	c[n] = 0;
	write_bytes(bad, c, n + 1);
	expect_load_error(bad, "corrupt");
	memcpy(c, b, n);
	c[n - 10] ^= 0x40;
	write_bytes(bad, c, n);
	expect_load_error(bad, "corrupt");
	memcpy(c, b, n);
	c[17] ^= 1; /* payload length in the header */
	write_bytes(bad, c, n);
	expect_load_error(bad, "header CRC");
	memcpy(c, b, n);
	c[0] = 'X';
	write_bytes(bad, c, n);
	expect_load_error(bad, "not a stemrot model");
	/* version 2 with a valid header CRC */
	memcpy(c, b, n);
	c[8] = 2;
	{
		/* recompute the header CRC (bytes 0..35) */
		unsigned long crc = 0xffffffffUL;
		for (int i = 0; i < 36; i++) {
			crc ^= c[i];
			for (int k = 0; k < 8; k++)
				crc = (crc >> 1) ^ (0xedb88320UL & (0 - (crc & 1)));
		}
		crc ^= 0xffffffffUL;
		c[36] = crc & 255, c[37] = (crc >> 8) & 255, c[38] = (crc >> 16) & 255, c[39] = crc >> 24;
	}
	write_bytes(bad, c, n);
	expect_load_error(bad, "version 2");
	expect_load_error("/nonexistent/x.model", "/nonexistent/x.model");
	/* garbage of every length up to 64 never crashes */
	for (size_t k = 0; k < 64; k++) {
		write_bytes(bad, b, k);
		ck_assert_ptr_null(sr_model_load(bad));
	}
	free(b);
	free(c);
	/* unwritable place: clear error, nothing left */
	ck_assert_int_eq(sr_model_save("/nonexistent/dir/m.model", &info, 2, names, nets, NULL), -1);
	ck_assert_ptr_nonnull(strstr(sr_errmsg(), "/nonexistent/dir/m.model"));
	const char *dup[] = {"a", "a"};
	ck_assert_int_eq(sr_model_save(path, &info, 2, dup, nets, NULL), -1);
	sr_meta_free(&info);
	sr_optim_free(opt);
	sr_net_free(enc), sr_net_free(dec), sr_net_free(e2), sr_net_free(d2);
	rm_tmpdir();
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("nn_train");
	TCase *tc = tcase_create("train");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, training_falls_and_is_deterministic);
	tcase_add_test(tc, siamese_batch_shares_weights);
	tcase_add_test(tc, optimisers);
	tcase_add_test(tc, model_files);
	suite_add_tcase(s, tc);
	return s;
}
