/* A node's part in resharing a key (node/reshare_run.h). Every party checks
 * the client's ReshareRequest itself — signature, expiry, the policy's
 * permission, the key it names — and that the session's parties are the
 * dealers the coordinator names (an authorised set of the key's current
 * committee) plus the new committee, before it deals or receives. The reshare
 * machine binds the session to the current public record and every
 * parameter, so parties given different ones never complete together. A new
 * member that holds no share takes the current public record from the
 * SessionStart: a forged one gives another session, which the honest dealers
 * never join.
 *
 * Two phases. On DONE a new member keeps its new share *pending* (store/keys.h)
 * and attests it; nothing else changes anywhere — old shares keep signing. The
 * "retire" start (the commit) carries every new member's attestation of one
 * run; each node checks them all, then a new member makes its pending share
 * current and a removed member deletes the key, each in one synced batch that
 * also records the request (so it is never run again: a replay is refused).
 * "reshare-attest" asks a new member for its attestation again (a retried
 * request finishing an interrupted commit); "reshare-drop" drops the pending
 * shares of a run the coordinator could not commit. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "node/refresh.h"
#include "node/reshare_run.h"
#include "crypto/hash.h"
#include "protocol/record.h"
#include "protocol/reshare.h"
#include "store/keys.h"

static void refuse(wf_control_result *res, const char *why)
{
    res->outcome = WF_OUTCOME_REFUSED;
    res->culprit = WF_CULPRIT_NONE;
    snprintf(res->reason, sizeof res->reason, "%s", why);
}

const char *wf_member_reshare_denied(const wf_daemon *d, const wf_reshare_request *r, uint64_t now)
{
    wf_request_verdict v = wf_reshare_request_check(r, now);
    if (v != WF_REQUEST_OK)
        return wf_request_verdict_str(v);
    return wf_member_any_key_denied(d, r->client_id, "the policy does not allow this client to reshare keys");
}

uint64_t wf_reshare_check_time(const wf_reshare_request *r, uint64_t now_ms, int finishing)
{
    return finishing && r->expiry_ms > 0 && now_ms >= r->expiry_ms ? r->expiry_ms - 1 : now_ms;
}

/* The checked request of a start and its new committee; NULL or why not.
 * finishing: a start that only finishes a run dealt while the request was
 * valid (attest, commit, drop), so an expired request still passes. */
static const char *request_of(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_control_start *st,
                              wf_reshare_request *r, wf_committee *nc, int finishing)
{
    const char *why = NULL;
    if (wf_reshare_request_decode(r, st->request, st->request_len) != WF_OK)
        return "malformed reshare request";
    if ((why = wf_member_reshare_denied(d, r, wf_reshare_check_time(r, wf_daemon_now_ms(), finishing))) !=
        NULL)
        return why;
    if (memcmp(r->key_id, key_id, WF_ID_BYTES) != 0)
        return "the reshare request names another key";
    if (wf_committee_build(nc, d->n, r->members, r->ranks, r->n_members, r->threshold, &why) != WF_OK)
        return why;
    return NULL;
}

/* The key's current public record: ours, or the start's for a new member. */
static const char *current_record(const uint8_t key_id[WF_ID_BYTES], const wf_control_start *st,
                                  const wf_node_key *k, wf_key_public *pub)
{
    if (k != NULL) {
        *pub = k->share->pub;
        return NULL;
    }
    if (st->record_len == 0 || wf_record_key_public_decode(pub, st->record, st->record_len) != WF_OK)
        return "no valid public record of the key in the session start";
    if (memcmp(pub->key_id, key_id, WF_ID_BYTES) != 0)
        return "the key record in the session start is another key's";
    return NULL;
}

