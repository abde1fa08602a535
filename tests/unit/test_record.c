/* Unit tests for lib/io: tensor records round trip bit-exact (with and without zlib, NaN
 * payloads included), multi-record and mixed streams (from files and from pipes, where the
 * probed head must be replayed), PAM round trips with metadata, 16-bit PGM input, and every
 * bad-input case giving one message that names the file and record. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "check_main.h"
#include "core/err.h"
#include "io/input.h"
#include "io/netpbm.h"
#include "io/stream.h"

/* ---- helpers ---- */

static char tmpl[64];

/* Writes bytes to a fresh temporary file; returns its path (static). */
static const char *to_file(const void *p, size_t n)
{
	strcpy(tmpl, "/tmp/test_record.XXXXXX");
	int fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "wb");
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	fclose(f);
	return tmpl;
}

/* Serialises records into a malloc'd buffer. */
typedef struct {
	char *buf;
	size_t len;
} membuf;

static membuf write_records(const sr_record *recs, int n, const sr_write_options *opt)
{
	membuf m = {NULL, 0};
	FILE *f = open_memstream(&m.buf, &m.len);
	for (int i = 0; i < n; i++)
		ck_assert_msg(sr_record_write(f, &recs[i], opt) == 0, "write: %s", sr_errmsg());
	fclose(f);
	return m;
}

/* Reads every record of a buffer: returns the number read before the end (>= 0) or before
 * the error (as -1 - count); the last record read is left in *last. */
static int read_all(const void *p, size_t n, sr_record *last)
{
	sr_reader *rd = sr_reader_open(to_file(p, n));
	ck_assert_ptr_nonnull(rd);
	int r, count = 0;
	while ((r = sr_reader_next(rd, last)) == 1)
		count++;
	ck_assert_int_eq(sr_reader_count(rd), count);
	sr_reader_close(rd);
	unlink(tmpl);
	return r < 0 ? -1 - count : count;
}

static void fill(sr_record *rec, int layout, int views, int h, int w, uint32_t seed)
{
	ck_assert_int_eq(sr_record_reshape(rec, layout, views, h, w), 0);
	size_t n = sr_record_size(rec);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		rec->data[i] = (float)((seed >> 8) % 100000) / 7.0f - 3000.0f;
	}
	sr_meta_clear(&rec->meta);
	sr_meta_set(&rec->meta, "id", "test:%u", seed % 1000);
	sr_meta_set(&rec->meta, "shape", "polygon");
	sr_meta_set_double(&rec->meta, "theta", 12.345);
}

