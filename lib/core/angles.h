/* angles.h: circular arithmetic and symmetry-aware errors (the losses on angles: nn/loss.h).
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

/* Best global offset: the offset o (mod period) that maximises agreement of est - o with
 * truth, i.e. the circular mean of the differences.  n >= 1. */
double sr_fit_offset(const double *est, const double *truth, int n, double period);

#endif
