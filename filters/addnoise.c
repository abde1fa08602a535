/* addnoise: HAADF-like image formation: probe blur, scan jitter, background, dose, Poisson
 * shot noise, detector noise. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/err.h"
#include "synth/noise.h"
#include "io/stream.h"

static const char usage[] =
	"usage: addnoise [OPTION]... [FILE]...\n"
	"Turn clean images into HAADF-like counts.  For every view of every record, in order:\n"
	"probe blur, scan-line jitter, constant background, scaling to the dose, Poisson shot\n"
	"noise (exact), Gaussian detector noise.  Each parameter is a value or a range LO:HI\n"
	"drawn per record (dose log-uniformly when LO > 0, the others uniformly); 0 turns a\n"
	"step off.\n"
	"\n"
	"      --blur F|LO:HI        probe FWHM in px (default 1.884, i.e. sigma 0.8)\n"
	"  -g, --background F|LO:HI  background as a fraction of the particle level\n"
	"                            (default 0.05)\n"
	"  -D, --dose C|LO:HI        counts per pixel in the particle interior (default 20);\n"
	"                            0: no scaling and no shot noise\n"
	"      --read S|LO:HI        detector noise sd in counts (default 1)\n"
	"      --jitter S|LO:HI      scan-line jitter sd in px (default 0)\n"
	"      --clean               set all five to 0; options after it switch steps on\n"
	"      --seed N              random seed (default 1)\n"
	SR_OUTPUT_HELP
	"  -h, --help                show this help and exit\n"
	"  -V, --version             show the version and exit\n"
	"\n"
	"The particle level is the record's intensity key, else its largest sample.  The values\n"
	"used are recorded as noise.blur, noise.background, noise.dose, noise.read and\n"
	"noise.jitter.  Record i (0-based, over all inputs) draws from its own random stream,\n"
	"so the output does not depend on how the input is split.  With no FILE, or FILE -,\n"
	"read standard input.\n";

/* The command line. */
typedef struct {
	sr_noise_spec spec;
	uint64_t seed;
	sr_write_options out;
	int nfiles;
	char **files;
} options;

static void range_opt(const char *name, const char *arg, double hi, sr_span *s)
{
	if (sr_parse_range(name, arg, 0, hi, &s->lo, &s->hi) < 0)
		sr_die("%s", sr_errmsg());
}

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_CLEAN = SR_OPT_LOCAL, OPT_SEED, OPT_BLUR, OPT_READ, OPT_JITTER };
	static const struct option longopts[] = {
		{"blur", required_argument, NULL, OPT_BLUR},
		{"background", required_argument, NULL, 'g'},
		{"dose", required_argument, NULL, 'D'},
		{"read", required_argument, NULL, OPT_READ},
		{"jitter", required_argument, NULL, OPT_JITTER},
		{"clean", no_argument, NULL, OPT_CLEAN},
		{"seed", required_argument, NULL, OPT_SEED},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		SR_OUTPUT_LONGOPTS,
		{NULL, 0, NULL, 0}};
	*o = (options){.seed = 1, .out = {.format = SR_FORMAT_TENSOR}};
	sr_noise_spec_default(&o->spec);
	int code;
	while ((code = sr_getopt(argc, argv, ":g:D:hV", longopts)) != -1) {
		switch (code) {
		case OPT_BLUR: range_opt("--blur", optarg, 100, &o->spec.blur); break;
		case 'g': range_opt("--background", optarg, 100, &o->spec.background); break;
		case 'D': range_opt("--dose", optarg, 1e9, &o->spec.dose); break;
		case OPT_READ: range_opt("--read", optarg, 1e9, &o->spec.read); break;
		case OPT_JITTER: range_opt("--jitter", optarg, 100, &o->spec.jitter); break;
		case OPT_CLEAN: o->spec = (sr_noise_spec){{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}}; break;
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
	o->nfiles = argc - optind;
	o->files = argv + optind;
}

typedef struct {
	const options *opt;
	long index; /* records so far, over all inputs: each draws from its own stream */
} ctx_t;

static int one(sr_record *rec, void *p)
{
	ctx_t *c = p;
	if (sr_noise_record(rec, &c->opt->spec, c->opt->seed, (uint64_t)c->index++, NULL) < 0)
		return -1;
	return sr_record_write(stdout, rec, &c->opt->out);
}

int main(int argc, char **argv)
{
	options opt;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	ctx_t c = {&opt, 0};
	sr_filter_run(opt.nfiles, opt.files, one, &c, &opt.out);
	return 0;
}
