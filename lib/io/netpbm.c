/* netpbm.c: Netpbm input through libnetpbm (any PBM/PGM/PPM/PAM, plain or raw, with PAM
 * header comments as metadata) and PAM/PGM output.  See stemrot-stream(5). */
#define _GNU_SOURCE /* fopencookie */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <netpbm/pam.h>

#include "core/err.h"
#include "core/limits.h"
#include "io/format.h"
#include "io/netpbm.h"

/* Comment lines are cut to this many bytes of text: libnetpbm rejects PAM header lines of
 * 256 bytes or more, so longer metadata lines continue on comment lines starting "+". */
#define COMMENT_CHUNK 200

/* ---- libnetpbm error capture ---- */

static char pm_text[600];
static const char *pm_comments; /* where libnetpbm puts a PAM header's comments */
static jmp_buf *pm_orig;        /* the caller's jmp buffer, restored after each read */

static void on_pm_error(const char *msg)
{
	snprintf(pm_text, sizeof pm_text, "%s", msg);
	size_t n = strlen(pm_text);
	while (n > 0 && (pm_text[n - 1] == '\n' || pm_text[n - 1] == ' ' || pm_text[n - 1] == '.'))
		pm_text[--n] = '\0';
	/* libnetpbm quotes bytes of the bad header: keep the message one printable line. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)pm_text[i] < 0x20 || (unsigned char)pm_text[i] >= 0x7f)
			pm_text[i] = '?';
}

static void on_pm_message(const char *msg) { (void)msg; }

static void pm_once(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	pm_init("stemrot", 0);
	pm_setusererrormsgfn(on_pm_error);
	pm_setusermessagefn(on_pm_message);
}

/* The reader's state: libnetpbm's tuple row, reused while the images keep their size. */
typedef struct {
	tuple *row;
	int width, depth;
} row_state;

static void free_row_state(void *state)
{
	row_state *s = state;
	if (s->row)
		pnm_freepamrow(s->row);
	free(s);
}

/* Turns PAM comments into metadata text: one leading space dropped from each line, lines
 * starting with "+" continue the previous one.  0 and the metadata in m when every line is
 * key=value; 1 when the comments are not stemrot metadata (m left empty); -1 on error. */
static int comments_to_meta(const char *c, sr_meta *m)
{
	size_t n = strlen(c);
	const sr_limits *lim = sr_limits_get();
	if (!lim)
		return -1;
	if ((long long)n > lim->meta_bytes + lim->meta_bytes / 4)
		return sr_fail("PAM header comments are longer than %lld bytes (meta-bytes; see "
		               "STEMROT_LIMITS in stemrot-stream(5))", lim->meta_bytes + lim->meta_bytes / 4);
	char *text = malloc(n + 2), *p = text;
	if (!text)
		return sr_fail("out of memory");
	const char *s = c;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		const char *line = s;
		s += len + (nl ? 1 : 0);
		if (len > 0 && line[0] == ' ')
			line++, len--;
		if (len == 0)
			continue;
		if (line[0] == '+') {
			if (p == text) { /* continuation with nothing to continue */
				free(text);
				return 1;
			}
			p--; /* drop the newline of the line it continues */
			line++, len--;
		}
		memcpy(p, line, len);
		p += len;
		*p++ = '\n';
	}
	int r = p == text ? 1 : 0;
	/* Comments beyond the limits are an error, not foreign comments to be dropped in silence:
	 * stemrot's own metadata that large must be read with the limits raised. */
	long long lines = 0;
	for (const char *q = text; q < p; q++)
		lines += *q == '\n';
	if (r == 0 && ((long long)(p - text) > lim->meta_bytes || lines > lim->meta_keys)) {
		free(text);
		return sr_fail("PAM header comments of %lld lines, %lld bytes are more than the limits of "
		               "%lld keys, %lld bytes (meta-keys, meta-bytes; see STEMROT_LIMITS in "
		               "stemrot-stream(5))", lines, (long long)(p - text), lim->meta_keys,
		               lim->meta_bytes);
	}
	if (r == 0 && sr_meta_parse(m, text, (size_t)(p - text)) < 0) {
		sr_meta_clear(m);
		r = 1;
	}
	free(text);
	return r;
}

