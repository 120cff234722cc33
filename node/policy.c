#include "node/policy.h"

#include <stdlib.h>
#include <string.h>

#include "node/fail.h"
#include "node/files.h"
#include "node/node_identity.h"
#include "node/text_format.h"

#define POLICY_HEADER "warifu-policy 1"
#define MAX_TOKENS    5

static wf_policy_client *find_name(wf_policy *p, wf_span name)
{
    for (size_t i = 0; i < p->n_clients; i++)
        if (wf_span_eq(name, p->clients[i].name))
            return &p->clients[i];
    return NULL;
}

static const wf_policy_client *find_pk(const wf_policy *p, const uint8_t pk[WF_IDENTITY_PK_BYTES])
{
    for (size_t i = 0; i < p->n_clients; i++)
        if (memcmp(p->clients[i].pk, pk, WF_IDENTITY_PK_BYTES) == 0)
            return &p->clients[i];
    return NULL;
}

/* client <name> <pk> [daily-limit <count>] */
static wf_err parse_client(wf_policy *p, const wf_span *tok, size_t k, unsigned line, const char **why)
{
    wf_err err = WF_OK;
    if (k != 3 && !(k == 5 && wf_span_eq(tok[3], "daily-limit")))
        FAIL(WF_ERR_ENCODING,
             wf_why_fmt("line %u: expected 'client <name> <public key>' and optionally 'daily-limit <n>'",
                        line));
    if (p->n_clients == WF_POLICY_MAX_CLIENTS)
        FAIL(WF_ERR_RANGE, wf_why_fmt("line %u: more than %d clients", line, WF_POLICY_MAX_CLIENTS));
    wf_policy_client *c = &p->clients[p->n_clients];
    memset(c, 0, sizeof *c);
    if (!wf_span_str(tok[1], c->name, sizeof c->name) || !wf_tls_name_valid(c->name))
        FAIL(WF_ERR_ENCODING,
             wf_why_fmt("line %u: bad client name ([a-z0-9][a-z0-9.-]*, at most %d)", line, WF_TLS_NAME_MAX));
    if (!wf_span_hex(tok[2], c->pk, sizeof c->pk))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: bad client public key (64 lowercase hex digits)", line));
    if (!wf_node_identity_pk_valid(c->pk))
        FAIL(WF_ERR_VERIFY, wf_why_fmt("line %u: the client key is not a valid Ed25519 public key", line));
    if (find_name(p, tok[1]) != NULL)
        FAIL(WF_ERR_CONFLICT, wf_why_fmt("line %u: client %s is declared twice", line, c->name));
    if (find_pk(p, c->pk) != NULL)
        FAIL(WF_ERR_CONFLICT, wf_why_fmt("line %u: client %s has the key of another client", line, c->name));
    if (k == 5 && !wf_span_u32(tok[4], UINT32_MAX, &c->daily_limit))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: the daily limit must be a decimal number", line));
    if (k == 5 && c->daily_limit == 0)
        FAIL(WF_ERR_RANGE,
             wf_why_fmt("line %u: a daily limit of 0 allows nothing; remove the client instead", line));
    if (c->daily_limit > WF_POLICY_LIMIT_MAX)
        FAIL(WF_ERR_RANGE, wf_why_fmt("line %u: the daily limit is above %u", line, WF_POLICY_LIMIT_MAX));
    p->n_clients++;
done:
    return err;
}

/* allow <name> <key id | *> */
static wf_err parse_allow(wf_policy *p, const wf_span *tok, size_t k, unsigned line, const char **why)
{
    wf_err err = WF_OK;
    uint8_t key[WF_ID_BYTES];
    if (k != 3)
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: expected 'allow <client name> <key id or *>'", line));
    wf_policy_client *c = find_name(p, tok[1]);
    if (c == NULL)
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: allow for a client not declared above", line));
    if (wf_span_eq(tok[2], "*")) {
        if (c->any_key || c->n_keys > 0)
            FAIL(WF_ERR_CONFLICT,
                 wf_why_fmt("line %u: client %s already has keys: '*' cannot be added to them", line,
                            c->name));
        c->any_key = 1;
        goto done;
    }
    if (!wf_span_hex(tok[2], key, sizeof key))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: bad key id (64 lowercase hex digits, or *)", line));
    if (c->any_key)
        FAIL(WF_ERR_CONFLICT, wf_why_fmt("line %u: client %s may already use any key", line, c->name));
    for (size_t i = 0; i < c->n_keys; i++)
        if (memcmp(c->keys[i], key, sizeof key) == 0)
            FAIL(WF_ERR_CONFLICT, wf_why_fmt("line %u: this key is already allowed for %s", line, c->name));
    if (c->n_keys == WF_POLICY_MAX_KEYS)
        FAIL(WF_ERR_RANGE,
             wf_why_fmt("line %u: more than %d keys for %s", line, WF_POLICY_MAX_KEYS, c->name));
    memcpy(c->keys[c->n_keys++], key, sizeof key);
done:
    return err;
}

