/* harmonic.h: the classical, training-free orientation baseline.
 *
 * A regular k-gon's intensity, seen from its centroid, is largest in the directions of its
 * vertices, so the k-th angular harmonic of the background-subtracted intensity
 *     F_k = sum over pixels of I(x, y) w(r) exp(i k phi),   phi = atan2(-(y - cy), x - cx)
 * (phi counterclockwise on screen, the project's convention) has phase k theta:
 *     theta = arg(F_k) / k  (mod 360 / k).
 * The weight w(r) keeps an annulus around the shape's boundary, where the orientation
 * information is (the interior is the same at every angle and adds only noise).  When k is
 * not given it is detected as the order with the largest normalised harmonic magnitude
 * |F_k| / sum I w over a wide annulus.
 *
 * Steps: background = median of the pixels within 2 px of the border, subtracted; centroid of
 * the background-subtracted intensity, refined twice inside a window around the estimate;
 * size from the second moment; then the harmonics. */
#ifndef SR_HARMONIC_H
#define SR_HARMONIC_H

#define SR_HARM_KMAX 16

typedef struct {
	double theta;     /* degrees in [0, 360 / k) */
	int k;            /* the order used (given or detected) */
	double conf;      /* normalised magnitude |F_k| / sum(I w) of the order used, 0..1 */
	double cx, cy;    /* centroid, px (pixel-centre convention: column c is at x = c + 0.5) */
	double background;
	double rrms;      /* rms radius of the intensity about the centroid, px */
	double mag[SR_HARM_KMAX + 1]; /* normalised magnitudes of orders kmin..kmax (detection) */
} sr_harmonic_result;

/* img: w x h floats, row-major.  k > 0: that order; k == 0: detect in kmin..kmax
 * (1 <= kmin <= kmax <= SR_HARM_KMAX).  -1 with a message on bad arguments; SR_NO_SIGNAL
 * (err.h) with a message for an image with no signal above the background. */
int sr_harmonic(const float *img, int w, int h, int k, int kmin, int kmax,
                sr_harmonic_result *res);

#endif
