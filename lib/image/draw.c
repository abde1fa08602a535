/* draw.c: drawing on RGB pictures (draw.h). */
#include "image/draw.h"

#include <math.h>
#include <stdlib.h>

#include "core/err.h"

int sr_picture_from_grey(sr_picture *pic, const float *v, int w, int h, double lo, double hi)
{
	pic->width = w;
	pic->height = h;
	pic->rgb = malloc((size_t)w * h * 3);
	if (!pic->rgb)
		return sr_fail("out of memory for a %dx%d picture", w, h);
	double scale = hi > lo ? 255.0 / (hi - lo) : 0;
	for (size_t i = 0; i < (size_t)w * h; i++) {
		double g = (v[i] - lo) * scale;
		unsigned char c = (unsigned char)(g < 0 ? 0 : g > 255 ? 255 : lround(g));
		pic->rgb[3 * i] = pic->rgb[3 * i + 1] = pic->rgb[3 * i + 2] = c;
	}
	return 0;
}

void sr_picture_free(sr_picture *pic)
{
	free(pic->rgb);
	pic->rgb = NULL;
}

static void plot(sr_picture *pic, int x, int y, uint32_t rgb)
{
	if (x < 0 || y < 0 || x >= pic->width || y >= pic->height)
		return;
	unsigned char *p = pic->rgb + 3 * ((size_t)y * pic->width + x);
	p[0] = (unsigned char)(rgb >> 16);
	p[1] = (unsigned char)(rgb >> 8);
	p[2] = (unsigned char)rgb;
}

void sr_draw_line(sr_picture *pic, double x0, double y0, double x1, double y1, uint32_t rgb)
{
	/* one dot per pixel step along the longer axis: no gaps, no library needed */
	double dx = x1 - x0, dy = y1 - y0, n = ceil(fmax(fabs(dx), fabs(dy)));
	if (!isfinite(n) || n > 1e6)
		return;
	for (int i = 0; i <= (int)n; i++) {
		double t = n > 0 ? i / n : 0;
		plot(pic, (int)floor(x0 + t * dx), (int)floor(y0 + t * dy), rgb);
	}
}

void sr_draw_polygon(sr_picture *pic, int k, double r, double cx, double cy, double theta,
                     uint32_t rgb)
{
	if (k < 3)
		return;
	double a0 = theta * M_PI / 180;
	for (int j = 0; j < k; j++) {
		double a = a0 + 2 * M_PI * j / k, b = a0 + 2 * M_PI * (j + 1) / k;
		sr_draw_line(pic, cx + r * cos(a), cy - r * sin(a), cx + r * cos(b), cy - r * sin(b), rgb);
	}
	/* the vertex at theta marked by a spoke from the centre */
	sr_draw_line(pic, cx, cy, cx + r * cos(a0), cy - r * sin(a0), rgb);
}

/* 3x5 glyphs, one row a byte (bits 2..0 left to right) */
static const unsigned char font[13][5] = {
	{7, 5, 5, 5, 7}, {2, 6, 2, 2, 7}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7}, {5, 5, 7, 1, 1},
	{7, 4, 7, 1, 7}, {7, 4, 7, 5, 7}, {7, 1, 1, 1, 1}, {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7},
	{0, 0, 0, 0, 2}, {0, 0, 7, 0, 0}, {0, 2, 0, 2, 0}};

void sr_draw_text(sr_picture *pic, int x, int y, const char *text, int scale, uint32_t rgb)
{
	for (; *text; text++, x += 4 * scale) {
		int g = *text >= '0' && *text <= '9' ? *text - '0' : *text == '.' ? 10 : *text == '-' ? 11
		        : *text == ':' ? 12 : -1;
		if (g < 0)
			continue;
		for (int r = 0; r < 5; r++)
			for (int c = 0; c < 3; c++)
				if (font[g][r] >> (2 - c) & 1)
					for (int sy = 0; sy < scale; sy++)
						for (int sx = 0; sx < scale; sx++)
							plot(pic, x + c * scale + sx, y + r * scale + sy, rgb);
	}
}
