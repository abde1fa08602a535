#include "core/rng.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void sr_rng_seed(sr_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

sr_rng sr_rng_derive(uint64_t seed, uint64_t stream)
{
	sr_rng r;
	uint64_t x = seed;
	/* Mix the stream number through splitmix so neighbouring streams are unrelated. */
	uint64_t mixed = splitmix64(&x) ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
	sr_rng_seed(&r, mixed);
	return r;
}

double sr_rng_range(sr_rng *r, double lo, double hi)
{
	return lo == hi ? lo : lo + (hi - lo) * sr_rng_uniform(r);
}

double sr_rng_normal(sr_rng *r)
{
	/* Box-Muller without a cached second value, so every call consumes exactly two draws. */
	double u1 = 1.0 - sr_rng_uniform(r); /* (0, 1] keeps log finite */
	double u2 = sr_rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Below this mean, inversion (one uniform, about mean + 1 steps); from it, PTRS. */
#define POISSON_PTRS_FROM 30.0

/* lgamma(k + 1) for the PTRS acceptance test, kept once computed (the same values). */
#define LOGFACT_N 4096
static double logfact_tab[LOGFACT_N];
static pthread_once_t logfact_once = PTHREAD_ONCE_INIT;
static atomic_int logfact_ready;

static void logfact_build(void)
{
	for (int k = 0; k < LOGFACT_N; k++)
		logfact_tab[k] = lgamma(k + 1.0);
	atomic_store_explicit(&logfact_ready, 1, memory_order_release);
}

static double log_factorial(double k)
{
	if (k < LOGFACT_N) {
		if (!atomic_load_explicit(&logfact_ready, memory_order_acquire))
			pthread_once(&logfact_once, logfact_build);
		return logfact_tab[(int)k];
	}
	return lgamma(k + 1);
}

void sr_poisson_init(sr_poisson *p, double mean)
{
	p->ntab = 0;
	p->mean = mean > 0 ? mean : 0;
	p->ptrs = mean >= POISSON_PTRS_FROM;
	if (!(mean > 0))
		p->p0 = 1;
	else if (!p->ptrs)
		p->p0 = exp(-mean);
	else { /* Hormann 1993 */
		p->slam = sqrt(mean);
		p->loglam = log(mean);
		p->b = 0.931 + 2.53 * p->slam;
		p->a = -0.059 + 0.02483 * p->b;
		p->invalpha = 1.1239 + 1.1328 / (p->b - 3.4);
		p->vr = 0.9277 - 3.6224 / (p->b - 2);
		p->loginvalpha = log(p->invalpha);
	}
}

void sr_poisson_table(sr_poisson *p)
{
	if (p->ptrs || p->ntab || !(p->mean > 0))
		return;
	/* the inversion's partial sums, as its loop forms them, up to the first k above the
	 * mean where adding the next term leaves the sum unchanged: every later sum is that */
	double mean = p->mean, q = p->p0, F = q;
	int k = 0;
	p->cdf[0] = F;
	while (k + 1 < SR_POISSON_TAB) {
		q *= mean / (double)(k + 1);
		if (F + q == F && k + 1 > mean)
			break;
		F += q;
		p->cdf[++k] = F;
	}
	if (k + 1 >= SR_POISSON_TAB) /* not settled (cannot happen below mean 30): no table */
		return;
	p->ntab = k + 1;
	for (int j = 0, i = 0; j < SR_POISSON_GUIDE; j++) {
		double uj = (double)j / SR_POISSON_GUIDE;
		while (i < p->ntab && p->cdf[i] < uj)
			i++;
		p->guide[j] = (unsigned char)i;
	}
}

uint64_t sr_poisson_draw(const sr_poisson *p, sr_rng *r)
{
	double mean = p->mean;
	if (!(mean > 0))
		return 0;
	if (!p->ptrs) {
		double u = sr_rng_uniform(r);
		if (p->ntab) { /* the same k as the loop below: the first with u <= F_k */
			int k = p->guide[(int)(u * SR_POISSON_GUIDE)];
			while (k < p->ntab && u > p->cdf[k])
				k++;
			return k < p->ntab ? (uint64_t)k : 1000;
		}
		/* Inversion by sequential search: exact, and cheap while the mean is small. */
		double q = p->p0, F = q;
		uint64_t k = 0;
		while (u > F && k < 1000) {
			k++;
			q *= mean / (double)k;
			F += q;
		}
		return k;
	}
	/* PTRS: transformed rejection with squeeze (Hormann 1993), exact for mean >= 10. */
	double a = p->a, b = p->b;
	for (;;) {
		double U = sr_rng_uniform(r) - 0.5, V = sr_rng_uniform(r);
		double us = 0.5 - fabs(U);
		double k = floor((2 * a / us + b) * U + mean + 0.43);
		if (us >= 0.07 && V <= p->vr)
			return (uint64_t)k;
		if (k < 0 || (us < 0.013 && V > us))
			continue;
		if (log(V) + p->loginvalpha - log(a / (us * us) + b) <=
		    -mean + k * p->loglam - log_factorial(k))
			return (uint64_t)k;
	}
}

uint64_t sr_rng_poisson(sr_rng *r, double mean)
{
	sr_poisson p;
	sr_poisson_init(&p, mean);
	return sr_poisson_draw(&p, r);
}
