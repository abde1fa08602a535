/* pick.c: particle picking (pick.h). */
#include "image/pick.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "image/imgproc.h"
#include "image/watershed.h"

void sr_pick_conf_default(sr_pick_conf *c)
{
	*c = (sr_pick_conf){64, 1.0, 0, 0, 0, 1.3, 0, 1, 0};
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median of each block, bilinearly interpolated between block centres (held constant
 * beyond the outer centres), subtracted from img into res. */
static int subtract_background(const float *img, int w, int h, int block, float *res)
{
	int bx = (w + block - 1) / block, by = (h + block - 1) / block;
	float *med = malloc((size_t)bx * by * sizeof *med), *tmp = malloc((size_t)block * block * sizeof *tmp);
	if (!med || !tmp) {
		free(med);
		free(tmp);
		return sr_fail("out of memory");
	}
	for (int j = 0; j < by; j++)
		for (int i = 0; i < bx; i++) {
			int n = 0;
			for (int y = j * block; y < (j + 1) * block && y < h; y++)
				for (int x = i * block; x < (i + 1) * block && x < w; x++)
					tmp[n++] = img[(size_t)y * w + x];
			qsort(tmp, (size_t)n, sizeof *tmp, cmp_float);
			med[j * bx + i] = n % 2 ? tmp[n / 2] : 0.5f * (tmp[n / 2 - 1] + tmp[n / 2]);
		}
	for (int y = 0; y < h; y++) {
		/* block centres sit at (i + 0.5) block, clipped to the frame's last partial block */
		double fy = (y + 0.5) / block - 0.5;
		int j0 = (int)floor(fy);
		double ty = fy - j0;
		int j1 = j0 + 1;
		if (j0 < 0)
			j0 = j1 = 0, ty = 0;
		if (j1 >= by)
			j1 = by - 1, j0 = j0 >= by ? by - 1 : j0, ty = j0 == j1 ? 0 : ty;
		for (int x = 0; x < w; x++) {
			double fx = (x + 0.5) / block - 0.5;
			int i0 = (int)floor(fx);
			double tx = fx - i0;
			int i1 = i0 + 1;
			if (i0 < 0)
				i0 = i1 = 0, tx = 0;
			if (i1 >= bx)
				i1 = bx - 1, i0 = i0 >= bx ? bx - 1 : i0, tx = i0 == i1 ? 0 : tx;
			double b = (1 - ty) * ((1 - tx) * med[j0 * bx + i0] + tx * med[j0 * bx + i1]) +
			           ty * ((1 - tx) * med[j1 * bx + i0] + tx * med[j1 * bx + i1]);
			res[(size_t)y * w + x] = (float)(img[(size_t)y * w + x] - b);
		}
	}
	free(med);
	free(tmp);
	return 0;
}

/* The sqrt of the ratio of a mask's principal second moments (from its area a and sums of
 * x, y, x^2, y^2, xy): a regular polygon's are equal (1), two touching ones about 2. */
static double elongation(double a, double mx, double my, double mxx, double myy, double mxy)
{
	double cxx = mxx / a - (mx / a) * (mx / a), cyy = myy / a - (my / a) * (my / a),
	       cxy = mxy / a - (mx / a) * (my / a), tr = cxx + cyy,
	       disc = sqrt(fmax(0, (cxx - cyy) * (cxx - cyy) / 4 + cxy * cxy));
	double l1 = tr / 2 + disc, l2 = tr / 2 - disc;
	return l2 > 0 ? sqrt(l1 / l2) : INFINITY;
}

/* Otsu's threshold over a 256-bin histogram of v. */
static double otsu(const float *v, size_t n)
{
	float lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		lo = fminf(lo, v[i]);
		hi = fmaxf(hi, v[i]);
	}
	if (!(hi > lo))
		return hi;
	double hist[256] = {0}, step = (hi - lo) / 256.0;
	for (size_t i = 0; i < n; i++) {
		int b = (int)((v[i] - lo) / step);
		hist[b > 255 ? 255 : b]++;
	}
	double total = 0, sum = 0;
	for (int b = 0; b < 256; b++)
		total += hist[b], sum += b * hist[b];
	double w0 = 0, s0 = 0, best = -1;
	int cut = 0;
	for (int b = 0; b < 255; b++) {
		w0 += hist[b];
		s0 += b * hist[b];
		double w1 = total - w0;
		if (w0 == 0 || w1 == 0)
			continue;
		double m0 = s0 / w0, m1 = (sum - s0) / w1, between = w0 * w1 * (m0 - m1) * (m0 - m1);
		if (between > best)
			best = between, cut = b;
	}
	return lo + (cut + 1) * step;
}