/* ---- PAM headers, read here ----
 * libnetpbm appends each comment line of a PAM header to the comments it collects with strcat,
 * so n comment lines cost n^2: 960 KB of '#' lines took 2.4 s, ten times that would take four
 * minutes.  A P7 header is therefore read here, line by line, its comments kept for the
 * metadata and its other lines handed to libnetpbm, which then reads the raster from the input
 * itself: through a FILE that serves the comment-free header, then the borrowed input,
 * unbuffered so that it takes no byte past the image. */
typedef struct {
	char *hdr;
	size_t len, pos;
	FILE *rest;
} pam_source;

static ssize_t pam_source_read(void *cookie, char *buf, size_t n)
{
	pam_source *s = cookie;
	if (s->pos < s->len) {
		size_t m = s->len - s->pos < n ? s->len - s->pos : n;
		memcpy(buf, s->hdr + s->pos, m);
		s->pos += m;
		return (ssize_t)m;
	}
	size_t got = fread(buf, 1, n, s->rest);
	return got == 0 && ferror(s->rest) ? -1 : (ssize_t)got;
}

/* Grows *b (capacity *cap) to hold n more bytes after *len and appends them. */
static int append(char **b, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap : 256;
		while (c < *len + n + 1)
			c *= 2;
		char *nb = realloc(*b, c);
		if (!nb)
			return sr_fail("out of memory");
		*b = nb;
		*cap = c;
	}
	memcpy(*b + *len, p, n);
	*len += n;
	(*b)[*len] = '\0';
	return 0;
}

/* Reads a PAM header from f up to and including its ENDHDR line (or the end of the input,
 * which libnetpbm then reports): the lines that are not comments go to *hdr, the comments
 * (the text after '#', a newline after each, as libnetpbm gives them) to *comments.  The
 * whole header is bounded by the metadata limit. */
static int read_pam_header(FILE *f, char **hdr, size_t *hlen, char **comments)
{
	const sr_limits *lim = sr_limits_get();
	if (!lim)
		return -1;
	long long max = lim->meta_bytes + lim->meta_bytes / 4 + 4096, total = 0;
	size_t hcap = 0, clen = 0, ccap = 0, llen = 0, lcap = 0;
	char *line = NULL;
	int rc = -1, c = 0;
	*hdr = *comments = NULL;
	*hlen = 0;
	while (c != EOF) {
		llen = 0;
		while ((c = getc(f)) != EOF && c != '\n') {
			char ch = (char)c;
			if (++total > max) {
				sr_fail("PAM header is longer than %lld bytes (meta-bytes; see STEMROT_LIMITS in "
				        "stemrot-stream(5))", max);
				goto out;
			}
			if (append(&line, &llen, &lcap, &ch, 1) < 0)
				goto out;
		}
		if (llen == 0 && c == EOF)
			break;
		if (append(&line, &llen, &lcap, "\n", 1) < 0)
			goto out;
		if (line[0] == '#') {
			if (append(comments, &clen, &ccap, line + 1, llen - 1) < 0)
				goto out;
			continue;
		}
		if (append(hdr, hlen, &hcap, line, llen) < 0)
			goto out;
		size_t n = llen - 1;
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
			n--;
		if (n == 6 && memcmp(line, "ENDHDR", 6) == 0)
			break;
	}
	if (!*hdr && append(hdr, hlen, &hcap, "", 0) < 0)
		goto out;
	rc = 0;
out:
	free(line);
	if (rc < 0) {
		free(*hdr);
		free(*comments);
		*hdr = *comments = NULL;
	}
	return rc;
}

/* How the planes of a Netpbm image become views. */
enum plan { PLAN_VIEWS, PLAN_FIRST, PLAN_LUMA };

/* own_comments: the header's comments were read here (pm_comments holds them) and f serves
 * the header without them; else libnetpbm collects them (Netpbm formats other than PAM have
 * few: their comments are not metadata). */
