/* recmeta: prints the metadata of each record as tab-separated values. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "io/stream.h"

static const char usage[] =
	"usage: recmeta [OPTION]... [FILE]...\n"
	"Print the metadata of each record (Netpbm image or stemrot tensor record) as\n"
	"tab-separated values: a header line of keys, then one line per record.\n"
	"\n"
	"      --keys LIST      comma-separated keys to print, in this order\n"
	"                       (default: every key of the first --block records)\n"
	"      --block N        records looked at to choose the columns (default 1000)\n"
	"      --shape          add the columns layout, views, height, width\n"
	"  -H, --no-header      leave out the header line\n"
	"  -h, --help           show this help and exit\n"
	"  -V, --version        show the version and exit\n"
	"\n"
	"A key missing from a record prints as an empty field.  With no FILE, or FILE -,\n"
	"read standard input.\n";

typedef struct {
	char **keys;
	int nkeys, capkeys;
	sr_meta seen; /* the keys as a set, so that choosing the columns stays linear */
	int auto_keys, shape, header;
	long block;
	/* records held back while the columns are chosen */
	sr_record *held;
	long nheld;
	int started;
} ctx_t;

static int add_key(ctx_t *c, const char *k, size_t n)
{
	char *key = strndup(k, n);
	if (!key)
		return sr_fail("out of memory");
	/* a name that cannot be a metadata key (only --keys gives one) is a column never filled */
	int before = c->seen.n;
	int valid = sr_meta_set(&c->seen, key, "%s", "") == 0;
	if (valid && c->seen.n == before) { /* already a column */
		free(key);
		return 0;
	}
	if (!valid)
		for (int i = 0; i < c->nkeys; i++)
			if (strcmp(c->keys[i], key) == 0) {
				free(key);
				return 0;
			}
	if (c->nkeys == c->capkeys) {
		int cap = c->capkeys ? 2 * c->capkeys : 16;
		char **p = realloc(c->keys, (size_t)cap * sizeof *p);
		if (!p) {
			free(key);
			return sr_fail("out of memory");
		}
		c->keys = p;
		c->capkeys = cap;
	}
	c->keys[c->nkeys++] = key;
	return 0;
}

static void ctx_free(ctx_t *c)
{
	for (int i = 0; i < c->nkeys; i++)
		free(c->keys[i]);
	free(c->keys);
	sr_meta_free(&c->seen);
	for (long i = 0; i < c->nheld; i++)
		sr_meta_free(&c->held[i].meta);
	free(c->held);
}

static void print_header(const ctx_t *c)
{
	if (!c->header)
		return;
	const char *sep = "";
	if (c->shape) {
		fputs("layout\tviews\theight\twidth", stdout);
		sep = "\t";
	}
	for (int i = 0; i < c->nkeys; i++) {
		printf("%s%s", sep, c->keys[i]);
		sep = "\t";
	}
	putchar('\n');
}

static void print_row(const ctx_t *c, const sr_record *rec)
{
	const char *sep = "";
	if (c->shape) {
		printf("%s\t%d\t%d\t%d", sr_layout_name(rec->layout), rec->views, rec->height, rec->width);
		sep = "\t";
	}
	for (int i = 0; i < c->nkeys; i++) {
		const char *v = sr_meta_get(&rec->meta, c->keys[i]);
		printf("%s%s", sep, v ? v : "");
		sep = "\t";
	}
	putchar('\n');
}

static int flush_held(ctx_t *c)
{
	if (c->nheld == 0) /* no records: no columns to name */
		return 0;
	for (long i = 0; i < c->nheld; i++)
		for (int k = 0; k < c->held[i].meta.n; k++)
			if (add_key(c, c->held[i].meta.kv[k].key, strlen(c->held[i].meta.kv[k].key)) < 0)
				return -1;
	print_header(c);
	for (long i = 0; i < c->nheld; i++) {
		print_row(c, &c->held[i]);
		sr_meta_free(&c->held[i].meta);
	}
	c->nheld = 0;
	c->started = 1;
	return 0;
}

static int one(sr_record *rec, void *p)
{
	ctx_t *c = p;
	if (c->started) {
		print_row(c, rec);
		return 0;
	}
	/* Hold only the metadata and shape, not the samples. */
	sr_record *h = &c->held[c->nheld];
	sr_record_init(h);
	h->layout = rec->layout;
	h->views = rec->views;
	h->height = rec->height;
	h->width = rec->width;
	if (sr_meta_copy(&h->meta, &rec->meta) < 0)
		return -1;
	if (++c->nheld == c->block)
		return flush_held(c);
	return 0;
}

/* The command line. */
typedef struct {
	const char *keys; /* NULL: every key of the first block records */
	long block;
	int shape, header;
	int nfiles;
	char **files;
} options;

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_KEYS = SR_OPT_LOCAL, OPT_BLOCK, OPT_SHAPE };
	static const struct option longopts[] = {
		{"keys", required_argument, NULL, OPT_KEYS},
		{"block", required_argument, NULL, OPT_BLOCK},
		{"shape", no_argument, NULL, OPT_SHAPE},
		{"no-header", no_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}};
	*o = (options){.block = 1000, .header = 1};
	int code;
	while ((code = sr_getopt(argc, argv, ":HhV", longopts)) != -1) {
		switch (code) {
		case OPT_KEYS: o->keys = optarg; break;
		case OPT_BLOCK:
			if (sr_parse_long("--block", optarg, 1, 1000000, &o->block) < 0)
				sr_die("%s", sr_errmsg());
			break;
		case OPT_SHAPE: o->shape = 1; break;
		case 'H': o->header = 0; break;
		case 'h': sr_exit_help(usage);
		case 'V': sr_exit_version();
		default: sr_bad_option(argv);
		}
	}
	o->nfiles = argc - optind;
	o->files = argv + optind;
}

/* The columns of --keys LIST; the header is printed at once. */
static void given_keys(ctx_t *c, const char *keys)
{
	c->auto_keys = 0;
	const char *s = keys;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		if (n == 0)
			sr_die("--keys: empty key in '%s'", keys);
		if (add_key(c, s, n) < 0)
			sr_die("%s", sr_errmsg());
		if (!comma)
			break;
		s = comma + 1;
	}
	print_header(c);
	c->started = 1;
}

int main(int argc, char **argv)
{
	options opt;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	ctx_t c = {.auto_keys = 1, .header = opt.header, .shape = opt.shape, .block = opt.block};
	if (opt.keys)
		given_keys(&c, opt.keys);
	else if (!(c.held = calloc((size_t)c.block, sizeof *c.held)))
		sr_die("out of memory");
	int r = sr_each_record(opt.nfiles, opt.files, one, &c);
	if (!c.started && (r == 0 || c.nheld > 0) && flush_held(&c) < 0 && r == 0)
		r = -1;
	ctx_free(&c);
	if (r < 0)
		sr_die("%s", sr_errmsg());
	sr_finish_stdout();
	return 0;
}
