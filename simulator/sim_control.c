/* Talking to the supervisor (sim_control.h). */
#include "simulator/sim_control.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "node/text_format.h"

#define REPLY_MAX (1u << 20)

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_sock(const wf_sim_layout *l)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (strlen(l->sock) >= sizeof a.sun_path)
        return -1;
    memcpy(a.sun_path, l->sock, strlen(l->sock) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int wf_sim_is_up(const wf_sim_layout *l)
{
    /* any answer counts: a supervisor that is going down still holds the
     * cluster's ports and stores */
    return wf_sim_control(l, "status", 5000, NULL, NULL) != WF_ERR_NOT_FOUND;
}

/* The last line of text (which ends with an LF). */
static const char *last_line(const char *text, size_t len)
{
    if (len == 0)
        return text;
    size_t i = len - 1;
    while (i > 0 && text[i - 1] != '\n')
        i--;
    return text + i;
}

wf_err wf_sim_control(const wf_sim_layout *l, const char *cmd, int timeout_ms, char **reply, const char **why)
{
    const char *dummy = NULL;
    if (why == NULL)
        why = &dummy;
    if (reply != NULL)
        *reply = NULL;
    int fd = connect_sock(l);
    if (fd < 0) {
        *why = wf_why_fmt("the cluster in %s is not up (no supervisor at %s)", l->dir, l->sock);
        return WF_ERR_NOT_FOUND;
    }
    size_t clen = strlen(cmd);
    char *out = malloc(REPLY_MAX + 1);
    wf_err err = WF_OK;
    size_t len = 0;
    if (out == NULL) {
        close(fd);
        return WF_ERR_NOMEM;
    }
    if (send(fd, cmd, clen, MSG_NOSIGNAL) != (ssize_t)clen || send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
        *why = wf_why_fmt("cannot send to the supervisor: %s", strerror(errno));
        err = WF_ERR_STORAGE;
    }
    int64_t deadline = now_ms() + timeout_ms;
    while (err == WF_OK) {
        int64_t left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) == 0) {
            *why = wf_why_fmt("no answer from the supervisor to \"%s\" within %d ms", cmd, timeout_ms);
            err = WF_ERR_CANCELLED;
            break;
        }
        ssize_t got = read(fd, out + len, REPLY_MAX - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            *why = wf_why_fmt("cannot read the supervisor's answer: %s", strerror(errno));
            err = WF_ERR_STORAGE;
        } else if (got == 0 || len + (size_t)got == REPLY_MAX) {
            len += (size_t)got;
            break;
        } else {
            len += (size_t)got;
        }
    }
    close(fd);
    out[len] = '\0';
    if (err == WF_OK) {
        const char *last = last_line(out, len);
        if (strncmp(last, "ok", 2) == 0) {
            err = WF_OK;
        } else {
            *why = strncmp(last, "error: ", 7) == 0 ? wf_why_fmt("%.*s", (int)strcspn(last + 7, "\n"), last + 7)
                                                     : "the supervisor's answer ended early";
            err = WF_ERR_VERIFY;
        }
    }
    if (reply != NULL && err != WF_ERR_STORAGE)
        *reply = out;
    else
        free(out);
    return err;
}
