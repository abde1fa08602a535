#include "image/match3d.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/quat.h"
#include "core/rng.h"
#include "image/imgproc.h"

struct sr_matcher {
	sr_match_options o;
	const sr_solid *solid;
	sr_match_render_fn render;
	void *ctx;
	int n;                /* templates */
	double (*q)[4];       /* their orientations */
	float *tpl;           /* n x S x S, zero mean, unit norm */
	double moment;        /* the templates' mean particle area (particle_area), px^2 */
	double *tmom;         /* each template's own */
	float *buf;           /* scratch for renders, S x S or the image's size */
	size_t bufcap;
	double spacing;       /* covering radius, degrees; < 0 until measured */
};

void sr_match_defaults(sr_match_options *o)
{
	o->templates = 2000;
	o->size = 48;
	o->radius = 14;
	o->blur = 0.8;
	o->refine = 120;
	o->top = 24;
	o->starts = 3;
	o->coarse_blur = 1.5;
}

/* ---- images as zero-mean unit vectors ---- */

/* centres v to zero mean and scales it to unit norm; returns the norm before scaling */
static double normalise(float *v, int n)
{
	double s = 0, ss = 0;
	for (int i = 0; i < n; i++)
		s += v[i];
	double mean = s / n;
	for (int i = 0; i < n; i++) {
		double d = v[i] - mean;
		ss += d * d;
	}
	double norm = sqrt(ss);
	for (int i = 0; i < n; i++)
		v[i] = norm > 0 ? (float)((v[i] - mean) / norm) : 0.0f;
	return norm;
}

static double dot(const float *a, const float *b, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return s;
}

/* The particle's size: the area (px^2) where the image, smoothed (sd 1.5 px), exceeds 20% of
 * its maximum, within the disc that fits the image.  Unlike a second moment it does not
 * care about a background level left over far from the particle.  -1 without signal. */
static double particle_area(const float *img, int w, int h)
{
	size_t n = (size_t)w * h;
	float *sm = malloc(n * sizeof *sm);
	if (!sm || sr_gaussian_filter(img, sm, w, h, 1.5) < 0) {
		free(sm);
		return -1;
	}
	double rmax = 0.5 * (w < h ? w : h), peak = 0, area = 0;
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++) {
			double x = c + 0.5 - w / 2.0, y = r + 0.5 - h / 2.0;
			if (x * x + y * y < rmax * rmax)
				peak = fmax(peak, sm[(size_t)r * w + c]);
		}
	for (int r = 0; r < h && peak > 0; r++)
		for (int c = 0; c < w; c++) {
			double x = c + 0.5 - w / 2.0, y = r + 0.5 - h / 2.0;
			area += x * x + y * y < rmax * rmax && sm[(size_t)r * w + c] > 0.2 * peak;
		}
	free(sm);
	return area > 0 ? area : -1;
}

/* the S x S window about the image centre, sampled (bilinear, zero outside) with px steps of
 * f image pixels: the particle of radius f R lands at radius R */
static void window(const float *img, int w, int h, double f, float *out, int S)
{
	for (int i = 0; i < S; i++)
		for (int j = 0; j < S; j++) {
			double u = w / 2.0 + (j + 0.5 - S / 2.0) * f - 0.5;
			double v = h / 2.0 + (i + 0.5 - S / 2.0) * f - 0.5;
			int c = (int)floor(u), r = (int)floor(v);
			double a = u - c, b = v - r, s = 0;
			for (int dr = 0; dr < 2; dr++)
				for (int dc = 0; dc < 2; dc++) {
					int rr = r + dr, cc = c + dc;
					if (rr >= 0 && rr < h && cc >= 0 && cc < w)
						s += (dr ? b : 1 - b) * (dc ? a : 1 - a) * img[(size_t)rr * w + cc];
				}
			out[(size_t)i * S + j] = (float)s;
		}
}

/* renders the template at q and radius r (window px) into out, blurred; unnormalised */
static int render_raw(sr_matcher *m, const double *q, double r, float *out)
{
	int S = m->o.size;
	memset(out, 0, (size_t)S * S * sizeof *out);
	if (m->render(m->ctx, m->solid, q, r, out, S, S) < 0)
		return -1;
	/* the grid search compares smoother images: wider basins for a grid this coarse */
	double sd = sqrt(m->o.blur * m->o.blur + m->o.coarse_blur * m->o.coarse_blur);
	return sd > 0 ? sr_gaussian_filter(out, out, S, S, sd) : 0;
}

