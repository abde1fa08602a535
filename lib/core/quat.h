/* quat.h: rotations of 3D space as unit quaternions and 3x3 matrices.
 *
 * The project's convention (stemrot(7)): a quaternion q = (w, x, y, z) in the Hamilton
 * convention acts actively, p' = q p q*, so rotating a vector about the unit axis n by the
 * angle a is q = (cos a/2, n sin a/2).  R(q) maps body coordinates to lab coordinates.  q and
 * -q are the same rotation; the stored form has w >= 0 (sr_quat_canon).  Matrices are
 * row-major double[9]: p'_i = sum_j R[3i + j] p_j.  Angles are in degrees. */
#ifndef SR_QUAT_H
#define SR_QUAT_H

#include "core/rng.h"

/* a b (a after b: rotating by b first, then by a) */
void sr_quat_mul(const double *a, const double *b, double *out);
/* the inverse of a unit quaternion */
void sr_quat_conj(const double *q, double *out);
/* scales q to unit length and flips its sign so that w >= 0 (when w == 0 the first nonzero
 * of x, y, z is made positive): one stored form per rotation.  -1 when |q| is 0 or not finite. */
int sr_quat_canon(double *q);
/* rotation about axis (need not be unit, not zero) by deg degrees */
void sr_quat_axis_angle(const double *axis, double deg, double *q);
void sr_quat_to_mat(const double *q, double *R);
/* R must be a rotation (orthonormal, det +1) to rounding; Shepperd's method */
void sr_mat_to_quat(const double *R, double *q);
/* R v */
void sr_mat_apply(const double *R, const double *v, double *out);
/* A B */
void sr_mat_mul(const double *A, const double *B, double *out);

/* The geodesic angle between two rotations, degrees in [0, 180]: 2 acos |a . b|. */
double sr_quat_angle(const double *a, const double *b);
/* The angle reduced by a group of n rotations g (quaternions):
 * min over g of the angle between a and b g, which is the issue's
 * min over g of arccos((trace(R_a^T R_b R_g) - 1) / 2). */
double sr_quat_angle_mod(const double *a, const double *b, const double (*g)[4], int n);

/* Uniform (Haar) random rotation, from three uniforms (Shoemake's subgroup algorithm);
 * canonical form. */
void sr_quat_haar(sr_rng *r, double *q);
/* Point i of n of a deterministic, nearly uniform set on SO(3) (Alexa's super-Fibonacci
 * spiral, CVPR 2022); canonical form. */
void sr_quat_grid(long i, long n, double *q);

/* The tilt of a stereo pair: rotation by delta degrees about the in-plane axis that makes
 * axis_deg degrees with the lab y axis, counterclockwise on screen, i.e. about
 * (-sin axis_deg, cos axis_deg, 0); axis_deg 0 is R_y(delta) (positive delta turns +z
 * towards +x). */
void sr_quat_tilt(double delta, double axis_deg, double *q);

#endif
