/* Backups of key shares: export sealed to an offline X25519 key, verify and
 * restore with its secret key. The file format is in store/backup.h. */
#define _GNU_SOURCE /* renameat2, mkostemp */
#include "store/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/hash.h"
#include "crypto/secmem.h"
#include "store/db.h"
#include "store/unlock.h"

#define MAGIC          "warifu-backup-1 manifest-bytes="
#define MAGIC_LEN      (sizeof MAGIC - 1)
#define LEN_DIGITS     10
#define HEADER_LEN     (MAGIC_LEN + LEN_DIGITS + 1)
#define SHARE_TAG      "warifu-backup-share-1"
#define SHARE_TAG_LEN  (sizeof SHARE_TAG - 1)
#define PUB_TAG        "warifu-backup-pub-1"
#define HASH_BYTES     32 /* BLAKE2b-256 */
#define PLAIN_LEN      (SHARE_TAG_LEN + WF_BACKUP_ID_BYTES + WF_STORE_ID_BYTES + HASH_BYTES + WF_SCALAR_BYTES)
#define BODY_FIXED     (WF_BACKUP_ID_BYTES + 8 + WF_BACKUP_PUBLIC_KEY_BYTES + 4)
#define MAX_CREATED_MS 253402300799999ull /* 9999-12-31T23:59:59.999Z */

_Static_assert(crypto_box_SEALBYTES + PLAIN_LEN == WF_BACKUP_SEALED_BYTES, "sealed entry size");
_Static_assert(crypto_box_PUBLICKEYBYTES == WF_BACKUP_PUBLIC_KEY_BYTES, "backup public key size");
_Static_assert(crypto_box_SECRETKEYBYTES == WF_BACKUP_SECRET_KEY_BYTES, "backup secret key size");
_Static_assert(WF_BACKUP_SECRET_KEY_BYTES == WF_STORE_KEY_FILE_BYTES, "secret key files are read as key files");
_Static_assert(crypto_generichash_BYTES == HASH_BYTES, "BLAKE2b-256");

/* ---- a growing buffer of public bytes ----------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
    int failed; /* out of memory or over WF_BACKUP_MAX_FILE_BYTES: later adds do nothing */
} buf;

static void buf_add(buf *b, const void *data, size_t n)
{
    if (b->failed) return;
    if (n > WF_BACKUP_MAX_FILE_BYTES - b->len) {
        b->failed = 1;
        return;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void buf_be32(buf *b, uint32_t v)
{
    uint8_t x[4];
    wf_be32_put(x, v);
    buf_add(b, x, 4);
}

__attribute__((format(printf, 2, 3))) static void buf_printf(buf *b, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line)
        b->failed = 1;
    else
        buf_add(b, line, (size_t)n);
}

static void buf_free(buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static void pub_hash(uint8_t out[HASH_BYTES], const uint8_t *pub, size_t pub_len)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, HASH_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)PUB_TAG, sizeof PUB_TAG - 1);
    crypto_generichash_update(&st, pub, pub_len);
    crypto_generichash_final(&st, out, HASH_BYTES);
}

/* ---- the manifest -------------------------------------------------------- */

static void iso8601(char out[64], uint64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
}

static void manifest_begin(buf *m, const uint8_t *backup_id, uint64_t created_ms, const uint8_t *backup_pk)
{
    char id[2 * WF_BACKUP_ID_BYTES + 1], pk[2 * WF_BACKUP_PUBLIC_KEY_BYTES + 1], when[64];
    sodium_bin2hex(id, sizeof id, backup_id, WF_BACKUP_ID_BYTES);
    sodium_bin2hex(pk, sizeof pk, backup_pk, WF_BACKUP_PUBLIC_KEY_BYTES);
    iso8601(when, created_ms);
    buf_printf(m,
               "{\n  \"format\": \"warifu-backup\",\n  \"version\": 1,\n  \"backup_id\": \"%s\",\n"
               "  \"created\": \"%s\",\n  \"backup_public_key\": \"%s\",\n  \"keys\": [",
               id, when, pk);
}

/* The manifest line of the i-th key: its id, C_0 (33 bytes), the SHA-256 of
 * its commitments and its member's place. */
