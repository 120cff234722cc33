/* The data key and the key-encryption key that wraps it (DESIGN §5).
 *
 * meta/format   "warifu-store-1"
 * meta/kek      kind(1) ‖ salt(16) ‖ be64 opslimit ‖ be64 memlimit
 * meta/data_key nonce(24) ‖ XChaCha20-Poly1305(KEK, data key), with the kek
 *               record as associated data, so its parameters cannot be
 *               swapped for cheaper ones without the unwrap failing. */
#include "store/unlock.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/secmem.h"

#define FORMAT       "warifu-store-1"
#define KIND_PASS    1
#define KIND_FILE    2
#define SALT_BYTES   crypto_pwhash_SALTBYTES
#define KEK_REC_LEN  WF_UNLOCK_KEK_REC_BYTES
#define NONCE_BYTES  crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define WRAPPED_LEN  WF_UNLOCK_WRAPPED_BYTES
_Static_assert(KEK_REC_LEN == 1 + SALT_BYTES + 8 + 8, "kek record layout");
_Static_assert(WRAPPED_LEN == NONCE_BYTES + WF_DATA_KEY_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES,
               "wrapped data key layout");

/* The Argon2id costs a store may name: only libsodium's presets, so a
 * tampered meta record cannot make opening hang or exhaust memory. */
static const struct {
    uint64_t ops, mem;
} KDF_LEVELS[] = {
    [WF_STORE_KDF_MODERATE] = {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE},
    [WF_STORE_KDF_INTERACTIVE] = {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE},
    [WF_STORE_KDF_SENSITIVE] = {crypto_pwhash_OPSLIMIT_SENSITIVE, crypto_pwhash_MEMLIMIT_SENSITIVE},
};
#define KDF_LEVEL_COUNT (sizeof KDF_LEVELS / sizeof KDF_LEVELS[0])

static int kdf_known(uint64_t ops, uint64_t mem)
{
    for (size_t i = 0; i < KDF_LEVEL_COUNT; i++)
        if (KDF_LEVELS[i].ops == ops && KDF_LEVELS[i].mem == mem) return 1;
    return 0;
}

static const uint8_t K_FORMAT[] = "format", K_KEK[] = "kek", K_DATA_KEY[] = "data_key";

wf_err wf_unlock_check(const wf_store_unlock *u)
{
    if (!u || (!u->passphrase) == (!u->key_file))
        return wf_store_fail(WF_ERR_ARG, "give exactly one of a passphrase or a key file");
    if (u->passphrase && u->passphrase[0] == 0) return wf_store_fail(WF_ERR_ARG, "the passphrase is empty");
    if ((unsigned)u->kdf >= KDF_LEVEL_COUNT) return wf_store_fail(WF_ERR_ARG, "unknown key-derivation level");
    return WF_OK;
}

wf_err wf_unlock_read_key_file(const char *path, uint8_t *key)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return wf_store_fail(WF_ERR_STORAGE, "cannot open key file %s: %s", path, strerror(errno));
    struct stat st;
    wf_err err = WF_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        err = wf_store_fail(WF_ERR_ARG, "key file %s is not a regular file", path);
    else if (st.st_mode & 077)
        err = wf_store_fail(WF_ERR_ARG, "key file %s is readable by others (mode %03o): chmod 600 it", path,
                            (unsigned)(st.st_mode & 0777));
    else if (st.st_uid != geteuid())
        err = wf_store_fail(WF_ERR_ARG, "key file %s belongs to another user", path);
    else if (st.st_size != WF_STORE_KEY_FILE_BYTES)
        err = wf_store_fail(WF_ERR_ENCODING, "key file %s must hold exactly %d bytes", path,
                            WF_STORE_KEY_FILE_BYTES);
    else if (read(fd, key, WF_STORE_KEY_FILE_BYTES) != WF_STORE_KEY_FILE_BYTES)
        err = wf_store_fail(WF_ERR_STORAGE, "cannot read key file %s", path);
    close(fd);
    if (err) wf_memzero(key, WF_STORE_KEY_FILE_BYTES);
    return err;
}

