/* nn.h: the small CNN engine (layers, networks from a text spec, optimisers, model files).
 *
 * LAYOUT (the same as PyTorch, so fixtures compare directly):
 *   - Tensors are float32, NCHW, batch-major: image n, channel c, row y, column x is at
 *     ((n * C + c) * H + y) * W + x.  A 1D signal is an image with H = 1 (N, C, 1, L).
 *   - Conv2D weight [out][in][kh][kw] then bias [out]        (nn.Conv2d)
 *     Conv1D weight [out][in][k] then bias [out]             (nn.Conv1d; = Conv2D with kh = 1)
 *     ConvT2D weight [in][out][kh][kw] then bias [out]       (nn.ConvTranspose2d, padding 0)
 *     Dense  weight [out][in] then bias [out]                (nn.Linear)
 *     Flatten flattens C, H, W in that order (nn.Flatten); dense flattens its input itself.
 *   - All parameters of a network are ONE contiguous float array in layer order (weight then
 *     bias for each layer that has them); the gradients are another array of the same layout
 *     (and so are the optimiser's m and v).  Layer i's offsets: sr_net_layer(net, i)->w_off/b_off.
 *   - Activations live in one arena sized for max_batch at creation; forward, backward and the
 *     optimiser step never allocate (except once, when the thread count first grows).
 *
 * SPEC LANGUAGE (stemrot-net(7)): layers separated by ';' or newlines, '#' comments.
 *   conv F K [stride S] [same|valid]     Conv2D (Conv1D when the input height is 1)
 *   conv1d F K [stride S] [same|valid]   explicit Conv1D (input height must be 1)
 *   convt F K [stride S]                 transposed Conv2D (1D when height is 1), padding 0
 *   maxpool K [stride S]  avgpool K [stride S]   (1D when the input height is 1; S default K)
 *   gpool                                global average pool -> C x 1 x 1
 *   dense N  (N may be OUT: replaced by the n_out argument)
 *   relu  tanh  sigmoid  silu  gelu (exact, erf)
 *   dropout P                            (inverted dropout: kept values scaled by 1/(1-P))
 *   flatten                              -> (C*H*W) x 1 x 1
 *   reshape C H W                        (same element count)
 *   upsample S [nearest|bilinear]        (bilinear = PyTorch align_corners=False; linear in 1D)
 * A spec starting with '@' names a file holding the spec.  The default 2D network:
 *   SR_NET_DEFAULT_2D.  Errors name the position: "spec: layer 3 (col 17): ...".
 *
 * SIAMESE USE: put both views in one batch of 2B images (all A views, then all B views),
 * one forward, one backward; weights are shared because it is one network.
 *
 * DETERMINISM: results (outputs, gradients, hence models) do not depend on the thread count:
 * images are processed independently; parameter gradients are accumulated per fixed chunk of
 * images (chunking depends only on batch size and parameter count) and the chunks are summed
 * in a fixed order.  Dropout masks come from (step_seed, image index within the batch, layer).
 *
 * THREADS: sr_nn_set_threads(n) (0 = OpenMP default); OpenBLAS is set to 1 thread (for the
 * whole process) on the first forward, and images are spread over threads.  Built without
 * OpenMP the engine runs on one thread (same bytes).
 *
 * STRUCTURE: the driver (net.c) walks the layers and calls each kind's row of the operation
 * table (lib/nn/layer.h, layers.c: name, shape, forward, backward side by side); the kernels
 * are the CPU backend's (lib/nn/cpu/); another backend would be another folder.
 *
 * FAST PATH (sr_nn_reference = 0; tests compare it with the naive loops): each thread runs
 * whole images through the network.  conv + relu are fused, and conv + relu + maxpool too
 * (the conv output then lives only in a per-thread buffer; relu(max) = max(relu)); a first
 * layer with <= 4 input channels and a 2x2 pool is a direct AVX2/FMA kernel (runtime check,
 * GEMM otherwise) whose backward uses only the pooled maxima; 3x3 stride-1 convs ('valid'
 * or 'same') with >= 8 input and output channels run as Winograd F(2x2,3x3), forward and
 * backward (lib/nn/cpu/winograd.c: 16 GEMMs per image, 2.1x fewer multiplies;
 * sr_nn_winograd = 0 switches it off); other stride-1 'valid' convs with >= 8 input channels
 * run as one GEMM per kernel tap on shifted views of the input (no im2col); others use
 * im2col + cblas_sgemm.  Dropout is skipped in eval mode.  Quick timing: bench/nn_speed.c.
 */
#ifndef SR_NN_H
#define SR_NN_H

#include <stddef.h>
#include <stdint.h>

#include "core/meta.h"

#define SR_NET_DEFAULT_2D \
	"conv 64 3; relu; maxpool 2; dropout 0.1; conv 32 3; relu; maxpool 2; dropout 0.1; " \
	"conv 16 3; relu; maxpool 2; dropout 0.1; flatten; dense OUT"
