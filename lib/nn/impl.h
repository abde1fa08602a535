/* impl.h: private parts of the CNN engine shared by lib/nn/*.c (not for users). */
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
	float *wtap;                      /* tap-packed conv weights (fast path), repacked per forward */
	size_t wt_off[SR_NN_MAX_LAYERS];  /* (size_t)-1: layer not on the tap path */
	size_t gt_size, pad;              /* tap dW scratch; slack after buffers the taps overrun */
	int taps_valid;                   /* wtap matches params (set by forward) */
	size_t osz[SR_NN_MAX_LAYERS];     /* output floats per image */
	float *y[SR_NN_MAX_LAYERS];       /* output of layer l, max_batch x osz[l] */
	size_t aux_off[SR_NN_MAX_LAYERS]; /* per-image aux bytes offset (maxpool idx / dropout mask) */
	size_t aux_sz[SR_NN_MAX_LAYERS];  /* aux bytes per image */
	size_t in_size, out_size, max_act, col_size, np;
	float *params, *grads;            /* one allocation each */
	float *arena;                     /* input copy + every non-alias layer output */
	float *ingrad;                    /* max_batch x in_size */
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

/* the layer kernels, one image at a time.  wt: tap-packed weights of a conv on the tap path
 * (sr_nn_conv_tap_ok), else NULL; gt: scratch of nw floats for the tap path's dW. */
void sr_nn_conv_forward(const sr_layer *L, const float *p, const float *wt, const float *x,
                        float *y, float *col);
void sr_nn_conv_backward(const sr_layer *L, const float *p, const float *wt, float *g,
                         const float *x, const float *y, float *dy, float *dx, float *col,
                         float *gt);
/* conv (with fused relu) + max-pool P in one pass; `full` holds the conv output */
void sr_nn_conv_pool_forward(const sr_layer *L, const sr_layer *P, const float *p,
                             const float *wt, const float *x, float *ypool, int32_t *idx,
                             float *full, float *col);
void sr_nn_conv_pool_backward(const sr_layer *L, const sr_layer *P, const float *p,
                              const float *wt, float *g, const float *x, const float *ypool,
                              const int32_t *idx, const float *dpool, float *dx, float *full,
                              float *col, float *gt);
int    sr_nn_conv_tap_ok(const sr_layer *L);
/* first-layer direct AVX2 conv + 2x2 pool (few input channels); its scratch in `col` */
int    sr_nn_conv_direct_ok(const sr_layer *L, const sr_layer *P);
size_t sr_nn_conv_direct_size(const sr_layer *L);
size_t sr_nn_conv_widesize(const sr_layer *L);
void   sr_nn_conv_tap_pack(const sr_layer *L, const float *p, float *wt);
void sr_nn_convt_forward(const sr_layer *L, const float *p, const float *x, float *y, float *col);
void sr_nn_convt_backward(const sr_layer *L, const float *p, float *g, const float *x,
                          float *dy, float *dx, float *col);
size_t sr_nn_conv_colsize(const sr_layer *L);

/* Winograd F(2x2,3x3) for 3x3 stride-1 convs (winograd.c).  sr_nn_wino_ok: the shape
 * qualifies (the net then sets L->winograd when sr_nn_winograd is on).  u: transformed
 * weights, sr_nn_wino_wsize floats, from sr_nn_wino_pack.  forward: y = the linear conv (no
 * bias), out_c x out_h x out_w.  backward: dy = d(conv output); adds dW into g (bias not
 * touched); dx (may be NULL) is overwritten.  scr: sr_nn_wino_scratch floats; gt:
 * sr_nn_wino_wsize floats. */
int    sr_nn_wino_ok(const sr_layer *L);
size_t sr_nn_wino_wsize(const sr_layer *L);
size_t sr_nn_wino_scratch(const sr_layer *L);
void   sr_nn_wino_pack(const sr_layer *L, const float *p, float *u);
void   sr_nn_wino_forward(const sr_layer *L, const float *u, const float *x, float *y, float *scr);
void   sr_nn_wino_backward(const sr_layer *L, const float *u, float *g, const float *x,
                           const float *dy, float *dx, float *scr, float *gt);

void sr_nn_layer_forward(const sr_layer *L, const float *p, const float *x, float *y,
                         unsigned char *aux, int training, sr_rng *rng);
void sr_nn_layer_backward(const sr_layer *L, const float *p, float *g, const float *x,
                          const float *y, float *dy, float *dx, const unsigned char *aux);

/* spec parsing: fills net->L[], nl (shapes and parameter offsets computed) */
int sr_nn_parse(sr_net *net, const char *text);

#endif
