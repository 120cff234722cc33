/* warifu-sim refresh (sim_refresh.h). */
#include "simulator/sim_refresh.h"

#include <getopt.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/text_format.h"
#include "simulator/sim_client.h"
#include "simulator/sim_control.h"

#define EXPIRY_S 600

typedef struct opts {
    const char *dir, *request_id, *node, *key, *kill;
    long after_ms;
} opts;

static int usage(const char *what)
{
    fprintf(stderr, "warifu-sim refresh: %s (see warifu-sim --help)\n", what);
    return 2;
}

static int parse(int argc, char **argv, opts *o)
{
    enum { O_DIR = 1, O_RID, O_NODE, O_KEY, O_KILL, O_AFTER };
    static const struct option lo[] = {{"dir", required_argument, 0, O_DIR},
                                       {"request-id", required_argument, 0, O_RID},
                                       {"node", required_argument, 0, O_NODE},
                                       {"key", required_argument, 0, O_KEY},
                                       {"kill", required_argument, 0, O_KILL},
                                       {"after-ms", required_argument, 0, O_AFTER},
                                       {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->after_ms = -1;
    optind = 1;
    int c;
    char *end = NULL;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case O_DIR: o->dir = optarg; break;
        case O_RID: o->request_id = optarg; break;
        case O_NODE: o->node = optarg; break;
        case O_KEY: o->key = optarg; break;
        case O_KILL: o->kill = optarg; break;
        case O_AFTER:
            o->after_ms = strtol(optarg, &end, 10);
            if (*end != '\0' || o->after_ms < 0 || o->after_ms > 3600000)
                return usage("--after-ms needs 0..3600000");
            break;
        default: return 2;
        }
    }
    if (optind != argc)
        return usage("unexpected arguments");
    if (o->dir == NULL)
        return usage("--dir is required");
    if ((o->kill != NULL) != (o->after_ms >= 0))
        return usage("--kill NODE and --after-ms N go together");
    return 0;
}

/* The killer: N ms after the request left, the supervisor kills a node. */
typedef struct killer {
    const wf_sim_layout *l;
    const char *node;
    long after_ms;
    char result[256];
} killer;

