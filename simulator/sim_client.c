/* The simulated cluster's client (sim_client.h). */
#include "simulator/sim_client.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/ecdsa.h"
#include "node/files.h"
#include "node/text_format.h"
#include "simulator/load.h"

#define EXPIRY_S 120

void wf_sim_client_nodes(const wf_sim_layout *l, wf_client_node nodes[WF_SIM_MAX_NODES], int timeout_ms)
{
    for (size_t k = 0; k < l->n; k++) {
        nodes[k].url = l->nodes[k].client_url;
        nodes[k].cert_path = l->nodes[k].cert;
        nodes[k].timeout_ms = timeout_ms;
    }
}

/* Keeps res as the request's result unless it is a transport failure and a
 * node has answered already: "no authorised quorum" from a live node says
 * more than "connection refused" from a dead one. */
static void outcome_note(wf_sim_outcome *o, const wf_client_result *res, size_t node)
{
    if (res->outcome == WF_CLIENT_NO_ANSWER && o->tries > 1 && o->last.outcome == WF_CLIENT_NODE_ERROR)
        return;
    o->last = *res;
    o->served_by = node;
}

/* One request, asked of node k (the client, its nodes and the request are
 * in ctx). */
typedef struct ask {
    const wf_client *c;
    wf_client_node nodes[WF_SIM_MAX_NODES];
    const void *req;
    void *out;
} ask;

typedef void (*ask_fn)(const ask *a, size_t k, wf_client_result *res);

/* Asks the nodes in turn from `first` until one answers for good (success
 * or refusal): each at most once. */
static void ask_in_turn(const wf_sim_layout *l, const ask *a, ask_fn fn, size_t first, wf_sim_outcome *o)
{
    for (size_t i = 0; i < l->n; i++) {
        size_t k = (first + i) % l->n;
        wf_client_result res;
        o->tries++;
        fn(a, k, &res);
        outcome_note(o, &res, k);
        if (!wf_client_retryable(&res))
            break;
    }
}

static void ask_keygen(const ask *a, size_t k, wf_client_result *res)
{
    wf_client_keygen(a->c, &a->nodes[k], a->req, a->out, res);
}

static void ask_pubkey(const ask *a, size_t k, wf_client_result *res)
{
    wf_client_pubkey(a->c, &a->nodes[k], a->req, a->out, res);
}

static void ask_sign(const ask *a, size_t k, wf_client_result *res)
{
    wf_client_sign(a->c, &a->nodes[k], a->req, a->out, res);
}

static void outcome_init(wf_sim_outcome *o)
{
    memset(o, 0, sizeof *o);
    o->last.outcome = WF_CLIENT_NOT_SENT;
    o->last.err = WF_ERR_ARG;
}

/* Sets a request id: the given one, or "sim-" and 16 random hex digits. */
static int request_id(uint8_t out[WF_REQUEST_ID_MAX], size_t *len, const char *given)
{
    char made[4 + 16 + 1];
    if (given == NULL) {
        uint8_t r[8];
        randombytes_buf(r, sizeof r);
        memcpy(made, "sim-", 4);
        wf_hex_encode(made + 4, r, sizeof r);
        given = made;
    }
    *len = strlen(given);
    if (*len == 0 || *len > WF_REQUEST_ID_MAX)
        return 0;
    memcpy(out, given, *len);
    return 1;
}

wf_client_outcome wf_sim_keygen(const wf_sim_layout *l, const wf_client *c, const char *rid, size_t first,
                                wf_client_key *key, wf_sim_outcome *o)
{
    wf_keygen_request req;
    memset(&req, 0, sizeof req);
    outcome_init(o);
    if (!request_id(req.request_id, &req.request_id_len, rid)) {
        snprintf(o->last.why, sizeof o->last.why, "a request id has 1..%d characters", WF_REQUEST_ID_MAX);
        return o->last.outcome;
    }
    req.expiry_ms = wf_client_expiry_after(EXPIRY_S);
    ask a = {.c = c, .req = &req, .out = key};
    wf_sim_client_nodes(l, a.nodes, 0);
    ask_in_turn(l, &a, ask_keygen, first, o);
    if (o->last.outcome == WF_CLIENT_SUCCEEDED) {
        char hex[2 * WF_ID_BYTES + 2];
        const char *why = NULL;
        wf_hex_encode(hex, key->key_id, WF_ID_BYTES);
        strcat(hex, "\n");
        if (wf_file_replace(l->key, hex, strlen(hex), 0644, &why) != WF_OK)
            fprintf(stderr, "warifu-sim: cannot remember the key in %s: %s\n", l->key, why);
    }
    return o->last.outcome;
}

