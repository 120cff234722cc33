/* store/audit.c: the chained audit log finds any edited, removed, inserted,
 * reordered or truncated record and names the first. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/secmem.h"
#include "store/audit.h"
#include "store/db.h"
#include "tests/check.h"
#include "tests/store_fixture.h"

#define RECORDS 20

typedef struct fixture {
    char dir[256], kf[300], path[300];
    wf_store *s;
} fixture;

static void setup(fixture *f, size_t records)
{
    wf_test_tmpdir(f->dir, "audit");
    snprintf(f->kf, sizeof f->kf, "%s/key", f->dir);
    snprintf(f->path, sizeof f->path, "%s/db", f->dir);
    REQUIRE(wf_store_key_file_create(f->kf) == WF_OK);
    wf_store_unlock u = {.key_file = f->kf};
    REQUIRE(wf_store_create(&f->s, f->path, &u) == WF_OK);
    for (size_t i = 1; i <= records; i++) {
        char text[80];
        uint64_t seq = 0;
        snprintf(text, sizeof text, "session %zu aborted: party %zu sent a bad proof", i, i % 3);
        REQUIRE(wf_store_audit_append(f->s, i % 2 ? "abort" : "sign", text, &seq) == WF_OK);
        REQUIRE(seq == i);
    }
}

static void teardown(fixture *f)
{
    wf_store_close(f->s);
    wf_test_rmtree(f->dir);
}

static void key_of(uint8_t k[8], uint64_t seq)
{
    wf_be64_put(k, seq);
}

static uint8_t *raw(fixture *f, uint64_t seq, size_t *len)
{
    uint8_t k[8], *v = NULL;
    key_of(k, seq);
    REQUIRE(wf_db_get_raw(f->s, WF_CF_AUDIT, k, 8, &v, len) == WF_OK);
    return v;
}

static void put(fixture *f, uint64_t seq, const uint8_t *v, size_t len)
{
    uint8_t k[8];
    char *e = NULL;
    key_of(k, seq);
    rocksdb_put_cf(f->s->db, f->s->sync_write, f->s->cf[WF_CF_AUDIT], (const char *)k, 8, (const char *)v, len, &e);
    REQUIRE(e == NULL);
}

static void del(fixture *f, uint64_t seq)
{
    uint8_t k[8];
    char *e = NULL;
    key_of(k, seq);
    rocksdb_delete_cf(f->s->db, f->s->sync_write, f->s->cf[WF_CF_AUDIT], (const char *)k, 8, &e);
    REQUIRE(e == NULL);
}

/* Verify must fail naming `at`, with `word` in the explanation. */
static void expect_broken(fixture *f, uint64_t at, const char *word)
{
    wf_audit_report r;
    wf_err err = wf_store_audit_verify(f->s, &r);
    CHECK(err == WF_ERR_VERIFY);
    CHECK(r.first_bad == at);
    CHECK(strstr(r.problem, word) != NULL);
    if (r.first_bad != at || !strstr(r.problem, word))
        fprintf(stderr, "  expected record %llu '%s', got %llu: %s\n", (unsigned long long)at, word,
                (unsigned long long)r.first_bad, r.problem);
}

static int collect(const wf_audit_entry *e, void *ctx)
{
    uint64_t *next = ctx;
    CHECK(e->seq == *next);
    CHECK(strcmp(e->kind, e->seq % 2 ? "abort" : "sign") == 0);
    CHECK(strstr(e->text, "aborted: party") != NULL);
    (*next)++;
    return 0;
}

