/* siamese.c: method 1 (Siamese training from stereo pairs), its supervised oracle, and the
 * predictor that reads orientation heads from a trained model.
 *
 * The network maps one view to 3K numbers: for k = 1..K the raw head (c_k, s_k) ~ (cos k
 * theta, sin k theta), then K consistency predictions q_k.  Both views of a pair go through
 * the same network in one batch (A views first, then B views).  The loss is the pair loss of
 * angles.h summed over heads, plus cons_weight times the mean squared error of q_k against the
 * observed pair loss L_k of head k (taken as a constant target): the network learns to say
 * per image which heads it can keep consistent, which is how it tells the symmetry order
 * without labels (a head is consistent only for multiples of the true order; the smallest
 * consistent one is the order). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "methods/ambiguity.h"
#include "core/angles.h"
#include "core/err.h"
#include "core/rng.h"
#include "nn/loss.h"
#include "learn/trainer.h"

#define DEFAULT_THRESH 0.1

/* Transform j of the dihedral group applied to a square image: rotation by 90 (j % 4)
 * degrees counterclockwise on screen, after a mirror y -> -y when j >= 4.  The orientation
 * of the result is s theta + 90 (j % 4) with s = -1 when mirrored. */
static void transform(const float *in, float *out, int n, int j)
{
	for (int r = 0; r < n; r++)
		for (int c = 0; c < n; c++) {
			int rr = j >= 4 ? n - 1 - r : r, cc = c; /* mirror about the horizontal axis */
			for (int q = 0; q < j % 4; q++) {        /* (r, c) -> (n-1-c, r) per 90 degrees */
				int t = rr;
				rr = n - 1 - cc;
				cc = t;
			}
			out[rr * n + cc] = in[r * n + c];
		}
}

/* out = in zoomed by s about the image centre (bilinear; outside reads as 0): the content at
 * (x, y) moves to (c + s (x - c), c + s (y - c)).  Orientation is unchanged. */
static void zoom(const float *in, float *out, int n, double s)
{
	double c = n / 2.0;
	for (int r = 0; r < n; r++)
		for (int q = 0; q < n; q++) {
			double x = c + (q + 0.5 - c) / s - 0.5, y = c + (r + 0.5 - c) / s - 0.5;
			int x0 = (int)floor(x), y0 = (int)floor(y);
			double fx = x - x0, fy = y - y0, v = 0;
			for (int j = 0; j < 2; j++)
				for (int i = 0; i < 2; i++) {
					int xx = x0 + i, yy = y0 + j;
					if (xx < 0 || yy < 0 || xx >= n || yy >= n)
						continue;
					v += (i ? fx : 1 - fx) * (j ? fy : 1 - fy) * in[yy * n + xx];
				}
			out[r * n + q] = (float)v;
		}
}

typedef struct {
	int K, nout, kmin;
	double w[SR_MAX_ORDER];
	float *xin, *dout;
	double *delta, *theta; /* per sample after augmentation */
	int maxb;
	int mirror; /* profiles: losses on the mirror quotient (ambiguity.h) */
	/* validation statistics */
	double head_sum[SR_MAX_ORDER];
	long head_n;
} m1state;

static int m1_setup(sr_trainer *t)
{
	int K = t->conf.heads;
	if (K < 1 || K > SR_MAX_ORDER)
		return sr_fail("--heads: %d is out of range 1..%d", K, SR_MAX_ORDER);
	if (t->conf.order > K)
		return sr_fail("--order %d is larger than --heads %d", t->conf.order, K);
	m1state *s = calloc(1, sizeof *s);
	if (!s)
		return sr_fail("out of memory");
	t->mstate = s;
	s->K = K;
	s->kmin = t->conf.kmin < 1 ? 1 : t->conf.kmin;
	if (s->kmin > K)
		return sr_fail("--kmin %d is larger than --heads %d", s->kmin, K);
	s->nout = 3 * K;
	s->maxb = t->conf.batch;
	s->mirror = t->layout == SR_LAYOUT_PROFILE;
	for (int k = 1; k <= K; k++)
		s->w[k - 1] = (t->conf.order ? k % t->conf.order == 0 : k >= s->kmin)
		                  ? pow(k, -t->conf.head_pow) : 0.0;
	size_t in = (size_t)t->h * t->w;
	s->xin = malloc((size_t)4 * s->maxb * in * sizeof *s->xin);
	s->dout = malloc((size_t)4 * s->maxb * s->nout * sizeof *s->dout);
	s->delta = malloc((size_t)s->maxb * sizeof *s->delta);
	s->theta = malloc((size_t)s->maxb * sizeof *s->theta);
	if (!s->xin || !s->dout || !s->delta || !s->theta)
		return sr_fail("out of memory");
	if (!sr_trainer_add_net(t, "siamese", t->conf.net, s->nout, 4 * s->maxb))
		return -1;
	sr_meta_set(&t->info, "predict.net", "siamese");
	sr_meta_set_long(&t->info, "heads", K);
	sr_meta_set_long(&t->info, "heads.kmin", s->kmin);
	sr_meta_set(&t->info, "heads.consistency", "yes");
	return 0;
}