static wf_err parse_body(wf_policy *p, wf_text *t, const char **why)
{
    wf_err err = WF_OK;
    wf_span line, tok[MAX_TOKENS];
    for (;;) {
        int got = wf_text_line(t, &line);
        if (got != 1)
            FAIL(WF_ERR_ENCODING,
                 wf_why_fmt("line %u: %s", t->line,
                            got == 0 ? "the policy ends without 'end'" : "not printable ASCII ending in LF"));
        if (line.len == 0 || line.p[0] == '#')
            continue;
        size_t k = wf_span_split(line, tok, MAX_TOKENS);
        if (k == 0 || k > MAX_TOKENS)
            FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: stray spaces or too many words", t->line));
        if (k == 1 && wf_span_eq(tok[0], "end"))
            break;
        if (wf_span_eq(tok[0], "client"))
            err = parse_client(p, tok, k, t->line, why);
        else if (wf_span_eq(tok[0], "allow"))
            err = parse_allow(p, tok, k, t->line, why);
        else
            FAIL(WF_ERR_ENCODING,
                 wf_why_fmt("line %u: unknown line (expected client, allow or end)", t->line));
        if (err != WF_OK)
            goto done;
    }
    if (!wf_text_done(t))
        FAIL(WF_ERR_ENCODING, wf_why_fmt("line %u: text after 'end'", t->line + 1));
    for (size_t i = 0; i < p->n_clients; i++)
        if (!p->clients[i].any_key && p->clients[i].n_keys == 0)
            FAIL(WF_ERR_ENCODING, wf_why_fmt("client %s has no 'allow' line", p->clients[i].name));
done:
    return err;
}

wf_err wf_policy_parse(wf_policy **out, const char *text, size_t len, const char **why)
{
    wf_err err = WF_OK;
    wf_policy *p = NULL;
    wf_text t;
    wf_span line;

    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (text == NULL)
        FAIL(WF_ERR_ARG, "missing text");
    if ((p = calloc(1, sizeof *p)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    wf_text_init(&t, text, len);
    if (wf_text_line(&t, &line) != 1 || !wf_span_eq(line, POLICY_HEADER))
        FAIL(WF_ERR_ENCODING, "line 1: not a policy of this version (expected '" POLICY_HEADER "')");
    if ((err = parse_body(p, &t, why)) != WF_OK)
        goto done;
    *out = p;
    p = NULL;
done:
    free(p);
    return err;
}

wf_err wf_policy_load(wf_policy **out, const char *path, const char **why)
{
    char *text = NULL;
    size_t len = 0;
    wf_err err;

    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if ((err = wf_file_read(path, WF_POLICY_FILE_MAX, WF_FILE_GUARDED, &text, &len, why)) != WF_OK)
        return err;
    err = wf_policy_parse(out, text, len, why);
    if (err != WF_OK && why != NULL)
        *why = wf_why_wrap(*why, "%s", path);
    free(text);
    return err;
}

void wf_policy_free(wf_policy *p)
{
    free(p);
}

/* ---- decisions ---- */

static int key_allowed(const wf_policy_client *c, const uint8_t key_id[WF_ID_BYTES])
{
    if (c->any_key)
        return 1;
    for (size_t i = 0; i < c->n_keys; i++)
        if (memcmp(c->keys[i], key_id, WF_ID_BYTES) == 0)
            return 1;
    return 0;
}

static wf_policy_counter *counter_of(wf_policy_counters *c, const uint8_t client[WF_IDENTITY_PK_BYTES])
{
    for (size_t i = 0; i < c->n; i++)
        if (memcmp(c->entries[i].client, client, WF_IDENTITY_PK_BYTES) == 0)
            return &c->entries[i];
    return NULL;
}

/* A slot for a client that has none: a free one, else one of an earlier day
 * or of a client the policy no longer lists. There is always one: entries
 * are distinct clients, so at most n_clients - 1 of them belong to listed
 * clients other than the one asking. */
static wf_policy_counter *new_counter(wf_policy_counters *c, const wf_policy *p, uint64_t day)
{
    if (c->n < WF_POLICY_MAX_CLIENTS)
        return &c->entries[c->n++];
    for (size_t i = 0; i < c->n; i++)
        if (c->entries[i].day != day || find_pk(p, c->entries[i].client) == NULL)
            return &c->entries[i];
    return NULL;
}

wf_policy_verdict wf_policy_check(const wf_policy *p, const wf_sign_request *r, uint64_t now_ms,
                                  wf_policy_counters *counters)
{
    if (p == NULL || r == NULL || counters == NULL || counters->n > WF_POLICY_MAX_CLIENTS)
        return WF_POLICY_INVALID;
    switch (wf_sign_request_check(r, now_ms)) {
    case WF_REQUEST_OK: break;
    case WF_REQUEST_EXPIRED: return WF_POLICY_EXPIRED;
    case WF_REQUEST_TOO_FAR_AHEAD: return WF_POLICY_TOO_FAR_AHEAD;
    case WF_REQUEST_BAD_SIGNATURE:
    default: return WF_POLICY_BAD_SIGNATURE;
    }
    const wf_policy_client *client = find_pk(p, r->client_id);
    if (client == NULL)
        return WF_POLICY_UNKNOWN_CLIENT;
    if (!key_allowed(client, r->key_id))
        return WF_POLICY_KEY_NOT_ALLOWED;
    uint64_t day = now_ms / WF_POLICY_DAY_MS;
    wf_policy_counter *ctr = counter_of(counters, r->client_id);
    uint32_t today = ctr != NULL && ctr->day == day ? ctr->count : 0;
    if (client->daily_limit != 0 && today >= client->daily_limit)
        return WF_POLICY_DAILY_LIMIT;
    if (ctr == NULL && (ctr = new_counter(counters, p, day)) == NULL)
        return WF_POLICY_INVALID; /* unreachable, see new_counter */
    memcpy(ctr->client, r->client_id, WF_IDENTITY_PK_BYTES);
    ctr->day = day;
    ctr->count = today < UINT32_MAX ? today + 1 : today;
    return WF_POLICY_ALLOW;
}

const char *wf_policy_verdict_str(wf_policy_verdict v)
{
    switch (v) {
    case WF_POLICY_ALLOW: return "allowed";
    case WF_POLICY_BAD_SIGNATURE: return "the client signature does not verify";
    case WF_POLICY_EXPIRED: return "the request has expired";
    case WF_POLICY_TOO_FAR_AHEAD: return "the request's expiry is too far in the future";
    case WF_POLICY_UNKNOWN_CLIENT: return "the client is not in the policy";
    case WF_POLICY_KEY_NOT_ALLOWED: return "the policy does not allow this client to use this key";
    case WF_POLICY_DAILY_LIMIT: return "the client has used up today's requests";
    case WF_POLICY_INVALID: return "invalid policy check";
    }
    return "unknown verdict";
}

uint32_t wf_policy_counters_get(const wf_policy_counters *c, const uint8_t client[WF_IDENTITY_PK_BYTES],
                                uint64_t now_ms)
{
    if (c == NULL || client == NULL || c->n > WF_POLICY_MAX_CLIENTS)
        return 0;
    for (size_t i = 0; i < c->n; i++)
        if (memcmp(c->entries[i].client, client, WF_IDENTITY_PK_BYTES) == 0)
            return c->entries[i].day == now_ms / WF_POLICY_DAY_MS ? c->entries[i].count : 0;
    return 0;
}

/* ---- persistence ---- */

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return v;
}

static int counters_distinct(const wf_policy_counters *c)
{
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < i; j++)
            if (memcmp(c->entries[i].client, c->entries[j].client, WF_IDENTITY_PK_BYTES) == 0)
                return 0;
    return 1;
}

