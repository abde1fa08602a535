#include "learn/trainer.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image/imgproc.h"
#include "learn/mirror.h"
#include "core/err.h"
#include "core/rng.h"
#include "io/stream.h"

/* ---------------------------------------------------------------- configuration */

void sr_train_defaults(sr_train_conf *c)
{
	memset(c, 0, sizeof *c);
	c->method = "siamese";
	c->epochs = 20;
	c->batch = 32;
	c->lr = 1e-3;
	c->lr_min = 1e-5;
	c->warmup = 0;
	c->clip = 5;
	c->seed = 1;
	c->val = 0.1;
	c->heads = 12;
	c->kmin = 3;
	c->cons_weight = 0.02;
	c->head_pow = 0;
	c->augment = 1;
	c->mirror_weight = 1;
	c->zoom_weight = 1;
	c->latents = 2;
	c->loss = "mse";
	c->mem_limit_mb = 2048;
	c->chunk = 4096;
	c->progress = 0;
}

const sr_method *sr_method_find(const char *name)
{
	if (!strcmp(name, "siamese"))
		return &sr_method_siamese;
	if (!strcmp(name, "oracle"))
		return &sr_method_oracle;
	if (!strcmp(name, "generate"))
		return &sr_method_generate;
	return NULL;
}

/* ---------------------------------------------------------------- data */

typedef struct {
	long n, cap;
	size_t per;      /* floats per sample */
	float *x;
	double *delta, *theta;
	int *k;
} dataset;

static void ds_free(dataset *d)
{
	free(d->x);
	free(d->delta);
	free(d->theta);
	free(d->k);
	memset(d, 0, sizeof *d);
}

static int ds_push(dataset *d, sr_trainer *t, const sr_record *rec, double delta, double theta,
                   int k)
{
	if (d->n == d->cap) {
		long nc = d->cap ? 2 * d->cap : 256;
		float *x = realloc(d->x, (size_t)nc * d->per * sizeof *x);
		if (!x)
			return sr_fail("out of memory holding %ld records (try --stream)", nc);
		d->x = x;
		double *dl = realloc(d->delta, (size_t)nc * sizeof *dl);
		if (!dl)
			return sr_fail("out of memory");
		d->delta = dl;
		if (t->m->reads_truth) {
			double *th = realloc(d->theta, (size_t)nc * sizeof *th);
			int *kk = th ? realloc(d->k, (size_t)nc * sizeof *kk) : NULL;
			if (!th || !kk)
				return sr_fail("out of memory");
			d->theta = th;
			d->k = kk;
		}
		d->cap = nc;
	}
	float *dst = d->x + (size_t)d->n * d->per;
	size_t vs = (size_t)t->h * t->w;
	for (int v = 0; v < t->views; v++)
		sr_normalise_view(rec->data + v * vs, t->w, t->h, dst + v * vs);
	d->delta[d->n] = delta;
	if (t->m->reads_truth) {
		d->theta[d->n] = theta;
		d->k[d->n] = k;
	}
	d->n++;
	return 0;
}

/* Checks one record against the input shape (the first record fixes it) and reads what
 * training may read: the offset, and for reads_truth methods theta and k. */
static int take_record(sr_trainer *t, const sr_record *rec, double *delta, double *theta, int *k)
{
	if (t->layout == 0) {
		if (rec->layout != SR_LAYOUT_IMAGE && rec->layout != SR_LAYOUT_PROFILE)
			return sr_fail("records must be images or profiles");
		t->layout = rec->layout;
		t->views = rec->views;
		t->h = rec->height;
		t->w = rec->width;
		t->c = 1;
		if (t->views != t->m->views)
			return sr_fail("method %s needs records of %d views (stereo pairs: stereopair), "
			               "this one has %d", t->m->name, t->m->views, t->views);
	}
	if (rec->layout != t->layout || rec->views != t->views || rec->height != t->h ||
	    rec->width != t->w)
		return sr_fail("shape %dx%dx%d differs from the first record's %dx%dx%d (centre --size "
		               "makes them equal)", rec->views, rec->height, rec->width, t->views, t->h,
		               t->w);
	*delta = NAN;
	if (t->views >= 2) {
		int r = sr_meta_get_double(&rec->meta, "offset", delta);
		if (r < 0)
			return -1;
		if (r == 1)
			return sr_fail("pair has no offset key (the known stereo offset)");
	}
	*theta = NAN;
	*k = 0;
	if (t->m->reads_truth) {
		long kk;
		if (sr_meta_get_double(&rec->meta, "theta", theta) != 0)
			return sr_fail("method %s needs the truth key theta", t->m->name);
		if (rec->layout == SR_LAYOUT_PROFILE) /* the frame of the mirror (ambiguity.h) */
			*theta -= sr_profile_phi(rec);
		if (sr_meta_get_long(&rec->meta, "k", &kk) != 0 || kk < 1 || kk > 64)
			return sr_fail("method %s needs the truth key k (1..64)", t->m->name);
		*k = (int)kk;
	}
	return 0;
}

