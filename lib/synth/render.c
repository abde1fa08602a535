#include "synth/render.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "synth/clip.h"

#define DEG (M_PI / 180.0)
#define SHAPE_STREAM_TAG (0x1ULL << 56)
#define PAIR_STREAM_TAG (0x2ULL << 56)

void sr_shape_init(sr_shape *s)
{
	memset(s, 0, sizeof *s);
	s->kind = SR_SHAPE_POLYGON;
	s->k = 4;
	s->radius = 16;
	s->cx = 32;
	s->cy = 32;
	s->theta = 0;
	s->intensity = 1;
	s->rot[0] = s->rot[4] = s->rot[8] = 1;
}

int sr_shape_check(const sr_shape *s)
{
	switch (s->kind) {
	case SR_SHAPE_POLYGON:
		if (s->k < 3 || s->k > SR_SHAPE_MAX_K)
			return sr_fail("polygon needs 3..%d sides, got k=%d", SR_SHAPE_MAX_K, s->k);
		break;
	case SR_SHAPE_DISC:
		break;
	default:
		return sr_fail("unknown shape kind %d", s->kind);
	}
	if (!isfinite(s->radius) || !(s->radius > 0) || s->radius > 1e6)
		return sr_fail("radius %g is not in (0, 1e6]", s->radius);
	if (!isfinite(s->cx) || !isfinite(s->cy) || fabs(s->cx) > 1e7 || fabs(s->cy) > 1e7)
		return sr_fail("centre (%g, %g) is not a finite position", s->cx, s->cy);
	if (!isfinite(s->theta) || fabs(s->theta) > 1e9)
		return sr_fail("theta %g is not a finite angle", s->theta);
	if (!isfinite(s->intensity))
		return sr_fail("intensity is not finite");
	return 0;
}

double sr_shape_area(const sr_shape *s)
{
	if (s->kind == SR_SHAPE_DISC)
		return M_PI * s->radius * s->radius;
	return 0.5 * s->k * s->radius * s->radius * sin(2.0 * M_PI / s->k);
}

double sr_shape_period(const sr_shape *s)
{
	return s->kind == SR_SHAPE_POLYGON && s->k > 0 ? 360.0 / s->k : 0.0;
}

int sr_shape_vertices(const sr_shape *s, double *xy)
{
	if (s->kind != SR_SHAPE_POLYGON || s->k < 3 || s->k > SR_SHAPE_MAX_K)
		return -1;
	for (int j = 0; j < s->k; j++) {
		double a = (s->theta + 360.0 * j / s->k) * DEG;
		xy[2 * j] = s->cx + s->radius * cos(a);
		xy[2 * j + 1] = s->cy - s->radius * sin(a);
	}
	return s->k;
}

sr_shape sr_shape_moved(const sr_shape *s, double delta, double dx, double dy)
{
	/* 2D kinds: an in-plane rotation about the centre is a change of theta.  (A 3D kind will
	 * compose rot[] with the rotation about the beam axis instead.) */
	sr_shape b = *s;
	b.theta = s->theta + delta;
	b.cx = s->cx + dx;
	b.cy = s->cy + dy;
	return b;
}

/* ---- polygon: exact coverage by clipping against each boundary pixel ---- */

#define MAXV (SR_SHAPE_MAX_K + 8)

static double poly_area(const double *xy, int n)
{
	double a = 0;
	for (int i = 0; i < n; i++) {
		int j = (i + 1) % n;
		a += xy[2 * i] * xy[2 * j + 1] - xy[2 * j] * xy[2 * i + 1];
	}
	return 0.5 * fabs(a);
}

/* Area of the unit pixel [0,1]^2 intersected with the polygon given in pixel-local coordinates. */
static double pixel_coverage(const double *local, int n)
{
	double b[2 * (MAXV + 4)];
	n = sr_clip_unit_square(local, n, b);
	if (n < 3) return 0;
	return poly_area(b, n);
}

