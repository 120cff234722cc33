#include "node/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DROPPED_NAME "warifu_metrics_series_dropped_total"
#define DROPPED_HELP                                                                                         \
    "Metric updates refused because they would have created a series beyond the registry's cap."
#define NUMBER_CHARS 32 /* "%.17g" of any double, or +Inf/-Inf/NaN */

/* One combination of label values. Histograms keep per-bucket counts (made
 * cumulative when rendered) in counts[] and their sum in value; the label
 * values follow counts[], NUL-separated. */
typedef struct series {
    struct series *next;
    double value; /* counter, gauge; histogram: the sum of observations */
    uint64_t count;
    const char *values[WF_METRICS_MAX_LABELS];
    uint64_t counts[];
} series;

struct wf_metric {
    wf_metrics *reg;
    struct wf_metric *next;
    wf_metric_type type;
    size_t n_labels;
    size_t n_buckets;
    char name[WF_METRICS_MAX_NAME + 1];
    char help[WF_METRICS_MAX_HELP + 1];
    char labels[WF_METRICS_MAX_LABELS][WF_METRICS_MAX_NAME + 1];
    double bounds[WF_METRICS_MAX_BUCKETS];
    series *head, *tail; /* under reg->mu */
};

struct wf_metrics {
    pthread_mutex_t mu;
    size_t max_series;
    size_t n_series;        /* under mu */
    uint64_t dropped;       /* under mu */
    wf_metric *head, *tail; /* under mu */
};

/* ---- names ---- */

static int name_char(char c, int first, int colon)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':'))
        return 1;
    return !first && c >= '0' && c <= '9';
}

static int name_valid(const char *s, int colon)
{
    if (s == NULL || s[0] == '\0' || strlen(s) > WF_METRICS_MAX_NAME)
        return 0;
    for (size_t i = 0; s[i] != '\0'; i++)
        if (!name_char(s[i], i == 0, colon))
            return 0;
    return 1;
}

static int label_names_valid(wf_metric_type type, const char *const *names, size_t n)
{
    if (n > WF_METRICS_MAX_LABELS || (n > 0 && names == NULL))
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!name_valid(names[i], 0) || strncmp(names[i], "__", 2) == 0)
            return 0;
        if (type == WF_METRIC_HISTOGRAM && strcmp(names[i], "le") == 0)
            return 0;
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return 0;
    }
    return 1;
}

static int buckets_valid(wf_metric_type type, const double *b, size_t n)
{
    if (type != WF_METRIC_HISTOGRAM)
        return b == NULL && n == 0;
    if (b == NULL || n == 0 || n > WF_METRICS_MAX_BUCKETS)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(b[i]) || (i > 0 && !(b[i] > b[i - 1])))
            return 0;
    return 1;
}

/* ---- series ---- */

static int values_valid(const wf_metric *f, const char *const *values)
{
    if (f->n_labels > 0 && values == NULL)
        return 0;
    for (size_t i = 0; i < f->n_labels; i++)
        if (values[i] == NULL || strlen(values[i]) > WF_METRICS_MAX_VALUE)
            return 0;
    return 1;
}

static series *series_find(const wf_metric *f, const char *const *values, series **prev)
{
    series *p = NULL;
    for (series *s = f->head; s != NULL; p = s, s = s->next) {
        size_t i = 0;
        while (i < f->n_labels && strcmp(s->values[i], values[i]) == 0)
            i++;
        if (i == f->n_labels) {
            if (prev != NULL)
                *prev = p;
            return s;
        }
    }
    return NULL;
}

/* Appends a zeroed series; NULL when out of memory. Caller holds the lock
 * and has checked the cap. */
static series *series_new(wf_metric *f, const char *const *values)
{
    size_t text = 0;
    for (size_t i = 0; i < f->n_labels; i++)
        text += strlen(values[i]) + 1;
    series *s = calloc(1, sizeof *s + f->n_buckets * sizeof s->counts[0] + text);
    if (s == NULL)
        return NULL;
    char *p = (char *)&s->counts[f->n_buckets];
    for (size_t i = 0; i < f->n_labels; i++) {
        size_t len = strlen(values[i]) + 1;
        memcpy(p, values[i], len);
        s->values[i] = p;
        p += len;
    }
    if (f->tail == NULL)
        f->head = s;
    else
        f->tail->next = s;
    f->tail = s;
    f->reg->n_series++;
    return s;
}

