/* generate.c: method 2 (train --method generate): an encoder tells the angle of one view, a
 * decoder renders the stereo partner from that angle turned by the known offset; the loss is
 * how well the partner is reproduced.  See generate.h for the code, the loss and the keys.
 *
 * One batch of B pairs: the encoder reads all 2B views (A views, then B views); the decoder
 * renders B from A's code turned by +offset and A from B's code turned by -offset (both
 * directions: every view is a target once and an input once).  The encoder's consistency
 * outputs q_k of the heads the decoder reads learn, as in method 1, the observed pair loss of
 * head k between its own encodings of A and B (a constant target, weight --cons-weight):
 * that is how the order is detected per image without labels.  (With the order given, the
 * other heads are not trained at all, so neither are their q_k: predict then uses the given
 * order and reads q_k of that order only, for its confidence.)  The decoder's input gradient is carried back to the
 * encoder's heads through the rotation R(k delta) and the normalisation z = u / |u|. */
#include "methods/generate.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/angles.h"
#include "core/err.h"
#include "core/rng.h"
#include "image/rotate.h"
#include "nn/loss.h"
#include "learn/order.h"
#include "learn/trainer.h"
#include "methods/constraints.h"
#include "methods/registry.h"

#define DEG (M_PI / 180.0)
#define NORM_EPS 1e-4

/* ---------------------------------------------------------------- the code */

void sr_gen_code(const float *u, int K, int k, int nhot, int L, double delta, float *y)
{
	double ux = u[2 * (k - 1)], uy = u[2 * (k - 1) + 1];
	double s = sqrt(ux * ux + uy * uy + NORM_EPS * NORM_EPS);
	double zx = ux / s, zy = uy / s, a = k * delta * DEG, c = cos(a), si = sin(a);
	y[0] = (float)(c * zx - si * zy);
	y[1] = (float)(si * zx + c * zy);
	for (int j = 0; j < nhot; j++)
		y[2 + j] = j == k - 1 ? 1.0f : 0.0f;
	for (int l = 0; l < L; l++)
		y[2 + nhot + l] = u[3 * K + l];
}

void sr_gen_code_backward(const float *u, int K, int k, int nhot, int L, double delta,
                          const float *gy, float *gu)
{
	double ux = u[2 * (k - 1)], uy = u[2 * (k - 1) + 1];
	double s = sqrt(ux * ux + uy * uy + NORM_EPS * NORM_EPS);
	double a = k * delta * DEG, c = cos(a), si = sin(a);
	double gx = gy[0], gyy = gy[1];
	/* dz = R^T g */
	double dzx = c * gx + si * gyy, dzy = -si * gx + c * gyy;
	/* z = u / s: du = dz / s - u (u . dz) / s^3 */
	double ud = ux * dzx + uy * dzy, s3 = s * s * s;
	gu[2 * (k - 1)] += (float)(dzx / s - ux * ud / s3);
	gu[2 * (k - 1) + 1] += (float)(dzy / s - uy * ud / s3);
	for (int l = 0; l < L; l++)
		gu[3 * K + l] += gy[2 + nhot + l];
}

void sr_gen_angle_code(double angle, int k, int nhot, int L, const float *lat, float *y)
{
	double a = k * angle * DEG;
	y[0] = (float)cos(a);
	y[1] = (float)sin(a);
	for (int j = 0; j < nhot; j++)
		y[2 + j] = j == k - 1 ? 1.0f : 0.0f;
	for (int l = 0; l < L; l++)
		y[2 + nhot + l] = lat ? lat[l] : 0.0f;
}

/* ---------------------------------------------------------------- the template renderer */

void sr_gen_template_input(const float *y, int nhot, int L, float *x)
{
	x[0] = 1.0f;
	for (int i = 0; i < nhot + L; i++)
		x[1 + i] = y[2 + i];
}

/* The k angles (radians) and weights of the symmetrised rendering of code y; returns phi's
 * d/dy[0] and d/dy[1] in *dc, *ds. */
static void template_angles(int k, const float *y, double *ang, double *wt, double *dc, double *ds)
{
	double c = y[0], s = y[1], r2 = c * c + s * s + 1e-12;
	double phi = atan2(s, c) / k;
	for (int j = 0; j < k; j++) {
		ang[j] = phi + 2 * M_PI * j / k;
		wt[j] = 1.0 / k;
	}
	*dc = -s / (k * r2);
	*ds = c / (k * r2);
}

