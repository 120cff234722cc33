/* Crash safety of the store: a child process adds, takes and finishes
 * presignatures, appends audit records and replaces the key (as refresh
 * does), reporting each operation to the parent once the store returned.
 * The parent kills it with SIGKILL at a random moment, reopens the store and
 * checks that:
 *   - no presignature is both pooled and used;
 *   - every presignature whose add returned is pooled or used (never lost),
 *     unless a key replacement after it may have dropped the pool;
 *   - every take that returned left it used, and its request pending or done;
 *   - a used presignature always has its request recorded (same batch);
 *   - every finish that returned left the request done with its signature;
 *   - the pool's records and index agree;
 *   - the audit chain verifies and holds every append that returned;
 *   - the key and its aux record are of the same generation (one batch).
 *   - once a key replacement returned, no presignature added before it is
 *     still pooled (refresh invalidates them);
 *   - every pool record has its index record and the other way round.
 * Most kills come after a random number of acknowledged operations (so they
 * land mid-work whatever the machine's speed), a quarter at a random time
 * after the fork (so some land while RocksDB opens and recovers). Hundreds of
 * trials; WF_SLOW_TESTS runs thousands.
 *
 * SIGKILL keeps the kernel's page cache, so this checks atomicity and
 * ordering of the store's batches, not fsync against power loss (that needs a
 * block device that drops unsynced writes, which CI does not have). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/keys.h"
#include "store/presig_pool.h"
#include "store/requests.h"
#include "tests/check.h"
#include "tests/store_fixture.h"

#if defined(WF_SLOW_TESTS)
#define TRIALS 3000
#elif defined(WF_SANITIZED)
#define TRIALS 32 /* memory errors: 8 kills by time, 24 by operation count; Release searches with 300 */
#else
#define TRIALS 300
#endif
#define MAX_OPS 4096
#define SET     0x7ull
/* the child replaces the key (dropping its pool, as refresh does) every this many adds */
#define REPLACE_EVERY 4

static uint8_t KEY_ID[32];

enum { OP_OPEN = 'O', OP_ADD = 'A', OP_TAKE = 'T', OP_FINISH = 'F', OP_AUDIT = 'L', OP_REPLACE = 'K' };

typedef struct ack {
    uint8_t op;
    uint8_t pad[7];
    uint64_t index;
} ack;

static void presig_id(uint8_t id[32], uint64_t trial, uint64_t i)
{
    memset(id, 0, 32);
    wf_be64_put(id, trial);
    wf_be64_put(id + 8, i);
    id[31] = 0x9c;
}

static wf_store_request request_of(uint64_t trial, uint64_t i)
{
    wf_store_request r;
    memset(&r, 0, sizeof r);
    r.id_len = (size_t)snprintf((char *)r.id, sizeof r.id, "req-%llu-%llu", (unsigned long long)trial,
                                (unsigned long long)i);
    memset(r.context, 0x42, 32);
    wf_be64_put(r.digest, trial);
    wf_be64_put(r.digest + 8, i);
    return r;
}

static void sig_of(uint8_t sig[WF_STORE_SIG_BYTES], uint64_t trial, uint64_t i)
{
    memset(sig, 0x31, WF_STORE_SIG_BYTES);
    wf_be64_put(sig, trial);
    wf_be64_put(sig + 8, i);
}

static void send_ack(int fd, uint8_t op, uint64_t index)
{
    ack a;
    memset(&a, 0, sizeof a);
    a.op = op;
    a.index = index;
    if (write(fd, &a, sizeof a) != (ssize_t)sizeof a) _exit(3);
}

static wf_store *open_store(const char *path, const char *kf)
{
    wf_store_unlock u = {.key_file = kf};
    wf_store *s = NULL;
    if (wf_store_open(&s, path, &u) != WF_OK) {
        fprintf(stderr, "open after crash: %s\n", wf_store_last_error());
        return NULL;
    }
    return s;
}

