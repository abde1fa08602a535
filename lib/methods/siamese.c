/* siamese.c: method 1 (Siamese training from stereo pairs) and its supervised oracle (the
 * predictor for every method: learn/predictor.c).
 *
 * The network maps one view to 3K numbers: for k = 1..K the raw head (c_k, s_k) ~ (cos k
 * theta, sin k theta), then K consistency predictions q_k.  Both views of a pair go through
 * the same network in one batch (A views first, then B views).  The loss is the pair loss of
 * nn/loss.h summed over heads, plus cons_weight times the mean squared error of q_k against the
 * observed pair loss L_k of head k (taken as a constant target): the network learns to say
 * per image which heads it can keep consistent, which is how it tells the symmetry order
 * without labels (a head is consistent only for multiples of the true order; the smallest
 * consistent one is the order: learn/order.h). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "methods/ambiguity.h"
#include "core/angles.h"
#include "core/err.h"
#include "core/rng.h"
#include "image/imgproc.h"
#include "nn/loss.h"
#include "learn/mirror.h"
#include "learn/order.h"
#include "learn/trainer.h"
#include "methods/constraints.h"
#include "methods/registry.h"

/* The options of siamese and oracle (train(1)). */
typedef struct {
	int augment;          /* 1: random dihedral transforms of both views (square images) */
	double mirror_weight; /* weight of the mirror loss (square images); 0 = off */
	double zoom_weight;   /* weight of the zoom loss (A zoomed by 0.8..1.25 keeps its angle) */
	double head_pow;      /* head k's loss weight is k^-head_pow (2: equal weight per degree) */
} m1conf;

static void m1_defaults(void *conf)
{
	*(m1conf *)conf = (m1conf){.augment = 1, .mirror_weight = 1, .zoom_weight = 1};
}

static const sr_option m1_options[] = {
	{"head-pow", "P", SR_OPTION_DOUBLE, offsetof(m1conf, head_pow), 0, 4, NULL,
	 "weight head k's loss by k^-P (default 0: all equal)"},
	{"no-augment", NULL, SR_OPTION_CLEAR, offsetof(m1conf, augment), 0, 0, NULL,
	 "do not transform training pairs (default: each pair is\n"
	 "rotated by a random multiple of 90 degrees and maybe\n"
	 "mirrored, both views alike, the offset following)"},
	{"mirror-weight", "X", SR_OPTION_DOUBLE, offsetof(m1conf, mirror_weight), 0, 100, NULL,
	 "weight of the mirror loss: a view's mirror image must\n"
	 "give the negated angle, which fixes the zero for every\n"
	 "image alike (default 1; 0 = off)"},
	{"zoom-weight", "X", SR_OPTION_DOUBLE, offsetof(m1conf, zoom_weight), 0, 100, NULL,
	 "weight of the zoom loss: an A view zoomed by 0.8..1.25 must\n"
	 "keep its angle, tying the zero across sizes (default 1)"},
	{NULL, NULL, 0, 0, 0, 0, NULL, NULL}};

/* The training parameters among the model's info keys. */
static void m1_info(sr_trainer *t)
{
	const m1conf *c = t->mconf;
	sr_meta_set(&t->info, "train.augment", "%s", c->augment ? "dihedral" : "none");
	sr_meta_set_double(&t->info, "train.mirror_weight", c->mirror_weight);
	sr_meta_set_double(&t->info, "train.zoom_weight", c->zoom_weight);
}

