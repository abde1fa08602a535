/* Unit tests for lib/meta: set/get/replace/delete, order, number round trips, key and value
 * validation, parsing and its errors, formatting. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/err.h"
#include "core/meta.h"
#include "core/limits.h"

START_TEST(set_get_replace_keeps_order)
{
	sr_meta m;
	sr_meta_init(&m);
	ck_assert_int_eq(sr_meta_set(&m, "id", "a:%d", 1), 0);
	ck_assert_int_eq(sr_meta_set(&m, "shape", "polygon"), 0);
	ck_assert_int_eq(sr_meta_set(&m, "k", "%d", 5), 0);
	ck_assert_str_eq(sr_meta_get(&m, "id"), "a:1");
	ck_assert_ptr_null(sr_meta_get(&m, "theta"));
	ck_assert_int_eq(sr_meta_set(&m, "shape", "disc"), 0); /* replaced in place */
	ck_assert_int_eq(m.n, 3);
	ck_assert_str_eq(m.kv[1].key, "shape");
	ck_assert_str_eq(m.kv[1].val, "disc");
	ck_assert_int_eq(sr_meta_del(&m, "id"), 0);
	ck_assert_int_eq(sr_meta_del(&m, "id"), 0); /* absent: still 0 */
	ck_assert_int_eq(m.n, 2);
	ck_assert_str_eq(m.kv[0].key, "shape");
	ck_assert_str_eq(m.kv[1].key, "k");
	sr_meta_set(&m, "id", "b");
	ck_assert_str_eq(m.kv[2].key, "id"); /* re-added at the end */
	size_t len;
	char *t = sr_meta_format(&m, &len);
	ck_assert_str_eq(t, "shape=disc\nk=5\nid=b\n");
	ck_assert_uint_eq(len, strlen(t));
	free(t);
	sr_meta copy;
	sr_meta_init(&copy);
	sr_meta_set(&copy, "junk", "x");
	ck_assert_int_eq(sr_meta_copy(&copy, &m), 0);
	ck_assert_int_eq(copy.n, 3);
	ck_assert_ptr_null(sr_meta_get(&copy, "junk"));
	ck_assert_str_eq(sr_meta_get(&copy, "k"), "5");
	sr_meta_clear(&m);
	ck_assert_int_eq(m.n, 0);
	sr_meta_free(&m);
	sr_meta_free(&copy);
}
END_TEST

START_TEST(numbers_round_trip)
{
	sr_meta m;
	sr_meta_init(&m);
	static const double vals[] = {0.1, -1.5, 1e-300, 3.141592653589793, 1.0 / 3, 12345678.9, 0};
	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
		double out = -99;
		sr_meta_set_double(&m, "x", vals[i]);
		ck_assert_int_eq(sr_meta_get_double(&m, "x", &out), 0);
		ck_assert(out == vals[i]);
	}
	sr_meta_set_double(&m, "x", 0.1);
	ck_assert_str_eq(sr_meta_get(&m, "x"), "0.1"); /* shortest exact form */
	long l = 0;
	sr_meta_set_long(&m, "n", -42);
	ck_assert_int_eq(sr_meta_get_long(&m, "n", &l), 0);
	ck_assert_int_eq(l, -42);
	double d = 7;
	ck_assert_int_eq(sr_meta_get_double(&m, "absent", &d), 1);
	ck_assert(d == 7);
	sr_meta_set(&m, "bad", "12abc");
	ck_assert_int_eq(sr_meta_get_double(&m, "bad", &d), -1);
	ck_assert_ptr_nonnull(strstr(sr_errmsg(), "bad='12abc'"));
	ck_assert_int_eq(sr_meta_get_long(&m, "x", &l), -1); /* 0.1 is not an integer */
	sr_meta_free(&m);
}
END_TEST

