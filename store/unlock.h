/* Inside the store: the key-encryption key (Argon2id of a passphrase, or a
 * 0600 key file) and the data key it wraps in the meta column family. */
#ifndef WF_STORE_UNLOCK_H
#define WF_STORE_UNLOCK_H

#include "store/db.h"

/* WF_ERR_ARG unless exactly one of passphrase / key_file is given. */
wf_err wf_unlock_check(const wf_store_unlock *u);
/* New store: makes a random data key, wraps it under the KEK and writes the
 * meta records (synced). Fills s->data_key and s->audit_key. */
wf_err wf_unlock_init(wf_store *s, const wf_store_unlock *u);
/* Existing store: unwraps the data key. WF_ERR_VERIFY for a wrong passphrase
 * or key file (or a damaged meta record: the two cannot be told apart). */
wf_err wf_unlock_load(wf_store *s, const wf_store_unlock *u);
/* Reads a key file into key (locked, WF_STORE_KEY_FILE_BYTES), refusing a
 * file that is not a regular file owned by us with mode 0600 or stricter. */
wf_err wf_unlock_read_key_file(const char *path, uint8_t *key);

#endif
