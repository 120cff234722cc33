/* store/backup.c: backup key files, export, verify and restore, and
 * tampering with every part of a backup file. The test reads the file with
 * its own parser of the format documented in store/backup.h, so the
 * documentation is checked too. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "store/backup.h"
#include "store/keys.h"
#include "store/store.h"
#include "tests/check.h"
#include "tests/store_fixture.h"

#define NKEYS      3
#define HEADER_LEN 42 /* "warifu-backup-1 manifest-bytes=" ‖ 10 digits ‖ "\n" */
#define SUM_LEN    32

static char root[256], key_file[300], store_dir[300];
static wf_store *store;
static wf_store_key originals[NKEYS];
static uint8_t backup_pk[32];
static uint8_t *backup_sk; /* locked */

/* ---- files ---------------------------------------------------------------- */

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    REQUIRE(f != NULL);
    REQUIRE(fseek(f, 0, SEEK_END) == 0);
    long n = ftell(f);
    REQUIRE(n >= 0);
    rewind(f);
    uint8_t *d = malloc((size_t)n + 1);
    REQUIRE(d && fread(d, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return d;
}

/* Replaces path's contents (test copies only). */
static void spill(const char *path, const uint8_t *d, size_t len)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    REQUIRE(fwrite(d, 1, len, f) == len);
    REQUIRE(fclose(f) == 0);
}

static void in_root(char out[300], const char *name)
{
    snprintf(out, 300, "%s/%s", root, name);
}

/* Number of names in dir that contain part. */
static int names_with(const char *dir, const char *part)
{
    int n = 0;
    DIR *d = opendir(dir);
    REQUIRE(d != NULL);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, part)) n++;
    closedir(d);
    return n;
}

/* A digest of the names, sizes and modification times in dir. */
static void dir_digest(const char *dir, uint8_t out[32])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    DIR *d = opendir(dir);
    REQUIRE(d != NULL);
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[600];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        REQUIRE(lstat(path, &st) == 0);
        long long facts[3] = {(long long)st.st_size, (long long)st.st_mtim.tv_sec, (long long)st.st_mtim.tv_nsec};
        crypto_generichash_update(&h, (const uint8_t *)e->d_name, strlen(e->d_name) + 1);
        crypto_generichash_update(&h, (const uint8_t *)facts, sizeof facts);
    }
    closedir(d);
    crypto_generichash_final(&h, out, 32);
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* ---- the format, read independently of store/backup.c --------------------- */

typedef struct layout {
    size_t manifest_len;
    size_t body;               /* offset of backup_id */
    size_t entry[NKEYS];       /* offsets of each entry's key id */
    size_t pub[NKEYS], pub_len[NKEYS];
    size_t sealed[NKEYS];
    size_t end;                /* offset of the checksum */
} layout;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static layout parse(const uint8_t *d, size_t len)
{
    layout l = {0};
    REQUIRE(len > HEADER_LEN && memcmp(d, "warifu-backup-1 manifest-bytes=", 31) == 0 && d[41] == '\n');
    for (int i = 31; i < 41; i++) l.manifest_len = l.manifest_len * 10 + (size_t)(d[i] - '0');
    l.body = HEADER_LEN + l.manifest_len;
    REQUIRE(be32(d + l.body + 16 + 8 + 32) == NKEYS);
    size_t off = l.body + 16 + 8 + 32 + 4;
    for (int i = 0; i < NKEYS; i++) {
        l.entry[i] = off;
        l.pub_len[i] = be32(d + off + 32);
        l.pub[i] = off + 36;
        l.sealed[i] = l.pub[i] + l.pub_len[i];
        off = l.sealed[i] + WF_BACKUP_SEALED_BYTES;
    }
    l.end = off;
    REQUIRE(l.end + SUM_LEN == len);
    return l;
}

static void fix_checksum(uint8_t *d, size_t len)
{
    crypto_generichash(d + len - SUM_LEN, SUM_LEN, d, len - SUM_LEN, NULL, 0);
}

