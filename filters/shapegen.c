/* shapegen: renders synthetic particles (regular polygons, discs, or 3D solids projected along
 * the beam) as clean records. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "io/stream.h"
#include "core/quat.h"
#include "core/solid.h"
#include "synth/particle.h"
#include "synth/render.h"

static const char usage[] =
	"usage: shapegen [OPTION]...\n"
	"Render N clean synthetic particles (regular polygons, discs, or 3D solids projected\n"
	"along the beam) with exact anti-aliasing, one record each, with the metadata needed\n"
	"to re-render them.\n"
	"\n"
	"  -n, --count N          records to write (default 1)\n"
	"      --start M          number of the first record (default 1): records M..M+N-1,\n"
	"                         the same as those of one longer run, to make a set in pieces\n"
	"  -s, --size N|WxH       image size in px (default 64)\n"
	"  -k, --sides K|LO:HI|K1,K2,...\n"
	"                         polygon order(s), 3..64, drawn uniformly per record\n"
	"                         (default 3:6)\n"
	"      --disc             draw discs (the control shape, no orientation) instead\n"
	"  -r, --radius R|LO:HI   circumradius in px (default 12:22)\n"
	"  -j, --centre-jitter P  centre uniform within +-P px of the image centre (W/2, H/2)\n"
	"                         on each axis (default 8)\n"
	"      --cx X|LO:HI       centre column coordinate in px (overrides the jitter)\n"
	"      --cy Y|LO:HI       centre row coordinate in px (overrides the jitter)\n"
	"      --theta D|LO:HI    orientation in degrees (default: uniform in [0, 360/k))\n"
	"      --intensity V|LO:HI  level inside the particle (default 1)\n"
	"\n"
	"3D particles (projected along the beam; see stemrot(7) for the frames):\n"
	"  -S, --solid NAME[,NAME]...|all\n"
	"                         draw these solids (uniformly per record) instead of\n"
	"                         polygons: tetrahedron, cube, octahedron, cuboctahedron,\n"
	"                         truncated-octahedron, icosahedron, decahedron, control\n"
	"                         (no symmetry); all: the seven and the control\n"
	"      --quat W,X,Y,Z     fixed orientation (normalised; default: uniform on SO(3))\n"
	"      --axis-angle X,Y,Z,DEG  fixed orientation as a turn about an axis\n"
	"      --model M          thickness (default: the chord length along the beam,\n"
	"                         exact per pixel) or atoms (an FCC crystal or, for the\n"
	"                         icosahedron and decahedron, the twinned structure)\n"
	"      --lattice A        atoms: lattice constant in angstrom (default 4.078, Au)\n"
	"      --pixel-size A     atoms: angstrom per pixel (default 0.5)\n"
	"      --atomic-number Z  atoms: Z (default 79)\n"
	"      --zexp N           atoms: intensity ~ Z^N (default 1.7)\n"
	"      --atom-sigma S     atoms: Gaussian sd of one atom in px (default 1)\n"
	"      --seed N           random seed (default 1)\n"
	SR_OUTPUT_HELP
	"  -h, --help             show this help and exit\n"
	"  -V, --version          show the version and exit\n"
	"\n"
	"theta is the direction of one vertex from the +x axis, counterclockwise on screen:\n"
	"vertex j is at x = cx + R cos(theta + 360j/k), y = cy - R sin(theta + 360j/k).\n"
	"Record n (1-based) gets id s<seed>-<n> and the keys shape, k, radius, cx, cy, theta,\n"
	"intensity.  Images are clean; add noise with addnoise (after stereopair).\n"
	"A solid's record gets the keys shape, group, model, qw, qx, qy, qz, radius, cx, cy,\n"
	"intensity (and lattice, pixel_size, atomic_number, zexp, atom_sigma for atoms).\n";

static void die_opt(void) { sr_die("%s", sr_errmsg()); }

/* "W,X,Y,Z" or "X,Y,Z,DEG": exactly n comma-separated finite numbers */
static void parse_list(const char *name, const char *s, int n, double *v)
{
	const char *p = s;
	for (int i = 0; i < n; i++) {
		char *e;
		v[i] = strtod(p, &e);
		if (e == p || !isfinite(v[i]) || fabs(v[i]) > 1e6 || *e != (i + 1 < n ? ',' : '\0'))
			sr_die("%s: '%s' is not %d comma-separated numbers", name, s, n);
		p = e + 1;
	}
}