static void render_polygon(const sr_shape *s, float *img, int w, int h)
{
	double v[2 * SR_SHAPE_MAX_K];
	int k = sr_shape_vertices(s, v);
	double xmin = v[0], xmax = v[0], ymin = v[1], ymax = v[1];
	for (int j = 1; j < k; j++) {
		xmin = fmin(xmin, v[2 * j]);
		xmax = fmax(xmax, v[2 * j]);
		ymin = fmin(ymin, v[2 * j + 1]);
		ymax = fmax(ymax, v[2 * j + 1]);
	}
	double cl = floor(xmin), ch = floor(xmax), rl = floor(ymin), rh = floor(ymax);
	if (ch < 0 || rh < 0 || cl >= w || rl >= h)
		return;
	int c0 = cl < 0 ? 0 : (int)cl, c1 = ch >= w ? w - 1 : (int)ch;
	int r0 = rl < 0 ? 0 : (int)rl, r1 = rh >= h ? h - 1 : (int)rh;

	/* Edge lines as unit normals pointing inwards: inside when nx*x + ny*y + d >= 0. */
	double nx[SR_SHAPE_MAX_K], ny[SR_SHAPE_MAX_K], nd[SR_SHAPE_MAX_K];
	double orient = 0;
	for (int j = 0; j < k; j++) {
		int i2 = (j + 1) % k;
		orient += v[2 * j] * v[2 * i2 + 1] - v[2 * i2] * v[2 * j + 1];
	}
	double sg = orient >= 0 ? 1.0 : -1.0;
	for (int j = 0; j < k; j++) {
		int i2 = (j + 1) % k;
		double ex = v[2 * i2] - v[2 * j], ey = v[2 * i2 + 1] - v[2 * j + 1];
		double len = hypot(ex, ey);
		/* cross(e, p - a) = ex*(py-ay) - ey*(px-ax) */
		nx[j] = -sg * ey / len;
		ny[j] = sg * ex / len;
		nd[j] = -(nx[j] * v[2 * j] + ny[j] * v[2 * j + 1]);
	}
	const double half_diag = 0.70710678118654757; /* a pixel's corners are this far from its centre */
	double local[2 * SR_SHAPE_MAX_K];
	for (int r = r0; r <= r1; r++) {
		for (int c = c0; c <= c1; c++) {
			double px = c + 0.5, py = r + 0.5, dmin = INFINITY;
			for (int j = 0; j < k; j++) {
				double d = nx[j] * px + ny[j] * py + nd[j];
				if (d < dmin) dmin = d;
			}
			double area;
			if (dmin >= half_diag)
				area = 1.0;
			else if (dmin <= -half_diag)
				continue; /* outside at least one edge by more than the pixel reaches */
			else {
				for (int j = 0; j < k; j++) {
					local[2 * j] = v[2 * j] - c;
					local[2 * j + 1] = v[2 * j + 1] - r;
				}
				area = pixel_coverage(local, k);
				if (area <= 0)
					continue;
			}
			float *p = img + (size_t)r * w + c;
			*p = (float)((double)*p + s->intensity * area);
		}
	}
}

/* ---- disc: exact coverage in closed form ---- */

/* Primitive of sqrt(R^2 - x^2) on [-R, R]. */
static double chord_primitive(double x, double R)
{
	double t = x / R;
	if (t > 1) t = 1;
	if (t < -1) t = -1;
	double s = R * R - x * x;
	return 0.5 * (x * sqrt(s > 0 ? s : 0) + R * R * asin(t));
}

/* Integral over x in [a, b] (inside [-R, R]) of clamp(Y, -s(x), s(x)), s(x) = sqrt(R^2 - x^2):
 * the part of the vertical chord at x that lies below Y, measured from the x axis. */
static double chord_below(double a, double b, double Y, double R)
{
	double sgn = (Y > 0) - (Y < 0);
	if (fabs(Y) >= R)
		return sgn * (chord_primitive(b, R) - chord_primitive(a, R));
	double xc = sqrt(R * R - Y * Y), total = 0;
	/* outer part x < -xc, where |s| < |Y| */
	double lo = a, hi = fmin(b, -xc);
	if (hi > lo) total += sgn * (chord_primitive(hi, R) - chord_primitive(lo, R));
	/* inner part, where the clamp gives Y itself */
	lo = fmax(a, -xc); hi = fmin(b, xc);
	if (hi > lo) total += Y * (hi - lo);
	/* outer part x > xc */
	lo = fmax(a, xc); hi = b;
	if (hi > lo) total += sgn * (chord_primitive(hi, R) - chord_primitive(lo, R));
	return total;
}

