#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "record.h"

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
	case 0x1001: opt->format = SR_FORMAT_PAM; return 1;
	case 0x1002: opt->compress = 1; return 1;
	case 0x1003:
		if (sr_parse_long("--maxval", arg, 1, 65535, &v) < 0)
			return -1;
		opt->maxval = (int)v;
		return 1;
	default: return 0;
	}
}

int sr_check_stdout(const void *optp)
{
	const sr_write_options *opt = optp;
	if (opt->format == SR_FORMAT_TENSOR && isatty(STDOUT_FILENO))
		return sr_fail("refusing to write binary records to a terminal "
		               "(redirect stdout, pipe into another filter, or use --pam)");
	return 0;
}
