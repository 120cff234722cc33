/* The store's database: creating and opening RocksDB with warifu's column
 * families, and sealed records (XChaCha20-Poly1305, associated data = store
 * format, column family and record key). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "store/db.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "store/unlock.h"

#define SEAL_VERSION 1
#define SEAL_HEADER  (1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
#define SEAL_AD_TAG  "warifu-store-1"

static const char *const CF_NAMES[WF_CF_COUNT] = {"default", "meta", "keys", "aux", "presig", "requests", "audit"};

static _Thread_local char last_error[256];

wf_err wf_store_fail(wf_err err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return err;
}

const char *wf_store_last_error(void)
{
    return last_error[0] ? last_error : "no error";
}

const char *wf_cf_name(wf_cf cf)
{
    return (unsigned)cf < WF_CF_COUNT ? CF_NAMES[cf] : "?";
}

uint64_t wf_store_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void wf_be64_put(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8) out[i] = (uint8_t)v;
}

uint64_t wf_be64_get(const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | in[i];
    return v;
}

void wf_be32_put(uint8_t out[4], uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8) out[i] = (uint8_t)v;
}

uint32_t wf_be32_get(const uint8_t in[4])
{
    return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

/* ---- sealed records ---------------------------------------------------- */

/* ad = tag ‖ 0 ‖ cf name ‖ 0 ‖ be32(key_len) ‖ key. */
static uint8_t *seal_ad(wf_cf cf, const uint8_t *key, size_t key_len, size_t *ad_len)
{
    const char *name = wf_cf_name(cf);
    size_t tl = sizeof SEAL_AD_TAG, nl = strlen(name) + 1;
    uint8_t *ad = malloc(tl + nl + 4 + key_len);
    if (!ad) return NULL;
    memcpy(ad, SEAL_AD_TAG, tl);
    memcpy(ad + tl, name, nl);
    wf_be32_put(ad + tl + nl, (uint32_t)key_len);
    if (key_len) memcpy(ad + tl + nl + 4, key, key_len);
    *ad_len = tl + nl + 4 + key_len;
    return ad;
}

static wf_err seal(const wf_store *s, wf_cf cf, const uint8_t *key, size_t key_len, const uint8_t *plain,
                   size_t plain_len, uint8_t **val, size_t *val_len)
{
    size_t ad_len, len = SEAL_HEADER + plain_len + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    uint8_t *ad = seal_ad(cf, key, key_len, &ad_len);
    uint8_t *out = malloc(len);
    if (!ad || !out) {
        free(ad);
        free(out);
        return wf_store_fail(WF_ERR_NOMEM, "out of memory sealing a %s record", wf_cf_name(cf));
    }
    out[0] = SEAL_VERSION;
    randombytes_buf(out + 1, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + SEAL_HEADER, &clen, plain, plain_len, ad, ad_len, NULL,
                                               out + 1, s->data_key);
    free(ad);
    *val = out;
    *val_len = SEAL_HEADER + (size_t)clen;
    return WF_OK;
}

wf_err wf_db_open_sealed(const wf_store *s, wf_cf cf, const uint8_t *key, size_t key_len, const uint8_t *val,
                         size_t val_len, uint8_t **plain, size_t *plain_len)
{
    *plain = NULL;
    *plain_len = 0;
    if (val_len < SEAL_HEADER + crypto_aead_xchacha20poly1305_ietf_ABYTES || val[0] != SEAL_VERSION)
        return wf_store_fail(WF_ERR_VERIFY, "a %s record is damaged (bad length or version)", wf_cf_name(cf));
    size_t ad_len, len = val_len - SEAL_HEADER - crypto_aead_xchacha20poly1305_ietf_ABYTES;
    uint8_t *ad = seal_ad(cf, key, key_len, &ad_len);
    uint8_t *out = wf_secure_alloc(len ? len : 1);
    if (!ad || !out) {
        free(ad);
        wf_secure_free(out);
        return wf_store_fail(WF_ERR_NOMEM, "out of memory opening a %s record", wf_cf_name(cf));
    }
    unsigned long long mlen = 0;
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL, val + SEAL_HEADER, val_len - SEAL_HEADER,
                                                        ad, ad_len, val + 1, s->data_key);
    free(ad);
    if (rc != 0) {
        wf_secure_free(out);
        return wf_store_fail(WF_ERR_VERIFY, "a %s record fails authentication: it was altered or moved",
                             wf_cf_name(cf));
    }
    *plain = out;
    *plain_len = (size_t)mlen;
    return WF_OK;
}

