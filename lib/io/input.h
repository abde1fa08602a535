/* input.h: a byte source with a replayable head.  The reader looks at the first bytes of
 * each record (up to SR_INPUT_HEAD_MAX) to find its format, and the format's reader then
 * reads those same bytes again: they are kept in the head buffer, so this works on pipes as
 * well as on files.  Formats read through sr_input_read/getc, or through a borrowed FILE *
 * for libraries that want one (libnetpbm).  Not part of the filters' interface. */
#ifndef SR_INPUT_H
#define SR_INPUT_H

#include <stddef.h>
#include <stdio.h>

#define SR_INPUT_HEAD_MAX 1024

typedef struct sr_input sr_input;

/* path "-" (or NULL) is stdin.  NULL with the error set if it cannot be opened. */
sr_input *sr_input_open(const char *path);
void sr_input_close(sr_input *in);
/* For messages: the path as given, or "(stdin)". */
const char *sr_input_name(const sr_input *in);

/* Makes the next n bytes visible without consuming them (n at most SR_INPUT_HEAD_MAX);
 * *got is n, or fewer at the end of the input or on a read error (sr_input_error). */
const unsigned char *sr_input_peek(sr_input *in, size_t n, size_t *got);
/* Reads up to n bytes; fewer only at the end of the input or on a read error. */
size_t sr_input_read(sr_input *in, void *p, size_t n);
/* The next byte, or EOF. */
int sr_input_getc(sr_input *in);
/* Nonzero once a read from the underlying file failed (errno tells why). */
int sr_input_error(const sr_input *in);
/* Bytes consumed so far. */
long long sr_input_offset(const sr_input *in);

/* Reads the rest of the input into a malloc'd buffer, for formats that need random access
 * (TIFF, DM, SER): more than max_bytes is an error naming what (e.g. "DM file"), as is a
 * read error.  0 or -1. */
int sr_input_slurp(sr_input *in, size_t max_bytes, const char *what, unsigned char **buf,
                   size_t *len);

/* A FILE * that reads the same bytes, from where the input stands, for a library that
 * reads through stdio (libnetpbm).  It is buffered; sr_input_return_file hands back what
 * its user did not consume, so the next record starts exactly where that user stopped.
 * NULL with the error set if it cannot be made. */
FILE *sr_input_borrow_file(sr_input *in);
/* Ends the borrowing (whether its user succeeded or not) and closes f. */
void sr_input_return_file(sr_input *in, FILE *f);

#endif