static void assert_same(const sr_record *a, const sr_record *b)
{
	ck_assert_int_eq(a->layout, b->layout);
	ck_assert_int_eq(a->views, b->views);
	ck_assert_int_eq(a->height, b->height);
	ck_assert_int_eq(a->width, b->width);
	ck_assert(memcmp(a->data, b->data, sr_record_size(a) * 4) == 0); /* bit-exact */
	char *ta = sr_meta_format(&a->meta, NULL), *tb = sr_meta_format(&b->meta, NULL);
	ck_assert_str_eq(ta, tb);
	free(ta);
	free(tb);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Recomputes the header CRC (after a deliberate edit of the header). */
static void fix_header_crc(unsigned char *p)
{
	put_le32(p + 36, (uint32_t)crc32(0, p, 36));
}

/* Recomputes the trailing CRC of a one-record buffer. */
static void fix_payload_crc(unsigned char *p, size_t len)
{
	put_le32(p + len - 4, (uint32_t)crc32(0, p + 40, (uInt)(len - 44)));
}

/* Expects reading the buffer to fail at record `at` (1-based) with a message containing
 * `what`, prefixed by "FILE: record N: ". */
static void expect_error(const void *p, size_t n, int at, const char *what)
{
	sr_record rec;
	sr_record_init(&rec);
	int r = read_all(p, n, &rec);
	ck_assert_msg(r == -at, "expected failure at record %d, got %d (%s)", at, r, sr_errmsg());
	char prefix[128];
	snprintf(prefix, sizeof prefix, "%s: record %d: ", tmpl, at);
	ck_assert_msg(strncmp(sr_errmsg(), prefix, strlen(prefix)) == 0, "prefix: '%s'", sr_errmsg());
	ck_assert_msg(strstr(sr_errmsg(), what), "want '%s' in '%s'", what, sr_errmsg());
	ck_assert_ptr_null(strchr(sr_errmsg(), '\n'));
	sr_record_free(&rec);
}

/* ---- tensor round trips ---- */

START_TEST(tensor_round_trip_bit_exact)
{
	sr_record in[3], out;
	for (int i = 0; i < 3; i++)
		sr_record_init(&in[i]);
	sr_record_init(&out);
	fill(&in[0], SR_LAYOUT_IMAGE, 2, 17, 33, 1);
	fill(&in[1], SR_LAYOUT_PROFILE, 2, 1, 64, 2);
	fill(&in[2], SR_LAYOUT_VECTOR, 1, 1, 5, 3);
	/* Special values and NaN payload bits must survive unchanged. */
	static const uint32_t special[] = {0x7fc00001u, 0xffc12345u, 0x7f800001u, 0x7f800000u,
	                                   0xff800000u, 0x80000000u, 0x00000001u, 0x7f7fffffu};
	for (size_t i = 0; i < sizeof special / sizeof *special; i++)
		memcpy(&in[0].data[i], &special[i], 4);
	for (int compress = 0; compress <= 1; compress++) {
		sr_write_options opt = {.format = SR_FORMAT_TENSOR, .compress = compress};
		membuf m = write_records(in, 3, &opt);
		ck_assert(memcmp(m.buf, "STRT", 4) == 0);
		ck_assert_int_eq(m.buf[7], compress);
		sr_reader *rd = sr_reader_open(to_file(m.buf, m.len));
		for (int i = 0; i < 3; i++) {
			ck_assert_int_eq(sr_reader_next(rd, &out), 1);
			assert_same(&in[i], &out);
		}
		ck_assert_int_eq(sr_reader_next(rd, &out), 0);
		ck_assert_int_eq(sr_reader_next(rd, &out), 0); /* end stays end */
		sr_reader_close(rd);
		unlink(tmpl);
		/* A compressed and an uncompressed stream concatenated is a stream too. */
		if (compress) {
			sr_write_options plain = {.format = SR_FORMAT_TENSOR};
			membuf m2 = write_records(in, 3, &plain);
			char *both = malloc(m.len + m2.len);
			memcpy(both, m.buf, m.len);
			memcpy(both + m.len, m2.buf, m2.len);
			ck_assert_int_eq(read_all(both, m.len + m2.len, &out), 6);
			assert_same(&in[2], &out);
			free(both);
			free(m2.buf);
		}
		free(m.buf);
	}
	for (int i = 0; i < 3; i++)
		sr_record_free(&in[i]);
	sr_record_free(&out);
}
END_TEST

/* Several profiles a view (project1d --angles): rank 3 (views, P, length) in tensor records,
 * a PAM of height P; one profile a view stays rank 2; a rank-3 profile of height 1 (a second
 * encoding of the rank-2 record) and more than SR_MAX_PROFILES are refused. */
START_TEST(multi_profile_records)
{
	sr_record in, out;
	sr_record_init(&in);
	sr_record_init(&out);
	fill(&in, SR_LAYOUT_PROFILE, 2, 3, 20, 5);
	membuf m = write_records(&in, 1, NULL);
	unsigned char *p = (unsigned char *)m.buf;
	ck_assert_int_eq(p[9], 3);
	ck_assert_int_eq(le32(p + 12), 2);
	ck_assert_int_eq(le32(p + 16), 3);
	ck_assert_int_eq(le32(p + 20), 20);
	ck_assert_int_eq(read_all(m.buf, m.len, &out), 1);
	assert_same(&in, &out);
	put_le32(p + 16, 1); /* height 1 with rank 3 */
	put_le32(p + 20, 60);
	fix_header_crc(p);
	expect_error(m.buf, m.len, 1, "2..16 profiles");
	put_le32(p + 16, 17);
	put_le32(p + 20, 1);
	fix_header_crc(p);
	expect_error(m.buf, m.len, 1, "2..16 profiles");
	free(m.buf);
	sr_write_options opt = {.format = SR_FORMAT_PAM};
	m = write_records(&in, 1, &opt);
	ck_assert_ptr_nonnull(strstr(m.buf, "HEIGHT 3\n"));
	ck_assert_int_eq(read_all(m.buf, m.len, &out), 1);
	ck_assert_int_eq(out.layout, SR_LAYOUT_PROFILE);
	ck_assert_int_eq(out.height, 3);
	ck_assert_int_eq(out.width, 20);
	free(m.buf);
	ck_assert_int_lt(sr_record_reshape(&out, SR_LAYOUT_PROFILE, 1, SR_MAX_PROFILES + 1, 4), 0);
	ck_assert_int_lt(sr_record_reshape(&out, SR_LAYOUT_VECTOR, 1, 2, 4), 0);
	sr_record_free(&in);
	sr_record_free(&out);
}
END_TEST

/* The header bytes follow the spec (offsets, little-endian, CRC). */
START_TEST(tensor_header_layout)
{
	sr_record rec;
	sr_record_init(&rec);
	fill(&rec, SR_LAYOUT_PROFILE, 2, 1, 10, 9);
	sr_meta_clear(&rec.meta);
	sr_meta_set(&rec.meta, "id", "p");
	membuf m = write_records(&rec, 1, NULL);
	unsigned char *p = (unsigned char *)m.buf;
	ck_assert_uint_eq(m.len, 40 + 5 + 80 + 4);
	ck_assert_int_eq(p[4] | p[5] << 8, 1); /* version */
	ck_assert_int_eq(p[6], 1);              /* float32 */
	ck_assert_int_eq(p[7], 0);              /* flags */
	ck_assert_int_eq(p[8], SR_LAYOUT_PROFILE);
	ck_assert_int_eq(p[9], 2); /* rank */
	ck_assert_int_eq(le32(p + 12), 2);
	ck_assert_int_eq(le32(p + 16), 10);
	ck_assert_int_eq(le32(p + 20), 1);
	ck_assert_int_eq(le32(p + 24), 5);
	ck_assert_int_eq(le32(p + 28), 80);
	ck_assert_int_eq(le32(p + 32), 0);
	ck_assert_uint_eq(le32(p + 36), crc32(0, p, 36));
	ck_assert(memcmp(p + 40, "id=p\n", 5) == 0);
	float f;
	memcpy(&f, p + 45, 4); /* little-endian host */
	ck_assert(f == rec.data[0]);
	ck_assert_uint_eq(le32(p + m.len - 4), crc32(0, p + 40, 85));
	free(m.buf);
	sr_record_free(&rec);
}
END_TEST

START_TEST(empty_and_whitespace_input)
{
	sr_record rec;
	sr_record_init(&rec);
	ck_assert_int_eq(read_all("", 0, &rec), 0);
	ck_assert_int_eq(read_all("\n \t\n", 4, &rec), 0);
	sr_record_free(&rec);
}
END_TEST

/* ---- bad tensor input ---- */

static membuf good_record(int compress)
{
	sr_record rec;
	sr_record_init(&rec);
	fill(&rec, SR_LAYOUT_IMAGE, 1, 8, 8, 4);
	sr_write_options opt = {.format = SR_FORMAT_TENSOR, .compress = compress};
	membuf m = write_records(&rec, 1, &opt);
	sr_record_free(&rec);
	return m;
}

START_TEST(bad_magic_version_flags)
{
	membuf m = good_record(0);
	unsigned char *p = (unsigned char *)m.buf;
	p[3] = 'X';
	expect_error(p, m.len, 1, "bad magic");
	p[3] = 'T';
	p[4] = 2;
	fix_header_crc(p);
	expect_error(p, m.len, 1, "unsupported tensor version 2");
	p[4] = 1;
	p[6] = 2;
	fix_header_crc(p);
	expect_error(p, m.len, 1, "unsupported dtype 2");
	p[6] = 1;
	p[7] = 4;
	fix_header_crc(p);
	expect_error(p, m.len, 1, "unknown flags");
	p[7] = 0;
	p[8] = 7;
	fix_header_crc(p);
	expect_error(p, m.len, 1, "unknown layout 7");
	p[8] = 1;
	p[9] = 2;
	fix_header_crc(p);
	expect_error(p, m.len, 1, "rank 2 does not match layout 1");
	p[9] = 3;
	p[10] = 1;
	fix_header_crc(p);
	expect_error(p, m.len, 1, "reserved");
	free(m.buf);
}
END_TEST

START_TEST(header_crc_mismatch)
{
	membuf m = good_record(0);
	m.buf[16] ^= 1; /* height, without fixing the CRC */
	expect_error(m.buf, m.len, 1, "CRC mismatch in tensor record header");
	free(m.buf);
}
END_TEST

START_TEST(truncations)
{
	membuf m = good_record(0);
	size_t meta_len = le32((unsigned char *)m.buf + 24);
	expect_error(m.buf, 3, 1, "truncated tensor record (expected 40 header bytes, got 3)");
	expect_error(m.buf, 20, 1, "truncated tensor record (expected 40 header bytes, got 20)");
	expect_error(m.buf, 40 + 2, 1, "expected");
	expect_error(m.buf, 40 + 2, 1, "metadata bytes, got 2");
	expect_error(m.buf, 40 + meta_len + 10, 1, "(expected 256 payload bytes, got 10)");
	expect_error(m.buf, m.len - 1, 1, "(expected 4 CRC bytes, got 3)");
	/* a good record then a truncated one: the first is still read */
	char *two = malloc(2 * m.len);
	memcpy(two, m.buf, m.len);
	memcpy(two + m.len, m.buf, m.len);
	expect_error(two, 2 * m.len - 100, 2, "payload bytes");
	free(two);
	free(m.buf);
}
END_TEST

START_TEST(payload_crc_and_zlib)
{
	membuf m = good_record(0);
	m.buf[m.len - 10] ^= 0x40;
	expect_error(m.buf, m.len, 1, "CRC mismatch in payload");
	free(m.buf);
	m = good_record(0);
	m.buf[42] ^= 0x01; /* metadata text is covered too */
	expect_error(m.buf, m.len, 1, "CRC mismatch in payload");
	free(m.buf);

	m = good_record(1);
	unsigned char *p = (unsigned char *)m.buf;
	size_t meta_len = le32(p + 24);
	p[40 + meta_len + 6] ^= 0xff; /* inside the deflate stream */
	fix_payload_crc(p, m.len);
	expect_error(p, m.len, 1, "corrupt zlib data");
	free(m.buf);

	/* A valid zlib stream of the wrong size. */
	unsigned char raw[300] = {0}, z[600];
	uLongf zl = sizeof z;
	ck_assert_int_eq(compress2(z, &zl, raw, 200, 6), Z_OK);
	m = good_record(1);
	p = (unsigned char *)m.buf;
	meta_len = le32(p + 24);
	unsigned char *q = malloc(40 + meta_len + sizeof z + 4);
	memcpy(q, p, 40 + meta_len);
	memcpy(q + 40 + meta_len, z, zl);
	put_le32(q + 28, (uint32_t)zl);
	fix_header_crc(q);
	fix_payload_crc(q, 40 + meta_len + zl + 4);
	expect_error(q, 40 + meta_len + zl + 4, 1, "corrupt zlib data: decompresses to 200 bytes, expected 256");
	zl = sizeof z;
	ck_assert_int_eq(compress2(z, &zl, raw, 300, 6), Z_OK);
	memcpy(q + 40 + meta_len, z, zl);
	put_le32(q + 28, (uint32_t)zl);
	fix_header_crc(q);
	fix_payload_crc(q, 40 + meta_len + zl + 4);
	expect_error(q, 40 + meta_len + zl + 4, 1, "decompresses to more than 256 bytes");
	/* a deflate stream cut short */
	zl = sizeof z;
	ck_assert_int_eq(compress2(z, &zl, raw, 256, 6), Z_OK);
	zl -= 6;
	memcpy(q + 40 + meta_len, z, zl);
	put_le32(q + 28, (uint32_t)zl);
	fix_header_crc(q);
	fix_payload_crc(q, 40 + meta_len + zl + 4);
	expect_error(q, 40 + meta_len + zl + 4, 1, "corrupt zlib data: stream ends early");
	/* stray bytes after a complete stream */
	zl = sizeof z;
	ck_assert_int_eq(compress2(z, &zl, raw, 256, 6), Z_OK);
	z[zl++] = 0;
	memcpy(q + 40 + meta_len, z, zl);
	put_le32(q + 28, (uint32_t)zl);
	fix_header_crc(q);
	fix_payload_crc(q, 40 + meta_len + zl + 4);
	expect_error(q, 40 + meta_len + zl + 4, 1, "1 stray bytes after the zlib stream");
	free(q);
	free(m.buf);
}
END_TEST

START_TEST(absurd_sizes_rejected_before_allocation)
{
	static const struct {
		uint32_t d0, d1, d2;
		const char *msg;
	} cases[] = {
		{1, 100000, 8, "absurd dimensions"},
		{17, 8, 8, "absurd dimensions"},
		{0, 8, 8, "absurd dimensions"},
		{1, 0xffffffffu, 0xffffffffu, "absurd dimensions"},
		{16, 65536, 65536, "more than the limit"},
		{1, 8193, 8192, "more than the limit"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		membuf m = good_record(0);
		unsigned char *p = (unsigned char *)m.buf;
		put_le32(p + 12, cases[i].d0);
		put_le32(p + 16, cases[i].d1);
		put_le32(p + 20, cases[i].d2);
		fix_header_crc(p);
		expect_error(p, m.len, 1, cases[i].msg);
		free(m.buf);
	}
	membuf m = good_record(0);
	unsigned char *p = (unsigned char *)m.buf;
	put_le32(p + 24, SR_META_MAX_TEXT + 1);
	fix_header_crc(p);
	expect_error(p, m.len, 1, "metadata length 1048577 exceeds the limit");
	put_le32(p + 24, 0xffffffffu);
	fix_header_crc(p);
	expect_error(p, m.len, 1, "exceeds the limit");
	free(m.buf);
	m = good_record(0);
	p = (unsigned char *)m.buf;
	put_le32(p + 32, 1); /* payload_len 2^32 + 256 */
	fix_header_crc(p);
	expect_error(p, m.len, 1, "does not match 64 float32 samples");
	free(m.buf);
	m = good_record(1);
	p = (unsigned char *)m.buf;
	put_le32(p + 28, 0xfffffff0u);
	put_le32(p + 32, 0xffffffffu);
	fix_header_crc(p);
	expect_error(p, m.len, 1, "impossible for 64 samples");
	free(m.buf);
}
END_TEST

START_TEST(bad_metadata_text)
{
	sr_record rec;
	sr_record_init(&rec);
	fill(&rec, SR_LAYOUT_VECTOR, 1, 1, 3, 1);
	membuf m = write_records(&rec, 1, NULL);
	unsigned char *p = (unsigned char *)m.buf;
	ck_assert(memcmp(p + 40, "id=", 3) == 0);
	p[42] = ':'; /* "id:..." : no '=' on line 1 */
	fix_payload_crc(p, m.len);
	expect_error(p, m.len, 1, "bad metadata: metadata line 1: no '='");
	free(m.buf);
	sr_record_free(&rec);
}
END_TEST

START_TEST(garbage_and_mixed_streams)
{
	expect_error("hello", 5, 1, "not a Netpbm image or stemrot tensor record (starts with byte 0x68)");
	expect_error("\n\x01", 2, 1, "(starts with byte 0x01)");
	/* PGM, then tensor, then PGM: all read, each as what it is */
	sr_record rec;
	sr_record_init(&rec);
	fill(&rec, SR_LAYOUT_IMAGE, 2, 3, 4, 1);
	membuf t = write_records(&rec, 1, NULL);
	const char pgm[] = "P2\n2 1\n9\n1 2\n";
	size_t lp = strlen(pgm);
	char *s = malloc(2 * lp + t.len);
	memcpy(s, pgm, lp);
	memcpy(s + lp, t.buf, t.len);
	memcpy(s + lp + t.len, pgm, lp);
	sr_reader *rd = sr_reader_open(to_file(s, 2 * lp + t.len));
	sr_record out;
	sr_record_init(&out);
	ck_assert_int_eq(sr_reader_next(rd, &out), 1);
	ck_assert_int_eq(out.width, 2);
	ck_assert(out.data[1] == 2);
	ck_assert_int_eq(sr_reader_next(rd, &out), 1);
	assert_same(&rec, &out);
	ck_assert_int_eq(sr_reader_next(rd, &out), 1);
	char want[96];
	snprintf(want, sizeof want, "%s:3", tmpl);
	ck_assert_str_eq(sr_meta_get(&out.meta, "id"), want);
	ck_assert_str_eq(sr_meta_get(&out.meta, "maxval"), "9");
	ck_assert_int_eq(sr_reader_next(rd, &out), 0);
	sr_reader_close(rd);
	unlink(tmpl);
	/* Trailing garbage after good records: records 1..2 read, error names record 3 */
	memcpy(s + lp + t.len, "junk", 4);
	expect_error(s, lp + t.len + 4, 3, "starts with byte 0x6a");
	free(s);
	free(t.buf);
	sr_record_free(&rec);
	sr_record_free(&out);
}
END_TEST

/* ---- Netpbm input ---- */

START_TEST(pgm_16bit_exact)
{
	unsigned char img[64] = "P5\n4 1\n65535\n";
	size_t h = strlen((char *)img);
	static const unsigned vals[] = {0, 1, 256, 65535};
	for (int i = 0; i < 4; i++) {
		img[h + 2 * i] = (unsigned char)(vals[i] >> 8);
		img[h + 2 * i + 1] = (unsigned char)vals[i];
	}
	sr_record rec;
	sr_record_init(&rec);
	ck_assert_int_eq(read_all(img, h + 8, &rec), 1);
	for (int i = 0; i < 4; i++)
		ck_assert(rec.data[i] == (float)vals[i]);
	ck_assert_str_eq(sr_meta_get(&rec.meta, "maxval"), "65535");
	/* and back out as PAM: exactly the same 16-bit samples */
	membuf m = write_records(&rec, 1, &(sr_write_options){.format = SR_FORMAT_PAM});
	ck_assert_ptr_nonnull(strstr(m.buf, "MAXVAL 65535\n"));
	ck_assert_ptr_null(strstr(m.buf, "pam.scale"));
	ck_assert(memcmp(m.buf + m.len - 8, img + h, 8) == 0);
	free(m.buf);
	sr_record_free(&rec);
}
END_TEST

START_TEST(netpbm_kinds)
{
	sr_record rec;
	sr_record_init(&rec);
	/* plain PBM: 1 = black in PBM, read as sample 0 (PAM view: 0 black, 1 white) */
	ck_assert_int_eq(read_all("P1\n3 1\n1 0 1\n", 13, &rec), 1);
	ck_assert(rec.data[0] == 0 && rec.data[1] == 1);
	ck_assert_str_eq(sr_meta_get(&rec.meta, "maxval"), "1");
	/* PPM: luminance 0.299 R + 0.587 G + 0.114 B, rounded */
	ck_assert_int_eq(read_all("P3\n2 1\n255\n255 0 0  10 20 30\n", 29, &rec), 1);
	ck_assert_int_eq(rec.views, 1);
	ck_assert(rec.data[0] == 76 && rec.data[1] == 18);
	/* a depth-2 PAM of unknown tuple type (pamstack): two views */
	const char pam[] = "P7\nWIDTH 2\nHEIGHT 1\nDEPTH 2\nMAXVAL 255\nENDHDR\n\x01\x02\x03\x04";
	ck_assert_int_eq(read_all(pam, sizeof pam - 1, &rec), 1);
	ck_assert_int_eq(rec.views, 2);
	ck_assert(rec.data[0] == 1 && rec.data[1] == 3 && rec.data[2] == 2 && rec.data[3] == 4);
	/* GRAYSCALE_ALPHA: the alpha plane is dropped */
	const char ga[] = "P7\nWIDTH 1\nHEIGHT 1\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n\x07\x09";
	ck_assert_int_eq(read_all(ga, sizeof ga - 1, &rec), 1);
	ck_assert_int_eq(rec.views, 1);
	ck_assert(rec.data[0] == 7);
	/* foreign comments are not metadata */
	const char fc[] = "P7\n# made by hand\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nENDHDR\n\x05";
	ck_assert_int_eq(read_all(fc, sizeof fc - 1, &rec), 1);
	ck_assert_int_eq(rec.meta.n, 3);
	ck_assert_ptr_nonnull(sr_meta_get(&rec.meta, "source"));
	sr_record_free(&rec);
}
END_TEST

START_TEST(bad_netpbm)
{
	expect_error("P5\n3 2\n0\n\0\0\0\0\0\0", 15, 1, "maxval");
	expect_error("P5\n3 2\n255\nab", 13, 1, "End of file");
	expect_error("P2\n3 1\n255\n1 x", 14, 1, "junk");
	expect_error("P5\n99999999 99999999\n255\n", 25, 1, "outside 1..65536");
	expect_error("P5\n70000 1\n255\n", 15, 1, "outside 1..65536");
	expect_error("P7\nWIDTH 2\nHEIGHT 2\nDEPTH 100000\nMAXVAL 255\nENDHDR\n", 50, 1,
	             "depth 100000");
	expect_error("P5\n3 2\n65536\n", 13, 1, "too large");
	expect_error("P9\n", 3, 1, "bad magic number");
	/* 8192 x 8193 is within each side's limit but over the sample limit */
	expect_error("P5\n8192 8193\n255\n", 17, 1, "more than the limit");
	/* a good image, then a truncated one */
	expect_error("P2\n1 1\n3\n1\nP2\n2 1\n3\n1", 22, 2, "EOF");
}
END_TEST

/* ---- PAM output ---- */

START_TEST(pam_round_trip_with_metadata)
{
	sr_record in, out;
	sr_record_init(&in);
	sr_record_init(&out);
	fill(&in, SR_LAYOUT_IMAGE, 2, 5, 7, 11); /* floats in about -3000..11000 */
	char longval[1500];
	for (size_t i = 0; i < sizeof longval - 1; i++)
		longval[i] = (char)('a' + i % 26);
	longval[sizeof longval - 1] = '\0';
	sr_meta_set(&in.meta, "note", "  leading and trailing spaces  ");
	sr_meta_set(&in.meta, "long", "%s", longval);
	sr_meta_set(&in.meta, "plus", "+starts with plus");
	sr_write_options opt = {.format = SR_FORMAT_PAM};
	membuf m = write_records(&in, 1, &opt);
	ck_assert_ptr_nonnull(strstr(m.buf, "TUPLTYPE STEMROT_PAIR\n"));
	ck_assert_ptr_nonnull(strstr(m.buf, "\n# theta=12.345\n"));
	ck_assert_ptr_nonnull(strstr(m.buf, "\n# pam.scale="));
	/* no header line reaches libnetpbm's 256-byte limit */
	for (char *s = m.buf; s < m.buf + 3000 && (s = strchr(s, '\n')); s++)
		ck_assert_int_lt(strcspn(s + 1, "\n"), 250);
	ck_assert_int_eq(read_all(m.buf, m.len, &out), 1);
	char *ta = sr_meta_format(&in.meta, NULL), *tb = sr_meta_format(&out.meta, NULL);
	ck_assert_str_eq(ta, tb); /* pam.* keys gone, the rest exactly as it was */
	free(ta);
	free(tb);
	ck_assert_int_eq(out.views, 2);
	float lo = 1e30f, hi = -1e30f;
	for (size_t i = 0; i < sr_record_size(&in); i++) {
		lo = fminf(lo, in.data[i]);
		hi = fmaxf(hi, in.data[i]);
	}
	double step = (hi - lo) / 65535.0;
	for (size_t i = 0; i < sr_record_size(&in); i++)
		ck_assert_double_eq_tol(out.data[i], in.data[i], 0.51 * step + 1e-3);
	free(m.buf);

	/* 8-bit by option; integer data within range is written as is */
	fill(&in, SR_LAYOUT_PROFILE, 1, 1, 6, 3);
	for (int i = 0; i < 6; i++)
		in.data[i] = (float)(i * 50);
	opt.maxval = 255;
	m = write_records(&in, 1, &opt);
	ck_assert_ptr_nonnull(strstr(m.buf, "MAXVAL 255\nTUPLTYPE GRAYSCALE\n"));
	ck_assert_ptr_nonnull(strstr(m.buf, "# pam.layout=profile\n"));
	ck_assert_ptr_null(strstr(m.buf, "pam.offset"));
	ck_assert_int_eq(read_all(m.buf, m.len, &out), 1);
	assert_same(&in, &out);
	free(m.buf);

	/* PGM type for one view; refused for a pair */
	FILE *f = open_memstream(&m.buf, &m.len);
	ck_assert_int_eq(sr_pnm_write(f, &in, 255, SR_PNM_PGM, NULL), 0);
	fclose(f);
	ck_assert(strncmp(m.buf, "P5\n# id=", 8) == 0);
	free(m.buf);
	fill(&in, SR_LAYOUT_IMAGE, 2, 2, 2, 3);
	f = open_memstream(&m.buf, &m.len);
	ck_assert_int_eq(sr_pnm_write(f, &in, 255, SR_PNM_PGM, NULL), -1);
	/* NaN cannot be written as PAM, and nothing is written */
	in.data[3] = NAN;
	ck_assert_int_eq(sr_pnm_write(f, &in, 0, SR_PNM_PAM, NULL), -1);
	ck_assert_ptr_nonnull(strstr(sr_errmsg(), "NaN"));
	fclose(f);
	ck_assert_uint_eq(m.len, 0);
	free(m.buf);
	sr_record_free(&in);
	sr_record_free(&out);
}
END_TEST

/* ---- pipes: the probed head is replayed ---- */

/* Makes stdin the read end of a pipe fed with the buffer by a child process. */
static pid_t stdin_from(const void *p, size_t n)
{
	int fd[2];
	ck_assert_int_eq(pipe(fd), 0);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fd[0]);
		const char *b = p;
		while (n > 0) { /* small writes: the reader sees the stream in pieces */
			size_t k = n < 4093 ? n : 4093;
			ssize_t w = write(fd[1], b, k);
			if (w <= 0)
				_exit(1);
			b += w;
			n -= (size_t)w;
		}
		_exit(0);
	}
	close(fd[1]);
	ck_assert_int_eq(dup2(fd[0], STDIN_FILENO), STDIN_FILENO);
	close(fd[0]);
	clearerr(stdin);
	return pid;
}

