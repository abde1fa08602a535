/* plan.c: the CPU backend's hooks for the driver: at creation, which convs get packed
 * weights and how much per-thread scratch the kernels need; at each forward, the packing
 * (Winograd transforms or tap order) and each conv's path. */
#include "nn/cpu/cpu.h"

#include <cblas.h>

void sr_cpu_plan(sr_net *net)
{
	for (int l = 0; l < net->nl; l++) {
		/* upsample: its column coefficients */
		size_t cs = net->L[l].kind == SR_L_UPSAMPLE ? 3 * (size_t)net->L[l].out_w
		                                            : sr_cpu_conv_colsize(&net->L[l]);
		if (cs > net->col_size)
			net->col_size = cs;
	}
	/* the direct first layer keeps two conv rows in col and reads past its input */
	net->pad = 64;
	for (int l = 0; l < net->nl; l++)
		if (net->fuse_pool[l]) {
			size_t ds = sr_cpu_direct_size(&net->L[l]);
			if (ds > net->col_size)
				net->col_size = ds;
			if ((size_t)net->L[l].kw + 32 > net->pad)
				net->pad = (size_t)net->L[l].kw + 32;
		}
	/* packed weights: Winograd-able convs get room for either packing (sr_nn_winograd is read
	 * at each forward); stride-1 valid convs with enough input channels run as per-tap GEMMs
	 * (no im2col) */
	size_t wtn = 0;
	for (int l = 0; l < net->nl; l++) {
		const sr_layer *L = &net->L[l];
		net->wt_off[l] = (size_t)-1;
		if (sr_nn_wino_ok(L)) {
			size_t ws = sr_nn_wino_wsize(L), ss = sr_nn_wino_scratch(L);
			net->wt_off[l] = wtn;
			wtn += ws > L->nw ? ws : L->nw;
			if (ws > net->gt_size)
				net->gt_size = ws;
			if (ss > net->col_size)
				net->col_size = ss;
		}
		if (!sr_cpu_conv_tap_ok(L))
			continue;
		if (net->wt_off[l] == (size_t)-1) {
			net->wt_off[l] = wtn;
			wtn += L->nw;
		}
		if (L->nw > net->gt_size)
			net->gt_size = L->nw;
		if ((size_t)L->kw + 16 > net->pad)
			net->pad = (size_t)L->kw + 16;
		size_t ws = sr_cpu_conv_widesize(L);
		if (ws > net->col_size)
			net->col_size = ws;
		if (net->fuse_pool[l] && ws > net->full_size)
			net->full_size = ws;
	}
	net->wtap_size = wtn;
}

/* OpenBLAS runs on one thread (for the whole process): images are spread over threads */
static void blas_single_thread(void)
{
	static int done;
	if (!done) {
		openblas_set_num_threads(1);
		done = 1;
	}
}

void sr_cpu_prepare(sr_net *net)
{
	blas_single_thread();
	net->taps_valid = !sr_nn_reference;
	for (int l = 0; l < net->nl; l++) {
		sr_layer *L = &net->L[l];
		L->winograd = net->taps_valid && sr_nn_winograd && sr_nn_wino_ok(L);
		if (!net->taps_valid || net->wt_off[l] == (size_t)-1)
			continue;
		if (L->winograd)
			sr_nn_wino_pack(L, net->params, net->wtap + net->wt_off[l]);
		else if (sr_cpu_conv_tap_ok(L))
			sr_cpu_conv_tap_pack(L, net->params, net->wtap + net->wt_off[l]);
	}
}

const float *sr_cpu_packed(const sr_net *net, int l)
{
	const sr_layer *L = &net->L[l];
	return net->taps_valid && net->wt_off[l] != (size_t)-1 && (L->winograd || sr_cpu_conv_tap_ok(L))
	       ? net->wtap + net->wt_off[l]
	       : NULL;
}
