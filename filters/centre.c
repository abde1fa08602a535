/* centre: background subtraction, robust particle centroid, sub-pixel shift of the particle to
 * the image centre, optional crop/pad to a fixed size. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "image/imgproc.h"
#include "io/stream.h"

static const char usage[] =
	"usage: centre [OPTION]... [FILE]...\n"
	"Centre the particle of every view of every record: estimate the background, find the\n"
	"particle's centroid (robust at low dose), subtract the background and shift the view by a\n"
	"sub-pixel amount so that the centroid lands on the image centre (W/2, H/2).  Each view of\n"
	"a pair is centred on its own; pairs stay pairs.\n"
	"\n"
	"      --background M   auto (default), border, otsu or zero: how the background level is\n"
	"                       estimated (border: clipped mean of a band along the edges; otsu:\n"
	"                       clipped mean of the dark class, for particles filling the frame;\n"
	"                       auto: border unless the band is mostly particle)\n"
	"      --band N         border band width in px (default max(2, min(W,H)/16))\n"
	"      --keep-background  do not subtract the background (the shift then brings in the\n"
	"                       background level at the edges instead of 0)\n"
	"  -s, --size N|WxH     crop or pad the output to N x N or W x H pixels\n"
	"      --interp NAME    lanczos3 (default), cubic, linear or nearest\n"
	"      --smooth SIGMA   Gaussian sigma in px used to find the particle (default\n"
	"                       max(1.5, min(W,H)/64); 0 = none)\n"
	"      --threshold F    detection threshold as a fraction of the smoothed peak above\n"
	"                       background (default 0.25)\n"
	"      --round          round the output samples to integers (with -k, also clamp them\n"
	"                       to 0..maxval: they are counts)\n"
	SR_OUTPUT_HELP
	"  -h, --help           show this help and exit\n"
	"  -V, --version        show the version and exit\n"
	"\n"
	"Adds centre.dx, centre.dy (the shift applied to view 0: an input point (x, y) is at\n"
	"(x + dx, y + dy) in the output) and centre.background, and centre.b.dx, centre.b.dy,\n"
	"centre.b.background for view 1 of a pair.  With no FILE, or FILE -, read standard input.\n";

/* The command line. */
typedef struct {
	sr_centre_options centre;
	sr_write_options out;
	int nfiles;
	char **files;
} options;

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_BAND = SR_OPT_LOCAL, OPT_SMOOTH, OPT_THRESHOLD, OPT_ROUND, OPT_BACKGROUND,
	       OPT_KEEP_BACKGROUND, OPT_INTERP };
	static const struct option longopts[] = {
		{"background", required_argument, NULL, OPT_BACKGROUND},
		{"band", required_argument, NULL, OPT_BAND},
		{"keep-background", no_argument, NULL, OPT_KEEP_BACKGROUND},
		{"size", required_argument, NULL, 's'},
		{"interp", required_argument, NULL, OPT_INTERP},
		{"smooth", required_argument, NULL, OPT_SMOOTH},
		{"threshold", required_argument, NULL, OPT_THRESHOLD},
		{"round", no_argument, NULL, OPT_ROUND},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		SR_OUTPUT_LONGOPTS,
		{NULL, 0, NULL, 0}};
	*o = (options){.out = {.format = SR_FORMAT_TENSOR}};
	sr_centre_defaults(&o->centre);
	int code;
	long l;
	double d;
	while ((code = sr_getopt(argc, argv, ":s:hV", longopts)) != -1) {
		switch (code) {
		case OPT_BACKGROUND:
			if (sr_bg_method_parse(optarg, &o->centre.bg_method) < 0)
				sr_die("--background: %s", sr_errmsg());
			break;
		case OPT_BAND:
			if (sr_parse_long("--band", optarg, 1, 10000, &l) < 0)
				sr_die("%s", sr_errmsg());
			o->centre.band = (int)l;
			break;
		case OPT_KEEP_BACKGROUND: o->centre.keep_background = 1; break;
		case 's':
			if (sr_parse_size("--size", optarg, &o->centre.out_w, &o->centre.out_h) < 0)
				sr_die("%s", sr_errmsg());
			break;
		case OPT_INTERP:
			if (sr_interp_parse(optarg, &o->centre.interp) < 0)
				sr_die("--interp: %s", sr_errmsg());
			break;
		case OPT_SMOOTH:
			if (sr_parse_double("--smooth", optarg, 0, 100, &d) < 0)
				sr_die("%s", sr_errmsg());
			o->centre.cen.smooth = d;
			break;
		case OPT_THRESHOLD:
			if (sr_parse_double("--threshold", optarg, 0, 0.99, &d) < 0)
				sr_die("%s", sr_errmsg());
			o->centre.cen.frac = d;
			break;
		case OPT_ROUND: o->centre.round = 1; break;
		case 'h': sr_exit_help(usage);
		case 'V': sr_exit_version();
		default:
			if (!sr_output_option_or_die(code, optarg, &o->out))
				sr_bad_option(argv);
		}
	}
	o->nfiles = argc - optind;
	o->files = argv + optind;
}

static int one(sr_record *rec, void *p)
{
	const options *o = p;
	if (sr_centre_record(rec, &o->centre) < 0)
		return -1;
	return sr_record_write(stdout, rec, &o->out);
}

int main(int argc, char **argv)
{
	options opt;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	sr_filter_run(opt.nfiles, opt.files, one, &opt, &opt.out);
	return 0;
}
