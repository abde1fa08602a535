/* model.c: model files (stemrot-model(5)): magic, version, little-endian, a key=value
 * info block and named networks with their specs, shapes, parameters and optional optimiser
 * state; zlib-compressed payload; CRC-32 of header and payload; written atomically. */
#include "nn/impl.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/err.h"
#include "core/limits.h"

#define MAGIC "SRMODEL\0"
#define HDR 40
#define MAX_NETS 16
#define MAX_NAME 64
#define MAX_PAYLOAD ((uint64_t)1 << 31)
/* deflate's best ratio is 1032:1 (RFC 1951: a 258-byte match in at most 2 bits, plus block
 * overhead): a payload claiming more than this from its compressed size cannot be genuine. */
#define MAX_DEFLATE_RATIO 1032

typedef struct {
	char *name, *spec;
	int in_c, in_h, in_w, n_out;
	uint64_t np;
	float *params;
	int opt_kind; /* 0: no optimiser state */
	uint64_t opt_t;
	float *m, *v;
} model_net;

struct sr_model {
	sr_meta info;
	int nnets;
	model_net net[MAX_NETS];
	unsigned char *payload;
};

/* ---- little-endian buffer writing ---- */
typedef struct {
	unsigned char *b;
	size_t n, cap;
	int oom;
} wbuf;

static void put(wbuf *w, const void *p, size_t n)
{
	if (w->oom)
		return;
	if (w->n + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		while (cap < w->n + n)
			cap *= 2;
		unsigned char *b = realloc(w->b, cap);
		if (!b) {
			w->oom = 1;
			return;
		}
		w->b = b, w->cap = cap;
	}
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void put_u32(wbuf *w, uint32_t v)
{
	unsigned char b[4] = {v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >> 24) & 255};
	put(w, b, 4);
}

static void put_u64(wbuf *w, uint64_t v)
{
	put_u32(w, (uint32_t)v);
	put_u32(w, (uint32_t)(v >> 32));
}

static void put_str(wbuf *w, const char *s, size_t n)
{
	put_u32(w, (uint32_t)n);
	put(w, s, n);
}

static void put_floats(wbuf *w, const float *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, &f[i], 4);
		put_u32(w, u);
	}
}

static void le32(unsigned char *b, uint32_t v)
{
	b[0] = v & 255, b[1] = (v >> 8) & 255, b[2] = (v >> 16) & 255, b[3] = (v >> 24) & 255;
}

static uint32_t rd32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t rd64(const unsigned char *b) { return rd32(b) | (uint64_t)rd32(b + 4) << 32; }

static int write_all(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;
	while (n) {
		ssize_t k = write(fd, c, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += k, n -= (size_t)k;
	}
	return 0;
}

/* ---- atomic writing ----
 * The model goes to PATH.tmp.PID in the same directory, is fsynced, renamed over PATH, and the
 * directory is fsynced: a reader sees the old file or the new one, never part of one, whenever
 * the writer is killed.  A writer killed with -9 cannot remove its temporary file; the next
 * save of the same PATH removes those whose process is gone (and the PATH.tmp.XXXXXX names of
 * older versions).  The file gets the permissions the umask allows, like any file a program
 * creates. */

/* 1 when NAME is BASE, optionally a suffix of BASE's own files (".ckpt": the checkpoint of
 * the model BASE), then ".tmp." and a pid that no longer runs, or six letters or digits of
 * mkstemp (the older naming).  A training run killed while writing its checkpoint ends only
 * with the save of its model, so that save removes the checkpoint's leftovers too. */
static int stale_temp(const char *name, const char *base, size_t blen)
{
	if (strncmp(name, base, blen) != 0)
		return 0;
	const char *t = strstr(name + blen, ".tmp.");
	if (!t || (t != name + blen && name[blen] != '.'))
		return 0;
	const char *tail = t + 5;
	size_t n = strlen(tail), digits = strspn(tail, "0123456789");
	if (n > 0 && digits == n && n < 12) {
		long pid = strtol(tail, NULL, 10);
		return pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
	}
	if (n != 6)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)tail[i]))
			return 0;
	return 1;
}