void sr_gen_template_render(const float *T, int w, int h, int k, const float *y, float *out)
{
	double ang[SR_MAX_ORDER], wt[SR_MAX_ORDER], dc, ds;
	template_angles(k, y, ang, wt, &dc, &ds);
	sr_rotate_forward(T, w, h, k, ang, wt, out);
}

void sr_gen_template_backward(const float *T, int w, int h, int k, const float *y, const float *g,
                              float *gT, float *gy01)
{
	double ang[SR_MAX_ORDER], wt[SR_MAX_ORDER], ga[SR_MAX_ORDER], dc, ds, gphi = 0;
	template_angles(k, y, ang, wt, &dc, &ds);
	sr_rotate_backward(T, w, h, k, ang, wt, g, gT, ga);
	for (int j = 0; j < k; j++)
		gphi += ga[j];
	gy01[0] = (float)(gphi * dc);
	gy01[1] = (float)(gphi * ds);
}

/* ---------------------------------------------------------------- the default decoder */

int sr_gen_decoder_spec(int h, int w, char *buf, size_t n)
{
	int f = 8;
	if (h == 1) {
		while (f > 1 && (w % f || w / f < 2))
			f /= 2;
	} else {
		while (f > 1 && (h % f || w % f || h / f < 2 || w / f < 2))
			f /= 2;
	}
	int len;
	if (f == 1) {
		len = snprintf(buf, n, "dense 256; relu; dense %d; reshape 1 %d %d", h * w, h, w);
	} else {
		static const int ch[] = {32, 16, 8};
		int stages = f == 8 ? 3 : f == 4 ? 2 : 1, gh = h == 1 ? 1 : h / f, gw = w / f;
		int c0 = ch[3 - stages], kern = h == 1 ? 5 : 3;
		len = snprintf(buf, n, "dense 256; relu; dense %d; relu; reshape %d %d %d", c0 * gh * gw,
		               c0, gh, gw);
		for (int s = 0; s < stages && len > 0 && (size_t)len < n; s++)
			len += snprintf(buf + len, n - len, "; upsample 2 bilinear; conv %d %d same; relu",
			                ch[3 - stages + s], kern);
		if (len > 0 && (size_t)len < n)
			len += snprintf(buf + len, n - len, "; conv 1 %d same", kern);
	}
	if (len < 0 || (size_t)len >= n)
		return sr_fail("decoder spec too long");
	return 0;
}

int sr_gen_parse_heads(const char *s, int K, int *heads)
{
	int n = 0;
	const char *p = s;
	if (!s || !*s)
		return sr_fail("empty list of decoder heads");
	for (;;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < 1 || v > K || n >= SR_MAX_ORDER)
			return sr_fail("decoder.heads: '%s' is not a list of heads 1..%d", s, K);
		heads[n++] = (int)v;
		if (*end == 0)
			return n;
		if (*end != ',')
			return sr_fail("decoder.heads: '%s' is not a list of heads 1..%d", s, K);
		p = end + 1;
	}
}

static double softplus(double o) { return o > 30 ? o : log1p(exp(o)); }

void sr_gen_output_image(float *out, size_t n, int loss)
{
	if (loss)
		for (size_t i = 0; i < n; i++)
			out[i] = (float)softplus(out[i]);
}

/* ---------------------------------------------------------------- the method */

typedef struct {
	int K, nout, L, nh, nhot, din, loss, maxb;
	int tmpl, dnin; /* template renderer; the decoder network's input size (din or din - 1) */
	int quot;       /* profiles: the reconstruction on the mirror quotient (--mirror-quotient) */
	float *xdec, *rend, *gtpl, *gdec; /* template: decoder inputs, renderings, d/dT, d/dx */
	int heads[SR_MAX_ORDER];
	double w[SR_MAX_ORDER]; /* 1 for the heads the decoder reads: the constraints' weights */
	int *pick; /* the head each of the 2B decoder inputs of the batch reads */
	size_t S;
	float *xin, *tgt, *code, *dimg, *dout, *img;
	/* validation statistics */
	double head_sum[SR_MAX_ORDER], mse_sum, lat_sum[SR_GEN_MAX_LATENTS];
	long head_n, mse_n;
} m2state;

