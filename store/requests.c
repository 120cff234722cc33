/* Request records.
 *
 * requests/<request id>  sealed: context(32) ‖ digest(32) ‖ state(1) ‖
 *   presig id(32) ‖ be64 created ‖ be64 updated ‖ signature(65) ‖ attempts(1)
 * (presig id: the last presignature taken for it; attempts: how many) */
#include "store/requests.h"

#include <sodium.h>
#include <string.h>

#include "crypto/secmem.h"
#include "store/db.h"

#define REC_LEN (32 + 32 + 1 + WF_STORE_ID_BYTES + 8 + 8 + WF_STORE_SIG_BYTES + 1)
#define OFF_STATE   64
#define OFF_PRESIG  65
#define OFF_CREATED (OFF_PRESIG + WF_STORE_ID_BYTES)
#define OFF_UPDATED (OFF_CREATED + 8)
#define OFF_SIG     (OFF_UPDATED + 8)
#define OFF_TRIES   (OFF_SIG + WF_STORE_SIG_BYTES)

static wf_err check_req(const wf_store_request *req)
{
    if (!req || req->id_len == 0 || req->id_len > WF_STORE_REQUEST_ID_MAX)
        return wf_store_fail(WF_ERR_ARG, "a request id must be 1 to %d bytes", WF_STORE_REQUEST_ID_MAX);
    return WF_OK;
}

/* Reads the record of req's id into rec; WF_ERR_NOT_FOUND if none. */
static wf_err read_record(wf_store *s, const wf_store_request *req, uint8_t rec[REC_LEN])
{
    uint8_t *plain;
    size_t len;
    wf_err err = wf_db_get_sealed(s, WF_CF_REQUESTS, req->id, req->id_len, &plain, &len);
    if (err) return err;
    if (len != REC_LEN || plain[OFF_STATE] < WF_REQUEST_PENDING || plain[OFF_STATE] > WF_REQUEST_DONE)
        err = wf_store_fail(WF_ERR_ENCODING, "a request record is malformed");
    else
        memcpy(rec, plain, REC_LEN);
    wf_secure_free(plain);
    return err;
}

wf_err wf_db_request_lookup(wf_store *s, const wf_store_request *req, wf_store_request_state *state,
                            uint8_t sig[WF_STORE_SIG_BYTES], unsigned *attempts)
{
    uint8_t rec[REC_LEN];
    *state = WF_REQUEST_NEW;
    if (attempts) *attempts = 0;
    wf_err err = read_record(s, req, rec);
    if (err == WF_ERR_NOT_FOUND) return WF_OK;
    if (err) return err;
    if (sodium_memcmp(rec, req->context, 32) != 0 || sodium_memcmp(rec + 32, req->digest, 32) != 0)
        return wf_store_fail(WF_ERR_CONFLICT, "request id already used for a different digest or key");
    *state = (wf_store_request_state)rec[OFF_STATE];
    if (sig && *state == WF_REQUEST_DONE) memcpy(sig, rec + OFF_SIG, WF_STORE_SIG_BYTES);
    if (attempts) *attempts = rec[OFF_TRIES];
    return WF_OK;
}

wf_err wf_store_request_lookup(wf_store *s, const wf_store_request *req, wf_store_request_state *state,
                               uint8_t sig[WF_STORE_SIG_BYTES], unsigned *attempts)
{
    if (!s || !state) return wf_store_fail(WF_ERR_ARG, "missing argument");
    wf_err err = check_req(req);
    if (err) return err;
    pthread_mutex_lock(&s->lock);
    err = wf_db_request_lookup(s, req, state, sig, attempts);
    pthread_mutex_unlock(&s->lock);
    return err;
}

/* Writes rec for req into batch, keeping `created` of an earlier record. */
static wf_err put_record(wf_store *s, rocksdb_writebatch_t *b, const wf_store_request *req, uint8_t state,
                         const uint8_t *presig_id, const uint8_t *sig)
{
    uint8_t rec[REC_LEN], old[REC_LEN];
    uint64_t now = wf_store_now_ms();
    wf_err err = read_record(s, req, old);
    if (err && err != WF_ERR_NOT_FOUND) return err;
    memset(rec, 0, sizeof rec);
    memcpy(rec, req->context, 32);
    memcpy(rec + 32, req->digest, 32);
    rec[OFF_STATE] = state;
    if (presig_id)
        memcpy(rec + OFF_PRESIG, presig_id, WF_STORE_ID_BYTES);
    else if (!err)
        memcpy(rec + OFF_PRESIG, old + OFF_PRESIG, WF_STORE_ID_BYTES);
    if (err)
        wf_be64_put(rec + OFF_CREATED, now);
    else
        memcpy(rec + OFF_CREATED, old + OFF_CREATED, 8);
    wf_be64_put(rec + OFF_UPDATED, now);
    if (sig) memcpy(rec + OFF_SIG, sig, WF_STORE_SIG_BYTES);
    rec[OFF_TRIES] = err ? 0 : old[OFF_TRIES];
    if (presig_id) rec[OFF_TRIES]++;
    return wf_db_put_sealed(s, b, WF_CF_REQUESTS, req->id, req->id_len, rec, sizeof rec);
}

wf_err wf_db_request_pending(wf_store *s, rocksdb_writebatch_t *batch, const wf_store_request *req,
                             const uint8_t presig_id[WF_STORE_ID_BYTES])
{
    return put_record(s, batch, req, WF_REQUEST_PENDING, presig_id, NULL);
}

wf_err wf_db_request_done(wf_store *s, rocksdb_writebatch_t *batch, const wf_store_request *req,
                          const uint8_t sig[WF_STORE_SIG_BYTES])
{
    wf_err err = check_req(req);
    return err ? err : put_record(s, batch, req, WF_REQUEST_DONE, NULL, sig);
}

wf_err wf_store_request_finish(wf_store *s, const wf_store_request *req, const uint8_t sig[WF_STORE_SIG_BYTES])
{
    if (!s || !sig) return wf_store_fail(WF_ERR_ARG, "missing argument");
    wf_err err = check_req(req);
    if (err) return err;
    pthread_mutex_lock(&s->lock);
    wf_store_request_state state;
    uint8_t old_sig[WF_STORE_SIG_BYTES];
    err = wf_db_request_lookup(s, req, &state, old_sig, NULL);
    if (!err && state == WF_REQUEST_DONE) {
        if (memcmp(old_sig, sig, WF_STORE_SIG_BYTES) != 0)
            err = wf_store_fail(WF_ERR_CONFLICT, "request already signed with another signature");
        pthread_mutex_unlock(&s->lock);
        return err;
    }
    rocksdb_writebatch_t *b = NULL;
    if (!err) {
        b = rocksdb_writebatch_create();
        err = put_record(s, b, req, WF_REQUEST_DONE, NULL, sig);
        err = wf_db_finish(s, b, err);
    }
    pthread_mutex_unlock(&s->lock);
    return err;
}
