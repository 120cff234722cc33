/* A minimal HTTP/1.1 client for the node tests: one request per connection
 * ("Connection: close") on a raw loopback socket, so the status line,
 * headers and body are seen exactly as the server sent them. */
#ifndef WF_TESTS_NODE_HTTP_CLIENT_H
#define WF_TESTS_NODE_HTTP_CLIENT_H

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tests/check.h"

typedef struct response {
    int status;
    char content_type[128];
    char allow[64];
    char cache_control[64];
    long content_length; /* -1 when absent */
    char *body;          /* NUL-terminated */
    size_t body_len;
} response;

static inline int tcp_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    struct timeval tv = {.tv_sec = 20};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static inline void header_value(const char *headers, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    out[0] = '\0';
    for (const char *line = headers; line != NULL && *line != '\0';) {
        const char *end = strstr(line, "\r\n");
        if (end == NULL)
            break;
        if ((size_t)(end - line) > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            snprintf(out, cap, "%.*s", (int)(end - v), v);
            return;
        }
        line = end + 2;
    }
}

/* Sends one request with "Connection: close" and reads the answer to EOF.
 * -1 when the connection is refused or the answer is not HTTP/1.1. */
static inline int fetch(uint16_t port, const char *method, const char *target, const char *body, response *r)
{
    memset(r, 0, sizeof *r);
    int fd = tcp_connect(port);
    if (fd < 0)
        return -1;
    char req[8192];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n", method,
                     target, port);
    if (body != NULL)
        n += snprintf(req + n, sizeof req - (size_t)n, "Content-Length: %zu\r\n", strlen(body));
    n += snprintf(req + n, sizeof req - (size_t)n, "\r\n%s", body != NULL ? body : "");
    REQUIRE(n > 0 && (size_t)n < sizeof req && send(fd, req, (size_t)n, 0) == n);

    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    REQUIRE(buf != NULL);
    for (;;) {
        if (cap - len < 4096) {
            cap *= 2;
            REQUIRE((buf = realloc(buf, cap)) != NULL);
        }
        ssize_t got = recv(fd, buf + len, cap - len - 1, 0);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    buf[len] = '\0';

    char *split = strstr(buf, "\r\n\r\n");
    if (split == NULL || sscanf(buf, "HTTP/1.1 %d ", &r->status) != 1) {
        free(buf);
        return -1;
    }
    split[2] = '\0'; /* headers end with their last CRLF */
    char length[32];
    header_value(buf, "Content-Type", r->content_type, sizeof r->content_type);
    header_value(buf, "Allow", r->allow, sizeof r->allow);
    header_value(buf, "Cache-Control", r->cache_control, sizeof r->cache_control);
    header_value(buf, "Content-Length", length, sizeof length);
    r->content_length = length[0] != '\0' ? strtol(length, NULL, 10) : -1;
    r->body_len = len - (size_t)(split + 4 - buf);
    REQUIRE((r->body = malloc(r->body_len + 1)) != NULL);
    memcpy(r->body, split + 4, r->body_len);
    r->body[r->body_len] = '\0';
    free(buf);
    return 0;
}

static inline void response_free(response *r)
{
    free(r->body);
    r->body = NULL;
}

/* GET target: status and the whole body, Content-Length matching it. */
static inline char *get(uint16_t port, const char *target, int *status)
{
    response r;
    REQUIRE(fetch(port, "GET", target, NULL, &r) == 0);
    CHECK(r.content_length == (long)r.body_len);
    *status = r.status;
    return r.body;
}

#endif
