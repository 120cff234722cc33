/* Closing NNG sockets without hanging: nng_close on a socket holding a
 * connection NNG 1.5.2 wedged (node/peer_net.c, watch_link) waits for ever.
 * Each socket is closed on a thread of its own and the caller waits a
 * bounded time; sockets not closed by then are left to finish (or to the
 * process's exit). */
#ifndef WF_NODE_NNG_CLOSE_H
#define WF_NODE_NNG_CLOSE_H

#include <nng/nng.h>
#include <stddef.h>

#define WF_NNG_CLOSE_WAIT_MS 2000

/* Closes the n sockets (a socket never opened, id 0, is harmless), waiting
 * at most wait_ms in all. 1 when every one is closed; 0 when some are still
 * closing — then whatever their callbacks use (pipe notifications, aio
 * callbacks) must stay allocated. */
int wf_nng_close_all(const nng_socket *socks, size_t n, int wait_ms);

#endif
