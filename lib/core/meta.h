/* meta.h: a record's metadata, an ordered list of key=value text pairs.
 *
 * Keys match [A-Za-z0-9_.-]{1,64}; values are printable text without newline (at most 4096
 * bytes).  Order is kept (first set, first listed), so metadata passes through every filter
 * byte for byte; a filter adds its own keys with sr_meta_set.  Serialised as "key=value\n"
 * lines.  Well-known keys are listed in stemrot-stream(5). */
#ifndef SR_META_H
#define SR_META_H

#include <stddef.h>

typedef struct {
	char *key;
	char *val;
} sr_kv;

typedef struct {
	sr_kv *kv;
	int n, cap;
	/* hash index of the keys (open addressing, slot = position + 1, 0 = empty), so that
	 * lookups and parsing take time proportional to the text, not to keys squared */
	int *slot;
	int nslot;
} sr_meta;

#define SR_META_MAX_KEY 64
#define SR_META_MAX_VAL 4096
#define SR_META_MAX_TEXT (1 << 20)   /* the writers' limit; readers use sr_limits_get() */

void sr_meta_init(sr_meta *m);
void sr_meta_free(sr_meta *m);
void sr_meta_clear(sr_meta *m);                       /* empties, keeps the allocation */
int  sr_meta_copy(sr_meta *dst, const sr_meta *src);  /* dst is cleared first */

/* Sets key to the formatted value: replaces in place if present, else appends.  -1 on a bad
 * key or value. */
int sr_meta_set(sr_meta *m, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Doubles are written as the shortest of "%.15g".."%.17g" that reads back exactly (0.1 stays
 * "0.1"); a float passed in widens to a double exactly, so it round-trips too. */
int sr_meta_set_double(sr_meta *m, const char *key, double v);
int sr_meta_set_long(sr_meta *m, const char *key, long v);
int sr_meta_del(sr_meta *m, const char *key);          /* 0 whether or not it was there */

const char *sr_meta_get(const sr_meta *m, const char *key); /* NULL when absent */
/* 0: found and parsed; 1: absent (*out untouched); -1: present but not a number (error set,
 * naming the key and the value). */
int sr_meta_get_double(const sr_meta *m, const char *key, double *out);
int sr_meta_get_long(const sr_meta *m, const char *key, long *out);

/* Parses "key=value\n" lines (a last line without newline is accepted); blank lines are
 * ignored.  Appends to m.  -1 with a message naming the line on malformed text, a duplicate
 * key, or text beyond the meta-bytes or meta-keys limit (core/limits.h).  Time and memory are
 * proportional to len. */
int sr_meta_parse(sr_meta *m, const char *text, size_t len);
/* Serialises into a malloc'd buffer; *len gets its length (no terminating NUL counted). */
char *sr_meta_format(const sr_meta *m, size_t *len);

#endif
