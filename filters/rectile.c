/* rectile: tiles records into one PGM (a montage) for a look. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "io/netpbm.h"
#include "io/stream.h"

static const char usage[] =
	"usage: rectile [OPTION]... [FILE]...\n"
	"Tile records (Netpbm images or stemrot tensor records) into one PGM image, for a\n"
	"look: one tile per record, the views of a pair side by side, each tile scaled to\n"
	"its own minimum..maximum.  Profiles and vectors are drawn as bar plots.\n"
	"\n"
	"  -c, --cols N         tiles per row (default: about the square root of the count)\n"
	"      --max N          tile the first N records (default 100); how many more the\n"
	"                       input held is said on standard error\n"
	"      --gap N          pixels between tiles and around the edge (default 2)\n"
	"      --range LO:HI    map LO..HI to black..white for every tile instead\n"
	"      --plot-height N  height of profile plots (default 64)\n"
	"      --16             16-bit output (maxval 65535) instead of 8-bit\n"
	"  -h, --help           show this help and exit\n"
	"  -V, --version        show the version and exit\n"
	"\n"
	"With no FILE, or FILE -, read standard input.  The PGM goes to standard output.\n";

/* The command line. */
typedef struct {
	long max, cols, gap, plot_h; /* cols 0: about the square root of the count */
	int fixed;                   /* --range LO:HI for every tile */
	double lo, hi;
	int maxval;
	int nfiles;
	char **files;
} options;

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_PLOT_HEIGHT = SR_OPT_LOCAL, OPT_16, OPT_MAX, OPT_GAP, OPT_RANGE };
	static const struct option longopts[] = {
		{"cols", required_argument, NULL, 'c'},
		{"max", required_argument, NULL, OPT_MAX},
		{"gap", required_argument, NULL, OPT_GAP},
		{"range", required_argument, NULL, OPT_RANGE},
		{"plot-height", required_argument, NULL, OPT_PLOT_HEIGHT},
		{"16", no_argument, NULL, OPT_16},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}};
	*o = (options){.max = 100, .gap = 2, .plot_h = 64, .maxval = 255};
	int code;
	while ((code = sr_getopt(argc, argv, ":c:hV", longopts)) != -1) {
		int bad = 0;
		switch (code) {
		case 'c': bad = sr_parse_long("--cols", optarg, 1, 10000, &o->cols); break;
		case OPT_MAX: bad = sr_parse_long("--max", optarg, 1, 100000, &o->max); break;
		case OPT_GAP: bad = sr_parse_long("--gap", optarg, 0, 1000, &o->gap); break;
		case OPT_PLOT_HEIGHT:
			bad = sr_parse_long("--plot-height", optarg, 2, 4096, &o->plot_h);
			break;
		case OPT_RANGE:
			bad = sr_parse_range("--range", optarg, -1e30, 1e30, &o->lo, &o->hi);
			if (!bad && !(o->hi > o->lo))
				bad = sr_fail("--range: '%s' must have LO < HI", optarg);
			o->fixed = 1;
			break;
		case OPT_16: o->maxval = 65535; break;
		case 'h': sr_exit_help(usage);
		case 'V': sr_exit_version();
		default: sr_bad_option(argv);
		}
		if (bad)
			sr_die("%s", sr_errmsg());
	}
	o->nfiles = argc - optind;
	o->files = argv + optind;
}

/* The first max records; the ones after them are counted, not held. */
typedef struct {
	long max;
	sr_record *recs;
	long n;
	long left_out;
} ctx_t;

static int one(sr_record *rec, void *p)
{
	ctx_t *c = p;
	if (c->n == c->max) {
		c->left_out++;
		return 0;
	}
	sr_record *dst = &c->recs[c->n];
	sr_record_init(dst);
	if (sr_record_copy(dst, rec) < 0)
		return -1;
	c->n++;
	return 0;
}

/* Size of a record's tile. */
static void tile_size(const options *o, const sr_record *r, long *w, long *h)
{
	long gap = r->views > 1 ? o->gap : 0;
	*w = (long)r->views * r->width + (r->views - 1) * gap;
	*h = r->layout == SR_LAYOUT_IMAGE ? r->height : o->plot_h;
}

