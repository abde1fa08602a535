/* trainer.h: the training machinery every method shares (train(1)).
 *
 * DATA (dataset.c).  Records are read with the stream readers; each view is normalised by
 * sr_normalise_view (image/imgproc.h) so dose and gain do not matter.  Only the data, its
 * shape and the key `offset` are read, never the truth keys (theta, k, cx, cy, radius, b.dx,
 * b.dy), unless a method declares reads_truth (the supervised oracle, the experiment's upper
 * bound).  A record is a validation record when floor((i + 1) f) > floor(i f) for its index i
 * in the input and the validation fraction f, so the split is spread evenly and needs no
 * count.  Data live in memory, or, when the input is a regular file larger than the memory
 * limit (or streaming is asked for), are re-read from the file every epoch in chunks of
 * records, each chunk shuffled (validation records are kept in memory).
 *
 * LOOP (loop.c).  Each epoch shuffles (seeded by seed and epoch), runs batches through the
 * method's batch function (forward and backward; the loop zeroes gradients before, calls the
 * gradient hook, and steps every optimiser after), evaluates the validation records, reports
 * progress, and writes a checkpoint atomically (checkpoint.c: the model file format with
 * optimiser state and train.epoch), so a resumed run continues at the next epoch with the
 * same shuffles and dropout masks and gives the same model as an uninterrupted one.  At the
 * end the method's finish function writes its keys (e.g. the detected order) and the model
 * is saved.
 *
 * METHODS.  A method fills an sr_method: its options (a table the program turns into
 * command-line options; the values live in the method's own configuration struct), and the
 * functions below.  It creates its networks in setup with sr_trainer_add_net and keeps its
 * own state in t->mstate.  The methods themselves live above this layer (lib/methods), and
 * the program picks one from their table (methods/registry.h).
 *
 * The library never prints: progress goes to the caller's sr_train_report. */
#ifndef SR_TRAINER_H
#define SR_TRAINER_H

#include <stddef.h>
#include <stdint.h>

#include "core/meta.h"
#include "io/record.h"
#include "nn/nn.h"

/* ---- one batch as the methods see it ---- */
typedef struct {
	int n;               /* samples in the batch */
	int first;           /* its first sample's position in the global batch (data-parallel
	                      * runs: this process's share; 0 in one process) */
	int views, h, w;     /* per sample: views images of h x w (profiles: h profiles of w) */
	const float *x;      /* n x views x h x w, sample-major, normalised */
	const double *delta; /* n pair offsets (degrees); NAN when a record has none */
	const double *theta; /* n truth angles of view 0: reads_truth methods only, else NULL */
	const int *k;        /* n truth orders: reads_truth methods only, else NULL */
	uint64_t step_seed;  /* for dropout masks: derived from (seed, global step) */
	int total;           /* samples in the global batch (0: n, one process), so that what a
	                      * method draws per sample can follow the position first + i */
	const double *q;     /* n x 4 truth quaternions (w, x, y, z) of view 0, and k holds the
	                      * truth group (core/embed3d.h): reads_truth 2 only, else NULL */
} sr_batch;

typedef struct sr_trainer sr_trainer;

/* ---- a method's options ---- */
enum sr_option_kind {
	SR_OPTION_INT,    /* int, within [lo, hi] */
	SR_OPTION_DOUBLE, /* double, within [lo, hi] */
	SR_OPTION_STRING, /* const char *, one of choices (NULL: any) */
	SR_OPTION_CLEAR   /* no argument: sets an int to 0 (a --no-... switch) */
};

typedef struct {
	const char *name;            /* the long option, without "--" */
	const char *arg;             /* the value's name in --help; NULL for SR_OPTION_CLEAR */
	int kind;                    /* enum sr_option_kind */
	size_t offset;               /* of the value in the method's configuration */
	double lo, hi;               /* numbers: the range */
	const char *const *choices;  /* strings: NULL-terminated list of the allowed values */
	const char *help;            /* the --help text, one line per '\n', after the name */
} sr_option;

