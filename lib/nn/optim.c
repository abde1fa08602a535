/* optim.c: optimisers (Adam, AdamW, SGD with momentum), gradient clipping, and
 * the learning-rate schedule.  The Adam step is one pass over the parameters, eight at a time
 * with AVX2 where the CPU has it (chosen at run time), with the scalar loop's operations in
 * the scalar loop's order, so either gives the same bytes (the reference path runs the
 * scalar loop; tests compare them); before, the step was a scalar loop calling sqrtf. */
#include "nn/impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_ADAM 1
#endif

/* One Adam step's constants, in float as torch.optim.Adam (1.13, single-tensor) uses them */
typedef struct {
	float b1, a1, b2, a2, bc2_sqrt, eps, neg_step, wd, decay;
	int adamw;
} adam_k;

/* elements [i0, n) of an Adam step: the same operations in the same order as the vector
 * path, so the bytes are the same whichever runs (no fused multiply-adds: ISO C contracts
 * none, and the vector path uses none) */
static void adam_scalar(const adam_k *k, size_t i0, size_t n, float *p, const float *g, float *m,
                        float *v)
{
	for (size_t i = i0; i < n; i++) {
		float gi = g[i];
		if (k->adamw) {
			if (k->wd != 0)
				p[i] *= k->decay;
		} else if (k->wd != 0) {
			gi += k->wd * p[i];
		}
		m[i] = m[i] * k->b1 + k->a1 * gi;
		v[i] = v[i] * k->b2 + k->a2 * gi * gi;
		float denom = sqrtf(v[i]) / k->bc2_sqrt + k->eps;
		p[i] += k->neg_step * m[i] / denom;
	}
}

#ifdef HAVE_AVX2_ADAM
/* eight elements at a time, one pass over the four arrays; returns how many it did */
__attribute__((target("avx2"))) static size_t adam_avx2(const adam_k *k, size_t n, float *p,
                                                      const float *g, float *m, float *v)
{
	__m256 b1 = _mm256_set1_ps(k->b1), a1 = _mm256_set1_ps(k->a1), b2 = _mm256_set1_ps(k->b2);
	__m256 a2 = _mm256_set1_ps(k->a2), bc = _mm256_set1_ps(k->bc2_sqrt);
	__m256 eps = _mm256_set1_ps(k->eps), ns = _mm256_set1_ps(k->neg_step);
	__m256 wd = _mm256_set1_ps(k->wd), decay = _mm256_set1_ps(k->decay);
	int l2 = !k->adamw && k->wd != 0, dw = k->adamw && k->wd != 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 gi = _mm256_loadu_ps(g + i), pi = _mm256_loadu_ps(p + i);
		if (dw)
			pi = _mm256_mul_ps(pi, decay);
		if (l2)
			gi = _mm256_add_ps(gi, _mm256_mul_ps(wd, pi));
		__m256 mi = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(m + i), b1), _mm256_mul_ps(a1, gi));
		__m256 vi = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(v + i), b2),
		                          _mm256_mul_ps(_mm256_mul_ps(a2, gi), gi));
		__m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), bc), eps);
		pi = _mm256_add_ps(pi, _mm256_div_ps(_mm256_mul_ps(ns, mi), denom));
		_mm256_storeu_ps(m + i, mi);
		_mm256_storeu_ps(v + i, vi);
		_mm256_storeu_ps(p + i, pi);
	}
	return i;
}

static int have_avx2(void)
{
	static int yes = -1;
	if (yes < 0) {
		__builtin_cpu_init();
		yes = __builtin_cpu_supports("avx2");
	}
	return yes;
}
#endif

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
	adam_k k = {
		.b1 = (float)c->beta1, .a1 = (float)(1.0 - c->beta1),
		.b2 = (float)c->beta2, .a2 = (float)(1.0 - c->beta2),
		.bc2_sqrt = (float)sqrt(bc2), .eps = (float)c->eps, .neg_step = -(float)(lr / bc1),
		.wd = (float)c->weight_decay, .decay = (float)(1.0 - lr * c->weight_decay),
		.adamw = c->kind == SR_OPT_ADAMW,
	};
	size_t done = 0;
#ifdef HAVE_AVX2_ADAM
	if (have_avx2() && !sr_nn_reference)
		done = adam_avx2(&k, n, p, g, m, v);
#endif
	adam_scalar(&k, done, n, p, g, m, v);
}
