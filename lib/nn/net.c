/* net.c: network creation, initialisation, and the forward/backward drivers.
 * Images are independent: each thread runs whole images through all layers (cache-friendly,
 * no barrier per layer); parameter gradients go to per-chunk buffers summed in a fixed
 * order, so results never depend on the thread count.  The drivers know no kernel: each
 * layer's forward and backward come from the operation table (layer.h), the buffers and
 * packed weights from the backend's plan (cpu/cpu.h). */
#include "nn/impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/err.h"
#include "core/limits.h"
#include "nn/cpu/cpu.h"
#include "nn/layer.h"

int sr_nn_reference = 0;
static int nn_threads = 0;

void sr_nn_set_threads(int n) { nn_threads = n > 0 ? n : 0; }

int sr_nn_threads(void)
{
#ifdef _OPENMP
	return nn_threads > 0 ? nn_threads : omp_get_max_threads();
#else
	return 1;
#endif
}

static char *read_spec_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		sr_fail("network spec: %s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(SR_NN_SPEC_MAX + 1);
	if (!buf) {
		fclose(f);
		sr_fail("out of memory");
		return NULL;
	}
	size_t n = fread(buf, 1, SR_NN_SPEC_MAX + 1, f);
	int err = ferror(f);
	fclose(f);
	if (err || n > SR_NN_SPEC_MAX) {
		free(buf);
		sr_fail("network spec: %s: %s", path, err ? "read error" : "longer than 64 KiB");
		return NULL;
	}
	buf[n] = 0;
	if (strlen(buf) != n) {
		free(buf);
		sr_fail("network spec: %s: not a text file", path);
		return NULL;
	}
	return buf;
}

/* Images per gradient chunk: a function of batch and parameter count only. */
static int chunk_images(const sr_net *net, int batch)
{
	int nch = batch < net->max_chunks ? batch : net->max_chunks;
	if (nch < 1)
		nch = 1;
	return (batch + nch - 1) / nch;
}

static int mul_ok(size_t a, size_t b, size_t *out)
{
	if (a && b > (size_t)-1 / a)
		return 0;
	*out = a * b;
	return 1;
}

