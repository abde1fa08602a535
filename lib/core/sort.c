/* sort.c: the radix sort of sort.h. */
#include "core/sort.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* An unsigned key in the floats' order: negative numbers reversed, then the positive ones
 * above them; NaNs (any sign) mapped above +Inf. */
static uint32_t key_of(float f)
{
	uint32_t b;
	memcpy(&b, &f, sizeof b);
	if ((b & 0x7fffffffu) > 0x7f800000u)
		return 0xffffffffu;
	return (b & 0x80000000u) ? ~b : b | 0x80000000u;
}

int sr_sort_floats(float *v, size_t n)
{
	if (n < 2)
		return 0;
	uint32_t *a = malloc(2 * n * sizeof *a), *b = a + n;
	if (!a)
		return sr_fail("out of memory sorting %zu samples", n);
	size_t count[4][256] = {{0}};
	for (size_t i = 0; i < n; i++) {
		uint32_t k = key_of(v[i]);
		a[i] = k;
		for (int d = 0; d < 4; d++)
			count[d][(k >> (8 * d)) & 0xff]++;
	}
	for (int d = 0; d < 4; d++) {
		size_t *c = count[d];
		if (c[(a[0] >> (8 * d)) & 0xff] == n) /* every key has this digit: nothing moves */
			continue;
		size_t sum = 0;
		for (int i = 0; i < 256; i++) {
			size_t t = c[i];
			c[i] = sum;
			sum += t;
		}
		for (size_t i = 0; i < n; i++)
			b[c[(a[i] >> (8 * d)) & 0xff]++] = a[i];
		uint32_t *t = a;
		a = b;
		b = t;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t k = a[i], bits;
		if (k == 0xffffffffu)
			bits = 0x7fc00000u; /* a NaN */
		else
			bits = (k & 0x80000000u) ? k & 0x7fffffffu : ~k;
		memcpy(&v[i], &bits, sizeof bits);
	}
	free(a < b ? a : b);
	return 0;
}
