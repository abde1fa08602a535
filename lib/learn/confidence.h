/* confidence.h: a confidence that is a probability.
 *
 * The predictor describes each answer by features the network already gives (no truth):
 *   spread       log of the circular standard deviation, degrees, of the estimates averaged
 *                over the test-time transforms (and views) by the head used;
 *   consistency  that head's predicted pair loss q (nn/loss.h);
 *   magnitude    log of the mean length |u_k| of the head's vector (cos k theta, sin k theta):
 *                a network unsure of the angle gives a short vector;
 *   margin       the head's agreement over the transforms minus the best agreement of a
 *                smaller candidate head (learn/order.h): near 0 when the order is in doubt.
 * calibrate(1) --confidence measures, on held-out images with known angles, which answers are
 * within SR_CONF_TOL degrees with the order right, and fits
 *   1. a logistic regression of "right" on the features: the score, in 0..1 (conf.weights);
 *   2. a non-decreasing map from that score to the measured fraction right (conf.map).
 * The predictor reports p(score).  Models calibrated before the features (conf.map without
 * conf.weights) keep their old score: the head's exp(-q / thresh) times the agreement of
 * the averaged estimates.  Used by learn/predictor.c and calibrate(1). */
#ifndef SR_CONFIDENCE_H
#define SR_CONFIDENCE_H

#include "core/meta.h"

#define SR_CONF_TOL 2.0        /* degrees: what "right" means for the map */
#define SR_CONF_MAX_KNOTS 20
#define SR_CONF_MIN_RECORDS 100 /* fewer held-out answers give no map */
#define SR_CONF_MIN_BIN 25      /* answers per bin of the map, at least */
#define SR_CONF_NFEAT 4

/* The features of one answer, as the list above says, from what the predictor measured:
 * the resultant length R of the averaged estimates on the head's period P (degrees), q,
 * the mean |u_k|, and the order margin (1 where no agreement was measured). */
void sr_conf_features(double R, double P, double q, double mag, double margin,
                      double feat[SR_CONF_NFEAT]);

typedef struct {
	int nw; /* 0: no weights (the old score); else SR_CONF_NFEAT + 1 */
	double w[SR_CONF_NFEAT + 1]; /* intercept, then one weight per feature */
	int n; /* knots; 0: no map (the score is reported) */
	double score[SR_CONF_MAX_KNOTS], prob[SR_CONF_MAX_KNOTS];
} sr_confmap;

/* Fits the weights (logistic regression on standardised features, a small ridge penalty,
 * Newton steps) from n answers' features (n x SR_CONF_NFEAT, row-major) and good flags.
 * Each weight keeps the sign that makes sense (a wider spread or a higher q never raises
 * the score, a longer vector or a clearer margin never lowers it): a feature whose fitted
 * weight has the other sign is left out and the rest refitted.  Keeps m's map.  -1 with the
 * error set when n < SR_CONF_MIN_RECORDS. */
int sr_conf_weights_fit(const double *feat, const int *good, long n, sr_confmap *m);
/* The score in 0..1 from the features (the weights' logistic); old_score without weights. */
double sr_conf_score(const sr_confmap *m, const double feat[SR_CONF_NFEAT], double old_score);

/* Fits the map from n answers (score, good = within SR_CONF_TOL): bins of the sorted scores
 * growing geometrically from the lowest (SR_CONF_MIN_BIN answers, then twice as many, ...
 * up to an eighth of n: fine where the failures are), each bin's mean score against its
 * fraction good, made non-decreasing by pooling adjacent violators.  Keeps m's weights (m
 * zeroed, or from sr_conf_weights_fit).  -1 with the error set when n < SR_CONF_MIN_RECORDS. */
int sr_confmap_fit(const double *score, const int *good, long n, sr_confmap *m);
/* Writes conf.map, and conf.weights when there are weights. */
int sr_confmap_store(const sr_confmap *m, sr_meta *info);
/* Reads conf.map and conf.weights (n = 0, nw = 0 when absent); -1 with the error set when
 * malformed. */
int sr_confmap_get(const sr_meta *info, sr_confmap *m);
/* p(score): linear between knots, the end values beyond them (with weights, below the
 * first knot linear down to p(0) = 0: the logistic score is itself a probability, and an
 * answer less likely than every held-out one must not inherit their rate); the score itself
 * without a map. */
double sr_confmap_apply(const sr_confmap *m, double score);

#endif
