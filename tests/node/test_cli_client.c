/* The warifu CLI's client commands, run as child processes against a 2-of-3
 * cluster of in-process daemons (daemon_fixture.h) with client directories
 * made by `warifu client-init`:
 *   - keygen, then pubkey and address on other nodes (--json parsed): one
 *     key, its xpub, and addresses of the child asked for;
 *   - sign with and without --path, each signature checked by
 *     libsecp256k1 under the key address and pubkey named; the same request
 *     id again (on another node) gives the same signature;
 *   - a bad command line (digest length, hardened or long path, unknown
 *     flag, request id, expiry, URL scheme) exits 2 before the client
 *     directory is even read;
 *   - the node's refusals (unknown key, reused request id, a client the
 *     policy does not know) exit 3 with the node's code and reason, a wrong
 *     --node-cert or nothing listening exits 4, each with one line on
 *     stderr and nothing on stdout;
 *   - status names the node, its peers up and the key's pools. */
#include <sodium.h>

#include "node/text_format.h"
#include "tests/node/daemon_fixture.h"

#define ALPHA   0
#define BRAVO   1
#define CHARLIE 2

static wf_df f;
static char cli_dir[WF_CF_PATH], stranger_dir[WF_CF_PATH], node_crt[WF_DF_MAX][WF_CF_PATH + 16];
static char key_hex[65], pub_hex[67], child_pub_hex[67];

/* ---- running the CLI ---- */

/* warifu <cmd> --client dir --node-url url --node-cert cert <extra...> */
static void run_as(wf_cf_run *r, const char *dir, const char *url, const char *cert, const char *cmd,
                   const char *const *extra)
{
    const char *argv[40] = {cmd, "--client", dir, "--node-url", url, "--node-cert", cert};
    size_t n = 7;
    for (; extra[n - 7] != NULL; n++) {
        REQUIRE(n < 39);
        argv[n] = extra[n - 7];
    }
    argv[n] = NULL;
    wf_cf_warifu(r, argv);
}

/* The command as the `cli` client, to node i. */
#define ASK(r, i, cmd, ...)                                                                                  \
    run_as(r, cli_dir, f.client_url[i], node_crt[i], cmd, (const char *[]){__VA_ARGS__, NULL})

/* The value of "key" in a one-line JSON object (a string's contents, or a
 * number or boolean as written) into out; 0 when absent. */
static int json_get(const char *json, const char *key, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat), *end;
    if (p == NULL)
        return 0;
    p += strlen(pat);
    if (*p == '"')
        end = strchr(++p, '"');
    else
        end = p + strcspn(p, ",}]");
    if (end == NULL || (size_t)(end - p) >= cap)
        return 0;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return 1;
}

/* The value of the text line "key value" into out; 0 when absent. */
static int text_get(const char *text, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    for (const char *line = text; line != NULL && *line != '\0';
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, key, klen) != 0 || line[klen] != ' ')
            continue;
        const char *v = line + klen + 1;
        size_t len = strcspn(v, "\n");
        if (len >= cap)
            return 0;
        memcpy(out, v, len);
        out[len] = '\0';
        return 1;
    }
    return 0;
}

/* One JSON object on one line, nothing on stderr, exit 0. */
static int json_ok(const wf_cf_run *r)
{
    size_t len = strlen(r->out);
    int ok = r->exit_code == 0 && r->err[0] == '\0' && len > 2 && r->out[0] == '{' &&
             r->out[len - 2] == '}' && wf_cf_one_line(r->out);
    if (!ok)
        fprintf(stderr, "exit %d\nstdout: %s\nstderr: %s\n", r->exit_code, r->out, r->err);
    return ok;
}

/* Exit code `code`, nothing on stdout, one line on stderr containing `what`. */
static int refused(const wf_cf_run *r, int code, const char *what)
{
    int ok =
        r->exit_code == code && r->out[0] == '\0' && wf_cf_one_line(r->err) && strstr(r->err, what) != NULL;
    if (!ok)
        fprintf(stderr, "wanted exit %d with '%s'; got exit %d\nstdout: %s\nstderr: %s\n", code, what,
                r->exit_code, r->out, r->err);
    return ok;
}

static int unhex(uint8_t *out, size_t n, const char *hex)
{
    size_t len = 0;
    return strlen(hex) == 2 * n && sodium_hex2bin(out, n, hex, 2 * n, NULL, &len, NULL) == 0 && len == n;
}

