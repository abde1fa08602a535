/* evaluate: symmetry-aware error statistics of predict's TSV output. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "methods/ambiguity.h"
#include "methods/eval3d.h"
#include "core/quat.h"
#include "core/solid.h"
#include "core/angles.h"
#include "cli/cli.h"
#include "core/err.h"

static const char usage[] =
	"usage: evaluate [OPTION]... [FILE]...\n"
	"Read predict's tab-separated output (a header line naming the columns angle, k,\n"
	"theta_true and k_true) and print error statistics: the error of each angle is\n"
	"taken modulo the true symmetry period 360/k_true.  One line per true order and\n"
	"one for all: N, median and mean error (degrees), the fractions within 1, 2 and\n"
	"5 degrees, and the fraction whose predicted order is right.  A second block,\n"
	"labelled offset-fitted, gives the same figures after subtracting the best\n"
	"global offset per order (what the gauge of an uncalibrated model costs).\n"
	"\n"
	"      --ambiguity A    score modulo the ambiguity A: none, mirror (theta and\n"
	"                       2 phi - theta count as the same, for single 1D profiles;\n"
	"                       phi from the column phi, else 0), or auto (default: the\n"
	"                       columns ambiguity and phi when present, else none); see\n"
	"                       stemrot-ambiguity(7)\n"
	"  -H, --no-header      leave out the header line of the table\n"
	"  -h, --help           show this help and exit\n"
	"  -V, --version        show the version and exit\n"
	"\n"
	"Rows without truth (NA) are counted but not scored; rows whose angle and k are NA\n"
	"(predict could not measure the record) are scored as misses, with the largest\n"
	"error, half a period, and left out of the offset fit.  With no FILE, or FILE -,\n"
	"read standard input.\n"
	"\n"
	"3D predictions (columns qw qx qy qz, shape_true, qw_true .. qz_true, views; predict\n"
	"-M match writes them): the error is the geodesic angle reduced by the true shape's\n"
	"rotation group, strict and mod projection (the twin M_z R s of the truth also\n"
	"counts as right: what a single image cannot tell).  One line per set, shape and\n"
	"view count (1: single images, 2: tilt pairs) and for all: N, median, mean, and\n"
	"the fractions within 2, 5, 10, 15 and 30 degrees; then the same after the one\n"
	"best global rotation per shape and view count, labelled rotation-fitted.\n"
	"Unmeasured rows (NA) count as misses with error 180.\n";

typedef struct {
	double *angle, *truth;
	int *k, *kt;
	long n, cap;
	long unscored;
	long unmeasured; /* angle NA: error counted as the worst, P/2 */
	/* per row ambiguity and projection angle (ambiguity.h); force >= 0 overrides */
	int *amb, force;
	double *phi;
	long nmirror;
	int is3d;             /* the files are 3D predictions (eval3d.h), read into t3 */
	sr_eval3d_table t3;
} table;

static int push(table *t, double a, int k, double th, int kt)
{
	if (t->n == t->cap) {
		long nc = t->cap ? 2 * t->cap : 1024;
		double *a1 = realloc(t->angle, nc * sizeof *a1);
		if (a1)
			t->angle = a1;
		double *a2 = realloc(t->truth, nc * sizeof *a2);
		if (a2)
			t->truth = a2;
		int *a3 = realloc(t->k, nc * sizeof *a3);
		if (a3)
			t->k = a3;
		int *a4 = realloc(t->kt, nc * sizeof *a4);
		if (a4)
			t->kt = a4;
		int *a5 = realloc(t->amb, nc * sizeof *a5);
		if (a5)
			t->amb = a5;
		double *a6 = realloc(t->phi, nc * sizeof *a6);
		if (a6)
			t->phi = a6;
		if (!a1 || !a2 || !a3 || !a4 || !a5 || !a6)
			return sr_fail("out of memory");
		t->cap = nc;
	}
	t->amb[t->n] = SR_AMB_NONE;
	t->phi[t->n] = 0;
	t->angle[t->n] = a;
	t->k[t->n] = k;
	t->truth[t->n] = th;
	t->kt[t->n] = kt;
	t->n++;
	return 0;
}

static void table_free(table *t)
{
	free(t->angle);
	free(t->truth);
	free(t->k);
	free(t->kt);
	free(t->amb);
	free(t->phi);
	sr_eval3d_free(&t->t3);
}

/* Splits line in place at tabs into *f (grown as needed, *cap entries); returns the field
 * count, or -1 when out of memory.  Every column counts, however many the header has. */
