/* recsplit: writes each record as its own numbered PGM or PAM file. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/err.h"
#include "io/netpbm.h"
#include "io/stream.h"

static const char usage[] =
	"usage: recsplit [OPTION]... [FILE]...\n"
	"Write each record (Netpbm image or stemrot tensor record) to its own numbered\n"
	"file, named by a printf-style pattern.  A name ending in .pgm gives PGM files\n"
	"(the views of a pair go to two files, NAME-a.pgm and NAME-b.pgm); any other\n"
	"name gives PAM files (a pair is one depth-2 PAM), with the metadata in the\n"
	"header comments.\n"
	"\n"
	"  -p, --pattern PAT    file name pattern with one %d, %Nd or %0Nd for the\n"
	"                       record number (default rec%04d.pam); %% is a percent sign\n"
	"      --start N        number of the first record (default 1)\n"
	"      --split-views    PAM too: one file per view (NAME-a.pam, NAME-b.pam, ...)\n"
	"      --maxval N       output maxval (default: the record's maxval key, else 65535)\n"
	"      --pam-map OFF:STEP  samples q = round((v - OFF) / STEP) in every file\n"
	"                       (default: $STEMROT_PAM_MAP, else per record)\n"
	"      --list           print the name of each file written\n"
	"  -h, --help           show this help and exit\n"
	"  -V, --version        show the version and exit\n"
	"\n"
	"With no FILE, or FILE -, read standard input.  Existing files are overwritten.\n";

typedef struct {
	const char *pattern;
	long number;
	int pgm, split, list, maxval;
	sr_sample_map map;
	sr_record view; /* one view of a record, when views are split */
} ctx_t;

/* Accepts a pattern with exactly one integer conversion %d / %Nd / %0Nd (N < 20) and any
 * number of %%: anything else could make snprintf read arguments that are not there. */
static int check_pattern(const char *p)
{
	int conversions = 0;
	for (const char *s = p; *s; s++) {
		if (*s != '%')
			continue;
		if (s[1] == '%') {
			s++;
			continue;
		}
		const char *t = s + 1;
		if (*t == '0')
			t++;
		int digits = 0;
		while (*t >= '0' && *t <= '9')
			t++, digits++;
		if (*t != 'd' || digits > 2)
			return sr_fail("--pattern: '%s': only %%d, %%Nd, %%0Nd and %%%% are allowed", p);
		conversions++;
		s = t;
	}
	if (conversions != 1)
		return sr_fail("--pattern: '%s' needs exactly one %%d for the record number", p);
	return 0;
}

/* The file name for a record number, with "-a", "-b", ... before the extension for view
 * v >= 0. */
static int make_name(const ctx_t *c, int view, char *out, size_t size)
{
	char base[4096];
	int n = snprintf(base, sizeof base, c->pattern, c->number);
	if (n < 0 || (size_t)n >= sizeof base)
		return sr_fail("file name from pattern '%s' is too long", c->pattern);
	if (view < 0) {
		snprintf(out, size, "%s", base);
		return 0;
	}
	const char *slash = strrchr(base, '/'), *dot = strrchr(base, '.');
	if (!dot || (slash && dot < slash))
		dot = base + strlen(base);
	n = snprintf(out, size, "%.*s-%c%s", (int)(dot - base), base, 'a' + view, dot);
	if (n < 0 || (size_t)n >= size)
		return sr_fail("file name from pattern '%s' is too long", c->pattern);
	return 0;
}

static int write_file(const ctx_t *c, const char *name, const sr_record *rec)
{
	FILE *f = fopen(name, "wb");
	if (!f)
		return sr_fail("%s: %s", name, strerror(errno));
	int r = sr_pnm_write(f, rec, c->maxval, c->pgm ? SR_PNM_PGM : SR_PNM_PAM, &c->map);
	if (fclose(f) != 0 && r == 0)
		r = sr_fail("write error: %s", strerror(errno)); /* the context below names the file */
	if (r < 0) {
		unlink(name); /* nothing partial */
		return sr_fail_context("%s", name);
	}
	if (c->list)
		printf("%s\n", name);
	return 0;
}

