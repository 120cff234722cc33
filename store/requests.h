/* Signing requests the node has served (DESIGN §4): request_id → what was
 * asked and the signature given, so that a repeated request gets the same
 * signature and a request_id reused for anything else is refused. */
#ifndef WF_STORE_REQUESTS_H
#define WF_STORE_REQUESTS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define WF_STORE_REQUEST_ID_MAX 64
#define WF_STORE_DIGEST_BYTES   32
#define WF_STORE_SIG_BYTES      65 /* r ‖ s ‖ recovery id */
/* presignatures one request may consume: the first, and retries after a
 * coordinator crashed mid-signature */
#define WF_STORE_REQUEST_MAX_ATTEMPTS 3

typedef struct wf_store_request {
    uint8_t id[WF_STORE_REQUEST_ID_MAX];
    size_t id_len; /* 1..WF_STORE_REQUEST_ID_MAX */
    /* a hash of everything else the request names (key id, derivation path):
     * a reused id must repeat it and the digest exactly */
    uint8_t context[32];
    uint8_t digest[WF_STORE_DIGEST_BYTES];
} wf_store_request;

typedef enum {
    WF_REQUEST_NEW = 0, /* never seen */
    WF_REQUEST_PENDING, /* a presignature was consumed for it, no signature yet */
    WF_REQUEST_DONE,    /* signed: sig holds the signature */
} wf_store_request_state;

/* The state of req's id. WF_ERR_CONFLICT if the id is known with another
 * context or digest. sig (may be NULL) receives the signature when DONE;
 * attempts (may be NULL) how many presignatures it consumed. */
wf_err wf_store_request_lookup(wf_store *s, const wf_store_request *req, wf_store_request_state *state,
                               uint8_t sig[WF_STORE_SIG_BYTES], unsigned *attempts);
/* Records req as signed with sig (synced). A second call with the same
 * signature is a no-op; with another signature, WF_ERR_CONFLICT (the first
 * stays). The request need not have consumed a presignature here (a node
 * that only forwards a coordinator's result records it too). */
wf_err wf_store_request_finish(wf_store *s, const wf_store_request *req, const uint8_t sig[WF_STORE_SIG_BYTES]);

#endif
