/* The warifu CLI's store commands, run as child processes on node
 * directories whose store this test holds open for writing, as warifud
 * would:
 *   - backup keygen writes a key pair with the promised modes;
 *   - backup export works on the open store (read-only) and never
 *     overwrites; the store's owner goes on writing afterwards;
 *   - backup verify accepts the export, and refuses a damaged file and the
 *     wrong secret key, with one line on stderr;
 *   - audit verify counts the records of an intact chain (none on a fresh
 *     node) and names the first bad record of a tampered one;
 *   - a wrong key file, a passphrase store and usage errors. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/secmem.h"
#include "store/audit.h"
#include "store/backup.h"
#include "store/db.h"
#include "store/keys.h"
#include "store/store.h"
#include "tests/check.h"
#include "tests/node/cluster_fixture.h"
#include "tests/store_fixture.h"

static char node[WF_CF_PATH], key_file[WF_CF_PATH], store_dir[WF_CF_PATH + 8];
static char bk_dir[WF_CF_PATH], bk_sec[WF_CF_PATH + 16], bk_pub[WF_CF_PATH + 16];
static wf_store *held; /* the store, open for writing all along */

#define RUN(r, ...) wf_cf_warifu(r, (const char *[]){__VA_ARGS__, NULL})

static void setup(void)
{
    wf_node_member m;
    wf_cf_init_node("tokyo", "tls+tcp://127.0.0.1:7400", node, key_file, &m);
    wf_node_member_clear(&m);
    snprintf(store_dir, sizeof store_dir, "%s/store", node);
    wf_store_unlock u = {.key_file = key_file};
    REQUIRE(wf_store_open(&held, store_dir, &u) == WF_OK);
    for (uint8_t i = 1; i <= 2; i++) {
        uint8_t id[32];
        memset(id, 0x40 + i, sizeof id);
        wf_store_key k;
        wf_test_make_key(&k, id, 2, 1, 0);
        REQUIRE(wf_store_key_put(held, &k) == WF_OK);
        free(k.record.pub);
        wf_secure_free(k.record.sec);
    }
    REQUIRE(wf_store_audit_append(held, "keygen", "key 41", NULL) == WF_OK);
    REQUIRE(wf_store_audit_append(held, "keygen", "key 42", NULL) == WF_OK);
    REQUIRE(wf_store_audit_append(held, "sign", "withdrawal-1 with key 41", NULL) == WF_OK);
}

static void test_keygen(void)
{
    wf_cf_run r;
    wf_cf_path(bk_dir, sizeof bk_dir, "backup-keys");
    snprintf(bk_sec, sizeof bk_sec, "%s/backup.key", bk_dir);
    snprintf(bk_pub, sizeof bk_pub, "%s/backup.pub", bk_dir);
    RUN(&r, "backup", "keygen", bk_dir, "--json");
    CHECK(r.exit_code == 0 && r.err[0] == '\0');
    CHECK(wf_cf_mode(bk_dir) == 0700 && wf_cf_mode(bk_sec) == 0600 && wf_cf_mode(bk_pub) == 0644);
    uint8_t pk[32];
    char hex[65], want[128];
    CHECK_OK(wf_backup_public_key_read(bk_pub, pk));
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", pk[i]);
    snprintf(want, sizeof want, "\"public_key\":\"%s\"}", hex);
    CHECK(strstr(r.out, want) != NULL);
    wf_cf_run_clear(&r);
    /* never over an existing pair */
    RUN(&r, "backup", "keygen", bk_dir);
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && strstr(r.err, "already exists") != NULL);
    wf_cf_run_clear(&r);
}