typedef struct {
	const char *name;
	int reads_truth;   /* 1: theta and k are loaded (the oracle; never for real methods);
	                    * 2: the 3D truth, qw .. qz and the group (the 3D oracle) */
	int views;         /* records must have exactly this many views */
	/* the key of a pair's one label, read into the batch's delta: NULL for "offset" (2D
	 * pairs, stereopair --offset); "tilt" for 3D tilt pairs (stereopair --tilt), whose
	 * tilt_axis must then be 0 (about y) */
	const char *pair_key;
	/* the method's configuration: conf_size bytes, filled by defaults, then by the options */
	size_t conf_size;
	void (*defaults)(void *conf);
	const sr_option *options; /* terminated by a NULL name; may be NULL */
	int (*setup)(sr_trainer *t);          /* networks and state; -1 with error set */
	/* Writes the method's info keys that belong among the training parameters (train.*); may
	 * be NULL. */
	void (*info)(sr_trainer *t);
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

/* ---- progress: what the loop tells its caller ---- */
enum sr_train_event_kind {
	SR_TRAIN_START,   /* data read, networks made, checkpoint (if any) restored */
	SR_TRAIN_BATCH,   /* after each optimiser step */
	SR_TRAIN_EPOCH,   /* after each epoch's validation */
	SR_TRAIN_STOPPED  /* stopped early as asked (stop_after); the checkpoint is kept */
};

typedef struct {
	int kind;               /* enum sr_train_event_kind */
	const sr_trainer *t;    /* shape, record counts, method, networks, t->epoch done */
	int epoch;              /* the epoch running or just done, 1-based */
	int resumed;            /* START: 1 when the run continues from a checkpoint */
	int streamed;           /* START: 1 when the training records are streamed */
	const char *checkpoint; /* its path */
	long done, total;       /* BATCH: training samples of this epoch done, and all */
	double train_loss;      /* BATCH: mean batch loss so far; EPOCH: over the epoch */
	double val_loss;        /* EPOCH: NAN without validation records */
	double lr;              /* EPOCH: the learning rate of the last step */
	double seconds;         /* BATCH, EPOCH: since the epoch began */
} sr_train_event;

/* Returns 0 to go on, -1 (error set) to stop the run with that error. */
typedef int (*sr_train_report)(const sr_train_event *ev, void *ctx);

/* The gradient hook: called after each training batch, when every network's gradients
 * (sr_net_grads) and *loss hold the mean over this process's n samples of the global batch
 * of n_global (n may be 0: zero gradients, loss 0), before the optimisers step.  A
 * data-parallel run reduces them across processes here (learn/ranks.h).  -1 (error set)
 * stops the run. */
typedef int (*sr_grad_hook)(sr_trainer *t, double *loss, int n, int n_global, void *ctx);

/* ---- configuration (conf.c) ---- */
typedef struct {
	const sr_method *method;
	const void *method_conf; /* the method's configuration (conf_size bytes) */
	int epochs, batch;
	double lr, lr_min;
	long warmup;          /* steps */
	double clip, weight_decay;
	uint64_t seed;
	int threads;
	double val;           /* validation fraction, 0..0.9 */
	const char *net;      /* spec or "@file"; NULL: default for the input shape */
	/* the orientation heads every method has (learn/order.h, learn/predictor.h) */
	int heads;            /* K */
	int order;            /* 0: detect */
	int kmin;             /* smallest order considered (heads below it are not trained) */
	double cons_weight;   /* weight of the consistency-prediction loss */
	const char *model;    /* output model path */
	const char *checkpoint; /* NULL: MODEL.ckpt */
	int resume;
	int stream;           /* 1: force streaming from the file */
	long mem_limit_mb;    /* in-memory limit before streaming */
	long chunk;           /* records per streamed chunk */
	long max_records;     /* 0: all */
	int stop_after;       /* > 0: stop after this many epochs as if interrupted (tests) */
	sr_train_report report; /* may be NULL */
	void *report_ctx;
	sr_grad_hook grad_hook; /* may be NULL */
	void *grad_ctx;
	/* data parallel: this process is rank `rank` of `ranks` (default 0 of 1).  Every rank
	 * reads the same records, holds its share of them (learn/dataset.h, SHARDS) and
	 * shuffles alike; rank r computes positions [G r / P, G (r + 1) / P) of each global
	 * batch of G samples, the gradient hook reduces, and rank 0 alone validates, runs the
	 * method's finish and writes the checkpoints and the model. */
	int rank, ranks;
} sr_train_conf;

/* The defaults of every field; method NULL. */
void sr_train_defaults(sr_train_conf *c);

/* A method's configuration with its defaults, to be freed with free(); NULL (error set) when
 * out of memory. */
void *sr_method_conf_new(const sr_method *m);

/* The option of m called name (without "--"), or NULL. */
const sr_option *sr_method_option(const sr_method *m, const char *name);

#define SR_TRAINER_MAX_NETS 4

struct sr_trainer {
	sr_train_conf conf;
	const sr_method *m;
	const void *mconf;    /* = conf.method_conf */
	void *mstate;
	sr_meta info;         /* saved as the model's info block */
	int views, c, h, w, layout;  /* input shape (c = 1 channel per view; profiles: h rows of
	                              * profiles, the channels of the network's input) */
	int nangles;                 /* profiles: the projection angles of the rows */
	double angles[SR_MAX_PROFILES];
	int nnets;
	char *names[SR_TRAINER_MAX_NETS];
	sr_net *nets[SR_TRAINER_MAX_NETS];
	sr_optim *optims[SR_TRAINER_MAX_NETS];
	long step;            /* global optimiser steps taken */
	long ntrain, nval;    /* all of them, also on a rank that holds a share */
	double data_sum;      /* the sum of every sample of every record read (the ranks of a
	                       * run compare it: learn/ranks.h) */
	int epoch;            /* epochs completed */
	double val_loss;
	/* validation data, kept for the method's finish (e.g. order detection); NULL on the
	 * ranks other than 0 of a data-parallel run, which neither validate nor finish */
	float *val_x;
	double *val_delta, *val_theta;
	int *val_k;
	double *val_q;
};

/* ---- for the methods (nets.c) ---- */
/* Adds a network (spec NULL: the default for the input shape, whose input is one view) with
 * n_out outputs and an optimiser from the configuration; max_batch = the number of images
 * per forward.  NULL with the error set. */
sr_net *sr_trainer_add_net(sr_trainer *t, const char *name, const char *spec, int n_out,
                           int max_batch);
/* Adds a network the method made itself (any input shape), initialised and given an
 * optimiser like sr_trainer_add_net's; the trainer owns it from then on, also on failure.
 * -1 with the error set. */
int sr_trainer_adopt_net(sr_trainer *t, const char *name, sr_net *net);

/* Runs the method's batch function over the stored validation records in batches (train=0);
 * returns the mean loss, or NAN on error. */
double sr_trainer_validate(sr_trainer *t);

/* ---- the run (loop.c) ---- */
/* Trains conf->method on the named inputs (npaths 0: stdin) and writes conf->model.  -1 with
 * the error set. */
int sr_train(const sr_train_conf *conf, int npaths, char **paths);

#endif
