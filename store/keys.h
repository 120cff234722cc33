/* Key shares and Paillier (aux) keys in the store.
 *
 * The store does not know the protocol's encodings: a key's public record
 * and an aux record are opaque bytes made by protocol/record.c. What the
 * store does know is enough to check a share on its own — the member's
 * position, the key's Feldman commitments and the share's public point — so
 * that it refuses to keep a share that does not match its key, and backups
 * (store/backup.c) can be verified without the protocol layer. */
#ifndef WF_STORE_KEYS_H
#define WF_STORE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/birkhoff.h"
#include "crypto/point.h"
#include "crypto/scalar.h"
#include "store/requests.h"
#include "store/store.h"

/* Public bytes (malloc) and secret bytes (wf_secure_alloc), as the caller's
 * codec made them. */
typedef struct wf_store_blob {
    uint8_t *pub;
    size_t pub_len;
    uint8_t *sec;
    size_t sec_len;
} wf_store_blob;

/* Frees pub and wipes and frees sec; the struct itself is the caller's. */
void wf_store_blob_clear(wf_store_blob *b);

/* What proves a share belongs to its key: s·G = X_self and X_self is the
 * point the commitments give member (x, rank). */
typedef struct wf_store_share_check {
    uint32_t index;   /* this node's member index in the key */
    wf_member member; /* its identifier and rank */
    uint32_t t;       /* number of commitments */
    wf_point commitments[WF_MAX_MEMBERS];
    wf_point share_point; /* X_self */
} wf_store_share_check;

/* The check's encoding, the head of a keys record and the public part of a
 * backup entry:
 *   be32 index ‖ x(32) ‖ be32 rank ‖ be32 t ‖ t × C_k(33) ‖ X_self(33) */
#define WF_STORE_SHARE_CHECK_MAX_BYTES (4 + WF_SCALAR_BYTES + 4 + 4 + (WF_MAX_MEMBERS + 1) * WF_POINT_BYTES)
/* Writes the encoding of c into out (room for WF_STORE_SHARE_CHECK_MAX_BYTES)
 * and returns its length; 0 if c cannot be encoded (t out of range, or a
 * point at infinity, which has no wire form). */
size_t wf_store_share_check_encode(uint8_t *out, const wf_store_share_check *c);
/* The fields of a check's encoding that need no curve arithmetic, for
 * reading many records cheaply before decoding any (backups). */
typedef struct wf_store_share_check_view {
    uint32_t index, rank, t;
    const uint8_t *commitments; /* into the input: t × 33 bytes, not yet parsed as points */
    size_t len;                 /* of the whole encoding */
} wf_store_share_check_view;
/* Reads the view of the check at the start of in; WF_ERR_ENCODING for a bad
 * shape. wf_store_share_check_decode accepts no more than this does. */
wf_err wf_store_share_check_scan(wf_store_share_check_view *v, const uint8_t *in, size_t len);
/* Decodes a check from the start of in (len bytes available); *used gets the
 * length of its encoding. WF_ERR_ENCODING for a bad shape, identifier or
 * point. */
wf_err wf_store_share_check_decode(wf_store_share_check *c, const uint8_t *in, size_t len, size_t *used);

typedef struct wf_store_key {
    uint8_t key_id[WF_STORE_ID_BYTES];
    /* set by the store: 1 when put, +1 by every replace (refresh, reshare);
     * presignatures are added under the generation their presign began with */
    uint64_t generation;
    wf_store_share_check check;
    wf_store_blob record; /* pub: the key's public record; sec: the 32-byte share */
} wf_store_key;

/* WF_OK iff k is well formed (index, identifier, rank < t) and the 32-byte
 * share in k->record.sec matches k->check. */
wf_err wf_store_key_check(const wf_store_key *k);
/* SHA-256 over the encoded commitments: the "commitments hash" of manifests. */
wf_err wf_store_key_commitments_hash(const wf_store_key *k, uint8_t out[32]);

/* Stores a new key (checked first); WF_ERR_EXISTS if the key id is taken. */
wf_err wf_store_key_put(wf_store *s, const wf_store_key *k);
/* Loads a key into a new wf_store_key (free with wf_store_key_free). */
wf_err wf_store_key_get(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], wf_store_key **out);
void wf_store_key_free(wf_store_key *k);
/* Every key id, in order, into a malloc array of *n ids. */
wf_err wf_store_key_list(wf_store *s, uint8_t (**ids)[WF_STORE_ID_BYTES], size_t *n);

/* The key's Paillier/ring-Pedersen record (opaque pub and sec), stored
 * once after aux-info: the key must exist, and WF_ERR_EXISTS if it has an aux
 * record already (a new one comes only with wf_store_key_replace). */
wf_err wf_store_aux_put(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], const wf_store_blob *aux);
wf_err wf_store_aux_get(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], wf_store_blob *out);

/* Replaces a key's share and (if aux is not NULL) its aux record, bumps its
 * generation and drops every pooled presignature of the key, in one synced
 * batch: after a crash the node holds either the old state or the new one,
 * never a mix. Used by refresh and reshare. The key must exist and keep its
 * public key (commitments[0]): WF_ERR_CONFLICT otherwise, so a faulty
 * protocol run cannot overwrite the node's only copy of a share with one of
 * another key. Afterwards the affected column families are compacted so the
 * old sealed share and presignatures leave the disk files as far as RocksDB
 * allows. */
