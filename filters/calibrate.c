/* calibrate: fixes the zero of a pair-trained model from reference images. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/angles.h"
#include "cli/cli.h"
#include "core/err.h"
#include "nn/nn.h"
#include "io/stream.h"
#include "learn/confidence.h"
#include "learn/distribution.h"
#include "learn/predictor.h"
#include "methods/orient3d.h"

static const char usage[] =
	"usage: calibrate -m MODEL [OPTION]... REF...\n"
	"Training from pairs fixes orientations only up to one constant per symmetry\n"
	"order.  calibrate reads reference images (or pairs) of particles at the\n"
	"orientation you call 0 (or --angle A), measures them with the model, and\n"
	"stores the zero of each order found among them in the model file (rewritten\n"
	"atomically).  For a model of mixed shapes give one reference per order.\n"
	"\n"
	"  -m, --model MODEL    the model to calibrate (required)\n"
	"  -a, --angle A        the orientation of the references, degrees (default 0)\n"
	"  -k, --order K        treat every reference as order K (default: the model's\n"
	"                       order, or detected per image); K = true reads each\n"
	"                       reference's k key (references of a mix)\n"
	"  -o, --output FILE    write the calibrated model here instead of in place\n"
	"      --tta N          read each square reference as the mean over 1 (off), 4\n"
	"                       or 8 of its rotations by 90 degrees and mirror images\n"
	"                       (default 8); stored as calib.tta, predict's default\n"
	"      --confidence FILE  held-out images with known angles (keys theta and k):\n"
	"                       fit a score from what the network gives per answer (the\n"
	"                       spread of the averaged estimates, the head's predicted\n"
	"                       loss and vector length, the order margin: conf.weights)\n"
	"                       and the measured fraction within 2 degrees as a function\n"
	"                       of it (conf.map), so that the confidence predict prints\n"
	"                       is that probability\n"
	"      --trained-on FILE  the training pairs: measure their particle size and\n"
	"                       level and store the percentiles (train.size.*,\n"
	"                       train.signal.*), for a model trained before train(1)\n"
	"                       recorded them itself\n"
	"  -h, --help           show this help and exit\n"
	"  -V, --version        show the version and exit\n"
	"\n"
	"A REF of - reads standard input.\n";

/* The command line. */
typedef struct {
	const char *model, *output; /* output NULL: rewrite the model in place */
	const char *confidence, *trained_on; /* NULL: not asked for */
	double angle;
	int order; /* 0: the model's, or detected; SR_ORDER_FROM_KEY: each reference's k key */
	int tta;
	int nfiles;
	char **files;
} options;

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_TTA = SR_OPT_LOCAL, OPT_CONFIDENCE, OPT_TRAINED_ON };
	static const struct option longopts[] = {
		{"model", required_argument, NULL, 'm'}, {"angle", required_argument, NULL, 'a'},
		{"order", required_argument, NULL, 'k'}, {"output", required_argument, NULL, 'o'},
		{"tta", required_argument, NULL, OPT_TTA},
		{"confidence", required_argument, NULL, OPT_CONFIDENCE},
		{"trained-on", required_argument, NULL, OPT_TRAINED_ON},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}};
	*o = (options){.tta = 8};
	int code;
	long v;
	while ((code = sr_getopt(argc, argv, ":m:a:k:o:hV", longopts)) != -1) {
		int bad = 0;
		switch (code) {
		case 'm': o->model = optarg; break;
		case 'a': bad = sr_parse_double("--angle", optarg, -1e6, 1e6, &o->angle); break;
		case 'k': bad = sr_parse_order("--order", optarg, 1, &o->order); break;
		case 'o': o->output = optarg; break;
		case OPT_TTA:
			bad = sr_parse_long("--tta", optarg, 1, 8, &v);
			if (!bad && v != 1 && v != 4 && v != 8)
				sr_die("--tta: %ld must be 1, 4 or 8", v);
			o->tta = (int)v;
			break;
		case OPT_CONFIDENCE: o->confidence = optarg; break;
		case OPT_TRAINED_ON: o->trained_on = optarg; break;
		case 'h': sr_exit_help(usage);
		case 'V': sr_exit_version();
		default: sr_bad_option(argv);
		}
		if (bad)
			sr_die("%s", sr_errmsg());
	}
	if (!o->model)
		sr_die("a model is required: -m MODEL");
	if (optind == argc)
		sr_die("no reference images given (REF...; - for standard input)");
	o->nfiles = argc - optind;
	o->files = argv + optind;
}