wf_client_outcome wf_sim_key(const wf_sim_layout *l, const wf_client *c, const char *key_hex, wf_client_key *key,
                             wf_sim_outcome *o)
{
    uint8_t id[WF_ID_BYTES];
    char *text = NULL;
    size_t len = 0;
    const char *why = NULL;
    outcome_init(o);
    if (key_hex == NULL && wf_file_read(l->key, 256, WF_FILE_PUBLIC, &text, &len, &why) != WF_OK) {
        snprintf(o->last.why, sizeof o->last.why, "no key yet: run warifu-sim keygen");
        return o->last.outcome;
    }
    wf_span s = {key_hex != NULL ? key_hex : text, key_hex != NULL ? strlen(key_hex) : strcspn(text, "\n")};
    int ok = wf_span_hex(s, id, WF_ID_BYTES);
    free(text);
    if (!ok) {
        snprintf(o->last.why, sizeof o->last.why, "a key id is %d lowercase hex digits", 2 * WF_ID_BYTES);
        return o->last.outcome;
    }
    ask a = {.c = c, .req = id, .out = key};
    wf_sim_client_nodes(l, a.nodes, 0);
    ask_in_turn(l, &a, ask_pubkey, 0, o);
    return o->last.outcome;
}

wf_client_outcome wf_sim_sign(const wf_sim_layout *l, const wf_client *c, const wf_client_key *key,
                              const uint32_t *path, size_t path_len, const uint8_t digest[32], const char *rid,
                              size_t first, wf_client_signature *sig, wf_sim_outcome *o)
{
    wf_sign_request req;
    wf_point child;
    memset(&req, 0, sizeof req);
    outcome_init(o);
    if (!request_id(req.request_id, &req.request_id_len, rid) || path_len > WF_REQUEST_PATH_MAX ||
        wf_client_key_child(&child, key, path, path_len) != WF_OK) {
        snprintf(o->last.why, sizeof o->last.why, "bad request id or path");
        return o->last.outcome;
    }
    memcpy(req.key_id, key->key_id, WF_ID_BYTES);
    memcpy(req.path, path, path_len * sizeof path[0]);
    req.path_len = path_len;
    memcpy(req.digest, digest, WF_DIGEST_BYTES);
    req.expiry_ms = wf_client_expiry_after(EXPIRY_S);
    ask a = {.c = c, .req = &req, .out = sig};
    wf_sim_client_nodes(l, a.nodes, 0);
    ask_in_turn(l, &a, ask_sign, first, o);
    if (o->last.outcome != WF_CLIENT_SUCCEEDED)
        return o->last.outcome;
    /* the node named the key it signed with; it must be the one asked for */
    uint8_t want[WF_POINT_BYTES];
    if (wf_point_serialize(want, &child) != WF_OK || sodium_memcmp(want, sig->public_key, WF_POINT_BYTES) != 0) {
        o->last.outcome = WF_CLIENT_BAD_ANSWER;
        snprintf(o->last.why, sizeof o->last.why, "%s signed under another key than the one asked for",
                 l->nodes[o->served_by].name);
    }
    return o->last.outcome;
}

/* 1 when node k answers and reports every other node of mask up. */
static int linked(const wf_client *c, const wf_client_node *node, size_t k, uint32_t mask)
{
    Warifu__Wire__Status *st = NULL;
    wf_client_result res;
    if (wf_client_status(c, node, &st, &res) != WF_CLIENT_SUCCEEDED)
        return 0;
    uint32_t up = 1u << k;
    for (size_t i = 0; i < st->n_peers; i++)
        if (st->peers[i]->up && st->peers[i]->member < 32)
            up |= 1u << st->peers[i]->member;
    wf_client_status_free(st);
    return (up & mask) == mask;
}

