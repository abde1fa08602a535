#include "core/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char message[1024];
static const char *progname = "stemrot";

int sr_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	return -1;
}

int sr_fail_context(const char *fmt, ...)
{
	char prefix[512], old[sizeof message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, message, sizeof old);
	/* Both halves bounded so the result always fits; an over-long message is cut, not lost. */
	snprintf(message, sizeof message, "%.400s: %.600s", prefix, old);
	return -1;
}

const char *sr_errmsg(void) { return message; }

static int dying; /* sr_die is exiting: its one message is the one that counts */

/* At exit, standard output is flushed and closed, and a failure (a full disk, an I/O error)
 * is an error of the program: one message and exit status 1, whichever way main ended
 * (--help and --version included).  As gnulib's close_stdout does. */
static void close_stdout(void)
{
	errno = 0;
	int bad = fflush(stdout) != 0 || ferror(stdout);
	int e = errno;
	if (fclose(stdout) != 0 && !bad)
		bad = 1, e = errno;
	if (bad && !dying) {
		if (e)
			fprintf(stderr, "%s: write error on standard output: %s\n", progname, strerror(e));
		else
			fprintf(stderr, "%s: write error on standard output\n", progname);
	}
	if (bad)
		_exit(1);
}

void sr_set_progname(const char *argv0)
{
	static int registered;
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
	progname = slash ? slash + 1 : (argv0 ? argv0 : "stemrot");
	if (!registered && atexit(close_stdout) == 0)
		registered = 1;
}

const char *sr_progname(void) { return progname; }

void sr_die(const char *fmt, ...)
{
	va_list ap;
	dying = 1;
	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}