sr_net *sr_net_create(const char *spec, int in_c, int in_h, int in_w, int n_out, int max_batch)
{
	if (!spec) {
		sr_fail("network spec: none given");
		return NULL;
	}
	if (in_c < 1 || in_h < 1 || in_w < 1 || in_c > 65536 || in_h > 65536 || in_w > 65536 ||
	    (size_t)in_c * in_h * in_w > ((size_t)1 << 28)) {
		sr_fail("network: bad input shape %dx%dx%d", in_c, in_h, in_w);
		return NULL;
	}
	if (max_batch < 1 || max_batch > (1 << 20) || n_out < 0 || n_out > (1 << 24)) {
		sr_fail("network: bad max_batch %d or n_out %d", max_batch, n_out);
		return NULL;
	}
	sr_net *net = calloc(1, sizeof *net);
	if (!net) {
		sr_fail("out of memory");
		return NULL;
	}
	if (spec[0] == '@')
		net->spec = read_spec_file(spec + 1);
	else if (strlen(spec) > SR_NN_SPEC_MAX)
		sr_fail("network spec: longer than 64 KiB");
	else
		net->spec = strdup(spec);
	if (!net->spec)
		goto fail;
	net->in_c = in_c, net->in_h = in_h, net->in_w = in_w;
	net->n_out = n_out, net->max_batch = max_batch;
	net->want_ingrad = 1;
	if (sr_nn_parse(net, net->spec) < 0)
		goto fail;
	net->in_size = (size_t)in_c * in_h * in_w;
	net->max_act = net->in_size;
	/* fusion and aliases */
	for (int l = 0; l < net->nl; l++) {
		sr_layer *L = &net->L[l];
		net->osz[l] = (size_t)L->out_c * L->out_h * L->out_w;
		if (net->osz[l] > net->max_act)
			net->max_act = net->osz[l];
		if (L->kind == SR_L_FLATTEN || L->kind == SR_L_RESHAPE)
			net->alias[l] = 1;
		if (L->kind == SR_L_RELU && l > 0 && net->L[l - 1].kind == SR_L_CONV) {
			net->L[l - 1].fused_relu = 1;
			net->alias[l] = 1;
		}
	}
	/* conv + relu + max-pool: the pool is computed by the conv, whose full output then lives
	 * only in a per-thread buffer */
	for (int l = 0; l + 2 < net->nl; l++)
		if (net->L[l].kind == SR_L_CONV && net->L[l].fused_relu && net->L[l + 2].kind == SR_L_MAXPOOL) {
			net->fuse_pool[l] = 1;
			net->alias[l + 2] = 2;
			if (net->osz[l] > net->full_size)
				net->full_size = net->osz[l];
		}
	sr_cpu_plan(net);
	net->out_size = net->osz[net->nl - 1];
	/* arena: input copy + outputs of non-alias layers */
	size_t total = net->in_size, auxb = 0;
	for (int l = 0; l < net->nl; l++) {
		if (net->alias[l] != 1 && !net->fuse_pool[l])
			total += net->osz[l];
		net->aux_off[l] = auxb;
		if (net->L[l].kind == SR_L_MAXPOOL)
			net->aux_sz[l] = net->osz[l] * sizeof(int32_t);
		else if (net->L[l].kind == SR_L_DROPOUT)
			net->aux_sz[l] = (net->osz[l] + 7) & ~(size_t)7;
		auxb += net->aux_sz[l];
	}
	net->aux_per_image = auxb;
	size_t arena_n, aux_n, ing_n;
	if (!mul_ok(total, (size_t)max_batch, &arena_n) || !mul_ok(auxb, (size_t)max_batch, &aux_n) ||
	    !mul_ok(net->in_size, (size_t)max_batch, &ing_n) || arena_n > ((size_t)1 << 34)) {
		sr_fail("network: activations for batch %d too large", max_batch);
		goto fail;
	}
	/* The user's limits (core/limits.h), checked before anything of this size is allocated:
	 * a few bytes of spec or model file must not ask for gigabytes. */
	const sr_limits *lim = sr_limits_get();
	if (!lim)
		goto fail;
	size_t scratch = net->col_size + net->full_size + 2 * net->max_act + 4 * net->pad +
	                 net->gt_size + 64;
	/* per image (a batch multiplies it, and the batch is the program's or the user's choice),
	 * and the scratch of one thread */
	double per_image = (double)total + (double)net->in_size + (double)auxb / sizeof(float);
	double act = per_image > (double)scratch ? per_image : (double)scratch;
	if ((double)net->np > (double)lim->net_params) {
		sr_fail("network: %zu parameters is more than the limit of %lld (net-params; see "
		        "STEMROT_LIMITS in stemrot-model(5))", net->np, lim->net_params);
		goto fail;
	}
	if (act > (double)lim->net_activations) {
		sr_fail("network: %.0f floats of activations an image (%.0f of scratch a thread) is more "
		        "than the limit of %lld (net-activations; see STEMROT_LIMITS in stemrot-model(5))",
		        per_image, (double)scratch, lim->net_activations);
		goto fail;
	}
	/* gradient chunks: at most 64, and at most 256 MiB of chunk buffers */
	size_t np = net->np ? net->np : 1;
	size_t cap = ((size_t)256 << 20) / (np * sizeof(float));
	net->max_chunks = (int)(cap < 1 ? 1 : cap > 64 ? 64 : cap);
	if (net->max_chunks > max_batch)
		net->max_chunks = max_batch;
	net->params = calloc(np, sizeof(float));
	net->grads = calloc(np, sizeof(float));
	net->cgrad = malloc((size_t)net->max_chunks * np * sizeof(float));
	net->arena = calloc(arena_n + net->pad, sizeof(float)); /* zeroed: the taps read past images */
	net->wtap = malloc((net->wtap_size ? net->wtap_size : 1) * sizeof(float));
	net->ingrad = calloc(ing_n, sizeof(float));
	/* the gradient between stages (around batched layers), batch rows */
	size_t gmax = 0;
	for (int l = 0; l < net->nl; l++)
		if (sr_nn_layer_ops(net->L[l].kind)->batched) {
			size_t in = l ? net->osz[l - 1] : net->in_size;
			gmax = in > gmax ? in : gmax;
			gmax = net->osz[l] > gmax ? net->osz[l] : gmax;
		}
	size_t gbuf_n;
	if (!mul_ok(gmax ? gmax : 1, (size_t)max_batch, &gbuf_n)) {
		sr_fail("network: activations for batch %d too large", max_batch);
		goto fail;
	}
	net->gbuf[0] = malloc(gbuf_n * sizeof(float));
	net->gbuf[1] = malloc(gbuf_n * sizeof(float));
	if (!net->gbuf[0] || !net->gbuf[1]) {
		sr_fail("network: out of memory");
		goto fail;
	}
	net->aux = malloc(aux_n ? aux_n : 1);
	if (!net->params || !net->grads || !net->cgrad || !net->arena || !net->ingrad || !net->aux ||
	    !net->wtap) {
		sr_fail("network: out of memory");
		goto fail;
	}
	float *p = net->arena + (size_t)max_batch * net->in_size;
	for (int l = 0; l < net->nl; l++) {
		if (net->fuse_pool[l]) {
			net->y[l] = NULL;
		} else if (net->alias[l] == 1) {
			net->y[l] = l > 0 ? net->y[l - 1] : net->arena;
		} else {
			net->y[l] = p;
			p += (size_t)max_batch * net->osz[l];
		}
	}
	net->scratch_per_thread =
		(net->col_size + net->full_size + 2 * net->max_act + 4 * net->pad + net->gt_size + 64) &
		~(size_t)15;
	return net;
fail:
	sr_net_free(net);
	return NULL;
}