/* Fills the machine's parameters; NULL or why not. */
static const char *params_of(wf_daemon *d, const wf_control_start *st, const wf_node_key *k,
                             const wf_key_public *pub, const wf_committee *nc, wf_reshare_params *p)
{
    wf_committee oc;
    if (wf_committee_of_key(&oc, d->n, pub) != WF_OK)
        return "the key's record does not fit this cluster";
    wf_member_set dealers = wf_set_of(st->dealers, st->n_dealers);
    if (st->n_dealers != oc.t || !wf_committee_authorised(&oc, dealers))
        return "the dealers are not an authorised set of the key's committee";
    if (wf_set_of(st->parties, st->n) != (dealers | nc->nodes))
        return "the parties are not the dealers and the new committee";
    int dealing = (dealers & WF_SET_BIT(d->self)) != 0;
    if (dealing && k == NULL)
        return "no share of this key here to deal";
    memset(p, 0, sizeof *p);
    p->old = pub;
    p->share = dealing ? k->share : NULL;
    for (size_t i = 0; i < st->n_dealers; i++) {
        p->dealers[i] = oc.member[st->dealers[i]];
        p->dealer_party[i] = st->dealers[i];
    }
    p->n = nc->n;
    p->t = nc->t;
    wf_committee_members(nc, p->members);
    for (uint32_t j = 0; j < nc->n; j++)
        p->member_party[j] = nc->node[j];
    return NULL;
}

/* What identifies a reshare request across the client's retries: SHA-256 of
 * its id, key, new committee and client, not of its expiry or signature. A
 * client re-signing the same request (a CLI run again with the same
 * --request-id) then meets its pending or committed run instead of a
 * "used for another request" refusal; a replay is recognised all the same.
 * Undecodable bytes are digested whole. */
static void request_digest(const uint8_t *enc, size_t enc_len, uint8_t out[WF_SHA256_BYTES])
{
    wf_reshare_request r;
    if (wf_reshare_request_decode(&r, enc, enc_len) != WF_OK) {
        wf_sha256(out, enc, enc_len);
        return;
    }
    static const char tag[] = "warifu/reshare-content/v1";
    uint8_t buf[sizeof tag + 1 + WF_REQUEST_ID_MAX + WF_ID_BYTES + 4 + 8 * WF_MAX_MEMBERS + 4 +
                WF_IDENTITY_PK_BYTES];
    size_t off = 0;
    memcpy(buf, tag, sizeof tag);
    off += sizeof tag;
    buf[off++] = (uint8_t)r.request_id_len;
    memcpy(buf + off, r.request_id, r.request_id_len);
    off += r.request_id_len;
    memcpy(buf + off, r.key_id, WF_ID_BYTES);
    off += WF_ID_BYTES;
    uint32_t words[2 + 2 * WF_MAX_MEMBERS];
    size_t nw = 0;
    words[nw++] = r.n_members;
    words[nw++] = r.threshold;
    for (uint32_t i = 0; i < r.n_members && i < WF_MAX_MEMBERS; i++) {
        words[nw++] = r.members[i];
        words[nw++] = r.ranks[i];
    }
    for (size_t i = 0; i < nw; i++, off += 4) {
        buf[off] = (uint8_t)(words[i] >> 24);
        buf[off + 1] = (uint8_t)(words[i] >> 16);
        buf[off + 2] = (uint8_t)(words[i] >> 8);
        buf[off + 3] = (uint8_t)words[i];
    }
    memcpy(buf + off, r.client_id, WF_IDENTITY_PK_BYTES);
    off += WF_IDENTITY_PK_BYTES;
    wf_sha256(out, buf, off);
}

void wf_reshare_attest_msg(uint8_t out[32], const uint8_t key_id[WF_ID_BYTES],
                           const uint8_t old_digest[WF_ID_BYTES], const uint8_t new_digest[WF_ID_BYTES],
                           const uint8_t *request, size_t request_len)
{
    static const char tag[] = "warifu/reshare-done/v2";
    uint8_t buf[sizeof tag + 3 * WF_ID_BYTES + WF_SHA256_BYTES];
    memcpy(buf, tag, sizeof tag);
    memcpy(buf + sizeof tag, key_id, WF_ID_BYTES);
    memcpy(buf + sizeof tag + WF_ID_BYTES, old_digest, WF_ID_BYTES);
    memcpy(buf + sizeof tag + 2 * WF_ID_BYTES, new_digest, WF_ID_BYTES);
    request_digest(request, request_len, buf + sizeof tag + 3 * WF_ID_BYTES);
    wf_sha256(out, buf, sizeof buf);
}

void wf_reshare_request_record(wf_store_request *req, const wf_reshare_request *r, const uint8_t *enc,
                               size_t enc_len)
{
    memset(req, 0, sizeof *req);
    memcpy(req->id, r->request_id, r->request_id_len);
    req->id_len = r->request_id_len;
    uint8_t buf[22 + WF_ID_BYTES];
    memcpy(buf, "warifu/reshare-ctx/v1", 22);
    memcpy(buf + 22, r->key_id, WF_ID_BYTES);
    wf_sha256(req->context, buf, sizeof buf);
    request_digest(enc, enc_len, req->digest);
}

