/* field.h: synthetic micrographs for testing particle picking: a large frame holding many
 * particles at known positions, sizes and angles, some in touching pairs, some cut by the
 * frame's edge, on a sloped background, with probe blur and shot noise at a dose. */
#ifndef SR_FIELD_H
#define SR_FIELD_H

#include <stdint.h>

#include "io/record.h"
#include "synth/render.h"

typedef struct {
	int width, height;
	int isolated;           /* particles apart from all others */
	int touching_pairs;     /* pairs of particles in contact (one component each) */
	int at_edge;            /* particles centred on the frame's edge (cut by it) */
	int k_lo, k_hi;         /* polygon orders, drawn uniformly */
	double radius_lo, radius_hi; /* circumradius, px */
	double background;      /* level at the centre, relative to a particle's 1 */
	double slope_x, slope_y;/* background change across the frame's width, height */
	double blur;            /* probe sigma, px (0: none) */
	double dose;            /* counts at level 1 (0: clean, no noise) */
	double pixel_nm;        /* written as pixel.nm (0: not written) */
} sr_field_spec;

/* 512 x 512, 50 isolated, no pairs or edge particles, k 3..6, radius 8..10, background 0.2
 * rising by 0.2 across the frame in x and 0.1 in y, blur 0.8, dose 40, no pixel size. */
void sr_field_spec_default(sr_field_spec *spec);

typedef enum { SR_FIELD_ISOLATED = 0, SR_FIELD_TOUCHING = 1, SR_FIELD_EDGE = 2 } sr_field_kind;

typedef struct {
	sr_shape shape;
	sr_field_kind kind;
} sr_field_particle;

/* Renders one frame into rec (one view, width x height), its metadata id=field-s<seed>,
 * field.* counts and pixel.nm, and the particles placed in *parts (malloc'd; *nparts of
 * them).  The same seed gives the same bytes.  -1 with the error set when the particles do
 * not fit apart from each other in the frame, or on bad numbers. */
int sr_field_render(const sr_field_spec *spec, uint64_t seed, sr_record *rec,
                    sr_field_particle **parts, int *nparts);

#endif