void sr_net_free(sr_net *net)
{
	if (!net)
		return;
	free(net->spec);
	free(net->params);
	free(net->grads);
	free(net->cgrad);
	free(net->arena);
	free(net->ingrad);
	free(net->gbuf[0]);
	free(net->gbuf[1]);
	free(net->prof);
	free(net->aux);
	free(net->scratch);
	free(net->wtap);
	free(net);
}

static int ensure_scratch(sr_net *net, int nt)
{
	if (net->nscratch >= nt)
		return 0;
	free(net->scratch);
	net->scratch = malloc((size_t)nt * net->scratch_per_thread * sizeof(float));
	net->nscratch = net->scratch ? nt : 0;
	return net->scratch ? 0 : sr_fail("network: out of memory for thread buffers");
}

/* the calling OpenMP thread's part of the scratch (ensure_scratch made one per thread) */
static float *thread_scratch(const sr_net *net)
{
	int tid = 0;
#ifdef _OPENMP
	tid = omp_get_thread_num();
#endif
	return net->scratch + (size_t)tid * net->scratch_per_thread;
}

void sr_net_init(sr_net *net, uint64_t seed)
{
	memset(net->params, 0, net->np * sizeof(float));
	for (int l = 0; l < net->nl; l++) {
		sr_layer *L = &net->L[l];
		if (!L->nw)
			continue;
		sr_rng r = sr_rng_derive(seed, (uint64_t)l);
		double fan_in, fan_out;
		if (L->kind == SR_L_DENSE) {
			fan_in = (double)L->in_c * L->in_h * L->in_w, fan_out = L->out_c;
		} else {
			fan_in = (double)L->in_c * L->kh * L->kw, fan_out = (double)L->out_c * L->kh * L->kw;
		}
		int he = L->fused_relu || (l + 1 < net->nl && net->L[l + 1].kind == SR_L_RELU);
		float *w = net->params + L->w_off;
		if (he) {
			double sd = sqrt(2.0 / fan_in);
			for (size_t i = 0; i < L->nw; i++)
				w[i] = (float)(sd * sr_rng_normal(&r));
		} else {
			double a = sqrt(6.0 / (fan_in + fan_out));
			for (size_t i = 0; i < L->nw; i++)
				w[i] = (float)sr_rng_range(&r, -a, a);
		}
	}
}

/* In eval mode dropout is the identity and is skipped: its consumers read its input. */
static int skipped(const sr_net *net, int l)
{
	return net->alias[l] == 1 || (net->L[l].kind == SR_L_DROPOUT && !net->training);
}

/* The buffer holding the output of layer k (k = -1: the input), per image size osz[k]. */
static const float *output_of(const sr_net *net, int k)
{
	while (k >= 0 && skipped(net, k))
		k--;
	return k < 0 ? net->arena : net->y[k];
}

static const float *layer_input(const sr_net *net, int l, int n)
{
	size_t sz = l == 0 ? net->in_size : net->osz[l - 1]; /* skipped layers keep the size */
	return output_of(net, l - 1) + (size_t)n * sz;
}