static void parse_solids(const char *s, sr_particle_spec *spec)
{
	spec->nsolid = 0;
	if (!strcmp(s, "all")) {
		for (int i = 1; i <= SR_SOLID_COUNT; i++)
			spec->solids[spec->nsolid++] = i;
		return;
	}
	char buf[512];
	if (strlen(s) >= sizeof buf)
		sr_die("--solid: '%s' is too long", s);
	strcpy(buf, s);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int id = sr_solid_from_name(t);
		if (!id)
			sr_die("--solid: '%s' is not one of %s, all", t, sr_solid_names());
		if (spec->nsolid == SR_SOLID_COUNT)
			sr_die("--solid: too many names in '%s'", s);
		spec->solids[spec->nsolid++] = id;
	}
	if (spec->nsolid == 0)
		sr_die("--solid: '%s' names no solid", s);
}

/* the 3D options as given, turned into a spec once the shared ranges are known */
typedef struct {
	const char *solid, *quat, *axis_angle, *model, *lattice, *pixel_size, *z, *zexp, *sigma;
} solid_options;

static void solid_spec(const solid_options *o, const sr_shape_spec *poly, sr_particle_spec *spec,
                       int w, int h)
{
	sr_particle_spec_default(spec, w, h);
	parse_solids(o->solid, spec);
	spec->radius_lo = poly->radius_lo;
	spec->radius_hi = poly->radius_hi;
	spec->cx_lo = poly->cx_lo;
	spec->cx_hi = poly->cx_hi;
	spec->cy_lo = poly->cy_lo;
	spec->cy_hi = poly->cy_hi;
	spec->intensity_lo = poly->intensity_lo;
	spec->intensity_hi = poly->intensity_hi;
	if (o->quat && o->axis_angle)
		sr_die("--quat and --axis-angle do not go together");
	if (o->quat) {
		parse_list("--quat", o->quat, 4, spec->q);
		if (sr_quat_canon(spec->q) < 0)
			sr_die("--quat: '%s' is not a rotation (zero length)", o->quat);
		spec->q_given = 1;
	}
	if (o->axis_angle) {
		double v[4];
		parse_list("--axis-angle", o->axis_angle, 4, v);
		if (v[0] == 0 && v[1] == 0 && v[2] == 0)
			sr_die("--axis-angle: '%s' has a zero axis", o->axis_angle);
		sr_quat_axis_angle(v, v[3], spec->q);
		sr_quat_canon(spec->q);
		spec->q_given = 1;
	}
	if (o->model && !(spec->model = sr_model_from_name(o->model)))
		sr_die("--model: '%s' is not thickness or atoms", o->model);
	if ((o->lattice || o->pixel_size || o->z || o->zexp || o->sigma) && spec->model != SR_MODEL_ATOMS)
		sr_die("--lattice, --pixel-size, --atomic-number, --zexp and --atom-sigma need --model atoms");
	long z;
	if ((o->lattice && sr_parse_double("--lattice", o->lattice, 1, 20, &spec->lattice) < 0) ||
	    (o->pixel_size && sr_parse_double("--pixel-size", o->pixel_size, 0.01, 10, &spec->pixel_size) < 0) ||
	    (o->z && sr_parse_long("--atomic-number", o->z, 1, 118, &z) < 0) ||
	    (o->zexp && sr_parse_double("--zexp", o->zexp, 0, 4, &spec->zexp) < 0) ||
	    (o->sigma && sr_parse_double("--atom-sigma", o->sigma, 0.05, 20, &spec->atom_sigma) < 0))
		die_opt();
	if (o->z)
		spec->atomic_number = (int)z;
}

/* "4", "3:6" or "3,5,8" */
static void parse_sides(const char *s, sr_shape_spec *spec)
{
	long lo, hi;
	spec->nk = 0;
	if (strchr(s, ',')) {
		char buf[512];
		if (strlen(s) >= sizeof buf)
			sr_die("--sides: '%s' is too long", s);
		strcpy(buf, s);
		char *save = NULL;
		for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (sr_parse_long("--sides", t, 3, SR_SHAPE_MAX_K, &lo) < 0)
				die_opt();
			if (spec->nk == SR_SHAPE_MAX_K)
				sr_die("--sides: too many values in '%s'", s);
			spec->ks[spec->nk++] = (int)lo;
		}
		if (spec->nk == 0)
			sr_die("--sides: '%s' lists no values", s);
		return;
	}
	const char *colon = strchr(s, ':');
	if (!colon) {
		if (sr_parse_long("--sides", s, 3, SR_SHAPE_MAX_K, &lo) < 0)
			die_opt();
		hi = lo;
	} else {
		char first[32];
		size_t n = (size_t)(colon - s);
		if (n >= sizeof first)
			sr_die("--sides: '%s' is too long", s);
		memcpy(first, s, n);
		first[n] = '\0';
		if (sr_parse_long("--sides", first, 3, SR_SHAPE_MAX_K, &lo) < 0 ||
		    sr_parse_long("--sides", colon + 1, 3, SR_SHAPE_MAX_K, &hi) < 0)
			die_opt();
		if (lo > hi)
			sr_die("--sides: range '%s' has its low end above its high end", s);
	}
	for (long k = lo; k <= hi; k++)
		spec->ks[spec->nk++] = (int)k;
}

