/* The daemon's control messages (protocol/proto/control.proto): a
 * coordinator's SessionStart asking a member to run one protocol session, and
 * the member's SessionResult. Both travel in a signed Envelope with protocol
 * "control" (round 1: start, round 2: result), so they are authenticated like
 * every protocol message. Pure encoding and checking: no I/O. */
#ifndef WF_NODE_CONTROL_H
#define WF_NODE_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/birkhoff.h"
#include "crypto/err.h"
#include "protocol/envelope.h"

#define WF_CONTROL_PROTOCOL     "control"
#define WF_CONTROL_ROUND_START  1u
#define WF_CONTROL_ROUND_RESULT 2u
#define WF_CONTROL_REQUEST_MAX  512 /* an encoded SignRequest, KeygenRequest or ReshareRequest */
#define WF_CONTROL_RECORD_MAX   8192 /* a key's public record (64 members: about 7 KiB) */
#define WF_CONTROL_REASON_MAX   160
#define WF_CONTROL_SIG_BYTES    65 /* r ‖ s ‖ v */

typedef struct wf_control_start {
    char protocol[WF_PROTOCOL_NAME_MAX]; /* "keygen", "aux-info", "presign", "sign", "refresh",
                                            "refresh-confirm" */
    size_t n;
    uint32_t parties[WF_MAX_MEMBERS]; /* strictly ascending */
    uint64_t issued_ms;
    size_t request_len;
    uint8_t request[WF_CONTROL_REQUEST_MAX];
    int has_presig;
    uint8_t presig_id[WF_ID_BYTES];
    /* presign, sign: the coordinator's key state (SHA-256 of its share
     * generation's commitments, node/refresh_state.h); refresh: the state to
     * refresh from; refresh-confirm: the state every member committed */
    int has_key_state;
    uint8_t key_state[WF_ID_BYTES];
    uint64_t key_generation;
    size_t record_len; /* reshare: the key's public record (protocol/record.h) */
    uint8_t record[WF_CONTROL_RECORD_MAX];
    size_t n_dealers; /* reshare: the dealing quorum (node indices, ascending) */
    uint32_t dealers[WF_MAX_MEMBERS];
} wf_control_start;

typedef enum {
    WF_OUTCOME_DONE = 0,
    WF_OUTCOME_ABORTED = 1,
    WF_OUTCOME_REFUSED = 2,
    WF_OUTCOME_ALREADY = 3,
} wf_outcome;

typedef struct wf_control_result {
    wf_outcome outcome;
    uint32_t culprit; /* WF_CULPRIT_NONE when not an abort or unknown */
    char reason[WF_CONTROL_REASON_MAX];
    int has_sig;
    uint8_t sig[WF_CONTROL_SIG_BYTES];
    uint64_t take_count;
} wf_control_result;

#define WF_CULPRIT_NONE UINT32_MAX

/* Where an envelope goes: the cluster, key and session (start id), and the
 * sender and the one recipient. */
typedef struct wf_control_addr {
    const uint8_t *cluster_id;
    const uint8_t *key_id;
    const uint8_t *session_id;
    uint32_t from, to;
} wf_control_addr;

wf_err wf_control_seal_start(uint8_t **out, size_t *len, const wf_control_addr *a, const wf_control_start *st,
                             const uint8_t *identity_sk);
wf_err wf_control_seal_result(uint8_t **out, size_t *len, const wf_control_addr *a, const wf_control_result *r,
                              const uint8_t *identity_sk);

/* Decodes the payload of an opened control envelope (round 1 or 2). Strict:
 * unknown fields, a protocol name other than the known ones (PROTOCOLS in control.c), parties not strictly
 * ascending or out of range (>= members), oversized requests, ids or
 * signatures of the wrong size are refused with *why set. */
wf_err wf_control_decode_start(wf_control_start *st, const uint8_t *payload, size_t len, uint32_t members,
                               const char **why);
wf_err wf_control_decode_result(wf_control_result *r, const uint8_t *payload, size_t len, const char **why);

const char *wf_outcome_str(wf_outcome o);

#endif
