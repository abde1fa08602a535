/* fuzz_spec: the network-spec parser and the engine it builds.  The first four bytes choose
 * the input shape (channels 1..4, height 1..64, width 1..64) and the output count (0..15); the
 * rest is the spec.  A network that builds, and is small enough to run fast, is run forward
 * and backward once on a batch of 2. */
#include <string.h>

#include "fuzz.h"
#include "nn/nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	if (size < 4)
		return 0;
	int in_c = 1 + data[0] % 4, in_h = 1 + data[1] % 64, in_w = 1 + data[2] % 64,
	    n_out = data[3] % 16;
	if (data[1] & 0x80)
		in_h = 1; /* 1D networks half the time */
	char *spec = malloc(size - 3);
	memcpy(spec, data + 4, size - 4);
	spec[size - 4] = '\0';
	sr_net *net = sr_net_create(spec, in_c, in_h, in_w, n_out, 2);
	free(spec);
	if (!net)
		return 0;
	/* The passes only on networks of at most ~20M multiply-adds an image: a legitimate
	 * wide network is seconds under the sanitizers, which libFuzzer would report as a hang. */
	double macs = 0;
	for (int l = 0; l < sr_net_nlayers(net); l++) {
		const sr_layer *L = sr_net_layer(net, l);
		macs += (double)L->nw * L->out_h * L->out_w;
	}
	if (macs > 2e7) {
		sr_net_free(net);
		return 0;
	}
	sr_net_init(net, 1);
	size_t in = (size_t)sr_net_in_size(net), out = (size_t)sr_net_out_size(net);
	float *x = malloc(2 * in * sizeof *x), *dy = malloc(2 * out * sizeof *dy);
	for (size_t i = 0; i < 2 * in; i++)
		x[i] = (float)((i * 7919) % 13) / 13.0f - 0.5f;
	for (size_t i = 0; i < 2 * out; i++)
		dy[i] = 1.0f / (float)(1 + i % 5);
	if (sr_net_forward(net, x, 2, 1, 3) == 0) {
		sr_net_zero_grad(net);
		sr_net_backward(net, dy);
	}
	free(x);
	free(dy);
	sr_net_free(net);
	return 0;
}
