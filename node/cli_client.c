/* The warifu CLI's client commands (cli_client.h): check the command line,
 * ask the node through the client library (client.h), which checks the
 * answer, and print it. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "node/cli_client.h"
#include "node/client.h"
#include "node/cluster_config.h"
#include "node/text_format.h"

#define URL_SCHEME       "tls+tcp://"
#define EXPIRY_S_DEFAULT 120
#define EXPIRY_S_MAX     (WF_REQUEST_MAX_TTL_MS / 1000)
#define TIMEOUT_MS_MAX   86400000u
#define PATH_TEXT_MAX    (1 + 11 * WF_REQUEST_PATH_MAX + 1) /* "m", "/4294967295" each, NUL */

/* A client directory and the node it asks. */
typedef struct node_link {
    wf_client *client;
    wf_client_node node;
    int retry_safe; /* a sign or keygen request: asking again with its request id is safe */
} node_link;

/* ---- the command line ---- */

static int hex_arg(const char *s, uint8_t *out, size_t n)
{
    size_t len = strlen(s), bin_len = 0;
    const char *end = NULL;
    return len == 2 * n && sodium_hex2bin(out, n, s, len, NULL, &bin_len, &end) == 0 && bin_len == n &&
           end == s + len;
}

static int number_arg(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
    wf_span span = {s, strlen(s)};
    return wf_span_u32(span, max, out) && *out >= min;
}

/* --client, --node-url, --node-cert; --timeout-ms, or default_ms. */
static int link_args(const wf_cli_args *a, int default_ms, node_link *l)
{
    int rc;
    uint32_t ms = (uint32_t)default_ms;
    if ((rc = wf_cli_missing(a->client, "--client")) || (rc = wf_cli_missing(a->node_url, "--node-url")) ||
        (rc = wf_cli_missing(a->node_cert, "--node-cert")))
        return rc;
    if (strncmp(a->node_url, URL_SCHEME, strlen(URL_SCHEME)) != 0 || a->node_url[strlen(URL_SCHEME)] == '\0')
        return wf_cli_usage_error("--node-url must be " URL_SCHEME "HOST:PORT (the node's client API)");
    if (a->timeout_ms != NULL && !number_arg(a->timeout_ms, 1, TIMEOUT_MS_MAX, &ms))
        return wf_cli_usage_error("--timeout-ms must be a number of milliseconds, 1..86400000");
    memset(l, 0, sizeof *l);
    l->node.timeout_ms = (int)ms;
    return 0;
}

static int key_arg(const wf_cli_args *a, uint8_t key_id[WF_ID_BYTES])
{
    int rc = wf_cli_missing(a->key, "--key");
    if (rc == 0 && !hex_arg(a->key, key_id, WF_ID_BYTES))
        rc = wf_cli_usage_error("--key must be a key id: 64 hex digits");
    return rc;
}

static int digest_arg(const wf_cli_args *a, uint8_t digest[WF_DIGEST_BYTES])
{
    int rc = wf_cli_missing(a->digest, "--digest");
    if (rc == 0 && !hex_arg(a->digest, digest, WF_DIGEST_BYTES))
        rc = wf_cli_usage_error("--digest must be 64 hex digits (the 32-byte hash to sign)");
    return rc;
}

/* --path, or the key itself (an empty path) when absent. */
static int path_arg(const wf_cli_args *a, uint32_t path[WF_REQUEST_PATH_MAX], size_t *len)
{
    static char msg[WF_WHY_MAX];
    const char *why = NULL;
    *len = a->path != NULL ? WF_REQUEST_PATH_MAX : 0;
    if (a->path == NULL || wf_bip32_path_parse(path, len, a->path, &why) == WF_OK)
        return 0;
    snprintf(msg, sizeof msg, "--path: %s (m/I/J/..., at most %d steps)", why, WF_REQUEST_PATH_MAX);
    return wf_cli_usage_error(msg);
}

