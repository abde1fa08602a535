/* rng.h: the project's seeded random numbers (xoshiro256**).  Every random step in stemrot
 * draws from an sr_rng seeded from the user's --seed, so the same seed gives the same bytes.
 * Streams are derived per record (sr_rng_derive), so results do not depend on thread count
 * or on how records are batched. */
#ifndef SR_RNG_H
#define SR_RNG_H

#include <stdint.h>

typedef struct { uint64_t s[4]; } sr_rng;

void     sr_rng_seed(sr_rng *r, uint64_t seed);
/* An independent stream for (seed, stream), e.g. stream = record number. */
sr_rng   sr_rng_derive(uint64_t seed, uint64_t stream);
/* inline: the samplers' loops call it for every pixel */
static inline uint64_t sr_rng_rotl_(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static inline uint64_t sr_rng_next(sr_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = sr_rng_rotl_(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = sr_rng_rotl_(s[3], 45);
	return result;
}
static inline double sr_rng_uniform(sr_rng *r)    /* [0, 1), 53 bits */
{
	return (double)(sr_rng_next(r) >> 11) * 0x1.0p-53;
}
double   sr_rng_range(sr_rng *r, double lo, double hi); /* [lo, hi) ; lo when lo == hi */
double   sr_rng_normal(sr_rng *r);                  /* mean 0, sd 1 */
/* Exact Poisson sample: inversion for small means, Hormann's PTRS rejection for large ones. */
uint64_t sr_rng_poisson(sr_rng *r, double mean);
/* The same samples for many draws at one mean (an image's flat background and interior
 * repeat one mean): the sampler's constants computed once, and for the small means, with
 * sr_poisson_table, the inversion's partial sums kept in a table with a guide (Chen and
 * Asau 1974), so that a draw is a lookup instead of a search. */
#define SR_POISSON_TAB 128
#define SR_POISSON_GUIDE 64
typedef struct {
	double mean, p0;                            /* inversion: exp(-mean) */
	double slam, loglam, b, a, invalpha, vr, loginvalpha; /* PTRS */
	int ptrs, ntab;
	double cdf[SR_POISSON_TAB];                 /* the partial sums F_0 .. F_{ntab-1} */
	unsigned char guide[SR_POISSON_GUIDE];      /* the first k with F_k >= j / GUIDE */
} sr_poisson;
void     sr_poisson_init(sr_poisson *p, double mean);
void     sr_poisson_table(sr_poisson *p);
uint64_t sr_poisson_draw(const sr_poisson *p, sr_rng *r);

#endif
