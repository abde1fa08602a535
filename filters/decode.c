/* decode: render what the decoder of a method-2 model (train --method generate) learned. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/angles.h"
#include "cli/cli.h"
#include "core/err.h"
#include "methods/generate.h"
#include "nn/nn.h"
#include "image/imgproc.h"
#include "io/stream.h"

static const char usage[] =
	"usage: decode -m MODEL [OPTION]...\n"
	"       decode -m MODEL --input [--offset D] [OPTION]... [FILE]...\n"
	"Render images with the decoder (image-generation network) of a model trained by\n"
	"train --method generate, to see what it learned.\n"
	"\n"
	"By angle (default): one image per angle, the particle as the decoder draws it at\n"
	"that orientation.\n"
	"  -m, --model MODEL      the model file (required)\n"
	"  -a, --angle A|LO:HI    angle in degrees, as predict(1) reports it: calibrated when\n"
	"                         the model is calibrated for the order (default 0)\n"
	"  -n, --count N          with a range, N angles evenly spaced from LO to HI\n"
	"                         (default 1; LO alone)\n"
	"  -k, --order K          symmetry order whose head drives the decoder (default: the\n"
	"                         model's order; required when it detects per image;\n"
	"                         also with --input)\n"
	"  -L, --latent V[,V...]  the latent numbers (default: their validation means)\n"
	"      --raw              the angle is the encoder's own (uncalibrated) angle\n"
	"  -T, --template         template models (train --renderer template): write the\n"
	"                         learned template itself, unturned and not symmetrised\n"
	"\n"
	"From images (--input): the encoder reads view 0 of each record and the decoder\n"
	"renders it turned by the record's offset (the partner view B of a pair), or by D.\n"
	"  -i, --input            render from the records of FILE (or standard input)\n"
	"  -d, --offset D         turn by D degrees instead of the record's offset key\n"
	"      --compare          write pairs: the true view B (normalised), then the\n"
	"                         rendering (stereo pair input; rectile(1) shows them\n"
	"                         side by side)\n"
	"\n"
	SR_OUTPUT_HELP
	"  -h, --help             show this help and exit\n"
	"  -V, --version          show the version and exit\n"
	"\n"
	"A template model renders its template turned to the angle and summed over the k\n"
	"turns by 360/k, as in training.\n"
	"\n"
	"Output: one single-view record per image, in the normalised units of training (the\n"
	"background 0, the particle about 1), with the keys id, decode.angle, decode.k\n"
	"(by angle) or decode.offset and decode.mse (from images; mse against view B).  PAM output is scaled to its maxval.\n";

/* The command line. */
typedef struct {
	const char *model;
	double a_lo, a_hi;    /* --angle */
	long count;
	int order;            /* 0: the model's */
	const char *latents;  /* NULL: the validation means */
	int raw, template_only, input, compare;
	double offset;
	int have_offset;
	sr_write_options out;
	int nfiles;
	char **files;
} options;

static void die_opt(void) { sr_die("%s", sr_errmsg()); }

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_RAW = SR_OPT_LOCAL, OPT_COMPARE };
	static const struct option longopts[] = {
		{"model", required_argument, NULL, 'm'}, {"angle", required_argument, NULL, 'a'},
		{"count", required_argument, NULL, 'n'}, {"order", required_argument, NULL, 'k'},
		{"latent", required_argument, NULL, 'L'}, {"raw", no_argument, NULL, OPT_RAW},
		{"template", no_argument, NULL, 'T'},
		{"input", no_argument, NULL, 'i'}, {"offset", required_argument, NULL, 'd'},
		{"compare", no_argument, NULL, OPT_COMPARE},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
		SR_OUTPUT_LONGOPTS, {NULL, 0, NULL, 0}};
	*o = (options){.count = 1, .out = {.format = SR_FORMAT_TENSOR}};
	int code;
	while ((code = sr_getopt(argc, argv, ":m:a:n:k:L:Tid:hV", longopts)) != -1) {
		switch (code) {
		case 'm': o->model = optarg; break;
		case 'a':
			if (sr_parse_range("--angle", optarg, -1e6, 1e6, &o->a_lo, &o->a_hi) < 0)
				die_opt();
			break;
		case 'n':
			if (sr_parse_long("--count", optarg, 1, 1000000, &o->count) < 0)
				die_opt();
			break;
		case 'k':
			if (sr_parse_order("--order", optarg, 0, &o->order) < 0)
				die_opt();
			break;
		case 'L': o->latents = optarg; break;
		case OPT_RAW: o->raw = 1; break;
		case 'T': o->template_only = 1; break;
		case 'i': o->input = 1; break;
		case OPT_COMPARE: o->compare = 1; break;
		case 'd':
			if (sr_parse_double("--offset", optarg, -1e6, 1e6, &o->offset) < 0)
				die_opt();
			o->have_offset = 1;
			break;
		case 'h': sr_exit_help(usage);
		case 'V': sr_exit_version();
		default:
			if (!sr_output_option_or_die(code, optarg, &o->out))
				sr_bad_option(argv);
		}
	}
	if (!o->model)
		sr_die("a model is required: -m MODEL");
	if (!o->input && optind < argc)
		sr_die("unexpected argument '%s' (files are read with --input)", argv[optind]);
	int by_angle = o->count != 1 || o->a_lo != o->a_hi || o->a_lo != 0;
	if (o->input && (by_angle || o->latents || o->raw || o->template_only))
		sr_die("--input renders from images: --angle, --count, --latent, --raw and --template "
		       "do not apply");
	if (o->template_only && (by_angle || o->raw))
		sr_die("--template writes the template itself: --angle, --count and --raw do not apply");
	if (!o->input && (o->have_offset || o->compare))
		sr_die("--offset and --compare go with --input");
	o->nfiles = argc - optind;
	o->files = argv + optind;
}

