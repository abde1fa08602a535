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

/* A fixed map from samples to integers, the same for every record of a stream:
 * q = round((v - offset) / step), read back as q * step + offset.  Unlike the automatic map
 * (per record, from its range), values keep their meaning across records and through stock
 * Netpbm tools that drop the header comments, since the reader can be told the map again. */
typedef struct {
	int set;
	double offset, step;
} sr_sample_map;

/* Parses "OFFSET:STEP" (finite, STEP > 0); name is for the message. */
int sr_sample_map_parse(const char *name, const char *s, sr_sample_map *map);

/* The map in STEMROT_PAM_MAP, if set (map->set 0 if not); -1 with the error set if it does
 * not parse.  Writers use it when not given one; readers apply it to Netpbm images that carry
 * no stemrot metadata (a stemrot PAM states its own map). */
int sr_sample_map_env(sr_sample_map *map);

/* maxval 0: the record's "maxval" key if it is 1..65535, else 65535.  map NULL or unset:
 * integers 0..maxval as they are, else the automatic map (stemrot-stream(5)); map set: that
 * map, and a sample outside 0..maxval under it is an error.  -1 with the error set on
 * NaN/infinite samples, a record the type cannot hold, or a write error; nothing is written
 * unless the whole record can be. */
int sr_pnm_write(FILE *out, const sr_record *rec, int maxval, int type, const sr_sample_map *map);

#endif
