/* denoise: Gaussian, median, bilateral or non-local-means filtering of every view. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/err.h"
#include "image/imgproc.h"
#include "io/record.h"

static const char usage[] =
	"usage: denoise [OPTION]... [FILE]...\n"
	"Denoise every view of every record (images, or 1D profiles) with one method.\n"
	"Sizes are in pixels, intensities in counts (the samples' own units).\n"
	"\n"
	"  -m, --method M     gaussian (default), median, bilateral or nlm\n"
	"  -s, --sigma S      gaussian: sigma in px (default 1); bilateral: spatial sigma in px\n"
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

typedef struct {
	sr_denoise_options opt;
	sr_write_options out;
} ctx_t;

static int one(sr_record *rec, void *p)
{
	ctx_t *c = p;
	if (sr_denoise_record(rec, &c->opt) < 0)
		return -1;
	return sr_record_write(stdout, rec, &c->out);
}

int main(int argc, char **argv)
{
	enum { OPT_RANGE = 0x2001, OPT_PATCH, OPT_SEARCH, OPT_H };
	static const struct option longopts[] = {
		{"method", required_argument, NULL, 'm'},
		{"sigma", required_argument, NULL, 's'},
		{"radius", required_argument, NULL, 'r'},
		{"range", required_argument, NULL, OPT_RANGE},
		{"patch", required_argument, NULL, OPT_PATCH},
		{"search", required_argument, NULL, OPT_SEARCH},
		{"h", required_argument, NULL, OPT_H},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		SR_OUTPUT_LONGOPTS,
		{NULL, 0, NULL, 0}};
	sr_set_progname(argv[0]);
	ctx_t c = {.out = {SR_FORMAT_TENSOR, 0, 0}};
	sr_denoise_defaults(&c.opt);
	opterr = 0;
	int opt;
	long l;
	double d;
	while ((opt = getopt_long(argc, argv, ":m:s:r:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (sr_denoise_method_parse(optarg, &c.opt.method) < 0)
				sr_die("--method: %s", sr_errmsg());
			break;
		case 's':
			if (sr_parse_double("--sigma", optarg, 0, 100, &d) < 0)
				sr_die("%s", sr_errmsg());
			c.opt.sigma = d;
			break;
		case 'r':
			if (sr_parse_long("--radius", optarg, 0, 50, &l) < 0)
				sr_die("%s", sr_errmsg());
			c.opt.radius = (int)l;
			break;
		case OPT_RANGE:
			if (sr_parse_double("--range", optarg, 1e-9, 1e12, &d) < 0)
				sr_die("%s", sr_errmsg());
			c.opt.range = d;
			break;
		case OPT_PATCH:
			if (sr_parse_long("--patch", optarg, 0, 10, &l) < 0)
				sr_die("%s", sr_errmsg());
			c.opt.patch = (int)l;
			break;
		case OPT_SEARCH:
			if (sr_parse_long("--search", optarg, 1, 30, &l) < 0)
				sr_die("%s", sr_errmsg());
			c.opt.search = (int)l;
			break;
		case OPT_H:
			if (sr_parse_double("--h", optarg, 1e-9, 1e12, &d) < 0)
				sr_die("%s", sr_errmsg());
			c.opt.h = d;
			break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': sr_print_version(); return 0;
		case '?':
		case ':': sr_bad_option(argv);
		default:
			if (!sr_output_option_or_die(opt, optarg, &c.out))
				sr_bad_option(argv);
		}
	}
	if (c.opt.method == SR_DENOISE_BILATERAL && !(c.opt.sigma > 0))
		sr_die("--sigma: the bilateral filter needs a spatial sigma above 0");
	sr_filter_run(argc - optind, argv + optind, one, &c, &c.out);
	return 0;
}
