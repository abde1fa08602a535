/* imgproc.h: image preparation as if the images were real: background estimate, particle
 * centroid, sub-pixel shift with crop/pad, denoising, and line-integral projections.
 *
 * All functions work on one view: a float32 image of h rows by w columns, pixel (r, c) at
 * img[r * w + c], row 0 the top.  Pixel column c covers x in [c, c+1), row r covers y in
 * [r, r+1), so a pixel's centre is (c + 0.5, r + 0.5) and the image centre is (w/2, h/2).
 * Angles follow the project convention: degrees, counterclockwise AS SEEN ON SCREEN from the
 * +x axis, so the unit vector of direction phi in (x, y) pixel coordinates is
 * (cos phi, -sin phi).
 *
 * Functions return 0 on success and -1 with the error set (err.h) on a bad argument or an
 * allocation failure; they never print or exit.  Unless stated, out may not alias in.
 * Implementations: background.c, centroid.c, resample.c, denoise.c, project.c, normalise.c,
 * dihedral.c, and the record-level helpers the filters call in prepare.c. */
#ifndef SR_IMGPROC_H
#define SR_IMGPROC_H

#include "io/record.h"

/* ---- background (background.c) ---- */

enum sr_bg_method {
	SR_BG_AUTO = 0,   /* BORDER, unless the border band is mostly particle; then OTSU */
	SR_BG_BORDER = 1, /* sigma-clipped mean of a band along the four edges */
	SR_BG_OTSU = 2,   /* sigma-clipped mean of the pixels below the Otsu threshold */
	SR_BG_ZERO = 3    /* level 0 (noise still estimated from the border band) */
};

typedef struct {
	double level;   /* background level in counts */
	double noise;   /* robust standard deviation of background pixels (counts) */
	int method;     /* the method actually used (AUTO resolves to BORDER or OTSU) */
} sr_background;

/* Estimates the background of one view.  band: width of the border band in px (0 = automatic:
 * max(2, min(w, h) / 16)).  The clipped mean (iterated 3-sigma clipping, starting from the
 * median and MAD) is unbiased for Poisson counts, unlike a median of integers. */
int sr_background_estimate(const float *img, int w, int h, int method, int band,
                           sr_background *out);
/* Noise standard deviation from the image itself (Immerkaer's mask, blind to planes and smooth
 * structure), estimated on block x block tiles; *out is quantile q of the tile estimates
 * (0.5: typical, 0.9: the noisiest parts, e.g. a shot-noise-limited particle).  Images smaller
 * than 3 x 3 give 0. */
int sr_noise_estimate(const float *img, int w, int h, int block, double q, double *out);
/* Parses "auto", "border", "otsu", "zero"; -1 with the error set otherwise. */
int sr_bg_method_parse(const char *s, int *method);
const char *sr_bg_method_name(int method);

/* ---- centroid (centroid.c) ---- */

typedef struct {
	double smooth;  /* Gaussian sigma (px) of the smoothed copy used to find the particle;
	                   0 = none; negative = automatic: max(1.5, min(w, h) / 64) */
	double nsigma;  /* detection threshold above background, in units of the smoothed noise */
	double frac;    /* ... and at least this fraction of (smoothed peak - background) */
	int max_iter;   /* refinement iterations of the windowed centroid */
	double tol;     /* stop when the estimate moves less than this (px) */
} sr_centroid_options;

typedef struct {
	double x, y;    /* centroid in pixel coordinates (image centre = (w/2, h/2)) */
	double mass;    /* background-subtracted integrated intensity in the final window */
	double radius;  /* radius (px) of the final refinement window */
	int iterations; /* refinement iterations done */
	int found;      /* 0: nothing above threshold; x, y are then the image centre */
} sr_centroid_result;

