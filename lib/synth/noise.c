#include "synth/noise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* the blur's loops over independent outputs, in vector instructions (same results without) */
#ifdef _OPENMP
#define SIMD _Pragma("omp simd")
#else
#define SIMD
#endif

#define NOISE_STREAM_TAG (0x3ULL << 56) /* addnoise's streams, distinct from other programs' */

void sr_noise_spec_default(sr_noise_spec *spec)
{
	double blur = 0.8 * SR_FWHM_PER_SIGMA;
	spec->blur = (sr_span){blur, blur};
	spec->background = (sr_span){0.05, 0.05};
	spec->dose = (sr_span){20, 20};
	spec->read = (sr_span){1, 1};
	spec->jitter = (sr_span){0, 0};
}

static double draw_uniform(sr_span s, double u) { return s.lo == s.hi ? s.lo : s.lo + (s.hi - s.lo) * u; }

void sr_noise_draw(const sr_noise_spec *spec, sr_rng *r, sr_noise *out)
{
	double u[5];
	for (int i = 0; i < 5; i++)
		u[i] = sr_rng_uniform(r);
	out->blur = draw_uniform(spec->blur, u[0]);
	out->background = draw_uniform(spec->background, u[1]);
	if (spec->dose.lo > 0 && spec->dose.hi > spec->dose.lo)
		out->dose = exp(log(spec->dose.lo) + (log(spec->dose.hi) - log(spec->dose.lo)) * u[2]);
	else
		out->dose = draw_uniform(spec->dose, u[2]);
	out->read = draw_uniform(spec->read, u[3]);
	out->jitter = draw_uniform(spec->jitter, u[4]);
}

sr_rng sr_noise_rng(uint64_t seed, uint64_t record_index)
{
	return sr_rng_derive(seed, NOISE_STREAM_TAG | record_index);
}

/* Half-sample symmetric index: ... 1 0 | 0 1 2 ... n-1 | n-1 n-2 ... */
static int reflect(long i, int n)
{
	long p = 2L * n;
	i %= p;
	if (i < 0) i += p;
	return (int)(i < n ? i : p - 1 - i);
}

/* One line of the blur: out[i] = sum_j k[j] src[j][i], j = 0 .. 2 rad, the terms added in the
 * order of j as a plain loop over the taps would, but with the outputs advancing together
 * (vector instructions): the same doubles. */
static void blur_taps(const double *k, int rad, const float *const *src, double *out, int len)
{
	for (int i = 0; i < len; i++)
		out[i] = 0;
	for (int j = 0; j <= 2 * rad; j++) {
		const float *q = src[j];
		double kj = k[j];
SIMD
		for (int i = 0; i < len; i++)
			out[i] += kj * q[i];
	}
}

int sr_gaussian_blur(float *img, int w, int h, double sigma)
{
	if (w < 1 || h < 1)
		return sr_fail("image size %dx%d is not positive", w, h);
	if (!isfinite(sigma) || sigma < 0 || sigma > 1e4)
		return sr_fail("blur sigma %g is out of range", sigma);
	if (sigma == 0)
		return 0;
	int rad = (int)ceil(4.0 * sigma);
	int ring = h < 2 * rad + 1 ? h : 2 * rad + 1;
	size_t n = (size_t)w > (size_t)h ? (size_t)w : (size_t)h;
	double *k = malloc(sizeof *k * (size_t)(2 * rad + 1));
	const float **src = malloc(sizeof *src * (size_t)(2 * rad + 1));
	float *pad = malloc(sizeof *pad * (n + 2 * (size_t)rad));
	double *line = malloc(sizeof *line * n);
	float *copy = malloc(sizeof *copy * (size_t)w * (size_t)ring);
	if (!k || !src || !pad || !line || !copy) {
		free(k);
		free(src);
		free(pad);
		free(line);
		free(copy);
		return sr_fail("out of memory for a blur kernel of radius %d", rad);
	}
	double sum = 0;
	for (int i = -rad; i <= rad; i++) {
		k[i + rad] = exp(-0.5 * (i / sigma) * (i / sigma));
		sum += k[i + rad];
	}
	for (int i = 0; i <= 2 * rad; i++)
		k[i] /= sum;
	/* Rows first: each row is copied into pad[] with its margins reflected (half-sample
	 * symmetric), and the taps read shifted views of it. */
	for (int y = 0; y < h; y++) {
		float *row = img + (size_t)y * w;
		for (long i = -rad; i < w + rad; i++)
			pad[i + rad] = row[i >= 0 && i < w ? i : reflect(i, w)];
		for (int j = 0; j <= 2 * rad; j++)
			src[j] = pad + j;
		blur_taps(k, rad, src, line, w);
		for (int x = 0; x < w; x++)
			row[x] = (float)line[x];
	}
	/* Then columns, a row of outputs at a time.  Output row y reads the rows y - rad ..
	 * y + rad (reflected into the image) as they were before this pass: a ring of 2 rad + 1
	 * rows keeps them (row r in slot r mod the ring), each copied before it is overwritten;
	 * an image of at most that many rows is copied whole. */
	for (int r = 0; r < rad && r < h; r++)
		memcpy(copy + (size_t)(r % ring) * w, img + (size_t)r * w, (size_t)w * sizeof *copy);
	if (ring == h)
		memcpy(copy, img, (size_t)w * h * sizeof *copy);
	for (int y = 0; y < h; y++) {
		if (ring < h && y + rad < h)
			memcpy(copy + (size_t)((y + rad) % ring) * w, img + (size_t)(y + rad) * w,
			       (size_t)w * sizeof *copy);
		for (int j = 0; j <= 2 * rad; j++) {
			long yy = (long)y + j - rad;
			int r = yy >= 0 && yy < h ? (int)yy : reflect(yy, h);
			src[j] = copy + (size_t)(r % ring) * w;
		}
		blur_taps(k, rad, src, line, w);
		float *row = img + (size_t)y * w;
		for (int x = 0; x < w; x++)
			row[x] = (float)line[x];
	}
	free(k);
	free(src);
	free(pad);
	free(line);
	free(copy);
	return 0;
}

