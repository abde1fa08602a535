/* particlepick: finds the particles of each micrograph and writes one record per particle, centred
 * in a window, with its position, area and size in metadata (lib/image/pick.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "image/pick.h"
#include "io/stream.h"

static const char usage[] =
	"usage: particlepick [OPTION]... [FILE]...\n"
	"Find the particles of each micrograph (any format the filters read) and write one\n"
	"record per particle: a window of the background-subtracted frame centred on it, with\n"
	"pick.x, pick.y (its centre in the micrograph), pick.area, pick.size (px) and\n"
	"pick.size.nm (when the micrograph has a pixel size) in its metadata.\n"
	"\n"
	"      --window N         crop size in px (default 48)\n"
	"      --threshold otsu|N Otsu's threshold (default), or N robust sds above the\n"
	"                         background\n"
	"      --block N          background block in px (default 64)\n"
	"      --smooth S         Gaussian sigma before thresholding, px (default 1)\n"
	"      --min-area A       smallest particle in px (default: a quarter of the median)\n"
	"      --max-area A       largest particle in px; larger components are touching\n"
	"                         particles and are rejected (default: 2.5 times the median)\n"
	"      --max-elongation E  reject components whose principal axes differ more than\n"
	"                         E:1 (touching particles; default 1.3)\n"
	"      --split            split touching particles (distance-transform watershed)\n"
	"                         instead of rejecting them\n"
	"      --min-sep D        reject particles closer than D px to another (default: none)\n"
	"      --edge N           reject particles within N px of the frame's edge (default 1)\n"
	"      --verbose          print what was found and rejected to standard error\n"
	SR_OUTPUT_HELP
	"  -h, --help             show this help and exit\n"
	"  -V, --version          show the version and exit\n";

typedef struct {
	sr_pick_conf conf;
	int window, verbose;
	sr_write_options out;
	int nfiles;
	char **files;
} options;

static void die_opt(void) { sr_die("%s", sr_errmsg()); }

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_SMOOTH = SR_OPT_LOCAL, OPT_MIN_AREA, OPT_MAX_AREA, OPT_MIN_SEP, OPT_WINDOW,
	       OPT_THRESHOLD, OPT_BLOCK, OPT_EDGE, OPT_VERBOSE, OPT_MAX_ELONGATION,
	       OPT_SPLIT };
	static const struct option longopts[] = {
		{"window", required_argument, NULL, OPT_WINDOW},
		{"threshold", required_argument, NULL, OPT_THRESHOLD},
		{"block", required_argument, NULL, OPT_BLOCK},
		{"smooth", required_argument, NULL, OPT_SMOOTH},
		{"min-area", required_argument, NULL, OPT_MIN_AREA},
		{"max-area", required_argument, NULL, OPT_MAX_AREA},
		{"min-sep", required_argument, NULL, OPT_MIN_SEP},
		{"max-elongation", required_argument, NULL, OPT_MAX_ELONGATION},
		{"edge", required_argument, NULL, OPT_EDGE},
		{"split", no_argument, NULL, OPT_SPLIT},
		{"verbose", no_argument, NULL, OPT_VERBOSE},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		SR_OUTPUT_LONGOPTS,
		{NULL, 0, NULL, 0}};
	*o = (options){.window = 48, .out = {.format = SR_FORMAT_TENSOR}};
	sr_pick_conf_default(&o->conf);
	sr_pick_conf *c = &o->conf;
	long v;
	int code;
	while ((code = sr_getopt(argc, argv, ":hV", longopts)) != -1) {
		switch (code) {
		case OPT_WINDOW:
			if (sr_parse_long("--window", optarg, 4, 4096, &v) < 0)
				die_opt();
			o->window = (int)v;
			break;
		case OPT_THRESHOLD:
			if (strcmp(optarg, "otsu") == 0)
				c->threshold = 0;
			else if (sr_parse_double("--threshold", optarg, 0.1, 1e6, &c->threshold) < 0)
				die_opt();
			break;
		case OPT_BLOCK:
			if (sr_parse_long("--block", optarg, 4, 65536, &v) < 0)
				die_opt();
			c->block = (int)v;
			break;
		case OPT_SMOOTH:
			if (sr_parse_double("--smooth", optarg, 0, 100, &c->smooth) < 0)
				die_opt();
			break;
		case OPT_MIN_AREA:
			if (sr_parse_double("--min-area", optarg, 1, 1e9, &c->min_area) < 0)
				die_opt();
			break;
		case OPT_MAX_AREA:
			if (sr_parse_double("--max-area", optarg, 1, 1e9, &c->max_area) < 0)
				die_opt();
			break;
		case OPT_MAX_ELONGATION:
			if (sr_parse_double("--max-elongation", optarg, 1, 100, &c->max_elongation) < 0)
				die_opt();
			break;
		case OPT_MIN_SEP:
			if (sr_parse_double("--min-sep", optarg, 0, 1e6, &c->min_sep) < 0)
				die_opt();
			break;
		case OPT_EDGE:
			if (sr_parse_long("--edge", optarg, 0, 65536, &v) < 0)
				die_opt();
			c->edge = (int)v;
			break;
		case OPT_SPLIT: c->split = 1; break;
		case OPT_VERBOSE: o->verbose = 1; break;
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

static int one(sr_record *mic, void *p)
{
	const options *o = p;
	sr_pick_particle *parts;
	float *residual;
	sr_pick_stats st;
	int n;
	if (mic->views != 1)
		return sr_fail("particlepick reads one-view micrographs, not %d views", mic->views);
	int *owner;
	if (sr_pick(mic, &o->conf, &parts, &n, &residual, &owner, &st) < 0)
		return -1;
	sr_record crop;
	sr_record_init(&crop);
	int number = 0, r = 0;
	for (int i = 0; i < n && r == 0; i++) {
		if (parts[i].verdict != SR_PICK_OK)
			continue;
		r = sr_pick_crop(mic, residual, owner, &parts[i], i, ++number, o->window, &crop);
		if (r == 0)
			r = sr_record_write(stdout, &crop, &o->out);
	}
	if (o->verbose && r == 0) {
		const char *id = sr_meta_get(&mic->meta, "id");
		fprintf(stderr, "%s: %s: %d particles; rejected %d small, %d large or elongated (touching), %d at "
		        "the edge, %d too close; threshold %.4g, background sd %.4g\n",
		        sr_progname(), id ? id : "micrograph", st.counts[SR_PICK_OK], st.counts[SR_PICK_SMALL],
		        st.counts[SR_PICK_LARGE], st.counts[SR_PICK_EDGE], st.counts[SR_PICK_CLOSE],
		        st.threshold, st.background_sd);
		if (o->conf.split)
			fprintf(stderr, "%s: %s: split %d touching components into %d\n", sr_progname(),
			        id ? id : "micrograph", st.split_components, st.split_particles);
	}
	sr_record_free(&crop);
	free(parts);
	free(residual);
	free(owner);
	return r;
}

int main(int argc, char **argv)
{
	options opt;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	sr_filter_run(opt.nfiles, opt.files, one, &opt, &opt.out);
	return 0;
}
