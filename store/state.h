/* Small named records of a node's own state (sealed, in the meta column
 * family under "state/<name>"): the policy's daily counters, the highest
 * presignature take counter each peer reported. Each put is one synced
 * write, so what a node acted on survives a crash or restart. */
#ifndef WF_STORE_STATE_H
#define WF_STORE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define WF_STORE_STATE_NAME_MAX 32
#define WF_STORE_STATE_MAX      65536

/* name: 1..WF_STORE_STATE_NAME_MAX of [a-z0-9_-]; value 0..WF_STORE_STATE_MAX bytes. */
wf_err wf_store_state_put(wf_store *s, const char *name, const uint8_t *value, size_t len);
/* *value is malloc'ed (free it); WF_ERR_NOT_FOUND if never put. */
wf_err wf_store_state_get(wf_store *s, const char *name, uint8_t **value, size_t *len);

#endif