/* ---- set-up ---- */

/* `warifu client-init`; returns its policy line in line. */
static void client_init(char dir[WF_CF_PATH], const char *name, char *line, size_t cap)
{
    wf_cf_run r;
    wf_cf_path(dir, WF_CF_PATH, name);
    wf_cf_warifu(&r, (const char *[]){"client-init", dir, "--name", name, NULL});
    REQUIRE(r.exit_code == 0 && text_get(r.out, "policy_line", line, cap));
    wf_cf_run_clear(&r);
}

/* Two client directories: `cli`, allowed every key by the policy, and
 * `stranger`, admitted by TLS but unknown to the policy. */
static void make_clients(void)
{
    char cli_line[256], stranger_line[256], extra[320], crt[WF_CF_PATH + 16];
    client_init(cli_dir, "cli", cli_line, sizeof cli_line);
    client_init(stranger_dir, "stranger", stranger_line, sizeof stranger_line);

    char *policy = wf_cf_read(f.policy, NULL);
    REQUIRE(policy != NULL);
    snprintf(extra, sizeof extra, "%s\nallow cli *\nend\n", cli_line);
    char *edited = wf_cf_replace(policy, "end\n", extra);
    wf_cf_write(f.policy, edited, 0644);
    free(policy);
    free(edited);

    char *bundle = wf_cf_read(f.client_ca, NULL);
    REQUIRE(bundle != NULL);
    for (int k = 0; k < 2; k++) {
        snprintf(crt, sizeof crt, "%s/tls.crt", k == 0 ? cli_dir : stranger_dir);
        char *pem = wf_cf_read(crt, NULL),
             *joined = malloc(strlen(bundle) + strlen(pem != NULL ? pem : "") + 1);
        REQUIRE(pem != NULL && joined != NULL);
        strcpy(joined, bundle);
        strcat(joined, pem);
        free(bundle);
        free(pem);
        bundle = joined;
    }
    wf_cf_write(f.client_ca, bundle, 0644);
    free(bundle);
    for (size_t i = 0; i < f.n; i++)
        snprintf(node_crt[i], sizeof node_crt[i], "%s/tls.crt", f.dirs[i]);
}

/* ---- the commands ---- */

static void test_usage(void)
{
    static const struct {
        const char *cmd, *extra[8], *what;
    } cases[] = {
        {"sign", {"--key", key_hex, "--digest", "00112233", "--request-id", "u1"}, "--digest must be 64 hex"},
        {"sign",
         {"--key", key_hex, "--digest", "zz00000000000000000000000000000000000000000000000000000000000000",
          "--request-id", "u2"},
         "--digest must be 64 hex"},
        {"sign",
         {"--key", key_hex, "--digest", "0000000000000000000000000000000000000000000000000000000000000001",
          "--request-id", "u3", "--path", "m/0'/7"},
         "hardened"},
        {"address", {"--key", key_hex, "--path", "m/1/2/3/4/5/6/7/8/9"}, "too many components"},
        {"address", {"--key", key_hex, "--path", "m/01"}, "leading zeros"},
        {"pubkey", {"--key", key_hex, "--frobnicate", "1"}, "unknown option '--frobnicate'"},
        {"pubkey", {"--key", key_hex, "--digest", "00"}, "unknown option '--digest'"},
        {"pubkey", {"--key", "abcd"}, "--key must be a key id"},
        {"pubkey", {"--key", key_hex, "--key", key_hex}, "--key given twice"},
        {"sign",
         {"--key", key_hex, "--digest", "0000000000000000000000000000000000000000000000000000000000000001",
          "--request-id", "0123456789012345678901234567890123456789012345678901234567890123456789"},
         "--request-id must be 1..64"},
        {"sign",
         {"--key", key_hex, "--digest", "0000000000000000000000000000000000000000000000000000000000000001"},
         "--request-id is required"},
        {"keygen", {"--request-id", "u4", "--expiry-s", "601"}, "--expiry-s must be"},
        {"keygen", {"--request-id", "u5", "--timeout-ms", "0"}, "--timeout-ms must be"},
        {"status", {"--json", "extra"}, "unexpected argument 'extra'"},
    };
    wf_cf_run r;
    /* the client directory does not exist: a command that got as far as
     * reading it would fail with exit 1, one that connected with 3 or 4 */
    char missing[WF_CF_PATH];
    wf_cf_path(missing, sizeof missing, "no-such-client");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *extra[9];
        size_t n = 0;
        for (; n < 8 && cases[k].extra[n] != NULL; n++)
            extra[n] = cases[k].extra[n];
        extra[n] = NULL;
        run_as(&r, missing, f.client_url[ALPHA], node_crt[ALPHA], cases[k].cmd, extra);
        CHECK(refused(&r, 2, cases[k].what));
        wf_cf_run_clear(&r);
    }
    run_as(&r, missing, "tcp://127.0.0.1:1", node_crt[ALPHA], "status", (const char *[]){NULL});
    CHECK(refused(&r, 2, "--node-url must be tls+tcp://"));
    wf_cf_run_clear(&r);
    wf_cf_warifu(&r,
                 (const char *[]){"status", "--client", cli_dir, "--node-url", f.client_url[ALPHA], NULL});
    CHECK(refused(&r, 2, "--node-cert is required"));
    wf_cf_run_clear(&r);
    /* and once it is read: a directory that is not a client's */
    run_as(&r, missing, f.client_url[ALPHA], node_crt[ALPHA], "status", (const char *[]){NULL});
    CHECK(refused(&r, 1, "client directory"));
    wf_cf_run_clear(&r);
}

