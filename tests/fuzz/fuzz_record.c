/* fuzz_record: the record reader (every format it knows: tensor records plain and compressed,
 * PBM/PGM/PPM/PAM plain and raw, mixed in one stream).  Every record read is written back as a
 * tensor record and read again: the copy must have the same shape, metadata and samples. */
#include <string.h>

#include "fuzz.h"
#include "io/stream.h"

static void round_trip(const sr_record *rec)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		abort();
	sr_write_options opt = {.format = SR_FORMAT_TENSOR, .compress = rec->views == 1};
	if (sr_record_write(m, rec, &opt) < 0)
		abort(); /* a record the reader accepted must be writable */
	fclose(m);
	sr_reader *rd = sr_reader_open(fuzz_file((const uint8_t *)buf, len));
	sr_record back;
	sr_record_init(&back);
	if (!rd || sr_reader_next(rd, &back) != 1 || back.views != rec->views ||
	    back.height != rec->height || back.width != rec->width || back.meta.n != rec->meta.n ||
	    memcmp(back.data, rec->data, sr_record_size(rec) * sizeof(float)) != 0)
		abort();
	sr_record_free(&back);
	sr_reader_close(rd);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	sr_reader *rd = sr_reader_open(fuzz_file(data, size));
	if (!rd)
		abort();
	sr_record rec;
	sr_record_init(&rec);
	sr_record *held = NULL;
	size_t nheld = 0;
	for (int i = 0; i < 16 && sr_reader_next(rd, &rec) == 1; i++) {
		sr_record *h = realloc(held, (nheld + 1) * sizeof *h);
		if (!h)
			abort();
		held = h;
		sr_record_init(&held[nheld]);
		if (sr_record_copy(&held[nheld], &rec) < 0)
			abort();
		nheld++;
	}
	sr_reader_close(rd);
	sr_record_free(&rec);
	for (size_t i = 0; i < nheld; i++) {
		round_trip(&held[i]);
		sr_record_free(&held[i]);
	}
	free(held);
	return 0;
}
