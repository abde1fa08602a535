/* limits.c: the resource limits (see limits.h). */
#include "core/limits.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* name, offset, default, hard ceiling */
static const struct {
	const char *name;
	size_t off;
	long long def, ceiling;
} table[] = {
	{"samples", offsetof(sr_limits, samples), 1LL << 26, 1LL << 29},
	{"meta-bytes", offsetof(sr_limits, meta_bytes), 1LL << 20, 1LL << 30},
	{"meta-keys", offsetof(sr_limits, meta_keys), 1LL << 16, 1LL << 24},
	{"model-bytes", offsetof(sr_limits, model_bytes), 1LL << 28, 1LL << 31},
	{"net-params", offsetof(sr_limits, net_params), 1LL << 24, 1LL << 30},
	{"net-activations", offsetof(sr_limits, net_activations), 1LL << 23, 1LL << 32},
};
#define NLIMITS (sizeof table / sizeof table[0])

static sr_limits current;
static int state; /* 0: not read yet; 1: ready; -1: STEMROT_LIMITS is bad */
static char env_error[400];

static long long *slot(sr_limits *l, size_t i) { return (long long *)((char *)l + table[i].off); }

static void set_defaults(void)
{
	for (size_t i = 0; i < NLIMITS; i++)
		*slot(&current, i) = table[i].def;
}

/* One "name=value" item of length n. */
static int set_one(const char *item, size_t n)
{
	const char *eq = memchr(item, '=', n);
	if (!eq)
		return sr_fail("limit '%.*s' is not NAME=VALUE", (int)(n > 80 ? 80 : n), item);
	size_t klen = (size_t)(eq - item);
	for (size_t i = 0; i < NLIMITS; i++) {
		if (strlen(table[i].name) != klen || memcmp(table[i].name, item, klen) != 0)
			continue;
		char text[32];
		size_t vlen = n - klen - 1;
		if (vlen == 0 || vlen >= sizeof text)
			return sr_fail("limit %s: '%.*s' is not a number", table[i].name,
			               (int)(vlen > 40 ? 40 : vlen), eq + 1);
		memcpy(text, eq + 1, vlen);
		text[vlen] = '\0';
		char *end;
		errno = 0;
		long long v = strtoll(text, &end, 10);
		int shift = *end == 'k' || *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;
		if (shift)
			end++;
		if (end == text || *end != '\0' || errno == ERANGE || v < 1 || text[0] == '-' ||
		    text[0] == '+')
			return sr_fail("limit %s: '%s' is not a positive integer (suffix k, M or G allowed)",
			               table[i].name, text);
		if (v > table[i].ceiling >> shift)
			return sr_fail("limit %s: %s is above the ceiling of %lld", table[i].name, text,
			               table[i].ceiling);
		*slot(&current, i) = v << shift;
		return 0;
	}
	return sr_fail("unknown limit '%.*s' (known: samples, meta-bytes, meta-keys, model-bytes, "
	               "net-params, net-activations)", (int)(klen > 40 ? 40 : klen), item);
}

static int apply(const char *spec)
{
	const char *p = spec;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n > 0 && set_one(p, n) < 0)
			return -1;
		p += n + (comma ? 1 : 0);
	}
	return 0;
}

const sr_limits *sr_limits_get(void)
{
	if (state == 0) {
		set_defaults();
		state = 1;
		const char *env = getenv("STEMROT_LIMITS");
		if (env && apply(env) < 0) {
			snprintf(env_error, sizeof env_error, "STEMROT_LIMITS: %s", sr_errmsg());
			state = -1;
		}
	}
	if (state < 0) {
		sr_fail("%s", env_error);
		return NULL;
	}
	return &current;
}

int sr_limits_set(const char *spec)
{
	if (!sr_limits_get())
		return -1;
	return apply(spec);
}

void sr_limits_reset(void)
{
	set_defaults();
	state = 1;
}