/* Robust sd: 1.4826 times the median absolute deviation from the median. */
static double robust_sd(const float *v, size_t n)
{
	float *t = malloc(n * sizeof *t);
	if (!t)
		return -1;
	memcpy(t, v, n * sizeof *t);
	qsort(t, n, sizeof *t, cmp_float);
	float med = t[n / 2];
	for (size_t i = 0; i < n; i++)
		t[i] = fabsf(v[i] - med);
	qsort(t, n, sizeof *t, cmp_float);
	double sd = 1.4826 * t[n / 2];
	free(t);
	return sd;
}

/* The parts of component id (label, box x0..x1, y0..y1) split by the watershed, appended to
 * out (room for max_parts more): each part's centroid over its pixels and the background
 * within 2 px of it (not its neighbour's pixels), its area and shape judged as a
 * component's.  *m gets the number of parts, 1 when the component is not split (nothing
 * appended); owner (w x h) gets part j's index base + j at its pixels.  -1 with the error
 * set. */
static int split_one(const float *res, const int *label, int w, int h, int id, const int *bx,
                     const sr_pick_conf *c, double median, double lo, double hi,
                     sr_pick_particle *out, int base, int max_parts, int *owner, int *m)
{
	enum { PAD = 3 }; /* the watershed's empty border and the 2 px rim of the centroid */
	int ox = bx[0] - PAD, oy = bx[1] - PAD, bw = bx[2] - bx[0] + 1 + 2 * PAD,
	    bh = bx[3] - bx[1] + 1 + 2 * PAD;
	size_t bn = (size_t)bw * bh;
	unsigned char *mask = calloc(bn, 1);
	int *part = malloc(bn * sizeof *part);
	if (!mask || !part) {
		free(mask);
		free(part);
		return sr_fail("out of memory");
	}
	for (int y = 0; y < bh; y++)
		for (int x = 0; x < bw; x++) {
			int xx = ox + x, yy = oy + y;
			mask[(size_t)y * bw + x] = xx >= 0 && yy >= 0 && xx < w && yy < h &&
			                           label[(size_t)yy * w + xx] == id;
		}
	int rc = sr_watershed_split(mask, bw, bh, sqrt(median / M_PI), 0.95, max_parts, part, m);
	for (int j = 0; rc == 0 && *m > 1 && j < *m; j++) {
		double a = 0, mx = 0, my = 0, mxx = 0, myy = 0, mxy = 0, sx = 0, sy = 0, sw = 0;
		for (int y = 0; y < bh; y++)
			for (int x = 0; x < bw; x++) {
				int xx = ox + x, yy = oy + y;
				if (xx < 0 || yy < 0 || xx >= w || yy >= h)
					continue;
				int mine = part[(size_t)y * bw + x] == j, near = mine;
				if (mine) {
					owner[(size_t)yy * w + xx] = base + j;
					a++;
					mx += xx, my += yy, mxx += (double)xx * xx, myy += (double)yy * yy;
					mxy += (double)xx * yy;
				} else if (label[(size_t)yy * w + xx] == -1) {
					for (int dy = -2; dy <= 2 && !near; dy++)
						for (int dx = -2; dx <= 2 && !near; dx++) {
							int u = x + dx, v = y + dy;
							near = u >= 0 && v >= 0 && u < bw && v < bh &&
							       part[(size_t)v * bw + u] == j;
						}
				}
				double val = res[(size_t)yy * w + xx];
				if (near && val > 0)
					sx += val * (xx + 0.5), sy += val * (yy + 0.5), sw += val;
			}
		sr_pick_particle *q = &out[j];
		q->x = sw > 0 ? sx / sw : mx / a + 0.5;
		q->y = sw > 0 ? sy / sw : my / a + 0.5;
		q->area = a;
		q->size = 2 * sqrt(a / M_PI);
		q->elongation = elongation(a, mx, my, mxx, myy, mxy);
		q->split = *m;
		q->verdict = a < lo || a <= 4 ? SR_PICK_SMALL
		             : (hi > 0 && a > hi) || q->elongation > c->max_elongation ? SR_PICK_LARGE
		             : SR_PICK_OK;
	}
	free(mask);
	free(part);
	return rc;
}

