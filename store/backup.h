/* Backups of a node's key shares (DESIGN §5).
 *
 * A backup is sealed to an offline X25519 key pair (libsodium crypto_box):
 * the node holds only the public key, so it can write backups but never read
 * them. Whoever holds the secret key, offline, checks a backup with
 * wf_backup_verify and rebuilds a node's store from it with
 * wf_backup_restore.
 *
 * What a backup holds: every key in the store — its id, the public check
 * that ties the share to the key (member index and identifier, rank, the
 * Feldman commitments, X_self), the key's opaque public record, and the
 * 32-byte share, sealed. What it does not hold: aux records (Paillier and
 * ring-Pedersen keys) and pooled presignatures. A restored node runs the
 * cluster's aux-info (or a refresh) to get new aux records and then makes new
 * presignatures. A refresh changes every share, so a backup taken before it
 * restores shares the cluster no longer uses: back up again after each one.
 *
 * File format (integers big-endian, hex lowercase):
 *
 *   header    "warifu-backup-1 manifest-bytes=" ‖ 10 decimal digits ‖ "\n"
 *   manifest  that many bytes of JSON text, for people and tools to read:
 *               {
 *                 "format": "warifu-backup",
 *                 "version": 1,
 *                 "backup_id": "<16 bytes>",
 *                 "created": "2025-01-31T09:30:00.000Z",
 *                 "backup_public_key": "<32 bytes>",
 *                 "keys": [
 *                   {"key_id": "<32 bytes>", "public_key": "<C_0, 33 bytes>",
 *                    "commitments_sha256": "<wf_store_key_commitments_hash>",
 *                    "index": 0, "rank": 0, "t": 2},   (one line per key)
 *                   …
 *                 ]
 *               }
 *   body      backup_id(16) ‖ be64 created (ms since the epoch, UTC) ‖
 *             backup public key(32) ‖ be32 n ‖ n × entry
 *   entry     key_id(32) ‖ be32 pub_len ‖ pub ‖ sealed(WF_BACKUP_SEALED_BYTES)
 *   pub       check (wf_store_share_check_encode) ‖ be32 len ‖ public record
 *   sealed    crypto_box_seal(backup public key,
 *                             "warifu-backup-share-1" ‖ backup_id ‖ key_id ‖
 *                             BLAKE2b-256("warifu-backup-pub-1" ‖ pub) ‖ share)
 *   checksum  BLAKE2b-256(header ‖ manifest ‖ body), 32 bytes, ends the file
 *
 * A file or store appears under its final name complete or not at all:
 * export writes "<path>.partial-XXXXXX" and renames it, restore builds
 * "<store_dir>.restore-XXXXXX" and renames it. A crash can leave such a
 * temporary behind (it holds no share in clear);
 * delete it.
 *
 * Entries are in strictly increasing key id order. The manifest is exactly
 * the text the body determines: verify rebuilds it and compares bytes, so a
 * manifest that disagrees with the entries is refused without a JSON parser.
 * The sealed plaintext names its backup, key and public part, so a sealed
 * share moved to another entry or another backup does not verify.
 *
 * What verify proves: the file is intact, and every share opens with the
 * secret key and matches its key's public commitments (s·G = X_self, and
 * X_self is the point the commitments give the member). It does not prove
 * who wrote the file: crypto_box_seal is anonymous, and anyone holding the
 * public key can seal shares of a key of their own. Compare the public keys
 * in the manifest with your wallet's keys before trusting a backup.
 *
 * Errors follow the store's: a wf_err, and a line in wf_store_last_error()
 * that names files and keys, never secret values. */
#ifndef WF_STORE_BACKUP_H
#define WF_STORE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"
#include "store/keys.h"
#include "store/store.h"

