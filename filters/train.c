/* train: learns orientation from stereo pairs whose only label is their known offset, and
 * writes a model (train(1)).  The options of a method are the method's own (its sr_option
 * table, methods/registry.h); this program turns them into command-line options, and prints
 * the progress the training loop reports. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/err.h"
#include "learn/ranks.h"
#include "learn/trainer.h"
#include "methods/registry.h"

static const char usage_head[] =
	"usage: train -o MODEL [OPTION]... [FILE]...\n"
	"Train a network that tells the orientation of a particle from stereo pairs whose\n"
	"only label is their known offset (the `offset' key); ground-truth angles are\n"
	"never read (except by --method oracle, the supervised upper bound).\n"
	"\n"
	"  -o, --output MODEL   model file to write (required)\n"
	"  -M, --method NAME    siamese (default; method 1), generate (method 2: an\n"
	"                       encoder's angle, turned by the offset, drives a decoder\n"
	"                       that renders the partner view) or oracle (reads theta\n"
	"                       and k: upper bound for experiments only); siamese3d:\n"
	"                       3D particles from tilt pairs (key tilt): orientation\n"
	"                       and point group, never told the shape; oracle3d:\n"
	"                       its supervised bound (reads qw..qz and group)\n"
	"  -e, --epochs N       epochs (default 20)\n"
	"  -b, --batch N        pairs per batch (default 32)\n"
	"  -l, --lr X           learning rate, cosine-decayed to --lr-min (default 1e-3)\n"
	"      --lr-min X       final learning rate (default 1e-5)\n"
	"      --warmup N       linear warm-up steps (default 0)\n"
	"      --clip X         gradient norm clipping, 0 = off (default 5)\n"
	"      --weight-decay X Adam L2 weight decay (default 0)\n"
	"      --seed N         seed of initialisation, shuffling and dropout (default 1)\n"
	"  -t, --threads N      threads (default: all)\n"
	"  -v, --val FRACTION   fraction of records held out for validation (default 0.1)\n"
	"      --net SPEC       network specification or @FILE (default: stemrot-net(7))\n"
	"  -K, --heads K        candidate symmetry orders 1..K (default 12)\n"
	"  -k, --order K        the symmetry order, when known (default: detect)\n"
	"      --kmin K         smallest order to detect (default 3: polygons; heads\n"
	"                       below it are not trained)\n"
	"      --cons-weight X  weight of the per-image consistency prediction (default 0.02)\n"
	"      --log FILE       TSV log of train and validation loss per epoch\n"
	"      --checkpoint F   checkpoint file (default MODEL.ckpt), written each epoch\n"
	"      --resume         continue from the checkpoint when it exists\n"
	"      --stream         re-read the input files each epoch instead of holding them\n"
	"      --memory MB      stream automatically above this input size (default 2048)\n"
	"      --chunk N        records per shuffled chunk when streaming (default 4096)\n"
	"      --max-records N  use only the first N records\n"
	"      --stop-after N   stop after epoch N, keeping the checkpoint, as if\n"
	"                       interrupted (to test --resume)\n"
	"  -q, --quiet          no progress output\n"
	"  -h, --help           show this help and exit\n"
	"  -V, --version        show the version and exit\n";
static const char usage_tail[] =
	"\n"
	"With no FILE, or FILE -, read standard input.\n";

/* ---------------------------------------------------------------- the methods' options */

/* Every method option by name, once (methods may share a table), for getopt_long. */
enum { MAX_METHOD_OPTIONS = 64 };
static const sr_option *method_options[MAX_METHOD_OPTIONS];
static int n_method_options;

static void collect_method_options(void)
{
	for (int m = 0; sr_methods[m]; m++)
		for (const sr_option *o = sr_methods[m]->options; o && o->name; o++) {
			int seen = 0;
			for (int i = 0; i < n_method_options; i++)
				seen |= !strcmp(method_options[i]->name, o->name);
			if (!seen && n_method_options < MAX_METHOD_OPTIONS)
				method_options[n_method_options++] = o;
		}
}