void sr_centroid_defaults(sr_centroid_options *opt);
/* Finds the particle: smooth, threshold at background + max(nsigma * noise_smoothed,
 * frac * (peak - background)), keep the connected component of the largest integrated
 * intensity, take its intensity-weighted centroid; then refine with the intensity-weighted
 * centroid of (img - background) in a soft-edged disc window centred on the current estimate
 * (radius = component extent + margin), iterated to a fixed point.  A window symmetric about
 * the estimate makes zero-mean noise and a small background error unbiased. */
int sr_centroid(const float *img, int w, int h, double background, double noise,
                const sr_centroid_options *opt, sr_centroid_result *out);

/* ---- resampling (resample.c) ---- */

enum sr_interp {
	SR_INTERP_LANCZOS3 = 0, /* default: windowed sinc, 6 taps, normalised to preserve the sum */
	SR_INTERP_CUBIC = 1,    /* Keys cubic convolution, a = -0.5 */
	SR_INTERP_LINEAR = 2,
	SR_INTERP_NEAREST = 3
};
int sr_interp_parse(const char *s, int *interp);
const char *sr_interp_name(int interp);

/* out (oh x ow) = in (h x w) moved by (dx, dy): the content at input point (x, y) lands at
 * output point (x + dx, y + dy).  Points that come from outside the input get fill.  A pure
 * centred crop or pad is dx = (ow - w) / 2.0, dy = (oh - h) / 2.0.  Separable; integer shifts
 * copy exactly. */
int sr_shift_image(const float *in, int w, int h, float *out, int ow, int oh,
                   double dx, double dy, int interp, float fill);

/* ---- denoising (denoise.c) ---- */
/* Borders are handled by mirroring (half-sample symmetric).  out may alias in. */

int sr_gaussian_filter(const float *in, float *out, int w, int h, double sigma);
/* Square window (2 radius + 1)^2; exact median (mean of the two middle values for even counts
 * never occurs: the window is always odd-sized). */
int sr_median_filter(const float *in, float *out, int w, int h, int radius);
/* Weights exp(-d^2 / 2 sigma_s^2) * exp(-(I - I0)^2 / 2 sigma_r^2) over a window of radius
 * ceil(3 sigma_s); sigma_r in counts. */
int sr_bilateral_filter(const float *in, float *out, int w, int h, double sigma_s,
                        double sigma_r);
/* Non-local means: patches (2 patch + 1)^2, search window (2 search + 1)^2, weights
 * exp(-max(d2 - 2 noise^2, 0) / h^2) with d2 the mean squared patch difference; h in counts
 * (noise = 0 gives the classic exp(-d2 / h^2)). */
int sr_nlm_filter(const float *in, float *out, int w, int h, int patch, int search,
                  double hparam, double noise);

/* ---- projection (project.c) ---- */

/* Line integrals: profile[i] = integral of the image over the strip of points whose coordinate
 * s = (x - w/2) cos phi - (y - h/2) sin phi lies in [i - len/2, i + 1 - len/2), the image taken
 * as constant on each pixel square (exact area weighting).  So s increases along direction phi
 * (screen convention) and profile index len/2 is the image centre.
 * phi = 0 with len = w gives the column sums (left to right); phi = 270 (= -90: the image
 * y axis, pointing down the screen) with len = h gives the row sums (top to bottom).
 * The sum of the profile equals the sum of the image when len covers the image's extent along
 * phi (e.g. len >= the diagonal). */
int sr_project(const float *img, int w, int h, double phi_deg, float *profile, int len);
/* ceil of the diagonal, the default length for arbitrary angles. */
int sr_project_default_length(int w, int h);

/* ---- record-level operations the filters call (prepare.c) ---- */