static int read_netpbm(FILE *f, sr_format_input *fi, sr_record *rec, int own_comments)
{
	struct pam pam;
	memset(&pam, 0, sizeof pam);
	if (!own_comments)
		pam.comment_p = &pm_comments;
	/* libnetpbm's PAM_STRUCT_SIZE forms a member address from a null pointer (undefined
	 * behaviour, which UBSan reports); offsetof says the same without it */
	pnm_readpaminit(f, &pam, own_comments ? offsetof(struct pam, tuple_type) + sizeof pam.tuple_type
	                                      : offsetof(struct pam, comment_p) + sizeof pam.comment_p);
	if (pam.maxval < 1 || pam.maxval > 65535)
		return sr_fail("maxval %lu is outside 1..65535", (unsigned long)pam.maxval);
	if (pam.depth < 1 || pam.depth > SR_MAX_VIEWS)
		return sr_fail("PAM depth %u is outside 1..%d", pam.depth, SR_MAX_VIEWS);
	if (pam.width < 1 || pam.width > SR_MAX_DIM || pam.height < 1 || pam.height > SR_MAX_DIM)
		return sr_fail("image size %dx%d is outside 1..%d", pam.width, pam.height, SR_MAX_DIM);
	const char *tt = pam.tuple_type;
	enum plan plan = PLAN_VIEWS;
	int views = (int)pam.depth;
	if (strncmp(tt, "STEMROT", 7) == 0) {
		plan = PLAN_VIEWS;
	} else if ((strcmp(tt, "RGB") == 0 || strcmp(tt, "RGB_ALPHA") == 0) && pam.depth >= 3) {
		plan = PLAN_LUMA;
		views = 1;
	} else if (strcmp(tt, "GRAYSCALE") == 0 || strcmp(tt, "BLACKANDWHITE") == 0 ||
	           strcmp(tt, "GRAYSCALE_ALPHA") == 0 || strcmp(tt, "BLACKANDWHITE_ALPHA") == 0) {
		plan = PLAN_FIRST;
		views = 1;
	}
	if (sr_record_reshape(rec, SR_LAYOUT_IMAGE, views, pam.height, pam.width) < 0)
		return -1;
	row_state *st = *fi->state;
	if (!st && !(st = *fi->state = calloc(1, sizeof *st)))
		return sr_fail("out of memory");
	if (!st->row || st->width != pam.width || st->depth != (int)pam.depth) {
		if (st->row)
			pnm_freepamrow(st->row);
		st->row = NULL; /* pnm_allocpamrow does not return on failure */
		st->row = pnm_allocpamrow(&pam);
		st->width = pam.width;
		st->depth = (int)pam.depth;
	}
	tuple *row = st->row;
	size_t plane = (size_t)pam.height * (size_t)pam.width;
	for (int r = 0; r < pam.height; r++) {
		pnm_readpamrow(&pam, row);
		float *dst = rec->data + (size_t)r * pam.width;
		for (int c = 0; c < pam.width; c++) {
			if (plan == PLAN_LUMA) {
				/* ITU-R BT.601 luma, rounded as ppmtopgm does. */
				double y = 0.299 * row[c][0] + 0.587 * row[c][1] + 0.114 * row[c][2];
				dst[c] = (float)floor(y + 0.5);
			} else {
				for (int v = 0; v < views; v++)
					dst[(size_t)v * plane + c] = (float)row[c][v];
			}
		}
	}

	/* Metadata: a stemrot PAM's comments, else the defaults. */
	sr_meta_clear(&rec->meta);
	int own = 1;
	if (pm_comments) {
		own = comments_to_meta(pm_comments, &rec->meta);
		free((void *)pm_comments);
		pm_comments = NULL;
		if (own < 0)
			return -1;
	}
	if (own == 0) {
		double off = 0, scale = 1;
		int ro = sr_meta_get_double(&rec->meta, "pam.offset", &off);
		int rs = sr_meta_get_double(&rec->meta, "pam.scale", &scale);
		if (ro < 0 || rs < 0)
			return -1;
		if (!isfinite(off) || !isfinite(scale) || !(scale > 0))
			return sr_fail("bad pam.offset/pam.scale metadata");
		if (ro == 0 || rs == 0) {
			size_t n = sr_record_size(rec);
			for (size_t i = 0; i < n; i++)
				rec->data[i] = (float)(rec->data[i] * scale + off);
		}
		const char *lay = sr_meta_get(&rec->meta, "pam.layout");
		if (lay) {
			int l = sr_layout_parse(lay); /* the writer never writes "image" */
			if (l == SR_LAYOUT_IMAGE)
				l = 0;
			if (!l || (l == SR_LAYOUT_VECTOR && (rec->height != 1 || rec->views != 1)) ||
			    rec->height > SR_MAX_PROFILES)
				return sr_fail("bad pam.layout metadata '%.40s' for a %dx%d image of %d views",
				               lay, rec->width, rec->height, rec->views);
			rec->layout = l;
		}
		sr_meta_del(&rec->meta, "pam.offset");
		sr_meta_del(&rec->meta, "pam.scale");
		sr_meta_del(&rec->meta, "pam.layout");
	}
	/* An image without stemrot metadata gets id, source and maxval, and the samples'
	 * meaning from STEMROT_PAM_MAP when the user states it (e.g. after pamsplit, which
	 * drops the comments that carried the map). */
	if (own != 0) {
		sr_sample_map map;
		if (sr_sample_map_env(&map) < 0)
			return -1;
		if (map.set) {
			size_t n = sr_record_size(rec);
			for (size_t i = 0; i < n; i++)
				rec->data[i] = (float)(rec->data[i] * map.step + map.offset);
		}
		if (sr_meta_set(&rec->meta, "id", "%s:%ld", fi->name, fi->record) < 0 ||
		    sr_meta_set(&rec->meta, "source", "%s", fi->name) < 0 ||
		    sr_meta_set_long(&rec->meta, "maxval", (long)pam.maxval) < 0)
			return -1;
	}
	return 1;
}

