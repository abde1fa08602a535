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
#include "io/record.h"
#include "learn/trainer.h"

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
		long kv;
		if (sr_meta_get_long(&rec->meta, "k", &kv) != 0 || kv < 1 || kv > SR_MAX_ORDER)
			return sr_fail("--order true: the reference has no usable k key");
		sr_predictor_set_order(c->p, (int)kv);
	}
	if (sr_predict_record(c->p, rec, 1, &pr) < 0)
		return -1;
	double P = 360.0 / pr.k, ph = 2 * M_PI / P * (pr.raw - c->angle);
	c->sum_c[pr.k] += cos(ph);
	c->sum_s[pr.k] += sin(ph);
	c->n[pr.k]++;
	return 0;
}

int main(int argc, char **argv)
{
	sr_set_progname(argv[0]);
	ctx_t c = {0};
	const char *model = NULL, *output = NULL;
	long order = 0, tta = 8;
	static const struct option lo[] = {
		{"model", required_argument, NULL, 'm'}, {"angle", required_argument, NULL, 'a'},
		{"order", required_argument, NULL, 'k'}, {"output", required_argument, NULL, 'o'},
		{"tta", required_argument, NULL, 1},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}};
	int o;
	opterr = 0; /* one message of our own, not getopt's two */
	while ((o = getopt_long(argc, argv, "m:a:k:o:hV", lo, NULL)) != -1) {
		int bad = 0;
		switch (o) {
		case 'm': model = optarg; break;
		case 'a': bad = sr_parse_double("--angle", optarg, -1e6, 1e6, &c.angle); break;
		case 'k':
			c.order_from_key = !strcmp(optarg, "true");
			if (!c.order_from_key)
				bad = sr_parse_long("--order", optarg, 1, SR_MAX_ORDER, &order);
			break;
		case 'o': output = optarg; break;
		case 1:
			bad = sr_parse_long("--tta", optarg, 1, 8, &tta);
			if (!bad && tta != 1 && tta != 4 && tta != 8)
				sr_die("--tta: %ld must be 1, 4 or 8", tta);
			break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': sr_print_version(); return 0;
		default: sr_bad_option(argv);
		}
		if (bad)
			sr_die("%s", sr_errmsg());
	}
	if (!model)
		sr_die("a model is required: -m MODEL");
	if (optind == argc)
		sr_die("no reference images given (REF...; - for standard input)");
	c.p = sr_predictor_open(model, (int)order);
	if (!c.p)
		sr_die("%s", sr_errmsg());
	sr_predictor_set_tta(c.p, (int)tta);
	if (sr_for_each_record(argc - optind, argv + optind, one, &c) < 0)
		sr_die("%s", sr_errmsg());
	int K = sr_predictor_heads(c.p), tta_used = sr_predictor_tta(c.p);
	sr_predictor_free(c.p);

	sr_model *m = sr_model_load(model);
	if (!m)
		sr_die("%s: %s", model, sr_errmsg());
	sr_meta info;
	sr_meta_init(&info);
	if (sr_meta_copy(&info, sr_model_info(m)) < 0)
		sr_die("%s", sr_errmsg());
	int found = 0;
	char key[32];
	for (int k = 1; k <= K; k++) {
		if (!c.n[k])
			continue;
		double P = 360.0 / k;
		double R = sqrt(c.sum_c[k] * c.sum_c[k] + c.sum_s[k] * c.sum_s[k]) / c.n[k];
		double zero = sr_wrap(atan2(c.sum_s[k], c.sum_c[k]) * P / (2 * M_PI), P);
		snprintf(key, sizeof key, "calib.%d", k);
		sr_meta_set(&info, key, "%.9g", zero);
		found++;
		fprintf(stderr, "%s: order %d: zero at %.3f degrees (raw) from %d reference%s", sr_progname(),
		        k, zero, c.n[k], c.n[k] == 1 ? "" : "s");
		if (c.n[k] > 1)
			fprintf(stderr, ", spread %.3f degrees", P / (2 * M_PI) * sqrt(-2 * log(fmax(R, 1e-12))));
		fputc('\n', stderr);
	}
	if (!found)
		sr_die("no reference could be measured");
	sr_meta_set(&info, "calibrated", "yes");
	sr_meta_set_long(&info, "calib.tta", tta_used); /* profiles, non-square images: 1 */
	int nn = sr_model_nnets(m);
	const char *names[8];
	sr_net *nets[8];
	if (nn > 8)
		sr_die("%s: too many networks", model);
	for (int i = 0; i < nn; i++) {
		names[i] = sr_model_net_name(m, i);
		nets[i] = sr_model_net(m, names[i], 1);
		if (!nets[i])
			sr_die("%s: %s", model, sr_errmsg());
	}
	if (sr_model_save(output ? output : model, &info, nn, names, nets, NULL) < 0)
		sr_die("%s: %s", output ? output : model, sr_errmsg());
	for (int i = 0; i < nn; i++)
		sr_net_free(nets[i]);
	sr_model_free(m);
	sr_meta_free(&info);
	return 0;
}