/* The directory of path (malloc'd, "." when it has none) and where its base name starts. */
static char *dir_of(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	*base = slash ? slash + 1 : path;
	if (!slash)
		return strdup(".");
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, path, n);
		d[n] = '\0';
	}
	return d;
}

static void remove_stale_temps(const char *dir, const char *base)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	size_t blen = strlen(base), dlen = strlen(dir);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!stale_temp(e->d_name, base, blen))
			continue;
		size_t n = dlen + strlen(e->d_name) + 2;
		char *p = malloc(n);
		if (p) {
			snprintf(p, n, "%s/%s", dir, e->d_name);
			unlink(p);
			free(p);
		}
	}
	closedir(d);
}

static int write_atomically(const char *path, const unsigned char *data, size_t n)
{
	const char *base;
	char *dir = dir_of(path, &base);
	size_t pl = strlen(path);
	char *tmp = malloc(pl + 32);
	if (!dir || !tmp) {
		free(dir), free(tmp);
		return sr_fail("%s: out of memory", path);
	}
	remove_stale_temps(dir, base);
	snprintf(tmp, pl + 32, "%s.tmp.%ld", path, (long)getpid());
	unlink(tmp); /* ours from an earlier save of this process that failed half way */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666); /* umask applies */
	if (fd < 0) {
		int e = errno;
		free(dir), free(tmp);
		return sr_fail("%s: cannot create a temporary file beside it: %s", path, strerror(e));
	}
	int err = write_all(fd, data, n) < 0 || fsync(fd) < 0;
	int e = errno;
	if (close(fd) < 0 && !err)
		err = 1, e = errno;
	if (!err && rename(tmp, path) < 0)
		err = 1, e = errno;
	if (err) {
		unlink(tmp);
		free(dir), free(tmp);
		return sr_fail("%s: cannot write: %s", path, strerror(e));
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd); /* the rename itself durable; not every file system allows it */
		close(dfd);
	}
	free(dir), free(tmp);
	return 0;
}

