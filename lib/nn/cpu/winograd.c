/* winograd.c: 3x3 stride-1 convolutions (any zero padding up to 2, so 'valid' and 'same')
 * as Winograd F(2x2,3x3): each 2x2 output tile is A^T [(G g G^T) . (B^T d B)] A over a 4x4
 * input tile d, so the 16 transform positions each need one [out x in] x [in x tiles] GEMM:
 * 16 * 16 = 256 multiplies per 4 outputs per channel pair instead of 4 * 9 = 36 per output,
 * i.e. 2.25x fewer (a little less with the tiles' edge).  The backward is the exact adjoint of
 * that forward: d(transformed output) Z = A dY A^T per tile, dU = sum over tiles Z V^T
 * (one GEMM per position, then dW = G^T dU G), and dV = U^T Z (one GEMM per position, then
 * dx = sum over tiles of B dV B^T).  One image at a time, fixed order: the results do not
 * depend on threads.  Accuracy: a few float32 ulps of the largest terms (tests compare with
 * the naive loops).
 *
 * Layouts: U[pos][o][c] (pos = 4 * row component + column component), V[pos][c][t],
 * M/Z[pos][o][t], t = tile row * (tiles per row + 1) + tile column: each tile row carries one
 * junk tile (zero gradient, never written out), so every transform is one long unit-stride
 * loop over all tiles of a plane, not a short loop per tile row.  The input is handled as its
 * four parity planes (even/odd rows x even/odd columns of the zero-padded input). */
#pragma GCC optimize("O3")
#include "nn/impl.h"

#include <cblas.h>
#include <string.h>

/* the transforms are short unit-stride loops: AVX2 where the CPU has it (chosen at load) */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CLONES
#endif

int sr_nn_winograd = 1;

int sr_nn_wino_ok(const sr_layer *L)
{
	return L->kind == SR_L_CONV && L->kh == 3 && L->kw == 3 && L->sh == 1 && L->sw == 1 &&
	       !L->is1d && L->ph >= 0 && L->ph <= 2 && L->pw >= 0 && L->pw <= 2 && L->in_c >= 8 &&
	       L->out_c >= 8 && L->out_h >= 2 && L->out_w >= 2;
}

typedef struct {
	int C, O, H, W, OH, OW, ph, pw;
	int th, tw;     /* tiles: th rows x tw columns */
	int n1, T;      /* tile row stride tw + 1 (one junk tile); T = th n1 */
	size_t ps;      /* floats of one parity plane: (th + 1) n1 + 1 */
} geom;

static geom geom_of(const sr_layer *L)
{
	geom g;
	g.C = L->in_c, g.O = L->out_c, g.H = L->in_h, g.W = L->in_w;
	g.OH = L->out_h, g.OW = L->out_w, g.ph = L->ph, g.pw = L->pw;
	g.th = (g.OH + 1) / 2, g.tw = (g.OW + 1) / 2;
	g.n1 = g.tw + 1, g.T = g.th * g.n1;
	g.ps = (size_t)(g.th + 1) * g.n1 + 1;
	return g;
}

size_t sr_nn_wino_wsize(const sr_layer *L) { return (size_t)16 * L->out_c * L->in_c; }

/* V or dV (16 C T) + M or Z (16 O T) + work (parity planes, arrays of T, a padded row) */
static size_t tmp_size(const geom *g)
{
	return 12 * g->ps + 24 * (size_t)g->T + 2 * (size_t)g->n1 + 64;
}

size_t sr_nn_wino_scratch(const sr_layer *L)
{
	geom g = geom_of(L);
	return (size_t)16 * g.T * (g.C + g.O) + tmp_size(&g);
}

/* U[pos][o][c] = (G g G^T)[pos], G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1] */
void sr_nn_wino_pack(const sr_layer *L, const float *p, float *u)
{
	int O = L->out_c, C = L->in_c;
	size_t OC = (size_t)O * C;
	const float *w = p + L->w_off;
	for (int o = 0; o < O; o++)
		for (int c = 0; c < C; c++) {
			const float *k = w + ((size_t)o * C + c) * 9;
			float t[4][3], r[4][4];
			for (int x = 0; x < 3; x++) {
				float a = k[x], b = k[3 + x], d = k[6 + x];
				t[0][x] = a;
				t[1][x] = 0.5f * (a + b + d);
				t[2][x] = 0.5f * (a - b + d);
				t[3][x] = d;
			}
			for (int y = 0; y < 4; y++) {
				float a = t[y][0], b = t[y][1], d = t[y][2];
				r[y][0] = a;
				r[y][1] = 0.5f * (a + b + d);
				r[y][2] = 0.5f * (a - b + d);
				r[y][3] = d;
			}
			for (int q = 0; q < 16; q++)
				u[q * OC + (size_t)o * C + c] = r[q >> 2][q & 3];
		}
}