/* The options of generate (train(1)). */
typedef struct {
	const char *decoder;  /* decoder spec or "@file"; NULL: default for the view size */
	int latents;          /* latent numbers besides the angle */
	const char *loss;     /* "mse" or "poisson" */
	const char *renderer; /* "free" or "template" */
	/* Off by default: at method 1's weights (1, 1) the encoder learned no angle (squares
	 * told k = 4, 2500 pairs, 8 epochs, dose 40: median 22.4 degrees, chance, against 0.275
	 * with them off; its validation loss stayed where the reconstruction starts: a code
	 * without angle meets both constraints; README, method 2). */
	double mirror_weight; /* method 1's mirror loss on the encoder (methods/constraints.h) */
	double zoom_weight;   /* method 1's zoom loss on the encoder */
	int quotient;         /* profiles: render both mirror candidates, keep the better */
} m2conf;

static void m2_defaults(void *conf)
{
	*(m2conf *)conf = (m2conf){.latents = 2, .loss = "mse", .renderer = "free"};
}

static const char *const loss_names[] = {"mse", "poisson", NULL};
static const char *const renderer_names[] = {"free", "template", NULL};

static const sr_option m2_options[] = {
	{"decoder", "SPEC", SR_OPTION_STRING, offsetof(m2conf, decoder), 0, 0, NULL,
	 "decoder network or @FILE (default: dense, then\n"
	 "upsampling and convolutions to the view size)"},
	{"latents", "N", SR_OPTION_INT, offsetof(m2conf, latents), 0, SR_GEN_MAX_LATENTS, NULL,
	 "latent numbers besides the angle (default 2)"},
	{"loss", "NAME", SR_OPTION_STRING, offsetof(m2conf, loss), 0, 0, loss_names,
	 "mse (default) or poisson"},
	{"renderer", "NAME", SR_OPTION_STRING, offsetof(m2conf, renderer), 0, 0, renderer_names,
	 "free (default: the decoder draws the view) or\n"
	 "template (the decoder draws a template that is turned\n"
	 "by the decoded angle; images only)"},
	{"mirror-weight", "X", SR_OPTION_DOUBLE, offsetof(m2conf, mirror_weight), 0, 100, NULL,
	 "weight of method 1's mirror loss on the encoder: a\n"
	 "view's mirror image must give the negated angle\n"
	 "(square images; default 0 = off)"},
	{"zoom-weight", "X", SR_OPTION_DOUBLE, offsetof(m2conf, zoom_weight), 0, 100, NULL,
	 "weight of method 1's zoom loss: an A view zoomed by\n"
	 "0.8..1.25 must keep its angle (default 0 = off)"},
	{"mirror-quotient", "0|1", SR_OPTION_INT, offsetof(m2conf, quotient), 0, 1, NULL,
	 "profiles: 1 renders the partner from both mirror\n"
	 "candidates of A's folded angle, +psi + delta and\n"
	 "-psi + delta, and keeps the better (default 0)"},
	{NULL, NULL, 0, 0, 0, 0, NULL, NULL}};

/* The constraint weights among the model's info keys (the keys models of method 2 have
 * always carried; train.augment stays "dihedral" so that they do not change otherwise). */
static void m2_info(sr_trainer *t)
{
	const m2conf *c = t->mconf;
	sr_meta_set(&t->info, "train.augment", "%s", "dihedral");
	sr_meta_set_double(&t->info, "train.mirror_weight", c->mirror_weight);
	sr_meta_set_double(&t->info, "train.zoom_weight", c->zoom_weight);
}

