/* Unit tests for the microscope format readers (lib/io/mrc.c ...), on the real files in
 * ../shared/realformats/ (or $STEMROT_REALFORMATS): each file's records have the shape,
 * sample type, pixel size and values that an independent reader found (expected/ there);
 * files that hold no 2D image are refused with one clear line; truncated and corrupted
 * copies fail with one line naming the file and record, after the complete records only.
 * Skipped, with a message, where the folder is absent (CI may not have it). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "core/err.h"
#include "io/stream.h"

static const char *folder(void)
{
	static char dir[4096];
	const char *env = getenv("STEMROT_REALFORMATS");
	struct stat st;
	snprintf(dir, sizeof dir, "%s", env && *env ? env : "../shared/realformats");
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

#define NONE NAN /* no pixel size, or a value not checked */

/* What a file should read as: records (frames) of width x height, the metadata, and the
 * statistics over all its samples; first[] are the first samples of record 1. */
typedef struct {
	const char *path;
	int records, width, height;
	const char *format, *dtype;
	double pixel_nm, pixel_nm_y; /* NONE: no pixel.nm; pixel_nm_y NONE: same as x */
	double min, max, mean;
	int nfirst;
	double first[4];
	int flags;
	const char *detector; /* NULL: not checked */
} expect;

enum {
	FIRST_IN_LAST_ROW = 1, /* first[] start the record's last row (the file stores rows bottom up) */
	STATS_OF_RECORD_1 = 2  /* min/max/mean are of the first record only */
};

