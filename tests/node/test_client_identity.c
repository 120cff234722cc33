/* node/client_identity.c and `warifu client-init`:
 *   - a client directory holds the promised files with their modes; it
 *     loads, and its key signs requests the checks accept;
 *   - the policy line it prints is one a policy accepts, for that key;
 *   - its TLS identity is what the client API admits (client_net.h);
 *   - a directory that holds anything is never reused, a bad name leaves
 *     nothing behind, and loading refuses a secret key others can read, a
 *     key of another client and a damaged public key;
 *   - the CLI prints the policy line as text and as JSON, and fails with
 *     one line. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/secmem.h"
#include "node/client_identity.h"
#include "node/client_net.h"
#include "node/policy.h"
#include "node/text_format.h"
#include "protocol/client_request.h"
#include "tests/check.h"
#include "tests/node/cluster_fixture.h"
#include "tests/node/port_fixture.h"

static void file_in(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    REQUIRE(n > 0 && (size_t)n < cap);
}

static void test_create_and_load(void)
{
    char dir[WF_CF_PATH], path[WF_CF_PATH + 32];
    const char *why = NULL;
    wf_client_identity made, id;
    wf_cf_path(dir, sizeof dir, "withdrawals");
    CHECK_OK(wf_client_identity_create(dir, "withdrawals", &made, &why));
    CHECK(strcmp(made.name, "withdrawals") == 0 && made.sk == NULL);
    CHECK(wf_cf_mode(dir) == 0700);
    const struct {
        const char *name;
        mode_t mode;
        size_t size;
    } files[] = {
        {"client.key", 0600, 32}, {"client.pub", 0644, 65}, {"tls.key", 0600, 0}, {"tls.crt", 0644, 0}};
    for (size_t i = 0; i < 4; i++) {
        file_in(path, sizeof path, dir, files[i].name);
        size_t len = 0;
        char *data = wf_cf_read(path, &len);
        CHECK(data != NULL && wf_cf_mode(path) == files[i].mode &&
              (files[i].size == 0 || len == files[i].size));
        free(data);
    }
    /* client.pub is the hex of the public key */
    file_in(path, sizeof path, dir, "client.pub");
    char *pub = wf_cf_read(path, NULL), hex[65];
    wf_hex_encode(hex, made.pk, 32);
    CHECK(pub != NULL && strncmp(pub, hex, 64) == 0 && pub[64] == '\n');
    free(pub);

    /* it loads with its secrets; the key signs what the checks accept */
    CHECK_OK(wf_client_identity_load(&id, dir, 1, &why));
    CHECK(strcmp(id.name, "withdrawals") == 0 && memcmp(id.pk, made.pk, 32) == 0 && id.sk != NULL);
    CHECK(strcmp(id.fingerprint, made.fingerprint) == 0);
    wf_tls_identity tls;
    CHECK_OK(wf_tls_identity_load(&tls, id.tls_cert_path, id.tls_key_path, &why));
    CHECK(strcmp(tls.fingerprint, id.fingerprint) == 0);
    wf_tls_identity_clear(&tls);
    wf_keygen_request r = {.request_id_len = 3, .expiry_ms = 1790000060000ull};
    memcpy(r.request_id, "k-1", 3);
    CHECK_OK(wf_keygen_request_sign(&r, id.sk));
    CHECK(memcmp(r.client_id, id.pk, 32) == 0);
    CHECK(wf_keygen_request_check(&r, 1790000000000ull) == WF_REQUEST_OK);

    /* the policy line is accepted by a policy, for this key */
    char line[WF_CLIENT_POLICY_LINE_MAX], text[512];
    wf_client_identity_policy_line(&id, line);
    snprintf(text, sizeof text, "client withdrawals %s", hex);
    CHECK(strcmp(line, text) == 0);
    snprintf(text, sizeof text, "warifu-policy 1\n%s\nallow withdrawals *\nend\n", line);
    wf_policy *p = NULL;
    CHECK_OK(wf_policy_parse(&p, text, strlen(text), &why));
    CHECK(p != NULL && p->n_clients == 1 && memcmp(p->clients[0].pk, id.pk, 32) == 0);
    wf_policy_free(p);
    wf_client_identity_clear(&id);
    CHECK(id.sk == NULL);
    wf_client_identity_clear(&made);
}

