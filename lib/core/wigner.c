/* wigner.c: real spherical harmonics and Wigner matrices (wigner.h). */
#include "core/wigner.h"

#include <math.h>
#include <string.h>

#include "core/quat.h"

#define NPTS 64

static double pts[NPTS][3];
static double pinv[SR_WIGNER_LMAX + 1][SR_WIGNER_MAXDIM][NPTS]; /* (Y^T Y)^-1 Y^T per degree */
static int ready;

void sr_ylm_real(int l, const double *x, double *y)
{
	double r = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
	double ux = x[0] / r, uy = x[1] / r, z = x[2] / r;
	/* P_l^m(z) = sin^m(theta) Q_l^m(z), and sin^m(theta) e^{i m phi} = (x + i y)^m: no
	 * division by sin theta, so the poles need no special case */
	double re = 1, im = 0; /* (ux + i uy)^m */
	for (int m = 0; m <= l; m++) {
		double q0 = 1; /* Q_m^m = (2m - 1)!! */
		for (int k = 1; k <= m; k++)
			q0 *= 2 * k - 1;
		double q = q0, qprev = 0;
		for (int ll = m + 1; ll <= l; ll++) { /* Q_ll^m from Q_(ll-1)^m and Q_(ll-2)^m */
			double qn = ((2 * ll - 1) * z * q - (ll + m - 1) * qprev) / (ll - m);
			qprev = q;
			q = qn;
		}
		double ratio = 1; /* (l - m)! / (l + m)! */
		for (int k = l - m + 1; k <= l + m; k++)
			ratio /= k;
		double K = sqrt((2 * l + 1) / (4 * M_PI) * ratio);
		if (m == 0)
			y[l] = K * q;
		else {
			y[l + m] = sqrt(2.0) * K * q * re;
			y[l - m] = sqrt(2.0) * K * q * im;
		}
		double nre = re * ux - im * uy;
		im = re * uy + im * ux;
		re = nre;
	}
}

/* solves A X = B in place for n x n A (row-major) and n x nrhs B, partial pivoting */
static void solve(double *A, double *B, int n, int nrhs)
{
	for (int c = 0; c < n; c++) {
		int p = c;
		for (int r = c + 1; r < n; r++)
			if (fabs(A[r * n + c]) > fabs(A[p * n + c]))
				p = r;
		if (p != c) {
			for (int k = 0; k < n; k++) {
				double t = A[c * n + k];
				A[c * n + k] = A[p * n + k];
				A[p * n + k] = t;
			}
			for (int k = 0; k < nrhs; k++) {
				double t = B[c * nrhs + k];
				B[c * nrhs + k] = B[p * nrhs + k];
				B[p * nrhs + k] = t;
			}
		}
		for (int r = 0; r < n; r++) {
			if (r == c)
				continue;
			double f = A[r * n + c] / A[c * n + c];
			for (int k = 0; k < n; k++)
				A[r * n + k] -= f * A[c * n + k];
			for (int k = 0; k < nrhs; k++)
				B[r * nrhs + k] -= f * B[c * nrhs + k];
		}
	}
	for (int r = 0; r < n; r++)
		for (int k = 0; k < nrhs; k++)
			B[r * nrhs + k] /= A[r * n + r];
}

