/* node/committee.c: a committee built from node indices and ranks, the one
 * a key's public record implies (identifiers x = node index + 1), the maps
 * between member and node indices, and signing sets: a 2-of-3 {0,1,1} on
 * nodes {1,2,4} of a five-node cluster authorises {1,2} and {1,4} only;
 * committees that are not ones are refused. */
#include <string.h>

#include "crypto/scalar.h"
#include "crypto/secmem.h"
#include "node/committee.h"
#include "tests/check.h"

static void test_build(void)
{
    const uint32_t nodes[3] = {1, 2, 4}, ranks[3] = {0, 1, 1};
    wf_committee c;
    const char *why = NULL;
    CHECK_OK(wf_committee_build(&c, 5, nodes, ranks, 3, 2, &why));
    CHECK(c.n == 3 && c.t == 2 && c.nodes == 0x16);
    CHECK(c.node[0] == 1 && c.node[1] == 2 && c.node[2] == 4);
    CHECK(c.member[1] == 0 && c.member[2] == 1 && c.member[4] == 2);
    CHECK(c.member[0] == WF_COMMITTEE_NONE && c.member[3] == WF_COMMITTEE_NONE);
    CHECK(wf_committee_to_members(&c, 0x16 | 0x1) == 0x7);
    CHECK(wf_committee_to_nodes(&c, 0x5) == 0x12);
    uint32_t m[3];
    CHECK(wf_committee_map_list(&c, (const uint32_t[]){1, 4}, 2, m) && m[0] == 0 && m[1] == 2);
    CHECK(!wf_committee_map_list(&c, (const uint32_t[]){1, 3}, 2, m));

    /* signing sets: with node 1 (the only rank 0) */
    wf_member_set q[8];
    CHECK(wf_committee_quorums(&c, 0, 0x1f, q, 8) == 2 && q[0] == 0x6 && q[1] == 0x12);
    CHECK(wf_committee_quorums(&c, 0x10, 0x1f, q, 8) == 1 && q[0] == 0x12);
    CHECK(wf_committee_quorums(&c, 0, 0x1b, q, 8) == 1 && q[0] == 0x12); /* node 1 up, node 2 not */
    CHECK(wf_committee_quorums(&c, 0, 0x1c, q, 8) == 0);                 /* node 1 down */
    CHECK(wf_committee_quorums(&c, 0x1, 0x1f, q, 8) == 0);               /* node 0 is outside */
    CHECK(wf_committee_authorised(&c, 0x6) && wf_committee_authorised(&c, 0x12));
    CHECK(!wf_committee_authorised(&c, 0x14) && !wf_committee_authorised(&c, 0x3));
    char s[64];
    wf_committee_nodes_str(&c, s, sizeof s);
    CHECK(strcmp(s, "1:0,2:1,4:1") == 0);

    /* refused: outside the cluster, unordered, repeated, a rank >= t, t > n, one member, no authorised set */
    CHECK(wf_committee_build(&c, 4, nodes, ranks, 3, 2, &why) == WF_ERR_ARG && why != NULL);
    CHECK(wf_committee_build(&c, 5, (const uint32_t[]){2, 1, 4}, ranks, 3, 2, &why) == WF_ERR_ARG);
    CHECK(wf_committee_build(&c, 5, (const uint32_t[]){1, 1, 4}, ranks, 3, 2, &why) == WF_ERR_ARG);
    CHECK(wf_committee_build(&c, 5, nodes, (const uint32_t[]){0, 2, 1}, 3, 2, &why) == WF_ERR_ARG);
    CHECK(wf_committee_build(&c, 5, nodes, ranks, 3, 4, &why) == WF_ERR_ARG);
    CHECK(wf_committee_build(&c, 5, nodes, ranks, 1, 1, &why) == WF_ERR_ARG);
    CHECK(wf_committee_build(&c, 5, nodes, (const uint32_t[]){1, 1, 1}, 3, 2, &why) == WF_ERR_UNAUTHORISED);
}

static void test_of_key(void)
{
    wf_key_public pub;
    wf_committee c;
    memset(&pub, 0, sizeof pub);
    pub.n = 3;
    pub.t = 2;
    const uint64_t x[3] = {2, 3, 5};
    for (int j = 0; j < 3; j++) {
        wf_scalar_set_u64(&pub.members[j].x, x[j]);
        pub.members[j].rank = j ? 1 : 0;
    }
    CHECK_OK(wf_committee_of_key(&c, 5, &pub));
    CHECK(c.nodes == 0x16 && c.t == 2 && c.rank[0] == 0 && c.rank[2] == 1 && c.member[4] == 2);
    CHECK(wf_committee_authorised(&c, 0x12) && !wf_committee_authorised(&c, 0x14));
    /* a whole-cluster key: member index = node index */
    pub.n = 5;
    for (int j = 0; j < 5; j++)
        wf_scalar_set_u64(&pub.members[j].x, (uint64_t)j + 1);
    CHECK_OK(wf_committee_of_key(&c, 5, &pub));
    for (uint32_t j = 0; j < 5; j++)
        CHECK(c.node[j] == j && c.member[j] == j);
    /* identifiers that are no node's, or out of order, belong to no committee of this cluster */
    CHECK(wf_committee_of_key(&c, 4, &pub) == WF_ERR_ARG);
    wf_scalar_set_u64(&pub.members[0].x, 3);
    wf_scalar_set_u64(&pub.members[1].x, 2);
    CHECK(wf_committee_of_key(&c, 5, &pub) == WF_ERR_ARG);
    wf_scalar_set_u64(&pub.members[0].x, 99);
    CHECK(wf_committee_of_key(&c, 5, &pub) == WF_ERR_ARG);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    test_build();
    test_of_key();
    return wf_check_summary("test_committee");
}
