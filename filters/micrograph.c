/* micrograph: renders a synthetic micrograph (many particles at known places on a sloped
 * background, with shot noise) for testing particlepick; the particles' truth goes to a TSV file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/err.h"
#include "io/stream.h"
#include "synth/field.h"

static const char usage[] =
	"usage: micrograph [OPTION]...\n"
	"Render one synthetic micrograph: particles (regular polygons) at known positions,\n"
	"sizes and angles, isolated, in touching pairs or cut by the edge, on a sloped\n"
	"background, blurred, with Poisson shot noise at a dose.\n"
	"\n"
	"  -s, --size N|WxH       frame size in px (default 512)\n"
	"  -n, --count N          isolated particles (default 50)\n"
	"      --touching N       pairs of touching particles (default 0)\n"
	"      --edge N           particles centred on the frame's edge (default 0)\n"
	"  -k, --sides LO:HI      polygon orders (default 3:6)\n"
	"  -r, --radius LO:HI     circumradius in px (default 8:10)\n"
	"  -g, --background B     background at the centre, particle = 1 (default 0.2)\n"
	"      --slope X:Y        background change across the frame in x and y (default 0.2:0.1)\n"
	"      --blur S           probe sigma in px (default 0.8)\n"
	"  -D, --dose D           counts at level 1; 0: clean (default 40)\n"
	"      --pixel-nm P       write pixel.nm P (default: none)\n"
	"      --truth FILE       write the particles as TSV: x y k radius theta kind\n"
	"      --seed N           random seed (default 1)\n"
	SR_OUTPUT_HELP
	"  -h, --help             show this help and exit\n"
	"  -V, --version          show the version and exit\n";

typedef struct {
	sr_field_spec spec;
	uint64_t seed;
	const char *truth;
	sr_write_options out;
} options;

static void die_opt(void) { sr_die("%s", sr_errmsg()); }

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_TOUCHING = SR_OPT_LOCAL, OPT_EDGE, OPT_SLOPE, OPT_PIXEL, OPT_SEED, OPT_BLUR, OPT_TRUTH };
	static const struct option longopts[] = {
		{"size", required_argument, NULL, 's'},
		{"count", required_argument, NULL, 'n'},
		{"touching", required_argument, NULL, OPT_TOUCHING},
		{"edge", required_argument, NULL, OPT_EDGE},
		{"sides", required_argument, NULL, 'k'},
		{"radius", required_argument, NULL, 'r'},
		{"background", required_argument, NULL, 'g'},
		{"slope", required_argument, NULL, OPT_SLOPE},
		{"blur", required_argument, NULL, OPT_BLUR},
		{"dose", required_argument, NULL, 'D'},
		{"pixel-nm", required_argument, NULL, OPT_PIXEL},
		{"truth", required_argument, NULL, OPT_TRUTH},
		{"seed", required_argument, NULL, OPT_SEED},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		SR_OUTPUT_LONGOPTS,
		{NULL, 0, NULL, 0}};
	*o = (options){.seed = 1, .out = {.format = SR_FORMAT_TENSOR}};
	sr_field_spec_default(&o->spec);
	sr_field_spec *s = &o->spec;
	double lo, hi;
	long v;
	int code;
	while ((code = sr_getopt(argc, argv, ":s:n:k:r:g:D:hV", longopts)) != -1) {
		switch (code) {
		case 's':
			if (sr_parse_size("--size", optarg, &s->width, &s->height) < 0)
				die_opt();
			break;
		case 'n':
			if (sr_parse_long("--count", optarg, 0, 100000, &v) < 0)
				die_opt();
			s->isolated = (int)v;
			break;
		case OPT_TOUCHING:
			if (sr_parse_long("--touching", optarg, 0, 100000, &v) < 0)
				die_opt();
			s->touching_pairs = (int)v;
			break;
		case OPT_EDGE:
			if (sr_parse_long("--edge", optarg, 0, 100000, &v) < 0)
				die_opt();
			s->at_edge = (int)v;
			break;
		case 'k':
			if (sr_parse_range("--sides", optarg, 3, 64, &lo, &hi) < 0)
				die_opt();
			if (lo != (int)lo || hi != (int)hi)
				sr_die("--sides: '%s' is not whole numbers", optarg);
			s->k_lo = (int)lo, s->k_hi = (int)hi;
			break;
		case 'r':
			if (sr_parse_range("--radius", optarg, 1, 1000, &s->radius_lo, &s->radius_hi) < 0)
				die_opt();
			break;
		case 'g':
			if (sr_parse_double("--background", optarg, 0, 1e6, &s->background) < 0)
				die_opt();
			break;
		case OPT_SLOPE:
			if (sr_parse_range("--slope", optarg, -1e6, 1e6, &lo, &hi) < 0)
				die_opt();
			s->slope_x = lo, s->slope_y = hi;
			break;
		case OPT_BLUR:
			if (sr_parse_double("--blur", optarg, 0, 100, &s->blur) < 0)
				die_opt();
			break;
		case 'D':
			if (sr_parse_double("--dose", optarg, 0, 1e9, &s->dose) < 0)
				die_opt();
			break;
		case OPT_PIXEL:
			if (sr_parse_double("--pixel-nm", optarg, 1e-6, 1e6, &s->pixel_nm) < 0)
				die_opt();
			break;
		case OPT_TRUTH: o->truth = optarg; break;
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
		sr_die("no input files are read (got '%s')", argv[optind]);
}

int main(int argc, char **argv)
{
	options o;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &o);
	sr_write_options out = o.out;
	if (sr_check_stdout(&out) < 0)
		sr_die("%s", sr_errmsg());
	sr_record rec;
	sr_record_init(&rec);
	sr_field_particle *p;
	int n;
	if (sr_field_render(&o.spec, o.seed, &rec, &p, &n) < 0)
		sr_die("%s", sr_errmsg());
	if (o.truth) {
		FILE *f = fopen(o.truth, "w");
		if (!f)
			sr_die("%s: cannot write", o.truth);
		static const char *kind[] = {"isolated", "touching", "edge"};
		fprintf(f, "x\ty\tk\tradius\ttheta\tkind\n");
		for (int i = 0; i < n; i++)
			fprintf(f, "%.6f\t%.6f\t%d\t%.6f\t%.6f\t%s\n", p[i].shape.cx, p[i].shape.cy,
			        p[i].shape.k, p[i].shape.radius, p[i].shape.theta, kind[p[i].kind]);
		if (fclose(f) != 0)
			sr_die("%s: write error", o.truth);
	}
	if (sr_record_write(stdout, &rec, &out) < 0)
		sr_die("%s", sr_errmsg());
	sr_finish_stdout();
	free(p);
	sr_record_free(&rec);
	return 0;
}