static long split(char *line, char ***f, long *cap)
{
	long n = 0;
	char *p = line;
	for (;;) {
		if (n == *cap) {
			long nc = *cap ? 2 * *cap : 64;
			char **g = realloc(*f, (size_t)nc * sizeof *g);
			if (!g)
				return -1;
			*f = g;
			*cap = nc;
		}
		(*f)[n++] = p;
		char *t = strchr(p, '\t');
		if (!t)
			break;
		*t = 0;
		p = t + 1;
	}
	return n;
}

static int parse_num(const char *s, double *v)
{
	if (!strcmp(s, "NA") || !*s)
		return 1;
	char *e;
	*v = strtod(s, &e);
	return (*e || !isfinite(*v)) ? -1 : 0;
}

static int read_file(const char *path, table *t)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	const char *name = strcmp(path, "-") ? path : "(stdin)";
	if (!f)
		return sr_fail("%s: %s", path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long ln = 0;
	long ca = -1, ck = -1, ct = -1, ckt = -1, cam = -1, cph = -1, fcap = 0;
	int rc = 0;
	char **fields = NULL;
	while ((len = getline(&line, &cap, f)) > 0) {
		ln++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (!len || line[0] == '#')
			continue;
		long nf = split(line, &fields, &fcap);
		if (nf < 0 || nf > INT_MAX) {
			rc = sr_fail("out of memory");
			break;
		}
		if (ca < 0 && !t->is3d && t->n == 0 && sr_eval3d_header(&t->t3, fields, (int)nf)) {
			t->is3d = 2; /* 2: this file's header read */
			continue;
		}
		if (t->is3d == 1 && ca < 0)
			rc = sr_fail("%s: line %ld: 3D and 2D predictions do not mix; the header must "
			             "name the same 3D columns as the first file's", name, ln);
		if (t->is3d == 1 && rc == 0 && !sr_eval3d_header(&t->t3, fields, (int)nf))
			rc = sr_fail("%s: line %ld: not a 3D header like the first file's", name, ln);
		if (rc)
			break;
		if (t->is3d == 1) {
			t->is3d = 2;
			continue;
		}
		if (t->is3d) {
			if (sr_eval3d_add(&t->t3, fields, (int)nf) < 0) {
				rc = sr_fail_context("%s: line %ld", name, ln);
				break;
			}
			continue;
		}
		if (ca < 0) {
			for (long i = 0; i < nf; i++) {
				if (!strcmp(fields[i], "angle")) ca = i;
				if (!strcmp(fields[i], "k")) ck = i;
				if (!strcmp(fields[i], "theta_true")) ct = i;
				if (!strcmp(fields[i], "k_true")) ckt = i;
				if (!strcmp(fields[i], "ambiguity")) cam = i;
				if (!strcmp(fields[i], "phi")) cph = i;
			}
			if (ca < 0 || ck < 0 || ct < 0 || ckt < 0) {
				rc = sr_fail("%s: line %ld: header must name the columns angle, k, theta_true, "
				             "k_true (predict's output)", name, ln);
				break;
			}
			continue;
		}
		long need = ca > ck ? ca : ck;
		need = need > ct ? need : ct;
		need = need > ckt ? need : ckt;
		if (nf <= need) {
			rc = sr_fail("%s: line %ld: %ld fields, expected at least %ld", name, ln, nf, need + 1);
			break;
		}
		double a, k, th, kt;
		int ra = parse_num(fields[ca], &a), rk = parse_num(fields[ck], &k);
		int rt = parse_num(fields[ct], &th), rkt = parse_num(fields[ckt], &kt);
		if (ra < 0 || rk < 0 || rt < 0 || rkt < 0 || ra != rk) {
			rc = sr_fail("%s: line %ld: angle and k must be numbers (or both NA), truth numbers "
			             "or NA", name, ln);
			break;
		}
		if (rt || rkt) {
			t->unscored++;
			continue;
		}
		if (ra) { /* unmeasured (predict: no signal): scored as a miss */
			a = NAN;
			k = 0;
			t->unmeasured++;
		}
		if (k < 0 || k > 1000 || kt < 1 || kt > 1000 || k != floor(k) || kt != floor(kt) ||
		    (k == 0 && !ra)) {
			rc = sr_fail("%s: line %ld: order out of range", name, ln);
			break;
		}
		if (push(t, a, (int)k, th, (int)kt) < 0) {
			rc = -1;
			break;
		}
		/* the ambiguity the row is scored modulo (ambiguity.h) */
		int amb = t->force >= 0 ? t->force : cam >= 0 && cam < nf ?
		          sr_ambiguity_from_name(fields[cam]) : SR_AMB_NONE;
		double ph = 0;
		if (amb < 0 || (cph >= 0 && cph < nf && parse_num(fields[cph], &ph) < 0)) {
			rc = sr_fail("%s: line %ld: bad ambiguity or phi column", name, ln);
			break;
		}
		t->amb[t->n - 1] = amb;
		t->phi[t->n - 1] = ph;
		t->nmirror += amb == SR_AMB_MIRROR;
	}
	if (rc == 0 && ferror(f))
		rc = sr_fail("%s: read error: %s", name, strerror(errno));
	if (rc == 0 && ca < 0 && !t->is3d)
		rc = sr_fail("%s: no header line (is this predict's output?)", name);
	if (t->is3d)
		t->is3d = 1; /* the next file starts with its own header */
	free(line);
	free(fields);
	if (f != stdin)
		fclose(f);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Statistics over the rows with kt == order (order 0: all), angles shifted by off[kt]. */
static void stats(const table *t, int order, const double *off, const char *set, double *e)
{
	long n = 0, w1 = 0, w2 = 0, w5 = 0, ok = 0;
	double sum = 0;
	for (long i = 0; i < t->n; i++) {
		if (order && t->kt[i] != order)
			continue;
		double P = 360.0 / t->kt[i];
		double err = isnan(t->angle[i]) ? P / 2 :
		             sr_amb_err(sr_amb_shift(t->angle[i], off[t->kt[i]], t->phi[i], P, t->amb[i]),
		                        t->truth[i], P, t->amb[i], t->phi[i]);
		e[n++] = err;
		sum += err;
		w1 += err <= 1;
		w2 += err <= 2;
		w5 += err <= 5;
		ok += t->k[i] == t->kt[i];
	}
	if (!n)
		return;
	qsort(e, n, sizeof *e, cmp_double);
	double med = n % 2 ? e[n / 2] : 0.5 * (e[n / 2 - 1] + e[n / 2]);
	char ord[16];
	if (order)
		snprintf(ord, sizeof ord, "%d", order);
	else
		snprintf(ord, sizeof ord, "all");
	printf("%s\t%s\t%ld\t%.3f\t%.3f\t%.4f\t%.4f\t%.4f\t%.4f\n", set, ord, n, med, sum / n,
	       (double)w1 / n, (double)w2 / n, (double)w5 / n, (double)ok / n);
}

/* The command line. */
typedef struct {
	int ambiguity; /* -1: auto (the ambiguity column, else none) */
	int header;
	int nfiles;
	char **files;
} options;

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_AMBIGUITY = SR_OPT_LOCAL };
	static const struct option longopts[] = {{"ambiguity", required_argument, NULL, OPT_AMBIGUITY},
	                                         {"no-header", no_argument, NULL, 'H'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {"version", no_argument, NULL, 'V'},
	                                         {NULL, 0, NULL, 0}};
	*o = (options){.ambiguity = -1, .header = 1};
	int code;
	while ((code = sr_getopt(argc, argv, ":HhV", longopts)) != -1) {
		switch (code) {
		case OPT_AMBIGUITY:
			o->ambiguity = strcmp(optarg, "auto") ? sr_ambiguity_from_name(optarg) : -1;
			if (o->ambiguity == SR_AMB_ALL || (o->ambiguity < 0 && strcmp(optarg, "auto")))
				sr_die("--ambiguity: '%s' is not none, mirror or auto", optarg);
			break;
		case 'H': o->header = 0; break;
		case 'h': sr_exit_help(usage);
		case 'V': sr_exit_version();
		default: sr_bad_option(argv);
		}
	}
	o->nfiles = argc - optind;
	o->files = argv + optind;
}

