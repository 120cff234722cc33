/* The CLI's committees, as child processes against a 2-of-3 cluster of
 * in-process daemons (ranks {0,0,1}): `warifu keygen --cluster FILE
 * --members bravo,charlie --threshold 2 --ranks 0,1` makes a key only bravo
 * and charlie hold (names in any order), `warifu reshare KEY --members
 * alpha,bravo,charlie --threshold 2 --ranks 0,0,1` moves it to all three
 * with the same public key; bad committee arguments exit 2 before anything
 * is asked. */
#include <sodium.h>

#include "tests/node/committee_fixture.h"

#define ALPHA   0
#define BRAVO   1
#define CHARLIE 2

static wf_df f;
static char crt[WF_DF_MAX][WF_CF_PATH + 16];

/* warifu <cmd> --client DIR --node-url … --node-cert … --cluster FILE --json <extra…> to node i;
 * the fixture's client directory is made by make_client. */
static char cli_dir[WF_CF_PATH];

static void run(wf_cf_run *r, size_t i, const char *cmd, const char *const *extra)
{
    const char *argv[40] = {cmd,           "--client", cli_dir,     "--node-url", f.client_url[i],
                            "--node-cert", crt[i],     "--cluster", f.cluster,    "--json"};
    size_t n = 10;
    for (; extra[n - 10] != NULL; n++)
        argv[n] = extra[n - 10];
    argv[n] = NULL;
    wf_cf_warifu(r, argv);
}
#define RUN(r, i, cmd, ...) run(r, i, cmd, (const char *[]){__VA_ARGS__, NULL})

static int json_get(const char *json, const char *key, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat), *end;
    if (p == NULL)
        return 0;
    p += strlen(pat);
    end = *p == '"' ? strchr(++p, '"') : p + strcspn(p, ",}");
    if (end == NULL || (size_t)(end - p) >= cap)
        return 0;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return 1;
}

/* `warifu client-init` a client directory the policy allows every key and TLS admits. */
static void make_client(void)
{
    wf_cf_run r;
    char line[256], extra[320], path[WF_CF_PATH + 16];
    wf_cf_path(cli_dir, WF_CF_PATH, "cli");
    wf_cf_warifu(&r, (const char *[]){"client-init", cli_dir, "--name", "cli", NULL});
    REQUIRE(r.exit_code == 0);
    const char *p = strstr(r.out, "policy_line ");
    REQUIRE(p != NULL);
    snprintf(line, sizeof line, "%.*s", (int)strcspn(p + 12, "\n"), p + 12);
    wf_cf_run_clear(&r);
    char *policy = wf_cf_read(f.policy, NULL);
    snprintf(extra, sizeof extra, "%s\nallow cli *\nend\n", line);
    char *edited = wf_cf_replace(policy, "end\n", extra);
    wf_cf_write(f.policy, edited, 0644);
    free(policy);
    free(edited);
    snprintf(path, sizeof path, "%s/tls.crt", cli_dir);
    char *bundle = wf_cf_read(f.client_ca, NULL), *pem = wf_cf_read(path, NULL);
    REQUIRE(bundle != NULL && pem != NULL);
    char *joined = malloc(strlen(bundle) + strlen(pem) + 1);
    REQUIRE(joined != NULL);
    strcpy(joined, bundle);
    strcat(joined, pem);
    wf_cf_write(f.client_ca, joined, 0644);
    free(bundle);
    free(pem);
    free(joined);
    for (size_t i = 0; i < f.n; i++)
        snprintf(crt[i], sizeof crt[i], "%s/tls.crt", f.dirs[i]);
}

