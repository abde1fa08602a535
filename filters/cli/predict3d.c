#include "predict3d.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/quat.h"
#include "core/solid.h"
#include "synth/particle.h"
#include "synth/render3d.h"

struct sr_predict3d {
	sr_match_options o;
	int solid, single, header;
	sr_matcher *m[SR_SOLID_COUNT + 1];  /* built on first use, one per shape */
};

/* the templates: the thickness model, centred */
static int render_template(void *ctx, const sr_solid *solid, const double *q, double r,
                           float *img, int w, int h)
{
	(void)ctx;
	return sr_render_thickness(solid, q, r, w / 2.0, h / 2.0, 1, img, w, h);
}

const char *sr_predict3d_header(void)
{
	return "id\tshape\tgroup\tviews\tqw\tqx\tqy\tqz\tconfidence\tqw2\tqx2\tqy2\tqz2\tconfidence2"
	       "\tradius\tshape_true\tqw_true\tqx_true\tqy_true\tqz_true";
}

sr_predict3d *sr_predict3d_new(const sr_match_options *o, int solid, int single, int header)
{
	sr_predict3d *p = calloc(1, sizeof *p);
	if (!p)
		return sr_fail("out of memory"), NULL;
	p->o = *o;
	p->solid = solid;
	p->single = single;
	p->header = header;
	for (int i = 1; i <= SR_SOLID_COUNT; i++)
		sr_solid_get(i); /* built here, before any thread could race */
	return p;
}

void sr_predict3d_free(sr_predict3d *p)
{
	if (!p)
		return;
	for (int i = 0; i <= SR_SOLID_COUNT; i++)
		sr_matcher_free(p->m[i]);
	free(p);
}

static void put_id(const sr_record *rec, long n)
{
	const char *id = sr_meta_get(&rec->meta, "id");
	if (!id)
		id = sr_meta_get(&rec->meta, "source");
	if (!id) {
		printf("record%ld", n);
		return;
	}
	for (const char *c = id; *c; c++)
		putchar(*c == '\t' || *c == '\n' ? ' ' : *c);
}

static void put_quat(const double *q)
{
	printf("\t%.8f\t%.8f\t%.8f\t%.8f", q[0], q[1], q[2], q[3]);
}

/* the truth columns: the record's particle (truth NULL: no 3D metadata) */
static void put_truth(const sr_particle *truth)
{
	if (!truth) {
		printf("\tNA\tNA\tNA\tNA\tNA\n");
		return;
	}
	printf("\t%s", sr_solid_name(truth->solid));
	put_quat(truth->q);
	putchar('\n');
}

int sr_predict3d_record(sr_predict3d *p, const sr_record *rec, long n)
{
	if (rec->layout != SR_LAYOUT_IMAGE)
		return sr_fail("the match method needs images");
	/* bad 3D metadata is an error before anything of the row is written */
	sr_particle truth;
	int has_truth = sr_meta_is_solid(&rec->meta);
	if (has_truth && sr_particle_from_meta(&rec->meta, &truth) < 0)
		return -1;
	int id = p->solid;
	if (!id) {
		const char *name = sr_meta_get(&rec->meta, "shape");
		if (!name)
			return sr_fail("no shape key to tell the match method the solid (or use --solid NAME)");
		if (!(id = sr_solid_from_name(name)))
			return sr_fail("shape '%s' is not a solid (%s)", name, sr_solid_names());
	}
	const sr_solid *solid = sr_solid_get(id);
	if (!p->m[id] && !(p->m[id] = sr_matcher_new(&p->o, solid, render_template, NULL)))
		return -1;
	double tilt[4] = {1, 0, 0, 0};
	int pair = 0;
	if (rec->views >= 2 && !p->single) {
		int rc = sr_pair_tilt_quat(&rec->meta, tilt);
		if (rc > 0)
			return sr_fail("a pair without a tilt key: the match method scores 3D pairs by their "
			               "tilt (stereopair --tilt), or use --single");
		if (rc < 0)
			return -1;
		pair = 1;
	}
	sr_match_result r;
	size_t S = (size_t)rec->width * rec->height;
	int rc = pair ? sr_match_pair(p->m[id], rec->data, rec->data + S, rec->width, rec->height,
	                              tilt, &r)
	              : sr_match_single(p->m[id], rec->data, rec->width, rec->height, &r);
	if (rc < 0 && rc != SR_NO_SIGNAL)
		return -1;
	if (p->header) {
		printf("%s\n", sr_predict3d_header());
		p->header = 0;
	}
	put_id(rec, n);
	printf("\t%s\t%s\t%d", solid->name, solid->group, pair ? 2 : 1);
	if (rc == SR_NO_SIGNAL) {
		fprintf(stderr, "%s: record %ld: %s: orientation NA\n", sr_progname(), n, sr_errmsg());
		printf("\tNA\tNA\tNA\tNA\t0\tNA\tNA\tNA\tNA\t0\tNA");
	} else {
		put_quat(r.q);
		printf("\t%.4f", r.score);
		put_quat(r.q2);
		printf("\t%.4f\t%.3f", r.score2, r.radius);
	}
	put_truth(has_truth ? &truth : NULL);
	return ferror(stdout) ? sr_fail("write error") : 0;
}

int sr_predict3d_put(const sr_record *rec, long n, int *header, const char *shape,
                     const char *group, int views, const double *q, double conf,
                     const double *q2, double conf2, double radius)
{
	sr_particle truth;
	int has_truth = sr_meta_is_solid(&rec->meta);
	if (has_truth && sr_particle_from_meta(&rec->meta, &truth) < 0)
		return -1;
	if (*header) {
		printf("%s\n", sr_predict3d_header());
		*header = 0;
	}
	put_id(rec, n);
	printf("\t%s\t%s\t%d", shape, group, views);
	put_quat(q);
	printf("\t%.4f", conf);
	put_quat(q2);
	printf("\t%.4f", conf2);
	if (isfinite(radius))
		printf("\t%.3f", radius);
	else
		printf("\tNA");
	put_truth(has_truth ? &truth : NULL);
	return ferror(stdout) ? sr_fail("write error") : 0;
}
