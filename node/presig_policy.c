/* Per (key, signing set) presignature water-marks: parsing and lookup
 * (node/presig_policy.h). */
#include "node/presig_policy.h"

#include <stdlib.h>
#include <string.h>

#include "node/fail.h"
#include "node/files.h"
#include "node/text_format.h"

#define HEADER "warifu-presig 1"

typedef struct mark {
    int any_key, any_set;
    uint8_t key_id[32];
    wf_member_set set;
    unsigned low, high;
} mark;

struct wf_presig_policy {
    unsigned def_low, def_high;
    size_t n;
    mark *marks;
};

wf_err wf_presig_policy_default(wf_presig_policy **out, unsigned def_low, unsigned def_high)
{
    if (out == NULL || def_low > def_high)
        return WF_ERR_ARG;
    if ((*out = calloc(1, sizeof **out)) == NULL)
        return WF_ERR_NOMEM;
    (*out)->def_low = def_low;
    (*out)->def_high = def_high;
    return WF_OK;
}

void wf_presig_policy_free(wf_presig_policy *p)
{
    if (p != NULL)
        free(p->marks);
    free(p);
}

/* "i,j,k": increasing member indices below n, exactly t of them. */
static int parse_set(wf_span s, uint32_t n, uint32_t t, wf_member_set *out)
{
    wf_member_set set = 0;
    uint32_t count = 0, last = 0;
    size_t start = 0;
    for (size_t i = 0; i <= s.len; i++) {
        if (i < s.len && s.p[i] != ',')
            continue;
        wf_span part = {s.p + start, i - start};
        uint32_t m = 0;
        if (!wf_span_u32(part, n ? n - 1 : 0, &m) || m >= n || (count > 0 && m <= last))
            return 0;
        set |= WF_SET_BIT(m);
        last = m;
        count++;
        start = i + 1;
    }
    *out = set;
    return count == t;
}

static int same_pattern(const mark *a, const mark *b)
{
    return a->any_key == b->any_key && a->any_set == b->any_set &&
           (a->any_key || memcmp(a->key_id, b->key_id, 32) == 0) && (a->any_set || a->set == b->set);
}

