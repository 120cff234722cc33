/* A minimal test harness: CHECK records a failure with its location and goes
 * on; wf_check_summary() prints the "N passed, N failed" line ctest output is
 * read by and returns the process exit code. */
#ifndef WF_TESTS_CHECK_H
#define WF_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "crypto/err.h"

/* Non-zero when the test runs under valgrind: the valgrind pass checks
 * memory, not volume, so long fuzz loops may run shorter there (the Release
 * and ASan passes run them in full). */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define WF_UNDER_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#endif
#endif
#ifndef WF_UNDER_VALGRIND
#define WF_UNDER_VALGRIND() 0
#endif

static int wf_checks_passed;
static int wf_checks_failed;

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (cond) {                                                                                          \
            wf_checks_passed++;                                                                              \
        } else {                                                                                             \
            wf_checks_failed++;                                                                              \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                         \
        }                                                                                                    \
    } while (0)

/* Checks that an expression returns the expected wf_err. */
#define CHECK_ERR(expr, expected)                                                                            \
    do {                                                                                                     \
        wf_err check_err_ = (expr);                                                                          \
        if (check_err_ == (expected)) {                                                                      \
            wf_checks_passed++;                                                                              \
        } else {                                                                                             \
            wf_checks_failed++;                                                                              \
            fprintf(stderr, "%s:%d: %s gave '%s', expected '%s'\n", __FILE__, __LINE__, #expr,               \
                    wf_err_str(check_err_), wf_err_str(expected));                                           \
        }                                                                                                    \
    } while (0)

#define CHECK_OK(expr) CHECK_ERR(expr, WF_OK)

/* Stops the test program: for set-up failures that make further checks moot. */
#define REQUIRE(cond)                                                                                        \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond);                       \
            exit(1);                                                                                         \
        }                                                                                                    \
    } while (0)

static inline int wf_check_summary(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, wf_checks_passed, wf_checks_failed);
    return wf_checks_failed == 0 && wf_checks_passed > 0 ? 0 : 1;
}

#endif
