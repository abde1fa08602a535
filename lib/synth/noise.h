/* noise.h: HAADF-like image formation, turning a clean rendered image into counts.
 *
 * For each view of a record, in this order:
 *   1. probe blur: convolution with a Gaussian of the given FWHM (sigma = FWHM / 2.3548):
 *      the sampled kernel, truncated at 4 sigma and normalised to sum 1, applied separably,
 *      with half-sample symmetric boundaries (as scipy.ndimage.gaussian_filter's "reflect"),
 *      so the total intensity is preserved exactly;
 *   2. scan-line jitter: row r is resampled at x - s_r with s_r ~ N(0, jitter^2) px (cubic
 *      Catmull-Rom interpolation, edges replicated).  It acts on the noise-free image: a scan
 *      error moves where the probe samples, it does not move counts already measured; this also
 *      keeps the Poisson counts integers;
 *   3. constant background: background * level is added (level = the particle's level, the
 *      record's `intensity` key, else the view's maximum);
 *   4. dose: the image is scaled by dose / level, so the particle interior holds `dose` counts
 *      per pixel and the background background * dose;
 *   5. shot noise: every pixel is replaced by an exact Poisson sample of its value (negative
 *      values count as 0);
 *   6. detector noise: N(0, read^2) counts added to every pixel.
 * A zero parameter switches its step off; dose 0 switches off both 4 and 5 (the image stays in
 * the input's units).  After step 5 the values are integers; step 6 makes them real. */
#ifndef SR_NOISE_H
#define SR_NOISE_H

#include <stdint.h>

#include "core/meta.h"
#include "io/record.h"
#include "core/rng.h"

typedef struct {
	double blur;       /* probe FWHM, px; 0 = off */
	double background; /* fraction of the particle level; 0 = off */
	double dose;       /* counts per pixel in the particle interior; 0 = no scaling, no shot noise */
	double read;       /* detector noise sd, counts; 0 = off */
	double jitter;     /* scan-line jitter sd, px; 0 = off */
} sr_noise;

/* Where each parameter is drawn from per record: [lo, hi], lo == hi for a fixed value.  Dose
 * is drawn log-uniformly when 0 < lo < hi (doses span decades), uniformly when lo == 0; the
 * others uniformly. */
typedef struct {
	double lo, hi;
} sr_span;

typedef struct {
	sr_span blur, background, dose, read, jitter;
} sr_noise_spec;

/* The defaults: blur FWHM 1.884 px (sigma 0.8), background 0.05, dose 20, read 1, jitter 0. */
void sr_noise_spec_default(sr_noise_spec *spec);

/* Draws one parameter set.  Always consumes exactly five uniforms (blur, background, dose,
 * read, jitter), so which parameters are fixed does not change the noise drawn afterwards. */
void sr_noise_draw(const sr_noise_spec *spec, sr_rng *r, sr_noise *out);

/* The per-record random stream of addnoise: sr_rng_derive(seed, stream tag | index). */
sr_rng sr_noise_rng(uint64_t seed, uint64_t record_index);

/* Applies steps 1-6 to one w x h image in place, drawing from r.  level is the particle level
 * (> 0 when dose > 0).  -1 with a message on bad arguments or memory failure. */
int sr_noise_apply(const sr_noise *p, double level, float *img, int w, int h, sr_rng *r);

/* The single steps, for other filters and tests. */
/* Gaussian blur with standard deviation sigma px (0: no change). */
int sr_gaussian_blur(float *img, int w, int h, double sigma);
/* Each row shifted by N(0, sd^2) px, cubic interpolation. */
int sr_row_jitter(float *img, int w, int h, double sd, sr_rng *r);
/* Every pixel replaced by Poisson(value) (exact). */
void sr_poisson_image(float *img, int n, sr_rng *r);

/* Sets noise.blur, noise.background, noise.dose, noise.read, noise.jitter (the values used). */
int sr_noise_to_meta(const sr_noise *p, sr_meta *m);

/* addnoise on one record: draws the parameters from spec with the record's own stream
 * sr_noise_rng(seed, record_index), applies them to every view (same parameters, independent
 * noise, view 0 first), and records the noise.* keys.  The particle level is the record's
 * `intensity` key when present, else the largest sample of the record.  If used is not NULL it
 * gets the parameters drawn. */
int sr_noise_record(sr_record *rec, const sr_noise_spec *spec, uint64_t seed,
                    uint64_t record_index, sr_noise *used);

#define SR_FWHM_PER_SIGMA 2.3548200450309493 /* 2 sqrt(2 ln 2) */

#endif
