/* dataset.c: the training data of a run (dataset.h). */
#include "learn/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "image/imgproc.h"
#include "learn/distribution.h"
#include "learn/mirror.h"
#include "learn/ranks.h"
#include "core/embed3d.h"

/* ---------------------------------------------------------------- samples */

static void samples_free(sr_samples *s)
{
	free(s->x);
	free(s->delta);
	free(s->theta);
	free(s->k);
	free(s->q);
	memset(s, 0, sizeof *s);
}

/* Gives back the room beyond s->n (the doubling of samples_push). */
static void samples_fit(sr_samples *s)
{
	if (s->n == 0 || s->n == s->cap)
		return;
	float *x = realloc(s->x, (size_t)s->n * s->per * sizeof *x);
	if (x) { /* else the larger block stays */
		s->x = x;
		s->cap = s->n; /* the other arrays are small; their room is kept */
	}
}

static int samples_push(sr_samples *d, const sr_trainer *t, const sr_record *rec, double delta,
                        double theta, int k, const double *q)
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
		if (t->m->reads_truth == 2) {
			double *qq = realloc(d->q, (size_t)nc * 4 * sizeof *qq);
			if (!qq)
				return sr_fail("out of memory");
			d->q = qq;
		}
		d->cap = nc;
	}
	float *dst = d->x + (size_t)d->n * d->per;
	size_t vs = (size_t)t->h * t->w;
	for (int v = 0; v < t->views; v++)
		sr_normalise_layout(rec->data + v * vs, t->layout, t->w, t->h, dst + v * vs);
	d->delta[d->n] = delta;
	if (t->m->reads_truth) {
		d->theta[d->n] = theta;
		d->k[d->n] = k;
	}
	if (t->m->reads_truth == 2)
		memcpy(d->q + 4 * d->n, q, 4 * sizeof *q);
	d->n++;
	return 0;
}

/* Checks one record against the input shape (the first record fixes it) and reads what
 * training may read: the offset, and for reads_truth methods theta and k. */
static int take_record(sr_trainer *t, const sr_record *rec, double *delta, double *theta, int *k,
                       double *q)
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
		if (t->layout == SR_LAYOUT_PROFILE &&
		    (t->nangles = sr_profile_angles(rec, t->angles)) < 0)
			return -1;
	}
	if (rec->layout == SR_LAYOUT_PROFILE && rec->height > 1 && rec->height == t->h) {
		double phi[SR_MAX_PROFILES];
		if (sr_profile_angles(rec, phi) < 0)
			return -1;
		for (int j = 0; j < t->nangles; j++)
			if (fabs(phi[j] - t->angles[j]) > 1e-9)
				return sr_fail("project.angles differ from the first record's (profile %d: %g, "
				               "not %g)", j + 1, phi[j], t->angles[j]);
	}
	if (rec->layout != t->layout || rec->views != t->views || rec->height != t->h ||
	    rec->width != t->w)
		return sr_fail("shape %dx%dx%d differs from the first record's %dx%dx%d (centre --size "
		               "makes them equal)", rec->views, rec->height, rec->width, t->views, t->h,
		               t->w);
	*delta = NAN;
	if (t->views >= 2) {
		const char *key = t->m->pair_key ? t->m->pair_key : "offset";
		int r = sr_meta_get_double(&rec->meta, key, delta);
		if (r < 0)
			return -1;
		if (r == 1)
			return strcmp(key, "tilt")
			           ? sr_fail("pair has no offset key (the known stereo offset)")
			           : sr_fail("pair has no tilt key (method %s learns from 3D tilt pairs: "
			                     "stereopair --tilt)", t->m->name);
		double axis = 0;
		if (!strcmp(key, "tilt") && sr_meta_get_double(&rec->meta, "tilt_axis", &axis) < 0)
			return -1;
		if (axis != 0)
			return sr_fail("tilt_axis %g: method %s needs tilts about y (tilt_axis 0)", axis,
			               t->m->name);
	}
	*theta = NAN;
	*k = 0;
	if (t->m->reads_truth == 2) { /* the 3D oracle: the quaternion and the group */
		static const char *const qk[4] = {"qw", "qx", "qy", "qz"};
		for (int i = 0; i < 4; i++)
			if (sr_meta_get_double(&rec->meta, qk[i], &q[i]) != 0)
				return sr_fail("method %s needs the truth key %s", t->m->name, qk[i]);
		const char *g = sr_meta_get(&rec->meta, "group");
		if (!g || (*k = sr_embed_from_name(g)) < 0)
			return sr_fail("method %s needs the truth key group (C1, D5, T, O or I)",
			               t->m->name);
	} else if (t->m->reads_truth) {
		long kk;
		if (sr_meta_get_double(&rec->meta, "theta", theta) != 0)
			return sr_fail("method %s needs the truth key theta", t->m->name);
		if (rec->layout == SR_LAYOUT_PROFILE) /* the frame of the mirror (mirror.h) */
			*theta -= sr_profile_phi(rec);
		if (sr_meta_get_long(&rec->meta, "k", &kk) != 0 || kk < 1 || kk > 64)
			return sr_fail("method %s needs the truth key k (1..64)", t->m->name);
		*k = (int)kk;
	}
	return 0;
}

