/* Shared set-up for the protocol tests: a cluster of n members with Ed25519
 * identities, machine configurations for a session, checks on how the
 * machines of a run ended, a forged blame for false-blame cases, and the
 * timed table of test functions every main runs. */
#ifndef WF_TESTS_PROTOCOL_FIXTURE_H
#define WF_TESTS_PROTOCOL_FIXTURE_H

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/secmem.h"
#include "crypto/sharing.h"
#include "protocol/harness.h"
#include "protocol/key_share.h"
#include "protocol/machine.h"
#include "tests/check.h"

typedef struct wf_test_cluster {
    size_t n;
    uint8_t pk[WF_MAX_MEMBERS][WF_IDENTITY_PK_BYTES];
    uint8_t *sk[WF_MAX_MEMBERS]; /* locked memory */
} wf_test_cluster;

static inline void wf_test_cluster_init(wf_test_cluster *c, size_t n)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    memset(c, 0, sizeof *c);
    c->n = n;
    for (size_t i = 0; i < n; i++) {
        c->sk[i] = wf_secure_alloc(WF_IDENTITY_SK_BYTES);
        REQUIRE(c->sk[i] != NULL);
        crypto_sign_keypair(c->pk[i], c->sk[i]);
    }
}

static inline void wf_test_cluster_clear(wf_test_cluster *c)
{
    for (size_t i = 0; i < c->n; i++)
        wf_secure_free(c->sk[i]);
    memset(c, 0, sizeof *c);
}

/* The machine configuration of member `self` for a session whose id starts
 * with `session_tag` (distinct tags give distinct sessions). */
static inline wf_machine_cfg wf_test_cfg(const wf_test_cluster *c, uint32_t self, uint8_t session_tag)
{
    wf_machine_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    memset(cfg.cluster_id, 0xc1, WF_ID_BYTES);
    memset(cfg.key_id, 0x4b, WF_ID_BYTES);
    cfg.session_id[0] = session_tag;
    cfg.session_id[1] = 0x5e;
    cfg.self = self;
    cfg.identity_sk = c->sk[self];
    for (size_t i = 0; i < c->n; i++)
        memcpy(cfg.identity_pk[i], c->pk[i], WF_IDENTITY_PK_BYTES);
    return cfg;
}

/* Every machine except `culprit` ended aborted naming `culprit`. */
static inline int wf_test_all_blame(wf_machine *const *m, size_t n, uint32_t culprit)
{
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        if (m[i]->s.cfg.self == culprit)
            continue;
        if (wf_machine_status(m[i]) != WF_SESSION_ABORTED || wf_machine_culprit(m[i]) != culprit) {
            fprintf(stderr, "party %u: status %d culprit %u reason '%s' (expected culprit %u)\n",
                    (unsigned)m[i]->s.cfg.self, (int)wf_machine_status(m[i]), (unsigned)wf_machine_culprit(m[i]),
                    wf_machine_reason(m[i]), (unsigned)culprit);
            ok = 0;
        }
    }
    return ok;
}

/* Every machine ended DONE. */
static inline int wf_test_all_done(wf_machine *const *m, size_t n)
{
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        if (wf_machine_status(m[i]) != WF_SESSION_DONE) {
            fprintf(stderr, "party %u: status %d culprit %u reason '%s'\n", (unsigned)m[i]->s.cfg.self,
                    (int)wf_machine_status(m[i]), (unsigned)wf_machine_culprit(m[i]), wf_machine_reason(m[i]));
            ok = 0;
        }
    return ok;
}

/* The reason the first machine not of member `cheater` that aborted gave, or "". */
static inline const char *wf_test_first_reason(wf_machine *const *m, size_t n, uint32_t cheater)
{
    for (size_t i = 0; i < n; i++)
        if (m[i]->s.cfg.self != cheater && wf_machine_status(m[i]) == WF_SESSION_ABORTED)
            return wf_machine_reason(m[i]);
    return "";
}

/* 1 when shares[i] of members set[i] (t of them) interpolate to the key. */
static inline int wf_test_interpolates(const wf_key_public *pub, const uint32_t *set,
                                       const wf_scalar *const *shares)
{
    wf_member members[WF_MAX_MEMBERS];
    wf_scalar s[WF_MAX_MEMBERS], secret;
    wf_point P;
    for (size_t i = 0; i < pub->t; i++) {
        members[i] = pub->members[set[i]];
        s[i] = *shares[i];
    }
    int ok = wf_sharing_reconstruct(&secret, members, s, pub->t, pub->t) == WF_OK &&
             wf_point_base_mul(&P, &secret) == WF_OK && wf_point_eq(&P, &pub->public_key);
    wf_memzero(s, sizeof s);
    wf_scalar_wipe(&secret);
    return ok;
}

/* For a false-blame hook: the signed Blame machine b would send accusing
 * `accused` over its valid message ev, built once into *blame (malloc'ed,
 * the caller frees it); then *bytes (the envelope being sent) is replaced by a
 * copy of it. */
static inline void wf_test_false_blame(wf_machine *b, const wf_filed *ev, uint32_t accused, uint8_t **blame,
                                       size_t *blame_len, uint8_t **bytes, size_t *len)
{
    if (*blame == NULL) {
        REQUIRE(ev != NULL);
        wf_outbox out = {0};
        REQUIRE(wf_session_blame(&b->s, &out, ev, accused, "false accusation") == WF_OK && out.n == 1);
        *blame = out.items[0].bytes;
        *blame_len = out.items[0].len;
        out.items[0].bytes = NULL;
        wf_outbox_clear(&out);
    }
    uint8_t *copy = malloc(*blame_len);
    REQUIRE(copy != NULL);
    memcpy(copy, *blame, *blame_len);
    free(*bytes);
    *bytes = copy;
    *len = *blame_len;
}

static inline double wf_test_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct wf_test_case {
    void (*fn)(void);
    const char *name;
} wf_test_case;

/* Runs every case, printing its name, how many checks it made and its time. */
static inline void wf_test_run_cases(const wf_test_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int before = wf_checks_passed + wf_checks_failed;
        double t0 = wf_test_now_s();
        cases[i].fn();
        printf("%-24s %4d checks %8.3f s\n", cases[i].name, wf_checks_passed + wf_checks_failed - before,
               wf_test_now_s() - t0);
    }
}

#endif
