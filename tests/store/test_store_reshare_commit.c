/* A reshare's two phases in the store (store/keys.h, "two phases"):
 *
 *   - a pending share is kept beside the current record, which stays as it
 *     was (share, aux record, pool); it survives a reopen; one of another
 *     public key is refused; a second one replaces the first; dropping it
 *     leaves the current record alone;
 *   - the commit makes the pending share current (generation + 1, or 1 for a
 *     node that held none), drops aux record, pool, previous generation and
 *     pending record, and records the request, all in one batch; a commit
 *     refused (request id used for another request, no pending share)
 *     changes nothing;
 *   - a removed member's leave deletes everything of the key and records the
 *     request in one batch;
 *   - crash: a child process loops pending-put / commit on one key and is
 *     killed with SIGKILL at a random moment; after every kill the store
 *     holds either the old or the new share as current (never a mix), the
 *     request of a commit is recorded exactly when its share is current, and
 *     every acknowledged step is there. */
#define _XOPEN_SOURCE 700
#include <signal.h>
#include <stdlib.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "store/keys.h"
#include "store/presig_pool.h"
#include "store/requests.h"
#include "store/store.h"
#include "tests/check.h"
#include "tests/store_fixture.h"

#define TRIALS 12

static void request(wf_store_request *r, const char *id, uint8_t ctx)
{
    memset(r, 0, sizeof *r);
    r->id_len = strlen(id);
    memcpy(r->id, id, r->id_len);
    memset(r->context, ctx, sizeof r->context);
    memset(r->digest, ctx, sizeof r->digest);
}

static wf_store_request_state state_of(wf_store *s, const wf_store_request *r)
{
    wf_store_request_state st = WF_REQUEST_NEW;
    CHECK_OK(wf_store_request_lookup(s, r, &st, NULL, NULL));
    return st;
}

/* The current record's marker (record.pub[0]) and generation; 0 when none. */
static uint64_t current(wf_store *s, const uint8_t id[32], uint8_t *marker)
{
    wf_store_key *k = NULL;
    if (wf_store_key_get(s, id, &k) != WF_OK)
        return 0;
    uint64_t g = k->generation;
    *marker = k->record.pub[0];
    wf_store_key_free(k);
    return g;
}

static size_t pool(wf_store *s, const uint8_t id[32])
{
    size_t n = 99;
    CHECK_OK(wf_store_presig_count(s, id, 0x3, &n));
    return n;
}