/* The child's work: runs until killed. */
static void child(const char *path, const char *kf, uint64_t trial, int fd)
{
    wf_store *s = open_store(path, kf);
    if (!s) _exit(2);
    send_ack(fd, OP_OPEN, 0);
    wf_store_key *key = NULL;
    if (wf_store_key_get(s, KEY_ID, &key)) _exit(10);
    uint64_t generation = key->generation;
    wf_store_key_free(key);
    uint8_t id[32], sig[WF_STORE_SIG_BYTES];
    wf_store_blob b = {0};
    b.pub_len = 300;
    b.pub = calloc(1, 300);
    b.sec_len = 64;
    b.sec = wf_secure_alloc(64);
    for (uint64_t i = 0; i < MAX_OPS; i++) {
        presig_id(id, trial, i);
        memcpy(b.sec, id, 32);
        if (wf_store_presig_add(s, KEY_ID, generation, SET, id, &b)) _exit(4);
        send_ack(fd, OP_ADD, i);
        if (i % 2 == 1) {
            wf_store_request r = request_of(trial, i);
            wf_store_blob out;
            if (wf_store_presig_take(s, KEY_ID, SET, id, &r, &out, NULL)) _exit(5);
            wf_store_blob_clear(&out);
            send_ack(fd, OP_TAKE, i);
            sig_of(sig, trial, i);
            if (wf_store_request_finish(s, &r, sig)) _exit(6);
            send_ack(fd, OP_FINISH, i);
        }
        if (i % 3 == 0) {
            if (wf_store_audit_append(s, "sign", "crash test record", NULL)) _exit(7);
            send_ack(fd, OP_AUDIT, i);
        }
        if (i % REPLACE_EVERY == REPLACE_EVERY - 1) {
            wf_store_key *k = NULL;
            wf_store_blob aux = {0};
            if (wf_store_key_get(s, KEY_ID, &k) || wf_store_aux_get(s, KEY_ID, &aux)) _exit(8);
            uint64_t gen = k->generation + 1; /* what the replace makes it */
            wf_be64_put(k->record.pub, gen);
            wf_be64_put(aux.pub, gen);
            if (wf_store_key_replace(s, k, &aux)) _exit(9);
            generation++;
            send_ack(fd, OP_REPLACE, i);
            wf_store_key_free(k);
            wf_store_blob_clear(&aux);
        }
    }
    _exit(0);
}

static int exists_name(wf_store *s, char tag, const uint8_t *id)
{
    uint8_t k[65];
    k[0] = (uint8_t)tag;
    memcpy(k + 1, KEY_ID, 32);
    memcpy(k + 33, id, 32);
    return wf_db_exists(s, WF_CF_PRESIG, k, sizeof k);
}

/* Every pool record's index record exists (P ‖ key ‖ set ‖ time ‖ id → I ‖ key ‖ id). */
static int pool_records_indexed(wf_store *s)
{
    uint8_t prefix[33];
    prefix[0] = 'P';
    memcpy(prefix + 1, KEY_ID, 32);
    wf_db_iter it;
    int ok = 1;
    if (wf_db_iter_start(s, WF_CF_PRESIG, prefix, sizeof prefix, &it)) return 0;
    for (; ok && wf_db_iter_valid(&it); rocksdb_iter_next(it.it)) {
        size_t klen;
        const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it.it, &klen);
        ok = klen == 81 && exists_name(s, 'I', k + 49) == 1;
    }
    return wf_db_iter_end(&it) == WF_OK && ok;
}

static size_t count_prefix(wf_store *s, char tag)
{
    uint8_t prefix[33];
    prefix[0] = (uint8_t)tag;
    memcpy(prefix + 1, KEY_ID, 32);
    wf_db_iter it;
    size_t n = 0;
    if (wf_db_iter_start(s, WF_CF_PRESIG, prefix, sizeof prefix, &it)) return (size_t)-1;
    for (; wf_db_iter_valid(&it); rocksdb_iter_next(it.it)) n++;
    wf_db_iter_end(&it);
    return n;
}

typedef struct acked {
    uint8_t add[MAX_OPS], take[MAX_OPS], finish[MAX_OPS];
    uint64_t last_add, audits, last_replace, count;
    int any_add, any_replace;
} acked;