static int request_id_arg(const wf_cli_args *a, uint8_t id[WF_REQUEST_ID_MAX], size_t *len)
{
    int rc = wf_cli_missing(a->request_id, "--request-id");
    if (rc != 0)
        return rc;
    *len = strlen(a->request_id);
    for (size_t i = 0; i < *len && *len <= WF_REQUEST_ID_MAX; i++)
        if (a->request_id[i] < 0x20 || a->request_id[i] > 0x7e)
            *len = 0;
    if (*len == 0 || *len > WF_REQUEST_ID_MAX)
        return wf_cli_usage_error("--request-id must be 1..64 printable ASCII characters");
    memcpy(id, a->request_id, *len);
    return 0;
}

static int expiry_arg(const wf_cli_args *a, uint32_t *seconds)
{
    *seconds = EXPIRY_S_DEFAULT;
    if (a->expiry_s != NULL && !number_arg(a->expiry_s, 1, EXPIRY_S_MAX, seconds))
        return wf_cli_usage_error("--expiry-s must be a number of seconds, 1..600");
    return 0;
}

/* A key's committee: --members NAME,NAME,... (names of --cluster's config),
 * --threshold and --ranks (one per name, in the same order), as ascending
 * node indices with their ranks. *n = 0 when none is given (and !required). */
typedef struct committee_arg {
    uint32_t n, t;
    uint32_t nodes[WF_MAX_MEMBERS], ranks[WF_MAX_MEMBERS];
} committee_arg;

static int split_list(const char *s, char out[WF_MAX_MEMBERS][WF_TLS_NAME_MAX + 1], uint32_t *n)
{
    *n = 0;
    while (*s != '\0') {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len == 0 || len > WF_TLS_NAME_MAX || *n == WF_MAX_MEMBERS)
            return 0;
        memcpy(out[*n], s, len);
        out[(*n)++][len] = '\0';
        s += len + (end != NULL);
        if (end != NULL && *s == '\0')
            return 0;
    }
    return *n > 0;
}

static int committee_args(const wf_cli_args *a, int required, committee_arg *c)
{
    static char msg[WF_WHY_MAX];
    static char names[WF_MAX_MEMBERS][WF_TLS_NAME_MAX + 1], ranks[WF_MAX_MEMBERS][WF_TLS_NAME_MAX + 1];
    uint32_t n_ranks = 0;
    const char *why = NULL;
    memset(c, 0, sizeof *c);
    if (a->committee == NULL && !required) {
        if (a->threshold != NULL || a->ranks != NULL || a->cluster != NULL)
            return wf_cli_usage_error("--threshold, --ranks and --cluster go with --members");
        return 0;
    }
    int rc;
    if ((rc = wf_cli_missing(a->committee, "--members")) ||
        (rc = wf_cli_missing(a->threshold, "--threshold")) || (rc = wf_cli_missing(a->ranks, "--ranks")) ||
        (rc = wf_cli_missing(a->cluster, "--cluster")))
        return rc;
    if (!split_list(a->committee, names, &c->n))
        return wf_cli_usage_error("--members must be member names separated by commas");
    if (!split_list(a->ranks, ranks, &n_ranks) || n_ranks != c->n)
        return wf_cli_usage_error("--ranks must give one rank per member, separated by commas");
    if (!number_arg(a->threshold, 1, c->n, &c->t))
        return wf_cli_usage_error("--threshold must be a number from 1 to the number of members");
    wf_cluster_config *cc = NULL;
    if (wf_cluster_config_load(&cc, a->cluster, &why) != WF_OK)
        return wf_cli_fail("cluster config %s: %s", a->cluster, why);
    uint32_t node[WF_MAX_MEMBERS], rank[WF_MAX_MEMBERS];
    rc = 0;
    for (uint32_t i = 0; i < c->n && rc == 0; i++) {
        uint32_t m = 0;
        while (m < cc->n && strcmp(cc->members[m].pub.name, names[i]) != 0)
            m++;
        if (m == cc->n) {
            snprintf(msg, sizeof msg, "--members: %s is not a member of the cluster", names[i]);
            rc = wf_cli_usage_error(msg);
        } else if (!number_arg(ranks[i], 0, c->t - 1, &rank[i])) {
            rc = wf_cli_usage_error("--ranks: each rank is a number below the threshold");
        }
        node[i] = m;
    }
    wf_cluster_config_free(cc);
    if (rc != 0)
        return rc;
    /* ascending node order (the request's), ranks carried along */
    for (uint32_t k = 0; k < c->n; k++) {
        uint32_t best = 0;
        for (uint32_t i = 1; i < c->n; i++)
            if (node[i] < node[best])
                best = i;
        if (k > 0 && node[best] == c->nodes[k - 1])
            return wf_cli_usage_error("--members names a member twice");
        c->nodes[k] = node[best];
        c->ranks[k] = rank[best];
        node[best] = UINT32_MAX;
    }
    return 0;
}

