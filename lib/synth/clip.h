/* clip.h: exact polygon-pixel intersection, shared by the 2D and 3D renderers. */
#ifndef SR_CLIP_H
#define SR_CLIP_H

/* Clips the polygon in[] (n vertices x0 y0 x1 y1 ..., convex or not) to the unit square
 * [0,1]^2 (Sutherland-Hodgman); out needs room for 2 (n + 4) doubles.  Returns the vertex
 * count of the result, < 3 when nothing is left. */
int sr_clip_unit_square(const double *in, int n, double *out);

/* The polygon's signed area (positive counterclockwise in the x-right y-up sense of its
 * coordinates) and its signed first moments, the integrals of x and of y over it. */
void sr_polygon_moments(const double *xy, int n, double *area, double *mx, double *my);

#endif
