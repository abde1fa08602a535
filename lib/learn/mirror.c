/* mirror.c: the mirror ambiguity of 1D profiles (see mirror.h). */
#include "learn/mirror.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/angles.h"
#include "core/err.h"

const char *sr_ambiguity_name(int amb)
{
	switch (amb) {
	case SR_AMB_NONE: return "none";
	case SR_AMB_MIRROR: return "mirror";
	case SR_AMB_ALL: return "all";
	}
	return "?";
}

int sr_ambiguity_from_name(const char *name)
{
	if (!name)
		return -1;
	if (!strcmp(name, "none"))
		return SR_AMB_NONE;
	if (!strcmp(name, "mirror"))
		return SR_AMB_MIRROR;
	if (!strcmp(name, "all"))
		return SR_AMB_ALL;
	return -1;
}

/* 2 delta = 0 (mod P), within 1e-9 degrees */
static int degenerate_offset(double delta, double P)
{
	return sr_angerr(2 * delta, 0, P) < 1e-9;
}

int sr_ambiguity_of(int layout, int views, int k, double delta)
{
	if (k <= 0)
		return SR_AMB_ALL;
	if (layout != SR_LAYOUT_PROFILE)
		return SR_AMB_NONE;
	if (views >= 2 && isfinite(delta) && !degenerate_offset(delta, 360.0 / k))
		return SR_AMB_NONE;
	return SR_AMB_MIRROR;
}

double sr_mirror(double theta, double phi, double period)
{
	return sr_wrap(2 * phi - theta, period);
}

double sr_amb_err(double a, double t, double P, int amb, double phi)
{
	if (amb == SR_AMB_ALL)
		return 0;
	double e = sr_angerr(a, t, P);
	if (amb == SR_AMB_MIRROR) {
		double e2 = sr_angerr(a, 2 * phi - t, P);
		if (e2 < e)
			e = e2;
	}
	return e;
}

/* |x| folded into [0, P/2]: the mirror class of x about 0. */
static double fold(double x, double P)
{
	return fabs(sr_angdiff(x, 0, P));
}

double sr_amb_shift(double a, double o, double phi, double P, int amb)
{
	if (amb == SR_AMB_MIRROR)
		return sr_wrap(phi + fold(a - phi - o, P), P);
	return sr_wrap(a - o, P);
}

double sr_amb_fit_offset(const double *a, const double *t, const double *phi, int n, double P,
                         int amb)
{
	if (n < 1)
		return 0;
	if (amb != SR_AMB_MIRROR)
		return sr_fit_offset(a, t, n, P);
	double s0 = 0, s1 = 0;
	for (int i = 0; i < n; i++) {
		double f = phi ? phi[i] : 0;
		s0 += sr_amb_err(sr_amb_shift(a[i], 0, f, P, amb), t[i], P, amb, f);
		s1 += sr_amb_err(sr_amb_shift(a[i], P / 2, f, P, amb), t[i], P, amb, f);
	}
	return s1 < s0 ? P / 2 : 0;
}

/* ---------------------------------------------------------------- losses */

/* ---------------------------------------------------------------- answers */

double sr_profile_phi(const sr_record *rec)
{
	double phi = 0;
	if (sr_meta_get_double(&rec->meta, "project.angle", &phi) != 0 || !isfinite(phi))
		phi = 0;
	return phi;
}

void sr_mirror_answer(double fa, double fb, double delta, double phi, int k, double sigma,
                      sr_prediction *out, double *agree)
{
	double P = 360.0 / k;
	double a = fold(fa, P);
	if (!isfinite(delta) || !isfinite(fb)) {
		out->angle = sr_wrap(phi + a, P);
		out->angle2 = sr_mirror(out->angle, phi, P);
		out->conf2 = 0.5;
		out->ambiguity = SR_AMB_MIRROR;
		if (agree)
			*agree = 0;
		return;
	}
	double b = fold(fb, P);
	/* for each sign of A, the best sign of B: disagreement of theta_A with theta_B - delta */
	double e[2], d[2];
	for (int i = 0; i < 2; i++) {
		double ta = phi + (i ? -a : a);
		e[i] = INFINITY;
		for (int j = 0; j < 2; j++) {
			double dd = sr_angdiff(phi + (j ? -b : b) - delta, ta, P);
			if (fabs(dd) < e[i]) {
				e[i] = fabs(dd);
				d[i] = dd;
			}
		}
	}
	int s = e[1] < e[0];
	out->angle = sr_wrap(phi + (s ? -a : a) + 0.5 * d[s], P);
	out->angle2 = sr_mirror(out->angle, phi, P);
	double sg = sigma > 0 ? sigma : 2.0;
	double z = (e[1 - s] * e[1 - s] - e[s] * e[s]) / (2 * sg * sg);
	out->conf2 = 1.0 / (1.0 + exp(z)); /* w2 / (w1 + w2) */
	out->ambiguity = degenerate_offset(delta, P) ? SR_AMB_MIRROR : SR_AMB_NONE;
	if (agree)
		*agree = e[s];
}

