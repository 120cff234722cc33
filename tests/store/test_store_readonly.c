/* store/: wf_store_open_readonly. A store another handle holds open for
 * writing (as warifud holds its store while the CLI backs it up) opens
 * read-only with the right key file, shows what was written before the
 * open, and refuses every write without changing anything; the wrong key
 * file, a missing store and a damaged one are refused as by wf_store_open. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <string.h>

#include "crypto/secmem.h"
#include "store/audit.h"
#include "store/keys.h"
#include "store/store.h"
#include "tests/check.h"
#include "tests/store_fixture.h"

static void test_readonly(void)
{
    char dir[256], kf[300], other_kf[300], path[300];
    wf_test_tmpdir(dir, "ro");
    snprintf(kf, sizeof kf, "%s/key", dir);
    snprintf(other_kf, sizeof other_kf, "%s/other", dir);
    snprintf(path, sizeof path, "%s/db", dir);
    REQUIRE(wf_store_key_file_create(kf) == WF_OK && wf_store_key_file_create(other_kf) == WF_OK);
    wf_store_unlock u = {.key_file = kf}, wrong = {.key_file = other_kf};

    /* the writer: one key and two audit records, and it stays open */
    wf_store *w = NULL;
    REQUIRE(wf_store_create(&w, path, &u) == WF_OK);
    uint8_t id[32], id2[32];
    memset(id, 0x31, sizeof id);
    memset(id2, 0x32, sizeof id2);
    wf_store_key k;
    wf_test_make_key(&k, id, 2, 0, 0);
    CHECK_OK(wf_store_key_put(w, &k));
    CHECK_OK(wf_store_audit_append(w, "keygen", "key 31", NULL));
    CHECK_OK(wf_store_audit_append(w, "sign", "request 1", NULL));

    /* a second read-write open is refused (RocksDB's lock), read-only is not */
    wf_store *r = NULL;
    CHECK(wf_store_open(&r, path, &u) != WF_OK);
    CHECK(r == NULL);
    CHECK_ERR(wf_store_open_readonly(&r, path, &wrong), WF_ERR_VERIFY);
    CHECK(r == NULL);
    CHECK_OK(wf_store_open_readonly(&r, path, &u));
    REQUIRE(r != NULL);

    /* it reads what was written */
    wf_store_key *got = NULL;
    CHECK_OK(wf_store_key_get(r, id, &got));
    CHECK(got != NULL && got->record.sec_len == 32 && memcmp(got->record.sec, k.record.sec, 32) == 0);
    wf_store_key_free(got);
    wf_audit_report rep;
    CHECK_OK(wf_store_audit_verify(r, &rep));
    CHECK(rep.records == 2);

    /* and writes nothing */
    wf_store_key k2;
    wf_test_make_key(&k2, id2, 2, 0, 0);
    CHECK_ERR(wf_store_key_put(r, &k2), WF_ERR_STORAGE);
    CHECK(strstr(wf_store_last_error(), "read-only") != NULL);
    CHECK_ERR(wf_store_audit_append(r, "sign", "request 2", NULL), WF_ERR_STORAGE);
    CHECK_ERR(wf_store_key_get(r, id2, &got), WF_ERR_NOT_FOUND);

    /* the writer goes on; the reader keeps the view it opened with */
    CHECK_OK(wf_store_audit_append(w, "sign", "request 3", NULL));
    CHECK_OK(wf_store_audit_verify(w, &rep));
    CHECK(rep.records == 3);
    CHECK_OK(wf_store_audit_verify(r, &rep));
    CHECK(rep.records == 2);
    wf_store_close(r);

    /* a fresh read-only open sees the new record, with the writer still open */
    CHECK_OK(wf_store_open_readonly(&r, path, &u));
    CHECK_OK(wf_store_audit_verify(r, &rep));
    CHECK(rep.records == 3);
    wf_store_close(r);
    wf_store_close(w);

    /* and without the writer */
    CHECK_OK(wf_store_open_readonly(&r, path, &u));
    wf_store_close(r);
    r = NULL;
    char missing[320];
    snprintf(missing, sizeof missing, "%s/none", dir);
    CHECK(wf_store_open_readonly(&r, missing, &u) != WF_OK);
    CHECK(r == NULL);
    wf_store_unlock none = {0};
    CHECK_ERR(wf_store_open_readonly(&r, path, &none), WF_ERR_ARG);

    free(k.record.pub);
    wf_secure_free(k.record.sec);
    free(k2.record.pub);
    wf_secure_free(k2.record.sec);
    wf_test_rmtree(dir);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    test_readonly();
    return wf_check_summary("test_store_readonly");
}