size_t wf_policy_counters_encode(const wf_policy_counters *c, uint8_t *out)
{
    if (c == NULL || out == NULL || c->n > WF_POLICY_MAX_CLIENTS || !counters_distinct(c))
        return 0;
    memcpy(out, "wfpc", 4);
    out[4] = 1;
    put_be(out + 5, c->n, 4);
    uint8_t *p = out + 9;
    for (size_t i = 0; i < c->n; i++, p += WF_POLICY_COUNTER_BYTES) {
        memcpy(p, c->entries[i].client, WF_IDENTITY_PK_BYTES);
        put_be(p + WF_IDENTITY_PK_BYTES, c->entries[i].day, 8);
        put_be(p + WF_IDENTITY_PK_BYTES + 8, c->entries[i].count, 4);
    }
    return (size_t)(p - out);
}

wf_err wf_policy_counters_decode(wf_policy_counters *c, const uint8_t *in, size_t len)
{
    if (c == NULL || in == NULL)
        return WF_ERR_ARG;
    memset(c, 0, sizeof *c);
    if (len < 9 || memcmp(in, "wfpc", 4) != 0 || in[4] != 1)
        return WF_ERR_ENCODING;
    uint64_t n = get_be(in + 5, 4);
    if (n > WF_POLICY_MAX_CLIENTS || len != 9 + n * WF_POLICY_COUNTER_BYTES)
        return WF_ERR_ENCODING;
    const uint8_t *p = in + 9;
    for (size_t i = 0; i < n; i++, p += WF_POLICY_COUNTER_BYTES) {
        memcpy(c->entries[i].client, p, WF_IDENTITY_PK_BYTES);
        c->entries[i].day = get_be(p + WF_IDENTITY_PK_BYTES, 8);
        c->entries[i].count = (uint32_t)get_be(p + WF_IDENTITY_PK_BYTES + 8, 4);
    }
    c->n = (size_t)n;
    if (!counters_distinct(c)) {
        memset(c, 0, sizeof *c);
        return WF_ERR_ENCODING;
    }
    return WF_OK;
}
