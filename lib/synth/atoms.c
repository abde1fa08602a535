#include "synth/atoms.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/quat.h"

typedef struct {
	double *xyz;
	long n, cap;
} atom_list;

static int push(atom_list *a, double x, double y, double z)
{
	if (a->n == a->cap) {
		long nc = a->cap ? 2 * a->cap : 1024;
		if (nc > 20000000L)
			return sr_fail("too many atoms");
		double *p = realloc(a->xyz, 3 * nc * sizeof *p);
		if (!p)
			return sr_fail("out of memory");
		a->xyz = p;
		a->cap = nc;
	}
	a->xyz[3 * a->n] = x;
	a->xyz[3 * a->n + 1] = y;
	a->xyz[3 * a->n + 2] = z;
	a->n++;
	return 0;
}

/* the lattice points i A + j B + k C + l D (i + j + k + l = n) of a tetrahedron, / n */
static int tetra_points(atom_list *a, const double *A, const double *B, const double *C,
                        const double *D, int n)
{
	if (n == 0)
		return push(a, A[0], A[1], A[2]);
	for (int i = 0; i <= n; i++)
		for (int j = 0; i + j <= n; j++)
			for (int k = 0; i + j + k <= n; k++) {
				int l = n - i - j - k;
				double p[3];
				for (int t = 0; t < 3; t++)
					p[t] = (i * A[t] + j * B[t] + k * C[t] + l * D[t]) / n;
				if (push(a, p[0], p[1], p[2]) < 0)
					return -1;
			}
	return 0;
}

static double dedup_tol;
static int cmp_xyz(const void *pa, const void *pb)
{
	const double *a = pa, *b = pb;
	for (int t = 0; t < 3; t++) {
		double d = a[t] - b[t];
		if (fabs(d) > dedup_tol)
			return (d > 0) - (d < 0);
	}
	return 0;
}

/* shared faces and edges of the tetrahedra give the same atom twice: sort, drop repeats */
static void dedup(atom_list *a, double tol)
{
	dedup_tol = tol;
	qsort(a->xyz, a->n, 3 * sizeof *a->xyz, cmp_xyz);
	long m = 0;
	for (long i = 0; i < a->n; i++) {
		int same = 0;
		/* sorting by rounded keys is not exact near the tolerance: look back a little */
		for (long j = m - 1; j >= 0 && j >= m - 64 && !same; j--) {
			double d = 0;
			for (int t = 0; t < 3; t++)
				d = fmax(d, fabs(a->xyz[3 * i + t] - a->xyz[3 * j + t]));
			same = d <= tol;
		}
		if (!same) {
			memmove(a->xyz + 3 * m, a->xyz + 3 * i, 3 * sizeof *a->xyz);
			m++;
		}
	}
	a->n = m;
}

static double dist(const double *a, const double *b)
{
	return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
	            (a[2] - b[2]) * (a[2] - b[2]));
}

