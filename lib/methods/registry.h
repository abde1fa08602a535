/* registry.h: the training methods, for the programs to choose from by name.  A new method
 * is one file in lib/methods (its sr_method, with its options) and one entry here. */
#ifndef SR_REGISTRY_H
#define SR_REGISTRY_H

#include "learn/trainer.h"

extern const sr_method sr_method_siamese, sr_method_oracle, sr_method_generate,
    sr_method_siamese3d, sr_method_oracle3d;

/* Every method, NULL-terminated, in the order --help lists them. */
extern const sr_method *const sr_methods[];

/* The method called name, or NULL. */
const sr_method *sr_method_find(const char *name);

#endif