/* ---------------------------------------------------------------- several profiles */

int sr_parse_angle_list(const char *s, double *phi)
{
	int n = 0;
	const char *p = s;
	for (;;) {
		char *end;
		double v = strtod(p, &end);
		if (end == p || !isfinite(v) || (*end != ',' && *end != '\0'))
			return sr_fail("'%.80s' is not a list of angles", s);
		if (n == SR_MAX_PROFILES)
			return sr_fail("'%.80s' lists more than %d angles", s, SR_MAX_PROFILES);
		phi[n++] = v;
		if (*end == '\0')
			return n;
		p = end + 1;
	}
}

int sr_profile_angles(const sr_record *rec, double *phi)
{
	if (rec->height <= 1) {
		phi[0] = sr_profile_phi(rec);
		return 1;
	}
	const char *s = sr_meta_get(&rec->meta, "project.angles");
	if (!s)
		return sr_fail("a record of %d profiles a view has no project.angles key", rec->height);
	int n = sr_parse_angle_list(s, phi);
	if (n < 0)
		return sr_fail("project.angles: %s", sr_errmsg());
	if (n != rec->height)
		return sr_fail("project.angles lists %d angles for %d profiles a view", n, rec->height);
	return n;
}

/* x = 0 (mod m), within 1e-9 degrees */
static int multiple_of(double x, double m)
{
	double r = fmod(fabs(x), m);
	return r < 1e-9 || m - r < 1e-9;
}

int sr_mirror_blind(const double *phi, int n, int k)
{
	if (k <= 0)
		return 1;
	for (int j = 1; j < n; j++)
		if (!multiple_of(phi[j] - phi[0], 180.0 / k))
			return 0;
	return 1;
}

void sr_profile_group_of(const double *phi, int n, sr_profile_group *g)
{
	memset(g, 0, sizeof *g);
	g->n = 2;
	for (int i = 0; i < n; i++) {
		double m = 0.5 * (phi[0] + phi[i]);
		int ok = 1;
		for (int j = 0; j < n && ok; j++) {
			double t = 2 * m - phi[j];
			ok = 0;
			for (int r = 0; r < n && !ok; r++)
				if (multiple_of(phi[r] - t, 360)) {
					g->src[j] = r, g->rev[j] = 0, ok = 1;
				} else if (multiple_of(phi[r] - t - 180, 360)) {
					g->src[j] = r, g->rev[j] = 1, ok = 1;
				}
		}
		if (ok) {
			g->n = 4;
			g->axis = m - phi[0];
			return;
		}
	}
}

void sr_profile_transform(const sr_profile_group *g, int j, const float *in, int n, int len,
                          float *out)
{
	for (int r = 0; r < n; r++) {
		int from = j >= 2 ? g->src[r] : r;
		int rev = (j >= 2 && g->rev[r]) ^ (j == 1 || j == 3);
		const float *a = in + (size_t)from * len;
		float *b = out + (size_t)r * len;
		if (rev)
			for (int i = 0; i < len; i++)
				b[i] = a[len - 1 - i];
		else
			memcpy(b, a, (size_t)len * sizeof *b);
	}
}

double sr_profile_transform_angle(const sr_profile_group *g, int j, double psi)
{
	switch (j) {
	case 1: return psi + 180;
	case 2: return 2 * g->axis - psi;
	case 3: return 2 * g->axis - psi + 180;
	}
	return psi;
}

int sr_profile_transform_sign(int j)
{
	return j >= 2 ? -1 : 1;
}
