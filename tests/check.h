/* A minimal test harness: CHECK records a failure with its location and goes
 * on; wf_check_summary() prints the "N passed, N failed" line ctest output is
 * read by and returns the process exit code. */
#ifndef WF_TESTS_CHECK_H
#define WF_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "crypto/err.h"

/* Non-zero when the test runs under valgrind (valgrind/valgrind.h's client
 * request; 0 where that header is missing). Tests ask wf_test_light()
 * instead: it covers this and the WF_TEST_LIGHT variable. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define WF_UNDER_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#endif
#endif
#ifndef WF_UNDER_VALGRIND
#define WF_UNDER_VALGRIND() 0
#endif

/* Non-zero in the light pass: the valgrind tests (tests/CMakeLists.txt gives
 * them WF_TEST_LIGHT=1) or any run under valgrind. That pass checks memory
 * (leaks, invalid accesses), not volume: every scenario, code path and
 * assertion still runs, but loops may run fewer repetitions — a sample of
 * bits flipped, fewer random trials, fewer sizes. The Release and ASan
 * passes run the full counts. WF_TEST_LIGHT=1 also gives the light run
 * natively (to check or profile it); WF_TEST_LIGHT=0 or unset does not. */
static inline int wf_test_light(void)
{
    static int light = -1;
    if (light < 0) {
        const char *env = getenv("WF_TEST_LIGHT");
        light = (env != NULL && env[0] != '\0' && env[0] != '0') || WF_UNDER_VALGRIND();
    }
    return light;
}

/* Which bits of byte i of an n-byte encoding a bit-flip loop flips: all 8 in
 * a full run; in a light run all 8 of the first 4 and last 4 bytes and of
 * every 64th byte, and one bit (bit i mod 8, so every bit position comes up)
 * of each other byte. */
static inline unsigned wf_test_flip_mask(size_t i, size_t n)
{
    if (!wf_test_light() || i < 4 || i + 4 >= n || i % 64 == 0)
        return 0xffu;
    return 1u << (i % 8);
}

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