static wf_err handler(void *ctx, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len)
{
    (void)ctx;
    *resp = malloc(len);
    REQUIRE(*resp != NULL);
    memcpy(*resp, req, len);
    *resp_len = len;
    return WF_OK;
}

/* The client's TLS identity is what a node's client API admits. */
static void test_client_api(void)
{
    char node_dir[WF_CF_PATH], key_file[WF_CF_PATH], client_dir[WF_CF_PATH], url[64];
    char node_crt[WF_CF_PATH + 16], node_key[WF_CF_PATH + 16];
    const char *why = NULL;
    wf_node_member m;
    wf_client_identity id;
    wf_cf_init_node("vault", "tls+tcp://127.0.0.1:7400", node_dir, key_file, &m);
    wf_node_member_clear(&m);
    file_in(node_crt, sizeof node_crt, node_dir, "tls.crt");
    file_in(node_key, sizeof node_key, node_dir, "tls.key");
    wf_cf_path(client_dir, sizeof client_dir, "payouts");
    REQUIRE(wf_client_identity_create(client_dir, "payouts", NULL, &why) == WF_OK);
    REQUIRE(wf_client_identity_load(&id, client_dir, 1, &why) == WF_OK);

    snprintf(url, sizeof url, "tls+tcp://127.0.0.1:%u", wf_test_free_port_range(1));
    wf_client_server_cfg scfg = {.listen_url = url,
                                 .cert_path = node_crt,
                                 .key_path = node_key,
                                 .client_ca_path = id.tls_cert_path, /* a bundle of one */
                                 .handler = handler};
    wf_client_server *srv = NULL;
    wf_err err = wf_client_server_start(&srv, &scfg, &why);
    if (err != WF_OK)
        fprintf(stderr, "server: %s\n", why);
    REQUIRE(err == WF_OK);
    wf_client_call_cfg ccfg = {
        .url = url, .cert_path = id.tls_cert_path, .key_path = id.tls_key_path, .server_cert_path = node_crt};
    uint8_t *resp = NULL;
    size_t resp_len = 0;
    CHECK_OK(wf_client_call(&ccfg, (const uint8_t *)"ping", 4, &resp, &resp_len, 10000, &why));
    CHECK(resp_len == 4 && resp != NULL && memcmp(resp, "ping", 4) == 0);
    free(resp);
    wf_client_server_stop(srv);
    wf_client_identity_clear(&id);
}

