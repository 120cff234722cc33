/* The signing policy of a node (DESIGN §4): which clients may ask for
 * signatures, with which keys, and how many requests a day. Every member of
 * a quorum decides with its own policy, so a compromised coordinator cannot
 * get a signature no client asked for, nor one the policy forbids.
 *
 * Format (the strict rules of text_format.h, plus: after the first line,
 * empty lines and lines starting with '#' are comments, so operators can say
 * why a client is allowed):
 *
 *   warifu-policy 1
 *   client <name> <client-pk>                          a client, by its Ed25519 public key
 *   client <name> <client-pk> daily-limit <count>      ... allowed at most count requests a UTC day
 *   allow <name> <key-id>                              the client may use this key (64 hex digits)
 *   allow <name> *                                     ... or any key
 *   end
 *
 * A client is declared before its `allow` lines, and needs at least one. The
 * parser refuses unknown lines, two clients with one name or key, an `allow`
 * for an undeclared client, the same key allowed twice, `*` together with
 * single keys for one client, a limit of 0 (remove the client instead) or
 * above WF_POLICY_LIMIT_MAX, and more than WF_POLICY_MAX_CLIENTS clients or
 * WF_POLICY_MAX_KEYS keys a client.
 *
 * Daily counters. A limit counts the requests the node allowed a client on
 * the current UTC day (now_ms / WF_POLICY_DAY_MS). The counts live in a
 * wf_policy_counters the caller owns; the daemon keeps one, and persists it
 * with wf_policy_counters_encode after every change so a restart does not
 * reset a client's allowance (and loads it with _decode). Counting is part
 * of the decision: wf_policy_check counts a request exactly when it allows
 * it, so two requests cannot both take a client's last slot as long as calls
 * are serialised (the daemon holds a lock around check and persist). The
 * daemon checks a request id only the first time it sees it: a retry of a
 * request the store already holds is answered from the store and must not
 * be counted again. */
#ifndef WF_NODE_POLICY_H
#define WF_NODE_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"
#include "node/tls_identity.h"
#include "protocol/client_request.h"

#define WF_POLICY_VERSION     1
#define WF_POLICY_MAX_CLIENTS 128
#define WF_POLICY_MAX_KEYS    64
#define WF_POLICY_LIMIT_MAX   1000000000u
#define WF_POLICY_FILE_MAX    (1u << 20)
#define WF_POLICY_DAY_MS      86400000ull

typedef struct wf_policy_client {
    char name[WF_TLS_NAME_MAX + 1]; /* [a-z0-9][a-z0-9.-]*, as member names */
    uint8_t pk[WF_IDENTITY_PK_BYTES];
    uint32_t daily_limit; /* requests a UTC day; 0 = no limit */
    int any_key;          /* `allow <name> *` */
    size_t n_keys;
    uint8_t keys[WF_POLICY_MAX_KEYS][WF_ID_BYTES];
} wf_policy_client;

typedef struct wf_policy {
    size_t n_clients;
    wf_policy_client clients[WF_POLICY_MAX_CLIENTS];
} wf_policy;

/* Parses a policy (len bytes of text) into a new *out (free with
 * wf_policy_free). WF_ERR_ENCODING for a line it does not accept,
 * WF_ERR_CONFLICT for a duplicate, WF_ERR_RANGE for a limit or count out of
 * range, WF_ERR_VERIFY for a client key that is not a valid point; *why names
 * the line. */
wf_err wf_policy_parse(wf_policy **out, const char *text, size_t len, const char **why);
/* Reads a policy file (refused when group or others may write it, see
 * files.h) and parses it. */
wf_err wf_policy_load(wf_policy **out, const char *path, const char **why);
/* Accepts NULL. */
void wf_policy_free(wf_policy *p);

typedef enum {
    WF_POLICY_ALLOW = 0,
    WF_POLICY_BAD_SIGNATURE,  /* the client's signature does not verify (or the request is malformed) */
    WF_POLICY_EXPIRED,        /* expiry is not after now */
    WF_POLICY_TOO_FAR_AHEAD,  /* expiry is more than WF_REQUEST_MAX_TTL_MS ahead */
    WF_POLICY_UNKNOWN_CLIENT, /* the policy does not list the request's client key */
    WF_POLICY_KEY_NOT_ALLOWED,
    WF_POLICY_DAILY_LIMIT, /* the client used up today's requests */
    WF_POLICY_INVALID,     /* a NULL argument */
} wf_policy_verdict;

/* One client's count for one UTC day. */
typedef struct wf_policy_counter {
    uint8_t client[WF_IDENTITY_PK_BYTES];
    uint64_t day; /* now_ms / WF_POLICY_DAY_MS */
    uint32_t count;
} wf_policy_counter;

typedef struct wf_policy_counters {
    size_t n;
    wf_policy_counter entries[WF_POLICY_MAX_CLIENTS];
} wf_policy_counters;

/* Decides whether request r may be signed now: the client's signature and
 * expiry (wf_sign_request_check), then the client, the key and the daily
 * limit. When the verdict is WF_POLICY_ALLOW the request is counted in
 * counters (the count of every allowed client is kept, limited or not; an
 * entry of an earlier day, or of a client no longer in the policy, is reused
 * when a new one is needed, so the table never fills). */
wf_policy_verdict wf_policy_check(const wf_policy *p, const wf_sign_request *r, uint64_t now_ms,
                                  wf_policy_counters *counters);
/* A constant one-line description of the verdict. */
const char *wf_policy_verdict_str(wf_policy_verdict v);

/* The client's count for the day of now_ms (0 when it has none). */
uint32_t wf_policy_counters_get(const wf_policy_counters *c, const uint8_t client[WF_IDENTITY_PK_BYTES],
                                uint64_t now_ms);

/* Encoding for the daemon to persist counters:
 *   "wfpc" ‖ version 1 (1 byte) ‖ be32 n ‖ n × (client(32) ‖ be64 day ‖ be32 count)
 * with distinct clients and n <= WF_POLICY_MAX_CLIENTS. */
#define WF_POLICY_COUNTER_BYTES      (WF_IDENTITY_PK_BYTES + 8 + 4)
#define WF_POLICY_COUNTERS_MAX_BYTES (4 + 1 + 4 + WF_POLICY_MAX_CLIENTS * WF_POLICY_COUNTER_BYTES)
/* Writes the encoding into out (room for WF_POLICY_COUNTERS_MAX_BYTES) and
 * returns its length; 0 for a table that is not well formed. */
size_t wf_policy_counters_encode(const wf_policy_counters *c, uint8_t *out);
/* Strict decode (exact length, known version, distinct clients):
 * WF_ERR_ENCODING otherwise, leaving *c empty. */
wf_err wf_policy_counters_decode(wf_policy_counters *c, const uint8_t *in, size_t len);

#endif