static void test_phases(const char *path, const char *kf)
{
    wf_store *s = wf_test_store_open(path, kf, 1);
    uint8_t id[32], fresh[32], left[32], tag[WF_STORE_PENDING_TAG_BYTES], got_tag[WF_STORE_PENDING_TAG_BYTES];
    memset(id, 0x51, 32);
    memset(fresh, 0x52, 32);
    memset(left, 0x53, 32);
    memset(tag, 0xa5, sizeof tag);
    wf_store_key k, other, nk, lk;
    wf_test_make_key(&k, id, 2, 0, 0);
    CHECK_OK(wf_store_key_put(s, &k));
    wf_store_blob aux = wf_test_blob(0x10, 64, 128), p = wf_test_blob(0x11, 200, 100);
    CHECK_OK(wf_store_aux_put(s, id, &aux));
    uint8_t pid[32];
    memset(pid, 0x12, 32);
    CHECK_OK(wf_store_presig_add(s, id, 1, 0x3, pid, &p));

    /* phase 1: the pending share, beside the untouched current record */
    wf_store_key *pend = NULL;
    CHECK_ERR(wf_store_key_pending_get(s, id, &pend, got_tag), WF_ERR_NOT_FOUND);
    k.record.pub[0] = 0xee; /* "the new committee's record" */
    CHECK_OK(wf_store_key_pending_put(s, &k, tag));
    wf_test_make_key(&other, id, 2, 0, 0);
    CHECK_ERR(wf_store_key_pending_put(s, &other, tag), WF_ERR_CONFLICT);
    wf_store_close(s);
    s = wf_test_store_open(path, kf, 0);
    uint8_t marker = 0;
    CHECK(current(s, id, &marker) == 1 && marker != 0xee);
    wf_store_blob out = {0};
    CHECK_OK(wf_store_aux_get(s, id, &out));
    wf_store_blob_clear(&out);
    CHECK(pool(s, id) == 1);
    CHECK_OK(wf_store_key_pending_get(s, id, &pend, got_tag));
    CHECK(pend && pend->record.pub[0] == 0xee && memcmp(got_tag, tag, sizeof tag) == 0);
    wf_store_key_free(pend);
    /* a drop leaves the current record alone */
    CHECK_OK(wf_store_key_pending_drop(s, id));
    CHECK_OK(wf_store_key_pending_drop(s, id));
    CHECK_ERR(wf_store_key_pending_get(s, id, &pend, got_tag), WF_ERR_NOT_FOUND);
    CHECK(current(s, id, &marker) == 1 && marker != 0xee && pool(s, id) == 1);

    /* phase 2 refused: no pending share; the request id used for another request */
    wf_store_request r, clash;
    uint8_t rec[WF_STORE_SIG_BYTES];
    memset(rec, 0x33, sizeof rec);
    request(&r, "reshare-1", 0x01);
    request(&clash, "reshare-1", 0x02);
    CHECK_ERR(wf_store_key_pending_commit(s, id, &r, rec), WF_ERR_NOT_FOUND);
    CHECK(state_of(s, &r) == WF_REQUEST_NEW);
    tag[0] = 0x5a;
    CHECK_OK(wf_store_key_pending_put(s, &k, tag));
    uint8_t sig[WF_STORE_SIG_BYTES];
    memset(sig, 0x44, sizeof sig);
    CHECK_OK(wf_store_request_finish(s, &clash, sig));
    CHECK_ERR(wf_store_key_pending_commit(s, id, &r, rec), WF_ERR_CONFLICT);
    CHECK(current(s, id, &marker) == 1 && marker != 0xee && pool(s, id) == 1);
    CHECK_OK(wf_store_key_pending_get(s, id, &pend, got_tag));
    CHECK(got_tag[0] == 0x5a);
    wf_store_key_free(pend);

    /* phase 2: one batch */
    request(&r, "reshare-2", 0x03);
    CHECK_OK(wf_store_key_pending_commit(s, id, &r, rec));
    wf_store_close(s);
    s = wf_test_store_open(path, kf, 0);
    CHECK(current(s, id, &marker) == 2 && marker == 0xee);
    CHECK_ERR(wf_store_key_pending_get(s, id, &pend, got_tag), WF_ERR_NOT_FOUND);
    CHECK_ERR(wf_store_aux_get(s, id, &out), WF_ERR_NOT_FOUND);
    CHECK(pool(s, id) == 0);
    uint8_t rec_back[WF_STORE_SIG_BYTES];
    wf_store_request_state st;
    CHECK_OK(wf_store_request_lookup(s, &r, &st, rec_back, NULL));
    CHECK(st == WF_REQUEST_DONE && memcmp(rec_back, rec, sizeof rec) == 0);

    /* a new member: no current record before, generation 1 after */
    wf_test_make_key(&nk, fresh, 2, 1, 0);
    CHECK_OK(wf_store_key_pending_put(s, &nk, tag));
    CHECK(current(s, fresh, &marker) == 0);
    uint8_t(*ids)[WF_STORE_ID_BYTES] = NULL;
    size_t n = 0;
    CHECK_OK(wf_store_key_list(s, &ids, &n)); /* a pending share is not a key held */
    CHECK(n == 1);
    free(ids);
    CHECK_OK(wf_store_key_pending_commit(s, fresh, &r, rec));
    CHECK(current(s, fresh, &marker) == 1);

    /* a removed member: everything of the key goes, the request is recorded */
    wf_test_make_key(&lk, left, 2, 2, 0);
    CHECK_OK(wf_store_key_put(s, &lk));
    CHECK_OK(wf_store_aux_put(s, left, &aux));
    CHECK_OK(wf_store_presig_add(s, left, 1, 0x3, pid, &p));
    wf_store_request lr;
    request(&lr, "reshare-3", 0x04);
    wf_store_request reused;
    request(&reused, "reshare-1", 0x01);                                   /* clash's id, another request */
    CHECK_ERR(wf_store_key_leave(s, left, &reused, rec), WF_ERR_CONFLICT); /* refused: all stays */
    CHECK(current(s, left, &marker) == 1 && pool(s, left) == 1);
    CHECK_OK(wf_store_key_leave(s, left, &lr, rec));
    CHECK(current(s, left, &marker) == 0 && pool(s, left) == 0);
    CHECK_ERR(wf_store_aux_get(s, left, &out), WF_ERR_NOT_FOUND);
    CHECK(state_of(s, &lr) == WF_REQUEST_DONE);
    CHECK_OK(wf_store_key_leave(s, left, &lr, rec)); /* again: nothing to delete, still fine */
    wf_store_close(s);
    CHECK(!wf_test_dir_contains(path, lk.record.sec, 32));

    wf_store_blob_clear(&aux);
    wf_store_blob_clear(&p);
    wf_store_blob_clear(&k.record);
    wf_store_blob_clear(&other.record);
    wf_store_blob_clear(&nk.record);
    wf_store_blob_clear(&lk.record);
}

/* ---- crash between and inside the phases ---- */

static const uint8_t CRASH_ID[32] = {0x61, 0x61, 0x61};