static int is_val(long i, double f)
{
	return floor((i + 1) * f) > floor(i * f);
}

/* The input files, read in sequence; a global record index over all of them. */
typedef struct {
	int npaths;
	char **paths;
	int cur;
	sr_reader *rd;
	long index;
} source;

static void src_close(source *s)
{
	if (s->rd)
		sr_reader_close(s->rd);
	s->rd = NULL;
}

static void src_open(source *s, int npaths, char **paths)
{
	memset(s, 0, sizeof *s);
	s->npaths = npaths;
	s->paths = paths;
}

/* 1: a record; 0: end; -1 error. */
static int src_next(source *s, sr_record *rec)
{
	for (;;) {
		if (!s->rd) {
			int n = s->npaths ? s->npaths : 1;
			if (s->cur >= n)
				return 0;
			s->rd = sr_reader_open(s->npaths ? s->paths[s->cur] : "-");
			if (!s->rd)
				return -1;
		}
		int r = sr_reader_next(s->rd, rec);
		if (r < 0)
			return -1;
		if (r == 1) {
			s->index++;
			return 1;
		}
		src_close(s);
		s->cur++;
	}
}

/* ---------------------------------------------------------------- networks */

sr_net *sr_trainer_add_net(sr_trainer *t, const char *name, const char *spec, int n_out,
                           int max_batch)
{
	if (t->nnets >= SR_TRAINER_MAX_NETS) {
		sr_fail("too many networks");
		return NULL;
	}
	if (!spec)
		spec = t->h == 1 ? SR_NET_DEFAULT_1D : SR_NET_DEFAULT_2D;
	sr_net *net = sr_net_create(spec, t->c, t->h, t->w, n_out, max_batch);
	if (!net)
		return NULL;
	sr_net_init(net, t->conf.seed * 1000003ULL + (uint64_t)t->nnets);
	sr_optim_conf oc;
	sr_optim_defaults(&oc);
	oc.lr = t->conf.lr;
	oc.clip = t->conf.clip;
	oc.weight_decay = t->conf.weight_decay;
	oc.warmup = t->conf.warmup;
	oc.lr_min = t->conf.lr_min;
	oc.total = 0; /* set when the step count is known */
	sr_optim *o = sr_optim_create(&oc, sr_net_nparams(net));
	char *nm = strdup(name);
	if (!o || !nm) {
		sr_net_free(net);
		sr_optim_free(o);
		free(nm);
		sr_fail("out of memory");
		return NULL;
	}
	sr_net_set_input_grad(net, 0);
	t->names[t->nnets] = nm;
	t->nets[t->nnets] = net;
	t->optims[t->nnets] = o;
	t->nnets++;
	return net;
}

/* ---------------------------------------------------------------- the loop */

typedef struct {
	int n;
	float *x;
	double *delta, *theta;
	int *k;
} batchbuf;

static int bb_alloc(batchbuf *bb, int n, size_t per)
{
	bb->x = malloc((size_t)n * per * sizeof *bb->x);
	bb->delta = malloc((size_t)n * sizeof *bb->delta);
	bb->theta = malloc((size_t)n * sizeof *bb->theta);
	bb->k = malloc((size_t)n * sizeof *bb->k);
	if (!bb->x || !bb->delta || !bb->theta || !bb->k)
		return sr_fail("out of memory");
	return 0;
}

static void bb_free(batchbuf *bb)
{
	free(bb->x);
	free(bb->delta);
	free(bb->theta);
	free(bb->k);
}

static void bb_set(batchbuf *bb, int j, const dataset *d, long i)
{
	memcpy(bb->x + (size_t)j * d->per, d->x + (size_t)i * d->per, d->per * sizeof *bb->x);
	bb->delta[j] = d->delta[i];
	bb->theta[j] = d->theta ? d->theta[i] : NAN;
	bb->k[j] = d->k ? d->k[i] : 0;
}