wf_err wf_store_key_replace(wf_store *s, const wf_store_key *k, const wf_store_blob *aux);

/* A refresh's commit, with a way back (node/refresh_member.c): replaces the
 * key's share and aux record with k and aux and drops every pooled
 * presignature of the key, like wf_store_key_replace, and in the same synced
 * batch keeps the generation the refresh started from sealed as the key's
 * previous generation: the current record when from_prev is 0 (it becomes
 * the previous one), the kept previous one when from_prev is 1 (it stays).
 * So a member whose peers did not all commit can take part in a rerun from
 * that generation. The new record's generation is the base's + 1.
 * WF_ERR_NOT_FOUND without the key (or, from_prev, without a previous
 * generation); WF_ERR_CONFLICT if k has another public key. */
wf_err wf_store_key_refresh(wf_store *s, const wf_store_key *k, const wf_store_blob *aux, int from_prev);
/* The kept previous generation: its key record (free with
 * wf_store_key_free) and aux record (clear with wf_store_blob_clear).
 * WF_ERR_NOT_FOUND when none is kept. */
wf_err wf_store_key_prev_get(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], wf_store_key **key,
                             wf_store_blob *aux);
/* *kept = 1 when a previous generation of the key is kept (nothing is
 * unsealed: for gauges polled often). */
wf_err wf_store_key_prev_kept(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], int *kept);
/* Erases the kept previous generation (synced, then compacted); WF_OK when
 * there is none. Called once every member confirmed the new generation. */
wf_err wf_store_key_prev_drop(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES]);
/* The same for a reshare: the share of a new committee replaces the old one,
 * and the aux record (made for the old committee's members) is dropped with
 * the presignatures; the new committee runs aux-info next. A previous
 * generation kept by a refresh (wf_store_key_refresh) is erased in the same
 * batch: it is a share of the old committee. */
wf_err wf_store_key_replace_committee(wf_store *s, const wf_store_key *k);

/* ---- a reshare's two phases (node/reshare_run.h) ----
 *
 * Phase 1: a member of the new committee keeps the share the reshare dealt
 * it *pending* (keys/<key id>‖"next", sealed like the current record, one
 * synced write) beside whatever it holds now, which stays the key's current
 * record and keeps signing. The tag names the run the share came from:
 * SHA-256 of the client's encoded request ‖ the digest of the public record
 * it was dealt from ‖ the digest of the new public record. Phase 2 (every
 * new member attested a pending share of that run): each new member makes
 * its pending share current, and each removed member deletes the key, one
 * synced batch each that also records the request as done (so a replay of
 * the request is refused). A crash between the phases leaves the node fully
 * old (with or without a pending share), never a mix. */
#define WF_STORE_PENDING_TAG_BYTES 96

/* Keeps k (checked) as the key's pending share with tag, replacing an
 * earlier pending one. WF_ERR_CONFLICT when the node holds the key with
 * another public key (commitments[0]). The current record is untouched. */
wf_err wf_store_key_pending_put(wf_store *s, const wf_store_key *k,
                                const uint8_t tag[WF_STORE_PENDING_TAG_BYTES]);
/* The pending share (free with wf_store_key_free; its generation is 0) and
 * its tag; WF_ERR_NOT_FOUND when none is kept. */
wf_err wf_store_key_pending_get(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], wf_store_key **key,
                                uint8_t tag[WF_STORE_PENDING_TAG_BYTES]);
/* Erases the pending share (synced, compacted); WF_OK when there is none. */
wf_err wf_store_key_pending_drop(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES]);
/* Phase 2 for a member of the new committee, in one synced batch: the
 * pending share becomes the current record (generation: the current one's
 * + 1, or 1 when the node held none), the pending record, the aux record,
 * every pooled presignature and any previous generation a refresh kept are
 * deleted, and req is recorded as done with rec. WF_ERR_NOT_FOUND (nothing
 * changes) without a pending share, WF_ERR_CONFLICT (nothing changes) when
 * req's id is recorded for another request. Compacted afterwards. */
wf_err wf_store_key_pending_commit(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES],
                                   const wf_store_request *req, const uint8_t rec[WF_STORE_SIG_BYTES]);
/* Phase 2 for a member the reshare removed, in one synced batch: the share,
 * aux record, presignatures, previous generation and pending share of the
 * key (whichever exist) are deleted and req is recorded as done with rec.
 * WF_OK even when nothing of the key was held; WF_ERR_CONFLICT (nothing
 * changes) when req's id is recorded for another request. */
wf_err wf_store_key_leave(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], const wf_store_request *req,
                          const uint8_t rec[WF_STORE_SIG_BYTES]);

/* Deletes a key's share, its aux record and every pooled presignature of it
 * in one synced batch, with any previous generation a refresh kept (a member
 * a reshare removed from the key's committee),
 * then compacts as wf_store_key_replace does. WF_ERR_NOT_FOUND if there is no
 * such key (nothing changes). */
wf_err wf_store_key_delete(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES]);

#endif
