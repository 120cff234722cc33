/* Key-lifecycle benchmark: refresh (new shares of the same key and new
 * Paillier keys, pooled primes) and reshare (the key moved to a committee of
 * the same structure on the same nodes) for 2-of-3 and 3-of-5 (ranks
 * {0,0,1,1,1}), among in-process parties over the harness, measured as
 * benches/protocol_runs.h describes (CPU per party in milliseconds and modexp
 * units, wall time per party, bytes sent per party). Every run is checked:
 * the public key stays the same.
 *
 * Usage: lifecycle_bench [--quick]
 *   --quick    2-of-3 only, one reshare (a smoke run)
 * Output: {"modexp_unit_ms": u, "protocols": {"refresh_2of3": {...}, ...}} */
#include <stdio.h>
#include <string.h>

#include "benches/protocol_runs.h"
#include "protocol/refresh.h"
#include "protocol/reshare.h"

static double unit_ms;

/* Refresh of the cluster's key with pooled keys; c->keys and c->aux become
 * the refreshed ones. */
static void refresh(wf_bench_cluster *c, wf_paillier_sk **pool, wf_bench_result *res)
{
    wf_machine *ms[WF_MAX_MEMBERS];
    uint8_t tag = ++wf_bench_session_counter;
    for (size_t j = 0; j < c->n; j++) {
        wf_machine_cfg cfg = wf_bench_cfg(c, (uint32_t)j, tag);
        memcpy(cfg.key_id, c->keys[j]->pub.key_id, WF_ID_BYTES);
        wf_refresh_params p = {.key = c->keys[j], .bits = 2048, .pooled = pool[j]};
        if (wf_refresh_new(&ms[j], &cfg, &p) != WF_OK)
            wf_bench_fail("refresh init");
        pool[j] = NULL; /* the machine owns it */
    }
    wf_bench_run(ms, c->n, res);
    for (size_t j = 0; j < c->n; j++) {
        wf_key_share *key = NULL;
        wf_aux *aux = NULL;
        if (wf_refresh_result(ms[j], &key, &aux) != WF_OK ||
            !wf_point_eq(&key->pub.public_key, &c->keys[j]->pub.public_key))
            wf_bench_fail("refresh result");
        wf_key_share_free(c->keys[j]);
        wf_aux_free(c->aux[j]);
        c->keys[j] = key;
        c->aux[j] = aux;
        wf_machine_free(ms[j]);
    }
}

/* Reshare from the quorum of the first t members to a committee with the
 * same identifiers and ranks on the same nodes (party id = member index);
 * c->keys become the new ones. */
static void reshare(wf_bench_cluster *c, wf_bench_result *res)
{
    const wf_key_public *old = &c->keys[0]->pub;
    wf_reshare_params p;
    memset(&p, 0, sizeof p);
    p.old = old;
    p.n = old->n;
    p.t = old->t;
    for (uint32_t d = 0; d < old->t; d++)
        p.dealers[d] = p.dealer_party[d] = d;
    for (uint32_t j = 0; j < old->n; j++) {
        p.members[j] = old->members[j];
        p.member_party[j] = j;
    }
    wf_machine *ms[WF_MAX_MEMBERS];
    uint8_t tag = ++wf_bench_session_counter;
    for (uint32_t j = 0; j < c->n; j++) {
        wf_machine_cfg cfg = wf_bench_cfg(c, j, tag);
        memcpy(cfg.key_id, old->key_id, WF_ID_BYTES);
        p.share = j < old->t ? c->keys[j] : NULL;
        if (wf_reshare_new(&ms[j], &cfg, &p) != WF_OK)
            wf_bench_fail("reshare init");
    }
    wf_bench_run(ms, c->n, res);
    for (size_t j = 0; j < c->n; j++) {
        wf_key_share *key = NULL;
        if (wf_reshare_result(ms[j], &key) != WF_OK || key == NULL ||
            !wf_point_eq(&key->pub.public_key, &c->keys[j]->pub.public_key))
            wf_bench_fail("reshare result");
        wf_machine_free(ms[j]);
        wf_key_share_free(c->keys[j]);
        c->keys[j] = key;
    }
}

/* Times one structure; prints its two entries. */
static void bench_structure(size_t n, size_t t, int reshares, int last)
{
    static const uint32_t ranks[2][5] = {{0, 0, 0}, {0, 0, 1, 1, 1}};
    wf_bench_cluster c;
    wf_bench_cluster_init(&c, n, t);
    wf_bench_result kg = {0}, rf = {0}, rs = {0};
    wf_bench_keygen(&c, ranks[n == 5], &kg);
    wf_paillier_sk *pool[WF_MAX_MEMBERS];
    wf_bench_paillier_pool(pool, n);
    refresh(&c, pool, &rf);
    for (int i = 0; i < reshares; i++)
        reshare(&c, &rs);
    const char *tag = n == 3 ? "2of3" : "3of5";
    char name[64];
    snprintf(name, sizeof name, "refresh_pooled_%s", tag);
    wf_bench_print(name, &rf, unit_ms, 0);
    snprintf(name, sizeof name, "reshare_%s", tag);
    wf_bench_print(name, &rs, unit_ms, last);
    wf_bench_cluster_clear(&c);
}

int main(int argc, char **argv)
{
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else {
            fprintf(stderr, "usage: lifecycle_bench [--quick]\n");
            return 2;
        }
    }
    wf_bench_program = "lifecycle_bench";
    if (wf_crypto_init() != WF_OK)
        wf_bench_fail("init");
    unit_ms = wf_bench_modexp_unit_ms();
    printf("{\n  \"modexp_unit_ms\": %.3f,\n  \"protocols\": {\n", unit_ms);
    bench_structure(3, 2, quick ? 1 : 10, quick);
    if (!quick)
        bench_structure(5, 3, 10, 1);
    printf("  }\n}\n");
    return 0;
}
