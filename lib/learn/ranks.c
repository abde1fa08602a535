/* ranks.c: the processes of a data-parallel run (ranks.h): MPI in a build with SR_MPI, one
 * process otherwise. */
#include "learn/ranks.h"

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

/* A fingerprint of the data: the record counts and the sum of the validation samples. */
static void fingerprint(const sr_trainer *t, double v[3])
{
	size_t n = (size_t)t->nval * t->views * t->h * t->w;
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += t->val_x[i];
	v[0] = (double)t->ntrain;
	v[1] = (double)t->nval;
	v[2] = s;
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

int sr_ranks_grad_hook(sr_trainer *t, double *loss, int n, int n_global, void *ctx)
{
	(void)t, (void)loss, (void)n, (void)n_global, (void)ctx;
	return 0; /* one process holds the whole batch: nothing to reduce */
}

#endif