/* The 1D pieces, on n tiles at once (unit stride, so they vectorise).
 * bt4: B^T (d0..d3), B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1] */
static inline void bt4(int n, const float *restrict d0, const float *restrict d1,
                       const float *restrict d2, const float *restrict d3, float *restrict o0,
                       float *restrict o1, float *restrict o2, float *restrict o3)
{
	for (int j = 0; j < n; j++) {
		o0[j] = d0[j] - d2[j];
		o1[j] = d1[j] + d2[j];
		o2[j] = d2[j] - d1[j];
		o3[j] = d1[j] - d3[j];
	}
}

/* B (v0..v3): the adjoint of bt4 */
static inline void b4(int n, const float *restrict v0, const float *restrict v1,
                      const float *restrict v2, const float *restrict v3, float *restrict r0,
                      float *restrict r1, float *restrict r2, float *restrict r3)
{
	for (int j = 0; j < n; j++) {
		r0[j] = v0[j];
		r1[j] = v1[j] - v2[j] + v3[j];
		r2[j] = v1[j] + v2[j] - v0[j];
		r3[j] = -v3[j];
	}
}

/* A^T (m0..m3), A^T = [1 1 1 0; 0 1 -1 -1] */
static inline void at4(int n, const float *restrict m0, const float *restrict m1,
                       const float *restrict m2, const float *restrict m3, float *restrict s0,
                       float *restrict s1)
{
	for (int j = 0; j < n; j++) {
		s0[j] = m0[j] + m1[j] + m2[j];
		s1[j] = m1[j] - m2[j] - m3[j];
	}
}

/* A (d0, d1): the adjoint of at4 */
static inline void a4(int n, const float *restrict d0, const float *restrict d1,
                      float *restrict e0, float *restrict e1, float *restrict e2,
                      float *restrict e3)
{
	for (int j = 0; j < n; j++) {
		e0[j] = d0[j];
		e1[j] = d0[j] + d1[j];
		e2[j] = d0[j] - d1[j];
		e3[j] = -d1[j];
	}
}

static inline void acc(int n, float *restrict dst, const float *restrict src)
{
	for (int j = 0; j < n; j++)
		dst[j] += src[j];
}

/* row -> even and odd columns (n each) */
static inline void deinterleave(int n, const float *restrict b, float *restrict e,
                                float *restrict o)
{
	for (int j = 0; j < n; j++) {
		e[j] = b[2 * j];
		o[j] = b[2 * j + 1];
	}
}

static inline void interleave(int n, const float *restrict e, const float *restrict o,
                              float *restrict b)
{
	for (int j = 0; j < n; j++) {
		b[2 * j] = e[j];
		b[2 * j + 1] = o[j];
	}
}

/* V[pos][c][t] = B^T d B of every tile */
static CLONES void input_transform(const geom *g, const float *x, float *V, float *tmp)
{
	int n1 = g->n1, T = g->T, pw = g->pw;
	size_t CT = (size_t)g->C * T, ps = g->ps, hn = (size_t)(g->th + 1) * n1;
	/* P[pr][pc]: parity planes; h[pr][m]: along the rows (hn values, so the junk tiles read
	 * only written, finite values: Z is zero there, and 0 * V must stay 0 in dU); row: a
	 * zero-padded input row */
	float *P = tmp, *h = P + 4 * ps, *row = h + 8 * ps;
	memset(P, 0, 4 * ps * sizeof *P);
	memset(row, 0, 2 * (size_t)n1 * sizeof *row);
	for (int c = 0; c < g->C; c++) {
		const float *xc = x + (size_t)c * g->H * g->W;
		for (int r = 0; r < 2 * g->th + 2; r++) {
			int iy = r - g->ph;
			if (iy < 0 || iy >= g->H)
				continue; /* stays zero */
			const float *src = xc + (size_t)iy * g->W;
			int n = g->W < 2 * n1 - pw ? g->W : 2 * n1 - pw;
			for (int k = 0; k < n; k++)
				row[pw + k] = src[k];
			float *pe = P + (size_t)(2 * (r & 1)) * ps + (size_t)(r >> 1) * n1;
			deinterleave(n1, row, pe, pe + ps);
		}
		for (int pr = 0; pr < 2; pr++) {
			const float *e = P + (size_t)(2 * pr) * ps, *o = e + ps;
			float *h0 = h + (size_t)(4 * pr) * ps;
			bt4((int)hn, e, o, e + 1, o + 1, h0, h0 + ps, h0 + 2 * ps, h0 + 3 * ps);
		}
		for (int m = 0; m < 4; m++) {
			const float *d0 = h + (size_t)m * ps, *d1 = d0 + 4 * ps;
			float *v0 = V + (size_t)m * CT + (size_t)c * T;
			bt4(T, d0, d1, d0 + n1, d1 + n1, v0, v0 + 4 * CT, v0 + 8 * CT, v0 + 12 * CT);
		}
	}
}

