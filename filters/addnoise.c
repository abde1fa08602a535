/* addnoise: HAADF-like image formation: probe blur, scan jitter, background, dose, Poisson
 * shot noise, detector noise. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/err.h"
#include "synth/noise.h"
#include "io/record.h"

static const char usage[] =
	"usage: addnoise [OPTION]... [FILE]...\n"
	"Turn clean images into HAADF-like counts.  For every view of every record, in order:\n"
	"probe blur, scan-line jitter, constant background, scaling to the dose, Poisson shot\n"
	"noise (exact), Gaussian detector noise.  Each parameter is a value or a range LO:HI\n"
	"drawn per record (dose log-uniformly when LO > 0, the others uniformly); 0 turns a\n"
	"step off.\n"
	"\n"
	"  -b, --blur F|LO:HI        probe FWHM in px (default 1.884, i.e. sigma 0.8)\n"
	"  -g, --background F|LO:HI  background as a fraction of the particle level\n"
	"                            (default 0.05)\n"
	"  -D, --dose C|LO:HI        counts per pixel in the particle interior (default 20);\n"
	"                            0: no scaling and no shot noise\n"
	"  -r, --read S|LO:HI        detector noise sd in counts (default 1)\n"
	"  -j, --jitter S|LO:HI      scan-line jitter sd in px (default 0)\n"
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

typedef struct {
	sr_noise_spec spec;
	uint64_t seed;
	long index;
	sr_write_options out;
} ctx_t;

static int one(sr_record *rec, void *p)
{
	ctx_t *c = p;
	if (sr_noise_record(rec, &c->spec, c->seed, (uint64_t)c->index++, NULL) < 0)
		return -1;
	return sr_record_write(stdout, rec, &c->out);
}

static void range_opt(const char *name, const char *arg, double hi, sr_span *s)
{
	if (sr_parse_range(name, arg, 0, hi, &s->lo, &s->hi) < 0)
		sr_die("%s", sr_errmsg());
}

int main(int argc, char **argv)
{
	enum { OPT_CLEAN = 0x2001, OPT_SEED };
	static const struct option longopts[] = {
		{"blur", required_argument, NULL, 'b'},
		{"background", required_argument, NULL, 'g'},
		{"dose", required_argument, NULL, 'D'},
		{"read", required_argument, NULL, 'r'},
		{"jitter", required_argument, NULL, 'j'},
		{"clean", no_argument, NULL, OPT_CLEAN},
		{"seed", required_argument, NULL, OPT_SEED},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		SR_OUTPUT_LONGOPTS,
		{NULL, 0, NULL, 0}};
	sr_set_progname(argv[0]);
	ctx_t c = {.seed = 1, .out = {SR_FORMAT_TENSOR, 0, 0}};
	sr_noise_spec_default(&c.spec);
	int opt;
	opterr = 0; /* one message of our own, not getopt's two */
	while ((opt = getopt_long(argc, argv, "b:g:D:r:j:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b': range_opt("--blur", optarg, 100, &c.spec.blur); break;
		case 'g': range_opt("--background", optarg, 100, &c.spec.background); break;
		case 'D': range_opt("--dose", optarg, 1e9, &c.spec.dose); break;
		case 'r': range_opt("--read", optarg, 1e9, &c.spec.read); break;
		case 'j': range_opt("--jitter", optarg, 100, &c.spec.jitter); break;
		case OPT_CLEAN: c.spec = (sr_noise_spec){{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}}; break;
		case OPT_SEED:
			if (sr_parse_seed("--seed", optarg, &c.seed) < 0)
				sr_die("%s", sr_errmsg());
			break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': sr_print_version(); return 0;
		default:
			if (!sr_output_option_or_die(opt, optarg, &c.out))
				sr_bad_option(argv);
		}
	}
	sr_filter_run(argc - optind, argv + optind, one, &c, &c.out);
	return 0;
}