/* From expected/verify_*.txt (min/max/mean are of all the data in the file). */
static const expect files[] = {
	{"mrc/mrcfile_EMD-3001.map", 25, 73, 43, "MRC", "float32", 0.044825, 0.03925,
	 -0.36814296, 0.72161025, 0.000532967, 4,
	 {0.04283447191119194, 0.02694716304540634, 0.03230741247534752, 0.05870506539940834}, 0, NULL},
	{"mrc/mrcfile_EMD-3197.map", 20, 20, 20, "MRC", "float32", 1.14, NONE, -4.1337457,
	 5.576737, 0.783612, 4,
	 {-1.8013091087341309, -1.6618503332138062, -1.5478334426879883, -1.3683347702026367}, 0, NULL},
	/* expected/ prints float16 min/max as -4.34, 3.82: these are those float16 numbers */
	{"mrc/mrcfile_float16.mrc", 1, 64, 64, "MRC", "float16", 0.359531, NONE, -4.33984375, 3.8203125,
	 0.0411342, 4, {-0.364501953125, 0.39111328125, 0.374267578125, 0.244384765625}, 0, NULL},
	{"mrc/openNCEM_temp.mrc", 3, 128, 128, "MRC", "float32", 0.2, NONE, 5.61329e-05,
	 0.99999285, 0.497138, 4,
	 {0.9490522742271423, 0.1537463217973709, 0.24695980548858643, 0.40596505999565125}, 0, NULL},
	{"mrc/pyto/new-head_int16.mrc", 20, 40, 30, "MRC", "int16", 0.4, NONE, -27, 23, -0.631125,
	 4, {-6, -7, -6, -4}, 0, NULL},
	{"mrc/pyto/swapped_byte_order.mrc", 1, 10, 2, "MRC", "float32", NONE, NONE, -21.38634,
	 0.7819683, -7.70119, 4, {0.0, -0.3407282829284668, 0.7819682955741882, 0.327376127243042}, 0, NULL},
	{"mrc/pyto/tomo_int16.mrc", 4, 5, 6, "MRC", "int16", 0.25, NONE, -5, 30, 1.5, 4,
	 {0, 0, 0, 0}, 0, NULL},
	{"mrc/rsciio/20241021_00405_movie.mrc", 32, 8, 4, "MRC", "uint16", 1.0, NONE, 0, 31, 15.5,
	 4, {0, 0, 0, 0}, 0, NULL},
	{"mrc/rsciio/Custom_movie.mrc", 30, 16, 16, "MRC", "uint16", 1.0, NONE, 682, 1596,
	 1172.71, 4, {726, 690, 698, 702}, 0, NULL},
	{"mrc/rsciio/HAADFscan.mrc", 1, 16, 16, "MRC", "uint16", 5.679131, NONE, 3923, 9399,
	 6066.2, 4, {5715, 6654, 7842, 8618}, 0, NULL},
	/* DM: the thumbnail (image 0) is skipped; the value of the nonSquare test image is x */
	{"dm/dmTest_float32_nonSquare_diffPixelSize.dm3", 1, 128, 64, "DM3", "float32", 1.0, 0.2,
	 0, 127, 63.5, 4, {0, 1, 2, 3}, 0, NULL},
	{"dm/dmTest_float32_nonSquare_diffPixelSize.dm4", 1, 128, 64, "DM4", "float32", 1.0, 0.2,
	 0, 127, 63.5, 4, {0, 1, 2, 3}, 0, NULL},
	{"dm/rsciio/2D_multi_signal.dm3", 1, 512, 512, "DM3", "uint16", 0.0177516, NONE, 0, 9739,
	 3622.02, 0, {0}, 0, NULL},
	{"dm/rsciio/2D_test-1.dm3", 1, 2, 2, "DM3", "int16", NONE, NONE, 1, 4, 2.5, 4, {1, 2, 3, 4}, 0, NULL},
	{"dm/rsciio/2D_test-1.dm4", 1, 2, 2, "DM4", "int16", NONE, NONE, 1, 4, 2.5, 4, {1, 2, 3, 4}, 0, NULL},
	{"dm/rsciio/2D_test-10.dm3", 1, 2, 2, "DM3", "uint16", NONE, NONE, 1, 4, 2.5, 4, {1, 2, 3, 4}, 0, NULL},
	{"dm/rsciio/2D_test-10.dm4", 1, 2, 2, "DM4", "uint16", NONE, NONE, 1, 4, 2.5, 4, {1, 2, 3, 4}, 0, NULL},
	{"dm/rsciio/2D_test-12.dm3", 1, 2, 2, "DM3", "float64", NONE, NONE, 1, 4, 2.5, 4, {1, 2, 3, 4}, 0, NULL},
	{"dm/rsciio/2D_test-2.dm3", 1, 2, 2, "DM3", "float32", NONE, NONE, 1, 4, 2.5, 4, {1, 2, 3, 4}, 0, NULL},
	{"dm/rsciio/2D_test-2.dm4", 1, 2, 2, "DM4", "float32", NONE, NONE, 1, 4, 2.5, 4, {1, 2, 3, 4}, 0, NULL},
	{"dm/rsciio/2D_test-6.dm3", 1, 2, 2, "DM3", "uint8", NONE, NONE, 1, 4, 2.5, 4, {1, 2, 3, 4}, 0, NULL},
	{"dm/rsciio/2D_test-7.dm4", 1, 2, 2, "DM4", "int32", NONE, NONE, 1, 4, 2.5, 4, {1, 2, 3, 4}, 0, NULL},
	{"dm/rsciio/2D_test_STEM_image.dm3", 1, 68, 68, "DM3", "uint32", 0.248538, NONE, 29407,
	 36106, 32655.4, 0, {0}, 0, NULL},
	{"dm/rsciio/3D_test-1.dm3", 2, 2, 2, "DM3", "int16", NONE, NONE, 1, 8, 4.5, 4, {1, 2, 3, 4}, 0, NULL},
	{"dm/rsciio/3D_test-1.dm4", 2, 2, 2, "DM4", "int16", NONE, NONE, 1, 8, 4.5, 4, {1, 2, 3, 4}, 0, NULL},
	{"dm/rsciio/test_stackbuilder_imagestack.dm3", 3, 16, 2, "DM3", "uint32", 59.9829, NONE,
	 593415, 640661, 610174, 0, {0}, 0, NULL},
	{"dm/rsciio/tiff_test_dm_image_um_unit.dm3", 1, 68, 68, "DM3", "int32", 168.675, NONE, 2866,
	 3774, 3335.39, 0, {0}, 0, NULL},
	/* SER: pixel sizes in metres; the diffraction pattern's calibration is 1/m (no pixel.nm) */
	{"ser_emi/rsciio/new_128x128-TEM_search_1.ser", 1, 128, 128, "SER", "int32", 5.261214, NONE,
	 255, 14171, 10353.9, 4, {12030, 12599, 12659, 12783}, FIRST_IN_LAST_ROW, NULL},
	{"ser_emi/rsciio/new_128x128x5-diffraction_preview_1.ser", 5, 128, 128, "SER", "int32", NONE,
	 NONE, -351, 1317, 107.134, 4, {1180, 118, 120, 175}, FIRST_IN_LAST_ROW | STATS_OF_RECORD_1, NULL},
	{"ser_emi/rsciio/old_64x64_TEM_images_acquire_1.ser", 1, 64, 64, "SER", "float32", 6.281834,
	 NONE, 7737.3794, 49743.02, 40295.6, 4,
	 {48408.40234375, 48323.59765625, 49743.01953125, 48579.62890625}, FIRST_IN_LAST_ROW, NULL},
	/* TIFF: FEI's PixelWidth in m; DM's tags 65009/65010 (0.16867469 um; the stack's y is
	 * ten times its x); ImageJ's 1/XResolution (1/5.928571 um); Zeiss's "Pixel Size" */
	{"tiff/rsciio/FEI-Helios-Ebeam-16bits.tif", 1, 512, 471, "TIFF", "uint16", 3372.4, NONE, 0,
	 65280, NONE, 4, {0, 0, 0, 0}, 0, NULL},
	{"tiff/rsciio/test_loading_image_saved_with_DM.tif", 1, 68, 68, "TIFF", "int32", 168.6747,
	 NONE, 2866, 3774, NONE, 4, {3465, 3352, 3373, 3400}, 0, NULL},
	{"tiff/rsciio/test_loading_image_saved_with_DM_stack.tif", 2, 68, 68, "TIFF", "float32",
	 168.674, 1686.74, 2866, 3774, NONE, 4, {3465, 3352, 3373, 3400}, STATS_OF_RECORD_1, NULL},
	{"tiff/rsciio/test_loading_image_saved_with_imageJ.tif", 1, 68, 68, "TIFF", "float32",
	 168.6747, NONE, 2866, 3774, NONE, 4, {3465, 3352, 3373, 3400}, 0, NULL},
	{"tiff/rsciio/test_tiff_Zeiss_SEM_512pix.tif", 1, 512, 384, "TIFF", "uint8", 5.825, NONE, 0,
	 254, NONE, 4, {148, 173, 128, 131}, 0, NULL},
	/* EMD: Velox PixelSize in m and the detector; Berkeley (example_image) without one */
	{"emd/STEM_HAADF_Diffraction_Micro.emd", 1, 128, 128, "EMD", "uint16", 87.37080, NONE, 9987,
	 10002, NONE, 3, {9993, 9996, 9995}, 0, "HAADF"},
	{"emd/scifireaders/fei_emd_image.emd", 1, 512, 512, "EMD", "uint16", 5.302415, NONE, 9133,
	 29036, NONE, 3, {9240, 9244, 9221}, 0, "HAADF"},
	{"emd/rsciio/fei_example_tem_stack.emd", 2, 3, 3, "EMD", "int16", 0.008172883, NONE, 0, 16,
	 NONE, 3, {0, 2, 4}, STATS_OF_RECORD_1, "BM-Ceta"},
	{"emd/rsciio/example_image.emd", 1, 3, 3, "EMD", "int32", NONE, NONE, 0, 8, 4, 3, {0, 1, 2}, 0,
	 NULL},
};

