/* pick.h: finding the particles of a micrograph.
 *
 * The steps: a background robust to gradients (the median of each block of the frame,
 * interpolated bilinearly between block centres), subtracted; a Gaussian smoothing of the
 * rest; a threshold (Otsu's, or a multiple of the noise's robust sd); the connected
 * components (8-connected) of what lies above it; then each component judged: too small
 * (noise), too large or elongated (touching particles: a regular polygon's second moments
 * are isotropic, two together are not), which are rejected, or with split set cut apart by
 * the distance-transform watershed (image/watershed.h) and each part judged again,
 * touching the frame's edge (cut off), or too close to another (its crop would hold both).
 * A particle's position is the intensity-weighted centroid of the background-subtracted
 * frame over its component grown by two pixels, so the anti-aliased rim counts. */
#ifndef SR_PICK_H
#define SR_PICK_H

#include "io/record.h"

typedef struct {
	int block;           /* background block, px (default 64) */
	double smooth;       /* Gaussian sigma before thresholding, px (default 1) */
	double threshold;    /* 0: Otsu; > 0: this many robust sds above the background */
	double min_area;     /* px; 0: a quarter of the median component's area */
	double max_area;     /* px; 0: 2.5 times the median component's area */
	double max_elongation; /* largest ratio of principal axes (default 1.3) */
	double min_sep;      /* px between centres (0: no limit) */
	int edge;            /* a component within edge px of the border is cut off (default 1) */
	int split;           /* 1: split touching particles (watershed) instead of rejecting them
	                      * (default 0) */
} sr_pick_conf;

void sr_pick_conf_default(sr_pick_conf *c);

typedef enum {
	SR_PICK_OK = 0, SR_PICK_SMALL, SR_PICK_LARGE, SR_PICK_EDGE, SR_PICK_CLOSE
} sr_pick_verdict;

typedef struct {
	double x, y;         /* centre, px (column c covers x in [c, c+1)) */
	double area;         /* px of the component */
	double size;         /* equivalent diameter 2 sqrt(area / pi), px */
	double elongation;   /* ratio of the principal axes of the component, >= 1 */
	int verdict;         /* sr_pick_verdict */
	int split;           /* the number of parts its component was split into; 0: not split */
} sr_pick_particle;

typedef struct {
	double background_sd;/* robust sd of the background-subtracted frame */
	double threshold;    /* the level used, above the background */
	int counts[5];       /* particles by verdict (a split component's parts each count) */
	int split_components, split_particles; /* components split, and the parts they gave */
} sr_pick_stats;

/* Finds the particles of view 0 of rec.  *parts (malloc'd, *n of them, every component
 * with its verdict, in raster order of their first pixel, a split one's parts in its place),
 * the background-subtracted frame in *residual (malloc'd, w x h) when residual is not NULL,
 * and in *owner (malloc'd, w x h) when owner is not NULL the index in *parts of the
 * particle each pixel belongs to, -1 outside them.  -1 with the error set. */
int sr_pick(const sr_record *rec, const sr_pick_conf *c, sr_pick_particle **parts, int *n,
            float **residual, int **owner, sr_pick_stats *stats);

/* The window x window crop of the residual centred on particle p (the pixel holding its
 * centre at window/2), outside the frame 0, into out (one view); a split particle's
 * neighbours (owner from sr_pick, may be NULL; index: p's in it) are 0 too: their pixels and
 * the rim within 2 px of them that is not p's.  Its metadata: the
 * micrograph's, id MICROGRAPH-ID/pN, and pick.x, pick.y, pick.area, pick.size (px),
 * pick.size.nm when the micrograph has pixel.nm, pick.x0, pick.y0 (the crop's corner in the
 * micrograph), pick.split (the parts of its component, for a split one).  -1 with the
 * error set. */
int sr_pick_crop(const sr_record *micrograph, const float *residual, const int *owner,
                 const sr_pick_particle *p, int index, int number, int window, sr_record *out);

#endif
