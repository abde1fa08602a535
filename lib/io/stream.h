/* stream.h: reading and writing streams of records, and the loop every filter runs.
 *
 * Inputs: any Netpbm image (PBM/PGM/PPM/PAM, plain or raw, maxval up to 65535, several
 * concatenated), and stemrot tensor records (magic "STRT"), recognised per record by their
 * content (io/format.h), so a stream may even mix them.  Netpbm samples are read as their
 * integer values (not normalised); colour images are turned to luminance.  For Netpbm input
 * the reader sets source=<file name>, maxval=<maxval>, and id=<file name>:<n> unless the
 * image carries metadata of its own (a PAM written by stemrot keeps it in header comments).
 *
 * Outputs: the tensor record (default; lossless float32, optional zlib) or a PAM image whose
 * header comments carry the metadata and whose samples are integers 0..maxval (see
 * stemrot-stream(5) for the scaling), so pamfile and pamchannel read it directly, pamtopng
 * one-view images (a pair after `pamchannel -tupletype GRAYSCALE 1`).  NaN/Inf samples pass
 * through tensor records bit for bit; the PAM writer refuses them.
 *
 * Every reader enforces the limits of io/record.h before it allocates: anything outside
 * them is an error, never an allocation. */
#ifndef SR_STREAM_H
#define SR_STREAM_H

#include <stdio.h>

#include "io/format.h"
#include "io/record.h"

/* ---- reading ---- */
typedef struct sr_reader sr_reader;

/* path "-" (or NULL) is stdin.  NULL with the error set if it cannot be opened. */
sr_reader *sr_reader_open(const char *path);
/* 1: a record was read into rec (its previous contents replaced); 0: clean end of input;
 * -1: error, message of the form "FILE: record N: what is wrong". */
int  sr_reader_next(sr_reader *rd, sr_record *rec);
void sr_reader_close(sr_reader *rd);
const char *sr_reader_name(const sr_reader *rd);  /* "-" shows as "(stdin)" */
long sr_reader_count(const sr_reader *rd);        /* records read so far from this input */

/* ---- writing ---- */
/* Writes one record (opt NULL: a tensor record); -1 with the error set on an I/O error
 * (e.g. a closed pipe) or a record that cannot be represented. */
int sr_record_write(FILE *out, const sr_record *rec, const sr_write_options *opt);

/* ---- the loop every filter runs ---- */
/* Opens each path in turn ("-" when npaths == 0) and calls fn on every record, in order;
 * stops at the first error (reader's or fn's, which returns -1 with the error set) and
 * returns -1; 0 at the end.  Record numbers in messages count per input file. */
typedef int (*sr_record_fn)(sr_record *rec, void *ctx);
int sr_for_each_record(int npaths, char **paths, sr_record_fn fn, void *ctx);

#endif