static void manifest_key(buf *m, size_t i, const uint8_t *key_id, const uint8_t *c0, const uint8_t *ch,
                         uint32_t index, uint32_t rank, uint32_t t)
{
    char id_hex[2 * WF_STORE_ID_BYTES + 1], c0_hex[2 * WF_POINT_BYTES + 1], ch_hex[2 * WF_SHA256_BYTES + 1];
    sodium_bin2hex(id_hex, sizeof id_hex, key_id, WF_STORE_ID_BYTES);
    sodium_bin2hex(c0_hex, sizeof c0_hex, c0, WF_POINT_BYTES);
    sodium_bin2hex(ch_hex, sizeof ch_hex, ch, WF_SHA256_BYTES);
    buf_printf(m,
               "%s\n    {\"key_id\": \"%s\", \"public_key\": \"%s\", \"commitments_sha256\": \"%s\", "
               "\"index\": %u, \"rank\": %u, \"t\": %u}",
               i ? "," : "", id_hex, c0_hex, ch_hex, (unsigned)index, (unsigned)rank, (unsigned)t);
}

static void manifest_end(buf *m)
{
    buf_printf(m, "\n  ]\n}\n");
}

/* ---- files ---------------------------------------------------------------- */

static wf_err sync_parent_dir(const char *path)
{
    char *dir = strdup(path);
    if (!dir) return wf_store_fail(WF_ERR_NOMEM, "out of memory");
    char *slash = strrchr(dir, '/');
    const char *name = ".";
    if (slash == dir)
        name = "/";
    else if (slash) {
        *slash = 0;
        name = dir;
    }
    int fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ok = fd >= 0 && (fsync(fd) == 0 || errno == EINVAL);
    if (fd >= 0) close(fd);
    free(dir);
    if (!ok) return wf_store_fail(WF_ERR_STORAGE, "%s was written but its directory could not be synced", path);
    return WF_OK;
}

/* Gives tmp the name path unless path exists, in one step. */
static wf_err publish(const char *tmp, const char *path)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0) return WF_OK;
    if (errno != EINVAL && errno != ENOSYS && errno != EEXIST)
        return wf_store_fail(WF_ERR_STORAGE, "cannot name %s: %s", path, strerror(errno));
    /* a file system without RENAME_NOREPLACE: link() refuses an existing name too */
    if (errno != EEXIST && link(tmp, path) == 0) {
        unlink(tmp);
        return WF_OK;
    }
    if (errno == EEXIST) return wf_store_fail(WF_ERR_EXISTS, "%s already exists: it is not overwritten", path);
    return wf_store_fail(WF_ERR_STORAGE, "cannot name %s: %s", path, strerror(errno));
}

/* Writes data to a new file at path with the given mode: to a temporary file
 * beside it, synced, then named path only if nothing has that name. */
static wf_err write_new_file(const char *path, const uint8_t *data, size_t len, mode_t mode)
{
    struct stat st;
    if (lstat(path, &st) == 0) return wf_store_fail(WF_ERR_EXISTS, "%s already exists: it is not overwritten", path);
    size_t tmp_len = strlen(path) + sizeof ".partial-XXXXXX";
    char *tmp = malloc(tmp_len);
    if (!tmp) return wf_store_fail(WF_ERR_NOMEM, "out of memory");
    snprintf(tmp, tmp_len, "%s.partial-XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC); /* O_EXCL, mode 0600 */
    if (fd < 0) {
        wf_err err = wf_store_fail(WF_ERR_STORAGE, "cannot create a file beside %s: %s", path, strerror(errno));
        free(tmp);
        return err;
    }
    wf_err err = WF_OK;
    for (size_t off = 0; off < len && !err;) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            err = wf_store_fail(WF_ERR_STORAGE, "cannot write %s: %s", path, n < 0 ? strerror(errno) : "no space");
        else
            off += (size_t)n;
    }
    if (!err && (fchmod(fd, mode) != 0 || fsync(fd) != 0))
        err = wf_store_fail(WF_ERR_STORAGE, "cannot sync %s: %s", path, strerror(errno));
    if (close(fd) != 0 && !err) err = wf_store_fail(WF_ERR_STORAGE, "cannot write %s: %s", path, strerror(errno));
    if (!err) err = publish(tmp, path);
    if (err) unlink(tmp);
    free(tmp);
    if (!err) err = sync_parent_dir(path);
    return err;
}

