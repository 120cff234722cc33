/* The strict line-based text formats of node/ (member files, cluster
 * configs, policies): reading lines and space-separated tokens, numbers and
 * hex, embedded PEM blocks; building such text; and the thread-local message
 * buffer their errors are written to.
 *
 * What every format shares: 7-bit printable ASCII only, one space between
 * tokens and none at either end of a line, every line (the last included)
 * ended by a single LF, decimal numbers without sign or leading zeros, and
 * hex in lowercase. Anything else is refused rather than tolerated, so a
 * file that parses has exactly one spelling. */
#ifndef WF_NODE_TEXT_FORMAT_H
#define WF_NODE_TEXT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define WF_WHY_MAX 256

/* Formats a message into this thread's message buffer and returns it. The
 * buffer is overwritten by the thread's next call; callers that need a
 * message for longer copy it. */
const char *wf_why_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "<fmt...>: <inner>" into the same buffer; inner may be a message already
 * in it (it is copied first). */
const char *wf_why_wrap(const char *inner, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A piece of a larger text, not NUL-terminated. */
typedef struct wf_span {
    const char *p;
    size_t len;
} wf_span;

/* A cursor over a text, line by line. */
typedef struct wf_text {
    const char *p, *end;
    unsigned line; /* 1-based number of the line last returned */
} wf_text;

void wf_text_init(wf_text *t, const char *s, size_t len);
/* 1 with the next line (without its LF), 0 at the end of the text, -1 when
 * the line has a byte outside 0x20..0x7e or no terminating LF. */
int wf_text_line(wf_text *t, wf_span *line);
/* 1 when nothing is left to read. */
int wf_text_done(const wf_text *t);

/* Splits a line at single spaces into at most max tokens. Returns the
 * number of tokens, max + 1 when there are more, and 0 for an empty line or
 * one with a leading, trailing or doubled space. */
size_t wf_span_split(wf_span line, wf_span *tok, size_t max);
/* 1 when the span is exactly the literal. */
int wf_span_eq(wf_span s, const char *lit);
/* A decimal number in 0..max, without sign or leading zeros. */
int wf_span_u32(wf_span s, uint32_t max, uint32_t *out);
/* Exactly 2·n lowercase hex digits into out[0..n). */
int wf_span_hex(wf_span s, uint8_t *out, size_t n);
/* Copies the span and a NUL into out; 0 when it does not fit in cap. */
int wf_span_str(wf_span s, char *out, size_t cap);

/* Reads one PEM block of the given label ("CERTIFICATE") starting at the
 * next line: "-----BEGIN label-----", lines of 1..64 base64 characters, and
 * "-----END label-----". *block spans the whole of it including the last
 * LF. 0 when the lines are not such a block (or it exceeds max bytes). */
int wf_text_pem(wf_text *t, const char *label, size_t max, wf_span *block);

/* Lowercase hex of in[0..n) into out, with a NUL: out holds 2·n + 1. */
void wf_hex_encode(char *out, const uint8_t *in, size_t n);

/* A growing text. A failed allocation is remembered: the text is then
 * discarded and wf_buf_take returns NULL. */
typedef struct wf_buf {
    char *p;
    size_t len, cap;
    int failed;
} wf_buf;

void wf_buf_put(wf_buf *b, const char *s, size_t len);
void wf_buf_printf(wf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The NUL-terminated text (malloc'ed, the caller frees it) and its length;
 * NULL (and b emptied) after a failed allocation. */
char *wf_buf_take(wf_buf *b, size_t *len);
/* Frees the text. */
void wf_buf_clear(wf_buf *b);

#endif