static void test_keygen_pubkey_address(void)
{
    wf_cf_run r;
    char xpub[128], v[128];
    ASK(&r, ALPHA, "keygen", "--request-id", "cli-key-1", "--json");
    REQUIRE(json_ok(&r));
    REQUIRE(json_get(r.out, "key_id", key_hex, sizeof key_hex) && strlen(key_hex) == 64);
    REQUIRE(json_get(r.out, "public_key", pub_hex, sizeof pub_hex) && strlen(pub_hex) == 66);
    CHECK(json_get(r.out, "xpub", xpub, sizeof xpub) && strncmp(xpub, "xpub", 4) == 0);
    CHECK(json_get(r.out, "threshold", v, sizeof v) && strcmp(v, "2") == 0);
    CHECK(json_get(r.out, "members", v, sizeof v) && strcmp(v, "3") == 0);
    wf_cf_run_clear(&r);

    /* the same request id through another node: the same key, as text */
    ASK(&r, CHARLIE, "keygen", "--request-id", "cli-key-1", "--timeout-ms", "300000");
    CHECK(r.exit_code == 0 && r.err[0] == '\0');
    char want[512];
    snprintf(want, sizeof want, "key_id %s\npublic_key %s\nxpub %s\nthreshold 2\nmembers 3\ngeneration 1\n", key_hex,
             pub_hex, xpub);
    CHECK(strcmp(r.out, want) == 0);
    wf_cf_run_clear(&r);

    ASK(&r, BRAVO, "pubkey", "--key", key_hex);
    CHECK(r.exit_code == 0 && strcmp(r.out, want) == 0);
    wf_cf_run_clear(&r);
    ASK(&r, CHARLIE, "pubkey", "--key", key_hex, "--json");
    CHECK(json_ok(&r) && json_get(r.out, "xpub", v, sizeof v) && strcmp(v, xpub) == 0);
    wf_cf_run_clear(&r);

    /* the key itself, then its child m/0/7 */
    ASK(&r, BRAVO, "address", "--key", key_hex, "--json");
    CHECK(json_ok(&r) && json_get(r.out, "public_key", v, sizeof v) && strcmp(v, pub_hex) == 0);
    CHECK(json_get(r.out, "path", v, sizeof v) && strcmp(v, "m") == 0);
    wf_cf_run_clear(&r);
    ASK(&r, ALPHA, "address", "--key", key_hex, "--path", "m/0/7", "--json");
    CHECK(json_ok(&r));
    CHECK(json_get(r.out, "key_id", v, sizeof v) && strcmp(v, key_hex) == 0);
    CHECK(json_get(r.out, "path", v, sizeof v) && strcmp(v, "m/0/7") == 0);
    CHECK(json_get(r.out, "public_key", child_pub_hex, sizeof child_pub_hex) && strlen(child_pub_hex) == 66 &&
          strcmp(child_pub_hex, pub_hex) != 0);
    CHECK(json_get(r.out, "btc", v, sizeof v) && strncmp(v, "bc1q", 4) == 0);
    char btc[128];
    strcpy(btc, v);
    CHECK(json_get(r.out, "eth", v, sizeof v) && strncmp(v, "0x", 2) == 0 && strlen(v) == 42);
    wf_cf_run_clear(&r);
    /* "0/7" is the same path; text lines in the documented order */
    ASK(&r, CHARLIE, "address", "--key", key_hex, "--path", "0/7");
    snprintf(want, sizeof want, "key_id %s\npath m/0/7\npublic_key %s\nbtc %s\neth ", key_hex, child_pub_hex,
             btc);
    CHECK(r.exit_code == 0 && strncmp(r.out, want, strlen(want)) == 0);
    wf_cf_run_clear(&r);
}