wf_err wf_db_put_sealed(wf_store *s, rocksdb_writebatch_t *batch, wf_cf cf, const uint8_t *key, size_t key_len,
                        const uint8_t *plain, size_t plain_len)
{
    uint8_t *val = NULL;
    size_t val_len = 0;
    wf_err err = seal(s, cf, key, key_len, plain, plain_len, &val, &val_len);
    if (err) return err;
    rocksdb_writebatch_put_cf(batch, s->cf[cf], (const char *)key, key_len, (const char *)val, val_len);
    free(val);
    return WF_OK;
}

wf_err wf_db_get_raw(wf_store *s, wf_cf cf, const uint8_t *key, size_t key_len, uint8_t **val, size_t *val_len)
{
    char *e = NULL;
    size_t len = 0;
    char *v = rocksdb_get_cf(s->db, s->read, s->cf[cf], (const char *)key, key_len, &len, &e);
    if (e) {
        wf_store_fail(WF_ERR_STORAGE, "reading %s: %s", wf_cf_name(cf), e);
        rocksdb_free(e);
        return WF_ERR_STORAGE;
    }
    if (!v) return wf_store_fail(WF_ERR_NOT_FOUND, "no such %s record", wf_cf_name(cf));
    *val = (uint8_t *)v;
    *val_len = len;
    return WF_OK;
}

wf_err wf_db_get_sealed(wf_store *s, wf_cf cf, const uint8_t *key, size_t key_len, uint8_t **plain,
                        size_t *plain_len)
{
    uint8_t *val = NULL;
    size_t val_len = 0;
    wf_err err = wf_db_get_raw(s, cf, key, key_len, &val, &val_len);
    if (err) return err;
    err = wf_db_open_sealed(s, cf, key, key_len, val, val_len, plain, plain_len);
    rocksdb_free(val);
    return err;
}

int wf_db_exists(wf_store *s, wf_cf cf, const uint8_t *key, size_t key_len)
{
    uint8_t *val = NULL;
    size_t len = 0;
    wf_err err = wf_db_get_raw(s, cf, key, key_len, &val, &len);
    if (err == WF_ERR_NOT_FOUND) return 0;
    if (err) return -1;
    rocksdb_free(val);
    return 1;
}

wf_err wf_db_commit(wf_store *s, rocksdb_writebatch_t *batch)
{
    if (s->readonly) {
        rocksdb_writebatch_destroy(batch);
        return wf_store_fail(WF_ERR_STORAGE, "the store is open read-only: nothing was written");
    }
    char *e = NULL;
    rocksdb_write(s->db, s->sync_write, batch, &e);
    rocksdb_writebatch_destroy(batch);
    if (e) {
        wf_store_fail(WF_ERR_STORAGE, "synced write failed: %s", e);
        rocksdb_free(e);
        return WF_ERR_STORAGE;
    }
    return WF_OK;
}

wf_err wf_db_finish(wf_store *s, rocksdb_writebatch_t *batch, wf_err err)
{
    if (err == WF_OK) return wf_db_commit(s, batch);
    rocksdb_writebatch_destroy(batch);
    return err;
}

/* ---- iteration --------------------------------------------------------- */

wf_err wf_db_iter_start(wf_store *s, wf_cf cf, const uint8_t *prefix, size_t prefix_len, wf_db_iter *out)
{
    memset(out, 0, sizeof *out);
    if (prefix_len > sizeof out->prefix) return wf_store_fail(WF_ERR_ARG, "iterator prefix too long");
    if (prefix_len) memcpy(out->prefix, prefix, prefix_len); /* prefix may be NULL when empty */
    out->prefix_len = prefix_len;
    out->ro = rocksdb_readoptions_create();
    if (!out->ro) return wf_store_fail(WF_ERR_NOMEM, "out of memory");
    rocksdb_readoptions_set_verify_checksums(out->ro, 1);
    out->it = rocksdb_create_iterator_cf(s->db, out->ro, s->cf[cf]);
    if (!out->it) {
        rocksdb_readoptions_destroy(out->ro);
        out->ro = NULL;
        return wf_store_fail(WF_ERR_NOMEM, "out of memory");
    }
    rocksdb_iter_seek(out->it, (const char *)prefix, prefix_len);
    return WF_OK;
}

int wf_db_iter_valid(const wf_db_iter *it)
{
    if (!rocksdb_iter_valid(it->it)) return 0;
    size_t klen;
    const char *k = rocksdb_iter_key(it->it, &klen);
    return klen >= it->prefix_len && memcmp(k, it->prefix, it->prefix_len) == 0;
}

wf_err wf_db_iter_end(wf_db_iter *it)
{
    wf_err err = WF_OK;
    if (it->it) {
        char *e = NULL;
        rocksdb_iter_get_error(it->it, &e);
        if (e) {
            err = wf_store_fail(WF_ERR_STORAGE, "reading the store failed: %s", e);
            rocksdb_free(e);
        }
        rocksdb_iter_destroy(it->it);
    }
    if (it->ro) rocksdb_readoptions_destroy(it->ro);
    it->it = NULL;
    it->ro = NULL;
    return err;
}

