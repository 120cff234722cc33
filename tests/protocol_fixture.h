/* Shared set-up for the protocol tests: a cluster of n members with Ed25519
 * identities, machine configurations for a session, and checks on how the
 * machines of a run ended. */
#ifndef WF_TESTS_PROTOCOL_FIXTURE_H
#define WF_TESTS_PROTOCOL_FIXTURE_H

#include <sodium.h>
#include <string.h>

#include "crypto/secmem.h"
#include "protocol/harness.h"
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

#endif
