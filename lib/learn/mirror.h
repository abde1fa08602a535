/* mirror.h: which orientations give identical 1D profiles, and how training, prediction
 * and evaluation deal with it (the mirror-quotient losses: nn/loss.h; the classical moment
 * baseline for profiles: methods/ambiguity.h).
 *
 * A profile along the direction phi (project1d --angle phi; --axis x is phi = 0) integrates
 * the image along the lines perpendicular to phi, so it cannot see the reflection of the image
 * in the line through the centre along phi.  A regular k-gon at theta reflected in that line
 * is the k-gon at 2 phi - theta (every regular polygon is mirror-symmetric about a line
 * through a vertex), so, with P = 360 / k:
 *
 *   single profile   theta and 2 phi - theta (mod P) give the same profile: the
 *                    unresolvable MIRROR ambiguity.  They coincide when theta = phi (mod P/2).
 *   profile pair     view A at theta and view B at theta + Delta (Delta known, sign included):
 *                    the mirror candidate 2 phi - theta would give view B the profile of
 *                    theta - Delta, which differs unless 2 Delta = 0 (mod P): a pair resolves
 *                    the mirror except at the degenerate offsets Delta = 0 (mod P/2).  (A pair
 *                    with an unknown sign of Delta could not: the mirrored pair is the pair
 *                    at offset -Delta.)
 *   disc             every orientation gives the same profile: nothing to estimate.
 *
 * Reversal (s -> -s) is not an ambiguity: the profile of theta reversed is the profile of
 * theta + 180, which for even k is the same orientation (so even-k profiles are symmetric in s
 * at every theta), and for odd k is theta + P/2, a different profile (symmetric only when
 * theta = phi + P/4, mod P/2).  The network sees the order of the samples, so it tells them
 * apart.  Translation along s (an off-centre particle) is not an orientation change either.
 *
 * CONSEQUENCES.  A network that sees one profile computes a function of the profile, so it
 * can only estimate the mirror-folded angle |theta - phi| (mod P, folded into [0, P/2]).  It is
 * trained on the quotient: its k-th head (c, s) is read as the class {(c, s), (c, -s)} and the
 * losses below take, per head, the smaller over these representatives (the pair loss over the
 * four sign choices of A and B; the oracle's over the targets theta and -theta).  The ideal
 * head, (cos k psi, |sin k psi|), is continuous, so the minimum is over an ambiguity the input
 * cannot see, not over one the network must learn to break.  The self-supervised gauge shrinks
 * accordingly: in 2D a global offset is free, here only 0 or P/2 (the class of -psi must be the
 * mirror of the class of psi).
 *
 * All angles in degrees, network frame psi = theta - phi. */
#ifndef SR_MIRROR_H
#define SR_MIRROR_H

#include "io/record.h"
#include "learn/predictor.h"

/* What a predict row can be scored modulo. */
enum sr_ambiguity {
	SR_AMB_NONE = 0,   /* one answer (images, resolved pairs) */
	SR_AMB_MIRROR = 1, /* theta ~ 2 phi - theta (single profiles) */
	SR_AMB_ALL = 2     /* no orientation (discs) */
};

/* "none", "mirror", "all"; sr_ambiguity_from_name returns -1 for an unknown name. */
const char *sr_ambiguity_name(int amb);
int sr_ambiguity_from_name(const char *name);

/* The ambiguity of the given shape (k = 0: disc) seen as a single profile (views = 1) or a
 * pair with offset delta (views = 2; degenerate offsets give SR_AMB_MIRROR); images (layout
 * IMAGE) have none.  Used for the table in stemrot-ambiguity(7). */
int sr_ambiguity_of(int layout, int views, int k, double delta);

/* The mirror image of theta in the projection line phi, wrapped into [0, period). */
double sr_mirror(double theta, double phi, double period);

/* The error of estimate a of truth t for period P, modulo the ambiguity amb about phi:
 * NONE: sr_angerr(a, t, P); MIRROR: min of that and sr_angerr(a, 2 phi - t, P); ALL: 0. */
double sr_amb_err(double a, double t, double P, int amb, double phi);

/* The estimate a corrected by a global offset o of the network's frame: NONE: a - o;
 * MIRROR: phi + |a - phi - o| folded into [0, P/2] (exact for o = 0 or P/2, the only offsets a
 * mirror-folded answer can carry; predict reports phi + the folded angle). */
