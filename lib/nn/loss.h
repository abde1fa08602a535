/* loss.h: every loss of stemrot in one place, each with its gradient beside it.
 *
 * CONVENTIONS.  A loss returns its value; its gradient with respect to the network's raw
 * outputs goes into the arrays named g..., which may be NULL (value only).  The generic
 * losses (mse, bce) SET their gradient, mean over n; all the others ADD theirs, times scale,
 * so that a method sums several losses into one output gradient.
 *
 * ORIENTATION HEADS.  One view's outputs hold, for k = 1..K, a raw 2-vector u_k = (c_k, s_k)
 * ~ (cos k theta, sin k theta) at u[2(k-1)], u[2(k-1)+1] (core/angles.h); a loss reads it
 * through its direction z = u / sqrt(|u|^2 + eps^2), so the scale of u is free.  Angles in
 * degrees.
 *
 * Adding a loss: declare it here with its convention, write it and its gradient in loss.c,
 * test the gradient against finite differences (tests/unit/test_angles.c does this for the
 * head losses). */
#ifndef SR_LOSS_H
#define SR_LOSS_H

#include <stddef.h>

#include "core/embed3d.h"

/* ---- generic: mean over n values, d loss / d x SET into dx ---- */
double sr_loss_mse(const float *x, const float *target, size_t n, float *dx);
/* Binary cross-entropy on logits (numerically stable), mean over n. */
double sr_loss_bce_logits(const float *x, const float *target, size_t n, float *dx);

/* ---- reconstruction (method 2's decoder) ---- */
enum sr_recon_kind {
	SR_RECON_MSE = 0,    /* mean squared error of out against target */
	SR_RECON_POISSON = 1 /* out read as mu = softplus(out); mean Poisson deviance
	                      * 2 (x log(x / mu) - x + mu), x = max(target, 0) */
};
/* Per-pixel loss of one image of n pixels (mean over the n pixels); g (may be NULL) gets
 * d loss / d out times scale ADDED. */
double sr_recon_loss(const float *out, const float *target, size_t n, int kind, double scale,
                     float *g);

/* ---- orientation heads ---- */
/* The Siamese loss for one pair.  ua, ub: 2K raw outputs of views A and B; delta: the known
 * offset (B = A rotated by delta, counterclockwise).  For each head k with weight w[k-1] (w
 * may be NULL: all 1):
 *     L_k = | z_B - R(k delta) z_A |^2    (0 <= L_k <= 4).
 * Returns sum_k w_k L_k; per_head (may be NULL) gets each L_k. */
double sr_pair_loss(const float *ua, const float *ub, int K, double delta, const double *w,
                    double scale, double *per_head, float *ga, float *gb);

/* Head k alone of sr_pair_loss: L_k. */
double sr_head_pair_loss(const float *ua, const float *ub, int k, double delta, double scale,
                         float *ga, float *gb);

/* The consistency of head k on one pair: L_k above without gradient. */
double sr_head_consistency(const float *ua, const float *ub, int k, double delta);

/* The mirror loss: u are the outputs for an image, um those for its mirror image (rows
 * flipped about the image centre, y -> -y), whose orientation is -theta for a shape that is
 * mirror-symmetric about a line through a vertex (every regular polygon).  For each head,
 * L_k = | z_m - J z |^2 with J = diag(1, -1) (the conjugate: angle negated).  It pins the
 * network's zero to theta = 0 or half a period, for every image alike, which pair
 * consistency alone cannot do (a pair shares size, dose and blur, so an offset that depends
 * on them is invisible to the pair loss).  Returns sum_k w_k L_k. */
double sr_mirror_loss(const float *u, const float *um, int K, const double *w, double scale,
                      float *g, float *gm);

/* The supervised (oracle) loss of one view against a known angle theta: for each head k with
 * use[k-1] != 0 (use may be NULL: all), L_k = | z_k - (cos k theta, sin k theta) |^2.
 * Returns the sum. */
double sr_target_loss(const float *u, int K, double theta, const unsigned char *use, double scale,
                      float *g);

/* The consistency prediction: a view's output q (one float) learns the observed pair loss
 * `target` of its head (a constant: no gradient flows into the pair loss through it), for
 * both views of a pair: returns weight (da^2 + db^2) / 2 with da = qa - target, db = qb -
 * target, and ADDS weight da / n, weight db / n into *ga, *gb (n: the batch's pairs; both may
 * be NULL). */
double sr_consistency_loss(float qa, float qb, double target, double weight, int n, float *ga,
                           float *gb);

/* ---- orientation heads of 1D profiles: the mirror quotient (learn/mirror.h) ---- */
/* min over (sa, sb) in {+1, -1}^2 per head of the pair loss of (c, sa s) and (c, sb s). */
double sr_pair_loss_mirror(const float *ua, const float *ub, int K, double delta, const double *w,
                           double scale, double *per_head, float *ga, float *gb);
/* min per head of the target losses for theta and -theta. */
double sr_target_loss_mirror(const float *u, int K, double theta, const unsigned char *use,
                             double scale, float *g);

/* ---- 3D orientation heads (core/embed3d.h) ---- */
/* One group head's pair loss: views A and B give raw vectors ua, ub (e->dim numbers), each
 * block read through its direction z = u / sqrt(|u|^2 + eps^2); B is A turned by the rotation
 * whose Wigner matrices are D[l] ((2l + 1)^2 numbers, l = 1..6), and
 *     L = min over twin readings t_A, t_B of  mean over blocks |t_B z_B - D t_A z_A|^2
 * (t = 1 or the twin map .* : one projection cannot tell R from its twin; without twins only
 * t = 1).  Gradients of scale * L ADDED into ga, gb (may be NULL). */
double sr_pair_loss3d(const sr_embed *e, const float *ua, const float *ub,
                      const double (*D)[SR_WIGNER_MAXDIM * SR_WIGNER_MAXDIM], double scale,
                      float *ga, float *gb);
/* The norm loss of one view's head: sum over blocks (|u_b|^2 - 1)^2, which keeps the raw
 * vectors away from 0 (where the direction, and so the pair loss, is undefined); gradient of
 * scale * it ADDED into g (may be NULL). */
double sr_norm_loss3d(const sr_embed *e, const float *u, double scale, float *g);

/* The isotropy loss of one group head over n views (raw vectors at out + i * stride):
 * per block, with z the directions as above and M = (1/n) sum z z^T,
 *     L = sum over blocks |M - I / (2l + 1)|_F^2.
 * For orientations uniform on SO(3) the vectors D(R) c have exactly that second moment
 * (Schur's lemma), while a map blind to the tilt (one that has learned only the in-plane turn)
 * does not; gradient of scale * L ADDED into g (same layout; may be NULL). */
double sr_isotropy_loss3d(const sr_embed *e, const float *out, int n, int stride, double scale,
                          float *g);

#endif
