/* test_model_hostile: model files an attacker wrote (issue 15, defects 3, 7 and 9).  Small
 * files that claim huge payloads, networks or parameter counts are refused by their header or
 * by a limit before anything of that size is allocated; a directory is named as one; saved
 * models follow the umask; temporary files of a killed writer are removed by the next save. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check_main.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/meta.h"
#include "nn/nn.h"

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_model_hostileXXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* ---- writing a model payload by hand (stemrot-model(5)) ---- */
typedef struct {
	unsigned char *b;
	size_t n;
} buf;

static void put(buf *w, const void *p, size_t n)
{
	w->b = realloc(w->b, w->n + n);
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void put32(buf *w, uint32_t v)
{
	unsigned char b[4] = {v & 255, (v >> 8) & 255, (v >> 16) & 255, v >> 24};
	put(w, b, 4);
}

static void put64(buf *w, uint64_t v)
{
	put32(w, (uint32_t)v);
	put32(w, (uint32_t)(v >> 32));
}

static void put_str(buf *w, const char *s)
{
	put32(w, (uint32_t)strlen(s));
	put(w, s, strlen(s));
}

/* One network with np zero parameters and no optimiser state. */
static buf one_net_payload(const char *spec, int c, int h, int w, int n_out, uint64_t np)
{
	buf p = {0};
	put_str(&p, "");
	put32(&p, 1);
	put_str(&p, "net");
	put_str(&p, spec);
	put32(&p, (uint32_t)c), put32(&p, (uint32_t)h), put32(&p, (uint32_t)w);
	put32(&p, (uint32_t)n_out);
	put64(&p, np);
	unsigned char *zeros = calloc(np ? np : 1, 4);
	put(&p, zeros, 4 * np);
	free(zeros);
	put32(&p, 0);
	return p;
}

static void le32(unsigned char *b, uint32_t v)
{
	b[0] = v & 255, b[1] = (v >> 8) & 255, b[2] = (v >> 16) & 255, b[3] = v >> 24;
}

/* Writes header + compressed payload; claim_ulen != 0 puts that size in the header instead of
 * the real one.  Returns the file size. */
static long write_model(const char *path, const buf *p, uint64_t claim_ulen)
{
	uLongf clen = compressBound(p->n);
	unsigned char *out = malloc(40 + clen);
	ck_assert_int_eq(compress2(out + 40, &clen, p->b, p->n, 9), Z_OK);
	uint64_t ulen = claim_ulen ? claim_ulen : p->n;
	memcpy(out, "SRMODEL\0", 8);
	le32(out + 8, SR_MODEL_VERSION);
	le32(out + 12, 0);
	le32(out + 16, (uint32_t)ulen), le32(out + 20, (uint32_t)(ulen >> 32));
	le32(out + 24, (uint32_t)clen), le32(out + 28, 0);
	le32(out + 32, (uint32_t)crc32(0, p->b, (uInt)p->n));
	le32(out + 36, (uint32_t)crc32(0, out, 36));
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fwrite(out, 1, 40 + clen, f), 40 + clen);
	fclose(f);
	free(out);
	return (long)(40 + clen);
}

static char *in_tmp(const char *name)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	return path;
}

/* Defect 3: a model file of a few hundred bytes whose network is a big convolution on a
 * 2048 x 2048 input asked for a 34 GB arena (predict and --info built it).  Now the build
 * stops at the net-activations limit with a message naming it. */
START_TEST(small_file_huge_network)
{
	sr_limits_reset();
	make_tmpdir();
	buf p = one_net_payload("conv 32 3; relu; gpool; dense OUT", 1, 2048, 2048, 2, 0);
	long size = write_model(in_tmp("big.model"), &p, 0);
	ck_assert_int_lt(size, 600);
	sr_model *m = sr_model_load(in_tmp("big.model"));
	ck_assert_ptr_nonnull(m); /* the file itself is well formed ... */
	sr_net *net = sr_model_net(m, "net", 64);
	ck_assert_ptr_null(net); /* ... the network it describes is refused before allocation */
	ck_assert_msg(strstr(sr_errmsg(), "net-activations"), "%s", sr_errmsg());
	sr_model_free(m);
	free(p.b);
	rm_tmpdir();
}
END_TEST

/* Defect 3: a header claiming a 2 GB payload from a few bytes is refused before inflating
 * (deflate cannot expand past 1032:1), and a real payload beyond model-bytes by its limit. */