/* Draws the records of c into out (one image), cols tiles a row; dies when it is too large. */
static void compose(const options *o, const ctx_t *c, sr_record *out)
{
	long cols = o->cols ? o->cols : (long)ceil(sqrt((double)c->n));
	if (cols > c->n)
		cols = c->n;
	long rows = (c->n + cols - 1) / cols, cw = 1, ch = 1;
	for (long i = 0; i < c->n; i++) {
		long w, h;
		tile_size(o, &c->recs[i], &w, &h);
		if (w > cw)
			cw = w;
		if (h > ch)
			ch = h;
	}
	long W = cols * (cw + o->gap) + o->gap, H = rows * (ch + o->gap) + o->gap;
	if (W > SR_MAX_DIM || H > SR_MAX_DIM || (double)W * H > (double)SR_MAX_SAMPLES)
		sr_die("a montage of %ldx%ld pixels is too large (use --cols or --max)", W, H);
	if (sr_record_reshape(out, SR_LAYOUT_IMAGE, 1, (int)H, (int)W) < 0)
		sr_die("%s", sr_errmsg());
	float bg = (float)(o->maxval / 4); /* a dark grey frame sets tiles apart from black pixels */
	for (size_t i = 0; i < (size_t)W * H; i++)
		out->data[i] = bg;

	for (long i = 0; i < c->n; i++) {
		sr_record *r = &c->recs[i];
		size_t n = sr_record_size(r);
		double lo = o->lo, hi = o->hi;
		if (!o->fixed) {
			lo = INFINITY, hi = -INFINITY;
			for (size_t k = 0; k < n; k++)
				if (isfinite(r->data[k])) {
					lo = fmin(lo, r->data[k]);
					hi = fmax(hi, r->data[k]);
				}
			if (!(hi > lo))
				hi = lo + 1; /* flat or all-NaN tile: black */
		}
		long w, h;
		tile_size(o, r, &w, &h);
		long x0 = o->gap + (i % cols) * (cw + o->gap) + (cw - w) / 2;
		long y0 = o->gap + (i / cols) * (ch + o->gap) + (ch - h) / 2;
		for (int v = 0; v < r->views; v++) {
			const float *src = sr_record_view(r, v);
			long xv = x0 + v * (r->width + o->gap);
			for (int x = 0; x < r->width; x++) {
				if (r->layout == SR_LAYOUT_IMAGE) {
					for (int y = 0; y < r->height; y++) {
						double s = src[(size_t)y * r->width + x];
						double t = isfinite(s) ? (s - lo) / (hi - lo) : 0;
						t = t < 0 ? 0 : t > 1 ? 1 : t;
						out->data[(size_t)(y0 + y) * W + xv + x] = (float)floor(t * o->maxval + 0.5);
					}
				} else { /* bar plot: white up to the value, black above */
					double s = src[x];
					double t = isfinite(s) ? (s - lo) / (hi - lo) : 0;
					t = t < 0 ? 0 : t > 1 ? 1 : t;
					long top = (long)floor((1 - t) * (h - 1) + 0.5);
					for (long y = 0; y < h; y++)
						out->data[(size_t)(y0 + y) * W + xv + x] = y >= top ? (float)o->maxval : 0;
				}
			}
		}
	}
	sr_meta_set(&out->meta, "source", "rectile");
	sr_meta_set_long(&out->meta, "rectile.records", c->n);
	sr_meta_set_long(&out->meta, "rectile.cols", cols);
}

int main(int argc, char **argv)
{
	options opt;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	ctx_t c = {.max = opt.max};
	if (!(c.recs = calloc((size_t)c.max, sizeof *c.recs)))
		sr_die("out of memory");
	if (sr_each_record(opt.nfiles, opt.files, one, &c) < 0)
		sr_die("%s", sr_errmsg());
	if (c.left_out)
		fprintf(stderr, "%s: tiled the first %ld of %ld records, left out %ld (--max N tiles "
		        "more)\n", sr_progname(), c.n, c.n + c.left_out, c.left_out);
	sr_record out;
	sr_record_init(&out);
	compose(&opt, &c, &out);
	if (sr_pnm_write(stdout, &out, opt.maxval, SR_PNM_PGM, NULL) < 0)
		sr_die("%s", sr_errmsg());
	sr_finish_stdout();
	for (long i = 0; i < c.n; i++)
		sr_record_free(&c.recs[i]);
	free(c.recs);
	sr_record_free(&out);
	return 0;
}
