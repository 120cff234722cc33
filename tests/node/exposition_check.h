/* A checker of the Prometheus text exposition format 0.0.4 for the node
 * tests: every line is a HELP, a TYPE, another comment or a sample
 * `name{labels} value`; HELP and TYPE come once, before the samples of their
 * family, whose lines are contiguous; label values use only the escapes \\,
 * \" and \n; histogram buckets rise in le, are cumulative and end with
 * le="+Inf" equal to _count, with a _sum. Also a lookup of one sample. */
#ifndef WF_TESTS_NODE_EXPOSITION_CHECK_H
#define WF_TESTS_NODE_EXPOSITION_CHECK_H

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/metrics.h"
#include "tests/check.h"

#define MAX_FAMILIES 64
#define MAX_HIST     256

typedef struct family_seen {
    char name[WF_METRICS_MAX_NAME + 1];
    char type[16];
    int help, samples, closed;
} family_seen;

typedef struct hist_seen { /* one histogram series, keyed by its labels without le */
    char key[512];
    double last_le, last_bucket, inf, count;
    int buckets, has_inf, has_sum, has_count;
    double sum;
} hist_seen;

typedef struct exposition {
    family_seen fam[MAX_FAMILIES];
    size_t n_fam;
    hist_seen hist[MAX_HIST];
    size_t n_hist;
    int errors;
    size_t line_no;
} exposition;

static int checker_quiet; /* while the checker is shown broken texts */

static inline void bad(exposition *x, const char *what, const char *line)
{
    if (x->errors++ < 10 && !checker_quiet)
        fprintf(stderr, "exposition line %zu: %s: %s\n", x->line_no, what, line);
}

static inline family_seen *family_named(exposition *x, const char *name, size_t len)
{
    for (size_t i = 0; i < x->n_fam; i++)
        if (strlen(x->fam[i].name) == len && strncmp(x->fam[i].name, name, len) == 0)
            return &x->fam[i];
    return NULL;
}

static inline family_seen *family_add(exposition *x, const char *name, size_t len)
{
    REQUIRE(x->n_fam < MAX_FAMILIES && len <= WF_METRICS_MAX_NAME);
    family_seen *f = &x->fam[x->n_fam++];
    memset(f, 0, sizeof *f);
    memcpy(f->name, name, len);
    for (size_t i = 0; i + 1 < x->n_fam; i++)
        x->fam[i].closed = 1; /* a family's lines are contiguous */
    return f;
}

static inline size_t name_len(const char *s, int colon)
{
    size_t i = 0;
    while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
           (colon && s[i] == ':') || (i > 0 && s[i] >= '0' && s[i] <= '9'))
        i++;
    return i;
}

static inline int parse_value(const char *s, double *v)
{
    if (strcmp(s, "+Inf") == 0 || strcmp(s, "-Inf") == 0 || strcmp(s, "NaN") == 0) {
        *v = s[0] == 'N' ? NAN : s[0] == '+' ? INFINITY : -INFINITY;
        return 1;
    }
    char *end = NULL;
    errno = 0;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && errno == 0 && s[0] != ' ';
}

/* "# HELP name text" or "# TYPE name type": before any sample of the family,
 * once each. */
static inline void parse_comment(exposition *x, const char *line)
{
    int help = strncmp(line, "# HELP ", 7) == 0;
    if (!help && strncmp(line, "# TYPE ", 7) != 0)
        return; /* other comments are allowed and ignored */
    const char *name = line + 7;
    size_t len = name_len(name, 1);
    if (len == 0 || name[len] != ' ') {
        bad(x, "bad metric name", line);
        return;
    }
    family_seen *f = family_named(x, name, len);
    if (f == NULL)
        f = family_add(x, name, len);
    if (f->closed || f->samples > 0 || (help ? f->help : f->type[0] != '\0'))
        bad(x, "HELP/TYPE repeated or after samples", line);
    const char *rest = name + len + 1;
    if (help) {
        for (const char *p = rest; *p != '\0'; p++)
            if (*p == '\\' && p[1] != '\\' && p[1] != 'n')
                bad(x, "bad escape in HELP", line);
            else if (*p == '\\')
                p++;
        f->help = 1;
    } else if (strcmp(rest, "counter") == 0 || strcmp(rest, "gauge") == 0 || strcmp(rest, "histogram") == 0 ||
               strcmp(rest, "summary") == 0 || strcmp(rest, "untyped") == 0) {
        snprintf(f->type, sizeof f->type, "%s", rest);
    } else {
        bad(x, "unknown TYPE", line);
    }
}

/* {name="value",...}: *p after the closing brace; the labels other than le
 * (as written) go to key, le's value to le. 0 when malformed. */
