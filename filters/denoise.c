/* denoise: Gaussian, median, bilateral or non-local-means filtering of every view. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/err.h"
#include "image/imgproc.h"
#include "io/stream.h"

static const char usage[] =
	"usage: denoise [OPTION]... [FILE]...\n"
	"Denoise every view of every record (images, or 1D profiles) with one method.\n"
	"Sizes are in pixels, intensities in counts (the samples' own units).\n"
	"\n"
	"  -M, --method M     gaussian (default), median, bilateral or nlm\n"
	"      --sigma S      gaussian: sigma in px (default 1); bilateral: spatial sigma in px\n"
	"                     (default 1)\n"
	"  -r, --radius R     median: window (2R+1) x (2R+1) px (default 1)\n"
	"      --range C      bilateral: range sigma in counts (default: 2 x the noise sd)\n"
	"      --patch P      nlm: patch radius in px, patches (2P+1)^2 (default 1)\n"
	"      --search S     nlm: search radius in px, window (2S+1)^2 (default 3)\n"
	"      --h C          nlm: filtering parameter h in counts, weights\n"
	"                     exp(-(mean squared patch difference) / h^2) (default: 1.2 x the\n"
	"                     noise sd)\n"
	SR_OUTPUT_HELP
	"  -h, --help         show this help and exit\n"
	"  -V, --version      show the version and exit\n"
	"\n"
	"The default noise sd is estimated per view from the image itself: the 90th percentile\n"
	"of Immerkaer's estimate over 8 x 8 tiles, i.e. the noise of the particle when it is\n"
	"shot noise.  Borders are mirrored.  Adds denoise.method and the parameters used (denoise.sigma,\n"
	"denoise.radius, denoise.range, denoise.patch, denoise.search, denoise.h; an automatic\n"
	"range or h is recorded as the value used for view 0).  With no FILE, or FILE -, read\n"
	"standard input.\n";

/* The command line. */
typedef struct {
	sr_denoise_options denoise;
	sr_write_options out;
	int nfiles;
	char **files;
} options;

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_RANGE = SR_OPT_LOCAL, OPT_PATCH, OPT_SEARCH, OPT_H, OPT_SIGMA };
	static const struct option longopts[] = {
		{"method", required_argument, NULL, 'M'},
		{"sigma", required_argument, NULL, OPT_SIGMA},
		{"radius", required_argument, NULL, 'r'},
		{"range", required_argument, NULL, OPT_RANGE},
		{"patch", required_argument, NULL, OPT_PATCH},
		{"search", required_argument, NULL, OPT_SEARCH},
		{"h", required_argument, NULL, OPT_H},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		SR_OUTPUT_LONGOPTS,
		{NULL, 0, NULL, 0}};
	*o = (options){.out = {.format = SR_FORMAT_TENSOR}};
	sr_denoise_defaults(&o->denoise);
	int code;
	long l;
	double d;
	while ((code = sr_getopt(argc, argv, ":M:r:hV", longopts)) != -1) {
		switch (code) {
		case 'M':
			if (sr_denoise_method_parse(optarg, &o->denoise.method) < 0)
				sr_die("--method: %s", sr_errmsg());
			break;
		case OPT_SIGMA:
			if (sr_parse_double("--sigma", optarg, 0, 100, &d) < 0)
				sr_die("%s", sr_errmsg());
			o->denoise.sigma = d;
			break;
		case 'r':
			if (sr_parse_long("--radius", optarg, 0, 50, &l) < 0)
				sr_die("%s", sr_errmsg());
			o->denoise.radius = (int)l;
			break;
		case OPT_RANGE:
			if (sr_parse_double("--range", optarg, 1e-9, 1e12, &d) < 0)
				sr_die("%s", sr_errmsg());
			o->denoise.range = d;
			break;
		case OPT_PATCH:
			if (sr_parse_long("--patch", optarg, 0, 10, &l) < 0)
				sr_die("%s", sr_errmsg());
			o->denoise.patch = (int)l;
			break;
		case OPT_SEARCH:
			if (sr_parse_long("--search", optarg, 1, 30, &l) < 0)
				sr_die("%s", sr_errmsg());
			o->denoise.search = (int)l;
			break;
		case OPT_H:
			if (sr_parse_double("--h", optarg, 1e-9, 1e12, &d) < 0)
				sr_die("%s", sr_errmsg());
			o->denoise.h = d;
			break;
		case 'h': sr_exit_help(usage);
		case 'V': sr_exit_version();
		default:
			if (!sr_output_option_or_die(code, optarg, &o->out))
				sr_bad_option(argv);
		}
	}
	if (o->denoise.method == SR_DENOISE_BILATERAL && !(o->denoise.sigma > 0))
		sr_die("--sigma: the bilateral filter needs a spatial sigma above 0");
	o->nfiles = argc - optind;
	o->files = argv + optind;
}

static int one(sr_record *rec, void *p)
{
	const options *o = p;
	if (sr_denoise_record(rec, &o->denoise) < 0)
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