static void test_refusals(void)
{
    char dir[WF_CF_PATH], other[WF_CF_PATH], path[WF_CF_PATH + 32], path2[WF_CF_PATH + 32];
    const char *why = NULL;
    wf_client_identity id;

    /* a directory that holds anything is not reused; a bad name leaves nothing */
    wf_cf_path(dir, sizeof dir, "withdrawals");
    CHECK_ERR(wf_client_identity_create(dir, "withdrawals", NULL, &why), WF_ERR_EXISTS);
    wf_cf_path(other, sizeof other, "Bad");
    CHECK_ERR(wf_client_identity_create(other, "Bad", NULL, &why), WF_ERR_ARG);
    CHECK(wf_cf_mode(other) == (mode_t)-1);
    wf_cf_path(other, sizeof other, "no/such/parent");
    CHECK_ERR(wf_client_identity_create(other, "x", NULL, &why), WF_ERR_STORAGE);

    /* a secret key others can read: refused with secrets, fine without */
    file_in(path, sizeof path, dir, "client.key");
    REQUIRE(chmod(path, 0644) == 0);
    CHECK_ERR(wf_client_identity_load(&id, dir, 1, &why), WF_ERR_VERIFY);
    CHECK(id.sk == NULL);
    CHECK_OK(wf_client_identity_load(&id, dir, 0, &why));
    CHECK(id.sk == NULL);
    wf_client_identity_clear(&id);
    REQUIRE(chmod(path, 0600) == 0);

    /* another client's secret key */
    wf_cf_path(other, sizeof other, "settlements");
    REQUIRE(wf_client_identity_create(other, "settlements", NULL, &why) == WF_OK);
    file_in(path2, sizeof path2, other, "client.key");
    char *theirs = wf_cf_read(path2, NULL), *ours = wf_cf_read(path, NULL);
    REQUIRE(theirs != NULL && ours != NULL);
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL && fwrite(theirs, 1, 32, f) == 32 && fclose(f) == 0);
    CHECK_ERR(wf_client_identity_load(&id, dir, 1, &why), WF_ERR_VERIFY);
    printf("  another client's key: %s\n", why);
    f = fopen(path, "wb");
    REQUIRE(f != NULL && fwrite(ours, 1, 32, f) == 32 && fclose(f) == 0);
    free(theirs);
    free(ours);
    CHECK_OK(wf_client_identity_load(&id, dir, 1, &why));
    wf_client_identity_clear(&id);

    /* a damaged public key */
    file_in(path, sizeof path, dir, "client.pub");
    char *pub = wf_cf_read(path, NULL);
    REQUIRE(pub != NULL);
    wf_cf_write(path, "not hex\n", 0644);
    CHECK_ERR(wf_client_identity_load(&id, dir, 0, &why), WF_ERR_ENCODING);
    wf_cf_write(path, pub, 0644);
    free(pub);
    CHECK_OK(wf_client_identity_load(&id, dir, 1, &why));
    wf_client_identity_clear(&id);
}

static void test_cli(void)
{
    wf_cf_run r;
    char dir[WF_CF_PATH], pub_path[WF_CF_PATH + 16], want[256];
    wf_cf_path(dir, sizeof dir, "cli-client");
    wf_cf_warifu(&r, (const char *[]){"client-init", dir, "--name", "hot-wallet", NULL});
    CHECK(r.exit_code == 0 && r.err[0] == '\0');
    file_in(pub_path, sizeof pub_path, dir, "client.pub");
    char *pub = wf_cf_read(pub_path, NULL);
    REQUIRE(pub != NULL && strlen(pub) == 65);
    pub[64] = '\0';
    snprintf(want, sizeof want, "\npolicy_line client hot-wallet %s\n", pub);
    CHECK(strstr(r.out, want) != NULL);
    wf_cf_run_clear(&r);

    /* JSON; the same directory again is refused with one line */
    wf_cf_path(dir, sizeof dir, "cli-client2");
    wf_cf_warifu(&r, (const char *[]){"client-init", dir, "--name", "cold", "--json", NULL});
    CHECK(r.exit_code == 0 && r.out[0] == '{' && strstr(r.out, "\"policy_line\":\"client cold ") != NULL);
    wf_cf_run_clear(&r);
    wf_cf_warifu(&r, (const char *[]){"client-init", dir, "--name", "cold", NULL});
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && strstr(r.err, "not empty") != NULL);
    wf_cf_run_clear(&r);
    /* usage: no directory, no name, two directories */
    wf_cf_warifu(&r, (const char *[]){"client-init", "--name", "cold", NULL});
    CHECK(r.exit_code == 2 && wf_cf_one_line(r.err) && strstr(r.err, "DIR") != NULL);
    wf_cf_run_clear(&r);
    wf_cf_warifu(&r, (const char *[]){"client-init", dir, NULL});
    CHECK(r.exit_code == 2 && wf_cf_one_line(r.err) && strstr(r.err, "--name") != NULL);
    wf_cf_run_clear(&r);
    wf_cf_warifu(&r, (const char *[]){"client-init", dir, dir, "--name", "cold", NULL});
    CHECK(r.exit_code == 2 && wf_cf_one_line(r.err));
    wf_cf_run_clear(&r);
    free(pub);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_cf_root_make();
    test_create_and_load();
    test_client_api();
    test_refusals();
    test_cli();
    return wf_check_summary("test_client_identity");
}
