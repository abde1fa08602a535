/* predict: the orientation of each record from a trained model (or the classical baseline). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "methods/ambiguity.h"
#include "core/angles.h"
#include "cli/cli.h"
#include "cli/predict3d.h"
#include "methods/orient3d.h"
#include "core/solid.h"
#include "core/err.h"
#include "image/harmonic.h"
#include "io/stream.h"
#include "learn/distribution.h"
#include "learn/predictor.h"
#include "nn/nn.h"

static const char usage[] =
	"usage: predict -m MODEL [OPTION]... [FILE]...\n"
	"       predict --method harmonic [OPTION]... [FILE]...\n"
	"       predict --method match [--solid NAME] [OPTION]... [FILE]...\n"
	"Print the orientation of each record as one tab-separated line: id, angle\n"
	"(degrees in [0, 360/k)), order k, confidence, calibrated (yes/no), and the truth\n"
	"columns theta_true and k_true when the metadata has theta and k (else NA), so\n"
	"the output goes straight into evaluate(1).\n"
	"\n"
	"  -m, --model MODEL    model written by train(1) (and calibrate(1))\n"
	"  -M, --method NAME    cnn (default with -m) or harmonic: the training-free\n"
	"                       classical baseline (k-th angular harmonic about the\n"
	"                       centroid; on 1D profiles, told the order, the k-th\n"
	"                       moment of the profile, see stemrot-ambiguity(7))\n"
	"                       or match: the 3D baseline, projection matching told\n"
	"                       the solid (templates over SO(3)/G, normalised cross-\n"
	"                       correlation, local refinement; tilt pairs scored jointly)\n"
	"  -S, --solid NAME     match: the solid (default: each record's shape key)\n"
	"      --templates N    match: grid points on SO(3)/G (default 2000)\n"
	"      --refine N       match: at most N evaluations of local refinement (default\n"
	"                       120; 0: the grid's answer)\n"
	"  -k, --order K        use symmetry order K (default: the model's, or detected\n"
	"                       per image); K = true reads each record's k key: a\n"
	"                       baseline or the oracle told the order\n"
	"      --kmin N, --kmax N  orders the harmonic method detects among (default 3..12)\n"
	"  -1, --single         use view 0 only, even for pairs (default: a pair with an\n"
	"                       offset uses both views: A and B - offset averaged)\n"
	"      --tta N          test-time augmentation for square images: 1 (off), 4\n"
	"                       rotations by 90 degrees, or 8 (and mirror images);\n"
	"                       default: what calibrate(1) used (calib.tta), else 1\n"
	"      --fit            zoom each image about its centre so that its particle has\n"
	"                       the size the model was trained on (its median)\n"
	"  -t, --threads N      threads (default: all)\n"
	"      --info           print the model's info block (key=value lines) and exit\n"
	"  -H, --no-header      leave out the header line\n"
	"  -h, --help           show this help and exit\n"
	"  -V, --version        show the version and exit\n"
	"\n"
	"A model that records its training distribution (train.size.*, train.signal.*)\n"
	"gives one line on standard error for each image whose particle size (radius of\n"
	"gyration) lies outside it.\n"
	"3D rows (match) have the columns id shape group views qw qx qy qz confidence\n"
	"qw2 qx2 qy2 qz2 confidence2 radius shape_true qw_true qx_true qy_true qz_true\n"
	"(stemrot-stream(5)); the second candidate of a single view is its twin under\n"
	"the projection ambiguity.  With no FILE, or FILE -, read standard input.\n";

typedef struct {
	sr_predictor *p;
	sr_predict3d *p3;
	sr_orient3d_predictor *o3; /* a siamese3d model */
	int harmonic, order, kmin, kmax, single, header, fit;
	sr_trained_range range; /* the model's training distribution (distribution.h) */
	int profiles; /* -1 undecided; 1: extra columns angle2 conf2 ambiguity phi (ambiguity.h) */
	long n;
	/* the CNN's records gathered for one batch (sr_predict_records), answered in order */
	int cap, queued;
	sr_record *queue;
	const sr_record **ptrs;
	int *orders;
	long *numbers; /* each one's record number */
	sr_prediction *answers;
} ctx_t;

static void put_truth(const sr_record *rec)
{
	const char *th = sr_meta_get(&rec->meta, "theta"), *k = sr_meta_get(&rec->meta, "k");
	double v;
	long kv;
	if (th && k && sr_meta_get_double(&rec->meta, "theta", &v) == 0 &&
	    sr_meta_get_long(&rec->meta, "k", &kv) == 0 && kv >= 1)
		printf("\t%.6f\t%ld\n", sr_wrap(v, 360.0 / kv), kv);
	else
		printf("\tNA\tNA\n");
}