/* y[o] = A^T M A of every tile (cropped) */
static CLONES void output_transform(const geom *g, const float *M, float *y, float *tmp)
{
	int T = g->T, n1 = g->n1, OW = g->OW;
	size_t OT = (size_t)g->O * T;
	float *s = tmp, *r = s + 8 * (size_t)T; /* s[a][q][t]; r[p][q][t] */
	for (int o = 0; o < g->O; o++) {
		for (int a = 0; a < 4; a++) {
			const float *m0 = M + (size_t)(4 * a) * OT + (size_t)o * T;
			at4(T, m0, m0 + OT, m0 + 2 * OT, m0 + 3 * OT, s + (size_t)(2 * a) * T,
			    s + (size_t)(2 * a + 1) * T);
		}
		for (int q = 0; q < 2; q++)
			at4(T, s + (size_t)q * T, s + (size_t)(2 + q) * T, s + (size_t)(4 + q) * T,
			    s + (size_t)(6 + q) * T, r + (size_t)q * T, r + (size_t)(2 + q) * T);
		for (int oy = 0; oy < g->OH; oy++) {
			const float *e = r + (size_t)(2 * (oy & 1)) * T + (size_t)(oy >> 1) * n1;
			float *out = y + ((size_t)o * g->OH + oy) * OW;
			interleave(OW / 2, e, e + T, out);
			if (OW & 1)
				out[OW - 1] = e[OW / 2];
		}
	}
}

void sr_nn_wino_forward(const sr_layer *L, const float *u, const float *x, float *y, float *scr)
{
	geom g = geom_of(L);
	float *V = scr, *M = V + (size_t)16 * g.C * g.T, *tmp = M + (size_t)16 * g.O * g.T;
	input_transform(&g, x, V, tmp);
	for (int q = 0; q < 16; q++)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.O, g.T, g.C, 1.0f,
		            u + (size_t)q * g.O * g.C, g.C, V + (size_t)q * g.C * g.T, g.T, 0.0f,
		            M + (size_t)q * g.O * g.T, g.T);
	output_transform(&g, M, y, tmp);
}

/* Z[pos][o][t] = A dY A^T of every tile (dY zero beyond the output and on junk tiles) */
static CLONES void grad_transform(const geom *g, const float *dy, float *Z, float *tmp)
{
	int T = g->T, n1 = g->n1, OW = g->OW;
	size_t OT = (size_t)g->O * T;
	float *D = tmp, *e = D + 4 * (size_t)T; /* D[p][q][t]: dY parity planes; e[p][b][t] */
	memset(D, 0, 4 * (size_t)T * sizeof *D); /* what is zero stays zero: same cells each o */
	for (int o = 0; o < g->O; o++) {
		for (int oy = 0; oy < g->OH; oy++) {
			const float *src = dy + ((size_t)o * g->OH + oy) * OW;
			float *d = D + (size_t)(2 * (oy & 1)) * T + (size_t)(oy >> 1) * n1;
			deinterleave(OW / 2, src, d, d + T);
			if (OW & 1)
				d[OW / 2] = src[OW - 1];
		}
		for (int p = 0; p < 2; p++) {
			const float *d = D + (size_t)(2 * p) * T;
			float *e0 = e + (size_t)(4 * p) * T;
			a4(T, d, d + T, e0, e0 + T, e0 + 2 * (size_t)T, e0 + 3 * (size_t)T);
		}
		for (int b = 0; b < 4; b++) {
			float *z0 = Z + (size_t)b * OT + (size_t)o * T;
			a4(T, e + (size_t)b * T, e + (size_t)(4 + b) * T, z0, z0 + 4 * OT, z0 + 8 * OT,
			   z0 + 12 * OT);
		}
	}
}