long sr_particle_atoms(const sr_particle *p, double **out)
{
	const sr_solid *s = sr_solid_get(p->solid);
	if (!s)
		return sr_fail("unknown solid");
	double R = p->radius * p->pixel_size, a0 = p->lattice, dnn = a0 / sqrt(2.0);
	double v[SR_SOLID_MAXV][3], origin[3] = {0, 0, 0};
	for (int i = 0; i < s->nv; i++)
		for (int t = 0; t < 3; t++)
			v[i][t] = R * s->v[i][t];
	atom_list a = {0};
	int rc = 0;
	if (s->id == SR_SOLID_TETRAHEDRON) {
		int n = (int)lround(dist(v[0], v[1]) / dnn);
		rc = tetra_points(&a, v[0], v[1], v[2], v[3], n);
	} else if (s->id == SR_SOLID_ICOSAHEDRON) {
		int n = (int)lround(dist(s->v[s->f[0].v[0]], s->v[s->f[0].v[1]]) * R / dnn);
		for (int f = 0; f < s->nf && !rc; f++)
			rc = tetra_points(&a, origin, v[s->f[f].v[0]], v[s->f[f].v[1]], v[s->f[f].v[2]], n);
	} else if (s->id == SR_SOLID_DECAHEDRON) {
		/* vertices 0..4 the pentagon, 5 and 6 the apexes (core/solid.c) */
		int n = (int)lround(dist(v[0], v[1]) / dnn);
		for (int j = 0; j < 5 && !rc; j++)
			rc = tetra_points(&a, v[5], v[6], v[j], v[(j + 1) % 5], n);
	} else {
		int m = (int)ceil(R / a0) + 1;
		static const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
		for (int i = -m; i <= m && !rc; i++)
			for (int j = -m; j <= m && !rc; j++)
				for (int k = -m; k <= m && !rc; k++)
					for (int b = 0; b < 4 && !rc; b++) {
						double x[3] = {a0 * (i + basis[b][0]), a0 * (j + basis[b][1]),
						               a0 * (k + basis[b][2])};
						int in = 1;
						for (int f = 0; f < s->nf && in; f++)
							in = s->f[f].n[0] * x[0] + s->f[f].n[1] * x[1] + s->f[f].n[2] * x[2] <=
							     s->f[f].d * R + 1e-6 * a0;
						if (in)
							rc = push(&a, x[0], x[1], x[2]);
					}
	}
	if (rc < 0) {
		free(a.xyz);
		return -1;
	}
	dedup(&a, 1e-6 * a0);
	*out = a.xyz;
	return a.n;
}

int sr_render_atoms(const sr_particle *p, float *img, int w, int h)
{
	double *xyz = NULL;
	long n = sr_particle_atoms(p, &xyz);
	if (n < 0)
		return -1;
	double R[9], sg = p->atom_sigma, k = 1 / (sqrt(2.0) * sg);
	double peak = p->intensity * pow(p->atomic_number / 79.0, p->zexp);
	double norm = peak * 2 * M_PI * sg * sg; /* a pixel's mean of a unit-peak Gaussian is this
	                                            times the mass fractions along u and along v */
	sr_quat_to_mat(p->q, R);
	int reach = (int)ceil(5 * sg) + 1;
	double *acc = calloc((size_t)w * h, sizeof *acc);
	double *pu = malloc((2 * reach + 2) * sizeof *pu), *pv = malloc((2 * reach + 2) * sizeof *pv);
	if (!acc || !pu || !pv) {
		free(acc);
		free(pu);
		free(pv);
		free(xyz);
		return sr_fail("out of memory");
	}
	for (long i = 0; i < n; i++) {
		double l[3];
		sr_mat_apply(R, xyz + 3 * i, l);
		double u = p->cx + l[0] / p->pixel_size, vv = p->cy - l[1] / p->pixel_size;
		int c0 = (int)floor(u) - reach, r0 = (int)floor(vv) - reach;
		for (int j = 0; j < 2 * reach + 1; j++) {
			pu[j] = 0.5 * (erf((c0 + j + 1 - u) * k) - erf((c0 + j - u) * k));
			pv[j] = 0.5 * (erf((r0 + j + 1 - vv) * k) - erf((r0 + j - vv) * k));
		}
		for (int jr = 0; jr < 2 * reach + 1; jr++) {
			int r = r0 + jr;
			if (r < 0 || r >= h)
				continue;
			for (int jc = 0; jc < 2 * reach + 1; jc++) {
				int c = c0 + jc;
				if (c >= 0 && c < w)
					acc[(size_t)r * w + c] += norm * pu[jc] * pv[jr];
			}
		}
	}
	for (size_t i = 0; i < (size_t)w * h; i++)
		img[i] = (float)((double)img[i] + acc[i]);
	free(acc);
	free(pu);
	free(pv);
	free(xyz);
	return 0;
}
