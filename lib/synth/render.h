/* render.h: exact, anti-aliased rendering of the synthetic particles.
 *
 * A shape is what shapegen draws and what stereopair re-renders: a regular polygon (k sides,
 * circumradius R, centre (cx, cy), orientation theta) or a disc (the control shape, without
 * orientation), filled with a constant intensity.  The kind enum and the 3x3 rotation are there
 * so that 3D shapes (polyhedra, projected along the beam) can be added later without changing
 * the callers: a 2D kind ignores the rotation.
 *
 * Conventions (the project's, see stemrot(7)):
 *   - pixel column c covers x in [c, c+1), row r covers y in [r, r+1); row 0 is the top;
 *   - theta (degrees) is the direction of one vertex from the +x axis, counterclockwise as seen
 *     on screen, so vertex j of a polygon lies at
 *         x = cx + R cos(theta + 360 j / k),   y = cy - R sin(theta + 360 j / k);
 *   - a k-fold polygon's theta is defined modulo 360 / k.
 *
 * Rendering is exact area coverage: every pixel gets intensity times the area of (pixel square
 * intersected with the shape), computed in closed form (polygon: clipping against the pixel
 * square; disc: the integral of the circle's chord), so the image's integrated intensity equals
 * intensity * area up to rounding. */
#ifndef SR_RENDER_H
#define SR_RENDER_H

#include <stdint.h>

#include "core/meta.h"
#include "io/record.h"
#include "core/rng.h"

enum sr_shape_kind {
	SR_SHAPE_POLYGON = 1, /* regular k-gon, 3 <= k <= SR_SHAPE_MAX_K */
	SR_SHAPE_DISC = 2     /* disc of radius R; k and theta unused (written as 0) */
	/* later: polyhedra projected along the beam (use rot[] below) */
};

#define SR_SHAPE_MAX_K 64

typedef struct {
	int kind;         /* enum sr_shape_kind */
	int k;            /* symmetry order: number of polygon sides; 0 for a disc */
	double radius;    /* circumradius, px (> 0) */
	double cx, cy;    /* centre, px, in the pixel coordinates above */
	double theta;     /* in-plane orientation, degrees (see above) */
	double intensity; /* level inside the shape */
	double rot[9];    /* 3D orientation (row-major rotation matrix) for future 3D kinds;
	                     identity after sr_shape_init, ignored by 2D kinds */
} sr_shape;

/* A square (k = 4) of radius 16 centred in a 64x64 image, theta 0, intensity 1, rot identity. */
void sr_shape_init(sr_shape *s);

/* 0 when the description is renderable; -1 with a message otherwise (bad kind, k out of
 * 3..SR_SHAPE_MAX_K for a polygon, radius not > 0 or not finite, non-finite numbers). */
int sr_shape_check(const sr_shape *s);

/* Adds intensity * (area of pixel intersected with the shape) to every pixel of img (w x h
 * floats, row-major).  Parts of the shape outside the image are simply not drawn.  Accumulates
 * in double per pixel, so the result is exact to float rounding.  -1 on a bad shape or size. */
int sr_render(const sr_shape *s, float *img, int w, int h);

/* The analytic area of the shape, px^2: k/2 R^2 sin(2 pi / k) for a polygon, pi R^2 for a disc. */
double sr_shape_area(const sr_shape *s);

/* The period of theta in degrees: 360 / k for a polygon, 0 for a disc (no orientation). */
double sr_shape_period(const sr_shape *s);

/* Writes the k polygon vertices (x0, y0, x1, y1, ...) into xy (room for 2 * k doubles), in the
 * order j = 0 .. k-1 of the formula above.  Returns k, or -1 if the shape is not a polygon. */
int sr_shape_vertices(const sr_shape *s, double *xy);

/* The shape moved to view B of a stereo pair: rotated counterclockwise by delta degrees about
 * its own centre, and its centre shifted by (dx, dy) px. */
sr_shape sr_shape_moved(const sr_shape *s, double delta, double dx, double dy);