static int one(sr_record *rec, void *p)
{
	ctx_t *c = p;
	char name[4200];
	int r = 0;
	if (rec->views == 1 || !(c->pgm || c->split)) {
		r = make_name(c, -1, name, sizeof name) < 0 ? -1 : write_file(c, name, rec);
	} else {
		for (int v = 0; v < rec->views && r == 0; v++) {
			if (sr_record_reshape(&c->view, rec->layout, 1, rec->height, rec->width) < 0 ||
			    sr_meta_copy(&c->view.meta, &rec->meta) < 0 ||
			    sr_meta_set(&c->view.meta, "view", "%d", v) < 0)
				return -1;
			memcpy(c->view.data, sr_record_view(rec, v),
			       (size_t)rec->height * (size_t)rec->width * sizeof(float));
			r = make_name(c, v, name, sizeof name) < 0 ? -1 : write_file(c, name, &c->view);
		}
	}
	c->number++;
	return r;
}

/* The command line. */
typedef struct {
	const char *pattern;
	long start;
	int split, maxval, list;
	sr_sample_map map;
	int nfiles;
	char **files;
} options;

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_START = SR_OPT_LOCAL, OPT_MAXVAL, OPT_LIST, OPT_SPLIT_VIEWS, OPT_PAM_MAP };
	static const struct option longopts[] = {
		{"pattern", required_argument, NULL, 'p'},
		{"start", required_argument, NULL, OPT_START},
		{"split-views", no_argument, NULL, OPT_SPLIT_VIEWS},
		{"maxval", required_argument, NULL, OPT_MAXVAL},
		{"pam-map", required_argument, NULL, OPT_PAM_MAP},
		{"list", no_argument, NULL, OPT_LIST},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}};
	*o = (options){.pattern = "rec%04d.pam", .start = 1};
	long v;
	int code;
	while ((code = sr_getopt(argc, argv, ":p:hV", longopts)) != -1) {
		switch (code) {
		case 'p': o->pattern = optarg; break;
		case OPT_START:
			if (sr_parse_long("--start", optarg, 0, 1000000000L, &o->start) < 0)
				sr_die("%s", sr_errmsg());
			break;
		case OPT_SPLIT_VIEWS: o->split = 1; break;
		case OPT_MAXVAL:
			if (sr_parse_long("--maxval", optarg, 1, 65535, &v) < 0)
				sr_die("%s", sr_errmsg());
			o->maxval = (int)v;
			break;
		case OPT_PAM_MAP:
			if (sr_sample_map_parse("--pam-map", optarg, &o->map) < 0)
				sr_die("%s", sr_errmsg());
			break;
		case OPT_LIST: o->list = 1; break;
		case 'h': sr_exit_help(usage);
		case 'V': sr_exit_version();
		default: sr_bad_option(argv);
		}
	}
	if (check_pattern(o->pattern) < 0 || (!o->map.set && sr_sample_map_env(&o->map) < 0))
		sr_die("%s", sr_errmsg());
	o->nfiles = argc - optind;
	o->files = argv + optind;
}

int main(int argc, char **argv)
{
	options opt;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	size_t len = strlen(opt.pattern);
	ctx_t c = {.pattern = opt.pattern, .number = opt.start, .split = opt.split,
	           .list = opt.list, .maxval = opt.maxval, .map = opt.map};
	c.pgm = len >= 4 && strcmp(opt.pattern + len - 4, ".pgm") == 0;
	sr_record_init(&c.view);
	int r = sr_each_record(opt.nfiles, opt.files, one, &c);
	sr_record_free(&c.view);
	if (r < 0)
		sr_die("%s", sr_errmsg());
	if (fflush(stdout) != 0)
		sr_die("write error on standard output");
	return 0;
}
