/* ranks.c: the processes of a data-parallel run (ranks.h): MPI in a build with SR_MPI, one
 * process otherwise. */
#include "learn/ranks.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

#ifdef SR_MPI
#include <mpi.h>

int sr_ranks_init(int *argc, char ***argv, int *rank, int *ranks)
{
	if (MPI_Init(argc, argv) != MPI_SUCCESS)
		return sr_fail("MPI_Init failed");
	MPI_Comm_rank(MPI_COMM_WORLD, rank);
	MPI_Comm_size(MPI_COMM_WORLD, ranks);
	return 0;
}

void sr_ranks_finish(int failed)
{
	if (failed)
		MPI_Abort(MPI_COMM_WORLD, 1);
	MPI_Finalize();
}

/* A fingerprint of the data: the record counts and the sum of all their samples. */
static void fingerprint(const sr_trainer *t, double v[3])
{
	v[0] = (double)t->ntrain;
	v[1] = (double)t->nval;
	v[2] = t->data_sum;
}

int sr_ranks_same_data(const sr_trainer *t)
{
	double v[3], lo[3], hi[3];
	fingerprint(t, v);
	if (MPI_Allreduce(v, lo, 3, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS ||
	    MPI_Allreduce(v, hi, 3, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS)
		return sr_fail("MPI_Allreduce of the data's fingerprint failed");
	if (lo[0] != hi[0] || lo[1] != hi[1] || lo[2] != hi[2])
		return sr_fail("the ranks read different records (this one: %ld training and %ld "
		               "validation records): give every rank the same files",
		               t->ntrain, t->nval);
	return 0;
}

/* One sample on the wire: its views, then the offset, the truth angle and order. */
static size_t wire_size(size_t per)
{
	return per * sizeof(float) + 2 * sizeof(double) + sizeof(int) + 4; /* padded to 8 */
}

static void pack(unsigned char *w, const sr_samples *s, long j)
{
	size_t xs = s->per * sizeof(float);
	double dt[2] = {s->delta[j], s->theta ? s->theta[j] : 0};
	int k = s->k ? s->k[j] : 0;
	memcpy(w, s->x + (size_t)j * s->per, xs);
	memcpy(w + xs, dt, sizeof dt);
	memcpy(w + xs + sizeof dt, &k, sizeof k);
}

static void unpack(sr_batchbuf *bb, const unsigned char *w)
{
	size_t xs = bb->per * sizeof(float);
	double dt[2];
	int j = bb->n++;
	memcpy(bb->x + (size_t)j * bb->per, w, xs);
	memcpy(dt, w + xs, sizeof dt);
	bb->delta[j] = dt[0];
	bb->theta[j] = dt[1];
	memcpy(&bb->k[j], w + xs + sizeof dt, sizeof(int));
}

int sr_ranks_gather(const sr_samples *held, const long *idx, const int *taker, long n, int rank,
                    int ranks, sr_batchbuf *bb)
{
	int *cnt = calloc((size_t)5 * ranks, sizeof *cnt);
	if (!cnt)
		return sr_fail("out of memory");
	int *scount = cnt, *sdisp = cnt + ranks, *rcount = cnt + 2 * ranks, *rdisp = cnt + 3 * ranks;
	int *put = cnt + 4 * ranks;
	for (long i = 0; i < n; i++) {
		int from = (int)(idx[i] % ranks);
		scount[taker[i]] += from == rank;
		rcount[from] += taker[i] == rank;
	}
	long nsend = 0, nrecv = 0;
	for (int r = 0; r < ranks; r++) {
		sdisp[r] = (int)nsend;
		rdisp[r] = (int)nrecv;
		nsend += scount[r];
		nrecv += rcount[r];
	}
	size_t ws = wire_size(held->per);
	unsigned char *out = malloc((size_t)(nsend + nrecv + 1) * ws), *in = out + nsend * ws;
	MPI_Datatype sample;
	int rc = -1, typed = 0;
	if (!out) {
		sr_fail("out of memory");
		goto out;
	}
	/* what this rank sends, grouped by the rank it goes to, in the order of i */
	memcpy(put, sdisp, ranks * sizeof *put);
	for (long i = 0; i < n; i++)
		if (idx[i] % ranks == rank)
			pack(out + (size_t)put[taker[i]]++ * ws, held, idx[i] / ranks);
	/* one sample is one element: the counts stay small whatever the image size */
	if (MPI_Type_contiguous((int)ws, MPI_BYTE, &sample) != MPI_SUCCESS ||
	    MPI_Type_commit(&sample) != MPI_SUCCESS) {
		sr_fail("MPI_Type_contiguous failed");
		goto out;
	}
	typed = 1;
	if (MPI_Alltoallv(out, scount, sdisp, sample, in, rcount, rdisp, sample, MPI_COMM_WORLD) !=
	    MPI_SUCCESS) {
		sr_fail("MPI_Alltoallv of the training samples failed");
		goto out;
	}
	/* each rank sent in the order of i: take them in that order */
	memcpy(put, rdisp, ranks * sizeof *put);
	for (long i = 0; i < n; i++)
		if (taker[i] == rank)
			unpack(bb, in + (size_t)put[idx[i] % ranks]++ * ws);
	rc = 0;
out:
	if (typed)
		MPI_Type_free(&sample);
	free(out);
	free(cnt);
	return rc;
}

int sr_ranks_grad_hook(sr_trainer *t, double *loss, int n, int n_global, void *ctx)
{
	(void)ctx;
	double f = (double)n / n_global;
	for (int i = 0; i < t->nnets; i++) {
		float *g = sr_net_grads(t->nets[i]);
		size_t np = sr_net_nparams(t->nets[i]);
		for (size_t j = 0; j < np; j++)
			g[j] = (float)(g[j] * f);
		/* one call per network: a network's parameters fit an int count */
		if (MPI_Allreduce(MPI_IN_PLACE, g, (int)np, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD) !=
		    MPI_SUCCESS)
			return sr_fail("MPI_Allreduce of the gradients failed");
	}
	double l = *loss * f;
	if (MPI_Allreduce(&l, loss, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
		return sr_fail("MPI_Allreduce of the loss failed");
	return 0;
}

#else /* one process */

int sr_ranks_init(int *argc, char ***argv, int *rank, int *ranks)
{
	(void)argc, (void)argv;
	*rank = 0;
	*ranks = 1;
	return 0;
}

void sr_ranks_finish(int failed) { (void)failed; }

int sr_ranks_same_data(const sr_trainer *t)
{
	(void)t;
	return 0; /* one process: nothing to compare */
}

int sr_ranks_gather(const sr_samples *held, const long *idx, const int *taker, long n, int rank,
                    int ranks, sr_batchbuf *bb)
{
	(void)held, (void)idx, (void)taker, (void)n, (void)rank, (void)ranks, (void)bb;
	return sr_fail("a build without MPI runs one process (make MPI=1)");
}

int sr_ranks_grad_hook(sr_trainer *t, double *loss, int n, int n_global, void *ctx)
{
	(void)t, (void)loss, (void)n, (void)n_global, (void)ctx;
	return 0; /* one process holds the whole batch: nothing to reduce */
}

#endif