/* ---- the grid ---- */

static int in_fundamental_region(const sr_solid *s, const double *q)
{
	for (int i = 1; i < s->ng; i++) {
		double p[4];
		sr_quat_mul(q, s->g[i], p);
		if (fabs(p[0]) > fabs(q[0]) + 1e-12)
			return 0;
	}
	return 1;
}

sr_matcher *sr_matcher_new(const sr_match_options *o, const sr_solid *solid,
                           sr_match_render_fn render, void *ctx)
{
	if (!solid || !render)
		return sr_fail("match: no solid or renderer"), NULL;
	if (o->templates < 1 || o->templates > 200000)
		return sr_fail("match: %d templates is not in 1..200000", o->templates), NULL;
	if (o->size < 8 || o->size > 512)
		return sr_fail("match: template size %d is not in 8..512", o->size), NULL;
	if (!(o->radius > 1 && o->radius < o->size))
		return sr_fail("match: template radius %g does not fit %d px", o->radius, o->size), NULL;
	if (!(o->blur >= 0 && o->blur <= 10) || o->refine < 0 || o->refine > 100000 || o->top < 1 ||
	    o->top > 100000 || o->starts < 1 || o->starts > 64 || !(o->coarse_blur >= 0) ||
	    o->coarse_blur > 10)
		return sr_fail("match: bad blur, refine or top"), NULL;
	size_t S2 = (size_t)o->size * o->size;
	if ((double)o->templates * S2 > 5e8)
		return sr_fail("match: %d templates of %d px squared are too many", o->templates, o->size),
		       NULL;
	sr_matcher *m = calloc(1, sizeof *m);
	if (!m)
		return sr_fail("out of memory"), NULL;
	m->o = *o;
	m->solid = solid;
	m->render = render;
	m->ctx = ctx;
	m->spacing = -1;
	long N = (long)o->templates * solid->ng;
	int cap = o->templates + o->templates / 4 + 16;
	m->q = malloc((size_t)cap * sizeof *m->q);
	m->buf = malloc(S2 * sizeof *m->buf);
	m->bufcap = S2;
	if (!m->q || !m->buf) {
		sr_matcher_free(m);
		return sr_fail("out of memory"), NULL;
	}
	for (long i = 0; i < N && m->n < cap; i++) {
		double q[4];
		sr_quat_grid(i, N, q);
		if (in_fundamental_region(solid, q))
			memcpy(m->q[m->n++], q, sizeof q);
	}
	m->tpl = malloc((size_t)m->n * S2 * sizeof *m->tpl);
	m->tmom = malloc((size_t)m->n * sizeof *m->tmom);
	if (!m->tpl || !m->tmom) {
		sr_matcher_free(m);
		return sr_fail("out of memory"), NULL;
	}
	double msum = 0;
	for (int i = 0; i < m->n; i++) {
		float *t = m->tpl + (size_t)i * S2;
		if (render_raw(m, m->q[i], o->radius, t) < 0) {
			sr_matcher_free(m);
			return NULL;
		}
		m->tmom[i] = particle_area(t, o->size, o->size);
		msum += m->tmom[i];
		normalise(t, (int)S2);
	}
	m->moment = msum / m->n;
	return m;
}

void sr_matcher_free(sr_matcher *m)
{
	if (!m)
		return;
	free(m->q);
	free(m->tpl);
	free(m->tmom);
	free(m->buf);
	free(m);
}

int sr_matcher_count(const sr_matcher *m) { return m->n; }

double sr_matcher_spacing(sr_matcher *m)
{
	if (m->spacing >= 0)
		return m->spacing;
	sr_rng r;
	sr_rng_seed(&r, 12345);
	double worst = 0;
	for (int t = 0; t < 2000; t++) {
		double q[4], best = 180;
		sr_quat_haar(&r, q);
		for (int i = 0; i < m->n; i++)
			best = fmin(best, sr_quat_angle_mod(q, m->q[i], (const double(*)[4])m->solid->g,
			                                    m->solid->ng));
		worst = fmax(worst, best);
	}
	return m->spacing = worst;
}

/* ---- scoring and refinement ---- */

/* What a score compares with: the normalised views, either windows at the templates' scale
 * (w = h = S) or the images themselves (refinement: no resampling, renders at the image's
 * radius). */
