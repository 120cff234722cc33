/* Crash safety of the Paillier key pool: a child process takes pooled keys
 * one after another and reports each to the parent once the take returned;
 * the parent kills it with SIGKILL at a random moment, reopens the store,
 * takes whatever is left, and checks that no key reported taken is still in
 * the pool, that no key is there twice, and that nothing appeared that was
 * never put. Then it puts every key back for the next trial. Kills come
 * after a random number of reported takes or at a random time after the fork
 * (so some land while RocksDB opens). SIGKILL keeps the page cache: this
 * checks that the delete is committed before the key is returned, not fsync
 * against power loss (see test_store_crash). */
#define _XOPEN_SOURCE 700
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "store/paillier_pool.h"
#include "store/store.h"
#include "tests/check.h"
#include "tests/fixtures.h"
#include "tests/store_fixture.h"

#define BITS  2048u
#define PAIRS 12 /* every 1024-bit fixture pair */
#if defined(WF_SANITIZED)
#define TRIALS 12
#else
#define TRIALS 60
#endif

static mpz_t P[PAIRS], Q[PAIRS];
static char dir[256], kf[300], path[300];

static int pair_of(const mpz_t p, const mpz_t q)
{
    for (int i = 0; i < PAIRS; i++)
        if (mpz_cmp(p, P[i]) == 0 && mpz_cmp(q, Q[i]) == 0) return i;
    return -1;
}

/* The child: take until empty, one byte per take on fd. */
static void child(int fd)
{
    wf_store_unlock u = {.key_file = kf};
    wf_store *s = NULL;
    if (wf_store_open(&s, path, &u) != WF_OK) _exit(3);
    mpz_t p, q;
    mpz_inits(p, q, NULL);
    for (;;) {
        wf_err err = wf_store_paillier_take(s, BITS, p, q);
        if (err == WF_ERR_NOT_FOUND) break;
        if (err != WF_OK) _exit(4);
        unsigned char b = (unsigned char)pair_of(p, q);
        if (write(fd, &b, 1) != 1) _exit(5);
    }
    _exit(0);
}

static void trial(unsigned seed)
{
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    int by_count = seed % 4 != 0, after = (int)(seed % PAIRS);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child(fds[1]);
    }
    close(fds[1]);
    int taken[PAIRS] = {0}, acked = 0;
    unsigned char b;
    if (!by_count) {
        struct timespec ts = {0, (long)(seed % 40) * 1000000L};
        nanosleep(&ts, NULL);
    } else {
        while (acked < after && read(fds[0], &b, 1) == 1) {
            CHECK(b < PAIRS && !taken[b]);
            if (b < PAIRS) taken[b] = 1;
            acked++;
        }
    }
    kill(pid, SIGKILL);
    while (read(fds[0], &b, 1) == 1) { /* acknowledgements written before the kill */
        CHECK(b < PAIRS && !taken[b]);
        if (b < PAIRS) taken[b] = 1;
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0));

    wf_store *s = wf_test_store_open(path, kf, 0);
    int left[PAIRS] = {0};
    mpz_t p, q;
    mpz_inits(p, q, NULL);
    while (wf_store_paillier_take(s, BITS, p, q) == WF_OK) {
        int i = pair_of(p, q);
        CHECK(i >= 0);
        if (i < 0) continue;
        CHECK(!left[i]);  /* never twice in the pool */
        CHECK(!taken[i]); /* a take that returned is never undone */
        left[i] = 1;
    }
    mpz_clears(p, q, NULL);
    for (int i = 0; i < PAIRS; i++)
        CHECK_OK(wf_store_paillier_put(s, BITS, P[i], Q[i]));
    wf_store_close(s);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    for (int i = 0; i < PAIRS; i++) {
        mpz_inits(P[i], Q[i], NULL);
        REQUIRE(wf_test_fixture_prime(P[i], BITS / 2, 2 * (unsigned)i) == 0);
        REQUIRE(wf_test_fixture_prime(Q[i], BITS / 2, 2 * (unsigned)i + 1) == 0);
    }
    wf_test_tmpdir(dir, "ppcrash");
    snprintf(kf, sizeof kf, "%s/key", dir);
    snprintf(path, sizeof path, "%s/db", dir);
    REQUIRE(wf_store_key_file_create(kf) == WF_OK);
    wf_store *s = wf_test_store_open(path, kf, 1);
    for (int i = 0; i < PAIRS; i++)
        REQUIRE(wf_store_paillier_put(s, BITS, P[i], Q[i]) == WF_OK);
    wf_store_close(s);
    srand((unsigned)time(NULL));
    for (int t = 0; t < TRIALS; t++)
        trial((unsigned)rand());
    wf_test_rmtree(dir);
    for (int i = 0; i < PAIRS; i++)
        mpz_clears(P[i], Q[i], NULL);
    return wf_check_summary("test_paillier_pool_crash");
}
