/* recio.h: internal to lib: the reader state shared by record.c (dispatch), tensorio.c
 * (STRT tensor records) and pnmio.c (Netpbm in, PAM/PGM out).  Not part of the contract. */
#ifndef SR_RECIO_H
#define SR_RECIO_H

#include <stdio.h>

#include "io/record.h"

struct sr_reader {
	FILE *f;
	char *path;      /* as given; "-" for stdin */
	const char *name;/* for messages: path, or "(stdin)" */
	int owns;        /* close f at the end */
	int failed;      /* a previous call failed: the stream position is unknown */
	long count;      /* records read so far */
	unsigned char *buf;  /* scratch: tensor metadata + stored payload */
	size_t bufcap;
	void *row;       /* libnetpbm tuple row (tuple *), reused */
	int row_width, row_depth;
};

/* The tensor record header size and the shape limit check shared by readers and writers. */
#define SR_TENSOR_HEADER 40
int sr_check_shape(int layout, int views, int height, int width);

/* Each reads one record whose first byte (already peeked, pushed back) is 'S' or 'P'.
 * 1 on success, -1 with a bare message (the caller adds "FILE: record N: "). */
int sr_tensor_read(sr_reader *rd, sr_record *rec);
int sr_pnm_read(sr_reader *rd, sr_record *rec);
void sr_pnm_reader_free(sr_reader *rd);

int sr_tensor_write(FILE *out, const sr_record *rec, int compress);
/* as_pgm: a plain PGM (P5) header instead of PAM; only for one-view records. */
int sr_pam_write(FILE *out, const sr_record *rec, int maxval, int as_pgm);

/* Grows rd->buf to at least n bytes. */
int sr_reader_reserve(sr_reader *rd, size_t n);

#endif