/* The model's networks and what its info block says about them, and the buffers. */
typedef struct {
	sr_model *model;
	sr_net *enc, *dec;
	const char *path;
	int K, L, nh, nhot, k, heads[SR_MAX_ORDER], loss, layout, h, w, nout, din;
	int tmpl;      /* decoder.renderer=template: the decoder draws a template to turn */
	float *xdec, *rend; /* template: the decoder network's input, the turned rendering */
	float lat[SR_GEN_MAX_LATENTS];
	double offset;
	int have_offset, compare;
	const sr_write_options *out;
	float *norm, *code;
	sr_record orec;
	long n;
} decoder;

/* Writes img (the decoder's raw output) as a record; truth (may be NULL): the normalised view
 * it should be, written first as view 0, and the mse against it as decode.mse. */
static int emit(decoder *d, const float *img, const float *truth, const char *id,
                const char *k1, double v1, const char *k2, long v2)
{
	sr_record *r = &d->orec;
	if (sr_record_reshape(r, d->layout, truth && d->compare ? 2 : 1, d->h, d->w) < 0)
		return -1;
	size_t S = (size_t)d->h * d->w;
	float *dst = r->data + (truth && d->compare ? S : 0);
	memcpy(dst, img, S * sizeof(float));
	sr_gen_output_image(dst, S, d->loss);
	sr_meta_clear(&r->meta);
	if (sr_meta_set(&r->meta, "id", "%s", id) < 0 || sr_meta_set_double(&r->meta, k1, v1) < 0 ||
	    (k2 && sr_meta_set_long(&r->meta, k2, v2) < 0))
		return -1;
	if (truth) {
		double e = 0;
		for (size_t i = 0; i < S; i++)
			e += ((double)dst[i] - truth[i]) * ((double)dst[i] - truth[i]);
		if (sr_meta_set(&r->meta, "decode.mse", "%.6g", e / S) < 0)
			return -1;
		if (d->compare)
			memcpy(r->data, truth, S * sizeof(float));
	}
	return sr_record_write(stdout, r, d->out);
}

/* The decoder's raw output for code d->code: the free decoder's image, or the template turned
 * by the code's angle (turn 0: the template itself). */
static const float *render(decoder *d, int turn)
{
	const float *x = d->code;
	if (d->tmpl) {
		sr_gen_template_input(d->code, d->nhot, d->L, d->xdec);
		x = d->xdec;
	}
	if (sr_net_forward(d->dec, x, 1, 0, 0) < 0)
		return NULL;
	if (!d->tmpl || !turn)
		return sr_net_output(d->dec);
	sr_gen_template_render(sr_net_output(d->dec), d->w, d->h, d->k, d->code, d->rend);
	return d->rend;
}

