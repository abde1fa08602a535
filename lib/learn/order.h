/* order.h: the one rule that tells the symmetry order, for every method and for predict(1).
 *
 * A method's network predicts, per view and head k, the pair loss q_k that head would have
 * (its consistency; nn/loss.h sr_consistency_loss).  A head is consistent only for multiples
 * of the true order, so:
 *   PER IMAGE   the order is the smallest candidate head whose q_k is below the threshold,
 *               the threshold relaxed to twice the best candidate's q (so that a noisy image
 *               whose true head is slightly above it is not handed to a multiple, head 8 for
 *               a square, or to no head at all), so the best candidate always passes; 0
 *               only without candidates (or with NaN outputs).
 *   DATA SET    (train, from the validation views) the per-image order that at least 90% of
 *               the views agree on; else, for a single-shape data set, the head of lowest
 *               validation pair loss or its smallest divisor about as low (sr_order_of_set);
 *               else 0: per image (mixed shapes).
 *   PER IMAGE, WITH TEST-TIME AVERAGING (predict --tta 4 or 8)
 *               the smallest candidate head whose estimates over the dihedral transforms
 *               agree (mean resultant length R_k >= SR_ORDER_AGREE, sr_order_of_agreement);
 *               the rule above only when no head does.  Why: a k-gon's image is unchanged
 *               by a 180-degree turn when k is even and by a 90-degree one when 4 divides k,
 *               and the transform undone shifts head j's phase by 180 j or 90 j degrees, so
 *               the heads that are not multiples of the order cancel out exactly (a
 *               hexagon's head 3: R_3 near 0), whatever the network learned; the predicted
 *               q_k can be wrong (a noisy triangle whose q_3 is above twice q_6 was called a
 *               hexagon: 3.6% of the dose-10 mix).  On 8000 held-out images of the mix's
 *               training conditions the true head had R >= 0.917 and every smaller head
 *               R <= 0.315.
 * Candidate heads are listed in ascending order. */
#ifndef SR_ORDER_H
#define SR_ORDER_H

#include "nn/nn.h"
#include "core/meta.h"

#define SR_ORDER_THRESH 0.1 /* the default threshold on q, stored as order.thresh */

/* The per-image order from the consistencies q (q[k-1] for head k) among the n candidates. */
int sr_order_of_image(const float *q, const int *heads, int n, double thresh);

/* The per-image order from the heads' agreement over test-time transforms (R[k-1] for
 * head k, in 0..1): the smallest candidate with R_k >= min_agree; 0 when none. */
#define SR_ORDER_AGREE 0.6
int sr_order_of_agreement(const double *R, const int *heads, int n, double min_agree);

/* The single-shape rule: the candidate kbest of lowest mean validation pair loss (head_sum
 * [k-1] / count) is the order or a multiple of it (its noise is amplified k-fold, so
 * multiples are worse); the order is its smallest divisor among the candidates whose loss is below
 * min(0.2, 2 lbest), provided lbest < 0.2 (an inconsistent head stays near 0.4..2 on images)
 * and every candidate that is not a multiple of it is clearly worse (3x).  Losses on profiles
 * are lower all round: square profiles gave head 4 0.020 and head 3 0.15; the k = 3..6 mix
 * gave every head 0.15..0.3, and is no single shape.  0 when the rule does not apply. */
int sr_order_of_set(const double *head_sum, long count, const int *heads, int n);

/* What a method hands to sr_order_detect: its encoder and the validation statistics. */
typedef struct {
	sr_net *net;             /* view -> 3K (+ more) outputs; q_k at output 2K + k - 1 */
	int K, nout;             /* heads, outputs per view */
	const int *heads;        /* the candidate orders, ascending */
	int nheads;
	const double *head_sum;  /* validation pair loss summed per head (index k-1) */
	long head_n;             /* pairs summed */
	int single_shape;        /* 1: try sr_order_of_set when the views do not agree */
	int given;               /* > 0: the order given by the user (kept, still reported) */
	int batch;               /* views per forward */
	float *scratch;          /* room for batch views */
} sr_order_input;

/* Runs the encoder over view 0 of the nval validation samples val_x (views per sample of h x
 * w), tells the order, and writes the keys order.thresh, val.order_fraction.K (per-image
 * orders' shares), order (0: per image), order.source and calibrated=no into info.  -1 with
 * the error set when the network fails. */
int sr_order_detect(const sr_order_input *in, const float *val_x, long nval, int views, int h,
                    int w, sr_meta *info);

#endif
