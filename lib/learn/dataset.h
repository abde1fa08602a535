/* dataset.h: the training data of one run (trainer.h, DATA): the validation records in
 * memory, the training records in memory or streamed from the files in shuffled chunks, and
 * the buffer a batch is gathered in.  Internal to lib/learn. */
#ifndef SR_DATASET_H
#define SR_DATASET_H

#include "io/stream.h"
#include "learn/trainer.h"

/* Samples held in memory: per sample `per` floats of normalised views, the offset, and for
 * reads_truth methods the truth angle and order. */
typedef struct {
	long n, cap;
	size_t per;      /* floats per sample */
	float *x;
	double *delta, *theta;
	int *k;
} sr_samples;

/* The data of a run: where the training records come from and what is held. */
typedef struct {
	int npaths;
	char **paths;
	int stream;          /* 1: training records re-read every epoch */
	sr_samples train;    /* in memory: all training records; streamed: the current chunk */
	sr_samples val;
	/* streaming state */
	void *src;           /* the open source of this epoch's pass */
	int src_done;
	sr_record rec;
} sr_dataset;

/* Decides between memory and streaming (conf.stream, or inputs larger than mem_limit_mb),
 * reads the first pass: fixes the input shape in t, holds the validation records (t->val_x
 * ...) and, in memory, the training records; counts t->ntrain and t->nval.  -1 with the
 * error set (bad record: file and record named). */
int sr_dataset_open(sr_dataset *d, sr_trainer *t, int npaths, char **paths);
void sr_dataset_close(sr_dataset *d);

/* One epoch's pass over the training records, in chunks: *chunk points to the next chunk's
 * samples; returns their count, 0 at the end of the pass, -1 with the error set.  In memory
 * the whole set is one chunk. */
int sr_dataset_begin_pass(sr_dataset *d);
long sr_dataset_next_chunk(sr_dataset *d, sr_trainer *t, const sr_samples **chunk);

/* A batch being gathered. */
typedef struct {
	int n, cap;
	size_t per;
	float *x;
	double *delta, *theta;
	int *k;
} sr_batchbuf;

int sr_batchbuf_alloc(sr_batchbuf *bb, int cap, size_t per);
void sr_batchbuf_free(sr_batchbuf *bb);
/* Appends sample i of s. */
void sr_batchbuf_add(sr_batchbuf *bb, const sr_samples *s, long i);
/* The batch the methods see; first: its position in the global batch; step_seed for the
 * dropout masks. */
sr_batch sr_batchbuf_batch(const sr_batchbuf *bb, const sr_trainer *t, int first,
                           uint64_t step_seed);

#endif