static int check_trial(wf_store *s, uint64_t trial, const acked *a, uint64_t *audit_total)
{
    int bad = 0;
    uint64_t upto = a->any_add ? a->last_add + 2 : 1; /* the add in flight too */
    for (uint64_t i = 0; i < upto && i < MAX_OPS; i++) {
        uint8_t id[32];
        presig_id(id, trial, i);
        int pooled = exists_name(s, 'I', id), used = wf_store_presig_used(s, KEY_ID, id);
        wf_store_request r = request_of(trial, i);
        wf_store_request_state st;
        uint8_t sig[WF_STORE_SIG_BYTES], want[WF_STORE_SIG_BYTES];
        if (wf_store_request_lookup(s, &r, &st, sig, NULL) != WF_OK) bad |= 1;
        if (pooled < 0 || used < 0) bad |= 2;
        if (pooled && used) bad |= 4;
        /* an add may be undone only by a later key replacement, which drops the pool */
        uint64_t next_replace = i - i % REPLACE_EVERY + REPLACE_EVERY - 1;
        int may_be_dropped = next_replace < MAX_OPS && a->add[next_replace];
        if (a->add[i] && !pooled && !used && !may_be_dropped) bad |= 8;
        if (a->take[i] && (!used || pooled || st == WF_REQUEST_NEW)) bad |= 16;
        if (used && st == WF_REQUEST_NEW) bad |= 32;
        sig_of(want, trial, i);
        if (a->finish[i] && (st != WF_REQUEST_DONE || memcmp(sig, want, sizeof sig))) bad |= 64;
        if (pooled && a->any_replace && i <= a->last_replace) bad |= 128;
        if (bad) {
            fprintf(stderr, "trial %llu presignature %llu: pooled %d used %d request %d acks %d%d%d (flags %d)\n",
                    (unsigned long long)trial, (unsigned long long)i, pooled, used, (int)st, a->add[i],
                    a->take[i], a->finish[i], bad);
            return 0;
        }
    }
    size_t p = count_prefix(s, 'P'), ix = count_prefix(s, 'I'), n = 0;
    if (p != ix || !pool_records_indexed(s) || wf_store_presig_count(s, KEY_ID, SET, &n) != WF_OK || n != p) {
        fprintf(stderr, "trial %llu: pool records %zu, index %zu, count %zu\n", (unsigned long long)trial, p, ix, n);
        return 0;
    }
    wf_audit_report rep;
    if (wf_store_audit_verify(s, &rep) != WF_OK || rep.records < *audit_total + a->audits) {
        fprintf(stderr, "trial %llu: audit %s (%llu records, expected at least %llu)\n", (unsigned long long)trial,
                rep.problem, (unsigned long long)rep.records, (unsigned long long)(*audit_total + a->audits));
        return 0;
    }
    *audit_total = rep.records;
    wf_store_key *k = NULL;
    wf_store_blob aux = {0};
    int ok = wf_store_key_get(s, KEY_ID, &k) == WF_OK && wf_store_aux_get(s, KEY_ID, &aux) == WF_OK &&
             k->generation == wf_be64_get(k->record.pub) && k->generation == wf_be64_get(aux.pub);
    if (!ok) fprintf(stderr, "trial %llu: key and aux generations differ or went back\n", (unsigned long long)trial);
    wf_store_key_free(k);
    wf_store_blob_clear(&aux);
    return ok;
}

static void absorb(acked *a, const ack *x)
{
    a->count++;
    if (x->index >= MAX_OPS) return;
    switch (x->op) {
    case OP_ADD:
        a->add[x->index] = 1;
        a->last_add = x->index;
        a->any_add = 1;
        break;
    case OP_TAKE: a->take[x->index] = 1; break;
    case OP_FINISH: a->finish[x->index] = 1; break;
    case OP_AUDIT: a->audits++; break;
    case OP_REPLACE:
        a->last_replace = x->index;
        a->any_replace = 1;
        break;
    default: break;
    }
}

