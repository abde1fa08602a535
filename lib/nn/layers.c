/* layers.c: the operation table, one row per layer kind: name, output shape, forward,
 * backward.  The shapes are the kinds' own (any backend); the forward and backward are the
 * CPU backend's (lib/nn/cpu/).  Adding a kind: an enum value (nn.h), its words in the spec
 * parser (spec.c), its shape here, its forward and backward in the backend, one row below. */
#include "nn/layer.h"

#include "nn/cpu/cpu.h"

/* ---- shapes ---- */
static const char *same_shape(sr_layer *L)
{
	L->out_c = L->in_c, L->out_h = L->in_h, L->out_w = L->in_w;
	return NULL;
}

/* out_c: the filters; 'same' keeps the input size (stride 1; padding ph, pw top/left, the
 * rest bottom/right) */
static const char *conv_shape(sr_layer *L)
{
	if (L->same) {
		L->out_h = L->in_h, L->out_w = L->in_w;
	} else {
		if (L->in_h < L->kh || L->in_w < L->kw)
			return "kernel larger than its input";
		L->out_h = (L->in_h - L->kh) / L->sh + 1, L->out_w = (L->in_w - L->kw) / L->sw + 1;
	}
	L->nw = (size_t)L->out_c * L->in_c * L->kh * L->kw, L->nb = (size_t)L->out_c;
	return NULL;
}

/* padding 0: every input pixel spreads over a kh x kw window */
static const char *convt_shape(sr_layer *L)
{
	L->out_h = (L->in_h - 1) * L->sh + L->kh, L->out_w = (L->in_w - 1) * L->sw + L->kw;
	L->nw = (size_t)L->in_c * L->out_c * L->kh * L->kw, L->nb = (size_t)L->out_c;
	return NULL;
}

static const char *pool_shape(sr_layer *L)
{
	if (L->in_h < L->kh || L->in_w < L->kw)
		return "pool window larger than its input";
	L->out_c = L->in_c;
	L->out_h = (L->in_h - L->kh) / L->sh + 1, L->out_w = (L->in_w - L->kw) / L->sw + 1;
	return NULL;
}

static const char *gpool_shape(sr_layer *L)
{
	L->out_c = L->in_c, L->out_h = L->out_w = 1;
	return NULL;
}

/* out_c: the units; the input is flattened */
static const char *dense_shape(sr_layer *L)
{
	L->out_h = L->out_w = 1;
	L->nw = (size_t)L->out_c * L->in_c * L->in_h * L->in_w, L->nb = (size_t)L->out_c;
	return NULL;
}

static const char *flatten_shape(sr_layer *L)
{
	L->out_c = L->in_c * L->in_h * L->in_w, L->out_h = L->out_w = 1;
	return NULL;
}

/* out_c, out_h, out_w: as given */
static const char *reshape_shape(sr_layer *L)
{
	if ((size_t)L->out_c * L->out_h * L->out_w != (size_t)L->in_c * L->in_h * L->in_w)
		return "reshape must keep the number of values";
	return NULL;
}

static const char *upsample_shape(sr_layer *L)
{
	L->out_c = L->in_c, L->out_h = L->in_h * L->sh, L->out_w = L->in_w * L->sw;
	return NULL;
}

/* ---- the table ---- */
static const sr_layer_ops ops[] = {
	[SR_L_CONV]     = {"conv", conv_shape, sr_cpu_conv_forward, sr_cpu_conv_backward},
	[SR_L_CONVT]    = {"convt", convt_shape, sr_cpu_convt_forward, sr_cpu_convt_backward},
	[SR_L_MAXPOOL]  = {"maxpool", pool_shape, sr_cpu_maxpool_forward, sr_cpu_maxpool_backward},
	[SR_L_AVGPOOL]  = {"avgpool", pool_shape, sr_cpu_avgpool_forward, sr_cpu_avgpool_backward},
	[SR_L_GPOOL]    = {"gpool", gpool_shape, sr_cpu_gpool_forward, sr_cpu_gpool_backward},
	[SR_L_DENSE]    = {"dense", dense_shape, sr_cpu_dense_forward, sr_cpu_dense_backward, 1},
	[SR_L_RELU]     = {"relu", same_shape, sr_cpu_relu_forward, sr_cpu_relu_backward},
	[SR_L_TANH]     = {"tanh", same_shape, sr_cpu_tanh_forward, sr_cpu_tanh_backward},
	[SR_L_SIGMOID]  = {"sigmoid", same_shape, sr_cpu_sigmoid_forward, sr_cpu_sigmoid_backward},
	[SR_L_SILU]     = {"silu", same_shape, sr_cpu_silu_forward, sr_cpu_silu_backward},
	[SR_L_GELU]     = {"gelu", same_shape, sr_cpu_gelu_forward, sr_cpu_gelu_backward},
	[SR_L_DROPOUT]  = {"dropout", same_shape, sr_cpu_dropout_forward, sr_cpu_dropout_backward},
	[SR_L_FLATTEN]  = {"flatten", flatten_shape, sr_cpu_identity_forward, sr_cpu_identity_backward},
	[SR_L_RESHAPE]  = {"reshape", reshape_shape, sr_cpu_identity_forward, sr_cpu_identity_backward},
	[SR_L_UPSAMPLE] = {"upsample", upsample_shape, sr_cpu_upsample_forward, sr_cpu_upsample_backward},
};

const sr_layer_ops *sr_nn_layer_ops(int kind)
{
	return kind >= SR_L_CONV && kind <= SR_L_UPSAMPLE ? &ops[kind] : NULL;
}