/* Reads a whole regular file of at most max bytes into malloc memory. */
static wf_err read_file(const char *path, size_t max, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* a FIFO must not block the open */
    if (fd < 0) {
        wf_err err = errno == ENOENT ? WF_ERR_NOT_FOUND : WF_ERR_STORAGE;
        return wf_store_fail(err, "cannot open %s: %s", path, strerror(errno));
    }
    struct stat st;
    wf_err err = WF_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        err = wf_store_fail(WF_ERR_ARG, "%s is not a regular file", path);
    else if ((uint64_t)st.st_size > max)
        err = wf_store_fail(WF_ERR_ENCODING, "%s is larger than %zu bytes", path, max);
    size_t len = err ? 0 : (size_t)st.st_size;
    uint8_t *data = err ? NULL : malloc(len + 1);
    if (!err && !data) err = wf_store_fail(WF_ERR_NOMEM, "out of memory");
    size_t got = 0;
    while (!err && got <= len) { /* one byte more than expected tells a file that grew */
        ssize_t n = read(fd, data + got, len + 1 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) err = wf_store_fail(WF_ERR_STORAGE, "cannot read %s: %s", path, strerror(errno));
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (!err && got != len) err = wf_store_fail(WF_ERR_STORAGE, "%s changed while it was read", path);
    if (err) {
        free(data);
        return err;
    }
    *out = data;
    *out_len = len;
    return WF_OK;
}

/* ---- key files ----------------------------------------------------------- */

wf_err wf_backup_keypair(uint8_t pk[WF_BACKUP_PUBLIC_KEY_BYTES], uint8_t *sk)
{
    if (!pk || !sk) return wf_store_fail(WF_ERR_ARG, "missing argument");
    if (crypto_box_keypair(pk, sk) != 0) return wf_store_fail(WF_ERR_INTERNAL, "cannot make a backup key pair");
    return WF_OK;
}

wf_err wf_backup_key_files_create(const char *secret_path, const char *public_path)
{
    if (!secret_path || !public_path) return wf_store_fail(WF_ERR_ARG, "missing argument");
    struct stat st;
    if (lstat(secret_path, &st) == 0)
        return wf_store_fail(WF_ERR_EXISTS, "%s already exists: it is not overwritten", secret_path);
    uint8_t pk[WF_BACKUP_PUBLIC_KEY_BYTES];
    uint8_t *sk = wf_secure_alloc(WF_BACKUP_SECRET_KEY_BYTES);
    if (!sk) return wf_store_fail(WF_ERR_NOMEM, "out of memory");
    wf_err err = wf_backup_keypair(pk, sk);
    /* the public file first: a failure then leaves no secret key behind */
    if (!err) err = write_new_file(public_path, pk, sizeof pk, 0644);
    if (!err && (err = write_new_file(secret_path, sk, WF_BACKUP_SECRET_KEY_BYTES, 0600))) unlink(public_path);
    wf_secure_free(sk);
    return err;
}

wf_err wf_backup_public_key_read(const char *path, uint8_t pk[WF_BACKUP_PUBLIC_KEY_BYTES])
{
    if (!path || !pk) return wf_store_fail(WF_ERR_ARG, "missing argument");
    uint8_t *data;
    size_t len;
    wf_err err = read_file(path, WF_BACKUP_PUBLIC_KEY_BYTES, &data, &len);
    if (err) return err;
    if (len != WF_BACKUP_PUBLIC_KEY_BYTES)
        err = wf_store_fail(WF_ERR_ENCODING, "public key file %s must hold exactly %d bytes", path,
                            WF_BACKUP_PUBLIC_KEY_BYTES);
    else
        memcpy(pk, data, len);
    free(data);
    return err;
}

wf_err wf_backup_secret_key_read(const char *path, uint8_t *sk)
{
    if (!path || !sk) return wf_store_fail(WF_ERR_ARG, "missing argument");
    return wf_unlock_read_key_file(path, sk);
}

/* ---- export -------------------------------------------------------------- */

/* Appends k's entry to body: key id, public part, and the share sealed with
 * its binding. The plaintext lives in locked memory only. */
static wf_err entry_add(buf *body, const wf_store_key *k, const uint8_t *backup_id, const uint8_t *backup_pk)
{
    uint8_t check[WF_STORE_SHARE_CHECK_MAX_BYTES];
    size_t check_len = wf_store_share_check_encode(check, &k->check);
    if (check_len == 0 || k->record.pub_len > WF_BACKUP_MAX_RECORD_BYTES || k->record.sec_len != WF_SCALAR_BYTES)
        return wf_store_fail(WF_ERR_ENCODING, "a key cannot be backed up: its record has a bad shape");
    size_t pub_len = check_len + 4 + k->record.pub_len;
    buf_add(body, k->key_id, WF_STORE_ID_BYTES);
    buf_be32(body, (uint32_t)pub_len);
    size_t pub_off = body->len;
    buf_add(body, check, check_len);
    buf_be32(body, (uint32_t)k->record.pub_len);
    buf_add(body, k->record.pub, k->record.pub_len);
    if (body->failed) return wf_store_fail(WF_ERR_NOMEM, "the backup is too large or memory ran out");

    uint8_t *plain = wf_secure_alloc(PLAIN_LEN), *p = plain;
    if (!plain) return wf_store_fail(WF_ERR_NOMEM, "out of memory");
    memcpy(p, SHARE_TAG, SHARE_TAG_LEN);
    memcpy(p += SHARE_TAG_LEN, backup_id, WF_BACKUP_ID_BYTES);
    memcpy(p += WF_BACKUP_ID_BYTES, k->key_id, WF_STORE_ID_BYTES);
    pub_hash(p += WF_STORE_ID_BYTES, body->p + pub_off, pub_len);
    memcpy(p + HASH_BYTES, k->record.sec, WF_SCALAR_BYTES);
    uint8_t sealed[WF_BACKUP_SEALED_BYTES];
    int rc = crypto_box_seal(sealed, plain, PLAIN_LEN, backup_pk);
    wf_secure_free(plain);
    if (rc != 0) return wf_store_fail(WF_ERR_ARG, "the backup public key is not usable (a low-order point)");
    buf_add(body, sealed, sizeof sealed);
    return body->failed ? wf_store_fail(WF_ERR_NOMEM, "the backup is too large or memory ran out") : WF_OK;
}

/* Builds the body and manifest from every key in s. */
static wf_err export_keys(wf_store *s, const uint8_t *backup_id, uint64_t created_ms, const uint8_t *backup_pk,
                          buf *body, buf *manifest, size_t *n_keys)
{
    uint8_t(*ids)[WF_STORE_ID_BYTES] = NULL;
    size_t n = 0;
    wf_err err = wf_store_key_list(s, &ids, &n);
    if (err) return err;
    if (n == 0) err = wf_store_fail(WF_ERR_NOT_FOUND, "the store holds no key to back up");
    if (n > WF_BACKUP_MAX_KEYS) err = wf_store_fail(WF_ERR_ARG, "more than %d keys to back up", WF_BACKUP_MAX_KEYS);
    uint8_t created[8];
    wf_be64_put(created, created_ms);
    buf_add(body, backup_id, WF_BACKUP_ID_BYTES);
    buf_add(body, created, sizeof created);
    buf_add(body, backup_pk, WF_BACKUP_PUBLIC_KEY_BYTES);
    buf_be32(body, (uint32_t)n);
    manifest_begin(manifest, backup_id, created_ms, backup_pk);
    for (size_t i = 0; i < n && !err; i++) {
        wf_store_key *k = NULL;
        err = wf_store_key_get(s, ids[i], &k);
        if (!err) err = entry_add(body, k, backup_id, backup_pk);
        uint8_t c0[WF_POINT_BYTES], ch[WF_SHA256_BYTES];
        if (!err && (wf_point_serialize(c0, &k->check.commitments[0]) || wf_store_key_commitments_hash(k, ch)))
            err = wf_store_fail(WF_ERR_ENCODING, "a key's commitments cannot be encoded");
        if (!err) manifest_key(manifest, i, k->key_id, c0, ch, k->check.index, k->check.member.rank, k->check.t);
        wf_store_key_free(k);
    }
    manifest_end(manifest);
    free(ids);
    if (!err && (body->failed || manifest->failed))
        err = wf_store_fail(WF_ERR_NOMEM, "the backup is too large or memory ran out");
    *n_keys = n;
    return err;
}

wf_err wf_backup_export(wf_store *s, const char *path, const uint8_t backup_pk[WF_BACKUP_PUBLIC_KEY_BYTES],
                        wf_backup_summary *out)
{
    if (!s || !path || !backup_pk) return wf_store_fail(WF_ERR_ARG, "missing argument");
    if (out) memset(out, 0, sizeof *out);
    struct stat st;
    if (lstat(path, &st) == 0) return wf_store_fail(WF_ERR_EXISTS, "%s already exists: it is not overwritten", path);

    uint8_t backup_id[WF_BACKUP_ID_BYTES], checksum[WF_BACKUP_CHECKSUM_BYTES];
    randombytes_buf(backup_id, sizeof backup_id);
    uint64_t created_ms = wf_store_now_ms();
    buf body = {0}, manifest = {0}, file = {0};
    size_t n = 0;
    wf_err err = export_keys(s, backup_id, created_ms, backup_pk, &body, &manifest, &n);
    if (!err) {
        char header[HEADER_LEN + 1];
        snprintf(header, sizeof header, "%s%0*zu\n", MAGIC, LEN_DIGITS, manifest.len);
        buf_add(&file, header, HEADER_LEN);
        buf_add(&file, manifest.p, manifest.len);
        buf_add(&file, body.p, body.len);
        if (!file.failed) crypto_generichash(checksum, sizeof checksum, file.p, file.len, NULL, 0);
        buf_add(&file, checksum, sizeof checksum);
        if (file.failed) err = wf_store_fail(WF_ERR_NOMEM, "the backup is too large or memory ran out");
    }
    if (!err) err = write_new_file(path, file.p, file.len, 0600);
    if (!err && out) {
        memcpy(out->backup_id, backup_id, sizeof backup_id);
        out->created_ms = created_ms;
        out->keys = n;
        memcpy(out->checksum, checksum, sizeof checksum);
    }
    buf_free(&body);
    buf_free(&manifest);
    buf_free(&file);
    return err;
}

/* ---- reading a backup ---------------------------------------------------- */

typedef struct backup {
    const char *path;
    uint8_t *data; /* the whole file */
    size_t len;
    const uint8_t *manifest;
    size_t manifest_len;
    const uint8_t *backup_id, *backup_pk;
    uint64_t created_ms;
    uint32_t n;
    size_t entries; /* offset of the first entry */
    size_t end;     /* offset of the checksum */
} backup;

/* One entry as it lies in the file: pointers into the data, and the view of
 * its check (no curve arithmetic yet). */
typedef struct entry {
    const uint8_t *key_id;
    const uint8_t *pub;
    size_t pub_len;
    wf_store_share_check_view view;
    const uint8_t *rec; /* the key's public record */
    size_t rec_len;
    const uint8_t *sealed;
} entry;

typedef struct cursor {
    const backup *b;
    size_t off;
    uint32_t i;
} cursor;

static wf_err malformed(const backup *b, const char *what)
{
    return wf_store_fail(WF_ERR_ENCODING, "%s is not a well-formed backup: %s", b->path, what);
}

/* Reads path, checks magic, manifest length and checksum, and parses the
 * body's fixed fields. */
static wf_err backup_load(backup *b, const char *path)
{
    memset(b, 0, sizeof *b);
    b->path = path;
    wf_err err = read_file(path, WF_BACKUP_MAX_FILE_BYTES, &b->data, &b->len);
    if (err) return err;
    const uint8_t *d = b->data;
    if (b->len < HEADER_LEN || memcmp(d, MAGIC, MAGIC_LEN) != 0 || d[HEADER_LEN - 1] != '\n')
        return wf_store_fail(WF_ERR_ENCODING, "%s is not a warifu backup (no \"warifu-backup-1\" header)", path);
    size_t mlen = 0;
    for (size_t i = MAGIC_LEN; i < MAGIC_LEN + LEN_DIGITS; i++) {
        if (d[i] < '0' || d[i] > '9') return malformed(b, "bad manifest length");
        mlen = mlen * 10 + (size_t)(d[i] - '0');
    }
    if (mlen > b->len - HEADER_LEN || b->len - HEADER_LEN - mlen < BODY_FIXED + WF_BACKUP_CHECKSUM_BYTES)
        return malformed(b, "the file is shorter than its manifest and body");
    b->end = b->len - WF_BACKUP_CHECKSUM_BYTES;
    uint8_t sum[WF_BACKUP_CHECKSUM_BYTES];
    crypto_generichash(sum, sizeof sum, d, b->end, NULL, 0);
    if (sodium_memcmp(sum, d + b->end, sizeof sum) != 0)
        return wf_store_fail(WF_ERR_VERIFY, "%s fails its checksum: the file is damaged or truncated", path);
    b->manifest = d + HEADER_LEN;
    b->manifest_len = mlen;
    size_t off = HEADER_LEN + mlen;
    b->backup_id = d + off;
    b->created_ms = wf_be64_get(d + off + WF_BACKUP_ID_BYTES);
    b->backup_pk = d + off + WF_BACKUP_ID_BYTES + 8;
    b->n = wf_be32_get(d + off + WF_BACKUP_ID_BYTES + 8 + WF_BACKUP_PUBLIC_KEY_BYTES);
    b->entries = off + BODY_FIXED;
    if (b->created_ms > MAX_CREATED_MS) return malformed(b, "bad creation time");
    if (b->n == 0 || b->n > WF_BACKUP_MAX_KEYS) return malformed(b, "bad number of keys");
    return WF_OK;
}

static void backup_free(backup *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* Reads the entry at the cursor and moves past it. */
static wf_err entry_next(cursor *c, entry *e)
{
    const backup *b = c->b;
    size_t left = b->end - c->off;
    memset(e, 0, sizeof *e);
    if (left < WF_STORE_ID_BYTES + 4) return malformed(b, "an entry is truncated");
    e->key_id = b->data + c->off;
    e->pub_len = wf_be32_get(e->key_id + WF_STORE_ID_BYTES);
    e->pub = e->key_id + WF_STORE_ID_BYTES + 4;
    left -= WF_STORE_ID_BYTES + 4;
    if (e->pub_len > left || left - e->pub_len < WF_BACKUP_SEALED_BYTES) return malformed(b, "an entry is truncated");
    if (wf_store_share_check_scan(&e->view, e->pub, e->pub_len) != WF_OK)
        return malformed(b, "an entry's public check has a bad shape");
    size_t after = e->pub_len - e->view.len;
    if (after < 4 || wf_be32_get(e->pub + e->view.len) != after - 4)
        return malformed(b, "an entry's public record has a bad length");
    e->rec = e->pub + e->view.len + 4;
    e->rec_len = after - 4;
    if (e->rec_len > WF_BACKUP_MAX_RECORD_BYTES) return malformed(b, "an entry's public record is too long");
    e->sealed = e->pub + e->pub_len;
    c->off += WF_STORE_ID_BYTES + 4 + e->pub_len + WF_BACKUP_SEALED_BYTES;
    c->i++;
    return WF_OK;
}

/* 1 while the manifest text built so far is a prefix of the file's. */
static int manifest_agrees(const backup *b, const buf *m)
{
    return !m->failed && m->len <= b->manifest_len && memcmp(m->p, b->manifest, m->len) == 0;
}

/* Pass one, public bytes only and no curve arithmetic: every entry has its
 * shape, key ids increase, the body ends at the checksum, and the manifest
 * is exactly the text the entries give (compared as it is built, so a
 * disagreement stops the pass where it is). The commitments hash is taken
 * over the bytes as they lie; pass two accepts only points whose encoding
 * is those bytes, so it is the hash of the key's commitments. */
static wf_err backup_check_public(const backup *b)
{
    buf m = {0};
    manifest_begin(&m, b->backup_id, b->created_ms, b->backup_pk);
    cursor c = {.b = b, .off = b->entries};
    entry e;
    const uint8_t *prev = NULL;
    wf_err err = WF_OK;
    int agrees = manifest_agrees(b, &m);
    while (!err && agrees && c.i < b->n) {
        uint8_t ch[WF_SHA256_BYTES];
        err = entry_next(&c, &e);
        if (!err && prev && memcmp(prev, e.key_id, WF_STORE_ID_BYTES) >= 0)
            err = malformed(b, "key ids are not in strictly increasing order");
        if (!err && wf_sha256(ch, e.view.commitments, (size_t)e.view.t * WF_POINT_BYTES))
            err = wf_store_fail(WF_ERR_INTERNAL, "SHA-256 failed");
        if (err) break;
        manifest_key(&m, c.i - 1, e.key_id, e.view.commitments, ch, e.view.index, e.view.rank, e.view.t);
        prev = e.key_id;
        agrees = manifest_agrees(b, &m);
    }
    if (!err && agrees && c.off != b->end) err = malformed(b, "bytes after the last entry");
    if (!err && agrees) {
        manifest_end(&m);
        agrees = manifest_agrees(b, &m) && m.len == b->manifest_len;
    }
    if (!err && m.failed) err = wf_store_fail(WF_ERR_NOMEM, "out of memory");
    if (!err && !agrees)
        err = wf_store_fail(WF_ERR_VERIFY, "the manifest of %s does not agree with its entries", b->path);
    buf_free(&m);
    return err;
}

/* Decodes e's check into k (points parsed, and encoded back to the same
 * bytes) with k->record.pub pointing at the public record in the file. */
static wf_err entry_key(const backup *b, const entry *e, wf_store_key *k)
{
    memset(k, 0, sizeof *k);
    memcpy(k->key_id, e->key_id, WF_STORE_ID_BYTES);
    size_t used = 0;
    uint8_t again[WF_STORE_SHARE_CHECK_MAX_BYTES];
    if (wf_store_share_check_decode(&k->check, e->pub, e->pub_len, &used) != WF_OK || used != e->view.len ||
        wf_store_share_check_encode(again, &k->check) != used || memcmp(again, e->pub, used) != 0)
        return malformed(b, "an entry's public check does not decode");
    k->record.pub = (uint8_t *)e->rec;
    k->record.pub_len = e->rec_len;
    return WF_OK;
}

/* Opens e's sealed share into k->record.sec (locked memory) and checks its
 * binding, then the share against the commitments. On failure nothing of
 * the share is left. */
static wf_err entry_open(const backup *b, const entry *e, wf_store_key *k, const uint8_t *pk, const uint8_t *sk)
{
    char id[2 * WF_STORE_ID_BYTES + 1];
    sodium_bin2hex(id, sizeof id, e->key_id, WF_STORE_ID_BYTES);
    uint8_t *plain = wf_secure_alloc(PLAIN_LEN), *share = wf_secure_alloc(WF_SCALAR_BYTES);
    wf_err err = plain && share ? WF_OK : wf_store_fail(WF_ERR_NOMEM, "out of memory");
    if (!err && crypto_box_seal_open(plain, e->sealed, WF_BACKUP_SEALED_BYTES, pk, sk) != 0)
        err = wf_store_fail(WF_ERR_VERIFY, "key %s: its sealed share does not open (the entry was altered)", id);
    if (!err) {
        uint8_t h[HASH_BYTES];
        pub_hash(h, e->pub, e->pub_len);
        const uint8_t *p = plain + SHARE_TAG_LEN;
        if (memcmp(plain, SHARE_TAG, SHARE_TAG_LEN) != 0 || memcmp(p, b->backup_id, WF_BACKUP_ID_BYTES) != 0 ||
            memcmp(p + WF_BACKUP_ID_BYTES, e->key_id, WF_STORE_ID_BYTES) != 0 ||
            memcmp(p + WF_BACKUP_ID_BYTES + WF_STORE_ID_BYTES, h, HASH_BYTES) != 0)
            err = wf_store_fail(WF_ERR_VERIFY, "key %s: its sealed share belongs to another entry or backup", id);
    }
    if (!err) {
        memcpy(share, plain + PLAIN_LEN - WF_SCALAR_BYTES, WF_SCALAR_BYTES);
        k->record.sec = share;
        k->record.sec_len = WF_SCALAR_BYTES;
        if (wf_store_key_check(k) != WF_OK)
            err = wf_store_fail(WF_ERR_VERIFY,
                                "key %s: the share does not match its public commitments (s*G != X_self, or "
                                "the Feldman check fails)",
                                id);
    }
    wf_secure_free(plain);
    if (err) {
        wf_secure_free(share);
        k->record.sec = NULL;
        k->record.sec_len = 0;
    }
    return err;
}

/* Pass two: decodes, opens and checks every entry in file order, stopping
 * at the first failure; with dst, puts each checked key into dst. */
static wf_err backup_check_shares(const backup *b, const uint8_t *sk, wf_store *dst, wf_backup_report *r)
{
    uint8_t pk[WF_BACKUP_PUBLIC_KEY_BYTES];
    if (crypto_scalarmult_base(pk, sk) != 0 || sodium_memcmp(pk, b->backup_pk, sizeof pk) != 0)
        return wf_store_fail(WF_ERR_VERIFY, "%s is sealed to another backup key: wrong secret key", b->path);
    cursor c = {.b = b, .off = b->entries};
    entry e;
    wf_store_key *k = calloc(1, sizeof *k);
    wf_err err = k ? WF_OK : wf_store_fail(WF_ERR_NOMEM, "out of memory");
    while (!err && c.i < b->n) {
        err = entry_next(&c, &e);
        if (!err) err = entry_key(b, &e, k);
        if (!err) err = entry_open(b, &e, k, pk, sk);
        if (err && r && e.key_id) {
            r->failed_key = 1;
            memcpy(r->failed_key_id, e.key_id, WF_STORE_ID_BYTES);
        }
        if (!err && dst) err = wf_store_key_put(dst, k);
        if (!err && r) r->keys_checked++;
        wf_secure_free(k->record.sec);
        k->record.sec = NULL;
    }
    free(k);
    return err;
}

/* Reads path into b and checks all of it; r may be NULL. */
static wf_err backup_verify_all(backup *b, const char *path, const uint8_t *sk, wf_backup_report *r)
{
    wf_err err = backup_load(b, path);
    if (!err && r) {
        memcpy(r->backup_id, b->backup_id, WF_BACKUP_ID_BYTES);
        r->created_ms = b->created_ms;
        r->keys = b->n;
    }
    if (!err) err = backup_check_public(b);
    if (!err) err = backup_check_shares(b, sk, NULL, r);
    return err;
}

wf_err wf_backup_verify(const char *path, const uint8_t *backup_sk, wf_backup_report *r)
{
    if (r) memset(r, 0, sizeof *r);
    backup b = {0};
    wf_err err = path && backup_sk ? WF_OK : wf_store_fail(WF_ERR_ARG, "missing argument");
    if (!err) err = backup_verify_all(&b, path, backup_sk, r);
    backup_free(&b);
    if (err && r) snprintf(r->reason, sizeof r->reason, "%s", wf_store_last_error());
    return err;
}

/* ---- restore ------------------------------------------------------------- */

/* WF_OK if dir does not exist or is an empty directory. */
static wf_err target_free(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) return WF_OK;
        if (errno == ENOTDIR) return wf_store_fail(WF_ERR_EXISTS, "%s exists and is not a directory", dir);
        return wf_store_fail(WF_ERR_STORAGE, "cannot read %s: %s", dir, strerror(errno));
    }
    int empty = 1;
    struct dirent *de;
    while (empty && (de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) empty = 0;
    closedir(d);
    return empty ? WF_OK : wf_store_fail(WF_ERR_EXISTS, "%s is not empty: a restore only makes a new store", dir);
}

/* Removes a directory this file made and the files in it (a RocksDB
 * directory has no subdirectories). */
static void remove_made_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) unlinkat(dirfd(d), de->d_name, 0);
        closedir(d);
    }
    rmdir(dir);
}