wf_reshare_state wf_reshare_local(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES],
                                  const wf_store_request *req, wf_reshare_digests *run)
{
    wf_store_request_state state;
    uint8_t rec[WF_STORE_SIG_BYTES], tag[WF_STORE_PENDING_TAG_BYTES];
    wf_err err = wf_store_request_lookup(d->store, req, &state, rec, NULL);
    if (err == WF_ERR_CONFLICT)
        return WF_RESHARE_REUSED;
    if (err != WF_OK)
        return WF_RESHARE_UNREADABLE;
    if (state == WF_REQUEST_DONE) {
        memcpy(run->old, rec, WF_ID_BYTES);
        memcpy(run->new, rec + WF_ID_BYTES, WF_ID_BYTES);
        return WF_RESHARE_COMMITTED;
    }
    wf_store_key *sk = NULL;
    err = wf_store_key_pending_get(d->store, key_id, &sk, tag);
    wf_store_key_free(sk);
    if (err == WF_ERR_NOT_FOUND)
        return WF_RESHARE_NONE;
    if (err != WF_OK)
        return WF_RESHARE_UNREADABLE;
    if (memcmp(tag, req->digest, WF_ID_BYTES) != 0)
        return WF_RESHARE_OTHER;
    memcpy(run->old, tag + WF_ID_BYTES, WF_ID_BYTES);
    memcpy(run->new, tag + 2 * WF_ID_BYTES, WF_ID_BYTES);
    return WF_RESHARE_PENDING;
}

const char *wf_reshare_state_str(wf_reshare_state s)
{
    switch (s) {
    case WF_RESHARE_REUSED: return "this request id was used for another request";
    case WF_RESHARE_UNREADABLE: return "the store cannot say whether this reshare is pending or committed";
    case WF_RESHARE_OTHER: return WF_RESHARE_OTHER_PENDING;
    case WF_RESHARE_COMMITTED: return "this reshare request was committed already";
    default: return "no pending share of this reshare here";
    }
}

/* Signs this node's attestation of run into res->sig. */
static void attest(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_reshare_digests *run,
                   const wf_control_start *st, wf_control_result *res)
{
    uint8_t msg[32];
    wf_reshare_attest_msg(msg, key_id, run->old, run->new, st->request, st->request_len);
    crypto_sign_detached(res->sig, NULL, msg, sizeof msg, d->id.identity_sk);
    res->has_sig = 1;
}

/* The test faults WF_RESHARE_CRASH_BEFORE_PENDING / _COMMIT (node/daemon.h):
 * this node behaves as if it died just before that write — silent for 2 s
 * while the others go on, then an abort. */
static int crashes_before(wf_daemon *d, const char *fault, wf_control_result *res)
{
    if (!d->cfg.allow_test_faults || d->cfg.fault_protocol == NULL ||
        strcmp(d->cfg.fault_protocol, fault) != 0)
        return 0;
    struct timespec ts = {2, 0};
    nanosleep(&ts, NULL);
    res->outcome = WF_OUTCOME_ABORTED;
    res->culprit = WF_CULPRIT_NONE;
    snprintf(res->reason, sizeof res->reason, "test fault: stopped before the reshare's %s write", fault);
    return 1;
}

static void audit_done(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_committee *nc,
                       const wf_control_start *st, int kept)
{
    char kid[2 * WF_ID_BYTES + 1], com[WF_MAX_MEMBERS * 6 + 1], dealers[WF_MAX_MEMBERS * 3 + 1] = "";
    wf_hex(kid, key_id, WF_ID_BYTES);
    wf_committee_nodes_str(nc, com, sizeof com);
    size_t off = 0;
    for (size_t i = 0; i < st->n_dealers && off + 4 < sizeof dealers; i++)
        off += (size_t)snprintf(dealers + off, sizeof dealers - off, "%s%u", i ? "," : "", st->dealers[i]);
    wf_daemon_audit(d, "reshare", "key=%s dealers=%s committee=%s threshold=%u this node %s", kid, dealers,
                    com, nc->t,
                    kept ? "holds a pending new share (current share kept until the commit)"
                         : "dealt and leaves the committee at the commit");
}

