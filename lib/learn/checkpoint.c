/* checkpoint.c: model file, checkpoint and resume of a run (checkpoint.h). */
#include "learn/checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"

char *sr_checkpoint_path(const sr_train_conf *conf)
{
	char *p;
	if (conf->checkpoint) {
		p = strdup(conf->checkpoint);
	} else {
		size_t len = strlen(conf->model) + 6;
		p = malloc(len);
		if (p)
			snprintf(p, len, "%s.ckpt", conf->model);
	}
	if (!p)
		sr_fail("out of memory");
	return p;
}

int sr_checkpoint_save(sr_trainer *t, const char *path, int with_optim)
{
	return sr_model_save(path, &t->info, t->nnets, (const char *const *)t->names, t->nets,
	                     with_optim ? t->optims : NULL);
}

int sr_checkpoint_resume(sr_trainer *t, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	sr_model *m = sr_model_load(path);
	if (!m)
		return sr_fail_context("--resume: %s", path);
	const sr_meta *info = sr_model_info(m);
	const char *meth = sr_meta_get(info, "method");
	long ep = 0, step = 0;
	if (!meth || strcmp(meth, t->m->name) || sr_meta_get_long(info, "train.epoch", &ep) != 0 ||
	    sr_meta_get_long(info, "train.step", &step) != 0) {
		sr_model_free(m);
		return sr_fail("--resume: %s is not a %s checkpoint", path, t->m->name);
	}
	for (int i = 0; i < t->nnets; i++) {
		if (sr_model_load_into(m, t->names[i], t->nets[i]) < 0 ||
		    sr_model_restore_optim(m, t->names[i], t->optims[i]) != 0) {
			sr_model_free(m);
			return sr_fail_context("--resume: %s", path);
		}
	}
	sr_model_free(m);
	t->epoch = (int)ep;
	t->step = step;
	return 1;
}

void sr_checkpoint_info(sr_trainer *t)
{
	sr_meta_set(&t->info, "stemrot.model", "orientation");
	sr_meta_set(&t->info, "method", "%s", t->m->name);
	sr_meta_set(&t->info, "input.layout", "%s", t->layout == SR_LAYOUT_PROFILE ? "profile" : "image");
	sr_meta_set_long(&t->info, "input.views", t->views);
	sr_meta_set_long(&t->info, "input.height", t->h);
	sr_meta_set_long(&t->info, "input.width", t->w);
	if (t->layout == SR_LAYOUT_PROFILE && t->nangles > 1) {
		char buf[SR_MAX_PROFILES * 32];
		size_t at = 0;
		for (int j = 0; j < t->nangles; j++)
			at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%.17g", j ? "," : "", t->angles[j]);
		sr_meta_set(&t->info, "input.angles", "%s", buf);
	}
	sr_meta_set(&t->info, "input.norm", "level");
	sr_meta_set_long(&t->info, "train.epochs", t->conf.epochs);
	sr_meta_set_long(&t->info, "train.batch", t->conf.batch);
	sr_meta_set_double(&t->info, "train.lr", t->conf.lr);
	sr_meta_set(&t->info, "train.seed", "%llu", (unsigned long long)t->conf.seed);
	sr_meta_set_double(&t->info, "train.val", t->conf.val);
	if (t->m->info)
		t->m->info(t);
	sr_meta_set_long(&t->info, "train.records", t->ntrain);
	sr_meta_set_long(&t->info, "train.val_records", t->nval);
	if (t->m->reads_truth)
		sr_meta_set(&t->info, "train.reads_truth", "yes (supervised oracle: upper bound only)");
}