/* Reads the record into s, or fails with the file and record named (when it is the record's
 * fault; an allocation failure too when name_all). */
static int take_into(sr_samples *s, sr_trainer *t, const sr_record *rec, const sr_reader *rd,
                     int name_all)
{
	double delta, theta, q[4] = {1, 0, 0, 0};
	int k;
	if (take_record(t, rec, &delta, &theta, &k, q) < 0) {
		sr_fail_context("%s: record %ld", sr_reader_name(rd), sr_reader_count(rd));
		return -1;
	}
	if (!s->per)
		s->per = (size_t)t->views * t->h * t->w;
	if (samples_push(s, t, rec, delta, theta, k, q) < 0) {
		if (name_all)
			sr_fail_context("%s: record %ld", sr_reader_name(rd), sr_reader_count(rd));
		return -1;
	}
	return 0;
}

static int is_val(long i, double f)
{
	return floor((i + 1) * f) > floor(i * f);
}

/* ---------------------------------------------------------------- the input files */

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

/* ---------------------------------------------------------------- the data of a run */

/* Streaming when asked, or when the named regular files hold more than the memory limit;
 * streaming needs files that can be read again. */
static int decide_stream(const sr_train_conf *conf, int npaths, char **paths)
{
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
	if (!stream)
		return 0;
	if (npaths == 0)
		return sr_fail("--stream needs named input files (standard input cannot be re-read)");
	for (int i = 0; i < npaths; i++) {
		struct stat st;
		if (!strcmp(paths[i], "-") || stat(paths[i], &st) != 0 || !S_ISREG(st.st_mode))
			return sr_fail("%s: streaming needs regular files", paths[i]);
	}
	return 1;
}

int sr_dataset_open(sr_dataset *d, sr_trainer *t, int npaths, char **paths)
{
	memset(d, 0, sizeof *d);
	sr_record_init(&d->rec);
	d->npaths = npaths;
	d->paths = paths;
	if (t->m->reads_truth == 2 && t->conf.ranks > 1) /* ranks.c's wire has no quaternion */
		return sr_fail("method %s runs in one process", t->m->name);
	d->stream = decide_stream(&t->conf, npaths, paths);
	if (d->stream < 0)
		return -1;
	/* the first pass: validation records (and, in memory, the training records) */
	source s;
	src_open(&s, npaths, paths);
	int r;
	long ntrain = 0, nval = 0;
	/* the training views' particle size and level, for the model's info (distribution.h) */
	sr_distribution dist;
	sr_distribution_init(&dist);
	int P = t->conf.ranks, rank = t->conf.rank;
	d->shard = !d->stream && P > 1;
	double sum = 0;
	while ((r = src_next(&s, &d->rec)) == 1) {
		if (t->conf.max_records && s.index > t->conf.max_records)
			break;
		size_t nrec = sr_record_size(&d->rec);
		for (size_t i = 0; i < nrec; i++)
			sum += d->rec.data[i];
		int val = is_val(s.index - 1, t->conf.val);
		nval += val;
		if (!val && sr_distribution_add(&dist, &d->rec) < 0) {
			r = -1;
			break;
		}
		/* sharded: the records another rank holds are only checked */
		int elsewhere = d->shard && (val ? rank != 0 : ntrain % P != rank);
		if (val && !elsewhere) {
			if (take_into(&d->val, t, &d->rec, s.rd, 0) < 0) {
				r = -1;
				break;
			}
		} else if (d->stream || elsewhere) {
			double delta, theta, q[4];
			int k;
			if (take_record(t, &d->rec, &delta, &theta, &k, q) < 0) {
				sr_fail_context("%s: record %ld", sr_reader_name(s.rd), sr_reader_count(s.rd));
				r = -1;
				break;
			}
			ntrain += !val;
		} else {
			if (take_into(&d->train, t, &d->rec, s.rd, 0) < 0) {
				r = -1;
				break;
			}
			ntrain++;
		}
	}
	src_close(&s);
	if (r >= 0 && sr_distribution_store(&dist, &t->info) < 0)
		r = -1;
	sr_distribution_free(&dist);
	if (r < 0)
		return -1;
	if (ntrain == 0)
		return sr_fail("no training records (input empty, or all went to validation)");
	d->train.per = d->val.per = (size_t)t->views * t->h * t->w;
	samples_fit(&d->train);
	samples_fit(&d->val);
	t->ntrain = ntrain;
	t->nval = nval;
	t->data_sum = sum;
	t->val_x = d->val.x;
	t->val_delta = d->val.delta;
	t->val_theta = d->val.theta;
	t->val_k = d->val.k;
	t->val_q = d->val.q;
	return 0;
}