int wf_sim_wait_linked(const wf_sim_layout *l, const wf_client *c, uint32_t mask, int timeout_ms)
{
    wf_client_node nodes[WF_SIM_MAX_NODES];
    wf_sim_client_nodes(l, nodes, 5000);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        size_t k = 0;
        while (k < l->n && (!(mask & (1u << k)) || linked(c, &nodes[k], k, mask)))
            k++;
        if (k == l->n)
            return 1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 > timeout_ms)
            return 0;
        usleep(100 * 1000);
    }
}

/* ---- the command line ---- */

typedef struct cli {
    const char *dir, *request_id, *node, *key, *digest, *path;
    double rate, duration;
    int json;
} cli;

static int usage(const char *cmd, const char *what)
{
    fprintf(stderr, "warifu-sim %s: %s (see warifu-sim --help)\n", cmd, what);
    return 2;
}

static int parse(const char *cmd, int argc, char **argv, cli *a)
{
    enum { O_DIR = 1, O_RID, O_NODE, O_KEY, O_DIGEST, O_PATH, O_RATE, O_DUR, O_JSON };
    static const struct option opts[] = {
        {"dir", required_argument, 0, O_DIR},       {"request-id", required_argument, 0, O_RID},
        {"node", required_argument, 0, O_NODE},     {"key", required_argument, 0, O_KEY},
        {"digest", required_argument, 0, O_DIGEST}, {"path", required_argument, 0, O_PATH},
        {"rate", required_argument, 0, O_RATE},     {"duration", required_argument, 0, O_DUR},
        {"json", no_argument, 0, O_JSON},           {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    a->rate = 5;
    a->duration = 10;
    optind = 1;
    int c;
    char *end = NULL;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_DIR: a->dir = optarg; break;
        case O_RID: a->request_id = optarg; break;
        case O_NODE: a->node = optarg; break;
        case O_KEY: a->key = optarg; break;
        case O_DIGEST: a->digest = optarg; break;
        case O_PATH: a->path = optarg; break;
        case O_RATE:
            a->rate = strtod(optarg, &end);
            if (*end != '\0' || !(a->rate > 0 && a->rate <= 10000)) return usage(cmd, "--rate needs 0 < R <= 10000");
            break;
        case O_DUR:
            a->duration = strtod(optarg, &end);
            if (*end != '\0' || !(a->duration > 0 && a->duration <= 86400))
                return usage(cmd, "--duration needs 0 < S <= 86400 seconds");
            break;
        case O_JSON: a->json = 1; break;
        default: return 2;
        }
    }
    if (optind != argc)
        return usage(cmd, "unexpected arguments");
    if (a->dir == NULL)
        return usage(cmd, "--dir is required");
    return 0;
}

static int failed(const char *cmd, const wf_sim_layout *l, const wf_sim_outcome *o)
{
    fprintf(stderr, "warifu-sim %s: %s%s%s (last asked: %s, %zu node%s tried)\n", cmd,
            o->last.outcome == WF_CLIENT_NODE_ERROR ? wf_client_code_name(o->last.code) : "",
            o->last.outcome == WF_CLIENT_NODE_ERROR ? ": " : "", o->last.why, l->nodes[o->served_by].name, o->tries,
            o->tries == 1 ? "" : "s");
    return 1;
}

static void print_hex(const char *label, const uint8_t *b, size_t n)
{
    char hex[2 * 80 + 1];
    wf_hex_encode(hex, b, n);
    printf("%s%s\n", label, hex);
}

static int run_sign(const cli *a, const wf_sim_layout *l, const wf_client *c, size_t first)
{
    wf_sim_outcome o;
    wf_client_key key;
    uint8_t digest[32];
    uint32_t path[WF_REQUEST_PATH_MAX];
    size_t path_len = WF_REQUEST_PATH_MAX;
    const char *why = NULL;
    wf_span d = {a->digest != NULL ? a->digest : "", a->digest != NULL ? strlen(a->digest) : 0};
    if (!wf_span_hex(d, digest, sizeof digest))
        return usage("sign", "--digest needs 64 lowercase hex digits");
    if (a->path == NULL)
        path_len = 0;
    else if (wf_bip32_path_parse(path, &path_len, a->path, &why) != WF_OK)
        return usage("sign", why);
    if (wf_sim_key(l, c, a->key, &key, &o) != WF_CLIENT_SUCCEEDED)
        return failed("sign", l, &o);
    wf_client_signature sig;
    if (wf_sim_sign(l, c, &key, path, path_len, digest, a->request_id, first, &sig, &o) != WF_CLIENT_SUCCEEDED)
        return failed("sign", l, &o);
    printf("signed by the quorum of %s (after %zu node%s)\n", l->nodes[o.served_by].name, o.tries,
           o.tries == 1 ? "" : "s");
    print_hex("r ", sig.r, 32);
    print_hex("s ", sig.s, 32);
    printf("v %u\n", (unsigned)sig.v);
    print_hex("der ", sig.der, sig.der_len);
    print_hex("public_key ", sig.public_key, sizeof sig.public_key);
    return 0;
}

