/* Shared by the lifecycle tests (refresh, reshare): presign and sign among a
 * signing set of a key, each signature checked by libsecp256k1. Identities
 * come from a wf_test_cluster indexed by member index of the key (a test that
 * moves a key to other nodes passes a cluster view in the key's order). */
#ifndef WF_TESTS_PROTOCOL_SIGNING_H
#define WF_TESTS_PROTOCOL_SIGNING_H

#include <secp256k1.h>
#include <string.h>

#include "protocol/presign.h"
#include "protocol/sign.h"
#include "tests/protocol_fixture.h"

static inline int wf_test_secp_verify(const wf_point *pub, const uint8_t digest[32], const wf_ecdsa_sig *sig)
{
    static secp256k1_context *secp;
    if (secp == NULL)
        secp = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
    uint8_t ser[WF_POINT_BYTES], compact[64];
    secp256k1_pubkey key;
    secp256k1_ecdsa_signature s;
    if (secp == NULL || wf_point_serialize(ser, pub) != WF_OK)
        return 0;
    wf_scalar_serialize(compact, &sig->r);
    wf_scalar_serialize(compact + 32, &sig->s);
    return secp256k1_ec_pubkey_parse(secp, &key, ser, sizeof ser) &&
           secp256k1_ecdsa_signature_parse_compact(secp, &s, compact) &&
           secp256k1_ecdsa_verify(secp, &s, digest, &key);
}

/* Creates presign machines ms[0..t) for the signers set[] (member indices)
 * with keys[member] and aux[member] in session `tag`, and runs them. The
 * caller reads their statuses and frees them. */
static inline void wf_test_presign_run(const wf_test_cluster *c, wf_key_share *const *keys,
                                       wf_aux *const *aux, const uint32_t *set, size_t t, uint8_t tag,
                                       wf_machine **ms)
{
    for (size_t i = 0; i < t; i++) {
        wf_machine_cfg cfg = wf_test_cfg(c, set[i], tag);
        memcpy(cfg.key_id, keys[set[i]]->pub.key_id, WF_ID_BYTES);
        wf_presign_params pp = {.key = keys[set[i]], .aux = aux[set[i]], .n = t, .threads = 2};
        memcpy(pp.signers, set, t * sizeof set[0]);
        REQUIRE(wf_presign_new(&ms[i], &cfg, &pp) == WF_OK);
    }
    REQUIRE(wf_harness_run(ms, t, NULL, NULL, NULL) == WF_OK);
}

/* Presign then sign a random digest among set[]: 1 when every signer ends
 * with the same signature and libsecp256k1 verifies it under the key's
 * public key. Sessions `tag` and `tag` + 1. */
static inline int wf_test_sign_with(const wf_test_cluster *c, wf_key_share *const *keys, wf_aux *const *aux,
                                    const uint32_t *set, size_t t, uint8_t tag)
{
    wf_machine *ms[WF_MAX_MEMBERS];
    wf_presig *ps[WF_MAX_MEMBERS];
    wf_test_presign_run(c, keys, aux, set, t, tag, ms);
    int ok = wf_test_all_done(ms, t);
    for (size_t i = 0; i < t; i++) {
        ps[i] = NULL;
        if (ok && wf_presign_result(ms[i], &ps[i]) != WF_OK)
            ok = 0;
        wf_machine_free(ms[i]);
    }
    uint8_t digest[32];
    randombytes_buf(digest, sizeof digest);
    for (size_t i = 0; i < t && ok; i++) {
        wf_machine_cfg cfg = wf_test_cfg(c, set[i], (uint8_t)(tag + 1));
        memcpy(cfg.key_id, keys[set[i]]->pub.key_id, WF_ID_BYTES);
        wf_sign_params sp = {.key = &keys[set[i]]->pub, .presig = ps[i]};
        memcpy(sp.digest, digest, sizeof digest);
        REQUIRE(wf_sign_new(&ms[i], &cfg, &sp) == WF_OK);
    }
    if (ok) {
        REQUIRE(wf_harness_run(ms, t, NULL, NULL, NULL) == WF_OK);
        ok = wf_test_all_done(ms, t);
        for (size_t i = 0; i < t; i++) {
            wf_ecdsa_sig sig;
            wf_point pub;
            ok = ok && wf_sign_result(ms[i], &sig, &pub) == WF_OK &&
                 wf_point_eq(&pub, &keys[set[i]]->pub.public_key) && wf_test_secp_verify(&pub, digest, &sig);
            wf_machine_free(ms[i]);
        }
    }
    for (size_t i = 0; i < t; i++)
        wf_presig_free(ps[i]);
    return ok;
}

#endif