static int probe(const unsigned char *head, size_t n)
{
	if (n >= 2 && head[0] == 'P' && head[1] >= '1' && head[1] <= '7')
		return SR_PROBE_YES;
	/* Anything else starting with 'P' gets libnetpbm's message, as before formats were
	 * probed. */
	return head[0] == 'P' ? SR_PROBE_MAYBE : SR_PROBE_NO;
}

static int read_pnm(sr_format_input *fi, sr_record *rec)
{
	size_t got;
	const unsigned char *head = sr_input_peek(fi->in, 2, &got);
	int pam = got == 2 && head[0] == 'P' && head[1] == '7';
	FILE *f = sr_input_borrow_file(fi->in);
	if (!f)
		return -1;
	/* a PAM: its header read here (see read_pam_header), libnetpbm reads the rest */
	pam_source src = {NULL, 0, 0, f};
	char *comments = NULL;
	FILE *in = f;
	if (pam) {
		if (read_pam_header(f, &src.hdr, &src.len, &comments) < 0) {
			sr_input_return_file(fi->in, f);
			return -1;
		}
		cookie_io_functions_t io = {pam_source_read, NULL, NULL, NULL};
		in = fopencookie(&src, "r", io);
		if (!in || setvbuf(in, NULL, _IONBF, 0) != 0) {
			if (in)
				fclose(in);
			free(src.hdr);
			free(comments);
			sr_input_return_file(fi->in, f);
			return sr_fail("out of memory");
		}
	}
	jmp_buf jb;
	pm_once();
	pm_text[0] = '\0';
	pm_comments = comments;
	if (setjmp(jb)) {
		pm_setjmpbuf(pm_orig);
		free((void *)pm_comments);
		pm_comments = NULL;
		if (pam) {
			fclose(in);
			free(src.hdr);
		}
		sr_input_return_file(fi->in, f);
		return sr_fail("%s", pm_text[0] ? pm_text : "unreadable Netpbm image");
	}
	pm_setjmpbufsave(&jb, &pm_orig);
	int r = read_netpbm(in, fi, rec, pam);
	pm_setjmpbuf(pm_orig);
	if (pam) {
		fclose(in);
		free(src.hdr);
	}
	sr_input_return_file(fi->in, f);
	free((void *)pm_comments);
	pm_comments = NULL;
	return r;
}