static void put_id(const sr_record *rec, long n, FILE *f)
{
	const char *id = sr_meta_get(&rec->meta, "id");
	if (!id)
		id = sr_meta_get(&rec->meta, "source");
	if (id) {
		for (const char *c = id; *c; c++)
			putc(*c == '\t' ? ' ' : *c, f);
	} else {
		fprintf(f, "record%ld", n);
	}
}

static int put_row(ctx_t *c, const sr_record *rec, double angle, int k, double conf,
                   int calibrated, const sr_prediction *pr);
static int unmeasured(ctx_t *c, const sr_record *rec);

/* Against the model's training distribution (after --fit zoomed the image to the trained
 * size): a particle whose size is outside gets one line on stderr. */
static int warn_range(ctx_t *c, const sr_record *rec)
{
	sr_particle_stats st;
	int out = sr_trained_range_check(&c->range, rec, &st);
	if (out <= 0)
		return out;
	fprintf(stderr, "%s: record %ld (", sr_progname(), c->n);
	put_id(rec, c->n, stderr);
	fputc(')', stderr);
	fprintf(stderr, ": particle size %.3g px is outside the trained %.3g..%.3g px%s\n",
	        st.size, c->range.size_lo, c->range.size_hi,
	        c->fit ? "" : " (predict --fit rescales it)");
	return 0;
}

/* The CNN answers the gathered records at once (one batch through the network), then prints
 * their rows and warnings in order, as record by record. */
static int flush_queue(ctx_t *c)
{
	if (!c->queued)
		return 0;
	long n = c->n;
	int rc = sr_predict_records(c->p, c->ptrs, c->orders, c->queued, !c->single, c->answers);
	for (int i = 0; i < c->queued && rc == 0; i++) {
		const sr_prediction *pr = &c->answers[i];
		c->n = c->numbers[i];
		if (warn_range(c, &c->queue[i]) < 0 ||
		    put_row(c, &c->queue[i], pr->angle, pr->k, pr->conf, pr->calibrated, pr) < 0)
			rc = -1;
	}
	c->n = n;
	c->queued = 0;
	return rc;
}

/* A record for the CNN: its order (-k true), its zoom (--fit) and its shape checked now, so
 * that an error names it, then gathered. */
static int queue_record(ctx_t *c, sr_record *rec)
{
	int kv = 0;
	if (c->order == SR_ORDER_FROM_KEY && sr_record_order(rec, &kv) < 0) /* told the true order */
		return -1;
	double f;
	if (c->fit && sr_trained_range_fit(&c->range, rec, &f) < 0)
		return -1;
	if (sr_predictor_check(c->p, rec) < 0)
		return -1;
	int i = c->queued;
	if (sr_record_copy(&c->queue[i], rec) < 0)
		return -1;
	c->ptrs[i] = &c->queue[i];
	c->orders[i] = c->order == SR_ORDER_FROM_KEY ? kv : c->order;
	c->numbers[i] = c->n;
	if (++c->queued == c->cap)
		return flush_queue(c);
	return 0;
}

/* A 3D row from a siamese3d model (methods/orient3d.h): the group it found, R, and for a
 * single view the twin as the second candidate. */
static int orient3d_row(ctx_t *c, const sr_record *rec)
{
	sr_orient3d_result r;
	if (sr_orient3d_predict(c->o3, rec, !c->single, &r) < 0)
		return -1;
	int pair = !c->single && rec->views >= 2;
	return sr_predict3d_put(rec, c->n, &c->header, "NA", sr_embed_get(r.group)->group,
	                        pair ? 2 : 1, r.q, r.confidence, r.q2, pair ? 0 : r.confidence,
	                        NAN);
}

