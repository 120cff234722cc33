/* A node's TLS identity (DESIGN §4): an ECDSA P-256 key and a self-signed
 * X.509 certificate whose common name is the member's name.
 *
 * NNG 1.5.2 on Debian 12 does TLS with mbedTLS 2.28, which has no Ed25519
 * certificates, hence P-256. The certificate is self-signed and is not a CA
 * (basicConstraints CA:FALSE): a peer trusts it only by finding these exact
 * bytes among its pinned certificates, so no other certificate can ever chain
 * to it. Its SHA-256 fingerprint (over the DER encoding, lowercase hex) is
 * what operators compare when they copy certificates between nodes.
 *
 * Files. The key is written as unencrypted PKCS#8 PEM with mode 0600, the
 * certificate as PEM with mode 0644; neither is ever overwritten. Reading a
 * key refuses anything but a regular file owned by us with no permission bits
 * for group or others (like ssh does), so a key that leaked its mode is not
 * silently used. The key PEM is only ever held in locked memory
 * (wf_secure_alloc) and wiped when cleared. */
#ifndef WF_NODE_TLS_IDENTITY_H
#define WF_NODE_TLS_IDENTITY_H

#include <stddef.h>

#include "crypto/err.h"

#define WF_TLS_NAME_MAX          63 /* a member name: [a-z0-9][a-z0-9.-]*, at most this long */
#define WF_TLS_FINGERPRINT_CHARS 64 /* SHA-256 in hex, without the terminating NUL */
#define WF_TLS_VALIDITY_DAYS     3650
#define WF_TLS_KEY_FILE_MAX      16384 /* a P-256 key PEM is ~250 bytes */
#define WF_TLS_CERT_FILE_MAX     65536

typedef struct wf_tls_identity {
    char name[WF_TLS_NAME_MAX + 1];                 /* the certificate's common name */
    char fingerprint[WF_TLS_FINGERPRINT_CHARS + 1]; /* SHA-256 of the DER certificate, hex */
    char *cert_pem;                                 /* re-encoded certificate, NUL-terminated, malloc'ed */
    size_t cert_pem_len;                            /* without the NUL */
    char *key_pem;                                  /* PKCS#8 PEM, NUL-terminated, locked memory; or NULL */
    size_t key_pem_len;                             /* without the NUL */
} wf_tls_identity;

/* 1 when name is a valid member name: 1..WF_TLS_NAME_MAX characters of
 * [a-z0-9.-], starting with a letter or digit. */
int wf_tls_name_valid(const char *name);

/* Generates a P-256 key and a self-signed certificate for `name` (CN = name,
 * random 128-bit serial, valid from an hour ago for WF_TLS_VALIDITY_DAYS),
 * writes the key to key_path (mode 0600) and the certificate to cert_path,
 * and puts the certificate's fingerprint in `fingerprint` (may be NULL).
 * Refuses (WF_ERR_ARG) when either file already exists, leaving it alone;
 * on any failure neither file is left behind. */
wf_err wf_tls_identity_generate(const char *name, const char *key_path, const char *cert_path,
                                char fingerprint[WF_TLS_FINGERPRINT_CHARS + 1], const char **why);

/* Reads a certificate, and with key_path != NULL the matching key, into *id
 * (zeroed first; clear it with wf_tls_identity_clear). The certificate must
 * be exactly one PEM certificate with a P-256 key, self-signed, currently
 * valid, its CN a valid member name. The key file must be a regular file owned
 * by the effective user with mode bits only for its owner (WF_ERR_VERIFY
 * otherwise, e.g. for mode 0644), and must be the certificate's key.
 * WF_ERR_ENCODING for files that do not parse, WF_ERR_INTERNAL for I/O. */
wf_err wf_tls_identity_load(wf_tls_identity *id, const char *cert_path, const char *key_path,
                            const char **why);

/* The certificate checks of wf_tls_identity_load for a certificate held in
 * memory (pem_len bytes of PEM, no NUL needed), e.g. one embedded in a
 * cluster config: fills id->name, id->fingerprint and id->cert_pem (the
 * certificate re-encoded as PEM), never a key. Clear id afterwards. */
wf_err wf_tls_identity_parse_cert(wf_tls_identity *id, const char *pem, size_t pem_len, const char **why);

/* Frees the certificate and wipes and frees the key. Accepts NULL. */
void wf_tls_identity_clear(wf_tls_identity *id);

#endif