/* Keeps a DONE machine's share pending and attests it (a new member); a
 * dealer that leaves keeps its share until the commit. */
static void keep_pending(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_key_public *old,
                         const wf_committee *nc, const wf_control_start *st, wf_key_share *share,
                         wf_control_result *res)
{
    wf_reshare_digests run;
    uint8_t tag[WF_STORE_PENDING_TAG_BYTES];
    if (share == NULL)
        return audit_done(d, key_id, nc, st, 0);
    if (wf_key_public_digest(old, run.old) != WF_OK || wf_key_public_digest(&share->pub, run.new) != WF_OK) {
        wf_key_share_free(share);
        return refuse(res, "the reshare's records cannot be digested");
    }
    if (crashes_before(d, WF_RESHARE_CRASH_BEFORE_PENDING, res)) {
        wf_key_share_free(share);
        return;
    }
    request_digest(st->request, st->request_len, tag);
    memcpy(tag + WF_ID_BYTES, run.old, WF_ID_BYTES);
    memcpy(tag + 2 * WF_ID_BYTES, run.new, WF_ID_BYTES);
    if (wf_node_key_reshare_pending(d, share, tag) != WF_OK) {
        wf_daemon_log(d, "storing a reshare's pending share failed: %s", wf_store_last_error());
        return refuse(res, "the new key share could not be stored");
    }
    audit_done(d, key_id, nc, st, 1);
    attest(d, key_id, &run, st, res);
}

/* A "reshare" start: NULL, or why this node does not take part. */
static const char *reshare_refused(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES],
                                   const wf_control_start *st, const wf_reshare_request *r,
                                   const wf_node_key *k, char *buf, size_t cap)
{
    wf_store_request req;
    wf_reshare_digests run;
    wf_reshare_request_record(&req, r, st->request, st->request_len);
    wf_reshare_state state = wf_reshare_local(d, key_id, &req, &run);
    if (state != WF_RESHARE_NONE && state != WF_RESHARE_PENDING) /* a replay, or another run unfinished */
        return wf_reshare_state_str(state);
    if (k == NULL) /* node/refresh.h, "Reshare" */
        return NULL;
    int kept = wf_refresh_prev_kept(d, key_id);
    if (kept != 0)
        return kept < 0 ? "the store cannot say whether a refresh of the key is unconfirmed"
                        : WF_RESHARE_PREV_KEPT;
    return wf_refresh_stamp_mismatch(k, st, buf, cap);
}

static void run_reshare(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const uint8_t start_id[WF_ID_BYTES],
                        const wf_control_start *st, wf_control_result *res, wf_member_extra *extra)
{
    wf_reshare_request r;
    wf_committee nc;
    wf_key_public pub;
    wf_reshare_params p;
    char buf[WF_CONTROL_REASON_MAX];
    const char *why = request_of(d, key_id, st, &r, &nc, 0);
    wf_node_key *k = wf_node_key_find(d, key_id);
    if (why == NULL)
        why = current_record(key_id, st, k, &pub);
    if (why == NULL)
        why = params_of(d, st, k, &pub, &nc, &p);
    if (why == NULL)
        why = reshare_refused(d, key_id, st, &r, k, buf, sizeof buf);
    if (why != NULL)
        return refuse(res, why);
    wf_machine_cfg mc;
    wf_daemon_machine_cfg(d, &mc, key_id, start_id, WF_RESHARE_PROTOCOL);
    wf_machine *m = NULL;
    wf_err err = wf_reshare_new(&m, &mc, &p);
    if (err != WF_OK)
        return refuse(res, err == WF_ERR_UNAUTHORISED ? "the dealers or the new committee are not authorised"
                                                      : "reshare could not start");
    wf_run_result rr;
    /* three cheap rounds: the session timeout, not keygen's (which allows for prime search) */
    wf_session_drive(d, m, start_id, wf_set_of(st->parties, st->n), d->cfg.session_timeout_ms, &rr);
    res->outcome = rr.status == WF_SESSION_DONE ? WF_OUTCOME_DONE : WF_OUTCOME_ABORTED;
    res->culprit = rr.culprit;
    snprintf(res->reason, sizeof res->reason, "%s", rr.reason);
    if (extra != NULL)
        extra->silent = rr.silent;
    wf_key_share *share = NULL;
    if (rr.status == WF_SESSION_DONE && wf_reshare_result(m, &share) != WF_OK)
        refuse(res, "reshare finished without a result");
    else if (rr.status == WF_SESSION_DONE)
        keep_pending(d, key_id, &pub, &nc, st, share, res);
    wf_machine_free(m);
}

