/* The cluster config (DESIGN §1, §2, §4): who the members are, how they are
 * reached and recognised, and the access structure. One self-contained text
 * file, the same bytes on every node; its SHA-256 is the cluster id that
 * every envelope and every proof transcript carries, so nodes that were given
 * different configs cannot take part in one session.
 *
 * Format (the strict rules of text_format.h; nothing else is accepted, so a
 * config that parses is already in canonical form and its bytes are what is
 * hashed):
 *
 *   warifu-cluster 1
 *   threshold <t>
 *   member <index> <name> <rank> <address> <identity-pk> <tls-fingerprint>
 *   ...                                      (one line per member, index 0, 1, … in order)
 *   cert <index>                             (one block per member, in the same order)
 *   -----BEGIN CERTIFICATE-----
 *   <base64, lines of 64 as OpenSSL writes it>
 *   -----END CERTIFICATE-----
 *   ...
 *   end
 *
 * name, address, identity-pk and tls-fingerprint are as in a member file
 * (node_identity.h); the certificate is the member's own, embedded, so the
 * config alone pins every peer.
 *
 * The parser refuses, besides any syntax it does not know:
 *   - fewer than 2 or more than WF_MAX_MEMBERS members, a threshold outside
 *     2..n (a threshold of 1 would let any one node sign alone);
 *   - two members with the same index, name, identity key or certificate;
 *   - a certificate whose SHA-256 is not its member's fingerprint, whose
 *     common name is not the member's name, or that fails the checks of
 *     wf_tls_identity_load (self-signed P-256, CA:FALSE, valid now);
 *   - a rank >= t, ranks that decrease from one member index to the next, and
 *     an access structure without any authorised set (wf_access_check);
 *   - two members on one host whose port ranges [port, port + n) overlap
 *     (peer_net.h: a node listens on base port + peer index), or a base port
 *     + n - 1 above 65535.
 *
 * Identifiers. Member index j has the Tassa identifier x_j = j + 1. Ranks
 * must not decrease with the index, so the identifiers are assigned
 * monotonically with rank, the allocation for which Tassa (J. Cryptology
 * 2007, §3.3) shows every authorised set's Birkhoff matrix is non-singular
 * with overwhelming probability over a large field. wf_cluster_config_build
 * orders members that way. */
#ifndef WF_NODE_CLUSTER_CONFIG_H
#define WF_NODE_CLUSTER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/birkhoff.h"
#include "crypto/err.h"
#include "node/node_identity.h"
#include "node/peer_net.h"
#include "protocol/machine.h"

#define WF_CLUSTER_CONFIG_VERSION 1
#define WF_CLUSTER_CONFIG_MAX     (WF_MAX_MEMBERS * 2048 + 4096) /* ~1 KiB per member is typical */
#define WF_CLUSTER_MIN_MEMBERS    2
#define WF_CLUSTER_MIN_THRESHOLD  2

typedef struct wf_cluster_member {
    uint32_t rank;
    wf_node_member pub; /* name, address, identity key, fingerprint, certificate */
} wf_cluster_member;

typedef struct wf_cluster_config {
    uint32_t threshold;
    uint32_t n;
    wf_cluster_member members[WF_MAX_MEMBERS]; /* by member index */
    uint8_t cluster_id[WF_ID_BYTES];           /* SHA-256 of text */
    char *text;                                /* the canonical bytes, NUL-terminated */
    size_t text_len;
} wf_cluster_config;

/* Parses and checks a config (len bytes of text) into a new *out (free with
 * wf_cluster_config_free). WF_ERR_ENCODING for the syntax, WF_ERR_VERIFY for
 * a certificate or key that does not check, WF_ERR_UNAUTHORISED when no set
 * of members could sign, WF_ERR_CONFLICT for two members sharing what must
 * be unique, WF_ERR_RANGE for sizes, ranks and ports out of range. *why
 * names the line or member. */
wf_err wf_cluster_config_parse(wf_cluster_config **out, const char *text, size_t len, const char **why);

/* Reads a config file (refused when group or others may write it, see
 * files.h) and parses it. */
wf_err wf_cluster_config_load(wf_cluster_config **out, const char *path, const char **why);

/* Assembles a config from n member files and their ranks: members are put in
 * rank order (most senior first; equal ranks keep the order given) and
 * numbered 0 … n-1, then the result is checked exactly as the parser checks
 * a file. */
wf_err wf_cluster_config_build(wf_cluster_config **out, uint32_t threshold, const wf_node_member *members,
                               const uint32_t *ranks, size_t n, const char **why);

/* Writes c->text to a new file (mode 0644); WF_ERR_EXISTS if path exists. */
wf_err wf_cluster_config_write(const wf_cluster_config *c, const char *path, const char **why);

/* Frees the config. Accepts NULL. */
void wf_cluster_config_free(wf_cluster_config *c);

/* Finds the member that is this node: the one with id's identity key, whose
 * certificate must then be id's (same fingerprint). WF_ERR_NOT_FOUND when the
 * key is not in the config, WF_ERR_VERIFY when it is listed with another
 * certificate. */
wf_err wf_cluster_config_find_self(const wf_cluster_config *c, const wf_node_identity *id, uint32_t *index,
                                   const char **why);

/* Identifier and rank of every member, by index (x_j = j + 1): the members
 * of wf_keygen_params and wf_access_check. */
void wf_cluster_config_members(const wf_cluster_config *c, wf_member out[WF_MAX_MEMBERS]);

/* Fills *m for a protocol run of member `self`: cluster id, own index,
 * identity_sk (not copied: the caller keeps it alive) and every member's
 * identity key; key_id, session_id and fault are zeroed for the caller. */
wf_err wf_cluster_config_machine_cfg(wf_machine_cfg *m, const wf_cluster_config *c, uint32_t self,
                                     const uint8_t *identity_sk);

/* A peer network configuration derived from a cluster config. */
typedef struct wf_cluster_net {
    wf_peer_net_cfg cfg;                        /* ready for wf_peer_net_create; points into this struct */
    wf_peer_net_peer peers[WF_MAX_MEMBERS - 1]; /* every other member, in index order */
    char names[WF_MAX_MEMBERS][WF_TLS_NAME_MAX + 1];
    char urls[WF_MAX_MEMBERS][WF_NODE_ADDRESS_MAX + 1];
    char paths[WF_MAX_MEMBERS + 1][WF_NODE_PATH_MAX]; /* peer certificates; own key at [WF_MAX_MEMBERS] */
    char listen_url[WF_NODE_ADDRESS_MAX + 1];
    char cert_path[WF_NODE_PATH_MAX];
} wf_cluster_net;

/* Builds the peer network configuration of member `self`, whose node
 * directory is node_dir: its own tls.crt and tls.key, and for every other
 * member its name, index, address and certificate, written (replacing what
 * was there) to node_dir/peers/<index>.crt, since peer_net pins certificates
 * by path. listen_url is the base URL to bind (NULL: the member's own
 * address). Free *out with wf_cluster_net_free. */
wf_err wf_cluster_net_prepare(wf_cluster_net **out, const wf_cluster_config *c, uint32_t self,
                              const char *node_dir, const char *listen_url, const char **why);
/* Accepts NULL. */
void wf_cluster_net_free(wf_cluster_net *net);

#endif
