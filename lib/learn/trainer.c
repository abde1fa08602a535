/* trainer.c: what the trainer offers its methods (trainer.h): networks with their
 * optimisers, and the validation pass. */
#include "learn/trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "learn/dataset.h"

int sr_trainer_adopt_net(sr_trainer *t, const char *name, sr_net *net)
{
	if (t->nnets >= SR_TRAINER_MAX_NETS) {
		sr_net_free(net);
		return sr_fail("too many networks");
	}
	sr_net_init(net, t->conf.seed * 1000003ULL + (uint64_t)t->nnets);
	sr_optim_conf oc;
	sr_optim_defaults(&oc);
	oc.lr = t->conf.lr;
	oc.clip = t->conf.clip;
	oc.weight_decay = t->conf.weight_decay;
	oc.warmup = t->conf.warmup;
	oc.lr_min = t->conf.lr_min;
	oc.total = 0; /* set when the step count is known */
	sr_optim *o = sr_optim_create(&oc, sr_net_nparams(net));
	char *nm = strdup(name);
	if (!o || !nm) {
		sr_net_free(net);
		sr_optim_free(o);
		free(nm);
		return sr_fail("out of memory");
	}
	t->names[t->nnets] = nm;
	t->nets[t->nnets] = net;
	t->optims[t->nnets] = o;
	t->nnets++;
	return 0;
}

sr_net *sr_trainer_add_net(sr_trainer *t, const char *name, const char *spec, int n_out,
                           int max_batch)
{
	if (t->nnets >= SR_TRAINER_MAX_NETS) {
		sr_fail("too many networks");
		return NULL;
	}
	int prof = t->layout == SR_LAYOUT_PROFILE;
	if (!spec)
		spec = prof || t->h == 1 ? SR_NET_DEFAULT_1D : SR_NET_DEFAULT_2D;
	/* a view of h profiles is h input channels of one row (1D convolutions) */
	sr_net *net = prof ? sr_net_create(spec, t->h, 1, t->w, n_out, max_batch)
	                   : sr_net_create(spec, t->c, t->h, t->w, n_out, max_batch);
	if (!net)
		return NULL;
	/* The method's buffers hold n_out values an image: a spec that ends otherwise would be
	 * read and written past them (end it with 'dense OUT', stemrot-net(7)). */
	if (sr_net_out_size(net) != n_out) {
		int oc, oh, ow;
		sr_net_out_shape(net, &oc, &oh, &ow);
		sr_fail("--net: the network gives %dx%dx%d = %d values an image, the method needs %d "
		        "(end the spec with 'dense OUT')", oc, oh, ow, sr_net_out_size(net), n_out);
		sr_net_free(net);
		return NULL;
	}
	if (sr_trainer_adopt_net(t, name, net) < 0)
		return NULL;
	sr_net_set_input_grad(net, 0);
	return net;
}

double sr_trainer_validate(sr_trainer *t)
{
	if (t->nval == 0 || !t->val_x) /* none, or held by rank 0 of a data-parallel run */
		return NAN;
	sr_batchbuf bb;
	sr_samples val = {t->nval, t->nval, (size_t)t->views * t->h * t->w, t->val_x,
	                  t->val_delta, t->val_theta, t->val_k, t->val_q};
	if (sr_batchbuf_alloc(&bb, t->conf.batch, val.per) < 0) {
		sr_batchbuf_free(&bb);
		return NAN;
	}
	if (t->m->val_begin)
		t->m->val_begin(t);
	double sum = 0;
	long n = 0;
	for (long i = 0; i < t->nval; i += t->conf.batch) {
		int m = (int)(t->nval - i < t->conf.batch ? t->nval - i : t->conf.batch);
		for (int j = 0; j < m; j++)
			sr_batchbuf_add(&bb, &val, i + j);
		sr_batch b = sr_batchbuf_batch(&bb, t, 0, m, 0);
		bb.n = 0;
		double loss;
		if (t->m->batch(t, &b, 0, &loss) < 0) {
			sr_batchbuf_free(&bb);
			return NAN;
		}
		sum += loss * m;
		n += m;
	}
	if (t->m->val_end)
		t->m->val_end(t);
	sr_batchbuf_free(&bb);
	return sum / n;
}
