/* warifud as real processes: a key is made by in-process daemons (fixture
 * Paillier keys), then three warifud processes serve it from their stores.
 * One is killed with SIGKILL mid-life: the others still sign (another
 * quorum); restarted, it loads its share from the store and coordinates a
 * signature itself. SIGTERM stops every process with exit status 0. */
#include <signal.h>
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/node/daemon_fixture.h"

#define ALPHA   0
#define BRAVO   1
#define CHARLIE 2

static wf_df f;
static uint8_t key_id[32];
static pid_t pids[WF_DF_MAX];

static void spawn(size_t i)
{
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const char *quiet = getenv("WF_TEST_VERBOSE") ? "--grace-ms=3000" : "--quiet";
        execl(WF_WARIFUD_BIN, WF_WARIFUD_BIN, "--node", f.dirs[i], "--cluster", f.cluster, "--policy", f.policy,
              "--client-ca", f.client_ca, "--client-listen", f.client_url[i], "--http", f.http_url[i],
              "--key-file", f.key_files[i], "--presig-low", "1", "--presig-high", "2",
              "--paillier-pool-high", "0", /* no background prime search beside the test */
              quiet, (char *)NULL);
        _exit(127);
    }
    pids[i] = pid;
}

static int wait_ready(unsigned ms)
{
    int running[WF_DF_MAX];
    for (size_t i = 0; i < f.n; i++)
        running[i] = pids[i] != 0;
    return wf_df_wait_ready_of(&f, running, ms);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_df_setup(&f, 3, 2, (const uint32_t[]){0, 0, 1});
    wf_df_start_all(&f);
    Warifu__Wire__ClientResponse *r = wf_df_keygen(&f, ALPHA, "key-1", key_id);
    REQUIRE(r != NULL && r->code == 0);
    warifu__wire__client_response__free_unpacked(r, NULL);
    for (size_t i = 0; i < f.n; i++)
        wf_df_stop(&f, i);

    for (size_t i = 0; i < f.n; i++)
        spawn(i);
    REQUIRE(wait_ready(20000));
    CHECK(wf_df_sign_ok(&f, ALPHA, "before-kill", key_id));

    /* SIGKILL bravo: alpha signs with charlie */
    REQUIRE(kill(pids[BRAVO], SIGKILL) == 0);
    int status = 0;
    REQUIRE(waitpid(pids[BRAVO], &status, 0) == pids[BRAVO]);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    pids[BRAVO] = 0;
    wf_df_sleep_ms(500);
    CHECK(wf_df_sign_ok(&f, ALPHA, "bravo-down", key_id));

    /* bravo again: it serves with the share from its store */
    spawn(BRAVO);
    REQUIRE(wait_ready(20000));
    CHECK(wf_df_sign_ok(&f, BRAVO, "bravo-back", key_id));
    CHECK(wf_df_sign_ok(&f, CHARLIE, "charlie-coordinates", key_id));

    /* SIGTERM: every process stops on its own, status 0 */
    for (size_t i = 0; i < f.n; i++)
        CHECK(kill(pids[i], SIGTERM) == 0);
    for (size_t i = 0; i < f.n; i++) {
        CHECK(waitpid(pids[i], &status, 0) == pids[i]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    wf_df_teardown(&f);
    return wf_check_summary("test_daemon_restart");
}
