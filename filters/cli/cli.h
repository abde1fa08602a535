/* cli.h: the small pieces every program's option parsing shares. */
#ifndef SR_CLI_H
#define SR_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "io/stream.h"

#define SR_VERSION "0.1.0"

/* Prints "PROG (stemrot) VERSION" to stdout. */
void sr_print_version(void);

/* Strict number parsing for option values: the whole string must be a finite number within
 * [lo, hi].  On failure sets an error such as "--dose: '-3' is out of range 0..1e9" (name is
 * the option as the user spelled it) and returns -1. */
int sr_parse_double(const char *name, const char *s, double lo, double hi, double *out);
int sr_parse_long(const char *name, const char *s, long lo, long hi, long *out);
int sr_parse_seed(const char *name, const char *s, uint64_t *out);

/* A value or a range "LO:HI" (LO <= HI), both within [lo, hi]; a single value gives LO = HI.
 * Used wherever a parameter may be fixed or drawn per record. */
int sr_parse_range(const char *name, const char *s, double lo, double hi,
                   double *out_lo, double *out_hi);

/* An image size "N" (N x N) or "WxH", each 1..SR_MAX_DIM, for option name (e.g. "--size").
 * -1 with an error such as "--size: '0x5' is not N or WxH" on failure. */
int sr_parse_size(const char *name, const char *s, int *w, int *h);

/* Option codes.  A short option's code is its character; long-only options get named codes,
 * never bare numbers: the record-writing options below, and each program's own from
 * SR_OPT_LOCAL up (an enum in the program). */
enum sr_output_option { SR_OPT_PAM = 0x1001, SR_OPT_COMPRESS, SR_OPT_MAXVAL, SR_OPT_PAM_MAP };
enum { SR_OPT_LOCAL = 0x2001 };

/* Options of record-writing filters: --pam, --compress, --maxval, --pam-map. */
#define SR_OUTPUT_LONGOPTS \
	{"pam", no_argument, NULL, SR_OPT_PAM}, \
	{"compress", no_argument, NULL, SR_OPT_COMPRESS}, \
	{"maxval", required_argument, NULL, SR_OPT_MAXVAL}, \
	{"pam-map", required_argument, NULL, SR_OPT_PAM_MAP}
#define SR_OUTPUT_HELP \
	"      --pam            write PAM images (metadata in header comments) instead of\n" \
	"                       stemrot tensor records\n" \
	"      --compress       zlib-compress tensor record payloads\n" \
	"      --maxval N       PAM output maxval (default: the input's, else 65535)\n" \
	"      --pam-map OFF:STEP  PAM samples q = round((v - OFF) / STEP) for every record\n" \
	"                       (default: $STEMROT_PAM_MAP, else per record; see stemrot-stream(5))\n"

/* Handles the codes of enum sr_output_option into opt (an sr_write_options *). 1 if handled,
 * 0 if not one of them, -1 on a bad value (error set). */
int sr_output_option(int code, const char *arg, void *opt);

/* Symmetry orders on the command line (-k K, --order K, --kmin, --kmax): every program takes
 * 1..SR_MAX_ORDER (core/angles.h: 32, the most heads a network has).  A method that supports
 * fewer says so itself (the harmonic baseline: 16).  "true" (where allow_key) gives
 * SR_ORDER_FROM_KEY: each record's own k key, read with sr_record_order. */
#define SR_ORDER_FROM_KEY (-1)
int sr_parse_order(const char *name, const char *s, int allow_key, int *out);

/* The order in a record's k key, for --order true: 1..SR_MAX_ORDER, else -1 with the error
 * "--order true: the record has no usable k key". */
int sr_record_order(const sr_record *rec, int *k);

/* sr_for_each_record with Netpbm's rule that an input holding nothing is an error: each of
 * the nfiles files (standard input when there are none, or for "-") must hold at least one
 * record, else -1 with "FILE: no records (the input is empty)"; an empty regular file is
 * refused before any file is read, so that nothing is written before the message. */
int sr_each_record(int nfiles, char **files, sr_record_fn fn, void *ctx);

/* Writes to stdout refused when it is a terminal and the format is binary tensor records:
 * returns -1 with a hint to redirect or use --pam. */
int sr_check_stdout(const void *opt);

/* The helpers below print and exit: for the filters' parse_command_line and main only. */

/* The optstring rule: every program parses its options with sr_getopt, whose optstring starts
 * with ':' (so that a missing value is told apart from an unknown option) and which runs
 * getopt_long with opterr = 0 (one message of our own, not getopt's two).  Returns the next
 * option code, -1 at the end; an unknown option or a missing value prints sr_bad_option's
 * message and exits 1. */
int sr_getopt(int argc, char **argv, const char *optstring, const struct option *longopts);

/* --help: prints usage to standard output and exits 0.  --version: sr_print_version, exit 0. */
_Noreturn void sr_exit_help(const char *usage);
_Noreturn void sr_exit_version(void);


/* sr_output_option for a getopt_long loop's default branch: 1 if the code was an output
 * option, 0 if not; a bad value prints the message and exits 1. */
int sr_output_option_or_die(int code, const char *arg, void *opt);

/* Unknown option or missing value in a getopt_long loop run with opterr = 0 and an optstring
 * that starts with ':': prints one line "PROG: unknown option or missing value: '-x' (try
 * 'PROG --help')" (the argument as given for long options) and exits 1. */
_Noreturn void sr_bad_option(char **argv);

/* Flushes standard output; on a write error prints "write error on standard output" and
 * exits 1. */
void sr_finish_stdout(void);

/* The main loop of a record filter: refuses a terminal for binary output (out), calls fn on
 * every record of the nfiles files (sr_each_record: an empty input is an error), flushes
 * standard output; any failure prints the message and exits 1. */
void sr_filter_run(int nfiles, char **files, sr_record_fn fn, void *ctx,
                   const sr_write_options *out);

#endif
