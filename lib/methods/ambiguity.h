/* ambiguity.h: the classical baseline for 1D profiles (the method predict -M moments uses),
 * and, through learn/mirror.h, the vocabulary of the mirror ambiguity of profiles that the
 * programs score and answer with. */
#ifndef SR_AMBIGUITY_H
#define SR_AMBIGUITY_H

#include "io/record.h"
#include "learn/mirror.h"

/* ---- the classical baseline for profiles ---- */
/* The folded angle |theta - phi| in [0, P/2] of a regular k-gon (3 <= k <= 64, given) from
 * its profile p of n samples: the profile's k-th moment about its centroid, normalised by
 * M_0 (M_2 / M_0)^(k/2), is a_k + b_k cos k(theta - phi) (x^k holds the angular harmonics up
 * to k; the polygon's only ones are multiples of k), with a_k, b_k from two clean renders.
 * Background: median of 3 samples at each end; window: the centroid +- 3 sqrt(M2/M0) + 3.
 * SR_NO_SIGNAL (err.h) with a message for a profile without signal, -1 for a bad order. */
int sr_profile_moment_angle(const float *p, int n, int k, double *folded);
/* The baseline's answer for a profile record (view 0, or with use_pair a pair with an offset,
 * resolved as in sr_mirror_answer; of several profiles a view, the first), order k given:
 * fills out like sr_predict_record; returns
 * sr_profile_moment_angle's failures. */
int sr_profile_moment_predict(const sr_record *rec, int k, int use_pair, sr_prediction *out);

#endif
