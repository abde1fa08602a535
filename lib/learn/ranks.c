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

int sr_ranks_grad_hook(sr_trainer *t, double *loss, int n, int n_global, void *ctx)
{
	(void)t, (void)loss, (void)n, (void)n_global, (void)ctx;
	return 0; /* one process holds the whole batch: nothing to reduce */
}

#endif
