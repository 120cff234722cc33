/* A client's directory (DESIGN §4): the identity of a program that asks the
 * cluster for keys and signatures (the withdrawal service), made by
 * `warifu client-init` and read by that program (or by the warifu CLI acting
 * as a client).
 *
 *   client.key  the Ed25519 request-signing key: its 32-byte seed, raw,
 *               mode 0600 (ed25519_file.h). Requests are signed with it
 *               (protocol/client_request.h); nodes know the client by its
 *               public key, through their policy.
 *   client.pub  its public key: 64 lowercase hex digits and an LF, 0644.
 *   tls.key     the TLS key, P-256, PKCS#8 PEM, 0600 (tls_identity.h).
 *   tls.crt     the self-signed TLS certificate, PEM, 0644, its common name
 *               the client's name: what a node's client_ca bundle lists
 *               (client_net.h).
 *
 * The directory is mode 0700 and nothing in it is ever overwritten. The
 * client's name is the certificate's common name (the rules of member
 * names); the policy names the client the same way:
 *
 *   client <name> <64 hex digits of client.pub>
 */
#ifndef WF_NODE_CLIENT_IDENTITY_H
#define WF_NODE_CLIENT_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"
#include "node/node_identity.h"
#include "node/tls_identity.h"
#include "protocol/envelope.h"

#define WF_CLIENT_KEY_FILE "client.key"
#define WF_CLIENT_PUB_FILE "client.pub"
#define WF_CLIENT_TLS_KEY  "tls.key"
#define WF_CLIENT_TLS_CERT "tls.crt"
/* "client " name " " 64 hex digits, and a NUL */
#define WF_CLIENT_POLICY_LINE_MAX (7 + WF_TLS_NAME_MAX + 1 + 2 * WF_IDENTITY_PK_BYTES + 1)

typedef struct wf_client_identity {
    char name[WF_TLS_NAME_MAX + 1];                 /* tls.crt's common name */
    uint8_t pk[WF_IDENTITY_PK_BYTES];               /* client.pub */
    uint8_t *sk;                                    /* libsodium's 64-byte secret key, locked; or NULL */
    char fingerprint[WF_TLS_FINGERPRINT_CHARS + 1]; /* of tls.crt */
    char tls_cert_path[WF_NODE_PATH_MAX];
    char tls_key_path[WF_NODE_PATH_MAX];
} wf_client_identity;

/* Creates a client directory at dir for `name` (a valid member name): dir
 * must not exist (its parent must) or be an empty directory of ours. With
 * out != NULL, loads the new identity into it without the secret key. On
 * failure everything created is removed again. WF_ERR_ARG for a bad name,
 * WF_ERR_EXISTS for a directory that is not empty, WF_ERR_STORAGE for I/O. */
wf_err wf_client_identity_create(const char *dir, const char *name, wf_client_identity *out,
                                 const char **why);

/* Loads a client directory into *id (zeroed first; clear it with
 * wf_client_identity_clear) and checks that its files agree: client.pub is
 * a valid key, tls.crt passes wf_tls_identity_load. With with_secrets, also
 * reads client.key into id->sk and checks it is client.pub's secret key,
 * and checks tls.key (ours, 0600, the certificate's key): WF_ERR_VERIFY
 * when a check fails. */
wf_err wf_client_identity_load(wf_client_identity *id, const char *dir, int with_secrets, const char **why);

/* Wipes the secret key and clears *id. Accepts NULL. */
void wf_client_identity_clear(wf_client_identity *id);

/* The policy line for the client, "client <name> <hex pk>" without an LF,
 * into out (WF_CLIENT_POLICY_LINE_MAX bytes). */
void wf_client_identity_policy_line(const wf_client_identity *id, char out[WF_CLIENT_POLICY_LINE_MAX]);

#endif