typedef struct {
	int K, nout, kmin;
	double w[SR_MAX_ORDER];
	float *xin, *dout;
	double *delta, *theta; /* per sample after augmentation */
	int maxb;
	int mirror; /* profiles: losses on the mirror quotient (learn/mirror.h, nn/loss.h) */
	/* several profiles a view: head k on the quotient only where the angles are blind to
	 * its mirror (fold[k - 1]; learn/mirror.h), the others plain (split); the views'
	 * label-free transforms (turn, and the mirror where the angle set has one) */
	int split;
	double w_plain[SR_MAX_ORDER], w_fold[SR_MAX_ORDER];
	unsigned char fold[SR_MAX_ORDER];
	sr_profile_group group;
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
		                  ? pow(k, -((const m1conf *)t->mconf)->head_pow) : 0.0;
	if (s->mirror && t->nangles > 1) {
		s->split = 1;
		for (int k = 1; k <= K; k++) {
			s->fold[k - 1] = (unsigned char)sr_mirror_blind(t->angles, t->nangles, k);
			s->w_fold[k - 1] = s->fold[k - 1] ? s->w[k - 1] : 0;
			s->w_plain[k - 1] = s->fold[k - 1] ? 0 : s->w[k - 1];
		}
		sr_profile_group_of(t->angles, t->nangles, &s->group);
	}
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

/* The pair loss of several profiles a view: plain for the heads whose mirror the angles see,
 * on the quotient for the blind ones; per head into ph. */
static double split_pair_loss(const m1state *s, const float *ua, const float *ub, int K,
                              double delta, double scale, float *ga, float *gb, double *ph)
{
	double pp[SR_MAX_ORDER], pf[SR_MAX_ORDER];
	double total = sr_pair_loss(ua, ub, K, delta, s->w_plain, scale, pp, ga, gb) +
	               sr_pair_loss_mirror(ua, ub, K, delta, s->w_fold, scale, pf, ga, gb);
	for (int k = 0; k < K; k++)
		ph[k] = s->fold[k] ? pf[k] : pp[k];
	return total;
}

/* Shared by siamese and oracle: oracle = 1 replaces the pair loss by the supervised one. */
static int m1_batch_common(sr_trainer *t, const sr_batch *b, int train, double *loss, int oracle)
{
	m1state *s = t->mstate;
	const m1conf *c = t->mconf;
	int B = b->n, K = s->K, no = s->nout;
	size_t S = (size_t)b->h * b->w;
	/* Training pairs are augmented by a random element of the dihedral group of the square
	 * applied to both views (exact on the pixel grid): a rotation keeps the offset, a mirror
	 * negates it.  No label is involved. */
	int image = t->layout == SR_LAYOUT_IMAGE;
	int aug = train && c->augment && image && b->h == b->w && b->h > 1;
	/* Several profiles a view: the transforms of learn/mirror.h (a turn reverses every
	 * profile; a mirror also changes which angle each profile sees, so it permutes them),
	 * both views alike, a mirror negating the offset.  (One profile a view: none, as
	 * before.) */
	int paug = train && c->augment && s->split;
	for (int i = 0; i < B; i++) {
		const float *va = b->x + (size_t)i * 2 * S, *vb = b->x + ((size_t)i * 2 + 1) * S;
		float *da = s->xin + (size_t)i * S, *db = s->xin + (size_t)(B + i) * S;
		int j = 0;
		if (aug || paug) {
			sr_rng r = sr_rng_derive(b->step_seed, (uint64_t)(b->first + i));
			j = (int)(sr_rng_next(&r) % (aug ? 8 : (uint64_t)s->group.n));
		}
		if (paug) {
			s->delta[i] = sr_profile_transform_sign(j) * b->delta[i];
			if (b->theta)
				s->theta[i] = sr_profile_transform_angle(&s->group, j, b->theta[i]);
			sr_profile_transform(&s->group, j, va, b->h, b->w, da);
			sr_profile_transform(&s->group, j, vb, b->h, b->w, db);
			continue;
		}
		s->delta[i] = j >= 4 ? -b->delta[i] : b->delta[i];
		if (b->theta)
			s->theta[i] = (j >= 4 ? -b->theta[i] : b->theta[i]) + 90.0 * (j % 4);
		if (j == 0) {
			memcpy(da, va, S * sizeof(float));
			memcpy(db, vb, S * sizeof(float));
		} else {
			sr_dihedral(va, da, b->w, j);
			sr_dihedral(vb, db, b->w, j);
		}
	}
	/* The mirror images of the A views (siamese with square images): their orientation is
	 * minus A's, which pins the zero (see sr_mirror_loss). */
	int mir = !oracle && c->mirror_weight > 0 && image && b->h == b->w && b->h > 1;
	/* A zoomed copy of each A view must give A's angle: ties the zero across particle sizes
	 * (the mirror loss leaves 0 or half a period, and pairs share their size). */
	int zm = mir && train && c->zoom_weight > 0;
	int nv = zm ? 4 * B : mir ? 3 * B : 2 * B;
	sr_constraint_views(s->xin, B, b->w, b->step_seed, b->first,
	                    mir ? s->xin + (size_t)2 * B * S : NULL,
	                    zm ? s->xin + (size_t)3 * B * S : NULL);
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
			if (s->split) { /* several profiles: quotient only for blind heads */
				unsigned char up[SR_MAX_ORDER], uf[SR_MAX_ORDER];
				for (int k = 0; k < K; k++) {
					up[k] = use[k] && !s->fold[k];
					uf[k] = use[k] && s->fold[k];
				}
				total += sr_target_loss(ua, K, s->theta[i], up, 1.0 / B, train ? ga : NULL);
				total += sr_target_loss(ub, K, s->theta[i] + delta, up, 1.0 / B,
				                        train ? gb : NULL);
				total += sr_target_loss_mirror(ua, K, s->theta[i], uf, 1.0 / B,
				                               train ? ga : NULL);
				total += sr_target_loss_mirror(ub, K, s->theta[i] + delta, uf, 1.0 / B,
				                               train ? gb : NULL);
				split_pair_loss(s, ua, ub, K, delta, 0, NULL, NULL, ph);
			} else if (s->mirror) { /* profiles: learn/mirror.h */
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
		} else if (s->split) {
			total += split_pair_loss(s, ua, ub, K, delta, 1.0 / B, train ? ga : NULL,
			                         train ? gb : NULL, ph);
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
		sr_constraint_loss(ua, mir ? out + (size_t)(2 * B + i) * no : NULL,
		                   zm ? out + (size_t)(3 * B + i) * no : NULL, K, s->w,
		                   c->mirror_weight, c->zoom_weight, B, &total, train ? ga : NULL,
		                   train && mir ? s->dout + (size_t)(2 * B + i) * no : NULL,
		                   zm ? s->dout + (size_t)(3 * B + i) * no : NULL);
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

static int m1_finish(sr_trainer *t)
{
	m1state *s = t->mstate;
	int K = s->K;
	char key[64];
	if (s->head_n > 0)
		for (int k = 1; k <= K; k++) {
			snprintf(key, sizeof key, "val.head_loss.%d", k);
			sr_meta_set(&t->info, key, "%.6g", s->head_sum[k - 1] / s->head_n);
		}
	int heads[SR_MAX_ORDER], nheads = 0;
	for (int k = s->kmin; k <= K; k++)
		heads[nheads++] = k;
	sr_order_input in = {t->nets[0], K, s->nout, heads, nheads, s->head_sum, s->head_n, 1,
	                     t->conf.order, s->maxb, s->xin};
	return sr_order_detect(&in, t->val_x, t->nval, t->views, t->h, t->w, &t->info);
}

const sr_method sr_method_siamese = {
	.name = "siamese", .views = 2, .conf_size = sizeof(m1conf), .defaults = m1_defaults,
	.options = m1_options, .setup = m1_setup, .info = m1_info, .batch = m1_batch,
	.val_begin = m1_val_begin, .finish = m1_finish, .free = m1_free};
const sr_method sr_method_oracle = {
	.name = "oracle", .reads_truth = 1, .views = 2, .conf_size = sizeof(m1conf),
	.defaults = m1_defaults, .options = m1_options, .setup = m1_setup, .info = m1_info,
	.batch = oracle_batch, .val_begin = m1_val_begin, .finish = m1_finish, .free = m1_free};

