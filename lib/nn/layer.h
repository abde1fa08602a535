/* layer.h: the per-layer-kind operation table (private to lib/nn).
 *
 * Each kind of layer has one row: its name, its output shape, its forward and its backward,
 * side by side (lib/nn/layers.c).  The network driver (net.c) only walks the layers and calls
 * the row of each; it knows no kernel.  The forward and backward of every kind are the CPU
 * backend's (lib/nn/cpu/, declared in cpu/cpu.h): another backend is another folder with the
 * same functions (and the same plan / prepare hooks), and its own column in the table.
 *
 * Calling convention: on buffers the driver owns; every operand of a call travels in one
 * sr_layer_args (the ones a kind does not use are NULL).  Most kinds take one image a call,
 * run by the driver's threads; a kind marked `batched` takes the whole batch (n images,
 * consecutive in x, y, dy, dx): every thread of the driver's parallel region makes the same
 * call, and the kind shares the work out with orphaned worksharing loops (`omp for`, `omp
 * single`; serial without OpenMP) over fixed blocks, so the bytes never depend on the threads;
 * it adds straight into the network's gradients.  A backward
 * ADDS into the parameter gradients g and WRITES dx when dx is not NULL (the first layer's
 * input gradient may be switched off).  dy may be overwritten (a fused relu masks it in
 * place) by the one-image kinds; a batched kind leaves it alone. */
#ifndef SR_NN_LAYER_H
#define SR_NN_LAYER_H

#include "nn/nn.h"
#include "core/rng.h"

typedef struct {
	const float *p;        /* all parameters of the network */
	float *g;              /* all parameter gradients (backward) */
	const float *wt;       /* conv: this layer's packed weights (Winograd or taps), or NULL */
	const sr_layer *pool;  /* conv: the max-pool computed with it (conv + relu + pool), or NULL */
	const float *x;        /* the layer's input */
	float *y;              /* its output (the pool's output when pool is set) */
	float *dy;             /* backward: d loss / d y */
	float *dx;             /* backward: d loss / d x, or NULL */
	unsigned char *aux;    /* per-image bytes the kind keeps (max-pool argmax, dropout mask) */
	int n;                 /* images in this call (1 unless the kind is batched) */
	int training;          /* forward: dropout active */
	sr_rng *rng;           /* forward: dropout's generator for this image and layer */
	float *col, *full, *gt; /* per-thread scratch (sizes from the backend's plan) */
} sr_layer_args;

typedef void sr_layer_fn(const sr_layer *L, const sr_layer_args *a);

typedef struct {
	const char *name;  /* as the spec and sr_net_describe spell it */
	/* The output shape (out_c, out_h, out_w) and the parameter counts (nw, nb) from the input
	 * shape and the options the parser stored in L (out_c holds the requested filters or
	 * units; reshape's out_* hold its C H W); NULL, or what is wrong. */
	const char *(*shape)(sr_layer *L);
	sr_layer_fn *forward;
	sr_layer_fn *backward;
	int batched;       /* forward and backward take the whole batch at once */
} sr_layer_ops;

/* floats of one image's input and output of a layer */
static inline size_t sr_layer_in_size(const sr_layer *L)
{
	return (size_t)L->in_c * L->in_h * L->in_w;
}
static inline size_t sr_layer_out_size(const sr_layer *L)
{
	return (size_t)L->out_c * L->out_h * L->out_w;
}

/* The row of kind (enum sr_layer_kind), NULL for an unknown kind. */
const sr_layer_ops *sr_nn_layer_ops(int kind);

#endif