static sr_batch mkbatch(const sr_trainer *t, const batchbuf *bb, int n, uint64_t seed)
{
	sr_batch b = {n, t->views, t->h, t->w, bb->x, bb->delta,
	              t->m->reads_truth ? bb->theta : NULL, t->m->reads_truth ? bb->k : NULL, seed};
	return b;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void fmt_time(char *buf, size_t n, double s)
{
	if (s < 0 || !isfinite(s))
		snprintf(buf, n, "?");
	else if (s < 60)
		snprintf(buf, n, "%.0fs", s);
	else if (s < 3600)
		snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

typedef struct {
	sr_trainer *t;
	batchbuf bb;
	int fill;
	double loss_sum;
	long nb;
	double t0, last_draw;
	long done, total; /* pairs this epoch */
	int epoch;
} runner;

static int run_batch(runner *r)
{
	sr_trainer *t = r->t;
	if (!r->fill)
		return 0;
	for (int i = 0; i < t->nnets; i++)
		sr_net_zero_grad(t->nets[i]);
	sr_rng sr = sr_rng_derive(t->conf.seed ^ 0x9e3779b97f4a7c15ULL, (uint64_t)t->step);
	sr_batch b = mkbatch(t, &r->bb, r->fill, sr_rng_next(&sr));
	double loss;
	if (t->m->batch(t, &b, 1, &loss) < 0)
		return -1;
	for (int i = 0; i < t->nnets; i++)
		sr_optim_step(t->optims[i], sr_net_params(t->nets[i]), sr_net_grads(t->nets[i]));
	t->step++;
	r->loss_sum += loss;
	r->nb++;
	r->done += r->fill;
	r->fill = 0;
	if (t->conf.progress == 1) {
		double tn = now();
		if (tn - r->last_draw > 0.25 || r->done == r->total) {
			r->last_draw = tn;
			double el = tn - r->t0, rate = r->done / fmax(el, 1e-9);
			char eta[32];
			fmt_time(eta, sizeof eta, (r->total - r->done) / fmax(rate, 1e-9));
			int width = 24, fillw = (int)(width * (double)r->done / fmax(r->total, 1));
			char bar[32];
			for (int i = 0; i < width; i++)
				bar[i] = i < fillw ? '#' : '.';
			bar[width] = 0;
			fprintf(stderr, "\repoch %d/%d [%s] loss %.4f  %.0f pairs/s  ETA %s   ",
			        r->epoch, t->conf.epochs, bar, r->loss_sum / r->nb, rate, eta);
			fflush(stderr);
		}
	}
	return 0;
}

static void shuffle(long *idx, long n, sr_rng *rng)
{
	for (long i = n - 1; i > 0; i--) {
		long j = (long)(sr_rng_uniform(rng) * (i + 1));
		long tmp = idx[i];
		idx[i] = idx[j];
		idx[j] = tmp;
	}
}

/* Loads validation records into t (and, in memory mode, the training records into train).
 * Stream mode only counts the training records. */
static int load_data(sr_trainer *t, int npaths, char **paths, int stream, dataset *train,
                     dataset *val)
{
	source s;
	src_open(&s, npaths, paths);
	sr_record rec;
	sr_record_init(&rec);
	int r;
	long ntrain = 0;
	while ((r = src_next(&s, &rec)) == 1) {
		if (t->conf.max_records && s.index > t->conf.max_records)
			break;
		double delta, theta;
		int k;
		if (take_record(t, &rec, &delta, &theta, &k) < 0) {
			sr_fail_context("%s: record %ld", sr_reader_name(s.rd), sr_reader_count(s.rd));
			r = -1;
			break;
		}
		if (!val->per) {
			val->per = train->per = (size_t)t->views * t->h * t->w;
		}
		long i = s.index - 1;
		if (is_val(i, t->conf.val)) {
			if (ds_push(val, t, &rec, delta, theta, k) < 0) {
				r = -1;
				break;
			}
		} else if (stream) {
			ntrain++;
		} else {
			if (ds_push(train, t, &rec, delta, theta, k) < 0) {
				r = -1;
				break;
			}
			ntrain++;
		}
	}
	src_close(&s);
	sr_record_free(&rec);
	if (r < 0)
		return -1;
	if (ntrain == 0)
		return sr_fail("no training records (input empty, or all went to validation)");
	t->ntrain = ntrain;
	t->nval = val->n;
	return 0;
}

double sr_trainer_validate(sr_trainer *t)
{
	if (t->nval == 0)
		return NAN;
	batchbuf bb;
	dataset d = {t->nval, t->nval, (size_t)t->views * t->h * t->w, t->val_x, t->val_delta,
	             t->val_theta, t->val_k};
	if (bb_alloc(&bb, t->conf.batch, d.per) < 0) {
		bb_free(&bb);
		return NAN;
	}
	if (t->m->val_begin)
		t->m->val_begin(t);
	double sum = 0;
	long n = 0;
	for (long i = 0; i < t->nval; i += t->conf.batch) {
		int m = (int)(t->nval - i < t->conf.batch ? t->nval - i : t->conf.batch);
		for (int j = 0; j < m; j++)
			bb_set(&bb, j, &d, i + j);
		sr_batch b = mkbatch(t, &bb, m, 0);
		double loss;
		if (t->m->batch(t, &b, 0, &loss) < 0) {
			bb_free(&bb);
			return NAN;
		}
		sum += loss * m;
		n += m;
	}
	if (t->m->val_end)
		t->m->val_end(t);
	bb_free(&bb);
	return sum / n;
}

static int save_model(sr_trainer *t, const char *path, int with_optim)
{
	return sr_model_save(path, &t->info, t->nnets, (const char *const *)t->names, t->nets,
	                     with_optim ? t->optims : NULL);
}

static int file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static int try_resume(sr_trainer *t, const char *ckpt)
{
	if (!file_exists(ckpt))
		return 0;
	sr_model *m = sr_model_load(ckpt);
	if (!m)
		return sr_fail_context("--resume: %s", ckpt);
	const sr_meta *info = sr_model_info(m);
	const char *meth = sr_meta_get(info, "method");
	long ep = 0, st = 0;
	if (!meth || strcmp(meth, t->m->name) || sr_meta_get_long(info, "train.epoch", &ep) != 0 ||
	    sr_meta_get_long(info, "train.step", &st) != 0) {
		sr_model_free(m);
		return sr_fail("--resume: %s is not a %s checkpoint", ckpt, t->m->name);
	}
	for (int i = 0; i < t->nnets; i++) {
		if (sr_model_load_into(m, t->names[i], t->nets[i]) < 0 ||
		    sr_model_restore_optim(m, t->names[i], t->optims[i]) != 0) {
			sr_model_free(m);
			return sr_fail_context("--resume: %s", ckpt);
		}
	}
	sr_model_free(m);
	t->epoch = (int)ep;
	t->step = st;
	return 1;
}

static void set_common_info(sr_trainer *t)
{
	sr_meta_set(&t->info, "stemrot.model", "orientation");
	sr_meta_set(&t->info, "method", "%s", t->m->name);
	sr_meta_set(&t->info, "input.layout", "%s", t->layout == SR_LAYOUT_PROFILE ? "profile" : "image");
	sr_meta_set_long(&t->info, "input.views", t->views);
	sr_meta_set_long(&t->info, "input.height", t->h);
	sr_meta_set_long(&t->info, "input.width", t->w);
	sr_meta_set(&t->info, "input.norm", "level");
	sr_meta_set_long(&t->info, "train.epochs", t->conf.epochs);
	sr_meta_set_long(&t->info, "train.batch", t->conf.batch);
	sr_meta_set_double(&t->info, "train.lr", t->conf.lr);
	sr_meta_set(&t->info, "train.seed", "%llu", (unsigned long long)t->conf.seed);
	sr_meta_set_double(&t->info, "train.val", t->conf.val);
	sr_meta_set(&t->info, "train.augment", "%s", t->conf.augment ? "dihedral" : "none");
	sr_meta_set_double(&t->info, "train.mirror_weight", t->conf.mirror_weight);
	sr_meta_set_double(&t->info, "train.zoom_weight", t->conf.zoom_weight);
	sr_meta_set_long(&t->info, "train.records", t->ntrain);
	sr_meta_set_long(&t->info, "train.val_records", t->nval);
	if (t->m->reads_truth)
		sr_meta_set(&t->info, "train.reads_truth", "yes (supervised oracle: upper bound only)");
}

int sr_train(const sr_train_conf *conf, int npaths, char **paths)
{
	sr_trainer T, *t = &T;
	memset(t, 0, sizeof *t);
	t->conf = *conf;
	sr_meta_init(&t->info);
	int rc = -1;
	dataset train = {0}, val = {0};
	runner R;
	memset(&R, 0, sizeof R);
	FILE *logf = NULL;
	char *ckpt = NULL;
	long *idx = NULL;
	sr_record rec;
	sr_record_init(&rec);

	t->m = sr_method_find(conf->method);
	if (!t->m) {
		sr_fail("--method: unknown method '%s'", conf->method);
		goto out;
	}
	if (conf->threads > 0)
		sr_nn_set_threads(conf->threads);

	/* streaming decision */
	int stream = conf->stream;
	if (!stream && npaths > 0) {
		double total = 0;
		for (int i = 0; i < npaths; i++) {
			struct stat st;
			if (strcmp(paths[i], "-") && stat(paths[i], &st) == 0 && S_ISREG(st.st_mode))
				total += st.st_size;
		}
		if (total > conf->mem_limit_mb * 1048576.0)
			stream = 1;
	}
	if (stream) {
		if (npaths == 0) {
			sr_fail("--stream needs named input files (standard input cannot be re-read)");
			goto out;
		}
		for (int i = 0; i < npaths; i++) {
			struct stat st;
			if (!strcmp(paths[i], "-") || stat(paths[i], &st) != 0 || !S_ISREG(st.st_mode)) {
				sr_fail("%s: streaming needs regular files", paths[i]);
				goto out;
			}
		}
	}
	if (load_data(t, npaths, paths, stream, &train, &val) < 0)
		goto out;
	t->val_x = val.x;
	t->val_delta = val.delta;
	t->val_theta = val.theta;
	t->val_k = val.k;

	if (t->m->setup(t) < 0)
		goto out;
	long steps_per_epoch = (t->ntrain + conf->batch - 1) / conf->batch;
	for (int i = 0; i < t->nnets; i++)
		t->optims[i]->conf.total = steps_per_epoch * conf->epochs;
	set_common_info(t);

	if (conf->checkpoint) {
		ckpt = strdup(conf->checkpoint);
	} else {
		size_t len = strlen(conf->model) + 6;
		ckpt = malloc(len);
		if (ckpt)
			snprintf(ckpt, len, "%s.ckpt", conf->model);
	}
	if (!ckpt) {
		sr_fail("out of memory");
		goto out;
	}
	if (conf->resume) {
		int r = try_resume(t, ckpt);
		if (r < 0)
			goto out;
		if (r == 1 && conf->progress >= 0)
			fprintf(stderr, "%s: resuming after epoch %d from %s\n", sr_progname(), t->epoch,
			        ckpt);
	}
	if (conf->log) {
		logf = fopen(conf->log, t->epoch > 0 ? "a" : "w");
		if (!logf) {
			sr_fail("--log: %s: %s", conf->log, strerror(errno));
			goto out;
		}
		if (t->epoch == 0)
			fprintf(logf, "epoch\ttrain_loss\tval_loss\tlr\tpairs_per_s\tseconds\n");
	}
	if (conf->progress >= 0)
		fprintf(stderr, "%s: %s: %ld training and %ld validation records of %dx%dx%d%s, "
		        "%zu parameters\n", sr_progname(), t->m->name, t->ntrain, t->nval, t->views,
		        t->h, t->w, stream ? " (streamed)" : "", sr_net_nparams(t->nets[0]));

	R.t = t;
	size_t per = (size_t)t->views * t->h * t->w;
	if (bb_alloc(&R.bb, conf->batch, per) < 0)
		goto out;
	if (!stream) {
		idx = malloc((size_t)t->ntrain * sizeof *idx);
		if (!idx) {
			sr_fail("out of memory");
			goto out;
		}
	} else {
		idx = malloc((size_t)conf->chunk * sizeof *idx);
		train.per = per;
		train.cap = 0;
		if (!idx) {
			sr_fail("out of memory");
			goto out;
		}
	}

	for (int e = t->epoch; e < conf->epochs; e++) {
		R.epoch = e + 1;
		R.t0 = now();
		R.last_draw = 0;
		R.loss_sum = 0;
		R.nb = 0;
		R.done = 0;
		R.total = t->ntrain;
		R.fill = 0;
		sr_rng rng = sr_rng_derive(conf->seed, 1000003ULL + (uint64_t)e);
		if (!stream) {
			for (long i = 0; i < t->ntrain; i++)
				idx[i] = i;
			shuffle(idx, t->ntrain, &rng);
			for (long i = 0; i < t->ntrain; i++) {
				bb_set(&R.bb, R.fill++, &train, idx[i]);
				if (R.fill == conf->batch && run_batch(&R) < 0)
					goto out;
			}
			if (run_batch(&R) < 0)
				goto out;
		} else {
			source s;
			src_open(&s, npaths, paths);
			int r = 1;
			while (r == 1) {
				train.n = 0;
				while (train.n < conf->chunk && (r = src_next(&s, &rec)) == 1) {
					if (conf->max_records && s.index > conf->max_records) {
						r = 0;
						break;
					}
					if (is_val(s.index - 1, conf->val))
						continue;
					double delta, theta;
					int k;
					if (take_record(t, &rec, &delta, &theta, &k) < 0 ||
					    ds_push(&train, t, &rec, delta, theta, k) < 0) {
						sr_fail_context("%s: record %ld", sr_reader_name(s.rd),
						                sr_reader_count(s.rd));
						r = -1;
						break;
					}
				}
				if (r < 0) {
					src_close(&s);
					goto out;
				}
				for (long i = 0; i < train.n; i++)
					idx[i] = i;
				shuffle(idx, train.n, &rng);
				for (long i = 0; i < train.n; i++) {
					bb_set(&R.bb, R.fill++, &train, idx[i]);
					if (R.fill == conf->batch && run_batch(&R) < 0) {
						src_close(&s);
						goto out;
					}
				}
			}
			src_close(&s);
			if (run_batch(&R) < 0)
				goto out;
		}
		double el = now() - R.t0;
		double tl = R.loss_sum / fmax(R.nb, 1);
		t->val_loss = sr_trainer_validate(t);
		t->epoch = e + 1;
		double lr = sr_optim_lr(&t->optims[0]->conf, t->step > 0 ? t->step - 1 : 0);
		if (conf->progress == 1)
			fprintf(stderr, "\r\033[K");
		if (conf->progress >= 0)
			fprintf(stderr, "epoch %d/%d train %.5f val %.5f lr %.3g %.0f pairs/s %.1fs\n",
			        e + 1, conf->epochs, tl, t->val_loss, lr, t->ntrain / fmax(el, 1e-9), el);
		if (logf) {
			fprintf(logf, "%d\t%.6g\t%.6g\t%.6g\t%.1f\t%.2f\n", e + 1, tl, t->val_loss, lr,
			        t->ntrain / fmax(el, 1e-9), el);
			fflush(logf);
		}
		if (isfinite(t->val_loss))
			sr_meta_set(&t->info, "val.loss", "%.6g", t->val_loss);
		sr_meta_set_long(&t->info, "train.epoch", t->epoch);
		sr_meta_set_long(&t->info, "train.step", t->step);
		if (e + 1 < conf->epochs && save_model(t, ckpt, 1) < 0) {
			sr_fail_context("checkpoint %s", ckpt);
			goto out;
		}
		if (conf->stop_after > 0 && t->epoch >= conf->stop_after && t->epoch < conf->epochs) {
			if (conf->progress >= 0)
				fprintf(stderr, "%s: stopped after epoch %d as asked; --resume continues from "
				        "%s\n", sr_progname(), t->epoch, ckpt);
			rc = 0;
			goto out;
		}
	}
	if (t->epoch == conf->epochs && conf->epochs > 0 && !isfinite(t->val_loss))
		t->val_loss = sr_trainer_validate(t);
	if (t->m->finish && t->m->finish(t) < 0)
		goto out;
	if (save_model(t, conf->model, 0) < 0) {
		sr_fail_context("%s", conf->model);
		goto out;
	}
	unlink(ckpt);
	rc = 0;
out:
	if (logf)
		fclose(logf);
	bb_free(&R.bb);
	free(idx);
	free(ckpt);
	sr_record_free(&rec);
	if (t->m && t->m->free)
		t->m->free(t);
	for (int i = 0; i < t->nnets; i++) {
		sr_net_free(t->nets[i]);
		sr_optim_free(t->optims[i]);
		free(t->names[i]);
	}
	ds_free(&train);
	ds_free(&val);
	sr_meta_free(&t->info);
	return rc;
}