#define WF_BACKUP_PUBLIC_KEY_BYTES 32  /* crypto_box_PUBLICKEYBYTES */
#define WF_BACKUP_SECRET_KEY_BYTES 32  /* crypto_box_SECRETKEYBYTES */
#define WF_BACKUP_ID_BYTES         16
#define WF_BACKUP_CHECKSUM_BYTES   32
#define WF_BACKUP_SEALED_BYTES     181 /* crypto_box_SEALBYTES + 133-byte plaintext */
#define WF_BACKUP_MAX_KEYS         65536
#define WF_BACKUP_MAX_RECORD_BYTES (1u << 20)   /* one key's public record */
#define WF_BACKUP_MAX_FILE_BYTES   (256u << 20) /* verify reads no larger file */

/* What wf_backup_export wrote. */
typedef struct wf_backup_summary {
    uint8_t backup_id[WF_BACKUP_ID_BYTES];
    uint64_t created_ms;
    size_t keys;
    uint8_t checksum[WF_BACKUP_CHECKSUM_BYTES]; /* the file's last 32 bytes */
} wf_backup_summary;

/* What wf_backup_verify found. */
typedef struct wf_backup_report {
    uint8_t backup_id[WF_BACKUP_ID_BYTES]; /* set once the file parses */
    uint64_t created_ms;
    size_t keys;         /* entries in the file (0 if it does not parse) */
    size_t keys_checked; /* entries whose share passed every check */
    int failed_key;      /* 1 if a particular key failed: failed_key_id names it */
    uint8_t failed_key_id[WF_STORE_ID_BYTES];
    char reason[256]; /* why verification failed; empty on success */
} wf_backup_report;

/* A fresh backup key pair: pk, and sk into the caller's locked memory
 * (WF_BACKUP_SECRET_KEY_BYTES, from wf_secure_alloc). */
wf_err wf_backup_keypair(uint8_t pk[WF_BACKUP_PUBLIC_KEY_BYTES], uint8_t *sk);
/* Makes a key pair and writes it as two files of raw bytes: the secret key
 * with mode 0600, the public key with mode 0644. Refuses (WF_ERR_EXISTS) if
 * either path exists; a file appears complete or not at all. */
wf_err wf_backup_key_files_create(const char *secret_path, const char *public_path);
/* Reads a public key file (a regular file of exactly 32 bytes). */
wf_err wf_backup_public_key_read(const char *path, uint8_t pk[WF_BACKUP_PUBLIC_KEY_BYTES]);
/* Reads a secret key file into sk (locked, WF_BACKUP_SECRET_KEY_BYTES),
 * refusing a file that is not a regular file owned by us with mode 0600 or
 * stricter, as the store's key file. */
wf_err wf_backup_secret_key_read(const char *path, uint8_t *sk);

/* Writes a backup of every key in s to path, sealed to backup_pk. The file
 * is written under a temporary name beside path, synced, then given its name
 * only if nothing has it: WF_ERR_EXISTS, and nothing changed, if path exists.
 * Mode 0600. WF_ERR_NOT_FOUND if the store holds no key. out may be NULL. */
wf_err wf_backup_export(wf_store *s, const char *path, const uint8_t backup_pk[WF_BACKUP_PUBLIC_KEY_BYTES],
                        wf_backup_summary *out);

/* Checks the backup at path with the backup secret key (locked memory):
 * magic, checksum and structure first, then that the manifest agrees with
 * the entries, then each share, opened into locked memory, against its
 * binding and its public commitments. Writes nothing. Stops at the first
 * failing key. WF_ERR_ENCODING for a file that is not a well-formed backup,
 * WF_ERR_VERIFY for a failed check (checksum, manifest, wrong secret key, a
 * share); r (may be NULL) says how far it got and why. */
wf_err wf_backup_verify(const char *path, const uint8_t *backup_sk, wf_backup_report *r);

/* Rebuilds a node's store at store_dir from a backup: verifies all of it as
 * wf_backup_verify does, then creates a new store (unlocked by u, as
 * wf_store_create) in "<store_dir>.restore-XXXXXX", puts every key, and
 * renames it to store_dir. store_dir must not exist or be an empty directory
 * (WF_ERR_EXISTS otherwise); on any failure nothing appears there. Aux
 * records and presignatures are not in backups (see above). */
wf_err wf_backup_restore(const char *path, const uint8_t *backup_sk, const char *store_dir,
                         const wf_store_unlock *u);

#endif
