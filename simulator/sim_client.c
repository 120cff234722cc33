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

/* A node outside a key's committee holds nothing of it and says NOT_FOUND;
 * a member of the committee may hold it. */
static int not_held(const wf_client_result *res)
{
    return res->outcome == WF_CLIENT_NODE_ERROR &&
           res->code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_NOT_FOUND;
}

/* Keeps res as the request's result unless a node has answered already and
 * res says less: "no authorised quorum" from a live node says more than
 * "connection refused" from a dead one, and anything from a member of the
 * key's committee more than NOT_FOUND from a node outside it. */
static void outcome_note(wf_sim_outcome *o, const wf_client_result *res, size_t node)
{
    if (o->tries > 1 && !not_held(&o->last) &&
        ((res->outcome == WF_CLIENT_NO_ANSWER && o->last.outcome == WF_CLIENT_NODE_ERROR) || not_held(res)))
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
 * or refusal): each at most once. NOT_FOUND moves on too — the key may have
 * a committee the node is not in — and is the answer only when every node
 * gives it. */
static void ask_in_turn(const wf_sim_layout *l, const ask *a, ask_fn fn, size_t first, wf_sim_outcome *o)
{
    for (size_t i = 0; i < l->n; i++) {
        size_t k = (first + i) % l->n;
        wf_client_result res;
        o->tries++;
        fn(a, k, &res);
        outcome_note(o, &res, k);
        if (!wf_client_retryable(&res) && !not_held(&res))
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

int wf_sim_request_id(uint8_t out[WF_REQUEST_ID_MAX], size_t *len, const char *given)
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
    return wf_sim_keygen_committee(l, c, rid, first, NULL, key, o);
}

wf_client_outcome wf_sim_keygen_committee(const wf_sim_layout *l, const wf_client *c, const char *rid,
                                          size_t first, const wf_sim_committee *cm, wf_client_key *key,
                                          wf_sim_outcome *o)
{
    wf_keygen_request req;
    memset(&req, 0, sizeof req);
    outcome_init(o);
    if (cm != NULL && cm->n > 0) {
        req.n_members = cm->n;
        req.threshold = cm->threshold;
        memcpy(req.members, cm->nodes, cm->n * sizeof cm->nodes[0]);
        memcpy(req.ranks, cm->ranks, cm->n * sizeof cm->ranks[0]);
    }
    if (!wf_sim_request_id(req.request_id, &req.request_id_len, rid)) {
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
    if (!wf_sim_request_id(req.request_id, &req.request_id_len, rid) || path_len > WF_REQUEST_PATH_MAX ||
        wf_client_key_child(&child, key, path, path_len) != WF_OK) {
        snprintf(o->last.why, sizeof o->last.why, "bad request id or path");
        return o->last.outcome;
    }
    memcpy(req.key_id, key->key_id, WF_ID_BYTES);
    if (path_len > 0) /* path may be NULL then */
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

uint32_t wf_sim_views(const wf_sim_layout *l, const wf_client *c, const uint8_t key_id[WF_ID_BYTES],
                      int timeout_ms, wf_sim_view views[WF_SIM_MAX_NODES])
{
    wf_client_node nodes[WF_SIM_MAX_NODES];
    uint32_t held = 0;
    wf_sim_client_nodes(l, nodes, timeout_ms);
    for (size_t k = 0; k < l->n; k++) {
        memset(&views[k], 0, sizeof views[k]);
        views[k].outcome = wf_client_pubkey(c, &nodes[k], key_id, &views[k].key, &views[k].res);
        if (views[k].outcome == WF_CLIENT_SUCCEEDED)
            held |= 1u << k;
    }
    return held;
}

int wf_sim_views_print(const wf_sim_layout *l, const wf_sim_view views[WF_SIM_MAX_NODES],
                       const wf_client_key *was)
{
    int same = 1;
    for (size_t k = 0; k < l->n; k++) {
        const wf_sim_view *v = &views[k];
        if (v->outcome == WF_CLIENT_SUCCEEDED) {
            int unchanged = memcmp(v->key.public_key, was->public_key, WF_POINT_BYTES) == 0 &&
                            strcmp(v->key.xpub, was->xpub) == 0;
            same &= unchanged;
            printf("%s: share at generation %llu of a %u-of-%u committee, public key and xpub %s\n",
                   l->nodes[k].name, (unsigned long long)v->key.generation, (unsigned)v->key.threshold,
                   (unsigned)v->key.members, unchanged ? "unchanged" : "CHANGED");
        } else if (not_held(&v->res)) {
            printf("%s: no share\n", l->nodes[k].name);
        } else {
            printf("%s: no answer (%s)\n", l->nodes[k].name, v->res.why);
        }
    }
    return same;
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
    const char *members, *threshold, *ranks; /* keygen's committee */
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
    enum { O_DIR = 1, O_RID, O_NODE, O_KEY, O_DIGEST, O_PATH, O_RATE, O_DUR, O_JSON, O_MEMBERS, O_T, O_RANKS };
    static const struct option opts[] = {
        {"dir", required_argument, 0, O_DIR},       {"request-id", required_argument, 0, O_RID},
        {"node", required_argument, 0, O_NODE},     {"key", required_argument, 0, O_KEY},
        {"digest", required_argument, 0, O_DIGEST}, {"path", required_argument, 0, O_PATH},
        {"rate", required_argument, 0, O_RATE},     {"duration", required_argument, 0, O_DUR},
        {"json", no_argument, 0, O_JSON},           {"members", required_argument, 0, O_MEMBERS},
        {"threshold", required_argument, 0, O_T},   {"ranks", required_argument, 0, O_RANKS},
        {0, 0, 0, 0}};
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
        case O_MEMBERS: a->members = optarg; break;
        case O_T: a->threshold = optarg; break;
        case O_RANKS: a->ranks = optarg; break;
        default: return 2;
        }
    }
    if (optind != argc)
        return usage(cmd, "unexpected arguments");
    if (a->dir == NULL)
        return usage(cmd, "--dir is required");
    if (strcmp(cmd, "keygen") != 0 && (a->members != NULL || a->threshold != NULL || a->ranks != NULL))
        return usage(cmd, "--members, --threshold and --ranks are keygen's");
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
    wf_sim_committee cm;
    const char *why = NULL;
    if (!wf_sim_committee_parse(&cm, l, a->members, a->threshold, a->ranks, &why))
        return usage("keygen", why);
    if (wf_sim_keygen_committee(l, c, a->request_id, first, &cm, &key, &o) != WF_CLIENT_SUCCEEDED)
        return failed("keygen", l, &o);
    print_hex("key ", key.key_id, WF_ID_BYTES);
    print_hex("public_key ", key.public_key, sizeof key.public_key);
    printf("xpub %s\n", key.xpub);
    if (cm.n > 0) {
        char text[WF_SIM_MAX_NODES * 40];
        wf_sim_committee_format(text, sizeof text, l, &cm);
        printf("committee %s\n", text);
    }
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
    /* the load goes to the nodes holding the key now (all of them if none
     * says so): a node outside its committee could only refuse */
    wf_sim_view views[WF_SIM_MAX_NODES];
    uint32_t held = wf_sim_views(l, c, key.key_id, 5000, views);
    wf_load_node nodes[WF_SIM_MAX_NODES];
    size_t n = 0;
    for (size_t k = 0; k < l->n; k++) {
        if (held != 0 && !(held & (1u << k)))
            continue;
        nodes[n].name = l->nodes[k].name;
        nodes[n].client_url = l->nodes[k].client_url;
        nodes[n++].cert_path = l->nodes[k].cert;
    }
    wf_load_cfg cfg = {.nodes = nodes,
                       .n_nodes = n,
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

int wf_sim_open(const char *cmd, const char *dir, const char *const *names, size_t n_names, wf_sim_layout **l,
                wf_client **c)
{
    const char *why = NULL;
    *c = NULL;
    if ((*l = malloc(sizeof **l)) == NULL)
        return 1;
    if (wf_sim_layout_load(*l, dir, &why) != WF_OK) {
        fprintf(stderr, "warifu-sim %s: %s\n", cmd, why);
        wf_sim_close(*l, NULL);
        return 1;
    }
    for (size_t i = 0; i < n_names; i++)
        if (names[i] != NULL && wf_sim_node_find(*l, names[i]) < 0) {
            fprintf(stderr, "warifu-sim %s: %s names no node of the cluster (see warifu-sim --help)\n", cmd,
                    names[i]);
            wf_sim_close(*l, NULL);
            return 2;
        }
    if (wf_client_open(c, (*l)->client_dir, 1, &why) != WF_OK) {
        fprintf(stderr, "warifu-sim %s: %s: %s\n", cmd, (*l)->client_dir, why);
        wf_sim_close(*l, NULL);
        return 1;
    }
    return 0;
}

void wf_sim_close(wf_sim_layout *l, wf_client *c)
{
    wf_client_close(c);
    free(l);
}

int wf_sim_client_main(const char *cmd, int argc, char **argv)
{
    cli a;
    wf_sim_layout *l = NULL;
    wf_client *c = NULL;
    int rc = parse(cmd, argc, argv, &a);
    if (rc != 0 || (rc = wf_sim_open(cmd, a.dir, &a.node, 1, &l, &c)) != 0)
        return rc;
    size_t first = a.node != NULL ? (size_t)wf_sim_node_find(l, a.node) : 0;
    if (strcmp(cmd, "keygen") == 0)
        rc = run_keygen(&a, l, c, first);
    else if (strcmp(cmd, "sign") == 0)
        rc = run_sign(&a, l, c, first);
    else
        rc = run_load(&a, l, c);
    wf_sim_close(l, c);
    return rc;
}
