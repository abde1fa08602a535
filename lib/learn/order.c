/* order.c: the order rule of order.h. */
#include "learn/order.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/angles.h"

int sr_order_of_image(const float *q, const int *heads, int n, double thresh)
{
	double m = INFINITY;
	for (int i = 0; i < n; i++)
		m = fmin(m, q[heads[i] - 1]);
	double t = fmax(thresh, 2 * m);
	for (int i = 0; i < n; i++)
		if (q[heads[i] - 1] < t)
			return heads[i];
	return 0;
}

int sr_order_of_agreement(const double *R, const int *heads, int n, double min_agree)
{
	for (int i = 0; i < n; i++)
		if (R[heads[i] - 1] >= min_agree)
			return heads[i];
	return 0;
}

int sr_order_of_set(const double *head_sum, long count, const int *heads, int n)
{
	int kbest = 0, order = 0;
	for (int i = 0; i < n; i++)
		if (!kbest || head_sum[heads[i] - 1] < head_sum[kbest - 1])
			kbest = heads[i];
	double lbest = kbest ? head_sum[kbest - 1] / count : INFINITY;
	for (int i = 0; i < n && heads[i] <= kbest && lbest < 0.2; i++) {
		int k = heads[i];
		if (kbest % k == 0 && head_sum[k - 1] / count < fmin(0.2, 2 * lbest)) {
			order = k;
			break;
		}
	}
	for (int i = 0; i < n && order; i++)
		if (heads[i] % order && head_sum[heads[i] - 1] / count < 3 * lbest)
			order = 0;
	return order;
}

int sr_order_detect(const sr_order_input *in, const float *val_x, long nval, int views, int h,
                    int w, sr_meta *info)
{
	char key[64];
	double thresh = SR_ORDER_THRESH;
	sr_meta_set(info, "order.thresh", "%g", thresh);
	long hist[SR_MAX_ORDER + 1] = {0}, n = 0;
	size_t S = (size_t)h * w;
	for (long i = 0; i < nval; i += in->batch) {
		int m = (int)(nval - i < in->batch ? nval - i : in->batch);
		for (int j = 0; j < m; j++)
			memcpy(in->scratch + (size_t)j * S, val_x + (size_t)(i + j) * views * S,
			       S * sizeof(float));
		if (sr_net_forward(in->net, in->scratch, m, 0, 0) < 0)
			return -1;
		const float *out = sr_net_output(in->net);
		for (int j = 0; j < m; j++) {
			hist[sr_order_of_image(out + (size_t)j * in->nout + 2 * in->K, in->heads,
			                       in->nheads, thresh)]++;
			n++;
		}
	}
	int order = in->given, best = 0;
	for (int k = 0; k <= in->K; k++) {
		if (hist[k] > hist[best])
			best = k;
		if (hist[k] && n) {
			snprintf(key, sizeof key, "val.order_fraction.%d", k);
			sr_meta_set(info, key, "%.4f", (double)hist[k] / n);
		}
	}
	if (order == 0 && n > 0 && best > 0 && hist[best] >= 0.9 * n)
		order = best;
	if (order == 0 && in->head_n > 0 && in->single_shape)
		order = sr_order_of_set(in->head_sum, in->head_n, in->heads, in->nheads);
	sr_meta_set_long(info, "order", order); /* 0: per image (mixed shapes) */
	sr_meta_set(info, "order.source", "%s", in->given ? "given" : "detected");
	sr_meta_set(info, "calibrated", "no");
	return 0;
}
