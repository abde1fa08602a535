/* conf.c: the defaults of a run's configuration and of a method's (trainer.h). */
#include "learn/trainer.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

void sr_train_defaults(sr_train_conf *c)
{
	memset(c, 0, sizeof *c);
	c->epochs = 20;
	c->batch = 32;
	c->lr = 1e-3;
	c->lr_min = 1e-5;
	c->warmup = 0;
	c->clip = 5;
	c->seed = 1;
	c->val = 0.1;
	c->heads = 12;
	c->kmin = 3;
	c->cons_weight = 0.02;
	c->mem_limit_mb = 2048;
	c->chunk = 4096;
	c->ranks = 1;
}

void *sr_method_conf_new(const sr_method *m)
{
	void *c = calloc(1, m->conf_size ? m->conf_size : 1);
	if (!c) {
		sr_fail("out of memory");
		return NULL;
	}
	if (m->defaults)
		m->defaults(c);
	return c;
}

const sr_option *sr_method_option(const sr_method *m, const char *name)
{
	for (const sr_option *o = m->options; o && o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}