/* Files that hold no 2D image: refused with one line saying what they hold. */
static const struct {
	const char *path, *what;
} refused[] = {
	{"dm/rsciio/1D_test-EELS_spectrum.dm3",
	 "DM file holds no 2D image: it holds a 2048-point spectrum or profile, unit eV"},
};


/* Relative agreement to the digits expected/ prints (6 significant). */
static int near(double got, double want)
{
	return fabs(got - want) <= 2e-6 * fmax(fabs(want), 1e-3) + 1e-9;
}

static void check_meta_number(const sr_record *rec, const char *key, double want,
                              const char *path)
{
	double v;
	int r = sr_meta_get_double(&rec->meta, key, &v);
	if (isnan(want)) {
		ck_assert_msg(r != 0, "%s: %s is set, none expected", path, key);
		return;
	}
	ck_assert_msg(r == 0, "%s: no %s", path, key);
	ck_assert_msg(near(v, want), "%s: %s %.9g, want %.9g", path, key, v, want);
}

static void check_file(const char *dir, const expect *e)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, e->path);
	if (access(path, R_OK) != 0) {
		printf("test_formats: %s absent, not checked\n", path);
		return;
	}
	sr_reader *rd = sr_reader_open(path);
	ck_assert_msg(rd != NULL, "%s", sr_errmsg());
	sr_record rec;
	sr_record_init(&rec);
	double lo = INFINITY, hi = -INFINITY, sum = 0;
	size_t count = 0;
	int n = 0, r;
	while ((r = sr_reader_next(rd, &rec)) == 1) {
		n++;
		ck_assert_msg(rec.width == e->width && rec.height == e->height && rec.views == 1,
		              "%s: record %d is %dx%dx%d, want %dx%d", path, n, rec.width, rec.height,
		              rec.views, e->width, e->height);
		ck_assert_str_eq(sr_meta_get(&rec.meta, "format"), e->format);
		ck_assert_str_eq(sr_meta_get(&rec.meta, "dtype"), e->dtype);
		ck_assert_str_eq(sr_meta_get(&rec.meta, "source"), path);
		if (e->detector)
			ck_assert_str_eq(sr_meta_get(&rec.meta, "detector"), e->detector);
		long frame;
		ck_assert_int_eq(sr_meta_get_long(&rec.meta, "frame", &frame), 0);
		ck_assert_int_eq(frame, n);
		check_meta_number(&rec, "pixel.nm", e->pixel_nm, path);
		check_meta_number(&rec, "pixel.nm.y", e->pixel_nm_y, path);
		size_t at = e->flags & FIRST_IN_LAST_ROW ? (size_t)(rec.height - 1) * rec.width : 0;
		if (n == 1)
			for (int i = 0; i < e->nfirst; i++)
				ck_assert_msg(near(rec.data[at + i], e->first[i]),
				              "%s: sample %d is %.9g, want %.9g", path, i, rec.data[at + i],
				              e->first[i]);
		if (n > 1 && (e->flags & STATS_OF_RECORD_1))
			continue;
		for (size_t i = 0; i < sr_record_size(&rec); i++) {
			double v = rec.data[i];
			lo = fmin(lo, v);
			hi = fmax(hi, v);
			sum += v;
		}
		count += sr_record_size(&rec);
	}
	ck_assert_msg(r == 0, "%s: %s", path, sr_errmsg());
	ck_assert_msg(n == e->records, "%s: %d records, want %d", path, n, e->records);
	ck_assert_msg(near(lo, e->min) && near(hi, e->max), "%s: range %.9g..%.9g, want %.9g..%.9g",
	              path, lo, hi, e->min, e->max);
	ck_assert_msg(isnan(e->mean) || fabs(sum / count - e->mean) <= 1e-5 * fmax(fabs(e->mean), 1),
	              "%s: mean %.9g, want %.9g", path, sum / count, e->mean);
	sr_record_free(&rec);
	sr_reader_close(rd);
}

