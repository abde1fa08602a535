/* predictor.c: the generic predictor of predictor.h, with its test-time averaging over the
 * dihedral transforms of a square view. */
#include "learn/predictor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/angles.h"
#include "core/err.h"
#include "image/imgproc.h"
#include "learn/confidence.h"
#include "learn/mirror.h"
#include "learn/order.h"
#include "nn/nn.h"

/* Images per forward: as many as keep the activations of a batch within about 32 MB (every
 * layer's output counted, an upper bound on the engine's arena), at least 16 (one pair with
 * 8 transforms), at most 256.  Large batches let the engine read a dense layer's weights once
 * for many images; the answers do not depend on the batch. */
#define PREDICT_ARENA_FLOATS (8u << 20)
static int batch_for(const sr_net *net)
{
	size_t per = (size_t)sr_net_in_size(net);
	for (int i = 0; i < sr_net_nlayers(net); i++) {
		const sr_layer *L = sr_net_layer(net, i);
		per += (size_t)L->out_c * L->out_h * L->out_w;
	}
	size_t b = PREDICT_ARENA_FLOATS / (per ? per : 1);
	return b < 16 ? 16 : b > 256 ? 256 : (int)b;
}

struct sr_predictor {
	sr_model *model;
	sr_net *net;
	sr_meta info;
	int K, nout, cons, order, kmin, model_order;
	int heads[SR_MAX_ORDER], nheads; /* the candidate orders kmin..K */
	int layout, views, h, w;
	double thresh;
	sr_confmap confmap;
	double calib[SR_MAX_ORDER + 1];
	int has_calib[SR_MAX_ORDER + 1];
	int tta;
	int max_images;  /* images per forward: the net's batch */
	float *xin;      /* max_images inputs, then 2 normalised views */
	/* several profiles a view: the model's angles, and per head whether they are blind to
	 * its mirror (learn/mirror.h; one profile: every head) */
	int nangles;
	double angles[SR_MAX_PROFILES];
	unsigned char fold[SR_MAX_ORDER];
};

void sr_predictor_free(sr_predictor *p)
{
	if (!p)
		return;
	sr_net_free(p->net);
	sr_model_free(p->model);
	sr_meta_free(&p->info);
	free(p->xin);
	free(p);
}

static int need_long(const sr_meta *m, const char *key, long lo, long hi, long *out)
{
	int r = sr_meta_get_long(m, key, out);
	if (r == 1)
		return sr_fail("model info lacks %s (not an orientation model?)", key);
	if (r < 0)
		return -1;
	if (*out < lo || *out > hi)
		return sr_fail("model info: %s=%ld is out of range", key, *out);
	return 0;
}

