/* node/node_identity.c and `warifu init`:
 *   - init makes a node directory with the promised files and modes, keys
 *     that sign and a store that opens with its key file; it never reuses a
 *     directory that holds anything, nor leaves a half-made one behind;
 *   - loading a node refuses secret files others can read and files that
 *     belong to another node;
 *   - member files round-trip and refuse every edit; addresses are strict;
 *   - the CLI creates a missing key file (and removes it again when init
 *     fails), uses an existing one as it is, and refuses a passphrase file
 *     others can read. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/secmem.h"
#include "node/node_identity.h"
#include "node/text_format.h"
#include "store/store.h"
#include "tests/check.h"
#include "tests/node/cluster_fixture.h"

#define N 3

static const char *names[N] = {"tokyo", "frankfurt", "virginia"};
static const char *addresses[N] = {"tls+tcp://127.0.0.1:7400", "tls+tcp://127.0.0.1:7410",
                                   "tls+tcp://10.0.0.3:7400"};
static char dirs[N][WF_CF_PATH], key_files[N][WF_CF_PATH];
static wf_node_member members[N]; /* what init returned */

static void pk_hex(char out[2 * WF_IDENTITY_PK_BYTES + 1], int node)
{
    wf_hex_encode(out, members[node].identity_pk, WF_IDENTITY_PK_BYTES);
}

static void test_init(void)
{
    char path[512];
    for (int i = 0; i < N; i++)
        wf_cf_init_node(names[i], addresses[i], dirs[i], key_files[i], &members[i]);

    /* what is on disk */
    const wf_node_member *m = &members[0];
    CHECK(strcmp(m->name, "tokyo") == 0 && strcmp(m->address, addresses[0]) == 0);
    CHECK(wf_cf_mode(dirs[0]) == 0700);
    static const struct {
        const char *file;
        mode_t mode;
    } files[] = {{"identity.key", 0600}, {"identity.pub", 0644}, {"tls.key", 0600},
                 {"tls.crt", 0644},      {"member.pub", 0644},   {"store", 0700}};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        snprintf(path, sizeof path, "%s/%s", dirs[0], files[k].file);
        CHECK(wf_cf_mode(path) == files[k].mode);
    }
    snprintf(path, sizeof path, "%s/identity.key", dirs[0]);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == WF_NODE_SEED_BYTES);
    char hex[2 * WF_IDENTITY_PK_BYTES + 1], expect_pub[80];
    pk_hex(hex, 0);
    snprintf(expect_pub, sizeof expect_pub, "%s\n", hex);
    snprintf(path, sizeof path, "%s/identity.pub", dirs[0]);
    char *pub = wf_cf_read(path, NULL);
    CHECK(pub != NULL && strcmp(pub, expect_pub) == 0);
    free(pub);

    /* member.pub is what init returned, in the documented layout */
    char *text = NULL, *file = NULL;
    size_t len = 0;
    CHECK_OK(wf_node_member_format(m, &text, &len));
    snprintf(path, sizeof path, "%s/member.pub", dirs[0]);
    file = wf_cf_read(path, NULL);
    CHECK(file != NULL && text != NULL && strcmp(file, text) == 0);
    char head[256];
    snprintf(head, sizeof head,
             "warifu-member 1\nname tokyo\naddress %s\nidentity-pk %s\ntls-fingerprint %s\n-----BEGIN "
             "CERTIFICATE-----\n",
             addresses[0], hex, m->fingerprint);
    CHECK(file != NULL && strncmp(file, head, strlen(head)) == 0);
    CHECK(file != NULL && len > 20 && strcmp(file + len - 30, "-----END CERTIFICATE-----\nend\n") == 0);
    free(text);
    free(file);

    /* the identity loads, and its key signs for its public key */
    wf_node_identity id;
    const char *why = NULL;
    CHECK_OK(wf_node_identity_load(&id, dirs[0], 1, &why));
    CHECK(memcmp(id.pub.identity_pk, m->identity_pk, WF_IDENTITY_PK_BYTES) == 0);
    CHECK(strcmp(id.tls.fingerprint, m->fingerprint) == 0 && id.tls.key_pem != NULL);
    uint8_t sig[crypto_sign_BYTES];
    static const uint8_t msg[] = "envelope";
    CHECK(id.identity_sk != NULL && crypto_sign_detached(sig, NULL, msg, sizeof msg, id.identity_sk) == 0);
    CHECK(crypto_sign_verify_detached(sig, msg, sizeof msg, m->identity_pk) == 0);
    wf_node_identity_clear(&id);
    CHECK(id.identity_sk == NULL && id.pub.cert_pem == NULL);
    CHECK_OK(wf_node_identity_load(&id, dirs[1], 0, &why));
    CHECK(id.identity_sk == NULL && id.tls.key_pem == NULL && strcmp(id.pub.name, "frankfurt") == 0);
    wf_node_identity_clear(&id);

    /* the store opens with its key file and with no other */
    wf_store *s = NULL;
    snprintf(path, sizeof path, "%s/store", dirs[0]);
    wf_store_unlock u = {.key_file = key_files[0]};
    CHECK_OK(wf_store_open(&s, path, &u));
    wf_store_close(s);
    u.key_file = key_files[1];
    CHECK_ERR(wf_store_open(&s, path, &u), WF_ERR_VERIFY);
}

