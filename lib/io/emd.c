/* emd.c: EMD files (HDF5) through libhdf5.  Thermo Fisher Velox: every image dataset under
 * /Data/Image, one record per frame; spectra and spectrum images are not images and are
 * left out.  Berkeley EMD (version 0.2): every 2D dataset "data" of a group whose attribute
 * emd_group_type is 1.  A file with no image is refused.
 *
 * Each Velox /Data/Image/<uuid> group holds Data (height x width x frames, any integer or
 * float type; HDF5 converts it to float) and Metadata (bytes x frames: a JSON text per
 * frame, with "PixelSize": {"width": "...", "height": "..."}, "PixelUnitX" and the
 * detector's name).  Berkeley files give no pixel size this reader uses.  Complex
 * (compound) data is refused.
 *
 * libhdf5 opens the file from memory (its core driver over a file image), so a pipe works;
 * the whole file is held, up to SR_MICROGRAPH_MAX_FILE.  libhdf5's error printing is off. */
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "core/err.h"
#include "io/format.h"
#include "io/micrograph.h"

#define MAX_IMAGES 256

typedef struct {
	unsigned char *file;
	size_t len;
	hid_t fid, images;    /* the file, /Data/Image */
	char *names[MAX_IMAGES];
	int nimages, cur;
	hsize_t frame, frames, height, width;
	hid_t data, space;    /* the current image's dataset */
	long done, total;     /* frames read, frames of all images */
	char dtype[16];
} emd_state;

static int probe(const unsigned char *h, size_t n)
{
	return n >= 8 && memcmp(h, "\x89HDF\r\n\x1a\n", 8) == 0 ? SR_PROBE_YES : SR_PROBE_NO;
}

static void close_image(emd_state *s)
{
	if (s->space > 0)
		H5Sclose(s->space);
	if (s->data > 0)
		H5Dclose(s->data);
	s->space = s->data = 0;
}

static void close_file(emd_state *s)
{
	close_image(s);
	if (s->images > 0)
		H5Gclose(s->images);
	if (s->fid > 0)
		H5Fclose(s->fid);
	for (int i = 0; i < s->nimages; i++)
		free(s->names[i]);
	free(s->file);
	memset(s, 0, sizeof *s);
}

static void free_state(void *state)
{
	close_file(state);
	free(state);
}

static int add_path(emd_state *s, const char *a, const char *b)
{
	if (s->nimages == MAX_IMAGES)
		return 1;
	size_t n = strlen(a) + strlen(b) + 1;
	if (!(s->names[s->nimages] = malloc(n)))
		return -1;
	snprintf(s->names[s->nimages], n, "%s%s", a, b);
	s->nimages++;
	return 0;
}

/* Velox: /Data/Image/<uuid>/Data for each uuid. */
static herr_t add_velox(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
	(void)g, (void)info;
	char dir[300];
	snprintf(dir, sizeof dir, "/Data/Image/%s", name);
	return add_path(ctx, dir, "/Data");
}

/* Berkeley: every group with emd_group_type = 1 and a dataset "data". */
static herr_t add_berkeley(hid_t obj, const char *name, const H5O_info_t *info, void *ctx)
{
	if (info->type != H5O_TYPE_GROUP || H5Aexists_by_name(obj, name, "emd_group_type",
	                                                        H5P_DEFAULT) <= 0)
		return 0;
	hid_t a = H5Aopen_by_name(obj, name, "emd_group_type", H5P_DEFAULT, H5P_DEFAULT);
	int type = 0;
	herr_t r = a >= 0 ? H5Aread(a, H5T_NATIVE_INT, &type) : -1;
	if (a >= 0)
		H5Aclose(a);
	char path[300];
	snprintf(path, sizeof path, "/%s/data", name);
	if (r < 0 || type != 1 || H5Lexists(obj, path, H5P_DEFAULT) <= 0)
		return 0;
	return add_path(ctx, path, "");
}

/* Opens image i's dataset; 1 if it is an image, 0 if it is not one this reader reads (the
 * reason in *why), -1 on error. */