START_TEST(bad_keys_and_values)
{
	sr_meta m;
	sr_meta_init(&m);
	char longkey[80];
	memset(longkey, 'a', sizeof longkey - 1);
	longkey[sizeof longkey - 1] = '\0';
	ck_assert_int_eq(sr_meta_set(&m, "", "x"), -1);
	ck_assert_int_eq(sr_meta_set(&m, "a b", "x"), -1);
	ck_assert_int_eq(sr_meta_set(&m, "a=b", "x"), -1);
	ck_assert_int_eq(sr_meta_set(&m, longkey, "x"), -1);
	longkey[SR_META_MAX_KEY] = '\0';
	ck_assert_int_eq(sr_meta_set(&m, longkey, "x"), 0); /* exactly 64 is fine */
	ck_assert_int_eq(sr_meta_set(&m, "v", "line\nbreak"), -1);
	ck_assert_int_eq(sr_meta_set(&m, "v", "tab\there"), -1);
	char *big = malloc(SR_META_MAX_VAL + 2);
	memset(big, 'v', SR_META_MAX_VAL + 1);
	big[SR_META_MAX_VAL + 1] = '\0';
	ck_assert_int_eq(sr_meta_set(&m, "v", "%s", big), -1);
	ck_assert_ptr_nonnull(strstr(sr_errmsg(), "longer than"));
	big[SR_META_MAX_VAL] = '\0';
	ck_assert_int_eq(sr_meta_set(&m, "v", "%s", big), 0);
	ck_assert_int_eq(sr_meta_set(&m, "u", "  spaces kept, = too, \xc3\xa9 "), 0);
	ck_assert_str_eq(sr_meta_get(&m, "u"), "  spaces kept, = too, \xc3\xa9 ");
	ck_assert_int_eq(sr_meta_set(&m, "empty", "%s", ""), 0);
	ck_assert_str_eq(sr_meta_get(&m, "empty"), "");
	free(big);
	sr_meta_free(&m);
}
END_TEST

START_TEST(parse_good_text)
{
	sr_meta m;
	sr_meta_init(&m);
	const char *t = "id=x:1\n\nshape=polygon\nexpr=a=b\nlast=no newline";
	ck_assert_int_eq(sr_meta_parse(&m, t, strlen(t)), 0);
	ck_assert_int_eq(m.n, 4);
	ck_assert_str_eq(sr_meta_get(&m, "expr"), "a=b");
	ck_assert_str_eq(sr_meta_get(&m, "last"), "no newline");
	size_t len;
	char *out = sr_meta_format(&m, &len);
	ck_assert_str_eq(out, "id=x:1\nshape=polygon\nexpr=a=b\nlast=no newline\n");
	/* format -> parse -> format is the identity */
	sr_meta m2;
	sr_meta_init(&m2);
	ck_assert_int_eq(sr_meta_parse(&m2, out, len), 0);
	char *out2 = sr_meta_format(&m2, NULL);
	ck_assert_str_eq(out, out2);
	free(out);
	free(out2);
	ck_assert_int_eq(sr_meta_parse(&m2, "", 0), 0);
	sr_meta_free(&m);
	sr_meta_free(&m2);
}
END_TEST

START_TEST(parse_errors_name_the_line)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"a=1\nnoequals\n", "line 2: no '='"},
		{"a=1\n=x\n", "line 2: bad key"},
		{"a b=1\n", "line 1: bad key"},
		{"a=1\nb=2\na=3\n", "line 3: duplicate key 'a'"},
		{"a=tab\there\n", "line 1: value of 'a' contains a control character"},
		{"a=cr\r\n", "control character"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		sr_meta m;
		sr_meta_init(&m);
		ck_assert_int_eq(sr_meta_parse(&m, cases[i].text, strlen(cases[i].text)), -1);
		ck_assert_msg(strstr(sr_errmsg(), cases[i].msg), "case %zu: got '%s'", i, sr_errmsg());
		sr_meta_free(&m);
	}
	/* a NUL inside the text is rejected, not silently cut */
	sr_meta m;
	sr_meta_init(&m);
	ck_assert_int_eq(sr_meta_parse(&m, "a=x\0y\n", 6), -1);
	sr_meta_free(&m);
}
END_TEST

/* Three-character keys from [0-9A-Za-z], as dense as 1 MiB of metadata can pack them
 * ("abc=\n" is 5 bytes: 209,715 keys), the block the attack used. */
