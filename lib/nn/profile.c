/* profile.c: the per-layer profile of a network's passes (sr_net_profile): CPU seconds of
 * each layer's calls, kept per thread (every thread calls a batched layer and does its share)
 * and summed on request. */
#include "nn/impl.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/err.h"

double sr_nn_thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void sr_nn_profile_add(sr_net *net, int l, int dir, double seconds)
{
	int tid = 0;
#ifdef _OPENMP
	tid = omp_get_thread_num();
#endif
	net->prof[((size_t)tid * 2 + dir) * net->nl + l] += seconds;
}

int sr_net_profile(sr_net *net, int on)
{
	free(net->prof);
	net->prof = NULL;
	if (!on)
		return 0;
	net->prof_threads = sr_nn_threads();
	net->prof = calloc((size_t)(net->prof_threads + 1) * 2 * net->nl, sizeof *net->prof);
	return net->prof ? 0 : sr_fail("network: out of memory for the profile");
}

const double *sr_net_profile_times(sr_net *net)
{
	if (!net->prof)
		return NULL;
	double *sum = net->prof + (size_t)net->prof_threads * 2 * net->nl;
	memset(sum, 0, 2 * (size_t)net->nl * sizeof *sum);
	for (int t = 0; t < net->prof_threads; t++)
		for (int i = 0; i < 2 * net->nl; i++)
			sum[i] += net->prof[(size_t)t * 2 * net->nl + i];
	return sum;
}

