/* siamese3d.c: method 1 in 3D: orientation learned from tilt pairs without labels.
 *
 * The network maps one view to SR_EMBED_TOTAL + SR_EMBED_NGROUPS numbers: for each candidate
 * group G (core/embed3d.h: C1, D5, T, O, I) a raw vector u_G ~ D(R) c_G of its harmonic
 * degrees, then one consistency prediction q_G per group.  Both views of a pair go through the
 * same network in one batch (A views first, then B views).  Training pairs are turned in the
 * image plane, each view by its own angle (an exact turn by a multiple of 90 degrees half the
 * time, else any angle by bilinear resampling: image/rotate.h); a turn by phi
 * counterclockwise on screen is the rotation R -> R_z(phi) R, so view B is view A turned by
 *     Q = R_z(phi_B) R_y(delta) R_z(-phi_A)
 * (delta the pair's tilt, its one label), and the pair loss of each head (nn/loss.h:
 * sr_pair_loss3d) asks u_B = D(Q) u_A on the twin quotient.  Tilts about y and turns about
 * z generate SO(3), so a head that is consistent has learned v = D(R) c with c fixed by the
 * particle's group: c = +-c_G per block (the gauge the calibration fixes).  A norm loss keeps
 * the raw vectors at unit length (no collapse to 0), and the consistency predictions learn
 * each head's inconsistency per image (its pair loss over the loss of a constant vector,
 * methods/orient3d.h; taken as a constant target), as in 2D: a head can be
 * consistent only when the particle's group fixes a vector of its degrees, and the first
 * consistent group in the order C1, D5, T, O, I names the particle's group.
 *
 * The truth (qw .. qz, shape) is never read: only the images and the key tilt.  The
 * supervised oracle3d (the same network trained on the true orientations and groups) is
 * the experiment's upper bound. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embed3d.h"
#include "core/err.h"
#include "core/quat.h"
#include "core/rng.h"
#include "core/wigner.h"
#include "image/imgproc.h"
#include "image/rotate.h"
#include "learn/trainer.h"
#include "methods/orient3d.h"
#include "methods/registry.h"
#include "nn/loss.h"

typedef struct {
	int augment;        /* 1: in-plane turns of each training view */
	double norm_weight; /* weight of the norm loss */
	double iso_weight;  /* weight of the isotropy loss */
	const char *group;  /* NULL: every group's head; else only that one is trained */
} m3conf;

static void m3_defaults(void *conf)
{
	*(m3conf *)conf = (m3conf){.augment = 1, .norm_weight = 0.1, .iso_weight = 1};
}

static const char *const group_names[] = {"C1", "D5", "T", "O", "I", NULL};

static const sr_option m3_options[] = {
	{"no-augment", NULL, SR_OPTION_CLEAR, offsetof(m3conf, augment), 0, 0, NULL,
	 "do not turn training views in the image plane (default: each\n"
	 "view turned by its own angle, the Wigner matrices following)"},
	{"norm-weight", "X", SR_OPTION_DOUBLE, offsetof(m3conf, norm_weight), 0, 100, NULL,
	 "weight of the norm loss that keeps each head's raw vector at\n"
	 "unit length (default 0.1)"},
	{"iso-weight", "X", SR_OPTION_DOUBLE, offsetof(m3conf, iso_weight), 0, 100, NULL,
	 "weight of the isotropy loss: over a batch each head's vectors\n"
	 "must have the second moment of uniform orientations, I/(2l+1),\n"
	 "which a map blind to the tilt has not (default 1; 0 = off)"},
	{"group", "G", SR_OPTION_STRING, offsetof(m3conf, group), 0, 0, group_names,
	 "the point group when it is known (C1, D5, T, O or I): only\n"
	 "its head is trained, and the model uses it"},
	{NULL, NULL, 0, 0, 0, 0, NULL, NULL}};

static void m3_info(sr_trainer *t)
{
	const m3conf *c = t->mconf;
	sr_meta_set(&t->info, "train.augment", "%s", c->augment ? "inplane" : "none");
	sr_meta_set_double(&t->info, "train.norm_weight", c->norm_weight);
	sr_meta_set_double(&t->info, "train.iso_weight", c->iso_weight);
}

