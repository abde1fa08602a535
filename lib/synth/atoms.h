/* atoms.h: the atoms image model of a 3D particle (synth/particle.h).
 *
 * The particle's atoms, in its body frame, in angstrom (circumradius = radius x pixel_size):
 *   - cube, octahedron, cuboctahedron, truncated octahedron and the control: the FCC lattice
 *     of constant `lattice` (a lattice point at the centre, cube axes along the body axes) cut
 *     by the solid's facets;
 *   - tetrahedron: the FCC tetrahedron with {111} facets (its vertex set is the body's, so
 *     the edges run along <110>), as barycentric lattice points with n = round(edge / d_nn),
 *     d_nn = lattice / sqrt 2;
 *   - icosahedron: the Mackay icosahedron, 20 slightly strained FCC tetrahedra sharing the
 *     centre (1, 13, 55, 147, ... atoms for n = 0, 1, 2, 3), n = round(edge / d_nn);
 *   - decahedron: the Ino decahedron without re-entrance (Marks r = 0), 5 FCC tetrahedra
 *     sharing the five-fold axis, n = round(pentagon edge / d_nn).
 * Each atom is imaged as a Gaussian of sd atom_sigma px with peak intensity (Z/79)^zexp,
 * averaged exactly over each pixel (erf), the fast incoherent approximation of HAADF: columns
 * along zone axes appear as bright dots. */
#ifndef SR_ATOMS_H
#define SR_ATOMS_H

#include "synth/particle.h"

/* The atoms of p, body frame, angstrom, as x y z triples in a malloc'd array (*out, to
 * free); returns their count, -1 with a message on failure. */
long sr_particle_atoms(const sr_particle *p, double **out);

/* Adds the atoms image of p to img (w x h). */
int sr_render_atoms(const sr_particle *p, float *img, int w, int h);

#endif
