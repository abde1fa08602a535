/* Unit tests of the training loop (lib/learn/loop.c) with a toy method defined here, so that
 * they test the loop and not a method: the loss falls on a tiny set, a run stopped and
 * resumed gives the same bytes as an uninterrupted one, streaming in one chunk gives the
 * same bytes as memory, the gradient hook sits between backward and the optimiser step, and
 * the reports come in order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "core/err.h"
#include "io/stream.h"
#include "learn/trainer.h"
#include "nn/loss.h"

#define S 8 /* views of S x S */

static char dir[64], data_path[128];

/* ---------------------------------------------------------------- a toy method */

/* It reads where a blob sits in view 0 (column 2, 3 or 4, which the pair's offset tells:
 * offset 30 p + 0..20 for column p) and regresses p - 3 with one dense layer: a problem a
 * linear model solves, so its loss must fall. */
typedef struct {
	float *xin, *target, *dout;
} toy_state;

static int toy_setup(sr_trainer *t)
{
	toy_state *s = calloc(1, sizeof *s);
	if (!s)
		return sr_fail("out of memory");
	t->mstate = s;
	int B = t->conf.batch;
	s->xin = malloc((size_t)B * S * S * sizeof *s->xin);
	s->target = malloc((size_t)B * sizeof *s->target);
	s->dout = malloc((size_t)B * sizeof *s->dout);
	if (!s->xin || !s->target || !s->dout)
		return sr_fail("out of memory");
	return sr_trainer_add_net(t, "toy", "dense OUT", 1, B) ? 0 : -1;
}

static int toy_batch(sr_trainer *t, const sr_batch *b, int train, double *loss)
{
	toy_state *s = t->mstate;
	for (int i = 0; i < b->n; i++) {
		memcpy(s->xin + (size_t)i * S * S, b->x + (size_t)i * b->views * S * S,
		       S * S * sizeof(float));
		s->target[i] = (float)(floor(b->delta[i] / 30) - 3);
	}
	if (sr_net_forward(t->nets[0], s->xin, b->n, train, b->step_seed) < 0)
		return -1;
	*loss = sr_loss_mse(sr_net_output(t->nets[0]), s->target, (size_t)b->n, s->dout);
	return train ? sr_net_backward(t->nets[0], s->dout) : 0;
}

static void toy_free(sr_trainer *t)
{
	toy_state *s = t->mstate;
	if (s) {
		free(s->xin);
		free(s->target);
		free(s->dout);
		free(s);
	}
	t->mstate = NULL;
}

static const sr_method toy = {.name = "toy", .views = 2, .setup = toy_setup,
                              .batch = toy_batch, .free = toy_free};

/* ---------------------------------------------------------------- data and runs */

static void make_data(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_train_loop.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(EXIT_FAILURE);
	}
	snprintf(data_path, sizeof data_path, "%s/pairs.strt", dir);
	FILE *f = fopen(data_path, "wb");
	if (!f)
		exit(EXIT_FAILURE);
	sr_record rec;
	sr_record_init(&rec);
	sr_write_options wo = {.format = SR_FORMAT_TENSOR};
	for (int i = 0; i < 90; i++) {
		int p = 2 + i % 3;
		double delta = 30 * p + (i * 7) % 20;
		if (sr_record_reshape(&rec, SR_LAYOUT_IMAGE, 2, S, S) < 0)
			exit(EXIT_FAILURE);
		memset(rec.data, 0, sr_record_size(&rec) * sizeof(float));
		for (int v = 0; v < 2; v++)
			for (int r = 3; r <= 4; r++)
				for (int c = p; c <= p + 1; c++)
					sr_record_view(&rec, v)[r * S + c] = 1;
		sr_meta_set(&rec.meta, "offset", "%g", delta);
		if (sr_record_write(f, &rec, &wo) < 0)
			exit(EXIT_FAILURE);
	}
	sr_record_free(&rec);
	fclose(f);
}