typedef struct {
	int maxb;
	float *xin, *dout;
	const sr_embed *e[SR_EMBED_NGROUPS];
	double D[SR_WIGNER_LMAX + 1][SR_WIGNER_MAXDIM * SR_WIGNER_MAXDIM]; /* of one pair's Q */
	int only; /* --group: the one head trained, else -1 */
	/* validation statistics: pair losses and bases per group, the per-pair group choices */
	double loss_sum[SR_EMBED_NGROUPS], base_sum[SR_EMBED_NGROUPS];
	long head_n, choice[SR_EMBED_NGROUPS];
} m3state;

static int m3_setup(sr_trainer *t)
{
	if (t->h != t->w)
		return sr_fail("method siamese3d needs square images (centre --size N)");
	if (sr_embed_init() < 0)
		return sr_fail("out of memory building the group embeddings");
	m3state *s = calloc(1, sizeof *s);
	if (!s)
		return sr_fail("out of memory");
	t->mstate = s;
	for (int g = 0; g < SR_EMBED_NGROUPS; g++)
		s->e[g] = sr_embed_get(g);
	s->maxb = t->conf.batch;
	const m3conf *c = t->mconf;
	s->only = c->group ? sr_embed_from_name(c->group) : -1;
	size_t in = (size_t)t->h * t->w;
	s->xin = malloc((size_t)2 * s->maxb * in * sizeof *s->xin);
	s->dout = malloc((size_t)2 * s->maxb * SR_ORIENT3D_NOUT * sizeof *s->dout);
	if (!s->xin || !s->dout)
		return sr_fail("out of memory");
	if (!sr_trainer_add_net(t, "siamese3d", t->conf.net, SR_ORIENT3D_NOUT, 2 * s->maxb))
		return -1;
	sr_meta_set(&t->info, "predict.net", "siamese3d");
	sr_meta_set(&t->info, "heads3d", "C1,D5,T,O,I");
	return 0;
}

static void m3_free(sr_trainer *t)
{
	m3state *s = t->mstate;
	if (!s)
		return;
	free(s->xin);
	free(s->dout);
	free(s);
	t->mstate = NULL;
}

static void m3_val_begin(sr_trainer *t)
{
	m3state *s = t->mstate;
	memset(s->loss_sum, 0, sizeof s->loss_sum);
	memset(s->base_sum, 0, sizeof s->base_sum);
	memset(s->choice, 0, sizeof s->choice);
	s->head_n = 0;
}

/* view i of the batch into dst, turned by phi degrees (drawn when turn; else 0) */
static double turn_view(const float *src, float *dst, int n, int turn, sr_rng *r)
{
	if (!turn || sr_rng_uniform(r) < 0.25) {
		memcpy(dst, src, (size_t)n * n * sizeof *dst);
		return 0;
	}
	if (sr_rng_uniform(r) < 1.0 / 3) { /* exact on the pixel grid */
		int j = 1 + (int)(sr_rng_next(r) % 3);
		sr_dihedral(src, dst, n, j);
		return 90.0 * j;
	}
	double phi = 360 * sr_rng_uniform(r), rad = phi * M_PI / 180;
	sr_rotate_forward(src, n, n, 1, &rad, NULL, dst);
	return phi;
}

/* The supervised oracle's loss of one sample (the same network; the experiment's upper
 * bound): the head of the true group g is asked for D(R) c_g in each view, on the twin
 * quotient (nn/loss.h: sr_pair_loss3d with the target as view A and no turn), and the
 * consistency outputs for 0 there and 1 elsewhere, so predict's rule names g. */
static double oracle_loss(m3state *s, const sr_batch *b, int i, const double *qa,
                          const double *qb, const float *ua, const float *ub, float *ga,
                          float *gb, double cw, int B)
{
	int g = b->k[i];
	const sr_embed *e = s->e[g];
	int o = sr_embed_offset(g);
	double (*I)[SR_WIGNER_MAXDIM * SR_WIGNER_MAXDIM] = s->D, total = 0;
	memset(s->D, 0, sizeof s->D);
	for (int l = 1; l <= SR_WIGNER_LMAX; l++)
		for (int m = 0; m < SR_WIGNER_DIM(l); m++)
			I[l][m * SR_WIGNER_DIM(l) + m] = 1;
	const double *qv[2] = {qa, qb};
	const float *uv[2] = {ua, ub};
	float *gv[2] = {ga, gb};
	for (int v = 0; v < 2; v++) {
		double target[SR_EMBED_MAXDIM];
		float tf[SR_EMBED_MAXDIM];
		sr_embed_rotate(e, qv[v], e->c, target);
		for (int k = 0; k < e->dim; k++)
			tf[k] = (float)target[k];
		total += sr_pair_loss3d(e, tf, uv[v] + o, (const double(*)[169])I, 1.0 / B, NULL,
		                        ga ? gv[v] + o : NULL);
	}
	for (int h = 0; h < SR_EMBED_NGROUPS; h++) {
		int qo = SR_EMBED_TOTAL + h;
		total += sr_consistency_loss(ua[qo], ub[qo], h == g ? 0 : 1, cw, B,
		                             ga ? &ga[qo] : NULL, gb ? &gb[qo] : NULL);
	}
	return total;
}

