/* micrograph.h: what every reader of a microscope file format shares: the metadata each of
 * its records carries, and lengths in nanometres from the units the formats write. */
#ifndef SR_MICROGRAPH_H
#define SR_MICROGRAPH_H

#include <stddef.h>

#include "io/record.h"

/* The length of one unit in nanometres ("nm", "A"/"Å", "um"/"µm"/"micron", "pm", "mm",
 * "m"; µ and Å in UTF-8 or Latin-1), or 0 when unit is not a length (eV, 1/nm, "" ...).
 * *name (when not NULL) is set to the unit's plain ASCII name ("um" for µm, "A" for Å). */
double sr_unit_nm(const char *unit, const char **name);

/* Replaces rec's metadata with: id=NAME:RECORD, source=NAME, format, frame (from 1, of
 * frames), dtype (the file's sample type), and, when known, pixel.size and pixel.unit as the
 * file gives them (a length unit by its ASCII name), pixel.nm (x; and pixel.nm.y when y differs) when the unit is a length
 * (sizes rounded to 7 significant digits),
 * and detector and title (bytes outside printable ASCII shown as '?').  size <= 0 or a NULL unit: no calibration.  -1 with the error set. */
typedef struct {
	const char *format;   /* e.g. "MRC" */
	const char *dtype;    /* e.g. "uint16" */
	long frame, frames;   /* frame from 1 */
	double size_x, size_y;/* pixel size in unit; 0: unknown */
	const char *unit;
	const char *detector; /* NULL: unknown */
	const char *title;    /* the image's name in the file; NULL: none */
} sr_micrograph_info;
int sr_micrograph_meta(sr_record *rec, const char *name, long record, const sr_micrograph_info *mi);

/* The most a reader of a format that needs the whole file in memory (DM, SER, TIFF) holds:
 * 1 GiB. */
#define SR_MICROGRAPH_MAX_FILE ((size_t)1 << 30)

#endif
