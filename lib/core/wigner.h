/* wigner.h: real spherical harmonics and the real Wigner matrices D^l(R), l <= 6.
 *
 * Real harmonics (orthonormal on the unit sphere, no Condon-Shortley phase), index m + l for
 * m = -l..l:  Y_lm = sqrt 2 K_lm P_l^m(cos theta) cos(m phi)      m > 0
 *             Y_l0 = K_l0 P_l(cos theta)
 *             Y_lm = sqrt 2 K_l|m| P_l^|m|(cos theta) sin(|m| phi)  m < 0
 * with K_lm = sqrt((2l + 1) / 4 pi (l - m)! / (l + m)!).  So the mirror z -> -z acts on the
 * coefficients of degree l as diag((-1)^(l+m)) and a half turn about z as diag((-1)^m).
 *
 * D^l(R) rotates coefficients: when f = sum c_m Y_lm, the rotated function f(R^-1 x) has the
 * coefficients D^l(R) c.  D is orthogonal and D(R1 R2) = D(R1) D(R2).  It is computed exactly
 * (to rounding) from the harmonics themselves: on a fixed set of 64 points x_i, the row
 * y(R^T x_i) equals y(x_i) D, solved once by least squares (the pseudo-inverse is tabled on
 * first use: call sr_wigner_init from the main thread before threads start). */
#ifndef SR_WIGNER_H
#define SR_WIGNER_H

#define SR_WIGNER_LMAX 6
#define SR_WIGNER_DIM(l) (2 * (l) + 1)
#define SR_WIGNER_MAXDIM SR_WIGNER_DIM(SR_WIGNER_LMAX)

/* the 2l + 1 real harmonics of degree l at the direction x (need not be unit, not zero) */
void sr_ylm_real(int l, const double *x, double *y);
/* builds the tables (idempotent) */
void sr_wigner_init(void);
/* D^l(q), (2l + 1)^2 row-major */
void sr_wigner(int l, const double *q, double *D);
/* D^l(q) c without forming D (cheaper for one vector) */
void sr_wigner_apply(int l, const double *q, const double *c, double *out);

/* The subspace of degree l fixed by a group of ng rotations (quaternions): the average P of
 * D^l(g) is its projector; returns its dimension (the trace of P, rounded), and when it is at
 * least 1, c gets the unit vector P e / |P e| for the basis vector e with the largest |P e|,
 * its largest component made positive (one deterministic choice). */
int sr_wigner_invariant(int l, const double (*g)[4], int ng, double *c);

#endif
