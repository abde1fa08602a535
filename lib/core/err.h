/* err.h: how lib reports failure.  Library functions never print or exit: they record one
 * message with sr_fail() and return -1 (or NULL); the program's main prints sr_errmsg(). */
#ifndef SR_ERR_H
#define SR_ERR_H

/* Formats the message (no trailing newline, no program name) and returns -1. */
int sr_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A measurement that the data cannot support (an image or profile with no signal above its
 * background): not an error in the input, so callers may report the record as unmeasured
 * (predict prints NA) and go on.  Returned instead of -1, with the message set likewise. */
#define SR_NO_SIGNAL (-2)

/* Prefixes the pending message with "context: ", e.g. a file name or record number. */
int sr_fail_context(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The last message; "" when none. */
const char *sr_errmsg(void);

/* For mains: prints "PROG: MESSAGE\n" to stderr and exits 1. */
_Noreturn void sr_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The program name sr_die prints; set once by main (defaults to "stemrot").  The first call
 * also arranges for standard output to be flushed and closed at exit, a failure there being
 * reported ("PROG: write error on standard output: REASON") with exit status 1. */
void sr_set_progname(const char *argv0);
const char *sr_progname(void);

#endif