/* The analogous 1D network (input 1 x 1 x L profile). */
#define SR_NET_DEFAULT_1D \
	"conv 64 9; relu; maxpool 2; dropout 0.1; conv 32 9; relu; maxpool 2; dropout 0.1; " \
	"conv 16 9; relu; maxpool 2; dropout 0.1; flatten; dense OUT"

#define SR_NN_MAX_LAYERS 64
#define SR_NN_SPEC_MAX 65536  /* bytes of spec text */

enum sr_layer_kind {
	SR_L_CONV = 1,  /* Conv2D or Conv1D (kh == 1) */
	SR_L_CONVT,     /* transposed convolution */
	SR_L_MAXPOOL,
	SR_L_AVGPOOL,
	SR_L_GPOOL,
	SR_L_DENSE,
	SR_L_RELU,
	SR_L_TANH,
	SR_L_SIGMOID,
	SR_L_SILU,
	SR_L_GELU,
	SR_L_DROPOUT,
	SR_L_FLATTEN,
	SR_L_RESHAPE,
	SR_L_UPSAMPLE
};

/* One layer, read-only for users (fixtures, printing). */
typedef struct {
	int kind;                 /* enum sr_layer_kind */
	int in_c, in_h, in_w;     /* input shape of one image */
	int out_c, out_h, out_w;  /* output shape of one image */
	int kh, kw, sh, sw;       /* kernel and stride (conv, convt, pools, upsample factor in sh/sw) */
	int ph, pw;               /* padding top/left (conv 'same'); bottom/right follow from shapes */
	int same;                 /* conv 'same': output as large as the input (stride 1) */
	int bilinear;             /* upsample mode */
	int is1d;                 /* conv/pool acting along the width only (input height 1) */
	float p;                  /* dropout probability */
	size_t w_off, nw;         /* weights: offset in the parameter array and count (0: none) */
	size_t b_off, nb;         /* bias */
	int fused_relu;           /* fast path detail: a conv whose following relu is fused */
	int winograd;             /* fast path detail: runs as Winograd F(2x2,3x3) (set per forward) */
} sr_layer;

typedef struct sr_net sr_net;

/* Builds a network for inputs of in_c x in_h x in_w (1D: in_h = 1) with up to max_batch
 * images per forward.  spec: the text, or "@file".  NULL (sr_fail message) on error.
 * Parameters are zero until sr_net_init or a load. */
sr_net *sr_net_create(const char *spec, int in_c, int in_h, int in_w, int n_out, int max_batch);
void    sr_net_free(sr_net *net);

/* He-normal init (std sqrt(2/fan_in)) for layers followed by relu, Glorot-uniform otherwise,
 * biases zero; layer i draws from sr_rng_derive(seed, i). */
void sr_net_init(sr_net *net, uint64_t seed);

/* Forward of batch images (batch <= max_batch) from in (batch x in_c x in_h x in_w, copied).
 * training = 1 enables dropout with masks from (step_seed, image index, layer index).
 * Returns 0, or -1 on a bad batch size. */
int sr_net_forward(sr_net *net, const float *in, int batch, int training, uint64_t step_seed);
const float *sr_net_output(const sr_net *net);  /* batch x out_size, valid until next forward */
int sr_net_out_size(const sr_net *net);         /* floats per image */
int sr_net_in_size(const sr_net *net);          /* in_c * in_h * in_w */
void sr_net_out_shape(const sr_net *net, int *c, int *h, int *w);

/* Backward of the last forward: dout is batch x out_size (d loss / d output).  ADDS into the
 * parameter gradients (call sr_net_zero_grad first), and computes d loss / d input (batch x
 * in_size), readable with sr_net_input_grad, unless switched off with
 * sr_net_set_input_grad(net, 0) (saves the first layer's data-gradient; method 1 should). */
int sr_net_backward(sr_net *net, const float *dout);
const float *sr_net_input_grad(const sr_net *net);
void sr_net_set_input_grad(sr_net *net, int on);

/* Dropout mask of layer `layer` for image `image` of the last training forward (out_size
 * bytes: 0 dropped, 1 kept and scaled by 1/(1-p), 2 passed unscaled in eval mode), so a
 * fixture can replay our masks in PyTorch.  NULL if that layer is not dropout. */
const unsigned char *sr_net_dropout_mask(const sr_net *net, int layer, int image);

void   sr_net_zero_grad(sr_net *net);
float *sr_net_params(sr_net *net);
float *sr_net_grads(sr_net *net);
size_t sr_net_nparams(const sr_net *net);

int sr_net_nlayers(const sr_net *net);
const sr_layer *sr_net_layer(const sr_net *net, int i);
const char *sr_net_spec(const sr_net *net);      /* the spec text as given (file contents for @) */
void sr_net_in_shape(const sr_net *net, int *c, int *h, int *w);
int  sr_net_n_out(const sr_net *net);
int  sr_net_max_batch(const sr_net *net);
/* One line per layer ("conv 1x64x64 -> 64x62x62 params 640"), malloc'd. */
char *sr_net_describe(const sr_net *net);
/* Forward FLOPs per image (multiply-add = 2), for throughput reports. */
double sr_net_flops(const sr_net *net);
/* Per-layer profile for benchmarks: on = 1 zeroes it and starts timing every layer call (CPU
 * seconds: of the calling thread for one-image layers, of the whole process for layers that
 * take the batch at once), 0 stops; -1 out of memory.  sr_net_profile_times: 2 x nlayers
 * seconds since the start (forward of each layer, then backward of each), NULL when off;
 * valid until the next call.  A layer fused into the one before it (relu, max-pool after a
 * conv) counts in that layer. */