static void test_init_refusals(void)
{
    char dir[256], path[512];
    const char *why = NULL;
    wf_store_unlock u = {.key_file = key_files[0]};

    /* an existing node directory is left exactly as it was */
    snprintf(path, sizeof path, "%s/identity.pub", dirs[0]);
    char *before = wf_cf_read(path, NULL);
    CHECK_ERR(wf_node_init(dirs[0], "tokyo", addresses[0], &u, NULL, &why), WF_ERR_EXISTS);
    char *after = wf_cf_read(path, NULL);
    CHECK(before != NULL && after != NULL && strcmp(before, after) == 0);
    free(before);
    free(after);

    /* bad arguments touch nothing */
    wf_cf_path(dir, sizeof dir, "fresh");
    CHECK_ERR(wf_node_init(dir, "Tokyo", addresses[0], &u, NULL, &why), WF_ERR_ARG);
    CHECK_ERR(wf_node_init(dir, "tokyo", "tcp://127.0.0.1:7400", &u, NULL, &why), WF_ERR_ARG);
    wf_store_unlock both = {.key_file = key_files[0], .passphrase = "x"};
    CHECK_ERR(wf_node_init(dir, "tokyo", addresses[0], &both, NULL, &why), WF_ERR_ARG);
    CHECK(wf_cf_mode(dir) == (mode_t)-1);

    /* a store that cannot be created (no such key file) undoes everything */
    wf_store_unlock missing = {.key_file = "/nonexistent/key"};
    CHECK(wf_node_init(dir, "tokyo", addresses[0], &missing, NULL, &why) != WF_OK);
    CHECK(why != NULL && strstr(why, "store") != NULL);
    CHECK(wf_cf_mode(dir) == (mode_t)-1);

    /* an empty directory is taken and made 0700; a non-empty one is not */
    CHECK(mkdir(dir, 0755) == 0);
    CHECK_ERR(wf_node_init(dir, "tokyo", addresses[0], &missing, NULL, &why), WF_ERR_STORAGE);
    CHECK(wf_cf_mode(dir) != (mode_t)-1); /* ours to keep: it existed before */
    snprintf(path, sizeof path, "%s/stray", dir);
    wf_cf_write(path, "x", 0644);
    CHECK_ERR(wf_node_init(dir, "tokyo", addresses[0], &u, NULL, &why), WF_ERR_EXISTS);
    CHECK(unlink(path) == 0);
    wf_store_unlock other = {.key_file = key_files[1]};
    CHECK_OK(wf_node_init(dir, "kyoto", addresses[0], &other, NULL, &why));
    CHECK(wf_cf_mode(dir) == 0700);
}

