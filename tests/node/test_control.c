/* node/control.c: a SessionStart's key state (the generation stamp of presign
 * and sign, the base of a refresh) and the refresh protocols round-trip;
 * a stamp of the wrong size, and unknown protocol names, are refused. */
#include <sodium.h>
#include <string.h>

#include "crypto/secmem.h"
#include "node/control.h"
#include "protocol/proto/control.pb-c.h"
#include "tests/check.h"

static uint8_t pk[32], sk[64];

static wf_err round_trip(const wf_control_start *st, wf_control_start *back, const char **why)
{
    uint8_t cluster[32] = {1}, key[32] = {2}, session[32] = {3};
    wf_control_addr a = {cluster, key, session, 1, 0};
    uint8_t *bytes = NULL;
    size_t len = 0;
    REQUIRE(wf_control_seal_start(&bytes, &len, &a, st, sk) == WF_OK);
    wf_envelope env;
    REQUIRE(wf_envelope_open(&env, bytes, len, pk) == WF_OK);
    wf_err err = wf_control_decode_start(back, env.payload, env.payload_len, 3, why);
    wf_envelope_clear(&env);
    free(bytes);
    return err;
}

/* A SessionStart packed by hand (bypassing the sealer's checks), decoded. */
static wf_err decode_raw(const char *protocol, size_t state_len)
{
    uint8_t state[33] = {9};
    uint32_t parties[3] = {0, 1, 2};
    Warifu__Control__SessionStart m = WARIFU__CONTROL__SESSION_START__INIT;
    m.protocol = (char *)protocol;
    m.n_parties = 3;
    m.parties = parties;
    m.key_state = (ProtobufCBinaryData){state_len, state};
    uint8_t buf[256];
    size_t len = warifu__control__session_start__pack(&m, buf);
    wf_control_start st;
    const char *why = NULL;
    return wf_control_decode_start(&st, buf, len, 3, &why);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    crypto_sign_keypair(pk, sk);
    const char *why = NULL;
    static const char *const protocols[] = {"presign", "sign", "refresh", "refresh-confirm"};
    for (size_t i = 0; i < 4; i++) {
        wf_control_start st, back;
        memset(&st, 0, sizeof st);
        strcpy(st.protocol, protocols[i]);
        st.n = 3;
        for (uint32_t m = 0; m < 3; m++)
            st.parties[m] = m;
        st.issued_ms = 1234;
        st.has_key_state = 1;
        randombytes_buf(st.key_state, sizeof st.key_state);
        st.key_generation = 7 + i;
        CHECK_OK(round_trip(&st, &back, &why));
        CHECK(strcmp(back.protocol, protocols[i]) == 0 && back.has_key_state &&
              memcmp(back.key_state, st.key_state, 32) == 0 && back.key_generation == 7 + i);
        /* without a stamp: none comes back */
        st.has_key_state = 0;
        st.key_generation = 0;
        CHECK_OK(round_trip(&st, &back, &why));
        CHECK(!back.has_key_state && back.key_generation == 0);
    }
    CHECK_OK(decode_raw("refresh", 32));
    CHECK_OK(decode_raw("refresh", 0));
    CHECK_ERR(decode_raw("refresh", 31), WF_ERR_ENCODING);
    CHECK_ERR(decode_raw("refresh", 33), WF_ERR_ENCODING);
    CHECK(decode_raw("refresh-all", 32) != WF_OK);
    CHECK(decode_raw("reshare-now", 32) != WF_OK);
    return wf_check_summary("test_control");
}
