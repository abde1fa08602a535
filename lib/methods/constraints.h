/* constraints.h: the label-free constraints on one view's heads, shared by method 1
 * (siamese.c) and method 2 (generate.c).
 *
 * MIRROR: the mirror image of a view (rows flipped, sr_dihedral 4) must give the negated
 * angle (nn/loss.h, sr_mirror_loss): it pins the network's zero to theta = 0 or half a period
 * for every image alike, which pair consistency cannot (a pair shares size, dose and blur).
 * ZOOM: a copy of the view zoomed by a factor drawn log-uniformly in 0.8..1.25 about the
 * centre must keep the angle (sr_head_pair_loss with offset 0): it ties the zero across
 * particle sizes, which the mirror loss leaves free (0 or half a period).
 * Both need square images; no label is read. */
#ifndef SR_CONSTRAINTS_H
#define SR_CONSTRAINTS_H

#include <stdint.h>

/* out = in (n x n) zoomed by s about the image centre (bilinear; outside reads as 0, not as
 * the background of image/particle.h's sr_zoom_view: method 1's models were trained so). */
void sr_constraint_zoom(const float *in, float *out, int n, double s);

/* The extra views of B views a (n x n each, contiguous): the mirror images into xm (if not
 * NULL), the zoomed copies into xz (if not NULL), view i's zoom drawn from (seed, first + i). */
void sr_constraint_views(const float *a, int B, int n, uint64_t seed, long first, float *xm,
                         float *xz);

/* The constraint losses of one view: u its outputs, um those of its mirror image and uz those
 * of its zoomed copy (either may be NULL: that loss is off); w[k-1] the weight of head k (0:
 * untrained).  ADDS, in this order, mirror_weight * sr_mirror_loss, then per head
 * zoom_weight w_k L_k, into *total; the gradients (g, gm, gz may be NULL) get d/du of the
 * same times 1/n ADDED. */
void sr_constraint_loss(const float *u, const float *um, const float *uz, int K, const double *w,
                        double mirror_weight, double zoom_weight, int n, double *total, float *g,
                        float *gm, float *gz);

#endif