static void render_disc(const sr_shape *s, float *img, int w, int h)
{
	double R = s->radius;
	double cl = floor(s->cx - R), ch = floor(s->cx + R), rl = floor(s->cy - R), rh = floor(s->cy + R);
	if (ch < 0 || rh < 0 || cl >= w || rl >= h)
		return;
	int c0 = cl < 0 ? 0 : (int)cl, c1 = ch >= w ? w - 1 : (int)ch;
	int r0 = rl < 0 ? 0 : (int)rl, r1 = rh >= h ? h - 1 : (int)rh;
	for (int r = r0; r <= r1; r++) {
		double v0 = r - s->cy, v1 = v0 + 1;
		for (int c = c0; c <= c1; c++) {
			double u0 = c - s->cx, u1 = u0 + 1;
			/* nearest and farthest points of the pixel from the centre */
			double nu = u0 > 0 ? u0 : (u1 < 0 ? u1 : 0), nv = v0 > 0 ? v0 : (v1 < 0 ? v1 : 0);
			double fu = fmax(fabs(u0), fabs(u1)), fv = fmax(fabs(v0), fabs(v1));
			double area;
			if (nu * nu + nv * nv >= R * R)
				continue;
			if (fu * fu + fv * fv <= R * R)
				area = 1.0;
			else {
				double a = fmax(u0, -R), b = fmin(u1, R);
				if (!(b > a))
					continue;
				area = chord_below(a, b, v1, R) - chord_below(a, b, v0, R);
				if (area <= 0)
					continue;
				if (area > 1) area = 1;
			}
			float *p = img + (size_t)r * w + c;
			*p = (float)((double)*p + s->intensity * area);
		}
	}
}

int sr_render(const sr_shape *s, float *img, int w, int h)
{
	if (w < 1 || h < 1)
		return sr_fail("image size %dx%d is not positive", w, h);
	if (sr_shape_check(s) < 0)
		return -1;
	if (s->kind == SR_SHAPE_DISC)
		render_disc(s, img, w, h);
	else
		render_polygon(s, img, w, h);
	return 0;
}

/* ---- metadata ---- */

const char *sr_shape_kind_name(int kind)
{
	switch (kind) {
	case SR_SHAPE_POLYGON: return "polygon";
	case SR_SHAPE_DISC: return "disc";
	default: return NULL;
	}
}

int sr_shape_kind_from_name(const char *name)
{
	if (!strcmp(name, "polygon")) return SR_SHAPE_POLYGON;
	if (!strcmp(name, "disc")) return SR_SHAPE_DISC;
	return 0;
}

int sr_shape_to_meta(const sr_shape *s, sr_meta *m)
{
	const char *name = sr_shape_kind_name(s->kind);
	if (!name)
		return sr_fail("unknown shape kind %d", s->kind);
	int disc = s->kind == SR_SHAPE_DISC;
	if (sr_meta_set(m, "shape", "%s", name) < 0 ||
	    sr_meta_set_long(m, "k", disc ? 0 : s->k) < 0 ||
	    sr_meta_set_double(m, "radius", s->radius) < 0 ||
	    sr_meta_set_double(m, "cx", s->cx) < 0 ||
	    sr_meta_set_double(m, "cy", s->cy) < 0 ||
	    sr_meta_set_double(m, "theta", disc ? 0.0 : s->theta) < 0 ||
	    sr_meta_set_double(m, "intensity", s->intensity) < 0)
		return -1;
	return 0;
}

static int need_double(const sr_meta *m, const char *key, double *out)
{
	int rc = sr_meta_get_double(m, key, out);
	if (rc > 0)
		return sr_fail("metadata has no '%s' key", key);
	return rc;
}