/* ---- asking the node ---- */

/* Loads the client directory (its request-signing key too with signing) and
 * checks the node's certificate, each failure named by its option. */
static int link_open(const wf_cli_args *a, int signing, node_link *l)
{
    const char *why = NULL;
    wf_err err = wf_client_open(&l->client, a->client, signing, &why);
    if (err != WF_OK)
        return wf_cli_fail("client directory %s: %s", a->client, why);
    l->node.url = a->node_url;
    l->node.cert_path = a->node_cert;
    if ((err = wf_client_node_check(&l->node, &why)) != WF_OK) {
        wf_client_close(l->client);
        l->client = NULL;
        return wf_cli_fail("--node-cert %s: %s", a->node_cert, why);
    }
    return 0;
}

/* Prints why a call failed; returns its exit code (cli.h): 3 when asking
 * again cannot help, 4 when no answer came, 5 when the node could not do it
 * now, 1 for a local failure. */
static int call_failed(const node_link *l, const wf_client_result *res)
{
    /* the request may have reached the node after a timeout or a failure */
    const char *hint = l->retry_safe ? "; asking again with the same --request-id is safe" : "";
    switch (res->outcome) {
    case WF_CLIENT_NO_ANSWER:
        switch (res->err) {
        case WF_ERR_NOT_FOUND:
        case WF_ERR_VERIFY: return wf_cli_fail_with(WF_CLI_EXIT_UNREACHABLE, "%s", res->why);
        case WF_ERR_CANCELLED: return wf_cli_fail_with(WF_CLI_EXIT_UNREACHABLE, "%s%s", res->why, hint);
        case WF_ERR_INTERNAL: return wf_cli_fail_with(WF_CLI_EXIT_RETRY, "%s%s", res->why, hint);
        default: return wf_cli_fail("%s", res->why);
        }
    case WF_CLIENT_NODE_ERROR:
        if (wf_client_refused(res))
            return wf_cli_fail_with(WF_CLI_EXIT_REFUSED, "refused by the node (%s): %s",
                                    wf_client_code_name(res->code), res->why);
        return wf_cli_fail_with(WF_CLI_EXIT_RETRY, "refused by the node (%s): %s%s",
                                wf_client_code_name(res->code), res->why, hint);
    case WF_CLIENT_BAD_ANSWER: return wf_cli_fail_with(WF_CLI_EXIT_RETRY, "%s", res->why);
    default: return wf_cli_fail("%s", res->why);
    }
}

/* ---- printing ---- */

static void field_path(const wf_cli_args *a, const uint32_t *path, size_t len)
{
    char text[PATH_TEXT_MAX] = "m";
    for (size_t i = 0, at = 1; i < len && i < WF_REQUEST_PATH_MAX; i++)
        at += (size_t)snprintf(text + at, sizeof text - at, "/%u", path[i]);
    wf_cli_field(a, "path", text);
}

static int print_key(const wf_cli_args *a, const wf_client_key *k)
{
    wf_cli_field_hex(a, "key_id", k->key_id, WF_ID_BYTES);
    wf_cli_field_hex(a, "public_key", k->public_key, WF_POINT_BYTES);
    wf_cli_field(a, "xpub", k->xpub);
    wf_cli_field_u64(a, "threshold", k->threshold);
    wf_cli_field_u64(a, "members", k->members);
    if (k->generation != 0)
        wf_cli_field_u64(a, "generation", k->generation);
    return wf_cli_finish(a);
}

