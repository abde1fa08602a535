/* resample.c: sub-pixel shifts with crop/pad.
 *
 * Why Lanczos-3 by default: a shift moves every pixel by the same fraction, so a separable
 * kernel reduces to one fixed 6-tap filter per axis, cheap at any image size.  Its passband is
 * close to the ideal (sinc) interpolator, much closer than cubic convolution, so blurred
 * particles survive a round trip almost unchanged (see tests/unit/test_imgproc.c), and it is
 * local (the taps are corrected to reproduce linear ramps, see make_taps): a Fourier shift would be exact only for band-limited, periodic images, wraps the far
 * edge into the near one, rings over the whole frame at a sharp (anti-aliased) polygon edge,
 * and needs an FFT for any size (479 rows is prime).  The taps sum to one, so the image sum
 * (the particle's integrated intensity) is kept for interior content, and their first moment is
 * the shift, so the centroid moves by exactly the shift.
 * An integer shift copies samples exactly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "image/imgproc.h"

#define MAXTAPS 8

/* loops over independent outputs, in vector instructions (the same sums without OpenMP) */
#ifdef _OPENMP
#define SIMD _Pragma("omp simd")
#else
#define SIMD
#endif

static double sinc(double x)
{
	if (x == 0)
		return 1;
	double px = M_PI * x;
	return sin(px) / px;
}

static double kernel(int interp, double x)
{
	double a = fabs(x);
	switch (interp) {
	case SR_INTERP_LANCZOS3:
		return a < 3 ? sinc(x) * sinc(x / 3) : 0;
	case SR_INTERP_CUBIC:  /* Keys, a = -0.5 */
		if (a < 1)
			return (1.5 * a - 2.5) * a * a + 1;
		if (a < 2)
			return ((-0.5 * a + 2.5) * a - 4) * a + 2;
		return 0;
	case SR_INTERP_LINEAR:
		return a < 1 ? 1 - a : 0;
	default:
		return 0;
	}
}

/* Taps for sampling the input at continuous index t = j - d (pixel-centre index units):
 * input index first + k gets weight wt[k], k = 0..ntaps-1, for output index j + first_off,
 * where first = j + off.  Returns ntaps. */
static int make_taps(int interp, double d, int *off, double *wt)
{
	double t = -d;           /* the input index sampled by output index 0 */
	double n = floor(t);
	double f = t - n;
	if (f < 1e-12 || interp == SR_INTERP_NEAREST) {
		int k = (int)n;
		if (interp == SR_INTERP_NEAREST && f >= 0.5)
			k++;
		if (f > 1 - 1e-12)
			k = (int)n + 1;
		*off = k;
		wt[0] = 1;
		return 1;
	}
	if (f > 1 - 1e-12) {
		*off = (int)n + 1;
		wt[0] = 1;
		return 1;
	}
	int half = interp == SR_INTERP_LANCZOS3 ? 3 : interp == SR_INTERP_CUBIC ? 2 : 1;
	int nt = 2 * half;
	double s = 0;
	for (int k = 0; k < nt; k++) {
		wt[k] = kernel(interp, f - (k - (half - 1)));
		s += wt[k];
	}
	/* Lanczos taps sum to 0.994..1 and their first moment is off by up to 0.02 px: add the
	 * smallest correction a + b m_k that makes them reproduce constants and linear ramps
	 * exactly, so the image sum and the centroid move by exactly the requested shift. */
	double sm = 0, smm = 0, swm = 0;
	for (int k = 0; k < nt; k++) {
		double m = k - (half - 1);
		sm += m;
		smm += m * m;
		swm += wt[k] * m;
	}
	double r0 = 1 - s, r1 = f - swm, det = nt * smm - sm * sm;
	double la = (r0 * smm - r1 * sm) / det, lb = (nt * r1 - sm * r0) / det;
	for (int k = 0; k < nt; k++)
		wt[k] += la + lb * (k - (half - 1));
	*off = (int)n - (half - 1);
	return nt;
}

int sr_shift_image(const float *in, int w, int h, float *out, int ow, int oh,
                   double dx, double dy, int interp, float fill)
{
	if (!in || !out || w < 1 || h < 1 || ow < 1 || oh < 1)
		return sr_fail("shift: bad image size");
	if (interp < SR_INTERP_LANCZOS3 || interp > SR_INTERP_NEAREST)
		return sr_fail("shift: unknown interpolator %d", interp);
	if (!isfinite(dx) || !isfinite(dy) || fabs(dx) > 1e7 || fabs(dy) > 1e7)
		return sr_fail("shift: shift (%g, %g) is not usable", dx, dy);
	double wx[MAXTAPS], wy[MAXTAPS];
	int ox, oy;
	int nx = make_taps(interp, dx, &ox, wx);
	int ny = make_taps(interp, dy, &oy, wy);
	float *tmp = malloc((size_t)h * ow * sizeof *tmp);
	/* a row's samples at input indices ox .. ox + ow + nx - 2 (fill outside the input), and
	 * one row of sums */
	float *prow = malloc((size_t)(ow + nx) * sizeof *prow);
	double *acc = malloc((size_t)ow * sizeof *acc);
	if (!tmp || !prow || !acc) {
		free(tmp);
		free(prow);
		free(acc);
		return sr_fail("shift: out of memory for a %dx%d image", ow, h);
	}
	/* horizontal pass: h x w -> h x ow, the taps outside and the columns inside (vector
	 * instructions), each sum adding its terms in the order of the taps */
	for (int r = 0; r < h; r++) {
		const float *src = in + (size_t)r * w;
		for (int t = 0; t < ow + nx - 1; t++) {
			long i = (long)ox + t;
			prow[t] = i >= 0 && i < w ? src[i] : fill;
		}
		for (int j = 0; j < ow; j++)
			acc[j] = 0;
		for (int k = 0; k < nx; k++) {
			const float *q = prow + k;
			double wk = wx[k];
			SIMD
			for (int j = 0; j < ow; j++)
				acc[j] += wk * q[j];
		}
		float *dst = tmp + (size_t)r * ow;
		for (int j = 0; j < ow; j++)
			dst[j] = (float)acc[j];
	}
	/* vertical pass: h x ow -> oh x ow */
	for (int j = 0; j < oh; j++) {
		int first = j + oy;
		for (int c = 0; c < ow; c++)
			acc[c] = 0;
		for (int k = 0; k < ny; k++) {
			int i = first + k;
			double wk = wy[k];
			if (i >= 0 && i < h) {
				const float *src = tmp + (size_t)i * ow;
				SIMD
				for (int c = 0; c < ow; c++)
					acc[c] += wk * src[c];
			} else {
				for (int c = 0; c < ow; c++)
					acc[c] += wk * fill;
			}
		}
		float *dst = out + (size_t)j * ow;
		for (int c = 0; c < ow; c++)
			dst[c] = (float)acc[c];
	}
	free(acc);
	free(prow);
	free(tmp);
	return 0;
}

static const char *const interp_names[] = {"lanczos3", "cubic", "linear", "nearest"};

int sr_interp_parse(const char *s, int *interp)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, interp_names[i]) == 0) {
			*interp = i;
			return 0;
		}
	return sr_fail("unknown interpolator '%s' (lanczos3, cubic, linear, nearest)", s);
}

const char *sr_interp_name(int interp)
{
	return interp >= 0 && interp < 4 ? interp_names[interp] : "?";
}
