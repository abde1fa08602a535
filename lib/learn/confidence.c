/* confidence.c: the features, their logistic score and the score-to-probability map
 * (confidence.h). */
#include "learn/confidence.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* The names stored with the weights, in their order: a model whose list differs was
 * calibrated for other features. */
static const char feature_names[] = "spread,consistency,magnitude,margin";

void sr_conf_features(double R, double P, double q, double mag, double margin,
                      double feat[SR_CONF_NFEAT])
{
	/* circular standard deviation sqrt(-2 ln R) on the period, in degrees */
	R = fmin(fmax(R, 1e-9), 1);
	double spread = P / (2 * M_PI) * sqrt(-2 * log(R));
	feat[0] = log(spread + 0.01);
	feat[1] = fmin(fmax(q, -1), 4); /* a regression: bounded so one outlier cannot dominate */
	feat[2] = log(mag + 1e-6);
	feat[3] = margin;
}

static double logistic(double x)
{
	return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x));
}

/* Solves the d x d system A x = b in place (Gaussian elimination with partial pivoting; A is
 * positive definite here, the ridge sees to it); 0, or -1 when singular. */
static int solve(double *A, double *b, int d)
{
	for (int c = 0; c < d; c++) {
		int piv = c;
		for (int r = c + 1; r < d; r++)
			if (fabs(A[r * d + c]) > fabs(A[piv * d + c]))
				piv = r;
		if (fabs(A[piv * d + c]) < 1e-300)
			return -1;
		for (int j = 0; j < d; j++) {
			double t = A[c * d + j];
			A[c * d + j] = A[piv * d + j];
			A[piv * d + j] = t;
		}
		double t = b[c];
		b[c] = b[piv];
		b[piv] = t;
		for (int r = c + 1; r < d; r++) {
			double f = A[r * d + c] / A[c * d + c];
			for (int j = c; j < d; j++)
				A[r * d + j] -= f * A[c * d + j];
			b[r] -= f * b[c];
		}
	}
	for (int c = d - 1; c >= 0; c--) {
		for (int j = c + 1; j < d; j++)
			b[c] -= A[c * d + j] * b[j];
		b[c] /= A[c * d + c];
	}
	return 0;
}

/* Newton's method for the ridge-penalised logistic regression of good on the standardised
 * features z = (f - mu) / sd that are free (the others weigh 0); beta[0] the intercept. */
static int fit_logistic(const double *feat, const int *good, long n, const double *mu,
                        const double *sd, const int *free_, double *beta)
{
	enum { F = SR_CONF_NFEAT, D = SR_CONF_NFEAT + 1 };
	const double ridge = 1.0; /* on the standardised weights, not the intercept */
	memset(beta, 0, D * sizeof *beta);
	for (int it = 0; it < 100; it++) {
		double H[D * D] = {0}, g[D] = {0};
		for (long i = 0; i < n; i++) {
			double z[D] = {1}, t = beta[0];
			for (int j = 0; j < F; j++) {
				z[j + 1] = free_[j] ? (feat[i * F + j] - mu[j]) / sd[j] : 0;
				t += beta[j + 1] * z[j + 1];
			}
			double p = logistic(t), r = (good[i] != 0) - p, v = p * (1 - p);
			for (int a = 0; a < D; a++) {
				g[a] += r * z[a];
				for (int b = 0; b < D; b++)
					H[a * D + b] += v * z[a] * z[b];
			}
		}
		for (int a = 1; a < D; a++) {
			g[a] -= ridge * beta[a];
			H[a * D + a] += ridge;
		}
		H[0] += 1e-9; /* all answers alike: the intercept's curvature vanishes */
		if (solve(H, g, D) < 0)
			return sr_fail("confidence: the features do not determine a score");
		double step = 0;
		for (int a = 0; a < D; a++) {
			beta[a] += g[a];
			step = fmax(step, fabs(g[a]));
		}
		if (step < 1e-9)
			break;
	}
	return 0;
}