/* The command line. */
typedef struct {
	long count, start;
	int w, h;
	uint64_t seed;
	sr_shape_spec spec;
	int solid;                /* --solid: pspec, not spec */
	sr_particle_spec pspec;
	sr_write_options out;
} options;

static void parse_command_line(int argc, char **argv, options *o)
{
	enum { OPT_DISC = SR_OPT_LOCAL, OPT_CX, OPT_CY, OPT_SEED, OPT_START, OPT_QUAT,
	       OPT_AXIS_ANGLE, OPT_MODEL, OPT_LATTICE, OPT_PIXEL_SIZE, OPT_Z, OPT_ZEXP, OPT_SIGMA,
	       OPT_THETA, OPT_INTENSITY };
	static const struct option longopts[] = {
		{"count", required_argument, NULL, 'n'},
		{"start", required_argument, NULL, OPT_START},
		{"size", required_argument, NULL, 's'},
		{"sides", required_argument, NULL, 'k'},
		{"disc", no_argument, NULL, OPT_DISC},
		{"radius", required_argument, NULL, 'r'},
		{"centre-jitter", required_argument, NULL, 'j'},
		{"center-jitter", required_argument, NULL, 'j'},
		{"cx", required_argument, NULL, OPT_CX},
		{"cy", required_argument, NULL, OPT_CY},
		{"theta", required_argument, NULL, OPT_THETA},
		{"intensity", required_argument, NULL, OPT_INTENSITY},
		{"seed", required_argument, NULL, OPT_SEED},
		{"solid", required_argument, NULL, 'S'},
		{"quat", required_argument, NULL, OPT_QUAT},
		{"axis-angle", required_argument, NULL, OPT_AXIS_ANGLE},
		{"model", required_argument, NULL, OPT_MODEL},
		{"lattice", required_argument, NULL, OPT_LATTICE},
		{"pixel-size", required_argument, NULL, OPT_PIXEL_SIZE},
		{"atomic-number", required_argument, NULL, OPT_Z},
		{"zexp", required_argument, NULL, OPT_ZEXP},
		{"atom-sigma", required_argument, NULL, OPT_SIGMA},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		SR_OUTPUT_LONGOPTS,
		{NULL, 0, NULL, 0}};
	*o = (options){.count = 1, .start = 1, .w = 64, .h = 64, .seed = 1,
	               .out = {.format = SR_FORMAT_TENSOR}};
	sr_shape_spec *spec = &o->spec;
	sr_shape_spec_default(spec, o->w, o->h);
	int disc = 0;
	double jitter = 8;
	const char *sides = NULL, *cx = NULL, *cy = NULL, *theta = NULL;
	solid_options so = {0};
	int code;
	while ((code = sr_getopt(argc, argv, ":n:s:k:r:j:S:hV", longopts)) != -1) {
		switch (code) {
		case 'n':
			if (sr_parse_long("--count", optarg, 0, 1000000000L, &o->count) < 0)
				die_opt();
			break;
		case OPT_START:
			if (sr_parse_long("--start", optarg, 1, 1000000000000L, &o->start) < 0)
				die_opt();
			break;
		case 's':
			if (sr_parse_size("--size", optarg, &o->w, &o->h) < 0)
				die_opt();
			if ((long)o->w * o->h > SR_MAX_SAMPLES)
				sr_die("--size: %dx%d is more than %ld pixels", o->w, o->h,
				       (long)SR_MAX_SAMPLES);
			break;
		case 'k': sides = optarg; break;
		case OPT_DISC: disc = 1; break;
		case 'r':
			if (sr_parse_range("--radius", optarg, 1e-3, 1e5, &spec->radius_lo,
			                   &spec->radius_hi) < 0)
				die_opt();
			break;
		case 'j':
			if (sr_parse_double("--centre-jitter", optarg, 0, 1e5, &jitter) < 0)
				die_opt();
			break;
		case OPT_CX: cx = optarg; break;
		case OPT_CY: cy = optarg; break;
		case OPT_THETA: theta = optarg; break;
		case OPT_INTENSITY:
			if (sr_parse_range("--intensity", optarg, -1e9, 1e9, &spec->intensity_lo,
			                   &spec->intensity_hi) < 0)
				die_opt();
			break;
		case OPT_SEED:
			if (sr_parse_seed("--seed", optarg, &o->seed) < 0)
				die_opt();
			break;
		case 'S': so.solid = optarg; break;
		case OPT_QUAT: so.quat = optarg; break;
		case OPT_AXIS_ANGLE: so.axis_angle = optarg; break;
		case OPT_MODEL: so.model = optarg; break;
		case OPT_LATTICE: so.lattice = optarg; break;
		case OPT_PIXEL_SIZE: so.pixel_size = optarg; break;
		case OPT_Z: so.z = optarg; break;
		case OPT_ZEXP: so.zexp = optarg; break;
		case OPT_SIGMA: so.sigma = optarg; break;
		case 'h': sr_exit_help(usage);
		case 'V': sr_exit_version();
		default:
			if (!sr_output_option_or_die(code, optarg, &o->out))
				sr_bad_option(argv);
		}
	}
	if (optind < argc)
		sr_die("unexpected argument '%s' (shapegen reads no input)", argv[optind]);
	if (disc && sides)
		sr_die("--disc and --sides do not go together");
	if (so.solid && (disc || sides || theta))
		sr_die("--solid does not go with --disc, --sides or --theta (use --quat or --axis-angle)");
	if (!so.solid && (so.quat || so.axis_angle || so.model || so.lattice || so.pixel_size ||
	                  so.z || so.zexp || so.sigma))
		sr_die("--quat, --axis-angle, --model and the atoms options need --solid");
	if (disc && theta)
		sr_die("--disc and --theta do not go together (a disc has no orientation)");
	spec->kind = disc ? SR_SHAPE_DISC : SR_SHAPE_POLYGON;
	if (sides)
		parse_sides(sides, spec);
	spec->cx_lo = o->w / 2.0 - jitter;
	spec->cx_hi = o->w / 2.0 + jitter;
	spec->cy_lo = o->h / 2.0 - jitter;
	spec->cy_hi = o->h / 2.0 + jitter;
	if (cx && sr_parse_range("--cx", cx, -1e6, 1e6, &spec->cx_lo, &spec->cx_hi) < 0)
		die_opt();
	if (cy && sr_parse_range("--cy", cy, -1e6, 1e6, &spec->cy_lo, &spec->cy_hi) < 0)
		die_opt();
	if (theta) {
		if (sr_parse_range("--theta", theta, -1e6, 1e6, &spec->theta_lo, &spec->theta_hi) < 0)
			die_opt();
		spec->theta_given = 1;
	}
	o->solid = so.solid != NULL;
	if (o->solid)
		solid_spec(&so, spec, &o->pspec, o->w, o->h);
}

