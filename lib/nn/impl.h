/* impl.h: private parts of the CNN engine shared by lib/nn/ and its backend (not for users). */
#ifndef SR_NN_IMPL_H
#define SR_NN_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "nn/nn.h"
#include "core/rng.h"

struct sr_net {
	char *spec;
	int in_c, in_h, in_w, n_out, max_batch;
	int nl;
	sr_layer L[SR_NN_MAX_LAYERS];
	int alias[SR_NN_MAX_LAYERS];      /* 1: output is the input (flatten, reshape, fused relu);
	                                     2: computed by the conv before it (fused max-pool) */
	int fuse_pool[SR_NN_MAX_LAYERS];  /* conv l computes relu + the max-pool at l + 2 */
	size_t full_size;                 /* largest conv output of a fused conv+pool */
	/* the backend's plan (lib/nn/cpu/plan.c): packed weights and per-thread scratch sizes */
	float *wtap;                      /* packed conv weights (Winograd or taps), per forward */
	size_t wtap_size;                 /* floats of wtap */
	size_t wt_off[SR_NN_MAX_LAYERS];  /* (size_t)-1: layer without packed weights */
	size_t gt_size, pad;              /* packed dW scratch; slack after buffers kernels overrun */
	int taps_valid;                   /* wtap matches params (set by forward) */
	size_t osz[SR_NN_MAX_LAYERS];     /* output floats per image */
	float *y[SR_NN_MAX_LAYERS];       /* output of layer l, max_batch x osz[l] */
	size_t aux_off[SR_NN_MAX_LAYERS]; /* per-image aux bytes offset (maxpool idx / dropout mask) */
	size_t aux_sz[SR_NN_MAX_LAYERS];  /* aux bytes per image */
	size_t in_size, out_size, max_act, col_size, np;
	float *params, *grads;            /* one allocation each */
	float *arena;                     /* input copy + every non-alias layer output */
	float *ingrad;                    /* max_batch x in_size */
	float *gbuf[2];                   /* backward: the gradient between stages, batch rows */
	double *prof;                     /* NULL, or per thread [forward, backward][layer] seconds,
	                                     then their sums */
	int prof_threads;
	unsigned char *aux;               /* max_batch x aux bytes per image */
	size_t aux_per_image;
	int batch, training, want_ingrad, have_forward;
	/* gradient accumulation per fixed chunk of images */
	float *cgrad;
	int max_chunks;
	/* per-thread scratch: col buffer + two activation-gradient buffers */
	float *scratch;
	int nscratch;
	size_t scratch_per_thread;
};

/* the profile (profile.c): the calling thread's CPU seconds; adds seconds to layer l's
 * forward (dir 0) or backward (dir 1) of the calling thread */
double sr_nn_thread_cpu(void);
void   sr_nn_profile_add(sr_net *net, int l, int dir, double seconds);

/* spec parsing: fills net->L[], nl (shapes and parameter offsets computed) */
int sr_nn_parse(sr_net *net, const char *text);

#endif