static int m3_batch_common(sr_trainer *t, const sr_batch *b, int train, double *loss,
                           int oracle)
{
	m3state *s = t->mstate;
	const m3conf *c = t->mconf;
	int B = b->n, no = SR_ORIENT3D_NOUT;
	size_t S = (size_t)b->h * b->w;
	double (*Q)[4] = malloc((size_t)3 * B * sizeof *Q), (*TA)[4] = Q + B, (*TB)[4] = Q + 2 * B;
	if (!Q)
		return sr_fail("out of memory");
	const double z[3] = {0, 0, 1};
	for (int i = 0; i < B; i++) {
		sr_rng r = sr_rng_derive(b->step_seed, (uint64_t)(b->first + i));
		int turn = train && c->augment;
		double pa = turn_view(b->x + (size_t)i * 2 * S, s->xin + (size_t)i * S, b->w, turn, &r);
		double pb = turn_view(b->x + ((size_t)i * 2 + 1) * S, s->xin + (size_t)(B + i) * S,
		                      b->w, turn, &r);
		double qa[4], qb[4], qt[4], tmp[4];
		sr_quat_axis_angle(z, -pa, qa);
		sr_quat_axis_angle(z, pb, qb);
		sr_quat_tilt(b->delta[i], 0, qt);
		sr_quat_mul(qt, qa, tmp);
		sr_quat_mul(qb, tmp, Q[i]);
		if (oracle) { /* the truth of both views as turned: R_z(phi_A) R, R_z(phi_B) R_y R */
			double za[4];
			sr_quat_axis_angle(z, pa, za);
			sr_quat_mul(za, b->q + 4 * i, TA[i]);
			sr_quat_mul(qt, b->q + 4 * i, tmp);
			sr_quat_mul(qb, tmp, TB[i]);
		}
	}
	sr_net *net = t->nets[0];
	if (sr_net_forward(net, s->xin, 2 * B, train, b->step_seed) < 0) {
		free(Q);
		return -1;
	}
	const float *out = sr_net_output(net);
	memset(s->dout, 0, (size_t)2 * B * no * sizeof(float));
	double total = 0, cw = t->conf.cons_weight;
	double (*D)[SR_WIGNER_MAXDIM * SR_WIGNER_MAXDIM] = s->D;
	for (int i = 0; i < B; i++) {
		const float *ua = out + (size_t)i * no, *ub = out + (size_t)(B + i) * no;
		float *ga = s->dout + (size_t)i * no, *gb = s->dout + (size_t)(B + i) * no;
		if (oracle) {
			total += oracle_loss(s, b, i, TA[i], TB[i], ua, ub, train ? ga : NULL,
			                     train ? gb : NULL, cw, B);
			for (int g = 0; g < SR_EMBED_NGROUPS; g++) {
				int o = sr_embed_offset(g);
				if (c->norm_weight > 0)
					total += c->norm_weight *
					         (sr_norm_loss3d(s->e[g], ua + o, c->norm_weight / B, train ? ga + o : NULL) +
					          sr_norm_loss3d(s->e[g], ub + o, c->norm_weight / B, train ? gb + o : NULL));
			}
			if (!train) {
				s->head_n++;
				s->choice[b->k[i]]++;
			}
			continue;
		}
		for (int l = 1; l <= SR_WIGNER_LMAX; l++)
			sr_wigner(l, Q[i], D[l]);
		double ph[SR_EMBED_NGROUPS];
		for (int g = 0; g < SR_EMBED_NGROUPS; g++) {
			const sr_embed *e = s->e[g];
			int o = sr_embed_offset(g);
			if (s->only >= 0 && g != s->only) {
				ph[g] = 1;
				continue;
			}
			double L = sr_pair_loss3d(e, ua + o, ub + o, (const double(*)[169])D, 1.0 / B,
			                          train ? ga + o : NULL, train ? gb + o : NULL);
			double base = sr_orient3d_base(e, (const double(*)[169])D);
			total += L;
			ph[g] = L / base; /* the inconsistency: comparable across degrees */
			if (!train) {
				s->loss_sum[g] += L;
				s->base_sum[g] += base;
			}
			if (c->norm_weight > 0)
				total += c->norm_weight *
				         (sr_norm_loss3d(e, ua + o, c->norm_weight / B, train ? ga + o : NULL) +
				          sr_norm_loss3d(e, ub + o, c->norm_weight / B, train ? gb + o : NULL));
			int qo = SR_EMBED_TOTAL + g;
			total += sr_consistency_loss(ua[qo], ub[qo], ph[g], cw, B, train ? &ga[qo] : NULL,
			                             train ? &gb[qo] : NULL);
		}
		if (!train) {
			s->head_n++;
			s->choice[sr_orient3d_choose(ph)]++;
		}
	}
	free(Q);
	/* the isotropy of each trained head over the batch's 2B views (both are uniform on SO(3)
	 * up to the tilt); a batch mean, so it is added once, not per sample */
	if (!oracle && c->iso_weight > 0)
		for (int g = 0; g < SR_EMBED_NGROUPS; g++) {
			if (s->only >= 0 && g != s->only)
				continue;
			int o = sr_embed_offset(g);
			total += B * c->iso_weight *
			         sr_isotropy_loss3d(s->e[g], out + o, 2 * B, no, c->iso_weight,
			                            train ? s->dout + o : NULL);
		}
	*loss = total / B;
	if (train && sr_net_backward(net, s->dout) < 0)
		return -1;
	return 0;
}