int sr_model_save(const char *path, const sr_meta *info, int nnets, const char *const *names,
                  sr_net *const *nets, sr_optim *const *optims)
{
	if (nnets < 1 || nnets > MAX_NETS)
		return sr_fail("%s: a model holds 1..%d networks, not %d", path, MAX_NETS, nnets);
	wbuf w = {0};
	size_t mlen = 0;
	char *mtext = NULL;
	if (info && info->n > 0) {
		mtext = sr_meta_format(info, &mlen);
		if (!mtext)
			return sr_fail("%s: cannot format the model info", path);
	}
	put_str(&w, mtext ? mtext : "", mlen);
	free(mtext);
	put_u32(&w, (uint32_t)nnets);
	for (int i = 0; i < nnets; i++) {
		const sr_net *n = nets[i];
		size_t nl = strlen(names[i]);
		if (nl < 1 || nl > MAX_NAME) {
			free(w.b);
			return sr_fail("%s: network name '%s' must have 1..%d bytes", path, names[i], MAX_NAME);
		}
		for (int j = 0; j < i; j++)
			if (strcmp(names[j], names[i]) == 0) {
				free(w.b);
				return sr_fail("%s: network name '%s' used twice", path, names[i]);
			}
		put_str(&w, names[i], nl);
		put_str(&w, n->spec, strlen(n->spec));
		put_u32(&w, (uint32_t)n->in_c);
		put_u32(&w, (uint32_t)n->in_h);
		put_u32(&w, (uint32_t)n->in_w);
		put_u32(&w, (uint32_t)n->n_out);
		put_u64(&w, n->np);
		put_floats(&w, n->params, n->np);
		const sr_optim *o = optims ? optims[i] : NULL;
		if (o && o->n != n->np) {
			free(w.b);
			return sr_fail("%s: optimiser state of '%s' has %zu values, the network %zu", path,
			               names[i], o->n, n->np);
		}
		put_u32(&w, o ? (uint32_t)o->conf.kind : 0);
		if (o) {
			put_u64(&w, (uint64_t)o->t);
			put_floats(&w, o->m, o->n);
			put_floats(&w, o->v, o->n);
		}
	}
	if (w.oom) {
		free(w.b);
		return sr_fail("%s: out of memory", path);
	}
	uLongf clen = compressBound(w.n);
	unsigned char *out = malloc(HDR + clen);
	if (!out) {
		free(w.b);
		return sr_fail("%s: out of memory", path);
	}
	if (compress2(out + HDR, &clen, w.b, w.n, 6) != Z_OK) {
		free(w.b), free(out);
		return sr_fail("%s: compression failed", path);
	}
	memcpy(out, MAGIC, 8);
	le32(out + 8, SR_MODEL_VERSION);
	le32(out + 12, 0);
	le32(out + 16, (uint32_t)w.n), le32(out + 20, (uint32_t)((uint64_t)w.n >> 32));
	le32(out + 24, (uint32_t)clen), le32(out + 28, (uint32_t)((uint64_t)clen >> 32));
	le32(out + 32, (uint32_t)crc32(crc32(0, NULL, 0), w.b, (uInt)w.n));
	le32(out + 36, (uint32_t)crc32(crc32(0, NULL, 0), out, 36));
	free(w.b);
	int r = write_atomically(path, out, HDR + clen);
	free(out);
	return r;
}

void sr_model_free(sr_model *m)
{
	if (!m)
		return;
	sr_meta_free(&m->info);
	for (int i = 0; i < m->nnets; i++) {
		free(m->net[i].name);
		free(m->net[i].spec);
		free(m->net[i].params);
		free(m->net[i].m);
	}
	free(m->payload);
	free(m);
}

/* ---- reading ---- */
typedef struct {
	const unsigned char *b;
	size_t n, pos;
	int bad;
} rbuf;

static const unsigned char *take(rbuf *r, uint64_t n)
{
	if (r->bad || n > r->n - r->pos) {
		r->bad = 1;
		return NULL;
	}
	const unsigned char *p = r->b + r->pos;
	r->pos += n;
	return p;
}

static uint32_t get_u32(rbuf *r)
{
	const unsigned char *p = take(r, 4);
	return p ? rd32(p) : 0;
}

static uint64_t get_u64(rbuf *r)
{
	const unsigned char *p = take(r, 8);
	return p ? rd64(p) : 0;
}

