/* prepare.c: the record-level operations behind centre, denoise and project1d.  Each view of
 * a record is processed on its own, so a stereo pair stays a pair. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "image/imgproc.h"

/* metadata key for view v: "centre.dx", "centre.b.dx", "centre.v2.dx", ... */
static void view_key(char *buf, size_t sz, const char *prefix, int v, const char *name)
{
	if (v == 0)
		snprintf(buf, sz, "%s.%s", prefix, name);
	else if (v == 1)
		snprintf(buf, sz, "%s.b.%s", prefix, name);
	else
		snprintf(buf, sz, "%s.v%d.%s", prefix, v, name);
}

void sr_centre_defaults(sr_centre_options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->bg_method = SR_BG_AUTO;
	opt->interp = SR_INTERP_LANCZOS3;
	sr_centroid_defaults(&opt->cen);
}

int sr_centre_record(sr_record *rec, const sr_centre_options *opt)
{
	if (rec->layout != SR_LAYOUT_IMAGE)
		return sr_fail("centre: the record is not an image (layout %d)", rec->layout);
	int w = rec->width, h = rec->height, V = rec->views;
	int ow = opt->out_w > 0 ? opt->out_w : w, oh = opt->out_h > 0 ? opt->out_h : h;
	if ((double)V * ow * oh > SR_MAX_SAMPLES)
		return sr_fail("centre: output %dx%dx%d is too large", V, oh, ow);
	size_t in_n = (size_t)w * h, out_n = (size_t)ow * oh;
	float *res = malloc((size_t)V * out_n * sizeof *res);
	if (!res)
		return sr_fail("centre: out of memory");
	double dxs[SR_MAX_VIEWS], dys[SR_MAX_VIEWS], bgs[SR_MAX_VIEWS];
	long mv;
	float maxval = sr_meta_get_long(&rec->meta, "maxval", &mv) == 0 && mv >= 1 ? (float)mv : 65535;
	for (int v = 0; v < V; v++) {
		const float *img = rec->data + (size_t)v * in_n;
		sr_background bg;
		sr_centroid_result cr;
		if (sr_background_estimate(img, w, h, opt->bg_method, opt->band, &bg) < 0 ||
		    sr_centroid(img, w, h, bg.level, bg.noise, &opt->cen, &cr) < 0)
			goto fail;
		double dx = ow / 2.0 - cr.x, dy = oh / 2.0 - cr.y;
		float *dst = res + (size_t)v * out_n;
		/* pixels from outside the input get the background level (0 once subtracted) */
		if (sr_shift_image(img, w, h, dst, ow, oh, dx, dy, opt->interp, (float)bg.level) < 0)
			goto fail;
		if (!opt->keep_background)
			for (size_t i = 0; i < out_n; i++)
				dst[i] = (float)(dst[i] - bg.level);
		if (opt->round)
			for (size_t i = 0; i < out_n; i++) {
				float q = nearbyintf(dst[i]);
				/* with the background kept the samples are counts: interpolation ringing
				 * at a sharp edge must not take them below 0 or above the maxval */
				if (opt->keep_background)
					q = q < 0 ? 0 : q > maxval ? maxval : q;
				dst[i] = q;
			}
		dxs[v] = dx;
		dys[v] = dy;
		bgs[v] = bg.level;
	}
	if (sr_record_reshape(rec, SR_LAYOUT_IMAGE, V, oh, ow) < 0)
		goto fail;
	memcpy(rec->data, res, (size_t)V * out_n * sizeof *res);
	free(res);
	for (int v = 0; v < V; v++) {
		char k[64];
		view_key(k, sizeof k, "centre", v, "dx");
		if (sr_meta_set_double(&rec->meta, k, dxs[v]) < 0)
			return -1;
		view_key(k, sizeof k, "centre", v, "dy");
		if (sr_meta_set_double(&rec->meta, k, dys[v]) < 0)
			return -1;
		view_key(k, sizeof k, "centre", v, "background");
		if (sr_meta_set_double(&rec->meta, k, bgs[v]) < 0)
			return -1;
	}
	if (opt->keep_background && sr_meta_set(&rec->meta, "centre.keep", "1") < 0)
		return -1;
	return 0;
fail:
	free(res);
	return -1;
}

/* ---- denoise ---- */

static const char *const dn_names[] = {"gaussian", "median", "bilateral", "nlm"};

void sr_denoise_defaults(sr_denoise_options *opt)
{
	opt->method = SR_DENOISE_GAUSSIAN;
	opt->sigma = 1.0;
	opt->radius = 1;
	opt->range = -1;  /* bilateral: automatic (2 x the noise estimate) */
	opt->patch = 1;
	opt->search = 3;
	opt->h = -1;      /* nlm: automatic (1.2 x the noise estimate) */
}

int sr_denoise_method_parse(const char *s, int *method)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, dn_names[i]) == 0) {
			*method = i;
			return 0;
		}
	return sr_fail("unknown denoise method '%s' (gaussian, median, bilateral, nlm)", s);
}

