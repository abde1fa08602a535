/* recattach: gives records back the metadata that recmeta printed, row by row.
 *
 * Stock Netpbm tools (pamsplit, pamstack, pamcut, ...) write fresh headers and drop the
 * comments that carry a PAM's metadata; `recmeta` before them and `recattach` after them
 * carry it around the tools, matched by record order. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/meta.h"
#include "io/stream.h"

static const char usage[] =
	"usage: recattach [OPTION]... TSV [FILE]...\n"
	"Set the metadata of each record (Netpbm image or stemrot tensor record) from the\n"
	"rows of TSV, as recmeta prints it: a header line of keys, then one line per\n"
	"record, in record order.  The Nth record gets the Nth row.\n"
	"\n"
	"      --merge          keep the record's own keys that the row does not set (default:\n"
	"                       the row's keys replace all of the record's metadata)\n"
	"      --shape          TSV starts with recmeta --shape's columns layout, views, height,\n"
	"                       width: check each record's shape against them and set its\n"
	"                       layout (image, profile or vector)\n"
	SR_OUTPUT_HELP
	"  -h, --help           show this help and exit\n"
	"  -V, --version        show the version and exit\n"
	"\n"
	"An empty field means the key is absent.  Rows and records must match one for one:\n"
	"a row left over, or a record without a row, is an error.  With no FILE, or FILE -,\n"
	"read standard input.\n";

enum { SHAPE_COLUMNS = 4 };

typedef struct {
	FILE *tsv;
	const char *tsv_name;
	char *line;
	size_t cap;
	long row;        /* rows read so far (the header not counted) */
	char **keys;     /* the header's columns */
	int nkeys;
	int merge, shape;
	long long max_line;
	sr_write_options out;
} ctx_t;

/* Reads the next line of the TSV into c->line without its newline: 1, 0 at the end, -1 on
 * an error (set). */
static int next_line(ctx_t *c)
{
	errno = 0;
	ssize_t n = getline(&c->line, &c->cap, c->tsv);
	if (n < 0) {
		if (ferror(c->tsv))
			return sr_fail("%s: %s", c->tsv_name, strerror(errno ? errno : EIO));
		return 0;
	}
	if ((long long)n > c->max_line)
		return sr_fail("%s: line %ld is longer than the meta-bytes limit (%lld bytes)",
		               c->tsv_name, c->row + 2, c->max_line);
	if (n > 0 && c->line[n - 1] == '\n')
		c->line[--n] = '\0';
	if (n > 0 && c->line[n - 1] == '\r')
		c->line[--n] = '\0';
	if ((size_t)n != strlen(c->line))
		return sr_fail("%s: line %ld holds a NUL byte", c->tsv_name, c->row + 2);
	return 1;
}

static const char *const shape_names[SHAPE_COLUMNS] = {"layout", "views", "height", "width"};

static int read_header(ctx_t *c)
{
	int r = next_line(c);
	if (r <= 0)
		return r < 0 ? -1 : sr_fail("%s: empty (no header line of keys)", c->tsv_name);
	int cap = 16;
	c->keys = malloc((size_t)cap * sizeof *c->keys);
	if (!c->keys)
		return sr_fail("out of memory");
	sr_meta seen; /* a key named twice would make a row ambiguous */
	sr_meta_init(&seen);
	int rc = 0;
	for (char *s = c->line, *tab;; s = tab + 1) {
		tab = strchr(s, '\t');
		if (tab)
			*tab = '\0';
		int col = c->nkeys;
		if (c->shape && col < SHAPE_COLUMNS) {
			if (strcmp(s, shape_names[col]) != 0) {
				rc = sr_fail("%s: --shape: column %d of the header is '%.64s', not '%s' "
				             "(write the TSV with recmeta --shape)",
				             c->tsv_name, col + 1, s, shape_names[col]);
				break;
			}
		} else {
			int before = seen.n;
			if (sr_meta_set(&seen, s, "%s", "") < 0) {
				rc = sr_fail("%s: column %d of the header: '%.64s' is not a metadata key",
				             c->tsv_name, col + 1, s);
				break;
			}
			if (seen.n == before) {
				rc = sr_fail("%s: key '%s' names two columns", c->tsv_name, s);
				break;
			}
		}
		if (c->nkeys == cap) {
			char **p = realloc(c->keys, (size_t)(cap *= 2) * sizeof *p);
			if (!p) {
				rc = sr_fail("out of memory");
				break;
			}
			c->keys = p;
		}
		if (!(c->keys[c->nkeys++] = strdup(s))) {
			c->nkeys--;
			rc = sr_fail("out of memory");
			break;
		}
		if (!tab)
			break;
	}
	sr_meta_free(&seen);
	if (rc == 0 && c->shape && c->nkeys < SHAPE_COLUMNS)
		rc = sr_fail("%s: --shape: the header has %d columns, not the 4 of recmeta --shape",
		             c->tsv_name, c->nkeys);
	return rc;
}