static void *kill_main(void *arg)
{
    killer *k = arg;
    struct timespec ts = {k->after_ms / 1000, (k->after_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    char cmd[128], *reply = NULL;
    const char *why = NULL;
    snprintf(cmd, sizeof cmd, "kill %s", k->node);
    wf_err err = wf_sim_control(k->l, cmd, 30000, &reply, &why);
    snprintf(k->result, sizeof k->result, "%s after %ld ms: %s", cmd, k->after_ms,
             err == WF_OK ? "done" : (reply != NULL ? reply : why));
    free(reply);
    return NULL;
}

/* Prints every node's generation of key_id (or why it cannot tell). */
static void print_generations(const wf_sim_layout *l, const wf_client *c, const uint8_t key_id[WF_ID_BYTES])
{
    wf_client_node nodes[WF_SIM_MAX_NODES];
    wf_sim_client_nodes(l, nodes, 5000);
    for (size_t k = 0; k < l->n; k++) {
        Warifu__Wire__Status *st = NULL;
        wf_client_result res;
        if (wf_client_status(c, &nodes[k], &st, &res) != WF_CLIENT_SUCCEEDED) {
            printf("%s: no answer (%s)\n", l->nodes[k].name, res.why);
            continue;
        }
        unsigned long long g = 0;
        for (size_t i = 0; i < st->n_keys; i++)
            if (st->keys[i]->key_id.len == WF_ID_BYTES &&
                memcmp(st->keys[i]->key_id.data, key_id, WF_ID_BYTES) == 0)
                g = (unsigned long long)st->keys[i]->generation;
        printf("%s: generation %llu\n", l->nodes[k].name, g);
        wf_client_status_free(st);
    }
}

static int run(const opts *o, const wf_sim_layout *l, const wf_client *c, size_t first)
{
    wf_sim_outcome so;
    wf_client_key key;
    if (wf_sim_key(l, c, o->key, &key, &so) != WF_CLIENT_SUCCEEDED) {
        fprintf(stderr, "warifu-sim refresh: %s\n", so.last.why);
        return 1;
    }
    wf_refresh_request req;
    memset(&req, 0, sizeof req);
    const char *rid = o->request_id;
    char made[4 + 16 + 1];
    if (rid == NULL) {
        uint8_t r[8];
        randombytes_buf(r, sizeof r);
        memcpy(made, "sim-", 4);
        wf_hex_encode(made + 4, r, sizeof r);
        rid = made;
    }
    req.request_id_len = strlen(rid);
    if (req.request_id_len == 0 || req.request_id_len > WF_REQUEST_ID_MAX)
        return usage("a request id has 1..64 characters");
    memcpy(req.request_id, rid, req.request_id_len);
    memcpy(req.key_id, key.key_id, WF_ID_BYTES);
    req.expiry_ms = wf_client_expiry_after(EXPIRY_S);

    killer k = {.l = l, .node = o->kill, .after_ms = o->after_ms};
    pthread_t th;
    int killing = o->kill != NULL && pthread_create(&th, NULL, kill_main, &k) == 0;
    wf_client_node nodes[WF_SIM_MAX_NODES];
    wf_sim_client_nodes(l, nodes, 0);
    wf_client_key after;
    wf_client_result res;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char kid[2 * WF_ID_BYTES + 1];
    wf_hex_encode(kid, key.key_id, WF_ID_BYTES);
    printf("refresh of key %s via %s (request id %s)\n", kid, l->nodes[first].name, rid);
    wf_client_outcome out = wf_client_refresh(c, &nodes[first], &req, &after, &res);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (killing) {
        pthread_join(th, NULL);
        printf("%s\n", k.result);
    }
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    int rc = 0;
    if (out == WF_CLIENT_SUCCEEDED) {
        char hex[2 * WF_POINT_BYTES + 1];
        wf_hex_encode(hex, after.public_key, sizeof after.public_key);
        printf("refreshed in %.2f s: generation %llu, public key %s (unchanged: %s)\n", s,
               (unsigned long long)after.generation, hex,
               memcmp(after.public_key, key.public_key, sizeof key.public_key) == 0 ? "yes" : "NO");
        rc = memcmp(after.public_key, key.public_key, sizeof key.public_key) == 0 ? 0 : 1;
    } else {
        printf("refresh failed after %.2f s: %s%s%s\n", s,
               out == WF_CLIENT_NODE_ERROR ? wf_client_code_name(res.code) : "",
               out == WF_CLIENT_NODE_ERROR ? ": " : "", res.why);
        rc = 1;
    }
    print_generations(l, c, key.key_id);
    return rc;
}

int wf_sim_refresh_main(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc != 0)
        return rc;
    wf_sim_layout *l = malloc(sizeof *l);
    wf_client *c = NULL;
    const char *why = NULL;
    if (l == NULL)
        return 1;
    if (wf_sim_layout_load(l, o.dir, &why) != WF_OK) {
        fprintf(stderr, "warifu-sim refresh: %s\n", why);
        free(l);
        return 1;
    }
    int first = o.node != NULL ? wf_sim_node_find(l, o.node) : 0;
    if (first < 0 || (o.kill != NULL && wf_sim_node_find(l, o.kill) < 0)) {
        free(l);
        return usage("--node and --kill name nodes of the cluster");
    }
    if (wf_client_open(&c, l->client_dir, 1, &why) != WF_OK) {
        fprintf(stderr, "warifu-sim refresh: %s: %s\n", l->client_dir, why);
        free(l);
        return 1;
    }
    rc = run(&o, l, c, (size_t)first);
    wf_client_close(c);
    free(l);
    return rc;
}
