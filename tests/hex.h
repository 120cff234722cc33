/* Hex helpers for tests: known-answer vectors are written as hex strings. */
#ifndef WF_TESTS_HEX_H
#define WF_TESTS_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tests/check.h"

/* Decodes a hex string into out (capacity cap); returns the byte count or
 * (size_t)-1 on a bad digit, odd length or overflow. */
static inline size_t wf_test_unhex(uint8_t *out, size_t cap, const char *hex)
{
    size_t len = strlen(hex);
    if (len % 2 != 0 || len / 2 > cap)
        return (size_t)-1;
    for (size_t i = 0; i < len / 2; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = hex[2 * i + (size_t)k];
            unsigned d;
            if (c >= '0' && c <= '9')
                d = (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                d = (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                d = (unsigned)(c - 'A' + 10);
            else
                return (size_t)-1;
            v = v * 16 + d;
        }
        out[i] = (uint8_t)v;
    }
    return len / 2;
}

/* 1 if the bytes equal the hex string. */
static inline int wf_test_eq_hex(const uint8_t *bytes, size_t len, const char *hex)
{
    uint8_t buf[512];
    size_t n = wf_test_unhex(buf, sizeof buf, hex);
    return n == len && memcmp(buf, bytes, len) == 0;
}

/* Decodes a hex string of exactly 2·n digits into out[0..n); anything else
 * stops the test program (REQUIRE): a malformed vector is a bug in the test. */
static inline void wf_test_unhex_exact(uint8_t *out, size_t n, const char *hex)
{
    REQUIRE(wf_test_unhex(out, n, hex) == n);
}

#endif