static char *dense_block(int nkeys, size_t *len)
{
	static const char alpha[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	char *t = malloc((size_t)nkeys * 5), *p = t;
	for (int i = 0; i < nkeys; i++) {
		*p++ = alpha[i % 62];
		*p++ = alpha[i / 62 % 62];
		*p++ = alpha[i / (62 * 62) % 62];
		*p++ = '=';
		*p++ = '\n';
	}
	*len = (size_t)(p - t);
	return t;
}

/* Defect 2 of issue 15: parsing searched the keys so far for each key, so a dense 1 MiB block
 * took minutes.  With the hash index it is linear; this test runs in its own case with a
 * 30 s timeout (it took over a minute before the index, well under a second after). */
START_TEST(dense_block_parses_in_linear_time)
{
	const int nkeys = (1 << 20) / 5;
	size_t len;
	char *text = dense_block(nkeys, &len);
	sr_meta m;
	sr_meta_init(&m);
	/* the default key limit refuses it with a message naming the limit ... */
	sr_limits_reset();
	ck_assert_int_eq(sr_meta_parse(&m, text, len), -1);
	ck_assert_msg(strstr(sr_errmsg(), "meta-keys"), "%s", sr_errmsg());
	/* ... a raised one accepts it, and every key is found */
	sr_meta_clear(&m);
	ck_assert_int_eq(sr_limits_set("meta-keys=256k"), 0);
	ck_assert_int_eq(sr_meta_parse(&m, text, len), 0);
	ck_assert_int_eq(m.n, nkeys);
	char key[4] = {0};
	for (int i = 0; i < nkeys; i += 997) {
		memcpy(key, text + 5 * (size_t)i, 3);
		ck_assert_ptr_nonnull(sr_meta_get(&m, key));
	}
	/* deleting keeps the index right: the key after a deleted one is still found */
	memcpy(key, text + 5 * 1000, 3);
	ck_assert_int_eq(sr_meta_del(&m, key), 0);
	ck_assert_ptr_null(sr_meta_get(&m, key));
	memcpy(key, text + 5 * 1001, 3);
	ck_assert_ptr_nonnull(sr_meta_get(&m, key));
	ck_assert_str_eq(m.kv[1000].key, key);
	/* a duplicate at the very end is still caught */
	sr_meta_clear(&m);
	memcpy(text + len - 5, text, 5);
	ck_assert_int_eq(sr_meta_parse(&m, text, len), -1);
	ck_assert_msg(strstr(sr_errmsg(), "duplicate key"), "%s", sr_errmsg());
	sr_meta_free(&m);
	free(text);
	sr_limits_reset();
}
END_TEST

START_TEST(limits_bytes_and_syntax)
{
	sr_limits_reset();
	sr_meta m;
	sr_meta_init(&m);
	ck_assert_int_eq(sr_limits_set("meta-bytes=8"), 0);
	ck_assert_int_eq(sr_meta_parse(&m, "abc=1234\n", 9), -1);
	ck_assert_msg(strstr(sr_errmsg(), "meta-bytes"), "%s", sr_errmsg());
	ck_assert_int_eq(sr_meta_parse(&m, "abc=123\n", 8), 0);
	ck_assert_int_eq(sr_limits_set("meta-keys=2k,samples=1M"), 0);
	ck_assert_int_eq(sr_limits_get()->meta_keys, 2048);
	ck_assert_int_eq(sr_limits_get()->samples, 1 << 20);
	static const char *bad[] = {"nosuch=1", "samples", "samples=", "samples=0", "samples=-1",
	                            "samples=1T", "samples=2G", "meta-keys=1x"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(sr_limits_set(bad[i]) == -1, "'%s' accepted", bad[i]);
	ck_assert_int_eq(sr_limits_set("samples=2G"), -1);
	ck_assert_msg(strstr(sr_errmsg(), "ceiling"), "%s", sr_errmsg());
	sr_meta_free(&m);
	sr_limits_reset();
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("meta");
	TCase *tc = tcase_create("meta");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, set_get_replace_keeps_order);
	tcase_add_test(tc, numbers_round_trip);
	tcase_add_test(tc, bad_keys_and_values);
	tcase_add_test(tc, parse_good_text);
	tcase_add_test(tc, parse_errors_name_the_line);
	suite_add_tcase(s, tc);
	tcase_add_test(tc, limits_bytes_and_syntax);
	TCase *scale = tcase_create("scale");
	tcase_set_timeout(scale, 30);
	tcase_add_test(scale, dense_block_parses_in_linear_time);
	suite_add_tcase(s, scale);
	return s;
}
