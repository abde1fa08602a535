/* eval3d.h: the 3D error statistics of evaluate(1).
 *
 * The error of a predicted orientation p against the truth t of a solid with proper group G
 * is the geodesic angle reduced by the group (issue 11, stemrot(7)):
 *     d(p, t) = min over g in G of angle(p, t g)          ("strict");
 * a single projection cannot tell t from its twin M_z R(t) s (core/solid.h), so single
 * images are also scored
 *     d_proj(p, t) = min(d(p, t), d(p, twin(t)))        ("mod projection").
 * Unmeasured rows (predict wrote NA) count as misses with error 180.  The figures after the
 * one best global rotation Q (a lab-frame gauge: d(Q p, t)) are fitted per shape and view
 * count and reported separately. */
#ifndef SR_EVAL3D_H
#define SR_EVAL3D_H

enum { SR_EVAL3D_STRICT = 0, SR_EVAL3D_PROJECTION = 1 };

typedef struct {
	int solid;       /* the truth's, enum sr_solid_id */
	int views;       /* 1 or 2 */
	int measured;
	double p[4], t[4];
} sr_eval3d_row;

typedef struct {
	sr_eval3d_row *row;
	long n, cap;
	long unscored;   /* rows without truth */
	/* column indices of the header, -1 when absent */
	int c_views, c_q[4], c_shape_true, c_t[4], ncols;
} sr_eval3d_table;

/* 1 when the header fields name a 3D table (qw .. qz and qw_true .. qz_true and
 * shape_true; views optional, 1 when absent): the columns are remembered in t; 0 if not 3D. */
int sr_eval3d_header(sr_eval3d_table *t, char **fields, int nf);
/* Adds one data row; -1 with a message (without file or line: the caller adds them). */
int sr_eval3d_add(sr_eval3d_table *t, char **fields, int nf);
void sr_eval3d_free(sr_eval3d_table *t);

/* The error of one row under mode (strict or projection) after the rotation Q (NULL: none). */
double sr_eval3d_error(const sr_eval3d_row *r, int mode, const double *Q);

typedef struct {
	long n;
	double median, mean;
	double within[5];  /* fractions within 2, 5, 10, 15, 30 degrees */
} sr_eval3d_stats;

/* Statistics of the rows with solid `solid` (0: all) and `views` (0: all) under mode and
 * Q (NULL: none); n = 0 when no row matches.  -1 on memory failure. */
int sr_eval3d_stats_of(const sr_eval3d_table *t, int solid, int views, int mode, const double *Q,
                       sr_eval3d_stats *out);

/* The one rotation Q minimising the mean of min(d(Q p, t), 30) over the measured rows of
 * (solid, views) under mode: candidates t_i g p_i^-1 from up to 24 rows, then a pattern search.
 * Q = identity when there are no rows. */
int sr_eval3d_fit(const sr_eval3d_table *t, int solid, int views, int mode, double *Q);

#endif