/* Replaces each component rejected as too large or elongated by its watershed parts, in
 * place (the parts in the order of their peaks), when it splits; owner (w x h) gets the
 * index of the particle each pixel of a component belongs to, -1 elsewhere. */
static int split_touching(const float *res, const int *label, int w, int h,
                          const sr_pick_conf *c, double median, double lo, double hi,
                          const int *box, sr_pick_particle **pp, int *np, int *owner,
                          sr_pick_stats *stats)
{
	enum { MAX_PARTS = 8 };
	sr_pick_particle *p = *pp, *q = NULL;
	int n = *np, nq = 0, cap = 0;
	int *kept = malloc(((size_t)n + 1) * sizeof *kept); /* a component's new index; -1: split */
	if (!kept)
		return sr_fail("out of memory");
	for (size_t k = 0; k < (size_t)w * h; k++)
		owner[k] = -1;
	for (int i = 0; i < n; i++) {
		if (nq + MAX_PARTS > cap) {
			cap = 2 * (nq + MAX_PARTS);
			sr_pick_particle *t = realloc(q, (size_t)cap * sizeof *t);
			if (!t) {
				free(q);
				free(kept);
				return sr_fail("out of memory");
			}
			q = t;
		}
		int m = 1;
		/* a component larger than MAX_PARTS acceptable particles cannot split into them */
		if (c->split && p[i].verdict == SR_PICK_LARGE && median > 0 &&
		    p[i].area <= MAX_PARTS * hi &&
		    split_one(res, label, w, h, i + 1, box + 4 * i, c, median, lo, hi, q + nq, nq,
		              MAX_PARTS, owner, &m) < 0) {
			free(q);
			free(kept);
			return -1;
		}
		if (m > 1) {
			kept[i] = -1;
			nq += m;
			stats->split_components++;
			stats->split_particles += m;
		} else {
			kept[i] = nq;
			q[nq++] = p[i];
		}
	}
	for (size_t k = 0; k < (size_t)w * h; k++)
		if (label[k] > 0 && kept[label[k] - 1] >= 0)
			owner[k] = kept[label[k] - 1];
	free(kept);
	free(p);
	*pp = q;
	*np = nq;
	return 0;
}