static void test_usage(void)
{
    static const struct {
        const char *cmd, *extra[10], *what;
    } cases[] = {
        {"keygen",
         {"--request-id", "u1", "--members", "bravo,zulu", "--threshold", "2", "--ranks", "0,1"},
         "zulu is not a member"},
        {"keygen",
         {"--request-id", "u2", "--members", "bravo,charlie", "--threshold", "2", "--ranks", "0"},
         "one rank per member"},
        {"keygen",
         {"--request-id", "u3", "--members", "bravo,charlie", "--threshold", "3", "--ranks", "0,1"},
         "--threshold must be"},
        {"keygen",
         {"--request-id", "u4", "--members", "bravo,bravo", "--threshold", "2", "--ranks", "0,1"},
         "twice"},
        {"keygen",
         {"--request-id", "u5", "--members", "bravo,charlie", "--ranks", "0,1"},
         "--threshold is required"},
        {"reshare", {"--request-id", "u6", "--threshold", "2", "--ranks", "0,1"}, "KEY_ID is required"},
        {"reshare",
         {"abcd", "--request-id", "u7", "--members", "alpha,bravo", "--threshold", "2", "--ranks", "0,1"},
         "KEY_ID must be"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        wf_cf_run r;
        const char *argv[24] = {cases[k].cmd,  "--client", cli_dir,     "--node-url", f.client_url[0],
                                "--node-cert", crt[0],     "--cluster", f.cluster};
        size_t n = 9;
        for (size_t j = 0; cases[k].extra[j] != NULL; j++)
            argv[n++] = cases[k].extra[j];
        argv[n] = NULL;
        wf_cf_warifu(&r, argv);
        int ok = r.exit_code == 2 && r.out[0] == '\0' && strstr(r.err, cases[k].what) != NULL;
        if (!ok)
            fprintf(stderr, "case %zu: exit %d, stderr %s\n", k, r.exit_code, r.err);
        CHECK(ok);
        wf_cf_run_clear(&r);
    }
}

static void test_keygen_reshare(void)
{
    wf_cf_run r;
    char key[80], pub[80], xpub[160], v[32];
    RUN(&r, BRAVO, "keygen", "--request-id", "cli-committee", "--members", "charlie,bravo", "--threshold",
        "2", "--ranks", "1,0");
    if (r.exit_code != 0)
        fprintf(stderr, "keygen: %s %s\n", r.out, r.err);
    REQUIRE(r.exit_code == 0 && json_get(r.out, "key_id", key, sizeof key) &&
            json_get(r.out, "public_key", pub, sizeof pub) && json_get(r.out, "xpub", xpub, sizeof xpub));
    CHECK(json_get(r.out, "threshold", v, sizeof v) && strcmp(v, "2") == 0);
    CHECK(json_get(r.out, "members", v, sizeof v) && strcmp(v, "2") == 0);
    wf_cf_run_clear(&r);
    uint8_t id[32];
    size_t len = 0;
    REQUIRE(sodium_hex2bin(id, 32, key, 64, NULL, &len, NULL) == 0 && len == 32);
    CHECK(wf_kf_key_count(&f, ALPHA) == 0 && wf_kf_key_count(&f, BRAVO) == 1 &&
          wf_kf_key_count(&f, CHARLIE) == 1);
    CHECK(wf_df_sign_ok(&f, CHARLIE, "cli-1", id));

    RUN(&r, CHARLIE, "reshare", key, "--request-id", "cli-grow", "--members", "alpha,bravo,charlie",
        "--threshold", "2", "--ranks", "0,0,1");
    if (r.exit_code != 0)
        fprintf(stderr, "reshare: %s %s\n", r.out, r.err);
    CHECK(r.exit_code == 0);
    char pub2[80], xpub2[160];
    CHECK(json_get(r.out, "public_key", pub2, sizeof pub2) && strcmp(pub2, pub) == 0);
    CHECK(json_get(r.out, "xpub", xpub2, sizeof xpub2) && strcmp(xpub2, xpub) == 0);
    CHECK(json_get(r.out, "members", v, sizeof v) && strcmp(v, "3") == 0);
    wf_cf_run_clear(&r);
    CHECK(wf_kf_key_count(&f, ALPHA) == 1 && wf_kf_generation(&f, BRAVO, id) == 2);
    CHECK(wf_df_sign_ok(&f, ALPHA, "cli-2", id));
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_df_setup(&f, 3, 2, (const uint32_t[]){0, 0, 1});
    make_client();
    wf_df_start_all(&f);
    test_usage();
    test_keygen_reshare();
    wf_df_teardown(&f);
    return wf_check_summary("test_cli_committee");
}
