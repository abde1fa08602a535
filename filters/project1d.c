/* project1d: line integrals of every view, giving 1D profiles (a pair gives a pair; several
 * angles give several profiles of each view). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "image/imgproc.h"
#include "io/stream.h"

static const char usage[] =
	"usage: project1d [OPTION]... [FILE]...\n"
	"Replace every image record by the line integrals of its views: a profile along a\n"
	"direction, each sample the integral of the image over a strip 1 px wide perpendicular\n"
	"to it (exact area weighting).  A pair gives a pair of profiles.\n"
	"\n"
	"      --axis x|y     x: profile along the image x axis, left to right, each sample the\n"
	"                     sum of one column (the integral along y); length W by default.\n"
	"                     y: profile along the image y axis, top to bottom, each sample the\n"
	"                     sum of one row; length H by default.  (default: x)\n"
	"  -a, --angle PHI    profile along the direction PHI in degrees, counterclockwise on\n"
	"                     screen from +x: s = (x - W/2) cos PHI - (y - H/2) sin PHI; lines\n"
	"                     of integration are perpendicular to it.  --axis x is --angle 0,\n"
	"                     --axis y is --angle 270 (the y axis points down the screen).\n"
	"                     Default length: ceil(sqrt(W^2 + H^2)).\n"
	"      --angles LIST  several profiles of each view, one per angle of the comma-\n"
	"                     separated LIST (2..16 angles, degrees, as --angle): a record of\n"
	"                     height P = the number of angles, profile j in row j; project.angle\n"
	"                     is the first angle, project.angles the list.  Default length:\n"
	"                     the diagonal.\n"
	"      --length N     profile length in px, centred on the image centre\n"
	SR_OUTPUT_HELP
	"  -h, --help         show this help and exit\n"
	"  -V, --version      show the version and exit\n"
	"\n"
	"Sample i covers s in [i - N/2, i + 1 - N/2).  Adds project.axis (with --axis),\n"
	"project.angle, project.angles (with --angles) and project.length.  With no FILE, or\n"
	"FILE -, read standard input.\n";

/* The command line. */
typedef struct {
	int axis;     /* 'x', 'y', or 0 for --angle and --angles */
	int nangles;  /* 1 for --axis and --angle */
	double angles[SR_MAX_PROFILES]; /* degrees, with axis 0 */
	int length;   /* 0: the default for the direction */
	sr_write_options out;
	int nfiles;
	char **files;
} options;

/* --angles LIST: 2..SR_MAX_PROFILES comma-separated angles, each as --angle takes it. */
static void parse_angles(const char *list, options *o)
{
	char buf[1024];
	if (strlen(list) >= sizeof buf)
		sr_die("--angles: the list is too long");
	strcpy(buf, list);
	int n = 0;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == SR_MAX_PROFILES)
			sr_die("--angles: more than %d angles", SR_MAX_PROFILES);
		if (sr_parse_double("--angles", tok, -3600, 3600, &o->angles[n]) < 0)
			sr_die("%s", sr_errmsg());
		n++;
	}
	if (n < 2 || list[strlen(list) - 1] == ',' || list[0] == ',' || strstr(list, ",,"))
		sr_die("--angles: '%s' is not a list of 2 or more angles (one: --angle)", list);
	o->axis = 0;
	o->nangles = n;
}

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_AXIS = SR_OPT_LOCAL, OPT_ANGLES, OPT_LENGTH };
	static const struct option longopts[] = {
		{"axis", required_argument, NULL, OPT_AXIS},
		{"angle", required_argument, NULL, 'a'},
		{"angles", required_argument, NULL, OPT_ANGLES},
		{"length", required_argument, NULL, OPT_LENGTH},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		SR_OUTPUT_LONGOPTS,
		{NULL, 0, NULL, 0}};
	*o = (options){.axis = 'x', .nangles = 1, .out = {.format = SR_FORMAT_TENSOR}};
	int code, have_axis = 0, have_angle = 0, have_angles = 0;
	long l;
	while ((code = sr_getopt(argc, argv, ":a:hV", longopts)) != -1) {
		switch (code) {
		case OPT_AXIS:
			if (strcmp(optarg, "x") != 0 && strcmp(optarg, "y") != 0)
				sr_die("--axis: '%s' is not x or y", optarg);
			o->axis = optarg[0];
			have_axis = 1;
			break;
		case 'a':
			if (sr_parse_double("--angle", optarg, -3600, 3600, &o->angles[0]) < 0)
				sr_die("%s", sr_errmsg());
			o->axis = 0;
			o->nangles = 1;
			have_angle = 1;
			break;
		case OPT_ANGLES:
			parse_angles(optarg, o);
			have_angles = 1;
			break;
		case OPT_LENGTH:
			if (sr_parse_long("--length", optarg, 1, SR_MAX_DIM, &l) < 0)
				sr_die("%s", sr_errmsg());
			o->length = (int)l;
			break;
		case 'h': sr_exit_help(usage);
		case 'V': sr_exit_version();
		default:
			if (!sr_output_option_or_die(code, optarg, &o->out))
				sr_bad_option(argv);
		}
	}
	if (have_axis + have_angle + have_angles > 1)
		sr_die("--axis, --angle and --angles exclude each other");
	o->nfiles = argc - optind;
	o->files = argv + optind;
}

typedef struct {
	const options *opt;
	sr_record tmp; /* the projection's scratch record */
} ctx_t;

static int one(sr_record *rec, void *p)
{
	ctx_t *c = p;
	const options *o = c->opt;
	if ((o->nangles > 1 ? sr_project_record_angles(rec, o->angles, o->nangles, o->length, &c->tmp)
	                    : sr_project_record(rec, o->axis, o->angles[0], o->length, &c->tmp)) < 0)
		return -1;
	return sr_record_write(stdout, rec, &c->opt->out);
}

int main(int argc, char **argv)
{
	options opt;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	ctx_t c = {.opt = &opt};
	sr_record_init(&c.tmp);
	sr_filter_run(opt.nfiles, opt.files, one, &c, &opt.out);
	sr_record_free(&c.tmp);
	return 0;
}