static int one(sr_record *rec, void *vc)
{
	ctx_t *c = vc;
	c->n++;
	double angle = NAN, conf = 0;
	int k = 0, calibrated = 0, rc;
	sr_prediction pr = {.angle2 = NAN};
	if (c->p3)
		return sr_predict3d_record(c->p3, rec, c->n);
	if (c->o3)
		return orient3d_row(c, rec);
	if (c->harmonic && rec->layout == SR_LAYOUT_PROFILE) { /* ambiguity.h: k-th moment */
		int kv = c->order;
		if (c->order == SR_ORDER_FROM_KEY && sr_record_order(rec, &kv) < 0)
			return -1;
		if (c->order == SR_ORDER_FROM_KEY && kv < 3)
			return sr_fail("--order true: the record has no usable k key");
		if (kv < 3)
			return sr_fail("the harmonic method on profiles needs the order: -k K or -k true");
		if ((rc = sr_profile_moment_predict(rec, kv, !c->single, &pr)) == SR_NO_SIGNAL)
			return unmeasured(c, rec);
		if (rc < 0)
			return -1;
		angle = pr.angle;
		k = pr.k;
		conf = pr.conf;
	} else if (c->harmonic) {
		if (rec->layout != SR_LAYOUT_IMAGE)
			return sr_fail("the harmonic method needs images");
		double delta;
		int pair = !c->single && rec->views >= 2 &&
		           sr_meta_get_double(&rec->meta, "offset", &delta) == 0;
		sr_harmonic_result r0, r1;
		int order = c->order;
		/* told the true order by the record's k key (a baseline) */
		if (order == SR_ORDER_FROM_KEY && sr_record_order(rec, &order) < 0)
			return -1;
		rc = sr_harmonic(rec->data, rec->width, rec->height, order, c->kmin, c->kmax, &r0);
		if (rc == SR_NO_SIGNAL)
			return unmeasured(c, rec);
		if (rc < 0)
			return -1;
		k = r0.k;
		angle = r0.theta;
		conf = r0.conf;
		if (pair) {
			size_t S = (size_t)rec->width * rec->height;
			rc = sr_harmonic(rec->data + S, rec->width, rec->height, k, 0, 0, &r1);
			if (rc == SR_NO_SIGNAL)
				return unmeasured(c, rec);
			if (rc < 0)
				return -1;
			double e[2] = {r0.theta, sr_wrap(r1.theta - delta, 360.0 / k)};
			angle = sr_circmean(e, NULL, 2, 360.0 / k, NULL);
			conf = 0.5 * (r0.conf + r1.conf);
		}
	} else {
		return queue_record(c, rec);
	}
	return put_row(c, rec, angle, k, conf, c->harmonic || calibrated, &pr);
}

/* A record the classical baseline cannot measure (no signal above the background): its row
 * says NA, and standard error says why, so that no record is silently lost and a dim image
 * in a directory does not stop the run; evaluate(1) scores such rows as misses. */
static int unmeasured(ctx_t *c, const sr_record *rec)
{
	fprintf(stderr, "%s: record %ld: %s: angle NA\n", sr_progname(), c->n, sr_errmsg());
	sr_prediction pr = {.angle2 = NAN};
	pr.phi = rec->layout == SR_LAYOUT_PROFILE ? sr_profile_phi(rec) : 0;
	return put_row(c, rec, NAN, 0, 0, 1, &pr);
}

static int put_row(ctx_t *c, const sr_record *rec, double angle, int k, double conf,
                   int calibrated, const sr_prediction *pr)
{
	if (c->profiles < 0)
		c->profiles = rec->layout == SR_LAYOUT_PROFILE;
	if (c->header) {
		printf("id\tangle\tk\tconfidence\tcalibrated%s\ttheta_true\tk_true\n",
		       c->profiles ? "\tangle2\tconf2\tambiguity\tphi" : "");
		c->header = 0;
	}
	put_id(rec, c->n, stdout);
	if (isfinite(angle))
		printf("\t%.6f\t%d", angle, k);
	else
		printf("\tNA\tNA");
	printf("\t%.4f\t%s", conf, calibrated ? "yes" : "no");
	if (c->profiles) { /* the mirror candidate of a profile (ambiguity.h) */
		if (isfinite(pr->angle2))
			printf("\t%.6f\t%.4f", pr->angle2, pr->conf2);
		else
			printf("\tNA\t0");
		printf("\t%s\t%g", sr_ambiguity_name(pr->ambiguity), pr->phi);
	}
	put_truth(rec);
	if (ferror(stdout))
		return sr_fail("write error");
	return 0;
}

/* Room for one batch of records (sr_predictor_batch: bounded, whatever the input). */
static int open_queue(ctx_t *c)
{
	c->cap = sr_predictor_batch(c->p);
	c->queue = calloc((size_t)c->cap, sizeof *c->queue);
	c->ptrs = calloc((size_t)c->cap, sizeof *c->ptrs);
	c->orders = calloc((size_t)c->cap, sizeof *c->orders);
	c->numbers = calloc((size_t)c->cap, sizeof *c->numbers);
	c->answers = calloc((size_t)c->cap, sizeof *c->answers);
	if (!c->queue || !c->ptrs || !c->orders || !c->numbers || !c->answers)
		return sr_fail("out of memory");
	for (int i = 0; i < c->cap; i++)
		sr_record_init(&c->queue[i]);
	return 0;
}

