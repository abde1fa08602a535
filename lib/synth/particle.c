#include "synth/particle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/quat.h"
#include "synth/atoms.h"
#include "synth/render.h"
#include "synth/render3d.h"

void sr_particle_init(sr_particle *p)
{
	memset(p, 0, sizeof *p);
	p->solid = SR_SOLID_CUBE;
	p->model = SR_MODEL_THICKNESS;
	p->q[0] = 1;
	p->radius = 16;
	p->cx = p->cy = 32;
	p->intensity = 1;
	p->lattice = 4.078;  /* gold */
	p->pixel_size = 0.5;
	p->atomic_number = 79;
	p->zexp = 1.7;
	p->atom_sigma = 1.0;
}

int sr_particle_check(const sr_particle *p)
{
	if (!sr_solid_get(p->solid))
		return sr_fail("unknown solid %d", p->solid);
	if (p->model != SR_MODEL_THICKNESS && p->model != SR_MODEL_ATOMS)
		return sr_fail("unknown image model %d", p->model);
	double n = sqrt(p->q[0] * p->q[0] + p->q[1] * p->q[1] + p->q[2] * p->q[2] + p->q[3] * p->q[3]);
	if (!(fabs(n - 1) <= 1e-6))
		return sr_fail("quaternion (%g, %g, %g, %g) is not of unit length", p->q[0], p->q[1],
		               p->q[2], p->q[3]);
	if (!isfinite(p->radius) || !(p->radius > 0) || p->radius > 1e5)
		return sr_fail("radius %g is not in (0, 1e5]", p->radius);
	if (!isfinite(p->cx) || !isfinite(p->cy) || fabs(p->cx) > 1e7 || fabs(p->cy) > 1e7)
		return sr_fail("centre (%g, %g) is not a finite position", p->cx, p->cy);
	if (!isfinite(p->intensity))
		return sr_fail("intensity is not finite");
	if (p->model == SR_MODEL_ATOMS) {
		if (!(p->lattice >= 1 && p->lattice <= 20))
			return sr_fail("lattice constant %g A is not in 1..20", p->lattice);
		if (!(p->pixel_size >= 0.01 && p->pixel_size <= 10))
			return sr_fail("pixel size %g A is not in 0.01..10", p->pixel_size);
		if (p->atomic_number < 1 || p->atomic_number > 118)
			return sr_fail("atomic number %d is not in 1..118", p->atomic_number);
		if (!(p->zexp >= 0 && p->zexp <= 4))
			return sr_fail("zexp %g is not in 0..4", p->zexp);
		if (!(p->atom_sigma >= 0.05 && p->atom_sigma <= 20))
			return sr_fail("atom sigma %g px is not in 0.05..20", p->atom_sigma);
		/* bounded work: the atom count grows as (radius / lattice)^3 */
		if (p->radius * p->pixel_size / p->lattice > 40)
			return sr_fail("radius %g px at %g A/px is more than 40 lattice constants",
			               p->radius, p->pixel_size);
	}
	return 0;
}

const char *sr_model_name(int model)
{
	return model == SR_MODEL_THICKNESS ? "thickness" : model == SR_MODEL_ATOMS ? "atoms" : NULL;
}

int sr_model_from_name(const char *name)
{
	if (!strcmp(name, "thickness")) return SR_MODEL_THICKNESS;
	if (!strcmp(name, "atoms")) return SR_MODEL_ATOMS;
	return 0;
}

int sr_particle_render(const sr_particle *p, float *img, int w, int h)
{
	if (w < 1 || h < 1)
		return sr_fail("image size %dx%d is not positive", w, h);
	if (sr_particle_check(p) < 0)
		return -1;
	if (p->model == SR_MODEL_ATOMS)
		return sr_render_atoms(p, img, w, h);
	return sr_render_thickness(sr_solid_get(p->solid), p->q, p->radius, p->cx, p->cy,
	                           p->intensity, img, w, h);
}

/* ---- metadata ---- */

