/* field.c: synthetic micrographs (field.h).  Isolated particles are placed uniformly, each
 * at least 2.5 of the largest radius away from every other particle and from the frame's
 * edge; touching pairs are two particles whose inscribed circles touch (the centres 0.98 of
 * the sum of the inradii apart, along a random direction), so they always overlap; edge particles are centred on a random point of the
 * border.  Placement draws from one random stream and the noise from another, so the
 * particles do not change with the dose. */
#include "synth/field.h"

#include <math.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/rng.h"
#include "synth/noise.h"

void sr_field_spec_default(sr_field_spec *spec)
{
	*spec = (sr_field_spec){512, 512, 50, 0, 0, 3, 6, 8, 10, 0.2, 0.2, 0.1, 0.8, 40, 0};
}

static sr_shape draw_shape(const sr_field_spec *s, sr_rng *r, double cx, double cy)
{
	sr_shape sh;
	sr_shape_init(&sh);
	sh.k = s->k_lo + (int)(sr_rng_uniform(r) * (s->k_hi - s->k_lo + 1));
	sh.radius = sr_rng_range(r, s->radius_lo, s->radius_hi);
	sh.theta = sr_rng_range(r, 0, 360.0 / sh.k);
	sh.cx = cx;
	sh.cy = cy;
	return sh;
}

/* Far enough (gap, px between centres) from every particle placed so far? */
static int clear_of(const sr_field_particle *p, int n, double x, double y, double gap)
{
	for (int i = 0; i < n; i++)
		if (hypot(p[i].shape.cx - x, p[i].shape.cy - y) < gap)
			return 0;
	return 1;
}

int sr_field_render(const sr_field_spec *s, uint64_t seed, sr_record *rec,
                    sr_field_particle **parts, int *nparts)
{
	*parts = NULL;
	*nparts = 0;
	if (s->k_lo < 3 || s->k_hi < s->k_lo || s->k_hi > SR_SHAPE_MAX_K || !(s->radius_lo > 0) ||
	    s->radius_hi < s->radius_lo || s->isolated < 0 || s->touching_pairs < 0 || s->at_edge < 0)
		return sr_fail("bad field specification");
	if (sr_record_reshape(rec, SR_LAYOUT_IMAGE, 1, s->height, s->width) < 0)
		return -1;
	int total = s->isolated + 2 * s->touching_pairs + s->at_edge;
	sr_field_particle *p = calloc((size_t)total + 1, sizeof *p);
	if (!p)
		return sr_fail("out of memory");
	sr_rng r = sr_rng_derive(seed, 1), noise = sr_rng_derive(seed, 2);
	double R = s->radius_hi, gap = 5 * R, margin = 2.5 * R;
	int n = 0;
	/* pairs first (they need the most room), then the isolated, then the edge ones */
	for (int i = 0; i < s->touching_pairs + s->isolated; i++) {
		int pair = i < s->touching_pairs, placed = 0;
		for (int tries = 0; tries < 20000 && !placed; tries++) {
			double x = sr_rng_range(&r, margin, s->width - margin);
			double y = sr_rng_range(&r, margin, s->height - margin);
			sr_shape a1 = draw_shape(s, &r, x, y), a2 = draw_shape(s, &r, x, y);
			double a = sr_rng_range(&r, 0, 2 * M_PI);
			double d = 0.98 * (a1.radius * cos(M_PI / a1.k) + a2.radius * cos(M_PI / a2.k));
			double x2 = x + d * cos(a), y2 = y + d * sin(a);
			if (!clear_of(p, n, x, y, gap) ||
			    (pair && (!clear_of(p, n, x2, y2, gap) || x2 < margin || y2 < margin ||
			              x2 > s->width - margin || y2 > s->height - margin)))
				continue;
			p[n].shape = a1;
			p[n++].kind = pair ? SR_FIELD_TOUCHING : SR_FIELD_ISOLATED;
			if (pair) {
				a2.cx = x2;
				a2.cy = y2;
				p[n].shape = a2;
				p[n++].kind = SR_FIELD_TOUCHING;
			}
			placed = 1;
		}
		if (!placed) {
			free(p);
			return sr_fail("%d particles of radius %g do not fit apart in %dx%d", total, R,
			               s->width, s->height);
		}
	}
	for (int i = 0; i < s->at_edge; i++) {
		double t = sr_rng_uniform(&r) * 2 * (s->width + s->height), x, y;
		if (t < s->width)
			x = t, y = 0;
		else if ((t -= s->width) < s->width)
			x = t, y = s->height;
		else if ((t -= s->width) < s->height)
			x = 0, y = t;
		else
			x = s->width, y = t - s->height;
		p[n].shape = draw_shape(s, &r, x, y);
		p[n++].kind = SR_FIELD_EDGE;
	}
	/* the frame: particles at level 1 on the sloped background, blurred, counted */
	size_t npx = (size_t)s->width * s->height;
	for (int y = 0; y < s->height; y++)
		for (int x = 0; x < s->width; x++)
			rec->data[(size_t)y * s->width + x] =
				(float)(s->background + s->slope_x * ((x + 0.5) / s->width - 0.5) +
				        s->slope_y * ((y + 0.5) / s->height - 0.5));
	for (int i = 0; i < n; i++)
		if (sr_render(&p[i].shape, rec->data, s->width, s->height) < 0) {
			free(p);
			return -1;
		}
	if (s->blur > 0 && sr_gaussian_blur(rec->data, s->width, s->height, s->blur) < 0) {
		free(p);
		return -1;
	}
	if (s->dose > 0) {
		for (size_t i = 0; i < npx; i++)
			rec->data[i] = rec->data[i] > 0 ? (float)(rec->data[i] * s->dose) : 0;
		sr_poisson_image(rec->data, (int)npx, &noise);
	}
	sr_meta_clear(&rec->meta);
	if (sr_meta_set(&rec->meta, "id", "field-s%llu", (unsigned long long)seed) < 0 ||
	    sr_meta_set(&rec->meta, "source", "synthetic") < 0 ||
	    sr_meta_set_long(&rec->meta, "field.isolated", s->isolated) < 0 ||
	    sr_meta_set_long(&rec->meta, "field.touching_pairs", s->touching_pairs) < 0 ||
	    sr_meta_set_long(&rec->meta, "field.at_edge", s->at_edge) < 0 ||
	    sr_meta_set_double(&rec->meta, "noise.dose", s->dose) < 0 ||
	    (s->pixel_nm > 0 && sr_meta_set_double(&rec->meta, "pixel.nm", s->pixel_nm) < 0)) {
		free(p);
		return -1;
	}
	*parts = p;
	*nparts = n;
	return 0;
}