static int m2_setup(sr_trainer *t)
{
	const m2conf *c = t->mconf;
	int K = t->conf.heads, L = c->latents;
	if (K < 1 || K > SR_MAX_ORDER)
		return sr_fail("--heads: %d is out of range 1..%d", K, SR_MAX_ORDER);
	if (t->conf.order > K)
		return sr_fail("--order %d is larger than --heads %d", t->conf.order, K);
	if (L < 0 || L > SR_GEN_MAX_LATENTS)
		return sr_fail("--latents: %d is out of range 0..%d", L, SR_GEN_MAX_LATENTS);
	const char *lname = c->loss ? c->loss : "mse";
	int loss = !strcmp(lname, "mse") ? 0 : !strcmp(lname, "poisson") ? 1 : -1;
	if (loss < 0)
		return sr_fail("--loss: unknown loss '%s' (mse, poisson)", lname);
	const char *rname = c->renderer ? c->renderer : "free";
	int tmpl = !strcmp(rname, "free") ? 0 : !strcmp(rname, "template") ? 1 : -1;
	if (tmpl < 0)
		return sr_fail("--renderer: unknown renderer '%s' (free, template)", rname);
	if (tmpl && t->h == 1)
		return sr_fail("--renderer template: profiles cannot be rendered by turning a template "
		               "(the projection of a turned particle is not a turned profile); use "
		               "--renderer free");
	if (t->layout == SR_LAYOUT_PROFILE && t->h > 1)
		return sr_fail("method generate reads one profile a view, these records have %d "
		               "(project1d --angles; train -M siamese reads them)", t->h);
	if (c->quotient && t->layout != SR_LAYOUT_PROFILE)
		return sr_fail("--mirror-quotient is for profiles (an image has no mirror ambiguity)");
	m2state *s = calloc(1, sizeof *s);
	if (!s)
		return sr_fail("out of memory");
	t->mstate = s;
	s->quot = c->quotient;
	s->K = K;
	s->L = L;
	s->loss = loss;
	s->nout = 3 * K + L;
	s->maxb = t->conf.batch;
	s->S = (size_t)t->h * t->w;
	int kmin = t->conf.kmin < 1 ? 1 : t->conf.kmin;
	if (!t->conf.order && kmin > K)
		return sr_fail("--kmin %d is larger than --heads %d", kmin, K);
	if (t->conf.order) {
		s->heads[s->nh++] = t->conf.order;
	} else { /* as method 1: heads below --kmin are neither trained nor detected */
		for (int k = kmin; k <= K; k++)
			s->heads[s->nh++] = k;
	}
	for (int m = 0; m < s->nh; m++)
		s->w[s->heads[m] - 1] = 1;
	s->nhot = s->nh > 1 ? K : 0;
	s->din = 2 + s->nhot + L;
	s->tmpl = tmpl;
	s->dnin = tmpl ? s->din - 1 : s->din;
	size_t B2 = (size_t)2 * s->maxb;
	if (tmpl) {
		s->xdec = malloc(B2 * s->dnin * sizeof *s->xdec);
		s->rend = malloc(B2 * s->S * sizeof *s->rend);
		s->gtpl = malloc(B2 * s->S * sizeof *s->gtpl);
		s->gdec = malloc(B2 * s->din * sizeof *s->gdec);
		if (!s->xdec || !s->rend || !s->gtpl || !s->gdec)
			return sr_fail("out of memory");
	}
	s->xin = malloc(2 * B2 * s->S * sizeof *s->xin); /* + mirror images and zoomed copies */
	size_t R = s->quot ? 2 * B2 : B2; /* renderings a batch: two candidates each with quot */
	s->tgt = malloc(B2 * s->S * sizeof *s->tgt);
	s->dimg = malloc(R * s->S * sizeof *s->dimg);
	s->code = malloc(R * s->din * sizeof *s->code);
	s->dout = malloc(2 * B2 * s->nout * sizeof *s->dout);
	s->pick = malloc(B2 * sizeof *s->pick);
	if (!s->xin || !s->tgt || !s->dimg || !s->code || !s->dout || !s->pick)
		return sr_fail("out of memory");
	if (!sr_trainer_add_net(t, "encoder", t->conf.net, s->nout, (int)(2 * B2)))
		return -1;
	/* the decoder: input din x 1 x 1, output 1 x h x w; made here because its input is a
	 * vector, with an optimiser configured like the encoder's */
	char dspec[1024];
	const char *spec = c->decoder;
	if (!spec) {
		if (sr_gen_decoder_spec(t->h, t->w, dspec, sizeof dspec) < 0)
			return -1;
		spec = dspec;
	}
	sr_net *dec = sr_net_create(spec, s->dnin, 1, 1, (int)s->S, (int)R);
	if (!dec)
		return sr_fail_context("--decoder");
	int oc, oh, ow;
	sr_net_out_shape(dec, &oc, &oh, &ow);
	if ((size_t)oc * oh * ow != s->S) {
		sr_net_free(dec);
		return sr_fail("--decoder: the network renders %dx%dx%d, the views are 1x%dx%d", oc, oh,
		               ow, t->h, t->w);
	}
	if (sr_trainer_adopt_net(t, "decoder", dec) < 0)
		return -1;
	sr_net_set_input_grad(dec, 1);

	sr_meta_set(&t->info, "predict.net", "encoder");
	sr_meta_set_long(&t->info, "heads", K);
	sr_meta_set(&t->info, "heads.consistency", "yes");
	char list[4 * SR_MAX_ORDER] = "";
	for (int m = 0; m < s->nh; m++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d", m ? "," : "",
		         s->heads[m]);
	if (!t->conf.order) /* predict(1) detects per image among the trained heads only */
		sr_meta_set_long(&t->info, "heads.kmin", s->heads[0]);
	sr_meta_set(&t->info, "decoder.renderer", "%s", tmpl ? "template" : "free");
	sr_meta_set(&t->info, "decoder.heads", "%s", list);
	sr_meta_set_long(&t->info, "decoder.latents", L);
	sr_meta_set(&t->info, "decoder.loss", "%s", loss ? "poisson" : "mse");
	sr_meta_set(&t->info, "decoder.output", "%s", loss ? "softplus" : "linear");
	sr_meta_set_long(&t->info, "decoder.params", (long)sr_net_nparams(dec));
	if (s->quot)
		sr_meta_set(&t->info, "train.mirror_quotient", "yes");
	return 0;
}