/* Catmull-Rom cubic through p0..p3 at t in [0, 1) between p1 and p2. */
static double cubic(double p0, double p1, double p2, double p3, double t)
{
	return p1 + 0.5 * t * (p2 - p0 + t * (2 * p0 - 5 * p1 + 4 * p2 - p3 + t * (3 * (p1 - p2) + p3 - p0)));
}

static int clampi(long i, int n) { return (int)(i < 0 ? 0 : (i >= n ? n - 1 : i)); }

int sr_row_jitter(float *img, int w, int h, double sd, sr_rng *r)
{
	if (w < 1 || h < 1)
		return sr_fail("image size %dx%d is not positive", w, h);
	if (!isfinite(sd) || sd < 0 || sd > 1e4)
		return sr_fail("jitter %g is out of range", sd);
	if (sd == 0)
		return 0;
	double *line = malloc(sizeof *line * (size_t)w);
	if (!line)
		return sr_fail("out of memory");
	for (int y = 0; y < h; y++) {
		double s = sd * sr_rng_normal(r);
		float *row = img + (size_t)y * w;
		for (int c = 0; c < w; c++) {
			double x = c - s, fl = floor(x), t = x - fl;
			long i = (long)fl;
			line[c] = cubic(row[clampi(i - 1, w)], row[clampi(i, w)], row[clampi(i + 1, w)],
			                row[clampi(i + 2, w)], t);
		}
		for (int c = 0; c < w; c++)
			row[c] = (float)line[c];
	}
	free(line);
	return 0;
}

/* Above this mean a Poisson sample no longer fits the sampler's integer arithmetic (k is
 * formed as a 64-bit integer), and its relative spread, 1/sqrt(mean) < 3e-8, is below float32's
 * resolution (6e-8): the normal approximation is then exact to the last bit that is stored. */
#define POISSON_NORMAL_ABOVE 1e15

/* Means whose table of sums sr_poisson_image keeps (the background's and the interior's) */
#define POISSON_TABLES 4

void sr_poisson_image(float *img, int n, sr_rng *r)
{
	/* The same samples as sr_rng_poisson pixel by pixel.  A mean that repeats the last one
	 * reuses the sampler's constants; one that ran for 4 pixels (the background, a flat
	 * interior) gets the table of the inversion's sums, kept for when it comes back (the
	 * next row's background). */
	sr_poisson tab[POISSON_TABLES]; /* 4.5 KB */
	int ntab = 0, oldest = 0;
	sr_poisson cur;
	sr_poisson_init(&cur, 0);
	const sr_poisson *use = &cur;
	int run = 0;
	for (int i = 0; i < n; i++) {
		double mean = img[i];
		if (mean > POISSON_NORMAL_ABOVE) {
			img[i] = (float)(mean + sqrt(mean) * sr_rng_normal(r));
			continue;
		}
		if (!(mean > 0))
			mean = 0;
		if (mean != use->mean) {
			use = &cur;
			for (int t = 0; t < ntab; t++)
				if (tab[t].mean == mean)
					use = &tab[t];
			if (use == &cur && cur.mean != mean) {
				sr_poisson_init(&cur, mean);
				run = 0;
			}
		} else if (use == &cur && ++run == 4 && !cur.ptrs && mean > 0) {
			sr_poisson *t = ntab < POISSON_TABLES ? &tab[ntab++] : &tab[oldest++ % POISSON_TABLES];
			*t = cur;
			sr_poisson_table(t);
			use = t;
		}
		img[i] = (float)sr_poisson_draw(use, r);
	}
}