wf_err wf_store_key_file_create(const char *path)
{
    if (!path) return wf_store_fail(WF_ERR_ARG, "missing key file path");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return wf_store_fail(WF_ERR_EXISTS, "key file %s already exists", path);
        return wf_store_fail(WF_ERR_STORAGE, "cannot create key file %s: %s", path, strerror(errno));
    }
    uint8_t *key = wf_secure_alloc(WF_STORE_KEY_FILE_BYTES);
    wf_err err = WF_OK;
    if (!key) err = wf_store_fail(WF_ERR_NOMEM, "out of memory");
    if (!err) {
        randombytes_buf(key, WF_STORE_KEY_FILE_BYTES);
        if (write(fd, key, WF_STORE_KEY_FILE_BYTES) != WF_STORE_KEY_FILE_BYTES || fsync(fd) != 0)
            err = wf_store_fail(WF_ERR_STORAGE, "cannot write key file %s", path);
    }
    wf_secure_free(key);
    close(fd);
    if (err) unlink(path);
    return err;
}

/* kek = Argon2id(passphrase, salt) or BLAKE2b(key = file bytes, salt). */
static wf_err derive_kek(uint8_t *kek, const wf_store_unlock *u, const uint8_t *rec)
{
    const uint8_t *salt = rec + 1;
    if (rec[0] == KIND_PASS) {
        if (!u->passphrase) return wf_store_fail(WF_ERR_VERIFY, "this store is locked by a passphrase");
        uint64_t ops = wf_be64_get(rec + 1 + SALT_BYTES), mem = wf_be64_get(rec + 1 + SALT_BYTES + 8);
        if (!kdf_known(ops, mem))
            return wf_store_fail(WF_ERR_VERIFY, "the store's key-derivation parameters are damaged");
        if (crypto_pwhash(kek, WF_DATA_KEY_BYTES, u->passphrase, strlen(u->passphrase), salt, ops, (size_t)mem,
                          crypto_pwhash_ALG_ARGON2ID13) != 0)
            return wf_store_fail(WF_ERR_NOMEM, "Argon2id needs %llu MiB it could not get",
                                 (unsigned long long)(mem >> 20));
        return WF_OK;
    }
    if (rec[0] == KIND_FILE) {
        if (!u->key_file) return wf_store_fail(WF_ERR_VERIFY, "this store is locked by a key file");
        uint8_t *file_key = wf_secure_alloc(WF_STORE_KEY_FILE_BYTES);
        if (!file_key) return wf_store_fail(WF_ERR_NOMEM, "out of memory");
        wf_err err = wf_unlock_read_key_file(u->key_file, file_key);
        if (!err) {
            static const char tag[] = "warifu-kek-file-1";
            crypto_generichash_state st;
            crypto_generichash_init(&st, file_key, WF_STORE_KEY_FILE_BYTES, WF_DATA_KEY_BYTES);
            crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag);
            crypto_generichash_update(&st, salt, SALT_BYTES);
            crypto_generichash_final(&st, kek, WF_DATA_KEY_BYTES);
            wf_memzero(&st, sizeof st);
        }
        wf_secure_free(file_key);
        return err;
    }
    return wf_store_fail(WF_ERR_VERIFY, "the store's key-encryption record is damaged");
}

void wf_unlock_derive_audit_key(wf_store *s)
{
    crypto_kdf_derive_from_key(s->audit_key, WF_DATA_KEY_BYTES, 1, "wfaudit1", s->data_key);
}