/* The run a commit or drop start names (its record field's head). */
static const char *run_of(const wf_control_start *st, wf_reshare_digests *run)
{
    if (st->record_len < WF_RESHARE_RUN_BYTES)
        return "no reshare run named in the start";
    memcpy(run->old, st->record, WF_ID_BYTES);
    memcpy(run->new, st->record + WF_ID_BYTES, WF_ID_BYTES);
    return NULL;
}

/* NULL when st->record names a run and holds every new member's
 * attestation of it; else why not. */
static const char *attested(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_control_start *st,
                            const wf_committee *nc, wf_reshare_digests *run)
{
    uint8_t msg[32];
    const uint8_t *p = st->record + WF_RESHARE_RUN_BYTES;
    if (st->record_len < WF_RESHARE_RUN_BYTES + 1 || run_of(st, run) != NULL)
        return "no attestations of the new committee in the retire start";
    size_t count = p[0];
    if (st->record_len != WF_RESHARE_RUN_BYTES + 1 + count * (1 + WF_RESHARE_ATTEST_BYTES))
        return "malformed attestations in the retire start";
    wf_reshare_attest_msg(msg, key_id, run->old, run->new, st->request, st->request_len);
    wf_member_set seen = 0;
    p++;
    for (size_t i = 0; i < count; i++, p += 1 + WF_RESHARE_ATTEST_BYTES) {
        uint32_t node = p[0];
        if (node >= d->n || !(nc->nodes & WF_SET_BIT(node)) ||
            crypto_sign_verify_detached(p + 1, msg, sizeof msg, d->cluster->members[node].pub.identity_pk) !=
                0)
            return "an attestation of the new committee does not verify";
        seen |= WF_SET_BIT(node);
    }
    return seen == nc->nodes ? NULL : "not every member of the new committee attests the reshare";
}

/* A "reshare-attest" start: this new member's attestation of the run it
 * keeps pending (or committed) for the request. */
static void run_attest(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_control_start *st,
                       wf_control_result *res)
{
    wf_reshare_request r;
    wf_committee nc;
    wf_store_request req;
    wf_reshare_digests run;
    const char *why = request_of(d, key_id, st, &r, &nc, 1);
    if (why == NULL && nc.member[d->self] == WF_COMMITTEE_NONE)
        why = "this node is not in the key's new committee";
    if (why != NULL)
        return refuse(res, why);
    wf_reshare_request_record(&req, &r, st->request, st->request_len);
    wf_reshare_state state = wf_reshare_local(d, key_id, &req, &run);
    if (state != WF_RESHARE_PENDING && state != WF_RESHARE_COMMITTED)
        return refuse(res, wf_reshare_state_str(state));
    res->outcome = state == WF_RESHARE_COMMITTED ? WF_OUTCOME_ALREADY : WF_OUTCOME_DONE;
    attest(d, key_id, &run, st, res);
}

static void audit_commit(wf_daemon *d, uint32_t coordinator, const uint8_t key_id[WF_ID_BYTES],
                         const wf_committee *nc, int kept)
{
    char kid[2 * WF_ID_BYTES + 1], com[WF_MAX_MEMBERS * 6 + 1];
    wf_hex(kid, key_id, WF_ID_BYTES);
    wf_committee_nodes_str(nc, com, sizeof com);
    wf_daemon_audit(d, "reshare", "key=%s committee=%s threshold=%u committed by %s: this node %s", kid, com,
                    nc->t, d->cluster->members[coordinator].pub.name,
                    kept ? "holds its new share" : "left the committee: its share is deleted");
}

