/* watershed.h: splitting a binary mask of touching particles by the distance-transform
 * watershed.
 *
 * The Euclidean distance of every mask pixel to the nearest pixel outside the mask (exact:
 * Felzenszwalb and Huttenlocher's lower envelope of parabolas, columns then rows) peaks at
 * the centre of each particle and dips at the neck where two touch.  The markers are its
 * peaks: taken greedily from the highest, a pixel becomes one when it is as high as every
 * pixel within 2 px, at least 0.4 times as high as the highest (a triangle's inradius is
 * half its circumradius, a hexagon's 0.87 of it), at least min_dist from every marker taken,
 * and the distance dips between it and each of them (along the straight line) below `dip`
 * times the lower of the two.  A convex particle's distance is concave, so it never dips:
 * one particle, however long, gives one marker.  From the markers the mask is flooded in
 * order of decreasing distance (a priority queue), so the parts meet at the necks. */
#ifndef SR_WATERSHED_H
#define SR_WATERSHED_H

/* mask: w x h, non-zero inside; its border row and column must be outside (pad the box).
 * part (w x h ints) gets -1 outside and 0 .. *nparts - 1 inside; *nparts 1 when there is
 * nothing to split, at most max_parts.  -1 with the error set (out of memory). */
int sr_watershed_split(const unsigned char *mask, int w, int h, double min_dist, double dip,
                       int max_parts, int *part, int *nparts);

#endif
