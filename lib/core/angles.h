/* angles.h: circular arithmetic, symmetry-aware errors, and the Siamese pair loss.
 *
 * Angles are in degrees unless a name says otherwise.  A k-fold shape's orientation is defined
 * modulo its period 360/k.  The network's output for one view holds, for each candidate order
 * k = 1..K, a raw 2-vector u_k = (c_k, s_k) that estimates (cos k theta, sin k theta) up to a
 * positive scale; the angle it encodes is atan2(s_k, c_k) / k.  Layout of one view's outputs:
 * u[2(k-1)] = c_k, u[2(k-1)+1] = s_k. */
#ifndef SR_ANGLES_H
#define SR_ANGLES_H

#define SR_MAX_ORDER 32

/* x wrapped into [0, period). */
double sr_wrap(double x, double period);
/* The signed difference a - b wrapped into [-period/2, period/2). */
double sr_angdiff(double a, double b, double period);
/* |sr_angdiff| : the symmetry-aware error of an estimate a of truth b for a shape whose
 * orientation is defined modulo period. */
double sr_angerr(double a, double b, double period);
/* Circular mean of n angles modulo period (each angle's k-fold phase averaged); weights may be
 * NULL.  *resultant (may be NULL) gets the mean resultant length in [0, 1]. */
double sr_circmean(const double *a, const double *w, int n, double period, double *resultant);

/* The angle head k encodes, in [0, 360/k); *mag (may be NULL) gets |u_k|. */
double sr_head_angle(const float *u, int k, double *mag);

/* The Siamese loss for one pair and its gradient with respect to the raw outputs.
 * ua, ub: 2K raw outputs of views A and B; delta: the known offset (B = A rotated by delta,
 * counterclockwise).  For each head k with weight w[k-1] (w may be NULL: all 1):
 *     L_k = | z_B - R(k delta) z_A |^2,  z = u / sqrt(|u|^2 + eps^2)
 * (0 <= L_k <= 4).  Returns sum_k w_k L_k; per_head (may be NULL) gets each L_k; ga, gb (may
 * be NULL) get d(sum)/d(ua), d(sum)/d(ub) ADDED to them, times scale. */
double sr_pair_loss(const float *ua, const float *ub, int K, double delta, const double *w,
                    double scale, double *per_head, float *ga, float *gb);

/* The mirror loss: u are the outputs for an image, um those for its mirror image (rows
 * flipped about the image centre, y -> -y), whose orientation is -theta for a shape that is
 * mirror-symmetric about a line through a vertex (every regular polygon).  For each head,
 * L_k = | z_m - J z |^2 with J = diag(1, -1) (the conjugate: angle negated).  It pins the
 * network's zero to theta = 0 or half a period, for every image alike, which pair
 * consistency alone cannot do (a pair shares size, dose and blur, so an offset that depends
 * on them is invisible to the pair loss).  Returns sum_k w_k L_k; gradients times scale ADDED
 * to g, gm (may be NULL). */
double sr_mirror_loss(const float *u, const float *um, int K, const double *w, double scale,
                      float *g, float *gm);

/* The supervised (oracle) loss of one view against a known angle theta: for each head k with
 * use[k-1] != 0 (use may be NULL: all), L_k = | z_k - (cos k theta, sin k theta) |^2.  Returns
 * the sum; g (may be NULL) gets d(sum)/d(u) times scale ADDED. */
double sr_target_loss(const float *u, int K, double theta, const unsigned char *use, double scale,
                      float *g);

/* Head k alone of sr_pair_loss: L_k, gradients times scale added (ga, gb may be NULL). */
double sr_head_pair_loss(const float *ua, const float *ub, int k, double delta, double scale,
                         float *ga, float *gb);

/* The consistency of head k on one pair: the L_k above computed without gradient. */
double sr_head_consistency(const float *ua, const float *ub, int k, double delta);

/* Order detection from per-head consistencies (mean pair loss per head on validation pairs,
 * index k-1).  A head is consistent when its loss is below thresh; the order is the smallest
 * consistent k, or 0 if none is. */
int sr_detect_order(const double *head_loss, int K, double thresh);

/* Best global offset: the offset o (mod period) that maximises agreement of est - o with
 * truth, i.e. the circular mean of the differences.  n >= 1. */
double sr_fit_offset(const double *est, const double *truth, int n, double period);

#endif