static char *get_str(rbuf *r, uint32_t max)
{
	uint32_t n = get_u32(r);
	if (n > max) {
		r->bad = 1;
		return NULL;
	}
	const unsigned char *p = take(r, n);
	if (!p)
		return NULL;
	char *s = malloc(n + 1);
	if (!s) {
		r->bad = 1;
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = 0;
	if (strlen(s) != n) {
		free(s);
		r->bad = 1;
		return NULL;
	}
	return s;
}

static float *get_floats(rbuf *r, uint64_t n, float *dst)
{
	if (n > (r->n - r->pos) / 4) {
		r->bad = 1;
		return NULL;
	}
	const unsigned char *p = take(r, 4 * n);
	for (uint64_t i = 0; i < n; i++) {
		uint32_t u = rd32(p + 4 * i);
		memcpy(&dst[i], &u, 4);
	}
	return dst;
}

static int parse_payload(sr_model *m, const char *path, const unsigned char *b, size_t n,
                         const sr_limits *lim)
{
	rbuf r = {b, n, 0, 0};
	char *mtext = get_str(&r, SR_META_MAX_TEXT);
	if (!mtext)
		return sr_fail("%s: corrupt model file (bad info block)", path);
	int rc = sr_meta_parse(&m->info, mtext, strlen(mtext));
	free(mtext);
	if (rc < 0)
		return sr_fail_context("%s: model info", path);
	uint32_t nn = get_u32(&r);
	if (r.bad || nn < 1 || nn > MAX_NETS)
		return sr_fail("%s: corrupt model file (bad network count)", path);
	for (uint32_t i = 0; i < nn; i++) {
		model_net *mn = &m->net[m->nnets];
		memset(mn, 0, sizeof *mn);
		m->nnets++;
		mn->name = get_str(&r, MAX_NAME);
		mn->spec = get_str(&r, SR_NN_SPEC_MAX);
		mn->in_c = (int)get_u32(&r), mn->in_h = (int)get_u32(&r), mn->in_w = (int)get_u32(&r);
		mn->n_out = (int)get_u32(&r);
		mn->np = get_u64(&r);
		if (r.bad || mn->np > (r.n - r.pos) / 4)
			return sr_fail("%s: corrupt model file (network %u)", path, i + 1);
		/* the shapes and the count are checked here, before the network is ever built */
		if (mn->in_c < 1 || mn->in_h < 1 || mn->in_w < 1 || mn->n_out < 0 ||
		    mn->in_c > 65536 || mn->in_h > 65536 || mn->in_w > 65536 || mn->n_out > (1 << 24))
			return sr_fail("%s: corrupt model file (network %u: input %dx%dx%d, %d outputs)",
			               path, i + 1, mn->in_c, mn->in_h, mn->in_w, mn->n_out);
		if (mn->np > (uint64_t)lim->net_params)
			return sr_fail("%s: network '%s' has %llu parameters, more than the limit of %lld "
			               "(net-params; see STEMROT_LIMITS in stemrot-model(5))", path,
			               mn->name, (unsigned long long)mn->np, lim->net_params);
		mn->params = malloc((mn->np ? mn->np : 1) * sizeof(float));
		if (!mn->params)
			return sr_fail("%s: out of memory", path);
		get_floats(&r, mn->np, mn->params);
		mn->opt_kind = (int)get_u32(&r);
		if (mn->opt_kind) {
			if (mn->opt_kind < SR_OPT_ADAM || mn->opt_kind > SR_OPT_SGD)
				return sr_fail("%s: corrupt model file (optimiser kind %d)", path, mn->opt_kind);
			mn->opt_t = get_u64(&r);
			if (r.bad || mn->np > (r.n - r.pos) / 8)
				return sr_fail("%s: corrupt model file (optimiser state)", path);
			mn->m = malloc((mn->np ? 2 * mn->np : 1) * sizeof(float));
			if (!mn->m)
				return sr_fail("%s: out of memory", path);
			mn->v = mn->m + mn->np;
			get_floats(&r, mn->np, mn->m);
			get_floats(&r, mn->np, mn->v);
		}
		if (r.bad)
			return sr_fail("%s: corrupt model file (network %u)", path, i + 1);
		for (int j = 0; j + 1 < m->nnets; j++)
			if (strcmp(m->net[j].name, mn->name) == 0)
				return sr_fail("%s: corrupt model file (network '%s' twice)", path, mn->name);
	}
	if (r.pos != r.n)
		return sr_fail("%s: corrupt model file (%zu bytes after the last network)", path,
		               r.n - r.pos);
	return 0;
}

sr_model *sr_model_load(const char *path)
{
	const sr_limits *lim = sr_limits_get();
	if (!lim)
		return NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		sr_fail("%s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		sr_fail("%s: is a directory, not a model file", path);
		return NULL;
	}
	unsigned char h[HDR];
	size_t got = fread(h, 1, HDR, f);
	sr_model *m = NULL;
	unsigned char *comp = NULL;
	if (got < HDR && ferror(f)) {
		sr_fail("%s: read error: %s", path, strerror(errno));
		goto fail;
	}
	if (got >= 8 && memcmp(h, MAGIC, 8) != 0) {
		sr_fail("%s: not a stemrot model file (bad magic)", path);
		goto fail;
	}
	if (got < HDR) {
		sr_fail("%s: truncated model file (%zu of %d header bytes)", path, got, HDR);
		goto fail;
	}
	if (rd32(h + 36) != (uint32_t)crc32(crc32(0, NULL, 0), h, 36)) {
		sr_fail("%s: corrupt model file (header CRC mismatch)", path);
		goto fail;
	}
	uint32_t version = rd32(h + 8);
	if (version != SR_MODEL_VERSION) {
		sr_fail("%s: model file version %u; this program reads version %d", path, version,
		        SR_MODEL_VERSION);
		goto fail;
	}
	uint64_t ulen = rd64(h + 16), clen = rd64(h + 24);
	if (ulen > MAX_PAYLOAD || clen > MAX_PAYLOAD) {
		sr_fail("%s: corrupt model file (payload of %llu bytes)", path,
		        (unsigned long long)(ulen > clen ? ulen : clen));
		goto fail;
	}
	/* Before anything is allocated or inflated: the sizes the header claims must be possible
	 * (deflate cannot expand more than 1032:1), within the user's limit, and the compressed
	 * size must be what the file holds.  The format's CRC is of the inflated payload, so it is
	 * checked after inflating; these bounds keep that inflation small. */
	if (ulen > clen * MAX_DEFLATE_RATIO + 64) {
		sr_fail("%s: corrupt model file (%llu compressed bytes cannot inflate to %llu)", path,
		        (unsigned long long)clen, (unsigned long long)ulen);
		goto fail;
	}
	if (ulen > (uint64_t)lim->model_bytes) {
		sr_fail("%s: model payload of %llu bytes is more than the limit of %lld (model-bytes; "
		        "see STEMROT_LIMITS in stemrot-model(5))", path, (unsigned long long)ulen,
		        lim->model_bytes);
		goto fail;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size != HDR + clen) {
		if ((uint64_t)st.st_size < HDR + clen)
			sr_fail("%s: truncated model file (%llu of %llu payload bytes)", path,
			        (unsigned long long)(st.st_size - HDR), (unsigned long long)clen);
		else
			sr_fail("%s: corrupt model file (data after the payload)", path);
		goto fail;
	}
	comp = malloc(clen + 1);
	m = calloc(1, sizeof *m);
	if (!comp || !m) {
		sr_fail("%s: out of memory", path);
		goto fail;
	}
	sr_meta_init(&m->info);
	got = fread(comp, 1, clen + 1, f);
	if (ferror(f)) {
		sr_fail("%s: read error", path);
		goto fail;
	}
	if (got < clen) {
		sr_fail("%s: truncated model file (%zu of %llu payload bytes)", path, got,
		        (unsigned long long)clen);
		goto fail;
	}
	if (got > clen) {
		sr_fail("%s: corrupt model file (data after the payload)", path);
		goto fail;
	}
	m->payload = malloc(ulen ? ulen : 1);
	if (!m->payload) {
		sr_fail("%s: out of memory", path);
		goto fail;
	}
	uLongf dl = (uLongf)ulen;
	if (uncompress(m->payload, &dl, comp, (uLong)clen) != Z_OK || dl != ulen) {
		sr_fail("%s: corrupt model file (bad compressed data)", path);
		goto fail;
	}
	if (rd32(h + 32) != (uint32_t)crc32(crc32(0, NULL, 0), m->payload, (uInt)ulen)) {
		sr_fail("%s: corrupt model file (CRC mismatch)", path);
		goto fail;
	}
	free(comp);
	comp = NULL;
	if (parse_payload(m, path, m->payload, ulen, lim) < 0)
		goto fail;
	free(m->payload);
	m->payload = NULL;
	fclose(f);
	return m;
fail:
	fclose(f);
	free(comp);
	sr_model_free(m);
	return NULL;
}

const sr_meta *sr_model_info(const sr_model *m) { return &m->info; }
int sr_model_nnets(const sr_model *m) { return m->nnets; }
const char *sr_model_net_name(const sr_model *m, int i)
{
	return i >= 0 && i < m->nnets ? m->net[i].name : NULL;
}

static const model_net *find(const sr_model *m, const char *name, const char *what)
{
	for (int i = 0; i < m->nnets; i++)
		if (strcmp(m->net[i].name, name) == 0)
			return &m->net[i];
	sr_fail("model has no network '%s'%s", name, what);
	return NULL;
}

int sr_model_load_into(const sr_model *m, const char *name, sr_net *net)
{
	const model_net *mn = find(m, name, "");
	if (!mn)
		return -1;
	if (mn->in_c != net->in_c || mn->in_h != net->in_h || mn->in_w != net->in_w ||
	    mn->n_out != net->n_out)
		return sr_fail("wrong architecture: model network '%s' takes %dx%dx%d input with %d "
		               "outputs, this network %dx%dx%d with %d",
		               name, mn->in_c, mn->in_h, mn->in_w, mn->n_out, net->in_c, net->in_h,
		               net->in_w, net->n_out);
	sr_net *ref = sr_net_create(mn->spec, mn->in_c, mn->in_h, mn->in_w, mn->n_out, 1);
	if (!ref)
		return sr_fail_context("model network '%s'", name);
	int same = ref->nl == net->nl && ref->np == net->np && mn->np == net->np;
	for (int l = 0; same && l < net->nl; l++) {
		const sr_layer *a = &ref->L[l], *b = &net->L[l];
		same = a->kind == b->kind && a->out_c == b->out_c && a->out_h == b->out_h &&
		       a->out_w == b->out_w && a->kh == b->kh && a->kw == b->kw && a->sh == b->sh &&
		       a->sw == b->sw && a->ph == b->ph && a->pw == b->pw && a->nw == b->nw &&
		       a->bilinear == b->bilinear && a->p == b->p;
	}
	sr_net_free(ref);
	if (!same)
		return sr_fail("wrong architecture: model network '%s' is \"%s\" (%llu parameters), "
		               "not \"%s\" (%zu)",
		               name, mn->spec, (unsigned long long)mn->np, net->spec, net->np);
	memcpy(net->params, mn->params, net->np * sizeof(float));
	return 0;
}

sr_net *sr_model_net(const sr_model *m, const char *name, int max_batch)
{
	const model_net *mn = find(m, name, "");
	if (!mn)
		return NULL;
	sr_net *net = sr_net_create(mn->spec, mn->in_c, mn->in_h, mn->in_w, mn->n_out, max_batch);
	if (!net) {
		sr_fail_context("model network '%s'", name);
		return NULL;
	}
	if (sr_model_load_into(m, name, net) < 0) {
		sr_net_free(net);
		return NULL;
	}
	return net;
}

int sr_model_restore_optim(const sr_model *m, const char *name, sr_optim *o)
{
	const model_net *mn = find(m, name, "");
	if (!mn)
		return -1;
	if (!mn->opt_kind)
		return 1;
	if (mn->np != o->n)
		return sr_fail("wrong architecture: optimiser state of '%s' has %llu values, not %zu",
		               name, (unsigned long long)mn->np, o->n);
	if ((mn->opt_kind == SR_OPT_SGD) != (o->conf.kind == SR_OPT_SGD))
		return sr_fail("model network '%s': stored optimiser state is for another optimiser",
		               name);
	memcpy(o->m, mn->m, 2 * o->n * sizeof(float));
	o->t = (long)mn->opt_t;
	return 0;
}
