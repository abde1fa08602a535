/* watershed.c: the distance-transform watershed split of a mask (watershed.h). */
#include "image/watershed.h"

#include <math.h>
#include <stdlib.h>

#include "core/err.h"

/* The squared distance transform along one line: f holds 0 outside the mask and INFINITY
 * inside, d gets min over q' of (q - q')^2 + f[q'].  v, z: n and n + 1 scratch.  Points
 * with f infinite add no parabola (their envelope would be NaN); a line with none finite
 * stays infinite. */
static void edt_line(const double *f, int n, double *d, int *v, double *z)
{
	int k = -1;
	for (int q = 0; q < n; q++) {
		if (isinf(f[q]))
			continue;
		double s = -INFINITY;
		while (k >= 0) {
			s = ((f[q] + (double)q * q) - (f[v[k]] + (double)v[k] * v[k])) / (2.0 * (q - v[k]));
			if (s > z[k])
				break;
			k--;
		}
		k++;
		v[k] = q;
		z[k] = k == 0 ? -INFINITY : s;
		z[k + 1] = INFINITY;
	}
	if (k < 0) {
		for (int q = 0; q < n; q++)
			d[q] = INFINITY;
		return;
	}
	for (int q = 0, j = 0; q < n; q++) {
		while (z[j + 1] < q)
			j++;
		d[q] = (double)(q - v[j]) * (q - v[j]) + f[v[j]];
	}
}

/* The Euclidean distance of each pixel to the nearest pixel outside the mask, into dist. */
static int distance_transform(const unsigned char *mask, int w, int h, double *dist)
{
	size_t n = (size_t)(w > h ? w : h);
	double *f = calloc(n, sizeof *f), *d = calloc(n, sizeof *d);
	double *z = malloc((n + 1) * sizeof *z);
	int *v = malloc(n * sizeof *v);
	if (!f || !d || !z || !v) {
		free(f), free(d), free(z), free(v);
		return sr_fail("out of memory");
	}
	for (int x = 0; x < w; x++) { /* columns */
		for (int y = 0; y < h; y++)
			f[y] = mask[(size_t)y * w + x] ? INFINITY : 0;
		edt_line(f, h, d, v, z);
		for (int y = 0; y < h; y++)
			dist[(size_t)y * w + x] = d[y];
	}
	for (int y = 0; y < h; y++) { /* rows, on the columns' squared distances */
		for (int x = 0; x < w; x++)
			f[x] = dist[(size_t)y * w + x];
		edt_line(f, w, d, v, z);
		for (int x = 0; x < w; x++)
			dist[(size_t)y * w + x] = sqrt(d[x]);
	}
	free(f), free(d), free(z), free(v);
	return 0;
}

/* The lowest distance on the straight line between pixels a and b. */
static double lowest_between(const double *dist, int w, int a, int b)
{
	int ax = a % w, ay = a / w, bx = b % w, by = b / w;
	int steps = abs(bx - ax) > abs(by - ay) ? abs(bx - ax) : abs(by - ay);
	double lo = INFINITY;
	for (int s = 0; s <= steps; s++) {
		double t = steps ? (double)s / steps : 0;
		int x = (int)lround(ax + t * (bx - ax)), y = (int)lround(ay + t * (by - ay));
		double v = dist[(size_t)y * w + x];
		lo = v < lo ? v : lo;
	}
	return lo;
}

/* Whether pixel p is as high as every pixel within 2 px of it. */
static int peak(const double *dist, int w, int h, int p)
{
	int x = p % w, y = p / w;
	for (int dy = -2; dy <= 2; dy++)
		for (int dx = -2; dx <= 2; dx++) {
			int xx = x + dx, yy = y + dy;
			if (xx >= 0 && yy >= 0 && xx < w && yy < h && dist[(size_t)yy * w + xx] > dist[p])
				return 0;
		}
	return 1;
}

/* A max-heap of pixels by distance. */
typedef struct {
	int *px;
	int n;
	const double *key;
} heap;

static void heap_push(heap *hp, int p)
{
	int i = hp->n++;
	while (i > 0) {
		int up = (i - 1) / 2;
		if (hp->key[hp->px[up]] >= hp->key[p])
			break;
		hp->px[i] = hp->px[up];
		i = up;
	}
	hp->px[i] = p;
}

static int heap_pop(heap *hp)
{
	int top = hp->px[0], last = hp->px[--hp->n], i = 0;
	for (;;) {
		int c = 2 * i + 1;
		if (c >= hp->n)
			break;
		if (c + 1 < hp->n && hp->key[hp->px[c + 1]] > hp->key[hp->px[c]])
			c++;
		if (hp->key[hp->px[c]] <= hp->key[last])
			break;
		hp->px[i] = hp->px[c];
		i = c;
	}
	if (hp->n > 0)
		hp->px[i] = last;
	return top;
}


typedef struct {
	double d;
	int i;
} ranked;

static int by_distance_desc(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	if (x->d != y->d)
		return x->d < y->d ? 1 : -1;
	return (x->i > y->i) - (x->i < y->i);
}

int sr_watershed_split(const unsigned char *mask, int w, int h, double min_dist, double dip,
                       int max_parts, int *part, int *nparts)
{
	size_t n = (size_t)w * h;
	double *dist = malloc(n * sizeof *dist);
	ranked *order = malloc(n * sizeof *order);
	int *marker = malloc((size_t)max_parts * sizeof *marker);
	heap hp = {malloc(n * sizeof(int)), 0, dist};
	int rc = -1, m = 0;
	*nparts = 0;
	if (!dist || !order || !marker || !hp.px) {
		sr_fail("out of memory");
		goto out;
	}
	if (distance_transform(mask, w, h, dist) < 0)
		goto out;
	/* the mask's pixels from the highest distance down (ties in raster order) */
	int ni = 0;
	for (size_t i = 0; i < n; i++) {
		part[i] = -1;
		if (mask[i]) {
			order[ni].d = dist[i];
			order[ni++].i = (int)i;
		}
	}
	qsort(order, (size_t)ni, sizeof *order, by_distance_desc);
	double top = ni ? order[0].d : 0;
	for (int i = 0; i < ni && m < max_parts; i++) {
		int p = order[i].i, ok = dist[p] >= 0.4 * top && peak(dist, w, h, p);
		for (int j = 0; j < m && ok; j++) {
			int q = marker[j];
			double sep = hypot(p % w - q % w, p / w - q / w);
			double low = fmin(dist[p], dist[q]);
			ok = sep >= min_dist && lowest_between(dist, w, p, q) < dip * low;
		}
		if (ok)
			marker[m++] = p;
		if (dist[p] < 0.4 * top)
			break;
	}
	/* flood from the markers, the highest pixel first */
	for (int j = 0; j < m; j++) {
		part[marker[j]] = j;
		heap_push(&hp, marker[j]);
	}
	while (hp.n > 0) {
		int p = heap_pop(&hp), x = p % w, y = p / w;
		for (int dy = -1; dy <= 1; dy++)
			for (int dx = -1; dx <= 1; dx++) {
				int xx = x + dx, yy = y + dy;
				if ((!dx && !dy) || xx < 0 || yy < 0 || xx >= w || yy >= h)
					continue;
				size_t k = (size_t)yy * w + xx;
				if (mask[k] && part[k] < 0) {
					part[k] = part[p];
					heap_push(&hp, (int)k);
				}
			}
	}
	*nparts = m;
	rc = 0;
out:
	free(dist);
	free(order);
	free(marker);
	free(hp.px);
	return rc;
}
