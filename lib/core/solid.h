/* solid.h: the 3D particle shapes, their body frames, facets and rotation groups.
 *
 * Body frames (stemrot(7)), each scaled here to circumradius 1 (the largest vertex distance
 * from the origin; a renderer multiplies by the particle's radius in px):
 *   tetrahedron (1,1,1), (1,-1,-1), (-1,1,-1), (-1,-1,1)            group T  (12)
 *   cube (+-1,+-1,+-1)                                              group O  (24)
 *   octahedron (+-1,0,0), (0,+-1,0), (0,0,+-1)                      group O
 *   cuboctahedron: all permutations of (+-1,+-1,0)                  group O
 *   truncated octahedron: all permutations of (0,+-1,+-2)           group O
 *   icosahedron: cyclic permutations of (0,+-1,+-phi)               group I  (60)
 *   decahedron (pentagonal bipyramid): (cos 72j, sin 72j, 0),
 *     j = 0..4, and (0,0,+-1/sqrt 3)                                group D5 (10)
 *   control: an irregular convex heptahedron with no symmetry at all, its volume centroid at
 *     the origin                                                    group C1 (1)
 * The groups are the proper rotations mapping the body onto itself, as quaternion lists made
 * by closure from generators.  Every shape but the control also has an improper symmetry s
 * (det -1): a mirror x <-> y for the tetrahedron, z -> -z for the decahedron, the inversion
 * -I for the centrosymmetric others.  A projection along the beam cannot tell R from the
 * twin M_z R s (M_z = diag(1, 1, -1)); the control, chiral, has no twin. */
#ifndef SR_SOLID_H
#define SR_SOLID_H

enum sr_solid_id {
	SR_SOLID_TETRAHEDRON = 1,
	SR_SOLID_CUBE,
	SR_SOLID_OCTAHEDRON,
	SR_SOLID_CUBOCTAHEDRON,
	SR_SOLID_TRUNCATED_OCTAHEDRON,
	SR_SOLID_ICOSAHEDRON,
	SR_SOLID_DECAHEDRON,
	SR_SOLID_CONTROL,
	SR_SOLID_COUNT = SR_SOLID_CONTROL
};

#define SR_SOLID_MAXV 24
#define SR_SOLID_MAXF 32
#define SR_SOLID_MAXFV 8
#define SR_SOLID_MAXG 60

typedef struct {
	double n[3], d;              /* the half-space n . p <= d, |n| = 1 */
	int nv;                      /* its polygon: vertex indices, counterclockwise seen from */
	int v[SR_SOLID_MAXFV];       /* outside (along -n) */
} sr_facet;

typedef struct {
	int id;                      /* enum sr_solid_id */
	const char *name;            /* "cube", ... (the metadata's shape value) */
	const char *group;           /* "T", "O", "I", "D5", "C1" */
	int nv;
	double v[SR_SOLID_MAXV][3];  /* vertices, circumradius 1 */
	int nf;
	sr_facet f[SR_SOLID_MAXF];
	int ng;
	double g[SR_SOLID_MAXG][4];  /* the proper rotation group, canonical quaternions, g[0] = 1 */
	int has_twin;                /* an improper symmetry exists */
	double s[9];                 /* that improper symmetry (row-major), when has_twin */
	double volume;               /* at circumradius 1 */
} sr_solid;

/* The solid, built on first use (not thread-safe on the very first call; call once from the
 * main thread before threads start).  NULL for an unknown id. */
const sr_solid *sr_solid_get(int id);
/* by name ("cube", "truncated-octahedron", ...); 0 if unknown */
int sr_solid_from_name(const char *name);
const char *sr_solid_name(int id);
/* "tetrahedron, cube, ..." for messages and help */
const char *sr_solid_names(void);

/* The twin orientation of q for a single projection, M_z R(q) s, canonical; a copy of q for
 * a shape without twin. */
void sr_solid_twin(const sr_solid *s, const double *q, double *twin);

#endif