int sr_shape_from_meta(const sr_meta *m, sr_shape *s)
{
	sr_shape_init(s);
	const char *name = sr_meta_get(m, "shape");
	if (!name)
		return sr_fail("metadata has no 'shape' key");
	s->kind = sr_shape_kind_from_name(name);
	if (!s->kind)
		return sr_fail("shape '%s' is not one of polygon, disc", name);
	if (s->kind == SR_SHAPE_POLYGON) {
		long k;
		int rc = sr_meta_get_long(m, "k", &k);
		if (rc > 0)
			return sr_fail("metadata has no 'k' key");
		if (rc < 0)
			return -1;
		if (k < 3 || k > SR_SHAPE_MAX_K)
			return sr_fail("k=%ld: a polygon needs 3..%d sides", k, SR_SHAPE_MAX_K);
		s->k = (int)k;
		if (need_double(m, "theta", &s->theta) < 0)
			return -1;
	} else {
		s->k = 0;
		s->theta = 0;
	}
	if (need_double(m, "radius", &s->radius) < 0 || need_double(m, "cx", &s->cx) < 0 ||
	    need_double(m, "cy", &s->cy) < 0 || need_double(m, "intensity", &s->intensity) < 0)
		return -1;
	return sr_shape_check(s);
}

/* ---- random shapes ---- */

void sr_shape_spec_default(sr_shape_spec *spec, int w, int h)
{
	memset(spec, 0, sizeof *spec);
	spec->kind = SR_SHAPE_POLYGON;
	spec->nk = 4;
	for (int i = 0; i < 4; i++)
		spec->ks[i] = 3 + i;
	spec->radius_lo = 12;
	spec->radius_hi = 22;
	spec->cx_lo = w / 2.0 - 8;
	spec->cx_hi = w / 2.0 + 8;
	spec->cy_lo = h / 2.0 - 8;
	spec->cy_hi = h / 2.0 + 8;
	spec->intensity_lo = spec->intensity_hi = 1;
}

static double between(double lo, double hi, double u) { return lo == hi ? lo : lo + (hi - lo) * u; }

int sr_shape_draw(const sr_shape_spec *spec, sr_rng *r, sr_shape *out)
{
	double u[6];
	for (int i = 0; i < 6; i++)
		u[i] = sr_rng_uniform(r);
	sr_shape_init(out);
	out->kind = spec->kind;
	if (spec->kind == SR_SHAPE_POLYGON) {
		if (spec->nk < 1 || spec->nk > SR_SHAPE_MAX_K)
			return sr_fail("no polygon orders to draw from");
		int i = (int)(u[0] * spec->nk);
		out->k = spec->ks[i < spec->nk ? i : spec->nk - 1];
	} else {
		out->k = 0;
	}
	out->radius = between(spec->radius_lo, spec->radius_hi, u[1]);
	out->cx = between(spec->cx_lo, spec->cx_hi, u[2]);
	out->cy = between(spec->cy_lo, spec->cy_hi, u[3]);
	if (spec->kind != SR_SHAPE_POLYGON)
		out->theta = 0;
	else if (spec->theta_given)
		out->theta = between(spec->theta_lo, spec->theta_hi, u[4]);
	else
		out->theta = u[4] * 360.0 / out->k;
	out->intensity = between(spec->intensity_lo, spec->intensity_hi, u[5]);
	return sr_shape_check(out);
}

sr_rng sr_shape_rng(uint64_t seed, uint64_t record_index)
{
	return sr_rng_derive(seed, SHAPE_STREAM_TAG | record_index);
}

sr_rng sr_pair_rng(uint64_t seed, uint64_t record_index)
{
	return sr_rng_derive(seed, PAIR_STREAM_TAG | record_index);
}

/* ---- records ---- */

int sr_shape_record(sr_record *rec, const sr_shape *s, int w, int h, const char *id)
{
	if (sr_record_reshape(rec, SR_LAYOUT_IMAGE, 1, h, w) < 0)
		return -1;
	memset(rec->data, 0, sizeof *rec->data * sr_record_size(rec));
	if (sr_render(s, rec->data, w, h) < 0)
		return -1;
	sr_meta_clear(&rec->meta);
	if (id && sr_meta_set(&rec->meta, "id", "%s", id) < 0)
		return -1;
	return sr_shape_to_meta(s, &rec->meta);
}

