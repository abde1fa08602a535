/* spec.c: the network specification language (stemrot-net(7)) -> layer list with shapes
 * and parameter offsets. */
#include "nn/impl.h"
#include "nn/layer.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

#define MAX_TOK 8
#define MAX_DIM (1 << 20)
#define MAX_ELEMS ((size_t)1 << 28)

typedef struct {
	const char *s[MAX_TOK];
	int len[MAX_TOK];
	int n;
} toks;

static int tok_is(const toks *t, int i, const char *word)
{
	return i < t->n && (int)strlen(word) == t->len[i] && strncmp(t->s[i], word, t->len[i]) == 0;
}

/* token i as a NUL-terminated string in buf[32]; -1 if there is none or it is too long */
static int tok_copy(const toks *t, int i, char buf[32])
{
	if (i >= t->n || t->len[i] >= 32)
		return -1;
	memcpy(buf, t->s[i], t->len[i]);
	buf[t->len[i]] = 0;
	return 0;
}

static int tok_int(const toks *t, int i, long lo, long hi, long *out)
{
	char buf[32];
	if (tok_copy(t, i, buf) < 0)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(buf, &end, 10);
	if (errno || *end || end == buf || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int tok_float(const toks *t, int i, double *out)
{
	char buf[32];
	if (tok_copy(t, i, buf) < 0)
		return -1;
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (errno || *end || end == buf)
		return -1;
	*out = v;
	return 0;
}

/* Options after the positional arguments: stride S, same, valid, nearest, bilinear. */
static int parse_opts(const toks *t, int first, long *stride, int *same, int *bilinear,
                      const char **bad)
{
	for (int i = first; i < t->n; i++) {
		if (tok_is(t, i, "stride") && stride) {
			if (tok_int(t, i + 1, 1, 64, stride) < 0) {
				*bad = "stride needs an integer 1..64";
				return -1;
			}
			i++;
		} else if (tok_is(t, i, "same") && same) {
			*same = 1;
		} else if (tok_is(t, i, "valid") && same) {
			*same = 0;
		} else if (tok_is(t, i, "nearest") && bilinear) {
			*bilinear = 0;
		} else if ((tok_is(t, i, "bilinear") || tok_is(t, i, "linear")) && bilinear) {
			*bilinear = 1;
		} else {
			*bad = "unexpected word";
			return -1;
		}
	}
	return 0;
}

static int spec_err(int layer, int line, int col, const char *what, const toks *t)
{
	if (t && t->n > 0)
		return sr_fail("network spec: layer %d (line %d, col %d, '%.*s'): %s", layer, line, col,
		               t->len[0] > 20 ? 20 : t->len[0], t->s[0], what);
	return sr_fail("network spec: layer %d (line %d, col %d): %s", layer, line, col, what);
}

/* Builds one layer from its tokens and the current shape. */
static int make_layer(sr_net *net, const toks *t, int *c, int *h, int *w, const char **bad)
{
	sr_layer L;
	memset(&L, 0, sizeof L);
	L.in_c = *c, L.in_h = *h, L.in_w = *w;
	L.kh = L.kw = L.sh = L.sw = 1;
	long a = 0, b = 0, cc = 0, stride = 1;
	int same = 0, bil = 0, npos = 0;
	int conv1d = tok_is(t, 0, "conv1d");
	if (tok_is(t, 0, "conv") || conv1d || tok_is(t, 0, "conv2d")) {
		if (tok_int(t, 1, 1, 65536, &a) < 0 || tok_int(t, 2, 1, 1024, &b) < 0)
			return *bad = "usage: conv FILTERS KERNEL [stride S] [same|valid]", -1;
		if (parse_opts(t, 3, &stride, &same, NULL, bad) < 0)
			return -1;
		if (conv1d && *h != 1)
			return *bad = "conv1d needs an input of height 1", -1;
		L.kind = SR_L_CONV;
		L.is1d = (*h == 1 && !tok_is(t, 0, "conv2d"));
		L.kh = L.is1d ? 1 : (int)b, L.kw = (int)b;
		L.sh = L.is1d ? 1 : (int)stride, L.sw = (int)stride;
		if (same) {
			if (stride != 1)
				return *bad = "'same' padding needs stride 1", -1;
			L.same = 1;
			L.ph = (L.kh - 1) / 2, L.pw = (L.kw - 1) / 2;
		}
		L.out_c = (int)a;
		npos = t->n;
	} else if (tok_is(t, 0, "convt")) {
		if (tok_int(t, 1, 1, 65536, &a) < 0 || tok_int(t, 2, 1, 1024, &b) < 0)
			return *bad = "usage: convt FILTERS KERNEL [stride S]", -1;
		if (parse_opts(t, 3, &stride, NULL, NULL, bad) < 0)
			return -1;
		L.kind = SR_L_CONVT;
		L.is1d = (*h == 1);
		L.kh = L.is1d ? 1 : (int)b, L.kw = (int)b;
		L.sh = L.is1d ? 1 : (int)stride, L.sw = (int)stride;
		L.out_c = (int)a;
		npos = t->n;
	} else if (tok_is(t, 0, "maxpool") || tok_is(t, 0, "avgpool") || tok_is(t, 0, "maxpool1d") ||
	           tok_is(t, 0, "avgpool1d")) {
		if (tok_int(t, 1, 1, 1024, &a) < 0)
			return *bad = "usage: maxpool|avgpool KERNEL [stride S]", -1;
		stride = a;
		if (parse_opts(t, 2, &stride, NULL, NULL, bad) < 0)
			return -1;
		if (t->len[0] > 7 && *h != 1)
			return *bad = "1D pooling needs an input of height 1", -1;
		L.kind = t->s[0][0] == 'm' ? SR_L_MAXPOOL : SR_L_AVGPOOL;
		L.is1d = (*h == 1);
		L.kh = L.is1d ? 1 : (int)a, L.kw = (int)a;
		L.sh = L.is1d ? 1 : (int)stride, L.sw = (int)stride;
		npos = t->n;
	} else if (tok_is(t, 0, "gpool")) {
		L.kind = SR_L_GPOOL;
		npos = 1;
	} else if (tok_is(t, 0, "dense")) {
		if (tok_is(t, 1, "OUT"))
			a = net->n_out;
		else if (tok_int(t, 1, 1, 1 << 24, &a) < 0)
			return *bad = "usage: dense N (or dense OUT)", -1;
		if (a < 1)
			return *bad = "dense OUT needs n_out >= 1", -1;
		L.kind = SR_L_DENSE;
		L.out_c = (int)a;
		npos = 2;
	} else if (tok_is(t, 0, "relu")) {
		L.kind = SR_L_RELU, npos = 1;
	} else if (tok_is(t, 0, "tanh")) {
		L.kind = SR_L_TANH, npos = 1;
	} else if (tok_is(t, 0, "sigmoid")) {
		L.kind = SR_L_SIGMOID, npos = 1;
	} else if (tok_is(t, 0, "silu")) {
		L.kind = SR_L_SILU, npos = 1;
	} else if (tok_is(t, 0, "gelu")) {
		L.kind = SR_L_GELU, npos = 1;
	} else if (tok_is(t, 0, "dropout")) {
		double p;
		if (tok_float(t, 1, &p) < 0 || !(p >= 0 && p < 1))
			return *bad = "usage: dropout P (0 <= P < 1)", -1;
		L.kind = SR_L_DROPOUT, L.p = (float)p, npos = 2;
	} else if (tok_is(t, 0, "flatten")) {
		L.kind = SR_L_FLATTEN;
		npos = 1;
	} else if (tok_is(t, 0, "reshape")) {
		if (tok_int(t, 1, 1, MAX_DIM, &a) < 0 || tok_int(t, 2, 1, MAX_DIM, &b) < 0 ||
		    tok_int(t, 3, 1, MAX_DIM, &cc) < 0)
			return *bad = "usage: reshape C H W", -1;
		L.kind = SR_L_RESHAPE;
		L.out_c = (int)a, L.out_h = (int)b, L.out_w = (int)cc;
		npos = 4;
	} else if (tok_is(t, 0, "upsample")) {
		if (tok_int(t, 1, 1, 64, &a) < 0)
			return *bad = "usage: upsample S [nearest|bilinear]", -1;
		if (parse_opts(t, 2, NULL, NULL, &bil, bad) < 0)
			return -1;
		L.kind = SR_L_UPSAMPLE;
		L.is1d = (*h == 1);
		L.sh = L.is1d ? 1 : (int)a, L.sw = (int)a;
		L.bilinear = bil;
		npos = t->n;
	} else {
		return *bad = "unknown layer (see stemrot-net(7))", -1;
	}
	const char *why = sr_nn_layer_ops(L.kind)->shape(&L);
	if (why)
		return *bad = why, -1;
	int oc = L.out_c, oh = L.out_h, ow = L.out_w;
	if (npos < t->n)
		return *bad = "too many words", -1;
	if (oc > MAX_DIM || oh > MAX_DIM || ow > MAX_DIM || (size_t)oc * oh * ow > MAX_ELEMS)
		return *bad = "output too large", -1;
	if (L.nw > MAX_ELEMS)
		return *bad = "too many parameters", -1;
	if (net->nl >= SR_NN_MAX_LAYERS)
		return *bad = "too many layers", -1;
	L.w_off = net->np;
	net->np += L.nw;
	L.b_off = net->np;
	net->np += L.nb;
	net->L[net->nl++] = L;
	*c = oc, *h = oh, *w = ow;
	return 0;
}

int sr_nn_parse(sr_net *net, const char *text)
{
	int c = net->in_c, h = net->in_h, w = net->in_w;
	int line = 1, layer = 0;
	const char *p = text, *line_start = text;
	net->nl = 0;
	net->np = 0;
	while (*p) {
		/* one statement: up to ';' or newline */
		toks t;
		t.n = 0;
		const char *stmt = NULL;
		int stmt_line = line;
		for (;;) {
			while (*p == ' ' || *p == '\t' || *p == '\r')
				p++;
			if (*p == '#')
				while (*p && *p != '\n')
					p++;
			if (!*p || *p == ';' || *p == '\n')
				break;
			const char *s = p;
			while (*p && !isspace((unsigned char)*p) && *p != ';' && *p != '#')
				p++;
			if (!stmt)
				stmt = s, stmt_line = line;
			if (t.n >= MAX_TOK) {
				t.n = MAX_TOK;
				return spec_err(layer + 1, stmt_line, (int)(stmt - line_start) + 1,
				                "too many words", &t);
			}
			t.s[t.n] = s, t.len[t.n] = (int)(p - s), t.n++;
		}
		int col = stmt ? (int)(stmt - line_start) + 1 : 0;
		const char *sls = line_start;
		if (*p == '\n')
			line++, line_start = p + 1;
		if (*p)
			p++;
		if (t.n == 0)
			continue;
		layer++;
		const char *bad = "error";
		(void)sls;
		if (make_layer(net, &t, &c, &h, &w, &bad) < 0)
			return spec_err(layer, stmt_line, col, bad, &t);
	}
	if (net->nl == 0)
		return sr_fail("network spec: no layers");
	return 0;
}
