/* record.h: the record, the value every stemrot stream carries, and its shape limits.
 *
 * A record is an image (views x height x width), 1D profiles (views x P x length: P profiles
 * of each view, at P projection angles; P = 1 for one profile) or a plain vector, as
 * float32, plus its metadata.  A stereo pair is one record with views = 2
 * (view 0 = A, view 1 = B).  Pixel (row r, column c) of view v is
 * data[(v * height + r) * width + c]; row 0 is the top of the image.
 *
 * Limits, enforced by every reader before it allocates: views 1..16, height and width
 * 1..65536, and the user-settable limits of core/limits.h: samples per record (default 2^26,
 * an 8192 x 8192 frame), metadata bytes and keys.
 *
 * Reading and writing streams of records: io/stream.h.  The formats: io/format.h. */
#ifndef SR_RECORD_H
#define SR_RECORD_H

#include <stddef.h>

#include "core/meta.h"

enum sr_layout {
	SR_LAYOUT_IMAGE = 1,   /* views x height x width */
	SR_LAYOUT_PROFILE = 2, /* views x P x length (height = P profiles, width = length) */
	SR_LAYOUT_VECTOR = 3   /* n values (views = 1, height = 1, width = n) */
};

/* The layouts' names as metadata and TSV spell them: "image", "profile", "vector".
 * sr_layout_parse gives 0 for any other string. */
const char *sr_layout_name(int layout);
int sr_layout_parse(const char *name);

#define SR_MAX_VIEWS 16
#define SR_MAX_DIM 65536
#define SR_MAX_PROFILES 16 /* profiles per view (the height of a profile record) */
/* The samples limit in force (core/limits.h; its default when STEMROT_LIMITS is malformed,
 * which the readers report). */
#define SR_MAX_SAMPLES sr_max_samples()
long sr_max_samples(void);

typedef struct {
	int layout;
	int views, height, width;
	float *data;  /* views * height * width floats */
	size_t cap;   /* floats allocated; the reader reuses the buffer from record to record */
	sr_meta meta;
} sr_record;

void sr_record_init(sr_record *rec);
void sr_record_free(sr_record *rec);
/* 0 if a record of this layout and shape is within the limits above, else -1 with the
 * error set (what is outside which limit). */
int  sr_check_shape(int layout, int views, int height, int width);
/* Sets the shape and makes room (reusing the buffer); contents are undefined. -1 on limits. */
int  sr_record_reshape(sr_record *rec, int layout, int views, int height, int width);
size_t sr_record_size(const sr_record *rec);      /* views * height * width */
float *sr_record_view(sr_record *rec, int v);     /* start of view v */
int  sr_record_copy(sr_record *dst, const sr_record *src);

#endif
