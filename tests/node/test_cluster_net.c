/* A cluster config drives a real peer network: three nodes initialised on
 * loopback ports, a 2-of-3 config assembled from their member files, and for
 * every node the wf_peer_net_cfg (wf_cluster_net_prepare) and wf_machine_cfg
 * (wf_cluster_config_machine_cfg) the config gives. Envelopes each node seals
 * with its identity key cross the TLS links pinned from the config; the
 * receiver attributes each to its sender by the link and opens it with the
 * identity key the config lists for that member, under the config's cluster
 * id. Not under valgrind (NNG, see tests/CMakeLists.txt). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "node/cluster_config.h"
#include "node/node_identity.h"
#include "node/peer_net.h"
#include "protocol/envelope.h"
#include "tests/check.h"
#include "tests/node/cluster_fixture.h"
#include "tests/node/port_fixture.h"

#define N       3
#define WAIT_MS 10000

static const char *names[N] = {"alpha", "bravo", "charlie"};

int main(void)
{
    char dirs[N][256], key_file[N][256], address[N][64], rel[64];
    wf_node_member members[N];
    wf_node_identity ids[N];
    wf_cluster_config *c = NULL;
    wf_cluster_net *nets[N] = {0};
    wf_peer_net *peer[N] = {0};
    const char *why = NULL;

    REQUIRE(wf_crypto_init() == WF_OK);
    wf_cf_root_make();
    unsigned base = wf_test_free_port_range(N * N); /* member i's base is base + N·i */
    for (int i = 0; i < N; i++) {
        snprintf(rel, sizeof rel, "%s", names[i]);
        wf_cf_path(dirs[i], sizeof dirs[i], rel);
        snprintf(rel, sizeof rel, "%s.keyfile", names[i]);
        wf_cf_path(key_file[i], sizeof key_file[i], rel);
        snprintf(address[i], sizeof address[i], "tls+tcp://127.0.0.1:%u", base + (unsigned)(N * i));
        REQUIRE(wf_store_key_file_create(key_file[i]) == WF_OK);
        wf_store_unlock u = {.key_file = key_file[i]};
        REQUIRE(wf_node_init(dirs[i], names[i], address[i], &u, &members[i], &why) == WF_OK);
        REQUIRE(wf_node_identity_load(&ids[i], dirs[i], 1, &why) == WF_OK);
    }
    CHECK_OK(wf_cluster_config_build(&c, 2, members, (const uint32_t[]){0, 1, 1}, N, &why));
    REQUIRE(c != NULL);

    /* every node: its own index, its peer network and machine configuration */
    wf_machine_cfg mc[N];
    for (uint32_t i = 0; i < N; i++) {
        uint32_t self = 99;
        CHECK_OK(wf_cluster_config_find_self(c, &ids[i], &self, &why));
        CHECK(self == i);
        CHECK_OK(wf_cluster_config_machine_cfg(&mc[i], c, i, ids[i].identity_sk));
        CHECK_OK(wf_cluster_net_prepare(&nets[i], c, i, dirs[i], NULL, &why));
        REQUIRE(nets[i] != NULL);
        wf_err err = wf_peer_net_create(&peer[i], &nets[i]->cfg, &why);
        if (err != WF_OK)
            fprintf(stderr, "peer net %s: %s\n", names[i], why);
        REQUIRE(err == WF_OK);
    }

    /* each node seals an envelope for every other and sends it */
    for (uint32_t i = 0; i < N; i++) {
        for (size_t k = 0; k < nets[i]->cfg.n_peers; k++) {
            uint32_t to = nets[i]->cfg.peers[k].member;
            uint8_t payload[16] = {0};
            snprintf((char *)payload, sizeof payload, "%u to %u", i, to);
            wf_envelope env;
            memset(&env, 0, sizeof env);
            env.version = WF_ENVELOPE_VERSION;
            memcpy(env.cluster_id, mc[i].cluster_id, WF_ID_BYTES);
            strcpy(env.protocol, "test");
            env.round = 1;
            env.from = i;
            env.to = to;
            env.payload = payload;
            env.payload_len = sizeof payload;
            uint8_t *bytes = NULL;
            size_t len = 0;
            REQUIRE(wf_envelope_seal(&bytes, &len, &env, mc[i].identity_sk) == WF_OK);
            CHECK_OK(wf_peer_net_send(peer[i], k, bytes, len, WAIT_MS));
            free(bytes);
        }
    }

    /* each receives one from every other, attributed by the link, opened with
     * the key the config lists for the member on that link */
    for (uint32_t j = 0; j < N; j++) {
        int seen[N] = {0};
        for (int got = 0; got < N - 1; got++) {
            size_t pos = 0, len = 0;
            uint8_t *msg = NULL;
            wf_err err = wf_peer_net_recv(peer[j], WAIT_MS, &pos, &msg, &len);
            CHECK_OK(err);
            if (err != WF_OK)
                break;
            uint32_t from = nets[j]->cfg.peers[pos].member, claimed = 99;
            CHECK_OK(wf_envelope_peek_from(&claimed, msg, len));
            CHECK(claimed == from);
            wf_envelope env;
            CHECK_OK(wf_envelope_open(&env, msg, len, mc[j].identity_pk[from]));
            CHECK(memcmp(env.cluster_id, c->cluster_id, WF_ID_BYTES) == 0 && env.to == j);
            char want[16];
            snprintf(want, sizeof want, "%u to %u", from, j);
            CHECK(env.payload_len == 16 && strcmp((const char *)env.payload, want) == 0);
            /* and not with any other member's key */
            wf_envelope other;
            CHECK(wf_envelope_open(&other, msg, len, mc[j].identity_pk[(from + 1) % N]) != WF_OK);
            wf_envelope_clear(&env);
            wf_peer_net_msg_free(msg, len);
            seen[from]++;
        }
        for (uint32_t i = 0; i < N; i++)
            CHECK(seen[i] == (i == j ? 0 : 1));
    }

    for (int i = 0; i < N; i++) {
        wf_peer_net_close(peer[i]);
        wf_cluster_net_free(nets[i]);
        wf_node_identity_clear(&ids[i]);
        wf_node_member_clear(&members[i]);
    }
    wf_cluster_config_free(c);
    return wf_check_summary("test_cluster_net");
}