wf_err wf_unlock_prepare(const wf_store_unlock *u, uint8_t *data_key, uint8_t rec[KEK_REC_LEN],
                         uint8_t wrapped[WRAPPED_LEN])
{
    rec[0] = u->passphrase ? KIND_PASS : KIND_FILE;
    randombytes_buf(rec + 1, SALT_BYTES);
    wf_be64_put(rec + 1 + SALT_BYTES, u->passphrase ? KDF_LEVELS[u->kdf].ops : 0);
    wf_be64_put(rec + 1 + SALT_BYTES + 8, u->passphrase ? KDF_LEVELS[u->kdf].mem : 0);
    uint8_t *kek = wf_secure_alloc(WF_DATA_KEY_BYTES);
    if (!kek) return wf_store_fail(WF_ERR_NOMEM, "out of memory");
    wf_err err = derive_kek(kek, u, rec);
    if (!err) {
        randombytes_buf(data_key, WF_DATA_KEY_BYTES);
        randombytes_buf(wrapped, NONCE_BYTES);
        crypto_aead_xchacha20poly1305_ietf_encrypt(wrapped + NONCE_BYTES, NULL, data_key, WF_DATA_KEY_BYTES, rec,
                                                   KEK_REC_LEN, NULL, wrapped, kek);
    }
    wf_secure_free(kek);
    return err;
}

wf_err wf_unlock_write(wf_store *s, const uint8_t rec[KEK_REC_LEN], const uint8_t wrapped[WRAPPED_LEN])
{
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    rocksdb_writebatch_put_cf(b, s->cf[WF_CF_META], (const char *)K_FORMAT, sizeof K_FORMAT - 1, FORMAT,
                              sizeof FORMAT - 1);
    rocksdb_writebatch_put_cf(b, s->cf[WF_CF_META], (const char *)K_KEK, sizeof K_KEK - 1, (const char *)rec,
                              KEK_REC_LEN);
    rocksdb_writebatch_put_cf(b, s->cf[WF_CF_META], (const char *)K_DATA_KEY, sizeof K_DATA_KEY - 1,
                              (const char *)wrapped, WRAPPED_LEN);
    wf_err err = wf_db_audit_head_init(s, b);
    if (err) {
        rocksdb_writebatch_destroy(b);
        return err;
    }
    return wf_db_commit(s, b);
}

wf_err wf_unlock_load(wf_store *s, const wf_store_unlock *u)
{
    uint8_t *fmt = NULL, *rec = NULL, *wrapped = NULL;
    size_t fmt_len = 0, rec_len = 0, wrapped_len = 0;
    wf_err err = wf_db_get_raw(s, WF_CF_META, K_FORMAT, sizeof K_FORMAT - 1, &fmt, &fmt_len);
    if (!err && (fmt_len != sizeof FORMAT - 1 || memcmp(fmt, FORMAT, fmt_len) != 0))
        err = wf_store_fail(WF_ERR_ENCODING, "not a warifu store of a format this build reads");
    if (!err) err = wf_db_get_raw(s, WF_CF_META, K_KEK, sizeof K_KEK - 1, &rec, &rec_len);
    if (!err) err = wf_db_get_raw(s, WF_CF_META, K_DATA_KEY, sizeof K_DATA_KEY - 1, &wrapped, &wrapped_len);
    if (err == WF_ERR_NOT_FOUND) err = wf_store_fail(WF_ERR_ENCODING, "the store's meta records are missing");
    if (!err && (rec_len != KEK_REC_LEN || wrapped_len != WRAPPED_LEN))
        err = wf_store_fail(WF_ERR_VERIFY, "the store's key records are damaged");
    uint8_t *kek = NULL;
    if (!err && !(kek = wf_secure_alloc(WF_DATA_KEY_BYTES))) err = wf_store_fail(WF_ERR_NOMEM, "out of memory");
    if (!err) err = derive_kek(kek, u, rec);
    if (!err && crypto_aead_xchacha20poly1305_ietf_decrypt(s->data_key, NULL, NULL, wrapped + NONCE_BYTES,
                                                           WRAPPED_LEN - NONCE_BYTES, rec, rec_len, wrapped,
                                                           kek) != 0)
        err = wf_store_fail(WF_ERR_VERIFY, "wrong passphrase or key file (or the store's key record is damaged)");
    if (!err) wf_unlock_derive_audit_key(s);
    wf_secure_free(kek);
    rocksdb_free(fmt);
    rocksdb_free(rec);
    rocksdb_free(wrapped);
    return err;
}
