/* The audit chain.
 *
 * audit/<be64 seq>  be64 seq ‖ be64 time ms ‖ prev MAC(32) ‖ kind len(1) ‖
 *                   kind ‖ be32 text len ‖ text ‖ MAC(32)
 *   MAC = BLAKE2b-256(audit key, tag ‖ everything before the MAC)
 * meta/audit_head   sealed: be64 seq ‖ MAC of the last record */
#include "store/audit.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/secmem.h"
#include "store/db.h"

#define MAC_BYTES 32
#define FIXED     (8 + 8 + MAC_BYTES + 1 + 4 + MAC_BYTES)
#define MAC_TAG   "warifu-audit-1"

static const uint8_t K_HEAD[] = "audit_head";

typedef struct head {
    uint64_t seq;
    uint8_t mac[MAC_BYTES];
} head;

wf_err wf_db_audit_head_init(wf_store *s, rocksdb_writebatch_t *batch)
{
    uint8_t rec[8 + MAC_BYTES] = {0};
    return wf_db_put_sealed(s, batch, WF_CF_META, K_HEAD, sizeof K_HEAD - 1, rec, sizeof rec);
}

/* The head is written at creation (sequence 0): a missing one is damage. */
static wf_err read_head(wf_store *s, head *h)
{
    memset(h, 0, sizeof *h);
    uint8_t *plain;
    size_t len;
    wf_err err = wf_db_get_sealed(s, WF_CF_META, K_HEAD, sizeof K_HEAD - 1, &plain, &len);
    if (err == WF_ERR_NOT_FOUND) return wf_store_fail(WF_ERR_VERIFY, "the audit chain's head record is missing");
    if (err) return err;
    if (len != 8 + MAC_BYTES) {
        err = wf_store_fail(WF_ERR_ENCODING, "the audit head record is malformed");
    } else {
        h->seq = wf_be64_get(plain);
        memcpy(h->mac, plain + 8, MAC_BYTES);
    }
    wf_secure_free(plain);
    return err;
}

static void mac_of(const wf_store *s, const uint8_t *body, size_t len, uint8_t out[MAC_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, s->audit_key, WF_DATA_KEY_BYTES, MAC_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)MAC_TAG, sizeof MAC_TAG);
    crypto_generichash_update(&st, body, len);
    crypto_generichash_final(&st, out, MAC_BYTES);
}

static int kind_ok(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > WF_AUDIT_KIND_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '-' || k[i] == '_')) return 0;
    return 1;
}