static void test_intact(void)
{
    fixture f;
    setup(&f, RECORDS);
    wf_audit_report r;
    CHECK_OK(wf_store_audit_verify(f.s, &r));
    CHECK(r.records == RECORDS && r.first_bad == 0);
    uint64_t next = 1;
    CHECK_OK(wf_store_audit_each(f.s, collect, &next));
    CHECK(next == RECORDS + 1);

    /* the chain continues across a reopen */
    wf_store_close(f.s);
    wf_store_unlock u = {.key_file = f.kf};
    REQUIRE(wf_store_open(&f.s, f.path, &u) == WF_OK);
    uint64_t seq = 0;
    CHECK_OK(wf_store_audit_append(f.s, "sign", "after reopen", &seq));
    CHECK(seq == RECORDS + 1);
    CHECK_OK(wf_store_audit_verify(f.s, &r));
    CHECK(r.records == RECORDS + 1);

    /* bad input is refused and appends nothing */
    CHECK_ERR(wf_store_audit_append(f.s, "sign", "two\nlines", NULL), WF_ERR_ARG);
    CHECK_ERR(wf_store_audit_append(f.s, "Sign!", "x", NULL), WF_ERR_ARG);
    CHECK_ERR(wf_store_audit_append(f.s, "", "x", NULL), WF_ERR_ARG);
    char big[WF_AUDIT_TEXT_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CHECK_ERR(wf_store_audit_append(f.s, "sign", big, NULL), WF_ERR_ARG);
    CHECK_OK(wf_store_audit_verify(f.s, &r));
    CHECK(r.records == RECORDS + 1);
    teardown(&f);
}

static void test_edit_every_byte(void)
{
    fixture f;
    setup(&f, RECORDS);
    size_t len;
    uint8_t *orig = raw(&f, 5, &len);
    int named = 0, tried = 0;
    size_t stride = wf_test_light() ? 7 : 1; /* every byte in Release/ASan */
    for (size_t i = 0; i < len; i += stride, tried++) {
        uint8_t *v = malloc(len);
        memcpy(v, orig, len);
        v[i] ^= 0x01;
        put(&f, 5, v, len);
        wf_audit_report r;
        if (wf_store_audit_verify(f.s, &r) == WF_ERR_VERIFY && r.first_bad == 5) named++;
        free(v);
    }
    CHECK(named == tried && tried > 10);
    put(&f, 5, orig, len);
    wf_audit_report r;
    CHECK_OK(wf_store_audit_verify(f.s, &r));
    /* a shorter value */
    put(&f, 5, orig, len - 1);
    expect_broken(&f, 5, "edited");
    rocksdb_free(orig);
    teardown(&f);
}

static void test_remove_middle(void)
{
    fixture f;
    setup(&f, RECORDS);
    del(&f, 7);
    expect_broken(&f, 7, "removed");
    teardown(&f);
}

static void test_reorder(void)
{
    fixture f;
    setup(&f, RECORDS);
    size_t l3, l4;
    uint8_t *v3 = raw(&f, 3, &l3), *v4 = raw(&f, 4, &l4);
    put(&f, 3, v4, l4);
    put(&f, 4, v3, l3);
    expect_broken(&f, 3, "reordered");
    rocksdb_free(v3);
    rocksdb_free(v4);
    teardown(&f);
}

static void test_truncate_and_append(void)
{
    fixture f;
    setup(&f, RECORDS);
    size_t l20;
    uint8_t *v20 = raw(&f, 20, &l20);
    del(&f, 20);
    del(&f, 19);
    expect_broken(&f, 19, "removed from the end");
    put(&f, 19, v20, l20);
    expect_broken(&f, 19, "reordered");
    del(&f, 19);
    put(&f, 20, v20, l20);
    expect_broken(&f, 19, "removed");
    put(&f, 21, v20, l20);
    expect_broken(&f, 19, "removed");
    rocksdb_free(v20);
    teardown(&f);

    /* a copy appended past the head */
    setup(&f, RECORDS);
    v20 = raw(&f, 20, &l20);
    put(&f, 21, v20, l20);
    expect_broken(&f, 21, "reordered");
    rocksdb_free(v20);
    teardown(&f);
}

static void test_foreign_record(void)
{
    /* a record with a valid MAC from another store's chain */
    fixture a, b;
    setup(&a, RECORDS);
    setup(&b, RECORDS);
    size_t len;
    uint8_t *v = raw(&b, 9, &len);
    put(&a, 9, v, len);
    expect_broken(&a, 9, "edited");
    rocksdb_free(v);
    teardown(&a);
    teardown(&b);
}

/* Deleting the head record: appends refuse (they would overwrite record 1)
 * and verify names the head. */
static void test_head_removed(void)
{
    fixture f;
    setup(&f, 3);
    char *e = NULL;
    static const char head[] = "audit_head";
    rocksdb_delete_cf(f.s->db, f.s->sync_write, f.s->cf[WF_CF_META], head, sizeof head - 1, &e);
    REQUIRE(e == NULL);
    CHECK_ERR(wf_store_audit_append(f.s, "sign", "after the head was removed", NULL), WF_ERR_VERIFY);
    wf_audit_report r;
    CHECK_ERR(wf_store_audit_verify(f.s, &r), WF_ERR_VERIFY);
    CHECK(r.first_bad == 0 && strstr(r.problem, "head") != NULL);
    /* record 1 is intact */
    size_t len;
    uint8_t *v = raw(&f, 1, &len);
    CHECK(len > 8 && wf_be64_get(v) == 1);
    rocksdb_free(v);
    teardown(&f);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    test_intact();
    test_edit_every_byte();
    test_remove_middle();
    test_reorder();
    test_truncate_and_append();
    test_foreign_record();
    test_head_removed();
    return wf_check_summary("test_audit");
}
