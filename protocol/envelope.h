/* Signed envelopes: the unit every protocol state machine sends and receives.
 *
 * An envelope binds a payload to (version, cluster, key, session, protocol,
 * round, sender, recipient, echo) under the sender's Ed25519 identity key.
 * State machines seal what they send and open what they receive, so the
 * evidence behind an abort is always a message its culprit signed. The node
 * additionally checks that `from` is the TLS peer and drops replays. */
#ifndef WF_PROTOCOL_ENVELOPE_H
#define WF_PROTOCOL_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"

#define WF_ENVELOPE_VERSION  1u
#define WF_ID_BYTES          32
#define WF_ECHO_BYTES        32
#define WF_IDENTITY_PK_BYTES 32
#define WF_IDENTITY_SK_BYTES 64
#define WF_SIGNATURE_BYTES   64
#define WF_TO_BROADCAST      UINT32_MAX
#define WF_PROTOCOL_NAME_MAX 16

/* A decoded envelope. payload points into the owning buffer of the opened
 * message (see wf_envelope_open); copy it to keep it. */
typedef struct wf_envelope {
    uint32_t version;
    uint8_t cluster_id[WF_ID_BYTES];
    uint8_t key_id[WF_ID_BYTES];
    uint8_t session_id[WF_ID_BYTES];
    char protocol[WF_PROTOCOL_NAME_MAX];
    uint32_t round;
    uint32_t from;
    uint32_t to; /* WF_TO_BROADCAST for a broadcast */
    int has_echo;
    uint8_t echo[WF_ECHO_BYTES];
    uint8_t *payload;
    size_t payload_len;
    /* SHA-256 of the signed content: equal digests mean the same message,
     * whatever byte encoding carried it */
    uint8_t digest[WF_ECHO_BYTES];
} wf_envelope;

/* Encodes and signs env with the sender's secret key (libsodium's 64-byte
 * Ed25519 form). *out is malloc'ed; the caller frees it. */
wf_err wf_envelope_seal(uint8_t **out, size_t *out_len, const wf_envelope *env, const uint8_t *identity_sk);

/* Decodes bytes, checks the field sizes and the signature under sender_pk
 * (the caller looks the key up by the envelope's `from`, see
 * wf_envelope_peek_from). On success env->payload is a malloc'ed copy the
 * caller frees with wf_envelope_clear. */
wf_err wf_envelope_open(wf_envelope *env, const uint8_t *in, size_t in_len,
                        const uint8_t sender_pk[WF_IDENTITY_PK_BYTES]);
/* Reads `from` without checking anything else, to pick the key for _open. */
wf_err wf_envelope_peek_from(uint32_t *from, const uint8_t *in, size_t in_len);
void wf_envelope_clear(wf_envelope *env);

#endif