/* ---- the mirror quotient of profiles (learn/mirror.h) ----
 * A profile cannot tell psi from -psi, so an encoder of one profile can only learn the folded
 * angle: head k's (c, s) stands for the class {(c, s), (c, -s)}.  The partner at offset delta
 * is then one of two renderings, from +psi + delta or from -psi + delta; both are rendered
 * (the second from the code of (c, -s)) and the better one is the loss, as method 1's pair
 * loss takes the better sign (nn/loss.h, sr_pair_loss_mirror).  The other rendering gets no
 * gradient. */

/* u with head k's sine negated: the other representative of its class. */
static void flip_head(const float *u, int nout, int k, float *out)
{
	memcpy(out, u, (size_t)nout * sizeof *out);
	out[2 * (k - 1) + 1] = -out[2 * (k - 1) + 1];
}

/* Head k's consistency on the quotient: the smallest over the four sign choices. */
static double quotient_consistency(const float *ua, const float *ub, int k, double delta)
{
	float a[2 * SR_MAX_ORDER], b[2 * SR_MAX_ORDER];
	double best = INFINITY;
	for (int c = 0; c < 4; c++) {
		int o = 2 * (k - 1);
		a[o] = ua[o], a[o + 1] = c & 1 ? -ua[o + 1] : ua[o + 1];
		b[o] = ub[o], b[o + 1] = c & 2 ? -ub[o + 1] : ub[o + 1];
		double l = sr_head_consistency(a, b, k, delta);
		if (l < best)
			best = l;
	}
	return best;
}

static void m2_free(sr_trainer *t)
{
	m2state *s = t->mstate;
	if (!s)
		return;
	free(s->xin);
	free(s->tgt);
	free(s->dimg);
	free(s->code);
	free(s->dout);
	free(s->pick);
	free(s->xdec);
	free(s->rend);
	free(s->gtpl);
	free(s->gdec);
	free(s);
	t->mstate = NULL;
}

static void m2_val_begin(sr_trainer *t)
{
	m2state *s = t->mstate;
	memset(s->head_sum, 0, sizeof s->head_sum);
	memset(s->lat_sum, 0, sizeof s->lat_sum);
	s->head_n = s->mse_n = 0;
	s->mse_sum = 0;
}

/* The template renderer turns the template by the code's angle whatever the latents say, so
 * latents of view A alone could carry A's orientation: a template drawn at A's angle and
 * turned by the offset renders B with a head that is not an angle at all (exp2d's MLP
 * encoder did that: squares told k = 4, 12 epochs, head 4's pair loss 2.29, recon mse 0.018).
 * Both renderings of a pair therefore read the mean of the two views' latents, which cannot
 * tell which of the two views (angles) it is drawing.  Replaces the latents of codes i and
 * B + i (or their gradients: the mean's backward is the same) by their mean. */