static int open_image(emd_state *s, int i, const char **why)
{
	s->data = H5Dopen2(s->fid, s->names[i], H5P_DEFAULT);
	if (s->data < 0) {
		s->data = 0;
		*why = "an image group without Data";
		return 0;
	}
	hid_t type = H5Dget_type(s->data);
	H5T_class_t cls = H5Tget_class(type);
	size_t size = H5Tget_size(type);
	H5T_sign_t sign = H5Tget_sign(type);
	H5Tclose(type);
	if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
		*why = cls == H5T_COMPOUND ? "complex data (a Fourier transform)" : "data of an unknown type";
		close_image(s);
		return 0;
	}
	snprintf(s->dtype, sizeof s->dtype, "%s%zu",
	         cls == H5T_FLOAT ? "float" : sign == H5T_SGN_NONE ? "uint" : "int", 8 * size);
	s->space = H5Dget_space(s->data);
	int rank = H5Sget_simple_extent_ndims(s->space);
	hsize_t d[3] = {1, 1, 1};
	if (rank < 2 || rank > 3 || H5Sget_simple_extent_dims(s->space, d, NULL) < 0) {
		*why = "data that is not 2D or a stack";
		close_image(s);
		return 0;
	}
	s->height = d[0];
	s->width = d[1];
	s->frames = rank == 3 ? d[2] : 1;
	if (s->height <= 1) {
		*why = "a profile";
		close_image(s);
		return 0;
	}
	if (s->width > SR_MAX_DIM || s->height > SR_MAX_DIM || s->width < 1 || s->frames < 1)
		return sr_fail("EMD image %s is %llux%llu, outside 1..%d", s->names[i],
		               (unsigned long long)s->width, (unsigned long long)s->height, SR_MAX_DIM);
	return 1;
}

/* The frame's JSON text (Velox); malloc'd, NULL when absent. */
static char *frame_metadata(emd_state *s)
{
	char path[320];
	size_t n = strlen(s->names[s->cur]);
	if (n < 5 || strcmp(s->names[s->cur] + n - 5, "/Data") != 0)
		return NULL;
	snprintf(path, sizeof path, "%.*s/Metadata", (int)(n - 5), s->names[s->cur]);
	hid_t m = H5Dopen2(s->fid, path, H5P_DEFAULT);
	if (m < 0)
		return NULL;
	hid_t sp = H5Dget_space(m);
	hsize_t d[2] = {0, 0};
	char *text = NULL;
	if (H5Sget_simple_extent_ndims(sp) == 2 && H5Sget_simple_extent_dims(sp, d, NULL) == 2 &&
	    d[0] > 0 && d[0] < (1u << 24) && s->frame < d[1]) {
		hsize_t start[2] = {0, s->frame}, count[2] = {d[0], 1};
		hid_t mem = H5Screate_simple(2, count, NULL);
		text = malloc(d[0] + 1);
		if (text && (H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
		             H5Dread(m, H5T_NATIVE_UCHAR, mem, sp, H5P_DEFAULT, text) < 0)) {
			free(text);
			text = NULL;
		}
		if (text)
			text[d[0]] = '\0';
		H5Sclose(mem);
	}
	H5Sclose(sp);
	H5Dclose(m);
	return text;
}

/* The JSON string value of "key" after from (text within the same object, roughly), into
 * out; "" when absent. */
static void json_string(const char *text, const char *from, const char *key, char *out,
                        size_t cap)
{
	out[0] = '\0';
	const char *p = text ? strstr(text, from) : NULL;
	if (!p || !(p = strstr(p, key)))
		return;
	p = strchr(p + strlen(key), ':');
	if (!p || !(p = strchr(p, '"')))
		return;
	size_t k = strcspn(p + 1, "\"");
	snprintf(out, cap, "%.*s", (int)(k < cap ? k : cap - 1), p + 1);
}