static void remove_data(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* What the reports said. */
typedef struct {
	int starts, batches, epochs, stops, last_epoch;
	double first_loss, last_loss, last_val;
	int in_order; /* every report after START, epochs counting up */
} heard;

static int listen(const sr_train_event *ev, void *ctx)
{
	heard *h = ctx;
	switch (ev->kind) {
	case SR_TRAIN_START: h->starts++; h->last_epoch = ev->epoch; break;
	case SR_TRAIN_BATCH: h->batches++; h->in_order &= h->starts == 1; break;
	case SR_TRAIN_EPOCH:
		h->in_order &= h->starts == 1 && ev->epoch == h->last_epoch + 1;
		h->last_epoch = ev->epoch;
		if (h->epochs++ == 0)
			h->first_loss = ev->train_loss;
		h->last_loss = ev->train_loss;
		h->last_val = ev->val_loss;
		break;
	case SR_TRAIN_STOPPED: h->stops++; break;
	}
	return 0;
}

static void toy_conf(sr_train_conf *c, const char *model, heard *h)
{
	sr_train_defaults(c);
	c->method = &toy;
	c->epochs = 6;
	c->batch = 8;
	c->lr = 0.05;
	c->clip = 0;
	c->val = 0.2;
	c->threads = 1;
	c->model = model;
	*h = (heard){.in_order = 1};
	c->report = listen;
	c->report_ctx = h;
}

static long file_bytes(const char *path, unsigned char **buf)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s missing", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	*buf = malloc((size_t)n);
	ck_assert(fread(*buf, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	return n;
}

static void assert_same_file(const char *a, const char *b)
{
	unsigned char *x, *y;
	long nx = file_bytes(a, &x), ny = file_bytes(b, &y);
	ck_assert_int_eq(nx, ny);
	ck_assert_msg(memcmp(x, y, (size_t)nx) == 0, "%s and %s differ", a, b);
	free(x);
	free(y);
}

static void train_ok(const sr_train_conf *c)
{
	char *paths[1] = {data_path};
	ck_assert_msg(sr_train(c, 1, paths) == 0, "%s", sr_errmsg());
}

/* ---------------------------------------------------------------- tests */

START_TEST(loss_falls)
{
	char m[128];
	snprintf(m, sizeof m, "%s/falls.model", dir);
	sr_train_conf c;
	heard h;
	toy_conf(&c, m, &h);
	train_ok(&c);
	ck_assert_int_eq(h.starts, 1);
	ck_assert_int_eq(h.epochs, 6);
	ck_assert_int_eq(h.batches, 6 * 9); /* 72 training records in batches of 8 */
	ck_assert(h.in_order);
	ck_assert_msg(h.last_loss < 0.2 * h.first_loss, "train loss %g -> %g", h.first_loss,
	              h.last_loss);
	ck_assert_msg(isfinite(h.last_val) && h.last_val < 0.2 * h.first_loss, "val loss %g",
	              h.last_val);
	sr_model *model = sr_model_load(m);
	ck_assert_msg(model != NULL, "%s", sr_errmsg());
	long records;
	ck_assert(sr_meta_get_long(sr_model_info(model), "train.records", &records) == 0);
	ck_assert_int_eq(records, 72);
	sr_model_free(model);
}
END_TEST

START_TEST(resume_is_bit_identical)
{
	char whole[128], parts[128], ckpt[140];
	snprintf(whole, sizeof whole, "%s/whole.model", dir);
	snprintf(parts, sizeof parts, "%s/parts.model", dir);
	snprintf(ckpt, sizeof ckpt, "%s.ckpt", parts);
	sr_train_conf c;
	heard h;
	toy_conf(&c, whole, &h);
	train_ok(&c);
	/* stopped after epoch 2 as if interrupted: a checkpoint, no model */
	toy_conf(&c, parts, &h);
	c.stop_after = 2;
	train_ok(&c);
	ck_assert_int_eq(h.stops, 1);
	ck_assert_int_eq(h.epochs, 2);
	ck_assert(access(parts, F_OK) != 0);
	ck_assert(access(ckpt, F_OK) == 0);
	/* resumed: epochs 3..6, then the same bytes as the uninterrupted run */
	toy_conf(&c, parts, &h);
	c.resume = 1;
	train_ok(&c);
	ck_assert_int_eq(h.epochs, 4);
	ck_assert(h.in_order);
	assert_same_file(whole, parts);
	ck_assert(access(ckpt, F_OK) != 0); /* removed once the model is written */
}
END_TEST

START_TEST(stream_in_one_chunk_is_memory)
{
	char mem[128], str[128];
	snprintf(mem, sizeof mem, "%s/mem.model", dir);
	snprintf(str, sizeof str, "%s/str.model", dir);
	sr_train_conf c;
	heard h;
	toy_conf(&c, mem, &h);
	train_ok(&c);
	toy_conf(&c, str, &h);
	c.stream = 1;
	c.chunk = 1000;
	train_ok(&c);
	assert_same_file(mem, str);
}
END_TEST

/* The hook sees the batch's gradients before the step: zeroing them there leaves the
 * parameters as initialised (Adam without weight decay moves nothing on zero gradients). */
typedef struct {
	long calls;
	int saw_gradient, fail_at;
} hook_log;

static int grad_hook(sr_trainer *t, double *loss, int n, int n_global, void *ctx)
{
	hook_log *l = ctx;
	l->calls++;
	ck_assert(isfinite(*loss));
	/* one process holds every sample of every global batch: 8, the last of an epoch too */
	ck_assert_int_eq(n, n_global);
	ck_assert_int_eq(n, 8);
	float *g = sr_net_grads(t->nets[0]);
	size_t np = sr_net_nparams(t->nets[0]);
	for (size_t i = 0; i < np; i++) {
		l->saw_gradient |= g[i] != 0;
		g[i] = 0;
	}
	if (l->fail_at && l->calls == l->fail_at)
		return sr_fail("reduction failed");
	return 0;
}

START_TEST(gradient_hook)
{
	char frozen[128], init[128];
	snprintf(frozen, sizeof frozen, "%s/frozen.model", dir);
	snprintf(init, sizeof init, "%s/init.model", dir);
	sr_train_conf c;
	heard h;
	hook_log l = {0};
	toy_conf(&c, frozen, &h);
	c.grad_hook = grad_hook;
	c.grad_ctx = &l;
	train_ok(&c);
	ck_assert_int_eq(l.calls, 6 * 9);
	ck_assert(l.saw_gradient);
	/* the parameters of the frozen run are the initial ones: those of a run of no steps'
	 * effect, i.e. any epochs count with every gradient zeroed */
	toy_conf(&c, init, &h);
	c.epochs = 1;
	hook_log l1 = {0};
	c.grad_hook = grad_hook;
	c.grad_ctx = &l1;
	train_ok(&c);
	sr_model *a = sr_model_load(frozen), *b = sr_model_load(init);
	ck_assert(a && b);
	sr_net *na = sr_model_net(a, "toy", 1), *nb = sr_model_net(b, "toy", 1);
	ck_assert(na && nb);
	ck_assert(memcmp(sr_net_params(na), sr_net_params(nb),
	                 sr_net_nparams(na) * sizeof(float)) == 0);
	sr_net_free(na);
	sr_net_free(nb);
	sr_model_free(a);
	sr_model_free(b);
	/* a failing hook stops the run with its message and writes no model */
	char failed[128];
	snprintf(failed, sizeof failed, "%s/failed.model", dir);
	toy_conf(&c, failed, &h);
	hook_log l2 = {.fail_at = 3};
	c.grad_hook = grad_hook;
	c.grad_ctx = &l2;
	char *paths[1] = {data_path};
	ck_assert_int_eq(sr_train(&c, 1, paths), -1);
	ck_assert_str_eq(sr_errmsg(), "reduction failed");
	ck_assert_int_eq(l2.calls, 3);
	ck_assert(access(failed, F_OK) != 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("train_loop");
	TCase *tc = tcase_create("loop");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, make_data, remove_data);
	tcase_add_test(tc, loss_falls);
	tcase_add_test(tc, resume_is_bit_identical);
	tcase_add_test(tc, stream_in_one_chunk_is_memory);
	tcase_add_test(tc, gradient_hook);
	suite_add_tcase(s, tc);
	return s;
}