int sr_denoise_record(sr_record *rec, const sr_denoise_options *opt)
{
	if (rec->layout != SR_LAYOUT_IMAGE && rec->layout != SR_LAYOUT_PROFILE)
		return sr_fail("denoise: the record is neither an image nor a profile (layout %d)",
		               rec->layout);
	int w = rec->width, h = rec->height;
	/* each profile of a view on its own: the rows of a profile record are different
	 * projections, not neighbours */
	int units = rec->views;
	if (rec->layout == SR_LAYOUT_PROFILE) {
		units *= h;
		h = 1;
	}
	double used = -1;
	for (int v = 0; v < units; v++) {
		float *img = rec->data + (size_t)v * h * w;
		int rc;
		switch (opt->method) {
		case SR_DENOISE_GAUSSIAN:
			rc = sr_gaussian_filter(img, img, w, h, opt->sigma);
			break;
		case SR_DENOISE_MEDIAN:
			rc = sr_median_filter(img, img, w, h, opt->radius);
			break;
		case SR_DENOISE_BILATERAL:
		case SR_DENOISE_NLM: {
			double par = opt->method == SR_DENOISE_BILATERAL ? opt->range : opt->h;
			if (par <= 0) {
				/* automatic: from the noise of the noisiest tiles, which for shot noise is
				 * the particle's */
				double sg;
				if (sr_noise_estimate(img, w, h, 8, 0.9, &sg) < 0)
					return -1;
				par = (opt->method == SR_DENOISE_BILATERAL ? 2.0 : 1.2) * sg;
				if (!(par > 0))
					par = 1;  /* noiseless, or too small to tell: anything works */
			}
			if (v == 0)
				used = par;
			rc = opt->method == SR_DENOISE_BILATERAL
			     ? sr_bilateral_filter(img, img, w, h, opt->sigma, par)
			     : sr_nlm_filter(img, img, w, h, opt->patch, opt->search, par, 0);
			break;
		}
		default:
			return sr_fail("denoise: unknown method %d", opt->method);
		}
		if (rc < 0)
			return -1;
	}
	sr_meta *m = &rec->meta;
	if (sr_meta_set(m, "denoise.method", "%s", dn_names[opt->method]) < 0)
		return -1;
	switch (opt->method) {
	case SR_DENOISE_GAUSSIAN:
		return sr_meta_set_double(m, "denoise.sigma", opt->sigma);
	case SR_DENOISE_MEDIAN:
		return sr_meta_set_long(m, "denoise.radius", opt->radius);
	case SR_DENOISE_BILATERAL:
		if (sr_meta_set_double(m, "denoise.sigma", opt->sigma) < 0)
			return -1;
		return sr_meta_set_double(m, "denoise.range", used);
	default:
		if (sr_meta_set_long(m, "denoise.patch", opt->patch) < 0 ||
		    sr_meta_set_long(m, "denoise.search", opt->search) < 0)
			return -1;
		return sr_meta_set_double(m, "denoise.h", used);
	}
}

/* ---- projection ---- */

int sr_project_record(sr_record *rec, int axis, double phi_deg, int len, sr_record *tmp)
{
	if (axis == 'x')
		phi_deg = 0;
	else if (axis == 'y')
		phi_deg = 270;
	else if (axis != 0)
		return sr_fail("project: unknown axis '%c'", axis);
	if (len <= 0 && rec->layout == SR_LAYOUT_IMAGE)
		len = axis == 'x' ? rec->width : axis == 'y' ? rec->height
		                                            : sr_project_default_length(rec->width, rec->height);
	if (rec->layout == SR_LAYOUT_IMAGE && axis && sr_meta_set(&rec->meta, "project.axis", "%c", axis) < 0)
		return -1;
	return sr_project_record_angles(rec, &phi_deg, 1, len, tmp);
}

/* The shortest of %.15g..%.17g that reads back as v (as sr_meta_set_double writes). */
static int put_angle(char *buf, size_t sz, double v)
{
	char one[64];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(one, sizeof one, "%.*g", prec, v);
		if (strtod(one, NULL) == v || prec == 17)
			break;
	}
	return snprintf(buf, sz, "%s", one);
}

int sr_project_record_angles(sr_record *rec, const double *phi_deg, int n, int len, sr_record *tmp)
{
	if (rec->layout != SR_LAYOUT_IMAGE)
		return sr_fail("project: the record is not an image (layout %d)", rec->layout);
	if (n < 1 || n > SR_MAX_PROFILES)
		return sr_fail("project: %d angles is outside 1..%d", n, SR_MAX_PROFILES);
	int w = rec->width, h = rec->height, V = rec->views;
	if (len <= 0)
		len = sr_project_default_length(w, h);
	if (sr_record_reshape(tmp, SR_LAYOUT_PROFILE, V, n, len) < 0)
		return -1;
	for (int v = 0; v < V; v++)
		for (int j = 0; j < n; j++)
			if (sr_project(sr_record_view(rec, v), w, h, phi_deg[j],
			               sr_record_view(tmp, v) + (size_t)j * len, len) < 0)
				return -1;
	if (sr_record_reshape(rec, SR_LAYOUT_PROFILE, V, n, len) < 0)
		return -1;
	memcpy(rec->data, tmp->data, (size_t)V * n * len * sizeof *rec->data);
	if (sr_meta_set_double(&rec->meta, "project.angle", phi_deg[0]) < 0)
		return -1;
	if (n > 1) {
		char buf[SR_MAX_PROFILES * 32] = "";
		size_t at = 0;
		for (int j = 0; j < n; j++)
			at += (size_t)put_angle(buf + at, sizeof buf - at, phi_deg[j]),
			at += j + 1 < n ? (size_t)snprintf(buf + at, sizeof buf - at, ",") : 0;
		if (sr_meta_set(&rec->meta, "project.angles", "%s", buf) < 0)
			return -1;
	}
	return sr_meta_set_long(&rec->meta, "project.length", len);
}
