/* particle.h: label-free measurements of the particle in one view, and the zoom that makes
 * it another size: what a model records of its training images (learn/distribution.h) and
 * what predict(1) compares each record with, to warn when it lies outside, or to rescale it.
 *
 * Views are float32 images, h rows by w columns, as in imgproc.h.  Functions return 0 on
 * success and -1 with the error set (core/err.h); they never print or exit. */
#ifndef SR_PARTICLE_H
#define SR_PARTICLE_H

typedef struct {
	double size;   /* radius of gyration (px): the intensity-weighted rms distance from their
	                  intensity centroid of the pixels above half the 95th percentile of
	                  (view - background), the background being the median of the 2 px
	                  border band (the pixels sr_normalise_view calls the signal); a
	                  particle must cover over 5% of the view to be found */
	double signal; /* their mean level above the background (counts): the particle's level */
	int found;     /* 0: no pixel above the background; size and signal are then 0 */
} sr_particle_stats;

int sr_particle_measure(const float *img, int w, int h, sr_particle_stats *out);

/* out (h x w) = in zoomed by f > 0 about the image centre (w/2, h/2), bilinear: the content
 * at distance d from the centre lands at distance f d.  Points from outside the input get
 * the input's background (the median of its 2 px border band).  out may not alias in. */
int sr_zoom_view(const float *in, int w, int h, double f, float *out);

#endif
