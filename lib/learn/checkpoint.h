/* checkpoint.h: the model file of a run (trainer.h, LOOP): its info block, the checkpoint
 * written after every epoch (with the optimisers' state, train.epoch and train.step) and the
 * resume from it.  Internal to lib/learn. */
#ifndef SR_CHECKPOINT_H
#define SR_CHECKPOINT_H

#include "learn/trainer.h"

/* The checkpoint's path: conf.checkpoint, else MODEL.ckpt; malloc'ed, NULL (error set) when
 * out of memory. */
char *sr_checkpoint_path(const sr_train_conf *conf);

/* Writes the networks and t->info to path, atomically, with the optimisers' state when
 * with_optim (a checkpoint) or without (the final model). */
int sr_checkpoint_save(sr_trainer *t, const char *path, int with_optim);

/* Restores the networks, optimisers, t->epoch and t->step from the checkpoint at path: 1
 * when resumed, 0 when there is none, -1 (error set) when it is not a checkpoint of this
 * method and shape. */
int sr_checkpoint_resume(sr_trainer *t, const char *path);

/* The info keys every model has: its kind, method, input shape and training parameters (the
 * method's own among them, sr_method.info). */
void sr_checkpoint_info(sr_trainer *t);

#endif