static void test_identity_refusals(void)
{
    char key[512], pub[512], other_pub[512];
    wf_node_identity id;
    const char *why = NULL;
    snprintf(key, sizeof key, "%s/identity.key", dirs[0]);
    snprintf(pub, sizeof pub, "%s/identity.pub", dirs[0]);
    snprintf(other_pub, sizeof other_pub, "%s/identity.pub", dirs[1]);

    /* a secret key others can read is refused, also without saying its bytes */
    CHECK(chmod(key, 0640) == 0);
    CHECK_ERR(wf_node_identity_load(&id, dirs[0], 1, &why), WF_ERR_VERIFY);
    CHECK(why != NULL && strstr(why, "0600") != NULL);
    CHECK_OK(wf_node_identity_load(&id, dirs[0], 0, &why)); /* the public half is still fine */
    wf_node_identity_clear(&id);
    CHECK(chmod(key, 0600) == 0);

    /* another node's identity.pub, or identity.key, does not pass for ours */
    char *mine = wf_cf_read(pub, NULL), *theirs = wf_cf_read(other_pub, NULL);
    REQUIRE(mine != NULL && theirs != NULL);
    CHECK(chmod(pub, 0644) == 0);
    wf_cf_write(pub, theirs, 0644);
    CHECK_ERR(wf_node_identity_load(&id, dirs[0], 0, &why), WF_ERR_VERIFY);
    wf_cf_write(pub, mine, 0644);
    free(mine);
    free(theirs);

    char other_key[512];
    snprintf(other_key, sizeof other_key, "%s/identity.key", dirs[1]);
    size_t klen = 0;
    char *saved = wf_cf_read(key, &klen), *foreign = wf_cf_read(other_key, NULL);
    REQUIRE(saved != NULL && foreign != NULL && klen == WF_NODE_SEED_BYTES);
    FILE *f = fopen(key, "wb");
    REQUIRE(f != NULL && fwrite(foreign, 1, WF_NODE_SEED_BYTES, f) == WF_NODE_SEED_BYTES && fclose(f) == 0);
    CHECK_ERR(wf_node_identity_load(&id, dirs[0], 1, &why), WF_ERR_VERIFY);
    f = fopen(key, "wb");
    REQUIRE(f != NULL && fwrite(saved, 1, WF_NODE_SEED_BYTES, f) == WF_NODE_SEED_BYTES && fclose(f) == 0);
    CHECK_OK(wf_node_identity_load(&id, dirs[0], 1, &why));
    wf_node_identity_clear(&id);
    free(saved);
    free(foreign);
}

/* ---- member files ---- */

static wf_err member_parse(const char *text)
{
    wf_node_member m;
    const char *why = NULL;
    wf_err err = wf_node_member_parse(&m, text, strlen(text), &why);
    if (err != WF_OK)
        CHECK(why != NULL && strchr(why, '\n') == NULL && m.cert_pem == NULL);
    wf_node_member_clear(&m);
    return err;
}

