/* dm.c: Gatan DigitalMicrograph files, DM3 and DM4: every 2D image of the file, and every
 * frame of a 3D stack, one record each; the RGB thumbnail skipped; files that hold no 2D
 * image (spectra, spectrum images, complex data) refused, saying what they hold.
 *
 * The file is a tree of tags after a header (version 3 or 4 as a big-endian u32; the byte
 * order of the data as a u32, 1 = little-endian).  Tag headers and type descriptions are
 * big-endian, with 4-byte (DM3) or 8-byte (DM4) counts; a DM4 tag also gives its size.  A
 * group is (sorted, open, count) then its tags; a data tag is "%%%%", the length of its type
 * description, the description (a simple type, a string, a struct of simple fields, or an
 * array of either) and the data.  The images are the groups under ImageList, each with
 * ImageData { Calibrations { Dimension [ { Scale, Units } ... ] }, Data, DataType,
 * Dimensions [ x, y (, z) ] } and an optional Name.
 *
 * The whole file is read into memory (the tree may point anywhere and pipes cannot seek),
 * up to SR_MICROGRAPH_MAX_FILE; every offset and count is checked against its end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "io/bytes.h"
#include "io/format.h"
#include "io/micrograph.h"

#define MAX_DEPTH 64
#define MAX_DIMS 4
#define LABEL 48

/* Simple element types of the tag data. */
enum { T_I16 = 2, T_I32 = 3, T_U16 = 4, T_U32 = 5, T_F32 = 6, T_F64 = 7, T_BOOL = 8,
       T_I8 = 9, T_U8 = 10, T_I64 = 11, T_U64 = 12, T_STRUCT = 15, T_STRING = 18,
       T_ARRAY = 20 };

static int simple_size(uint64_t t)
{
	switch (t) {
	case T_BOOL: case T_I8: case T_U8: return 1;
	case T_I16: case T_U16: return 2;
	case T_I32: case T_U32: case T_F32: return 4;
	case T_F64: case T_I64: case T_U64: return 8;
	default: return 0;
	}
}

static const char *simple_name(int t)
{
	switch (t) {
	case T_I16: return "int16";
	case T_I32: return "int32";
	case T_U16: return "uint16";
	case T_U32: return "uint32";
	case T_F32: return "float32";
	case T_F64: return "float64";
	case T_I8: return "int8";
	case T_I64: return "int64";
	case T_U64: return "uint64";
	default: return "uint8";
	}
}

typedef struct {
	int parent;       /* node index; -1 for the root's tags */
	char label[LABEL];
	int group;
	int type;         /* data: T_* of the description's first word */
	int elem;         /* arrays: the simple element type, 0 for arrays of structs */
	uint64_t count;   /* arrays and strings: elements */
	size_t data, bytes;
} node;

typedef struct {
	const unsigned char *b;
	size_t len, pos;
	int v4, little;
	node *nodes;
	int n, cap;
} parser;

/* One image the file holds, as found. */
typedef struct {
	int data;          /* node of the Data array */
	int ndims;
	uint64_t dims[MAX_DIMS];
	double scale[MAX_DIMS];
	char unit[MAX_DIMS][16];
	long datatype;
	char name[64];
} image;

typedef struct {
	unsigned char *file;
	size_t len;
	parser p;
	image *images;
	int nimages;
	int cur;           /* image being read */
	long frame;        /* frames of it done */
	long frames_total, frames_done;
} dm_state;

static int need(parser *p, size_t n, const char *what)
{
	if (n > p->len - p->pos)
		return sr_fail("truncated DM file: %s at byte %zu runs past the end (%zu bytes)", what,
		               p->pos, p->len);
	return 0;
}

/* A count of the tag structure: big-endian, 4 bytes in DM3, 8 in DM4. */
static int count(parser *p, uint64_t *v, const char *what)
{
	int w = p->v4 ? 8 : 4;
	if (need(p, (size_t)w, what) < 0)
		return -1;
	*v = p->v4 ? sr_u64(p->b + p->pos, 1) : sr_u32(p->b + p->pos, 1);
	p->pos += (size_t)w;
	return 0;
}