int sr_pick(const sr_record *rec, const sr_pick_conf *c, sr_pick_particle **parts, int *n,
            float **residual, int **owner, sr_pick_stats *stats)
{
	*parts = NULL;
	*n = 0;
	if (residual)
		*residual = NULL;
	if (owner)
		*owner = NULL;
	int w = rec->width, h = rec->height;
	size_t npx = (size_t)w * h;
	if (rec->layout != SR_LAYOUT_IMAGE || w < 8 || h < 8)
		return sr_fail("pick needs an image of at least 8x8 pixels");
	if (c->block < 4 || !(c->smooth >= 0) || !(c->threshold >= 0))
		return sr_fail("bad pick configuration");
	float *res = malloc(npx * sizeof *res), *sm = malloc(npx * sizeof *sm);
	int *label = malloc(npx * sizeof *label), *stack = malloc(npx * sizeof *stack);
	sr_pick_particle *p = NULL;
	int np = 0, cap = 0, status = -1;
	double *areas = NULL;
	int *box = NULL; /* each component's bounding box: x0, y0, x1, y1 */
	int *own = NULL;
	if (!res || !sm || !label || !stack) {
		sr_fail("out of memory for a %dx%d micrograph", w, h);
		goto out;
	}
	if (subtract_background(rec->data, w, h, c->block, res) < 0)
		goto out;
	if (c->smooth > 0) {
		if (sr_gaussian_filter(res, sm, w, h, c->smooth) < 0)
			goto out;
	} else {
		memcpy(sm, res, npx * sizeof *sm);
	}
	double sd = robust_sd(sm, npx);
	if (sd < 0) {
		sr_fail("out of memory");
		goto out;
	}
	double level = c->threshold > 0 ? c->threshold * sd : otsu(sm, npx);
	stats->background_sd = robust_sd(res, npx);
	stats->threshold = level;
	memset(stats->counts, 0, sizeof stats->counts);
	/* connected components above the level */
	for (size_t i = 0; i < npx; i++)
		label[i] = sm[i] > level ? 0 : -1;
	for (size_t start = 0; start < npx; start++) {
		if (label[start] != 0)
			continue;
		if (np == cap) {
			cap = cap ? 2 * cap : 64;
			sr_pick_particle *q = realloc(p, (size_t)cap * sizeof *q);
			int *b = q ? realloc(box, (size_t)cap * 4 * sizeof *b) : NULL;
			if (q)
				p = q;
			if (!b) {
				sr_fail("out of memory");
				goto out;
			}
			box = b;
		}
		int id = np + 1, top = 0, x0 = w, x1 = -1, y0 = h, y1 = -1;
		size_t area = 0;
		double mx = 0, my = 0, mxx = 0, myy = 0, mxy = 0; /* moments of the mask */
		stack[top++] = (int)start;
		label[start] = id;
		while (top > 0) {
			int at = stack[--top], x = at % w, y = at / w;
			area++;
			mx += x, my += y, mxx += (double)x * x, myy += (double)y * y, mxy += (double)x * y;
			x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1, y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1;
			for (int dy = -1; dy <= 1; dy++)
				for (int dx = -1; dx <= 1; dx++) {
					int xx = x + dx, yy = y + dy;
					if (xx < 0 || yy < 0 || xx >= w || yy >= h)
						continue;
					size_t k = (size_t)yy * w + xx;
					if (label[k] == 0) {
						label[k] = id;
						stack[top++] = (int)k;
					}
				}
		}
		/* centroid of the residual (clipped at 0) over the component grown by 2 px */
		double sx = 0, sy = 0, sw = 0;
		for (int y = y0 - 2; y <= y1 + 2; y++)
			for (int x = x0 - 2; x <= x1 + 2; x++) {
				if (x < 0 || y < 0 || x >= w || y >= h)
					continue;
				int near = 0;
				for (int dy = -2; dy <= 2 && !near; dy++)
					for (int dx = -2; dx <= 2 && !near; dx++) {
						int xx = x + dx, yy = y + dy;
						near = xx >= 0 && yy >= 0 && xx < w && yy < h &&
						       label[(size_t)yy * w + xx] == id;
					}
				double v = res[(size_t)y * w + x];
				if (near && v > 0)
					sx += v * (x + 0.5), sy += v * (y + 0.5), sw += v;
			}
		box[4 * np] = x0, box[4 * np + 1] = y0, box[4 * np + 2] = x1, box[4 * np + 3] = y1;
		p[np].split = 0;
		p[np].x = sw > 0 ? sx / sw : (x0 + x1 + 1) / 2.0;
		p[np].y = sw > 0 ? sy / sw : (y0 + y1 + 1) / 2.0;
		p[np].area = (double)area;
		p[np].elongation = elongation((double)area, mx, my, mxx, myy, mxy);
		p[np].size = 2 * sqrt(area / M_PI);
		p[np].verdict = x0 < c->edge || y0 < c->edge || x1 >= w - c->edge || y1 >= h - c->edge
		                ? SR_PICK_EDGE : SR_PICK_OK;
		np++;
	}
	/* sizes judged against the median component that is not a speck of noise (> 4 px) */
	if (!(areas = malloc(((size_t)np + 1) * sizeof *areas))) {
		sr_fail("out of memory");
		goto out;
	}
	int na = 0;
	for (int i = 0; i < np; i++)
		if (p[i].area > 4 && p[i].verdict == SR_PICK_OK)
			areas[na++] = p[i].area;
	qsort(areas, (size_t)na, sizeof *areas, cmp_double);
	double median = na ? areas[na / 2] : 0;
	double lo = c->min_area > 0 ? c->min_area : 0.25 * median;
	double hi = c->max_area > 0 ? c->max_area : 2.5 * median;
	for (int i = 0; i < np; i++) {
		if (p[i].verdict != SR_PICK_OK)
			continue;
		if (p[i].area < lo || p[i].area <= 4)
			p[i].verdict = SR_PICK_SMALL;
		else if ((hi > 0 && p[i].area > hi) || p[i].elongation > c->max_elongation)
			p[i].verdict = SR_PICK_LARGE;
	}
	/* touching particles split (c->split), and the particle of each pixel */
	stats->split_components = stats->split_particles = 0;
	if (!(own = malloc(npx * sizeof *own))) {
		sr_fail("out of memory");
		goto out;
	}
	if (split_touching(res, label, w, h, c, median, lo, hi, box, &p, &np, own, stats) < 0)
		goto out;
	if (c->min_sep > 0)
		for (int i = 0; i < np; i++)
			for (int j = i + 1; j < np; j++)
				if (p[i].verdict != SR_PICK_SMALL && p[j].verdict != SR_PICK_SMALL &&
				    hypot(p[i].x - p[j].x, p[i].y - p[j].y) < c->min_sep) {
					if (p[i].verdict == SR_PICK_OK)
						p[i].verdict = SR_PICK_CLOSE;
					if (p[j].verdict == SR_PICK_OK)
						p[j].verdict = SR_PICK_CLOSE;
				}
	for (int i = 0; i < np; i++)
		stats->counts[p[i].verdict]++;
	*parts = p;
	*n = np;
	p = NULL;
	if (residual) {
		*residual = res;
		res = NULL;
	}
	if (owner) {
		*owner = own;
		own = NULL;
	}
	status = 0;
out:
	free(res);
	free(sm);
	free(label);
	free(stack);
	free(p);
	free(areas);
	free(box);
	free(own);
	return status;
}