int sr_particle_to_meta(const sr_particle *p, sr_meta *m)
{
	const sr_solid *s = sr_solid_get(p->solid);
	if (!s || !sr_model_name(p->model))
		return sr_fail("unknown solid or model");
	if (sr_meta_set(m, "shape", "%s", s->name) < 0 || sr_meta_set(m, "group", "%s", s->group) < 0 ||
	    sr_meta_set(m, "model", "%s", sr_model_name(p->model)) < 0 ||
	    sr_meta_set_double(m, "qw", p->q[0]) < 0 || sr_meta_set_double(m, "qx", p->q[1]) < 0 ||
	    sr_meta_set_double(m, "qy", p->q[2]) < 0 || sr_meta_set_double(m, "qz", p->q[3]) < 0 ||
	    sr_meta_set_double(m, "radius", p->radius) < 0 || sr_meta_set_double(m, "cx", p->cx) < 0 ||
	    sr_meta_set_double(m, "cy", p->cy) < 0 ||
	    sr_meta_set_double(m, "intensity", p->intensity) < 0)
		return -1;
	if (p->model == SR_MODEL_ATOMS &&
	    (sr_meta_set_double(m, "lattice", p->lattice) < 0 ||
	     sr_meta_set_double(m, "pixel_size", p->pixel_size) < 0 ||
	     sr_meta_set_long(m, "atomic_number", p->atomic_number) < 0 ||
	     sr_meta_set_double(m, "zexp", p->zexp) < 0 ||
	     sr_meta_set_double(m, "atom_sigma", p->atom_sigma) < 0))
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

int sr_meta_is_solid(const sr_meta *m)
{
	const char *name = sr_meta_get(m, "shape");
	return name && sr_solid_from_name(name) > 0;
}

int sr_particle_from_meta(const sr_meta *m, sr_particle *p)
{
	sr_particle_init(p);
	const char *name = sr_meta_get(m, "shape"), *group = sr_meta_get(m, "group");
	const char *model = sr_meta_get(m, "model");
	if (!name)
		return sr_fail("metadata has no 'shape' key");
	if (!(p->solid = sr_solid_from_name(name)))
		return sr_fail("shape '%s' is not a solid (%s)", name, sr_solid_names());
	const sr_solid *s = sr_solid_get(p->solid);
	if (group && strcmp(group, s->group))
		return sr_fail("group '%s' is not the %s's (%s)", group, s->name, s->group);
	if (model && !(p->model = sr_model_from_name(model)))
		return sr_fail("model '%s' is not thickness or atoms", model);
	if (need_double(m, "qw", &p->q[0]) < 0 || need_double(m, "qx", &p->q[1]) < 0 ||
	    need_double(m, "qy", &p->q[2]) < 0 || need_double(m, "qz", &p->q[3]) < 0 ||
	    need_double(m, "radius", &p->radius) < 0 || need_double(m, "cx", &p->cx) < 0 ||
	    need_double(m, "cy", &p->cy) < 0 || need_double(m, "intensity", &p->intensity) < 0)
		return -1;
	if (p->model == SR_MODEL_ATOMS) {
		long z;
		int rc = sr_meta_get_long(m, "atomic_number", &z);
		if (rc > 0)
			return sr_fail("metadata has no 'atomic_number' key");
		if (rc < 0)
			return -1;
		if (z < 1 || z > 118)
			return sr_fail("atomic_number %ld is not in 1..118", z);
		p->atomic_number = (int)z;
		if (need_double(m, "lattice", &p->lattice) < 0 ||
		    need_double(m, "pixel_size", &p->pixel_size) < 0 ||
		    need_double(m, "zexp", &p->zexp) < 0 || need_double(m, "atom_sigma", &p->atom_sigma) < 0)
			return -1;
	}
	return sr_particle_check(p);
}

/* ---- random particles ---- */

void sr_particle_spec_default(sr_particle_spec *spec, int w, int h)
{
	memset(spec, 0, sizeof *spec);
	sr_particle p;
	sr_particle_init(&p);
	spec->nsolid = 1;
	spec->solids[0] = SR_SOLID_CUBE;
	spec->model = SR_MODEL_THICKNESS;
	spec->radius_lo = 12;
	spec->radius_hi = 22;
	spec->cx_lo = w / 2.0 - 8;
	spec->cx_hi = w / 2.0 + 8;
	spec->cy_lo = h / 2.0 - 8;
	spec->cy_hi = h / 2.0 + 8;
	spec->intensity_lo = spec->intensity_hi = 1;
	spec->lattice = p.lattice;
	spec->pixel_size = p.pixel_size;
	spec->atomic_number = p.atomic_number;
	spec->zexp = p.zexp;
	spec->atom_sigma = p.atom_sigma;
}

static double between(double lo, double hi, double u) { return lo == hi ? lo : lo + (hi - lo) * u; }

int sr_particle_draw(const sr_particle_spec *spec, sr_rng *r, sr_particle *out)
{
	double u[8];
	for (int i = 0; i < 8; i++)
		u[i] = sr_rng_uniform(r);
	if (spec->nsolid < 1 || spec->nsolid > SR_SOLID_COUNT)
		return sr_fail("no solids to draw from");
	sr_particle_init(out);
	int i = (int)(u[0] * spec->nsolid);
	out->solid = spec->solids[i < spec->nsolid ? i : spec->nsolid - 1];
	out->model = spec->model;
	if (spec->q_given) {
		memcpy(out->q, spec->q, sizeof out->q);
	} else { /* Shoemake's subgroup algorithm on u[1..3] (as sr_quat_haar) */
		double a = sqrt(1 - u[1]), b = sqrt(u[1]);
		out->q[0] = a * sin(2 * M_PI * u[2]);
		out->q[1] = a * cos(2 * M_PI * u[2]);
		out->q[2] = b * sin(2 * M_PI * u[3]);
		out->q[3] = b * cos(2 * M_PI * u[3]);
	}
	if (sr_quat_canon(out->q) < 0)
		return sr_fail("orientation is not a quaternion");
	out->radius = between(spec->radius_lo, spec->radius_hi, u[4]);
	out->cx = between(spec->cx_lo, spec->cx_hi, u[5]);
	out->cy = between(spec->cy_lo, spec->cy_hi, u[6]);
	out->intensity = between(spec->intensity_lo, spec->intensity_hi, u[7]);
	out->lattice = spec->lattice;
	out->pixel_size = spec->pixel_size;
	out->atomic_number = spec->atomic_number;
	out->zexp = spec->zexp;
	out->atom_sigma = spec->atom_sigma;
	return sr_particle_check(out);
}

/* ---- records ---- */

int sr_particle_record(sr_record *rec, const sr_particle *p, int w, int h, const char *id)
{
	if (sr_record_reshape(rec, SR_LAYOUT_IMAGE, 1, h, w) < 0)
		return -1;
	memset(rec->data, 0, sizeof *rec->data * sr_record_size(rec));
	if (sr_particle_render(p, rec->data, w, h) < 0)
		return -1;
	sr_meta_clear(&rec->meta);
	if (id && sr_meta_set(&rec->meta, "id", "%s", id) < 0)
		return -1;
	return sr_particle_to_meta(p, &rec->meta);
}

int sr_pair_tilt(sr_record *rec, double delta, double axis_deg, double dx, double dy)
{
	if (rec->layout != SR_LAYOUT_IMAGE || rec->views != 1)
		return sr_fail("expected a one-view image, got %d views%s", rec->views,
		               rec->layout != SR_LAYOUT_IMAGE ? " (not an image)" : " (already a pair?)");
	if (!isfinite(delta) || !isfinite(axis_deg) || !isfinite(dx) || !isfinite(dy))
		return sr_fail("tilt, axis or drift is not finite");
	sr_particle a;
	if (sr_particle_from_meta(&rec->meta, &a) < 0)
		return -1;
	int w = rec->width, h = rec->height;
	size_t n = (size_t)w * h;
	float *fresh = calloc(n, sizeof *fresh);
	if (!fresh)
		return sr_fail("out of memory");
	if (sr_particle_render(&a, fresh, w, h) < 0) {
		free(fresh);
		return -1;
	}
	double peak;
	double worst = sr_fresh_mismatch(fresh, rec->data, n, &peak);
	double tol = 0.01 * fmax(fabs(a.intensity), peak) + 1e-6;
	if (!(worst <= tol)) {
		free(fresh);
		return sr_fail("view A differs by up to %g from the %s its metadata describes: "
		               "stereopair needs clean images straight from shapegen; run addnoise and "
		               "centre after it", worst, sr_solid_name(a.solid));
	}
	sr_particle b = a;
	double t[4];
	sr_quat_tilt(delta, axis_deg, t);
	sr_quat_mul(t, a.q, b.q);
	sr_quat_canon(b.q);
	b.cx += dx;
	b.cy += dy;
	float *vb = sr_pair_views(rec, fresh);
	if (!vb || sr_particle_render(&b, vb, w, h) < 0)
		return -1;
	if (sr_meta_set_double(&rec->meta, "tilt", delta) < 0 ||
	    sr_meta_set_double(&rec->meta, "tilt_axis", axis_deg) < 0 ||
	    sr_meta_set_double(&rec->meta, "b.dx", dx) < 0 ||
	    sr_meta_set_double(&rec->meta, "b.dy", dy) < 0)
		return -1;
	return 0;
}

int sr_pair_tilt_quat(const sr_meta *m, double *q_tilt)
{
	double delta, axis = 0;
	int rc = sr_meta_get_double(m, "tilt", &delta);
	if (rc != 0)
		return rc;
	if (sr_meta_get_double(m, "tilt_axis", &axis) < 0)
		return -1;
	if (!isfinite(delta) || !isfinite(axis) || fabs(delta) > 360 || fabs(axis) > 360)
		return sr_fail("tilt %g or tilt_axis %g is not an angle in -360..360", delta, axis);
	sr_quat_tilt(delta, axis, q_tilt);
	return 0;
}
