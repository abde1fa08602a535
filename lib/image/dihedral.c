/* dihedral.c: the eight symmetries of a square image (imgproc.h), exact on the pixel grid:
 * training augments pairs with them, prediction averages over them. */
#include "image/imgproc.h"

void sr_dihedral(const float *in, float *out, int n, int j)
{
	for (int r = 0; r < n; r++)
		for (int c = 0; c < n; c++) {
			int rr = j >= 4 ? n - 1 - r : r, cc = c; /* mirror about the horizontal axis */
			for (int q = 0; q < j % 4; q++) {        /* (r, c) -> (n-1-c, r) per 90 degrees */
				int t = rr;
				rr = n - 1 - cc;
				cc = t;
			}
			out[rr * n + cc] = in[r * n + c];
		}
}
