/* format.h: the format table.  Each stream or file format is one file in lib/io/ that
 * defines one sr_format_def, and one entry in the table in format.c; nothing else knows it.
 *
 * Reading: at the start of each record the reader shows every format, in table order, the
 * head of the input (head_bytes of it, fewer at the end) and lets the first one that
 * recognises it read the record; the head is replayed to that reader (io/input.h), so
 * magic numbers may sit anywhere in the first SR_INPUT_HEAD_MAX bytes and pipes work.
 * A file holding several records (a stack of frames) answers 2 ("more follow") and is
 * called again, without probing, for the next one.  State a format keeps between calls
 * (scratch buffers, the header of a stack) lives behind its own opaque pointer, one per
 * input, freed by free_state. */
#ifndef SR_FORMAT_H
#define SR_FORMAT_H

#include <stdio.h>

#include "io/input.h"
#include "io/record.h"

/* The formats records can be written in. */
enum sr_format { SR_FORMAT_TENSOR = 0, SR_FORMAT_PAM = 1 };

typedef struct {
	int format;   /* enum sr_format */
	int compress; /* tensor: zlib-compress the payload */
	int maxval;   /* PAM: 0 = the record's maxval key if any, else 65535 */
	/* PAM: a fixed sample map (io/netpbm.h) when map_set, else STEMROT_PAM_MAP's, else the
	 * automatic one */
	int map_set;
	double map_offset, map_step;
} sr_write_options;

/* What a probe says about the head of the input. */
enum sr_probe {
	SR_PROBE_NO = 0,    /* not this format */
	SR_PROBE_MAYBE = 1, /* starts like it but is not it: its reader says best what is wrong,
	                     * if no other format recognises the input */
	SR_PROBE_YES = 2    /* this format's signature */
};

/* The input being read, for a format's read function. */
typedef struct {
	sr_input *in;
	const char *name; /* the input's name for metadata and messages ("(stdin)" for "-") */
	long record;      /* the number of the record being read in this input, from 1 */
	void **state;     /* the format's own state for this input: NULL on the first call */
} sr_format_input;

typedef struct {
	const char *name;  /* for messages and man pages, e.g. "MRC" */
	size_t head_bytes; /* how much of the head its probe looks at (<= SR_INPUT_HEAD_MAX) */
	/* enum sr_probe for the first n bytes of a record (n < head_bytes near the end). */
	int (*probe)(const unsigned char *head, size_t n);
	/* Reads one record into rec (shape, samples and metadata replaced): 1, or 2 when more
	 * records of the same file follow; -1 with a bare message (the reader adds "FILE:
	 * record N: ").  NULL for a write-only format. */
	int (*read)(sr_format_input *fi, sr_record *rec);
	/* Writes one record; -1 with the error set.  NULL for a read-only format. */
	int (*write)(FILE *out, const sr_record *rec, const sr_write_options *opt);
	int writes;        /* the enum sr_format it writes, when write is set */
	void (*free_state)(void *state); /* NULL when the format keeps none */
} sr_format_def;

/* The table, in probing order. */
extern const sr_format_def *const sr_formats[];
extern const int sr_format_count;

#endif
