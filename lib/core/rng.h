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
uint64_t sr_rng_next(sr_rng *r);
double   sr_rng_uniform(sr_rng *r);                 /* [0, 1), 53 bits */
double   sr_rng_range(sr_rng *r, double lo, double hi); /* [lo, hi) ; lo when lo == hi */
double   sr_rng_normal(sr_rng *r);                  /* mean 0, sd 1 */
/* Exact Poisson sample: inversion for small means, Hormann's PTRS rejection for large ones. */
uint64_t sr_rng_poisson(sr_rng *r, double mean);

#endif