static void m1_free(sr_trainer *t)
{
	m1state *s = t->mstate;
	if (!s)
		return;
	free(s->xin);
	free(s->dout);
	free(s->delta);
	free(s->theta);
	free(s);
	t->mstate = NULL;
}

static void m1_val_begin(sr_trainer *t)
{
	m1state *s = t->mstate;
	memset(s->head_sum, 0, sizeof s->head_sum);
	s->head_n = 0;
}

/* Shared by siamese and oracle: oracle = 1 replaces the pair loss by the supervised one. */
static int m1_batch_common(sr_trainer *t, const sr_batch *b, int train, double *loss, int oracle)
{
	m1state *s = t->mstate;
	int B = b->n, K = s->K, no = s->nout;
	size_t S = (size_t)b->h * b->w;
	/* Training pairs are augmented by a random element of the dihedral group of the square
	 * applied to both views (exact on the pixel grid): a rotation keeps the offset, a mirror
	 * negates it.  No label is involved. */
	int aug = train && t->conf.augment && b->h == b->w && b->h > 1;
	for (int i = 0; i < B; i++) {
		const float *va = b->x + (size_t)i * 2 * S, *vb = b->x + ((size_t)i * 2 + 1) * S;
		float *da = s->xin + (size_t)i * S, *db = s->xin + (size_t)(B + i) * S;
		int j = 0;
		if (aug) {
			sr_rng r = sr_rng_derive(b->step_seed, (uint64_t)i);
			j = (int)(sr_rng_next(&r) % 8);
		}
		s->delta[i] = j >= 4 ? -b->delta[i] : b->delta[i];
		if (b->theta)
			s->theta[i] = (j >= 4 ? -b->theta[i] : b->theta[i]) + 90.0 * (j % 4);
		if (j == 0) {
			memcpy(da, va, S * sizeof(float));
			memcpy(db, vb, S * sizeof(float));
		} else {
			transform(va, da, b->w, j);
			transform(vb, db, b->w, j);
		}
	}
	/* The mirror images of the A views (siamese with square images): their orientation is
	 * minus A's, which pins the zero (see sr_mirror_loss). */
	int mir = !oracle && t->conf.mirror_weight > 0 && b->h == b->w && b->h > 1;
	/* A zoomed copy of each A view must give A's angle: ties the zero across particle sizes
	 * (the mirror loss leaves 0 or half a period, and pairs share their size). */
	int zm = mir && train && t->conf.zoom_weight > 0;
	int nv = zm ? 4 * B : mir ? 3 * B : 2 * B;
	if (mir)
		for (int i = 0; i < B; i++)
			transform(s->xin + (size_t)i * S, s->xin + (size_t)(2 * B + i) * S, b->w, 4);
	if (zm)
		for (int i = 0; i < B; i++) {
			sr_rng r = sr_rng_derive(b->step_seed ^ 0x2545f4914f6cdd1dULL, (uint64_t)i);
			double f = exp(sr_rng_range(&r, log(0.8), log(1.25)));
			zoom(s->xin + (size_t)i * S, s->xin + (size_t)(3 * B + i) * S, b->w, f);
		}
	sr_net *net = t->nets[0];
	if (sr_net_forward(net, s->xin, nv, train, b->step_seed) < 0)
		return -1;
	const float *out = sr_net_output(net);
	memset(s->dout, 0, (size_t)nv * no * sizeof(float));
	double total = 0, ph[SR_MAX_ORDER];
	double cw = t->conf.cons_weight;
	for (int i = 0; i < B; i++) {
		const float *ua = out + (size_t)i * no, *ub = out + (size_t)(B + i) * no;
		float *ga = s->dout + (size_t)i * no, *gb = s->dout + (size_t)(B + i) * no;
		double delta = s->delta[i];
		if (oracle) {
			unsigned char use[SR_MAX_ORDER];
			for (int k = 1; k <= K; k++)
				use[k - 1] = (k % b->k[i] == 0) && s->w[k - 1] > 0;
			if (s->mirror) { /* profiles: ambiguity.h */
				total += sr_target_loss_mirror(ua, K, s->theta[i], use, 1.0 / B,
				                               train ? ga : NULL);
				total += sr_target_loss_mirror(ub, K, s->theta[i] + delta, use, 1.0 / B,
				                               train ? gb : NULL);
				sr_pair_loss_mirror(ua, ub, K, delta, NULL, 0, ph, NULL, NULL);
			} else {
				total += sr_target_loss(ua, K, s->theta[i], use, 1.0 / B, train ? ga : NULL);
				total += sr_target_loss(ub, K, s->theta[i] + delta, use, 1.0 / B,
				                        train ? gb : NULL);
				sr_pair_loss(ua, ub, K, delta, NULL, 0, ph, NULL, NULL);
			}
		} else if (s->mirror) {
			total += sr_pair_loss_mirror(ua, ub, K, delta, s->w, 1.0 / B, ph,
			                             train ? ga : NULL, train ? gb : NULL);
		} else {
			total += sr_pair_loss(ua, ub, K, delta, s->w, 1.0 / B, ph, train ? ga : NULL,
			                      train ? gb : NULL);
		}
		for (int k = 0; k < K; k++) {
			if (s->w[k] == 0) /* an untrained head (--order given): nothing to predict */
				continue;
			total += sr_consistency_loss(ua[2 * K + k], ub[2 * K + k], ph[k], cw, B,
			                             &ga[2 * K + k], &gb[2 * K + k]);
		}
		if (mir)
			total += t->conf.mirror_weight *
			         sr_mirror_loss(ua, out + (size_t)(2 * B + i) * no, K, s->w,
			                        t->conf.mirror_weight / B, train ? ga : NULL,
			                        train ? s->dout + (size_t)(2 * B + i) * no : NULL);
		if (zm) {
			const float *uz = out + (size_t)(3 * B + i) * no;
			float *gz = s->dout + (size_t)(3 * B + i) * no;
			for (int k = 1; k <= K; k++)
				if (s->w[k - 1] > 0)
					total += t->conf.zoom_weight * s->w[k - 1] *
					         sr_head_pair_loss(ua, uz, k, 0, t->conf.zoom_weight * s->w[k - 1] / B,
					                           ga, gz);
		}
		if (!train) {
			for (int k = 0; k < K; k++)
				s->head_sum[k] += ph[k];
			s->head_n++;
		}
	}
	*loss = total / B;
	if (train && sr_net_backward(net, s->dout) < 0)
		return -1;
	return 0;
}

