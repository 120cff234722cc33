/* store/state.c: named node-state records round-trip, survive a reopen, are
 * replaced by a later put, sealed (not in the files in clear), refused with a
 * bad name or size, and refused through a read-only store. */
#define _XOPEN_SOURCE 700
#include <stdlib.h>
#include <string.h>

#include "crypto/secmem.h"
#include "store/state.h"
#include "tests/check.h"
#include "tests/store_fixture.h"

int main(void)
{
    char root[256], dir[300];
    wf_store *s = NULL;
    uint8_t *v = NULL;
    size_t len = 0;
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_test_tmpdir(root, "state");
    snprintf(dir, sizeof dir, "%s/db", root);
    wf_store_unlock u = {.passphrase = "state test", .kdf = WF_STORE_KDF_INTERACTIVE};
    REQUIRE(wf_store_create(&s, dir, &u) == WF_OK);

    CHECK_ERR(wf_store_state_get(s, "policy-counters", &v, &len), WF_ERR_NOT_FOUND);
    static const uint8_t a[] = "counter value that must not be seen in clear";
    CHECK_OK(wf_store_state_put(s, "policy-counters", a, sizeof a));
    CHECK_OK(wf_store_state_get(s, "policy-counters", &v, &len));
    CHECK(len == sizeof a && v && memcmp(v, a, len) == 0);
    free(v);
    CHECK_OK(wf_store_state_put(s, "policy-counters", a, 4));
    CHECK_OK(wf_store_state_get(s, "policy-counters", &v, &len));
    CHECK(len == 4 && memcmp(v, a, 4) == 0);
    free(v);
    CHECK_OK(wf_store_state_put(s, "empty", NULL, 0));
    CHECK_OK(wf_store_state_get(s, "empty", &v, &len));
    CHECK(len == 0);
    free(v);

    CHECK_ERR(wf_store_state_put(s, "", a, 1), WF_ERR_ARG);
    CHECK_ERR(wf_store_state_put(s, "Upper", a, 1), WF_ERR_ARG);
    CHECK_ERR(wf_store_state_put(s, "with/slash", a, 1), WF_ERR_ARG);
    CHECK_ERR(wf_store_state_put(s, "a-name-that-is-longer-than-32-bytes", a, 1), WF_ERR_ARG);
    uint8_t *big = calloc(1, WF_STORE_STATE_MAX + 1);
    REQUIRE(big != NULL);
    CHECK_ERR(wf_store_state_put(s, "big", big, WF_STORE_STATE_MAX + 1), WF_ERR_ARG);
    free(big);
    wf_store_close(s);

    /* survives a reopen; read-only stores read but never write */
    REQUIRE(wf_store_open_readonly(&s, dir, &u) == WF_OK);
    CHECK_OK(wf_store_state_get(s, "policy-counters", &v, &len));
    CHECK(len == 4 && memcmp(v, a, 4) == 0);
    free(v);
    CHECK(wf_store_state_put(s, "policy-counters", a, sizeof a) != WF_OK);
    wf_store_close(s);
    REQUIRE(wf_store_open(&s, dir, &u) == WF_OK);
    CHECK_OK(wf_store_state_get(s, "policy-counters", &v, &len));
    CHECK(len == 4);
    free(v);
    wf_store_close(s);
    CHECK(!wf_test_dir_contains(dir, a, 12));
    wf_test_rmtree(root);
    return wf_check_summary("test_state");
}