static inline int parse_labels(const char **p, char *key, size_t key_cap, char *le, size_t le_cap)
{
    const char *s = *p + 1;
    size_t k = 0;
    key[0] = le[0] = '\0';
    while (*s != '}') {
        size_t n = name_len(s, 0);
        if (n == 0 || s[n] != '=' || s[n + 1] != '"')
            return 0;
        int is_le = n == 2 && strncmp(s, "le", 2) == 0;
        const char *v = s + n + 2, *e = v;
        while (*e != '"') {
            if (*e == '\0' || (*e == '\\' && e[1] != '\\' && e[1] != '"' && e[1] != 'n'))
                return 0;
            e += *e == '\\' ? 2 : 1;
        }
        size_t whole = (size_t)(e + 1 - s);
        if (is_le)
            snprintf(le, le_cap, "%.*s", (int)(e - v), v);
        else if (k + whole + 1 < key_cap)
            k += (size_t)snprintf(key + k, key_cap - k, "%.*s,", (int)whole, s);
        s = e + 1;
        if (*s == ',')
            s++;
        else if (*s != '}')
            return 0;
    }
    *p = s + 1;
    return 1;
}

static inline hist_seen *hist_for(exposition *x, const char *family, const char *labels)
{
    char key[512];
    snprintf(key, sizeof key, "%s|%s", family, labels);
    for (size_t i = 0; i < x->n_hist; i++)
        if (strcmp(x->hist[i].key, key) == 0)
            return &x->hist[i];
    REQUIRE(x->n_hist < MAX_HIST);
    hist_seen *h = &x->hist[x->n_hist++];
    memset(h, 0, sizeof *h);
    snprintf(h->key, sizeof h->key, "%s", key);
    h->last_le = -INFINITY;
    return h;
}

/* A histogram's _bucket lines: le increasing, counts cumulative. */
static inline void histogram_sample(exposition *x, const char *line, const char *family, const char *suffix,
                                    const char *labels, const char *le, double v)
{
    hist_seen *h = hist_for(x, family, labels);
    if (strcmp(suffix, "_bucket") == 0) {
        double bound;
        if (!parse_value(le, &bound) || h->has_inf || !(bound > h->last_le) || v < h->last_bucket)
            bad(x, "histogram buckets out of order or not cumulative", line);
        h->last_le = bound;
        h->last_bucket = v;
        h->buckets++;
        if (isinf(bound) && bound > 0) {
            h->has_inf = 1;
            h->inf = v;
        }
    } else if (strcmp(suffix, "_sum") == 0) {
        h->has_sum = 1;
        h->sum = v;
    } else if (strcmp(suffix, "_count") == 0) {
        h->has_count = 1;
        h->count = v;
    } else {
        bad(x, "histogram sample with a bad suffix", line);
    }
    if (le[0] != '\0' && strcmp(suffix, "_bucket") != 0)
        bad(x, "le outside _bucket", line);
}

/* name{labels} value: its family declared above it; histograms as above. */
static inline void parse_sample(exposition *x, const char *line)
{
    size_t len = name_len(line, 1);
    char labels[512] = "", le[64] = "";
    const char *p = line + len;
    if (len == 0 || (*p == '{' && !parse_labels(&p, labels, sizeof labels, le, sizeof le)) || *p != ' ') {
        bad(x, "malformed sample", line);
        return;
    }
    double v;
    if (!parse_value(p + 1, &v))
        bad(x, "malformed value", line);
    family_seen *f = family_named(x, line, len);
    const char *suffix = "";
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    for (size_t i = 0; f == NULL && i < 3; i++) {
        size_t s = strlen(suffixes[i]);
        if (len > s && strncmp(line + len - s, suffixes[i], s) == 0 &&
            (f = family_named(x, line, len - s)) != NULL)
            suffix = suffixes[i];
    }
    if (f == NULL || !f->help || f->type[0] == '\0' || f->closed) {
        bad(x, "sample without HELP and TYPE before it, or apart from its family", line);
        return;
    }
    f->samples++;
    if (strcmp(f->type, "histogram") == 0)
        histogram_sample(x, line, f->name, suffix, labels, le, v);
    else if (suffix[0] != '\0' || le[0] != '\0')
        bad(x, "suffix or le on a plain sample", line);
}

/* Errors found in text; every histogram series must end its buckets with
 * le="+Inf" equal to its _count and have a _sum. */
static inline int exposition_errors(const char *text)
{
    exposition *x = calloc(1, sizeof *x);
    REQUIRE(x != NULL);
    size_t n = strlen(text);
    if (n == 0 || text[n - 1] != '\n')
        bad(x, "text does not end with a newline", "");
    char *copy = strdup(text), *save = NULL;
    REQUIRE(copy != NULL);
    for (char *line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        x->line_no++;
        if (line[0] == '#')
            parse_comment(x, line);
        else
            parse_sample(x, line);
    }
    if (strstr(text, "\n\n") != NULL)
        bad(x, "empty line", "");
    for (size_t i = 0; i < x->n_hist; i++) {
        const hist_seen *h = &x->hist[i];
        if (!h->has_inf || !h->has_sum || !h->has_count || h->inf != h->count || h->buckets < 2)
            bad(x, "histogram series incomplete or +Inf bucket differs from _count", h->key);
    }
    free(copy);
    int errors = x->errors;
    free(x);
    return errors;
}

/* The value of the sample line starting with `series ` ("name{labels}"), or
 * NAN when there is none. */
static inline double sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p != NULL && *p != '\0';) {
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
        p = strchr(p, '\n');
        p = p != NULL ? p + 1 : NULL;
    }
    return NAN;
}

#endif
