/* ranks.h: the processes of a data-parallel training run (train(1) under mpirun).
 *
 * In a build with MPI (make MPI=1: mpicc, SR_MPI defined) the processes started by mpirun
 * are the ranks of MPI_COMM_WORLD; in a plain build there is one.  Every rank reads the same
 * records but holds only its shard of them (learn/dataset.h, SHARDS), shuffles alike and
 * computes its share of each global batch (trainer.h, conf.rank and conf.ranks): at each
 * batch sr_ranks_gather moves the samples to the ranks that take them.  sr_ranks_grad_hook, the
 * loop's gradient hook, turns each rank's mean
 * gradients and loss over its n samples into the mean over the global batch: it scales them
 * by n / n_global and sums them over the ranks with MPI_Allreduce.  Every rank then takes the
 * same optimiser step, so the parameters stay the same on all of them.
 *
 * DETERMINISM.  The same seed and the same number of ranks give the same model bytes as long
 * as MPI_Allreduce adds in the same order from run to run, which Open MPI does for a fixed
 * number of ranks and message size (for 2 ranks any order gives the same bits: a + b = b + a
 * in IEEE arithmetic).  Against one process the sums are grouped differently (each rank's
 * mean first), so the parameters agree to rounding and then drift apart slowly; the
 * figures are in tests/mpi/train.sh and the README. */
#ifndef SR_RANKS_H
#define SR_RANKS_H

#include "learn/dataset.h"
#include "learn/trainer.h"

/* Starts MPI (a plain build: nothing) and sets this process's rank and the number of ranks.
 * -1 with the error set. */
int sr_ranks_init(int *argc, char ***argv, int *rank, int *ranks);

/* Ends MPI (a plain build: nothing).  failed: this rank is giving up with an error, which
 * brings the whole run down (MPI_Abort) rather than leaving the other ranks waiting in the
 * next reduction. */
void sr_ranks_finish(int failed);

/* Checks that every rank read the same data: the same numbers of training and validation
 * records and the same sum of all their samples (t->data_sum; t after sr_train's START
 * report).  A rank given other files would shuffle other records and train on nonsense.  -1
 * with the error set when they differ. */
int sr_ranks_same_data(const sr_trainer *t);

/* Brings this rank the samples it takes of one global batch (MPI_Alltoallv; every rank calls
 * it with the same idx and taker): training record j lives on rank j % ranks, sample
 * j / ranks of held; taker[i] takes record idx[i], i < n.  Appends this rank's to bb in the
 * order of i.  -1 with the error set (a plain build: always). */
int sr_ranks_gather(const sr_samples *held, const long *idx, const int *taker, long n, int rank,
                    int ranks, sr_batchbuf *bb);

/* The gradient hook (trainer.h) of a run on more than one rank; ctx is unused. */
int sr_ranks_grad_hook(sr_trainer *t, double *loss, int n, int n_global, void *ctx);

#endif
