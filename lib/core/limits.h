/* limits.h: the resource limits every reader enforces, in the manner of libpng's user limits.
 *
 * A hostile file must never turn a few bytes into gigabytes of memory or hours of work, and
 * real data must not be refused: each limit has a default sized for real microscope data and
 * can be changed by the user with the environment variable STEMROT_LIMITS (a list
 * "name=value,name=value"; values take a k, M or G suffix for powers of 1024).  The names:
 *
 *   samples          floats in one record (views x height x width); default 64M
 *                    (an 8192 x 8192 frame; a 16k x 16k frame needs samples=256M and about
 *                    4 GB of memory in the programs that copy it)
 *   meta-bytes       serialised metadata of one record or one model's info block; default 1M
 *   meta-keys        keys in one metadata block; default 64k
 *   model-bytes      uncompressed payload of a model file; default 256M
 *   net-params       parameters of one network (model file or --net); default 16M
 *   net-activations  floats of a network's activation memory for one image (input gradient
 *                    included), and of one thread's scratch; default 8M (32 MiB: the
 *                    default network on views up to 160 x 160); a batch multiplies the first
 *
 * Each also has a hard ceiling that the user cannot raise (the formats' own field widths).
 * Documented in stemrot-stream(5) and stemrot-model(5). */
#ifndef SR_LIMITS_H
#define SR_LIMITS_H

typedef struct {
	long long samples;
	long long meta_bytes;
	long long meta_keys;
	long long model_bytes;
	long long net_params;
	long long net_activations;
} sr_limits;

/* The limits in force: the defaults, changed by STEMROT_LIMITS (read on the first call) and by
 * sr_limits_set.  NULL with the error set when STEMROT_LIMITS is malformed, so every reader
 * fails with that one message. */
const sr_limits *sr_limits_get(void);

/* Applies "name=value[,name=value...]" on top of the limits in force (an option such as
 * --limit uses this).  -1 with the error set, naming the item, on a bad name or value. */
int sr_limits_set(const char *spec);

/* Back to the defaults, the environment ignored (for tests). */
void sr_limits_reset(void);

#endif