/* --help: the generic options, then each method's (methods sharing a table together). */
static _Noreturn void print_help(void)
{
	fputs(usage_head, stdout);
	for (int m = 0; sr_methods[m]; m++) {
		const sr_option *opts = sr_methods[m]->options;
		int first = 1;
		for (int p = 0; p < m; p++)
			first &= sr_methods[p]->options != opts;
		if (!opts || !opts->name || !first)
			continue;
		printf("\nOptions of method %s", sr_methods[m]->name);
		for (int q = m + 1; sr_methods[q]; q++)
			if (sr_methods[q]->options == opts)
				printf(" and %s", sr_methods[q]->name);
		printf(":\n");
		for (const sr_option *o = opts; o->name; o++) {
			int len = printf("      --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
			const char *h = o->help;
			printf("%*s", len < 22 ? 23 - len : 2, "");
			for (const char *nl; (nl = strchr(h, '\n')); h = nl + 1)
				printf("%.*s\n%23s", (int)(nl - h), h, "");
			printf("%s\n", h);
		}
	}
	fputs(usage_tail, stdout);
	exit(0);
}

/* Sets the method option o of conf from its command-line value arg. */
static int set_method_option(const sr_option *o, const char *arg, void *conf)
{
	char name[64];
	snprintf(name, sizeof name, "--%s", o->name);
	void *at = (char *)conf + o->offset;
	long v;
	switch (o->kind) {
	case SR_OPTION_INT:
		if (sr_parse_long(name, arg, (long)o->lo, (long)o->hi, &v) < 0)
			return -1;
		*(int *)at = (int)v;
		return 0;
	case SR_OPTION_DOUBLE: return sr_parse_double(name, arg, o->lo, o->hi, (double *)at);
	case SR_OPTION_CLEAR: *(int *)at = 0; return 0;
	case SR_OPTION_STRING:
		if (o->choices) {
			int ok = 0;
			char list[256] = "";
			for (int i = 0; o->choices[i]; i++) {
				ok |= !strcmp(arg, o->choices[i]);
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
				         o->choices[i]);
			}
			if (!ok)
				return sr_fail("%s: unknown %s '%s' (%s)", name, o->name, arg, list);
		}
		*(const char **)at = arg;
		return 0;
	}
	return sr_fail("%s: unknown option kind", name);
}

/* ---------------------------------------------------------------- the command line */

