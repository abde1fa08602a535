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
	double moment;        /* the templates' mean second moment about the centre, px^2 */
	float *buf;           /* S x S scratch for renders */
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

/* second moment of the positive mass about the image centre (w/2, h/2), within the disc
 * that fits the image: Sum I rho^2 / Sum I; -1 without positive mass */
static double second_moment(const float *img, int w, int h)
{
	double rmax = 0.5 * (w < h ? w : h), m0 = 0, m2 = 0;
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++) {
			double x = c + 0.5 - w / 2.0, y = r + 0.5 - h / 2.0, rr = x * x + y * y;
			if (rr >= rmax * rmax)
				continue;
			m0 += img[(size_t)r * w + c];
			m2 += img[(size_t)r * w + c] * rr;
		}
	return m0 > 0 && m2 > 0 ? m2 / m0 : -1;
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
	return m->o.blur > 0 ? sr_gaussian_filter(out, out, S, S, m->o.blur) : 0;
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
	    o->top > 100000)
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
	if (!m->tpl) {
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
		msum += second_moment(t, o->size, o->size);
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

typedef struct {
	const float *win[2];  /* the normalised windows of A (and B) */
	int views;
	double tilt[4];       /* B = tilt A */
} target;

/* mean NCC of the views at orientation q, template radius r */
static int score(sr_matcher *m, const target *t, const double *q, double r, double *out)
{
	int S2 = m->o.size * m->o.size;
	double sum = 0;
	for (int v = 0; v < t->views; v++) {
		double qv[4];
		if (v)
			sr_quat_mul(t->tilt, q, qv);
		else
			memcpy(qv, q, sizeof qv);
		if (render_raw(m, qv, r, m->buf) < 0)
			return -1;
		normalise(m->buf, S2);
		sum += dot(m->buf, t->win[v], S2);
	}
	*out = sum / t->views;
	return 0;
}

/* Pattern search from (q, r): turns of +-step about the lab x, y, z axes and radius factors
 * exp(+-rstep); a sweep without gain halves the steps.  Stops at a step of 0.1 degree or
 * after m->o.refine renders. */
static int refine(sr_matcher *m, const target *t, double *q, double *r, double *best, int *renders)
{
	double step = 4, rstep = 0.04;
	if (score(m, t, q, *r, best) < 0)
		return -1;
	int used = t->views;
	while (used + 2 * t->views <= m->o.refine && step >= 0.1) {
		int gained = 0;
		for (int axis = 0; axis < 4 && used + 2 * t->views <= m->o.refine; axis++)
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
				used += t->views;
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
	*renders += used;
	return 0;
}

/* the window of one view, resampled to the templates' scale f, normalised */
static int prepare(sr_matcher *m, const float *img, int w, int h, double f, float *win)
{
	int S = m->o.size;
	window(img, w, h, f, win, S);
	return normalise(win, S * S) > 0 ? 0 : SR_NO_SIGNAL;
}

static int scale_of(sr_matcher *m, const float *img, int w, int h, double *f)
{
	if (w < 8 || h < 8)
		return sr_fail("match: image %dx%d is smaller than 8x8", w, h);
	double mi = second_moment(img, w, h);
	if (mi <= 0)
		return sr_fail("no positive mass about the image centre"), SR_NO_SIGNAL;
	double s = sqrt(mi / m->moment);
	*f = fmin(4, fmax(0.25, s));
	return 0;
}

static void scores_all(const sr_matcher *m, const float *win, double *s)
{
	size_t S2 = (size_t)m->o.size * m->o.size;
	for (int i = 0; i < m->n; i++)
		s[i] = dot(m->tpl + i * S2, win, (int)S2);
}

int sr_match_single(sr_matcher *m, const float *img, int w, int h, sr_match_result *out)
{
	int S2 = m->o.size * m->o.size, rc;
	double f;
	if ((rc = scale_of(m, img, w, h, &f)) != 0)
		return rc;
	float *win = malloc(S2 * sizeof *win);
	double *s = malloc(m->n * sizeof *s);
	if (!win || !s) {
		free(win);
		free(s);
		return sr_fail("out of memory");
	}
	if ((rc = prepare(m, img, w, h, f, win)) != 0) {
		free(win);
		free(s);
		return sr_fail("no signal in the image"), rc;
	}
	scores_all(m, win, s);
	int best = 0;
	for (int i = 1; i < m->n; i++)
		if (s[i] > s[best])
			best = i;
	memset(out, 0, sizeof *out);
	out->grid_score = s[best];
	target t = {{win, NULL}, 1, {1, 0, 0, 0}};
	double q[4], r = m->o.radius, sc = s[best];
	memcpy(q, m->q[best], sizeof q);
	if (m->o.refine > 0 && refine(m, &t, q, &r, &sc, &out->renders) < 0) {
		free(win);
		free(s);
		return -1;
	}
	memcpy(out->q, q, sizeof q);
	out->score = out->score2 = sc;
	out->radius = r * f;
	sr_solid_twin(m->solid, q, out->q2);
	free(win);
	free(s);
	return 0;
}

int sr_match_pair(sr_matcher *m, const float *a, const float *b, int w, int h,
                  const double *q_tilt, sr_match_result *out)
{
	int S2 = m->o.size * m->o.size, rc;
	double fa, fb;
	if ((rc = scale_of(m, a, w, h, &fa)) != 0 || (rc = scale_of(m, b, w, h, &fb)) != 0)
		return rc;
	double f = sqrt(fa * fb); /* one particle: one size */
	float *wa = malloc(S2 * sizeof *wa), *wb = malloc(S2 * sizeof *wb);
	double *s = malloc(m->n * sizeof *s);
	int K = m->o.top < m->n ? m->o.top : m->n;
	int *top = malloc(K * sizeof *top);
	rc = !wa || !wb || !s || !top ? sr_fail("out of memory") : 0;
	if (!rc && ((rc = prepare(m, a, w, h, f, wa)) != 0 || (rc = prepare(m, b, w, h, f, wb)) != 0))
		sr_fail("no signal in the image");
	if (rc) {
		free(wa);
		free(wb);
		free(s);
		free(top);
		return rc;
	}
	scores_all(m, wa, s);
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
	target tb = {{wb, NULL}, 1, {1, 0, 0, 0}}, t = {{wa, wb}, 2, {0}};
	memcpy(t.tilt, q_tilt, sizeof t.tilt);
	double bestq[4] = {1, 0, 0, 0}, bestj = -INFINITY;
	for (int k = 0; k < K && !rc; k++)
		for (int twin = 0; twin < 2 && !rc; twin++) {
			double q[4], qb[4], sb;
			if (twin)
				sr_solid_twin(m->solid, m->q[top[k]], q);
			else
				memcpy(q, m->q[top[k]], sizeof q);
			sr_quat_mul(q_tilt, q, qb);
			rc = score(m, &tb, qb, m->o.radius, &sb);
			out->renders++;
			if (!rc && 0.5 * (s[top[k]] + sb) > bestj) {
				bestj = 0.5 * (s[top[k]] + sb);
				memcpy(bestq, q, sizeof q);
			}
		}
	double r = m->o.radius, sc = bestj;
	if (!rc && m->o.refine > 0)
		rc = refine(m, &t, bestq, &r, &sc, &out->renders);
	if (!rc) {
		out->grid_score = bestj;
		memcpy(out->q, bestq, sizeof bestq);
		sr_quat_canon(out->q);
		out->score = sc;
		out->radius = r * f;
		sr_solid_twin(m->solid, out->q, out->q2);
		rc = score(m, &t, out->q2, r, &out->score2);
		out->renders += 2;
	}
	free(wa);
	free(wb);
	free(s);
	free(top);
	return rc;
}
