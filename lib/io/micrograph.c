/* micrograph.c: metadata and units shared by the microscope format readers.  See
 * micrograph.h. */
#include "io/micrograph.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

double sr_unit_nm(const char *unit, const char **name)
{
	static const struct {
		const char *spelling;
		double nm;
		const char *name;
	} units[] = {
		/* Å as UTF-8 (two code points for it), µ as UTF-8 (micro sign, Greek mu) and as
		 * Latin-1 (DM3 writes that byte) */
		{"nm", 1, "nm"}, {"A", 0.1, "A"}, {"\xc3\x85", 0.1, "A"}, {"\xe2\x84\xab", 0.1, "A"},
		{"\xc5", 0.1, "A"}, {"Angstrom", 0.1, "A"}, {"angstrom", 0.1, "A"}, {"um", 1e3, "um"},
		{"\xc2\xb5m", 1e3, "um"}, {"\xce\xbcm", 1e3, "um"}, {"\xb5m", 1e3, "um"},
		{"micron", 1e3, "um"}, {"micrometer", 1e3, "um"}, {"pm", 1e-3, "pm"}, {"mm", 1e6, "mm"},
		{"m", 1e9, "m"}, {"meter", 1e9, "m"}, {"meters", 1e9, "m"},
	};
	if (!unit)
		return 0;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(unit, units[i].spelling) == 0) {
			if (name)
				*name = units[i].name;
			return units[i].nm;
		}
	return 0;
}

/* Seven significant digits: what a float32 calibration holds, and more than any microscope
 * knows its pixel size to; it keeps 0.44825 from printing as 0.44824999570846558. */
static double round7(double v)
{
	char t[32];
	snprintf(t, sizeof t, "%.7g", v);
	return strtod(t, NULL);
}

int sr_micrograph_meta(sr_record *rec, const char *name, long record, const sr_micrograph_info *mi)
{
	sr_meta *m = &rec->meta;
	sr_meta_clear(m);
	if (sr_meta_set(m, "id", "%s:%ld", name, record) < 0 || sr_meta_set(m, "source", "%s", name) < 0 ||
	    sr_meta_set(m, "format", "%s", mi->format) < 0 || sr_meta_set_long(m, "frame", mi->frame) < 0 ||
	    sr_meta_set_long(m, "frames", mi->frames) < 0 || sr_meta_set(m, "dtype", "%s", mi->dtype) < 0)
		return -1;
	if (mi->unit && mi->size_x > 0 && isfinite(mi->size_x)) {
		/* Units are free text in some formats: a length by its ASCII name, anything else
		 * with its bytes outside printable ASCII shown as '?'. */
		const char *ascii = NULL;
		double nm = sr_unit_nm(mi->unit, &ascii);
		char unit[32];
		size_t n = 0;
		for (const char *u = ascii ? ascii : mi->unit; *u && n + 1 < sizeof unit; u++)
			unit[n++] = (unsigned char)*u >= 0x20 && (unsigned char)*u < 0x7f ? *u : '?';
		unit[n] = '\0';
		double y = mi->size_y > 0 && isfinite(mi->size_y) ? mi->size_y : mi->size_x;
		if (sr_meta_set_double(m, "pixel.size", round7(mi->size_x)) < 0 ||
		    (n && sr_meta_set(m, "pixel.unit", "%s", unit) < 0))
			return -1;
		if (nm > 0 && sr_meta_set_double(m, "pixel.nm", round7(mi->size_x * nm)) < 0)
			return -1;
		if (nm > 0 && y != mi->size_x && sr_meta_set_double(m, "pixel.nm.y", round7(y * nm)) < 0)
			return -1;
	}
	const char *texts[2][2] = {{"detector", mi->detector}, {"title", mi->title}};
	for (int i = 0; i < 2; i++) {
		if (!texts[i][1] || !*texts[i][1])
			continue;
		char v[256];
		size_t n = 0;
		for (const char *c = texts[i][1]; *c && n + 1 < sizeof v; c++)
			v[n++] = (unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f ? *c : '?';
		v[n] = '\0';
		if (sr_meta_set(m, texts[i][0], "%s", v) < 0)
			return -1;
	}
	return 0;
}
