/* confidence.h: a confidence that is a probability.  The predictor's raw score (the network's
 * predicted consistency of the head used, times the agreement of the averaged estimates: in
 * 0..1) orders answers but is not a probability; calibrate(1) --confidence measures, on
 * held-out images with known angles, the fraction of answers within SR_CONF_TOL degrees as
 * a function of the score, and stores that map (non-decreasing, piecewise linear) in the
 * model's info as conf.map=s1:p1,s2:p2,...; the predictor then reports p(score).
 * Used by learn/predictor.c and calibrate(1). */
#ifndef SR_CONFIDENCE_H
#define SR_CONFIDENCE_H

#include "core/meta.h"

#define SR_CONF_TOL 2.0        /* degrees: what "right" means for the map */
#define SR_CONF_MAX_KNOTS 20
#define SR_CONF_MIN_RECORDS 100 /* fewer held-out answers give no map */

typedef struct {
	int n; /* knots; 0: no map (the raw score is reported) */
	double score[SR_CONF_MAX_KNOTS], prob[SR_CONF_MAX_KNOTS];
} sr_confmap;

/* Fits the map from n answers (score, good = within SR_CONF_TOL): equal-count bins of the
 * sorted scores, each bin's mean score against its fraction good, made non-decreasing by
 * pooling adjacent violators.  -1 with the error set when n < SR_CONF_MIN_RECORDS. */
int sr_confmap_fit(const double *score, const int *good, long n, sr_confmap *m);
int sr_confmap_store(const sr_confmap *m, sr_meta *info);
/* Reads conf.map (n = 0 when absent); -1 with the error set when malformed. */
int sr_confmap_get(const sr_meta *info, sr_confmap *m);
/* p(score): linear between knots, the end values beyond them; the score itself without a
 * map. */
double sr_confmap_apply(const sr_confmap *m, double score);

#endif
