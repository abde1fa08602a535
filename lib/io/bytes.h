/* bytes.h: numbers from the bytes of a file, in either byte order, whatever the host; for
 * the readers of binary formats (inline: each is one or two instructions). */
#ifndef SR_BYTES_H
#define SR_BYTES_H

#include <stdint.h>
#include <string.h>

static inline uint16_t sr_u16(const unsigned char *p, int big)
{
	return big ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static inline uint32_t sr_u32(const unsigned char *p, int big)
{
	return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
	           : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static inline uint64_t sr_u64(const unsigned char *p, int big)
{
	return big ? (uint64_t)sr_u32(p, 1) << 32 | sr_u32(p + 4, 1)
	           : (uint64_t)sr_u32(p + 4, 0) << 32 | sr_u32(p, 0);
}

static inline float sr_f32(const unsigned char *p, int big)
{
	uint32_t u = sr_u32(p, big);
	float f;
	memcpy(&f, &u, 4);
	return f;
}

static inline double sr_f64(const unsigned char *p, int big)
{
	uint64_t u = sr_u64(p, big);
	double d;
	memcpy(&d, &u, 8);
	return d;
}

/* IEEE 754 half precision (MRC mode 12). */
static inline float sr_f16(const unsigned char *p, int big)
{
	uint16_t h = sr_u16(p, big);
	uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 31, m = h & 1023, u;
	if (e == 31) {
		u = sign | 0x7f800000u | m << 13; /* Inf, NaN */
	} else if (e == 0) {
		/* zero or subnormal: m * 2^-24, exact in float */
		float f = (float)m * (1.0f / 16777216.0f);
		return sign ? -f : f;
	} else {
		u = sign | (e + 112) << 23 | m << 13;
	}
	float f;
	memcpy(&f, &u, 4);
	return f;
}

#endif
