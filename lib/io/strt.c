/* strt.c: the stemrot tensor record ("STRT", version 1), read and written byte by byte
 * in little-endian order whatever the host.  Layout in stemrot-stream(5):
 *
 *   0 magic "STRT"  4 u16 version  6 u8 dtype  7 u8 flags  8 u8 layout  9 u8 rank
 *  10 u16 reserved  12 u32 dims[3]  24 u32 meta_len  28 u64 payload_len  36 u32 header CRC
 *  40 metadata text, payload, u32 CRC of (metadata text, stored payload). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/err.h"
#include "core/limits.h"
#include "io/format.h"

#define HEADER_BYTES 40
#define VERSION 1
#define DTYPE_F32 1
#define FLAG_ZLIB 1

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* zlib's crc32 takes a uInt length; feed large buffers in pieces. */
static uLong crc_add(uLong crc, const unsigned char *p, size_t n)
{
	while (n > 0) {
		uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
		crc = crc32(crc, p, k);
		p += k;
		n -= k;
	}
	return crc;
}

/* Profiles: rank 2 (views, length) for one profile a view, as before several were possible;
 * rank 3 (views, P, length) for P >= 2, so that each record has one encoding. */
static int rank_of(int layout, int height)
{
	return layout == SR_LAYOUT_IMAGE ? 3 : layout == SR_LAYOUT_PROFILE ? (height > 1 ? 3 : 2) : 1;
}

/* Float samples <-> little-endian bytes. */
static void floats_to_le(unsigned char *dst, const float *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, src + i, 4);
		put32(dst + 4 * i, u);
	}
}

static void le_to_floats(float *dst, const unsigned char *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t u = get32(src + 4 * i);
		memcpy(dst + i, &u, 4);
	}
}

static int short_read(sr_input *in, const char *what, size_t want, size_t got)
{
	if (sr_input_error(in))
		return sr_fail("read error in %s: %s", what, strerror(errno));
	return sr_fail("truncated tensor record (expected %zu %s bytes, got %zu)", want, what, got);
}

/* The reader's state: scratch for the metadata text and the stored payload, kept from
 * record to record. */
typedef struct {
	unsigned char *buf;
	size_t cap;
} scratch;

static void free_scratch(void *state)
{
	scratch *s = state;
	free(s->buf);
	free(s);
}

static unsigned char *reserve(void **state, size_t n)
{
	scratch *s = *state;
	if (!s && !(s = *state = calloc(1, sizeof *s))) {
		sr_fail("out of memory");
		return NULL;
	}
	if (n > s->cap) {
		unsigned char *b = realloc(s->buf, n);
		if (!b) {
			sr_fail("out of memory for %zu bytes", n);
			return NULL;
		}
		s->buf = b;
		s->cap = n;
	}
	return s->buf;
}

static int probe(const unsigned char *head, size_t n)
{
	if (n >= 4 && memcmp(head, "STRT", 4) == 0)
		return SR_PROBE_YES;
	/* Anything else starting with 'S' gets the tensor reader's message (bad magic, or
	 * truncated), as it did before formats were probed. */
	return head[0] == 'S' ? SR_PROBE_MAYBE : SR_PROBE_NO;
}