void sr_dataset_close(sr_dataset *d)
{
	if (d->src) {
		src_close(d->src);
		free(d->src);
	}
	samples_free(&d->train);
	samples_free(&d->val);
	sr_record_free(&d->rec);
	memset(d, 0, sizeof *d);
}

int sr_dataset_begin_pass(sr_dataset *d)
{
	d->src_done = 0;
	if (!d->stream)
		return 0;
	if (!d->src && !(d->src = calloc(1, sizeof(source))))
		return sr_fail("out of memory");
	src_close(d->src);
	src_open(d->src, d->npaths, d->paths);
	return 0;
}

long sr_dataset_next_chunk(sr_dataset *d, sr_trainer *t, const unsigned char *keep,
                           const sr_samples **chunk)
{
	*chunk = &d->train;
	if (d->src_done)
		return 0;
	if (!d->stream) { /* sharded: the pass holds every rank's records (sr_dataset_share) */
		d->src_done = 1;
		return d->shard ? t->ntrain : d->train.n;
	}
	source *s = d->src;
	int r = 1;
	long n = 0; /* the chunk's training records, held or not */
	d->train.n = 0;
	while (n < t->conf.chunk && (r = src_next(s, &d->rec)) == 1) {
		if (t->conf.max_records && s->index > t->conf.max_records) {
			r = 0;
			break;
		}
		if (is_val(s->index - 1, t->conf.val))
			continue;
		if (keep && !keep[n]) { /* another rank's: only checked */
			double delta, theta, q[4];
			int k;
			if (take_record(t, &d->rec, &delta, &theta, &k, q) < 0) {
				sr_fail_context("%s: record %ld", sr_reader_name(s->rd), sr_reader_count(s->rd));
				r = -1;
				break;
			}
		} else if (take_into(&d->train, t, &d->rec, s->rd, 1) < 0) {
			r = -1;
			break;
		}
		n++;
	}
	if (r < 0) {
		src_close(s);
		return -1;
	}
	if (r == 0) { /* the end of the pass: this chunk is its last */
		src_close(s);
		d->src_done = 1;
	}
	return n;
}

/* ---------------------------------------------------------------- batches */

int sr_batchbuf_alloc(sr_batchbuf *bb, int cap, size_t per)
{
	memset(bb, 0, sizeof *bb);
	bb->cap = cap;
	bb->per = per;
	bb->x = malloc((size_t)cap * per * sizeof *bb->x);
	bb->delta = malloc((size_t)cap * sizeof *bb->delta);
	bb->theta = malloc((size_t)cap * sizeof *bb->theta);
	bb->k = malloc((size_t)cap * sizeof *bb->k);
	bb->q = malloc((size_t)cap * 4 * sizeof *bb->q);
	if (!bb->x || !bb->delta || !bb->theta || !bb->k || !bb->q)
		return sr_fail("out of memory");
	return 0;
}

void sr_batchbuf_free(sr_batchbuf *bb)
{
	free(bb->x);
	free(bb->delta);
	free(bb->theta);
	free(bb->k);
	free(bb->q);
	memset(bb, 0, sizeof *bb);
}

void sr_batchbuf_add(sr_batchbuf *bb, const sr_samples *s, long i)
{
	int j = bb->n++;
	memcpy(bb->x + (size_t)j * s->per, s->x + (size_t)i * s->per, s->per * sizeof *bb->x);
	bb->delta[j] = s->delta[i];
	bb->theta[j] = s->theta ? s->theta[i] : NAN;
	bb->k[j] = s->k ? s->k[i] : 0;
	for (int c = 0; c < 4; c++)
		bb->q[4 * j + c] = s->q ? s->q[4 * i + c] : NAN;
}

sr_batch sr_batchbuf_batch(const sr_batchbuf *bb, const sr_trainer *t, int first, int total,
                           uint64_t step_seed)
{
	sr_batch b = {bb->n, first, t->views, t->h, t->w, bb->x, bb->delta,
	              t->m->reads_truth ? bb->theta : NULL, t->m->reads_truth ? bb->k : NULL,
	              step_seed, total, t->m->reads_truth == 2 ? bb->q : NULL};
	return b;
}

int sr_dataset_gather(const sr_dataset *d, const sr_trainer *t, const long *idx,
                      const int *taker, long n, sr_batchbuf *bb)
{
	return sr_ranks_gather(&d->train, idx, taker, n, t->conf.rank, t->conf.ranks, bb);
}
