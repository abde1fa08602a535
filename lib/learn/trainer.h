/* trainer.h: the training machinery every method shares (train(1)), and the predictor that
 * turns a trained model into angles (predict(1), calibrate(1)).
 *
 * DATA.  Records are read with the stream readers; each view is normalised by
 * sr_normalise_view (background removed, divided by the particle level) so dose and gain do
 * not matter.  Only the data, its shape and the key `offset` are read, never the truth keys
 * (theta, k, cx, cy, radius, b.dx, b.dy), unless a method declares reads_truth (the
 * supervised oracle, the experiment's upper bound).  A record is a validation record when
 * floor((i + 1) f) > floor(i f) for its index i in the input and the validation fraction f,
 * so the split is spread evenly and needs no count.  Data live in memory, or, when the input
 * is a regular file larger than the memory limit (or streaming is asked for), are re-read
 * from the file every epoch in chunks of records, each chunk shuffled (validation records are
 * kept in memory).
 *
 * LOOP.  Each epoch shuffles (seeded by seed and epoch), runs batches through the method's
 * batch function (which does forward and backward; the trainer zeroes gradients before and
 * steps every optimiser after), evaluates the validation records, logs, and writes a
 * checkpoint atomically (the model file format with optimiser state and train.epoch), so a
 * resumed run continues at the next epoch with the same shuffles and dropout masks and
 * gives the same model as an uninterrupted one.  At the end the method's finish function
 * writes its keys (e.g. the detected order) and the model is saved.
 *
 * METHODS.  A method (siamese, oracle, later generate) fills an sr_method: it creates its
 * networks in setup with sr_trainer_add_net and keeps its own state in t->mstate. */
#ifndef SR_TRAINER_H
#define SR_TRAINER_H

#include <stdint.h>
#include <stdio.h>

#include "core/meta.h"
#include "nn/nn.h"
#include "io/record.h"

/* ---- one batch as the methods see it ---- */
typedef struct {
	int n;               /* samples in the batch */
	int views, h, w;     /* per sample: views images of h x w (h = 1 for profiles) */
	const float *x;      /* n x views x h x w, sample-major, normalised */
	const double *delta; /* n pair offsets (degrees); NAN when a record has none */
	const double *theta; /* n truth angles of view 0: reads_truth methods only, else NULL */
	const int *k;        /* n truth orders: reads_truth methods only, else NULL */
	uint64_t step_seed;  /* for dropout masks: derived from (seed, global step) */
} sr_batch;

typedef struct sr_trainer sr_trainer;

typedef struct {
	const char *name;
	int reads_truth;   /* 1: theta and k are loaded (the oracle; never for real methods) */
	int views;         /* records must have exactly this many views */
	int (*setup)(sr_trainer *t);          /* networks and state; -1 with error set */
	/* train = 1: forward + backward (gradients added); 0: loss only (validation).  *loss gets
	 * the batch's mean loss. */
	int (*batch)(sr_trainer *t, const sr_batch *b, int train, double *loss);
	/* Validation pass hooks for extra statistics (may be NULL): begin before, then batch is
	 * called with train = 0 for all validation batches, then end. */
	void (*val_begin)(sr_trainer *t);
	void (*val_end)(sr_trainer *t);
	int (*finish)(sr_trainer *t);          /* final keys into t->info; -1 with error set */
	void (*free)(sr_trainer *t);
} sr_method;

const sr_method *sr_method_find(const char *name); /* "siamese", "oracle", ... NULL if none */
extern const sr_method sr_method_siamese, sr_method_oracle, sr_method_generate;

typedef struct {
	const char *method;
	int epochs, batch;
	double lr, lr_min;
	long warmup;          /* steps */
	double clip, weight_decay;
	uint64_t seed;
	int threads;
	double val;           /* validation fraction, 0..0.9 */
	const char *net;      /* spec or "@file"; NULL: default for the input shape */
	int heads;            /* K */
	int order;            /* 0: detect */
	int kmin;             /* smallest order considered (heads below it are not trained) */
	double cons_weight;   /* weight of the consistency-prediction loss */
	int augment;          /* 1: random dihedral transforms of both views (square images) */
	double zoom_weight;   /* weight of the zoom loss (A zoomed by 0.8..1.25 keeps its angle) */
	double mirror_weight; /* weight of the mirror loss (siamese, square images); 0 = off */
	double head_pow;      /* head k's loss weight is k^-head_pow (2: equal weight per degree) */
	const char *model;    /* output model path */
	const char *log;      /* TSV log path or NULL */
	const char *checkpoint; /* NULL: MODEL.ckpt */
	int resume;
	int stream;           /* 1: force streaming from the file */
	long mem_limit_mb;    /* in-memory limit before streaming */
	long chunk;           /* records per streamed chunk */
	int progress;         /* 1: progress bar (stderr is a tty), 0: plain lines, -1: quiet */
	long max_records;     /* 0: all */
	int stop_after;       /* > 0: stop after this many epochs as if interrupted (tests) */
	/* method generate (generate.h) */
	const char *decoder;  /* decoder spec or "@file"; NULL: default for the view size */
	int latents;          /* latent numbers besides the angle (default 2) */
	const char *loss;     /* "mse" (default) or "poisson" */
	const char *renderer; /* "free" (NULL: default) or "template" */
} sr_train_conf;

void sr_train_defaults(sr_train_conf *c);

#define SR_TRAINER_MAX_NETS 4

struct sr_trainer {
	sr_train_conf conf;
	const sr_method *m;
	void *mstate;
	sr_meta info;         /* saved as the model's info block */
	int views, c, h, w, layout;  /* input shape (c = 1 channel per view) */
	int nnets;
	char *names[SR_TRAINER_MAX_NETS];
	sr_net *nets[SR_TRAINER_MAX_NETS];
	sr_optim *optims[SR_TRAINER_MAX_NETS];
	long step;            /* global optimiser steps taken */
	long ntrain, nval;
	int epoch;            /* epochs completed */
	double val_loss;
	/* validation data, kept for the method's finish (e.g. order detection) */
	float *val_x;
	double *val_delta, *val_theta;
	int *val_k;
};

/* Adds a network (spec NULL: the default for the input shape) with n_out outputs and an
 * optimiser from the configuration; max_batch = the number of images per forward. */
sr_net *sr_trainer_add_net(sr_trainer *t, const char *name, const char *spec, int n_out,
                           int max_batch);

/* Runs training on the named inputs (npaths 0: stdin).  Messages about progress go to
 * stderr (through the progress setting); errors are returned with the message set. */
int sr_train(const sr_train_conf *conf, int npaths, char **paths);

/* Runs the method's batch function over the stored validation records in batches (train=0);
 * returns the mean loss, or NAN on error. */
double sr_trainer_validate(sr_trainer *t);

#endif
