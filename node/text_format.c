#include "node/text_format.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PEM_LINE_MAX 64

static _Thread_local char why_buf[WF_WHY_MAX];

const char *wf_why_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why_buf, sizeof why_buf, fmt, ap);
    va_end(ap);
    return why_buf;
}

const char *wf_why_wrap(const char *inner, const char *fmt, ...)
{
    char copy[WF_WHY_MAX];
    snprintf(copy, sizeof copy, "%s", inner != NULL ? inner : "failed");
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(why_buf, sizeof why_buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n + 2 >= sizeof why_buf)
        return why_buf;
    size_t at = (size_t)n, room = sizeof why_buf - at - 3, len = strlen(copy); /* ": " and the NUL */
    memcpy(why_buf + at, ": ", 2);
    memcpy(why_buf + at + 2, copy, len < room ? len : room);
    why_buf[at + 2 + (len < room ? len : room)] = '\0';
    return why_buf;
}

/* ---- reading ---- */

void wf_text_init(wf_text *t, const char *s, size_t len)
{
    t->p = s;
    t->end = s + len;
    t->line = 0;
}

int wf_text_line(wf_text *t, wf_span *line)
{
    if (t->p >= t->end)
        return 0;
    t->line++;
    const char *nl = memchr(t->p, '\n', (size_t)(t->end - t->p));
    if (nl == NULL)
        return -1;
    for (const char *c = t->p; c < nl; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
            return -1;
    line->p = t->p;
    line->len = (size_t)(nl - t->p);
    t->p = nl + 1;
    return 1;
}

int wf_text_done(const wf_text *t)
{
    return t->p >= t->end;
}

size_t wf_span_split(wf_span line, wf_span *tok, size_t max)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= line.len; i++) {
        if (i < line.len && line.p[i] != ' ')
            continue;
        if (i == start)
            return 0; /* empty token: leading, trailing or doubled space, or an empty line */
        if (n == max)
            return max + 1;
        tok[n].p = line.p + start;
        tok[n].len = i - start;
        n++;
        start = i + 1;
    }
    return n;
}

int wf_span_eq(wf_span s, const char *lit)
{
    size_t len = strlen(lit);
    return s.len == len && memcmp(s.p, lit, len) == 0;
}

int wf_span_u32(wf_span s, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    if (s.len == 0 || s.len > 10 || (s.len > 1 && s.p[0] == '0'))
        return 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(s.p[i] - '0');
    }
    if (v > max)
        return 0;
    *out = (uint32_t)v;
    return 1;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int wf_span_hex(wf_span s, uint8_t *out, size_t n)
{
    if (s.len != 2 * n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_digit(s.p[2 * i]), lo = hex_digit(s.p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 1;
}

int wf_span_str(wf_span s, char *out, size_t cap)
{
    if (s.len >= cap)
        return 0;
    memcpy(out, s.p, s.len);
    out[s.len] = '\0';
    return 1;
}

static int pem_marker(wf_span line, const char *what, const char *label)
{
    char want[64];
    int n = snprintf(want, sizeof want, "-----%s %s-----", what, label);
    return n > 0 && (size_t)n < sizeof want && wf_span_eq(line, want);
}

static int base64_line(wf_span line)
{
    if (line.len == 0 || line.len > PEM_LINE_MAX)
        return 0;
    for (size_t i = 0; i < line.len; i++) {
        char c = line.p[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
              c == '/' || c == '='))
            return 0;
    }
    return 1;
}

int wf_text_pem(wf_text *t, const char *label, size_t max, wf_span *block)
{
    wf_span line;
    const char *start = t->p;
    if (wf_text_line(t, &line) != 1 || !pem_marker(line, "BEGIN", label))
        return 0;
    for (;;) {
        if (wf_text_line(t, &line) != 1 || (size_t)(t->p - start) > max)
            return 0;
        if (pem_marker(line, "END", label))
            break;
        if (!base64_line(line))
            return 0;
    }
    block->p = start;
    block->len = (size_t)(t->p - start);
    return 1;
}

void wf_hex_encode(char *out, const uint8_t *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ---- building ---- */

static int buf_reserve(wf_buf *b, size_t more)
{
    if (b->failed)
        return 0;
    if (b->len + more + 1 <= b->cap)
        return 1;
    size_t cap = b->cap != 0 ? b->cap : 1024;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        wf_buf_clear(b);
        b->failed = 1;
        return 0;
    }
    b->p = p;
    b->cap = cap;
    return 1;
}

void wf_buf_put(wf_buf *b, const char *s, size_t len)
{
    if (!buf_reserve(b, len))
        return;
    memcpy(b->p + b->len, s, len);
    b->len += len;
    b->p[b->len] = '\0';
}

void wf_buf_printf(wf_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        wf_buf_clear(b);
        b->failed = 1;
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *wf_buf_take(wf_buf *b, size_t *len)
{
    if (b->failed || !buf_reserve(b, 0)) {
        wf_buf_clear(b);
        return NULL;
    }
    char *p = b->p;
    if (len != NULL)
        *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void wf_buf_clear(wf_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
