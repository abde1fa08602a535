/* orient3d.c: 3D orientations from a siamese3d network's outputs (orient3d.h). */
#include "methods/orient3d.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/quat.h"
#include "image/imgproc.h"
#include "nn/loss.h"
#include "nn/nn.h"
#include "synth/particle.h"
#include "core/solid.h"

double sr_orient3d_base(const sr_embed *e, const double (*D)[SR_WIGNER_MAXDIM * SR_WIGNER_MAXDIM])
{
	double base = 0;
	for (int b = 0; b < e->nblocks; b++) {
		int l = e->l[b], n = SR_WIGNER_DIM(l);
		double tr = 0;
		for (int i = 0; i < n; i++)
			tr += D[l][i * n + i];
		base += 2 * (1 - tr / n);
	}
	return fmax(base / e->nblocks, SR_ORIENT3D_BASE_MIN);
}

int sr_orient3d_choose(const double *r)
{
	double lo = INFINITY;
	for (int g = 0; g < SR_EMBED_NGROUPS; g++)
		lo = fmin(lo, r[g]);
	for (int g = 0; g < SR_EMBED_NGROUPS; g++)
		if (r[g] <= 2 * lo + 0.1)
			return g;
	return SR_EMBED_NGROUPS - 1;
}

static void head_vector(const sr_embed *e, const float *out, double *v)
{
	double raw[SR_EMBED_MAXDIM];
	int o = sr_embed_offset(e->id);
	for (int k = 0; k < e->dim; k++)
		raw[k] = out[o + k];
	sr_embed_normalise(e, raw, v);
}

void sr_orient3d_fit_group(int g, const int *sign, const float *out_a, const float *out_b,
                           const double *tilt, sr_embed_fit_result *f)
{
	const sr_embed *e = sr_embed_get(g);
	double va[SR_EMBED_MAXDIM], vb[SR_EMBED_MAXDIM];
	head_vector(e, out_a, va);
	const double *v[2] = {va, vb};
	double T[2][4] = {{1, 0, 0, 0}, {1, 0, 0, 0}};
	int nv = 1;
	if (out_b) {
		head_vector(e, out_b, vb);
		memcpy(T[1], tilt, sizeof T[1]);
		nv = 2;
	}
	sr_embed_fit(e, nv, v, (const double(*)[4])T, sign, nv == 2, f);
}

void sr_orient3d_read(const sr_orient3d_model *m, const float *out_a, const float *out_b,
                      const double *tilt, sr_orient3d_result *r)
{
	sr_embed_fit_result f;
	int g = m->group;
	double D[SR_WIGNER_LMAX + 1][SR_WIGNER_MAXDIM * SR_WIGNER_MAXDIM];
	if (out_b)
		for (int l = 1; l <= SR_WIGNER_LMAX; l++)
			sr_wigner(l, tilt, D[l]);
	for (int k = 0; k < SR_EMBED_NGROUPS; k++) {
		const sr_embed *e = sr_embed_get(k);
		int o = sr_embed_offset(k);
		if (!out_b) /* a single view: the network's prediction */
			r->cons[k] = out_a[SR_EMBED_TOTAL + k];
		else /* a pair: its inconsistency as in training */
			r->cons[k] = sr_pair_loss3d(e, out_a + o, out_b + o, (const double(*)[169])D, 1,
			                            NULL, NULL) / sr_orient3d_base(e, (const double(*)[169])D);
	}
	if (g < 0)
		g = sr_orient3d_choose(r->cons);
	sr_orient3d_fit_group(g, m->sign[g], out_a, out_b, tilt, &f);
	r->group = g;
	memcpy(r->q, f.q, sizeof r->q);
	r->resid = f.resid;
	r->confidence = fmax(0, 1 - f.resid / 2);
	if (out_b)
		memcpy(r->q2, r->q, sizeof r->q2);
	else
		sr_solid_twin(sr_solid_get(sr_embed_get(g)->solid), r->q, r->q2);
}

/* ---------------------------------------------------------------- model files */

struct sr_orient3d_predictor {
	sr_model *model;
	sr_net *net;
	sr_meta info;
	int h, w;
	sr_orient3d_model m;
	float *xin, *out;
};