/* Signs digest_hex through node i as the `cli` client; checks the
 * signature with libsecp256k1 and that it is under want_pub_hex; returns
 * r ‖ s in rs. */
static void sign_and_check(size_t i, const char *request_id, const char *digest_hex, const char *path,
                           const char *want_pub_hex, uint8_t rs[64])
{
    wf_cf_run r;
    char v[160], r_hex[65], s_hex[65], der_hex[160];
    uint8_t digest[32], sr[32], ss[32], der[80], pub[33];
    if (path != NULL)
        ASK(&r, i, "sign", "--key", key_hex, "--digest", digest_hex, "--request-id", request_id, "--path",
            path, "--json");
    else
        ASK(&r, i, "sign", "--key", key_hex, "--digest", digest_hex, "--request-id", request_id, "--json");
    memset(rs, 0, 64);
    CHECK(json_ok(&r));
    CHECK(json_get(r.out, "request_id", v, sizeof v) && strcmp(v, request_id) == 0);
    CHECK(json_get(r.out, "path", v, sizeof v) && strcmp(v, path != NULL ? path : "m") == 0);
    CHECK(json_get(r.out, "public_key", v, sizeof v) && strcmp(v, want_pub_hex) == 0);
    CHECK(json_get(r.out, "r", r_hex, sizeof r_hex) && json_get(r.out, "s", s_hex, sizeof s_hex) &&
          json_get(r.out, "der", der_hex, sizeof der_hex));
    Warifu__Wire__Signature sig = WARIFU__WIRE__SIGNATURE__INIT;
    CHECK(json_get(r.out, "v", v, sizeof v) && strlen(v) == 1 && v[0] >= '0' && v[0] <= '3');
    sig.v = (uint32_t)(v[0] - '0');
    size_t der_len = strlen(der_hex) / 2;
    CHECK(unhex(digest, 32, digest_hex) && unhex(sr, 32, r_hex) && unhex(ss, 32, s_hex) &&
          der_len <= sizeof der && unhex(der, der_len, der_hex) && unhex(pub, 33, want_pub_hex));
    sig.r = (ProtobufCBinaryData){32, sr};
    sig.s = (ProtobufCBinaryData){32, ss};
    sig.der = (ProtobufCBinaryData){der_len, der};
    sig.public_key = (ProtobufCBinaryData){33, pub};
    CHECK(wf_df_sig_valid(&sig, digest));
    memcpy(rs, sr, 32);
    memcpy(rs + 32, ss, 32);
    wf_cf_run_clear(&r);
}

static void test_sign(void)
{
    uint8_t digest[32], rs[64], again[64];
    char digest_hex[65];
    randombytes_buf(digest, sizeof digest);
    wf_hex_encode(digest_hex, digest, sizeof digest);

    sign_and_check(BRAVO, "cli-withdrawal-1", digest_hex, "m/0/7", child_pub_hex, rs);
    /* the same request again, through another node: the same signature */
    sign_and_check(ALPHA, "cli-withdrawal-1", digest_hex, "m/0/7", child_pub_hex, again);
    CHECK(memcmp(rs, again, 64) == 0);
    /* no path: the key itself (the digest in capitals is the same digest) */
    for (char *c = digest_hex; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 'a' + 'A');
    sign_and_check(CHARLIE, "cli-withdrawal-2", digest_hex, NULL, pub_hex, again);
    CHECK(memcmp(rs, again, 64) != 0);

    /* text: the documented lines in order */
    wf_cf_run r;
    ASK(&r, ALPHA, "sign", "--key", key_hex, "--digest", digest_hex, "--request-id", "cli-withdrawal-2");
    const char *order[] = {"request_id ", "key_id ", "path m\n", "digest ",    "r ",
                           "s ",          "v ",      "der ",     "public_key "};
    const char *at = r.out;
    CHECK(r.exit_code == 0 && r.err[0] == '\0');
    for (size_t k = 0; k < sizeof order / sizeof order[0] && at != NULL; k++) {
        at = strstr(at, order[k]);
        CHECK(at != NULL);
    }
    char v[80];
    CHECK(text_get(r.out, "public_key", v, sizeof v) && strcmp(v, pub_hex) == 0);
    wf_cf_run_clear(&r);
}

