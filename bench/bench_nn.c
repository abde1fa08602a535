/* bench_nn: throughput of the engine on the default network, for bench/run.sh.
 *
 *   bench_nn train BATCH THREADS [SECONDS [NET]]   Siamese training: one forward + backward
 *                                            over 2*BATCH images (all A views, then all B
 *                                            views), dropout on, then an Adam step; pairs/s
 *   bench_nn infer BATCH THREADS [SECONDS [NET]]   inference (dropout off), images/s
 *   bench_nn sgemm N THREADS [SECONDS]       OpenBLAS cblas_sgemm N^3 at THREADS threads: the
 *                                            best GFLOP/s of repeated calls (the machine's peak)
 * A negative SECONDS (train, infer) runs exactly -SECONDS timed steps instead, so that
 * instruction counts (valgrind --tool=callgrind) compare like with like.
 *
 * Prints one line of key=value pairs (the same keys as bench/torch_ref.py):
 *   ours mode=train batch=32 threads=2 rate=... unit=pairs/s steps=... secs=... gflops=...
 *   rss_mb=... base_rss_mb=...
 * gflops counts multiply-adds as 2 (sr_net_flops; a training pair is 2 images x 3 forward
 * passes' worth).  rss_mb is the peak resident set of the process (getrusage), base_rss_mb the
 * peak before the network was created; cpu_rate is the work per CPU-second (user + system of
 * all threads), a figure that other load on the machine disturbs less than rate.
 *
 * NET (bench/torch_nets.py builds the same in PyTorch): default (SR_NET_DEFAULT_2D on 64x64,
 * dense 2), exp2d (pipelines/exp2d.sh's network on 48x48 views, OUT = 36 = 3 x 12 heads),
 * exp1d (examples/net1d.spec on 48-sample profiles, OUT = 36), m2enc (method 2's encoder:
 * exp2d's network, OUT = 38 = 3 x 12 heads + 2 latents), m2dec (method 2's default decoder
 * for 48x48 from its 16-value code, sr_gen_decoder_spec).  A named NET also prints where
 * the time goes: one line per layer (CPU ms per step of its forward and backward, share of
 * the step) and one for the optimiser step:
 *   prof net=exp2d mode=train threads=1 layer=5 kind=dense shape=3200x1x1->256x1x1 fwd_ms=... bwd_ms=...
 *   pct=... */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/err.h"
#include "core/rng.h"
#include "methods/generate.h"
#include "nn/nn.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double rss_mb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

/* CPU seconds (user + system) of all the process's threads so far */
static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

#define EXP2D_NET "conv 16 5 stride 2; relu; conv 32 3 stride 2; relu; flatten; dense 256; " \
                  "relu; dense OUT"

/* the network NET names: its spec, input shape and outputs; 0, or -1 if unknown */
static int net_of(const char *name, char *spec, size_t n, int *c, int *h, int *w, int *n_out)
{
	*c = 1, *h = 48, *w = 48, *n_out = 36;
	if (!strcmp(name, "default")) {
		*h = *w = 64, *n_out = 2;
		snprintf(spec, n, "%s", SR_NET_DEFAULT_2D);
	} else if (!strcmp(name, "exp2d") || !strcmp(name, "m2enc")) {
		snprintf(spec, n, "%s", EXP2D_NET);
		*n_out = name[0] == 'm' ? 38 : 36;
	} else if (!strcmp(name, "exp1d")) {
		*h = 1;
		snprintf(spec, n, "@examples/net1d.spec");
	} else if (!strcmp(name, "m2dec")) {
		*c = 16, *h = *w = 1, *n_out = 48 * 48;
		if (sr_gen_decoder_spec(48, 48, spec, n) < 0)
			return -1;
	} else {
		return -1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_nn train|infer BATCH THREADS [SECONDS [NET]]\n"
	                "       bench_nn sgemm N THREADS [SECONDS]\n");
	return 2;
}

static int bench_sgemm(int n, int threads, double seconds)
{
	openblas_set_num_threads(threads);
	size_t nn = (size_t)n * n;
	float *a = malloc(nn * sizeof(float)), *b = malloc(nn * sizeof(float));
	float *c = malloc(nn * sizeof(float));
	if (!a || !b || !c)
		sr_die("out of memory");
	sr_rng r;
	sr_rng_seed(&r, 1);
	for (size_t i = 0; i < nn; i++) {
		a[i] = (float)sr_rng_range(&r, -1, 1);
		b[i] = (float)sr_rng_range(&r, -1, 1);
		c[i] = 0;
	}
	double flop = 2.0 * n * n * (double)n, best = 0, total = 0;
	int calls = 0;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
	while (total < seconds || calls < 3) {
		double t0 = now();
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c,
		            n);
		double dt = now() - t0;
		total += dt;
		calls++;
		if (flop / dt > best)
			best = flop / dt;
	}
	printf("ours mode=sgemm batch=%d threads=%d rate=%.1f unit=GFLOP/s steps=%d secs=%.2f "
	       "gflops=%.1f rss_mb=%.1f base_rss_mb=0\n", n, threads, best * 1e-9, calls, total,
	       best * 1e-9, rss_mb());
	free(a);
	free(b);
	free(c);
	return 0;
}