static void close_queue(ctx_t *c)
{
	for (int i = 0; c->queue && i < c->cap; i++)
		sr_record_free(&c->queue[i]);
	free(c->queue);
	free(c->ptrs);
	free(c->orders);
	free(c->numbers);
	free(c->answers);
}

/* The command line. */
typedef struct {
	const char *model;
	int harmonic, match, solid;
	sr_match_options mo;
	int order; /* 0: the model's or detected; SR_ORDER_FROM_KEY: each record's k key */
	int kmin, kmax, single, tta, threads, info, header, fit;
	int nfiles;
	char **files;
} options;

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_KMIN = SR_OPT_LOCAL, OPT_KMAX, OPT_TTA, OPT_INFO, OPT_FIT, OPT_TEMPLATES,
	       OPT_REFINE };
	static const struct option longopts[] = {
		{"model", required_argument, NULL, 'm'}, {"method", required_argument, NULL, 'M'},
		{"order", required_argument, NULL, 'k'}, {"kmin", required_argument, NULL, OPT_KMIN},
		{"kmax", required_argument, NULL, OPT_KMAX}, {"single", no_argument, NULL, '1'},
		{"tta", required_argument, NULL, OPT_TTA}, {"threads", required_argument, NULL, 't'},
		{"solid", required_argument, NULL, 'S'},
		{"templates", required_argument, NULL, OPT_TEMPLATES},
		{"refine", required_argument, NULL, OPT_REFINE},
		{"info", no_argument, NULL, OPT_INFO}, {"no-header", no_argument, NULL, 'H'},
		{"fit", no_argument, NULL, OPT_FIT},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}};
	*o = (options){.kmin = 3, .kmax = 12, .header = 1};
	sr_match_defaults(&o->mo);
	int match_opt = 0;
	int code;
	long v;
	while ((code = sr_getopt(argc, argv, ":m:M:k:1t:S:HhV", longopts)) != -1) {
		int bad = 0;
		switch (code) {
		case 'm': o->model = optarg; break;
		case 'M':
			if (strcmp(optarg, "cnn") && strcmp(optarg, "harmonic") && strcmp(optarg, "match"))
				sr_die("--method: unknown method '%s' (cnn, harmonic, match)", optarg);
			o->harmonic = !strcmp(optarg, "harmonic");
			o->match = !strcmp(optarg, "match");
			break;
		case 'k': bad = sr_parse_order("--order", optarg, 1, &o->order); break;
		case OPT_KMIN:
			bad = sr_parse_long("--kmin", optarg, 1, SR_HARM_KMAX, &v);
			o->kmin = (int)v;
			break;
		case OPT_KMAX:
			bad = sr_parse_long("--kmax", optarg, 1, SR_HARM_KMAX, &v);
			o->kmax = (int)v;
			break;
		case '1': o->single = 1; break;
		case OPT_TTA:
			bad = sr_parse_long("--tta", optarg, 1, 8, &v);
			if (!bad && v != 1 && v != 4 && v != 8)
				sr_die("--tta: %ld must be 1, 4 or 8", v);
			o->tta = (int)v;
			break;
		case 't':
			bad = sr_parse_long("--threads", optarg, 1, 1024, &v);
			o->threads = (int)v;
			break;
		case 'S':
			if (!(o->solid = sr_solid_from_name(optarg)))
				sr_die("--solid: '%s' is not one of %s", optarg, sr_solid_names());
			match_opt = 1;
			break;
		case OPT_TEMPLATES:
			bad = sr_parse_long("--templates", optarg, 1, 100000, &v);
			o->mo.templates = (int)v;
			match_opt = 1;
			break;
		case OPT_REFINE:
			bad = sr_parse_long("--refine", optarg, 0, 100000, &v);
			o->mo.refine = (int)v;
			match_opt = 1;
			break;
		case OPT_INFO: o->info = 1; break;
		case OPT_FIT: o->fit = 1; break;
		case 'H': o->header = 0; break;
		case 'h': sr_exit_help(usage);
		case 'V': sr_exit_version();
		default: sr_bad_option(argv);
		}
		if (bad)
			sr_die("%s", sr_errmsg());
	}
	if (o->kmin > o->kmax)
		sr_die("--kmin %d is larger than --kmax %d", o->kmin, o->kmax);
	if (o->harmonic && o->order > SR_HARM_KMAX)
		sr_die("--order %d: the harmonic method measures orders 1..%d", o->order, SR_HARM_KMAX);
	if (match_opt && !o->match)
		sr_die("--solid, --templates and --refine go with --method match");
	if (o->match && o->model)
		sr_die("--method match needs no model (-m): it is told the solid");
	if (!o->harmonic && !o->match && !o->model)
		sr_die("a model is required: -m MODEL (or --method harmonic)");
	o->nfiles = argc - optind;
	o->files = argv + optind;
}

