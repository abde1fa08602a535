/* shapegen: renders synthetic particles (regular polygons, or discs) as clean records. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "io/stream.h"
#include "synth/render.h"

static const char usage[] =
	"usage: shapegen [OPTION]...\n"
	"Render N clean synthetic particles (regular polygons, or discs) with exact area-coverage\n"
	"anti-aliasing, one record each, with the metadata needed to re-render them.\n"
	"\n"
	"  -n, --count N          records to write (default 1)\n"
	"      --start M          number of the first record (default 1): records M..M+N-1,\n"
	"                         the same as those of one longer run, to make a set in pieces\n"
	"  -s, --size N|WxH       image size in px (default 64)\n"
	"  -k, --sides K|LO:HI|K1,K2,...\n"
	"                         polygon order(s), 3..64, drawn uniformly per record\n"
	"                         (default 3:6)\n"
	"      --disc             draw discs (the control shape, no orientation) instead\n"
	"  -r, --radius R|LO:HI   circumradius in px (default 12:22)\n"
	"  -j, --centre-jitter P  centre uniform within +-P px of the image centre (W/2, H/2)\n"
	"                         on each axis (default 8)\n"
	"      --cx X|LO:HI       centre column coordinate in px (overrides the jitter)\n"
	"      --cy Y|LO:HI       centre row coordinate in px (overrides the jitter)\n"
	"  -t, --theta D|LO:HI    orientation in degrees (default: uniform in [0, 360/k))\n"
	"  -i, --intensity V|LO:HI  level inside the particle (default 1)\n"
	"      --seed N           random seed (default 1)\n"
	SR_OUTPUT_HELP
	"  -h, --help             show this help and exit\n"
	"  -V, --version          show the version and exit\n"
	"\n"
	"theta is the direction of one vertex from the +x axis, counterclockwise on screen:\n"
	"vertex j is at x = cx + R cos(theta + 360j/k), y = cy - R sin(theta + 360j/k).\n"
	"Record n (1-based) gets id s<seed>-<n> and the keys shape, k, radius, cx, cy, theta,\n"
	"intensity.  Images are clean; add noise with addnoise (after stereopair).\n";

static void die_opt(void) { sr_die("%s", sr_errmsg()); }

/* "4", "3:6" or "3,5,8" */
static void parse_sides(const char *s, sr_shape_spec *spec)
{
	long lo, hi;
	spec->nk = 0;
	if (strchr(s, ',')) {
		char buf[512];
		if (strlen(s) >= sizeof buf)
			sr_die("--sides: '%s' is too long", s);
		strcpy(buf, s);
		char *save = NULL;
		for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (sr_parse_long("--sides", t, 3, SR_SHAPE_MAX_K, &lo) < 0)
				die_opt();
			if (spec->nk == SR_SHAPE_MAX_K)
				sr_die("--sides: too many values in '%s'", s);
			spec->ks[spec->nk++] = (int)lo;
		}
		if (spec->nk == 0)
			sr_die("--sides: '%s' lists no values", s);
		return;
	}
	const char *colon = strchr(s, ':');
	if (!colon) {
		if (sr_parse_long("--sides", s, 3, SR_SHAPE_MAX_K, &lo) < 0)
			die_opt();
		hi = lo;
	} else {
		char first[32];
		size_t n = (size_t)(colon - s);
		if (n >= sizeof first)
			sr_die("--sides: '%s' is too long", s);
		memcpy(first, s, n);
		first[n] = '\0';
		if (sr_parse_long("--sides", first, 3, SR_SHAPE_MAX_K, &lo) < 0 ||
		    sr_parse_long("--sides", colon + 1, 3, SR_SHAPE_MAX_K, &hi) < 0)
			die_opt();
		if (lo > hi)
			sr_die("--sides: range '%s' has its low end above its high end", s);
	}
	for (long k = lo; k <= hi; k++)
		spec->ks[spec->nk++] = (int)k;
}