int sr_conf_weights_fit(const double *feat, const int *good, long n, sr_confmap *m)
{
	enum { F = SR_CONF_NFEAT, D = SR_CONF_NFEAT + 1 };
	/* the direction each feature may move the score: a wider spread, a higher predicted
	 * pair loss never raise it, a longer vector and a clearer order margin never lower it.
	 * Held-out images from the training conditions hold almost no order errors, so
	 * unconstrained, the margin took whatever sign its correlation with the spread gave */
	static const int sign[F] = {-1, -1, +1, +1};
	m->nw = 0;
	if (n < SR_CONF_MIN_RECORDS)
		return sr_fail("confidence: %ld answers with truth, at least %d needed", n,
		               SR_CONF_MIN_RECORDS);
	/* standardise, so that the ridge treats the features alike */
	double mu[F] = {0}, sd[F] = {0}, beta[D];
	int free_[F];
	for (long i = 0; i < n; i++)
		for (int j = 0; j < F; j++)
			mu[j] += feat[i * F + j] / n;
	for (long i = 0; i < n; i++)
		for (int j = 0; j < F; j++)
			sd[j] += (feat[i * F + j] - mu[j]) * (feat[i * F + j] - mu[j]) / n;
	for (int j = 0; j < F; j++) {
		sd[j] = sqrt(sd[j]);
		free_[j] = sd[j] > 1e-9; /* a constant feature gets no weight */
	}
	/* active set: refit without the feature whose weight has the wrong sign, the worst
	 * first, until every weight has its sign (or is 0) */
	for (;;) {
		if (fit_logistic(feat, good, n, mu, sd, free_, beta) < 0)
			return -1;
		int worst = -1;
		for (int j = 0; j < F; j++)
			if (free_[j] && beta[j + 1] * sign[j] < 0 &&
			    (worst < 0 || fabs(beta[j + 1]) > fabs(beta[worst + 1])))
				worst = j;
		if (worst < 0)
			break;
		free_[worst] = 0;
	}
	/* back to the raw features */
	m->w[0] = beta[0];
	for (int j = 0; j < F; j++) {
		m->w[j + 1] = free_[j] ? beta[j + 1] / sd[j] : 0;
		m->w[0] -= m->w[j + 1] * mu[j];
	}
	m->nw = D;
	return 0;
}

double sr_conf_score(const sr_confmap *m, const double feat[SR_CONF_NFEAT], double old_score)
{
	if (!m->nw)
		return old_score;
	double t = m->w[0];
	for (int j = 0; j < SR_CONF_NFEAT; j++)
		t += m->w[j + 1] * feat[j];
	return logistic(t);
}

typedef struct {
	double score;
	int good;
} answer;

static int cmp_answer(const void *a, const void *b)
{
	double x = ((const answer *)a)->score, y = ((const answer *)b)->score;
	return (x > y) - (x < y);
}

int sr_confmap_fit(const double *score, const int *good, long n, sr_confmap *m)
{
	m->n = 0;
	if (n < SR_CONF_MIN_RECORDS)
		return sr_fail("confidence: %ld answers with truth, at least %d needed", n,
		               SR_CONF_MIN_RECORDS);
	answer *a = malloc((size_t)n * sizeof *a);
	if (!a)
		return sr_fail("out of memory");
	for (long i = 0; i < n; i++)
		a[i] = (answer){score[i], good[i] != 0};
	qsort(a, (size_t)n, sizeof *a, cmp_answer);
	/* bins of SR_CONF_MIN_BIN, 2x, 4x ... answers from the lowest score up, at most an
	 * eighth of them each; a remainder under a quarter of a bin joins the last one */
	long edge[SR_CONF_MAX_KNOTS + 1], cap = n / 8 > SR_CONF_MIN_BIN ? n / 8 : SR_CONF_MIN_BIN;
	int nb = 0;
	edge[0] = 0;
	for (long size = SR_CONF_MIN_BIN; edge[nb] < n; size = 2 * size < cap ? 2 * size : cap) {
		long hi = nb == SR_CONF_MAX_KNOTS - 1 || edge[nb] + size > n ? n : edge[nb] + size;
		if (nb > 0 && n - edge[nb] < size / 4) /* the remainder: too few for a bin */
			hi = n, nb--;
		edge[++nb] = hi;
	}
	double s[SR_CONF_MAX_KNOTS], p[SR_CONF_MAX_KNOTS], w[SR_CONF_MAX_KNOTS];
	for (int b = 0; b < nb; b++) {
		double ss = 0, gg = 0;
		for (long i = edge[b]; i < edge[b + 1]; i++) {
			ss += a[i].score;
			gg += a[i].good;
		}
		w[b] = (double)(edge[b + 1] - edge[b]);
		s[b] = ss / w[b];
		p[b] = gg / w[b];
	}
	free(a);
	/* pool adjacent violators: a block's value is the weighted mean of its bins' fractions,
	 * and its score the weighted mean of theirs */
	int nblk = 0;
	double bs[SR_CONF_MAX_KNOTS], bp[SR_CONF_MAX_KNOTS], bw[SR_CONF_MAX_KNOTS];
	for (int b = 0; b < nb; b++) {
		bs[nblk] = s[b];
		bp[nblk] = p[b];
		bw[nblk] = w[b];
		nblk++;
		while (nblk > 1 && bp[nblk - 2] >= bp[nblk - 1]) {
			double W = bw[nblk - 2] + bw[nblk - 1];
			bs[nblk - 2] = (bs[nblk - 2] * bw[nblk - 2] + bs[nblk - 1] * bw[nblk - 1]) / W;
			bp[nblk - 2] = (bp[nblk - 2] * bw[nblk - 2] + bp[nblk - 1] * bw[nblk - 1]) / W;
			bw[nblk - 2] = W;
			nblk--;
		}
	}
	m->n = nblk;
	memcpy(m->score, bs, (size_t)nblk * sizeof *bs);
	memcpy(m->prob, bp, (size_t)nblk * sizeof *bp);
	return 0;
}