START_TEST(real_files_read_as_expected)
{
	const char *dir = folder();
	if (!dir) {
		printf("test_formats: no ../shared/realformats (or $STEMROT_REALFORMATS): real files "
		       "not checked\n");
		return;
	}
	check_file(dir, &files[_i]);
}
END_TEST

/* Reads a whole file into memory. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	unsigned char *b = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* Reads bytes as a file: the number of records before the end or the error; the message
 * (when it failed) in msg. */
static int read_bytes(const unsigned char *b, size_t n, int *failed, char *msg, size_t msgcap,
                      char *name, size_t namecap)
{
	snprintf(name, namecap, "/tmp/test_formats.XXXXXX");
	int fd = mkstemp(name);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b, n), (ssize_t)n);
	close(fd);
	sr_reader *rd = sr_reader_open(name);
	sr_record rec;
	sr_record_init(&rec);
	int count = 0, r;
	while ((r = sr_reader_next(rd, &rec)) == 1)
		count++;
	*failed = r < 0;
	snprintf(msg, msgcap, "%s", sr_errmsg());
	sr_record_free(&rec);
	sr_reader_close(rd);
	unlink(name);
	return count;
}

/* old_64x64's .npy is another reader's array of the image (rosettasciio's): the record
 * equals it sample for sample. */