static int open_file(sr_format_input *fi, emd_state *s)
{
	if (sr_input_slurp(fi->in, SR_MICROGRAPH_MAX_FILE, "EMD file", &s->file, &s->len) < 0)
		return -1;
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	if (fapl < 0 || H5Pset_fapl_core(fapl, 1 << 20, 0) < 0 ||
	    H5Pset_file_image(fapl, s->file, s->len) < 0) {
		if (fapl >= 0)
			H5Pclose(fapl);
		return sr_fail("HDF5: cannot set up reading from memory");
	}
	/* The core driver refuses a name that exists on disk: give it one that cannot. */
	s->fid = H5Fopen("/nonexistent/stemrot/emd-file-image", H5F_ACC_RDONLY, fapl);
	H5Pclose(fapl);
	free(s->file); /* libhdf5 holds its own copy */
	s->file = NULL;
	if (s->fid < 0) {
		s->fid = 0;
		return sr_fail("unreadable HDF5 file (cut short or corrupt)");
	}
	if (H5Lexists(s->fid, "/Data", H5P_DEFAULT) > 0 &&
	    H5Lexists(s->fid, "/Data/Image", H5P_DEFAULT) > 0) {
		s->images = H5Gopen2(s->fid, "/Data/Image", H5P_DEFAULT);
		hsize_t idx = 0;
		if (s->images < 0 ||
		    H5Literate(s->images, H5_INDEX_NAME, H5_ITER_INC, &idx, add_velox, s) < 0)
			return sr_fail("EMD: cannot list /Data/Image");
	} else if (H5Ovisit(s->fid, H5_INDEX_NAME, H5_ITER_INC, add_berkeley, s) < 0) {
		return sr_fail("EMD: cannot list the groups of the file");
	}
	const char *why = NULL;
	s->total = 0;
	for (int i = 0; i < s->nimages; i++) {
		const char *w = NULL;
		int r = open_image(s, i, &w);
		if (r < 0)
			return -1;
		if (r)
			s->total += (long)s->frames;
		else if (!why)
			why = w;
		close_image(s);
	}
	if (!s->total)
		return sr_fail("%s holds no 2D image%s%s", s->nimages ? "EMD file" : "HDF5 file",
		               why ? ": it holds " : " (neither Velox nor Berkeley EMD)", why ? why : "");
	s->cur = -1;
	return 0;
}

/* Moves to the next image that is one; 0 at the end. */
static int next_image(emd_state *s)
{
	close_image(s);
	const char *why;
	while (++s->cur < s->nimages) {
		int r = open_image(s, s->cur, &why);
		if (r)
			return r;
	}
	return 0;
}

static int read_emd(sr_format_input *fi, sr_record *rec)
{
	emd_state *s = *fi->state;
	if (!s && !(s = *fi->state = calloc(1, sizeof *s)))
		return sr_fail("out of memory");
	if (!s->fid) {
		if (open_file(fi, s) < 0 || next_image(s) <= 0) {
			close_file(s);
			return -1;
		}
		s->frame = 0;
	}
	if (sr_record_reshape(rec, SR_LAYOUT_IMAGE, 1, (int)s->height, (int)s->width) < 0)
		return -1;
	int rank = H5Sget_simple_extent_ndims(s->space);
	hsize_t start[3] = {0, 0, s->frame}, count[3] = {s->height, s->width, 1};
	hid_t mem = H5Screate_simple(rank, count, NULL);
	herr_t r = H5Sselect_hyperslab(s->space, H5S_SELECT_SET, start, NULL, count, NULL);
	if (r >= 0)
		r = H5Dread(s->data, H5T_NATIVE_FLOAT, mem, s->space, H5P_DEFAULT, rec->data);
	H5Sclose(mem);
	if (r < 0) {
		close_file(s);
		return sr_fail("EMD image frame %llu is unreadable (cut short or corrupt)",
		               (unsigned long long)s->frame + 1);
	}
	char *json = frame_metadata(s);
	char w[64], h[64], unit[32], det[64];
	json_string(json, "\"PixelSize\"", "\"width\"", w, sizeof w);
	json_string(json, "\"PixelSize\"", "\"height\"", h, sizeof h);
	json_string(json, "\"PixelUnitX\"", "\"PixelUnitX\"", unit, sizeof unit);
	json_string(json, "\"BinaryResult\"", "\"Detector\"", det, sizeof det);
	free(json);
	s->done++;
	s->frame++;
	sr_micrograph_info mi = {"EMD", s->dtype, s->done, s->total, strtod(w, NULL), strtod(h, NULL),
	                         unit[0] ? unit : "m", det, NULL};
	if (sr_micrograph_meta(rec, fi->name, fi->record, &mi) < 0)
		return -1;
	if (s->frame < s->frames)
		return 2;
	s->frame = 0;
	if (next_image(s) > 0)
		return 2;
	close_file(s);
	return 1;
}

const sr_format_def sr_format_emd = {
	.name = "Velox EMD",
	.head_bytes = 8,
	.probe = probe,
	.read = read_emd,
	.free_state = free_state,
};