/* Opens the model with the test-time averaging it was calibrated with (or --tta). */
static sr_predictor *open_model(const options *o)
{
	sr_predictor *p = sr_predictor_open(o->model, o->order > 0 ? o->order : 0);
	if (!p)
		sr_die("%s", sr_errmsg());
	/* calibrate(1) records the averaging it read the references with: the zero it stored
	 * holds for predictions averaged the same way, so that is the default here */
	long ctta = 1;
	int known = sr_meta_get_long(sr_predictor_info(p), "calib.tta", &ctta) == 0;
	int tta = o->tta;
	if (!tta)
		tta = known ? (int)ctta : 1;
	else if (known && ctta != tta && !o->info)
		fprintf(stderr, "%s: %s was calibrated with --tta %ld: with --tta %d its angles may "
		        "carry a constant offset\n", sr_progname(), o->model, ctta, tta);
	sr_predictor_set_tta(p, tta);
	return p;
}

/* --info: the model's info block as key=value lines. */
static int print_info(sr_predictor *p)
{
	size_t len;
	char *txt = sr_meta_format(sr_predictor_info(p), &len);
	if (!txt)
		sr_die("out of memory");
	fwrite(txt, 1, len, stdout);
	free(txt);
	sr_predictor_free(p);
	sr_finish_stdout();
	return 0;
}

int main(int argc, char **argv)
{
	options opt;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	if (opt.threads)
		sr_nn_set_threads(opt.threads);
	ctx_t c = {.harmonic = opt.harmonic, .order = opt.order, .kmin = opt.kmin,
	           .kmax = opt.kmax, .single = opt.single, .header = opt.header, .fit = opt.fit,
	           .profiles = -1};
	if (opt.match && !(c.p3 = sr_predict3d_new(&opt.mo, opt.solid, opt.single, opt.header)))
		sr_die("%s", sr_errmsg());
	int is3d = !c.harmonic && !opt.match ? sr_orient3d_model_file(opt.model) : 0;
	if (is3d < 0)
		sr_die("%s: %s", opt.model, sr_errmsg());
	if (is3d) {
		if (!(c.o3 = sr_orient3d_open(opt.model)))
			sr_die("%s", sr_errmsg());
		if (opt.info) {
			size_t len;
			char *txt = sr_meta_format(sr_orient3d_info(c.o3), &len);
			if (!txt)
				sr_die("out of memory");
			fwrite(txt, 1, len, stdout);
			free(txt);
			sr_orient3d_free(c.o3);
			sr_finish_stdout();
			return 0;
		}
	} else if (!c.harmonic && !opt.match) {
		c.p = open_model(&opt);
		if (opt.info)
			return print_info(c.p);
		if (sr_trained_range_get(sr_predictor_info(c.p), &c.range) < 0)
			sr_die("%s: %s", opt.model, sr_errmsg());
		if (opt.fit && !c.range.has)
			sr_die("--fit: %s records no training distribution (train.size.*; calibrate "
			       "--trained-on adds it)", opt.model);
	} else if (opt.fit) {
		sr_die("--fit needs a model (-m MODEL)");
	}
	if (c.p && open_queue(&c) < 0)
		sr_die("%s", sr_errmsg());
	int rc = sr_each_record(opt.nfiles, opt.files, one, &c);
	/* the rows of the records gathered before an error come out first, as one by one */
	char msg[1024] = "";
	if (rc < 0)
		snprintf(msg, sizeof msg, "%s", sr_errmsg());
	if (c.p && flush_queue(&c) < 0 && rc == 0) {
		rc = -1;
		snprintf(msg, sizeof msg, "%s", sr_errmsg());
	}
	close_queue(&c);
	sr_predictor_free(c.p);
	sr_predict3d_free(c.p3);
	sr_orient3d_free(c.o3);
	if (rc < 0)
		sr_die("%s", msg);
	sr_finish_stdout();
	return 0;
}