/* ---- open, create, close ----------------------------------------------- */

static void store_free(wf_store *s)
{
    for (int i = 0; i < WF_CF_COUNT; i++)
        if (s->cf[i]) rocksdb_column_family_handle_destroy(s->cf[i]);
    if (s->db) rocksdb_close(s->db);
    if (s->opts) rocksdb_options_destroy(s->opts);
    if (s->sync_write) rocksdb_writeoptions_destroy(s->sync_write);
    if (s->read) rocksdb_readoptions_destroy(s->read);
    wf_secure_free(s->data_key);
    wf_secure_free(s->audit_key);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Opens the database at dir: creating it (create), or an existing one for
 * reading and writing, or with readonly for reading only, which RocksDB
 * allows while another process has it open for writing (it takes no lock
 * and sees the database as it was at the open). */
static wf_err db_open(wf_store **out, const char *dir, int create, int readonly)
{
    *out = NULL;
    wf_store *s = calloc(1, sizeof *s);
    if (!s) return wf_store_fail(WF_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&s->lock, NULL);
    s->opts = rocksdb_options_create();
    s->sync_write = rocksdb_writeoptions_create();
    s->read = rocksdb_readoptions_create();
    s->data_key = wf_secure_alloc(WF_DATA_KEY_BYTES);
    s->audit_key = wf_secure_alloc(WF_DATA_KEY_BYTES);
    if (!s->opts || !s->sync_write || !s->read || !s->data_key || !s->audit_key) {
        store_free(s);
        return wf_store_fail(WF_ERR_NOMEM, "out of memory opening the store");
    }
    rocksdb_writeoptions_set_sync(s->sync_write, 1);
    rocksdb_readoptions_set_verify_checksums(s->read, 1);
    rocksdb_options_set_create_if_missing(s->opts, create);
    rocksdb_options_set_error_if_exists(s->opts, create);
    rocksdb_options_set_create_missing_column_families(s->opts, create);
    rocksdb_options_set_paranoid_checks(s->opts, 1);
    rocksdb_options_set_keep_log_file_num(s->opts, 2);
    rocksdb_options_set_max_log_file_size(s->opts, 1 << 20);
    rocksdb_options_set_info_log_level(s->opts, 2 /* warn */);

    const rocksdb_options_t *cf_opts[WF_CF_COUNT];
    for (int i = 0; i < WF_CF_COUNT; i++) cf_opts[i] = s->opts;
    char *e = NULL;
    if (readonly)
        s->db = rocksdb_open_for_read_only_column_families(s->opts, dir, WF_CF_COUNT, CF_NAMES, cf_opts, s->cf,
                                                           0 /* replay the WAL, do not refuse it */, &e);
    else
        s->db = rocksdb_open_column_families(s->opts, dir, WF_CF_COUNT, CF_NAMES, cf_opts, s->cf, &e);
    s->readonly = readonly;
    if (e || !s->db) {
        wf_err err = create ? WF_ERR_EXISTS : WF_ERR_STORAGE;
        if (e && !create && strstr(e, "does not exist")) err = WF_ERR_NOT_FOUND;
        wf_store_fail(err, "cannot %s store %s: %s", create ? "create" : "open", dir, e ? e : "unknown error");
        rocksdb_free(e);
        memset(s->cf, 0, sizeof s->cf);
        s->db = NULL;
        store_free(s);
        return err;
    }
    *out = s;
    return WF_OK;
}

/* A missing path, or an empty directory (rename can replace it). */
static int dir_is_empty_or_missing(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0) return errno == ENOENT;
    if (!S_ISDIR(st.st_mode)) return 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    int empty = 1;
    struct dirent *e;
    while (empty && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
    closedir(d);
    return empty;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Builds the store in a fresh sibling directory and renames it into place,
 * so a failure or crash at any point leaves dir as it was. */
static wf_err create_at(const char *dir, const uint8_t *data_key, const uint8_t *rec, const uint8_t *wrapped)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.creating-XXXXXX", dir) >= sizeof tmp)
        return wf_store_fail(WF_ERR_ARG, "store path too long");
    if (!mkdtemp(tmp)) return wf_store_fail(WF_ERR_STORAGE, "cannot create a directory next to %s: %s", dir,
                                            strerror(errno));
    wf_store *s;
    wf_err err = db_open(&s, tmp, 1, 0);
    if (!err) {
        memcpy(s->data_key, data_key, WF_DATA_KEY_BYTES);
        wf_unlock_derive_audit_key(s);
        err = wf_unlock_write(s, rec, wrapped);
        store_free(s);
    }
    if (!err && rename(tmp, dir) != 0)
        err = wf_store_fail(WF_ERR_STORAGE, "cannot move the new store into %s: %s", dir, strerror(errno));
    if (err) nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return err;
}

wf_err wf_store_create(wf_store **out, const char *dir, const wf_store_unlock *u)
{
    if (!out || !dir || !u) return wf_store_fail(WF_ERR_ARG, "missing argument");
    *out = NULL;
    wf_err err = wf_unlock_check(u);
    if (err) return err;
    if (!dir_is_empty_or_missing(dir)) return wf_store_fail(WF_ERR_EXISTS, "%s already holds a store", dir);
    uint8_t rec[WF_UNLOCK_KEK_REC_BYTES], wrapped[WF_UNLOCK_WRAPPED_BYTES];
    uint8_t *data_key = wf_secure_alloc(WF_DATA_KEY_BYTES);
    if (!data_key) return wf_store_fail(WF_ERR_NOMEM, "out of memory");
    /* the key file and Argon2id first: if they fail, nothing was written */
    err = wf_unlock_prepare(u, data_key, rec, wrapped);
    if (!err) err = create_at(dir, data_key, rec, wrapped);
    wf_store *s = NULL;
    if (!err) err = db_open(&s, dir, 0, 0);
    if (!err) {
        memcpy(s->data_key, data_key, WF_DATA_KEY_BYTES);
        wf_unlock_derive_audit_key(s);
        *out = s;
    }
    wf_secure_free(data_key);
    return err;
}

static wf_err store_open(wf_store **out, const char *dir, const wf_store_unlock *u, int readonly)
{
    if (!out || !dir || !u) return wf_store_fail(WF_ERR_ARG, "missing argument");
    *out = NULL;
    wf_err err = wf_unlock_check(u);
    if (err) return err;
    wf_store *s;
    if ((err = db_open(&s, dir, 0, readonly))) return err;
    if ((err = wf_unlock_load(s, u))) {
        store_free(s);
        return err;
    }
    *out = s;
    return WF_OK;
}

wf_err wf_store_open(wf_store **out, const char *dir, const wf_store_unlock *u)
{
    return store_open(out, dir, u, 0);
}

wf_err wf_store_open_readonly(wf_store **out, const char *dir, const wf_store_unlock *u)
{
    return store_open(out, dir, u, 1);
}

void wf_store_close(wf_store *s)
{
    if (s) store_free(s);
}

/* ---- blobs ------------------------------------------------------------- */

void wf_store_blob_clear(wf_store_blob *b)
{
    if (!b) return;
    free(b->pub);
    wf_secure_free(b->sec);
    memset(b, 0, sizeof *b);
}

wf_err wf_db_blob_pack(const uint8_t *head, size_t head_len, const wf_store_blob *b, uint8_t **out, size_t *out_len)
{
    if (b->pub_len > UINT32_MAX || (b->pub_len && !b->pub) || (b->sec_len && !b->sec))
        return wf_store_fail(WF_ERR_ARG, "bad record");
    size_t len = head_len + 4 + b->pub_len + b->sec_len;
    uint8_t *p = wf_secure_alloc(len);
    if (!p) return wf_store_fail(WF_ERR_NOMEM, "out of memory");
    if (head_len) memcpy(p, head, head_len);
    wf_be32_put(p + head_len, (uint32_t)b->pub_len);
    if (b->pub_len) memcpy(p + head_len + 4, b->pub, b->pub_len);
    if (b->sec_len) memcpy(p + head_len + 4 + b->pub_len, b->sec, b->sec_len);
    *out = p;
    *out_len = len;
    return WF_OK;
}

wf_err wf_db_blob_unpack(const uint8_t *in, size_t len, size_t off, wf_store_blob *b)
{
    memset(b, 0, sizeof *b);
    if (off > len || len - off < 4) return wf_store_fail(WF_ERR_ENCODING, "record too short");
    size_t pub_len = wf_be32_get(in + off);
    if (pub_len > len - off - 4) return wf_store_fail(WF_ERR_ENCODING, "record too short");
    size_t sec_len = len - off - 4 - pub_len;
    b->pub = malloc(pub_len ? pub_len : 1);
    b->sec = wf_secure_alloc(sec_len ? sec_len : 1);
    if (!b->pub || !b->sec) {
        wf_store_blob_clear(b);
        return wf_store_fail(WF_ERR_NOMEM, "out of memory");
    }
    if (pub_len) memcpy(b->pub, in + off + 4, pub_len);
    if (sec_len) memcpy(b->sec, in + off + 4 + pub_len, sec_len);
    b->pub_len = pub_len;
    b->sec_len = sec_len;
    return WF_OK;
}
