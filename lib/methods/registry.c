/* registry.c: the table of training methods (registry.h). */
#include "methods/registry.h"

#include <string.h>

const sr_method *const sr_methods[] = {&sr_method_siamese, &sr_method_generate,
                                       &sr_method_oracle, &sr_method_siamese3d,
                                       &sr_method_oracle3d, NULL};

const sr_method *sr_method_find(const char *name)
{
	for (int i = 0; sr_methods[i]; i++)
		if (!strcmp(sr_methods[i]->name, name))
			return sr_methods[i];
	return NULL;
}
