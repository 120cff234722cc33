/* The daemon's metrics (DESIGN §4 "Health and metrics"): a small registry of
 * counters, gauges and histograms that any thread updates, rendered in the
 * Prometheus text exposition format 0.0.4 for /metrics (node/http.h).
 *
 * A family has a name, a help line, a type and a fixed list of label names;
 * a series is one combination of label values. A family without labels has
 * its single series from registration on, so it reads 0 before the first
 * update; a labelled family gains a series at the first update naming it.
 *
 * Memory is bounded: the registry holds at most max_series series over all
 * its families (a histogram series counts once; its buckets are fixed), and
 * label values are at most WF_METRICS_MAX_VALUE bytes. An update that would
 * create a series beyond the cap is refused (WF_ERR_RANGE) and counted in
 * warifu_metrics_series_dropped_total, which every rendering ends with;
 * series that exist keep working.
 *
 * Label values appear verbatim in the exposition (escaped), so they must be
 * public identifiers only — key ids, member names, reasons — never secret
 * values or anything derived from one.
 *
 * Threads: every function may be called from any thread at once, except
 * wf_metrics_free, which must not race with anything. One mutex guards the
 * registry, so a rendering is a consistent snapshot: a histogram's buckets,
 * sum and count always describe the same observations. */
#ifndef WF_NODE_METRICS_H
#define WF_NODE_METRICS_H

#include <stddef.h>

#include "crypto/err.h"

#define WF_METRICS_MAX_SERIES_DEFAULT 4096 /* max_series = 0 */
#define WF_METRICS_MAX_LABELS         4    /* label names per family */
#define WF_METRICS_MAX_BUCKETS        32   /* upper bounds per histogram, +Inf not counted */
#define WF_METRICS_MAX_NAME           128  /* bytes in a metric or label name */
#define WF_METRICS_MAX_HELP           256  /* bytes in a help line */
#define WF_METRICS_MAX_VALUE          128  /* bytes in a label value */
#define WF_METRICS_CONTENT_TYPE       "text/plain; version=0.0.4; charset=utf-8"

typedef struct wf_metrics wf_metrics; /* the registry */
typedef struct wf_metric wf_metric;   /* one family, valid until wf_metrics_free */

typedef enum {
    WF_METRIC_COUNTER,   /* only goes up */
    WF_METRIC_GAUGE,     /* set, or moved up and down */
    WF_METRIC_HISTOGRAM, /* observations counted into fixed buckets, with their sum */
} wf_metric_type;

/* An empty registry holding at most max_series series (0: the default). */
wf_err wf_metrics_create(wf_metrics **out, size_t max_series);

/* Frees the registry and every family in it. Accepts NULL. */
void wf_metrics_free(wf_metrics *m);

/* Adds a family. name matches [a-zA-Z_:][a-zA-Z0-9_:]* and each of the
 * n_labels label names [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__", all
 * distinct; help is one line (it is escaped). A histogram takes n_buckets
 * (1..WF_METRICS_MAX_BUCKETS) finite, strictly increasing upper bounds and
 * may not use the label name "le"; counters and gauges take buckets = NULL,
 * n_buckets = 0. WF_ERR_ARG for anything malformed, WF_ERR_EXISTS when the
 * name is taken, WF_ERR_RANGE when a label-less family finds the registry
 * full. */
wf_err wf_metrics_add_family(wf_metrics *m, wf_metric **out, wf_metric_type type, const char *name,
                             const char *help, const char *const *label_names, size_t n_labels,
                             const double *buckets, size_t n_buckets);

/* Updates the series named by values (one per label name of the family, in
 * order; NULL for a family without labels). Counters take add with
 * delta >= 0; gauges take add and set; histograms take observe. Numbers must
 * be finite. WF_ERR_ARG for the wrong type, a missing or too long label
 * value or a non-finite number; WF_ERR_RANGE for a negative counter delta or
 * when the series would be new and the registry is full (then counted as
 * dropped). */
wf_err wf_metric_add(wf_metric *f, const char *const *values, double delta);
wf_err wf_metric_set(wf_metric *f, const char *const *values, double value);
wf_err wf_metric_observe(wf_metric *f, const char *const *values, double value);

/* Counters and gauges: the value of a series, 0 when it does not exist. */
wf_err wf_metric_get(wf_metric *f, const char *const *values, double *out);

/* Forgets one series of a labelled family (a key deleted, a signer set
 * retired), freeing its place under the cap. WF_ERR_NOT_FOUND when absent. */
wf_err wf_metric_remove(wf_metric *f, const char *const *values);

/* The whole registry in the text exposition format: families in the order
 * they were added, each with # HELP and # TYPE, then its series in the order
 * they appeared. *out is malloc'ed and NUL-terminated; *len excludes the NUL. */
wf_err wf_metrics_render(wf_metrics *m, char **out, size_t *len);

/* ---- the daemon's families ---- */

/* Upper bounds, in seconds, of warifu_sign_request_duration_seconds: an online
 * signature from a stored presignature takes milliseconds in one region and
 * up to seconds across regions or with retries. */
#define WF_METRICS_LATENCY_BUCKETS                                                                           \
    {                                                                                                        \
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0                                  \
    }

/* Handles to the families every warifud registers. Label values the daemon
 * passes (suggested, not enforced):
 *   requests           result:  "signed", "refused", "aborted", "expired", "failed"
 *   request_seconds    result:  as requests (observed when a request finishes)
 *   presig_pool        key_id, signers: the key's id and the signing set as sorted
 *                      member indices joined by "," (e.g. "0,2,3")
 *   paillier_pool      bits:    the modulus size, e.g. "2048"
 *   aborts             culprit: the blamed member's name
 *   refused_envelopes  reason:  "signature", "sender", "session", "round", "replay",
 *                      "oversize", "decode" */
typedef struct wf_node_metrics {
    wf_metric *requests;           /* warifu_sign_requests_total{result}: counter */
    wf_metric *request_seconds;    /* warifu_sign_request_duration_seconds{result}: histogram */
    wf_metric *presig_pool;        /* warifu_presign_pool_depth{key_id,signers}: gauge */
    wf_metric *peers_up;           /* warifu_peers_up: gauge, peers with a working link */
    wf_metric *peers;              /* warifu_peers: gauge, peers configured */
    wf_metric *aborts;             /* warifu_protocol_aborts_total{culprit}: counter */
    wf_metric *refused_envelopes;  /* warifu_envelopes_refused_total{reason}: counter */
    wf_metric *paillier_pool;      /* warifu_paillier_pool_depth{bits}: gauge, pregenerated keys by modulus size */
    wf_metric *paillier_generated; /* warifu_paillier_keys_generated_total: counter (rate() of it) */
    wf_metric *paillier_seconds;   /* warifu_paillier_generation_seconds_total: counter, wall time generating
                                      (keys / seconds is the generation rate) */
    wf_metric *paillier_misses;    /* warifu_paillier_pool_misses_total: counter, aux-info found the pool empty */
    wf_metric *presig_expired;     /* warifu_presign_expired_total: counter, presignatures dropped unused at
                                      the end of their lifetime */
    wf_metric *prev_kept;          /* warifu_key_previous_generation_kept{key_id}: gauge, 1 while a refresh's
                                      previous generation is kept unconfirmed here */
} wf_node_metrics;

/* Adds the families above to m (in that order) and fills out. WF_ERR_EXISTS
 * when called twice on the same registry; on an error out is left as it was
 * and the families added so far stay in m. */
wf_err wf_node_metrics_register(wf_metrics *m, wf_node_metrics *out);

#endif
