/* record.h: one sample of the stream and the readers/writers of the stream formats.
 *
 * A record is an image (views x height x width), a 1D profile (views x length) or a plain
 * vector, as float32, plus its metadata.  A stereo pair is one record with views = 2
 * (view 0 = A, view 1 = B).  Pixel (row r, column c) of view v is
 * data[(v * height + r) * width + c]; row 0 is the top of the image.
 *
 * Inputs: any Netpbm image (PBM/PGM/PPM/PAM, plain or raw, maxval up to 65535, several
 * concatenated), and stemrot tensor records (magic "STRT"), detected per record by the first
 * byte, so a stream may even mix them.  Netpbm samples are read as their integer values
 * (not normalised); colour images are turned to luminance.  For Netpbm input the reader sets
 * source=<file name>, maxval=<maxval>, and id=<file name>:<n> unless the image carries
 * metadata of its own (a PAM written by stemrot keeps it in header comments).
 *
 * Outputs: the tensor record (default; lossless float32, optional zlib) or a PAM image whose
 * header comments carry the metadata and whose samples are integers 0..maxval (see
 * stemrot-stream(5) for the scaling), so pamfile and pamchannel read it directly, pamtopng
 * one-view images (a pair after `pamchannel -tupletype GRAYSCALE 1`).  NaN/Inf samples pass
 * through tensor records bit for bit; the PAM writer refuses them.
 *
 * Limits enforced on read: views 1..16, height and width 1..65536, at most 2^26 samples per
 * record, metadata at most SR_META_MAX_TEXT bytes.  Anything else is an error, never an
 * allocation. */
#ifndef SR_RECORD_H
#define SR_RECORD_H

#include <stddef.h>
#include <stdio.h>

#include "core/meta.h"

enum sr_layout {
	SR_LAYOUT_IMAGE = 1,   /* views x height x width */
	SR_LAYOUT_PROFILE = 2, /* views x length (height = 1, width = length) */
	SR_LAYOUT_VECTOR = 3   /* n values (views = 1, height = 1, width = n) */
};

#define SR_MAX_VIEWS 16
#define SR_MAX_DIM 65536
#define SR_MAX_SAMPLES (1L << 26)

typedef struct {
	int layout;
	int views, height, width;
	float *data;  /* views * height * width floats */
	size_t cap;   /* floats allocated; the reader reuses the buffer from record to record */
	sr_meta meta;
} sr_record;

void sr_record_init(sr_record *rec);
void sr_record_free(sr_record *rec);
/* Sets the shape and makes room (reusing the buffer); contents are undefined. -1 on limits. */
int  sr_record_reshape(sr_record *rec, int layout, int views, int height, int width);
size_t sr_record_size(const sr_record *rec);      /* views * height * width */
float *sr_record_view(sr_record *rec, int v);     /* start of view v */
int  sr_record_copy(sr_record *dst, const sr_record *src);

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
enum sr_format { SR_FORMAT_TENSOR = 0, SR_FORMAT_PAM = 1 };

typedef struct {
	int format;   /* enum sr_format */
	int compress; /* tensor: zlib-compress the payload */
	int maxval;   /* PAM: 0 = the record's maxval key if any, else 65535 */
} sr_write_options;

/* Writes one record; -1 with the error set on an I/O error (e.g. a closed pipe) or a record
 * that cannot be represented. */
int sr_record_write(FILE *out, const sr_record *rec, const sr_write_options *opt);

/* ---- the loop every filter runs ---- */
/* Opens each path in turn ("-" when npaths == 0) and calls fn on every record, in order;
 * stops at the first error (reader's or fn's, which returns -1 with the error set) and
 * returns -1; 0 at the end.  Record numbers in messages count per input file. */
typedef int (*sr_record_fn)(sr_record *rec, void *ctx);
int sr_for_each_record(int npaths, char **paths, sr_record_fn fn, void *ctx);

#endif
