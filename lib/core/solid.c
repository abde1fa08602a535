#include "core/solid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/quat.h"

#define EPS 1e-9

static const char *const names[SR_SOLID_COUNT + 1] = {
	NULL, "tetrahedron", "cube", "octahedron", "cuboctahedron", "truncated-octahedron",
	"icosahedron", "decahedron", "control"};

static sr_solid table[SR_SOLID_COUNT + 1];
static int built[SR_SOLID_COUNT + 1];

/* ---- vertex sets ---- */

static int add_vertex(sr_solid *s, double x, double y, double z)
{
	for (int i = 0; i < s->nv; i++)
		if (fabs(s->v[i][0] - x) < EPS && fabs(s->v[i][1] - y) < EPS && fabs(s->v[i][2] - z) < EPS)
			return 0;
	s->v[s->nv][0] = x;
	s->v[s->nv][1] = y;
	s->v[s->nv][2] = z;
	return s->nv++;
}

/* all sign changes of (a, b, c), and with perm also all permutations (cyclic: cyclic only) */
static void add_signed_perms(sr_solid *s, double a, double b, double c, int all_perms)
{
	static const int perm[6][3] = {{0, 1, 2}, {1, 2, 0}, {2, 0, 1}, {0, 2, 1}, {2, 1, 0}, {1, 0, 2}};
	double t[3] = {a, b, c};
	for (int p = 0; p < (all_perms ? 6 : 3); p++)
		for (int m = 0; m < 8; m++) {
			double u[3];
			for (int i = 0; i < 3; i++)
				u[i] = t[perm[p][i]] * ((m >> i) & 1 ? -1 : 1);
			add_vertex(s, u[0], u[1], u[2]);
		}
}

static void vertices(sr_solid *s)
{
	const double phi = (1 + sqrt(5.0)) / 2;
	switch (s->id) {
	case SR_SOLID_TETRAHEDRON:
		add_vertex(s, 1, 1, 1);
		add_vertex(s, 1, -1, -1);
		add_vertex(s, -1, 1, -1);
		add_vertex(s, -1, -1, 1);
		break;
	case SR_SOLID_CUBE: add_signed_perms(s, 1, 1, 1, 0); break;
	case SR_SOLID_OCTAHEDRON: add_signed_perms(s, 1, 0, 0, 1); break;
	case SR_SOLID_CUBOCTAHEDRON: add_signed_perms(s, 1, 1, 0, 1); break;
	case SR_SOLID_TRUNCATED_OCTAHEDRON: add_signed_perms(s, 0, 1, 2, 1); break;
	case SR_SOLID_ICOSAHEDRON: add_signed_perms(s, 0, 1, phi, 0); break;
	case SR_SOLID_DECAHEDRON:
		for (int j = 0; j < 5; j++)
			add_vertex(s, cos(72.0 * j * M_PI / 180), sin(72.0 * j * M_PI / 180), 0);
		add_vertex(s, 0, 0, 1 / sqrt(3.0));
		add_vertex(s, 0, 0, -1 / sqrt(3.0));
		break;
	case SR_SOLID_CONTROL: {
		/* chosen by hand: an egg with its tip along +x, no two edges alike, all seven on
		 * the hull; far from centrosymmetric, so that no turn makes a similar projection */
		static const double p[7][3] = {{1.0, 0.05, 0.1},   {-0.55, 0.5, 0.05}, {-0.45, -0.4, 0.4},
		                               {-0.3, -0.25, -0.45}, {0.25, 0.4, -0.3}, {0.3, -0.35, 0.2},
		                               {-0.1, 0.3, 0.45}};
		for (int i = 0; i < 7; i++)
			add_vertex(s, p[i][0], p[i][1], p[i][2]);
		break;
	}
	}
}

/* ---- facets: the supporting planes through three or more vertices ---- */

static void cross(const double *a, const double *b, double *o)
{
	o[0] = a[1] * b[2] - a[2] * b[1];
	o[1] = a[2] * b[0] - a[0] * b[2];
	o[2] = a[0] * b[1] - a[1] * b[0];
}

