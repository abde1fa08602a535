/* draw.h: drawing on an RGB picture (8-bit, row-major, 3 bytes a pixel) for the figures
 * that show results on a micrograph: the micrograph itself as grey, lines, a regular
 * polygon's outline at a given angle, and numbers in a 3x5 pixel font. */
#ifndef SR_DRAW_H
#define SR_DRAW_H

#include <stdint.h>

typedef struct {
	int width, height;
	unsigned char *rgb;   /* width * height * 3 */
} sr_picture;

/* A picture of the samples as grey, linearly from lo (black) to hi (white); NULL-safe:
 * -1 with the error set when out of memory. */
int sr_picture_from_grey(sr_picture *pic, const float *v, int w, int h, double lo, double hi);
void sr_picture_free(sr_picture *pic);

/* A line from (x0, y0) to (x1, y1) in pixel coordinates (column c covers x in [c, c+1)),
 * clipped to the picture. */
void sr_draw_line(sr_picture *pic, double x0, double y0, double x1, double y1, uint32_t rgb);

/* The outline of a regular k-gon of circumradius r centred at (cx, cy), one vertex at theta
 * degrees from +x, counterclockwise on screen (the convention of shapegen and predict). */
void sr_draw_polygon(sr_picture *pic, int k, double r, double cx, double cy, double theta,
                     uint32_t rgb);

/* Text of digits, '.', '-' and ':' (others are left blank) with its top-left corner at
 * (x, y), scale pixels a font pixel. */
void sr_draw_text(sr_picture *pic, int x, int y, const char *text, int scale, uint32_t rgb);

#endif