/* the aux bytes of layer l for image n */
static unsigned char *aux_of(const sr_net *net, int l, int n)
{
	return net->aux + (size_t)n * net->aux_per_image + net->aux_off[l];
}

/* A conv computing the max-pool two layers on (conv + relu + pool) writes the pool's output
 * and argmax; its call names the pool. */
static void layer_args(const sr_net *net, int l, int n, float *scr, sr_layer_args *a)
{
	memset(a, 0, sizeof *a);
	a->n = 1;
	int out = net->fuse_pool[l] ? l + 2 : l;
	a->p = net->params;
	a->wt = sr_cpu_packed(net, l);
	a->pool = net->fuse_pool[l] ? &net->L[l + 2] : NULL;
	a->x = layer_input(net, l, n);
	a->y = net->y[out] + (size_t)n * net->osz[out];
	a->aux = aux_of(net, out, n);
	a->col = scr;
	a->full = scr + net->col_size + net->pad;
	a->gt = a->full + net->full_size + net->pad + 2 * (net->max_act + net->pad);
}

/* a layer whose kind takes the whole batch at once (dense) */
static int batched(const sr_net *net, int l) { return sr_nn_layer_ops(net->L[l].kind)->batched; }

/* the first layer at or after l that takes the whole batch, or nl */
static int next_batched(const sr_net *net, int l)
{
	while (l < net->nl && !batched(net, l))
		l++;
	return l;
}

/* calls layer l's forward (dir 0) or backward (dir 1), timed when the profile is on */
static void call_layer(sr_net *net, int l, int dir, const sr_layer_args *a)
{
	const sr_layer *L = &net->L[l];
	const sr_layer_ops *ops = sr_nn_layer_ops(L->kind);
	sr_layer_fn *f = dir ? ops->backward : ops->forward;
		if (!net->prof) {
		f(L, a);
		return;
	}
	double t0 = sr_nn_thread_cpu();
	f(L, a);
	sr_nn_profile_add(net, l, dir, sr_nn_thread_cpu() - t0);
}

/* layers [l0, l1) (none batched) for image n */
static void forward_image(sr_net *net, int n, int l0, int l1, float *scr, uint64_t seed)
{
	for (int l = l0; l < l1; l++) {
		if (net->alias[l] || skipped(net, l))
			continue;
		const sr_layer *L = &net->L[l];
		sr_layer_args a;
		sr_rng r;
		layer_args(net, l, n, scr, &a);
		if (L->kind == SR_L_DROPOUT) {
			r = sr_rng_derive(seed, (uint64_t)n * SR_NN_MAX_LAYERS + (uint64_t)l);
			a.rng = &r;
		}
		a.training = net->training;
		call_layer(net, l, 0, &a);
	}
}

/* whether layers [l0, l1) compute anything (not only aliases and skipped dropouts) */
static int any_work(const sr_net *net, int l0, int l1)
{
	for (int l = l0; l < l1; l++)
		if (!net->alias[l] && !skipped(net, l))
			return 1;
	return 0;
}

/* The layers run in stages: runs of one-image layers, each image on a thread, between the
 * batched layers, each called over the whole batch by every thread, which share its work. */
int sr_net_forward(sr_net *net, const float *in, int batch, int training, uint64_t step_seed)
{
	if (batch < 1 || batch > net->max_batch)
		return sr_fail("network: batch %d outside 1..%d", batch, net->max_batch);
	int nt = sr_nn_threads();
	if (ensure_scratch(net, nt) < 0)
		return -1;
	if (net->prof && nt > net->prof_threads && sr_net_profile(net, 1) < 0)
		return -1;
	memcpy(net->arena, in, (size_t)batch * net->in_size * sizeof(float));
	sr_cpu_prepare(net);
	net->batch = batch;
	net->training = training;
	/* one parallel region for the whole pass: its threads take images in each stage and
	 * share each batched layer's work (the layer splits it with orphaned worksharing loops) */
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
	for (int l0 = 0; l0 < net->nl;) {
		int l1 = next_batched(net, l0);
		if (any_work(net, l0, l1)) {
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
			for (int n = 0; n < batch; n++)
				forward_image(net, n, l0, l1, thread_scratch(net), step_seed);
		}
		if (l1 < net->nl) {
			sr_layer_args a;
			layer_args(net, l1, 0, net->scratch, &a);
			a.n = batch, a.training = training;
			call_layer(net, l1, 0, &a);
		}
		l0 = l1 + 1;
	}
	net->have_forward = 1;
	return 0;
}