static double dot(const double *a, const double *b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

static const double *sort_centre, *sort_e1, *sort_e2;
static const sr_solid *sort_solid;
static double facet_angle(int i)
{
	double p[3];
	for (int k = 0; k < 3; k++)
		p[k] = sort_solid->v[i][k] - sort_centre[k];
	return atan2(dot(p, sort_e2), dot(p, sort_e1));
}
static int cmp_angle(const void *a, const void *b)
{
	double x = facet_angle(*(const int *)a), y = facet_angle(*(const int *)b);
	return (x > y) - (x < y);
}

static void facets(sr_solid *s)
{
	s->nf = 0;
	for (int i = 0; i < s->nv; i++)
		for (int j = i + 1; j < s->nv; j++)
			for (int k = j + 1; k < s->nv; k++) {
				double a[3], b[3], n[3];
				for (int t = 0; t < 3; t++) {
					a[t] = s->v[j][t] - s->v[i][t];
					b[t] = s->v[k][t] - s->v[i][t];
				}
				cross(a, b, n);
				double len = sqrt(dot(n, n));
				if (len < 1e-6)
					continue;
				for (int t = 0; t < 3; t++)
					n[t] /= len;
				double d = dot(n, s->v[i]);
				int above = 0, below = 0;
				for (int m = 0; m < s->nv; m++) {
					double e = dot(n, s->v[m]) - d;
					above += e > 1e-7;
					below += e < -1e-7;
				}
				if (above && below)
					continue;
				if (above) { /* point n outwards */
					for (int t = 0; t < 3; t++)
						n[t] = -n[t];
					d = -d;
				}
				int dup = 0;
				for (int f = 0; f < s->nf; f++)
					dup |= fabs(dot(n, s->f[f].n) - 1) < 1e-9 && fabs(d - s->f[f].d) < 1e-7;
				if (dup || s->nf == SR_SOLID_MAXF)
					continue;
				sr_facet *F = &s->f[s->nf++];
				memcpy(F->n, n, sizeof n);
				F->d = d;
				F->nv = 0;
				double c[3] = {0, 0, 0};
				for (int m = 0; m < s->nv; m++)
					if (fabs(dot(n, s->v[m]) - d) < 1e-7 && F->nv < SR_SOLID_MAXFV) {
						F->v[F->nv++] = m;
						for (int t = 0; t < 3; t++)
							c[t] += s->v[m][t];
					}
				for (int t = 0; t < 3; t++)
					c[t] /= F->nv;
				double e1[3], e2[3];
				for (int t = 0; t < 3; t++)
					e1[t] = s->v[F->v[0]][t] - c[t];
				cross(n, e1, e2);
				sort_centre = c;
				sort_e1 = e1;
				sort_e2 = e2;
				sort_solid = s;
				qsort(F->v, F->nv, sizeof F->v[0], cmp_angle);
			}
}

/* volume and centroid, by the fan of tetrahedra from the vertex mean over each facet */
static double volume(const sr_solid *s, double *centroid)
{
	double o[3] = {0, 0, 0}, V = 0, c[3] = {0, 0, 0};
	for (int i = 0; i < s->nv; i++)
		for (int t = 0; t < 3; t++)
			o[t] += s->v[i][t] / s->nv;
	for (int f = 0; f < s->nf; f++) {
		const sr_facet *F = &s->f[f];
		for (int m = 1; m + 1 < F->nv; m++) {
			const double *a = s->v[F->v[0]], *b = s->v[F->v[m]], *e = s->v[F->v[m + 1]];
			double p[3], q[3], r[3], x[3];
			for (int t = 0; t < 3; t++) {
				p[t] = a[t] - o[t];
				q[t] = b[t] - o[t];
				r[t] = e[t] - o[t];
			}
			cross(q, r, x);
			double v = fabs(dot(p, x)) / 6;
			V += v;
			for (int t = 0; t < 3; t++)
				c[t] += v * (o[t] + a[t] + b[t] + e[t]) / 4;
		}
	}
	if (centroid)
		for (int t = 0; t < 3; t++)
			centroid[t] = c[t] / V;
	return V;
}

/* ---- groups: closure of the generators ---- */

static int group_find(const sr_solid *s, const double *q)
{
	for (int i = 0; i < s->ng; i++)
		if (fabs(fabs(s->g[i][0] * q[0] + s->g[i][1] * q[1] + s->g[i][2] * q[2] +
		              s->g[i][3] * q[3]) - 1) < 1e-9)
			return i;
	return -1;
}

static void group(sr_solid *s, const double (*gen)[4], int ngen)
{
	s->ng = 1;
	s->g[0][0] = 1;
	s->g[0][1] = s->g[0][2] = s->g[0][3] = 0;
	for (int i = 0; i < s->ng; i++) /* s->ng grows while we walk: a breadth-first closure */
		for (int k = 0; k < ngen; k++) {
			double q[4];
			sr_quat_mul(gen[k], s->g[i], q);
			sr_quat_canon(q);
			if (group_find(s, q) < 0 && s->ng < SR_SOLID_MAXG)
				memcpy(s->g[s->ng++], q, sizeof q);
		}
}

static void symmetries(sr_solid *s)
{
	const double phi = (1 + sqrt(5.0)) / 2, c36 = cos(M_PI / 5), s36 = sin(M_PI / 5);
	const double r2 = sqrt(0.5), n5 = sqrt(1 + phi * phi);
	double gen[3][4] = {{0, 0, 0, 1}, {0.5, 0.5, 0.5, 0.5}, {0}}; /* C2 z, C3 (1,1,1) */
	static const double inv[9] = {-1, 0, 0, 0, -1, 0, 0, 0, -1};
	static const double mz[9] = {1, 0, 0, 0, 1, 0, 0, 0, -1};
	static const double mxy[9] = {0, 1, 0, 1, 0, 0, 0, 0, 1};
	s->has_twin = 1;
	memcpy(s->s, inv, sizeof inv);
	switch (s->id) {
	case SR_SOLID_TETRAHEDRON:
		s->group = "T";
		group(s, (const double(*)[4])gen, 2);
		memcpy(s->s, mxy, sizeof mxy);
		break;
	case SR_SOLID_CUBE:
	case SR_SOLID_OCTAHEDRON:
	case SR_SOLID_CUBOCTAHEDRON:
	case SR_SOLID_TRUNCATED_OCTAHEDRON:
		s->group = "O";
		gen[2][0] = r2; /* C4 z */
		gen[2][3] = r2;
		group(s, (const double(*)[4])gen, 3);
		break;
	case SR_SOLID_ICOSAHEDRON:
		s->group = "I";
		gen[2][0] = c36; /* C5 about the vertex (0, 1, phi) */
		gen[2][2] = s36 / n5;
		gen[2][3] = s36 * phi / n5;
		group(s, (const double(*)[4])gen, 3);
		break;
	case SR_SOLID_DECAHEDRON: {
		s->group = "D5";
		double d5[2][4] = {{c36, 0, 0, s36}, {0, 1, 0, 0}}; /* C5 z, C2 x */
		group(s, (const double(*)[4])d5, 2);
		memcpy(s->s, mz, sizeof mz);
		break;
	}
	default:
		s->group = "C1";
		group(s, NULL, 0);
		s->has_twin = 0;
		memset(s->s, 0, sizeof s->s);
		s->s[0] = s->s[4] = s->s[8] = 1;
	}
}

static void build(sr_solid *s, int id)
{
	memset(s, 0, sizeof *s);
	s->id = id;
	s->name = names[id];
	vertices(s);
	facets(s);
	double c[3] = {0, 0, 0};
	volume(s, c);
	if (id == SR_SOLID_CONTROL) /* the others are centred by symmetry */
		for (int i = 0; i < s->nv; i++)
			for (int t = 0; t < 3; t++)
				s->v[i][t] -= c[t];
	double rmax = 0;
	for (int i = 0; i < s->nv; i++)
		rmax = fmax(rmax, sqrt(dot(s->v[i], s->v[i])));
	for (int i = 0; i < s->nv; i++)
		for (int t = 0; t < 3; t++)
			s->v[i][t] /= rmax;
	facets(s);
	s->volume = volume(s, NULL);
	symmetries(s);
}

const sr_solid *sr_solid_get(int id)
{
	if (id < 1 || id > SR_SOLID_COUNT)
		return NULL;
	if (!built[id]) {
		build(&table[id], id);
		built[id] = 1;
	}
	return &table[id];
}

int sr_solid_from_name(const char *name)
{
	for (int i = 1; i <= SR_SOLID_COUNT; i++)
		if (!strcmp(name, names[i]))
			return i;
	return 0;
}

const char *sr_solid_name(int id) { return id >= 1 && id <= SR_SOLID_COUNT ? names[id] : NULL; }

const char *sr_solid_names(void)
{
	return "tetrahedron, cube, octahedron, cuboctahedron, truncated-octahedron, icosahedron, "
	       "decahedron, control";
}

void sr_solid_twin(const sr_solid *s, const double *q, double *twin)
{
	if (!s->has_twin) {
		memcpy(twin, q, 4 * sizeof *q);
		return;
	}
	double R[9], T[9];
	sr_quat_to_mat(q, R);
	sr_mat_mul(R, s->s, T);
	for (int j = 0; j < 3; j++) /* M_z: negate the last row */
		T[6 + j] = -T[6 + j];
	sr_mat_to_quat(T, twin);
}
