/* meta.c: ordered key=value metadata (see meta.h). */
#include "core/meta.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"

void sr_meta_init(sr_meta *m)
{
	m->kv = NULL;
	m->n = m->cap = 0;
	m->slot = NULL;
	m->nslot = 0;
}

void sr_meta_clear(sr_meta *m)
{
	for (int i = 0; i < m->n; i++) {
		free(m->kv[i].key);
		free(m->kv[i].val);
	}
	m->n = 0;
	if (m->slot)
		memset(m->slot, 0, (size_t)m->nslot * sizeof *m->slot);
}

void sr_meta_free(sr_meta *m)
{
	sr_meta_clear(m);
	free(m->kv);
	free(m->slot);
	sr_meta_init(m);
}

static int key_ok(const char *key, size_t len)
{
	if (len < 1 || len > SR_META_MAX_KEY)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)key[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* Printable: no control characters (this rules out newline and tab) and no DEL; bytes
 * >= 0x80 pass, so UTF-8 text is fine. */
static int val_ok(const char *val, size_t len)
{
	if (len > SR_META_MAX_VAL)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)val[i];
		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

/* ---- the key index ---- */

/* FNV-1a: keys are short and not chosen to collide with a secret, but a hostile file can pick
 * them; the table is kept at most half full and probing is linear, so even a crafted set of
 * colliding keys costs at most O(keys) per probe sequence, bounded by the meta-keys limit. */
static size_t hash(const char *key, size_t klen)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < klen; i++)
		h = (h ^ (unsigned char)key[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

static int same_key(const char *stored, const char *key, size_t klen)
{
	return strncmp(stored, key, klen) == 0 && stored[klen] == '\0';
}

static int find(const sr_meta *m, const char *key, size_t klen)
{
	if (m->nslot == 0)
		return -1;
	size_t mask = (size_t)m->nslot - 1;
	for (size_t s = hash(key, klen) & mask;; s = (s + 1) & mask) {
		int i = m->slot[s] - 1;
		if (i < 0)
			return -1;
		if (same_key(m->kv[i].key, key, klen))
			return i;
	}
}

static void index_put(sr_meta *m, int i)
{
	size_t mask = (size_t)m->nslot - 1;
	size_t s = hash(m->kv[i].key, strlen(m->kv[i].key)) & mask;
	while (m->slot[s])
		s = (s + 1) & mask;
	m->slot[s] = i + 1;
}

/* Rebuilds the index with room for at least want keys at half load. */
static int reindex(sr_meta *m, int want)
{
	int nslot = m->nslot;
	if (nslot < 16)
		nslot = 16;
	while (nslot < 2 * want)
		nslot *= 2;
	if (nslot != m->nslot) {
		int *slot = calloc((size_t)nslot, sizeof *slot);
		if (!slot)
			return sr_fail("out of memory");
		free(m->slot);
		m->slot = slot;
		m->nslot = nslot;
	} else {
		memset(m->slot, 0, (size_t)nslot * sizeof *m->slot);
	}
	for (int i = 0; i < m->n; i++)
		index_put(m, i);
	return 0;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Sets a checked key/value pair given with explicit lengths. */
static int set_n(sr_meta *m, const char *key, size_t klen, const char *val, size_t vlen)
{
	char *v = dup_n(val, vlen);
	if (!v)
		return sr_fail("out of memory");
	int i = find(m, key, klen);
	if (i >= 0) {
		free(m->kv[i].val);
		m->kv[i].val = v;
		return 0;
	}
	if (2 * (m->n + 1) > m->nslot && reindex(m, m->n + 1) < 0) {
		free(v);
		return -1;
	}
	if (m->n == m->cap) {
		if (m->cap > (1 << 29)) {
			free(v);
			return sr_fail("too many metadata keys");
		}
		int cap = m->cap ? 2 * m->cap : 16;
		sr_kv *kv = realloc(m->kv, (size_t)cap * sizeof *kv);
		if (!kv) {
			free(v);
			return sr_fail("out of memory");
		}
		m->kv = kv;
		m->cap = cap;
	}
	char *k = dup_n(key, klen);
	if (!k) {
		free(v);
		return sr_fail("out of memory");
	}
	m->kv[m->n].key = k;
	m->kv[m->n].val = v;
	m->n++;
	index_put(m, m->n - 1);
	return 0;
}

int sr_meta_copy(sr_meta *dst, const sr_meta *src)
{
	if (dst == src)
		return 0;
	sr_meta_clear(dst);
	for (int i = 0; i < src->n; i++)
		if (set_n(dst, src->kv[i].key, strlen(src->kv[i].key), src->kv[i].val,
		          strlen(src->kv[i].val)) < 0)
			return -1;
	return 0;
}

static int vset(sr_meta *m, const char *key, const char *fmt, va_list ap)
{
	char buf[SR_META_MAX_VAL + 2];
	size_t klen = key ? strlen(key) : 0;
	if (!key_ok(key ? key : "", klen))
		return sr_fail("bad metadata key '%.80s' (want 1..%d characters of A-Z a-z 0-9 _ . -)",
		               key ? key : "", SR_META_MAX_KEY);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n < 0 || n > SR_META_MAX_VAL)
		return sr_fail("metadata value of '%s' is longer than %d bytes", key, SR_META_MAX_VAL);
	if (!val_ok(buf, (size_t)n))
		return sr_fail("metadata value of '%s' contains a control character", key);
	return set_n(m, key, klen, buf, (size_t)n);
}

int sr_meta_set(sr_meta *m, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vset(m, key, fmt, ap);
	va_end(ap);
	return r;
}

/* The shortest of %.15g, %.16g, %.17g that reads back as the same double, so 0.1 stays
 * "0.1" and every value still round-trips exactly. */
int sr_meta_set_double(sr_meta *m, const char *key, double v)
{
	char buf[64];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, v);
		if (strtod(buf, NULL) == v || prec == 17 || v != v)
			break;
	}
	return sr_meta_set(m, key, "%s", buf);
}

