/* nn_speed.c: quick throughput of the engine on the default network (or a given spec).
 * Build: make build/libstemrot.a && cc -O2 -std=c11 -fopenmp -Ilib $(pkg-config --cflags openblas) \
 *          bench/nn_speed.c build/libstemrot.a $(pkg-config --libs openblas zlib netpbm) -lm -o build/nn_speed
 * Run:   build/nn_speed [-b PAIRS] [-t THREADS] [-s SECONDS] [-o N_OUT] [-n SPEC] [-i INFER_BATCH]
 *          [-r (reference path)] [-w (Winograd off: per-tap GEMMs)] [-H HEIGHT -W WIDTH (default 64x64; -H 1: the default 1D net)]
 * Prints training pairs/s (Siamese: 2*PAIRS images per step, forward+backward+Adam) and
 * inference images/s, with GFLOP/s counted as 3 x forward FLOPs per trained image. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "nn/nn.h"
#include "core/rng.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU seconds of the whole process: on a shared machine, work / CPU time is steadier than
 * wall time. */
static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	int pairs = 32, threads = 2, n_out = 24, ib = 128, c, H = 64, W = 64;
	double secs = 3;
	const char *spec = SR_NET_DEFAULT_2D;
	while ((c = getopt(argc, argv, "b:t:s:o:n:i:rwH:W:")) != -1) {
		switch (c) {
		case 'b': pairs = atoi(optarg); break;
		case 't': threads = atoi(optarg); break;
		case 's': secs = atof(optarg); break;
		case 'o': n_out = atoi(optarg); break;
		case 'n': spec = optarg; break;
		case 'i': ib = atoi(optarg); break;
		case 'r': sr_nn_reference = 1; break;
		case 'w': sr_nn_winograd = 0; break;
		case 'H': H = atoi(optarg); break;
		case 'W': W = atoi(optarg); break;
		default: fprintf(stderr, "usage: nn_speed [-b pairs] [-t threads] [-s secs] [-o n_out] [-n spec] [-i infer_batch] [-r] [-w] [-H height] [-W width]\n"); return 1;
		}
	}
	sr_nn_set_threads(threads);
	int maxb = 2 * pairs > ib ? 2 * pairs : ib;
	if (maxb < 1)
		maxb = 1;
	if (H == 1 && spec == (const char *)SR_NET_DEFAULT_2D)
		spec = SR_NET_DEFAULT_1D;
	sr_net *net = sr_net_create(spec, 1, H, W, n_out, maxb);
	if (!net) {
		fprintf(stderr, "nn_speed: %s\n", sr_errmsg());
		return 1;
	}
	sr_net_init(net, 1);
	sr_net_set_input_grad(net, 0);
	sr_optim_conf oc;
	sr_optim_defaults(&oc);
	sr_optim *opt = sr_optim_create(&oc, sr_net_nparams(net));
	size_t insz = (size_t)maxb * H * W, outsz = (size_t)maxb * sr_net_out_size(net);
	float *in = malloc(insz * 4), *dout = malloc(outsz * 4);
	sr_rng r = sr_rng_derive(1, 0);
	for (size_t i = 0; i < insz; i++)
		in[i] = (float)sr_rng_uniform(&r);
	for (size_t i = 0; i < outsz; i++)
		dout[i] = (float)sr_rng_normal(&r) * 1e-3f;
	double f = sr_net_flops(net);
	/* training (one warm-up step first: it faults the arena's pages in); -b 0 skips it */
	long steps = 0;
	double t0, c0, t;
	if (pairs < 1)
		goto infer;
	sr_net_forward(net, in, 2 * pairs, 1, 0);
	sr_net_zero_grad(net);
	sr_net_backward(net, dout);
	t0 = now(), c0 = cpu();
	do {
		sr_net_forward(net, in, 2 * pairs, 1, (uint64_t)steps);
		sr_net_zero_grad(net);
		sr_net_backward(net, dout);
		sr_optim_step(opt, sr_net_params(net), sr_net_grads(net));
		steps++;
		t = now() - t0;
	} while (t < secs || steps < 3);
	double pps = steps * pairs / t, cpps = steps * pairs / (cpu() - c0);
	printf("train  threads %d batch %d pairs: %.1f pairs/s  %.1f GFLOP/s (%.2f ms/step); "
	       "per CPU-second %.1f pairs\n",
	       threads, pairs, pps, pps * 2 * 3 * f / 1e9, 1e3 * t / steps, cpps);
infer:
	/* inference; -i 0 skips it */
	if (ib < 1)
		goto done;
	sr_net_forward(net, in, ib, 0, 0);
	steps = 0;
	t0 = now(), c0 = cpu();
	do {
		sr_net_forward(net, in, ib, 0, 0);
		steps++;
		t = now() - t0;
	} while (t < secs || steps < 3);
	double ips = steps * ib / t, cips = steps * ib / (cpu() - c0);
	printf("infer  threads %d batch %d: %.1f images/s  %.1f GFLOP/s; per CPU-second %.1f images\n",
	       threads, ib, ips, ips * f / 1e9, cips);
done:
	sr_optim_free(opt);
	sr_net_free(net);
	free(in), free(dout);
	return 0;
}
