/* input.c: the byte source with a replayable head.  See input.h.
 *
 * Bytes peeked but not yet consumed live in head[start .. start + len); reads take them
 * first and then go to the file itself, so large payloads are read straight into their
 * destination.  The head holds at most one probe's worth, plus what a borrowed FILE * read
 * ahead and its user did not consume. */
#define _GNU_SOURCE /* fopencookie: a FILE * over the head and the file, for libnetpbm */
#include "io/input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* A borrowed FILE's buffer, and so the most it reads ahead: large enough that libnetpbm's
 * byte-by-byte reading costs next to nothing. */
#define BORROW_BUF 65536

struct sr_input {
	FILE *f;
	char *path;       /* as given; "-" for stdin */
	const char *name; /* for messages: path, or "(stdin)" */
	int owns;         /* close f at the end */
	unsigned char head[SR_INPUT_HEAD_MAX + BORROW_BUF];
	size_t start, len;
	long long offset;
	/* While a FILE is borrowed: the bytes it was given, and a copy of the last chunk (the
	 * only one that can be partly unconsumed: stdio refills its buffer only when empty). */
	long long lent;
	unsigned char last[BORROW_BUF];
	size_t last_len;
};

sr_input *sr_input_open(const char *path)
{
	if (!path)
		path = "-";
	sr_input *in = calloc(1, sizeof *in);
	if (!in || !(in->path = strdup(path))) {
		free(in);
		sr_fail("out of memory");
		return NULL;
	}
	if (strcmp(path, "-") == 0) {
		in->f = stdin;
		in->name = "(stdin)";
	} else {
		in->f = fopen(path, "rb");
		in->name = in->path;
		in->owns = 1;
		if (!in->f) {
			sr_fail("%s: %s", path, strerror(errno));
			free(in->path);
			free(in);
			return NULL;
		}
	}
	return in;
}

void sr_input_close(sr_input *in)
{
	if (!in)
		return;
	if (in->owns && in->f)
		fclose(in->f);
	free(in->path);
	free(in);
}

const char *sr_input_name(const sr_input *in) { return in->name; }

int sr_input_error(const sr_input *in) { return ferror(in->f); }

long long sr_input_offset(const sr_input *in) { return in->offset; }

/* fread until n bytes or nothing more (a pipe may deliver less than asked). */
static size_t read_file(FILE *f, unsigned char *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		size_t k = fread(p + got, 1, n - got, f);
		if (k == 0)
			break;
		got += k;
	}
	return got;
}

const unsigned char *sr_input_peek(sr_input *in, size_t n, size_t *got)
{
	if (n > SR_INPUT_HEAD_MAX)
		n = SR_INPUT_HEAD_MAX;
	if (in->len < n) {
		memmove(in->head, in->head + in->start, in->len);
		in->start = 0;
		in->len += read_file(in->f, in->head + in->len, n - in->len);
	}
	*got = in->len < n ? in->len : n;
	return in->head + in->start;
}

size_t sr_input_read(sr_input *in, void *p, size_t n)
{
	size_t from_head = in->len < n ? in->len : n;
	memcpy(p, in->head + in->start, from_head);
	in->start += from_head;
	in->len -= from_head;
	size_t got = from_head + read_file(in->f, (unsigned char *)p + from_head, n - from_head);
	in->offset += (long long)got;
	return got;
}

int sr_input_getc(sr_input *in)
{
	unsigned char c;
	return sr_input_read(in, &c, 1) == 1 ? c : EOF;
}

int sr_input_slurp(sr_input *in, size_t max_bytes, const char *what, unsigned char **buf,
                   size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	unsigned char *b = NULL;
	for (;;) {
		unsigned char *nb = realloc(b, cap);
		if (!nb) {
			free(b);
			return sr_fail("out of memory for %zu bytes", cap);
		}
		b = nb;
		n += sr_input_read(in, b + n, cap - n);
		if (n < cap)
			break; /* the end, or a read error */
		if (cap > max_bytes) {
			free(b);
			return sr_fail("%s is larger than %zu MiB, the most this reader holds in memory",
			               what, max_bytes >> 20);
		}
		cap = cap * 2 > max_bytes ? max_bytes + 1 : cap * 2;
	}
	if (sr_input_error(in)) {
		free(b);
		return sr_fail("read error: %s", strerror(errno));
	}
	*buf = b;
	*len = n;
	return 0;
}

/* ---- the borrowed FILE * ---- */

static ssize_t cookie_read(void *cookie, char *buf, size_t size)
{
	sr_input *in = cookie;
	if (size > BORROW_BUF) /* a short read: stdio asks again */
		size = BORROW_BUF;
	size_t got = sr_input_read(in, buf, size);
	if (got == 0 && sr_input_error(in))
		return -1;
	memcpy(in->last, buf, got);
	in->last_len = got;
	in->lent += (long long)got;
	return (ssize_t)got;
}

/* Only "where are we" (what ftello asks): the bytes handed out so far. */
static int cookie_seek(void *cookie, off64_t *offset, int whence)
{
	sr_input *in = cookie;
	if (whence != SEEK_CUR || *offset != 0)
		return -1;
	*offset = in->lent;
	return 0;
}

FILE *sr_input_borrow_file(sr_input *in)
{
	cookie_io_functions_t io = {cookie_read, NULL, cookie_seek, NULL};
	in->lent = 0;
	in->last_len = 0;
	FILE *f = fopencookie(in, "rb", io);
	if (!f || setvbuf(f, NULL, _IOFBF, BORROW_BUF) != 0) {
		if (f)
			fclose(f);
		sr_fail("%s: cannot make a stream: %s", in->name, strerror(errno));
		return NULL;
	}
	return f;
}

void sr_input_return_file(sr_input *in, FILE *f)
{
	off_t used = ftello(f);
	size_t back = 0;
	if (used >= 0 && used <= in->lent && in->lent - used <= (long long)in->last_len)
		back = (size_t)(in->lent - used);
	/* Put the unconsumed tail of the last chunk in front of the head. */
	if (back > 0) {
		memmove(in->head + back, in->head + in->start, in->len);
		memcpy(in->head, in->last + in->last_len - back, back);
		in->start = 0;
		in->len += back;
		in->offset -= (long long)back;
	}
	fclose(f);
}
