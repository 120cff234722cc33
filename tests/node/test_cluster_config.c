/* node/cluster_config.c and the warifu CLI's cluster and config-check, on
 * four nodes made by wf_node_init (test_node_identity.c tests that part):
 *   - a 2-of-3 config with ranks {0,1,1} assembled by the library and by the
 *     warifu binary is the same bytes; every node parses it to the same
 *     cluster id (SHA-256 of the file, checked independently) and finds its
 *     own index; the CLI's config-check agrees;
 *   - every malformed variant is refused with the right error: duplicates,
 *     fingerprints that are not their PEM's, ranks >= t, structures Tassa's
 *     condition rejects, truncations, unknown lines, non-canonical spellings;
 *   - a tampered identity key gives another cluster id and the node it
 *     belonged to no longer finds itself;
 *   - the helpers give the machine and peer-network configurations. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/secmem.h"
#include "node/cluster_config.h"
#include "node/node_identity.h"
#include "node/text_format.h"
#include "store/store.h"
#include "tests/check.h"
#include "tests/node/cluster_fixture.h"

#define N 3

static const char *names[N + 1] = {"tokyo", "frankfurt", "virginia", "osaka"};
static const char *addresses[N + 1] = {"tls+tcp://127.0.0.1:7400", "tls+tcp://127.0.0.1:7410",
                                       "tls+tcp://10.0.0.3:7400", "tls+tcp://[::1]:7400"};
static char dirs[N + 1][WF_CF_PATH], key_files[N + 1][WF_CF_PATH];
static wf_node_member members[N + 1]; /* what init returned */
static char *good;                    /* the 2-of-3 config text, ranks {0,1,1} */
static uint8_t good_id[WF_ID_BYTES];

/* ---- helpers ---- */

/* Parses text; on failure the message must be one line naming something. */
static wf_err parse(const char *text, size_t len, uint8_t id[WF_ID_BYTES])
{
    wf_cluster_config *c = NULL;
    const char *why = NULL;
    wf_err err = wf_cluster_config_parse(&c, text, len, &why);
    if (err != WF_OK)
        CHECK(why != NULL && why[0] != '\0' && strchr(why, '\n') == NULL && c == NULL);
    if (err == WF_OK && id != NULL)
        memcpy(id, c->cluster_id, WF_ID_BYTES);
    wf_cluster_config_free(c);
    return err;
}

static wf_err parse_str(const char *text)
{
    return parse(text, strlen(text), NULL);
}

/* Parses `good` with one edit applied. */
static wf_err parse_edit(const char *from, const char *to)
{
    char *t = wf_cf_replace(good, from, to);
    wf_err err = parse_str(t);
    free(t);
    return err;
}

static void pk_hex(char out[2 * WF_IDENTITY_PK_BYTES + 1], int node)
{
    wf_hex_encode(out, members[node].identity_pk, WF_IDENTITY_PK_BYTES);
}

static wf_err build(uint32_t t, const wf_node_member *m, const uint32_t *ranks, size_t n,
                    wf_cluster_config **out)
{
    const char *why = NULL;
    wf_cluster_config *c = NULL;
    wf_err err = wf_cluster_config_build(&c, t, m, ranks, n, &why);
    if (err != WF_OK)
        CHECK(why != NULL && strchr(why, '\n') == NULL);
    if (out != NULL)
        *out = c;
    else
        wf_cluster_config_free(c);
    return err;
}

/* ---- assembling and parsing ---- */