static void test_member_files(void)
{
    char *text = NULL, hex[2 * WF_IDENTITY_PK_BYTES + 1], upper[2 * WF_IDENTITY_PK_BYTES + 1];
    size_t len = 0;
    wf_node_member back;
    const char *why = NULL;
    REQUIRE(wf_node_member_format(&members[1], &text, &len) == WF_OK);
    CHECK_OK(wf_node_member_parse(&back, text, len, &why));
    CHECK(strcmp(back.name, members[1].name) == 0 && strcmp(back.address, members[1].address) == 0 &&
          memcmp(back.identity_pk, members[1].identity_pk, WF_IDENTITY_PK_BYTES) == 0 &&
          strcmp(back.fingerprint, members[1].fingerprint) == 0 &&
          strcmp(back.cert_pem, members[1].cert_pem) == 0);
    wf_node_member_clear(&back);

    char fp_edit[WF_TLS_FINGERPRINT_CHARS + 1];
    strcpy(fp_edit, members[1].fingerprint);
    fp_edit[10] = fp_edit[10] == '0' ? '1' : '0';
    pk_hex(hex, 1);
    for (size_t i = 0; i <= sizeof hex - 2; i++)
        upper[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32 : hex[i]);
    upper[sizeof upper - 1] = '\0';
    static const char identity_point[] = "0100000000000000000000000000000000000000000000000000000000000000";
    const struct {
        const char *from, *to;
        wf_err expect;
    } edits[] = {
        {members[1].fingerprint, fp_edit, WF_ERR_VERIFY},       /* not the certificate's fingerprint */
        {"name frankfurt", "name hamburg", WF_ERR_VERIFY},      /* not the certificate's name */
        {hex, upper, WF_ERR_ENCODING},                          /* uppercase hex */
        {hex, identity_point, WF_ERR_VERIFY},                   /* a small-order point */
        {"name frankfurt", "name frankfurt ", WF_ERR_ENCODING}, /* trailing space */
        {"address tls+tcp", "address tcp", WF_ERR_ENCODING},    /* plain tcp:// */
        {":7410", ":0", WF_ERR_ENCODING},
        {"warifu-member 1", "warifu-member 2", WF_ERR_ENCODING},
        {"\nend\n", "\n", WF_ERR_ENCODING},
        {"\nend\n", "\nend\nend\n", WF_ERR_ENCODING},
        {"\nname", "\r\nname", WF_ERR_ENCODING},
        {members[1].cert_pem, members[2].cert_pem, WF_ERR_VERIFY}, /* another member's certificate */
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char *t = wf_cf_replace(text, edits[i].from, edits[i].to);
        wf_err err = member_parse(t);
        if (err != edits[i].expect)
            fprintf(stderr, "member edit %zu: got %s\n", i, wf_err_str(err));
        CHECK(err == edits[i].expect);
        free(t);
    }
    free(text);

    /* addresses */
    static const char *ok[] = {"tls+tcp://127.0.0.1:7400", "tls+tcp://[::1]:1",
                               "tls+tcp://node-1.example:65535", "tls+tcp://[fe80::1]:7400"};
    static const char *bad[] = {"tcp://127.0.0.1:7400",  "tls+tcp://127.0.0.1", "tls+tcp://:7400",
                                "tls+tcp://Host:7400",   "tls+tcp://h:65536",   "tls+tcp://h:07400",
                                "tls+tcp://h:7400/path", "tls+tcp://[::1:7400", "tls+tcp://[g::1]:7400",
                                "tls+tcp://-h:7400",     "tls+tcp://h_1:7400",  "tls+tcp://h:0",
                                "tls+tcp://h: 7400",     "tls+tcp://h:7400 ",   ""};
    char host[WF_NODE_ADDRESS_MAX + 1];
    uint32_t port = 0;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        CHECK(wf_node_address_parse(ok[i], NULL, NULL));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!wf_node_address_parse(bad[i], NULL, NULL));
    CHECK(wf_node_address_parse("tls+tcp://[::1]:7400", host, &port) && strcmp(host, "::1") == 0 &&
          port == 7400);
}