/* Whether pixel (x, y) of a split particle's crop shows its neighbour: it belongs to another
 * particle, or lies outside every particle within 2 px of another and not of this one. */
static int neighbours(const int *owner, int w, int h, int x, int y, int index)
{
	int o = owner[(size_t)y * w + x];
	if (o >= 0)
		return o != index;
	int other = 0;
	for (int dy = -2; dy <= 2; dy++)
		for (int dx = -2; dx <= 2; dx++) {
			int xx = x + dx, yy = y + dy;
			if (xx < 0 || yy < 0 || xx >= w || yy >= h)
				continue;
			int q = owner[(size_t)yy * w + xx];
			if (q == index)
				return 0;
			other |= q >= 0;
		}
	return other;
}

int sr_pick_crop(const sr_record *mic, const float *residual, const int *owner,
                 const sr_pick_particle *p, int index, int number, int window, sr_record *out)
{
	if (sr_record_reshape(out, SR_LAYOUT_IMAGE, 1, window, window) < 0)
		return -1;
	int w = mic->width, h = mic->height;
	int x0 = (int)floor(p->x) - window / 2, y0 = (int)floor(p->y) - window / 2;
	int masked = owner && p->split > 0;
	for (int y = 0; y < window; y++)
		for (int x = 0; x < window; x++) {
			int xx = x0 + x, yy = y0 + y, in = xx >= 0 && yy >= 0 && xx < w && yy < h;
			out->data[(size_t)y * window + x] =
				in && !(masked && neighbours(owner, w, h, xx, yy, index))
				? residual[(size_t)yy * w + xx] : 0;
		}
	if (sr_meta_copy(&out->meta, &mic->meta) < 0)
		return -1;
	const char *id = sr_meta_get(&mic->meta, "id");
	double nm;
	if (sr_meta_set(&out->meta, "id", "%s/p%d", id ? id : "micrograph", number) < 0 ||
	    sr_meta_set_double(&out->meta, "pick.x", p->x) < 0 ||
	    sr_meta_set_double(&out->meta, "pick.y", p->y) < 0 ||
	    sr_meta_set_double(&out->meta, "pick.area", p->area) < 0 ||
	    sr_meta_set_double(&out->meta, "pick.size", p->size) < 0 ||
	    sr_meta_set_long(&out->meta, "pick.x0", x0) < 0 ||
	    sr_meta_set_long(&out->meta, "pick.y0", y0) < 0 ||
	    (p->split > 0 && sr_meta_set_long(&out->meta, "pick.split", p->split) < 0))
		return -1;
	if (sr_meta_get_double(&mic->meta, "pixel.nm", &nm) == 0 && nm > 0 &&
	    sr_meta_set_double(&out->meta, "pick.size.nm", p->size * nm) < 0)
		return -1;
	return 0;
}