sr_predictor *sr_predictor_open(const char *path, int order)
{
	sr_predictor *p = calloc(1, sizeof *p);
	if (!p) {
		sr_fail("out of memory");
		return NULL;
	}
	sr_meta_init(&p->info);
	p->model = sr_model_load(path);
	if (!p->model) { /* the message names the file */
		sr_predictor_free(p);
		return NULL;
	}
	if (sr_meta_copy(&p->info, sr_model_info(p->model)) < 0)
		goto bad;
	const sr_meta *m = &p->info;
	const char *kind = sr_meta_get(m, "stemrot.model");
	if (!kind || strcmp(kind, "orientation")) {
		sr_fail("not an orientation model (no stemrot.model=orientation in its info)");
		goto bad;
	}
	long K, h, w, views, ord = 0;
	if (need_long(m, "heads", 1, SR_MAX_ORDER, &K) < 0 ||
	    need_long(m, "input.height", 1, SR_MAX_DIM, &h) < 0 ||
	    need_long(m, "input.width", 1, SR_MAX_DIM, &w) < 0 ||
	    need_long(m, "input.views", 1, SR_MAX_VIEWS, &views) < 0)
		goto bad;
	/* a checkpoint has no order yet: per image */
	if (sr_meta_get(m, "order") && need_long(m, "order", 0, K, &ord) < 0)
		goto bad;
	const char *lay = sr_meta_get(m, "input.layout");
	p->layout = lay && !strcmp(lay, "profile") ? SR_LAYOUT_PROFILE : SR_LAYOUT_IMAGE;
	p->K = (int)K;
	p->h = (int)h;
	p->w = (int)w;
	p->views = (int)views;
	p->order = order > 0 ? order : (int)ord;
	p->model_order = (int)ord;
	if (p->order > p->K) {
		sr_fail("--order %d is larger than the model's %d heads", p->order, p->K);
		goto bad;
	}
	long km = 1;
	if (sr_meta_get(m, "heads.kmin") && need_long(m, "heads.kmin", 1, K, &km) < 0)
		goto bad;
	p->kmin = (int)km;
	for (int k = p->kmin; k <= p->K; k++)
		p->heads[p->nheads++] = k;
	const char *cons = sr_meta_get(m, "heads.consistency");
	p->cons = cons && !strcmp(cons, "yes");
	p->thresh = SR_ORDER_THRESH;
	if (sr_meta_get_double(m, "order.thresh", &p->thresh) < 0)
		goto bad;
	for (int k = 1; k <= p->K; k++) {
		char key[32];
		snprintf(key, sizeof key, "calib.%d", k);
		int r = sr_meta_get_double(m, key, &p->calib[k]);
		if (r < 0)
			goto bad;
		p->has_calib[k] = r == 0;
	}
	if (sr_confmap_get(m, &p->confmap) < 0)
		goto bad;
	const char *name = sr_meta_get(m, "predict.net");
	p->net = sr_model_net(p->model, name ? name : "siamese", 16);
	if (p->net && (p->max_images = batch_for(p->net)) > 16) {
		sr_net_free(p->net); /* again, with room for the batch */
		p->net = sr_model_net(p->model, name ? name : "siamese", p->max_images);
	}
	if (!p->net) {
		if (!sr_errmsg()[0])
			sr_fail("model has no network '%s'", name ? name : "siamese");
		goto bad;
	}
	p->nangles = 1;
	const char *as = sr_meta_get(m, "input.angles");
	if (p->layout == SR_LAYOUT_PROFILE && p->h > 1) {
		if (!as || (p->nangles = sr_parse_angle_list(as, p->angles)) != p->h) {
			sr_fail("model info: input.angles does not list its %d profiles' angles", (int)h);
			goto bad;
		}
	}
	for (int k = 1; k <= p->K; k++)
		p->fold[k - 1] = p->layout != SR_LAYOUT_PROFILE || p->nangles == 1 ||
		                 sr_mirror_blind(p->angles, p->nangles, k);
	int c, nh, nw;
	sr_net_in_shape(p->net, &c, &nh, &nw);
	p->nout = sr_net_out_size(p->net);
	int prof = p->layout == SR_LAYOUT_PROFILE; /* h profiles: h channels of one row */
	if (c != (prof ? p->h : 1) || nh != (prof ? 1 : p->h) || nw != p->w ||
	    p->nout < 2 * p->K + (p->cons ? p->K : 0)) {
		sr_fail("model's network does not match its info block");
		goto bad;
	}
	p->xin = malloc((size_t)(p->max_images + 2) * h * w * sizeof *p->xin);
	if (!p->xin) {
		sr_fail("out of memory");
		goto bad;
	}
	p->tta = 1;
	return p;
bad:
	sr_fail_context("%s", path);
	sr_predictor_free(p);
	return NULL;
}

const sr_meta *sr_predictor_info(const sr_predictor *p) { return &p->info; }
int sr_predictor_heads(const sr_predictor *p) { return p->K; }

void sr_predictor_set_order(sr_predictor *p, int order)
{
	p->order = order > 0 && order <= p->K ? order : p->model_order;
}

void sr_predictor_set_tta(sr_predictor *p, int n)
{
	p->tta = (n == 4 || n == 8) && p->h == p->w && p->layout == SR_LAYOUT_IMAGE ? n : 1;
}

int sr_predictor_tta(const sr_predictor *p) { return p->tta; }

/* The raw score in 0..1: the agreement R of the averaged estimates, times, with a consistency
 * output, exp(-q / thresh) for the head's predicted pair loss q (a regression that can come
 * out below 0, which counts as 0). */
static double score(const sr_predictor *p, double q, double R)
{
	R = R > 0 ? R : 0;
	return p->cons ? exp(-(q > 0 ? q : 0) / p->thresh) * R : R;
}

int sr_predictor_check(const sr_predictor *p, const sr_record *rec)
{
	if (rec->layout != p->layout || rec->height != p->h || rec->width != p->w)
		return sr_fail("record is %dx%d, the model wants %dx%d %s (centre --size, or "
		               "pamcut/pnmpad, make them equal)", rec->height, rec->width, p->h, p->w,
		               p->layout == SR_LAYOUT_PROFILE ? "profiles" : "images");
	if (p->layout == SR_LAYOUT_PROFILE && p->h > 1) {
		double phi[SR_MAX_PROFILES];
		if (sr_profile_angles(rec, phi) < 0)
			return -1;
		for (int j = 0; j < p->h; j++)
			if (fabs(phi[j] - p->angles[j]) > 1e-9)
				return sr_fail("the record's profile %d is at %g degrees, the model's at %g "
				               "(project1d --angles as for training)", j + 1, phi[j], p->angles[j]);
	}
	return 0;
}