static void crash_request(wf_store_request *r, unsigned round)
{
    char id[32];
    snprintf(id, sizeof id, "crash-%u", round);
    request(r, id, 0x07);
}

/* The child: round i (from 1) puts a pending share marked i, reports 2i-1,
 * commits it as request crash-i, reports 2i. Runs until killed. */
static void child(const char *path, const char *kf, int fd)
{
    wf_store *s = NULL;
    wf_store_unlock u = {.key_file = kf};
    if (wf_store_open(&s, path, &u))
        _exit(2);
    wf_store_key *k = NULL;
    if (wf_store_key_get(s, CRASH_ID, &k))
        _exit(3);
    uint8_t marker = k->record.pub[0], tag[WF_STORE_PENDING_TAG_BYTES] = {0}, rec[WF_STORE_SIG_BYTES] = {0};
    for (unsigned i = (unsigned)marker + 1;; i++) {
        wf_store_request r;
        crash_request(&r, i);
        k->record.pub[0] = (uint8_t)i;
        if (wf_store_key_pending_put(s, k, tag))
            _exit(4);
        unsigned step = 2 * i - 1;
        if (write(fd, &step, sizeof step) != (ssize_t)sizeof step)
            _exit(5);
        if (wf_store_key_pending_commit(s, CRASH_ID, &r, rec))
            _exit(6);
        step = 2 * i;
        if (write(fd, &step, sizeof step) != (ssize_t)sizeof step)
            _exit(5);
    }
}

static void test_crash(const char *argv0, const char *path, const char *kf)
{
    wf_store *s = wf_test_store_open(path, kf, 0);
    wf_store_key k;
    wf_test_make_key(&k, CRASH_ID, 2, 0, 0);
    k.record.pub[0] = 0;
    CHECK_OK(wf_store_key_put(s, &k));
    wf_store_close(s);
    wf_store_blob_clear(&k.record);
    unsigned acked = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        fflush(NULL);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) { /* this program again: RocksDB's threads do not survive a bare fork */
            close(fds[0]);
            char fd_arg[16];
            snprintf(fd_arg, sizeof fd_arg, "%d", fds[1]);
            execl("/proc/self/exe", argv0, "--child", path, kf, fd_arg, (char *)NULL);
            _exit(7);
        }
        close(fds[1]);
        unsigned want = 1 + randombytes_uniform(4), got = 0, step;
        struct timespec ts = {0, (long)randombytes_uniform(40) * 1000 * 1000};
        while (got < want && read(fds[0], &step, sizeof step) == (ssize_t)sizeof step) {
            acked = step;
            got++;
        }
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        while (read(fds[0], &step, sizeof step) == (ssize_t)sizeof step) /* acknowledged before the kill */
            acked = step;
        int status;
        waitpid(pid, &status, 0);
        close(fds[0]);
        CHECK(WIFSIGNALED(status));

        s = wf_test_store_open(path, kf, 0);
        uint8_t marker = 0;
        uint64_t gen = current(s, CRASH_ID, &marker);
        /* the current share is the one of the last commit that returned, or of the one in flight */
        CHECK(gen == (uint64_t)marker + 1);
        CHECK(marker == acked / 2 || marker == acked / 2 + 1);
        /* its request is recorded in the same batch, the next one not yet */
        wf_store_request r;
        if (marker > 0) {
            crash_request(&r, marker);
            CHECK(state_of(s, &r) == WF_REQUEST_DONE);
        }
        crash_request(&r, (unsigned)marker + 1);
        CHECK(state_of(s, &r) == WF_REQUEST_NEW);
        /* a pending share, if any, is the next one: never the current one kept twice */
        wf_store_key *pend = NULL;
        uint8_t tag[WF_STORE_PENDING_TAG_BYTES];
        if (wf_store_key_pending_get(s, CRASH_ID, &pend, tag) == WF_OK) {
            CHECK(pend->record.pub[0] == (uint8_t)(marker + 1));
            wf_store_key_free(pend);
        } else {
            CHECK(acked % 2 == 0 || marker == (acked + 1) / 2);
        }
        wf_store_close(s);
        acked = 2u * marker; /* the next child starts after the current share */
    }
}

int main(int argc, char **argv)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    if (argc == 5 && strcmp(argv[1], "--child") == 0) {
        child(argv[2], argv[3], atoi(argv[4]));
        return 0;
    }
    char dir[256], kf[300], path[300];
    wf_test_tmpdir(dir, "reshare-commit");
    snprintf(kf, sizeof kf, "%s/key", dir);
    snprintf(path, sizeof path, "%s/db", dir);
    REQUIRE(wf_store_key_file_create(kf) == WF_OK);
    test_phases(path, kf);
    test_crash(argv[0], path, kf);
    wf_test_rmtree(dir);
    return wf_check_summary("test_store_reshare_commit");
}