/* Checks the record against --shape's columns and sets its layout. */
static int apply_shape(ctx_t *c, sr_record *rec, char **field)
{
	int layout = sr_layout_parse(field[0]);
	if (!layout)
		return sr_fail("%s: row %ld: layout '%.40s' is not image, profile or vector",
		               c->tsv_name, c->row, field[0]);
	int got[3] = {rec->views, rec->height, rec->width};
	for (int i = 0; i < 3; i++) {
		char *end;
		long v = strtol(field[i + 1], &end, 10);
		if (end == field[i + 1] || *end || v != got[i])
			return sr_fail("%s: row %ld: %s is '%.20s' but the record's is %d",
			               c->tsv_name, c->row, shape_names[i + 1], field[i + 1], got[i]);
	}
	if (sr_check_shape(layout, rec->views, rec->height, rec->width) < 0)
		return sr_fail_context("%s: row %ld", c->tsv_name, c->row);
	rec->layout = layout;
	return 0;
}

static int one(sr_record *rec, void *p)
{
	ctx_t *c = p;
	int r = next_line(c);
	if (r < 0)
		return -1;
	if (r == 0)
		return sr_fail("%s has %ld rows but the input has more records", c->tsv_name, c->row);
	c->row++;
	/* split the row; a row must have exactly the header's columns */
	char **field = malloc((size_t)c->nkeys * sizeof *field);
	if (!field)
		return sr_fail("out of memory");
	int n = 0;
	for (char *s = c->line, *tab;; s = tab + 1) {
		tab = strchr(s, '\t');
		if (tab)
			*tab = '\0';
		if (n < c->nkeys)
			field[n] = s;
		n++;
		if (!tab)
			break;
	}
	int rc = 0;
	if (n != c->nkeys)
		rc = sr_fail("%s: row %ld has %d fields, the header %d", c->tsv_name, c->row, n,
		             c->nkeys);
	int first = c->shape ? SHAPE_COLUMNS : 0;
	if (rc == 0 && c->shape)
		rc = apply_shape(c, rec, field);
	if (rc == 0 && !c->merge)
		sr_meta_clear(&rec->meta);
	for (int i = first; i < c->nkeys && rc == 0; i++) {
		if (!field[i][0]) {
			if (c->merge)
				continue;
			sr_meta_del(&rec->meta, c->keys[i]);
		} else if (sr_meta_set(&rec->meta, c->keys[i], "%s", field[i]) < 0) {
			rc = sr_fail_context("%s: row %ld, key %s", c->tsv_name, c->row, c->keys[i]);
		}
	}
	free(field);
	if (rc < 0)
		return -1;
	return sr_record_write(stdout, rec, &c->out);
}

/* The command line. */
typedef struct {
	int merge, shape;
	sr_write_options out;
	const char *tsv;
	int nfiles;
	char **files;
} options;

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_MERGE = SR_OPT_LOCAL, OPT_SHAPE };
	static const struct option longopts[] = {
		{"merge", no_argument, NULL, OPT_MERGE},
		{"shape", no_argument, NULL, OPT_SHAPE},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		SR_OUTPUT_LONGOPTS,
		{NULL, 0, NULL, 0}};
	*o = (options){.out = {.format = SR_FORMAT_TENSOR}};
	int code;
	while ((code = sr_getopt(argc, argv, ":hV", longopts)) != -1) {
		switch (code) {
		case OPT_MERGE: o->merge = 1; break;
		case OPT_SHAPE: o->shape = 1; break;
		case 'h': sr_exit_help(usage);
		case 'V': sr_exit_version();
		default:
			if (!sr_output_option_or_die(code, optarg, &o->out))
				sr_bad_option(argv);
		}
	}
	if (optind >= argc)
		sr_die("no TSV given (try 'recattach --help')");
	o->tsv = argv[optind++];
	o->nfiles = argc - optind;
	o->files = argv + optind;
}

int main(int argc, char **argv)
{
	options opt;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	const sr_limits *lim = sr_limits_get();
	if (!lim)
		sr_die("%s", sr_errmsg());
	ctx_t c = {.tsv_name = opt.tsv, .merge = opt.merge, .shape = opt.shape, .out = opt.out,
	           .max_line = lim->meta_bytes + 64};
	int from_stdin = strcmp(opt.tsv, "-") == 0;
	if (from_stdin && (opt.nfiles == 0 || (opt.nfiles == 1 && strcmp(opt.files[0], "-") == 0)))
		sr_die("TSV and records cannot both come from standard input");
	if (!(c.tsv = from_stdin ? stdin : fopen(opt.tsv, "r")))
		sr_die("%s: %s", opt.tsv, strerror(errno));
	if (read_header(&c) < 0)
		sr_die("%s", sr_errmsg());
	sr_filter_run(opt.nfiles, opt.files, one, &c, &c.out);
	int r = next_line(&c);
	if (r < 0)
		sr_die("%s", sr_errmsg());
	if (r > 0)
		sr_die("%s has more rows than the input has records (%ld)", opt.tsv, c.row);
	for (int i = 0; i < c.nkeys; i++)
		free(c.keys[i]);
	free(c.keys);
	free(c.line);
	if (!from_stdin)
		fclose(c.tsv);
	return 0;
}
