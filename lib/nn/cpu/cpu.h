/* cpu.h: the CPU backend of the engine (private to lib/nn).
 *
 * What the driver (net.c) asks of a backend:
 *   - sr_cpu_plan: once, at creation: which layers get packed weights, and the per-thread
 *     scratch sizes (net->col_size, full_size, gt_size, pad, wt_off[]);
 *   - sr_cpu_prepare: at each forward: repacks the weights the kernels read (Winograd
 *     transforms, tap order) and sets each conv's path;
 *   - sr_cpu_packed: a layer's packed weights for its calls (sr_layer_args.wt);
 *   - the forward and backward of every layer kind, which the operation table (lib/nn/layers.c)
 *     names side by side.
 * Kernels: im2col + 1-thread OpenBLAS sgemm (conv.c), per-tap GEMMs for stride-1 'valid'
 * convs (conv.c), Winograd F(2x2,3x3) (winograd.c), a direct AVX2/FMA first layer fused with
 * its 2x2 max-pool (direct.c, chosen at run time), dense layers over the whole batch
 * (dense.c, gemm.c), and the naive loops of the reference path (sr_nn_reference, for tests).  Images are spread over threads by the driver. */
#ifndef SR_NN_CPU_H
#define SR_NN_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "nn/impl.h"
#include "nn/layer.h"

/* ---- the backend's hooks ---- */
void         sr_cpu_plan(sr_net *net);
void         sr_cpu_prepare(sr_net *net);
const float *sr_cpu_packed(const sr_net *net, int l);

/* ---- forward and backward of each kind (the operation table's entries) ---- */
sr_layer_fn sr_cpu_conv_forward, sr_cpu_conv_backward;       /* conv.c (+relu, +max-pool) */
sr_layer_fn sr_cpu_convt_forward, sr_cpu_convt_backward;     /* conv.c */
sr_layer_fn sr_cpu_maxpool_forward, sr_cpu_maxpool_backward; /* pool.c */
sr_layer_fn sr_cpu_avgpool_forward, sr_cpu_avgpool_backward;
sr_layer_fn sr_cpu_gpool_forward, sr_cpu_gpool_backward;
sr_layer_fn sr_cpu_dense_forward, sr_cpu_dense_backward;     /* dense.c */
sr_layer_fn sr_cpu_relu_forward, sr_cpu_relu_backward;       /* layers.c */
sr_layer_fn sr_cpu_tanh_forward, sr_cpu_tanh_backward;
sr_layer_fn sr_cpu_sigmoid_forward, sr_cpu_sigmoid_backward;
sr_layer_fn sr_cpu_silu_forward, sr_cpu_silu_backward;
sr_layer_fn sr_cpu_gelu_forward, sr_cpu_gelu_backward;
sr_layer_fn sr_cpu_dropout_forward, sr_cpu_dropout_backward;
sr_layer_fn sr_cpu_identity_forward, sr_cpu_identity_backward; /* flatten, reshape */
sr_layer_fn sr_cpu_upsample_forward, sr_cpu_upsample_backward;

/* ---- shared between the backend's files ---- */
/* im2col column buffer floats of a conv or convt (0 for other kinds) */
size_t sr_cpu_conv_colsize(const sr_layer *L);
/* the tap path: stride-1 'valid' convs with >= 8 input channels, kh*kw GEMMs on shifted views
 * of the input; output on the "wide" grid of out_h rows x in_w columns */
int    sr_cpu_conv_tap_ok(const sr_layer *L);
size_t sr_cpu_conv_widesize(const sr_layer *L);
void   sr_cpu_conv_tap_pack(const sr_layer *L, const float *p, float *wt);

/* C (M x N) = A (M x K) W^T, W being N x K, row-major with leading dimensions: each element
 * computed the same way wherever it falls, so its value depends on its row of A and row of
 * W only (gemm.c); the portable version gives the same bytes as the AVX2 one */
void sr_cpu_gemm_nt(int M, int N, int K, const float *A, int lda, const float *W, int ldw,
                    float *C, int ldc);
void sr_cpu_gemm_nt_portable(int M, int N, int K, const float *A, int lda, const float *W,
                             int ldw, float *C, int ldc);

/* One row of 2x2/2 max-pool windows over conv rows r0, r1 with bias bo added and relu; the
 * argmax is kept as a code 0..3 (2 * second row + right column) in ir (pool.c). */
void sr_cpu_pool2x2_row(const float *r0, const float *r1, int PW, float bo, float *yr,
                        unsigned char *ir);

/* The direct AVX2/FMA first layer (<= 4 input channels) fused with relu and a 2x2 max-pool
 * P (direct.c): whether the shape and this CPU qualify; its scratch in `col`
 * (sr_cpu_direct_size floats); the backward uses only the pooled maxima. */
int    sr_cpu_direct_ok(const sr_layer *L, const sr_layer *P);
size_t sr_cpu_direct_size(const sr_layer *L);
void   sr_cpu_direct_pool_forward(const sr_layer *L, const sr_layer *P, const float *p,
                                  const float *x, float *ypool, unsigned char *code, float *col);
void   sr_cpu_direct_pool_backward(const sr_layer *L, const sr_layer *P, const float *p, float *g,
                                   const float *x, const float *ypool, const unsigned char *code,
                                   const float *dpool, float *dx);

/* Winograd F(2x2,3x3) for 3x3 stride-1 convs (winograd.c).  sr_nn_wino_ok: the shape
 * qualifies (the plan then sets L->winograd when sr_nn_winograd is on).  u: transformed
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

#endif
