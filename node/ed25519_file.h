/* Ed25519 key pairs on disk, as node directories (identity.key /
 * identity.pub, node_identity.h) and client directories (client.key /
 * client.pub, client_identity.h) keep them:
 *
 *   secret file  the 32-byte seed (RFC 8032's private key), raw, mode 0600
 *   public file  the 32-byte public key as 64 lowercase hex digits and an
 *                LF, mode 0644
 *
 * Secret files are read only when they are ours and closed to group and
 * others (files.h), into locked memory. */
#ifndef WF_NODE_ED25519_FILE_H
#define WF_NODE_ED25519_FILE_H

#include <stdint.h>

#include "crypto/err.h"
#include "protocol/envelope.h"

#define WF_ED25519_SEED_BYTES     32
#define WF_ED25519_PUB_FILE_BYTES (2 * WF_IDENTITY_PK_BYTES + 1)

/* Makes a key pair and writes the secret file, then the public file; pk
 * gets the public key. Neither file may exist (WF_ERR_EXISTS); if the
 * public file cannot be written, the secret file is removed again. */
wf_err wf_ed25519_files_create(const char *secret_path, const char *public_path,
                               uint8_t pk[WF_IDENTITY_PK_BYTES], const char **why);

/* Reads a public file: exactly 64 lowercase hex digits and an LF
 * (WF_ERR_ENCODING otherwise), the encoding of a valid Ed25519 point
 * (WF_ERR_VERIFY otherwise). */
wf_err wf_ed25519_public_read(const char *path, uint8_t pk[WF_IDENTITY_PK_BYTES], const char **why);

/* Reads a secret file into sk (libsodium's 64-byte secret key, locked
 * memory the caller owns) and checks that it is the secret key of pk
 * (WF_ERR_VERIFY otherwise). sk is wiped on failure. */
wf_err wf_ed25519_secret_read(const char *path, const uint8_t pk[WF_IDENTITY_PK_BYTES], uint8_t *sk,
                              const char **why);

#endif
