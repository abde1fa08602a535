/* check_main.c: main of every unit test program (check_main.h).  Runs the test file's suite
 * in Check's default mode (each test in its own process, CK_FORK and CK_DEFAULT_TIMEOUT
 * honoured) and exits non-zero when any test failed. */
#include <stdlib.h>

#include "check_main.h"

int main(void)
{
	SRunner *runner = srunner_create(test_suite());
	srunner_run_all(runner, CK_NORMAL);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