int sr_confmap_store(const sr_confmap *m, sr_meta *info)
{
	char buf[SR_CONF_MAX_KNOTS * 32];
	size_t len = 0;
	for (int i = 0; i < m->n; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%.6g:%.4f", i ? "," : "",
		                        m->score[i], m->prob[i]);
	if (sr_meta_set(info, "conf.map", "%s", buf) < 0)
		return -1;
	if (!m->nw)
		return 0;
	len = 0;
	for (int i = 0; i < m->nw; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%.9g", i ? "," : "", m->w[i]);
	if (sr_meta_set(info, "conf.weights", "%s", buf) < 0)
		return -1;
	return sr_meta_set(info, "conf.features", "%s", feature_names);
}

static int get_weights(const sr_meta *info, sr_confmap *m)
{
	const char *v = sr_meta_get(info, "conf.weights");
	if (!v)
		return 0;
	const char *names = sr_meta_get(info, "conf.features");
	if (!names || strcmp(names, feature_names))
		return sr_fail("model info: conf.weights for the features '%s', this predictor has "
		               "'%s' (calibrate --confidence again)", names ? names : "", feature_names);
	const char *c = v;
	for (int i = 0; i < SR_CONF_NFEAT + 1; i++) {
		char *end;
		m->w[i] = strtod(c, &end);
		if (end == c || !isfinite(m->w[i]) || *end != (i == SR_CONF_NFEAT ? '\0' : ','))
			return sr_fail("model info: conf.weights '%s' is not %d numbers", v,
			               SR_CONF_NFEAT + 1);
		c = end + 1;
	}
	m->nw = SR_CONF_NFEAT + 1;
	return 0;
}

int sr_confmap_get(const sr_meta *info, sr_confmap *m)
{
	memset(m, 0, sizeof *m);
	if (get_weights(info, m) < 0) {
		m->nw = 0;
		return -1;
	}
	const char *v = sr_meta_get(info, "conf.map");
	if (!v)
		return 0;
	const char *c = v;
	while (*c) {
		char *end;
		double s = strtod(c, &end);
		if (end == c || *end != ':')
			goto bad;
		c = end + 1;
		double p = strtod(c, &end);
		if (end == c || (*end && *end != ',') || m->n == SR_CONF_MAX_KNOTS || !(p >= 0 && p <= 1) ||
		    (m->n && (s < m->score[m->n - 1] || p < m->prob[m->n - 1])))
			goto bad;
		m->score[m->n] = s;
		m->prob[m->n] = p;
		m->n++;
		c = *end ? end + 1 : end;
	}
	if (m->n)
		return 0;
bad:
	m->n = m->nw = 0;
	return sr_fail("model info: conf.map '%s' is not a non-decreasing list of score:prob", v);
}

double sr_confmap_apply(const sr_confmap *m, double score)
{
	if (m->n == 0)
		return score;
	if (score <= m->score[0]) {
		if (m->nw && m->score[0] > 0)
			return m->prob[0] * fmax(score, 0) / m->score[0];
		return m->prob[0];
	}
	for (int i = 1; i < m->n; i++)
		if (score <= m->score[i]) {
			double d = m->score[i] - m->score[i - 1];
			double t = d > 0 ? (score - m->score[i - 1]) / d : 1;
			return m->prob[i - 1] + t * (m->prob[i] - m->prob[i - 1]);
		}
	return m->prob[m->n - 1];
}
