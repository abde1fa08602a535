/* format.c: the format table.  A new format is one file defining its sr_format_def and one
 * line here.  Order matters only for probing: formats whose signature is at byte 0 first,
 * so that the common stream records never wait for a longer head. */
#include "io/format.h"

extern const sr_format_def sr_format_strt;   /* strt.c: stemrot tensor records */
extern const sr_format_def sr_format_netpbm; /* netpbm.c: PBM/PGM/PPM/PAM */
extern const sr_format_def sr_format_dm;     /* dm.c: Gatan DM3, DM4 */
extern const sr_format_def sr_format_ser;    /* ser.c: FEI/Thermo TIA series */
extern const sr_format_def sr_format_tiff;   /* tiff.c: TIFF through libtiff */
extern const sr_format_def sr_format_emd;    /* emd.c: Velox and Berkeley EMD (HDF5) */
extern const sr_format_def sr_format_mrc;    /* mrc.c: MRC/CCP4 (signature at byte 208) */

const sr_format_def *const sr_formats[] = {
	&sr_format_strt,
	&sr_format_netpbm,
	&sr_format_dm,
	&sr_format_ser,
	&sr_format_tiff,
	&sr_format_emd,
	&sr_format_mrc,
};

const int sr_format_count = (int)(sizeof sr_formats / sizeof sr_formats[0]);