int main(int argc, char **argv)
{
	sr_set_progname("bench_nn");
	if (argc < 4)
		return usage();
	const char *mode = argv[1];
	int batch = atoi(argv[2]), threads = atoi(argv[3]);
	double seconds = argc > 4 ? atof(argv[4]) : 3.0;
	const char *net_name = argc > 5 ? argv[5] : NULL;
	if (batch < 1 || threads < 1 || !(seconds > 0 || seconds <= -1))
		return usage();
	if (strcmp(mode, "sgemm") == 0)
		return bench_sgemm(batch, threads, seconds);
	int train = strcmp(mode, "train") == 0;
	if (!train && strcmp(mode, "infer") != 0)
		return usage();

	double base = rss_mb();
	sr_nn_set_threads(threads);
	int n_img = train ? 2 * batch : batch, n_out, ic, ih, iw;
	char spec[4096];
	if (net_of(net_name ? net_name : "default", spec, sizeof spec, &ic, &ih, &iw, &n_out) < 0)
		return usage();
	sr_net *net = sr_net_create(spec, ic, ih, iw, n_out, n_img);
	if (!net)
		sr_die("%s", sr_errmsg());
	sr_net_init(net, 1);
	sr_net_set_input_grad(net, 0);
	size_t in_n = (size_t)n_img * sr_net_in_size(net);
	float *x = malloc(in_n * sizeof(float));
	float *dout = malloc((size_t)n_img * n_out * sizeof(float));
	if (!x || !dout)
		sr_die("out of memory");
	sr_rng r;
	sr_rng_seed(&r, 1);
	for (size_t i = 0; i < in_n; i++)
		x[i] = (float)sr_rng_uniform(&r);
	sr_optim_conf conf;
	sr_optim_defaults(&conf);
	sr_optim *opt = sr_optim_create(&conf, sr_net_nparams(net));
	if (!opt)
		sr_die("%s", sr_errmsg());

	long step = 0;
	/* one step; the Siamese loss is mean((a - b)^2) over the two views' outputs */
#define STEP() do { \
		if (train) { \
			if (sr_net_forward(net, x, n_img, 1, (uint64_t)step) < 0) \
				sr_die("%s", sr_errmsg()); \
			const float *o = sr_net_output(net); \
			size_t half = (size_t)batch * n_out; \
			for (size_t i = 0; i < half; i++) { \
				float d = 2.0f * (o[i] - o[half + i]) / (float)half; \
				dout[i] = d, dout[half + i] = -d; \
			} \
			sr_net_zero_grad(net); \
			if (sr_net_backward(net, dout) < 0) \
				sr_die("%s", sr_errmsg()); \
			sr_optim_step(opt, sr_net_params(net), sr_net_grads(net)); \
		} else if (sr_net_forward(net, x, n_img, 0, 0) < 0) { \
			sr_die("%s", sr_errmsg()); \
		} \
		step++; \
	} while (0)

	for (int i = 0; i < 3; i++) /* warm-up: thread pool, first-touch of the arenas */
		STEP();
	long steps = 0, exact = seconds < 0 ? (long)-seconds : 0; /* exactly -SECONDS steps */
	double t0 = now(), c0 = cpu_s(), dt;
	for (;;) {
		STEP();
		steps++;
		dt = now() - t0;
		if (exact ? steps >= exact : dt >= seconds && steps >= 3)
			break;
	}
	double rate = (double)batch * steps / dt;
	double cpu_rate = (double)batch * steps / (cpu_s() - c0);
	double flops = sr_net_flops(net) * (train ? 6.0 : 1.0) * rate;
	printf("ours %s%s%smode=%s batch=%d threads=%d rate=%.1f unit=%s steps=%ld secs=%.2f "
	       "gflops=%.1f rss_mb=%.1f base_rss_mb=%.1f cpu_rate=%.1f\n",
	       net_name ? "net=" : "", net_name ? net_name : "", net_name ? " " : "", mode, batch,
	       threads, rate, train ? "pairs/s" : "images/s", steps, dt, flops * 1e-9, rss_mb(), base,
	       cpu_rate);
	if (net_name) { /* where the time goes: a few more steps, profiled */
		int nl = sr_net_nlayers(net), ps = steps < 5 ? 5 : (int)(steps < 50 ? steps : 50);
		if (sr_net_profile(net, 1) < 0)
			sr_die("%s", sr_errmsg());
		double opt_s = 0, c1 = cpu_s();
		for (int i = 0; i < ps; i++)
			STEP();
		double total = cpu_s() - c1;
		if (train) { /* the optimiser alone, as often */
			double c2 = cpu_s();
			for (int i = 0; i < ps; i++)
				sr_optim_step(opt, sr_net_params(net), sr_net_grads(net));
			opt_s = cpu_s() - c2;
		}
		const double *t = sr_net_profile_times(net);
		for (int l = 0; l < nl; l++) {
			const sr_layer *L = sr_net_layer(net, l);
			static const char *kinds[] = {"?", "conv", "convt", "maxpool", "avgpool", "gpool",
			                              "dense", "relu", "tanh", "sigmoid", "silu", "gelu",
			                              "dropout", "flatten", "reshape", "upsample"};
			if (t[l] + t[nl + l] <= 0)
				continue; /* fused into the layer before, or an alias */
			printf("prof net=%s mode=%s threads=%d layer=%d kind=%s shape=%dx%dx%d->%dx%dx%d "
			       "fwd_ms=%.3f bwd_ms=%.3f pct=%.1f\n", net_name, mode, threads, l, kinds[L->kind], L->in_c, L->in_h,
			       L->in_w, L->out_c, L->out_h, L->out_w, 1e3 * t[l] / ps, 1e3 * t[nl + l] / ps,
			       100 * (t[l] + t[nl + l]) / total);
		}
		if (train)
			printf("prof net=%s mode=%s threads=%d layer=- kind=optimiser shape=- fwd_ms=0 "
			       "bwd_ms=%.3f pct=%.1f\n", net_name, mode, threads, 1e3 * opt_s / ps, 100 * opt_s / total);
	}
	sr_optim_free(opt);
	sr_net_free(net);
	free(x);
	free(dout);
	return 0;
}
