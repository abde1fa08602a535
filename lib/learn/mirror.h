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

#endif