static int add_node(parser *p, const node *nd)
{
	if (p->n == p->cap) {
		int cap = p->cap ? 2 * p->cap : 256;
		node *nn = realloc(p->nodes, (size_t)cap * sizeof *nn);
		if (!nn)
			return sr_fail("out of memory");
		p->nodes = nn;
		p->cap = cap;
	}
	p->nodes[p->n] = *nd;
	return p->n++;
}

/* The data tag after its label: type description, then data.  Fills nd. */
static int data_tag(parser *p, node *nd)
{
	if (need(p, 4, "tag") < 0)
		return -1;
	if (memcmp(p->b + p->pos, "%%%%", 4) != 0)
		return sr_fail("corrupt DM file: tag '%.40s' at byte %zu lacks its %%%%%%%% mark",
		               nd->label, p->pos);
	p->pos += 4;
	uint64_t ninfo, info[64];
	if (count(p, &ninfo, "type description") < 0)
		return -1;
	if (ninfo < 1 || ninfo > 64)
		return sr_fail("corrupt DM file: tag '%.40s' has a type description of %llu words",
		               nd->label, (unsigned long long)ninfo);
	for (uint64_t i = 0; i < ninfo; i++)
		if (count(p, &info[i], "type description") < 0)
			return -1;
	uint64_t bytes = 0;
	nd->type = (int)(info[0] < 64 ? info[0] : 63);
	nd->count = 1;
	if (simple_size(info[0]) && ninfo == 1) {
		bytes = (uint64_t)simple_size(info[0]);
	} else if (info[0] == T_STRING && ninfo == 2) {
		nd->count = info[1];
		bytes = 2 * info[1]; /* UTF-16 */
	} else if (info[0] == T_STRUCT && ninfo >= 3 && ninfo == 3 + 2 * info[2]) {
		for (uint64_t f = 0; f < info[2]; f++)
			bytes += (uint64_t)simple_size(info[4 + 2 * f]);
	} else if (info[0] == T_ARRAY && ninfo == 3 && simple_size(info[1])) {
		nd->elem = (int)info[1];
		nd->count = info[2];
		if (info[2] > p->len)
			return sr_fail("corrupt DM file: array '%.40s' of %llu elements", nd->label,
			               (unsigned long long)info[2]);
		bytes = info[2] * (uint64_t)simple_size(info[1]);
	} else if (info[0] == T_ARRAY && ninfo >= 5 && info[1] == T_STRUCT &&
	           ninfo == 5 + 2 * info[3]) {
		uint64_t sz = 0;
		for (uint64_t f = 0; f < info[3]; f++)
			sz += (uint64_t)simple_size(info[5 + 2 * f]);
		nd->count = info[ninfo - 1];
		if (nd->count > p->len || (sz && nd->count > p->len / sz))
			return sr_fail("corrupt DM file: array '%.40s' of %llu structs", nd->label,
			               (unsigned long long)nd->count);
		bytes = sz * nd->count;
	} else {
		return sr_fail("corrupt DM file: tag '%.40s' has an unknown type %llu", nd->label,
		               (unsigned long long)info[0]);
	}
	if (bytes > p->len - p->pos)
		return need(p, (size_t)-1, "tag data");
	nd->data = p->pos;
	nd->bytes = (size_t)bytes;
	p->pos += (size_t)bytes;
	return 0;
}

