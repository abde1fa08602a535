/* overlay: draws each particle's measured orientation on its micrograph (the fitted
 * polygon's outline at the predicted angle and size, its number and angle) as a PPM. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "image/draw.h"
#include "io/stream.h"

static const char usage[] =
	"usage: overlay [OPTION]... MICROGRAPH PARTICLES PREDICTIONS\n"
	"Draw on the micrograph (the first record of MICROGRAPH) each particle of PARTICLES\n"
	"(records written by particlepick(1), with pick.x, pick.y, pick.area) whose id has a line in\n"
	"PREDICTIONS (predict(1)'s TSV: id, angle, k): the outline of a regular k-gon of the\n"
	"particle's area at the predicted angle, a spoke to the vertex at that angle, and the\n"
	"particle's number and angle.  Writes a PPM image to standard output.\n"
	"\n"
	"      --scale N          font pixels per text pixel (default 1)\n"
	"  -h, --help             show this help and exit\n"
	"  -V, --version          show the version and exit\n";

typedef struct {
	char id[256];
	double angle;
	int k;
} prediction;

typedef struct {
	prediction *p;
	int n, cap;
} predictions;

/* Reads predict's TSV: the header names the columns id, angle and k. */
static void read_predictions(const char *path, predictions *pr)
{
	FILE *f = fopen(path, "r");
	if (!f)
		sr_die("%s: cannot open", path);
	char line[4096];
	int cid = -1, cang = -1, ck = -1, lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		char *field[64], *save = NULL;
		int nf = 0;
		for (char *t = strtok_r(line, "\t", &save); t && nf < 64; t = strtok_r(NULL, "\t", &save))
			field[nf++] = t;
		if (lineno == 1) {
			for (int i = 0; i < nf; i++) {
				if (!strcmp(field[i], "id")) cid = i;
				if (!strcmp(field[i], "angle")) cang = i;
				if (!strcmp(field[i], "k")) ck = i;
			}
			if (cid < 0 || cang < 0 || ck < 0)
				sr_die("%s: line 1: not predict's header (want columns id, angle, k)", path);
			continue;
		}
		if (nf <= cid || nf <= cang || nf <= ck)
			sr_die("%s: line %d: fewer columns than the header", path, lineno);
		char *e1, *e2;
		double a = strtod(field[cang], &e1);
		long k = strtol(field[ck], &e2, 10);
		if (*e1 || *e2 || !isfinite(a) || k < 1 || k > 64)
			continue; /* NA: not measured, nothing to draw */
		if (pr->n == pr->cap) {
			pr->cap = pr->cap ? 2 * pr->cap : 64;
			if (!(pr->p = realloc(pr->p, (size_t)pr->cap * sizeof *pr->p)))
				sr_die("out of memory");
		}
		snprintf(pr->p[pr->n].id, sizeof pr->p[pr->n].id, "%s", field[cid]);
		pr->p[pr->n].angle = a;
		pr->p[pr->n].k = (int)k;
		pr->n++;
	}
	if (ferror(f))
		sr_die("%s: read error", path);
	fclose(f);
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

typedef struct {
	sr_picture pic;
	const predictions *pr;
	int scale, drawn;
} ctx_t;

static int draw_particle(sr_record *rec, void *p)
{
	ctx_t *c = p;
	const char *id = sr_meta_get(&rec->meta, "id");
	double x, y, area;
	if (!id || sr_meta_get_double(&rec->meta, "pick.x", &x) < 0 ||
	    sr_meta_get_double(&rec->meta, "pick.y", &y) < 0 ||
	    sr_meta_get_double(&rec->meta, "pick.area", &area) < 0)
		return sr_fail("not a particle of particlepick(1) (no id, pick.x, pick.y, pick.area)");
	for (int i = 0; i < c->pr->n; i++) {
		const prediction *q = &c->pr->p[i];
		if (strcmp(q->id, id) != 0)
			continue;
		int k = q->k < 3 ? 3 : q->k;
		double r = sqrt(2 * area / (k * sin(2 * M_PI / k)));
		sr_draw_polygon(&c->pic, k, r, x, y, q->angle, 0xffd000);
		const char *num = strrchr(id, 'p');
		char text[64];
		snprintf(text, sizeof text, "%s:%.0f", num ? num + 1 : "", q->angle);
		sr_draw_text(&c->pic, (int)(x + r + 2), (int)(y - 2.5 * c->scale), text, c->scale,
		             0x00e0ff);
		c->drawn++;
		break;
	}
	return 0;
}

static int first_record(sr_record *rec, void *p)
{
	sr_record *keep = p;
	if (keep->width == 0 && sr_record_copy(keep, rec) < 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_SCALE = SR_OPT_LOCAL };
	static const struct option longopts[] = {
		{"scale", required_argument, NULL, OPT_SCALE},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}};
	sr_set_progname(argv[0]);
	long scale = 1;
	int code;
	while ((code = sr_getopt(argc, argv, ":hV", longopts)) != -1) {
		switch (code) {
		case OPT_SCALE:
			if (sr_parse_long("--scale", optarg, 1, 16, &scale) < 0)
				sr_die("%s", sr_errmsg());
			break;
		case 'h': sr_exit_help(usage);
		case 'V': sr_exit_version();
		default: sr_bad_option(argv);
		}
	}
	if (argc - optind != 3)
		sr_die("want MICROGRAPH PARTICLES PREDICTIONS, got %d operands (try 'overlay --help')",
		       argc - optind);
	predictions pr = {NULL, 0, 0};
	read_predictions(argv[optind + 2], &pr);
	sr_record mic;
	sr_record_init(&mic);
	if (sr_for_each_record(1, argv + optind, first_record, &mic) < 0)
		sr_die("%s", sr_errmsg());
	if (mic.width == 0)
		sr_die("%s: no records", argv[optind]);
	/* grey from the 0.5th to the 99.5th percentile */
	size_t n = (size_t)mic.width * mic.height;
	float *sorted = malloc(n * sizeof *sorted);
	if (!sorted)
		sr_die("out of memory");
	memcpy(sorted, mic.data, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_float);
	ctx_t c = {{0, 0, NULL}, &pr, (int)scale, 0};
	if (sr_picture_from_grey(&c.pic, mic.data, mic.width, mic.height, sorted[n / 200],
	                         sorted[n - 1 - n / 200]) < 0)
		sr_die("%s", sr_errmsg());
	free(sorted);
	if (sr_for_each_record(1, argv + optind + 1, draw_particle, &c) < 0)
		sr_die("%s", sr_errmsg());
	printf("P6\n%d %d\n255\n", c.pic.width, c.pic.height);
	fwrite(c.pic.rgb, 3, (size_t)c.pic.width * c.pic.height, stdout);
	sr_finish_stdout();
	sr_picture_free(&c.pic);
	sr_record_free(&mic);
	free(pr.p);
	return 0;
}
