/* stereopair: makes stereo pairs (views = 2): synthetic ones re-rendered from the metadata,
 * or real ones joined from two streams. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "io/stream.h"
#include "synth/render.h"

static const char usage[] =
	"usage: stereopair --offset D[:HI] [OPTION]... [FILE]...\n"
	"       stereopair --join FILE_B --offset D [OPTION]... [FILE_A]...\n"
	"Make stereo pairs: records with two views, A and B, where B is A rotated\n"
	"counterclockwise (on screen) by the offset.\n"
	"\n"
	"Synthetic input (clean records from shapegen): view B is rendered afresh from the\n"
	"record's metadata with theta + offset (exact, not an interpolated rotation).\n"
	"Real input: with --join, record i of the input is paired with record i of FILE_B.\n"
	"\n"
	"  -d, --offset D|LO:HI   pair offset in degrees; a range is drawn uniformly per\n"
	"                         record (synthetic input only).  Required.\n"
	"      --drift P          shift view B's centre by (b.dx, b.dy), each uniform in\n"
	"                         [-P, P] px (synthetic input only; default 0)\n"
	"  -J, --join FILE_B      pair the input's records with FILE_B's, in order\n"
	"      --seed N           random seed for offsets and drift (default 1)\n"
	SR_OUTPUT_HELP
	"  -h, --help             show this help and exit\n"
	"  -V, --version          show the version and exit\n"
	"\n"
	"Adds the keys offset, b.dx, b.dy (synthetic) or offset, b.id, b.source (--join).\n"
	"Synthetic input must be clean: run addnoise and centre after stereopair.  With no\n"
	"FILE, or FILE -, read standard input.\n";

typedef struct {
	double off_lo, off_hi, drift;
	uint64_t seed;
	long index;             /* records so far over all inputs */
	sr_reader *join;        /* --join: the B stream */
	const char *join_name;
	sr_record b, pair;
	sr_write_options out;
} ctx_t;

static int synthetic(sr_record *rec, void *p)
{
	ctx_t *c = p;
	sr_rng r = sr_pair_rng(c->seed, (uint64_t)c->index++);
	double u[3];
	for (int i = 0; i < 3; i++)
		u[i] = sr_rng_uniform(&r);
	double delta = c->off_lo == c->off_hi ? c->off_lo : c->off_lo + (c->off_hi - c->off_lo) * u[0];
	double dx = c->drift > 0 ? c->drift * (2 * u[1] - 1) : 0;
	double dy = c->drift > 0 ? c->drift * (2 * u[2] - 1) : 0;
	if (!sr_meta_get(&rec->meta, "shape"))
		return sr_fail("no shape metadata (shape, k, radius, cx, cy, theta, intensity) to render "
		               "view B from; to pair real images use --join FILE_B --offset D");
	if (sr_pair_synthetic(rec, delta, dx, dy) < 0)
		return -1;
	return sr_record_write(stdout, rec, &c->out);
}

static int joined(sr_record *rec, void *p)
{
	ctx_t *c = p;
	c->index++;
	int r = sr_reader_next(c->join, &c->b);
	if (r < 0)
		return -1;
	if (r == 0)
		return sr_fail("%s ended after %ld record(s): the two inputs must have the same number",
		               c->join_name, c->index - 1);
	if (sr_pair_join(rec, &c->b, c->off_lo, &c->pair) < 0) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", sr_errmsg());
		return sr_fail("%s (with %s record %ld)", msg, c->join_name, c->index);
	}
	return sr_record_write(stdout, &c->pair, &c->out);
}

/* The command line. */
typedef struct {
	double off_lo, off_hi, drift;
	uint64_t seed;
	const char *join; /* --join FILE_B, else NULL: synthetic pairs */
	sr_write_options out;
	int nfiles;
	char **files;
} options;

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_DRIFT = SR_OPT_LOCAL, OPT_SEED };
	static const struct option longopts[] = {
		{"offset", required_argument, NULL, 'd'},
		{"drift", required_argument, NULL, OPT_DRIFT},
		{"join", required_argument, NULL, 'J'},
		{"seed", required_argument, NULL, OPT_SEED},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		SR_OUTPUT_LONGOPTS,
		{NULL, 0, NULL, 0}};
	*o = (options){.seed = 1, .out = {SR_FORMAT_TENSOR, 0, 0}};
	const char *offset = NULL;
	int drift_given = 0;
	int code;
	while ((code = sr_getopt(argc, argv, ":d:J:hV", longopts)) != -1) {
		switch (code) {
		case 'd': offset = optarg; break;
		case OPT_DRIFT:
			if (sr_parse_double("--drift", optarg, 0, 1e4, &o->drift) < 0)
				sr_die("%s", sr_errmsg());
			drift_given = 1;
			break;
		case 'J': o->join = optarg; break;
		case OPT_SEED:
			if (sr_parse_seed("--seed", optarg, &o->seed) < 0)
				sr_die("%s", sr_errmsg());
			break;
		case 'h': sr_exit_help(usage);
		case 'V': sr_exit_version();
		default:
			if (!sr_output_option_or_die(code, optarg, &o->out))
				sr_bad_option(argv);
		}
	}
	if (!offset)
		sr_die("--offset is required (the pair offset in degrees)");
	if (sr_parse_range("--offset", offset, -360, 360, &o->off_lo, &o->off_hi) < 0)
		sr_die("%s", sr_errmsg());
	if (o->join) {
		if (o->off_lo != o->off_hi)
			sr_die("--offset: with --join the offset is the known one, a single value, not '%s'",
			       offset);
		if (drift_given)
			sr_die("--drift applies to synthetic pairs only, not with --join");
		int stdin_a = optind == argc;
		for (int i = optind; i < argc; i++)
			stdin_a |= strcmp(argv[i], "-") == 0;
		if (strcmp(o->join, "-") == 0 && stdin_a)
			sr_die("--join -: view A and view B cannot both come from standard input");
	}
	o->nfiles = argc - optind;
	o->files = argv + optind;
}

/* --join: pairs record i of the input with record i of FILE_B; both must end together. */
static int join_pairs(ctx_t *c, const options *o)
{
	if (!(c->join = sr_reader_open(o->join)))
		return -1;
	c->join_name = sr_reader_name(c->join);
	sr_record_init(&c->b);
	sr_record_init(&c->pair);
	int r = sr_each_record(o->nfiles, o->files, joined, c);
	if (r == 0) {
		int more = sr_reader_next(c->join, &c->b);
		if (more < 0)
			r = -1;
		else if (more > 0)
			r = sr_fail("%s has more records than the input (%ld): the two inputs must have "
			            "the same number", c->join_name, c->index);
	}
	sr_record_free(&c->b);
	sr_record_free(&c->pair);
	sr_reader_close(c->join);
	return r;
}

int main(int argc, char **argv)
{
	options opt;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	if (sr_check_stdout(&opt.out) < 0)
		sr_die("%s", sr_errmsg());
	ctx_t c = {.off_lo = opt.off_lo, .off_hi = opt.off_hi, .drift = opt.drift,
	           .seed = opt.seed, .out = opt.out};
	int r = opt.join ? join_pairs(&c, &opt)
	                 : sr_each_record(opt.nfiles, opt.files, synthetic, &c);
	if (r < 0)
		sr_die("%s", sr_errmsg());
	sr_finish_stdout();
	return 0;
}
