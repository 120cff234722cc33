/* warifu-sim refresh and reshare (sim_lifecycle.h). */
#include "simulator/sim_lifecycle.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/text_format.h"
#include "simulator/sim_client.h"
#include "simulator/sim_committee.h"
#include "simulator/sim_kill.h"

#define EXPIRY_S        600
#define VIEW_TIMEOUT_MS 5000

typedef struct opts {
    const char *cmd;
    const char *dir, *request_id, *node, *key, *kill;
    const char *members, *threshold, *ranks;
    long after_ms;
} opts;

static int usage(const char *cmd, const char *what)
{
    fprintf(stderr, "warifu-sim %s: %s (see warifu-sim --help)\n", cmd, what);
    return 2;
}

static int parse(const char *cmd, int argc, char **argv, opts *o)
{
    enum { O_DIR = 1, O_RID, O_NODE, O_KEY, O_KILL, O_AFTER, O_MEMBERS, O_T, O_RANKS };
    static const struct option lo[] = {
        {"dir", required_argument, 0, O_DIR},         {"request-id", required_argument, 0, O_RID},
        {"node", required_argument, 0, O_NODE},       {"key", required_argument, 0, O_KEY},
        {"kill", required_argument, 0, O_KILL},       {"after-ms", required_argument, 0, O_AFTER},
        {"members", required_argument, 0, O_MEMBERS}, {"threshold", required_argument, 0, O_T},
        {"ranks", required_argument, 0, O_RANKS},     {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
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
            if (*optarg < '0' || *optarg > '9' || *end != '\0' || o->after_ms > WF_SIM_KILL_AFTER_MS_MAX)
                return usage(cmd, "--after-ms needs 0..3600000");
            break;
        case O_MEMBERS: o->members = optarg; break;
        case O_T: o->threshold = optarg; break;
        case O_RANKS: o->ranks = optarg; break;
        default: return 2;
        }
    }
    if (optind != argc)
        return usage(cmd, "unexpected arguments");
    if (o->dir == NULL)
        return usage(cmd, "--dir is required");
    if ((o->kill != NULL) != (o->after_ms >= 0))
        return usage(cmd, "--kill NODE and --after-ms N go together");
    int committee = o->members != NULL || o->threshold != NULL || o->ranks != NULL;
    if (strcmp(cmd, "reshare") == 0 && !committee)
        return usage(cmd, "--members, --threshold and --ranks are required");
    if (strcmp(cmd, "reshare") != 0 && committee)
        return usage(cmd, "--members, --threshold and --ranks are reshare's");
    return 0;
}

/* The request, ready but for its kind: what refresh and reshare share. */
typedef struct lifecycle {
    const opts *o;
    const wf_sim_layout *l;
    const wf_client *c;
    wf_client_key key; /* before */
    wf_sim_committee cm;
    uint8_t request_id[WF_REQUEST_ID_MAX];
    size_t request_id_len;
} lifecycle;

/* The fields both requests have: request id, key id, expiry. */
static void fill_common(const lifecycle *lc, uint8_t request_id[WF_REQUEST_ID_MAX], size_t *request_id_len,
                        uint8_t key_id[WF_ID_BYTES], uint64_t *expiry_ms)
{
    memcpy(request_id, lc->request_id, lc->request_id_len);
    *request_id_len = lc->request_id_len;
    memcpy(key_id, lc->key.key_id, WF_ID_BYTES);
    *expiry_ms = wf_client_expiry_after(EXPIRY_S);
}

static wf_client_outcome send_refresh(const lifecycle *lc, const wf_client_node *node, wf_client_key *after,
                                      wf_client_result *res)
{
    wf_refresh_request req;
    memset(&req, 0, sizeof req);
    fill_common(lc, req.request_id, &req.request_id_len, req.key_id, &req.expiry_ms);
    return wf_client_refresh(lc->c, node, &req, after, res);
}

static wf_client_outcome send_reshare(const lifecycle *lc, const wf_client_node *node, wf_client_key *after,
                                      wf_client_result *res)
{
    wf_reshare_request req;
    memset(&req, 0, sizeof req);
    fill_common(lc, req.request_id, &req.request_id_len, req.key_id, &req.expiry_ms);
    req.n_members = lc->cm.n;
    req.threshold = lc->cm.threshold;
    memcpy(req.members, lc->cm.nodes, lc->cm.n * sizeof lc->cm.nodes[0]);
    memcpy(req.ranks, lc->cm.ranks, lc->cm.n * sizeof lc->cm.ranks[0]);
    return wf_client_reshare(lc->c, node, &req, after, res);
}