int sr_meta_set_long(sr_meta *m, const char *key, long v)
{
	return sr_meta_set(m, key, "%ld", v);
}

int sr_meta_del(sr_meta *m, const char *key)
{
	int i = find(m, key, strlen(key));
	if (i < 0)
		return 0;
	free(m->kv[i].key);
	free(m->kv[i].val);
	memmove(m->kv + i, m->kv + i + 1, (size_t)(m->n - i - 1) * sizeof *m->kv);
	m->n--;
	/* positions after i moved down by one: rebuild (same size, so it cannot fail) */
	return reindex(m, m->n);
}

const char *sr_meta_get(const sr_meta *m, const char *key)
{
	int i = find(m, key, strlen(key));
	return i < 0 ? NULL : m->kv[i].val;
}

int sr_meta_get_double(const sr_meta *m, const char *key, double *out)
{
	const char *s = sr_meta_get(m, key);
	if (!s)
		return 1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE)
		return sr_fail("metadata %s='%.80s' is not a number", key, s);
	*out = v;
	return 0;
}

int sr_meta_get_long(const sr_meta *m, const char *key, long *out)
{
	const char *s = sr_meta_get(m, key);
	if (!s)
		return 1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE)
		return sr_fail("metadata %s='%.80s' is not an integer", key, s);
	*out = v;
	return 0;
}

int sr_meta_parse(sr_meta *m, const char *text, size_t len)
{
	const sr_limits *lim = sr_limits_get();
	if (!lim)
		return -1;
	if ((long long)len > lim->meta_bytes)
		return sr_fail("metadata of %zu bytes is more than the limit of %lld (meta-bytes; see "
		               "STEMROT_LIMITS in stemrot-stream(5))", len, lim->meta_bytes);
	size_t pos = 0;
	long line = 0;
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		pos += n + (nl ? 1 : 0);
		line++;
		if (n == 0)
			continue;
		const char *eq = memchr(s, '=', n);
		if (!eq)
			return sr_fail("metadata line %ld: no '=' in '%.*s'", line, (int)(n > 60 ? 60 : n), s);
		size_t klen = (size_t)(eq - s), vlen = n - klen - 1;
		if (!key_ok(s, klen))
			return sr_fail("metadata line %ld: bad key '%.*s'", line, (int)(klen > 80 ? 80 : klen), s);
		if (vlen > SR_META_MAX_VAL)
			return sr_fail("metadata line %ld: value of '%.*s' is longer than %d bytes", line,
			               (int)klen, s, SR_META_MAX_VAL);
		if (!val_ok(eq + 1, vlen))
			return sr_fail("metadata line %ld: value of '%.*s' contains a control character",
			               line, (int)klen, s);
		if (find(m, s, klen) >= 0)
			return sr_fail("metadata line %ld: duplicate key '%.*s'", line, (int)klen, s);
		if (m->n >= lim->meta_keys)
			return sr_fail("metadata line %ld: more than the limit of %lld keys (meta-keys; see "
			               "STEMROT_LIMITS in stemrot-stream(5))", line, lim->meta_keys);
		if (set_n(m, s, klen, eq + 1, vlen) < 0)
			return -1;
	}
	return 0;
}

char *sr_meta_format(const sr_meta *m, size_t *len)
{
	size_t total = 0;
	for (int i = 0; i < m->n; i++)
		total += strlen(m->kv[i].key) + strlen(m->kv[i].val) + 2;
	char *buf = malloc(total + 1), *p = buf;
	if (!buf) {
		sr_fail("out of memory");
		return NULL;
	}
	for (int i = 0; i < m->n; i++) {
		size_t k = strlen(m->kv[i].key), v = strlen(m->kv[i].val);
		memcpy(p, m->kv[i].key, k);
		p += k;
		*p++ = '=';
		memcpy(p, m->kv[i].val, v);
		p += v;
		*p++ = '\n';
	}
	*p = '\0';
	if (len)
		*len = total;
	return buf;
}
