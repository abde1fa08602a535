/* distribution.h: what a model was trained on, measured without labels: the particle's size
 * and level (image/particle.h) in every view of the training images, summarised as
 * percentiles in the model's info block, and read back by predict(1) to say when a record
 * lies outside.  No key of the records is read (train(1) never reads truth).
 *
 * Info keys written: train.size.p01, train.size.p50, train.size.p99 (radius of gyration,
 * px), train.signal.p01, train.signal.p50, train.signal.p99 (level above background,
 * counts), train.measured (views measured).  Images only: profiles record nothing. */
#ifndef SR_DISTRIBUTION_H
#define SR_DISTRIBUTION_H

#include "core/meta.h"
#include "image/particle.h"
#include "io/record.h"

/* At most this many views are measured (the first ones); enough for percentiles. */
#define SR_DISTRIBUTION_MAX 200000

typedef struct {
	double *size, *signal;
	long n, cap;
} sr_distribution;

void sr_distribution_init(sr_distribution *d);
void sr_distribution_free(sr_distribution *d);
/* Measures every view of an image record (other layouts: nothing). */
int sr_distribution_add(sr_distribution *d, const sr_record *rec);
/* Writes the keys above (none when nothing was measured). */
int sr_distribution_store(const sr_distribution *d, sr_meta *info);

/* The trained range as predict uses it: the 1st to 99th percentiles widened by
 * SR_RANGE_MARGIN on each side (so that fewer than 2% of the training views warn). */
#define SR_RANGE_MARGIN 0.10
typedef struct {
	int has;                         /* 0: the model records no distribution */
	double size_lo, size_mid, size_hi;
} sr_trained_range;

/* Reads the keys; has = 0 when absent, -1 with the error set when malformed. */
int sr_trained_range_get(const sr_meta *info, sr_trained_range *r);

/* Measures view 0 of an image record into *st and compares its size with the range: returns
 * SR_OUTSIDE_SIZE when outside, 0 when inside, or no range, or not an image, or no particle
 * found; -1 with the error set.  The level is measured but not compared: the network's
 * input normalisation divides it out, a clean (noiseless) image is dim yet easy, and real
 * images come in arbitrary units. */
enum { SR_OUTSIDE_SIZE = 1 };
int sr_trained_range_check(const sr_trained_range *r, const sr_record *rec,
                           sr_particle_stats *st);
/* Zooms every view of an image record about its centre so that view 0's particle gets the
 * trained median size (size_mid); *factor is the zoom used (1: no range, not an image, or no
 * particle found: the record is left as it is).  -1 with the error set. */
int sr_trained_range_fit(const sr_trained_range *r, sr_record *rec, double *factor);

#endif