/* The sealed share of entry i with `share` in place of the real one (and a
 * correct binding): what someone holding only the public key could write. */
static void reseal(uint8_t *d, const layout *l, int i, const uint8_t share[32])
{
    static const char tag[] = "warifu-backup-share-1", pub_tag[] = "warifu-backup-pub-1";
    const size_t plain_len = WF_BACKUP_SEALED_BYTES - crypto_box_SEALBYTES; /* tag ‖ 16 ‖ 32 ‖ 32 ‖ 32 */
    REQUIRE(plain_len == sizeof tag - 1 + 16 + 32 + 32 + 32);
    uint8_t *plain = wf_secure_alloc(plain_len), *p = plain;
    REQUIRE(plain != NULL);
    memcpy(p, tag, sizeof tag - 1);
    memcpy(p += sizeof tag - 1, d + l->body, 16);
    memcpy(p += 16, d + l->entry[i], 32);
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const uint8_t *)pub_tag, sizeof pub_tag - 1);
    crypto_generichash_update(&st, d + l->pub[i], l->pub_len[i]);
    crypto_generichash_final(&st, p += 32, 32);
    memcpy(p + 32, share, 32);
    REQUIRE(crypto_box_seal(d + l->sealed[i], plain, plain_len, backup_pk) == 0);
    wf_secure_free(plain);
}

/* ---- set-up ---------------------------------------------------------------- */

static wf_store *open_store(const char *dir, const char *kf)
{
    wf_store_unlock u = {.key_file = kf};
    wf_store *s = NULL;
    wf_err err = wf_store_open(&s, dir, &u);
    if (err) fprintf(stderr, "store: %s\n", wf_store_last_error());
    REQUIRE(err == WF_OK);
    return s;
}

static void set_up(void)
{
    wf_test_tmpdir(root, "backup");
    in_root(key_file, "key");
    in_root(store_dir, "db");
    REQUIRE(wf_store_key_file_create(key_file) == WF_OK);
    wf_store_unlock u = {.key_file = key_file};
    REQUIRE(wf_store_create(&store, store_dir, &u) == WF_OK);
    /* different t, member indices and ranks */
    const size_t t[NKEYS] = {2, 3, 4};
    const uint32_t index[NKEYS] = {0, 2, 5}, rank[NKEYS] = {0, 1, 2};
    for (int i = 0; i < NKEYS; i++) {
        uint8_t id[32];
        memset(id, 0x11 * (i + 1), sizeof id);
        wf_test_make_key(&originals[i], id, t[i], index[i], rank[i]);
        REQUIRE(wf_store_key_put(store, &originals[i]) == WF_OK);
    }
    backup_sk = wf_secure_alloc(WF_BACKUP_SECRET_KEY_BYTES);
    REQUIRE(backup_sk && wf_backup_keypair(backup_pk, backup_sk) == WF_OK);
}

static void tear_down(void)
{
    wf_store_close(store);
    for (int i = 0; i < NKEYS; i++) wf_store_blob_clear(&originals[i].record);
    wf_secure_free(backup_sk);
    wf_test_rmtree(root);
}