/* dx[c] = sum over tiles of B dV B^T (cropped to the input) */
static CLONES void input_adjoint(const geom *g, const float *dV, float *dx, float *tmp)
{
	int T = g->T, n1 = g->n1, pw = g->pw;
	size_t CT = (size_t)g->C * T, ps = g->ps;
	/* P[pr][pc]: parity planes of the padded input gradient; R[k][b][t]; Q[l][t] */
	float *P = tmp, *R = P + 4 * ps, *Q = R + 16 * (size_t)T;
	for (int c = 0; c < g->C; c++) {
		memset(P, 0, 4 * ps * sizeof *P);
		for (int b = 0; b < 4; b++) {
			const float *v0 = dV + (size_t)b * CT + (size_t)c * T;
			b4(T, v0, v0 + 4 * CT, v0 + 8 * CT, v0 + 12 * CT, R + (size_t)b * T,
			   R + (size_t)(4 + b) * T, R + (size_t)(8 + b) * T, R + (size_t)(12 + b) * T);
		}
		/* padded cell (2i + k, 2j + l) gets Q[l] of tile (i, j): junk tiles add zeros */
		for (int k = 0; k < 4; k++) {
			const float *rk = R + (size_t)(4 * k) * T;
			b4(T, rk, rk + T, rk + 2 * (size_t)T, rk + 3 * (size_t)T, Q, Q + T, Q + 2 * (size_t)T,
			   Q + 3 * (size_t)T);
			float *ev = P + (size_t)(2 * (k & 1)) * ps + (size_t)(k >> 1) * n1, *od = ev + ps;
			acc(T, ev, Q);
			acc(T, od, Q + T);
			acc(T, ev + 1, Q + 2 * (size_t)T);
			acc(T, od + 1, Q + 3 * (size_t)T);
		}
		float *xc = dx + (size_t)c * g->H * g->W;
		int n = g->W < 2 * n1 - pw ? g->W : 2 * n1 - pw;
		for (int iy = 0; iy < g->H; iy++) {
			int r = iy + g->ph;
			float *out = xc + (size_t)iy * g->W;
			if (r >= 2 * g->th + 2) {
				memset(out, 0, g->W * sizeof *out);
				continue;
			}
			const float *e = P + (size_t)(2 * (r & 1)) * ps + (size_t)(r >> 1) * n1;
			/* padded column ix + pw */
			const float *a = pw & 1 ? e + ps : e + pw / 2, *bb = pw & 1 ? e + 1 : e + ps + pw / 2;
			interleave(n / 2, a, bb, out);
			if (n & 1)
				out[n - 1] = a[n / 2];
			for (int k = n; k < g->W; k++)
				out[k] = 0;
		}
	}
}

void sr_nn_wino_backward(const sr_layer *L, const float *u, float *g_, const float *x,
                         const float *dy, float *dx, float *scr, float *gt)
{
	geom g = geom_of(L);
	float *V = scr, *Z = V + (size_t)16 * g.C * g.T, *tmp = Z + (size_t)16 * g.O * g.T;
	size_t OC = (size_t)g.O * g.C;
	input_transform(&g, x, V, tmp);
	grad_transform(&g, dy, Z, tmp);
	/* dU[pos] = Z[pos] V[pos]^T */
	for (int q = 0; q < 16; q++)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, g.O, g.C, g.T, 1.0f,
		            Z + (size_t)q * g.O * g.T, g.T, V + (size_t)q * g.C * g.T, g.T, 0.0f,
		            gt + (size_t)q * OC, g.C);
	/* dW += G^T dU G */
	float *gw = g_ + L->w_off;
	for (size_t k = 0; k < OC; k++) {
		float t[4][3];
		for (int a = 0; a < 4; a++) {
			float b0 = gt[(size_t)(4 * a) * OC + k], b1 = gt[(size_t)(4 * a + 1) * OC + k];
			float b2 = gt[(size_t)(4 * a + 2) * OC + k], b3 = gt[(size_t)(4 * a + 3) * OC + k];
			t[a][0] = b0 + 0.5f * (b1 + b2);
			t[a][1] = 0.5f * (b1 - b2);
			t[a][2] = 0.5f * (b1 + b2) + b3;
		}
		float *w = gw + k * 9;
		for (int xx = 0; xx < 3; xx++) {
			w[xx] += t[0][xx] + 0.5f * (t[1][xx] + t[2][xx]);
			w[3 + xx] += 0.5f * (t[1][xx] - t[2][xx]);
			w[6 + xx] += 0.5f * (t[1][xx] + t[2][xx]) + t[3][xx];
		}
	}
	if (!dx)
		return;
	/* dV[pos] = U[pos]^T Z[pos], into V's place */
	for (int q = 0; q < 16; q++)
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, g.C, g.T, g.O, 1.0f,
		            u + (size_t)q * OC, g.C, Z + (size_t)q * g.O * g.T, g.T, 0.0f,
		            V + (size_t)q * g.C * g.T, g.T);
	input_adjoint(&g, V, dx, tmp);
}