static void shared_latents(const m2state *s, int B, float *code)
{
	int din = s->din, o = 2 + s->nhot;
	for (int i = 0; i < B; i++)
		for (int l = 0; l < s->L; l++) {
			float *a = code + (size_t)i * din + o + l, *b = code + (size_t)(B + i) * din + o + l;
			float m = 0.5f * (*a + *b);
			*a = *b = m;
		}
}

/* The heads the decoder inputs read, drawn from the step seed: the global batch of G pairs
 * has 2 G inputs (G A -> B, then G B -> A) and 2 G draws in that order; this process's
 * inputs (pairs first .. first + n - 1) take their own, so that any number of ranks draws
 * what one process draws. */
static void draw_heads(m2state *s, const sr_batch *b)
{
	int B = b->n, G = b->total > 0 ? b->total : B;
	sr_rng hr = sr_rng_derive(b->step_seed, 0x6865616473ULL);
	for (int g = 0; g < 2 * G; g++) {
		int j = (int)(sr_rng_uniform(&hr) * s->nh), p = (g < G ? g : g - G) - b->first;
		if (p >= 0 && p < B)
			s->pick[g < G ? p : B + p] = s->heads[j];
	}
}

static int m2_batch(sr_trainer *t, const sr_batch *b, int train, double *loss)
{
	m2state *s = t->mstate;
	int B = b->n, K = s->K, no = s->nout, din = s->din;
	size_t S = s->S;
	for (int i = 0; i < B; i++) {
		const float *a = b->x + (size_t)i * 2 * S, *bv = a + S;
		memcpy(s->xin + (size_t)i * S, a, S * sizeof(float));
		memcpy(s->xin + (size_t)(B + i) * S, bv, S * sizeof(float));
		memcpy(s->tgt + (size_t)i * S, bv, S * sizeof(float));     /* A -> B */
		memcpy(s->tgt + (size_t)(B + i) * S, a, S * sizeof(float)); /* B -> A */
	}
	/* method 1's constraints on the A views (methods/constraints.h): their mirror images
	 * and zoomed copies follow the 2B views in the encoder's batch.  Unlike method 1, the
	 * zoom loss is also part of the validation loss (its zoom drawn from seed 0). */
	const m2conf *c = t->mconf;
	int mir = c->mirror_weight > 0 && t->h == t->w && t->h > 1;
	int zm = c->zoom_weight > 0 && t->h == t->w && t->h > 1;
	float *xm = mir ? s->xin + (size_t)2 * B * S : NULL;
	float *xz = zm ? s->xin + (size_t)(mir ? 3 : 2) * B * S : NULL;
	int nv = 2 * B + (mir ? B : 0) + (zm ? B : 0);
	sr_constraint_views(s->xin, B, t->w, b->step_seed, b->first, xm, xz);
	sr_net *enc = t->nets[0], *dec = t->nets[1];
	if (sr_net_forward(enc, s->xin, nv, train, b->step_seed) < 0)
		return -1;
	const float *u = sr_net_output(enc);
	/* one head per decoder input: the given order's; else drawn per input from the step
	 * seed (validation passes seed 0: the heads in turn), so no input holds two heads */
	for (int i = 0; i < 2 * B; i++)
		s->pick[i] = s->heads[s->nh == 1 || b->step_seed ? 0 : i % s->nh];
	if (s->nh > 1 && b->step_seed)
		draw_heads(s, b);
	for (int i = 0; i < 2 * B; i++) {
		double d = i < B ? b->delta[i] : -b->delta[i - B];
		sr_gen_code(u + (size_t)i * no, K, s->pick[i], s->nhot, s->L, d,
		            s->code + (size_t)i * din);
	}
	int nr = 2 * B; /* renderings */
	if (s->quot) { /* the mirror candidates follow: rendering 2B + i from (c, -s) */
		float uf[3 * SR_MAX_ORDER + SR_GEN_MAX_LATENTS];
		for (int i = 0; i < 2 * B; i++) {
			double d = i < B ? b->delta[i] : -b->delta[i - B];
			flip_head(u + (size_t)i * no, no, s->pick[i], uf);
			sr_gen_code(uf, K, s->pick[i], s->nhot, s->L, d, s->code + (size_t)(2 * B + i) * din);
		}
		nr = 4 * B;
	}
	if (s->tmpl) /* both views of a pair share their mean latents (see shared_latents) */
		shared_latents(s, B, s->code);
	const float *dx = s->code;
	if (s->tmpl) {
		for (int i = 0; i < 2 * B; i++)
			sr_gen_template_input(s->code + (size_t)i * din, s->nhot, s->L,
			                      s->xdec + (size_t)i * s->dnin);
		dx = s->xdec;
	}
	if (sr_net_forward(dec, dx, nr, train, b->step_seed ^ 0x5851f42d4c957f2dULL) < 0)
		return -1;
	const float *img = sr_net_output(dec);
	if (s->tmpl) { /* the templates, turned by each input's angle */
		int w = t->w, h = t->h;
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
		for (int i = 0; i < 2 * B; i++)
			sr_gen_template_render(img + (size_t)i * S, w, h, s->pick[i],
			                       s->code + (size_t)i * din, s->rend + (size_t)i * S);
		img = s->rend;
	}
	if (train)
		memset(s->dimg, 0, (size_t)nr * S * sizeof(float));
	double rec = 0;
	for (int i = 0; i < 2 * B; i++) {
		int r = i; /* the rendering scored: with quot the better candidate */
		if (s->quot &&
		    sr_recon_loss(img + (size_t)(2 * B + i) * S, s->tgt + (size_t)i * S, S, s->loss, 0, NULL) <
		    sr_recon_loss(img + (size_t)i * S, s->tgt + (size_t)i * S, S, s->loss, 0, NULL))
			r = 2 * B + i;
		rec += sr_recon_loss(img + (size_t)r * S, s->tgt + (size_t)i * S, S, s->loss,
		                         1.0 / (2 * B), train ? s->dimg + (size_t)r * S : NULL);
		if (!train) {
			double m = s->loss ? 0 : sr_recon_loss(img + (size_t)r * S,
			                                           s->tgt + (size_t)i * S, S, 0, 0, NULL);
			if (s->loss) { /* the mse of the image the output stands for */
				for (size_t j = 0; j < S; j++) {
					double o = img[(size_t)r * S + j];
					double mu = o > 30 ? o : log1p(exp(o)), e = mu - s->tgt[(size_t)i * S + j];
					m += e * e;
				}
				m /= S;
			}
			s->mse_sum += m;
			s->mse_n++;
		}
	}
	double total = rec / (2 * B);
	/* consistency predictions, as in method 1 */
	memset(s->dout, 0, (size_t)nv * no * sizeof(float));
	double cw = t->conf.cons_weight, cons = 0, con = 0;
	for (int i = 0; i < B; i++) {
		size_t im = (size_t)(2 * B + i) * no, iz = (size_t)((mir ? 3 : 2) * B + i) * no;
		sr_constraint_loss(u + (size_t)i * no, mir ? u + im : NULL, zm ? u + iz : NULL, K, s->w,
		                   c->mirror_weight, c->zoom_weight, B, &con,
		                   train ? s->dout + (size_t)i * no : NULL,
		                   train && mir ? s->dout + im : NULL, train && zm ? s->dout + iz : NULL);
	}
	for (int i = 0; i < B; i++) {
		const float *ua = u + (size_t)i * no, *ub = u + (size_t)(B + i) * no;
		float *ga = s->dout + (size_t)i * no, *gb = s->dout + (size_t)(B + i) * no;
		for (int m = 0; m < s->nh; m++) { /* the heads the decoder reads */
			int k = s->heads[m];
			double ph = s->quot ? quotient_consistency(ua, ub, k, b->delta[i])
			                    : sr_head_consistency(ua, ub, k, b->delta[i]);
			cons += sr_consistency_loss(ua[2 * K + k - 1], ub[2 * K + k - 1], ph, cw, B,
			                            &ga[2 * K + k - 1], &gb[2 * K + k - 1]);
			if (!train)
				s->head_sum[k - 1] += ph;
		}
		if (!train) {
			s->head_n++;
			for (int l = 0; l < s->L; l++)
				s->lat_sum[l] += ua[3 * K + l];
		}
	}
	*loss = total + cons / B + con / B;
	if (!train)
		return 0;
	const float *gy;
	if (s->tmpl) {
		const float *tpl = sr_net_output(dec);
		int w = t->w, h = t->h;
		memset(s->gtpl, 0, (size_t)2 * B * S * sizeof(float));
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
		for (int i = 0; i < 2 * B; i++)
			sr_gen_template_backward(tpl + (size_t)i * S, w, h, s->pick[i],
			                         s->code + (size_t)i * din, s->dimg + (size_t)i * S,
			                         s->gtpl + (size_t)i * S, s->gdec + (size_t)i * din);
		if (sr_net_backward(dec, s->gtpl) < 0)
			return -1;
		const float *gx = sr_net_input_grad(dec);
		for (int i = 0; i < 2 * B; i++)
			memcpy(s->gdec + (size_t)i * din + 2, gx + (size_t)i * s->dnin + 1,
			       (size_t)(din - 2) * sizeof(float));
		shared_latents(s, B, s->gdec); /* the mean's backward: half of the sum to each */
		gy = s->gdec;
	} else {
		if (sr_net_backward(dec, s->dimg) < 0)
			return -1;
		gy = sr_net_input_grad(dec);
	}
	for (int i = 0; i < 2 * B; i++) {
		double d = i < B ? b->delta[i] : -b->delta[i - B];
		sr_gen_code_backward(u + (size_t)i * no, K, s->pick[i], s->nhot, s->L, d,
		                     gy + (size_t)i * din, s->dout + (size_t)i * no);
		if (s->quot) { /* the candidate of (c, -s): its gradient, the sine's negated back */
			float uf[3 * SR_MAX_ORDER + SR_GEN_MAX_LATENTS], gf[3 * SR_MAX_ORDER + SR_GEN_MAX_LATENTS];
			int k = s->pick[i], o = 2 * (k - 1);
			flip_head(u + (size_t)i * no, no, k, uf);
			memset(gf, 0, (size_t)no * sizeof *gf);
			sr_gen_code_backward(uf, K, k, s->nhot, s->L, d, gy + (size_t)(2 * B + i) * din, gf);
			gf[o + 1] = -gf[o + 1];
			for (int j = 0; j < no; j++)
				s->dout[(size_t)i * no + j] += gf[j];
		}
	}
	return sr_net_backward(enc, s->dout);
}