static void test_export_verify(void)
{
    wf_cf_run r;
    char file[WF_CF_PATH], file2[WF_CF_PATH];
    wf_cf_path(file, sizeof file, "tokyo.backup");
    wf_cf_path(file2, sizeof file2, "tokyo2.backup");

    /* export while the store is held open for writing */
    RUN(&r, "backup", "export", node, "--to", file, "--backup-key", bk_pub, "--key-file", key_file);
    CHECK(r.exit_code == 0 && r.err[0] == '\0');
    CHECK(strstr(r.out, "\nkeys 2\n") != NULL && strstr(r.out, "checksum ") != NULL);
    CHECK(wf_cf_mode(file) == 0600);
    wf_cf_run_clear(&r);
    RUN(&r, "backup", "export", node, "--to", file2, "--backup-key", bk_pub, "--key-file", key_file,
        "--json");
    CHECK(r.exit_code == 0 && r.out[0] == '{' && strstr(r.out, "\"keys\":2") != NULL);
    wf_cf_run_clear(&r);
    RUN(&r, "backup", "export", node, "--to", file, "--backup-key", bk_pub, "--key-file", key_file);
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && strstr(r.err, "already exists") != NULL);
    wf_cf_run_clear(&r);
    /* the owner of the store goes on writing */
    CHECK_OK(wf_store_audit_append(held, "backup", "exported", NULL));

    /* verify: intact */
    RUN(&r, "backup", "verify", file, "--backup-secret", bk_sec);
    CHECK(r.exit_code == 0 && r.err[0] == '\0' && strstr(r.out, "\nkeys_checked 2\n") != NULL);
    wf_cf_run_clear(&r);
    RUN(&r, "backup", "verify", file2, "--backup-secret", bk_sec, "--json");
    CHECK(r.exit_code == 0 && strstr(r.out, "\"keys_checked\":2,\"ok\":true}") != NULL);
    wf_cf_run_clear(&r);

    /* a damaged copy: one byte of a sealed share */
    size_t len = 0;
    char *data = wf_cf_read(file, &len), damaged[WF_CF_PATH];
    REQUIRE(data != NULL && len > 300);
    data[len - 100] ^= 0x01;
    wf_cf_path(damaged, sizeof damaged, "damaged.backup");
    FILE *f = fopen(damaged, "wb");
    REQUIRE(f != NULL && fwrite(data, 1, len, f) == len && fclose(f) == 0);
    free(data);
    RUN(&r, "backup", "verify", damaged, "--backup-secret", bk_sec);
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && strstr(r.err, "checksum") != NULL);
    printf("  damaged: %s", r.err);
    wf_cf_run_clear(&r);
    RUN(&r, "backup", "verify", damaged, "--backup-secret", bk_sec, "--json");
    CHECK(r.exit_code == 1 && strstr(r.out, "\"ok\":false") != NULL && wf_cf_one_line(r.err));
    wf_cf_run_clear(&r);

    /* the wrong secret key */
    char other[WF_CF_PATH], other_sec[WF_CF_PATH + 16];
    wf_cf_path(other, sizeof other, "other-keys");
    snprintf(other_sec, sizeof other_sec, "%s/backup.key", other);
    RUN(&r, "backup", "keygen", other);
    CHECK(r.exit_code == 0);
    wf_cf_run_clear(&r);
    RUN(&r, "backup", "verify", file, "--backup-secret", other_sec);
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && strstr(r.err, "wrong secret key") != NULL);
    printf("  wrong secret key: %s", r.err);
    wf_cf_run_clear(&r);
    /* not a backup at all */
    RUN(&r, "backup", "verify", key_file, "--backup-secret", bk_sec);
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && r.out[0] == '\0');
    wf_cf_run_clear(&r);
}

/* Flips a byte of audit record seq's text, through the held store. */
static void tamper_audit(uint64_t seq)
{
    uint8_t k[8];
    uint8_t *v = NULL;
    size_t len = 0;
    char *e = NULL;
    wf_be64_put(k, seq);
    REQUIRE(wf_db_get_raw(held, WF_CF_AUDIT, k, 8, &v, &len) == WF_OK && len > 40);
    v[len - 40] ^= 0x01; /* in the text, before the MAC */
    rocksdb_put_cf(held->db, held->sync_write, held->cf[WF_CF_AUDIT], (const char *)k, 8, (const char *)v,
                   len, &e);
    REQUIRE(e == NULL);
    rocksdb_free(v);
}