static void test_refusals(void)
{
    wf_cf_run r;
    char digest_hex[65], other_key[65];
    uint8_t bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    wf_hex_encode(digest_hex, bytes, sizeof bytes);
    randombytes_buf(bytes, sizeof bytes);
    wf_hex_encode(other_key, bytes, sizeof bytes);

    /* a request id reused for another digest */
    ASK(&r, ALPHA, "sign", "--key", key_hex, "--digest", digest_hex, "--request-id", "cli-withdrawal-1");
    CHECK(
        refused(&r, 3, "refused by the node (CLIENT_CONFLICT): this request id was used for another digest"));
    wf_cf_run_clear(&r);
    /* a key no node holds */
    ASK(&r, BRAVO, "sign", "--key", other_key, "--digest", digest_hex, "--request-id", "cli-no-key");
    CHECK(refused(&r, 3, "refused by the node (CLIENT_NOT_FOUND): no key with this id"));
    wf_cf_run_clear(&r);
    ASK(&r, CHARLIE, "pubkey", "--key", other_key, "--json");
    CHECK(refused(&r, 3, "(CLIENT_NOT_FOUND)"));
    wf_cf_run_clear(&r);
    /* a client TLS admits but the policy does not know */
    run_as(&r, stranger_dir, f.client_url[ALPHA], node_crt[ALPHA], "sign",
           (const char *[]){"--key", key_hex, "--digest", digest_hex, "--request-id", "stranger-1", NULL});
    CHECK(refused(&r, 3, "refused by the node (CLIENT_DENIED)"));
    wf_cf_run_clear(&r);

    /* bravo's certificate for alpha's URL: the handshake fails */
    run_as(&r, cli_dir, f.client_url[ALPHA], node_crt[BRAVO], "status", (const char *[]){NULL});
    CHECK(refused(&r, 4, "TLS handshake with"));
    wf_cf_run_clear(&r);
    /* nothing listens */
    char url[64];
    snprintf(url, sizeof url, "tls+tcp://127.0.0.1:%u", wf_test_free_port_range(1));
    run_as(&r, cli_dir, url, node_crt[ALPHA], "pubkey", (const char *[]){"--key", key_hex, NULL});
    CHECK(refused(&r, 4, "nothing listens there"));
    wf_cf_run_clear(&r);
    /* a node certificate that is not a certificate */
    run_as(&r, cli_dir, f.client_url[ALPHA], f.policy, "status", (const char *[]){NULL});
    CHECK(refused(&r, 1, "--node-cert "));
    wf_cf_run_clear(&r);
}

