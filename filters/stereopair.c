/* stereopair: makes stereo pairs (views = 2): synthetic ones re-rendered from the metadata,
 * or real ones joined from two streams. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "io/stream.h"
#include "synth/particle.h"
#include "synth/render.h"

static const char usage[] =
	"usage: stereopair --offset D[:HI] [OPTION]... [FILE]...\n"
	"       stereopair --tilt D[:HI] [OPTION]... [FILE]...\n"
	"       stereopair --join FILE_B --offset D|--tilt D [OPTION]... [FILE_A]...\n"
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
	"      --tilt D|LO:HI     3D particles (shapegen --solid): view B is the particle\n"
	"                         after a specimen tilt by D degrees about the tilt axis\n"
	"                         through its centre, R_B = R_axis(D) R_A (a range is drawn\n"
	"                         uniformly per record)\n"
	"      --random-sign      with --tilt: the tilt's sign drawn at random per record\n"
	"      --tilt-axis A      the tilt axis, A degrees counterclockwise on screen from\n"
	"                         the lab y axis (default 0: R_y, positive D turns +z\n"
	"                         towards +x)\n"
	"  -J, --join FILE_B      pair the input's records with FILE_B's, in order\n"
	"      --seed N           random seed for offsets and drift (default 1)\n"
	SR_OUTPUT_HELP
	"  -h, --help             show this help and exit\n"
	"  -V, --version          show the version and exit\n"
	"\n"
	"Adds the keys offset, b.dx, b.dy (synthetic) or offset, b.id, b.source (--join);\n"
	"with --tilt, tilt and tilt_axis instead of offset.\n"
	"Synthetic input must be clean: run addnoise and centre after stereopair.  With no\n"
	"FILE, or FILE -, read standard input.\n";

typedef struct {
	double off_lo, off_hi, drift;
	int tilt, random_sign;  /* --tilt: off_lo..off_hi is the tilt */
	double tilt_axis;
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
	double u[4];
	for (int i = 0; i < (c->tilt ? 4 : 3); i++) /* the 2D stream stays as it was */
		u[i] = sr_rng_uniform(&r);
	double delta = c->off_lo == c->off_hi ? c->off_lo : c->off_lo + (c->off_hi - c->off_lo) * u[0];
	double dx = c->drift > 0 ? c->drift * (2 * u[1] - 1) : 0;
	double dy = c->drift > 0 ? c->drift * (2 * u[2] - 1) : 0;
	if (!sr_meta_get(&rec->meta, "shape"))
		return sr_fail("no shape metadata (shape, k, radius, cx, cy, theta, intensity) to render "
		               "view B from; to pair real images use --join FILE_B --offset D");
	int solid = sr_meta_is_solid(&rec->meta);
	if (solid && !c->tilt)
		return sr_fail("a 3D particle (shape %s) is paired by a tilt: --tilt D, not --offset",
		               sr_meta_get(&rec->meta, "shape"));
	if (!solid && c->tilt)
		return sr_fail("--tilt is for 3D particles (shapegen --solid); a %s takes --offset",
		               sr_meta_get(&rec->meta, "shape"));
	if (c->tilt) {
		if (c->random_sign && u[3] < 0.5)
			delta = -delta;
		if (sr_pair_tilt(rec, delta, c->tilt_axis, dx, dy) < 0)
			return -1;
	} else if (sr_pair_synthetic(rec, delta, dx, dy) < 0)
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
	if (c->tilt && (sr_meta_del(&c->pair.meta, "offset") < 0 ||
	                sr_meta_set_double(&c->pair.meta, "tilt", c->off_lo) < 0 ||
	                sr_meta_set_double(&c->pair.meta, "tilt_axis", c->tilt_axis) < 0))
		return -1;
	return sr_record_write(stdout, &c->pair, &c->out);
}

/* The command line. */
typedef struct {
	double off_lo, off_hi, drift;
	int tilt, random_sign;
	double tilt_axis;
	uint64_t seed;
	const char *join; /* --join FILE_B, else NULL: synthetic pairs */
	sr_write_options out;
	int nfiles;
	char **files;
} options;

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_DRIFT = SR_OPT_LOCAL, OPT_SEED, OPT_RANDOM_SIGN, OPT_TILT_AXIS, OPT_TILT };
	static const struct option longopts[] = {
		{"offset", required_argument, NULL, 'd'},
		{"drift", required_argument, NULL, OPT_DRIFT},
		{"tilt", required_argument, NULL, OPT_TILT},
		{"random-sign", no_argument, NULL, OPT_RANDOM_SIGN},
		{"tilt-axis", required_argument, NULL, OPT_TILT_AXIS},
		{"join", required_argument, NULL, 'J'},
		{"seed", required_argument, NULL, OPT_SEED},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		SR_OUTPUT_LONGOPTS,
		{NULL, 0, NULL, 0}};
	*o = (options){.seed = 1, .out = {.format = SR_FORMAT_TENSOR}};
	const char *offset = NULL, *tilt = NULL, *axis = NULL;
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
		case OPT_TILT: tilt = optarg; break;
		case OPT_RANDOM_SIGN: o->random_sign = 1; break;
		case OPT_TILT_AXIS: axis = optarg; break;
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
	if (offset && tilt)
		sr_die("--offset and --tilt do not go together (--offset: 2D shapes, --tilt: 3D)");
	if (!offset && !tilt)
		sr_die("--offset (2D shapes) or --tilt (3D particles) is required, in degrees");
	if (!tilt && (o->random_sign || axis))
		sr_die("--random-sign and --tilt-axis go with --tilt");
	o->tilt = tilt != NULL;
	if (tilt && sr_parse_range("--tilt", tilt, -90, 90, &o->off_lo, &o->off_hi) < 0)
		sr_die("%s", sr_errmsg());
	if (axis && sr_parse_double("--tilt-axis", axis, -360, 360, &o->tilt_axis) < 0)
		sr_die("%s", sr_errmsg());
	if (offset && sr_parse_range("--offset", offset, -360, 360, &o->off_lo, &o->off_hi) < 0)
		sr_die("%s", sr_errmsg());
	if (!offset)
		offset = tilt;
	if (o->join) {
		if (o->off_lo != o->off_hi)
			sr_die("%s: with --join the %s is the known one, a single value, not '%s'",
			       o->tilt ? "--tilt" : "--offset", o->tilt ? "tilt" : "offset", offset);
		if (o->random_sign)
			sr_die("--random-sign applies to synthetic pairs only, not with --join");
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
	           .tilt = opt.tilt, .random_sign = opt.random_sign, .tilt_axis = opt.tilt_axis,
	           .seed = opt.seed, .out = opt.out};
	int r = opt.join ? join_pairs(&c, &opt)
	                 : sr_each_record(opt.nfiles, opt.files, synthetic, &c);
	if (r < 0)
		sr_die("%s", sr_errmsg());
	sr_finish_stdout();
	return 0;
}