static int group(parser *p, int parent, int depth)
{
	if (depth > MAX_DEPTH)
		return sr_fail("corrupt DM file: tags nested more than %d deep", MAX_DEPTH);
	if (need(p, 2, "tag group") < 0)
		return -1;
	p->pos += 2; /* sorted, open */
	uint64_t ntags;
	if (count(p, &ntags, "tag group") < 0)
		return -1;
	if (ntags > p->len)
		return sr_fail("corrupt DM file: a group of %llu tags", (unsigned long long)ntags);
	for (uint64_t i = 0; i < ntags; i++) {
		if (need(p, 3, "tag") < 0)
			return -1;
		int kind = p->b[p->pos];
		size_t llen = sr_u16(p->b + p->pos + 1, 1);
		p->pos += 3;
		if (kind == 0) /* end of the file's tags */
			return 0;
		if (kind != 20 && kind != 21)
			return sr_fail("corrupt DM file: tag kind %d at byte %zu (not 20 or 21)", kind,
			               p->pos - 3);
		if (need(p, llen, "tag label") < 0)
			return -1;
		node nd = {parent, "", kind == 20, 0, 0, 0, 0, 0};
		size_t keep = llen < LABEL ? llen : LABEL - 1;
		memcpy(nd.label, p->b + p->pos, keep);
		nd.label[keep] = '\0';
		p->pos += llen;
		if (p->v4) {
			uint64_t size;
			if (count(p, &size, "tag size") < 0)
				return -1;
		}
		if (kind == 21 && data_tag(p, &nd) < 0)
			return -1;
		int id = add_node(p, &nd);
		if (id < 0)
			return -1;
		if (kind == 20 && group(p, id, depth + 1) < 0)
			return -1;
	}
	return 0;
}

/* The child of parent with this label (NULL: the i-th child, any label), or -1. */
static int child(const parser *p, int parent, const char *label, int index)
{
	int k = 0;
	for (int i = parent + 1; i < p->n; i++)
		if (p->nodes[i].parent == parent) {
			if (label ? strcmp(p->nodes[i].label, label) == 0 : k == index)
				return i;
			k++;
		}
	return -1;
}

static double number(const parser *p, int id, double fallback)
{
	if (id < 0 || p->nodes[id].group || !simple_size((uint64_t)p->nodes[id].type) ||
	    p->nodes[id].type == T_ARRAY)
		return fallback;
	const unsigned char *d = p->b + p->nodes[id].data;
	int big = !p->little;
	switch (p->nodes[id].type) {
	case T_I16: return (int16_t)sr_u16(d, big);
	case T_I32: return (int32_t)sr_u32(d, big);
	case T_U16: return sr_u16(d, big);
	case T_U32: return sr_u32(d, big);
	case T_F32: return sr_f32(d, big);
	case T_F64: return sr_f64(d, big);
	case T_I64: return (double)(int64_t)sr_u64(d, big);
	case T_U64: return (double)sr_u64(d, big);
	case T_I8: return (int8_t)d[0];
	default: return d[0];
	}
}

/* A UTF-16 text (array of uint16, or a string) as UTF-8, cut to fit. */
static void text(const parser *p, int id, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	if (id < 0)
		return;
	const node *nd = &p->nodes[id];
	if (!(nd->type == T_STRING || (nd->type == T_ARRAY && nd->elem == T_U16)))
		return;
	for (uint64_t i = 0; i < nd->count; i++) {
		unsigned c = sr_u16(p->b + nd->data + 2 * i, !p->little);
		unsigned char u[3];
		size_t k = 0;
		if (c < 0x80)
			u[k++] = (unsigned char)c;
		else if (c < 0x800)
			u[k++] = (unsigned char)(0xc0 | c >> 6), u[k++] = (unsigned char)(0x80 | (c & 63));
		else
			u[k++] = (unsigned char)(0xe0 | c >> 12), u[k++] = (unsigned char)(0x80 | (c >> 6 & 63)),
			u[k++] = (unsigned char)(0x80 | (c & 63));
		if (c == 0 || n + k + 1 > cap)
			break;
		memcpy(out + n, u, k);
		n += k;
	}
	out[n] = '\0';
}

