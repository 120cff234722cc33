/* The node's persistent state (DESIGN §5): one RocksDB database with the
 * column families meta, keys, aux, presig, requests and audit.
 *
 * Every record value except the audit chain is sealed with
 * XChaCha20-Poly1305 under the store's data key, with associated data that
 * binds the column family and the record key, so a record cannot be edited,
 * swapped with another or moved to another name without the open failing.
 * The data key is random, made at creation, and kept in `meta` wrapped by a
 * key-encryption key (KEK): Argon2id of the operator's passphrase, or the 32
 * bytes of a key file that only its owner may read (mode 0600, checked).
 * Decrypted records are returned in wf_secure_alloc() memory.
 *
 * A failing call returns a wf_err and leaves a one-line explanation for the
 * calling thread in wf_store_last_error(); the text names records, never
 * their contents. */
#ifndef WF_STORE_STORE_H
#define WF_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"

typedef struct wf_store wf_store;

#define WF_STORE_KEY_FILE_BYTES 32
#define WF_STORE_ID_BYTES       32 /* key ids and presignature (session) ids */

/* Argon2id cost for a passphrase KEK, chosen at creation and kept in meta.
 * SENSITIVE is libsodium's "sensitive" limits (1 GiB, several seconds);
 * MODERATE (256 MiB) is the default; INTERACTIVE (64 MiB) suits test
 * clusters. */
typedef enum {
    WF_STORE_KDF_MODERATE = 0,
    WF_STORE_KDF_INTERACTIVE,
    WF_STORE_KDF_SENSITIVE,
} wf_store_kdf;

/* How to unlock the data key: exactly one of passphrase or key_file. */
typedef struct wf_store_unlock {
    const char *passphrase; /* NUL-terminated */
    const char *key_file;   /* path of a file made by wf_store_key_file_create */
    wf_store_kdf kdf;       /* passphrase cost, used by wf_store_create only */
} wf_store_unlock;

/* Writes a new key file: 32 random bytes, mode 0600, refusing to replace an
 * existing file (WF_ERR_EXISTS). */
wf_err wf_store_key_file_create(const char *path);

/* Creates a new store in dir (which must not exist or be empty). */
wf_err wf_store_create(wf_store **out, const char *dir, const wf_store_unlock *u);
/* Opens an existing store. A wrong passphrase or key file gives
 * WF_ERR_VERIFY; a damaged meta record WF_ERR_VERIFY or WF_ERR_ENCODING. */
wf_err wf_store_open(wf_store **out, const char *dir, const wf_store_unlock *u);
/* Opens an existing store for reading only, also while another process
 * (the running warifud) has it open: RocksDB takes no lock then, and the
 * store shows the database as it was when opened. Unlocking is as for
 * wf_store_open. Every write through it fails (WF_ERR_STORAGE, "open
 * read-only") and changes nothing. */
wf_err wf_store_open_readonly(wf_store **out, const char *dir, const wf_store_unlock *u);
/* Closes and wipes the data key. Accepts NULL. */
void wf_store_close(wf_store *s);

/* The explanation of this thread's last failed store call. */
const char *wf_store_last_error(void);

/* Milliseconds since the epoch, the clock every store timestamp uses. */
uint64_t wf_store_now_ms(void);

#endif