/* The references' measurements, summed per order as unit vectors on the circle of the
 * order's period. */
typedef struct {
	sr_predictor *p;
	int order_from_key;
	double angle;
	double sum_c[SR_MAX_ORDER + 1], sum_s[SR_MAX_ORDER + 1];
	int n[SR_MAX_ORDER + 1];
} ctx_t;

static int one(sr_record *rec, void *vc)
{
	ctx_t *c = vc;
	sr_prediction pr;
	if (c->order_from_key) {
		int k;
		if (sr_record_order(rec, &k) < 0)
			return -1;
		sr_predictor_set_order(c->p, k);
	}
	if (sr_predict_record(c->p, rec, 1, &pr) < 0)
		return -1;
	/* raw is in the network's frame, which for profiles is turned by the projection angle
	 * phi (learn/mirror.h; 0 for images) */
	double P = 360.0 / pr.k, ph = 2 * M_PI / P * (pr.raw - (c->angle - pr.phi));
	c->sum_c[pr.k] += cos(ph);
	c->sum_s[pr.k] += sin(ph);
	c->n[pr.k]++;
	return 0;
}

/* The zero of every order K measured: the circular mean of the references' raw angles. */
typedef struct {
	int heads;
	double zero[SR_MAX_ORDER + 1], spread[SR_MAX_ORDER + 1];
	int has[SR_MAX_ORDER + 1];
} zeros_t;

static void find_zeros(const ctx_t *c, int heads, zeros_t *z)
{
	int found = 0;
	memset(z, 0, sizeof *z);
	z->heads = heads;
	for (int k = 1; k <= heads; k++) {
		if (!c->n[k])
			continue;
		double P = 360.0 / k;
		double R = sqrt(c->sum_c[k] * c->sum_c[k] + c->sum_s[k] * c->sum_s[k]) / c->n[k];
		z->zero[k] = sr_wrap(atan2(c->sum_s[k], c->sum_c[k]) * P / (2 * M_PI), P);
		z->spread[k] = P / (2 * M_PI) * sqrt(-2 * log(fmax(R, 1e-12)));
		z->has[k] = 1;
		found++;
	}
	if (!found)
		sr_die("no reference could be measured");
}

/* One line on standard error per order calibrated. */
static void report_zeros(const ctx_t *c, const zeros_t *z)
{
	for (int k = 1; k <= z->heads; k++) {
		if (!z->has[k])
			continue;
		fprintf(stderr, "%s: order %d: zero at %.3f degrees (raw) from %d reference%s",
		        sr_progname(), k, z->zero[k], c->n[k], c->n[k] == 1 ? "" : "s");
		if (c->n[k] > 1)
			fprintf(stderr, ", spread %.3f degrees", z->spread[k]);
		fputc('\n', stderr);
	}
}

/* --trained-on: every view of the training records measured (distribution.h). */
static int measure_one(sr_record *rec, void *vd) { return sr_distribution_add(vd, rec); }

/* --confidence: the held-out answers, scored against their truth with the new zeros. */
typedef struct {
	sr_predictor *p;
	const zeros_t *z;
	double *score, *feat; /* feat: SR_CONF_NFEAT per answer */
	int *good;
	long n, cap;
	int all_features; /* every answer has its features (images) */
} answers;

static int answer_one(sr_record *rec, void *va)
{
	answers *a = va;
	double theta;
	int k;
	if (sr_meta_get_double(&rec->meta, "theta", &theta) != 0 || sr_record_order(rec, &k) < 0)
		return sr_fail("a record without the keys theta and k (known angles are needed)");
	sr_prediction pr;
	if (sr_predict_record(a->p, rec, 1, &pr) < 0)
		return -1;
	if (a->n == a->cap) {
		long nc = a->cap ? 2 * a->cap : 1024;
		double *s = realloc(a->score, nc * sizeof *s);
		if (s)
			a->score = s;
		int *g = realloc(a->good, nc * sizeof *g);
		if (g)
			a->good = g;
		double *f = realloc(a->feat, nc * SR_CONF_NFEAT * sizeof *f);
		if (f)
			a->feat = f;
		if (!s || !g || !f)
			return sr_fail("out of memory");
		a->cap = nc;
	}
	double P = 360.0 / k;
	a->score[a->n] = pr.score;
	memcpy(a->feat + a->n * SR_CONF_NFEAT, pr.feat, sizeof pr.feat);
	a->all_features &= pr.has_features;
	a->good[a->n] = pr.k == k && a->z->has[k] &&
	                fabs(sr_angdiff(sr_wrap(pr.raw - a->z->zero[k], P), theta, P)) <= SR_CONF_TOL;
	a->n++;
	return 0;
}

