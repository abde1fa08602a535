#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/angles.h"
#include "core/err.h"
#include "io/netpbm.h"
#include "io/stream.h"

void sr_print_version(void) { printf("%s (stemrot) %s\n", sr_progname(), SR_VERSION); }

int sr_parse_double(const char *name, const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
		return sr_fail("%s: '%s' is not a number", name, s);
	if (v < lo || v > hi)
		return sr_fail("%s: %s is out of range %g..%g", name, s, lo, hi);
	*out = v;
	return 0;
}

int sr_parse_long(const char *name, const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE)
		return sr_fail("%s: '%s' is not an integer", name, s);
	if (v < lo || v > hi)
		return sr_fail("%s: %s is out of range %ld..%ld", name, s, lo, hi);
	*out = v;
	return 0;
}

int sr_parse_seed(const char *name, const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*s == '-')
		return sr_fail("%s: '%s' must be a non-negative integer", name, s);
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE)
		return sr_fail("%s: '%s' is not a non-negative integer", name, s);
	*out = v;
	return 0;
}

int sr_parse_range(const char *name, const char *s, double lo, double hi,
                   double *out_lo, double *out_hi)
{
	const char *colon = strchr(s, ':');
	if (!colon) {
		if (sr_parse_double(name, s, lo, hi, out_lo) < 0)
			return -1;
		*out_hi = *out_lo;
		return 0;
	}
	char first[128];
	size_t n = (size_t)(colon - s);
	if (n >= sizeof first)
		return sr_fail("%s: '%s' is too long", name, s);
	memcpy(first, s, n);
	first[n] = '\0';
	if (sr_parse_double(name, first, lo, hi, out_lo) < 0 ||
	    sr_parse_double(name, colon + 1, lo, hi, out_hi) < 0)
		return -1;
	if (*out_lo > *out_hi)
		return sr_fail("%s: range '%s' has its low end above its high end", name, s);
	return 0;
}

int sr_output_option(int code, const char *arg, void *optp)
{
	sr_write_options *opt = optp;
	long v;
	switch (code) {
	case SR_OPT_PAM: opt->format = SR_FORMAT_PAM; return 1;
	case SR_OPT_COMPRESS: opt->compress = 1; return 1;
	case SR_OPT_MAXVAL:
		if (sr_parse_long("--maxval", arg, 1, 65535, &v) < 0)
			return -1;
		opt->maxval = (int)v;
		return 1;
	case SR_OPT_PAM_MAP: {
		sr_sample_map map;
		if (sr_sample_map_parse("--pam-map", arg, &map) < 0)
			return -1;
		opt->map_set = 1;
		opt->map_offset = map.offset;
		opt->map_step = map.step;
		return 1;
	}
	default: return 0;
	}
}

int sr_parse_order(const char *name, const char *s, int allow_key, int *out)
{
	long v;
	if (allow_key && strcmp(s, "true") == 0) {
		*out = SR_ORDER_FROM_KEY;
		return 0;
	}
	if (sr_parse_long(name, s, 1, SR_MAX_ORDER, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

int sr_record_order(const sr_record *rec, int *k)
{
	long v;
	if (sr_meta_get_long(&rec->meta, "k", &v) != 0 || v < 1 || v > SR_MAX_ORDER)
		return sr_fail("--order true: the record has no usable k key");
	*k = (int)v;
	return 0;
}

typedef struct {
	sr_record_fn fn;
	void *ctx;
	long n; /* records of the current input */
} counted;

static int count_one(sr_record *rec, void *p)
{
	counted *c = p;
	c->n++;
	return c->fn(rec, c->ctx);
}

int sr_each_record(int nfiles, char **files, sr_record_fn fn, void *ctx)
{
	static char *stdin_only[] = {"-"};
	if (nfiles <= 0) {
		nfiles = 1;
		files = stdin_only;
	}
	/* an empty regular file is refused before anything is read, so that no output comes
	 * before the message */
	for (int i = 0; i < nfiles; i++) {
		struct stat st;
		if (strcmp(files[i], "-") && stat(files[i], &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size == 0)
			return sr_fail("%s: no records (the input is empty)", files[i]);
	}
	for (int i = 0; i < nfiles; i++) {
		counted c = {fn, ctx, 0};
		if (sr_for_each_record(1, files + i, count_one, &c) < 0)
			return -1;
		if (c.n == 0)
			return sr_fail("%s: no records (the input is empty)",
			               strcmp(files[i], "-") ? files[i] : "(stdin)");
	}
	return 0;
}

int sr_check_stdout(const void *optp)
{
	const sr_write_options *opt = optp;
	if (opt->format == SR_FORMAT_TENSOR && isatty(STDOUT_FILENO))
		return sr_fail("refusing to write binary records to a terminal "
		               "(redirect stdout, pipe into another filter, or use --pam)");
	return 0;
}

int sr_parse_size(const char *name, const char *s, int *w, int *h)
{
	const char *x = strchr(s, 'x');
	long a, b;
	if (!x) {
		if (sr_parse_long(name, s, 1, SR_MAX_DIM, &a) < 0)
			return -1;
		*w = *h = (int)a;
		return 0;
	}
	char first[32];
	size_t n = (size_t)(x - s);
	if (n == 0 || n >= sizeof first)
		return sr_fail("%s: '%s' is not N or WxH", name, s);
	memcpy(first, s, n);
	first[n] = '\0';
	if (sr_parse_long(name, first, 1, SR_MAX_DIM, &a) < 0 ||
	    sr_parse_long(name, x + 1, 1, SR_MAX_DIM, &b) < 0)
		return -1;
	*w = (int)a;
	*h = (int)b;
	return 0;
}

int sr_output_option_or_die(int code, const char *arg, void *opt)
{
	int r = sr_output_option(code, arg, opt);
	if (r < 0)
		sr_die("%s", sr_errmsg());
	return r;
}

_Noreturn void sr_bad_option(char **argv)
{
	if (optopt > 0 && optopt < 128 && isalpha(optopt))
		sr_die("unknown option or missing value: '-%c' (try '%s --help')", optopt,
		       sr_progname());
	sr_die("unknown option or missing value: '%s' (try '%s --help')", argv[optind - 1],
	       sr_progname());
}

int sr_getopt(int argc, char **argv, const char *optstring, const struct option *longopts)
{
	if (optstring[0] != ':')
		sr_die("internal error: optstring '%s' does not start with ':'", optstring);
	opterr = 0;
	int code = getopt_long(argc, argv, optstring, longopts, NULL);
	if (code == '?' || code == ':')
		sr_bad_option(argv);
	return code;
}

_Noreturn void sr_exit_help(const char *usage)
{
	fputs(usage, stdout);
	exit(0);
}

_Noreturn void sr_exit_version(void)
{
	sr_print_version();
	exit(0);
}

void sr_finish_stdout(void)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		sr_die("write error on standard output%s%s", errno ? ": " : "", errno ? strerror(errno) : "");
}

void sr_filter_run(int nfiles, char **files, sr_record_fn fn, void *ctx,
                   const sr_write_options *out)
{
	if (sr_check_stdout(out) < 0 || sr_each_record(nfiles, files, fn, ctx) < 0)
		sr_die("%s", sr_errmsg());
	sr_finish_stdout();
}