int sr_predictor_batch(const sr_predictor *p)
{
	int b = p->max_images / (2 * p->tta);
	return b > 1 ? b : 1;
}

/* Whether rec is answered as a pair (both views, view 1 turned back by its offset). */
static int as_pair(const sr_record *rec, int use_pair, double *delta)
{
	*delta = NAN;
	return use_pair && rec->views >= 2 && sr_meta_get_double(&rec->meta, "offset", delta) == 0;
}

/* The network's inputs for one record: each view normalised, then its transforms. */
static void fill_inputs(sr_predictor *p, const sr_record *rec, int nv, float *xin)
{
	size_t S = (size_t)p->h * p->w;
	int nt = p->tta;
	float *norm = p->xin + (size_t)p->max_images * S; /* scratch after the batch's inputs */
	for (int v = 0; v < nv; v++) {
		sr_normalise_layout(rec->data + v * S, p->layout, p->w, p->h, norm + v * S);
		for (int j = 0; j < nt; j++) {
			float *dst = xin + (size_t)(v * nt + j) * S;
			if (j == 0)
				memcpy(dst, norm + v * S, S * sizeof *dst);
			else
				sr_dihedral(norm + v * S, dst, p->w, j);
		}
	}
}

/* Head k's estimates of view 0's angle from the n = nv x nt evaluations in o (view v's
 * transform j at row v nt + j), each transform undone (a = s theta + 90 (j % 4)) and view 1
 * turned back by the offset: their circular mean, with the mean resultant length in *R and
 * the mean length of the head's vector |u_k| in *mag (may be NULL). */
static double head_estimates(const float *o, int nout, int k, int nv, int nt, double delta,
                             double *est, double *R, double *mag)
{
	double P = 360.0 / k, m = 0;
	for (int v = 0; v < nv; v++)
		for (int j = 0; j < nt; j++) {
			int i = v * nt + j;
			double len, a = sr_head_angle(o + (size_t)i * nout, k, &len);
			a -= 90.0 * (j % 4);
			if (j >= 4)
				a = -a;
			if (v == 1)
				a -= delta;
			est[i] = sr_wrap(a, P);
			m += len;
		}
	if (mag)
		*mag = m / (nv * nt);
	return sr_circmean(est, NULL, nv * nt, P, R);
}

/* The answer for one record from its n = nv * tta outputs o, with order `order` (0: the
 * model's rule per image). */