static int m1_batch(sr_trainer *t, const sr_batch *b, int train, double *loss)
{
	return m1_batch_common(t, b, train, loss, 0);
}

static int oracle_batch(sr_trainer *t, const sr_batch *b, int train, double *loss)
{
	return m1_batch_common(t, b, train, loss, 1);
}

/* Per-image order from predicted consistencies q (K values): smallest k with q_k < thresh;
 * 0 when none. */
static int order_from_q(const float *q, int kmin, int K, double thresh)
{
	/* The threshold is relaxed to twice the best head's predicted loss, so that a noisy
	 * image whose true head is slightly above it is not handed to a multiple (head 8 for a
	 * square) or to no head at all. */
	double m = INFINITY;
	for (int k = kmin; k <= K; k++)
		m = fmin(m, q[k - 1]);
	double t = fmax(thresh, 2 * m);
	for (int k = kmin; k <= K; k++)
		if (q[k - 1] < t)
			return k;
	return 0;
}

static int m1_finish(sr_trainer *t)
{
	m1state *s = t->mstate;
	int K = s->K;
	char key[64];
	double thresh = DEFAULT_THRESH;
	if (s->head_n > 0)
		for (int k = 1; k <= K; k++) {
			snprintf(key, sizeof key, "val.head_loss.%d", k);
			sr_meta_set(&t->info, key, "%.6g", s->head_sum[k - 1] / s->head_n);
		}
	sr_meta_set(&t->info, "order.thresh", "%g", thresh);
	/* per-image orders of the validation views */
	long hist[SR_MAX_ORDER + 1] = {0}, n = 0;
	sr_net *net = t->nets[0];
	size_t S = (size_t)t->h * t->w;
	for (long i = 0; i < t->nval; i += s->maxb) {
		int m = (int)(t->nval - i < s->maxb ? t->nval - i : s->maxb);
		for (int j = 0; j < m; j++)
			memcpy(s->xin + (size_t)j * S, t->val_x + (size_t)(i + j) * 2 * S, S * sizeof(float));
		if (sr_net_forward(net, s->xin, m, 0, 0) < 0)
			return -1;
		const float *out = sr_net_output(net);
		for (int j = 0; j < m; j++) {
			hist[order_from_q(out + (size_t)j * s->nout + 2 * K, s->kmin, K, thresh)]++;
			n++;
		}
	}
	int order = t->conf.order, best = 0;
	for (int k = 0; k <= K; k++) {
		if (hist[k] > hist[best])
			best = k;
		if (hist[k] && n) {
			snprintf(key, sizeof key, "val.order_fraction.%d", k);
			sr_meta_set(&t->info, key, "%.4f", (double)hist[k] / n);
		}
	}
	if (order == 0 && n > 0 && best > 0 && hist[best] >= 0.9 * n)
		order = best;
	/* A single-shape data set: the head with the lowest validation pair loss is the order or
	 * a multiple of it (its noise is amplified k-fold, so multiples are worse); the order is
	 * its smallest divisor whose loss is as low, within a factor 2, and below 0.2 (an
	 * inconsistent head stays near 0.4..2 on images), provided every head that is not a
	 * multiple of it is clearly worse (3x).  Losses on profiles are lower all round: square
	 * profiles gave head 4 0.020 and head 3 0.15; the k = 3..6 mix gave every head 0.15..0.3,
	 * and is no single shape.  A mix has no such head: per image. */
	if (order == 0 && s->head_n > 0) {
		int kbest = 0;
		for (int k = s->kmin; k <= K; k++)
			if (s->w[k - 1] > 0 && (!kbest || s->head_sum[k - 1] < s->head_sum[kbest - 1]))
				kbest = k;
		double lbest = kbest ? s->head_sum[kbest - 1] / s->head_n : INFINITY;
		for (int k = s->kmin; k <= kbest && lbest < 0.2; k++)
			if (kbest % k == 0 && s->w[k - 1] > 0 &&
			    s->head_sum[k - 1] / s->head_n < fmin(0.2, 2 * lbest)) {
				order = k;
				break;
			}
		for (int k = s->kmin; k <= K && order; k++)
			if (k % order && s->w[k - 1] > 0 && s->head_sum[k - 1] / s->head_n < 3 * lbest)
				order = 0;
	}
	if (order == 0 && n == 0) {
		/* no validation data: fall back on the training loss is not possible; per image */
		order = 0;
	}
	sr_meta_set_long(&t->info, "order", order); /* 0: per image (mixed shapes) */
	sr_meta_set(&t->info, "order.source", "%s", t->conf.order ? "given" : "detected");
	sr_meta_set(&t->info, "calibrated", "no");
	return 0;
}

