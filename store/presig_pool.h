/* The node's presignatures, pooled per (key, signing set).
 *
 * A presignature may serve one signature only (DESIGN §5): taking it deletes
 * it and records it as used, in the same synced write batch that marks the
 * request it serves as pending — before the caller computes and sends its
 * partial signature. After a crash at any point a presignature is either
 * still in the pool or recorded as used, and a used one can never be added
 * or taken again.
 *
 * A signing set is a bit mask of member indices; a presignature is named by
 * the session id of the presign run that made it (the same on every member
 * of the set, so the coordinator names one and everyone takes that one). */
#ifndef WF_STORE_PRESIG_POOL_H
#define WF_STORE_PRESIG_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "store/keys.h"
#include "store/requests.h"
#include "store/store.h"

/* Adds a presignature made by a presign run that began when the key was at
 * `generation` (wf_store_key.generation). WF_ERR_NOT_FOUND if the key is not
 * stored; WF_ERR_CONFLICT if the key has been replaced since (a refresh
 * finished while the presign ran: its presignature is of the old shares) or
 * the presignature was used; WF_ERR_EXISTS if it is pooled already. */
wf_err wf_store_presig_add(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], uint64_t generation,
                           uint64_t signers, const uint8_t presig_id[WF_STORE_ID_BYTES],
                           const wf_store_blob *presig);
/* How many unexpired presignatures of (key, signers) are pooled. */
wf_err wf_store_presig_count(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], uint64_t signers, size_t *n);
/* Names a pooled presignature of (key, signers), the oldest added;
 * WF_ERR_NOT_FOUND if the pool is empty. */
wf_err wf_store_presig_pick(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], uint64_t signers,
                            uint8_t presig_id[WF_STORE_ID_BYTES]);
/* Up to max pooled presignature ids of the signing set, oldest first (a
 * coordinator serving several requests at once skips the ones it reserved). */
wf_err wf_store_presig_pick_n(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], uint64_t signers,
                             uint8_t (*ids)[WF_STORE_ID_BYTES], size_t max, size_t *n);
/* Takes presig_id for req: removes it from the pool, records it as used by
 * req, marks req pending and counts one more attempt for it, and advances
 * the node's take counter, in one synced batch; then returns the
 * presignature in out and the counter's new value in *take_count (may be
 * NULL).
 *
 * WF_ERR_CONFLICT if the presignature was already used (by any request), or
 * req's id is known with another digest, or req has already consumed
 * WF_STORE_REQUEST_MAX_ATTEMPTS presignatures (a retry after a crash needs a
 * fresh one; more would let one client request buy many signatures);
 * WF_ERR_EXISTS if req is already signed (look it up instead);
 * WF_ERR_NOT_FOUND if no such presignature. Nothing changes on any error.
 *
 * The take counter only ever grows. The store cannot stop someone with write
 * access to its disk from putting back old records (RocksDB keeps deleted
 * values in its files until compaction; a VM snapshot keeps everything), so
 * the node sends the counter with its partial signatures and peers refuse a
 * node whose counter goes backwards: that is what makes a rolled-back
 * presignature useless. */
wf_err wf_store_presig_take(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], uint64_t signers,
                            const uint8_t presig_id[WF_STORE_ID_BYTES], const wf_store_request *req,
                            wf_store_blob *out, uint64_t *take_count);
/* The node's take counter (0 before the first take). */
wf_err wf_store_take_count(wf_store *s, uint64_t *take_count);
/* 1 if presig_id of the key was used, 0 if not, negative on error. */
int wf_store_presig_used(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES],
                         const uint8_t presig_id[WF_STORE_ID_BYTES]);

/* Pools of a key: up to max (signers, count) pairs, in signer-mask order. */
typedef struct wf_store_pool_depth {
    uint64_t signers;
    size_t count;
} wf_store_pool_depth;
wf_err wf_store_presig_pools(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], wf_store_pool_depth *out,
                             size_t max, size_t *n);

/* Presignature lifetime (DESIGN §3 pool policy): a presignature added more
 * than ttl_ms ago is expired (0, the default: never). This is the one place
 * expiry is decided: an expired presignature is not counted, listed or
 * picked (pick and pick_n also pass over one that expires within
 * WF_STORE_PRESIG_PICK_MARGIN_MS, or half the lifetime if that is shorter,
 * so that a signature started with it does not find it expired at a member)
 * and wf_store_presig_take refuses it (WF_ERR_NOT_FOUND, as if it were gone;
 * nothing changes). wf_store_presig_expire removes them. Set it once, before
 * other threads use the store. */
#define WF_STORE_PRESIG_PICK_MARGIN_MS 60000u
void wf_store_presig_set_ttl(wf_store *s, uint64_t ttl_ms);

/* Drops presignatures of the key added before the given time (0 = all);
 * *dropped (may be NULL) counts them. Synced. */
wf_err wf_store_presig_expire(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], uint64_t before_ms,
                              size_t *dropped);

#endif