static int m2_finish(sr_trainer *t)
{
	m2state *s = t->mstate;
	int K = s->K;
	char key[64];
	/* validation statistics of the final weights (the last epoch's pass, else a new one) */
	if (t->nval > 0 && s->head_n == 0 && !isfinite(sr_trainer_validate(t)))
		return -1;
	if (s->head_n > 0) {
		for (int m = 0; m < s->nh; m++) {
			int k = s->heads[m];
			snprintf(key, sizeof key, "val.head_loss.%d", k);
			sr_meta_set(&t->info, key, "%.6g", s->head_sum[k - 1] / s->head_n);
		}
		for (int l = 0; l < s->L; l++) {
			snprintf(key, sizeof key, "decoder.latent.mean.%d", l);
			sr_meta_set(&t->info, key, "%.6g", s->lat_sum[l] / s->head_n);
		}
	}
	if (s->mse_n > 0)
		sr_meta_set(&t->info, "val.recon_mse", "%.6g", s->mse_sum / s->mse_n);
	/* the order by the rule of learn/order.h among the heads the decoder reads; the
	 * single-shape rule needs two of them to compare */
	sr_order_input in = {t->nets[0], K, s->nout, s->heads, s->nh, s->head_sum, s->head_n,
	                     s->nh > 1, t->conf.order, 2 * s->maxb, s->xin};
	return sr_order_detect(&in, t->val_x, t->nval, t->views, t->h, t->w, &t->info);
}

const sr_method sr_method_generate = {
	.name = "generate", .views = 2, .conf_size = sizeof(m2conf), .defaults = m2_defaults,
	.options = m2_options, .setup = m2_setup, .info = m2_info, .batch = m2_batch,
	.val_begin = m2_val_begin, .finish = m2_finish, .free = m2_free};
