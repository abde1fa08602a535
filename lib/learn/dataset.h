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
	double *q;       /* 4 per sample: the truth quaternion (reads_truth 2) */
} sr_samples;

/* The data of a run: where the training records come from and what is held.
 *
 * SHARDS.  In memory on P > 1 ranks (conf.ranks) each rank holds only every P-th training
 * record: record j (its index among the training records) lives on rank j % P, slot j / P
 * of train, and the validation records live on rank 0 alone, which computes the validation
 * (t->val_x is NULL on the others).  Each epoch the loop shuffles the indices of all the
 * training records exactly as one process does, and at each global batch sr_dataset_gather
 * brings every rank the samples it takes from the ranks that hold them (MPI_Alltoallv,
 * learn/ranks.h), so each global batch holds the samples it holds in one process.  Memory
 * per rank: 1/P of the training records and a batch.  Streamed, every rank reads each chunk
 * (--chunk records), shuffled before it is read (its size is known from the first pass),
 * and holds only the records it takes. */
typedef struct {
	int npaths;
	char **paths;
	int stream;          /* 1: training records re-read every epoch */
	int shard;           /* 1: sharded over the ranks (SHARDS) */
	sr_samples train;    /* in memory: all training records (sharded: this rank's); streamed:
	                      * the current chunk */
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
 * samples; returns the chunk's count of training records, 0 at the end of the pass, -1 with
 * the error set.  In memory the whole set is one chunk (sharded: of all the ranks'
 * records).  Streamed, keep (NULL: all) says which of the chunk's records this rank holds:
 * the others are only checked, and (*chunk)->n counts those held, in their order. */
int sr_dataset_begin_pass(sr_dataset *d);
long sr_dataset_next_chunk(sr_dataset *d, sr_trainer *t, const unsigned char *keep,
                           const sr_samples **chunk);

/* A batch being gathered. */
typedef struct {
	int n, cap;
	size_t per;
	float *x;
	double *delta, *theta;
	int *k;
	double *q;
} sr_batchbuf;

int sr_batchbuf_alloc(sr_batchbuf *bb, int cap, size_t per);
void sr_batchbuf_free(sr_batchbuf *bb);
/* Appends sample i of s. */
void sr_batchbuf_add(sr_batchbuf *bb, const sr_samples *s, long i);
/* Sharded runs (SHARDS), at each global batch of n samples, every rank alike: taker[i] is the
 * rank that takes training record idx[i].  Appends this rank's to bb, in the order of i.  -1
 * with the error set. */
int sr_dataset_gather(const sr_dataset *d, const sr_trainer *t, const long *idx,
                      const int *taker, long n, sr_batchbuf *bb);
/* The batch the methods see; first: its position in the global batch of total samples;
 * step_seed for the dropout masks. */
sr_batch sr_batchbuf_batch(const sr_batchbuf *bb, const sr_trainer *t, int first, int total,
                           uint64_t step_seed);

#endif