static void export_to(const char *name, char path[300])
{
    in_root(path, name);
    wf_backup_summary sum;
    wf_err err = wf_backup_export(store, path, backup_pk, &sum);
    if (err) fprintf(stderr, "export: %s\n", wf_store_last_error());
    REQUIRE(err == WF_OK);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_key_files(void)
{
    char sk_path[300], pk_path[300], other[300];
    in_root(sk_path, "backup.sk");
    in_root(pk_path, "backup.pk");
    in_root(other, "other.pk");
    CHECK_OK(wf_backup_key_files_create(sk_path, pk_path));
    struct stat st;
    CHECK(stat(sk_path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 32);
    CHECK(stat(pk_path, &st) == 0 && (st.st_mode & 0777) == 0644 && st.st_size == 32);

    uint8_t pk[32], derived[32];
    uint8_t *sk = wf_secure_alloc(32);
    REQUIRE(sk != NULL);
    CHECK_OK(wf_backup_public_key_read(pk_path, pk));
    CHECK_OK(wf_backup_secret_key_read(sk_path, sk));
    CHECK(crypto_scalarmult_base(derived, sk) == 0 && memcmp(derived, pk, 32) == 0);

    /* never overwritten: either name taken refuses, and changes nothing */
    CHECK_ERR(wf_backup_key_files_create(sk_path, other), WF_ERR_EXISTS);
    CHECK(!exists(other));
    char fresh[300];
    in_root(fresh, "fresh.sk");
    CHECK_ERR(wf_backup_key_files_create(fresh, pk_path), WF_ERR_EXISTS);
    CHECK(!exists(fresh));
    uint8_t *again = wf_secure_alloc(32);
    REQUIRE(again != NULL);
    CHECK_OK(wf_backup_secret_key_read(sk_path, again));
    CHECK(memcmp(again, sk, 32) == 0);
    CHECK_OK(wf_backup_public_key_read(pk_path, derived));
    CHECK(memcmp(derived, pk, 32) == 0);
    CHECK(names_with(root, ".partial-") == 0);
    wf_secure_free(again);

    /* a secret key file others can read is refused, and the message holds no key bytes */
    CHECK(chmod(sk_path, 0640) == 0);
    CHECK_ERR(wf_backup_secret_key_read(sk_path, sk), WF_ERR_ARG);
    char sk_hex[65];
    sodium_bin2hex(sk_hex, sizeof sk_hex, sk, 32);
    CHECK(strstr(wf_store_last_error(), "chmod 600") != NULL);
    CHECK(strstr(wf_store_last_error(), sk_hex) == NULL && strstr(wf_store_last_error(), sk_hex + 48) == NULL);
    wf_memzero(sk_hex, sizeof sk_hex);
    CHECK(chmod(sk_path, 0600) == 0);
    /* a public key file of the wrong length */
    spill(other, pk, 31);
    CHECK_ERR(wf_backup_public_key_read(other, pk), WF_ERR_ENCODING);
    wf_secure_free(sk);
}

static void check_restored_key(wf_store *s, const wf_store_key *o)
{
    wf_store_key *k = NULL;
    CHECK_OK(wf_store_key_get(s, o->key_id, &k));
    REQUIRE(k != NULL);
    CHECK(k->check.index == o->check.index && k->check.member.rank == o->check.member.rank &&
          k->check.t == o->check.t && wf_scalar_eq(&k->check.member.x, &o->check.member.x));
    for (uint32_t j = 0; j < o->check.t; j++) CHECK(wf_point_eq(&k->check.commitments[j], &o->check.commitments[j]));
    CHECK(wf_point_eq(&k->check.share_point, &o->check.share_point));
    CHECK(k->record.pub_len == o->record.pub_len && memcmp(k->record.pub, o->record.pub, o->record.pub_len) == 0);
    CHECK(k->record.sec_len == 32 && memcmp(k->record.sec, o->record.sec, 32) == 0);
    wf_store_key_free(k);
}

static void test_round_trip(void)
{
    char path[300], restored[300], kf2[300];
    in_root(path, "round.wfb");
    wf_backup_summary sum;
    CHECK_OK(wf_backup_export(store, path, backup_pk, &sum));
    CHECK(sum.keys == NKEYS);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(names_with(root, ".partial-") == 0);

    /* the manifest, in clear: ids, public keys, commitments hashes, and the summary's checksum at the end */
    size_t len;
    uint8_t *d = slurp(path, &len);
    layout l = parse(d, len);
    char *manifest = strndup((const char *)d + HEADER_LEN, l.manifest_len);
    CHECK(memcmp(d + len - 32, sum.checksum, 32) == 0);
    CHECK(memcmp(d + l.body, sum.backup_id, 16) == 0 && memcmp(d + l.body + 16 + 8, backup_pk, 32) == 0);
    /* entries in key id order: id, then pub = check(44 + (t + 1)·33) ‖ be32 len ‖ public record */
    for (int i = 0; i < NKEYS; i++) {
        const wf_store_key *o = &originals[i];
        size_t check_len = 44 + (o->check.t + 1) * 33;
        CHECK(memcmp(d + l.entry[i], o->key_id, 32) == 0);
        CHECK(l.pub_len[i] == check_len + 4 + o->record.pub_len);
        CHECK(be32(d + l.pub[i] + check_len) == o->record.pub_len);
        CHECK(memcmp(d + l.pub[i] + check_len + 4, o->record.pub, o->record.pub_len) == 0);
    }
    for (int i = 0; i < NKEYS; i++) {
        char id_hex[65], pk_hex[67], ch_hex[65], fields[64];
        uint8_t pk[33], ch[32];
        REQUIRE(wf_point_serialize(pk, &originals[i].check.commitments[0]) == WF_OK);
        REQUIRE(wf_store_key_commitments_hash(&originals[i], ch) == WF_OK);
        sodium_bin2hex(id_hex, sizeof id_hex, originals[i].key_id, 32);
        sodium_bin2hex(pk_hex, sizeof pk_hex, pk, 33);
        sodium_bin2hex(ch_hex, sizeof ch_hex, ch, 32);
        snprintf(fields, sizeof fields, "\"index\": %u, \"rank\": %u, \"t\": %u}", originals[i].check.index,
                 originals[i].check.member.rank, originals[i].check.t);
        CHECK(strstr(manifest, id_hex) && strstr(manifest, pk_hex) && strstr(manifest, ch_hex));
        CHECK(strstr(manifest, fields) != NULL);
    }
    char created[64], when[32];
    time_t secs = (time_t)(sum.created_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(created, sizeof created, "\"created\": \"%s.%03uZ\"", when, (unsigned)(sum.created_ms % 1000));
    CHECK(strstr(manifest, created) && strstr(manifest, "\"version\": 1"));
    free(manifest);
    free(d);

    /* verify writes nothing, beside the backup or anywhere in the test's directory */
    uint8_t root_before[32], root_after[32];
    dir_digest(root, root_before);
    wf_backup_report r;
    wf_err err = wf_backup_verify(path, backup_sk, &r);
    if (err) fprintf(stderr, "verify: %s\n", r.reason);
    CHECK(err == WF_OK);
    dir_digest(root, root_after);
    CHECK(memcmp(root_before, root_after, 32) == 0);
    CHECK(r.keys == NKEYS && r.keys_checked == NKEYS && !r.failed_key && r.reason[0] == 0);
    CHECK(r.created_ms == sum.created_ms && memcmp(r.backup_id, sum.backup_id, 16) == 0);

    /* restore into a new store under its own key file */
    in_root(restored, "restored");
    in_root(kf2, "key2");
    REQUIRE(wf_store_key_file_create(kf2) == WF_OK);
    wf_store_unlock u = {.key_file = kf2};
    err = wf_backup_restore(path, backup_sk, restored, &u);
    if (err) fprintf(stderr, "restore: %s\n", wf_store_last_error());
    CHECK(err == WF_OK);
    CHECK(names_with(root, ".restore-") == 0);
    CHECK(stat(restored, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 077) == 0);
    wf_store *s = open_store(restored, kf2);
    uint8_t(*ids)[32] = NULL;
    size_t n = 0;
    CHECK_OK(wf_store_key_list(s, &ids, &n));
    CHECK(n == NKEYS);
    free(ids);
    for (int i = 0; i < NKEYS; i++) check_restored_key(s, &originals[i]);
    wf_store_blob aux = {0};
    CHECK_ERR(wf_store_aux_get(s, originals[0].key_id, &aux), WF_ERR_NOT_FOUND); /* aux is not backed up */
    wf_store_close(s);

    /* a restore never replaces a store, a file or a non-empty directory, and changes nothing there */
    uint8_t listing[32], listing_after[32], store_listing[32], store_listing_after[32];
    dir_digest(restored, listing);
    dir_digest(store_dir, store_listing);
    CHECK_ERR(wf_backup_restore(path, backup_sk, restored, &u), WF_ERR_EXISTS);
    char trailing[310];
    snprintf(trailing, sizeof trailing, "%s//", restored);
    CHECK_ERR(wf_backup_restore(path, backup_sk, trailing, &u), WF_ERR_EXISTS);
    CHECK_ERR(wf_backup_restore(path, backup_sk, path, &u), WF_ERR_EXISTS);
    CHECK_ERR(wf_backup_restore(path, backup_sk, store_dir, &u), WF_ERR_EXISTS);
    CHECK(names_with(root, ".restore-") == 0);
    dir_digest(restored, listing_after);
    dir_digest(store_dir, store_listing_after);
    CHECK(memcmp(listing, listing_after, 32) == 0 && memcmp(store_listing, store_listing_after, 32) == 0);
    /* an existing empty directory is fine, as for wf_store_create */
    char empty[300];
    in_root(empty, "empty");
    REQUIRE(mkdir(empty, 0700) == 0);
    CHECK_OK(wf_backup_restore(path, backup_sk, empty, &u));
    s = open_store(empty, kf2);
    check_restored_key(s, &originals[1]);
    wf_store_close(s);
    wf_test_rmtree(restored);
    wf_test_rmtree(empty);
    unlink(kf2);
}

static void test_export_refuses(void)
{
    char path[300], link_path[300];
    in_root(path, "taken.wfb");
    static const uint8_t precious[] = "an older backup, not to be lost";
    spill(path, precious, sizeof precious);
    CHECK_ERR(wf_backup_export(store, path, backup_pk, NULL), WF_ERR_EXISTS);
    CHECK(strstr(wf_store_last_error(), "not overwritten") != NULL);
    size_t len;
    uint8_t *d = slurp(path, &len);
    CHECK(len == sizeof precious && memcmp(d, precious, len) == 0);
    free(d);
    /* a dangling symbolic link is a name taken too, and is not followed */
    char target[300];
    in_root(link_path, "dangling.wfb");
    in_root(target, "target.wfb");
    REQUIRE(symlink(target, link_path) == 0);
    CHECK_ERR(wf_backup_export(store, link_path, backup_pk, NULL), WF_ERR_EXISTS);
    CHECK(!exists(target));
    CHECK(names_with(root, ".partial-") == 0);
    unlink(link_path);

    /* a low-order public key cannot seal: nothing is written */
    char bad[300];
    in_root(bad, "bad-key.wfb");
    uint8_t zero[32] = {0};
    CHECK_ERR(wf_backup_export(store, bad, zero, NULL), WF_ERR_ARG);
    CHECK(!exists(bad) && names_with(root, ".partial-") == 0);

    /* an empty store has nothing to back up */
    char empty_dir[300], empty_path[300];
    in_root(empty_dir, "empty-db");
    in_root(empty_path, "empty.wfb");
    wf_store_unlock u = {.key_file = key_file};
    wf_store *s = NULL;
    REQUIRE(wf_store_create(&s, empty_dir, &u) == WF_OK);
    CHECK_ERR(wf_backup_export(s, empty_path, backup_pk, NULL), WF_ERR_NOT_FOUND);
    CHECK(!exists(empty_path));
    wf_store_close(s);
    wf_test_rmtree(empty_dir);
}

static void test_wrong_secret_key(const char *path)
{
    uint8_t pk[32];
    uint8_t *sk = wf_secure_alloc(32);
    REQUIRE(sk && wf_backup_keypair(pk, sk) == WF_OK);
    wf_backup_report r;
    CHECK_ERR(wf_backup_verify(path, sk, &r), WF_ERR_VERIFY);
    CHECK(strstr(r.reason, "wrong secret key") != NULL && r.keys == NKEYS && r.keys_checked == 0);
    char dir[300];
    in_root(dir, "wrong-sk-db");
    wf_store_unlock u = {.key_file = key_file};
    CHECK_ERR(wf_backup_restore(path, sk, dir, &u), WF_ERR_VERIFY);
    CHECK(!exists(dir) && names_with(root, ".restore-") == 0);
    wf_secure_free(sk);
}

static void test_no_share_in_clear(const char *path)
{
    size_t len;
    uint8_t *d = slurp(path, &len);
    for (int i = 0; i < NKEYS; i++) {
        const uint8_t *share = originals[i].record.sec;
        char share_hex[65];
        sodium_bin2hex(share_hex, sizeof share_hex, share, 32);
        int found = 0;
        for (size_t j = 0; j + 32 <= len; j++)
            if (memcmp(d + j, share, 32) == 0 || (j + 64 <= len && memcmp(d + j, share_hex, 64) == 0)) found = 1;
        CHECK(!found);
    }
    int found = 0;
    for (size_t j = 0; j + 32 <= len; j++)
        if (memcmp(d + j, backup_sk, 32) == 0) found = 1;
    CHECK(!found);
    /* the scan finds what is there: a key's public record */
    CHECK(wf_test_dir_contains(root, originals[1].record.pub, 32) > 0);
    free(d);
}

/* Verifies a tampered copy of the backup; returns the error. */
static wf_err verify_copy(const uint8_t *d, size_t len, wf_backup_report *r)
{
    char path[300];
    in_root(path, "tampered.wfb");
    spill(path, d, len);
    return wf_backup_verify(path, backup_sk, r);
}

static void test_truncation(const char *path)
{
    size_t len;
    uint8_t *d = slurp(path, &len);
    wf_backup_report r;
    int refused = 0, tries = 0;
    for (size_t cut = 0; cut < len; cut += cut < HEADER_LEN + 4 ? 1 : 97, tries++)
        if (verify_copy(d, cut, &r) != WF_OK && r.reason[0] && r.keys_checked == 0) refused++;
    CHECK(tries > 50 && refused == tries);
    CHECK_ERR(verify_copy(d, len - 1, &r), WF_ERR_VERIFY);
    CHECK(strstr(r.reason, "fails its checksum") != NULL);
    /* a byte appended, with the checksum made right: the trailing byte is found */
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, d, len - SUM_LEN);
    longer[len - SUM_LEN] = 0;
    fix_checksum(longer, len + 1);
    CHECK_ERR(verify_copy(longer, len + 1, &r), WF_ERR_ENCODING);
    CHECK(strstr(r.reason, "after the last entry") != NULL);
    /* not a backup at all */
    CHECK_ERR(verify_copy((const uint8_t *)"hello\n", 6, &r), WF_ERR_ENCODING);
    CHECK(strstr(r.reason, "not a warifu backup") != NULL);
    char missing[300];
    in_root(missing, "missing.wfb");
    CHECK_ERR(wf_backup_verify(missing, backup_sk, &r), WF_ERR_NOT_FOUND);
    free(longer);
    free(d);
}

/* A copy of a backup changed in place: one file, bytes written and put back
 * (cheaper than a new file per change, which matters under valgrind). */
typedef struct tamper {
    char path[300];
    int fd;
} tamper;

static void tamper_open(tamper *t, const uint8_t *d, size_t len)
{
    in_root(t->path, "tampered.wfb");
    spill(t->path, d, len);
    t->fd = open(t->path, O_RDWR);
    REQUIRE(t->fd >= 0);
}

static void tamper_put(tamper *t, size_t off, const uint8_t *bytes, size_t n)
{
    REQUIRE(pwrite(t->fd, bytes, n, (off_t)off) == (ssize_t)n);
}

/* One bit of every byte flipped, one byte at a time, is caught by the
 * checksum (in the header, which is read first, by the header check or the
 * checksum, as the length digit changed allows). Then
 * the same from the start of the file to the end of the first entry
 * (header, manifest, the body's fixed fields, one whole entry) with the
 * checksum recomputed after each flip, as someone editing the file on
 * purpose would: still caught, by the structure, the manifest, the seal, the
 * binding or the share check. The other entries get that on a sample of
 * their bytes (every byte is too slow under valgrind). The light (valgrind)
 * pass samples the first entry too: every fourth byte, and every 41st of the
 * others. */
static void test_every_byte(const char *path)
{
    size_t len;
    uint8_t *d = slurp(path, &len);
    layout l = parse(d, len);
    tamper t;
    tamper_open(&t, d, len);
    wf_backup_report r;
    size_t caught = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t flipped = d[i] ^ (uint8_t)(1u << (i % 8));
        tamper_put(&t, i, &flipped, 1);
        wf_err err = wf_backup_verify(t.path, backup_sk, &r);
        int by_checksum = err == WF_ERR_VERIFY && strstr(r.reason, "fails its checksum");
        if (i < HEADER_LEN ? err != WF_OK && r.reason[0] : by_checksum) caught++;
        tamper_put(&t, i, d + i, 1);
    }
    CHECK(caught == len);

    size_t tried = 0, deep = 0;
    caught = 0;
    const size_t step_first = wf_test_light() ? 4 : 1, step_rest = wf_test_light() ? 41 : 11;
    for (size_t i = 0; i < l.end; i += i < l.entry[1] ? step_first : step_rest) {
        uint8_t flipped = d[i] ^ (uint8_t)(1u << (i % 8)), sum[SUM_LEN];
        d[i] = flipped;
        crypto_generichash(sum, SUM_LEN, d, l.end, NULL, 0);
        d[i] ^= (uint8_t)(1u << (i % 8));
        tamper_put(&t, i, &flipped, 1);
        tamper_put(&t, l.end, sum, SUM_LEN);
        wf_err err = wf_backup_verify(t.path, backup_sk, &r);
        tried++;
        if (err != WF_OK && r.reason[0] && !strstr(r.reason, "checksum")) caught++;
        if (err == WF_OK) fprintf(stderr, "byte %zu: a change went unnoticed\n", i);
        if (r.failed_key) deep++;
        tamper_put(&t, i, d + i, 1);
        tamper_put(&t, l.end, d + l.end, SUM_LEN);
    }
    CHECK(tried > l.entry[1] / step_first && caught == tried);
    /* every byte of entry 0's seal tried reached the share checks */
    CHECK(deep > WF_BACKUP_SEALED_BYTES / step_first);
    close(t.fd);
    free(d);
}

static void test_manifest_edited(const char *path)
{
    size_t len;
    uint8_t *d = slurp(path, &len);
    layout l = parse(d, len);
    char *m = (char *)d + HEADER_LEN;
    char *rank = strstr(m, "\"rank\": 1");
    REQUIRE(rank != NULL && (size_t)(rank - m) < l.manifest_len);
    rank[9] = '0'; /* same length, checksum made right */
    fix_checksum(d, len);
    wf_backup_report r;
    CHECK_ERR(verify_copy(d, len, &r), WF_ERR_VERIFY);
    CHECK(strstr(r.reason, "manifest") && strstr(r.reason, "does not agree"));
    free(d);
}

/* A wrong share sealed correctly (binding and checksum right) is caught by
 * the share check and the key named; restore refuses it too. */
static void test_wrong_share_resealed(const char *path)
{
    size_t len;
    uint8_t *d = slurp(path, &len);
    layout l = parse(d, len);
    reseal(d, &l, 1, originals[2].record.sec); /* a valid scalar, but not key 1's share */
    fix_checksum(d, len);
    wf_backup_report r;
    CHECK_ERR(verify_copy(d, len, &r), WF_ERR_VERIFY);
    char id_hex[65];
    sodium_bin2hex(id_hex, sizeof id_hex, originals[1].key_id, 32);
    CHECK(r.failed_key && memcmp(r.failed_key_id, originals[1].key_id, 32) == 0 && r.keys_checked == 1);
    CHECK(strstr(r.reason, "does not match its public commitments") && strstr(r.reason, id_hex));

    /* the same re-sealing with the real share passes: the test's sealing is right */
    uint8_t *good = slurp(path, &len);
    reseal(good, &l, 1, originals[1].record.sec);
    fix_checksum(good, len);
    CHECK_OK(verify_copy(good, len, &r));

    char copy[300], dir[300];
    in_root(copy, "tampered.wfb");
    spill(copy, d, len);
    in_root(dir, "from-tampered");
    wf_store_unlock u = {.key_file = key_file};
    CHECK_ERR(wf_backup_restore(copy, backup_sk, dir, &u), WF_ERR_VERIFY);
    CHECK(strstr(wf_store_last_error(), id_hex) != NULL);
    CHECK(!exists(dir) && names_with(root, ".restore-") == 0);
    free(good);
    free(d);
}

/* Sealed shares moved between entries, or from another backup of the same
 * store, are caught by their binding. */
static void test_moved_shares(const char *path, const char *second)
{
    size_t len, len2;
    uint8_t *d = slurp(path, &len), *d2 = slurp(second, &len2);
    layout l = parse(d, len), l2 = parse(d2, len2);
    uint8_t tmp[WF_BACKUP_SEALED_BYTES];
    memcpy(tmp, d + l.sealed[0], sizeof tmp);
    memcpy(d + l.sealed[0], d + l.sealed[2], sizeof tmp);
    memcpy(d + l.sealed[2], tmp, sizeof tmp);
    fix_checksum(d, len);
    wf_backup_report r;
    CHECK_ERR(verify_copy(d, len, &r), WF_ERR_VERIFY);
    CHECK(r.failed_key && memcmp(r.failed_key_id, originals[0].key_id, 32) == 0 && r.keys_checked == 0);
    CHECK(strstr(r.reason, "belongs to another entry") != NULL);

    /* entry 1's seal from the other backup: same key, same public part */
    free(d);
    d = slurp(path, &len);
    CHECK(l2.pub_len[1] == l.pub_len[1] && memcmp(d2 + l2.pub[1], d + l.pub[1], l.pub_len[1]) == 0);
    memcpy(d + l.sealed[1], d2 + l2.sealed[1], WF_BACKUP_SEALED_BYTES);
    fix_checksum(d, len);
    CHECK_ERR(verify_copy(d, len, &r), WF_ERR_VERIFY);
    CHECK(r.failed_key && memcmp(r.failed_key_id, originals[1].key_id, 32) == 0 && r.keys_checked == 1);
    CHECK(strstr(r.reason, "another entry or backup") != NULL);
    free(d);
    free(d2);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    set_up();
    test_key_files();
    test_round_trip();
    test_export_refuses();

    char path[300], second[300];
    export_to("main.wfb", path);
    export_to("second.wfb", second);
    CHECK_OK(wf_backup_verify(second, backup_sk, NULL));
    test_wrong_secret_key(path);
    test_no_share_in_clear(path);
    test_truncation(path);
    test_manifest_edited(path);
    test_wrong_share_resealed(path);
    test_moved_shares(path, second);
    test_every_byte(path);
    /* the original was never touched and still verifies */
    CHECK_OK(wf_backup_verify(path, backup_sk, NULL));
    tear_down();
    return wf_check_summary("test_backup");
}
