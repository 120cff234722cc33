/* `warifu-sim up`: create (or reuse) a cluster's work directory, start its
 * supervisor in the background and wait until every node is ready. */
#define _GNU_SOURCE /* pipe2, close_range */
#include "simulator/sim_up.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "node/fail.h"
#include "node/text_format.h"
#include "simulator/sim_client.h"
#include "simulator/sim_control.h"


/* The supervisor's command line: this program again, "__supervise". */
static void supervisor_argv(const wf_sim_up_opts *o, const char *self, int fd, char bufs[7][32], const char **argv)
{
    size_t a = 0;
    argv[a++] = self;
    argv[a++] = "__supervise";
    argv[a++] = "--dir";
    argv[a++] = o->dir;
    argv[a++] = "--warifud";
    argv[a++] = o->sup.warifud;
    snprintf(bufs[0], 32, "%d", fd);
    snprintf(bufs[1], 32, "%u", o->sup.presig_low);
    snprintf(bufs[2], 32, "%u", o->sup.presig_high);
    snprintf(bufs[3], 32, "%u", o->sup.session_timeout_ms);
    snprintf(bufs[4], 32, "%.3f", o->sup.jitter_frac);
    snprintf(bufs[5], 32, "%u", o->sup.paillier_bits);
    snprintf(bufs[6], 32, "%u", o->sup.keygen_timeout_ms);
    const char *pairs[] = {"--ready-fd",          bufs[0], "--presig-low", bufs[1], "--presig-high",      bufs[2],
                           "--session-timeout-ms", bufs[3], "--jitter",     bufs[4], "--paillier-bits",     bufs[5],
                           "--keygen-timeout-ms",  bufs[6]};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        argv[a++] = pairs[i];
    if (o->sup.no_latency)
        argv[a++] = "--no-latency";
    argv[a] = NULL;
}

/* Starts the supervisor as a daemon of its own session, so that it
 * outlives this command; returns the read end of its ready pipe. */
static int start_supervisor(const wf_sim_up_opts *o, const char *self, const wf_sim_layout *l, pid_t *pid,
                            const char **why)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        *why = wf_why_fmt("pipe: %s", strerror(errno));
        return -1;
    }
    char bufs[7][32];
    const char *argv[32];
    supervisor_argv(o, self, fds[1], bufs, argv);
    *pid = fork();
    if (*pid < 0) {
        *why = wf_why_fmt("fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (*pid == 0) {
        /* only async-signal-safe calls until exec. The supervisor keeps
         * stdio (on /dev/null and sim.log) and its end of the ready pipe,
         * nothing else of ours: every descriptor it holds, its warifuds
         * would inherit. */
        setsid();
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        int logfd = open(l->sim_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (null >= 0)
            dup2(null, 0);
        if (logfd >= 0) {
            dup2(logfd, 1);
            dup2(logfd, 2);
        }
        fcntl(fds[1], F_SETFD, 0);
        if (fds[1] > 3)
            close_range(3, (unsigned)fds[1] - 1, 0);
        close_range((unsigned)fds[1] + 1, ~0u, 0);
        execv(self, (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    return fds[0];
}

/* Waits for the supervisor's "ready" or "error: ..." line. */
static wf_err wait_ready(int fd, pid_t pid, int timeout_ms, const char **why)
{
    char line[WF_WHY_MAX + 16];
    size_t len = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long waited = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (waited >= timeout_ms) {
            *why = wf_why_fmt("the nodes were not ready within %d ms (see the logs)", timeout_ms);
            return WF_ERR_CANCELLED;
        }
        int r = poll(&p, 1, (int)(timeout_ms - waited));
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            continue; /* the time check above reports it */
        ssize_t got = r > 0 ? read(fd, line + len, sizeof line - 1 - len) : 0;
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0 || (len += (size_t)got) == sizeof line - 1 || memchr(line, '\n', len) != NULL)
            break;
    }
    line[len] = '\0';
    line[strcspn(line, "\n")] = '\0';
    if (strcmp(line, "ready") == 0)
        return WF_OK;
    int status = 0;
    if (len == 0 && waitpid(pid, &status, 0) == pid) /* it closed the pipe: it is exiting */
        *why = wf_why_fmt("the supervisor exited (status %d) before the cluster was ready", WEXITSTATUS(status));
    else
        *why = wf_why_fmt("%s", strncmp(line, "error: ", 7) == 0 ? line + 7 : "the supervisor stopped answering");
    return WF_ERR_VERIFY;
}

/* Every node started: up returns once they all see each other, so that a
 * keygen (which needs every member) can follow at once. */
static wf_err wait_linked(const wf_sim_layout *l, int timeout_ms, const char **why)
{
    wf_client *c = NULL;
    wf_err err = wf_client_open(&c, l->client_dir, 0, why);
    if (err != WF_OK)
        return err;
    if (!wf_sim_wait_linked(l, c, (1u << l->n) - 1, timeout_ms)) {
        *why = wf_why_fmt("the nodes' peer links were not all up within %d ms (see the logs)", timeout_ms);
        err = WF_ERR_CANCELLED;
    }
    wf_client_close(c);
    return err;
}

wf_err wf_sim_up(const wf_sim_up_opts *o, const char *self, wf_sim_layout *l, int *created, const char **why)
{
    wf_err err = WF_OK;
    struct stat st;
    char conf[WF_SIM_PATH_MAX];
    *created = 0;
    snprintf(conf, sizeof conf, "%s/sim.conf", o->dir);
    if (stat(conf, &st) == 0) {
        /* an existing cluster: the nodes come back with their stores */
        if ((err = wf_sim_layout_load(l, o->dir, why)) != WF_OK)
            goto done;
        if (wf_sim_is_up(l))
            FAIL(WF_ERR_EXISTS, wf_why_fmt("the cluster in %s is up already", o->dir));
    } else {
        if ((err = wf_sim_create(&o->spec, o->warifu, l, why)) != WF_OK)
            goto done;
        *created = 1;
    }
    pid_t pid = 0;
    int fd = start_supervisor(o, self, l, &pid, why);
    if (fd < 0)
        FAIL(WF_ERR_INTERNAL, *why);
    err = wait_ready(fd, pid, o->ready_timeout_ms, why);
    close(fd);
    if (err == WF_OK)
        err = wait_linked(l, o->ready_timeout_ms, why);
    if (err != WF_OK) {
        /* *why lives in the thread's message buffer, which the control call reuses */
        char saved[WF_WHY_MAX];
        snprintf(saved, sizeof saved, "%s", *why);
        wf_sim_control(l, "down", 30000, NULL, NULL);
        *why = wf_why_fmt("%s", saved);
    }
    waitpid(pid, NULL, WNOHANG); /* the supervisor is a session leader of its own; reaped by init */
done:
    return err;
}