static void test_build_and_parse(void)
{
    /* given out of rank order: frankfurt (1), tokyo (0), virginia (1) */
    wf_node_member given[N] = {members[1], members[0], members[2]};
    const uint32_t ranks[N] = {1, 0, 1};
    wf_cluster_config *c = NULL;
    CHECK_OK(build(2, given, ranks, N, &c));
    REQUIRE(c != NULL);
    CHECK(c->n == N && c->threshold == 2);
    CHECK(strcmp(c->members[0].pub.name, "tokyo") == 0 && c->members[0].rank == 0);
    CHECK(strcmp(c->members[1].pub.name, "frankfurt") == 0 && c->members[1].rank == 1);
    CHECK(strcmp(c->members[2].pub.name, "virginia") == 0 && c->members[2].rank == 1);

    /* the documented layout, and the cluster id is SHA-256 of exactly those bytes */
    char hex[2 * WF_IDENTITY_PK_BYTES + 1], line[512];
    pk_hex(hex, 0);
    snprintf(line, sizeof line, "warifu-cluster 1\nthreshold 2\nmember 0 tokyo 0 %s %s %s\n", addresses[0],
             hex, members[0].fingerprint);
    CHECK(strncmp(c->text, line, strlen(line)) == 0);
    CHECK(strstr(c->text, "\ncert 2\n-----BEGIN CERTIFICATE-----\n") != NULL);
    CHECK(c->text_len > 4 && strcmp(c->text + c->text_len - 30, "-----END CERTIFICATE-----\nend\n") == 0);
    uint8_t sha[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(sha, (const uint8_t *)c->text, c->text_len);
    CHECK(memcmp(sha, c->cluster_id, sizeof sha) == 0);
    good = malloc(c->text_len + 1);
    REQUIRE(good != NULL);
    memcpy(good, c->text, c->text_len + 1);
    memcpy(good_id, c->cluster_id, WF_ID_BYTES);

    /* written once, never overwritten */
    char path[256];
    const char *why = NULL;
    wf_cf_path(path, sizeof path, "cluster.conf");
    CHECK_OK(wf_cluster_config_write(c, path, &why));
    CHECK(wf_cf_mode(path) == 0644);
    CHECK_ERR(wf_cluster_config_write(c, path, &why), WF_ERR_EXISTS);
    char *file = wf_cf_read(path, NULL);
    CHECK(file != NULL && strcmp(file, good) == 0);
    free(file);
    wf_cluster_config_free(c);

    /* every node reads the file on its own, gets the same id and finds itself */
    for (uint32_t i = 0; i < N; i++) {
        wf_node_identity id;
        wf_cluster_config *mine = NULL;
        uint32_t self = 99;
        REQUIRE(wf_node_identity_load(&id, dirs[i], 1, &why) == WF_OK);
        CHECK_OK(wf_cluster_config_load(&mine, path, &why));
        REQUIRE(mine != NULL);
        CHECK(memcmp(mine->cluster_id, good_id, WF_ID_BYTES) == 0);
        CHECK_OK(wf_cluster_config_find_self(mine, &id, &self, &why));
        CHECK(self == i);
        wf_cluster_config_free(mine);
        wf_node_identity_clear(&id);
    }

    /* a node that is not a member */
    wf_node_identity stranger;
    uint32_t self = 99;
    REQUIRE(wf_node_identity_load(&stranger, dirs[3], 0, &why) == WF_OK);
    REQUIRE(wf_cluster_config_parse(&c, good, strlen(good), &why) == WF_OK);
    CHECK_ERR(wf_cluster_config_find_self(c, &stranger, &self, &why), WF_ERR_NOT_FOUND);
    CHECK(self == 99);
    wf_cluster_config_free(c);
    wf_node_identity_clear(&stranger);

    /* a config others may edit is not trusted */
    CHECK(chmod(path, 0664) == 0);
    CHECK_ERR(wf_cluster_config_load(&c, path, &why), WF_ERR_VERIFY);
    CHECK(c == NULL);
    CHECK(chmod(path, 0644) == 0);
}

static void test_structures(void)
{
    /* Tassa: a set is authorised iff its i-th smallest rank is at most i (and
     * the Birkhoff matrix is invertible). All rank 1 with t = 2: no set has a
     * rank-0 member, so none is authorised. */
    const wf_node_member m3[N] = {members[0], members[1], members[2]};
    CHECK_ERR(build(2, m3, (const uint32_t[]){1, 1, 1}, N, NULL), WF_ERR_UNAUTHORISED);
    CHECK_ERR(build(3, m3, (const uint32_t[]){0, 2, 2}, N, NULL), WF_ERR_UNAUTHORISED);
    CHECK_ERR(build(2, m3, (const uint32_t[]){0, 1, 2}, N, NULL), WF_ERR_RANGE); /* rank 2 >= t */
    CHECK_OK(build(3, m3, (const uint32_t[]){0, 1, 2}, N, NULL));
    CHECK_OK(build(3, m3, (const uint32_t[]){0, 0, 1}, N, NULL));
    CHECK_OK(build(2, m3, (const uint32_t[]){0, 0, 0}, N, NULL));
    CHECK_ERR(build(1, m3, (const uint32_t[]){0, 0, 0}, N, NULL), WF_ERR_RANGE); /* t = 1: anyone alone */
    CHECK_ERR(build(4, m3, (const uint32_t[]){0, 0, 0}, N, NULL), WF_ERR_RANGE); /* t > n */
    CHECK_ERR(build(1, m3, (const uint32_t[]){0}, 1, NULL), WF_ERR_RANGE);       /* one member */

    /* the same member twice */
    const wf_node_member twice[N] = {members[0], members[1], members[1]};
    CHECK_ERR(build(2, twice, (const uint32_t[]){0, 1, 1}, N, NULL), WF_ERR_CONFLICT);

    /* addresses: port ranges on one host must not overlap, and must fit */
    wf_node_member moved[N] = {members[0], members[1], members[2]};
    strcpy(moved[1].address, "tls+tcp://127.0.0.1:7402"); /* 7400..7402 and 7402..7404 */
    CHECK_ERR(build(2, moved, (const uint32_t[]){0, 1, 1}, N, NULL), WF_ERR_CONFLICT);
    strcpy(moved[1].address, "tls+tcp://127.0.0.1:7403");
    CHECK_OK(build(2, moved, (const uint32_t[]){0, 1, 1}, N, NULL));
    strcpy(moved[1].address, "tls+tcp://127.0.0.1:65534");
    CHECK_ERR(build(2, moved, (const uint32_t[]){0, 1, 1}, N, NULL), WF_ERR_RANGE);
    strcpy(moved[1].address, "tls+tcp://[::1]:7400");
    CHECK_OK(build(2, moved, (const uint32_t[]){0, 1, 1}, N, NULL));
}

/* Every edit of the good config below must be refused with its error. */
static void test_malformed(void)
{
    char pk1[2 * WF_IDENTITY_PK_BYTES + 1], pk2[2 * WF_IDENTITY_PK_BYTES + 1],
        upper[2 * WF_IDENTITY_PK_BYTES + 1];
    char fp_edit[WF_TLS_FINGERPRINT_CHARS + 1], l0[64], l1[64], l2[64];
    pk_hex(pk1, 1);
    pk_hex(pk2, 2);
    for (size_t i = 0; i < sizeof upper; i++)
        upper[i] = (char)(pk2[i] >= 'a' && pk2[i] <= 'f' ? pk2[i] - 32 : pk2[i]);
    strcpy(fp_edit, members[1].fingerprint);
    fp_edit[63] = fp_edit[63] == 'a' ? 'b' : 'a';
    snprintf(l0, sizeof l0, "member 0 tokyo 0 ");
    snprintf(l1, sizeof l1, "member 1 frankfurt 1 ");
    snprintf(l2, sizeof l2, "member 2 virginia 1 ");
    char cert0_line[80], cert0_split[82];
    const char *b64 = strstr(strstr(good, "\ncert 0\n"), "-----\n") + 6; /* first base64 line of cert 0 */
    snprintf(cert0_line, sizeof cert0_line, "%.64s\n", b64);
    snprintf(cert0_split, sizeof cert0_split, "%.32s\n%.32s\n", b64, b64 + 32);

    const struct {
        const char *what, *from, *to;
        wf_err expect;
    } edits[] = {
        {"a duplicate member index", "member 2 ", "member 1 ", WF_ERR_CONFLICT},
        {"member lines out of order", "member 0 ", "member 5 ", WF_ERR_ENCODING},
        {"the same identity key twice", pk2, pk1, WF_ERR_CONFLICT},
        {"a fingerprint that is not its PEM's", members[1].fingerprint, fp_edit, WF_ERR_VERIFY},
        {"a PEM that is not in canonical form", cert0_line, cert0_split, WF_ERR_ENCODING},
        {"a rank >= t", l2, "member 2 virginia 2 ", WF_ERR_RANGE},
        {"all rank 1 with t = 2", l0, "member 0 tokyo 1 ", WF_ERR_UNAUTHORISED},
        {"unknown line", "threshold 2\n", "threshold 2\nname cluster\n", WF_ERR_ENCODING},
        {"a comment", "threshold 2\n", "threshold 2\n# members\n", WF_ERR_ENCODING},
        {"an empty line", "threshold 2\n", "threshold 2\n\n", WF_ERR_ENCODING},
        {"an unknown line after the certificates", "\nend\n", "\nkey 1\nend\n", WF_ERR_ENCODING},
        {"a fourth certificate", "\nend\n", "\ncert 3\nend\n", WF_ERR_ENCODING},
        {"certificates out of order", "\ncert 1\n", "\ncert 2\n", WF_ERR_ENCODING},
        {"text after end", "\nend\n", "\nend\n\n", WF_ERR_ENCODING},
        {"no end", "\nend\n", "\n", WF_ERR_ENCODING},
        {"version 2", "warifu-cluster 1", "warifu-cluster 2", WF_ERR_ENCODING},
        {"threshold 1", "threshold 2", "threshold 1", WF_ERR_RANGE},
        {"threshold above n", "threshold 2", "threshold 4", WF_ERR_RANGE},
        {"a leading zero", "threshold 2", "threshold 02", WF_ERR_ENCODING},
        {"a rank with a leading zero", l1, "member 1 frankfurt 01 ", WF_ERR_ENCODING},
        {"a trailing space", "threshold 2\n", "threshold 2 \n", WF_ERR_ENCODING},
        {"a doubled space", l1, "member 1  frankfurt 1 ", WF_ERR_ENCODING},
        {"a tab", l1, "member 1\tfrankfurt 1 ", WF_ERR_ENCODING},
        {"CRLF", "threshold 2\n", "threshold 2\r\n", WF_ERR_ENCODING},
        {"uppercase hex", pk2, upper, WF_ERR_ENCODING},
        {"a short key", pk2, "00", WF_ERR_ENCODING},
        {"an identity key that is no valid point", pk2,
         "0100000000000000000000000000000000000000000000000000000000000000", WF_ERR_VERIFY},
        {"a name that is not the certificate's", "member 2 virginia", "member 2 georgia", WF_ERR_VERIFY},
        {"an invalid name", "member 2 virginia", "member 2 Virginia", WF_ERR_ENCODING},
        {"plain tcp", "1 tls+tcp://10.0.0.3", "1 tcp://10.0.0.3", WF_ERR_ENCODING},
        {"a missing field", members[1].fingerprint, "", WF_ERR_ENCODING},
        {"an extra field", members[1].fingerprint, "00 11", WF_ERR_ENCODING},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        wf_err err = parse_edit(edits[i].from, edits[i].to);
        if (err != edits[i].expect)
            fprintf(stderr, "%s: got '%s'\n", edits[i].what, wf_err_str(err));
        CHECK(err == edits[i].expect);
    }
    /* a NUL byte, inside the length given */
    char *nul = wf_cf_replace(good, "threshold 2", "threshold 2");
    nul[12] = '\0';
    CHECK_ERR(parse(nul, strlen(good), NULL), WF_ERR_ENCODING);
    free(nul);

    /* ranks that decrease with the index: {1, 0, 1} */
    char *t1 = wf_cf_replace(good, l0, "member 0 tokyo 1 ");
    char *t2 = wf_cf_replace(t1, l1, "member 1 frankfurt 0 ");
    CHECK_ERR(parse_str(t2), WF_ERR_ENCODING);
    free(t1);
    free(t2);

    /* the certificates of members 1 and 2 swapped */
    const char *c1 = strstr(good, "\ncert 1\n") + 8, *c2 = strstr(good, "\ncert 2\n") + 8;
    size_t len1 = (size_t)(strstr(c1, "\ncert 2\n") + 1 - c1),
           len2 = (size_t)(strstr(c2, "\nend\n") + 1 - c2);
    char *swapped = malloc(strlen(good) + 1);
    REQUIRE(swapped != NULL);
    size_t at = (size_t)(c1 - good);
    memcpy(swapped, good, at);
    memcpy(swapped + at, c2, len2);
    memcpy(swapped + at + len2, "cert 2\n", 7);
    memcpy(swapped + at + len2 + 7, c1, len1);
    strcpy(swapped + at + len2 + 7 + len1, "end\n");
    CHECK(strlen(swapped) == strlen(good));
    CHECK_ERR(parse_str(swapped), WF_ERR_VERIFY);
    free(swapped);

    /* every truncation: at each line end, and every 13 bytes in between */
    size_t len = strlen(good), refused = 0, tried = 0;
    for (size_t cut = 0; cut < len; cut++) {
        if (cut % 13 != 0 && good[cut - 1] != '\n')
            continue;
        tried++;
        refused += parse(good, cut, NULL) != WF_OK;
    }
    CHECK(tried > 50 && refused == tried);
    CHECK_OK(parse(good, len, NULL));

    /* more members than WF_MAX_MEMBERS: refused at the 65th member line */
    wf_buf b = {0};
    wf_buf_printf(&b, "warifu-cluster 1\nthreshold 2\n");
    for (int i = 0; i <= WF_MAX_MEMBERS; i++)
        wf_buf_printf(&b, "member %d m%d 0 tls+tcp://10.1.0.%d:7400 %s %s\n", i, i, i, pk1,
                      members[1].fingerprint);
    wf_buf_printf(&b, "end\n");
    size_t blen = 0;
    char *many = wf_buf_take(&b, &blen);
    REQUIRE(many != NULL);
    wf_cluster_config *c = NULL;
    const char *why = NULL;
    CHECK_ERR(wf_cluster_config_parse(&c, many, blen, &why), WF_ERR_RANGE);
    CHECK(why != NULL && strstr(why, "line 67") != NULL && strstr(why, "more than 64 members") != NULL);
    free(many);
}

/* An edited identity key is another cluster, and its owner is not in it. */
static void test_tampered_key(void)
{
    char pk2[2 * WF_IDENTITY_PK_BYTES + 1], pk3[2 * WF_IDENTITY_PK_BYTES + 1];
    pk_hex(pk2, 2);
    pk_hex(pk3, 3);
    char *t = wf_cf_replace(good, pk2, pk3);
    uint8_t id[WF_ID_BYTES];
    CHECK_OK(parse(t, strlen(t), id));
    CHECK(memcmp(id, good_id, WF_ID_BYTES) != 0);

    wf_cluster_config *c = NULL;
    wf_node_identity virginia, osaka;
    const char *why = NULL;
    uint32_t self = 99;
    REQUIRE(wf_cluster_config_parse(&c, t, strlen(t), &why) == WF_OK);
    REQUIRE(wf_node_identity_load(&virginia, dirs[2], 0, &why) == WF_OK);
    REQUIRE(wf_node_identity_load(&osaka, dirs[3], 0, &why) == WF_OK);
    CHECK_ERR(wf_cluster_config_find_self(c, &virginia, &self, &why), WF_ERR_VERIFY);
    CHECK_ERR(wf_cluster_config_find_self(c, &osaka, &self, &why), WF_ERR_VERIFY); /* its key, not its cert */
    CHECK(self == 99);
    wf_node_identity_clear(&virginia);
    wf_node_identity_clear(&osaka);
    wf_cluster_config_free(c);
    free(t);

    /* any other change is another cluster too: threshold 3 is still valid */
    t = wf_cf_replace(good, "threshold 2", "threshold 3");
    CHECK_OK(parse(t, strlen(t), id));
    CHECK(memcmp(id, good_id, WF_ID_BYTES) != 0);
    free(t);
}

/* ---- what a config gives the rest of the node ---- */

static void test_helpers(void)
{
    wf_cluster_config *c = NULL;
    const char *why = NULL;
    REQUIRE(wf_cluster_config_parse(&c, good, strlen(good), &why) == WF_OK);

    wf_member m[WF_MAX_MEMBERS];
    wf_scalar x;
    wf_cluster_config_members(c, m);
    for (uint32_t i = 0; i < N; i++) {
        wf_scalar_set_u64(&x, i + 1);
        CHECK(wf_scalar_eq(&m[i].x, &x) && m[i].rank == (i == 0 ? 0u : 1u));
    }
    CHECK_OK(wf_access_check(m, N, 2));

    wf_machine_cfg mc;
    uint8_t sk[WF_IDENTITY_SK_BYTES] = {1};
    CHECK_OK(wf_cluster_config_machine_cfg(&mc, c, 1, sk));
    CHECK(memcmp(mc.cluster_id, good_id, WF_ID_BYTES) == 0 && mc.self == 1 && mc.identity_sk == sk);
    for (uint32_t i = 0; i < N; i++)
        CHECK(memcmp(mc.identity_pk[i], members[i].identity_pk, WF_IDENTITY_PK_BYTES) == 0);
    CHECK_ERR(wf_cluster_config_machine_cfg(&mc, c, N, sk), WF_ERR_ARG);

    wf_cluster_net *net = NULL;
    CHECK_OK(wf_cluster_net_prepare(&net, c, 1, dirs[1], NULL, &why));
    REQUIRE(net != NULL);
    CHECK(strcmp(net->cfg.self_name, "frankfurt") == 0 && net->cfg.self_member == 1);
    CHECK(strcmp(net->cfg.listen_url, addresses[1]) == 0 && net->cfg.n_peers == 2);
    char path[512];
    snprintf(path, sizeof path, "%s/tls.key", dirs[1]);
    CHECK(strcmp(net->cfg.key_path, path) == 0);
    snprintf(path, sizeof path, "%s/tls.crt", dirs[1]);
    CHECK(strcmp(net->cfg.cert_path, path) == 0);
    const uint32_t peer_members[2] = {0, 2};
    for (size_t k = 0; k < 2; k++) {
        const wf_peer_net_peer *p = &net->cfg.peers[k];
        uint32_t j = peer_members[k];
        CHECK(p->member == j && strcmp(p->name, names[j]) == 0 && strcmp(p->url, addresses[j]) == 0);
        wf_tls_identity pinned;
        CHECK_OK(wf_tls_identity_load(&pinned, p->cert_path, NULL, &why));
        CHECK(strcmp(pinned.fingerprint, members[j].fingerprint) == 0);
        CHECK(wf_cf_mode(p->cert_path) == 0644);
        wf_tls_identity_clear(&pinned);
    }
    wf_cluster_net_free(net);
    /* again (the files are replaced), with a listen URL of our own */
    CHECK_OK(wf_cluster_net_prepare(&net, c, 1, dirs[1], "tls+tcp://0.0.0.0:7410", &why));
    CHECK(net != NULL && strcmp(net->cfg.listen_url, "tls+tcp://0.0.0.0:7410") == 0);
    wf_cluster_net_free(net);
    CHECK_ERR(wf_cluster_net_prepare(&net, c, N, dirs[1], NULL, &why), WF_ERR_ARG);
    wf_cluster_config_free(c);
}

/* ---- the warifu binary ---- */

static void test_cli(void)
{
    wf_cf_run r;
    char conf[256], conf2[256], members_arg[N][300], id_hex[2 * WF_ID_BYTES + 1], want[256];
    wf_hex_encode(id_hex, good_id, WF_ID_BYTES);

    /* --help lists exactly the commands there are */
    wf_cf_warifu(&r, (const char *[]){"--help", NULL});
    CHECK(r.exit_code == 0 && strstr(r.out, "init") != NULL && strstr(r.out, "cluster") != NULL &&
          strstr(r.out, "config-check") != NULL && strstr(r.out, "\n  client-init ") != NULL &&
          strstr(r.out, "\n  backup keygen ") != NULL && strstr(r.out, "\n  backup export ") != NULL &&
          strstr(r.out, "\n  backup verify ") != NULL && strstr(r.out, "\n  audit verify ") != NULL);
    CHECK(strstr(r.out, "\n  keygen ") != NULL && strstr(r.out, "\n  sign ") != NULL &&
          strstr(r.out, "\n  pubkey ") != NULL && strstr(r.out, "\n  address ") != NULL &&
          strstr(r.out, "\n  status ") != NULL && strstr(r.out, "restore") == NULL);
    wf_cf_run_clear(&r);

    /* the same members and ranks give the library's bytes */
    const int order[N] = {1, 0, 2};
    const char *ranks[N] = {"1", "0", "1"};
    for (int k = 0; k < N; k++)
        snprintf(members_arg[k], sizeof members_arg[k], "%s/member.pub:%s", dirs[order[k]], ranks[k]);
    wf_cf_path(conf, sizeof conf, "cli.conf");
    const char *cluster_argv[] = {"cluster",      "--threshold",  "2",
                                  "--member",     members_arg[0], "--member",
                                  members_arg[1], "--member",     members_arg[2],
                                  "--out",        conf,           NULL};
    wf_cf_warifu(&r, cluster_argv);
    CHECK(r.exit_code == 0 && r.err[0] == '\0');
    snprintf(want, sizeof want, "cluster_id %s\nthreshold 2\n", id_hex);
    CHECK(strncmp(r.out, want, strlen(want)) == 0);
    CHECK(strstr(r.out, "member 0 tokyo rank 0 ") != NULL);
    wf_cf_run_clear(&r);
    char *file = wf_cf_read(conf, NULL);
    CHECK(file != NULL && strcmp(file, good) == 0);
    CHECK(wf_cf_mode(conf) == 0644);

    /* never over an existing file */
    wf_cf_warifu(&r, cluster_argv);
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && strstr(r.err, "refusing to overwrite") != NULL);
    CHECK(r.out[0] == '\0');
    wf_cf_run_clear(&r);
    char *again = wf_cf_read(conf, NULL);
    CHECK(file != NULL && again != NULL && strcmp(file, again) == 0);
    free(file);
    free(again);

    /* --json */
    wf_cf_path(conf2, sizeof conf2, "cli2.conf");
    const char *json_argv[] = {"cluster",  "--json",       "--threshold", "2",
                               "--member", members_arg[1], "--member",    members_arg[0],
                               "--member", members_arg[2], "--out",       conf2,
                               NULL};
    wf_cf_warifu(&r, json_argv);
    snprintf(want, sizeof want, "{\"cluster_id\":\"%s\",\"threshold\":2,", id_hex);
    CHECK(r.exit_code == 0 && strncmp(r.out, want, strlen(want)) == 0);
    CHECK(strstr(r.out, "\"members\":[{\"index\":0,\"name\":\"tokyo\",\"rank\":0,") != NULL);
    CHECK(strlen(r.out) > 3 && strcmp(r.out + strlen(r.out) - 3, "]}\n") == 0);
    wf_cf_run_clear(&r);

    /* config-check on every node: same id, own index */
    for (int i = 0; i < N; i++) {
        wf_cf_warifu(&r,
                     (const char *[]){"config-check", "--dir", dirs[i], "--config", conf, "--json", NULL});
        snprintf(want, sizeof want, "{\"cluster_id\":\"%s\",\"index\":%d,\"name\":\"%s\",", id_hex, i,
                 names[i]);
        CHECK(r.exit_code == 0 && strncmp(r.out, want, strlen(want)) == 0);
        wf_cf_run_clear(&r);
    }
    wf_cf_warifu(&r, (const char *[]){"config-check", "--dir", dirs[1], "--config", conf, NULL});
    snprintf(want, sizeof want, "cluster_id %s\nindex 1\nname frankfurt\nrank 1\nthreshold 2\nmembers 3\n",
             id_hex);
    CHECK(r.exit_code == 0 && strcmp(r.out, want) == 0);
    wf_cf_run_clear(&r);
    wf_cf_warifu(&r, (const char *[]){"config-check", "--dir", dirs[3], "--config", conf, NULL});
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && strstr(r.err, "not a member") != NULL &&
          r.out[0] == '\0');
    wf_cf_run_clear(&r);

    /* refusals are one line and a non-zero exit */
    wf_cf_path(conf2, sizeof conf2, "cli3.conf");
    char bad_rank[300];
    snprintf(bad_rank, sizeof bad_rank, "%s/member.pub:2", dirs[2]);
    wf_cf_warifu(&r, (const char *[]){"cluster", "--threshold", "2", "--member", members_arg[0], "--member",
                                      members_arg[1], "--member", bad_rank, "--out", conf2, NULL});
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && strstr(r.err, "rank 2") != NULL);
    CHECK(wf_cf_mode(conf2) == (mode_t)-1);
    wf_cf_run_clear(&r);
    wf_cf_warifu(&r, (const char *[]){"cluster", "--threshold", "2", "--member", members_arg[0], "--member",
                                      members_arg[0], "--out", conf2, NULL});
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && strstr(r.err, "same name") != NULL);
    wf_cf_run_clear(&r);
    static const char *const usage_errors[][6] = {
        {"frobnicate", NULL},
        {"cluster", "--threshold", "2", "--out", NULL},
        {"init", "--dir", "x", "--bogus", "1", NULL},
        {"config-check", "--dir", "a", "--dir", "b", NULL},
        {"init", "--dir", "x", "--name", "n", NULL},
    };
    for (size_t i = 0; i < sizeof usage_errors / sizeof usage_errors[0]; i++) {
        wf_cf_warifu(&r, (const char *const *)usage_errors[i]);
        CHECK(r.exit_code == 2 && wf_cf_one_line(r.err) && r.out[0] == '\0');
        wf_cf_run_clear(&r);
    }
    wf_cf_warifu(&r, (const char *[]){NULL});
    CHECK(r.exit_code == 2 && wf_cf_one_line(r.err));
    wf_cf_run_clear(&r);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_cf_root_make();
    for (int i = 0; i <= N; i++)
        wf_cf_init_node(names[i], addresses[i], dirs[i], key_files[i], &members[i]);
    test_build_and_parse();
    test_structures();
    test_malformed();
    test_tampered_key();
    test_helpers();
    test_cli();
    for (int i = 0; i <= N; i++)
        wf_node_member_clear(&members[i]);
    free(good);
    return wf_check_summary("test_cluster_config");
}
