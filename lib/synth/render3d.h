/* render3d.h: images of the 3D particles (core/solid.h) projected along the beam.
 *
 * The lab frame (stemrot(7)): x to the right on screen, y up, z towards the viewer, the beam
 * along z.  Pixel (row r, column c) of a W x H image has its centre at x = c - (W-1)/2,
 * y = (H-1)/2 - r.  A particle's centre is given, as for the 2D shapes, in pixel coordinates
 * (cx, cy) (column c covers [c, c+1), row r covers [r, r+1), rows downwards), so it lies at
 * lab x = cx - W/2, y = H/2 - cy; p_lab = radius R(q) p_body + centre.
 *
 * The thickness model: a pixel's value is intensity times the chord length of the solid
 * along the beam, averaged over the pixel's area, in units of the particle's diameter
 * (2 radius), so values lie in [0, intensity].  It is computed exactly: the chord is the
 * height of the front surface over the back one, both piecewise linear over the projection,
 * so each facet contributes +-(area of its projection in the pixel) x (its depth at the
 * centroid of that area), found by clipping the projected facet to the pixel.  The image
 * integral is intensity * volume / (2 radius) to rounding. */
#ifndef SR_RENDER3D_H
#define SR_RENDER3D_H

#include "core/solid.h"

/* Adds the thickness image of solid at orientation q (unit quaternion), circumradius radius
 * px and centre (cx, cy) to img (w x h, row-major).  -1 with a message on bad arguments. */
int sr_render_thickness(const sr_solid *solid, const double *q, double radius, double cx,
                        double cy, double intensity, float *img, int w, int h);

#endif