/* warifu init: a key file that does not exist yet is created; JSON output. */
static void test_cli_init(void)
{
    wf_cf_run r;
    char dir[256], key[256], pub_path[512], want[512];
    wf_cf_path(dir, sizeof dir, "nara");
    wf_cf_path(key, sizeof key, "nara.keyfile");
    wf_cf_warifu(&r, (const char *[]){"init", "--dir", dir, "--name", "nara", "--address",
                                      "tls+tcp://nara.example:7400", "--key-file", key, "--json", NULL});
    CHECK(r.exit_code == 0 && r.err[0] == '\0');
    CHECK(wf_cf_mode(key) == 0600 && wf_cf_mode(dir) == 0700);
    snprintf(pub_path, sizeof pub_path, "%s/identity.pub", dir);
    char *pub = wf_cf_read(pub_path, NULL);
    REQUIRE(pub != NULL && strlen(pub) == 65);
    pub[64] = '\0';
    snprintf(want, sizeof want,
             "{\"dir\":\"%s\",\"name\":\"nara\",\"address\":\"tls+tcp://"
             "nara.example:7400\",\"identity_pk\":\"%s\",",
             dir, pub);
    CHECK(strncmp(r.out, want, strlen(want)) == 0);
    CHECK(strstr(r.out, "\"key_file_created\":") != NULL);
    free(pub);
    wf_cf_run_clear(&r);

    wf_node_identity id;
    const char *why = NULL;
    CHECK_OK(wf_node_identity_load(&id, dir, 1, &why));
    wf_node_identity_clear(&id);

    /* a second init into it is refused; the existing key file is used, not replaced */
    char dir2[256];
    wf_cf_path(dir2, sizeof dir2, "nara2");
    size_t klen = 0;
    char *key_before = wf_cf_read(key, &klen);
    wf_cf_warifu(&r, (const char *[]){"init", "--dir", dir, "--name", "nara", "--address", "tls+tcp://h:1",
                                      "--key-file", key, NULL});
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && strstr(r.err, "not empty") != NULL);
    wf_cf_run_clear(&r);
    wf_cf_warifu(&r, (const char *[]){"init", "--dir", dir2, "--name", "nara2", "--address", "tls+tcp://h:1",
                                      "--key-file", key, NULL});
    CHECK(r.exit_code == 0 && strstr(r.out, "key_file_created") == NULL);
    wf_cf_run_clear(&r);
    char *key_after = wf_cf_read(key, NULL);
    CHECK(key_before != NULL && key_after != NULL && klen == 32 && memcmp(key_before, key_after, 32) == 0);
    free(key_before);
    free(key_after);

    /* a failed init removes the key file it created */
    char dir3[256], key3[256];
    wf_cf_path(dir3, sizeof dir3, "nara3");
    wf_cf_path(key3, sizeof key3, "nara3.keyfile");
    wf_cf_warifu(&r, (const char *[]){"init", "--dir", dir3, "--name", "Nara", "--address", "tls+tcp://h:1",
                                      "--key-file", key3, NULL});
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && strstr(r.err, "invalid name") != NULL);
    CHECK(wf_cf_mode(key3) == (mode_t)-1 && wf_cf_mode(dir3) == (mode_t)-1);
    wf_cf_run_clear(&r);

    /* a passphrase file: its trailing newline is not part of the passphrase */
    char pass[WF_CF_PATH], dir4[WF_CF_PATH], store[WF_CF_PATH + 8];
    wf_cf_path(pass, sizeof pass, "pass.txt");
    wf_cf_path(dir4, sizeof dir4, "nara4");
    wf_cf_write(pass, "correct horse\n", 0600);
    wf_cf_warifu(&r, (const char *[]){"init", "--dir", dir4, "--name", "nara4", "--address", "tls+tcp://h:1",
                                      "--passphrase-file", pass, "--kdf", "interactive", NULL});
    CHECK(r.exit_code == 0 && r.err[0] == '\0');
    wf_cf_run_clear(&r);
    snprintf(store, sizeof store, "%s/store", dir4);
    wf_store *s = NULL;
    wf_store_unlock by_pass = {.passphrase = "correct horse"};
    CHECK_OK(wf_store_open(&s, store, &by_pass));
    wf_store_close(s);
    wf_store_unlock by_file = {.key_file = key};
    CHECK_ERR(wf_store_open(&s, store, &by_file), WF_ERR_VERIFY);
    CHECK(strstr(wf_store_last_error(), "passphrase") != NULL);
    wf_cf_warifu(&r, (const char *[]){"init", "--dir", dir3, "--name", "nara3", "--address", "tls+tcp://h:1",
                                      "--key-file", key, "--kdf", "interactive", NULL});
    CHECK(r.exit_code == 2 && wf_cf_one_line(r.err)); /* --kdf is for passphrases */
    wf_cf_run_clear(&r);

    /* a passphrase file must be 0600 */
    CHECK(chmod(pass, 0644) == 0);
    wf_cf_warifu(&r, (const char *[]){"init", "--dir", dir3, "--name", "nara3", "--address", "tls+tcp://h:1",
                                      "--passphrase-file", pass, "--kdf", "interactive", NULL});
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && strstr(r.err, "0600") != NULL);
    CHECK(wf_cf_mode(dir3) == (mode_t)-1);
    wf_cf_run_clear(&r);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_cf_root_make();
    test_init();
    test_init_refusals();
    test_identity_refusals();
    test_member_files();
    test_cli_init();
    for (int i = 0; i < N; i++)
        wf_node_member_clear(&members[i]);
    return wf_check_summary("test_node_identity");
}
