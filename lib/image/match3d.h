/* match3d.h: the classical 3D baseline, projection matching as cryo-EM does it.
 *
 * Told the shape (a core/solid.h solid), it finds the orientation of a centred,
 * background-subtracted image (centre(1)'s output) by
 *   1. scale: the particle's radius from the area above 20% of the smoothed peak,
 *      against each template's own; the image is resampled (bilinear, 9 zooms 5% apart) to the
 *      templates' radius;
 *   2. search: normalised cross-correlation (both sides centred to zero mean) with noise-free
 *      templates on a grid over SO(3)/G: the points of a super-Fibonacci spiral on SO(3) that
 *      lie in the Dirichlet region of the identity under G (closer to 1 than to any other g),
 *      so every orientation has one grid point within the grid's covering radius;
 *   3. refinement: a pattern search over a small rotation (three angles, applied in the lab
 *      frame) and the radius, rendering the particle afresh at the image's own size each
 *      time, from each of the `starts` best grid points more than two grid spacings apart;
 *      the best refined one wins.
 * A single image cannot tell R from its twin M_z R s (core/solid.h): the second candidate is
 * that twin.  A tilt pair is scored jointly, NCC(A, T(R)) + NCC(B, T(R_tilt R)): the best
 * `top` grid points for A and their twins are scored with B, the best joint ones refined
 * jointly.  Templates are rendered by a callback so that this layer needs no renderer. */
#ifndef SR_MATCH3D_H
#define SR_MATCH3D_H

#include "core/solid.h"

/* Renders the particle at orientation q and radius r px, centred at (w/2, h/2) with
 * intensity 1, into img (w x h, zeroed by the caller).  0, or -1 with the error set. */
typedef int (*sr_match_render_fn)(void *ctx, const sr_solid *solid, const double *q, double r,
                                  float *img, int w, int h);

typedef struct {
	int templates;      /* grid points on SO(3)/G (default 2000) */
	int size;           /* template window, px, square (default 48) */
	double radius;      /* the templates' radius, px (default 14) */
	double blur;        /* Gaussian sd applied to templates and renders, px (default 0.8) */
	int refine;         /* at most this many evaluations per refinement (default 120); 0: none */
	int top;            /* pairs: grid candidates of A scored with B (default 24) */
	int starts;         /* distinct candidates refined, the best refined one wins (default 3) */
	double coarse_blur; /* extra Gaussian sd on both sides of the grid search, px (default 1.5) */
} sr_match_options;

void sr_match_defaults(sr_match_options *o);

typedef struct {
	double q[4];        /* the best orientation, canonical */
	double q2[4];       /* the second candidate: the twin of q (single), the runner-up (pair) */
	double score;       /* its NCC (pairs: the mean of A's and B's) */
	double score2;
	double radius;      /* the fitted radius, px */
	double grid_score;  /* the best grid point's NCC, before refinement */
	int renders;        /* templates rendered for this record (grid excluded) */
} sr_match_result;

typedef struct sr_matcher sr_matcher;

/* Renders the templates (o->templates of them; the grid spacing is reported by
 * sr_matcher_spacing).  NULL with the error set on bad options or memory. */
sr_matcher *sr_matcher_new(const sr_match_options *o, const sr_solid *solid,
                           sr_match_render_fn render, void *ctx);
void sr_matcher_free(sr_matcher *m);
int sr_matcher_count(const sr_matcher *m);
/* The grid's covering radius estimated as the largest distance (mod G) from 2000 Haar
 * samples to their nearest grid point, degrees. */
double sr_matcher_spacing(sr_matcher *m);

/* One image (w x h, any size >= 8).  SR_NO_SIGNAL when the image holds no positive mass. */
int sr_match_single(sr_matcher *m, const float *img, int w, int h, sr_match_result *out);
/* A tilt pair: view B's orientation is q_tilt * view A's. */
int sr_match_pair(sr_matcher *m, const float *a, const float *b, int w, int h,
                  const double *q_tilt, sr_match_result *out);

#endif
