/* rotate.h: rotation of an image about its centre by bilinear resampling, with the gradients
 * a network needs (the template renderer of method 2, generate.h).
 *
 * Conventions (the project's): pixel (r, c) has its centre at x = c + 0.5, y = r + 0.5; the
 * image centre is (w / 2, h / 2); a positive angle turns the image COUNTERCLOCKWISE AS SEEN ON
 * SCREEN (y = row, increasing downward).  So for an output pixel at offset (u, v) from the
 * centre in y-up coordinates (u = x - w/2, v = h/2 - y), rot(T, a) reads T bilinearly at the
 * offset (u cos a + v sin a, -u sin a + v cos a); samples outside the image read 0 (the four
 * neighbours of a sample each count only when inside).  This is PyTorch's
 * F.grid_sample(mode='bilinear', padding_mode='zeros', align_corners=False) on the grid of
 * F.affine_grid for the same rotation.  Angles are in RADIANS.
 *
 * A rendering is a weighted sum of rotated copies of one template T (h x w floats, row-major):
 *     out = sum_j wt[j] rot(T, ang[j]),   j = 0 .. n-1. */
#ifndef SR_ROTATE_H
#define SR_ROTATE_H

/* out (h x w) = sum_j wt[j] rot(T, ang[j]); out is overwritten.  wt may be NULL (all 1). */
void sr_rotate_forward(const float *T, int w, int h, int n, const double *ang, const double *wt,
                       float *out);

/* The backward of sr_rotate_forward for g = d loss / d out (h x w): ADDS d loss / d T into gT
 * (the transpose of the sampling; gT may be NULL) and SETS gang[j] = d loss / d ang[j] (per
 * radian, through the bilinear interpolant's spatial gradient; gang may be NULL). */
void sr_rotate_backward(const float *T, int w, int h, int n, const double *ang, const double *wt,
                        const float *g, float *gT, double *gang);

#endif