static void answer(const sr_predictor *p, const sr_record *rec, int order, int pair,
                   double delta, const float *o, sr_prediction *out)
{
	int nt = p->tta, nv = pair ? 2 : 1, n = nv * nt;
	/* mean consistency per head over all evaluations */
	float q[SR_MAX_ORDER];
	for (int k = 0; k < p->K; k++) {
		double s = 0;
		if (p->cons)
			for (int i = 0; i < n; i++)
				s += o[(size_t)i * p->nout + 2 * p->K + k];
		q[k] = (float)(s / n);
		out->cons[k] = q[k];
	}
	/* with test-time transforms, each candidate head's agreement over them (order.h) */
	double agree[SR_MAX_ORDER] = {0}, est[16];
	int by_agreement = p->layout == SR_LAYOUT_IMAGE && nt >= 4;
	if (by_agreement)
		for (int i = 0; i < p->nheads; i++)
			head_estimates(o, p->nout, p->heads[i], nv, nt, delta, est, &agree[p->heads[i] - 1],
			               NULL);
	int k = order;
	if (k == 0 && by_agreement)
		k = sr_order_of_agreement(agree, p->heads, p->nheads, SR_ORDER_AGREE);
	if (k == 0)
		k = p->cons ? sr_order_of_image(q, p->heads, p->nheads, p->thresh) : 0;
	if (k == 0) { /* nothing consistent: the head with the lowest predicted loss */
		k = p->kmin;
		for (int i = p->kmin; i < p->K; i++)
			if (q[i] < q[k - 1])
				k = i + 1;
	}
	double P = 360.0 / k;
	out->angle2 = NAN;
	if (p->layout == SR_LAYOUT_PROFILE && !p->fold[k - 1]) {
		/* profiles that see the mirror: one answer, as for an image (no test-time
		 * transforms), in the frame of the first profile's angle */
		double e[2] = {sr_head_angle(o, k, NULL), 0}, ww[2] = {1, 1}, R;
		if (pair)
			e[1] = sr_wrap(sr_head_angle(o + p->nout, k, NULL) - delta, P);
		out->raw = sr_circmean(e, ww, pair ? 2 : 1, P, &R);
		out->phi = sr_profile_phi(rec);
		out->k = k;
		out->calibrated = p->has_calib[k];
		out->angle = sr_wrap(out->phi + out->raw - (p->has_calib[k] ? p->calib[k] : 0), P);
		out->angle2 = sr_mirror(out->angle, out->phi, P);
		out->conf2 = 0;
		out->ambiguity = SR_AMB_NONE;
		out->score = score(p, q[k - 1], R);
		out->conf = sr_confmap_apply(&p->confmap, out->score);
		return;
	}
	if (p->layout == SR_LAYOUT_PROFILE) { /* mirror-folded heads: mirror.h */
		/* a folded model's gauge is 0 or P/2 (mirror.h): the calibration snaps to it */
		double c = p->has_calib[k] && fabs(sr_angdiff(p->calib[k], 0, P)) > P / 4 ? P / 2 : 0;
		double folded_agree, mag;
		out->raw = sr_head_angle(o, k, &mag);
		double fb = pair ? sr_head_angle(o + p->nout, k, NULL) - c : NAN;
		out->phi = sr_profile_phi(rec);
		sr_mirror_answer(out->raw - c, fb, pair ? delta : NAN, out->phi, k, 2.0, out, &folded_agree);
		out->k = k;
		out->calibrated = p->has_calib[k];
		out->score = score(p, q[k - 1], cos(k * folded_agree * M_PI / 360.0));
		out->conf = sr_confmap_apply(&p->confmap, out->score);
		return;
	}
	double R, mag, lower = 0;
	out->raw = head_estimates(o, p->nout, k, nv, nt, delta, est, &R, &mag);
	out->k = k;
	for (int i = 0; by_agreement && i < p->nheads && p->heads[i] < k; i++)
		lower = fmax(lower, agree[p->heads[i] - 1]);
	/* the order margin (confidence.h); 1 where no agreement was measured */
	sr_conf_features(R, P, q[k - 1], mag, by_agreement ? R - lower : 1, out->feat);
	out->has_features = 1;
	out->score = sr_conf_score(&p->confmap, out->feat, score(p, q[k - 1], R));
	out->conf = sr_confmap_apply(&p->confmap, out->score);
	if (p->has_calib[k]) {
		out->angle = sr_wrap(out->raw - p->calib[k], P);
		out->calibrated = 1;
	} else {
		out->angle = out->raw;
	}
}

int sr_predict_records(sr_predictor *p, const sr_record *const *recs, const int *orders, int n,
                       int use_pair, sr_prediction *out)
{
	size_t S = (size_t)p->h * p->w;
	for (int i = 0; i < n; i++)
		if (sr_predictor_check(p, recs[i]) < 0)
			return -1;
	for (int first = 0; first < n;) {
		/* as many whole records as the batch holds (at most 16 images each) */
		int end = first, nimg = 0;
		for (; end < n; end++) {
			double delta;
			int m = (as_pair(recs[end], use_pair, &delta) ? 2 : 1) * p->tta;
			if (nimg + m > p->max_images)
				break;
			fill_inputs(p, recs[end], m / p->tta, p->xin + (size_t)nimg * S);
			nimg += m;
		}
		if (sr_net_forward(p->net, p->xin, nimg, 0, 0) < 0)
			return -1;
		const float *o = sr_net_output(p->net);
		for (int i = first; i < end; i++) {
			double delta;
			int pair = as_pair(recs[i], use_pair, &delta), k = p->order;
			if (orders)
				k = orders[i] > 0 && orders[i] <= p->K ? orders[i] : p->model_order;
			memset(&out[i], 0, sizeof out[i]);
			answer(p, recs[i], k, pair, delta, o, &out[i]);
			o += (size_t)(pair ? 2 : 1) * p->tta * p->nout;
		}
		first = end;
	}
	return 0;
}

int sr_predict_record(sr_predictor *p, const sr_record *rec, int use_pair, sr_prediction *out)
{
	memset(out, 0, sizeof *out);
	return sr_predict_records(p, &rec, NULL, 1, use_pair, out);
}
