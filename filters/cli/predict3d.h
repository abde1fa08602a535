/* predict3d.h: predict(1)'s 3D rows: the projection-matching baseline (image/match3d.h) run
 * on each record of 3D particles, one tab-separated line each (stemrot-stream(5)):
 *   id shape group views qw qx qy qz confidence qw2 qx2 qy2 qz2 confidence2 radius
 *   shape_true qw_true qx_true qy_true qz_true
 * shape is the solid the baseline was told; the truth columns are NA without 3D metadata. */
#ifndef SR_PREDICT3D_H
#define SR_PREDICT3D_H

#include "image/match3d.h"
#include "io/record.h"

typedef struct sr_predict3d sr_predict3d;

/* solid 0: each record's shape key (told the true shape); single: view A only, even of a
 * pair.  NULL with the error set. */
sr_predict3d *sr_predict3d_new(const sr_match_options *o, int solid, int single, int header);
/* Prints the row of record n (and the header before the first).  -1 with the error set;
 * a record without signal gets NA columns and a warning on standard error. */
int sr_predict3d_record(sr_predict3d *p, const sr_record *rec, long n);
void sr_predict3d_free(sr_predict3d *p);

/* The header line, without newline. */
const char *sr_predict3d_header(void);

/* A row for an orientation found otherwise (predict -m with a siamese3d model): shape is
 * what the predictor was told ("NA": not told), radius NAN when not measured.  *header: 1
 * prints the header first (then 0).  -1 with the error set (bad 3D metadata, write error). */
int sr_predict3d_put(const sr_record *rec, long n, int *header, const char *shape,
                     const char *group, int views, const double *q, double conf,
                     const double *q2, double conf2, double radius);

#endif
