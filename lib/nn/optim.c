/* optim.c: optimisers (Adam, AdamW, SGD with momentum), gradient clipping, and
 * the learning-rate schedule. */
#include "nn/impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

void sr_optim_defaults(sr_optim_conf *c)
{
	memset(c, 0, sizeof *c);
	c->kind = SR_OPT_ADAM;
	c->lr = 1e-3;
	c->beta1 = 0.9, c->beta2 = 0.999, c->eps = 1e-8;
	c->gamma = 0.1;
}

sr_optim *sr_optim_create(const sr_optim_conf *conf, size_t nparams)
{
	if (conf->kind < SR_OPT_ADAM || conf->kind > SR_OPT_SGD) {
		sr_fail("optimiser: unknown kind %d", conf->kind);
		return NULL;
	}
	sr_optim *o = calloc(1, sizeof *o);
	if (!o || !(o->m = calloc(2 * (nparams ? nparams : 1), sizeof(float)))) {
		free(o);
		sr_fail("optimiser: out of memory");
		return NULL;
	}
	o->conf = *conf;
	o->n = nparams;
	o->v = o->m + nparams;
	return o;
}

void sr_optim_free(sr_optim *o)
{
	if (o) {
		free(o->m);
		free(o);
	}
}

double sr_optim_lr(const sr_optim_conf *c, long t)
{
	double lr = c->lr;
	if (c->warmup > 0 && t < c->warmup)
		return lr * (double)(t + 1) / (double)c->warmup;
	if (c->step_size > 0)
		return lr * pow(c->gamma, (double)(t / c->step_size));
	if (c->total > 0) {
		long span = c->total - c->warmup;
		double f = span > 0 ? (double)(t - c->warmup) / (double)span : 1;
		if (f > 1)
			f = 1;
		return c->lr_min + 0.5 * (lr - c->lr_min) * (1 + cos(M_PI * f));
	}
	return lr;
}

double sr_grad_clip(float *g, size_t n, double max_norm)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)g[i] * g[i];
	double norm = sqrt(s);
	if (max_norm > 0 && norm > max_norm) {
		/* PyTorch clip_grad_norm_: coef = max_norm / (norm + 1e-6) */
		float coef = (float)(max_norm / (norm + 1e-6));
		for (size_t i = 0; i < n; i++)
			g[i] *= coef;
	}
	return norm;
}

void sr_optim_step(sr_optim *o, float *p, float *g)
{
	const sr_optim_conf *c = &o->conf;
	size_t n = o->n;
	if (c->clip > 0)
		sr_grad_clip(g, n, c->clip);
	double lr = sr_optim_lr(c, o->t);
	o->t++;
	float *m = o->m, *v = o->v;
	if (c->kind == SR_OPT_SGD) {
		float flr = (float)lr, wd = (float)c->weight_decay, mu = (float)c->momentum;
		for (size_t i = 0; i < n; i++) {
			float d = g[i];
			if (wd != 0)
				d += wd * p[i];
			if (mu != 0) {
				/* PyTorch: the first step sets buf = d */
				m[i] = o->t == 1 ? d : mu * m[i] + d;
				d = m[i];
			}
			p[i] -= flr * d;
		}
		return;
	}
	/* torch.optim.Adam (1.13, single-tensor): scalars in double, arithmetic in float */
	double bc1 = 1.0 - pow(c->beta1, (double)o->t);
	double bc2 = 1.0 - pow(c->beta2, (double)o->t);
	float step_size = (float)(lr / bc1);
	float bc2_sqrt = (float)sqrt(bc2);
	float b1 = (float)c->beta1, b2 = (float)c->beta2, eps = (float)c->eps;
	float a1 = (float)(1.0 - c->beta1), a2 = (float)(1.0 - c->beta2);
	float wd = (float)c->weight_decay;
	float decay = (float)(1.0 - lr * c->weight_decay);
	for (size_t i = 0; i < n; i++) {
		float gi = g[i];
		if (c->kind == SR_OPT_ADAMW) {
			if (wd != 0)
				p[i] *= decay;
		} else if (wd != 0) {
			gi += wd * p[i];
		}
		m[i] = m[i] * b1 + a1 * gi;
		v[i] = v[i] * b2 + a2 * gi * gi;
		float denom = sqrtf(v[i]) / bc2_sqrt + eps;
		p[i] += -step_size * m[i] / denom;
	}
}
