/* confidence.c: the score-to-probability map (confidence.h). */
#include "learn/confidence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

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
	memset(m, 0, sizeof *m);
	if (n < SR_CONF_MIN_RECORDS)
		return sr_fail("confidence: %ld answers with truth, at least %d needed", n,
		               SR_CONF_MIN_RECORDS);
	answer *a = malloc((size_t)n * sizeof *a);
	if (!a)
		return sr_fail("out of memory");
	for (long i = 0; i < n; i++)
		a[i] = (answer){score[i], good[i] != 0};
	qsort(a, (size_t)n, sizeof *a, cmp_answer);
	/* equal-count bins, at least 25 answers each */
	int nb = (int)(n / 25 < SR_CONF_MAX_KNOTS ? n / 25 : SR_CONF_MAX_KNOTS);
	double s[SR_CONF_MAX_KNOTS], p[SR_CONF_MAX_KNOTS], w[SR_CONF_MAX_KNOTS];
	for (int b = 0; b < nb; b++) {
		long lo = n * b / nb, hi = n * (b + 1) / nb;
		double ss = 0, gg = 0;
		for (long i = lo; i < hi; i++) {
			ss += a[i].score;
			gg += a[i].good;
		}
		s[b] = ss / (hi - lo);
		p[b] = gg / (hi - lo);
		w[b] = (double)(hi - lo);
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
		while (nblk > 1 && bp[nblk - 2] > bp[nblk - 1]) {
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
	return sr_meta_set(info, "conf.map", "%s", buf);
}

int sr_confmap_get(const sr_meta *info, sr_confmap *m)
{
	memset(m, 0, sizeof *m);
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
	m->n = 0;
	return sr_fail("model info: conf.map '%s' is not a non-decreasing list of score:prob", v);
}

double sr_confmap_apply(const sr_confmap *m, double score)
{
	if (m->n == 0)
		return score;
	if (score <= m->score[0])
		return m->prob[0];
	for (int i = 1; i < m->n; i++)
		if (score <= m->score[i]) {
			double d = m->score[i] - m->score[i - 1];
			double t = d > 0 ? (score - m->score[i - 1]) / d : 1;
			return m->prob[i - 1] + t * (m->prob[i] - m->prob[i - 1]);
		}
	return m->prob[m->n - 1];
}
