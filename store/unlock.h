/* Inside the store: the key-encryption key (Argon2id of a passphrase, or a
 * 0600 key file) and the data key it wraps in the meta column family. */
#ifndef WF_STORE_UNLOCK_H
#define WF_STORE_UNLOCK_H

#include "store/db.h"

#define WF_UNLOCK_KEK_REC_BYTES (1 + 16 + 8 + 8)
#define WF_UNLOCK_WRAPPED_BYTES (24 + WF_DATA_KEY_BYTES + 16)

/* WF_ERR_ARG unless exactly one of passphrase / key_file is given and the
 * kdf level is one we know. */
wf_err wf_unlock_check(const wf_store_unlock *u);
/* New store, before anything touches the disk: makes a random data key
 * (into data_key, locked) and wraps it under the KEK derived from u. */
wf_err wf_unlock_prepare(const wf_store_unlock *u, uint8_t *data_key, uint8_t rec[WF_UNLOCK_KEK_REC_BYTES],
                         uint8_t wrapped[WF_UNLOCK_WRAPPED_BYTES]);
/* Writes a new store's meta records (format, KEK parameters, wrapped data
 * key, the audit chain's empty head) in one synced batch; s->data_key and
 * s->audit_key must be set. */
wf_err wf_unlock_write(wf_store *s, const uint8_t rec[WF_UNLOCK_KEK_REC_BYTES],
                       const uint8_t wrapped[WF_UNLOCK_WRAPPED_BYTES]);
/* s->audit_key from s->data_key. */
void wf_unlock_derive_audit_key(wf_store *s);
/* Existing store: unwraps the data key. WF_ERR_VERIFY for a wrong passphrase
 * or key file (or a damaged meta record: the two cannot be told apart). */
wf_err wf_unlock_load(wf_store *s, const wf_store_unlock *u);
/* Reads a key file into key (locked, WF_STORE_KEY_FILE_BYTES), refusing a
 * file that is not a regular file owned by us with mode 0600 or stricter. */
wf_err wf_unlock_read_key_file(const char *path, uint8_t *key);

#endif