static void test_status(void)
{
    wf_cf_run r;
    char v[128], want[256];
    ASK(&r, BRAVO, "status", "--json");
    CHECK(json_ok(&r));
    CHECK(json_get(r.out, "node", v, sizeof v) && strcmp(v, "bravo") == 0);
    CHECK(json_get(r.out, "member", v, sizeof v) && strcmp(v, "1") == 0);
    CHECK(json_get(r.out, "peers_up", v, sizeof v) && strcmp(v, "2") == 0);
    CHECK(json_get(r.out, "peers_down", v, sizeof v) && strcmp(v, "0") == 0);
    CHECK(strstr(r.out, "{\"member\":0,\"name\":\"alpha\",\"up\":true}") != NULL);
    snprintf(want, sizeof want, "\"keys\":[{\"key_id\":\"%s\",\"generation\":", key_hex);
    CHECK(strstr(r.out, want) != NULL && strstr(r.out, "\"ready\":true") != NULL);
    wf_cf_run_clear(&r);

    ASK(&r, ALPHA, "status", NULL);
    CHECK(r.exit_code == 0 && strncmp(r.out, "node alpha\nmember 0\ncluster_id ", 31) == 0);
    CHECK(strstr(r.out, "\npeers_up 2\npeers_down 0\npeer 1 bravo up\npeer 2 charlie up\n") != NULL);
    snprintf(want, sizeof want, "\nkey %s generation ", key_hex);
    CHECK(strstr(r.out, want) != NULL);
    wf_cf_run_clear(&r);

    /* the keeper fills a pool in the background (presig_low 1): a line
     * "pool <key> signers I,J depth N" with N >= 1 */
    snprintf(want, sizeof want, "\npool %s signers ", key_hex);
    unsigned a = 0, b = 0, depth = 0;
    for (int waited = 0; depth == 0 && waited < 120000; waited += 500) {
        ASK(&r, CHARLIE, "status", NULL);
        const char *pool = r.exit_code == 0 ? strstr(r.out, want) : NULL;
        if (pool == NULL || sscanf(pool + strlen(want), "%u,%u depth %u", &a, &b, &depth) != 3)
            depth = 0;
        wf_cf_run_clear(&r);
        if (depth == 0)
            wf_df_sleep_ms(500);
    }
    CHECK(depth >= 1 && a < b && b < 3);
    ASK(&r, CHARLIE, "status", "--json");
    CHECK(json_ok(&r) && strstr(r.out, "\"pools\":[{\"signers\":[") != NULL);
    wf_cf_run_clear(&r);
}

/* warifu refresh KEY: the same key at generation 2, as JSON and as text
 * (a repeat of the request id); refusals are one line with their exit code */
static void test_refresh(void)
{
    wf_cf_run r;
    char v[128], other_key[65];
    ASK(&r, BRAVO, "refresh", key_hex, "--request-id", "cli-refresh-1", "--json");
    CHECK(json_ok(&r));
    CHECK(json_get(r.out, "key_id", v, sizeof v) && strcmp(v, key_hex) == 0);
    CHECK(json_get(r.out, "public_key", v, sizeof v) && strcmp(v, pub_hex) == 0);
    CHECK(json_get(r.out, "generation", v, sizeof v) && strcmp(v, "2") == 0);
    wf_cf_run_clear(&r);
    ASK(&r, ALPHA, "refresh", key_hex, "--request-id", "cli-refresh-1");
    CHECK(r.exit_code == 0 && strstr(r.out, "\ngeneration 2\n") != NULL);
    wf_cf_run_clear(&r);

    ASK(&r, ALPHA, "refresh", "--request-id", "cli-refresh-2");
    CHECK(r.exit_code == 2);
    wf_cf_run_clear(&r);
    ASK(&r, ALPHA, "refresh", "nothex", "--request-id", "cli-refresh-2");
    CHECK(refused(&r, 2, "KEY must be a key id"));
    wf_cf_run_clear(&r);
    memset(other_key, '7', 64);
    other_key[64] = '\0';
    ASK(&r, CHARLIE, "refresh", other_key, "--request-id", "cli-refresh-3");
    CHECK(refused(&r, 3, "refused by the node (CLIENT_NOT_FOUND): no key with this id"));
    wf_cf_run_clear(&r);
    run_as(&r, stranger_dir, f.client_url[ALPHA], node_crt[ALPHA], "refresh",
           (const char *[]){key_hex, "--request-id", "stranger-refresh", NULL});
    CHECK(refused(&r, 3, "refused by the node (CLIENT_DENIED)"));
    wf_cf_run_clear(&r);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_df_setup(&f, 3, 2, (const uint32_t[]){0, 0, 1});
    make_clients();
    for (size_t i = 0; i < f.n; i++) {
        wf_daemon_cfg cfg = wf_df_cfg(&f, i);
        cfg.presig_low = 1;
        cfg.presig_high = 1;
        wf_df_start(&f, i, &cfg);
    }
    REQUIRE(wf_df_wait_ready(&f, 15000));
    strcpy(key_hex, "1111111111111111111111111111111111111111111111111111111111111111");
    test_usage();
    test_keygen_pubkey_address();
    test_sign();
    test_refusals();
    test_status();
    test_refresh();
    wf_df_teardown(&f);
    return wf_check_summary("test_cli_client");
}