static void test_audit(void)
{
    wf_cf_run r;
    /* a fresh node: no records, intact */
    char fresh[WF_CF_PATH], fresh_key[WF_CF_PATH];
    wf_node_member m;
    wf_cf_init_node("kyoto", "tls+tcp://127.0.0.1:7410", fresh, fresh_key, &m);
    wf_node_member_clear(&m);
    RUN(&r, "audit", "verify", fresh, "--key-file", fresh_key);
    CHECK(r.exit_code == 0 && r.err[0] == '\0' && strstr(r.out, "records_checked 0\n") != NULL);
    wf_cf_run_clear(&r);

    /* the held store: 4 records, intact */
    RUN(&r, "audit", "verify", node, "--key-file", key_file, "--json");
    CHECK(r.exit_code == 0 && strstr(r.out, "\"records_checked\":4,\"ok\":true}") != NULL);
    wf_cf_run_clear(&r);
    /* the wrong key file */
    RUN(&r, "audit", "verify", node, "--key-file", fresh_key);
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && strstr(r.err, "wrong passphrase or key file") != NULL);
    wf_cf_run_clear(&r);

    /* record 3 edited: named, and the records before it counted */
    tamper_audit(3);
    RUN(&r, "audit", "verify", node, "--key-file", key_file);
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && strstr(r.err, "record 3") != NULL);
    CHECK(strstr(r.out, "records_checked 2\nfirst_bad 3\n") != NULL);
    printf("  tampered: %s", r.err);
    wf_cf_run_clear(&r);
    RUN(&r, "audit", "verify", node, "--key-file", key_file, "--json");
    CHECK(r.exit_code == 1 && strstr(r.out, "\"first_bad\":3,\"ok\":false") != NULL);
    wf_cf_run_clear(&r);
}

/* A node locked by a passphrase; usage errors. */
static void test_passphrase_and_usage(void)
{
    wf_cf_run r;
    char dir[WF_CF_PATH], pass[WF_CF_PATH];
    wf_cf_path(dir, sizeof dir, "osaka");
    wf_cf_path(pass, sizeof pass, "osaka.pass");
    wf_cf_write(pass, "osaka passphrase\n", 0600);
    RUN(&r, "init", "--dir", dir, "--name", "osaka", "--address", "tls+tcp://h:1", "--passphrase-file", pass,
        "--kdf", "interactive");
    REQUIRE(r.exit_code == 0);
    wf_cf_run_clear(&r);
    RUN(&r, "audit", "verify", dir, "--passphrase-file", pass);
    CHECK(r.exit_code == 0 && strstr(r.out, "records_checked 0\n") != NULL);
    wf_cf_run_clear(&r);
    char out[WF_CF_PATH];
    wf_cf_path(out, sizeof out, "osaka.backup");
    RUN(&r, "backup", "export", dir, "--to", out, "--backup-key", bk_pub, "--passphrase-file", pass);
    CHECK(r.exit_code == 1 && wf_cf_one_line(r.err) && strstr(r.err, "no key") != NULL);
    CHECK(wf_cf_mode(out) == (mode_t)-1);
    wf_cf_run_clear(&r);

    RUN(&r, "audit", "verify", dir);
    CHECK(r.exit_code == 2 && wf_cf_one_line(r.err));
    wf_cf_run_clear(&r);
    RUN(&r, "audit", "verify", "--key-file", key_file);
    CHECK(r.exit_code == 2 && wf_cf_one_line(r.err) && strstr(r.err, "NODE_DIR") != NULL);
    wf_cf_run_clear(&r);
    RUN(&r, "backup", "export", node, "--backup-key", bk_pub, "--key-file", key_file);
    CHECK(r.exit_code == 2 && wf_cf_one_line(r.err) && strstr(r.err, "--to") != NULL);
    wf_cf_run_clear(&r);
    RUN(&r, "backup", "verify", "x.backup");
    CHECK(r.exit_code == 2 && wf_cf_one_line(r.err) && strstr(r.err, "--backup-secret") != NULL);
    wf_cf_run_clear(&r);
    RUN(&r, "backup", "restore", "x");
    CHECK(r.exit_code == 2 && wf_cf_one_line(r.err));
    wf_cf_run_clear(&r);
    RUN(&r, "audit", "verify", node, "--to", "x", "--key-file", key_file);
    CHECK(r.exit_code == 2 && wf_cf_one_line(r.err)); /* --to is export's */
    wf_cf_run_clear(&r);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_cf_root_make();
    setup();
    test_keygen();
    test_export_verify();
    test_audit();
    test_passphrase_and_usage();
    wf_store_close(held);
    return wf_check_summary("test_cli_store");
}
