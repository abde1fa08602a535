/* fuzz_model: the model-file loader, and building each network it holds (what predict --info
 * and every model reader do next). */
#include "fuzz.h"
#include "nn/nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	sr_model *m = sr_model_load(fuzz_file(data, size));
	if (!m)
		return 0;
	for (int i = 0; i < sr_model_nnets(m); i++) {
		sr_net *net = sr_model_net(m, sr_model_net_name(m, i), 2);
		sr_net_free(net);
	}
	sr_model_free(m);
	return 0;
}
