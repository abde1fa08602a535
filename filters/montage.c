/* montage: tiles records into one PGM for a look. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "io/pnmio.h"
#include "io/record.h"

static const char usage[] =
	"usage: montage [OPTION]... [FILE]...\n"
	"Tile records (Netpbm images or stemrot tensor records) into one PGM image, for a\n"
	"look: one tile per record, the views of a pair side by side, each tile scaled to\n"
	"its own minimum..maximum.  Profiles and vectors are drawn as bar plots.\n"
	"\n"
	"  -c, --cols N         tiles per row (default: about the square root of the count)\n"
	"  -n, --max N          stop after N records (default 100)\n"
	"  -g, --gap N          pixels between tiles and around the edge (default 2)\n"
	"  -r, --range LO:HI    map LO..HI to black..white for every tile instead\n"
	"      --plot-height N  height of profile plots (default 64)\n"
	"      --16             16-bit output (maxval 65535) instead of 8-bit\n"
	"  -h, --help           show this help and exit\n"
	"  -V, --version        show the version and exit\n"
	"\n"
	"With no FILE, or FILE -, read standard input.  The PGM goes to standard output.\n";

typedef struct {
	long max, cols, gap, plot_h;
	int fixed;
	double lo, hi;
	sr_record *recs;
	long n;
	int stopped;
} ctx_t;

static int one(sr_record *rec, void *p)
{
	ctx_t *c = p;
	if (c->n == c->max) {
		c->stopped = 1;
		return sr_fail("(stopped)");
	}
	sr_record *dst = &c->recs[c->n];
	sr_record_init(dst);
	if (sr_record_copy(dst, rec) < 0)
		return -1;
	c->n++;
	return 0;
}

/* Size of a record's tile. */
static void tile_size(const ctx_t *c, const sr_record *r, long *w, long *h)
{
	long gap = r->views > 1 ? c->gap : 0;
	*w = (long)r->views * r->width + (r->views - 1) * gap;
	*h = r->layout == SR_LAYOUT_IMAGE ? r->height : c->plot_h;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"cols", required_argument, NULL, 'c'},
		{"max", required_argument, NULL, 'n'},
		{"gap", required_argument, NULL, 'g'},
		{"range", required_argument, NULL, 'r'},
		{"plot-height", required_argument, NULL, 'P'},
		{"16", no_argument, NULL, '6'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}};
	ctx_t c = {.max = 100, .gap = 2, .plot_h = 64};
	int maxval = 255, opt;
	sr_set_progname(argv[0]);
	opterr = 0; /* one message of our own, not getopt's two */
	while ((opt = getopt_long(argc, argv, "c:n:g:r:hV", longopts, NULL)) != -1) {
		int bad = 0;
		switch (opt) {
		case 'c': bad = sr_parse_long("--cols", optarg, 1, 10000, &c.cols); break;
		case 'n': bad = sr_parse_long("--max", optarg, 1, 100000, &c.max); break;
		case 'g': bad = sr_parse_long("--gap", optarg, 0, 1000, &c.gap); break;
		case 'P': bad = sr_parse_long("--plot-height", optarg, 2, 4096, &c.plot_h); break;
		case 'r':
			bad = sr_parse_range("--range", optarg, -1e30, 1e30, &c.lo, &c.hi);
			if (!bad && !(c.hi > c.lo))
				bad = sr_fail("--range: '%s' must have LO < HI", optarg);
			c.fixed = 1;
			break;
		case '6': maxval = 65535; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': sr_print_version(); return 0;
		default: sr_bad_option(argv);
		}
		if (bad)
			sr_die("%s", sr_errmsg());
	}
	if (!(c.recs = calloc((size_t)c.max, sizeof *c.recs)))
		sr_die("out of memory");
	if (sr_for_each_record(argc - optind, argv + optind, one, &c) < 0 && !c.stopped)
		sr_die("%s", sr_errmsg());
	if (c.n == 0)
		sr_die("no records to tile");

	long cols = c.cols ? c.cols : (long)ceil(sqrt((double)c.n));
	if (cols > c.n)
		cols = c.n;
	long rows = (c.n + cols - 1) / cols, cw = 1, ch = 1;
	for (long i = 0; i < c.n; i++) {
		long w, h;
		tile_size(&c, &c.recs[i], &w, &h);
		if (w > cw)
			cw = w;
		if (h > ch)
			ch = h;
	}
	long W = cols * (cw + c.gap) + c.gap, H = rows * (ch + c.gap) + c.gap;
	if (W > SR_MAX_DIM || H > SR_MAX_DIM || (double)W * H > (double)SR_MAX_SAMPLES)
		sr_die("montage of %ldx%ld pixels is too large (use --cols or --max)", W, H);
	sr_record out;
	sr_record_init(&out);
	if (sr_record_reshape(&out, SR_LAYOUT_IMAGE, 1, (int)H, (int)W) < 0)
		sr_die("%s", sr_errmsg());
	float bg = (float)(maxval / 4); /* a dark grey frame sets tiles apart from black pixels */
	for (size_t i = 0; i < (size_t)W * H; i++)
		out.data[i] = bg;

	for (long i = 0; i < c.n; i++) {
		sr_record *r = &c.recs[i];
		size_t n = sr_record_size(r);
		double lo = c.lo, hi = c.hi;
		if (!c.fixed) {
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
		tile_size(&c, r, &w, &h);
		long x0 = c.gap + (i % cols) * (cw + c.gap) + (cw - w) / 2;
		long y0 = c.gap + (i / cols) * (ch + c.gap) + (ch - h) / 2;
		for (int v = 0; v < r->views; v++) {
			const float *src = sr_record_view(r, v);
			long xv = x0 + v * (r->width + c.gap);
			for (int x = 0; x < r->width; x++) {
				if (r->layout == SR_LAYOUT_IMAGE) {
					for (int y = 0; y < r->height; y++) {
						double s = src[(size_t)y * r->width + x];
						double t = isfinite(s) ? (s - lo) / (hi - lo) : 0;
						t = t < 0 ? 0 : t > 1 ? 1 : t;
						out.data[(size_t)(y0 + y) * W + xv + x] = (float)floor(t * maxval + 0.5);
					}
				} else { /* bar plot: white up to the value, black above */
					double s = src[x];
					double t = isfinite(s) ? (s - lo) / (hi - lo) : 0;
					t = t < 0 ? 0 : t > 1 ? 1 : t;
					long top = (long)floor((1 - t) * (h - 1) + 0.5);
					for (long y = 0; y < h; y++)
						out.data[(size_t)(y0 + y) * W + xv + x] = y >= top ? (float)maxval : 0;
				}
			}
		}
	}
	sr_meta_set(&out.meta, "source", "montage");
	sr_meta_set_long(&out.meta, "montage.records", c.n);
	sr_meta_set_long(&out.meta, "montage.cols", cols);
	if (sr_pnm_write(stdout, &out, maxval, SR_PNM_PGM) < 0 || fflush(stdout) != 0)
		sr_die("%s", sr_errmsg());
	for (long i = 0; i < c.n; i++)
		sr_record_free(&c.recs[i]);
	free(c.recs);
	sr_record_free(&out);
	return 0;
}