static int text_ok(const char *t)
{
    size_t n = strlen(t);
    if (n > WF_AUDIT_TEXT_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if (t[i] < 0x20 || t[i] > 0x7e) return 0;
    return 1;
}

wf_err wf_store_audit_append(wf_store *s, const char *kind, const char *text, uint64_t *seq)
{
    if (!s || !kind || !text) return wf_store_fail(WF_ERR_ARG, "missing argument");
    if (!kind_ok(kind)) return wf_store_fail(WF_ERR_ARG, "an audit kind is 1-32 of [a-z0-9_-]");
    if (!text_ok(text)) return wf_store_fail(WF_ERR_ARG, "audit text must be one line of printable ASCII");
    size_t kl = strlen(kind), tl = strlen(text), len = FIXED + kl + tl;
    uint8_t *v = malloc(len);
    if (!v) return wf_store_fail(WF_ERR_NOMEM, "out of memory");

    pthread_mutex_lock(&s->lock);
    head h;
    uint8_t key[8];
    wf_err err = read_head(s, &h);
    if (!err) {
        wf_be64_put(key, h.seq + 1);
        int taken = wf_db_exists(s, WF_CF_AUDIT, key, 8);
        if (taken < 0) err = WF_ERR_STORAGE;
        if (taken > 0) err = wf_store_fail(WF_ERR_VERIFY, "the audit chain's head is behind its records");
    }
    if (!err) {
        uint8_t *p = v;
        h.seq++;
        wf_be64_put(p, h.seq);
        wf_be64_put(p + 8, wf_store_now_ms());
        memcpy(p + 16, h.mac, MAC_BYTES);
        p += 16 + MAC_BYTES;
        *p++ = (uint8_t)kl;
        memcpy(p, kind, kl);
        p += kl;
        wf_be32_put(p, (uint32_t)tl);
        memcpy(p + 4, text, tl);
        mac_of(s, v, len - MAC_BYTES, v + len - MAC_BYTES);
        memcpy(h.mac, v + len - MAC_BYTES, MAC_BYTES);

        uint8_t hrec[8 + MAC_BYTES];
        wf_be64_put(hrec, h.seq);
        memcpy(hrec + 8, h.mac, MAC_BYTES);
        rocksdb_writebatch_t *b = rocksdb_writebatch_create();
        rocksdb_writebatch_put_cf(b, s->cf[WF_CF_AUDIT], (const char *)key, 8, (const char *)v, len);
        err = wf_db_put_sealed(s, b, WF_CF_META, K_HEAD, sizeof K_HEAD - 1, hrec, sizeof hrec);
        if (!err)
            err = wf_db_commit(s, b);
        else
            rocksdb_writebatch_destroy(b);
    }
    pthread_mutex_unlock(&s->lock);
    free(v);
    if (!err && seq) *seq = h.seq;
    return err;
}

/* Parses a record value; 0 if malformed. */
static int parse(const uint8_t *v, size_t len, wf_audit_entry *e, const uint8_t **prev, const uint8_t **mac)
{
    if (len < FIXED) return 0;
    size_t kl = v[16 + MAC_BYTES];
    if (kl == 0 || kl > WF_AUDIT_KIND_MAX || len < FIXED + kl) return 0;
    size_t tl = wf_be32_get(v + 17 + MAC_BYTES + kl);
    if (tl > WF_AUDIT_TEXT_MAX || len != FIXED + kl + tl) return 0;
    e->seq = wf_be64_get(v);
    e->time_ms = wf_be64_get(v + 8);
    memcpy(e->kind, v + 17 + MAC_BYTES, kl);
    e->kind[kl] = 0;
    memcpy(e->text, v + 21 + MAC_BYTES + kl, tl);
    e->text[tl] = 0;
    *prev = v + 16;
    *mac = v + len - MAC_BYTES;
    return 1;
}

wf_err wf_store_audit_each(wf_store *s, int (*fn)(const wf_audit_entry *e, void *ctx), void *ctx)
{
    if (!s || !fn) return wf_store_fail(WF_ERR_ARG, "missing argument");
    wf_audit_entry *e = malloc(sizeof *e);
    if (!e) return wf_store_fail(WF_ERR_NOMEM, "out of memory");
    wf_db_iter it;
    wf_err err = wf_db_iter_start(s, WF_CF_AUDIT, NULL, 0, &it);
    for (; !err && wf_db_iter_valid(&it); rocksdb_iter_next(it.it)) {
        size_t len;
        const uint8_t *v = (const uint8_t *)rocksdb_iter_value(it.it, &len), *prev, *mac;
        if (!parse(v, len, e, &prev, &mac)) {
            err = wf_store_fail(WF_ERR_ENCODING, "an audit record is malformed; run audit verify");
            break;
        }
        if (fn(e, ctx)) break;
    }
    wf_err iter_err = wf_db_iter_end(&it);
    free(e);
    return err ? err : iter_err;
}

static wf_err bad(wf_audit_report *r, uint64_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static wf_err bad(wf_audit_report *r, uint64_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->problem, sizeof r->problem, fmt, ap);
    va_end(ap);
    r->first_bad = at;
    return wf_store_fail(WF_ERR_VERIFY, "audit chain broken at record %llu: %s", (unsigned long long)at,
                         r->problem);
}

/* Checks one record at position `at` (its key) that should be `expected`
 * and follow `prev_mac`. */
static wf_err check_record(const wf_store *s, wf_audit_report *r, uint64_t at, uint64_t expected,
                           const uint8_t *prev_mac, const uint8_t *v, size_t len, wf_audit_entry *e,
                           uint8_t mac_out[MAC_BYTES])
{
    const uint8_t *prev, *mac;
    uint8_t want[MAC_BYTES];
    if (!parse(v, len, e, &prev, &mac)) return bad(r, at, "record %llu is malformed (edited)", (unsigned long long)at);
    mac_of(s, v, len - MAC_BYTES, want);
    if (sodium_memcmp(want, mac, MAC_BYTES) != 0)
        return bad(r, at, "record %llu was edited (its MAC does not match)", (unsigned long long)at);
    if (e->seq != at)
        return bad(r, at, "position %llu holds record %llu: records were reordered or moved", (unsigned long long)at,
                   (unsigned long long)e->seq);
    if (at > expected)
        return bad(r, expected, "record %llu%s removed", (unsigned long long)expected,
                   at - 1 > expected ? " and those after it up to the one before this were" : " was");
    if (sodium_memcmp(prev, prev_mac, MAC_BYTES) != 0)
        return bad(r, at, "record %llu does not follow record %llu: the one before it was replaced",
                   (unsigned long long)at, (unsigned long long)(at - 1));
    memcpy(mac_out, mac, MAC_BYTES);
    return WF_OK;
}

static wf_err verify_chain(wf_store *s, wf_audit_report *r)
{
    head h;
    wf_err err = read_head(s, &h);
    if (err == WF_ERR_VERIFY || err == WF_ERR_ENCODING) {
        snprintf(r->problem, sizeof r->problem, "the chain's head record is missing or damaged");
        return err;
    }
    if (err) return err;
    wf_audit_entry *e = malloc(sizeof *e);
    if (!e) return wf_store_fail(WF_ERR_NOMEM, "out of memory");
    uint8_t last_mac[MAC_BYTES] = {0};
    uint64_t expected = 1;
    wf_db_iter it;
    err = wf_db_iter_start(s, WF_CF_AUDIT, NULL, 0, &it);
    for (; !err && wf_db_iter_valid(&it); rocksdb_iter_next(it.it)) {
        size_t klen, len;
        const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it.it, &klen);
        const uint8_t *v = (const uint8_t *)rocksdb_iter_value(it.it, &len);
        if (klen != 8) {
            err = bad(r, expected, "a record with a foreign key was inserted before record %llu",
                      (unsigned long long)expected);
            break;
        }
        err = check_record(s, r, wf_be64_get(k), expected, last_mac, v, len, e, last_mac);
        if (!err) {
            expected++;
            r->records++;
        }
    }
    wf_err iter_err = wf_db_iter_end(&it);
    free(e);
    if (err) return err;
    if (iter_err) return iter_err;
    uint64_t last = expected - 1;
    if (h.seq > last)
        return bad(r, last + 1, "records %llu to %llu were removed from the end", (unsigned long long)(last + 1),
                   (unsigned long long)h.seq);
    if (h.seq < last)
        return bad(r, h.seq + 1, "record %llu was added outside the store", (unsigned long long)(h.seq + 1));
    if (last && sodium_memcmp(h.mac, last_mac, MAC_BYTES) != 0)
        return bad(r, last, "record %llu was replaced", (unsigned long long)last);
    return WF_OK;
}

wf_err wf_store_audit_verify(wf_store *s, wf_audit_report *r)
{
    if (!s || !r) return wf_store_fail(WF_ERR_ARG, "missing argument");
    memset(r, 0, sizeof *r);
    /* appends wait: a chain read half before and half after one is not a break */
    pthread_mutex_lock(&s->lock);
    wf_err err = verify_chain(s, r);
    pthread_mutex_unlock(&s->lock);
    return err;
}