static int print_address(const wf_cli_args *a, const wf_client_addresses *ad)
{
    wf_cli_field_hex(a, "key_id", ad->key_id, WF_ID_BYTES);
    field_path(a, ad->path, ad->path_len);
    wf_cli_field_hex(a, "public_key", ad->public_key, WF_POINT_BYTES);
    wf_cli_field(a, "btc", ad->btc);
    wf_cli_field(a, "eth", ad->eth);
    return wf_cli_finish(a);
}

static int print_signature(const wf_cli_args *a, const wf_sign_request *r, const wf_client_signature *s)
{
    wf_cli_field(a, "request_id", a->request_id);
    wf_cli_field_hex(a, "key_id", r->key_id, WF_ID_BYTES);
    field_path(a, r->path, r->path_len);
    wf_cli_field_hex(a, "digest", r->digest, WF_DIGEST_BYTES);
    wf_cli_field_hex(a, "r", s->r, sizeof s->r);
    wf_cli_field_hex(a, "s", s->s, sizeof s->s);
    wf_cli_field_u64(a, "v", s->v);
    wf_cli_field_hex(a, "der", s->der, s->der_len);
    wf_cli_field_hex(a, "public_key", s->public_key, WF_POINT_BYTES);
    return wf_cli_finish(a);
}

static void print_peers(const wf_cli_args *a, const Warifu__Wire__Status *st)
{
    size_t up = 0;
    for (size_t i = 0; i < st->n_peers; i++)
        up += st->peers[i]->up != 0;
    wf_cli_field_u64(a, "peers_up", up);
    wf_cli_field_u64(a, "peers_down", st->n_peers - up);
    wf_cli_json_key(a, "peers");
    if (a->json)
        printf("[");
    for (size_t i = 0; i < st->n_peers; i++) {
        const Warifu__Wire__PeerStatus *p = st->peers[i];
        if (!a->json) {
            printf("peer %u %s %s\n", p->member, p->name, p->up ? "up" : "down");
            continue;
        }
        printf("%s{\"member\":%u,\"name\":", i > 0 ? "," : "", p->member);
        wf_cli_json_string(p->name);
        printf(",\"up\":%s}", p->up ? "true" : "false");
    }
    if (a->json)
        printf("]");
}

/* "0,1,2" */
static void signers_text(char *out, size_t cap, const Warifu__Wire__PoolDepth *p)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < p->n_signers && at < cap; i++)
        at += (size_t)snprintf(out + at, cap - at, "%s%u", i > 0 ? "," : "", p->signers[i]);
}

static void print_keys(const wf_cli_args *a, const Warifu__Wire__Status *st)
{
    char id[2 * WF_ID_BYTES + 1], signers[WF_MAX_MEMBERS * 11];
    wf_cli_json_key(a, "keys");
    if (a->json)
        printf("[");
    for (size_t i = 0; i < st->n_keys; i++) {
        const Warifu__Wire__KeyStatus *k = st->keys[i];
        wf_hex_encode(id, k->key_id.data, WF_ID_BYTES);
        if (a->json)
            printf("%s{\"key_id\":\"%s\",\"generation\":%llu,\"ready\":%s,\"pools\":[", i > 0 ? "," : "", id,
                   (unsigned long long)k->generation, k->ready ? "true" : "false");
        else
            printf("key %s generation %llu %s\n", id, (unsigned long long)k->generation,
                   k->ready ? "ready" : "not-ready");
        for (size_t j = 0; j < k->n_pools; j++) {
            signers_text(signers, sizeof signers, k->pools[j]);
            if (a->json)
                printf("%s{\"signers\":[%s],\"depth\":%u}", j > 0 ? "," : "", signers, k->pools[j]->depth);
            else
                printf("pool %s signers %s depth %u\n", id, signers, k->pools[j]->depth);
        }
        if (a->json)
            printf("]}");
    }
    if (a->json)
        printf("]");
}