/* Measures the answers on the held-out images, fits the features' weights (images) and the
 * map from their score; *ngood the answers right. */
static void fit_confidence(sr_predictor *p, const zeros_t *z, const char *heldout,
                           sr_confmap *m, long *n, long *ngood)
{
	answers a = {.p = p, .z = z, .all_features = 1};
	char *files[1] = {(char *)heldout};
	memset(m, 0, sizeof *m);
	if (sr_each_record(1, files, answer_one, &a) < 0)
		sr_die("--confidence: %s", sr_errmsg());
	if (a.n && a.all_features) {
		if (sr_conf_weights_fit(a.feat, a.good, a.n, m) < 0)
			sr_die("--confidence: %s: %s", heldout, sr_errmsg());
		for (long i = 0; i < a.n; i++)
			a.score[i] = sr_conf_score(m, a.feat + i * SR_CONF_NFEAT, a.score[i]);
	}
	if (sr_confmap_fit(a.score, a.good, a.n, m) < 0)
		sr_die("--confidence: %s: %s", heldout, sr_errmsg());
	*n = a.n;
	*ngood = 0;
	for (long i = 0; i < a.n; i++)
		*ngood += a.good[i];
	free(a.score);
	free(a.feat);
	free(a.good);
}

/* Rewrites the model file in (to out, atomically) with its info block edited by edit. */
static void rewrite_model(const char *in, const char *out, void (*edit)(sr_meta *, void *),
                          void *ctx)
{
	sr_model *m = sr_model_load(in);
	if (!m)
		sr_die("%s: %s", in, sr_errmsg());
	sr_meta info;
	sr_meta_init(&info);
	if (sr_meta_copy(&info, sr_model_info(m)) < 0)
		sr_die("%s", sr_errmsg());
	edit(&info, ctx);
	int nn = sr_model_nnets(m);
	const char *names[8];
	sr_net *nets[8];
	if (nn > 8)
		sr_die("%s: too many networks", in);
	for (int i = 0; i < nn; i++) {
		names[i] = sr_model_net_name(m, i);
		nets[i] = sr_model_net(m, names[i], 1);
		if (!nets[i])
			sr_die("%s: %s", in, sr_errmsg());
	}
	if (sr_model_save(out, &info, nn, names, nets, NULL) < 0)
		sr_die("%s: %s", out, sr_errmsg());
	for (int i = 0; i < nn; i++)
		sr_net_free(nets[i]);
	sr_model_free(m);
	sr_meta_free(&info);
}

/* What calibrate adds to the info: the zeros, calib.tta, and, when measured, the training
 * distribution and the confidence map. */
typedef struct {
	const zeros_t *z;
	int tta_used;
	const sr_distribution *dist; /* NULL: not measured */
	const sr_confmap *map;       /* NULL: not measured */
} calib_edit;

static void edit_info(sr_meta *info, void *ve)
{
	const calib_edit *e = ve;
	char key[32];
	for (int k = 1; k <= e->z->heads; k++)
		if (e->z->has[k]) {
			snprintf(key, sizeof key, "calib.%d", k);
			sr_meta_set(info, key, "%.9g", e->z->zero[k]);
		}
	sr_meta_set(info, "calibrated", "yes");
	sr_meta_set_long(info, "calib.tta", e->tta_used); /* profiles, non-square images: 1 */
	if (e->dist && sr_distribution_store(e->dist, info) < 0)
		sr_die("%s", sr_errmsg());
	if (e->map && sr_confmap_store(e->map, info) < 0)
		sr_die("%s", sr_errmsg());
}

/* ---- 3D models (methods/orient3d.h) ---- */
typedef struct {
	sr_orient3d_predictor *p;
	sr_orient3d_calib cal;
} ctx3d_t;

static int one3d(sr_record *rec, void *vc)
{
	ctx3d_t *c = vc;
	return sr_orient3d_calib_add(c->p, rec, 1, &c->cal);
}

typedef struct {
	int has[SR_EMBED_NGROUPS], sign[SR_EMBED_NGROUPS][SR_EMBED_MAXBLOCKS];
} signs3d;