static int read_tensor(sr_format_input *fi, sr_record *rec)
{
	sr_input *in = fi->in;
	unsigned char h[HEADER_BYTES];
	size_t got = sr_input_read(in, h, sizeof h);
	if (got >= 4 && memcmp(h, "STRT", 4) != 0)
		return sr_fail("bad magic (expected \"STRT\", got bytes %02x %02x %02x %02x)", h[0], h[1],
		               h[2], h[3]);
	if (got < sizeof h)
		return short_read(in, "header", sizeof h, got);
	unsigned version = (unsigned)h[4] | (unsigned)h[5] << 8;
	if (version != VERSION)
		return sr_fail("unsupported tensor version %u (this reader knows version %d)", version,
		               VERSION);
	if (get32(h + 36) != (uint32_t)crc_add(crc32(0, NULL, 0), h, 36))
		return sr_fail("CRC mismatch in tensor record header");
	unsigned dtype = h[6], flags = h[7], layout = h[8], rank = h[9];
	if (dtype != DTYPE_F32)
		return sr_fail("unsupported dtype %u (only 1 = float32)", dtype);
	if (flags & ~(unsigned)FLAG_ZLIB)
		return sr_fail("unknown flags 0x%02x", flags);
	if (h[10] || h[11])
		return sr_fail("reserved header bytes are not zero");
	if (layout < 1 || layout > 3)
		return sr_fail("unknown layout %u (1 image, 2 profile, 3 vector)", layout);
	if (rank != (unsigned)rank_of((int)layout, 1) &&
	    !(layout == SR_LAYOUT_PROFILE && rank == 3))
		return sr_fail("rank %u does not match layout %u (want %d)", rank, layout,
		               rank_of((int)layout, 1));
	uint32_t d[3] = {get32(h + 12), get32(h + 16), get32(h + 20)};
	for (unsigned i = rank; i < 3; i++)
		if (d[i] != 1)
			return sr_fail("unused dimension %u is %lu, not 1", i, (unsigned long)d[i]);
	uint32_t views, height, width;
	if (layout == SR_LAYOUT_IMAGE)
		views = d[0], height = d[1], width = d[2];
	else if (layout == SR_LAYOUT_PROFILE && rank == 3)
		views = d[0], height = d[1], width = d[2];
	else if (layout == SR_LAYOUT_PROFILE)
		views = d[0], height = 1, width = d[1];
	else
		views = 1, height = 1, width = d[0];
	if (layout == SR_LAYOUT_PROFILE && rank == 3 && (height < 2 || height > SR_MAX_PROFILES))
		return sr_fail("a rank-3 profile record holds 2..%d profiles a view, not %lu",
		               SR_MAX_PROFILES, (unsigned long)height);
	/* Check each dimension on its own before any product is formed. */
	if (views < 1 || views > SR_MAX_VIEWS || height < 1 || height > SR_MAX_DIM || width < 1 ||
	    width > SR_MAX_DIM)
		return sr_fail("absurd dimensions %lu x %lu x %lu (limits: views 1..%d, sizes 1..%d)",
		               (unsigned long)views, (unsigned long)height, (unsigned long)width,
		               SR_MAX_VIEWS, SR_MAX_DIM);
	const sr_limits *lim = sr_limits_get();
	if (!lim)
		return -1;
	if ((uint64_t)views * height * width > (uint64_t)lim->samples)
		return sr_fail("%lu x %lu x %lu samples is more than the limit of %lld (samples; see "
		               "STEMROT_LIMITS in stemrot-stream(5))", (unsigned long)views,
		               (unsigned long)height, (unsigned long)width, lim->samples);
	size_t samples = (size_t)views * height * width, raw = 4 * samples;
	uint32_t meta_len = get32(h + 24);
	uint64_t payload_len = get64(h + 28);
	if (meta_len > lim->meta_bytes)
		return sr_fail("metadata length %lu exceeds the limit of %lld bytes (meta-bytes; "
		               "see STEMROT_LIMITS in stemrot-stream(5))", (unsigned long)meta_len,
		               lim->meta_bytes);
	if (flags & FLAG_ZLIB) {
		if (payload_len > compressBound((uLong)raw))
			return sr_fail("compressed payload length %llu is impossible for %zu samples",
			               (unsigned long long)payload_len, samples);
	} else if (payload_len != raw) {
		return sr_fail("payload length %llu does not match %zu float32 samples (%zu bytes)",
		               (unsigned long long)payload_len, samples, raw);
	}
	/* Sizes are now trusted and bounded: read metadata and stored payload into scratch. */
	size_t mlen = meta_len, plen = (size_t)payload_len;
	unsigned char *mbuf = reserve(fi->state, mlen + plen + 4), *pbuf;
	if (!mbuf)
		return -1;
	pbuf = mbuf + mlen;
	if ((got = sr_input_read(in, mbuf, mlen)) < mlen)
		return short_read(in, "metadata", mlen, got);
	if ((got = sr_input_read(in, pbuf, plen)) < plen)
		return short_read(in, "payload", plen, got);
	unsigned char c[4];
	if ((got = sr_input_read(in, c, 4)) < 4)
		return short_read(in, "CRC", 4, got);
	uLong crc = crc_add(crc_add(crc32(0, NULL, 0), mbuf, mlen), pbuf, plen);
	if (get32(c) != (uint32_t)crc)
		return sr_fail("CRC mismatch in payload");
	if (sr_record_reshape(rec, (int)layout, (int)views, (int)height, (int)width) < 0)
		return -1;
	sr_meta_clear(&rec->meta);
	if (sr_meta_parse(&rec->meta, (const char *)mbuf, mlen) < 0)
		return sr_fail_context("bad metadata");
	if (flags & FLAG_ZLIB) {
		/* Inflate straight into the sample buffer (as bytes), then fix the byte order in
		 * place on a big-endian host.  Both sizes are below 2^32 (raw <= 2^31 bytes at the samples ceiling), so
		 * one inflate call does it; the output must fill the buffer exactly. */
		unsigned char *out = (unsigned char *)rec->data;
		z_stream z;
		memset(&z, 0, sizeof z);
		if (inflateInit(&z) != Z_OK)
			return sr_fail("zlib: cannot initialise");
		z.next_in = pbuf;
		z.avail_in = (uInt)plen;
		z.next_out = out;
		z.avail_out = (uInt)raw;
		int zr = inflate(&z, Z_FINISH);
		size_t out_done = raw - z.avail_out, in_left = z.avail_in;
		inflateEnd(&z);
		/* Z_BUF_ERROR: out of input (the stream is cut short) or out of room (it holds
		 * more than the shape says). */
		if (zr == Z_BUF_ERROR && in_left == 0)
			return sr_fail("corrupt zlib data: stream ends early (%zu of %zu bytes)", out_done, raw);
		if (zr == Z_BUF_ERROR)
			return sr_fail("corrupt zlib data: decompresses to more than %zu bytes", raw);
		if (zr != Z_STREAM_END)
			return sr_fail("corrupt zlib data in payload");
		if (out_done != raw)
			return sr_fail("corrupt zlib data: decompresses to %zu bytes, expected %zu", out_done,
			               raw);
		if (in_left != 0)
			return sr_fail("corrupt zlib data: %zu stray bytes after the zlib stream", in_left);
		uint32_t probe = 1;
		unsigned char first;
		memcpy(&first, &probe, 1);
		if (!first) /* big-endian host */
			le_to_floats(rec->data, out, samples);
	} else {
		le_to_floats(rec->data, pbuf, samples);
	}
	return 1;
}