const sr_method sr_method_siamese = {
	"siamese", 0, 2, m1_setup, m1_batch, m1_val_begin, NULL, m1_finish, m1_free
};
const sr_method sr_method_oracle = {
	"oracle", 1, 2, m1_setup, oracle_batch, m1_val_begin, NULL, m1_finish, m1_free
};

/* ---------------------------------------------------------------- prediction */

struct sr_predictor {
	sr_model *model;
	sr_net *net;
	sr_meta info;
	int K, nout, cons, order, kmin, model_order;
	int layout, views, h, w;
	double thresh;
	double calib[SR_MAX_ORDER + 1];
	int has_calib[SR_MAX_ORDER + 1];
	int tta;
	float *xin;
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
	const char *cons = sr_meta_get(m, "heads.consistency");
	p->cons = cons && !strcmp(cons, "yes");
	p->thresh = DEFAULT_THRESH;
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
	const char *name = sr_meta_get(m, "predict.net");
	p->net = sr_model_net(p->model, name ? name : "siamese", 16);
	if (!p->net) {
		if (!sr_errmsg()[0])
			sr_fail("model has no network '%s'", name ? name : "siamese");
		goto bad;
	}
	int c, nh, nw;
	sr_net_in_shape(p->net, &c, &nh, &nw);
	p->nout = sr_net_out_size(p->net);
	if (c != 1 || nh != p->h || nw != p->w || p->nout < 2 * p->K + (p->cons ? p->K : 0)) {
		sr_fail("model's network does not match its info block");
		goto bad;
	}
	p->xin = malloc((size_t)18 * h * w * sizeof *p->xin);
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

int sr_predict_record(sr_predictor *p, const sr_record *rec, int use_pair, sr_prediction *out)
{
	memset(out, 0, sizeof *out);
	if (rec->layout != p->layout || rec->height != p->h || rec->width != p->w)
		return sr_fail("record is %dx%d, the model wants %dx%d %s (centre --size, or "
		               "pamcut/pnmpad, make them equal)", rec->height, rec->width, p->h, p->w,
		               p->layout == SR_LAYOUT_PROFILE ? "profiles" : "images");
	double delta = NAN;
	int pair = 0;
	if (use_pair && rec->views >= 2 && sr_meta_get_double(&rec->meta, "offset", &delta) == 0)
		pair = 1;
	size_t S = (size_t)p->h * p->w;
	int nt = p->tta, nv = pair ? 2 : 1, n = nv * nt;
	float *norm = p->xin + (size_t)16 * S; /* scratch after the at most 16 inputs */
	for (int v = 0; v < nv; v++) {
		sr_normalise_view(rec->data + v * S, p->w, p->h, norm + v * S);
		for (int j = 0; j < nt; j++) {
			float *dst = p->xin + (size_t)(v * nt + j) * S;
			if (j == 0)
				memcpy(dst, norm + v * S, S * sizeof *dst);
			else
				transform(norm + v * S, dst, p->w, j);
		}
	}
	if (sr_net_forward(p->net, p->xin, n, 0, 0) < 0)
		return -1;
	const float *o = sr_net_output(p->net);
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
	int k = p->order;
	if (k == 0)
		k = p->cons ? order_from_q(q, p->kmin, p->K, p->thresh) : 0;
	if (k == 0) { /* nothing consistent: the head with the lowest predicted loss */
		k = p->kmin;
		for (int i = p->kmin; i < p->K; i++)
			if (q[i] < q[k - 1])
				k = i + 1;
	}
	double P = 360.0 / k, est[16], wt[16];
	out->angle2 = NAN;
	if (p->layout == SR_LAYOUT_PROFILE) { /* mirror-folded heads: ambiguity.h */
		/* a folded model's gauge is 0 or P/2 (ambiguity.h): the calibration snaps to it */
		double c = p->has_calib[k] && fabs(sr_angdiff(p->calib[k], 0, P)) > P / 4 ? P / 2 : 0;
		double agree, mag;
		out->raw = sr_head_angle(o, k, &mag);
		double fb = pair ? sr_head_angle(o + p->nout, k, NULL) - c : NAN;
		out->phi = sr_profile_phi(rec);
		sr_mirror_answer(out->raw - c, fb, pair ? delta : NAN, out->phi, k, 2.0, out, &agree);
		out->k = k;
		out->calibrated = p->has_calib[k];
		double R = cos(k * agree * M_PI / 360.0);
		out->conf = p->cons ? exp(-q[k - 1] / p->thresh) * R : R;
		return 0;
	}
	for (int v = 0; v < nv; v++)
		for (int j = 0; j < nt; j++) {
			int i = v * nt + j;
			double mag, a = sr_head_angle(o + (size_t)i * p->nout, k, &mag);
			/* undo the transform: a = s theta + 90 j%4 */
			a -= 90.0 * (j % 4);
			if (j >= 4)
				a = -a;
			if (v == 1)
				a -= delta;
			est[i] = sr_wrap(a, P);
			wt[i] = 1;
		}
	double R;
	out->raw = sr_circmean(est, wt, n, P, &R);
	out->k = k;
	double qk = q[k - 1];
	out->conf = p->cons ? exp(-qk / p->thresh) * R : R;
	if (p->has_calib[k]) {
		out->angle = sr_wrap(out->raw - p->calib[k], P);
		out->calibrated = 1;
	} else {
		out->angle = out->raw;
	}
	return 0;
}