/* The best global offset of each order present, off[k] in (-P/2, P/2]. */
static void fit_offsets(const table *t, const int *present, double *off)
{
	for (int k = 1; k <= 1000; k++) {
		if (!present[k])
			continue;
		long m = 0;
		double *a = malloc(t->n * sizeof *a), *b = malloc(t->n * sizeof *b);
		double *ph = malloc(t->n * sizeof *ph);
		if (!a || !b || !ph)
			sr_die("out of memory");
		int amb = SR_AMB_MIRROR; /* mirror rows only: the gauge is 0 or P/2 (ambiguity.h) */
		for (long i = 0; i < t->n; i++)
			if (t->kt[i] == k && !isnan(t->angle[i])) {
				a[m] = t->angle[i];
				ph[m] = t->phi[i];
				if (t->amb[i] != SR_AMB_MIRROR)
					amb = SR_AMB_NONE;
				b[m++] = t->truth[i];
			}
		off[k] = sr_amb_fit_offset(a, b, ph, (int)m, 360.0 / k, amb);
		free(ph);
		if (off[k] > 180.0 / k)
			off[k] -= 360.0 / k;
		free(a);
		free(b);
	}
}

/* Prints the two blocks (calibrated, offset-fitted) and the notes. */
static void report(const table *t, int header)
{
	double *e = malloc(t->n * sizeof *e);
	double zero[1001] = {0}, off[1001] = {0};
	if (!e)
		sr_die("out of memory");
	int present[1001] = {0};
	for (long i = 0; i < t->n; i++)
		present[t->kt[i]] = 1;
	if (header)
		printf("set\torder\tn\tmedian\tmean\twithin1\twithin2\twithin5\torder_ok\n");
	for (int k = 1; k <= 1000; k++)
		if (present[k])
			stats(t, k, zero, "calibrated", e);
	stats(t, 0, zero, "calibrated", e);
	fit_offsets(t, present, off);
	for (int k = 1; k <= 1000; k++)
		if (present[k])
			stats(t, k, off, "offset-fitted", e);
	stats(t, 0, off, "offset-fitted", e);
	printf("# offset-fitted: best global offset per order subtracted:");
	for (int k = 1; k <= 1000; k++)
		if (present[k])
			printf(" k=%d %+.3f", k, off[k]);
	printf("\n");
	if (t->unscored)
		printf("# %ld rows without truth were not scored\n", t->unscored);
	if (t->unmeasured)
		printf("# %ld rows without an angle (NA: no signal) were scored as misses, error P/2\n",
		       t->unmeasured);
	if (t->nmirror)
		printf("# %ld rows scored modulo the mirror ambiguity (theta ~ 2 phi - theta)\n",
		       t->nmirror);
	free(e);
}