/* the first layer that computes anything: its input gradient is not needed unless asked */
static int first_real(const sr_net *net)
{
	int l = 0;
	while (l < net->nl && (net->alias[l] || skipped(net, l)))
		l++;
	return l;
}

/* Backward of layers [l0, l1) (none batched) for image n: dtop is d(output of l1 - 1) of this
 * image, dbottom receives d(input of l0) (NULL: not needed); parameter gradients into g. */
static void backward_image(sr_net *net, int n, int l0, int l1, const float *dtop,
                           float *dbottom, float *g, float *scr)
{
	float *cur = scr + net->col_size + net->pad + net->full_size + net->pad;
	float *other = cur + net->max_act + net->pad;
	int top = l1 - 1, fr = first_real(net);
	size_t top_size = top >= 0 ? net->osz[top] : net->in_size;
	memcpy(cur, dtop, top_size * sizeof(float));
	for (int l = l1 - 1; l >= l0; l--) {
		if (net->alias[l] || skipped(net, l))
			continue;
		sr_layer_args a;
		layer_args(net, l, n, scr, &a);
		a.g = g;
		a.dy = cur;
		a.dx = (l == fr && !net->want_ingrad) ? NULL : other;
		call_layer(net, l, 1, &a);
		if (a.dx) {
			float *t = cur;
			cur = other, other = t;
		}
	}
	if (dbottom)
		memcpy(dbottom, cur, (l0 == 0 ? net->in_size : net->osz[l0 - 1]) * sizeof(float));
}

/* The backward's stages, run by every thread of the backward's parallel region (the same
 * control flow in each; the worksharing loops split the work). */
static void backward_stages(sr_net *net, const float *dout, int ipc, int nch)
{
	int batch = net->batch, fr = first_real(net);
	size_t np = net->np;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
	for (int c = 0; c < nch; c++)
		for (int l = 0; l < net->nl; l++)
			if (!batched(net, l) && net->L[l].nw + net->L[l].nb)
				memset(net->cgrad + (size_t)c * np + net->L[l].w_off, 0,
				       (net->L[l].nw + net->L[l].nb) * sizeof(float));
	const float *gin = dout; /* d(output of layer l1 - 1), batch rows */
	size_t gin_size = net->out_size;
	for (int l1 = net->nl; l1 > 0;) {
		int l0 = l1;
		while (l0 > 0 && !batched(net, l0 - 1))
			l0--;
		if (any_work(net, l0, l1)) {
			float *dst = l0 == 0 ? (net->want_ingrad ? net->ingrad : NULL)
			                     : net->gbuf[gin == net->gbuf[0]];
			size_t dsz = l0 == 0 ? net->in_size : net->osz[l0 - 1];
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
			for (int c = 0; c < nch; c++) {
				int end = (c + 1) * ipc < batch ? (c + 1) * ipc : batch;
				for (int n = c * ipc; n < end; n++)
					backward_image(net, n, l0, l1, gin + (size_t)n * gin_size,
					               dst ? dst + (size_t)n * dsz : NULL,
					               net->cgrad + (size_t)c * np, thread_scratch(net));
			}
			gin = dst, gin_size = dsz;
		}
		if (l0 > 0) {
			int b = l0 - 1;
			sr_layer_args a;
			layer_args(net, b, 0, net->scratch, &a);
			a.n = batch;
			a.g = net->grads;
			a.dy = (float *)gin;
			a.dx = (b == fr && !net->want_ingrad) ? NULL : net->gbuf[gin == net->gbuf[0]];
			call_layer(net, b, 1, &a);
			gin = a.dx, gin_size = b == 0 ? net->in_size : net->osz[b - 1];
		}
		l1 = l0 - 1;
	}
	if (net->want_ingrad && gin != net->ingrad) {
#ifdef _OPENMP
#pragma omp single
#endif
		memcpy(net->ingrad, gin, (size_t)batch * net->in_size * sizeof(float));
	}
	/* fixed-order reduction of the chunks, layer by layer */
	for (int l = 0; l < net->nl; l++) {
		if (batched(net, l) || !(net->L[l].nw + net->L[l].nb))
			continue;
		size_t lo = net->L[l].w_off, hi = lo + net->L[l].nw + net->L[l].nb;
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
		for (size_t i = lo; i < hi; i++) {
			float s = 0;
			for (int c = 0; c < nch; c++)
				s += net->cgrad[(size_t)c * np + i];
			net->grads[i] += s;
		}
	}
}

