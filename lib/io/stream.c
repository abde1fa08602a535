/* stream.c: the reader (which format is the next record in, per the format table), the
 * writer and the record loop.  See stream.h. */
#include "io/stream.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "io/input.h"

struct sr_reader {
	sr_input *in;
	int failed;   /* a previous call failed: the stream position is unknown */
	long count;   /* records read so far */
	int current;  /* the format whose file continues (its read said 2), or -1 */
	void **state; /* each format's own state, by table index */
};

sr_reader *sr_reader_open(const char *path)
{
	sr_reader *rd = calloc(1, sizeof *rd);
	void **state = calloc((size_t)sr_format_count, sizeof *state);
	if (!rd || !state) {
		free(rd);
		free(state);
		sr_fail("out of memory");
		return NULL;
	}
	if (!(rd->in = sr_input_open(path))) {
		free(rd);
		free(state);
		return NULL;
	}
	rd->state = state;
	rd->current = -1;
	return rd;
}

/* The first format that recognises the head, else the first that might (its reader then
 * says what is wrong), else -1. */
static int probe_formats(sr_input *in)
{
	int maybe = -1;
	for (int i = 0; i < sr_format_count; i++) {
		const sr_format_def *f = sr_formats[i];
		if (!f->read)
			continue;
		size_t n;
		const unsigned char *head = sr_input_peek(in, f->head_bytes, &n);
		int p = n ? f->probe(head, n) : SR_PROBE_NO;
		if (p == SR_PROBE_YES)
			return i;
		if (p == SR_PROBE_MAYBE && maybe < 0)
			maybe = i;
	}
	return maybe;
}

/* Which format reads the next record: -1 with the error set when none does, -2 at a clean
 * end of the input.  Whitespace between records is skipped, as pnm_nextimage does, but
 * only when no format claims it (a binary header may well start with a space). */
static int next_format(sr_reader *rd)
{
	for (;;) {
		int i = probe_formats(rd->in);
		if (i >= 0)
			return i;
		size_t n;
		const unsigned char *head = sr_input_peek(rd->in, 1, &n);
		if (n == 0) {
			if (sr_input_error(rd->in))
				return sr_fail("read error: %s", strerror(errno));
			return -2;
		}
		if (!isspace(head[0]))
			return sr_fail("not a Netpbm image or stemrot tensor record (starts with byte 0x%02x)",
			               head[0]);
		sr_input_getc(rd->in);
	}
}

int sr_reader_next(sr_reader *rd, sr_record *rec)
{
	long n = rd->count + 1;
	if (rd->failed)
		return sr_fail("%s: record %ld: input unusable after an earlier error",
		               sr_input_name(rd->in), n);
	int i = rd->current >= 0 ? rd->current : next_format(rd);
	if (i == -2)
		return 0;
	int r = -1;
	if (i >= 0) {
		sr_format_input fi = {rd->in, sr_input_name(rd->in), n, &rd->state[i]};
		r = sr_formats[i]->read(&fi, rec);
	}
	if (r < 0) {
		rd->failed = 1;
		return sr_fail_context("%s: record %ld", sr_input_name(rd->in), n);
	}
	rd->current = r == 2 ? i : -1;
	rd->count = n;
	return 1;
}

void sr_reader_close(sr_reader *rd)
{
	if (!rd)
		return;
	for (int i = 0; i < sr_format_count; i++)
		if (rd->state[i] && sr_formats[i]->free_state)
			sr_formats[i]->free_state(rd->state[i]);
	free(rd->state);
	sr_input_close(rd->in);
	free(rd);
}

const char *sr_reader_name(const sr_reader *rd) { return sr_input_name(rd->in); }

long sr_reader_count(const sr_reader *rd) { return rd->count; }

/* ---- writing ---- */

int sr_record_write(FILE *out, const sr_record *rec, const sr_write_options *opt)
{
	static const sr_write_options defaults = {.format = SR_FORMAT_TENSOR};
	if (!opt)
		opt = &defaults;
	for (int i = 0; i < sr_format_count; i++)
		if (sr_formats[i]->write && sr_formats[i]->writes == opt->format)
			return sr_formats[i]->write(out, rec, opt);
	return sr_fail("no writer for output format %d", opt->format);
}

/* ---- the loop ---- */

int sr_for_each_record(int npaths, char **paths, sr_record_fn fn, void *ctx)
{
	static char *stdin_only[] = {"-"};
	if (npaths <= 0) {
		npaths = 1;
		paths = stdin_only;
	}
	sr_record rec;
	sr_record_init(&rec);
	int status = 0;
	for (int i = 0; i < npaths && status == 0; i++) {
		sr_reader *rd = sr_reader_open(paths[i]);
		if (!rd) {
			status = -1;
			break;
		}
		int r;
		while ((r = sr_reader_next(rd, &rec)) == 1) {
			if (fn(&rec, ctx) < 0) {
				sr_fail_context("%s: record %ld", sr_reader_name(rd), rd->count);
				r = -1;
				break;
			}
		}
		if (r < 0)
			status = -1;
		sr_reader_close(rd);
	}
	sr_record_free(&rec);
	return status;
}