START_TEST(ser_equals_reference_array)
{
	const char *dir = folder();
	if (!dir)
		return;
	char path[4200];
	snprintf(path, sizeof path, "%s/ser_emi/rsciio/old_64x64_TEM_images_acquire.npy", dir);
	if (access(path, R_OK) != 0)
		return;
	size_t len;
	unsigned char *npy = slurp(path, &len);
	size_t hdr = 10 + (size_t)(npy[8] | npy[9] << 8); /* version 1 header */
	ck_assert(strstr((char *)npy + 10, "'<f4'") && strstr((char *)npy + 10, "(64, 64)"));
	ck_assert_uint_eq(len, hdr + 64 * 64 * 4);
	snprintf(path, sizeof path, "%s/ser_emi/rsciio/old_64x64_TEM_images_acquire_1.ser", dir);
	sr_reader *rd = sr_reader_open(path);
	sr_record rec;
	sr_record_init(&rec);
	ck_assert_int_eq(sr_reader_next(rd, &rec), 1);
	for (int i = 0; i < 64 * 64; i++) {
		float want;
		memcpy(&want, npy + hdr + 4 * i, 4); /* little-endian, as is this host (x86) */
		ck_assert_msg(rec.data[i] == want, "sample %d: %.9g, want %.9g", i, rec.data[i], want);
	}
	sr_record_free(&rec);
	sr_reader_close(rd);
	free(npy);
}
END_TEST

/* A copy cut short: the complete records, then one line naming the file and the record. */
START_TEST(truncated_copies_fail_cleanly)
{
	const char *dir = folder();
	if (!dir)
		return;
	const expect *e = &files[_i];
	char path[4200], msg[1024], name[64];
	snprintf(path, sizeof path, "%s/%s", dir, e->path);
	if (access(path, R_OK) != 0)
		return;
	size_t len;
	unsigned char *b = slurp(path, &len);
	/* (len - 16: DM files end in padding that no reader needs; TIFF files may end in tag
	 * data that libtiff takes for optional, so they are cut by half and more only) */
	size_t cuts[] = {len / 2, 300, 10, len - 16};
	int ncuts = strcmp(e->format, "TIFF") == 0 ? 3 : 4;
	for (int c = 0; c < ncuts; c++) {
		int failed;
		int n = read_bytes(b, cuts[c], &failed, msg, sizeof msg, name, sizeof name);
		ck_assert_msg(failed, "%s cut to %zu bytes: read %d records without error", path,
		              cuts[c], n);
		ck_assert_msg(n < e->records, "%s cut to %zu: %d records", path, cuts[c], n);
		char prefix[128];
		snprintf(prefix, sizeof prefix, "%s: record %d: ", name, n + 1);
		ck_assert_msg(strncmp(msg, prefix, strlen(prefix)) == 0, "%s cut to %zu: '%s'", path,
		              cuts[c], msg);
		ck_assert_msg(!strchr(msg, '\n'), "two lines: '%s'", msg);
	}
	free(b);
}
END_TEST

START_TEST(files_without_images_refused)
{
	const char *dir = folder();
	if (!dir)
		return;
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, refused[_i].path);
	if (access(path, R_OK) != 0)
		return;
	sr_reader *rd = sr_reader_open(path);
	sr_record rec;
	sr_record_init(&rec);
	ck_assert_int_eq(sr_reader_next(rd, &rec), -1);
	char want[4400];
	snprintf(want, sizeof want, "%s: record 1: %s", path, refused[_i].what);
	ck_assert_str_eq(sr_errmsg(), want);
	sr_record_free(&rec);
	sr_reader_close(rd);
}
END_TEST

