/* A node's directory and identity (DESIGN §1, §4, §5), and the public member
 * file a node hands to the operator who assembles the cluster.
 *
 * The node directory, made by wf_node_init (mode 0700):
 *
 *   identity.key  the Ed25519 identity: its 32-byte secret seed, raw, mode
 *                 0600. Envelopes are signed with it (protocol/envelope.h).
 *   identity.pub  its public key: 64 lowercase hex digits and an LF, 0644.
 *   tls.key       the TLS key, P-256, PKCS#8 PEM, 0600 (tls_identity.h).
 *   tls.crt       the self-signed TLS certificate, PEM, 0644; its CN is the
 *                 node's name.
 *   member.pub    the member file (below), 0644: what the operator copies to
 *                 the machine that runs `warifu cluster`.
 *   store/        the RocksDB store (store/store.h), its data key wrapped by
 *                 a passphrase or a key file; the key file itself lives
 *                 wherever the operator keeps it, not necessarily here.
 *   peers/        created by wf_cluster_net_prepare (cluster_config.h): the
 *                 pinned certificate of every other member, written from the
 *                 cluster config, one `<member index>.crt` each (0644).
 *
 * No file is ever overwritten. Secret files are read only when they belong
 * to us and are closed to group and others (files.h), into locked memory.
 *
 * The member file (text, the strict rules of text_format.h), exactly:
 *
 *   warifu-member 1
 *   name <name>
 *   address <base URL>
 *   identity-pk <64 hex digits: the Ed25519 public key>
 *   tls-fingerprint <64 hex digits: SHA-256 of the DER certificate>
 *   -----BEGIN CERTIFICATE-----
 *   <the certificate, base64 in lines of 64 as OpenSSL writes it>
 *   -----END CERTIFICATE-----
 *   end
 *
 * A name is what tls_identity.h allows ([a-z0-9][a-z0-9.-]*, at most 63),
 * and it is the certificate's common name. A base URL is what peer_net.h
 * dials: `tls+tcp://<host>:<port>` with host a lowercase DNS name or IPv4
 * address ([a-z0-9.-]) or a bracketed IPv6 address ([0-9a-f:.]), and port
 * 1..65535 in decimal; the node listens on port + member index for each
 * peer. The identity key must be a valid Ed25519 point of large order; the
 * certificate must pass every check of wf_tls_identity_load, be in the
 * canonical PEM form and have the fingerprint the file gives. */
#ifndef WF_NODE_NODE_IDENTITY_H
#define WF_NODE_NODE_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"
#include "node/tls_identity.h"
#include "protocol/envelope.h"
#include "store/store.h"

#define WF_NODE_IDENTITY_KEY    "identity.key"
#define WF_NODE_IDENTITY_PUB    "identity.pub"
#define WF_NODE_TLS_KEY         "tls.key"
#define WF_NODE_TLS_CERT        "tls.crt"
#define WF_NODE_MEMBER_FILE     "member.pub"
#define WF_NODE_STORE_DIR       "store"
#define WF_NODE_PEERS_DIR       "peers"
#define WF_NODE_SEED_BYTES      32
#define WF_NODE_ADDRESS_MAX     255
#define WF_NODE_PATH_MAX        4096
#define WF_NODE_MEMBER_FILE_MAX 16384 /* a member file is ~1 KiB */

/* What a member publishes about itself. */
typedef struct wf_node_member {
    char name[WF_TLS_NAME_MAX + 1];
    char address[WF_NODE_ADDRESS_MAX + 1]; /* base URL */
    uint8_t identity_pk[WF_IDENTITY_PK_BYTES];
    char fingerprint[WF_TLS_FINGERPRINT_CHARS + 1]; /* of the certificate, hex */
    char *cert_pem;                                 /* canonical PEM, NUL-terminated, malloc'ed */
    size_t cert_pem_len;                            /* without the NUL */
} wf_node_member;

/* A node's identity as loaded from its directory. */
typedef struct wf_node_identity {
    wf_node_member pub;   /* from member.pub, checked against the other files */
    uint8_t *identity_sk; /* libsodium's 64-byte Ed25519 secret key, locked memory; NULL if not loaded */
    wf_tls_identity tls;  /* tls.crt, and with secrets tls.key (locked) */
} wf_node_identity;

/* 1 when address is a base URL as described above. With host != NULL (room
 * for WF_NODE_ADDRESS_MAX + 1) and port != NULL, also splits it (the host
 * without brackets). */
int wf_node_address_parse(const char *address, char *host, uint32_t *port);

/* Creates a node directory at dir: dir must not exist (its parent must) or
 * be an empty directory of ours, and ends up mode 0700. Generates the
 * identity and TLS keys, writes the member file and creates the store,
 * locked by unlock (exactly one of passphrase or key file; the key file must
 * exist already: wf_store_key_file_create). *out (may be NULL) gets the
 * member file's contents; clear it with wf_node_member_clear. On failure
 * everything created is removed again. WF_ERR_ARG for a bad name, address or
 * unlock, WF_ERR_EXISTS for a directory that is not empty, WF_ERR_STORAGE
 * for I/O, or the store's error (its message in *why). */
wf_err wf_node_init(const char *dir, const char *name, const char *address, const wf_store_unlock *unlock,
                    wf_node_member *out, const char **why);

/* Loads a node directory into *id (zeroed first; clear it with
 * wf_node_identity_clear) and checks that its files agree: identity.pub and
 * the member file carry the same key, tls.crt is the member file's
 * certificate. With with_secrets, also reads identity.key and tls.key (both
 * must be 0600 and ours, WF_ERR_VERIFY otherwise) and checks they are the
 * keys of those public halves. The store is not opened. */
wf_err wf_node_identity_load(wf_node_identity *id, const char *dir, int with_secrets, const char **why);
/* Wipes the secret keys and frees everything. Accepts NULL. */
void wf_node_identity_clear(wf_node_identity *id);

/* 1 when pk is the canonical encoding of an Ed25519 point of large order
 * (libsodium's crypto_core_ed25519_is_valid_point). */
int wf_node_identity_pk_valid(const uint8_t pk[WF_IDENTITY_PK_BYTES]);

/* Checks the PEM certificate pem[0..len) for m, whose name and fingerprint
 * are set: it passes wf_tls_identity_parse_cert, is in canonical PEM form
 * (exactly as OpenSSL re-encodes it), its common name is m->name and its
 * fingerprint m->fingerprint. Then stores a copy in m->cert_pem. */
wf_err wf_node_member_attach_cert(wf_node_member *m, const char *pem, size_t len, const char **why);

/* Parses a member file's text (len bytes) into *m (zeroed first). Every
 * deviation from the format is refused: WF_ERR_ENCODING for the syntax,
 * WF_ERR_VERIFY for a certificate that fails its checks, is not for the name
 * or has another fingerprint, or an identity key that is not a valid point. */
wf_err wf_node_member_parse(wf_node_member *m, const char *text, size_t len, const char **why);
/* Reads and parses a member file. */
wf_err wf_node_member_load(wf_node_member *m, const char *path, const char **why);
/* The member file's text (malloc'ed, NUL-terminated). */
wf_err wf_node_member_format(const wf_node_member *m, char **text, size_t *len);
/* A deep copy into *dst (zeroed first). */
wf_err wf_node_member_copy(wf_node_member *dst, const wf_node_member *src);
/* Frees the certificate. Accepts NULL. */
void wf_node_member_clear(wf_node_member *m);

#endif