/* A "retire" start: the commit of one run every new member attested. */
static void run_commit(wf_daemon *d, uint32_t coordinator, const uint8_t key_id[WF_ID_BYTES],
                       const wf_control_start *st, wf_control_result *res)
{
    wf_reshare_request r;
    wf_committee nc;
    wf_store_request req;
    wf_reshare_digests run, mine;
    const char *why = request_of(d, key_id, st, &r, &nc, 1);
    if (why == NULL)
        why = attested(d, key_id, st, &nc, &run);
    if (why != NULL)
        return refuse(res, why);
    wf_reshare_request_record(&req, &r, st->request, st->request_len);
    wf_reshare_state state = wf_reshare_local(d, key_id, &req, &mine);
    int stays = nc.member[d->self] != WF_COMMITTEE_NONE;
    wf_node_key *k = wf_node_key_find(d, key_id);
    if (state == WF_RESHARE_COMMITTED || (!stays && k == NULL && state == WF_RESHARE_NONE)) {
        res->outcome = WF_OUTCOME_ALREADY;
        return;
    }
    if (state == WF_RESHARE_REUSED || state == WF_RESHARE_UNREADABLE)
        return refuse(res, wf_reshare_state_str(state));
    uint8_t rec[WF_STORE_SIG_BYTES] = {0};
    memcpy(rec, run.old, WF_ID_BYTES);
    memcpy(rec + WF_ID_BYTES, run.new, WF_ID_BYTES);
    wf_err err;
    if (stays) {
        if (state != WF_RESHARE_PENDING || memcmp(&mine, &run, sizeof run) != 0)
            return refuse(res, "this node keeps no pending share of the reshare run named");
        if (crashes_before(d, WF_RESHARE_CRASH_BEFORE_COMMIT, res))
            return;
        err = wf_node_key_reshare_commit(d, key_id, &req, rec, WF_REFRESH_DRAIN_MS, &why);
    } else {
        uint8_t cur[WF_ID_BYTES];
        if (k != NULL &&
            (wf_key_public_digest(&k->share->pub, cur) != WF_OK || memcmp(cur, run.old, WF_ID_BYTES) != 0))
            return refuse(res, "the reshare named was not dealt from this node's share of the key");
        err = wf_node_key_reshare_leave(d, key_id, &req, rec, WF_REFRESH_DRAIN_MS, &why);
    }
    if (err != WF_OK) {
        wf_daemon_log(d, "a reshare's commit failed here: %s (%s)", why, wf_store_last_error());
        return refuse(res, why);
    }
    audit_commit(d, coordinator, key_id, &nc, stays);
    res->outcome = WF_OUTCOME_DONE;
}

/* A "reshare-drop" start: the coordinator could not commit the run named
 * (not every new member attested it), so this node's pending share of it
 * goes; the current share was never touched. */
static void run_drop(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_control_start *st,
                     wf_control_result *res)
{
    wf_reshare_request r;
    wf_committee nc;
    wf_store_request req;
    wf_reshare_digests run, mine;
    const char *why = request_of(d, key_id, st, &r, &nc, 1);
    if (why == NULL)
        why = run_of(st, &run);
    if (why != NULL)
        return refuse(res, why);
    wf_reshare_request_record(&req, &r, st->request, st->request_len);
    if (wf_reshare_local(d, key_id, &req, &mine) != WF_RESHARE_PENDING ||
        memcmp(&mine, &run, sizeof run) != 0) {
        res->outcome = WF_OUTCOME_ALREADY;
        return;
    }
    if (wf_store_key_pending_drop(d->store, key_id) != WF_OK)
        return refuse(res, "the pending share could not be dropped");
    res->outcome = WF_OUTCOME_DONE;
}

int wf_reshare_is_protocol(const char *protocol)
{
    return strcmp(protocol, "reshare") == 0 || strcmp(protocol, "reshare-attest") == 0 ||
           strcmp(protocol, "retire") == 0 || strcmp(protocol, "reshare-drop") == 0;
}

void wf_reshare_member_run(wf_daemon *d, uint32_t coordinator, const uint8_t key_id[WF_ID_BYTES],
                           const uint8_t start_id[WF_ID_BYTES], const wf_control_start *st,
                           wf_control_result *res, wf_member_extra *extra)
{
    if (strcmp(st->protocol, "reshare") == 0)
        run_reshare(d, key_id, start_id, st, res, extra);
    else if (strcmp(st->protocol, "reshare-attest") == 0)
        run_attest(d, key_id, st, res);
    else if (strcmp(st->protocol, "retire") == 0)
        run_commit(d, coordinator, key_id, st, res);
    else
        run_drop(d, key_id, st, res);
}