typedef struct {
	const float *win[2];  /* A (and B) */
	int views, w, h;
	double tilt[4];       /* B = tilt A */
} target;

/* renders at q and radius r (px of the target) into m->buf, blurred, normalised */
static int render_target(sr_matcher *m, const target *t, const double *q, double r)
{
	size_t n = (size_t)t->w * t->h;
	if (n > m->bufcap) {
		float *b = realloc(m->buf, n * sizeof *b);
		if (!b)
			return sr_fail("out of memory");
		m->buf = b;
		m->bufcap = n;
	}
	memset(m->buf, 0, n * sizeof *m->buf);
	if (m->render(m->ctx, m->solid, q, r, m->buf, t->w, t->h) < 0)
		return -1;
	if (m->o.blur > 0 && sr_gaussian_filter(m->buf, m->buf, t->w, t->h, m->o.blur) < 0)
		return -1;
	normalise(m->buf, (int)n);
	return 0;
}

/* mean NCC of the views at orientation q, radius r */
static int score(sr_matcher *m, const target *t, const double *q, double r, double *out)
{
	double sum = 0;
	for (int v = 0; v < t->views; v++) {
		double qv[4];
		if (v)
			sr_quat_mul(t->tilt, q, qv);
		else
			memcpy(qv, q, sizeof qv);
		if (render_target(m, t, qv, r) < 0)
			return -1;
		sum += dot(m->buf, t->win[v], t->w * t->h);
	}
	*out = sum / t->views;
	return 0;
}

/* a normalised copy of a whole view, for refinement */
static float *normalised_copy(const float *img, int w, int h)
{
	size_t n = (size_t)w * h;
	float *c = malloc(n * sizeof *c);
	if (c) {
		memcpy(c, img, n * sizeof *c);
		normalise(c, (int)n);
	}
	return c;
}

/* the grid's typical spacing, (6 pi / N)^(1/3) for N points on SO(3), degrees */
static double typical_spacing(const sr_matcher *m)
{
	return cbrt(6 * M_PI / ((double)m->n * m->solid->ng)) * 180 / M_PI;
}

/* Up to k candidates (of n, orientations cq, scores sc) for refinement: the best, then the
 * best of those more than two grid spacings (mod G) from every one taken.  Returns the count. */
static int pick_starts(const sr_matcher *m, const double (*cq)[4], const double *sc, int n, int k,
                       int *out)
{
	double sep = 2 * typical_spacing(m);
	int got = 0;
	while (got < k) {
		int bi = -1;
		for (int i = 0; i < n; i++) {
			if (bi >= 0 && sc[i] <= sc[bi])
				continue;
			int near = 0;
			for (int j = 0; j < got && !near; j++)
				near = out[j] == i || sr_quat_angle_mod(cq[i], cq[out[j]],
				                                        (const double(*)[4])m->solid->g,
				                                        m->solid->ng) < sep;
			if (!near)
				bi = i;
		}
		if (bi < 0)
			break;
		out[got++] = bi;
	}
	return got;
}

/* Pattern search from (q, r): turns of +-step about the lab x, y, z axes and radius factors
 * exp(+-rstep); a sweep without gain halves the steps.  Stops at a step of 0.1 degree or
 * after m->o.refine evaluations (a pair's evaluation renders both views). */
static int refine(sr_matcher *m, const target *t, double *q, double *r, double *best, int *renders)
{
	/* start at half the grid's typical spacing, (6 pi / N)^(1/3) for N points on SO(3) */
	double step = 0.5 * typical_spacing(m), rstep = 0.04;
	if (score(m, t, q, *r, best) < 0)
		return -1;
	int used = 1; /* evaluations */
	while (used + 2 <= m->o.refine && step >= 0.1) {
		int gained = 0;
		for (int axis = 0; axis < 4 && used + 2 <= m->o.refine; axis++)
			for (int sign = -1; sign <= 1; sign += 2) {
				double cq[4], cr = *r, f;
				memcpy(cq, q, sizeof cq);
				if (axis < 3) {
					double ax[3] = {0, 0, 0}, turn[4];
					ax[axis] = 1;
					sr_quat_axis_angle(ax, sign * step, turn);
					sr_quat_mul(turn, q, cq);
					sr_quat_canon(cq);
				} else {
					cr = *r * exp(sign * rstep);
				}
				if (score(m, t, cq, cr, &f) < 0)
					return -1;
				used++;
				if (f > *best) {
					*best = f;
					memcpy(q, cq, sizeof cq);
					*r = cr;
					gained = 1;
					break;
				}
			}
		if (!gained) {
			step /= 2;
			rstep /= 2;
		}
	}
	*renders += used * t->views;
	return 0;
}