static void edit_info3d(sr_meta *info, void *vs)
{
	const signs3d *s = vs;
	for (int g = 0; g < SR_EMBED_NGROUPS; g++) {
		if (!s->has[g])
			continue;
		const sr_embed *e = sr_embed_get(g);
		char key[32];
		snprintf(key, sizeof key, "calib3d.%s", e->group);
		if (e->nblocks == 2)
			sr_meta_set(info, key, "%+d,%+d", s->sign[g][0], s->sign[g][1]);
		else
			sr_meta_set(info, key, "%+d", s->sign[g][0]);
	}
	sr_meta_set(info, "calibrated", "yes");
}

static int calibrate3d(const options *opt)
{
	if (opt->angle != 0 || opt->order || opt->confidence || opt->trained_on)
		sr_die("%s is a 3D model: its references are at R = identity, and --angle, --order, "
		       "--confidence and --trained-on do not apply", opt->model);
	ctx3d_t c = {0};
	if (!(c.p = sr_orient3d_open(opt->model)))
		sr_die("%s", sr_errmsg());
	if (sr_each_record(opt->nfiles, opt->files, one3d, &c) < 0)
		sr_die("%s", sr_errmsg());
	sr_orient3d_free(c.p);
	signs3d s = {0};
	for (int g = 0; g < SR_EMBED_NGROUPS; g++) {
		double ang;
		if (!(s.has[g] = sr_orient3d_calib_best(&c.cal, g, s.sign[g], &ang)))
			continue;
		fprintf(stderr, "%s: group %s: %ld reference%s, signs %+d%s, read %.3f degrees from "
		        "the identity\n", sr_progname(), sr_embed_get(g)->group, c.cal.n[g],
		        c.cal.n[g] == 1 ? "" : "s", s.sign[g][0],
		        sr_embed_get(g)->nblocks == 2 ? (s.sign[g][1] > 0 ? ",+1" : ",-1") : "", ang);
	}
	rewrite_model(opt->model, opt->output ? opt->output : opt->model, edit_info3d, &s);
	return 0;
}

int main(int argc, char **argv)
{
	options opt;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	int is3d = sr_orient3d_model_file(opt.model);
	if (is3d < 0)
		sr_die("%s: %s", opt.model, sr_errmsg());
	if (is3d)
		return calibrate3d(&opt);
	ctx_t c = {.order_from_key = opt.order == SR_ORDER_FROM_KEY, .angle = opt.angle};
	c.p = sr_predictor_open(opt.model, opt.order > 0 ? opt.order : 0);
	if (!c.p)
		sr_die("%s", sr_errmsg());
	sr_predictor_set_tta(c.p, opt.tta);
	if (sr_each_record(opt.nfiles, opt.files, one, &c) < 0)
		sr_die("%s", sr_errmsg());
	zeros_t z;
	find_zeros(&c, sr_predictor_heads(c.p), &z);
	calib_edit e = {.z = &z, .tta_used = sr_predictor_tta(c.p)};
	sr_distribution dist;
	sr_distribution_init(&dist);
	if (opt.trained_on) {
		char *files[1] = {(char *)opt.trained_on};
		if (sr_each_record(1, files, measure_one, &dist) < 0)
			sr_die("--trained-on: %s", sr_errmsg());
		if (dist.n == 0)
			sr_die("--trained-on: %s: no image with a particle to measure", opt.trained_on);
		e.dist = &dist;
	}
	sr_confmap map;
	long nheld = 0, ngood = 0;
	if (opt.confidence) {
		/* the held-out images are answered as predict would: the order -k gave, else the
		 * model's rule (not each reference's k key) */
		sr_predictor_set_order(c.p, opt.order > 0 ? opt.order : 0);
		fit_confidence(c.p, &z, opt.confidence, &map, &nheld, &ngood);
		e.map = &map;
	}
	sr_predictor_free(c.p);
	rewrite_model(opt.model, opt.output ? opt.output : opt.model, edit_info, &e);
	sr_distribution_free(&dist);
	report_zeros(&c, &z);
	if (opt.confidence)
		fprintf(stderr, "%s: confidence: %ld held-out images, %.1f%% within %g degrees; "
		        "probability %.3f to %.3f over %d bins\n", sr_progname(), nheld,
		        100.0 * ngood / nheld, SR_CONF_TOL, map.prob[0], map.prob[map.n - 1], map.n);
	return 0;
}