/* The series for values, created when new and the cap allows. Caller holds
 * the lock. */
static wf_err series_get(wf_metric *f, const char *const *values, series **out)
{
    wf_metrics *m = f->reg;
    if ((*out = series_find(f, values, NULL)) != NULL)
        return WF_OK;
    if (m->n_series >= m->max_series) {
        m->dropped++;
        return WF_ERR_RANGE;
    }
    return (*out = series_new(f, values)) != NULL ? WF_OK : WF_ERR_NOMEM;
}

/* ---- updates ---- */

typedef enum { OP_ADD, OP_SET, OP_OBSERVE } op_kind;

static int op_allowed(wf_metric_type type, op_kind op)
{
    switch (op) {
    case OP_ADD: return type == WF_METRIC_COUNTER || type == WF_METRIC_GAUGE;
    case OP_SET: return type == WF_METRIC_GAUGE;
    case OP_OBSERVE: return type == WF_METRIC_HISTOGRAM;
    }
    return 0;
}

static void apply(const wf_metric *f, series *s, op_kind op, double v)
{
    switch (op) {
    case OP_ADD: s->value += v; break;
    case OP_SET: s->value = v; break;
    case OP_OBSERVE: {
        size_t b = 0;
        while (b < f->n_buckets && v > f->bounds[b])
            b++;
        if (b < f->n_buckets)
            s->counts[b]++;
        s->count++;
        s->value += v;
        break;
    }
    }
}

static wf_err update(wf_metric *f, const char *const *values, op_kind op, double v)
{
    if (f == NULL || !op_allowed(f->type, op) || !isfinite(v) || !values_valid(f, values))
        return WF_ERR_ARG;
    if (f->type == WF_METRIC_COUNTER && v < 0)
        return WF_ERR_RANGE;
    series *s = NULL;
    pthread_mutex_lock(&f->reg->mu);
    wf_err err = series_get(f, values, &s);
    if (err == WF_OK)
        apply(f, s, op, v);
    pthread_mutex_unlock(&f->reg->mu);
    return err;
}

wf_err wf_metric_add(wf_metric *f, const char *const *values, double delta)
{
    return update(f, values, OP_ADD, delta);
}

wf_err wf_metric_set(wf_metric *f, const char *const *values, double value)
{
    return update(f, values, OP_SET, value);
}

wf_err wf_metric_observe(wf_metric *f, const char *const *values, double value)
{
    return update(f, values, OP_OBSERVE, value);
}

wf_err wf_metric_get(wf_metric *f, const char *const *values, double *out)
{
    if (f == NULL || out == NULL || f->type == WF_METRIC_HISTOGRAM || !values_valid(f, values))
        return WF_ERR_ARG;
    pthread_mutex_lock(&f->reg->mu);
    const series *s = series_find(f, values, NULL);
    *out = s != NULL ? s->value : 0;
    pthread_mutex_unlock(&f->reg->mu);
    return WF_OK;
}

wf_err wf_metric_remove(wf_metric *f, const char *const *values)
{
    if (f == NULL || f->n_labels == 0 || !values_valid(f, values))
        return WF_ERR_ARG;
    series *prev = NULL;
    pthread_mutex_lock(&f->reg->mu);
    series *s = series_find(f, values, &prev);
    if (s != NULL) {
        if (prev == NULL)
            f->head = s->next;
        else
            prev->next = s->next;
        if (f->tail == s)
            f->tail = prev;
        f->reg->n_series--;
    }
    pthread_mutex_unlock(&f->reg->mu);
    free(s);
    return s != NULL ? WF_OK : WF_ERR_NOT_FOUND;
}

/* ---- registry ---- */