static int from_record(sr_record *rec, void *ctx)
{
	decoder *d = ctx;
	d->n++;
	if (rec->layout != d->layout || rec->height != d->h || rec->width != d->w)
		return sr_fail("record is %dx%d, the model wants %dx%d", rec->height, rec->width, d->h,
		               d->w);
	int pair = rec->views >= 2 && !d->have_offset;
	if (d->compare && !pair)
		return sr_fail("--compare needs stereo pairs (and no --offset)");
	double delta = d->offset;
	if (!d->have_offset) {
		int r = sr_meta_get_double(&rec->meta, "offset", &delta);
		if (r < 0)
			return -1;
		if (r == 1)
			return sr_fail("no offset key (give --offset D)");
	}
	sr_normalise_view(rec->data, d->w, d->h, d->norm);
	if (sr_net_forward(d->enc, d->norm, 1, 0, 0) < 0)
		return -1;
	sr_gen_code(sr_net_output(d->enc), d->K, d->k, d->nhot, d->L, delta, d->code);
	const float *img = render(d, 1);
	if (!img)
		return -1;
	const char *rid = sr_meta_get(&rec->meta, "id");
	char id[256];
	snprintf(id, sizeof id, "%s", rid ? rid : "decode");
	if (pair)
		sr_normalise_view(rec->data + (size_t)d->h * d->w, d->w, d->h, d->norm);
	return emit(d, img, pair ? d->norm : NULL, id, "decode.offset", delta, NULL, 0);
}

static int need_long(const sr_meta *m, const char *key, long lo, long hi, long *v)
{
	int r = sr_meta_get_long(m, key, v);
	if (r == 1)
		return sr_fail("model info lacks %s (not a train --method generate model?)", key);
	if (r < 0)
		return -1;
	if (*v < lo || *v > hi)
		return sr_fail("model info: %s=%ld is out of range", key, *v);
	return 0;
}

/* Sets the latent numbers from "V[,V...]", exactly d->L of them. */
static void parse_latents(decoder *d, const char *latents)
{
	const char *p = latents;
	int n = 0;
	for (;;) {
		char *end;
		double v = strtod(p, &end);
		if (end == p || !isfinite(v) || n >= d->L)
			sr_die("--latent: '%s' is not a list of %d numbers", latents, d->L);
		d->lat[n++] = (float)v;
		if (*end == 0)
			break;
		if (*end != ',')
			sr_die("--latent: '%s' is not a list of %d numbers", latents, d->L);
		p = end + 1;
	}
	if (n != d->L)
		sr_die("--latent: '%s' is not a list of %d numbers", latents, d->L);
}

/* Loads the model, checks its decoder against its info block and the options, sets the
 * latent numbers and allocates the buffers; dies with the reason on failure. */
static void open_decoder(decoder *d, const options *o)
{
	memset(d, 0, sizeof *d);
	d->path = o->model;
	d->out = &o->out;
	d->offset = o->offset;
	d->have_offset = o->have_offset;
	d->compare = o->compare;
	d->model = sr_model_load(d->path);
	if (!d->model)
		sr_die("%s", sr_errmsg());
	const sr_meta *m = sr_model_info(d->model);
	long K, L, h, w, mord;
	const char *hs = sr_meta_get(m, "decoder.heads"), *ls = sr_meta_get(m, "decoder.loss");
	if (!hs || !ls)
		sr_die("%s: not a train --method generate model (no decoder in its info)", d->path);
	if (need_long(m, "heads", 1, SR_MAX_ORDER, &K) < 0 ||
	    need_long(m, "decoder.latents", 0, SR_GEN_MAX_LATENTS, &L) < 0 ||
	    need_long(m, "input.height", 1, SR_MAX_DIM, &h) < 0 ||
	    need_long(m, "input.width", 1, SR_MAX_DIM, &w) < 0 ||
	    need_long(m, "order", 0, K, &mord) < 0)
		sr_die("%s: %s", d->path, sr_errmsg());
	d->K = (int)K, d->L = (int)L, d->h = (int)h, d->w = (int)w;
	d->nh = sr_gen_parse_heads(hs, d->K, d->heads);
	if (d->nh < 0)
		sr_die("%s: %s", d->path, sr_errmsg());
	d->loss = !strcmp(ls, "poisson");
	const char *rs = sr_meta_get(m, "decoder.renderer"); /* absent in older models: free */
	if (rs && strcmp(rs, "free") && strcmp(rs, "template"))
		sr_die("%s: unknown decoder.renderer '%s' (free, template)", d->path, rs);
	d->tmpl = rs && !strcmp(rs, "template");
	if (d->tmpl && h == 1)
		sr_die("%s: a template renderer for profiles (corrupt model info)", d->path);
	if (o->template_only && !d->tmpl)
		sr_die("--template: %s draws freely (decoder.renderer=free), it has no template", d->path);
	const char *lay = sr_meta_get(m, "input.layout");
	d->layout = lay && !strcmp(lay, "profile") ? SR_LAYOUT_PROFILE : SR_LAYOUT_IMAGE;
	d->nhot = d->nh > 1 ? d->K : 0;
	d->din = 2 + d->nhot + d->L;
	d->k = o->order ? o->order : (int)mord;
	if (d->k == 0) {
		if (d->nh != 1)
			sr_die("the model detects the order per image: give --order K");
		d->k = d->heads[0];
	}
	int found = 0;
	for (int i = 0; i < d->nh; i++)
		found |= d->heads[i] == d->k;
	if (!found)
		sr_die("--order %d: the decoder reads head(s) %s only", d->k, hs);
	d->dec = sr_model_net(d->model, "decoder", 1);
	if (!d->dec)
		sr_die("%s: %s", d->path, sr_errmsg()[0] ? sr_errmsg() : "no decoder network");
	int c, oh, ow;
	sr_net_in_shape(d->dec, &c, &oh, &ow);
	if (c * oh * ow != d->din - d->tmpl)
		sr_die("%s: the decoder network does not match its info block", d->path);
	sr_net_out_shape(d->dec, &c, &oh, &ow);
	if ((long)c * oh * ow != h * w)
		sr_die("%s: the decoder network does not match its info block", d->path);
	for (int l = 0; l < d->L; l++) {
		char key[64];
		double v = 0;
		snprintf(key, sizeof key, "decoder.latent.mean.%d", l);
		if (sr_meta_get_double(m, key, &v) < 0)
			sr_die("%s: %s", d->path, sr_errmsg());
		d->lat[l] = (float)v;
	}
	if (o->latents)
		parse_latents(d, o->latents);
	d->code = malloc((size_t)d->din * sizeof *d->code);
	d->norm = malloc((size_t)h * w * sizeof *d->norm);
	d->xdec = malloc((size_t)d->din * sizeof *d->xdec);
	d->rend = malloc((size_t)h * w * sizeof *d->rend);
	if (!d->code || !d->norm || !d->xdec || !d->rend)
		sr_die("out of memory");
	sr_record_init(&d->orec);
}