int main(int argc, char **argv)
{
	options opt;
	sr_set_progname(argv[0]);
	parse_command_line(argc, argv, &opt);
	if (sr_check_stdout(&opt.out) < 0)
		die_opt();
	sr_record rec;
	sr_record_init(&rec);
	char id[64];
	for (long n = opt.start; n < opt.start + opt.count; n++) {
		sr_rng r = sr_shape_rng(opt.seed, (uint64_t)n);
		snprintf(id, sizeof id, "s%" PRIu64 "-%ld", opt.seed, n);
		if (opt.solid) {
			sr_particle p;
			if (sr_particle_draw(&opt.pspec, &r, &p) < 0 ||
			    sr_particle_record(&rec, &p, opt.w, opt.h, id) < 0)
				sr_die("record %ld: %s", n, sr_errmsg());
		} else {
			sr_shape s;
			if (sr_shape_draw(&opt.spec, &r, &s) < 0 ||
			    sr_shape_record(&rec, &s, opt.w, opt.h, id) < 0)
				sr_die("record %ld: %s", n, sr_errmsg());
		}
		if (sr_record_write(stdout, &rec, &opt.out) < 0)
			sr_die("%s", sr_errmsg());
	}
	sr_record_free(&rec);
	sr_finish_stdout();
	return 0;
}
