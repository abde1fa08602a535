/* orient3d.h: reading 3D orientations from a siamese3d network's outputs (predict(1),
 * calibrate(1)), and the one rule that names a particle's group.
 *
 * A network of method siamese3d gives per view SR_ORIENT3D_NOUT numbers: the raw vectors of
 * the candidate groups (core/embed3d.h, at sr_embed_offset) and one consistency prediction
 * per group (after SR_EMBED_TOTAL).  For a group the vectors are normalised per block and
 * R is fitted (sr_embed_fit): a tilt pair with its tilt (the twin reading of each view
 * chosen by the fit: the tilt's sign tells R from its twin), a single view alone (R and its
 * twin M_z R s both reported). */
#ifndef SR_ORIENT3D_H
#define SR_ORIENT3D_H

#include "core/embed3d.h"

#define SR_ORIENT3D_NOUT (SR_EMBED_TOTAL + SR_EMBED_NGROUPS)

/* A head's pair loss scales with its degree and the pair's rotation Q: a head that has
 * learned nothing but a constant vector z has the mean loss over unit z
 *     base = mean over blocks 2 (1 - trace D^l(Q) / (2l + 1)),
 * so the inconsistency of a head is its pair loss divided by that (at least 1e-3): 0 for a
 * consistent head, about 1 and more for one that is not.  D[l] as in sr_pair_loss3d. */
double sr_orient3d_base(const sr_embed *e, const double (*D)[SR_WIGNER_MAXDIM * SR_WIGNER_MAXDIM]);
#define SR_ORIENT3D_BASE_MIN 1e-3

/* The group named by per-group inconsistencies r (pair losses over their base, or the
 * network's predictions of them), in the order C1, D5, T, O, I: the first whose r is at
 * most twice the smallest plus 0.1. */
int sr_orient3d_choose(const double *r);

typedef struct {
	int group;                         /* -1: each image its own (sr_orient3d_choose) */
	int sign[SR_EMBED_NGROUPS][SR_EMBED_MAXBLOCKS]; /* calibrated block signs (+-1) */
} sr_orient3d_model;

typedef struct {
	int group;          /* enum sr_embed_group */
	double q[4];        /* R (view A's) */
	double q2[4];       /* a single view: the twin M_z R s; a pair: q */
	double resid;       /* the fit's mean squared residual per block (0 .. 4) */
	double confidence;  /* 1 - resid / 2, at least 0 */
	double cons[SR_EMBED_NGROUPS]; /* per group: the pair's inconsistency (pair loss over
	                                * base), or a single view's prediction of it */
} sr_orient3d_result;

/* out_a, out_b: the network's outputs for views A and B (out_b NULL: a single view; then
 * tilt is ignored); tilt: the pair's tilt quaternion (B = tilt A). */
void sr_orient3d_read(const sr_orient3d_model *m, const float *out_a, const float *out_b,
                      const double *tilt, sr_orient3d_result *r);

/* The fit of group g alone (calibrate(1)): as sr_orient3d_read with the group given and the
 * signs given (NULL: +1). */
void sr_orient3d_fit_group(int g, const int *sign, const float *out_a, const float *out_b,
                           const double *tilt, sr_embed_fit_result *f);

/* ---- a siamese3d model file (predict(1), calibrate(1)) ---- */
#include "core/meta.h"
#include "io/record.h"

typedef struct sr_orient3d_predictor sr_orient3d_predictor;

/* 1 when the model file holds a siamese3d network (info predict.net), 0 if another
 * model, -1 with the error set when it cannot be read. */
int sr_orient3d_model_file(const char *path);
/* Opens the model: its network, its group (info group3d: a group, or per-image) and its
 * calibrated signs (calib3d.G = s1[,s2]; +1 where absent).  NULL with the error set. */
sr_orient3d_predictor *sr_orient3d_open(const char *path);
void sr_orient3d_free(sr_orient3d_predictor *p);
const sr_meta *sr_orient3d_info(const sr_orient3d_predictor *p);
sr_orient3d_model *sr_orient3d_model_of(sr_orient3d_predictor *p);
/* The network's outputs for the views of rec (normalised as in training): out[0] view A,
 * out[1] view B (NULL for one view).  Valid until the next call.  -1 on a shape mismatch. */
int sr_orient3d_forward(sr_orient3d_predictor *p, const sr_record *rec, const float **out_a,
                        const float **out_b);
/* Reads rec: a pair (use_pair and 2 views, with its tilt keys) or view A alone.  -1 with
 * the error set. */
int sr_orient3d_predict(sr_orient3d_predictor *p, const sr_record *rec, int use_pair,
                        sr_orient3d_result *r);

/* ---- calibration from references at R = identity (calibrate(1)) ----
 * Pair training leaves each block's sign free (c' = +-c_G, core/embed3d.h); where the sign
 * is a rotation only a reference tells it.  For each reference (its group the model's, or
 * found per record) every sign choice of the group's blocks whose sign is not free is fitted,
 * and the angle of the read orientation from the identity (mod the group; a single view
 * also mod its twin) summed; the choice with the smallest sum wins.  A single view cannot
 * fix T's sign (its twin at the identity has the other sign): give T a reference pair. */
typedef struct {
	long n[SR_EMBED_NGROUPS];
	double cost[SR_EMBED_NGROUPS][4]; /* per sign choice (bit b: block b negated) */
} sr_orient3d_calib;

int sr_orient3d_calib_add(sr_orient3d_predictor *p, const sr_record *rec, int use_pair,
                          sr_orient3d_calib *c);
/* group g's best signs and the mean angle (degrees) of its references from the identity
 * with them; 0 when g has no reference */
int sr_orient3d_calib_best(const sr_orient3d_calib *c, int g, int *sign, double *angle);

#endif