/* ---- the sample map ---- */

int sr_sample_map_parse(const char *name, const char *s, sr_sample_map *map)
{
	char *end;
	errno = 0;
	double off = strtod(s, &end);
	if (end == s || *end != ':')
		goto bad;
	const char *t = end + 1;
	double step = strtod(t, &end);
	if (end == t || *end != '\0' || errno == ERANGE || !isfinite(off) || !isfinite(step) ||
	    !(step > 0))
		goto bad;
	map->set = 1;
	map->offset = off;
	map->step = step;
	return 0;
bad:
	return sr_fail("%s: '%.40s' is not OFFSET:STEP (finite numbers, STEP > 0)", name, s);
}

int sr_sample_map_env(sr_sample_map *map)
{
	map->set = 0;
	const char *env = getenv("STEMROT_PAM_MAP");
	if (!env || !*env)
		return 0;
	return sr_sample_map_parse("STEMROT_PAM_MAP", env, map);
}

/* ---- writing ---- */

/* Appends "#" + text + "\n" comment lines for one metadata line, cut into chunks. */
static size_t comment_lines(char *dst, const char *key, const char *val)
{
	size_t n = 0, klen = strlen(key), vlen = strlen(val);
	/* First line: "# key=" and as much of the value as fits. */
	size_t take = vlen;
	if (klen + 1 + take > COMMENT_CHUNK)
		take = COMMENT_CHUNK - klen - 1;
	n += (size_t)sprintf(dst + n, "# %s=%.*s\n", key, (int)take, val);
	val += take;
	vlen -= take;
	while (vlen > 0) {
		take = vlen > COMMENT_CHUNK - 1 ? COMMENT_CHUNK - 1 : vlen;
		n += (size_t)sprintf(dst + n, "# +%.*s\n", (int)take, val);
		val += take;
		vlen -= take;
	}
	return n;
}

static int is_pam_key(const char *k)
{
	return strcmp(k, "pam.offset") == 0 || strcmp(k, "pam.scale") == 0 ||
	       strcmp(k, "pam.layout") == 0;
}