void sr_wigner_init(void)
{
	if (ready)
		return;
	/* a Fibonacci sphere: well spread, so Y^T Y is well conditioned for every degree */
	double golden = M_PI * (3 - sqrt(5.0));
	for (int i = 0; i < NPTS; i++) {
		double z = 1 - (2 * i + 1.0) / NPTS, s = sqrt(1 - z * z);
		pts[i][0] = s * cos(golden * i);
		pts[i][1] = s * sin(golden * i);
		pts[i][2] = z;
	}
	for (int l = 0; l <= SR_WIGNER_LMAX; l++) {
		int n = SR_WIGNER_DIM(l);
		double Y[NPTS][SR_WIGNER_MAXDIM], G[SR_WIGNER_MAXDIM * SR_WIGNER_MAXDIM];
		double B[SR_WIGNER_MAXDIM * NPTS];
		for (int i = 0; i < NPTS; i++)
			sr_ylm_real(l, pts[i], Y[i]);
		for (int a = 0; a < n; a++) {
			for (int b = 0; b < n; b++) {
				double s = 0;
				for (int i = 0; i < NPTS; i++)
					s += Y[i][a] * Y[i][b];
				G[a * n + b] = s;
			}
			for (int i = 0; i < NPTS; i++)
				B[a * NPTS + i] = Y[i][a];
		}
		solve(G, B, n, NPTS);
		for (int a = 0; a < n; a++)
			memcpy(pinv[l][a], B + a * NPTS, NPTS * sizeof(double));
	}
	ready = 1;
}

void sr_wigner(int l, const double *q, double *D)
{
	sr_wigner_init();
	int n = SR_WIGNER_DIM(l);
	double R[9], y[NPTS][SR_WIGNER_MAXDIM];
	sr_quat_to_mat(q, R);
	for (int i = 0; i < NPTS; i++) {
		double p[3]; /* R^T x_i */
		for (int a = 0; a < 3; a++)
			p[a] = R[a] * pts[i][0] + R[3 + a] * pts[i][1] + R[6 + a] * pts[i][2];
		sr_ylm_real(l, p, y[i]);
	}
	for (int a = 0; a < n; a++)
		for (int b = 0; b < n; b++) {
			double s = 0;
			for (int i = 0; i < NPTS; i++)
				s += pinv[l][a][i] * y[i][b];
			D[a * n + b] = s;
		}
}

void sr_wigner_apply(int l, const double *q, const double *c, double *out)
{
	sr_wigner_init();
	int n = SR_WIGNER_DIM(l);
	double R[9], f[NPTS], y[SR_WIGNER_MAXDIM];
	sr_quat_to_mat(q, R);
	for (int i = 0; i < NPTS; i++) { /* the function sum c_m Y_m at R^T x_i */
		double p[3];
		for (int a = 0; a < 3; a++)
			p[a] = R[a] * pts[i][0] + R[3 + a] * pts[i][1] + R[6 + a] * pts[i][2];
		sr_ylm_real(l, p, y);
		double s = 0;
		for (int m = 0; m < n; m++)
			s += c[m] * y[m];
		f[i] = s;
	}
	for (int a = 0; a < n; a++) {
		double s = 0;
		for (int i = 0; i < NPTS; i++)
			s += pinv[l][a][i] * f[i];
		out[a] = s;
	}
}

int sr_wigner_invariant(int l, const double (*g)[4], int ng, double *c)
{
	int n = SR_WIGNER_DIM(l);
	double P[SR_WIGNER_MAXDIM * SR_WIGNER_MAXDIM] = {0}, D[SR_WIGNER_MAXDIM * SR_WIGNER_MAXDIM];
	for (int k = 0; k < ng; k++) {
		sr_wigner(l, g[k], D);
		for (int i = 0; i < n * n; i++)
			P[i] += D[i] / ng;
	}
	double tr = 0;
	for (int i = 0; i < n; i++)
		tr += P[i * n + i];
	int dim = (int)lround(tr);
	if (dim < 1)
		return dim;
	int best = 0;
	double bestn = -1;
	for (int j = 0; j < n; j++) {
		double s = 0;
		for (int i = 0; i < n; i++)
			s += P[i * n + j] * P[i * n + j];
		if (s > bestn + 1e-12) {
			bestn = s;
			best = j;
		}
	}
	double nn = sqrt(bestn), big = 0;
	for (int i = 0; i < n; i++) {
		c[i] = P[i * n + best] / nn;
		if (fabs(c[i]) > fabs(big) + 1e-12)
			big = c[i];
	}
	if (big < 0)
		for (int i = 0; i < n; i++)
			c[i] = -c[i];
	return dim;
}