/* Collects the images under ImageList. */
static int find_images(dm_state *s)
{
	parser *p = &s->p;
	int list = child(p, -1, "ImageList", 0);
	if (list < 0)
		return sr_fail("DM file has no ImageList");
	int n = 0;
	while (child(p, list, NULL, n) >= 0)
		n++;
	if (!(s->images = calloc((size_t)n + 1, sizeof *s->images)))
		return sr_fail("out of memory");
	for (int i = 0; i < n; i++) {
		int it = child(p, list, NULL, i);
		int id = child(p, it, "ImageData", 0);
		if (id < 0)
			continue;
		image *im = &s->images[s->nimages];
		memset(im, 0, sizeof *im);
		im->data = child(p, id, "Data", 0);
		im->datatype = (long)number(p, child(p, id, "DataType", 0), -1);
		int dims = child(p, id, "Dimensions", 0);
		while (dims >= 0 && im->ndims < MAX_DIMS && child(p, dims, NULL, im->ndims) >= 0) {
			double d = number(p, child(p, dims, NULL, im->ndims), -1);
			im->dims[im->ndims++] = d >= 0 && d <= 1e15 ? (uint64_t)d : 0;
		}
		int cal = child(p, child(p, id, "Calibrations", 0), "Dimension", 0);
		for (int k = 0; k < im->ndims; k++) {
			int c = cal >= 0 ? child(p, cal, NULL, k) : -1;
			im->scale[k] = number(p, c >= 0 ? child(p, c, "Scale", 0) : -1, 0);
			text(p, c >= 0 ? child(p, c, "Units", 0) : -1, im->unit[k], sizeof im->unit[k]);
		}
		text(p, child(p, it, "Name", 0), im->name, sizeof im->name);
		if (im->data >= 0 && p->nodes[im->data].type == T_ARRAY)
			s->nimages++;
	}
	return 0;
}

/* Why an image cannot be read as records; NULL when it can. */
static const char *unreadable(const parser *p, const image *im, char *why, size_t cap)
{
	const node *d = &p->nodes[im->data];
	long t = im->datatype;
	if (t == 8 || t == 23)
		return "an RGB image";
	if (t == 3 || t == 5 || t == 13 || t == 27)
		return "complex data (a Fourier transform)";
	if (im->ndims < 2 || im->dims[1] <= 1) {
		snprintf(why, cap, "a %llu-point spectrum or profile%s%s",
		         (unsigned long long)(im->ndims ? im->dims[0] : d->count),
		         im->unit[0][0] ? ", unit " : "", im->unit[0]);
		return why;
	}
	if (im->ndims > 3)
		return "data of more than 3 dimensions";
	if (im->ndims == 3 && im->unit[2][0] && sr_unit_nm(im->unit[2], NULL) == 0) {
		snprintf(why, cap, "a spectrum image (%llu x %llu x %llu, third axis in %s)",
		         (unsigned long long)im->dims[0], (unsigned long long)im->dims[1],
		         (unsigned long long)im->dims[2], im->unit[2]);
		return why;
	}
	if (!d->elem || !simple_size((uint64_t)d->elem))
		return "data of an unknown sample type";
	return NULL;
}

static void free_state(void *state)
{
	dm_state *s = state;
	free(s->file);
	free(s->p.nodes);
	free(s->images);
	free(s);
}

static int probe(const unsigned char *h, size_t n)
{
	if (n < 16 || h[0] || h[1] || h[2] || (h[3] != 3 && h[3] != 4))
		return SR_PROBE_NO;
	const unsigned char *order = h[3] == 3 ? h + 8 : h + 12;
	if (order[0] || order[1] || order[2] || order[3] > 1)
		return SR_PROBE_NO;
	const unsigned char *root = order + 4; /* sorted, open: flags */
	return root[0] <= 1 && root[1] <= 1 ? SR_PROBE_YES : SR_PROBE_NO;
}

/* Reads the file and finds its images: 0, or -1 with the error set. */
static int open_file(sr_format_input *fi, dm_state *s)
{
	if (sr_input_slurp(fi->in, SR_MICROGRAPH_MAX_FILE, "DM file", &s->file, &s->len) < 0)
		return -1;
	parser *p = &s->p;
	p->b = s->file;
	p->len = s->len;
	p->v4 = s->len >= 4 && s->file[3] == 4;
	size_t hdr = p->v4 ? 16 : 12;
	if (s->len < hdr + 2)
		return sr_fail("truncated DM file: %zu bytes", s->len);
	p->little = sr_u32(s->file + hdr - 4, 1) == 1;
	p->pos = hdr;
	if (group(p, -1, 0) < 0 || find_images(s) < 0)
		return -1;
	char why[160];
	const char *first_why = NULL;
	int ok = 0;
	s->frames_total = 0;
	for (int i = 0; i < s->nimages; i++) {
		const char *w = unreadable(p, &s->images[i], why, sizeof why);
		if (!w) {
			ok++;
			s->frames_total += s->images[i].ndims == 3 ? (long)s->images[i].dims[2] : 1;
		} else if (!first_why && s->images[i].datatype != 23 && s->images[i].datatype != 8) {
			first_why = w;
		}
	}
	if (!ok)
		return sr_fail("DM file holds no 2D image%s%s", first_why ? ": it holds " : "",
		               first_why ? first_why : "");
	s->cur = 0;
	s->frame = 0;
	s->frames_done = 0;
	return 0;
}