/* An elongated particle's area depends on its orientation: each template is
 * compared with the image resampled to its own area, taken from ZOOMS windows 5% apart. */
#define ZOOMS 9
#define ZOOM_STEP 0.05

typedef struct {
	double mi, f0;       /* the image's particle area; the zoom for the mean template */
	float *win;          /* ZOOMS windows of S x S, normalised */
} zoomed;

/* the image's particle area, and the windows at zooms f0 exp(ZOOM_STEP (j - ZOOMS/2)); f0 is the
 * image's own unless like (view A of a pair: B is resampled like A) is given */
static int prepare(sr_matcher *m, const float *img, int w, int h, const zoomed *like, zoomed *z)
{
	int S = m->o.size;
	if (w < 8 || h < 8)
		return sr_fail("match: image %dx%d is smaller than 8x8", w, h);
	z->mi = particle_area(img, w, h);
	if (z->mi <= 0)
		return sr_fail("no particle about the image centre"), SR_NO_SIGNAL;
	z->f0 = like ? like->f0 : fmin(4, fmax(0.25, sqrt(z->mi / m->moment)));
	z->win = malloc((size_t)ZOOMS * S * S * sizeof *z->win);
	if (!z->win)
		return sr_fail("out of memory");
	for (int j = 0; j < ZOOMS; j++) {
		float *wj = z->win + (size_t)j * S * S;
		window(img, w, h, z->f0 * exp(ZOOM_STEP * (j - ZOOMS / 2)), wj, S);
		if (m->o.coarse_blur > 0 && sr_gaussian_filter(wj, wj, S, S, m->o.coarse_blur) < 0)
			return -1;
		if (!(normalise(wj, S * S) > 0))
			return sr_fail("no signal in the image"), SR_NO_SIGNAL;
	}
	return 0;
}

/* the window index and exact zoom (image px per template px) for template i */
static int zoom_of(const sr_matcher *m, const zoomed *z, int i, double *f)
{
	*f = fmin(4, fmax(0.25, sqrt(z->mi / m->tmom[i])));
	int j = (int)lround(log(*f / z->f0) / ZOOM_STEP) + ZOOMS / 2;
	return j < 0 ? 0 : j >= ZOOMS ? ZOOMS - 1 : j;
}

static void scores_all(const sr_matcher *m, const zoomed *z, double *s)
{
	size_t S2 = (size_t)m->o.size * m->o.size;
	for (int i = 0; i < m->n; i++) {
		double f;
		int j = zoom_of(m, z, i, &f);
		s[i] = dot(m->tpl + i * S2, z->win + j * S2, (int)S2);
	}
}

int sr_match_single(sr_matcher *m, const float *img, int w, int h, sr_match_result *out)
{
	int rc;
	zoomed z = {0};
	double *s = malloc(m->n * sizeof *s);
	if (!s)
		return sr_fail("out of memory");
	if ((rc = prepare(m, img, w, h, NULL, &z)) != 0) {
		free(z.win);
		free(s);
		return rc;
	}
	scores_all(m, &z, s);
	int start[64];
	int ns = pick_starts(m, (const double(*)[4])m->q, s, m->n, m->o.refine > 0 ? m->o.starts : 1,
	                     start);
	memset(out, 0, sizeof *out);
	out->grid_score = s[start[0]];
	out->score = -INFINITY;
	float *whole = m->o.refine > 0 ? normalised_copy(img, w, h) : NULL;
	target t = {{whole, NULL}, 1, w, h, {1, 0, 0, 0}};
	rc = m->o.refine > 0 && !whole ? sr_fail("out of memory") : 0;
	/* refine each start; the best refined one wins */
	for (int k = 0; k < ns && !rc; k++) {
		double q[4], f, sc = s[start[k]];
		zoom_of(m, &z, start[k], &f);
		double r = m->o.radius * f;
		memcpy(q, m->q[start[k]], sizeof q);
		if (m->o.refine > 0)
			rc = refine(m, &t, q, &r, &sc, &out->renders);
		if (!rc && sc > out->score) {
			memcpy(out->q, q, sizeof q);
			out->score = out->score2 = sc;
			out->radius = r;
		}
	}
	if (!rc)
		sr_solid_twin(m->solid, out->q, out->q2);
	free(whole);
	free(z.win);
	free(s);
	return rc;
}