double sr_amb_shift(double a, double o, double phi, double P, int amb);

/* The best global offset for estimates a[i] of truths t[i] with projection angles phi[i]
 * (NULL: all 0), scored modulo amb: NONE: sr_fit_offset; MIRROR: 0 or P/2, whichever gives
 * the smaller mean error after sr_amb_shift. */
double sr_amb_fit_offset(const double *a, const double *t, const double *phi, int n, double P,
                         int amb);

/* ---- answers for profiles ---- */
/* The projection angle of a profile record: project.angle, or 0 when absent (--axis x). */
double sr_profile_phi(const sr_record *rec);

/* From the folded head angles: fa of view A and, for a pair (delta not NAN), fb of view B
 * (each sr_head_angle(u, k) - calibration, any value; only |.| mod P matters),
 * fills out->angle (the answer, [0, P)), out->angle2 (the mirror candidate), out->conf2 (the
 * probability of angle2 given the data: 0.5 for a single profile, the posterior of the
 * rejected sign for a pair, from a Gaussian of sd sigma degrees on the A/B disagreement),
 * out->ambiguity (MIRROR for a single profile or a degenerate pair, else NONE), and *agree
 * (may be NULL) the disagreement of the chosen pair combination, degrees (0 for a single). */
void sr_mirror_answer(double fa, double fb, double delta, double phi, int k, double sigma,
                      sr_prediction *out, double *agree);

/* ---- several profiles a view (project1d --angles; stemrot-stream(5)) ----
 * A view of P profiles at the angles phi_0..phi_{P-1} is mirror-blind for order k exactly
 * when every phi_j - phi_0 is a multiple of 180/k: the mirror in the line phi_0 is then, up
 * to a turn of the k-gon, the mirror in every line phi_j (M_a M_b is the turn by 2 (a - b)),
 * so no profile sees it.  Otherwise the view tells theta from its mirror image and head k is
 * trained and read without the quotient.  So --angles 0,90 resolves odd k only (for even k a
 * mirror in a line is the mirror in the perpendicular line too); 0,15 resolves k = 3..6.
 * One profile is blind for every k. */

/* The projection angles of a profile record's rows into phi (room for SR_MAX_PROFILES):
 * rec->height of them, from project.angles (one profile: project.angle, else 0).  -1 with
 * the error set when project.angles does not list exactly rec->height finite angles. */
int sr_profile_angles(const sr_record *rec, double *phi);

/* Parses "a,b,..." (1..SR_MAX_PROFILES finite angles) into phi; the count, or -1 with the
 * error set. */
int sr_parse_angle_list(const char *s, double *phi);

/* 1 when profiles at phi[0..n-1] are blind to the mirror of order k (above), else 0. */
int sr_mirror_blind(const double *phi, int n, int k);

/* The label-free transforms of a view of n profiles into another such view of the same
 * particle, for augmentation: 0 the identity; 1 the turn by 180 degrees, which reverses every
 * profile (the profile at phi + 180 is the one at phi reversed) and adds 180 to theta; and,
 * when the angle set is symmetric about a line m (m = (phi_0 + phi_i) / 2 for some i: the
 * mirror in m maps the profile at phi_j to the one at 2 m - phi_j, which must be a row of the
 * view or a row reversed), 2 that mirror (row j from row src[j], reversed when rev[j];
 * theta -> 2 m - theta; a pair's offset changes sign) and 3 the mirror turned.  For one
 * profile the mirror in phi_0 changes nothing but the angle's sign (the ambiguity itself). */
typedef struct {
	int n;                     /* transforms: 2, or 4 with a mirror */
	double axis;               /* m - phi_0, degrees (n == 4) */
	int src[SR_MAX_PROFILES], rev[SR_MAX_PROFILES];
} sr_profile_group;

void sr_profile_group_of(const double *phi, int n, sr_profile_group *g);
/* Transform j (0..g->n - 1) of a view of n rows of len samples, into out (not aliased). */
void sr_profile_transform(const sr_profile_group *g, int j, const float *in, int n, int len,
                          float *out);
/* What transform j does to an angle in the network frame psi = theta - phi_0, and to the
 * sign of a pair's offset. */
double sr_profile_transform_angle(const sr_profile_group *g, int j, double psi);
int sr_profile_transform_sign(int j);

#endif
