/* embed3d.h: the group embeddings of 3D orientation, v = D(R) c_G, and the fit of R from v.
 *
 * For each candidate group G (C1, D5, T, O, I, smallest first) a vector c_G of real
 * spherical-harmonic coefficients fixed by G (core/wigner.h) makes v(R) = D(R) c_G the same
 * for R and R g, g in G, and v(T R) = D(T) v(R).  The lowest degrees with an invariant:
 *   C1  two blocks of degree 1, c = e_x and e_y: v holds R's first two columns (the
 *       continuous 6D representation; one degree-1 vector alone leaves a turn about it free)
 *   D5  degree 2 (the zonal z^2 term: the 5-fold axis) and degree 5 (Re (x + i y)^5: the
 *       azimuth about it)
 *   T   degree 3 (xyz)      O  degree 4 (the cubic invariant)      I  degree 6
 * each c the projection onto the group-averaged subspace (sr_wigner_invariant) with the
 * group elements of the representative solid (core/solid.h: control, decahedron,
 * tetrahedron, cube, icosahedron).  A head of degree l is consistent for a particle of
 * group H only when H fixes a vector of degree l; in the order above the first consistent
 * head names the group (T, O and I fix nothing of degrees 1 and 2; O and I nothing of degree 3;
 * I nothing of degree 4).
 *
 * Gauge.  Equivariance to tilts about y and turns about z (which generate SO(3)) pins a
 * learned map to v = D(R) c' with c' a unit vector fixed by G, i.e. c' = +-c_G per block.
 * Where -c_b lies on the orbit of c_b (T's degree 3: -xyz = xyz turned 90 degrees about z;
 * D5's degree 5; both C1 blocks) the sign is a rotation and only a reference can fix it
 * (sign_free 0: the calibration's sign is used); elsewhere the two orbits are disjoint and
 * the fit chooses the sign (sign_free 1).
 *
 * The twin.  One projection cannot tell R from M_z R s (core/solid.h); its vector is
 * v' = twin .* v, twin[i] = eps (-1)^(l+m) per component (eps = +-1 per block, measured at
 * build time; +1 for every group here). */
#ifndef SR_EMBED3D_H
#define SR_EMBED3D_H

#include "core/wigner.h"

enum sr_embed_group { SR_EMBED_C1, SR_EMBED_D5, SR_EMBED_T, SR_EMBED_O, SR_EMBED_I,
                      SR_EMBED_NGROUPS };

#define SR_EMBED_MAXBLOCKS 2
#define SR_EMBED_MAXDIM 16   /* D5: 5 + 11 */
#define SR_EMBED_TOTAL 51    /* all groups' dimensions together: 6 + 16 + 7 + 9 + 13 */

typedef struct {
	int id;                       /* enum sr_embed_group */
	const char *group;            /* "C1", "D5", "T", "O", "I" */
	int solid;                    /* the representative solid (enum sr_solid_id) */
	int nblocks, dim;
	int l[SR_EMBED_MAXBLOCKS], off[SR_EMBED_MAXBLOCKS];
	double c[SR_EMBED_MAXDIM];    /* the blocks of c_G, each of unit length */
	int sign_free[SR_EMBED_MAXBLOCKS];
	int has_twin;
	double twin[SR_EMBED_MAXDIM]; /* +-1 per component (all 1 without twin) */
	long ngrid;                   /* the coarse table: D(g_i) c over a grid on SO(3) */
	double (*gridq)[4];
	double *table;                /* ngrid x dim */
} sr_embed;

/* The embedding of group id, built on first use (not thread-safe then: call sr_embed_init
 * from the main thread first).  NULL for an unknown id or when out of memory. */
const sr_embed *sr_embed_get(int id);
int sr_embed_init(void);
/* "C1", ... -> id; -1 if unknown */
int sr_embed_from_name(const char *group);
/* the offset of group id's vector among all groups' together (SR_EMBED_TOTAL) */
int sr_embed_offset(int id);

/* Scales each block of v (dim numbers) to unit length (a zero block stays zero). */
void sr_embed_normalise(const sr_embed *e, const double *v, double *out);
/* out = D(q) v, blockwise (v and out dim numbers; may alias) */
void sr_embed_rotate(const sr_embed *e, const double *q, const double *v, double *out);

/* A fit of the rotation R to views j = 0..nviews-1 (at most 2) with the measured vectors
 * v[j] (normalised per block) of the particle turned by T[j] (quaternions: identity for view
 * A, the tilt for view B):
 *     minimise  sum_j sum_b | v[j]_b - s_b D(T_j R) c_b |^2
 * over R and, where sign_free, the block signs s_b (elsewhere s_b = sign[b], the calibrated
 * signs; NULL: all +1).  With twins (and a group that has them) each view may also be the
 * twin's vector (twin .* v[j]): all 2^nviews choices are fitted and the best kept.  The best
 * of a coarse table, then a few Gauss-Newton steps on SO(3). */
typedef struct {
	double q[4];      /* R, canonical */
	double resid;     /* the minimised sum, divided by nviews * nblocks (0 .. 4) */
	int sign[SR_EMBED_MAXBLOCKS];
	int twin[2];      /* 1: view j was read as the twin */
} sr_embed_fit_result;

void sr_embed_fit(const sr_embed *e, int nviews, const double *const *v, const double (*T)[4],
                  const int *sign, int twins, sr_embed_fit_result *out);

#endif
