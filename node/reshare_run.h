/* Resharing a key to a new committee in warifud (protocol/reshare.h): the
 * member side (reshare_member.c: run the "reshare" session, store the new
 * share or delete the old one; "retire" a member the reshare removed) and the
 * coordinator side (reshare_coord.c: choose the dealers, run the reshare, then
 * aux-info among the new committee, then retire the removed members).
 * Internal to warifud (node/daemon_internal.h). */
#ifndef WF_NODE_RESHARE_RUN_H
#define WF_NODE_RESHARE_RUN_H

#include "node/coordinator.h"
#include "node/daemon_internal.h"

/* The refusal of a reshare while a refresh of the key is unconfirmed here
 * (node/refresh.h, "Reshare"). */
#define WF_RESHARE_PREV_KEPT                                                                                 \
    "a refresh of this key is not confirmed by every member (a previous generation is kept): run a refresh " \
    "of the key to success first, then reshare"

/* NULL when the policy lets this client reshare keys (a known client
 * allowed every key) and its signature and expiry check, else why not. */
const char *wf_member_reshare_denied(const wf_daemon *d, const wf_reshare_request *r, uint64_t now_ms);

/* Our part of a "reshare" session (st->request: the client's ReshareRequest;
 * st->dealers: the dealing quorum; st->record: the key's public record for a
 * new member that holds none). */
void wf_member_reshare(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const uint8_t start_id[WF_ID_BYTES],
                       const wf_control_start *st, wf_control_result *res, wf_member_extra *extra);

/* A "retire" start: the client's ReshareRequest moved the key to a committee
 * without this node, so its share, aux record and presignatures are deleted.
 * The coordinator's own part is a no-op. */
void wf_member_retire(wf_daemon *d, uint32_t coordinator, const uint8_t key_id[WF_ID_BYTES],
                      const wf_control_start *st, wf_control_result *res);

/* A new member's attestation that it stored its share of a reshare: an
 * Ed25519 signature by its node identity over "warifu/reshare-done/v1" ‖ key
 * id ‖ the digest of the record the reshare dealt from ‖ SHA-256 of the
 * encoded request. A "retire" start carries every new member's (its record
 * field: that digest ‖ count ‖ count × (node index ‖ signature)); the member
 * retiring checks them all and that the digest is its own current record's,
 * so a retire replayed from an earlier reshare deletes nothing. */
#define WF_RESHARE_ATTEST_BYTES 64
void wf_reshare_attest_msg(uint8_t out[32], const uint8_t key_id[WF_ID_BYTES],
                           const uint8_t old_digest[WF_ID_BYTES], const uint8_t *request, size_t request_len);

/* The client's ReshareRequest, as the coordinator: the key moves to the
 * new committee and is ready to sign there (aux-info ran) on WF_CLIENT_OK. */
wf_client_code wf_coord_reshare(wf_daemon *d, const wf_reshare_request *r, char *why, size_t why_cap);

#endif
