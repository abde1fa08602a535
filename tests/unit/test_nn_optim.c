/* test_nn_optim.c: the vectorised Adam step (lib/nn/optim.c): Adam, Adam + L2 and AdamW give
 * the same bytes (parameters and both moments) on the AVX2 path and on the scalar loop the
 * reference path runs, over a length that leaves a tail, with gradients of mixed sizes. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/rng.h"
#include "nn/nn.h"

START_TEST(adam_paths_agree)
{
	size_t n = 1003;
	for (int kind = 0; kind < 3; kind++) {
		sr_optim_conf c;
		sr_optim_defaults(&c);
		c.lr = 3e-3;
		c.kind = kind == 2 ? SR_OPT_ADAMW : SR_OPT_ADAM;
		c.weight_decay = kind ? 0.05 : 0;
		float *p[2], *g = malloc(n * sizeof *g);
		sr_optim *o[2];
		ck_assert_ptr_nonnull(g);
		for (int ref = 0; ref < 2; ref++) {
			p[ref] = malloc(n * sizeof(float));
			ck_assert_ptr_nonnull(p[ref]);
			sr_rng r = sr_rng_derive(8, 0);
			for (size_t i = 0; i < n; i++)
				p[ref][i] = (float)sr_rng_normal(&r);
			o[ref] = sr_optim_create(&c, n);
			ck_assert_ptr_nonnull(o[ref]);
			sr_nn_reference = ref;
			for (int t = 0; t < 3; t++) {
				for (size_t i = 0; i < n; i++)
					g[i] = (float)sin((double)(i + 1) * (t + 1)) * (i % 3 ? 1.0f : 1e-3f);
				sr_optim_step(o[ref], p[ref], g);
			}
			sr_nn_reference = 0;
		}
		ck_assert_msg(memcmp(p[0], p[1], n * sizeof(float)) == 0, "optimiser %d: paths differ", kind);
		ck_assert_msg(memcmp(o[0]->m, o[1]->m, 2 * n * sizeof(float)) == 0,
		              "optimiser %d: moments differ", kind);
		/* and the step moved every parameter */
		for (size_t i = 0; i < n; i++)
			ck_assert(o[0]->m[i] != 0);
		for (int ref = 0; ref < 2; ref++)
			free(p[ref]), sr_optim_free(o[ref]);
		free(g);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("nn_optim");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, adam_paths_agree);
	suite_add_tcase(s, tc);
	return s;
}