static int write_all(FILE *out, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, out) != n)
		return sr_fail("write error: %s", strerror(errno));
	return 0;
}

static int write_tensor(FILE *out, const sr_record *rec, const sr_write_options *opt)
{
	int compress = opt->compress;
	if (sr_check_shape(rec->layout, rec->views, rec->height, rec->width) < 0)
		return sr_fail_context("cannot write record");
	size_t samples = sr_record_size(rec), raw = 4 * samples, mlen;
	char *meta = sr_meta_format(&rec->meta, &mlen);
	if (!meta)
		return -1;
	if (mlen > SR_META_MAX_TEXT) {
		free(meta);
		return sr_fail("metadata is %zu bytes, more than the limit of %d", mlen, SR_META_MAX_TEXT);
	}
	unsigned char *le = malloc(raw), *z = NULL;
	if (!le) {
		free(meta);
		return sr_fail("out of memory");
	}
	floats_to_le(le, rec->data, samples);
	const unsigned char *payload = le;
	size_t plen = raw;
	if (compress) {
		uLongf zlen = compressBound((uLong)raw);
		z = malloc(zlen);
		if (!z || compress2(z, &zlen, le, (uLong)raw, 6) != Z_OK) {
			free(meta);
			free(le);
			free(z);
			return sr_fail("zlib: compression failed");
		}
		payload = z;
		plen = zlen;
	}
	unsigned char h[HEADER_BYTES] = {'S', 'T', 'R', 'T', VERSION, 0, DTYPE_F32};
	h[7] = compress ? FLAG_ZLIB : 0;
	h[8] = (unsigned char)rec->layout;
	h[9] = (unsigned char)rank_of(rec->layout, rec->height);
	uint32_t d[3] = {1, 1, 1};
	if (rec->layout == SR_LAYOUT_IMAGE)
		d[0] = (uint32_t)rec->views, d[1] = (uint32_t)rec->height, d[2] = (uint32_t)rec->width;
	else if (rec->layout == SR_LAYOUT_PROFILE && rec->height > 1)
		d[0] = (uint32_t)rec->views, d[1] = (uint32_t)rec->height, d[2] = (uint32_t)rec->width;
	else if (rec->layout == SR_LAYOUT_PROFILE)
		d[0] = (uint32_t)rec->views, d[1] = (uint32_t)rec->width;
	else
		d[0] = (uint32_t)rec->width;
	for (int i = 0; i < 3; i++)
		put32(h + 12 + 4 * i, d[i]);
	put32(h + 24, (uint32_t)mlen);
	put64(h + 28, (uint64_t)plen);
	put32(h + 36, (uint32_t)crc_add(crc32(0, NULL, 0), h, 36));
	unsigned char c[4];
	put32(c, (uint32_t)crc_add(crc_add(crc32(0, NULL, 0), (unsigned char *)meta, mlen), payload,
	                          plen));
	int r = 0;
	if (write_all(out, h, sizeof h) < 0 || write_all(out, meta, mlen) < 0 ||
	    write_all(out, payload, plen) < 0 || write_all(out, c, 4) < 0)
		r = -1;
	free(meta);
	free(le);
	free(z);
	return r;
}

const sr_format_def sr_format_strt = {
	.name = "stemrot tensor record",
	.head_bytes = 4,
	.probe = probe,
	.read = read_tensor,
	.write = write_tensor,
	.writes = SR_FORMAT_TENSOR,
	.free_state = free_scratch,
};
