/* A node's part in resharing a key (node/reshare_run.h). Every party checks
 * the client's ReshareRequest itself — signature, expiry, the policy's
 * permission, the key it names — and that the session's parties are the
 * dealers the coordinator names (an authorised set of the key's current
 * committee) plus the new committee, before it deals or receives. The reshare
 * machine binds the session to the current public record and every
 * parameter, so parties given different ones never complete together. A new
 * member that holds no share takes the current public record from the
 * SessionStart: a forged one gives another session, which the honest dealers
 * never join. On DONE a new member stores its new share (the old one replaced
 * in one synced batch, aux record and presignatures dropped) and a dealer
 * that leaves deletes everything of the key; on an abort nothing changes. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "node/refresh.h"
#include "node/reshare_run.h"
#include "crypto/hash.h"
#include "protocol/record.h"
#include "protocol/reshare.h"

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

/* The checked request of a start and its new committee; NULL or why not. */
static const char *request_of(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_control_start *st,
                              wf_reshare_request *r, wf_committee *nc)
{
    const char *why = NULL;
    if (wf_reshare_request_decode(r, st->request, st->request_len) != WF_OK)
        return "malformed reshare request";
    if ((why = wf_member_reshare_denied(d, r, wf_daemon_now_ms())) != NULL)
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

void wf_reshare_attest_msg(uint8_t out[32], const uint8_t key_id[WF_ID_BYTES],
                           const uint8_t old_digest[WF_ID_BYTES], const uint8_t *request, size_t request_len)
{
    static const char tag[] = "warifu/reshare-done/v1";
    uint8_t buf[sizeof tag + 2 * WF_ID_BYTES + WF_SHA256_BYTES];
    memcpy(buf, tag, sizeof tag);
    memcpy(buf + sizeof tag, key_id, WF_ID_BYTES);
    memcpy(buf + sizeof tag + WF_ID_BYTES, old_digest, WF_ID_BYTES);
    wf_sha256(buf + sizeof tag + 2 * WF_ID_BYTES, request, request_len);
    wf_sha256(out, buf, sizeof buf);
}

/* A new member's attestation (node/reshare_run.h) into res->sig. */
static void attest(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_key_public *old,
                   const wf_control_start *st, wf_control_result *res)
{
    uint8_t digest[WF_ID_BYTES], msg[32];
    if (wf_key_public_digest(old, digest) != WF_OK)
        return;
    wf_reshare_attest_msg(msg, key_id, digest, st->request, st->request_len);
    crypto_sign_detached(res->sig, NULL, msg, sizeof msg, d->id.identity_sk);
    res->has_sig = 1;
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
                    com, nc->t, kept ? "holds a new share" : "left the committee: its share is deleted");
}

void wf_member_reshare(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const uint8_t start_id[WF_ID_BYTES],
                       const wf_control_start *st, wf_control_result *res, wf_member_extra *extra)
{
    wf_reshare_request r;
    wf_committee nc;
    wf_key_public pub;
    wf_reshare_params p;
    const char *why = request_of(d, key_id, st, &r, &nc);
    wf_node_key *k = wf_node_key_find(d, key_id);
    if (why == NULL)
        why = current_record(key_id, st, k, &pub);
    if (why == NULL)
        why = params_of(d, st, k, &pub, &nc, &p);
    char buf[WF_CONTROL_REASON_MAX];
    if (why == NULL && k != NULL) { /* node/refresh.h, "Reshare" */
        int kept = wf_refresh_prev_kept(d, key_id);
        if (kept != 0)
            why = kept < 0 ? "the store cannot say whether a refresh of the key is unconfirmed"
                           : WF_RESHARE_PREV_KEPT;
        else
            why = wf_refresh_stamp_mismatch(k, st, buf, sizeof buf);
    }
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
    if (rr.status == WF_SESSION_DONE && wf_reshare_result(m, &share) != WF_OK) {
        refuse(res, "reshare finished without a result");
    } else if (rr.status == WF_SESSION_DONE) {
        int kept = share != NULL;
        if (wf_node_key_reshared(d, key_id, share) != WF_OK) {
            refuse(res,
                   kept ? "the new key share could not be stored" : "the old key share could not be deleted");
            wf_daemon_log(d, "storing a reshare's outcome failed: %s", wf_store_last_error());
        } else {
            audit_done(d, key_id, &nc, st, kept);
            if (kept)
                attest(d, key_id, &pub, st, res);
        }
    }
    wf_machine_free(m);
}

/* NULL when st->record holds every new member's attestation of a reshare
 * dealt from this node's current record of the key; else why not. */
static const char *attested(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_node_key *k,
                            const wf_control_start *st, const wf_committee *nc)
{
    uint8_t mine[WF_ID_BYTES], msg[32];
    const uint8_t *p = st->record;
    if (st->record_len < WF_ID_BYTES + 1 || wf_key_public_digest(&k->share->pub, mine) != WF_OK)
        return "no attestations of the new committee in the retire start";
    if (memcmp(p, mine, WF_ID_BYTES) != 0)
        return "the reshare named was not dealt from this node's share of the key";
    size_t count = p[WF_ID_BYTES];
    if (st->record_len != WF_ID_BYTES + 1 + count * (1 + WF_RESHARE_ATTEST_BYTES))
        return "malformed attestations in the retire start";
    wf_reshare_attest_msg(msg, key_id, mine, st->request, st->request_len);
    wf_member_set seen = 0;
    p += WF_ID_BYTES + 1;
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

void wf_member_retire(wf_daemon *d, uint32_t coordinator, const uint8_t key_id[WF_ID_BYTES],
                      const wf_control_start *st, wf_control_result *res)
{
    wf_reshare_request r;
    wf_committee nc;
    if (coordinator == d->self) { /* the coordinator stays in the new committee */
        res->outcome = WF_OUTCOME_DONE;
        return;
    }
    const char *why = request_of(d, key_id, st, &r, &nc);
    if (why != NULL)
        return refuse(res, why);
    if (nc.member[d->self] != WF_COMMITTEE_NONE)
        return refuse(res, "this node is in the key's new committee");
    wf_node_key *k = wf_node_key_find(d, key_id);
    if (k == NULL) {
        res->outcome = WF_OUTCOME_ALREADY;
        return;
    }
    if ((why = attested(d, key_id, k, st, &nc)) != NULL)
        return refuse(res, why);
    if (wf_node_key_reshared(d, key_id, NULL) != WF_OK) {
        wf_daemon_log(d, "deleting a removed key share failed: %s", wf_store_last_error());
        return refuse(res, "the old key share could not be deleted");
    }
    char kid[2 * WF_ID_BYTES + 1], com[WF_MAX_MEMBERS * 6 + 1];
    wf_hex(kid, key_id, WF_ID_BYTES);
    wf_committee_nodes_str(&nc, com, sizeof com);
    wf_daemon_audit(d, "reshare",
                    "key=%s committee=%s threshold=%u this node left the committee (retired by %s): "
                    "its share is deleted",
                    kid, com, nc.t, d->cluster->members[coordinator].pub.name);
    res->outcome = WF_OUTCOME_DONE;
}