static int read_dm(sr_format_input *fi, sr_record *rec)
{
	dm_state *s = *fi->state;
	if (!s && !(s = *fi->state = calloc(1, sizeof *s)))
		return sr_fail("out of memory");
	if (!s->file && open_file(fi, s) < 0) {
		free(s->file);
		s->file = NULL;
		return -1;
	}
	parser *p = &s->p;
	char why[160];
	while (s->cur < s->nimages && unreadable(p, &s->images[s->cur], why, sizeof why))
		s->cur++;
	const image *im = &s->images[s->cur];
	const node *d = &p->nodes[im->data];
	uint64_t w = im->dims[0], h = im->dims[1], frames = im->ndims == 3 ? im->dims[2] : 1;
	if (w < 1 || h < 1 || w > SR_MAX_DIM || h > SR_MAX_DIM || frames < 1 ||
	    d->count / w / h < frames || d->count != w * h * frames)
		return sr_fail("corrupt DM file: image %d is %llu x %llu x %llu but holds %llu samples",
		               s->cur, (unsigned long long)w, (unsigned long long)h,
		               (unsigned long long)frames, (unsigned long long)d->count);
	if (sr_record_reshape(rec, SR_LAYOUT_IMAGE, 1, (int)h, (int)w) < 0)
		return -1;
	size_t n = (size_t)(w * h), es = (size_t)simple_size((uint64_t)d->elem);
	const unsigned char *src = p->b + d->data + (size_t)s->frame * n * es;
	int big = !p->little;
	for (size_t i = 0; i < n; i++, src += es) {
		double v;
		switch (d->elem) {
		case T_I16: v = (int16_t)sr_u16(src, big); break;
		case T_I32: v = (int32_t)sr_u32(src, big); break;
		case T_U16: v = sr_u16(src, big); break;
		case T_U32: v = sr_u32(src, big); break;
		case T_F32: v = sr_f32(src, big); break;
		case T_F64: v = sr_f64(src, big); break;
		case T_I64: v = (double)(int64_t)sr_u64(src, big); break;
		case T_U64: v = (double)sr_u64(src, big); break;
		case T_I8: v = (int8_t)src[0]; break;
		default: v = src[0]; break;
		}
		rec->data[i] = (float)v;
	}
	s->frame++;
	s->frames_done++;
	/* y in the unit of x, when both are lengths */
	double sy = im->scale[1], ux = sr_unit_nm(im->unit[0], NULL), uy = sr_unit_nm(im->unit[1], NULL);
	if (ux > 0 && uy > 0)
		sy *= uy / ux;
	sr_micrograph_info mi = {s->file[3] == 4 ? "DM4" : "DM3", simple_name(d->elem),
	                         s->frames_done, s->frames_total, im->scale[0], sy,
	                         im->unit[0][0] ? im->unit[0] : NULL, NULL, im->name};
	if (sr_micrograph_meta(rec, fi->name, fi->record, &mi) < 0)
		return -1;
	if ((uint64_t)s->frame == frames) {
		s->cur++;
		s->frame = 0;
	}
	while (s->cur < s->nimages && unreadable(p, &s->images[s->cur], why, sizeof why))
		s->cur++;
	if (s->cur < s->nimages)
		return 2;
	/* done: the next record, if any, starts a new file */
	free(s->file);
	free(s->images);
	free(s->p.nodes);
	memset(s, 0, sizeof *s);
	return 1;
}

const sr_format_def sr_format_dm = {
	.name = "DigitalMicrograph",
	.head_bytes = 16,
	.probe = probe,
	.read = read_dm,
	.free_state = free_state,
};