static int is_orient3d(const sr_meta *info)
{
	const char *net = sr_meta_get(info, "predict.net");
	return net && !strcmp(net, "siamese3d");
}

int sr_orient3d_model_file(const char *path)
{
	sr_model *m = sr_model_load(path);
	if (!m)
		return -1;
	int r = is_orient3d(sr_model_info(m));
	sr_model_free(m);
	return r;
}

void sr_orient3d_free(sr_orient3d_predictor *p)
{
	if (!p)
		return;
	sr_net_free(p->net);
	sr_model_free(p->model);
	sr_meta_free(&p->info);
	free(p->xin);
	free(p->out);
	free(p);
}

/* calib3d.G = "s1" or "s1,s2", each +1 or -1 */
static int read_signs(const sr_meta *info, int g, int *sign)
{
	char key[32];
	snprintf(key, sizeof key, "calib3d.%s", sr_embed_get(g)->group);
	for (int b = 0; b < SR_EMBED_MAXBLOCKS; b++)
		sign[b] = 1;
	const char *v = sr_meta_get(info, key);
	if (!v)
		return 0;
	int nb = sr_embed_get(g)->nblocks, n = 0;
	char *end;
	const char *c = v;
	for (int b = 0; b < nb; b++) {
		long s = strtol(c, &end, 10);
		if (end == c || (s != 1 && s != -1))
			break;
		sign[b] = (int)s;
		n++;
		c = end;
		if (*c == ',')
			c++;
	}
	if (n != nb || *c)
		return sr_fail("info %s='%s' is not %d signs (+1 or -1, comma-separated)", key, v, nb);
	return 0;
}

sr_orient3d_predictor *sr_orient3d_open(const char *path)
{
	sr_orient3d_predictor *p = calloc(1, sizeof *p);
	if (!p)
		return sr_fail("out of memory"), NULL;
	sr_meta_init(&p->info);
	if (sr_embed_init() < 0) {
		sr_fail("out of memory");
		goto bad;
	}
	if (!(p->model = sr_model_load(path)))
		goto bad;
	if (sr_meta_copy(&p->info, sr_model_info(p->model)) < 0)
		goto bad;
	if (!is_orient3d(&p->info)) {
		sr_fail("not a 3D orientation model (predict.net is not siamese3d)");
		goto bad;
	}
	if (!(p->net = sr_model_net(p->model, "siamese3d", 2))) {
		if (!sr_errmsg()[0])
			sr_fail("model has no network 'siamese3d'");
		goto bad;
	}
	int c;
	sr_net_in_shape(p->net, &c, &p->h, &p->w);
	if (c != 1 || sr_net_out_size(p->net) != SR_ORIENT3D_NOUT) {
		sr_fail("model's network does not match method siamese3d");
		goto bad;
	}
	const char *grp = sr_meta_get(&p->info, "group3d");
	p->m.group = -1;
	if (grp && strcmp(grp, "per-image") && (p->m.group = sr_embed_from_name(grp)) < 0) {
		sr_fail("info group3d='%s' is not a group (C1, D5, T, O, I or per-image)", grp);
		goto bad;
	}
	for (int g = 0; g < SR_EMBED_NGROUPS; g++)
		if (read_signs(&p->info, g, p->m.sign[g]) < 0)
			goto bad;
	p->xin = malloc((size_t)2 * p->h * p->w * sizeof *p->xin);
	p->out = malloc((size_t)2 * SR_ORIENT3D_NOUT * sizeof *p->out);
	if (!p->xin || !p->out) {
		sr_fail("out of memory");
		goto bad;
	}
	return p;
bad:
	sr_fail_context("%s", path);
	sr_orient3d_free(p);
	return NULL;
}

const sr_meta *sr_orient3d_info(const sr_orient3d_predictor *p) { return &p->info; }
sr_orient3d_model *sr_orient3d_model_of(sr_orient3d_predictor *p) { return &p->m; }