/* The stages of the forward in reverse.  The gradient between stages lives in one of two
 * batch-wide buffers (gbuf); one-image layers' parameter gradients go to per-chunk buffers
 * (a function of batch and parameter count), summed in a fixed order at the end; batched
 * layers add straight into the network's gradients. */
int sr_net_backward(sr_net *net, const float *dout)
{
	if (!net->have_forward)
		return sr_fail("network: backward without a forward");
	int nt = sr_nn_threads();
	if (ensure_scratch(net, nt) < 0)
		return -1;
	int ipc = chunk_images(net, net->batch), nch = (net->batch + ipc - 1) / ipc;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
	backward_stages(net, dout, ipc, nch);
	return 0;
}

const float *sr_net_output(const sr_net *net) { return output_of(net, net->nl - 1); }
int sr_net_out_size(const sr_net *net) { return (int)net->out_size; }
int sr_net_in_size(const sr_net *net) { return (int)net->in_size; }
void sr_net_out_shape(const sr_net *net, int *c, int *h, int *w)
{
	const sr_layer *L = &net->L[net->nl - 1];
	*c = L->out_c, *h = L->out_h, *w = L->out_w;
}
const float *sr_net_input_grad(const sr_net *net) { return net->ingrad; }
void sr_net_set_input_grad(sr_net *net, int on) { net->want_ingrad = on != 0; }
void sr_net_zero_grad(sr_net *net) { memset(net->grads, 0, net->np * sizeof(float)); }
float *sr_net_params(sr_net *net) { return net->params; }
float *sr_net_grads(sr_net *net) { return net->grads; }
size_t sr_net_nparams(const sr_net *net) { return net->np; }
int sr_net_nlayers(const sr_net *net) { return net->nl; }
const sr_layer *sr_net_layer(const sr_net *net, int i)
{
	return i >= 0 && i < net->nl ? &net->L[i] : NULL;
}
const char *sr_net_spec(const sr_net *net) { return net->spec; }
void sr_net_in_shape(const sr_net *net, int *c, int *h, int *w)
{
	*c = net->in_c, *h = net->in_h, *w = net->in_w;
}
int sr_net_n_out(const sr_net *net) { return net->n_out; }
int sr_net_max_batch(const sr_net *net) { return net->max_batch; }

const unsigned char *sr_net_dropout_mask(const sr_net *net, int layer, int image)
{
	if (layer < 0 || layer >= net->nl || net->L[layer].kind != SR_L_DROPOUT || image < 0 ||
	    image >= net->max_batch)
		return NULL;
	return net->aux + (size_t)image * net->aux_per_image + net->aux_off[layer];
}

double sr_net_flops(const sr_net *net)
{
	double f = 0;
	for (int l = 0; l < net->nl; l++) {
		const sr_layer *L = &net->L[l];
		if (L->kind == SR_L_CONV)
			f += 2.0 * L->out_c * L->out_h * L->out_w * L->in_c * L->kh * L->kw;
		else if (L->kind == SR_L_CONVT)
			f += 2.0 * L->in_c * L->in_h * L->in_w * L->out_c * L->kh * L->kw;
		else if (L->kind == SR_L_DENSE)
			f += 2.0 * L->nw;
	}
	return f;
}

char *sr_net_describe(const sr_net *net)
{
	size_t cap = 128 * (size_t)(net->nl + 2), len = 0;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	for (int l = 0; l < net->nl; l++) {
		const sr_layer *L = &net->L[l];
		len += snprintf(s + len, cap - len, "%2d %-8s %dx%dx%d -> %dx%dx%d params %zu%s\n", l,
		                sr_nn_layer_ops(L->kind)->name, L->in_c, L->in_h, L->in_w, L->out_c, L->out_h,
		                L->out_w, L->nw + L->nb, L->fused_relu ? " (+relu)" : "");
	}
	snprintf(s + len, cap - len, "total params %zu, %.2f MFLOP forward per image\n", net->np,
	         sr_net_flops(net) / 1e6);
	return s;
}
