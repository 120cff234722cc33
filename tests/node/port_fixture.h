/* Free loopback ports for node tests. Header-only. */
#ifndef WF_TESTS_NODE_PORT_FIXTURE_H
#define WF_TESTS_NODE_PORT_FIXTURE_H

#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/check.h"

/* 1 if a TCP listener could bind 127.0.0.1:port now. */
static inline int wf_test_port_free(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
             bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* The first of `count` consecutive free ports at a random place in
 * 10000..32767, so parallel runs and other programs do not collide; below
 * the kernel's ephemeral range (32768 up, by default), so an outgoing
 * connection cannot take a port between the check and the bind. */
static inline unsigned wf_test_free_port_range(unsigned count)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned p = 10000 + randombytes_uniform(22768 - count);
        int ok = 1;
        for (unsigned k = 0; k < count && ok; k++)
            ok = wf_test_port_free(p + k);
        if (ok)
            return p;
    }
    REQUIRE(!"no free port range");
    return 0;
}

#endif