/* Reads acknowledgements until `want` more arrived or the child is gone. */
static void read_acks(int fd, acked *a, uint64_t want)
{
    ack x;
    for (uint64_t got = 0; got < want && read(fd, &x, sizeof x) == (ssize_t)sizeof x; got++) absorb(a, &x);
}

int main(int argc, char **argv)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    memset(KEY_ID, 0x5e, sizeof KEY_ID);
    /* The child is this program run again (fork then exec): RocksDB's
     * background threads do not survive a bare fork of a process that has
     * used it, and a flush would wait for them for ever. */
    if (argc == 6 && !strcmp(argv[1], "--child")) {
        child(argv[2], argv[3], strtoull(argv[4], NULL, 10), atoi(argv[5]));
        return 0;
    }
    char dir[256], kf[300], path[300];
    wf_test_tmpdir(dir, "crash");
    snprintf(kf, sizeof kf, "%s/key", dir);
    snprintf(path, sizeof path, "%s/db", dir);
    REQUIRE(wf_store_key_file_create(kf) == WF_OK);
    {
        wf_store_unlock u = {.key_file = kf};
        wf_store *s = NULL;
        REQUIRE(wf_store_create(&s, path, &u) == WF_OK);
        wf_store_key k;
        wf_test_make_key(&k, KEY_ID, 2, 0, 0);
        wf_be64_put(k.record.pub, 1); /* the generation a put gives */
        REQUIRE(wf_store_key_put(s, &k) == WF_OK);
        wf_store_blob aux = {0};
        aux.pub_len = 8;
        aux.pub = calloc(1, 8);
        wf_be64_put(aux.pub, 1);
        aux.sec_len = 32;
        aux.sec = wf_secure_alloc(32);
        REQUIRE(wf_store_aux_put(s, KEY_ID, &aux) == WF_OK);
        wf_store_blob_clear(&aux);
        wf_store_blob_clear(&k.record);
        wf_store_close(s);
    }

    srand((unsigned)time(NULL));
    acked *a = malloc(sizeof *a);
    uint64_t audit_total = 0, ops_total = 0;
    int trials_ok = 0, killed_mid_work = 0;
    for (uint64_t trial = 0; trial < TRIALS; trial++) {
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        fflush(NULL);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            char trial_arg[24], fd_arg[16];
            snprintf(trial_arg, sizeof trial_arg, "%llu", (unsigned long long)trial);
            snprintf(fd_arg, sizeof fd_arg, "%d", fds[1]);
            execl("/proc/self/exe", argv[0], "--child", path, kf, trial_arg, fd_arg, (char *)NULL);
            _exit(127);
        }
        close(fds[1]);
        memset(a, 0, sizeof *a);
        if (trial % 4 == 0) {
            struct timespec ts = {0, (long)(rand() % 40000) * 1000L};
            nanosleep(&ts, NULL);
        } else {
            /* after 1 to 80 acknowledged operations, and up to 300 µs more */
            read_acks(fds[0], a, 1 + (uint64_t)(rand() % 80));
            struct timespec ts = {0, (long)(rand() % 300) * 1000L};
            nanosleep(&ts, NULL);
        }
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        read_acks(fds[0], a, UINT64_MAX);
        close(fds[0]);
        if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
            fprintf(stderr, "trial %llu: child ended on its own (status %d)\n", (unsigned long long)trial, status);
            break;
        }
        if (a->any_add) {
            killed_mid_work++;
            ops_total += a->last_add + 1;
        }
        wf_store *s = open_store(path, kf);
        if (!s) break;
        int ok = check_trial(s, trial, a, &audit_total);
        wf_store_close(s);
        if (!ok) break;
        trials_ok++;
    }
    printf("crash trials: %d of %d passed, %d killed mid-work, %llu presignatures added, %llu audit records\n",
           trials_ok, TRIALS, killed_mid_work, (unsigned long long)ops_total, (unsigned long long)audit_total);
    CHECK(trials_ok == TRIALS);
    /* the kills must land in the middle of work, not only during start-up */
    CHECK(killed_mid_work >= TRIALS / 2);
    free(a);
    wf_test_rmtree(dir);
    return wf_check_summary("test_store_crash");
}