/* Sends the request to node `first` (a kill meanwhile if asked), prints
 * the outcome and every node's view after it; the exit code. */
static int send_and_report(const lifecycle *lc, size_t first)
{
    const opts *o = lc->o;
    const wf_sim_layout *l = lc->l;
    char kid[2 * WF_ID_BYTES + 1], text[WF_SIM_MAX_NODES * 40] = "";
    wf_hex_encode(kid, lc->key.key_id, WF_ID_BYTES);
    if (lc->cm.n > 0)
        wf_sim_committee_format(text, sizeof text, l, &lc->cm);
    printf("%s of key %s%s%s via %s (request id %.*s)\n", o->cmd, kid, lc->cm.n > 0 ? " to " : "", text,
           l->nodes[first].name, (int)lc->request_id_len, (const char *)lc->request_id);
    fflush(stdout);

    wf_client_node nodes[WF_SIM_MAX_NODES];
    wf_sim_client_nodes(l, nodes, 0);
    wf_client_key after;
    wf_client_result res;
    wf_sim_killer k;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!wf_sim_killer_start(&k, l, o->kill, o->after_ms)) {
        fprintf(stderr, "warifu-sim %s: %s\n", o->cmd, k.result);
        return 1;
    }
    wf_client_outcome out = strcmp(o->cmd, "reshare") == 0 ? send_reshare(lc, &nodes[first], &after, &res)
                                                           : send_refresh(lc, &nodes[first], &after, &res);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    wf_sim_killer_join(&k);
    if (k.result[0] != '\0')
        printf("%s\n", k.result);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    int rc = 0;
    if (out == WF_CLIENT_SUCCEEDED) {
        int same = memcmp(after.public_key, lc->key.public_key, WF_POINT_BYTES) == 0 &&
                   strcmp(after.xpub, lc->key.xpub) == 0;
        printf("%s done in %.2f s: generation %llu, %u-of-%u, public key and xpub unchanged: %s\n", o->cmd, s,
               (unsigned long long)after.generation, (unsigned)after.threshold, (unsigned)after.members,
               same ? "yes" : "NO");
        rc = same ? 0 : 1;
    } else {
        printf("%s failed after %.2f s: %s%s%s\n", o->cmd, s,
               out == WF_CLIENT_NODE_ERROR ? wf_client_code_name(res.code) : "",
               out == WF_CLIENT_NODE_ERROR ? ": " : "", res.why);
        rc = 1;
    }
    wf_sim_view views[WF_SIM_MAX_NODES];
    wf_sim_views(l, lc->c, lc->key.key_id, VIEW_TIMEOUT_MS, views);
    if (!wf_sim_views_print(l, views, &lc->key))
        rc = 1;
    return rc;
}

static int run(const opts *o, const wf_sim_layout *l, const wf_client *c)
{
    lifecycle lc = {.o = o, .l = l, .c = c};
    wf_sim_outcome so;
    const char *why = NULL;
    if (!wf_sim_committee_parse(&lc.cm, l, o->members, o->threshold, o->ranks, &why))
        return usage(o->cmd, why);
    if (!wf_sim_request_id(lc.request_id, &lc.request_id_len, o->request_id))
        return usage(o->cmd, "a request id has 1..64 characters");
    if (wf_sim_key(l, c, o->key, &lc.key, &so) != WF_CLIENT_SUCCEEDED) {
        fprintf(stderr, "warifu-sim %s: %s\n", o->cmd, so.last.why);
        return 1;
    }
    int first = o->node != NULL ? wf_sim_node_find(l, o->node) : (int)so.served_by;
    return send_and_report(&lc, (size_t)first);
}

int wf_sim_lifecycle_main(const char *cmd, int argc, char **argv)
{
    opts o;
    wf_sim_layout *l = NULL;
    wf_client *c = NULL;
    int rc = parse(cmd, argc, argv, &o);
    const char *names[2] = {o.node, o.kill};
    if (rc != 0 || (rc = wf_sim_open(cmd, o.dir, names, 2, &l, &c)) != 0)
        return rc;
    rc = run(&o, l, c);
    wf_sim_close(l, c);
    return rc;
}
