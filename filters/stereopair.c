/* stereopair: makes stereo pairs (views = 2): synthetic ones re-rendered from the metadata,
 * or real ones joined from two streams. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "io/record.h"
#include "synth/render.h"

static const char usage[] =
	"usage: stereopair --offset D[:HI] [OPTION]... [FILE]...\n"
	"       stereopair --join FILE_B --offset D [OPTION]... [FILE_A]...\n"
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
	"  -J, --join FILE_B      pair the input's records with FILE_B's, in order\n"
	"      --seed N           random seed for offsets and drift (default 1)\n"
	SR_OUTPUT_HELP
	"  -h, --help             show this help and exit\n"
	"  -V, --version          show the version and exit\n"
	"\n"
	"Adds the keys offset, b.dx, b.dy (synthetic) or offset, b.id, b.source (--join).\n"
	"Synthetic input must be clean: run addnoise and centre after stereopair.  With no\n"
	"FILE, or FILE -, read standard input.\n";

typedef struct {
	double off_lo, off_hi, drift;
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
	double u[3];
	for (int i = 0; i < 3; i++)
		u[i] = sr_rng_uniform(&r);
	double delta = c->off_lo == c->off_hi ? c->off_lo : c->off_lo + (c->off_hi - c->off_lo) * u[0];
	double dx = c->drift > 0 ? c->drift * (2 * u[1] - 1) : 0;
	double dy = c->drift > 0 ? c->drift * (2 * u[2] - 1) : 0;
	if (!sr_meta_get(&rec->meta, "shape"))
		return sr_fail("no shape metadata (shape, k, radius, cx, cy, theta, intensity) to render "
		               "view B from; to pair real images use --join FILE_B --offset D");
	if (sr_pair_synthetic(rec, delta, dx, dy) < 0)
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
	return sr_record_write(stdout, &c->pair, &c->out);
}

int main(int argc, char **argv)
{
	enum { OPT_DRIFT = 0x2001, OPT_SEED };
	static const struct option longopts[] = {
		{"offset", required_argument, NULL, 'd'},
		{"drift", required_argument, NULL, OPT_DRIFT},
		{"join", required_argument, NULL, 'J'},
		{"seed", required_argument, NULL, OPT_SEED},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		SR_OUTPUT_LONGOPTS,
		{NULL, 0, NULL, 0}};
	sr_set_progname(argv[0]);
	ctx_t c = {.seed = 1, .out = {SR_FORMAT_TENSOR, 0, 0}};
	const char *offset = NULL, *join = NULL;
	int drift_given = 0;
	int opt;
	opterr = 0; /* one message of our own, not getopt's two */
	while ((opt = getopt_long(argc, argv, "d:J:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': offset = optarg; break;
		case OPT_DRIFT:
			if (sr_parse_double("--drift", optarg, 0, 1e4, &c.drift) < 0)
				sr_die("%s", sr_errmsg());
			drift_given = 1;
			break;
		case 'J': join = optarg; break;
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
	if (!offset)
		sr_die("--offset is required (the pair offset in degrees)");
	if (sr_parse_range("--offset", offset, -360, 360, &c.off_lo, &c.off_hi) < 0)
		sr_die("%s", sr_errmsg());
	if (join) {
		if (c.off_lo != c.off_hi)
			sr_die("--offset: with --join the offset is the known one, a single value, not '%s'",
			       offset);
		if (drift_given)
			sr_die("--drift applies to synthetic pairs only, not with --join");
		int stdin_a = optind == argc;
		for (int i = optind; i < argc; i++)
			stdin_a |= strcmp(argv[i], "-") == 0;
		if (strcmp(join, "-") == 0 && stdin_a)
			sr_die("--join -: view A and view B cannot both come from standard input");
	}
	if (sr_check_stdout(&c.out) < 0)
		sr_die("%s", sr_errmsg());

	int r;
	if (join) {
		if (!(c.join = sr_reader_open(join)))
			sr_die("%s", sr_errmsg());
		c.join_name = sr_reader_name(c.join);
		sr_record_init(&c.b);
		sr_record_init(&c.pair);
		r = sr_for_each_record(argc - optind, argv + optind, joined, &c);
		if (r == 0) {
			int more = sr_reader_next(c.join, &c.b);
			if (more < 0)
				r = -1;
			else if (more > 0)
				r = sr_fail("%s has more records than the input (%ld): the two inputs must have "
				            "the same number", c.join_name, c.index);
		}
		sr_record_free(&c.b);
		sr_record_free(&c.pair);
		sr_reader_close(c.join);
	} else {
		r = sr_for_each_record(argc - optind, argv + optind, synthetic, &c);
	}
	if (r < 0)
		sr_die("%s", sr_errmsg());
	sr_finish_stdout();
	return 0;
}