static int m3_batch(sr_trainer *t, const sr_batch *b, int train, double *loss)
{
	return m3_batch_common(t, b, train, loss, 0);
}

static int oracle3d_batch(sr_trainer *t, const sr_batch *b, int train, double *loss)
{
	return m3_batch_common(t, b, train, loss, 1);
}

/* the oracle's group: the true group of (nearly) every validation pair, else per image */
static int oracle3d_finish(sr_trainer *t)
{
	m3state *s = t->mstate;
	int g = 0;
	for (int h = 1; h < SR_EMBED_NGROUPS; h++)
		if (s->choice[h] > s->choice[g])
			g = h;
	int one = s->head_n > 0 && s->choice[g] >= 0.9 * s->head_n;
	sr_meta_set(&t->info, "group3d", "%s", one ? s->e[g]->group : "per-image");
	return 0;
}

static int m3_finish(sr_trainer *t)
{
	m3state *s = t->mstate;
	if (s->head_n == 0) {
		sr_meta_set(&t->info, "group3d", "per-image");
		return 0;
	}
	double mean[SR_EMBED_NGROUPS];
	char key[64];
	for (int g = 0; g < SR_EMBED_NGROUPS; g++) {
		mean[g] = s->base_sum[g] > 0 ? s->loss_sum[g] / s->base_sum[g] : 1;
		if (s->only >= 0 && g != s->only)
			continue; /* not trained */
		snprintf(key, sizeof key, "val.inconsistency3d.%s", s->e[g]->group);
		sr_meta_set(&t->info, key, "%.6g", mean[g]);
	}
	int g = s->only >= 0 ? s->only : sr_orient3d_choose(mean);
	if (s->only >= 0)
		s->choice[g] = s->head_n;
	double share = (double)s->choice[g] / s->head_n;
	sr_meta_set_double(&t->info, "group3d.share", share);
	/* one group for (nearly) every validation pair: a single-shape model, whose group
	 * predict uses for every image; otherwise each image gets its own */
	sr_meta_set(&t->info, "group3d", "%s", share >= 0.9 ? s->e[g]->group : "per-image");
	return 0;
}

const sr_method sr_method_siamese3d = {
	.name = "siamese3d", .views = 2, .pair_key = "tilt", .conf_size = sizeof(m3conf),
	.defaults = m3_defaults, .options = m3_options, .setup = m3_setup, .info = m3_info,
	.batch = m3_batch, .val_begin = m3_val_begin, .finish = m3_finish, .free = m3_free};
const sr_method sr_method_oracle3d = {
	.name = "oracle3d", .reads_truth = 2, .views = 2, .pair_key = "tilt",
	.conf_size = sizeof(m3conf), .defaults = m3_defaults, .options = m3_options,
	.setup = m3_setup, .info = m3_info, .batch = oracle3d_batch, .val_begin = m3_val_begin,
	.finish = oracle3d_finish, .free = m3_free};