wf_err wf_metrics_create(wf_metrics **out, size_t max_series)
{
    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    wf_metrics *m = calloc(1, sizeof *m);
    if (m == NULL)
        return WF_ERR_NOMEM;
    if (pthread_mutex_init(&m->mu, NULL) != 0) {
        free(m);
        return WF_ERR_INTERNAL;
    }
    m->max_series = max_series != 0 ? max_series : WF_METRICS_MAX_SERIES_DEFAULT;
    *out = m;
    return WF_OK;
}

void wf_metrics_free(wf_metrics *m)
{
    if (m == NULL)
        return;
    wf_metric *f = m->head;
    while (f != NULL) {
        wf_metric *next_f = f->next;
        series *s = f->head;
        while (s != NULL) {
            series *next_s = s->next;
            free(s);
            s = next_s;
        }
        free(f);
        f = next_f;
    }
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static int family_exists(const wf_metrics *m, const char *name)
{
    if (strcmp(name, DROPPED_NAME) == 0)
        return 1;
    for (const wf_metric *f = m->head; f != NULL; f = f->next)
        if (strcmp(f->name, name) == 0)
            return 1;
    return 0;
}

wf_err wf_metrics_add_family(wf_metrics *m, wf_metric **out, wf_metric_type type, const char *name,
                             const char *help, const char *const *label_names, size_t n_labels,
                             const double *buckets, size_t n_buckets)
{
    if (m == NULL || out == NULL || (unsigned)type > WF_METRIC_HISTOGRAM || !name_valid(name, 1) ||
        help == NULL || strlen(help) > WF_METRICS_MAX_HELP ||
        !label_names_valid(type, label_names, n_labels) || !buckets_valid(type, buckets, n_buckets))
        return WF_ERR_ARG;
    *out = NULL;
    wf_metric *f = calloc(1, sizeof *f);
    if (f == NULL)
        return WF_ERR_NOMEM;
    f->reg = m;
    f->type = type;
    f->n_labels = n_labels;
    f->n_buckets = n_buckets;
    strcpy(f->name, name);
    strcpy(f->help, help);
    for (size_t i = 0; i < n_labels; i++)
        strcpy(f->labels[i], label_names[i]);
    if (n_buckets > 0)
        memcpy(f->bounds, buckets, n_buckets * sizeof buckets[0]);

    wf_err err = WF_OK;
    pthread_mutex_lock(&m->mu);
    if (family_exists(m, name))
        err = WF_ERR_EXISTS;
    else if (n_labels == 0 && m->n_series >= m->max_series)
        err = WF_ERR_RANGE;
    else if (n_labels == 0 && series_new(f, NULL) == NULL)
        err = WF_ERR_NOMEM;
    if (err == WF_OK) {
        if (m->tail == NULL)
            m->head = f;
        else
            m->tail->next = f;
        m->tail = f;
    }
    pthread_mutex_unlock(&m->mu);
    if (err != WF_OK) {
        free(f);
        return err;
    }
    *out = f;
    return WF_OK;
}

/* ---- rendering ---- */

typedef struct strbuf {
    char *p;
    size_t len, cap;
    int failed;
} strbuf;

static void sb_reserve(strbuf *b, size_t more)
{
    if (b->failed || b->len + more < b->cap)
        return;
    size_t cap = b->cap != 0 ? b->cap : 4096;
    while (b->len + more >= cap)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        b->failed = 1;
        return;
    }
    b->p = p;
    b->cap = cap;
}

static void sb_put(strbuf *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    if (b->failed)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(strbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* s with backslash and newline escaped, and with quote_too the double quote:
 * the escaping of HELP text and of label values. */
static void sb_escaped(strbuf *b, const char *s, int quote_too)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\')
            sb_str(b, "\\\\");
        else if (*s == '\n')
            sb_str(b, "\\n");
        else if (*s == '"' && quote_too)
            sb_str(b, "\\\"");
        else
            sb_put(b, s, 1);
    }
}

/* The shortest of %.15g..%.17g that reads back as v; Go's spelling of the
 * non-finite values, which Prometheus parses. */
