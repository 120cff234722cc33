/* Resharing a key to a new committee in warifud (protocol/reshare.h), in two
 * phases so that no crash and no lost message can lose the key:
 *
 *   1. "reshare": the dealers (an authorised set of the current committee)
 *      and the new committee run the machine; on DONE each new member keeps
 *      its new share *pending* (store/keys.h: sealed, synced, beside its
 *      current share, which keeps signing) and returns its attestation.
 *      Nothing else changes anywhere: a crash or an abort here leaves every
 *      node fully old.
 *   2. "retire" (the commit), only once the coordinator holds every new
 *      member's attestation of one run: sent to every reachable node; each
 *      checks the client's request and all the attestations, then a new
 *      member makes its pending share current and a removed member deletes
 *      the key, each in one synced batch that records the request id.
 *
 * A rerun of the same request (the client's retry, on any node of both
 * committees) finishes an interrupted commit from the durable pending shares:
 * the coordinator asks the new committee for its attestations again
 * ("reshare-attest": a member answers for a pending share of the request, or
 * from its record of the committed request) and sends the commit again;
 * members that committed answer ALREADY, removed members that missed it
 * delete their shares. A run that could not be committed (an attestation
 * missing) is dropped ("reshare-drop") and the rerun deals again. A request
 * recorded as committed is never dealt again (a replay is refused); a pending
 * share of another request blocks new reshares of the key until that request
 * is retried to the end.
 *
 * Member side: reshare_member.c; coordinator side: reshare_coord.c (aux-info
 * of the new committee follows the commit). Internal to warifud
 * (node/daemon_internal.h). */
#ifndef WF_NODE_RESHARE_RUN_H
#define WF_NODE_RESHARE_RUN_H

#include "node/coordinator.h"
#include "node/daemon_internal.h"

/* The refusal of a reshare while a refresh of the key is unconfirmed here
 * (node/refresh.h, "Reshare"). */
#define WF_RESHARE_PREV_KEPT                                                                                 \
    "a refresh of this key is not confirmed by every member (a previous generation is kept): run a refresh " \
    "of the key to success first, then reshare"
/* … and while this node keeps a pending share of another reshare request. */
#define WF_RESHARE_OTHER_PENDING                                                                             \
    "an earlier reshare of this key is not committed here (a pending share of another request is kept): "    \
    "retry that request first"

/* NULL when the policy lets this client reshare keys (a known client
 * allowed every key) and its signature and expiry check, else why not. */
const char *wf_member_reshare_denied(const wf_daemon *d, const wf_reshare_request *r, uint64_t now_ms);

/* The time to check a request's expiry at: now_ms, or for a start that only
 * finishes a run dealt while the request was valid (finishing: a retry that
 * attests, commits or drops) a moment before its expiry — a commit must stay
 * possible after the request expired, or an interrupted one could never end.
 * The client's signature is checked all the same. */
uint64_t wf_reshare_check_time(const wf_reshare_request *r, uint64_t now_ms, int finishing);

/* 1 for the protocols reshare_member.c runs: "reshare", "reshare-attest",
 * "retire" (the commit), "reshare-drop". */
int wf_reshare_is_protocol(const char *protocol);
/* Our part of one of them (wf_member_run's contract; the caller holds the
 * key's lifecycle claim). st->request: the client's ReshareRequest, checked
 * by every node; "reshare": st->dealers, and st->record the key's public
 * record for a new member that holds none; "retire": st->record the run and
 * the attestations (below); "reshare-drop": st->record the run. */
void wf_reshare_member_run(wf_daemon *d, uint32_t coordinator, const uint8_t key_id[WF_ID_BYTES],
                           const uint8_t start_id[WF_ID_BYTES], const wf_control_start *st,
                           wf_control_result *res, wf_member_extra *extra);

/* A run of a reshare: the digests of the public record it dealt from and of
 * the one it made (wf_key_public_digest). A start names one as old ‖ new. */
typedef struct wf_reshare_digests {
    uint8_t old[WF_ID_BYTES];
    uint8_t new[WF_ID_BYTES];
} wf_reshare_digests;
#define WF_RESHARE_RUN_BYTES (2 * WF_ID_BYTES)

/* A new member's attestation that it keeps its share of a run: an Ed25519
 * signature by its node identity over SHA-256("warifu/reshare-done/v2" ‖ key
 * id ‖ old digest ‖ new digest ‖ the request's digest). A commit
 * start's record field: old ‖ new ‖ count ‖ count × (node index ‖
 * signature); every node checks that all the new committee signed, so no
 * commit can mix shares of different runs. */
#define WF_RESHARE_ATTEST_BYTES 64
void wf_reshare_attest_msg(uint8_t out[32], const uint8_t key_id[WF_ID_BYTES],
                           const uint8_t old_digest[WF_ID_BYTES], const uint8_t new_digest[WF_ID_BYTES],
                           const uint8_t *request, size_t request_len);

/* The request store's record of a reshare request: its id, the key as
 * context and the request's digest — SHA-256 of its id, key, new committee
 * and client, not of its expiry or signature, so that a client's re-signed
 * retry is the same request (the same id with another request conflicts). Done at the commit, with old ‖ new digests
 * as its "signature". */
void wf_reshare_request_record(wf_store_request *req, const wf_reshare_request *r, const uint8_t *enc,
                               size_t enc_len);

/* Where this node stands on the request req (wf_reshare_request_record):
 * committed (run: from the request record), a pending share of it (run: from
 * its tag), a pending share of another request, none; or the request id is
 * used by another request, or the store cannot be read. */
typedef enum {
    WF_RESHARE_NONE = 0,
    WF_RESHARE_PENDING,
    WF_RESHARE_COMMITTED,
    WF_RESHARE_OTHER,
    WF_RESHARE_REUSED,
    WF_RESHARE_UNREADABLE,
} wf_reshare_state;
wf_reshare_state wf_reshare_local(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES],
                                  const wf_store_request *req, wf_reshare_digests *run);
/* Why a state other than NONE/PENDING stops a new run (a member's refusal). */
const char *wf_reshare_state_str(wf_reshare_state s);

/* The client's ReshareRequest, as the coordinator: the key moves to the
 * new committee and is ready to sign there (aux-info ran) on WF_CLIENT_OK. */
wf_client_code wf_coord_reshare(wf_daemon *d, const wf_reshare_request *r, char *why, size_t why_cap);

#endif