/* A copy with bytes overwritten: one line naming the file, the record and the trouble. */
typedef struct {
	const char *path;
	long offset;
	const char *bytes;
	int nbytes;
	const char *what;
} corruption;

static const corruption corruptions[] = {
	{"mrc/rsciio/HAADFscan.mrc", 12, "\x03\0\0\0", 4, "MRC mode 3 is complex data"},
	{"mrc/rsciio/HAADFscan.mrc", 12, "\x63\0\0\0", 4, "MRC header makes no sense"},
	{"mrc/rsciio/HAADFscan.mrc", 92, "\xff\xff\xff\x7f", 4, "truncated MRC file: extended header"},
	{"dm/rsciio/2D_test-1.dm3", 99, "XXXX", 4, "lacks its %%%% mark"},
	{"dm/rsciio/2D_test-1.dm4", 151, "XXXX", 4, "lacks its %%%% mark"},
	{"dm/rsciio/2D_test-1.dm3", 14, "\xff\xff\xff\xff", 4, "corrupt DM file: a group of 4294967295 tags"},
	{"dm/rsciio/2D_test-1.dm3", 18, "\x07", 1, "corrupt DM file: tag kind 7"},
	{"ser_emi/rsciio/new_128x128-TEM_search_1.ser", 4, "\x30\x02", 2, "SER version 0x230 is not"},
	{"ser_emi/rsciio/new_128x128-TEM_search_1.ser", 6, "\x20\x41", 2,
	 "SER file holds no 2D image: it holds a series of 1 spectra"},
	{"ser_emi/rsciio/new_128x128-TEM_search_1.ser", 22, "\xff\xff\xff\x7f", 4,
	 "truncated SER file: its offset array"},
	{"tiff/rsciio/test_tiff_Zeiss_SEM_512pix.tif", 4, "\x00\xff\xff\x7f", 4, "unreadable TIFF file"},
	{"emd/STEM_HAADF_Diffraction_Micro.emd", 0, "\x89HDF\r\n\x1a\nXXXXXXXX", 16,
	 "unreadable HDF5 file"},
	{"mrc/pyto/new-head_int16.mrc", 0, "\0\0\x02\0", 4, "size 131072x30 is outside"},
};

START_TEST(corrupted_copies_fail_cleanly)
{
	const char *dir = folder();
	if (!dir)
		return;
	const corruption *c = &corruptions[_i];
	char path[4200], msg[1024], name[64];
	snprintf(path, sizeof path, "%s/%s", dir, c->path);
	if (access(path, R_OK) != 0)
		return;
	size_t len;
	unsigned char *b = slurp(path, &len);
	memcpy(b + c->offset, c->bytes, (size_t)c->nbytes);
	int failed;
	int n = read_bytes(b, len, &failed, msg, sizeof msg, name, sizeof name);
	ck_assert_msg(failed && n == 0, "%s: %d records, failed %d", path, n, failed);
	char prefix[128];
	snprintf(prefix, sizeof prefix, "%s: record 1: ", name);
	ck_assert_msg(strncmp(msg, prefix, strlen(prefix)) == 0 && strstr(msg, c->what) &&
	              !strchr(msg, '\n'), "%s with %s at %ld: '%s'", path, c->what, c->offset, msg);
	free(b);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("formats");
	TCase *tc = tcase_create("formats");
	tcase_set_timeout(tc, 120);
	int n = (int)(sizeof files / sizeof files[0]);
	tcase_add_loop_test(tc, real_files_read_as_expected, 0, n);
	tcase_add_loop_test(tc, truncated_copies_fail_cleanly, 0, n);
	tcase_add_test(tc, ser_equals_reference_array);
	tcase_add_loop_test(tc, files_without_images_refused, 0,
	                    (int)(sizeof refused / sizeof refused[0]));
	tcase_add_loop_test(tc, corrupted_copies_fail_cleanly, 0,
	                    (int)(sizeof corruptions / sizeof corruptions[0]));
	suite_add_tcase(s, tc);
	return s;
}