/* "polygon" / "disc"; NULL for an unknown kind.  sr_shape_kind_from_name returns 0 if unknown. */
const char *sr_shape_kind_name(int kind);
int sr_shape_kind_from_name(const char *name);

/* Metadata keys: shape, k, radius, cx, cy, theta, intensity (doubles written with %.17g, so a
 * shape read back renders to the same bytes).  sr_shape_to_meta sets (replaces or appends)
 * them in that order.  sr_shape_from_meta reads them all; a missing or malformed key is an
 * error naming the key (a disc needs only shape, radius, cx, cy, intensity).  It reads theta:
 * for stereopair and evaluation only, never for training. */
int sr_shape_to_meta(const sr_shape *s, sr_meta *m);
int sr_shape_from_meta(const sr_meta *m, sr_shape *s);

/* ---- random shapes (shapegen) ---- */

/* Where each property of a shape is drawn from; a range lo == hi is a fixed value. */
typedef struct {
	int kind;                  /* SR_SHAPE_POLYGON or SR_SHAPE_DISC */
	int nk;                    /* polygon: k drawn uniformly from ks[0 .. nk-1] */
	int ks[SR_SHAPE_MAX_K];
	double radius_lo, radius_hi;
	double cx_lo, cx_hi, cy_lo, cy_hi;
	int theta_given;           /* 0: theta uniform in [0, 360/k); 1: in [theta_lo, theta_hi] */
	double theta_lo, theta_hi;
	double intensity_lo, intensity_hi;
} sr_shape_spec;

/* The defaults for a w x h image: polygons with k in 3..6, circumradius 12..22 px, centre
 * within +-8 px of (w/2, h/2), random theta, intensity 1. */
void sr_shape_spec_default(sr_shape_spec *spec, int w, int h);

/* Draws one shape.  Always consumes exactly six uniforms (k, radius, cx, cy, theta,
 * intensity), whichever are fixed.  -1 with a message if the drawn shape is not renderable. */
int sr_shape_draw(const sr_shape_spec *spec, sr_rng *r, sr_shape *out);

/* The per-record random streams of shapegen and stereopair (distinct from each other's and
 * from addnoise's): sr_rng_derive(seed, tag | index). */
sr_rng sr_shape_rng(uint64_t seed, uint64_t record_index);
sr_rng sr_pair_rng(uint64_t seed, uint64_t record_index);

/* ---- records ---- */

/* Makes rec a one-view w x h image holding the rendered shape (on zero), with metadata id
 * (when id is not NULL) followed by the shape keys. */
int sr_shape_record(sr_record *rec, const sr_shape *s, int w, int h, const char *id);

/* Turns a clean synthetic one-view record into a stereo pair (views = 2): reads the shape from
 * its metadata, checks that view A is that shape's rendering (within 1% of the intensity, so a
 * PAM round trip passes but a noisy or shifted image does not), then writes view A and view B
 * (the shape moved by delta degrees and (dx, dy) px) as exact renderings, and sets the keys
 * offset, b.dx, b.dy.  -1 with a message on a record without shape keys or whose image does
 * not match them. */
int sr_pair_synthetic(sr_record *rec, double delta, double dx, double dy);

/* What the synthetic pair makers (sr_pair_synthetic, sr_pair_tilt in particle.h) share.
 * sr_fresh_mismatch: the largest absolute difference between a view and its fresh rendering
 * (infinite when a sample of either is NaN), and in *peak (when not NULL) the largest |fresh|.
 * sr_pair_views: turns the one-view record into a pair whose view A is fresh (freed here in
 * every case) and returns view B, zeroed for the renderer; NULL (error set) on failure. */
double sr_fresh_mismatch(const float *fresh, const float *view, size_t n, double *peak);
float *sr_pair_views(sr_record *rec, float *fresh);

/* Joins two one-view records of the same size into a pair (view A = a, view B = b) in out
 * (may not alias a or b): metadata of a, then offset = delta, and b.id / b.source from b's id
 * and source when it has them.  -1 with a message on a size or view mismatch. */
int sr_pair_join(const sr_record *a, const sr_record *b, double delta, sr_record *out);

#endif