/* The first sample that is NaN or infinite, or -1: noise of such a sample has no meaning, and
 * the Poisson sampler would turn it into an integer (undefined behaviour). */
static long first_nonfinite(const float *img, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(img[i]))
			return (long)i;
	return -1;
}

int sr_noise_apply(const sr_noise *p, double level, float *img, int w, int h, sr_rng *r)
{
	if (!(p->blur >= 0) || !(p->background >= 0) || !(p->dose >= 0) || !(p->read >= 0) ||
	    !(p->jitter >= 0) || !isfinite(p->dose) || !isfinite(p->read) || !isfinite(p->background))
		return sr_fail("noise parameters must be finite and non-negative");
	size_t n = (size_t)w * h;
	long bad = first_nonfinite(img, n);
	if (bad >= 0)
		return sr_fail("sample at row %ld, column %ld is %g: addnoise needs finite intensities",
		               bad / w, bad % w, img[bad]);
	if (sr_gaussian_blur(img, w, h, p->blur / SR_FWHM_PER_SIGMA) < 0)
		return -1;
	if (sr_row_jitter(img, w, h, p->jitter, r) < 0)
		return -1;
	if ((p->background > 0 || p->dose > 0) && !(level > 0 && isfinite(level)))
		return sr_fail("particle level %g is not positive: cannot add background or scale to a dose "
		               "(empty image?)", level);
	double bg = p->background * level, scale = p->dose > 0 ? p->dose / level : 1.0;
	if (bg != 0 || scale != 1)
		for (size_t i = 0; i < n; i++)
			img[i] = (float)(((double)img[i] + bg) * scale);
	/* a tiny level (an intensity key of 1e-40) or samples near FLT_MAX overflow the scaling */
	if ((bad = first_nonfinite(img, n)) >= 0)
		return sr_fail("sample at row %ld, column %ld overflows float32 after the background and "
		               "dose scaling (level %g)", bad / w, bad % w, level);
	if (p->dose > 0)
		sr_poisson_image(img, (int)n, r);
	if (p->read > 0)
		for (size_t i = 0; i < n; i++)
			img[i] = (float)((double)img[i] + p->read * sr_rng_normal(r));
	return 0;
}

int sr_noise_to_meta(const sr_noise *p, sr_meta *m)
{
	if (sr_meta_set_double(m, "noise.blur", p->blur) < 0 ||
	    sr_meta_set_double(m, "noise.background", p->background) < 0 ||
	    sr_meta_set_double(m, "noise.dose", p->dose) < 0 ||
	    sr_meta_set_double(m, "noise.read", p->read) < 0 ||
	    sr_meta_set_double(m, "noise.jitter", p->jitter) < 0)
		return -1;
	return 0;
}

int sr_noise_record(sr_record *rec, const sr_noise_spec *spec, uint64_t seed,
                    uint64_t record_index, sr_noise *used)
{
	if (rec->layout != SR_LAYOUT_IMAGE)
		return sr_fail("addnoise works on images, not 1D profiles or vectors");
	sr_rng r = sr_noise_rng(seed, record_index);
	sr_noise p;
	sr_noise_draw(spec, &r, &p);
	double level;
	int rc = sr_meta_get_double(&rec->meta, "intensity", &level);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		size_t n = sr_record_size(rec);
		level = n ? rec->data[0] : 0;
		for (size_t i = 1; i < n; i++)
			if (rec->data[i] > level)
				level = rec->data[i];
	}
	for (int v = 0; v < rec->views; v++)
		if (sr_noise_apply(&p, level, sr_record_view(rec, v), rec->width, rec->height, &r) < 0)
			return rec->views > 1 ? sr_fail_context("view %d", v) : -1;
	if (used)
		*used = p;
	return sr_noise_to_meta(&p, &rec->meta);
}