/* The 3D blocks: strict and mod projection per shape and view count, then rotation-fitted. */
static void put3d(const char *set, const char *shape, int views, const sr_eval3d_stats *st)
{
	char v[8];
	snprintf(v, sizeof v, "%d", views);
	printf("%s\t%s\t%s\t%ld\t%.3f\t%.3f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\n", set, shape,
	       views ? v : "all", st->n, st->median, st->mean, st->within[0], st->within[1],
	       st->within[2], st->within[3], st->within[4]);
}

static void report3d(const sr_eval3d_table *t, int header)
{
	static const char *const set[2] = {"strict", "mod-projection"};
	if (header)
		printf("set\tshape\tviews\tn\tmedian\tmean\twithin2\twithin5\twithin10\twithin15"
		       "\twithin30\n");
	sr_eval3d_stats st;
	long unmeasured = 0;
	for (long i = 0; i < t->n; i++)
		unmeasured += !t->row[i].measured;
	for (int fitted = 0; fitted < 2; fitted++) {
		for (int mode = 0; mode < 2; mode++) {
			char name[64];
			snprintf(name, sizeof name, "%s%s", fitted ? "rotation-fitted-" : "", set[mode]);
			for (int views = 1; views <= 2; views++)
				for (int id = 1; id <= SR_SOLID_COUNT + 1; id++) {
					int solid = id <= SR_SOLID_COUNT ? id : 0; /* last: all shapes */
					double Q[4] = {1, 0, 0, 0};
					if (fitted && sr_eval3d_fit(t, solid, views, mode, Q) < 0)
						sr_die("%s", sr_errmsg());
					if (sr_eval3d_stats_of(t, solid, views, mode, Q, &st) < 0)
						sr_die("%s", sr_errmsg());
					if (!st.n)
						continue;
					put3d(name, solid ? sr_solid_name(solid) : "all", views, &st);
					if (fitted && solid) {
						double one[4] = {1, 0, 0, 0};
						printf("# %s %s views %d: fitted rotation of %.3f degrees (%.5f %.5f "
						       "%.5f %.5f)\n", name, sr_solid_name(solid), views,
						       sr_quat_angle(Q, one), Q[0], Q[1], Q[2], Q[3]);
					}
				}
		}
	}
	if (t->unscored)
		printf("# %ld rows without truth were not scored\n", t->unscored);
	if (unmeasured)
		printf("# %ld rows without an orientation (NA) were scored as misses, error 180\n",
		       unmeasured);
}

int main(int argc, char **argv)
{
	options opt;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	table t = {0};
	t.force = opt.ambiguity;
	if (opt.nfiles == 0 && read_file("-", &t) < 0)
		sr_die("%s", sr_errmsg());
	for (int i = 0; i < opt.nfiles; i++)
		if (read_file(opt.files[i], &t) < 0)
			sr_die("%s", sr_errmsg());
	if (t.is3d) {
		if (t.t3.n == 0)
			sr_die("no rows with truth to score (%ld without)", t.t3.unscored);
		report3d(&t.t3, opt.header);
		table_free(&t);
		sr_finish_stdout();
		return 0;
	}
	if (t.n == 0)
		sr_die("no rows with truth to score (%ld without)", t.unscored);
	report(&t, opt.header);
	table_free(&t);
	sr_finish_stdout();
	return 0;
}