static wf_err parse_line(wf_presig_policy *p, const wf_span *tok, size_t k, unsigned line, uint32_t n,
                         uint32_t t, const char **why)
{
    wf_err err = WF_OK;
    mark m;
    uint32_t low = 0, high = 0;
    memset(&m, 0, sizeof m);
    if (k != 4)
        FAIL(WF_ERR_ENCODING,
             wf_why_fmt("line %u: expected '<key id or *> <signers or *> <low> <high>'", line));
    m.any_key = wf_span_eq(tok[0], "*");
    if (!m.any_key && !wf_span_hex(tok[0], m.key_id, sizeof m.key_id))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: bad key id (64 lowercase hex digits, or *)", line));
    m.any_set = wf_span_eq(tok[1], "*");
    if (!m.any_set && !parse_set(tok[1], n, t, &m.set))
        FAIL(
            WF_ERR_ENCODING,
            wf_why_fmt("line %u: bad signing set (%u increasing member indices below %u joined by ',', or *)",
                       line, t, n));
    if (!wf_span_u32(tok[2], WF_PRESIG_MARK_MAX, &low) || !wf_span_u32(tok[3], WF_PRESIG_MARK_MAX, &high))
        FAIL(WF_ERR_RANGE,
             wf_why_fmt("line %u: the marks must be decimal numbers up to %u", line, WF_PRESIG_MARK_MAX));
    if (low > high)
        FAIL(WF_ERR_RANGE, wf_why_fmt("line %u: the low mark is above the high one", line));
    m.low = low;
    m.high = high;
    for (size_t i = 0; i < p->n; i++)
        if (same_pattern(&p->marks[i], &m))
            FAIL(WF_ERR_CONFLICT, wf_why_fmt("line %u: these key and signers were given marks above", line));
    if (p->n >= WF_PRESIG_POLICY_LINES_MAX)
        FAIL(WF_ERR_RANGE, wf_why_fmt("line %u: more than %d lines", line, WF_PRESIG_POLICY_LINES_MAX));
    mark *grown = realloc(p->marks, (p->n + 1) * sizeof *grown);
    if (grown == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    p->marks = grown;
    p->marks[p->n++] = m;
done:
    return err;
}

wf_err wf_presig_policy_parse(wf_presig_policy **out, const char *text, size_t len, uint32_t n, uint32_t t,
                              unsigned def_low, unsigned def_high, const char **why)
{
    wf_err err = WF_OK;
    wf_presig_policy *p = NULL;
    wf_text tx;
    wf_span line, tok[5];
    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (text == NULL || t == 0 || t > n || n > 64)
        FAIL(WF_ERR_ARG, "missing text or bad cluster size");
    if ((err = wf_presig_policy_default(&p, def_low, def_high)) != WF_OK)
        FAIL(err, "the default presignature marks are inverted (low above high)");
    wf_text_init(&tx, text, len);
    if (wf_text_line(&tx, &line) != 1 || !wf_span_eq(line, HEADER))
        FAIL(WF_ERR_ENCODING, "line 1: not a presig policy of this version (expected '" HEADER "')");
    for (;;) {
        int got = wf_text_line(&tx, &line);
        if (got != 1)
            FAIL(WF_ERR_ENCODING,
                 wf_why_fmt("line %u: %s", tx.line,
                            got == 0 ? "the policy ends without 'end'" : "not printable ASCII ending in LF"));
        if (line.len == 0 || line.p[0] == '#')
            continue;
        size_t k = wf_span_split(line, tok, 5);
        if (k == 0 || k > 4)
            FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: stray spaces or too many words", tx.line));
        if (k == 1 && wf_span_eq(tok[0], "end"))
            break;
        if ((err = parse_line(p, tok, k, tx.line, n, t, why)) != WF_OK)
            goto done;
    }
    if (!wf_text_done(&tx))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: text after 'end'", tx.line + 1));
    *out = p;
    p = NULL;
done:
    wf_presig_policy_free(p);
    return err;
}

wf_err wf_presig_policy_load(wf_presig_policy **out, const char *path, uint32_t n, uint32_t t,
                             unsigned def_low, unsigned def_high, const char **why)
{
    char *text = NULL;
    size_t len = 0;
    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    wf_err err = wf_file_read(path, WF_PRESIG_POLICY_FILE_MAX, WF_FILE_GUARDED, &text, &len, why);
    if (err != WF_OK)
        return err;
    err = wf_presig_policy_parse(out, text, len, n, t, def_low, def_high, why);
    if (err != WF_OK && why != NULL)
        *why = wf_why_wrap(*why, "%s", path);
    free(text);
    return err;
}

/* 3: key and set, 2: key and *, 1: * and set, 0: * *; -1: no match. */
static int rank_of(const mark *m, const uint8_t key_id[32], wf_member_set set)
{
    if (!m->any_key && memcmp(m->key_id, key_id, 32) != 0)
        return -1;
    if (!m->any_set && m->set != set)
        return -1;
    return (m->any_key ? 0 : 2) + (m->any_set ? 0 : 1);
}

void wf_presig_policy_marks(const wf_presig_policy *p, const uint8_t key_id[32], wf_member_set set,
                            unsigned *low, unsigned *high)
{
    int best = -1;
    *low = p->def_low;
    *high = p->def_high;
    for (size_t i = 0; i < p->n; i++) {
        int r = rank_of(&p->marks[i], key_id, set);
        if (r > best) {
            best = r;
            *low = p->marks[i].low;
            *high = p->marks[i].high;
        }
    }
}

unsigned wf_presig_policy_max_high(const wf_presig_policy *p)
{
    unsigned max = p->def_high;
    for (size_t i = 0; i < p->n; i++)
        if (p->marks[i].high > max)
            max = p->marks[i].high;
    return max;
}