/* Builds the store in tmp (a new empty directory) and renames it to dir. */
static wf_err restore_into(const backup *b, const uint8_t *sk, const char *tmp, const char *dir,
                           const wf_store_unlock *u)
{
    wf_store *s = NULL;
    wf_err err = wf_store_create(&s, tmp, u);
    if (!err) err = backup_check_shares(b, sk, s, NULL);
    wf_store_close(s);
    if (!err && rename(tmp, dir) != 0) {
        if (errno == EEXIST || errno == ENOTEMPTY)
            return wf_store_fail(WF_ERR_EXISTS, "%s was filled during the restore: a restore only makes a new store",
                                 dir);
        return wf_store_fail(WF_ERR_STORAGE, "cannot rename the restored store to %s: %s", dir, strerror(errno));
    }
    return err;
}

wf_err wf_backup_restore(const char *path, const uint8_t *backup_sk, const char *store_dir,
                         const wf_store_unlock *u)
{
    if (!path || !backup_sk || !store_dir || !u) return wf_store_fail(WF_ERR_ARG, "missing argument");
    wf_err err = wf_unlock_check(u);
    if (err) return err;
    size_t dl = strlen(store_dir);
    while (dl > 1 && store_dir[dl - 1] == '/') dl--;
    if (dl == 0 || (dl == 1 && store_dir[0] == '/')) return wf_store_fail(WF_ERR_ARG, "bad store directory");
    char *dir = strndup(store_dir, dl), *tmp = malloc(dl + sizeof ".restore-XXXXXX");
    if (!dir || !tmp) err = wf_store_fail(WF_ERR_NOMEM, "out of memory");
    if (!err) err = target_free(dir);
    backup b = {0};
    if (!err) err = backup_verify_all(&b, path, backup_sk, NULL); /* before anything is created */
    int made = 0;
    if (!err) {
        snprintf(tmp, dl + sizeof ".restore-XXXXXX", "%s.restore-XXXXXX", dir);
        made = mkdtemp(tmp) != NULL;
        if (!made) err = wf_store_fail(WF_ERR_STORAGE, "cannot make a directory beside %s: %s", dir, strerror(errno));
    }
    if (!err) err = restore_into(&b, backup_sk, tmp, dir, u);
    if (err && made) remove_made_dir(tmp);
    if (!err) err = sync_parent_dir(dir);
    backup_free(&b);
    free(dir);
    free(tmp);
    return err;
}