double sr_fresh_mismatch(const float *fresh, const float *view, size_t n, double *peak)
{
	double worst = 0, top = 0;
	for (size_t i = 0; i < n; i++) {
		double d = fabs((double)fresh[i] - view[i]);
		if (isnan(d))
			worst = INFINITY;
		else if (d > worst)
			worst = d;
		top = fmax(top, fabs(fresh[i]));
	}
	if (peak)
		*peak = top;
	return worst;
}

float *sr_pair_views(sr_record *rec, float *fresh)
{
	int w = rec->width, h = rec->height;
	size_t n = (size_t)w * h;
	if (sr_record_reshape(rec, SR_LAYOUT_IMAGE, 2, h, w) < 0) {
		free(fresh);
		return NULL;
	}
	memcpy(sr_record_view(rec, 0), fresh, n * sizeof *fresh);
	free(fresh);
	float *vb = sr_record_view(rec, 1);
	memset(vb, 0, n * sizeof *vb);
	return vb;
}

int sr_pair_synthetic(sr_record *rec, double delta, double dx, double dy)
{
	if (rec->layout != SR_LAYOUT_IMAGE || rec->views != 1)
		return sr_fail("expected a one-view image, got %d views%s", rec->views,
		               rec->layout != SR_LAYOUT_IMAGE ? " (not an image)" : " (already a pair?)");
	sr_shape a;
	if (sr_shape_from_meta(&rec->meta, &a) < 0)
		return -1;
	int w = rec->width, h = rec->height;
	size_t n = (size_t)w * h;
	float *fresh = calloc(n, sizeof *fresh);
	if (!fresh)
		return sr_fail("out of memory");
	if (sr_render(&a, fresh, w, h) < 0) {
		free(fresh);
		return -1;
	}
	double worst = sr_fresh_mismatch(fresh, rec->data, n, NULL);
	double tol = 0.01 * fabs(a.intensity) + 1e-6;
	if (!(worst <= tol)) {
		free(fresh);
		return sr_fail("view A differs by up to %g from the %s its metadata describes "
		               "(intensity %g): stereopair needs clean images straight from shapegen; "
		               "run addnoise and centre after it", worst, sr_shape_kind_name(a.kind),
		               a.intensity);
	}
	sr_shape b = sr_shape_moved(&a, delta, dx, dy);
	float *vb = sr_pair_views(rec, fresh);
	if (!vb || sr_render(&b, vb, w, h) < 0)
		return -1;
	if (sr_meta_set_double(&rec->meta, "offset", delta) < 0 ||
	    sr_meta_set_double(&rec->meta, "b.dx", dx) < 0 ||
	    sr_meta_set_double(&rec->meta, "b.dy", dy) < 0)
		return -1;
	return 0;
}

int sr_pair_join(const sr_record *a, const sr_record *b, double delta, sr_record *out)
{
	if (a->layout != SR_LAYOUT_IMAGE || a->views != 1)
		return sr_fail("view A: expected a one-view image, got %d views", a->views);
	if (b->layout != SR_LAYOUT_IMAGE || b->views != 1)
		return sr_fail("view B: expected a one-view image, got %d views", b->views);
	if (a->width != b->width || a->height != b->height)
		return sr_fail("view A is %dx%d but view B is %dx%d", a->width, a->height, b->width,
		               b->height);
	if (sr_record_reshape(out, SR_LAYOUT_IMAGE, 2, a->height, a->width) < 0)
		return -1;
	size_t n = (size_t)a->width * a->height;
	memcpy(sr_record_view(out, 0), a->data, n * sizeof *a->data);
	memcpy(sr_record_view(out, 1), b->data, n * sizeof *b->data);
	if (sr_meta_copy(&out->meta, &a->meta) < 0 || sr_meta_set_double(&out->meta, "offset", delta) < 0)
		return -1;
	const char *bid = sr_meta_get(&b->meta, "id"), *bsrc = sr_meta_get(&b->meta, "source");
	if (bid && sr_meta_set(&out->meta, "b.id", "%s", bid) < 0)
		return -1;
	if (bsrc && sr_meta_set(&out->meta, "b.source", "%s", bsrc) < 0)
		return -1;
	return 0;
}
