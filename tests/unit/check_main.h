/* check_main.h: the one runner of the unit tests.  Each tests/unit/test_NAME.c defines its
 * START_TEST cases and exports them as test_suite(); check_main.c holds the main that runs
 * that suite, so every test program reports and exits the same way. */
#ifndef SR_CHECK_MAIN_H
#define SR_CHECK_MAIN_H

#include <check.h>

/* The test file's suite: its test cases, timeouts and fixtures. */
Suite *test_suite(void);

#endif