static int run_keygen(const cli *a, const wf_sim_layout *l, const wf_client *c, size_t first)
{
    wf_sim_outcome o;
    wf_client_key key;
    if (wf_sim_keygen(l, c, a->request_id, first, &key, &o) != WF_CLIENT_SUCCEEDED)
        return failed("keygen", l, &o);
    print_hex("key ", key.key_id, WF_ID_BYTES);
    print_hex("public_key ", key.public_key, sizeof key.public_key);
    printf("xpub %s\n", key.xpub);
    return 0;
}

static int run_load(const cli *a, const wf_sim_layout *l, const wf_client *c)
{
    wf_sim_outcome o;
    wf_client_key key;
    uint32_t path[WF_REQUEST_PATH_MAX];
    size_t path_len = WF_REQUEST_PATH_MAX;
    const char *why = NULL;
    if (a->path == NULL)
        path_len = 0;
    else if (wf_bip32_path_parse(path, &path_len, a->path, &why) != WF_OK)
        return usage("load", why);
    if (wf_sim_key(l, c, a->key, &key, &o) != WF_CLIENT_SUCCEEDED)
        return failed("load", l, &o);
    wf_load_node nodes[WF_SIM_MAX_NODES];
    for (size_t k = 0; k < l->n; k++) {
        nodes[k].name = l->nodes[k].name;
        nodes[k].client_url = l->nodes[k].client_url;
        nodes[k].cert_path = l->nodes[k].cert;
    }
    wf_load_cfg cfg = {.nodes = nodes,
                       .n_nodes = l->n,
                       .client_dir = l->client_dir,
                       .path = path,
                       .path_len = path_len,
                       .rate = a->rate,
                       .duration_s = a->duration,
                       .concurrency = 64,
                       .expiry_s = 120,
                       .progress = stderr};
    memcpy(cfg.key_id, key.key_id, WF_ID_BYTES);
    wf_load_summary sum;
    if (wf_load_run(&cfg, &sum, &why) != WF_OK) {
        fprintf(stderr, "warifu-sim load: %s\n", why);
        return 1;
    }
    wf_load_print(&sum, a->json ? stdout : NULL, a->json ? NULL : stdout);
    return sum.ok == sum.requests ? 0 : 1;
}

int wf_sim_client_main(const char *cmd, int argc, char **argv)
{
    cli a;
    int rc = parse(cmd, argc, argv, &a);
    if (rc != 0)
        return rc;
    wf_sim_layout *l = malloc(sizeof *l);
    wf_client *c = NULL;
    const char *why = NULL;
    if (l == NULL)
        return 1;
    if (wf_sim_layout_load(l, a.dir, &why) != WF_OK) {
        fprintf(stderr, "warifu-sim %s: %s\n", cmd, why);
        free(l);
        return 1;
    }
    int first = a.node != NULL ? wf_sim_node_find(l, a.node) : 0;
    if (first < 0) {
        free(l);
        return usage(cmd, "--node names no node of the cluster");
    }
    if (wf_client_open(&c, l->client_dir, 1, &why) != WF_OK) {
        fprintf(stderr, "warifu-sim %s: %s: %s\n", cmd, l->client_dir, why);
        free(l);
        return 1;
    }
    if (strcmp(cmd, "keygen") == 0)
        rc = run_keygen(&a, l, c, (size_t)first);
    else if (strcmp(cmd, "sign") == 0)
        rc = run_sign(&a, l, c, (size_t)first);
    else
        rc = run_load(&a, l, c);
    wf_client_close(c);
    free(l);
    return rc;
}