int sr_match_pair(sr_matcher *m, const float *a, const float *b, int w, int h,
                  const double *q_tilt, sr_match_result *out)
{
	int S2 = m->o.size * m->o.size, rc;
	zoomed za = {0}, zb = {0};
	double *s = malloc(m->n * sizeof *s);
	int K = m->o.top < m->n ? m->o.top : m->n;
	int *top = malloc(K * sizeof *top);
	rc = !s || !top ? sr_fail("out of memory") : 0;
	if (!rc && (rc = prepare(m, a, w, h, NULL, &za)) == 0)
		rc = prepare(m, b, w, h, &za, &zb);
	if (rc) {
		free(za.win);
		free(zb.win);
		free(s);
		free(top);
		return rc;
	}
	scores_all(m, &za, s);
	/* the K best grid points of A (a partial selection: K is small) */
	for (int k = 0; k < K; k++) {
		int bi = -1;
		for (int i = 0; i < m->n; i++) {
			int taken = 0;
			for (int j = 0; j < k && !taken; j++)
				taken = top[j] == i;
			if (!taken && (bi < 0 || s[i] > s[bi]))
				bi = i;
		}
		top[k] = bi;
	}
	memset(out, 0, sizeof *out);
	int S = m->o.size;
	target tb = {{NULL, NULL}, 1, S, S, {1, 0, 0, 0}};
	double *cf = malloc(2 * K * sizeof *cf); /* each candidate's zoom */
	/* A's candidates and their twins (the same image of A), scored jointly with B */
	double (*cq)[4] = malloc(2 * K * sizeof *cq), *cs = malloc(2 * K * sizeof *cs);
	if (!cq || !cs || !cf)
		rc = sr_fail("out of memory");
	for (int k = 0; k < K && !rc; k++)
		for (int twin = 0; twin < 2 && !rc; twin++) {
			double *q = cq[2 * k + twin], qb[4], sb;
			if (twin)
				sr_solid_twin(m->solid, m->q[top[k]], q);
			else
				memcpy(q, m->q[top[k]], 4 * sizeof *q);
			sr_quat_mul(q_tilt, q, qb);
			/* view B at the zoom A's template chose: one particle, one size */
			int j = zoom_of(m, &za, top[k], &cf[2 * k + twin]);
			tb.win[0] = zb.win + (size_t)j * S2;
			rc = score(m, &tb, qb, m->o.radius, &sb);
			out->renders++;
			cs[2 * k + twin] = 0.5 * (s[top[k]] + sb);
		}
	int start[64], ns = 0;
	if (!rc)
		ns = pick_starts(m, (const double(*)[4])cq, cs, 2 * K, m->o.refine > 0 ? m->o.starts : 1,
		                 start);
	/* refinement, and the twin's joint score, on the whole images */
	float *whole_a = normalised_copy(a, w, h), *whole_b = normalised_copy(b, w, h);
	target t = {{whole_a, whole_b}, 2, w, h, {0}};
	memcpy(t.tilt, q_tilt, sizeof t.tilt);
	if (!rc && (!whole_a || !whole_b))
		rc = sr_fail("out of memory");
	out->score = -INFINITY;
	if (ns > 0)
		out->grid_score = cs[start[0]];
	for (int k = 0; k < ns && !rc; k++) {
		double q[4], r = m->o.radius * cf[start[k]], sc = cs[start[k]];
		memcpy(q, cq[start[k]], sizeof q);
		if (m->o.refine > 0)
			rc = refine(m, &t, q, &r, &sc, &out->renders);
		if (!rc && sc > out->score) {
			memcpy(out->q, q, sizeof q);
			out->score = sc;
			out->radius = r;
		}
	}
	if (!rc) {
		sr_quat_canon(out->q);
		sr_solid_twin(m->solid, out->q, out->q2);
		rc = score(m, &t, out->q2, out->radius, &out->score2);
		out->renders += 2;
	}
	free(cq);
	free(cs);
	free(cf);
	free(whole_a);
	free(whole_b);
	free(za.win);
	free(zb.win);
	free(s);
	free(top);
	return rc;
}
