#include "core/rng.h"

#include <math.h>

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

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t sr_rng_next(sr_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double sr_rng_uniform(sr_rng *r) { return (double)(sr_rng_next(r) >> 11) * 0x1.0p-53; }

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

uint64_t sr_rng_poisson(sr_rng *r, double mean)
{
	if (!(mean > 0))
		return 0;
	if (mean < 30) {
		/* Inversion by sequential search: exact, and cheap while the mean is small. */
		double p = exp(-mean), F = p, u = sr_rng_uniform(r);
		uint64_t k = 0;
		while (u > F && k < 1000) {
			k++;
			p *= mean / (double)k;
			F += p;
		}
		return k;
	}
	/* PTRS: transformed rejection with squeeze (Hormann 1993), exact for mean >= 10. */
	double slam = sqrt(mean), loglam = log(mean);
	double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
	double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
	for (;;) {
		double U = sr_rng_uniform(r) - 0.5, V = sr_rng_uniform(r);
		double us = 0.5 - fabs(U);
		double k = floor((2 * a / us + b) * U + mean + 0.43);
		if (us >= 0.07 && V <= vr)
			return (uint64_t)k;
		if (k < 0 || (us < 0.013 && V > us))
			continue;
		if (log(V) + log(invalpha) - log(a / (us * us) + b) <= -mean + k * loglam - lgamma(k + 1))
			return (uint64_t)k;
	}
}