START_TEST(input_head_replayed_on_a_pipe)
{
	unsigned char data[5000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	pid_t pid = stdin_from(data, sizeof data);
	sr_input *in = sr_input_open("-");
	ck_assert_ptr_nonnull(in);
	size_t got;
	const unsigned char *h = sr_input_peek(in, 4, &got);
	ck_assert_uint_eq(got, 4);
	ck_assert(memcmp(h, data, 4) == 0);
	h = sr_input_peek(in, SR_INPUT_HEAD_MAX, &got); /* a longer look: same start */
	ck_assert_uint_eq(got, SR_INPUT_HEAD_MAX);
	ck_assert(memcmp(h, data, SR_INPUT_HEAD_MAX) == 0);
	ck_assert_int_eq(sr_input_offset(in), 0);
	unsigned char back[sizeof data];
	ck_assert_int_eq(sr_input_getc(in), data[0]);
	ck_assert_uint_eq(sr_input_read(in, back, 999), 999); /* part head, part file */
	ck_assert(memcmp(back, data + 1, 999) == 0);
	/* a borrowed FILE reads on from there; what it read ahead comes back on return */
	FILE *f = sr_input_borrow_file(in);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(getc(f), data[1000]);
	ck_assert_uint_eq(fread(back, 1, 1500, f), 1500);
	ck_assert(memcmp(back, data + 1001, 1500) == 0);
	sr_input_return_file(in, f);
	ck_assert_int_eq(sr_input_offset(in), 2501);
	ck_assert_uint_eq(sr_input_read(in, back, sizeof data), sizeof data - 2501);
	ck_assert(memcmp(back, data + 2501, sizeof data - 2501) == 0);
	ck_assert_int_eq(sr_input_getc(in), EOF);
	ck_assert_int_eq(sr_input_error(in), 0);
	sr_input_close(in);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

/* A mixed stream (a raw 16-bit PGM larger than any buffer, plain PGMs, tensor records, a
 * PAM) reads the same from a pipe as from a file. */
START_TEST(mixed_stream_from_a_pipe)
{
	sr_record t[2], pam;
	sr_record_init(&t[0]);
	sr_record_init(&t[1]);
	sr_record_init(&pam);
	fill(&t[0], SR_LAYOUT_IMAGE, 2, 40, 50, 3);
	fill(&t[1], SR_LAYOUT_PROFILE, 1, 1, 90, 4);
	membuf mt = write_records(t, 2, NULL);
	fill(&pam, SR_LAYOUT_IMAGE, 3, 7, 9, 5);
	sr_write_options po = {.format = SR_FORMAT_PAM};
	membuf mp = write_records(&pam, 1, &po);
	int w = 300, h = 200;
	char hdr[64];
	int hl = snprintf(hdr, sizeof hdr, "P5\n%d %d\n65535\n", w, h);
	size_t big = (size_t)hl + 2 * (size_t)w * (size_t)h;
	/* (libnetpbm wants whitespace after a plain image's last number, even at the end.) */
	const char plain[] = "P2\n3 1\n9\n1 2 3\nP2\n1 1\n9\n7\n";
	size_t lp = strlen(plain), total = big + lp + mt.len + mp.len + lp;
	unsigned char *s = malloc(total), *p = s;
	memcpy(p, hdr, (size_t)hl);
	for (int i = 0; i < w * h; i++) {
		p[hl + 2 * i] = (unsigned char)(i >> 8);
		p[hl + 2 * i + 1] = (unsigned char)(i * 13);
	}
	p += big;
	memcpy(p, plain, lp), p += lp;
	memcpy(p, mt.buf, mt.len), p += mt.len;
	memcpy(p, mp.buf, mp.len), p += mp.len;
	memcpy(p, plain, lp);

	/* from a file */
	enum { N = 8 };
	sr_record from_file[N], from_pipe;
	for (int i = 0; i < N; i++)
		sr_record_init(&from_file[i]);
	sr_record_init(&from_pipe);
	sr_reader *rd = sr_reader_open(to_file(s, total));
	ck_assert_ptr_nonnull(rd);
	int n = 0;
	while (n < N && sr_reader_next(rd, &from_file[n]) == 1)
		n++;
	ck_assert_msg(n == N && sr_reader_next(rd, &from_pipe) == 0, "%d records (%s)", n, sr_errmsg());
	sr_reader_close(rd);
	unlink(tmpl);
	ck_assert_int_eq(from_file[0].width, w);
	ck_assert(from_file[0].data[w * h - 1] == (float)(((w * h - 1) >> 8) << 8 | ((w * h - 1) * 13 & 255)));
	assert_same(&from_file[3], &t[0]);
	assert_same(&from_file[4], &t[1]);
	ck_assert(from_file[7].data[0] == 7);

	/* from a pipe: the same records, metadata aside (the name is "(stdin)") */
	pid_t pid = stdin_from(s, total);
	rd = sr_reader_open("-");
	for (int i = 0; i < n; i++) {
		ck_assert_msg(sr_reader_next(rd, &from_pipe) == 1, "record %d: %s", i + 1, sr_errmsg());
		ck_assert_int_eq(from_pipe.views, from_file[i].views);
		ck_assert_int_eq(from_pipe.width, from_file[i].width);
		ck_assert_int_eq(from_pipe.height, from_file[i].height);
		ck_assert(memcmp(from_pipe.data, from_file[i].data, sr_record_size(&from_pipe) * 4) == 0);
	}
	ck_assert_int_eq(sr_reader_next(rd, &from_pipe), 0);
	sr_reader_close(rd);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	for (int i = 0; i < N; i++)
		sr_record_free(&from_file[i]);
	sr_record_free(&from_pipe);
	sr_record_free(&t[0]);
	sr_record_free(&t[1]);
	sr_record_free(&pam);
	free(mt.buf);
	free(mp.buf);
	free(s);
}
END_TEST

/* ---- record helpers and the loop ---- */

START_TEST(record_helpers)
{
	sr_record a, b;
	sr_record_init(&a);
	sr_record_init(&b);
	ck_assert_int_eq(sr_record_reshape(&a, SR_LAYOUT_IMAGE, 17, 2, 2), -1);
	ck_assert_int_eq(sr_record_reshape(&a, SR_LAYOUT_IMAGE, 1, 0, 2), -1);
	ck_assert_int_eq(sr_record_reshape(&a, SR_LAYOUT_PROFILE, 1, SR_MAX_PROFILES + 1, 2), -1);
	ck_assert_int_eq(sr_record_reshape(&a, SR_LAYOUT_VECTOR, 2, 1, 2), -1);
	ck_assert_int_eq(sr_record_reshape(&a, SR_LAYOUT_IMAGE, 16, 4096, 4096), -1);
	ck_assert_int_eq(sr_record_reshape(&a, 9, 1, 1, 1), -1);
	fill(&a, SR_LAYOUT_IMAGE, 2, 3, 4, 5);
	ck_assert_uint_eq(sr_record_size(&a), 24);
	ck_assert_ptr_eq(sr_record_view(&a, 1), a.data + 12);
	ck_assert_int_eq(sr_record_copy(&b, &a), 0);
	assert_same(&a, &b);
	float *keep = b.data;
	ck_assert_int_eq(sr_record_reshape(&b, SR_LAYOUT_IMAGE, 1, 2, 2), 0);
	ck_assert_ptr_eq(b.data, keep); /* buffer reused when smaller */
	sr_record_free(&a);
	sr_record_free(&b);
	ck_assert_ptr_null(sr_reader_open("/nonexistent/x.pgm"));
	ck_assert_ptr_nonnull(strstr(sr_errmsg(), "/nonexistent/x.pgm: No such file"));
}
END_TEST

static int count_and_fail_at_3(sr_record *rec, void *ctx)
{
	int *n = ctx;
	(void)rec;
	if (++*n == 3)
		return sr_fail("too many");
	return 0;
}

START_TEST(for_each_record_loop)
{
	const char pgm[] = "P2\n1 1\n3\n1\nP2\n1 1\n3\n2\n";
	char p1[64], p2[64];
	strcpy(p1, to_file(pgm, strlen(pgm)));
	strcpy(p2, to_file(pgm, strlen(pgm)));
	char *paths[] = {p1, p2};
	int n = 0;
	ck_assert_int_eq(sr_for_each_record(2, paths, count_and_fail_at_3, &n), -1);
	ck_assert_int_eq(n, 3);
	char want[128];
	snprintf(want, sizeof want, "%s: record 1: too many", p2); /* counts per file */
	ck_assert_str_eq(sr_errmsg(), want);
	unlink(p1);
	unlink(p2);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("record");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, tensor_round_trip_bit_exact);
	tcase_add_test(tc, tensor_header_layout);
	tcase_add_test(tc, multi_profile_records);
	tcase_add_test(tc, empty_and_whitespace_input);
	tcase_add_test(tc, bad_magic_version_flags);
	tcase_add_test(tc, header_crc_mismatch);
	tcase_add_test(tc, truncations);
	tcase_add_test(tc, payload_crc_and_zlib);
	tcase_add_test(tc, absurd_sizes_rejected_before_allocation);
	tcase_add_test(tc, bad_metadata_text);
	tcase_add_test(tc, garbage_and_mixed_streams);
	tcase_add_test(tc, pgm_16bit_exact);
	tcase_add_test(tc, netpbm_kinds);
	tcase_add_test(tc, bad_netpbm);
	tcase_add_test(tc, pam_round_trip_with_metadata);
	tcase_add_test(tc, record_helpers);
	tcase_add_test(tc, for_each_record_loop);
	tcase_add_test(tc, input_head_replayed_on_a_pipe);
	tcase_add_test(tc, mixed_stream_from_a_pipe);
	suite_add_tcase(s, tc);
	return s;
}
