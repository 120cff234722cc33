/* What the client API asks of the coordinator (node/coordinator.c). Internal
 * to warifud, like node/daemon_internal.h. */
#ifndef WF_NODE_COORDINATOR_H
#define WF_NODE_COORDINATOR_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/ecdsa.h"
#include "node/daemon_internal.h"
#include "protocol/client_request.h"

/* The ClientErrorCode values of protocol/proto/client.proto. */
typedef enum {
    WF_CLIENT_OK = 0,
    WF_CLIENT_BAD_REQUEST = 1,
    WF_CLIENT_UNAUTHENTICATED = 2,
    WF_CLIENT_EXPIRED = 3,
    WF_CLIENT_DENIED = 4,
    WF_CLIENT_NOT_FOUND = 5,
    WF_CLIENT_CONFLICT = 6,
    WF_CLIENT_UNAVAILABLE = 7,
    WF_CLIENT_ABORTED = 8,
    WF_CLIENT_INTERNAL = 9,
    WF_CLIENT_SHUTTING_DOWN = 10,
} wf_client_code;

/* Writes the message to why and returns code. */
wf_client_code wf_client_fail(char *why, size_t cap, wf_client_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The answer to a request a member's check refused for the reason denied
 * (a client_request.h verdict or a policy refusal): UNAUTHENTICATED for a
 * bad signature, EXPIRED for an expiry, else DENIED; the reason in why. */
wf_client_code wf_client_denied(char *why, size_t cap, const char *denied);

typedef struct wf_coord_sign_out {
    wf_ecdsa_sig sig;      /* verified, low-s, with its recovery id */
    wf_point pub;          /* the (derived) key it verifies under */
    wf_member_set signers; /* the quorum that signed */
    int cold;              /* a presign ran for this request */
    char why[256];         /* on failure */
} wf_coord_sign_out;

/* Signs r, whose client signature, expiry and policy the caller checked. */
wf_client_code wf_coord_sign(wf_daemon *d, const wf_sign_request *r, wf_coord_sign_out *out);

/* Runs keygen and aux-info for r among every member (or only what is left
 * of them), after checking r; key_id gets the key's id. */
wf_client_code wf_coord_keygen(wf_daemon *d, const wf_keygen_request *r, uint8_t key_id[WF_ID_BYTES],
                               char *why, size_t why_cap);

/* wf_coord_run, telling our own part that the policy was applied already. */
void wf_coord_run_ex(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], wf_control_start *st,
                     int policy_checked, wf_coord_outcome *out);

#endif
