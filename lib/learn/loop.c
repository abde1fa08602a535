/* loop.c: sr_train, the epoch loop (trainer.h, LOOP).  Read top to bottom: set up, then per
 * epoch: shuffle, batches (zero gradients, forward and backward, the gradient hook,
 * optimiser steps), validation, report, checkpoint; then the method's final keys and the
 * model.  In a data-parallel run every process goes through the same shuffled records and
 * keeps its share of each global batch (conf.rank of conf.ranks), gathered from the ranks
 * that hold them when the records are sharded (dataset.h, SHARDS); rank 0 alone validates
 * and finishes. */
#include "learn/trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/rng.h"
#include "learn/checkpoint.h"
#include "learn/dataset.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int report(const sr_trainer *t, sr_train_event *ev)
{
	ev->t = t;
	return t->conf.report ? t->conf.report(ev, t->conf.report_ctx) : 0;
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

/* The running sums of one epoch, and the global batch being gathered: `pos` of its `size`
 * samples seen, this process's share [lo, hi) of them (all of them in one process). */
typedef struct {
	double loss_sum, t0;
	long nb, done;
	int pos, size, lo, hi;
} epoch_sums;

/* The next global batch: batch samples, or what is left of the epoch; this rank's share. */
static void next_global_batch(const sr_trainer *t, epoch_sums *es)
{
	long left = t->ntrain - es->done;
	es->size = (int)(left < t->conf.batch && left > 0 ? left : t->conf.batch);
	es->lo = (int)((long)es->size * t->conf.rank / t->conf.ranks);
	es->hi = (int)((long)es->size * (t->conf.rank + 1) / t->conf.ranks);
	es->pos = 0;
}

/* The rank that takes sample q of the epoch (q counts the samples of all its chunks): rank r
 * takes positions [G r / P, G (r + 1) / P) of a global batch of G, as next_global_batch. */
static int taker_of(const sr_trainer *t, long q)
{
	long G = t->conf.batch, b = q / G, pos = q - b * G;
	long size = t->ntrain - b * G < G ? t->ntrain - b * G : G;
	return (int)(((pos + 1) * t->conf.ranks - 1) / size);
}

/* One optimiser step on the gathered global batch (nothing when it is empty). */
static int train_step(sr_trainer *t, sr_batchbuf *bb, epoch_sums *es, int epoch)
{
	if (!es->pos)
		return 0;
	for (int i = 0; i < t->nnets; i++)
		sr_net_zero_grad(t->nets[i]);
	sr_rng sr = sr_rng_derive(t->conf.seed ^ 0x9e3779b97f4a7c15ULL, (uint64_t)t->step);
	sr_batch b = sr_batchbuf_batch(bb, t, es->lo, es->pos, sr_rng_next(&sr));
	double loss = 0;
	if (bb->n && t->m->batch(t, &b, 1, &loss) < 0) /* forward and backward */
		return -1;
	/* the gradients are computed: a data-parallel run reduces them here */
	if (t->conf.grad_hook && t->conf.grad_hook(t, &loss, bb->n, es->pos, t->conf.grad_ctx) < 0)
		return -1;
	for (int i = 0; i < t->nnets; i++)
		sr_optim_step(t->optims[i], sr_net_params(t->nets[i]), sr_net_grads(t->nets[i]));
	t->step++;
	es->loss_sum += loss;
	es->nb++;
	es->done += es->pos;
	bb->n = 0;
	next_global_batch(t, es);
	sr_train_event ev = {.kind = SR_TRAIN_BATCH, .epoch = epoch, .done = es->done,
	                     .total = t->ntrain, .train_loss = es->loss_sum / es->nb,
	                     .seconds = now() - es->t0};
	return report(t, &ev);
}

int sr_train(const sr_train_conf *conf, int npaths, char **paths)
{
	sr_trainer T, *t = &T;
	memset(t, 0, sizeof *t);
	t->conf = *conf;
	t->m = conf->method;
	t->mconf = conf->method_conf;
	sr_meta_init(&t->info);
	int rc = -1;
	sr_dataset data;
	memset(&data, 0, sizeof data);
	sr_batchbuf bb = {0};
	char *ckpt = NULL;
	long *idx = NULL, *slot = NULL;
	int *taker = NULL;
	unsigned char *keep = NULL; /* streamed on several ranks: the chunk's records held here */

	/* ---- set up: data, networks, checkpoint ---- */
	if (!t->m) {
		sr_fail("no training method");
		goto out;
	}
	if (conf->ranks < 1 || conf->rank < 0 || conf->rank >= conf->ranks) {
		sr_fail("rank %d of %d processes", conf->rank, conf->ranks);
		goto out;
	}
	if (conf->threads > 0)
		sr_nn_set_threads(conf->threads);
	if (sr_dataset_open(&data, t, npaths, paths) < 0)
		goto out;
	if (t->m->setup(t) < 0)
		goto out;
	long steps_per_epoch = (t->ntrain + conf->batch - 1) / conf->batch;
	for (int i = 0; i < t->nnets; i++)
		t->optims[i]->conf.total = steps_per_epoch * conf->epochs;
	sr_checkpoint_info(t);
	if (!(ckpt = sr_checkpoint_path(conf)))
		goto out;
	int resumed = 0;
	if (conf->resume && (resumed = sr_checkpoint_resume(t, ckpt)) < 0)
		goto out;
	sr_train_event start = {.kind = SR_TRAIN_START, .epoch = t->epoch, .resumed = resumed,
	                        .streamed = data.stream, .checkpoint = ckpt};
	if (report(t, &start) < 0)
		goto out;
	if (sr_batchbuf_alloc(&bb, conf->batch, (size_t)t->views * t->h * t->w) < 0)
		goto out;
	size_t nidx = (size_t)(data.stream ? conf->chunk : t->ntrain);
	if (!(idx = malloc(nidx * sizeof *idx)) || !(taker = malloc(nidx * sizeof *taker)) ||
	    (data.stream && conf->ranks > 1 && (!(keep = malloc(nidx)) ||
	                                        !(slot = malloc(nidx * sizeof *slot))))) {
		sr_fail("out of memory");
		goto out;
	}

	for (int e = t->epoch; e < conf->epochs; e++) {
		/* ---- one pass over the training records, shuffled chunk by chunk ---- */
		epoch_sums es = {.t0 = now()};
		next_global_batch(t, &es);
		sr_rng rng = sr_rng_derive(conf->seed, 1000003ULL + (uint64_t)e);
		const sr_samples *chunk;
		long n, seen = 0;
		if (sr_dataset_begin_pass(&data) < 0)
			goto out;
		for (;;) {
			/* the next chunk's records, shuffled before they are read, so that a streamed
			 * rank holds only those it takes (keep; slot: where each lands) */
			long size = t->ntrain - seen; /* in memory: all, then none */
			size = size < (long)nidx ? size : (long)nidx;
			for (long i = 0; i < size; i++) {
				idx[i] = i;
				taker[i] = taker_of(t, seen + i);
			}
			shuffle(idx, size, &rng);
			if (keep) {
				memset(keep, 0, nidx);
				for (long i = 0; i < size; i++)
					keep[idx[i]] = taker[i] == conf->rank;
				for (long j = 0, m = 0; j < size; j++)
					slot[j] = keep[j] ? m++ : -1;
			}
			if ((n = sr_dataset_next_chunk(&data, t, keep, &chunk)) <= 0)
				break;
			if (n != size) {
				sr_fail("the training records changed between passes (%ld, not %ld, in a "
				        "chunk)", n, size);
				goto out;
			}
			seen += n;
			for (long i = 0; i < n; i++) {
				if (taker[i] == conf->rank && !data.shard) /* this process's share */
					sr_batchbuf_add(&bb, chunk, keep ? slot[idx[i]] : idx[i]);
				if (++es.pos < es.size)
					continue;
				/* sharded: the share comes from the ranks holding it (one chunk) */
				long b0 = i + 1 - es.size;
				if (data.shard &&
				    sr_dataset_gather(&data, t, idx + b0, taker + b0, es.size, &bb) < 0)
					goto out;
				if (train_step(t, &bb, &es, e + 1) < 0)
					goto out;
			}
		}
		if (n < 0 || train_step(t, &bb, &es, e + 1) < 0) /* the last, partial batch */
			goto out;

		/* ---- validation, report, checkpoint ---- */
		double seconds = now() - es.t0;
		t->val_loss = sr_trainer_validate(t);
		t->epoch = e + 1;
		sr_train_event ev = {.kind = SR_TRAIN_EPOCH, .epoch = e + 1, .done = es.done,
		                     .total = t->ntrain, .train_loss = es.loss_sum / fmax(es.nb, 1),
		                     .val_loss = t->val_loss, .seconds = seconds,
		                     .lr = sr_optim_lr(&t->optims[0]->conf, t->step > 0 ? t->step - 1 : 0)};
		if (report(t, &ev) < 0)
			goto out;
		if (isfinite(t->val_loss))
			sr_meta_set(&t->info, "val.loss", "%.6g", t->val_loss);
		sr_meta_set_long(&t->info, "train.epoch", t->epoch);
		sr_meta_set_long(&t->info, "train.step", t->step);
		/* the message of a failed save names the file already */
		if (e + 1 < conf->epochs && conf->rank == 0 && sr_checkpoint_save(t, ckpt, 1) < 0) {
			sr_fail_context("checkpoint");
			goto out;
		}
		if (conf->stop_after > 0 && t->epoch >= conf->stop_after && t->epoch < conf->epochs) {
			sr_train_event stop = {.kind = SR_TRAIN_STOPPED, .epoch = t->epoch,
			                       .checkpoint = ckpt};
			rc = report(t, &stop);
			goto out;
		}
	}

	/* ---- the method's final keys, the model ---- */
	if (t->epoch == conf->epochs && conf->epochs > 0 && !isfinite(t->val_loss))
		t->val_loss = sr_trainer_validate(t);
	if (conf->rank == 0) {
		if (t->m->finish && t->m->finish(t) < 0)
			goto out;
		if (sr_checkpoint_save(t, conf->model, 0) < 0)
			goto out;
		unlink(ckpt);
	}
	rc = 0;
out:
	sr_batchbuf_free(&bb);
	free(idx);
	free(taker);
	free(keep);
	free(slot);
	free(ckpt);
	if (t->m && t->m->free)
		t->m->free(t);
	for (int i = 0; i < t->nnets; i++) {
		sr_net_free(t->nets[i]);
		sr_optim_free(t->optims[i]);
		free(t->names[i]);
	}
	sr_dataset_close(&data);
	sr_meta_free(&t->info);
	return rc;
}