int sr_orient3d_forward(sr_orient3d_predictor *p, const sr_record *rec, const float **out_a,
                        const float **out_b)
{
	if (rec->layout != SR_LAYOUT_IMAGE || rec->height != p->h || rec->width != p->w)
		return sr_fail("record is %dx%d, the model wants %dx%d images (centre --size makes "
		               "them equal)", rec->height, rec->width, p->h, p->w);
	size_t S = (size_t)p->h * p->w;
	int nv = rec->views >= 2 && out_b ? 2 : 1;
	for (int v = 0; v < nv; v++)
		sr_normalise_view(rec->data + v * S, p->w, p->h, p->xin + v * S);
	if (sr_net_forward(p->net, p->xin, nv, 0, 0) < 0)
		return -1;
	memcpy(p->out, sr_net_output(p->net), (size_t)nv * SR_ORIENT3D_NOUT * sizeof *p->out);
	*out_a = p->out;
	if (out_b)
		*out_b = nv == 2 ? p->out + SR_ORIENT3D_NOUT : NULL;
	return 0;
}

int sr_orient3d_predict(sr_orient3d_predictor *p, const sr_record *rec, int use_pair,
                        sr_orient3d_result *r)
{
	double tilt[4] = {1, 0, 0, 0};
	int pair = use_pair && rec->views >= 2;
	if (pair) {
		int rc = sr_pair_tilt_quat(&rec->meta, tilt);
		if (rc < 0)
			return -1;
		if (rc > 0)
			return sr_fail("a pair without a tilt key (stereopair --tilt), or use --single");
	}
	const float *a, *b = NULL;
	if (sr_orient3d_forward(p, rec, &a, pair ? &b : NULL) < 0)
		return -1;
	sr_orient3d_read(&p->m, a, b, tilt, r);
	return 0;
}

/* ---------------------------------------------------------------- calibration */

static int sign_choice_ok(const sr_embed *e, int choice)
{
	for (int b = 0; b < SR_EMBED_MAXBLOCKS; b++)
		if ((choice >> b & 1) && (b >= e->nblocks || e->sign_free[b]))
			return 0;
	return 1;
}

int sr_orient3d_calib_add(sr_orient3d_predictor *p, const sr_record *rec, int use_pair,
                          sr_orient3d_calib *c)
{
	sr_orient3d_result r;
	if (sr_orient3d_predict(p, rec, use_pair, &r) < 0) /* the group, as predict finds it */
		return -1;
	int g = r.group, pair = use_pair && rec->views >= 2;
	const sr_embed *e = sr_embed_get(g);
	const sr_solid *s = sr_solid_get(e->solid);
	double tilt[4] = {1, 0, 0, 0};
	if (pair && sr_pair_tilt_quat(&rec->meta, tilt) != 0) /* predict has read it */
		return -1;
	const float *a, *b = NULL;
	if (sr_orient3d_forward(p, rec, &a, pair ? &b : NULL) < 0)
		return -1;
	static const double id[4] = {1, 0, 0, 0};
	for (int ch = 0; ch < 4; ch++) {
		if (!sign_choice_ok(e, ch))
			continue;
		int sign[SR_EMBED_MAXBLOCKS] = {ch & 1 ? -1 : 1, ch & 2 ? -1 : 1};
		sr_embed_fit_result f;
		sr_orient3d_fit_group(g, sign, a, b, tilt, &f);
		double ang = sr_quat_angle_mod(f.q, id, (const double(*)[4])s->g, s->ng);
		if (!pair) {
			double tw[4];
			sr_solid_twin(s, f.q, tw);
			ang = fmin(ang, sr_quat_angle_mod(tw, id, (const double(*)[4])s->g, s->ng));
		}
		c->cost[g][ch] += ang;
	}
	c->n[g]++;
	return 0;
}

int sr_orient3d_calib_best(const sr_orient3d_calib *c, int g, int *sign, double *angle)
{
	if (c->n[g] == 0)
		return 0;
	const sr_embed *e = sr_embed_get(g);
	int best = 0;
	for (int ch = 1; ch < 4; ch++)
		if (sign_choice_ok(e, ch) && c->cost[g][ch] < c->cost[g][best])
			best = ch;
	sign[0] = best & 1 ? -1 : 1;
	sign[1] = best & 2 ? -1 : 1;
	*angle = c->cost[g][best] / c->n[g];
	return 1;
}