static void close_decoder(decoder *d)
{
	sr_record_free(&d->orec);
	free(d->code);
	free(d->norm);
	free(d->xdec);
	free(d->rend);
	sr_net_free(d->enc);
	sr_net_free(d->dec);
	sr_model_free(d->model);
}

/* --input: the encoder reads each record, the decoder renders it turned by its offset. */
static void render_inputs(decoder *d, const options *o)
{
	d->enc = sr_model_net(d->model, "encoder", 1);
	if (!d->enc)
		sr_die("%s: %s", d->path, sr_errmsg()[0] ? sr_errmsg() : "no encoder network");
	if (sr_net_in_size(d->enc) != d->h * d->w || sr_net_out_size(d->enc) < 3 * d->K + d->L)
		sr_die("%s: the encoder network does not match its info block", d->path);
	if (sr_each_record(o->nfiles, o->files, from_record, d) < 0)
		sr_die("%s", sr_errmsg());
}

/* By angle: one image per angle of --angle / --count (or the template itself). */
static void render_angles(decoder *d, const options *o)
{
	int k = d->k;
	double calib = 0;
	char key[32];
	snprintf(key, sizeof key, "calib.%d", k);
	if (!o->raw && sr_meta_get_double(sr_model_info(d->model), key, &calib) < 0)
		sr_die("%s: %s", d->path, sr_errmsg());
	for (long i = 0; i < o->count; i++) {
		double a = o->count > 1 ? o->a_lo + (o->a_hi - o->a_lo) * i / (o->count - 1) : o->a_lo;
		/* the code the encoder gives a particle predict reports at a: raw = a + calib */
		sr_gen_angle_code(a + calib, k, d->nhot, d->L, d->lat, d->code);
		const float *img = render(d, !o->template_only);
		if (!img)
			sr_die("%s", sr_errmsg());
		char id[64];
		snprintf(id, sizeof id, "decode-%ld", i + 1);
		if (emit(d, img, NULL, id, "decode.angle", a, "decode.k", k) < 0)
			sr_die("%s", sr_errmsg());
	}
}

int main(int argc, char **argv)
{
	options opt;
	decoder d;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	if (sr_check_stdout(&opt.out) < 0)
		die_opt();
	open_decoder(&d, &opt);
	if (opt.input)
		render_inputs(&d, &opt);
	else
		render_angles(&d, &opt);
	sr_finish_stdout();
	close_decoder(&d);
	return 0;
}