int sr_net_profile(sr_net *net, int on);
const double *sr_net_profile_times(sr_net *net);

/* Global settings.  threads: 0 = OpenMP default.  reference = 1: naive loops everywhere
 * (slow, for tests of the fast path). */
void sr_nn_set_threads(int n);
int  sr_nn_threads(void);
extern int sr_nn_reference;
/* winograd = 1 (default): 3x3 stride-1 convs with >= 8 input and output channels use
 * Winograd F(2x2,3x3) on the fast path (fewer multiplies; float32 rounding differs from the
 * direct sum by a few ulps of the largest terms); 0: the per-tap / im2col GEMMs.  Read at
 * each forward. */
extern int sr_nn_winograd;

/* ---- optimisers ---- */
enum sr_optim_kind { SR_OPT_ADAM = 1, SR_OPT_ADAMW, SR_OPT_SGD };

typedef struct {
	int kind;                 /* enum sr_optim_kind */
	double lr;                /* base learning rate (the schedule scales it) */
	double beta1, beta2, eps; /* Adam; defaults 0.9 0.999 1e-8 */
	double weight_decay;      /* Adam: L2 added to the gradient; AdamW: decoupled; SGD: L2 */
	double momentum;          /* SGD (PyTorch form: buf = mu*buf + g; p -= lr*buf) */
	double clip;              /* global-norm gradient clipping; 0 = off */
	/* schedule */
	long warmup;              /* linear warm-up steps from lr/warmup to lr (0 = none) */
	long total;               /* cosine decay to lr_min at step total (0 = constant) */
	double lr_min;
	long step_size;           /* > 0: step decay instead of cosine: lr * gamma^(step/step_size) */
	double gamma;
} sr_optim_conf;

/* Fills c with the defaults (Adam, lr 1e-3, betas 0.9/0.999, eps 1e-8, no decay/clip). */
void sr_optim_defaults(sr_optim_conf *c);

typedef struct {
	sr_optim_conf conf;
	size_t n;
	long t;        /* steps taken */
	float *m, *v;  /* one allocation: m then v (v unused for SGD); same layout as params */
} sr_optim;

sr_optim *sr_optim_create(const sr_optim_conf *conf, size_t nparams);
void      sr_optim_free(sr_optim *o);
/* The learning rate the schedule gives at step t (0-based). */
double    sr_optim_lr(const sr_optim_conf *c, long t);
/* Global L2 norm of the gradient; scales it down to max_norm when above (max_norm > 0). */
double    sr_grad_clip(float *grads, size_t n, double max_norm);
/* One update: clips (conf.clip), takes lr from the schedule at step o->t, updates params,
 * increments o->t.  Adam's arithmetic follows torch.optim.Adam/AdamW (1.13). */
void      sr_optim_step(sr_optim *o, float *params, float *grads);

/* ---- model files (stemrot-model(5)) ----
 * A model file holds an sr_meta text block (training and calibration info as key=value) and
 * one or more NAMED networks (spec, input shape, n_out, parameters), optionally with optimiser
 * state for resuming.  Little-endian, zlib-compressed, CRC-32 checked, written atomically. */
#define SR_MODEL_VERSION 1

/* optims may be NULL, or hold NULL entries: optimiser state is then not stored. */
int sr_model_save(const char *path, const sr_meta *info, int nnets, const char *const *names,
                  sr_net *const *nets, sr_optim *const *optims);

typedef struct sr_model sr_model;
/* Reads and verifies the whole file.  NULL with a clear message on: cannot open, not a model
 * file, wrong version, truncated, CRC mismatch (corrupt), malformed payload. */
sr_model *sr_model_load(const char *path);
void sr_model_free(sr_model *m);
const sr_meta *sr_model_info(const sr_model *m);
int  sr_model_nnets(const sr_model *m);
const char *sr_model_net_name(const sr_model *m, int i);
/* Builds the named network (its stored spec and shapes) with max_batch, parameters loaded.
 * NULL if absent. */
sr_net *sr_model_net(const sr_model *m, const char *name, int max_batch);
/* Loads the named network's parameters into an existing net; -1 "wrong architecture" when its
 * spec, shapes or parameter count differ. */
int sr_model_load_into(const sr_model *m, const char *name, sr_net *net);
/* Restores optimiser state (m, v, t) stored with the named network into o; 1 if the file
 * holds none (o untouched), -1 on mismatch. */
int sr_model_restore_optim(const sr_model *m, const char *name, sr_optim *o);

#endif
