/* particle.h: a 3D particle as shapegen draws it and stereopair re-renders it: one of the
 * solids of core/solid.h at an orientation, size and position, and its image model.
 *
 * Metadata keys (stemrot-stream(5)): shape (the solid's name), group (T, O, I, D5, C1),
 * model (thickness or atoms), qw qx qy qz (the orientation, a unit quaternion with w >= 0,
 * Hamilton, active, body to lab), radius (circumradius, px), cx, cy (centre, pixel
 * coordinates as for the 2D shapes), intensity; for the atoms model also lattice (the FCC
 * lattice constant, angstrom), pixel_size (angstrom per px), atomic_number, zexp (the
 * exponent n of Z^n) and atom_sigma (the Gaussian column width, px).  Numbers are written so
 * that they read back exactly: a particle read back renders to the same bytes. */
#ifndef SR_PARTICLE_H
#define SR_PARTICLE_H

#include <stdint.h>

#include "core/meta.h"
#include "core/rng.h"
#include "core/solid.h"
#include "io/record.h"

enum sr_image_model { SR_MODEL_THICKNESS = 1, SR_MODEL_ATOMS = 2 };

typedef struct {
	int solid;          /* enum sr_solid_id */
	int model;          /* enum sr_image_model */
	double q[4];        /* orientation */
	double radius;      /* circumradius, px */
	double cx, cy;      /* centre, px */
	double intensity;   /* thickness: the level at a chord of one diameter; atoms: the peak of
	                       one atom of the given Z */
	double lattice;     /* atoms: FCC lattice constant, angstrom */
	double pixel_size;  /* atoms: angstrom per px (the radius follows from the atoms kept) */
	int atomic_number;  /* atoms: Z */
	double zexp;        /* atoms: intensity of a column ~ sum Z^zexp */
	double atom_sigma;  /* atoms: Gaussian sd of one atom's image, px */
} sr_particle;

/* A cube of radius 16 centred in a 64x64 image, identity orientation, thickness model,
 * intensity 1; atoms defaults: Au (Z 79, a 4.078 A), 0.2 A/px... see particle.c. */
void sr_particle_init(sr_particle *p);
int sr_particle_check(const sr_particle *p);

const char *sr_model_name(int model);
int sr_model_from_name(const char *name);

/* Adds the particle's image to img (w x h).  -1 with a message on a bad particle. */
int sr_particle_render(const sr_particle *p, float *img, int w, int h);

int sr_particle_to_meta(const sr_particle *p, sr_meta *m);
/* Reads the keys above; a missing or malformed key, an unknown shape or model, a group that
 * is not the shape's, or a quaternion not of unit length (within 1e-6) is an error naming
 * it. */
int sr_particle_from_meta(const sr_meta *m, sr_particle *p);
/* 1 when the metadata's shape key names a 3D solid */
int sr_meta_is_solid(const sr_meta *m);

/* ---- random particles (shapegen --solid) ---- */
typedef struct {
	int nsolid;
	int solids[SR_SOLID_COUNT];  /* drawn uniformly */
	int model;
	int q_given;                 /* 0: Haar-uniform orientation; 1: q below */
	double q[4];
	double radius_lo, radius_hi, cx_lo, cx_hi, cy_lo, cy_hi, intensity_lo, intensity_hi;
	double lattice, pixel_size, zexp, atom_sigma;
	int atomic_number;
} sr_particle_spec;

void sr_particle_spec_default(sr_particle_spec *spec, int w, int h);
/* Always consumes exactly eight uniforms (solid, three for the orientation, radius, cx, cy,
 * intensity), whichever are fixed. */
int sr_particle_draw(const sr_particle_spec *spec, sr_rng *r, sr_particle *out);

/* One-view w x h record of the rendered particle, metadata id (if not NULL) then the keys. */
int sr_particle_record(sr_record *rec, const sr_particle *p, int w, int h, const char *id);

/* A clean one-view record of a 3D particle turned into a tilt pair: checks that view A is
 * the rendering its metadata describes (within 1% of the intensity's scale), renders view B
 * with orientation R_B = R_tilt(delta, axis_deg) R_A (sr_quat_tilt) and centre shifted by
 * (dx, dy) px, and sets the keys tilt, tilt_axis, b.dx, b.dy. */
int sr_pair_tilt(sr_record *rec, double delta, double axis_deg, double dx, double dy);

/* The orientation of view B of a tilt pair from the record's keys (qw.. and tilt, tilt_axis,
 * the latter 0 when absent); 1 when the record has no tilt key. */
int sr_pair_tilt_quat(const sr_meta *m, double *q_tilt);

#endif
