/* store_bench: throughput of the store's synced writes, as one JSON object.
 *
 *   presig_insert_per_s   wf_store_presig_add (sealed record + index, synced)
 *   presig_take_per_s     wf_store_presig_take: delete, mark used, mark the
 *                         request pending, in one synced batch (what a node
 *                         does before every partial signature)
 *   request_finish_per_s  wf_store_request_finish (synced)
 *   audit_append_per_s    wf_store_audit_append (synced)
 *   open_ms               opening the store with a key file
 *
 * Usage: store_bench [--quick] [--count N] [--dir PATH]. The store is made in
 * a fresh directory under PATH (default /tmp) and removed afterwards; the
 * numbers are those of that file system's fsync. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/secmem.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/keys.h"
#include "store/presig_pool.h"
#include "store/requests.h"
#include "tests/store_fixture.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "store_bench: %s: %s\n", what, wf_store_last_error());
    exit(1);
}

static void name(uint8_t id[32], size_t i)
{
    memset(id, 0, 32);
    wf_be64_put(id + 24, (uint64_t)i);
}

static wf_store_request request(size_t i)
{
    wf_store_request r;
    memset(&r, 0, sizeof r);
    r.id_len = (size_t)snprintf((char *)r.id, sizeof r.id, "bench-%zu", i);
    wf_be64_put(r.digest, (uint64_t)i);
    return r;
}

int main(int argc, char **argv)
{
    size_t count = 1000;
    const char *base = "/tmp";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            count = 50;
        else if (!strcmp(argv[i], "--count") && i + 1 < argc)
            count = (size_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            base = argv[++i];
        else {
            fprintf(stderr, "usage: store_bench [--quick] [--count N] [--dir PATH]\n");
            return 2;
        }
    }
    if (count == 0) count = 1;
    if (wf_crypto_init()) return 1;
    char dir[256], kf[300], path[300];
    snprintf(dir, sizeof dir, "%s/wf-store-bench-XXXXXX", base);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(kf, sizeof kf, "%s/key", dir);
    snprintf(path, sizeof path, "%s/db", dir);
    if (wf_store_key_file_create(kf)) die("key file");
    wf_store_unlock u = {.key_file = kf};
    wf_store *s = NULL;
    if (wf_store_create(&s, path, &u)) die("create");
    wf_store_key key;
    uint8_t key_id[32];
    memset(key_id, 0x4b, 32);
    wf_test_make_key(&key, key_id, 2, 0, 0);
    if (wf_store_key_put(s, &key)) die("key");
    wf_store_blob_clear(&key.record);
    wf_store_close(s);
    double t0 = now_s();
    if (wf_store_open(&s, path, &u)) die("open");
    double open_ms = (now_s() - t0) * 1e3;

    /* a presignature record of a 3-signer set: R, 3 R̄_j, 3 S_j, ids; k ‖ χ */
    uint8_t id[32], sig[WF_STORE_SIG_BYTES];
    memset(sig, 0x51, sizeof sig);
    wf_store_blob b = {0};
    b.pub_len = 7 * 33 + 3 * 4 + 3 * 32;
    b.pub = calloc(1, b.pub_len);
    b.sec_len = 64;
    b.sec = wf_secure_alloc(64);

    t0 = now_s();
    for (size_t i = 0; i < count; i++) {
        name(id, i);
        if (wf_store_presig_add(s, key_id, 1, 0x7, id, &b)) die("add");
    }
    double insert_s = now_s() - t0;

    t0 = now_s();
    for (size_t i = 0; i < count; i++) {
        name(id, i);
        wf_store_request r = request(i);
        wf_store_blob out;
        if (wf_store_presig_take(s, key_id, 0x7, id, &r, &out, NULL)) die("take");
        wf_store_blob_clear(&out);
    }
    double take_s = now_s() - t0;

    t0 = now_s();
    for (size_t i = 0; i < count; i++) {
        wf_store_request r = request(i);
        if (wf_store_request_finish(s, &r, sig)) die("finish");
    }
    double finish_s = now_s() - t0;

    t0 = now_s();
    for (size_t i = 0; i < count; i++)
        if (wf_store_audit_append(s, "sign", "bench: request signed by members 0,1,2", NULL)) die("audit");
    double audit_s = now_s() - t0;
    wf_audit_report rep;
    t0 = now_s();
    if (wf_store_audit_verify(s, &rep)) die("audit verify");
    double verify_s = now_s() - t0;

    wf_store_blob_clear(&b);
    wf_store_close(s);
    wf_test_rmtree(dir);
    printf("{\"bench\":\"store\",\"count\":%zu,\"dir\":\"%s\",\"open_ms\":%.2f,"
           "\"presig_insert_per_s\":%.0f,\"presig_take_per_s\":%.0f,\"request_finish_per_s\":%.0f,"
           "\"audit_append_per_s\":%.0f,\"audit_verify_records_per_s\":%.0f}\n",
           count, base, open_ms, count / insert_s, count / take_s, count / finish_s, count / audit_s,
           count / verify_s);
    return 0;
}