static int print_status(const wf_cli_args *a, const Warifu__Wire__Status *st)
{
    wf_cli_field(a, "node", st->name);
    wf_cli_field_u64(a, "member", st->member);
    wf_cli_field_hex(a, "cluster_id", st->cluster_id.data, st->cluster_id.len);
    print_peers(a, st);
    print_keys(a, st);
    wf_cli_field_u64(a, "paillier_bits", st->paillier_bits);
    wf_cli_field_u64(a, "paillier_pool", st->paillier_pool);
    return wf_cli_finish(a);
}

/* ---- the commands ---- */

/* The committee c into a request's committee fields. */
static void committee_into(const committee_arg *c, uint32_t *n, uint32_t members[WF_MAX_MEMBERS], uint32_t *t,
                           uint32_t ranks[WF_MAX_MEMBERS])
{
    *n = c->n;
    *t = c->t;
    memcpy(members, c->nodes, sizeof c->nodes);
    memcpy(ranks, c->ranks, sizeof c->ranks);
}

/* The end of a command answered with a key (outcome o): prints the key or
 * says why the call failed, and closes the link. */
static int key_done(const wf_cli_args *a, node_link *l, wf_client_outcome o, const wf_client_key *key,
                    const wf_client_result *res)
{
    int rc = o == WF_CLIENT_SUCCEEDED ? print_key(a, key) : call_failed(l, res);
    wf_client_close(l->client);
    return rc;
}

int wf_cli_keygen(const wf_cli_args *a)
{
    wf_keygen_request kr;
    wf_client_key key;
    wf_client_result res;
    node_link l;
    uint32_t expiry_s = 0;
    int rc;

    committee_arg c;
    memset(&kr, 0, sizeof kr);
    if ((rc = link_args(a, WF_CLIENT_KEYGEN_TIMEOUT_MS, &l)) ||
        (rc = request_id_arg(a, kr.request_id, &kr.request_id_len)) || (rc = expiry_arg(a, &expiry_s)) ||
        (rc = committee_args(a, 0, &c)) || (rc = link_open(a, 1, &l)))
        return rc;
    committee_into(&c, &kr.n_members, kr.members, &kr.threshold, kr.ranks);
    l.retry_safe = 1;
    kr.expiry_ms = wf_client_expiry_after(expiry_s);
    return key_done(a, &l, wf_client_keygen(l.client, &l.node, &kr, &key, &res), &key, &res);
}

int wf_cli_refresh(const wf_cli_args *a)
{
    wf_refresh_request rr;
    wf_client_key key;
    wf_client_result res;
    node_link l;
    uint32_t expiry_s = 0;
    int rc;

    memset(&rr, 0, sizeof rr);
    if (!hex_arg(a->pos[0], rr.key_id, WF_ID_BYTES))
        return wf_cli_usage_error("KEY must be a key id: 64 hex digits");
    if ((rc = link_args(a, WF_CLIENT_KEYGEN_TIMEOUT_MS, &l)) ||
        (rc = request_id_arg(a, rr.request_id, &rr.request_id_len)) || (rc = expiry_arg(a, &expiry_s)) ||
        (rc = link_open(a, 1, &l)))
        return rc;
    l.retry_safe = 1;
    rr.expiry_ms = wf_client_expiry_after(expiry_s);
    return key_done(a, &l, wf_client_refresh(l.client, &l.node, &rr, &key, &res), &key, &res);
}