static void number(char out[NUMBER_CHARS], double v)
{
    if (isnan(v)) {
        strcpy(out, "NaN");
        return;
    }
    if (isinf(v)) {
        strcpy(out, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, NUMBER_CHARS, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

static void sb_number(strbuf *b, double v)
{
    char n[NUMBER_CHARS];
    number(n, v);
    sb_str(b, n);
}

static void sb_u64(strbuf *b, uint64_t v)
{
    char n[NUMBER_CHARS];
    snprintf(n, sizeof n, "%llu", (unsigned long long)v);
    sb_str(b, n);
}

/* name+suffix{label="value",...[,le="bound"]} followed by a space. */
static void sample_start(strbuf *b, const wf_metric *f, const series *s, const char *suffix, const char *le)
{
    sb_str(b, f->name);
    sb_str(b, suffix);
    if (f->n_labels > 0 || le != NULL) {
        sb_str(b, "{");
        for (size_t i = 0; i < f->n_labels; i++) {
            if (i > 0)
                sb_str(b, ",");
            sb_str(b, f->labels[i]);
            sb_str(b, "=\"");
            sb_escaped(b, s->values[i], 1);
            sb_str(b, "\"");
        }
        if (le != NULL) {
            sb_str(b, f->n_labels > 0 ? ",le=\"" : "le=\"");
            sb_str(b, le);
            sb_str(b, "\"");
        }
        sb_str(b, "}");
    }
    sb_str(b, " ");
}

static void render_histogram(strbuf *b, const wf_metric *f, const series *s)
{
    char le[NUMBER_CHARS];
    uint64_t cumulative = 0;
    for (size_t i = 0; i < f->n_buckets; i++) {
        cumulative += s->counts[i];
        number(le, f->bounds[i]);
        sample_start(b, f, s, "_bucket", le);
        sb_u64(b, cumulative);
        sb_str(b, "\n");
    }
    sample_start(b, f, s, "_bucket", "+Inf");
    sb_u64(b, s->count);
    sb_str(b, "\n");
    sample_start(b, f, s, "_sum", NULL);
    sb_number(b, s->value);
    sb_str(b, "\n");
    sample_start(b, f, s, "_count", NULL);
    sb_u64(b, s->count);
    sb_str(b, "\n");
}

static const char *type_name(wf_metric_type t)
{
    switch (t) {
    case WF_METRIC_COUNTER: return "counter";
    case WF_METRIC_GAUGE: return "gauge";
    case WF_METRIC_HISTOGRAM: return "histogram";
    }
    return "untyped";
}

static void family_header(strbuf *b, const char *name, const char *help, const char *type)
{
    sb_str(b, "# HELP ");
    sb_str(b, name);
    sb_str(b, " ");
    sb_escaped(b, help, 0);
    sb_str(b, "\n# TYPE ");
    sb_str(b, name);
    sb_str(b, " ");
    sb_str(b, type);
    sb_str(b, "\n");
}

static void render_family(strbuf *b, const wf_metric *f)
{
    family_header(b, f->name, f->help, type_name(f->type));
    for (const series *s = f->head; s != NULL; s = s->next) {
        if (f->type == WF_METRIC_HISTOGRAM) {
            render_histogram(b, f, s);
            continue;
        }
        sample_start(b, f, s, "", NULL);
        sb_number(b, s->value);
        sb_str(b, "\n");
    }
}

wf_err wf_metrics_render(wf_metrics *m, char **out, size_t *len)
{
    if (m == NULL || out == NULL || len == NULL)
        return WF_ERR_ARG;
    strbuf b = {0};
    pthread_mutex_lock(&m->mu);
    for (const wf_metric *f = m->head; f != NULL; f = f->next)
        render_family(&b, f);
    family_header(&b, DROPPED_NAME, DROPPED_HELP, "counter");
    sb_str(&b, DROPPED_NAME " ");
    sb_u64(&b, m->dropped);
    sb_str(&b, "\n");
    pthread_mutex_unlock(&m->mu);
    if (b.failed) {
        free(b.p);
        return WF_ERR_NOMEM;
    }
    *out = b.p;
    *len = b.len;
    return WF_OK;
}

/* ---- the daemon's families ---- */

typedef struct family_spec {
    size_t slot; /* offset of the handle in wf_node_metrics */
    wf_metric_type type;
    const char *name;
    const char *help;
    const char *const *labels;
    size_t n_labels;
} family_spec;

static const char *const by_result[] = {"result"};
static const char *const by_pool[] = {"key_id", "signers"};
static const char *const by_culprit[] = {"culprit"};
static const char *const by_reason[] = {"reason"};
static const char *const by_bits[] = {"bits"};
static const char *const by_key[] = {"key_id"};

#define SLOT(field) offsetof(wf_node_metrics, field)

static const family_spec node_families[] = {
    {SLOT(requests), WF_METRIC_COUNTER, "warifu_sign_requests_total", "Signing requests finished, by result.",
     by_result, 1},
    {SLOT(request_seconds), WF_METRIC_HISTOGRAM, "warifu_sign_request_duration_seconds",
     "Time from a signing request's arrival to its answer, by result.", by_result, 1},
    {SLOT(presig_pool), WF_METRIC_GAUGE, "warifu_presign_pool_depth",
     "Unused presignatures stored, by key and signing set.", by_pool, 2},
    {SLOT(peers_up), WF_METRIC_GAUGE, "warifu_peers_up", "Peers this node currently has a working link to.",
     NULL, 0},
    {SLOT(peers), WF_METRIC_GAUGE, "warifu_peers", "Peers in the cluster configuration.", NULL, 0},
    {SLOT(aborts), WF_METRIC_COUNTER, "warifu_protocol_aborts_total",
     "Protocol runs aborted, by the member blamed.", by_culprit, 1},
    {SLOT(refused_envelopes), WF_METRIC_COUNTER, "warifu_envelopes_refused_total",
     "Envelopes from peers dropped before reaching a protocol, by reason.", by_reason, 1},
    {SLOT(paillier_pool), WF_METRIC_GAUGE, "warifu_paillier_pool_depth",
     "Pregenerated Paillier keys waiting to be used, by modulus size.", by_bits, 1},
    {SLOT(paillier_generated), WF_METRIC_COUNTER, "warifu_paillier_keys_generated_total",
     "Paillier keys generated since the start (its rate is the generation rate).", NULL, 0},
    {SLOT(paillier_seconds), WF_METRIC_COUNTER, "warifu_paillier_generation_seconds_total",
     "Seconds spent generating pooled Paillier keys (keys generated / this = keys per second).", NULL, 0},
    {SLOT(paillier_misses), WF_METRIC_COUNTER, "warifu_paillier_pool_misses_total",
     "Times a protocol needed a Paillier key and the pool had none (it then searched primes inline).", NULL,
     0},
    {SLOT(presig_expired), WF_METRIC_COUNTER, "warifu_presign_expired_total",
     "Presignatures dropped unused at the end of their lifetime.", NULL, 0},
    {SLOT(prev_kept), WF_METRIC_GAUGE, "warifu_key_previous_generation_kept",
     "1 while the generation before a refresh stays sealed here because the refresh was not confirmed by every "
     "member (old shares not yet erased: rerun the refresh).",
     by_key, 1},
};

wf_err wf_node_metrics_register(wf_metrics *m, wf_node_metrics *out)
{
    static const double latency[] = WF_METRICS_LATENCY_BUCKETS;
    wf_node_metrics made;
    if (m == NULL || out == NULL)
        return WF_ERR_ARG;
    memset(&made, 0, sizeof made);
    for (size_t i = 0; i < sizeof node_families / sizeof node_families[0]; i++) {
        const family_spec *spec = &node_families[i];
        wf_metric **slot = (wf_metric **)((char *)&made + spec->slot);
        int histogram = spec->type == WF_METRIC_HISTOGRAM;
        wf_err err = wf_metrics_add_family(m, slot, spec->type, spec->name, spec->help, spec->labels,
                                           spec->n_labels, histogram ? latency : NULL,
                                           histogram ? sizeof latency / sizeof latency[0] : 0);
        if (err != WF_OK)
            return err;
    }
    *out = made;
    return WF_OK;
}
