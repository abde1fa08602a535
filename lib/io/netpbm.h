/* netpbm.h: writing one record as a Netpbm image (PAM, or PGM for one view), for glue
 * programs that want a specific image type; filters use sr_record_write.  The mapping of
 * float samples to integers and the metadata comments are described in stemrot-stream(5). */
#ifndef SR_NETPBM_H
#define SR_NETPBM_H

#include <stdio.h>

#include "io/record.h"

enum sr_pnm_type {
	SR_PNM_PAM = 0, /* P7, depth = views, tuple type GRAYSCALE / STEMROT_PAIR / STEMROT_VIEWS */
	SR_PNM_PGM = 1  /* P5; one-view records only */
};

/* maxval 0: the record's "maxval" key if it is 1..65535, else 65535.  -1 with the error set
 * on NaN/infinite samples, a record the type cannot hold, or a write error; nothing is
 * written unless the whole record can be. */
int sr_pnm_write(FILE *out, const sr_record *rec, int maxval, int type);

#endif