/* The command line. */
typedef struct {
	long count, start;
	int w, h;
	uint64_t seed;
	sr_shape_spec spec;
	sr_write_options out;
} options;

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_DISC = SR_OPT_LOCAL, OPT_CX, OPT_CY, OPT_SEED, OPT_START };
	static const struct option longopts[] = {
		{"count", required_argument, NULL, 'n'},
		{"start", required_argument, NULL, OPT_START},
		{"size", required_argument, NULL, 's'},
		{"sides", required_argument, NULL, 'k'},
		{"disc", no_argument, NULL, OPT_DISC},
		{"radius", required_argument, NULL, 'r'},
		{"centre-jitter", required_argument, NULL, 'j'},
		{"center-jitter", required_argument, NULL, 'j'},
		{"cx", required_argument, NULL, OPT_CX},
		{"cy", required_argument, NULL, OPT_CY},
		{"theta", required_argument, NULL, 't'},
		{"intensity", required_argument, NULL, 'i'},
		{"seed", required_argument, NULL, OPT_SEED},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		SR_OUTPUT_LONGOPTS,
		{NULL, 0, NULL, 0}};
	*o = (options){.count = 1, .start = 1, .w = 64, .h = 64, .seed = 1,
	               .out = {SR_FORMAT_TENSOR, 0, 0}};
	sr_shape_spec *spec = &o->spec;
	sr_shape_spec_default(spec, o->w, o->h);
	int disc = 0;
	double jitter = 8;
	const char *sides = NULL, *cx = NULL, *cy = NULL, *theta = NULL;
	int code;
	while ((code = sr_getopt(argc, argv, ":n:s:k:r:j:t:i:hV", longopts)) != -1) {
		switch (code) {
		case 'n':
			if (sr_parse_long("--count", optarg, 0, 1000000000L, &o->count) < 0)
				die_opt();
			break;
		case OPT_START:
			if (sr_parse_long("--start", optarg, 1, 1000000000000L, &o->start) < 0)
				die_opt();
			break;
		case 's':
			if (sr_parse_size("--size", optarg, &o->w, &o->h) < 0)
				die_opt();
			if ((long)o->w * o->h > SR_MAX_SAMPLES)
				sr_die("--size: %dx%d is more than %ld pixels", o->w, o->h,
				       (long)SR_MAX_SAMPLES);
			break;
		case 'k': sides = optarg; break;
		case OPT_DISC: disc = 1; break;
		case 'r':
			if (sr_parse_range("--radius", optarg, 1e-3, 1e5, &spec->radius_lo,
			                   &spec->radius_hi) < 0)
				die_opt();
			break;
		case 'j':
			if (sr_parse_double("--centre-jitter", optarg, 0, 1e5, &jitter) < 0)
				die_opt();
			break;
		case OPT_CX: cx = optarg; break;
		case OPT_CY: cy = optarg; break;
		case 't': theta = optarg; break;
		case 'i':
			if (sr_parse_range("--intensity", optarg, -1e9, 1e9, &spec->intensity_lo,
			                   &spec->intensity_hi) < 0)
				die_opt();
			break;
		case OPT_SEED:
			if (sr_parse_seed("--seed", optarg, &o->seed) < 0)
				die_opt();
			break;
		case 'h': sr_exit_help(usage);
		case 'V': sr_exit_version();
		default:
			if (!sr_output_option_or_die(code, optarg, &o->out))
				sr_bad_option(argv);
		}
	}
	if (optind < argc)
		sr_die("unexpected argument '%s' (shapegen reads no input)", argv[optind]);
	if (disc && sides)
		sr_die("--disc and --sides do not go together");
	if (disc && theta)
		sr_die("--disc and --theta do not go together (a disc has no orientation)");
	spec->kind = disc ? SR_SHAPE_DISC : SR_SHAPE_POLYGON;
	if (sides)
		parse_sides(sides, spec);
	spec->cx_lo = o->w / 2.0 - jitter;
	spec->cx_hi = o->w / 2.0 + jitter;
	spec->cy_lo = o->h / 2.0 - jitter;
	spec->cy_hi = o->h / 2.0 + jitter;
	if (cx && sr_parse_range("--cx", cx, -1e6, 1e6, &spec->cx_lo, &spec->cx_hi) < 0)
		die_opt();
	if (cy && sr_parse_range("--cy", cy, -1e6, 1e6, &spec->cy_lo, &spec->cy_hi) < 0)
		die_opt();
	if (theta) {
		if (sr_parse_range("--theta", theta, -1e6, 1e6, &spec->theta_lo, &spec->theta_hi) < 0)
			die_opt();
		spec->theta_given = 1;
	}
}

int main(int argc, char **argv)
{
	options opt;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	if (sr_check_stdout(&opt.out) < 0)
		die_opt();
	sr_record rec;
	sr_record_init(&rec);
	char id[64];
	for (long n = opt.start; n < opt.start + opt.count; n++) {
		sr_rng r = sr_shape_rng(opt.seed, (uint64_t)n);
		sr_shape s;
		snprintf(id, sizeof id, "s%" PRIu64 "-%ld", opt.seed, n);
		if (sr_shape_draw(&opt.spec, &r, &s) < 0 || sr_shape_record(&rec, &s, opt.w, opt.h, id) < 0)
			sr_die("record %ld: %s", n, sr_errmsg());
		if (sr_record_write(stdout, &rec, &opt.out) < 0)
			sr_die("%s", sr_errmsg());
	}
	sr_record_free(&rec);
	sr_finish_stdout();
	return 0;
}
