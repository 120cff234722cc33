/* `warifu-sim demo` (sim_demo.h): the README's main job. */
#include "simulator/sim_demo.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/text_format.h"
#include "simulator/sim_client.h"
#include "simulator/sim_control.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    wf_hex_encode(out, b, n);
}

static int control(const wf_sim_layout *l, const char *cmd)
{
    const char *why = NULL;
    printf("$ warifu-sim %s\n", cmd);
    if (wf_sim_control(l, cmd, 120000, NULL, &why) != WF_OK) {
        fprintf(stderr, "demo: %s: %s\n", cmd, why);
        return 0;
    }
    return 1;
}

static int fail_outcome(const char *what, const wf_sim_layout *l, const wf_sim_outcome *o)
{
    fprintf(stderr, "demo: %s failed at %s: %s%s%s\n", what, l->nodes[o->served_by].name,
            o->last.outcome == WF_CLIENT_NODE_ERROR ? wf_client_code_name(o->last.code) : "",
            o->last.outcome == WF_CLIENT_NODE_ERROR ? ": " : "", o->last.why);
    return 0;
}

/* Signs "withdrawal #i" for m/0/i, starting at node `first`, and prints the
 * signature verified (by wf_sim_sign: under the child of the key's xpub). */
static int sign_one(const wf_sim_layout *l, const wf_client *c, const wf_client_key *key, unsigned i, size_t first)
{
    char text[64], rid[32], r[65], s[65], der[2 * WF_ECDSA_DER_MAX + 1];
    uint8_t digest[32];
    uint32_t path[2] = {0, i};
    snprintf(text, sizeof text, "withdrawal #%u", i);
    SHA256((const unsigned char *)text, strlen(text), digest);
    snprintf(rid, sizeof rid, "demo-withdrawal-%u-%08x", i, (unsigned)time(NULL));
    wf_client_signature sig;
    wf_sim_outcome o;
    double t0 = now_s();
    if (wf_sim_sign(l, c, key, path, 2, digest, rid, first, &sig, &o) != WF_CLIENT_SUCCEEDED)
        return fail_outcome("sign", l, &o);
    hex(r, sig.r, 32);
    hex(s, sig.s, 32);
    hex(der, sig.der, sig.der_len);
    printf("sign sha256(\"%s\") for m/0/%u via %s: %.0f ms, verified under the child key\n", text, i,
           l->nodes[o.served_by].name, (now_s() - t0) * 1e3);
    printf("    r %s\n    s %s\n    v %u  der %s\n", r, s, (unsigned)sig.v, der);
    return 1;
}

static int addresses(const wf_sim_layout *l, const wf_client *c, const wf_client_key *key)
{
    wf_client_node nodes[WF_SIM_MAX_NODES];
    wf_sim_client_nodes(l, nodes, 0);
    for (uint32_t i = 1; i <= 2; i++) {
        uint32_t path[2] = {0, i};
        wf_client_addresses a;
        wf_client_result res;
        if (wf_client_address(c, &nodes[0], key->key_id, path, 2, &a, &res) != WF_CLIENT_SUCCEEDED) {
            fprintf(stderr, "demo: address: %s\n", res.why);
            return 0;
        }
        printf("m/0/%u  BTC %s  ETH %s\n", i, a.btc, a.eth);
    }
    return 1;
}

static int run(const wf_sim_layout *l)
{
    wf_client *c = NULL;
    const char *why = NULL;
    if (wf_client_open(&c, l->client_dir, 1, &why) != WF_OK) {
        fprintf(stderr, "demo: client: %s\n", why);
        return 0;
    }
    wf_client_key key;
    wf_sim_outcome o;
    char id[2 * WF_ID_BYTES + 1], pub[2 * WF_POINT_BYTES + 1];
    int ok = 0;
    double t0 = now_s();
    printf("$ warifu-sim keygen   (distributed key generation and aux-info among all %zu nodes)\n", l->n);
    if (wf_sim_keygen(l, c, NULL, 0, &key, &o) != WF_CLIENT_SUCCEEDED) {
        fail_outcome("keygen", l, &o);
        goto done;
    }
    hex(id, key.key_id, WF_ID_BYTES);
    hex(pub, key.public_key, WF_POINT_BYTES);
    printf("key %s (%.1f s)\n    public key %s\n    xpub %s\n", id, now_s() - t0, pub, key.xpub);
    if (!addresses(l, c, &key))
        goto done;
    for (unsigned i = 1; i <= 3; i++)
        if (!sign_one(l, c, &key, i, (i - 1) % l->n))
            goto done;
    if (l->n == 5 && l->threshold == 3 && l->nodes[0].rank == 0 && l->nodes[1].rank == 0) {
        /* two machines lost (the default cluster): a quorum with an officer still signs */
        if (!control(l, "kill n5") || !control(l, "kill n4") || !sign_one(l, c, &key, 4, 3))
            goto done;
    }
    ok = 1;
done:
    wf_client_close(c);
    return ok;
}

int wf_sim_demo_run(const wf_sim_up_opts *o, const char *self, int keep)
{
    wf_sim_layout *l = malloc(sizeof *l);
    const char *why = NULL;
    int created = 0;
    if (l == NULL)
        return 1;
    printf("$ warifu-sim up --dir %s   (%zu nodes, threshold %u, regions:", o->dir, o->spec.n,
           (unsigned)o->spec.threshold);
    for (size_t k = 0; k < o->spec.n; k++)
        printf(" %s", o->spec.regions[k]);
    printf(")\n");
    double t0 = now_s();
    if (wf_sim_up(o, self, l, &created, &why) != WF_OK) {
        fprintf(stderr, "demo: up: %s\n", why);
        free(l);
        return 1;
    }
    printf("%zu warifud processes ready in %.1f s; every peer link passes a relay adding the regions' latency\n",
           l->n, now_s() - t0);
    int ok = run(l);
    if (!keep)
        ok = control(l, "down") && ok;
    else
        printf("left running: warifu-sim down --dir %s\n", l->dir);
    printf(ok ? "demo: all signatures verified\n" : "demo: FAILED (logs in %s)\n", l->logs);
    free(l);
    return ok ? 0 : 1;
}