typedef struct {
	int bg_method;      /* enum sr_bg_method */
	int band;           /* border band px, 0 = auto */
	int keep_background;/* 1: do not subtract (the background is still estimated and used) */
	int interp;         /* enum sr_interp */
	int out_w, out_h;   /* 0: keep the record's size */
	int round;          /* 1: round samples to integers; with keep_background also clamp them
	                       to 0..maxval (the record's maxval key, else 65535) */
	sr_centroid_options cen;
} sr_centre_options;
void sr_centre_defaults(sr_centre_options *opt);
/* Centres every view of an image record independently (a pair stays a pair), optionally
 * cropping/padding to out_w x out_h; adds centre.dx, centre.dy, centre.background
 * (view 0) and centre.b.dx, centre.b.dy, centre.b.background (view 1; views beyond 1 get
 * centre.vN.*).  dx, dy: the output position of an input point is (x + dx, y + dy), so the
 * particle centroid found at (cx, cy) in the input is at (out_w/2, out_h/2) in the output.
 * Rejects non-image records. */
int sr_centre_record(sr_record *rec, const sr_centre_options *opt);

enum sr_denoise_method {
	SR_DENOISE_GAUSSIAN = 0, SR_DENOISE_MEDIAN = 1, SR_DENOISE_BILATERAL = 2, SR_DENOISE_NLM = 3
};
typedef struct {
	int method;
	double sigma;       /* gaussian sigma, bilateral spatial sigma (px) */
	int radius;         /* median radius (px) */
	double range;       /* bilateral range sigma (counts); <= 0: automatic, 2 x the noise */
	int patch, search;  /* nlm radii (px) */
	double h;           /* nlm h (counts); <= 0: automatic, 1.2 x the noise */
	/* the noise for the automatic values: sr_noise_estimate(view, 8, 0.9), i.e. the noise
	 * of the noisiest tenth of the 8 x 8 tiles, which is the particle's when the noise is
	 * shot noise */
} sr_denoise_options;
void sr_denoise_defaults(sr_denoise_options *opt);
int sr_denoise_method_parse(const char *s, int *method);
/* Denoises every view of an image record; adds denoise.method and its parameters. */
int sr_denoise_record(sr_record *rec, const sr_denoise_options *opt);

/* Replaces an image record by its profiles (layout PROFILE, same number of views, length len
 * or the default: w for phi = 0 given as axis x, h for axis y, else the diagonal).  axis: 'x',
 * 'y', or 0 for an arbitrary phi.  Adds project.axis (when given), project.angle,
 * project.length.  tmp is scratch space reused between calls (may start zeroed). */
int sr_project_record(sr_record *rec, int axis, double phi_deg, int len, sr_record *tmp);
/* The same at n angles (1..SR_MAX_PROFILES): each view becomes n profiles, row j at
 * phi_deg[j] (a profile record of height n; n = 1 is sr_project_record at that angle);
 * len <= 0: the diagonal.  Adds project.angle (the first angle, the frame of the mirror:
 * learn/mirror.h), for n > 1 project.angles (the list, comma-separated), project.length. */
int sr_project_record_angles(sr_record *rec, const double *phi_deg, int n, int len, sr_record *tmp);

/* ---- the input of the orientation networks (normalise.c, dihedral.c) ---- */
/* out = (in - background) / level, background = median of the 2 px border band, level = mean
 * of the pixels above half of the 95th percentile of (in - background) (profiles: same on
 * the 1D signal).  n = h * w.  A view with no signal gets level 1.  out may alias in. */
void sr_normalise_view(const float *in, int w, int h, float *out);
/* The same for one view of a record of the given layout: a profile view of h profiles (rows)
 * is normalised as one signal, its background from both ends of every profile (h = 1 is
 * sr_normalise_view's profile rule), so the profiles keep their relative intensities. */
void sr_normalise_layout(const float *in, int layout, int w, int h, float *out);

/* Transform j (0..7) of the dihedral group applied to a square n x n image: rotation by
 * 90 (j % 4) degrees counterclockwise on screen, after a mirror y -> -y when j >= 4.  The
 * orientation of the result is s theta + 90 (j % 4) with s = -1 when mirrored. */
void sr_dihedral(const float *in, float *out, int n, int j);

#endif
