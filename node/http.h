/* The daemon's health and metrics server (DESIGN §4 "Health and metrics"):
 * plain HTTP on a local address, on NNG's HTTP server.
 *
 *   GET /healthz  200 "ok\n" while the process serves requests.
 *   GET /readyz   200 "ready\n" when the daemon's readiness callback says so
 *                 (store open, keys loaded, a quorum of peers reachable), else
 *                 503 with the callback's one-line reason.
 *   GET /metrics  200, the registry (node/metrics.h) in the Prometheus text
 *                 exposition format 0.0.4, Content-Type WF_METRICS_CONTENT_TYPE.
 *
 * HEAD is answered like GET without the body; any other method on these
 * paths is 405 (with "Allow: GET, HEAD"), any other path 404. A query
 * string is ignored. Every body is text/plain and responses carry
 * "Cache-Control: no-store". Request bodies above WF_HTTP_MAX_BODY bytes are
 * refused by NNG with 400.
 *
 * Nothing here is authenticated and nothing served is secret: bind to a
 * loopback or management address, and keep secrets out of the metrics and
 * of readiness reasons (node/metrics.h).
 *
 * The listen address must belong to this server alone: NNG shares one HTTP
 * server between everyone in the process who asks for the same host and
 * port, so a second wf_http_start on an address in use here fails rather
 * than splitting the paths. */
#ifndef WF_NODE_HTTP_H
#define WF_NODE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"
#include "node/metrics.h"

#define WF_HTTP_DEFAULT_URL "http://127.0.0.1:7480" /* listen_url = NULL */
#define WF_HTTP_REASON_MAX  256                     /* bytes of a readiness reason, with its NUL */
#define WF_HTTP_MAX_BODY    4096                    /* largest request body read (and ignored) */

typedef struct wf_http wf_http;

/* Readiness: returns 1 when the node is ready to sign, 0 when not, and then
 * writes a one-line reason (NUL-terminated, at most reason_cap bytes with the
 * NUL) into reason, e.g. "2 of 4 peers reachable, quorum needs 3". Control
 * characters in the reason are served as spaces; an empty reason as
 * "not ready". Called on an NNG thread, possibly on several at once: it must
 * be thread-safe, return quickly and never call wf_http_stop. */
typedef int (*wf_http_ready_fn)(void *ctx, char *reason, size_t reason_cap);

typedef struct wf_http_cfg {
    const char *listen_url; /* "http://host:port"; NULL: WF_HTTP_DEFAULT_URL; port 0: a free port */
    wf_metrics *metrics;    /* served on /metrics; must outlive the server */
    wf_http_ready_fn ready; /* consulted on every /readyz */
    void *ready_ctx;        /* passed to ready; must outlive the server */
} wf_http_cfg;

/* Binds cfg->listen_url and serves until wf_http_stop. WF_ERR_ARG for a
 * missing metrics registry or readiness callback or a URL that is not
 * http://host:port (https, a path, a query or an empty host are refused);
 * WF_ERR_CONFLICT when the address is in use (by another process, or by
 * another NNG HTTP server of this one); WF_ERR_NOMEM; WF_ERR_INTERNAL when
 * NNG fails otherwise. */
wf_err wf_http_start(wf_http **out, const wf_http_cfg *cfg);

/* The port the server listens on (the one chosen when the URL said 0); 0 for
 * NULL. */
uint16_t wf_http_port(const wf_http *h);

/* Stops listening, closes every connection and waits for handlers under way
 * to finish: once it returns, the registry and ready_ctx are no longer used
 * and the port can be bound again. Accepts NULL. */
void wf_http_stop(wf_http *h);

#endif
