/* Helpers for the store tests: temporary directories, opening a store,
 * blobs, key records with a real hierarchical share, raw access to the database under a store, and a
 * scan of a directory's files for given bytes. Header-only. */
#ifndef WF_TESTS_STORE_FIXTURE_H
#define WF_TESTS_STORE_FIXTURE_H

#ifndef _XOPEN_SOURCE
#error "define _XOPEN_SOURCE 700 before any #include (nftw)"
#endif
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/feldman.h"
#include "crypto/secmem.h"
#include "crypto/sharing.h"
#include "store/keys.h"
#include "store/store.h"

static int wf_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes a directory tree. */
static inline void wf_test_rmtree(const char *dir)
{
    nftw(dir, wf_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh directory under /tmp; path receives its name. */
static inline void wf_test_tmpdir(char path[256], const char *tag)
{
    snprintf(path, 256, "/tmp/wf-%s-XXXXXX", tag);
    if (!mkdtemp(path)) {
        perror("mkdtemp");
        exit(1);
    }
}

/* Opens the store at path unlocked by key file kf (create: makes it first);
 * a store that does not open ends the test with the store's reason. */
static inline wf_store *wf_test_store_open(const char *path, const char *kf, int create)
{
    wf_store_unlock u = {.key_file = kf};
    wf_store *s = NULL;
    if ((create ? wf_store_create(&s, path, &u) : wf_store_open(&s, path, &u)) != WF_OK) {
        fprintf(stderr, "store %s: %s\n", path, wf_store_last_error());
        exit(1);
    }
    return s;
}

/* A blob of pub_len public bytes and sec_len secret bytes (in locked
 * memory), every byte v. */
static inline wf_store_blob wf_test_blob(uint8_t v, size_t pub_len, size_t sec_len)
{
    wf_store_blob b = {0};
    b.pub_len = pub_len;
    b.pub = malloc(pub_len);
    b.sec_len = sec_len;
    b.sec = wf_secure_alloc(sec_len);
    if (b.pub == NULL || b.sec == NULL) exit(1);
    memset(b.pub, v, pub_len);
    memset(b.sec, v, sec_len);
    return b;
}

/* A key record for member `index` (x = index + 1, given rank) of a random
 * t-coefficient sharing; the public record is `pub_len` bytes derived from
 * key_id (the store treats it as opaque). */
static inline void wf_test_make_key(wf_store_key *k, const uint8_t key_id[32], size_t t, uint32_t index,
                                    uint32_t rank)
{
    memset(k, 0, sizeof *k);
    memcpy(k->key_id, key_id, 32);
    wf_poly *poly = wf_poly_new_random(t, NULL);
    wf_scalar *share = wf_secure_alloc(sizeof *share);
    if (!poly || !share) exit(1);
    k->check.index = index;
    wf_scalar_set_u64(&k->check.member.x, index + 1);
    k->check.member.rank = rank;
    k->check.t = (uint32_t)t;
    if (wf_feldman_commit(k->check.commitments, poly->a, t) || wf_poly_share(share, poly, &k->check.member) ||
        wf_point_base_mul(&k->check.share_point, share))
        exit(1);
    k->record.pub_len = 100;
    k->record.pub = malloc(k->record.pub_len);
    for (size_t i = 0; i < k->record.pub_len; i++) k->record.pub[i] = (uint8_t)(key_id[i % 32] ^ i);
    k->record.sec_len = 32;
    k->record.sec = wf_secure_alloc(32);
    wf_scalar_serialize(k->record.sec, share);
    wf_secure_free(share);
    wf_poly_free(poly);
}

/* Counts files under dir (recursively) that contain needle. */
static inline int wf_test_dir_contains(const char *dir, const uint8_t *needle, size_t len)
{
    int found = 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char path[2048];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) continue;
        struct stat st;
        if (lstat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            found += wf_test_dir_contains(path, needle, len);
            continue;
        }
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        uint8_t *buf = malloc((size_t)st.st_size + 1);
        size_t got = fread(buf, 1, (size_t)st.st_size, f);
        fclose(f);
        for (size_t i = 0; i + len <= got; i++)
            if (memcmp(buf + i, needle, len) == 0) {
                found++;
                break;
            }
        free(buf);
    }
    closedir(d);
    return found;
}

#endif
