/* Inside the store: the RocksDB handle, its column families and sealed
 * records. Only files in store/ include this header. */
#ifndef WF_STORE_DB_H
#define WF_STORE_DB_H

#include <pthread.h>
#include <rocksdb/c.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"
#include "store/keys.h"
#include "store/requests.h"
#include "store/store.h"

typedef enum {
    WF_CF_DEFAULT = 0, /* RocksDB requires it; warifu keeps nothing there */
    WF_CF_META,
    WF_CF_KEYS,
    WF_CF_AUX,
    WF_CF_PRESIG,
    WF_CF_REQUESTS,
    WF_CF_AUDIT,
    WF_CF_COUNT
} wf_cf;

#define WF_DATA_KEY_BYTES 32

struct wf_store {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_column_family_handle_t *cf[WF_CF_COUNT];
    rocksdb_writeoptions_t *sync_write;
    rocksdb_readoptions_t *read;
    uint8_t *data_key;  /* locked */
    uint8_t *audit_key; /* locked: keys the audit chain's BLAKE2b */
    pthread_mutex_t lock; /* serialises read-check-write sequences */
    int readonly;         /* opened by wf_store_open_readonly: wf_db_commit refuses */
    uint64_t presig_ttl_ms; /* wf_store_presig_set_ttl: 0, presignatures never expire */
};

/* Records err with a printf-style explanation for wf_store_last_error() and
 * returns it. */
wf_err wf_store_fail(wf_err err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const char *wf_cf_name(wf_cf cf);

/* Seals plain under the data key for (cf, key) and adds the put to batch. */
wf_err wf_db_put_sealed(wf_store *s, rocksdb_writebatch_t *batch, wf_cf cf, const uint8_t *key, size_t key_len,
                        const uint8_t *plain, size_t plain_len);
/* Reads and opens the record at (cf, key) into wf_secure_alloc() memory.
 * WF_ERR_NOT_FOUND if absent, WF_ERR_VERIFY if it fails authentication. */
wf_err wf_db_get_sealed(wf_store *s, wf_cf cf, const uint8_t *key, size_t key_len, uint8_t **plain,
                        size_t *plain_len);
/* Opens a sealed value already read (e.g. by an iterator). */
wf_err wf_db_open_sealed(const wf_store *s, wf_cf cf, const uint8_t *key, size_t key_len, const uint8_t *val,
                         size_t val_len, uint8_t **plain, size_t *plain_len);
/* Raw value (not sealed) into malloc memory; WF_ERR_NOT_FOUND if absent. */
wf_err wf_db_get_raw(wf_store *s, wf_cf cf, const uint8_t *key, size_t key_len, uint8_t **val, size_t *val_len);
/* 1 if a record exists at (cf, key), 0 if not, negative on a read error. */
int wf_db_exists(wf_store *s, wf_cf cf, const uint8_t *key, size_t key_len);
/* Writes the batch with sync (fsync of the WAL) and destroys it. */
wf_err wf_db_commit(wf_store *s, rocksdb_writebatch_t *batch);
/* Ends a batch built under err: commits it if err is WF_OK, else discards
 * it and returns err unchanged. */
wf_err wf_db_finish(wf_store *s, rocksdb_writebatch_t *batch, wf_err err);

/* An iterator over the keys of cf that start with prefix, in key order.
 * Create, then loop: while (wf_db_iter_valid(it)) { …; rocksdb_iter_next },
 * then wf_db_iter_end, which reports an I/O or checksum error that ended the
 * loop early (a loop's result is only good if it returns WF_OK). */
typedef struct wf_db_iter {
    rocksdb_iterator_t *it;
    rocksdb_readoptions_t *ro;
    uint8_t prefix[96];
    size_t prefix_len;
} wf_db_iter;
wf_err wf_db_iter_start(wf_store *s, wf_cf cf, const uint8_t *prefix, size_t prefix_len, wf_db_iter *out);
int wf_db_iter_valid(const wf_db_iter *it);
wf_err wf_db_iter_end(wf_db_iter *it);

/* Big-endian helpers for record layouts. */
void wf_be64_put(uint8_t out[8], uint64_t v);
uint64_t wf_be64_get(const uint8_t in[8]);
void wf_be32_put(uint8_t out[4], uint32_t v);
uint32_t wf_be32_get(const uint8_t in[4]);

#endif

/* A blob inside a sealed record: head ‖ be32(pub_len) ‖ pub ‖ sec, built in
 * locked memory (the sec part is secret). */
wf_err wf_db_blob_pack(const uint8_t *head, size_t head_len, const wf_store_blob *b, uint8_t **out, size_t *out_len);
/* Reads the blob that starts at in[off] and runs to the end of in; pub gets
 * malloc memory, sec locked memory. */
wf_err wf_db_blob_unpack(const uint8_t *in, size_t len, size_t off, wf_store_blob *b);

/* Adds to batch the deletion of every pooled presignature of key_id
 * (store/presig_pool.c). */
wf_err wf_db_presig_drop_key(wf_store *s, rocksdb_writebatch_t *batch, const uint8_t key_id[WF_STORE_ID_BYTES],
                             size_t *dropped);

/* Adds to batch req's record as pending on presig_id, one attempt more
 * (store/requests.c); the caller has looked req up under the store lock. */
wf_err wf_db_request_pending(wf_store *s, rocksdb_writebatch_t *batch, const wf_store_request *req,
                             const uint8_t presig_id[WF_STORE_ID_BYTES]);
/* Adds to batch req's record as done with sig (store/requests.c), keeping
 * an earlier record's creation time; the caller holds the store lock. */
wf_err wf_db_request_done(wf_store *s, rocksdb_writebatch_t *batch, const wf_store_request *req,
                          const uint8_t sig[WF_STORE_SIG_BYTES]);
/* wf_store_request_lookup without taking the store lock. */
wf_err wf_db_request_lookup(wf_store *s, const wf_store_request *req, wf_store_request_state *state,
                            uint8_t sig[WF_STORE_SIG_BYTES], unsigned *attempts);

/* The generation of key_id's record (store/keys.c). */
wf_err wf_db_key_generation(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], uint64_t *generation);

/* Adds the audit chain's empty head (sequence 0) to a new store's batch
 * (store/audit.c). */
wf_err wf_db_audit_head_init(wf_store *s, rocksdb_writebatch_t *batch);