typedef struct {
	sr_train_conf conf;
	int progress;     /* 1: progress bar (stderr is a tty), 0: plain lines, -1: quiet */
	const char *log;  /* TSV log path or NULL */
	int nfiles;
	char **files;
} options;

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_LR_MIN = SR_OPT_LOCAL, OPT_WARMUP, OPT_CLIP, OPT_WEIGHT_DECAY, OPT_KMIN,
	       OPT_CONS_WEIGHT, OPT_LOG, OPT_CHECKPOINT, OPT_STREAM, OPT_MEMORY, OPT_CHUNK,
	       OPT_MAX_RECORDS, OPT_STOP_AFTER, OPT_SEED, OPT_NET, OPT_RESUME,
	       OPT_METHOD_OPTION /* last: method option i is OPT_METHOD_OPTION + i */ };
	static const struct option generic[] = {
		{"output", required_argument, NULL, 'o'}, {"method", required_argument, NULL, 'M'},
		{"epochs", required_argument, NULL, 'e'}, {"batch", required_argument, NULL, 'b'},
		{"lr", required_argument, NULL, 'l'}, {"lr-min", required_argument, NULL, OPT_LR_MIN},
		{"warmup", required_argument, NULL, OPT_WARMUP},
		{"clip", required_argument, NULL, OPT_CLIP},
		{"weight-decay", required_argument, NULL, OPT_WEIGHT_DECAY},
		{"seed", required_argument, NULL, OPT_SEED}, {"threads", required_argument, NULL, 't'},
		{"val", required_argument, NULL, 'v'}, {"net", required_argument, NULL, OPT_NET},
		{"heads", required_argument, NULL, 'K'}, {"order", required_argument, NULL, 'k'},
		{"kmin", required_argument, NULL, OPT_KMIN},
		{"cons-weight", required_argument, NULL, OPT_CONS_WEIGHT},
		{"log", required_argument, NULL, OPT_LOG},
		{"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
		{"resume", no_argument, NULL, OPT_RESUME}, {"stream", no_argument, NULL, OPT_STREAM},
		{"memory", required_argument, NULL, OPT_MEMORY},
		{"chunk", required_argument, NULL, OPT_CHUNK},
		{"max-records", required_argument, NULL, OPT_MAX_RECORDS},
		{"stop-after", required_argument, NULL, OPT_STOP_AFTER},
		{"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'}};
	enum { NGENERIC = sizeof generic / sizeof generic[0] };
	static struct option longopts[NGENERIC + MAX_METHOD_OPTIONS + 1];
	collect_method_options();
	memcpy(longopts, generic, sizeof generic);
	for (int i = 0; i < n_method_options; i++)
		longopts[NGENERIC + i] = (struct option){
			method_options[i]->name,
			method_options[i]->kind == SR_OPTION_CLEAR ? no_argument : required_argument, NULL,
			OPT_METHOD_OPTION + i};
	/* the method's options are applied once the method is known (-M may come later) */
	struct given_option { int i; const char *arg; } given[argc];
	int ngiven = 0;
	sr_train_conf *c = &o->conf;
	*o = (options){.progress = isatty(2) ? 1 : 0};
	sr_train_defaults(c);
	c->method = &sr_method_siamese;
	int code;
	long v;
	while ((code = sr_getopt(argc, argv, ":o:M:e:b:l:t:v:K:k:qhV", longopts)) != -1) {
		int bad = 0;
		switch (code) {
		case 'o': c->model = optarg; break;
		case 'M':
			if (!(c->method = sr_method_find(optarg))) {
				char list[256] = "";
				for (int m = 0; sr_methods[m]; m++)
					snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
					         m ? ", " : "", sr_methods[m]->name);
				sr_die("--method: unknown method '%s' (%s)", optarg, list);
			}
			break;
		case 'e': bad = sr_parse_long("--epochs", optarg, 1, 100000, &v); c->epochs = (int)v; break;
		case 'b': bad = sr_parse_long("--batch", optarg, 1, 4096, &v); c->batch = (int)v; break;
		case 'l': bad = sr_parse_double("--lr", optarg, 1e-8, 10, &c->lr); break;
		case OPT_LR_MIN: bad = sr_parse_double("--lr-min", optarg, 0, 10, &c->lr_min); break;
		case OPT_WARMUP: bad = sr_parse_long("--warmup", optarg, 0, 100000000, &c->warmup); break;
		case OPT_CLIP: bad = sr_parse_double("--clip", optarg, 0, 1e6, &c->clip); break;
		case OPT_WEIGHT_DECAY:
			bad = sr_parse_double("--weight-decay", optarg, 0, 1, &c->weight_decay);
			break;
		case OPT_SEED: bad = sr_parse_seed("--seed", optarg, &c->seed); break;
		case 't': bad = sr_parse_long("--threads", optarg, 1, 1024, &v); c->threads = (int)v; break;
		case 'v': bad = sr_parse_double("--val", optarg, 0, 0.9, &c->val); break;
		case OPT_NET: c->net = optarg; break;
		case 'K': bad = sr_parse_long("--heads", optarg, 1, 32, &v); c->heads = (int)v; break;
		case 'k': bad = sr_parse_order("--order", optarg, 0, &c->order); break;
		case OPT_KMIN: bad = sr_parse_order("--kmin", optarg, 0, &c->kmin); break;
		case OPT_CONS_WEIGHT:
			bad = sr_parse_double("--cons-weight", optarg, 0, 100, &c->cons_weight);
			break;
		case OPT_LOG: o->log = optarg; break;
		case OPT_CHECKPOINT: c->checkpoint = optarg; break;
		case OPT_RESUME: c->resume = 1; break;
		case OPT_STREAM: c->stream = 1; break;
		case OPT_MEMORY: bad = sr_parse_long("--memory", optarg, 1, 1L << 30, &c->mem_limit_mb); break;
		case OPT_CHUNK: bad = sr_parse_long("--chunk", optarg, 1, 1L << 24, &c->chunk); break;
		case OPT_MAX_RECORDS:
			bad = sr_parse_long("--max-records", optarg, 1, 1L << 40, &c->max_records);
			break;
		case OPT_STOP_AFTER:
			bad = sr_parse_long("--stop-after", optarg, 1, 100000, &v);
			c->stop_after = (int)v;
			break;
		case 'q': o->progress = -1; break;
		case 'h': print_help();
		case 'V': sr_exit_version();
		default:
			if (code < OPT_METHOD_OPTION || code >= OPT_METHOD_OPTION + n_method_options)
				sr_bad_option(argv);
			given[ngiven++] = (struct given_option){code - OPT_METHOD_OPTION, optarg};
		}
		if (bad)
			sr_die("%s", sr_errmsg());
	}
	void *mconf = sr_method_conf_new(c->method);
	if (!mconf)
		sr_die("%s", sr_errmsg());
	for (int g = 0; g < ngiven; g++) {
		const sr_option *opt = sr_method_option(c->method, method_options[given[g].i]->name);
		if (!opt)
			sr_die("--%s is not an option of method %s", method_options[given[g].i]->name,
			       c->method->name);
		if (set_method_option(opt, given[g].arg, mconf) < 0)
			sr_die("%s", sr_errmsg());
	}
	c->method_conf = mconf;
	if (!c->model)
		sr_die("an output model is required: -o MODEL");
	if (c->order > c->heads)
		sr_die("--order %d is larger than --heads %d", c->order, c->heads);
	o->nfiles = argc - optind;
	o->files = argv + optind;
}

/* ---------------------------------------------------------------- progress */

typedef struct {
	int ranks;        /* processes of the run */
	int progress;     /* as in options */
	const char *log_path;
	FILE *log;
	int epochs;
	double last_draw; /* the bar is redrawn at most 4 times a second */
} progress_ctx;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void fmt_time(char *buf, size_t n, double s)
{
	if (s < 0 || !isfinite(s))
		snprintf(buf, n, "?");
	else if (s < 60)
		snprintf(buf, n, "%.0fs", s);
	else if (s < 3600)
		snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

static void draw_bar(progress_ctx *p, const sr_train_event *ev)
{
	double tn = now();
	if (!(tn - p->last_draw > 0.25 || ev->done == ev->total))
		return;
	p->last_draw = tn;
	double rate = ev->done / fmax(ev->seconds, 1e-9);
	char eta[32], bar[32];
	fmt_time(eta, sizeof eta, (ev->total - ev->done) / fmax(rate, 1e-9));
	int width = 24, fill = (int)(width * (double)ev->done / fmax(ev->total, 1));
	for (int i = 0; i < width; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[width] = 0;
	fprintf(stderr, "\repoch %d/%d [%s] loss %.4f  %.0f pairs/s  ETA %s   ", ev->epoch,
	        p->epochs, bar, ev->train_loss, rate, eta);
	fflush(stderr);
}

/* The training loop's reports: the lines on standard error, the bar, the log. */
static int report(const sr_train_event *ev, void *ctx)
{
	progress_ctx *p = ctx;
	const sr_trainer *t = ev->t;
	switch (ev->kind) {
	case SR_TRAIN_START:
		if (p->ranks > 1 && sr_ranks_same_data(t) < 0)
			return -1;
		if (ev->resumed && p->progress >= 0)
			fprintf(stderr, "%s: resuming after epoch %d from %s\n", sr_progname(), ev->epoch,
			        ev->checkpoint);
		if (p->log_path) {
			p->log = fopen(p->log_path, ev->epoch > 0 ? "a" : "w");
			if (!p->log)
				return sr_fail("--log: %s: %s", p->log_path, strerror(errno));
			if (ev->epoch == 0)
				fprintf(p->log, "epoch\ttrain_loss\tval_loss\tlr\tpairs_per_s\tseconds\n");
		}
		if (p->progress >= 0)
			fprintf(stderr, "%s: %s: %ld training and %ld validation records of %dx%dx%d%s, "
			        "%zu parameters\n", sr_progname(), t->m->name, t->ntrain, t->nval,
			        t->views, t->h, t->w, ev->streamed ? " (streamed)" : "",
			        sr_net_nparams(t->nets[0]));
		break;
	case SR_TRAIN_BATCH:
		if (p->progress == 1)
			draw_bar(p, ev);
		break;
	case SR_TRAIN_EPOCH: {
		double rate = t->ntrain / fmax(ev->seconds, 1e-9);
		if (p->progress == 1)
			fprintf(stderr, "\r\033[K");
		if (p->progress >= 0)
			fprintf(stderr, "epoch %d/%d train %.5f val %.5f lr %.3g %.0f pairs/s %.1fs\n",
			        ev->epoch, p->epochs, ev->train_loss, ev->val_loss, ev->lr, rate,
			        ev->seconds);
		if (p->log) {
			fprintf(p->log, "%d\t%.6g\t%.6g\t%.6g\t%.1f\t%.2f\n", ev->epoch, ev->train_loss,
			        ev->val_loss, ev->lr, rate, ev->seconds);
			if (fflush(p->log) != 0 || ferror(p->log))
				return sr_fail("--log: %s: write error: %s", p->log_path, strerror(errno));
		}
		p->last_draw = 0;
		break;
	}
	case SR_TRAIN_STOPPED:
		if (p->progress >= 0)
			fprintf(stderr, "%s: stopped after epoch %d as asked; --resume continues from %s\n",
			        sr_progname(), ev->epoch, ev->checkpoint);
		break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	sr_set_progname(argv[0]);
	int rank, ranks;
	if (sr_ranks_init(&argc, &argv, &rank, &ranks) < 0)
		sr_die("%s", sr_errmsg());
	options o;
	parse_command_line(argc, argv, &o);
	/* under mpirun, rank 0 alone prints and logs */
	progress_ctx p = {.ranks = ranks, .progress = rank == 0 ? o.progress : -1,
	                  .log_path = rank == 0 ? o.log : NULL, .epochs = o.conf.epochs};
	o.conf.report = report;
	o.conf.report_ctx = &p;
	o.conf.rank = rank;
	o.conf.ranks = ranks;
	if (ranks > 1)
		o.conf.grad_hook = sr_ranks_grad_hook;
	int rc = sr_train(&o.conf, o.nfiles, o.files);
	if (p.log && fclose(p.log) != 0 && rc == 0)
		rc = sr_fail("--log: %s: write error: %s", p.log_path, strerror(errno));
	free((void *)o.conf.method_conf);
	if (rc < 0) {
		if (ranks > 1)
			fprintf(stderr, "%s: rank %d: %s\n", sr_progname(), rank, sr_errmsg());
		else
			fprintf(stderr, "%s: %s\n", sr_progname(), sr_errmsg());
		sr_ranks_finish(1); /* the other ranks must not wait in the next reduction */
		return 1;
	}
	sr_ranks_finish(0);
	return 0;
}
