/* fuzz_tsv: predict's tab-separated output as evaluate reads it.  The harness includes
 * evaluate's own source, so the table reader fuzzed is the one the program runs. */
#define main evaluate_main
#include "../../filters/evaluate.c"
#undef main

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	table t = {0};
	t.force = -1;
	(void)read_file(fuzz_file(data, size), &t);
	table_free(&t);
	return 0;
}