int sr_pnm_write(FILE *out, const sr_record *rec, int maxval, int type, const sr_sample_map *map)
{
	int fixed = map && map->set;
	if (sr_check_shape(rec->layout, rec->views, rec->height, rec->width) < 0)
		return sr_fail_context("cannot write record");
	if (type == SR_PNM_PGM && rec->views != 1)
		return sr_fail("a PGM holds one view, this record has %d", rec->views);
	if (maxval == 0) {
		long mv;
		maxval = 65535;
		if (sr_meta_get_long(&rec->meta, "maxval", &mv) == 0 && mv >= 1 && mv <= 65535)
			maxval = (int)mv;
	}
	if (maxval < 1 || maxval > 65535)
		return sr_fail("maxval %d is outside 1..65535", maxval);

	/* Scan: finite?  all integers within 0..maxval? */
	size_t n = sr_record_size(rec);
	int exact = 1;
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		float v = rec->data[i];
		if (!isfinite(v))
			return sr_fail("sample %zu is %s; PAM/PGM cannot hold it (write tensor records)", i,
			               isnan(v) ? "NaN" : "infinite");
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
		if (exact && (v < 0 || v > maxval || v != floorf(v)))
			exact = 0;
	}
	double offset = 0, scale = 1;
	if (fixed) {
		offset = map->offset;
		scale = map->step;
		/* what lround below would take outside 0..maxval */
		if ((lo - offset) / scale <= -0.5 || (hi - offset) / scale >= maxval + 0.5)
			return sr_fail("samples %g..%g do not fit the sample map %g:%g with maxval %d "
			               "(it holds %g..%g)", lo, hi, offset, scale, maxval, offset,
			               offset + scale * maxval);
		exact = 0;
	} else if (!exact) {
		offset = lo < 0 ? lo : 0;
		scale = hi > offset ? (hi - offset) / maxval : 1;
	}

	/* Header, with the metadata as comments. */
	size_t hcap = 256;
	for (int i = 0; i < rec->meta.n; i++) {
		size_t l = strlen(rec->meta.kv[i].key) + strlen(rec->meta.kv[i].val) + 1;
		hcap += l + 4 * (l / 100 + 2);
	}
	hcap += 3 * 64;
	char *hdr = malloc(hcap), num[64];
	if (!hdr)
		return sr_fail("out of memory");
	size_t hl = (size_t)sprintf(hdr, "%s\n", type == SR_PNM_PGM ? "P5" : "P7");
	for (int i = 0; i < rec->meta.n; i++)
		if (!is_pam_key(rec->meta.kv[i].key))
			hl += comment_lines(hdr + hl, rec->meta.kv[i].key, rec->meta.kv[i].val);
	if (rec->layout != SR_LAYOUT_IMAGE)
		hl += comment_lines(hdr + hl, "pam.layout", sr_layout_name(rec->layout));
	if (!exact) {
		snprintf(num, sizeof num, "%.17g", offset);
		hl += comment_lines(hdr + hl, "pam.offset", num);
		snprintf(num, sizeof num, "%.17g", scale);
		hl += comment_lines(hdr + hl, "pam.scale", num);
	}
	if (type == SR_PNM_PGM)
		hl += (size_t)sprintf(hdr + hl, "%d %d\n%d\n", rec->width, rec->height, maxval);
	else
		hl += (size_t)sprintf(hdr + hl, "WIDTH %d\nHEIGHT %d\nDEPTH %d\nMAXVAL %d\nTUPLTYPE %s\nENDHDR\n",
		                      rec->width, rec->height, rec->views, maxval,
		                      rec->views == 1 ? "GRAYSCALE"
		                      : rec->views == 2 ? "STEMROT_PAIR" : "STEMROT_VIEWS");
	int bps = maxval > 255 ? 2 : 1;
	size_t rowbytes = (size_t)rec->width * (size_t)rec->views * (size_t)bps;
	unsigned char *rowbuf = malloc(rowbytes);
	if (!rowbuf) {
		free(hdr);
		return sr_fail("out of memory");
	}
	int r = 0;
	if (fwrite(hdr, 1, hl, out) != hl)
		r = -1;
	size_t plane = (size_t)rec->height * (size_t)rec->width;
	for (int y = 0; y < rec->height && r == 0; y++) {
		unsigned char *p = rowbuf;
		for (int x = 0; x < rec->width; x++)
			for (int v = 0; v < rec->views; v++) {
				double s = rec->data[(size_t)v * plane + (size_t)y * rec->width + x];
				long q = exact ? (long)s : lround((s - offset) / scale);
				if (q < 0)
					q = 0;
				if (q > maxval)
					q = maxval;
				if (bps == 2)
					*p++ = (unsigned char)(q >> 8);
				*p++ = (unsigned char)q;
			}
		if (fwrite(rowbuf, 1, rowbytes, out) != rowbytes)
			r = -1;
	}
	free(hdr);
	free(rowbuf);
	if (r < 0)
		return sr_fail("write error: %s", strerror(errno));
	return 0;
}

static int write_pam(FILE *out, const sr_record *rec, const sr_write_options *opt)
{
	sr_sample_map map = {opt->map_set, opt->map_offset, opt->map_step};
	if (!map.set && sr_sample_map_env(&map) < 0)
		return -1;
	return sr_pnm_write(out, rec, opt->maxval, SR_PNM_PAM, &map);
}

const sr_format_def sr_format_netpbm = {
	.name = "Netpbm",
	.head_bytes = 2,
	.probe = probe,
	.read = read_pnm,
	.write = write_pam,
	.writes = SR_FORMAT_PAM,
	.free_state = free_row_state,
};
