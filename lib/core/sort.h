/* sort.h: sorting float samples fast, for medians and percentiles of whole images. */
#ifndef SR_SORT_H
#define SR_SORT_H

#include <stddef.h>

/* Sorts v[0..n) ascending, as qsort with (x > y) - (x < y) would (NaNs go last; -0 sorts
 * before +0), by a least-significant-digit radix sort on the floats' bits: O(n), several times
 * faster than qsort with a comparison callback on the few thousand samples of a view.
 * Returns -1 (error set) only when its scratch buffer cannot be allocated. */
int sr_sort_floats(float *v, size_t n);

#endif