int wf_cli_reshare(const wf_cli_args *a)
{
    wf_reshare_request rr;
    wf_client_key key;
    wf_client_result res;
    node_link l;
    committee_arg c;
    uint32_t expiry_s = 0;
    int rc;

    memset(&rr, 0, sizeof rr);
    if ((rc = link_args(a, WF_CLIENT_KEYGEN_TIMEOUT_MS, &l)))
        return rc;
    if (!hex_arg(a->pos[0], rr.key_id, WF_ID_BYTES))
        return wf_cli_usage_error("KEY_ID must be a key id: 64 hex digits");
    if ((rc = request_id_arg(a, rr.request_id, &rr.request_id_len)) || (rc = expiry_arg(a, &expiry_s)) ||
        (rc = committee_args(a, 1, &c)) || (rc = link_open(a, 1, &l)))
        return rc;
    if (c.n < 2) {
        wf_client_close(l.client);
        return wf_cli_usage_error("a committee has at least two members");
    }
    committee_into(&c, &rr.n_members, rr.members, &rr.threshold, rr.ranks);
    l.retry_safe = 1;
    rr.expiry_ms = wf_client_expiry_after(expiry_s);
    return key_done(a, &l, wf_client_reshare(l.client, &l.node, &rr, &key, &res), &key, &res);
}

int wf_cli_pubkey(const wf_cli_args *a)
{
    uint8_t key_id[WF_ID_BYTES];
    wf_client_key key;
    wf_client_result res;
    node_link l;
    int rc;

    if ((rc = link_args(a, WF_CLIENT_QUERY_TIMEOUT_MS, &l)) || (rc = key_arg(a, key_id)) ||
        (rc = link_open(a, 0, &l)))
        return rc;
    return key_done(a, &l, wf_client_pubkey(l.client, &l.node, key_id, &key, &res), &key, &res);
}

int wf_cli_address(const wf_cli_args *a)
{
    uint8_t key_id[WF_ID_BYTES];
    uint32_t path[WF_REQUEST_PATH_MAX];
    size_t path_len = 0;
    wf_client_addresses ad;
    wf_client_result res;
    node_link l;
    int rc;

    if ((rc = link_args(a, WF_CLIENT_QUERY_TIMEOUT_MS, &l)) || (rc = key_arg(a, key_id)) ||
        (rc = path_arg(a, path, &path_len)) || (rc = link_open(a, 0, &l)))
        return rc;
    if (wf_client_address(l.client, &l.node, key_id, path, path_len, &ad, &res) == WF_CLIENT_SUCCEEDED)
        rc = print_address(a, &ad);
    else
        rc = call_failed(&l, &res);
    wf_client_close(l.client);
    return rc;
}

int wf_cli_sign(const wf_cli_args *a)
{
    wf_sign_request r;
    wf_client_signature sig;
    wf_client_result res;
    node_link l;
    uint32_t expiry_s = 0;
    int rc;

    memset(&r, 0, sizeof r);
    if ((rc = expiry_arg(a, &expiry_s)) ||
        (rc = link_args(a, (int)expiry_s * 1000 + WF_CLIENT_SIGN_MARGIN_MS, &l)) ||
        (rc = key_arg(a, r.key_id)) || (rc = digest_arg(a, r.digest)) ||
        (rc = path_arg(a, r.path, &r.path_len)) ||
        (rc = request_id_arg(a, r.request_id, &r.request_id_len)) || (rc = link_open(a, 1, &l)))
        return rc;
    l.retry_safe = 1;
    r.expiry_ms = wf_client_expiry_after(expiry_s);
    if (wf_client_sign(l.client, &l.node, &r, &sig, &res) == WF_CLIENT_SUCCEEDED)
        rc = print_signature(a, &r, &sig);
    else
        rc = call_failed(&l, &res);
    wf_client_close(l.client);
    return rc;
}

int wf_cli_status(const wf_cli_args *a)
{
    Warifu__Wire__Status *st = NULL;
    wf_client_result res;
    node_link l;
    int rc;

    if ((rc = link_args(a, WF_CLIENT_QUERY_TIMEOUT_MS, &l)) || (rc = link_open(a, 0, &l)))
        return rc;
    if (wf_client_status(l.client, &l.node, &st, &res) == WF_CLIENT_SUCCEEDED)
        rc = print_status(a, st);
    else
        rc = call_failed(&l, &res);
    wf_client_status_free(st);
    wf_client_close(l.client);
    return rc;
}