START_TEST(payload_size_bounds)
{
	sr_limits_reset();
	make_tmpdir();
	buf p = one_net_payload("dense OUT", 1, 1, 4, 2, 10);
	write_model(in_tmp("claim.model"), &p, (uint64_t)2000000000);
	ck_assert_ptr_null(sr_model_load(in_tmp("claim.model")));
	ck_assert_msg(strstr(sr_errmsg(), "cannot inflate"), "%s", sr_errmsg());
	free(p.b);
	/* 1M zero parameters: 4 MB of payload in about 4 KB of file */
	p = one_net_payload("dense OUT", 1, 512, 1024, 2, (1 << 20) + 2);
	long size = write_model(in_tmp("zeros.model"), &p, 0);
	ck_assert_int_lt(size, 8000);
	ck_assert_int_eq(sr_limits_set("model-bytes=1M"), 0);
	ck_assert_ptr_null(sr_model_load(in_tmp("zeros.model")));
	ck_assert_msg(strstr(sr_errmsg(), "model-bytes"), "%s", sr_errmsg());
	ck_assert_int_eq(sr_limits_set("model-bytes=16M,net-params=1000"), 0);
	ck_assert_ptr_null(sr_model_load(in_tmp("zeros.model")));
	ck_assert_msg(strstr(sr_errmsg(), "net-params"), "%s", sr_errmsg());
	sr_limits_reset();
	sr_model *m = sr_model_load(in_tmp("zeros.model"));
	ck_assert_msg(m != NULL, "%s", sr_errmsg()); /* at the defaults it is an ordinary model */
	sr_net *net = sr_model_net(m, "net", 4);
	ck_assert_msg(net != NULL, "%s", sr_errmsg());
	sr_net_free(net);
	sr_model_free(m);
	/* bad shapes in the header of a network are corrupt, not an allocation */
	free(p.b);
	p = one_net_payload("dense OUT", 0, 1, 4, 2, 0);
	write_model(in_tmp("shape.model"), &p, 0);
	ck_assert_ptr_null(sr_model_load(in_tmp("shape.model")));
	ck_assert_msg(strstr(sr_errmsg(), "input 0x1x4"), "%s", sr_errmsg());
	free(p.b);
	rm_tmpdir();
}
END_TEST

/* Defect 9: a directory said "truncated model file". */
START_TEST(directory_is_named)
{
	make_tmpdir();
	ck_assert_ptr_null(sr_model_load(tmpdir));
	ck_assert_msg(strstr(sr_errmsg(), "is a directory"), "%s", sr_errmsg());
	rm_tmpdir();
}
END_TEST

static void save_tiny(const char *path)
{
	sr_net *net = sr_net_create("dense OUT", 1, 1, 4, 2, 1);
	ck_assert_ptr_nonnull(net);
	sr_net_init(net, 1);
	const char *names[] = {"net"};
	sr_net *nets[] = {net};
	ck_assert_msg(sr_model_save(path, NULL, 1, names, nets, NULL) == 0, "%s", sr_errmsg());
	sr_net_free(net);
}

/* Defect 7: models were created 0600 whatever the umask, and a writer killed during a save
 * left PATH.tmp.XXXXXX behind for good. */
START_TEST(umask_and_stale_temporaries)
{
	make_tmpdir();
	mode_t old = umask(027);
	save_tiny(in_tmp("m.model"));
	struct stat st;
	ck_assert_int_eq(stat(in_tmp("m.model"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	umask(022);
	save_tiny(in_tmp("m.model"));
	ck_assert_int_eq(stat(in_tmp("m.model"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	umask(old);
	/* leftovers: a dead writer's (pid that does not run), the old mkstemp name, a live
	 * writer's (our parent's pid: it runs) and another model's */
	char dead[32], live[32];
	long pid = 4194304 + 12345; /* above Linux's largest pid_max */
	snprintf(dead, sizeof dead, "m.model.tmp.%ld", pid);
	snprintf(live, sizeof live, "m.model.tmp.%ld", (long)getppid());
	char dead_ckpt[40];
	snprintf(dead_ckpt, sizeof dead_ckpt, "m.model.ckpt.tmp.%ld", pid);
	const char *names[] = {dead, "m.model.tmp.Ab3xYz", live, "other.model.tmp.Ab3xYz", dead_ckpt,
	                       "m.modelx.tmp.Ab3xYz"};
	for (int i = 0; i < 6; i++) {
		FILE *f = fopen(in_tmp(names[i]), "w");
		ck_assert_ptr_nonnull(f);
		fputs("partial", f);
		fclose(f);
	}
	save_tiny(in_tmp("m.model"));
	ck_assert_int_eq(access(in_tmp(dead), F_OK), -1);
	ck_assert_int_eq(access(in_tmp("m.model.tmp.Ab3xYz"), F_OK), -1);
	ck_assert_int_eq(access(in_tmp(live), F_OK), 0);
	ck_assert_int_eq(access(in_tmp("other.model.tmp.Ab3xYz"), F_OK), 0);
	ck_assert_int_eq(access(in_tmp(dead_ckpt), F_OK), -1); /* its checkpoint's, killed */
	ck_assert_int_eq(access(in_tmp("m.modelx.tmp.Ab3xYz"), F_OK), 0); /* another name */
	sr_model *m = sr_model_load(in_tmp("m.model"));
	ck_assert_ptr_nonnull(m);
	sr_model_free(m);
	rm_tmpdir();
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("model_hostile");
	TCase *tc = tcase_create("model_hostile");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, small_file_huge_network);
	tcase_add_test(tc, payload_size_bounds);
	tcase_add_test(tc, directory_is_named);
	tcase_add_test(tc, umask_and_stale_temporaries);
	suite_add_tcase(s, tc);
	return s;
}
