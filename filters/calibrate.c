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
#include "learn/predictor.h"

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
	"  -h, --help           show this help and exit\n"
	"  -V, --version        show the version and exit\n"
	"\n"
	"A REF of - reads standard input.\n";

/* The command line. */
typedef struct {
	const char *model, *output; /* output NULL: rewrite the model in place */
	double angle;
	int order; /* 0: the model's, or detected; SR_ORDER_FROM_KEY: each reference's k key */
	int tta;
	int nfiles;
	char **files;
} options;

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_TTA = SR_OPT_LOCAL };
	static const struct option longopts[] = {
		{"model", required_argument, NULL, 'm'}, {"angle", required_argument, NULL, 'a'},
		{"order", required_argument, NULL, 'k'}, {"output", required_argument, NULL, 'o'},
		{"tta", required_argument, NULL, OPT_TTA},
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
	double P = 360.0 / pr.k, ph = 2 * M_PI / P * (pr.raw - c->angle);
	c->sum_c[pr.k] += cos(ph);
	c->sum_s[pr.k] += sin(ph);
	c->n[pr.k]++;
	return 0;
}

/* Sets calib.K (the circular mean of the references' raw angles) for every order K measured,
 * reporting each on standard error; dies when none was. */
static void set_zeros(const ctx_t *c, int heads, sr_meta *info)
{
	int found = 0;
	char key[32];
	for (int k = 1; k <= heads; k++) {
		if (!c->n[k])
			continue;
		double P = 360.0 / k;
		double R = sqrt(c->sum_c[k] * c->sum_c[k] + c->sum_s[k] * c->sum_s[k]) / c->n[k];
		double zero = sr_wrap(atan2(c->sum_s[k], c->sum_c[k]) * P / (2 * M_PI), P);
		snprintf(key, sizeof key, "calib.%d", k);
		sr_meta_set(info, key, "%.9g", zero);
		found++;
		fprintf(stderr, "%s: order %d: zero at %.3f degrees (raw) from %d reference%s", sr_progname(),
		        k, zero, c->n[k], c->n[k] == 1 ? "" : "s");
		if (c->n[k] > 1)
			fprintf(stderr, ", spread %.3f degrees", P / (2 * M_PI) * sqrt(-2 * log(fmax(R, 1e-12))));
		fputc('\n', stderr);
	}
	if (!found)
		sr_die("no reference could be measured");
}

/* Rewrites the model (to opt->output, or in place; atomically) with the zeros measured in c
 * and calib.tta = tta_used added to its info block. */
static void save_calibrated(const options *opt, const ctx_t *c, int heads, int tta_used)
{
	const char *path = opt->output ? opt->output : opt->model;
	sr_model *m = sr_model_load(opt->model);
	if (!m)
		sr_die("%s: %s", opt->model, sr_errmsg());
	sr_meta info;
	sr_meta_init(&info);
	if (sr_meta_copy(&info, sr_model_info(m)) < 0)
		sr_die("%s", sr_errmsg());
	set_zeros(c, heads, &info);
	sr_meta_set(&info, "calibrated", "yes");
	sr_meta_set_long(&info, "calib.tta", tta_used); /* profiles, non-square images: 1 */
	int nn = sr_model_nnets(m);
	const char *names[8];
	sr_net *nets[8];
	if (nn > 8)
		sr_die("%s: too many networks", opt->model);
	for (int i = 0; i < nn; i++) {
		names[i] = sr_model_net_name(m, i);
		nets[i] = sr_model_net(m, names[i], 1);
		if (!nets[i])
			sr_die("%s: %s", opt->model, sr_errmsg());
	}
	if (sr_model_save(path, &info, nn, names, nets, NULL) < 0)
		sr_die("%s: %s", path, sr_errmsg());
	for (int i = 0; i < nn; i++)
		sr_net_free(nets[i]);
	sr_model_free(m);
	sr_meta_free(&info);
}

int main(int argc, char **argv)
{
	options opt;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	ctx_t c = {.order_from_key = opt.order == SR_ORDER_FROM_KEY, .angle = opt.angle};
	c.p = sr_predictor_open(opt.model, opt.order > 0 ? opt.order : 0);
	if (!c.p)
		sr_die("%s", sr_errmsg());
	sr_predictor_set_tta(c.p, opt.tta);
	if (sr_each_record(opt.nfiles, opt.files, one, &c) < 0)
		sr_die("%s", sr_errmsg());
	int heads = sr_predictor_heads(c.p), tta_used = sr_predictor_tta(c.p);
	sr_predictor_free(c.p);
	save_calibrated(&opt, &c, heads, tta_used);
	return 0;
}
